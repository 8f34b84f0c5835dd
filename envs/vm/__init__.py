"""VM rescheduling (`schedrl/VMReschedule-v0`): lower a cluster's CPU fragment rate with a
limited number of live migrations, after VMR2L (EuroSys 2025)."""

from schedrl.envs.vm.family import VM_RESCHEDULE

__all__ = ["VM_RESCHEDULE"]
