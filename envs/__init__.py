"""schedrl environments. Importing this package registers every family with Gymnasium:

import gymnasium, schedrl
env = gymnasium.make("schedrl/JobShop-v0", instance="ta01")
"""

from schedrl.envs.blocking import BLOCKING_JOB_SHOP
from schedrl.envs.core.family import ProblemFamily, baselines, env_ids, family, register_family
from schedrl.envs.core.policy import Policy, RandomPolicy
from schedrl.envs.core.rollout import Episode, rollout
from schedrl.envs.edge.family import EDGE_OFFLOAD
from schedrl.envs.jobshop import JOB_SHOP
from schedrl.envs.soc.family import SOC
from schedrl.envs.uam.family import UAM_FLEET
from schedrl.envs.vm import VM_RESCHEDULE
from schedrl.errors import (
    ConfigError,
    EnvelopeError,
    IllegalActionError,
    InstanceFormatError,
    InvalidScheduleError,
    SchedRLError,
    UnknownNameError,
)

register_family(JOB_SHOP)
register_family(BLOCKING_JOB_SHOP)
register_family(VM_RESCHEDULE)
register_family(SOC)
register_family(EDGE_OFFLOAD)
register_family(UAM_FLEET)

__all__ = [
    "ConfigError",
    "EnvelopeError",
    "Episode",
    "IllegalActionError",
    "InstanceFormatError",
    "InvalidScheduleError",
    "Policy",
    "ProblemFamily",
    "RandomPolicy",
    "SchedRLError",
    "UnknownNameError",
    "baselines",
    "env_ids",
    "family",
    "register_family",
    "rollout",
]
