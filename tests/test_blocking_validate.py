"""The blocking job-shop validator on hand-worked schedules: every number below is worked out
in the comments, not taken from the env, so a shared mistake cannot make both agree."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from schedrl.envs.blocking.instance import BlockingJobShopInstance
from schedrl.envs.blocking.perturbations import perturbations
from schedrl.envs.blocking.validate import schedule_violations, validate_schedule
from schedrl.errors import InvalidScheduleError

Record = dict[str, Any]


def two_by_two(**scenario: Any) -> BlockingJobShopInstance:
    """job 0: M0 (3) then M1 (2); job 1: M0 (2) then M1 (4)."""
    machines, durations = np.array([[0, 1], [0, 1]]), np.array([[3, 2], [2, 4]])
    return BlockingJobShopInstance(name="two_by_two", machines=machines, durations=durations, **scenario)


def cyclic(**scenario: Any) -> BlockingJobShopInstance:
    """Each job starts on the machine the previous job goes to next: job j visits M(j), M(j+1), M(j+2)."""
    machines = np.array([[0, 1, 2], [1, 2, 0], [2, 0, 1]])
    durations = np.array([[2, 1, 1], [3, 2, 1], [1, 1, 2]])
    return BlockingJobShopInstance(name="cyclic", machines=machines, durations=durations, **scenario)


def record(start: list, finish: list, leave: list, **totals: Any) -> Record:
    """A record with no downtime and no swaps unless given."""
    defaults = {
        "downtime": [[] for _ in start[0]],
        "swap_events": [],
        "swaps": 0,
        "blocking_time": 0,
        "interruptions": 0,
    }
    return {"start": start, "finish": finish, "leave": leave, **defaults, **totals}


# (a) Job 1 goes first: M0 [0, 2), then straight into M1 at 2, processed [2, 6), leaves the shop at 6.
# Job 0 enters M0 at 2, the instant job 1 leaves it (a handover), finishes at 5, but M1 holds job 1
# until 6: with no buffer job 0 stays on M0, blocking it over [5, 6), and moves into M1 at 6,
# finishing at 8. Makespan 8; blocking time 6 - 5 = 1; no cycle (job 1 enters M1, which nobody leaves).
BLOCKED = record([[2, 6], [0, 2]], [[5, 8], [2, 6]], [[6, 8], [2, 6]], makespan=8, blocking_time=1)


@pytest.mark.parametrize("swap", [True, False])
def test_blocking_schedule_is_valid(swap: bool) -> None:
    validate_schedule(two_by_two(swap=swap), BLOCKED)  # a chain of handovers is no swap


def test_classical_schedule_is_rejected() -> None:
    # The classical job shop lets job 0 leave M0 at its finish 5 and wait in a buffer until 6.
    buffered = record([[2, 6], [0, 2]], [[5, 8], [2, 6]], [[5, 8], [2, 6]], makespan=8)
    assert schedule_violations(two_by_two(), buffered) == [
        "job 0 op 0 leaves machine 0 at 5, but op 1 enters machine 1 at 6 (without buffers a job moves straight on)"
    ]
    # Moving straight on at 5 instead puts job 0 on M1 while job 1 is still there (makespan 5 + 2 = 7).
    overlapping = record([[2, 5], [0, 2]], [[5, 7], [2, 6]], [[5, 7], [2, 6]], makespan=7)
    assert schedule_violations(two_by_two(), overlapping) == ["machine 1: job 1 op 1 [2, 6) overlaps job 0 op 1 [5, 7)"]


# (b) All three jobs start at 0 on their first machines: job 0 M0 [0, 2), job 1 M1 [0, 3), job 2 M2
# [0, 1). Job 0 waits for M1 (job 1 holds it), job 1 for M2 (job 2), job 2 for M0 (job 0): a cycle,
# resolved when all have finished, at 3, by a swap 0 -> 1 -> 2 (job 0 enters the M1 job 1 leaves...).
# Second ops: job 0 M1 [3, 4), job 1 M2 [3, 5), job 2 M0 [3, 4): the same cycle again, swapped at 5.
# Last ops: job 0 M2 [5, 6), job 1 M0 [5, 6), job 2 M1 [5, 7). Makespan 7. Blocking: job 0
# (3 - 2) + (5 - 4) = 2, job 1 0, job 2 (3 - 1) + (5 - 4) = 3, total 5. The second event is
# written from job 2: a rotation of the cycle names the same swap.
SWAPPED = record(
    [[0, 3, 5], [0, 3, 5], [0, 3, 5]],
    [[2, 4, 6], [3, 5, 6], [1, 4, 7]],
    [[3, 5, 6], [3, 5, 6], [3, 5, 7]],
    makespan=7,
    blocking_time=5,
    swaps=2,
    swap_events=[{"time": 3, "jobs": [0, 1, 2]}, {"time": 5, "jobs": [2, 0, 1]}],
)


def test_swap_cycle_is_valid_when_recorded() -> None:
    validate_schedule(cyclic(), SWAPPED)


def test_swap_cycle_must_be_recorded() -> None:
    unrecorded = {**SWAPPED, "swap_events": SWAPPED["swap_events"][:1], "swaps": 1}
    assert schedule_violations(cyclic(), unrecorded) == [
        "at time 5 jobs 0 -> 1 -> 2 -> 0 swap machines in a cycle that swap_events does not record",
        "swaps is reported as 1, but the schedule's is 2",
    ]
    # Backwards, job 0 would enter the machine job 2 leaves (M2): not what happens at 3.
    reversed_event = {**SWAPPED, "swap_events": [{"time": 3, "jobs": [0, 2, 1]}, SWAPPED["swap_events"][1]]}
    violations = schedule_violations(cyclic(), reversed_event)
    assert "at time 3 jobs 0 -> 1 -> 2 -> 0 swap machines in a cycle that swap_events does not record" in violations
    assert any("swap event at time 3 with jobs [0, 2, 1] is no cycle" in line for line in violations)
    twice = {**SWAPPED, "swap_events": [*SWAPPED["swap_events"], {"time": 3, "jobs": [1, 2, 0]}]}
    assert "swap event at time 3 with jobs [0, 1, 2] is recorded twice" in schedule_violations(cyclic(), twice)


def test_swap_cycle_is_rejected_without_swaps() -> None:
    violations = schedule_violations(cyclic(swap=False), SWAPPED)
    assert "swap_events must be empty when the instance's swap is False, got 2 event(s)" in violations
    silent = {**SWAPPED, "swap_events": [], "swaps": 0}
    assert schedule_violations(cyclic(swap=False), silent) == [
        "at time 3 jobs 0 -> 1 -> 2 -> 0 swap machines in a cycle, but the instance's swap is False",
        "at time 5 jobs 0 -> 1 -> 2 -> 0 swap machines in a cycle, but the instance's swap is False",
    ]


# (c) Seed 54 with p = 0.05 and repairs of 2..3 gives one shutdown before time 20: M0 is down over
# [3, 5); M1 is up throughout. Same order as in (a): job 1 M0 [0, 2), M1 [2, 6). Job 0 enters M0
# at 2 and is processed over [2, 3) when M0 shuts down at 3 (1 interruption: 2 < 3 < finish).
# Resume: 1 unit done, 2 left after the repair at 5: finish 7; M1 is free since 6, so job 0 moves
#   at 7, M1 [7, 9). Makespan 9, no blocking.
# Restart: all 3 units again from 5: finish 8, M1 [8, 10). Makespan 10, no blocking.
SHUTDOWN = {"shutdown_prob": 0.05, "min_repair": 2, "max_repair": 3, "seed": 54}
DOWNTIME = [[[3, 5]], []]
RESUMED = record([[2, 7], [0, 2]], [[7, 9], [2, 6]], [[7, 9], [2, 6]], makespan=9, interruptions=1, downtime=DOWNTIME)
RESTARTED = record(
    [[2, 8], [0, 2]], [[8, 10], [2, 6]], [[8, 10], [2, 6]], makespan=10, interruptions=1, downtime=DOWNTIME
)


def test_the_seed_gives_the_shutdowns_worked_with() -> None:
    shutdowns = two_by_two(**SHUTDOWN).shutdowns
    assert shutdowns.intervals(0, 20) == [(3, 5)]
    assert shutdowns.intervals(1, 20) == []


def test_shutdown_records_are_valid_in_their_mode() -> None:
    validate_schedule(two_by_two(**SHUTDOWN, interrupt_mode="resume"), RESUMED)
    validate_schedule(two_by_two(**SHUTDOWN, interrupt_mode="restart"), RESTARTED)


def test_resume_and_restart_finishes_are_not_interchangeable() -> None:
    resumed_as_restart = schedule_violations(two_by_two(**SHUTDOWN, interrupt_mode="restart"), RESUMED)
    assert "job 0 op 0 on machine 0: finish 7, but processing 3 from start 2 in restart mode ends at 8" in (
        resumed_as_restart
    )
    restarted_as_resume = schedule_violations(two_by_two(**SHUTDOWN, interrupt_mode="resume"), RESTARTED)
    assert "job 0 op 0 on machine 0: finish 8, but processing 3 from start 2 in resume mode ends at 7" in (
        restarted_as_resume
    )


def test_a_finished_job_may_leave_a_down_machine_but_none_enters_it() -> None:
    # Job 1 finishes on M0 at 2 but stays until 4, leaving while M0 is down [3, 5), then M1 [4, 8).
    # Job 0 may enter M0 only once it is repaired, at 5: [5, 8) without interruption (both modes);
    # M1 holds job 1 until 8, so job 0 leaves at 8, M1 [8, 10). Blocking: job 1 4 - 2 = 2.
    late = record(
        [[5, 8], [0, 4]], [[8, 10], [2, 8]], [[8, 10], [4, 8]], makespan=10, blocking_time=2, downtime=[[[3, 5]], []]
    )
    validate_schedule(two_by_two(**SHUTDOWN), late)
    early = copy.deepcopy(late)
    early["start"][0][0] = 4  # into M0 while it is down; the 3 units then run [5, 8) as before
    assert schedule_violations(two_by_two(**SHUTDOWN), early) == [
        "job 0 op 0 enters machine 0 at 4, while it is down on [3, 5)"
    ]


# (d) Every perturbation is rejected, for the reason it is named after.
REASONS = {
    "leave-start link": "moves straight on",
    "last op leaves at its finish": "its last, leaves at",
    "negative start": "is negative",
    "reported makespan": "makespan is reported",
    "blocking_time": "blocking_time is reported",
    "interruptions": "interruptions is reported",
    "swaps count": "swaps is reported",
    "fake swap event": "swap event at time",
    "downtime": "downtime of machine",
    "one row per job": "lists (one per job)",
    "finish too early": "mode ends at",
    "machine capacity": "overlaps",
    "enter a down machine": "while it is down",
    "processing during downtime": "mode ends at",
}
HAND_MADE = [
    (two_by_two(), BLOCKED, 12),
    (cyclic(), SWAPPED, 12),
    (two_by_two(**SHUTDOWN, interrupt_mode="resume"), RESUMED, 14),  # with shutdowns: two more
    (two_by_two(**SHUTDOWN, interrupt_mode="restart"), RESTARTED, 14),
]


@pytest.mark.parametrize(("instance", "valid", "count"), HAND_MADE, ids=["blocked", "swapped", "resume", "restart"])
def test_every_perturbation_is_rejected(instance: BlockingJobShopInstance, valid: Record, count: int) -> None:
    snapshot = copy.deepcopy(valid)
    broken = perturbations(instance, valid)
    assert valid == snapshot  # the valid record is left untouched
    assert len(broken) == count
    validate_schedule(instance, valid)
    for constraint, bad in broken:
        violations = schedule_violations(instance, bad)
        assert any(REASONS[constraint] in line for line in violations), (constraint, violations)
        with pytest.raises(InvalidScheduleError) as raised:
            validate_schedule(instance, bad)
        assert raised.value.violations == violations


def test_a_fake_event_is_rejected_without_swaps() -> None:
    fake = dict(perturbations(two_by_two(swap=False), BLOCKED))["fake swap event"]
    assert schedule_violations(two_by_two(swap=False), fake) == [
        "swap_events must be empty when the instance's swap is False, got 1 event(s)"
    ]


# (e) Malformed records give violations, never a traceback.
def edited(change: Any) -> Record:
    broken = copy.deepcopy(BLOCKED)
    change(broken)
    return broken


MALFORMED = {
    "not a dict": ([BLOCKED], "must be a dict"),
    "missing key": ({k: v for k, v in BLOCKED.items() if k != "leave"}, "lacks leave"),
    "too few rows": (edited(lambda r: r.update(start=r["start"][:1])), "start must be 2 lists"),
    "short row": (edited(lambda r: r["finish"][1].pop()), "finish must be 2 lists"),
    "string grid": (edited(lambda r: r.update(leave="[[6, 8], [2, 6]]")), "leave must be 2 lists"),
    "float time": (edited(lambda r: r["start"][0].__setitem__(0, 2.5)), "start of job 0 op 0 is 2.5, not an integer"),
    "bool time": (edited(lambda r: r["leave"][1].__setitem__(0, True)), "leave of job 1 op 0 is True, not an integer"),
    "nested time": (edited(lambda r: r["finish"][0].__setitem__(1, [8])), "finish of job 0 op 1 is [8]"),
    "huge time": (edited(lambda r: r["leave"][0].__setitem__(1, 2**70)), "not an integer within +-2**62"),
    "float makespan": (edited(lambda r: r.update(makespan=8.5)), "makespan must be an integer, got 8.5"),
    "bool swaps": (edited(lambda r: r.update(swaps=False)), "swaps must be an integer, got False"),
    "null blocking": (edited(lambda r: r.update(blocking_time=None)), "blocking_time must be an integer"),
    "events not a list": (edited(lambda r: r.update(swap_events={"time": 2})), "swap_events must be a list"),
    "event not a dict": (edited(lambda r: r.update(swap_events=[[2, [0, 1]]])), "swap_events[0] must be"),
    "event without jobs": (edited(lambda r: r.update(swap_events=[{"time": 2}])), "swap_events[0] must be"),
    "one-job event": (edited(lambda r: r.update(swap_events=[{"time": 2, "jobs": [0]}])), "swap_events[0] must be"),
    "repeated job": (edited(lambda r: r.update(swap_events=[{"time": 2, "jobs": [0, 0]}])), "swap_events[0] must be"),
    "job out of range": (edited(lambda r: r.update(swap_events=[{"time": 2, "jobs": [0, 2]}])), "swap_events[0]"),
    "float event time": (edited(lambda r: r.update(swap_events=[{"time": 2.5, "jobs": [0, 1]}])), "swap_events[0]"),
    "downtime not per machine": (edited(lambda r: r.update(downtime=[])), "downtime must list 2 machines"),
    "float downtime": (edited(lambda r: r.update(downtime=[[[1.5, 2]], []])), "downtime of machine 0 is"),
    "flat downtime": (edited(lambda r: r.update(downtime=[[1, 2], []])), "downtime of machine 0 is"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_records_give_violations(case: str) -> None:
    bad, expected = MALFORMED[case]
    violations = schedule_violations(two_by_two(), bad)
    assert violations and all(isinstance(line, str) for line in violations)
    assert any(expected in line for line in violations), violations


def test_times_too_far_for_the_shutdowns_are_refused_not_read() -> None:
    # Reading M0's and M1's shutdowns up to 2**40 at p = 0.05 would draw about 10**11 of them.
    far = edited(lambda r: (r["leave"][0].__setitem__(1, 2**40), r["finish"][0].__setitem__(1, 2**40)))
    (violation,) = schedule_violations(two_by_two(**SHUTDOWN), far)
    assert "too far ahead for this checker" in violation
