"""Machine shutdowns on the time axis, pre-sampled from an instance's seed.

Every method that schedules an instance meets the same shutdowns, because they depend on
the instance alone (seed, machine, probability, repair range), never on the schedule.
"""

from __future__ import annotations

import bisect

import numpy as np

from schedrl.errors import SchedRLError

#: Shutdowns are drawn in chunks of this many per machine, so the sequence a machine meets
#: is the same however far ahead it is read.
_CHUNK = 64
#: Restarted operations need an unbroken up-window as long as themselves; beyond this many
#: interruptions of one operation the instance is treated as unschedulable (see `run`).
MAX_INTERRUPTIONS = 100_000


class ShutdownSchedule:
    """Per machine, the maximal intervals [start, end) during which it is down.

    At every integer time t at which a machine is up it shuts down with probability `p`
    (so up-spells last Geometric(p) - 1 time units); each shutdown lasts an integer number
    of time units drawn uniformly from [min_repair, max_repair]. A shutdown that begins the
    moment the previous one ends extends it, so intervals are maximal and never touch.
    Machine i draws from `numpy.random.default_rng([seed, i])`.
    """

    def __init__(self, seed: int, num_machines: int, p: float, min_repair: int, max_repair: int):
        self.p, self.min_repair, self.max_repair = p, min_repair, max_repair
        self._rngs = [np.random.default_rng([seed, machine]) for machine in range(num_machines)]
        self._starts: list[list[int]] = [[] for _ in range(num_machines)]
        self._ends: list[list[int]] = [[] for _ in range(num_machines)]

    def _extend(self, machine: int, beyond: int) -> None:
        """Draw until the machine's last interval ends after `beyond` (nothing when p = 0)."""
        if self.p <= 0:
            return
        starts, ends, rng = self._starts[machine], self._ends[machine], self._rngs[machine]
        while not ends or ends[-1] <= beyond:
            gaps = rng.geometric(self.p, _CHUNK) - 1
            lengths = rng.integers(self.min_repair, self.max_repair + 1, _CHUNK)
            for gap, length in zip(gaps.tolist(), lengths.tolist(), strict=True):
                begin = (ends[-1] if ends else 0) + gap
                if ends and gap == 0:
                    ends[-1] += length
                else:
                    starts.append(begin)
                    ends.append(begin + length)

    def intervals(self, machine: int, until: int) -> list[tuple[int, int]]:
        """The machine's shutdowns that begin before `until`."""
        self._extend(machine, until)
        count = bisect.bisect_left(self._starts[machine], until)
        return list(zip(self._starts[machine][:count], self._ends[machine][:count], strict=True))

    def repair_time(self, machine: int, time: int) -> int | None:
        """When the machine comes back up, if it is down at `time`; None if it is up."""
        self._extend(machine, time)
        index = bisect.bisect_right(self._starts[machine], time) - 1
        if index >= 0 and self._ends[machine][index] > time:
            return self._ends[machine][index]
        return None

    def run(self, machine: int, start: int, duration: int, restart: bool) -> tuple[int, int]:
        """(finish, interruptions) of an operation entering the (up) machine at `start`.

        Processing stops while the machine is down; afterwards it resumes with the work
        left or, with `restart`, starts over. Each shutdown that begins while the operation
        is unfinished is one interruption.
        """
        time, left, interruptions = start, duration, 0
        if self.p <= 0:
            return time + left, 0
        starts, ends = self._starts[machine], self._ends[machine]
        while True:
            self._extend(machine, time + left)
            index = bisect.bisect_right(ends, time)  # the first shutdown not over yet
            begin, end = starts[index], ends[index]
            if begin <= time:  # down now: wait for the repair
                time = end
                continue
            if time + left <= begin:
                return time + left, interruptions
            interruptions += 1
            if interruptions > MAX_INTERRUPTIONS:
                raise SchedRLError(
                    f"machine {machine}: an operation of duration {duration} was interrupted more than "
                    f"{MAX_INTERRUPTIONS} times; with interrupt_mode 'restart' it needs {duration} unbroken up time "
                    f"units, which shutdown_prob {self.p} makes all but impossible: lower shutdown_prob or use "
                    "interrupt_mode 'resume'"
                )
            left = duration if restart else left - (begin - time)
            time = end

    def processed(self, machine: int, start: int, now: int, restart: bool) -> int:
        """Work done by `now` on an operation that entered the machine at `start`: up time
        since `start` (since the last repair, with `restart`)."""
        self._extend(machine, now)
        starts, ends = self._starts[machine], self._ends[machine]
        done, time = 0, start
        for index in range(bisect.bisect_right(ends, start), bisect.bisect_left(starts, now)):
            done = 0 if restart else done + max(starts[index] - time, 0)
            time = ends[index]
        return done + max(now - time, 0)
