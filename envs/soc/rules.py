"""Step-wise baselines of DS3 and the list-scheduling literature. Each picks a ready task and
a PE for it, reading the env's simulation; ties go to the ready queue's order (the order in
which tasks became ready), then to the lower PE index.

- MET: the first ready task, on a PE of minimum execution time (among those, an idle one,
  then the one given fewest tasks at this decision time, as DS3 spreads equal PEs);
- EFT: the first ready task, on the PE of earliest estimated finish;
- STF: the ready task of shortest execution time, placed as MET places it;
- ETF: the (ready task, PE) pair of earliest estimated finish over all pairs (DS3's ETF);
- HEFT_RT: the ready task of highest upward rank (the order recomputed at every decision
  time), placed by EFT;
- random: a uniformly random legal node.

Estimates use the table's mean execution times. In `action_mode="eft"` the env places
every task by EFT itself: there a rule gives only its task order (EFT, ETF and HEFT_RT are
unchanged; MET and STF become their order with EFT placement). The results tables run
the rules in `action_mode="direct"` (configs/family/soc.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from schedrl.envs.core.policy import Policy, RandomPolicy
from schedrl.envs.soc.simulation import SoCSimulation

Choice = tuple[int, int, int]  # (job, task, pe)


def _met_pe(sim: SoCSimulation, job: int, task: int) -> int:
    times = sim.stats[sim.application(job)].times[task]
    fastest = np.flatnonzero(times == times[times >= 0].min())
    idle = fastest[sim.pe_free[fastest] <= sim.now]
    candidates = idle if idle.size else fastest
    return int(candidates[np.argmin(sim.epoch_load[candidates])])


def met(sim: SoCSimulation) -> Choice:
    job, task = sim.ready[0]
    return job, task, _met_pe(sim, job, task)


def eft(sim: SoCSimulation) -> Choice:
    job, task = sim.ready[0]
    return job, task, sim.eft_pe(job, task)


def stf(sim: SoCSimulation) -> Choice:
    job, task = min(sim.ready, key=lambda jt: sim.stats[sim.application(jt[0])].min_exec[jt[1]])
    return job, task, _met_pe(sim, job, task)


def etf(sim: SoCSimulation) -> Choice:
    estimates = sim.ready_estimates()
    row, pe = np.unravel_index(int(np.argmin(estimates)), estimates.shape)  # the first minimum, row-major
    job, task = sim.ready[row]
    return job, task, int(pe)


def heft_rt(sim: SoCSimulation) -> Choice:
    job, task = max(sim.ready, key=lambda jt: sim.stats[sim.application(jt[0])].upward_rank[jt[1]])
    return job, task, sim.eft_pe(job, task)


class ListRule:
    """A rule as a `Policy`: its task in stage 0 and, in direct mode, its PE in stage 1."""

    def __init__(self, name: str, choose: Callable[[SoCSimulation], Choice], places_by_eft: bool):
        self.name = name
        self.choose = choose
        self.places_by_eft = places_by_eft
        self._planned: tuple[SoCSimulation, int, Choice] | None = None  # (episode, decision time, choice)

    def act(self, obs: dict[str, np.ndarray], action_mask: np.ndarray, env: Any = None) -> int:
        if env is None:
            raise ValueError(f"{self.name} reads the env's simulation: call act(obs, mask, env)")
        state = env.unwrapped
        sim: SoCSimulation = state.sim
        if state.chosen is None:
            choice = self.choose(sim)
            self._planned = (sim, sim.now, choice)
            return state.task_node(*choice[:2])
        job, task = state.chosen
        planned, self._planned = self._planned, None
        if planned is not None and planned[0] is sim and planned[1] == sim.now and planned[2][:2] == (job, task):
            return state.pe_node(planned[2][2])
        return state.pe_node(self.choose_pe(sim, job, task))

    def choose_pe(self, sim: SoCSimulation, job: int, task: int) -> int:
        return sim.eft_pe(job, task) if self.places_by_eft else _met_pe(sim, job, task)


def soc_baselines(seed: int = 0) -> dict[str, Policy]:
    return {
        "met": ListRule("MET", met, places_by_eft=False),
        "eft": ListRule("EFT", eft, places_by_eft=True),
        "stf": ListRule("STF", stf, places_by_eft=False),
        "etf": ListRule("ETF", etf, places_by_eft=True),
        "heft_rt": ListRule("HEFT_RT", heft_rt, places_by_eft=True),
        "random": RandomPolicy(seed),
    }
