"""Schedule-generation schemes. The scheme changes rule gaps by up to 2x, so it is a choice.

non_delay  event-driven: at the current time every operation that can start now is a
           candidate; the clock jumps to the next event when none is left. (Default.)
active     Giffler-Thompson: the conflict set on the machine that can finish an operation
           first; the chosen operation starts at its earliest start.
insertion  'Learning to Dispatch': any job's next operation, inserted into the earliest
           idle gap of its machine that fits (left shift).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from schedrl.envs.jobshop.state import JobShopState


class Dynamics(Protocol):
    name: str

    def placement(self, state: JobShopState, node: int) -> tuple[int, int]:
        """(start time, position in the machine's sequence) for a chosen candidate."""

    def update_candidates(self, state: JobShopState, node: int | None) -> None:
        """Refresh `state.candidate_jobs` (and the clock) after `node` was placed (None: at reset)."""


def _append(state: JobShopState, node: int) -> tuple[int, int]:
    job = node // state.num_machines
    machine = state.machine[node]
    start = max(int(state.job_ready[job]), int(state.machine_ready[machine]))
    return start, int(state.machine_count[machine])


class NonDelay:
    name = "non_delay"
    placement = staticmethod(_append)

    def update_candidates(self, state: JobShopState, node: int | None) -> None:
        if node is not None:
            # The chosen job and every other candidate of the now-busy machine must wait.
            state.candidate_jobs[node // state.num_machines] = False
            state.candidate_jobs &= state.next_machine != state.machine[node]
            if state.candidate_jobs.any() or state.done:
                return
        est = state.earliest_starts()
        state.time = int(est.min())
        np.equal(est, state.time, out=state.candidate_jobs)


class Active:
    name = "active"
    placement = staticmethod(_append)

    def update_candidates(self, state: JobShopState, node: int | None) -> None:
        if state.done:
            state.candidate_jobs.fill(False)
            return
        est = state.earliest_starts()
        ect = est + state.duration[state.next_node]  # finished jobs: NEVER + anything, still last
        first = int(np.argmin(ect))
        np.logical_and(state.next_machine == state.next_machine[first], est < ect[first], out=state.candidate_jobs)
        state.candidate_jobs[first] = True  # a zero-duration operation has est == ect
        state.time = int(est[first])


class Insertion:
    name = "insertion"

    def placement(self, state: JobShopState, node: int) -> tuple[int, int]:
        job = node // state.num_machines
        machine = state.machine[node]
        count = int(state.machine_count[machine])
        gap_end = state.timeline_start[machine, : count + 1]  # next start, NEVER after the last
        gap_start = np.maximum(state.timeline_end[machine, : count + 1], state.job_ready[job])
        # A gap fits when the operation ends by the next start (exactly is enough). The last
        # gap, open until NEVER, always fits: instance limits keep every end below 2**41.
        position = int(np.argmax(gap_start + state.duration[node] <= gap_end))
        return int(gap_start[position]), position

    def update_candidates(self, state: JobShopState, node: int | None) -> None:
        np.greater_equal(state.next_node, 0, out=state.candidate_jobs)
        state.time = int(state.job_ready.max())


DYNAMICS: dict[str, type[NonDelay] | type[Active] | type[Insertion]] = {
    cls.name: cls for cls in (NonDelay, Active, Insertion)
}
