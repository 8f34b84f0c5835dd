"""The SoC stream validator on hand-worked traces: every duration, transfer, arrival and metric
below is worked out in the comments, not taken from the env, so a shared mistake cannot make
both agree."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from schedrl.envs.soc.instance import UNSUPPORTED, Application, Platform, SoCInstance
from schedrl.envs.soc.perturbations import perturbations
from schedrl.envs.soc.validate import trace_violations, validate_trace
from schedrl.errors import InvalidScheduleError

Record = dict[str, Any]

# PE 0 "big0" (type big), PE 1 "little0" (type little). Mean µs per task type:
# | type | big | little      |
# |------|-----|-------------|
# | a    | 5   | 8           |
# | b    | 4   | unsupported |
# | c    | 6   | 3           |
# | z    | 0   | 0           |  (a dummy task)
# Bandwidth: self 1000 on both; big -> little 10 (the slow link), little -> big 20.
PLATFORM = Platform(
    name="big_little",
    type_names=("big", "little"),
    pe_names=("big0", "little0"),
    pe_type=(0, 1),
    exec_table={"a": (5, 8), "b": (4, UNSUPPORTED), "c": (6, 3), "z": (0, 0)},
    bandwidth=((1000, 10), (20, 1000)),
)
# Transfers int(volume / bandwidth): a -> b (100): on one PE int(100/1000) = 0, little -> big
# int(100/20) = 5; b -> c (50): on one PE 0, big -> little int(50/10) = 5.
CHAIN = Application("chain", ("a", "b", "c"), ((0, 1, 100), (1, 2, 50)))
SOLO = Application("solo", ("c",), ())


def chain(**scenario: Any) -> SoCInstance:
    """One job of the 3-task chain a -> b -> c."""
    return SoCInstance("chain", PLATFORM, (CHAIN,), **scenario)


def stream(max_jobs_in_parallel: int, initial_jobs: int, warmup_jobs: int) -> SoCInstance:
    """Three jobs, chain or solo with probability 1/2, a mean 10 µs apart. Seed 3 draws
    (instance.realisation(), printed once): applications [0, 0, 1] = chain, chain, solo;
    gaps [22, 3, 2]. The cap and the initial and warm-up jobs do not change the draw."""
    return SoCInstance(
        "stream",
        PLATFORM,
        (CHAIN, SOLO),
        (0.5, 0.5),
        num_jobs=3,
        scale=10.0,
        max_jobs_in_parallel=max_jobs_in_parallel,
        warmup_jobs=warmup_jobs,
        initial_jobs=initial_jobs,
        seed=3,
    )


def record(applications: list[int], arrivals: list[int], trace: list[list[int]], average_latency: float) -> Record:
    """The record of `trace`, its makespan and throughput written out below each."""
    makespan = max(row[4] for row in trace)
    return {
        "applications": applications,
        "arrivals": arrivals,
        "trace": trace,
        "average_latency": average_latency,
        "makespan": makespan,
        "completed_jobs": len(arrivals),
        "throughput": 1000 * len(arrivals) / makespan if makespan else 0.0,
    }


# (a) The chain on both PEs: a on little0 [0, 8); its data crosses little -> big in 5 µs, so b on
# big0 [13, 17); b's data crosses the slow link big -> little in 5 µs, so c on little0 [22, 25).
# Latency = makespan = 25; throughput 1000 / 25 = 40 jobs per ms.
SPREAD = record([0], [0], [[0, 0, 1, 0, 8], [0, 1, 0, 13, 17], [0, 2, 1, 22, 25]], 25.0)
# (b) All on big0, transfers free: a [0, 5), b [5, 9), c [9, 15). Makespan 15.
BIG = record([0], [0], [[0, 0, 0, 0, 5], [0, 1, 0, 5, 9], [0, 2, 0, 9, 15]], 15.0)
# (c) Cap 1, one initial job, job 0 left out of the metrics.
# Job 0 (chain) at 0, all on big0: [0, 5), [5, 9), [9, 15); it completes at 15.
# Job 1 (chain): earliest 0 + gap 22 = 22; job 0 has left (15 <= 22), so it arrives at 22.
#   a on little0 [22, 30); +5 to big: b on big0 [35, 39); same PE: c on big0 [39, 45). Completes at 45.
# Job 2 (solo): earliest 22 + gap 3 = 25, but job 1 is in the system (22 <= 25 < 45) and the cap is 1:
#   it waits for job 1's completion and arrives at 45. c on little0 [45, 48).
# Latencies of jobs 1 and 2: 45 - 22 = 23, 48 - 45 = 3; average 13. Makespan 48; throughput 3000/48 = 62.5.
CAP_1 = record(
    [0, 0, 1],
    [0, 22, 45],
    [
        *([0, 0, 0, 0, 5], [0, 1, 0, 5, 9], [0, 2, 0, 9, 15]),
        *([1, 0, 1, 22, 30], [1, 1, 0, 35, 39], [1, 2, 0, 39, 45]),
        [2, 0, 1, 45, 48],
    ],
    13.0,
)
# (d) Cap 2, two initial jobs, no warm-up. Jobs 0 and 1 arrive at 0.
# Job 0 on big0: [0, 5), [5, 9), [9, 15); completes at 15.
# Job 1: a on little0 [0, 8); its data reaches big0 at 8 + 5 = 13, but big0 runs job 0 until 15:
#   b on big0 [15, 19); +5 to little: c on little0 [24, 27). Completes at 27.
# Job 2 (solo): earliest arrivals[1] + gaps[1] = 0 + 3 = 3; jobs 0 and 1 are both in the system then
#   (2 = cap): it arrives at the first completion, job 0's at 15, and runs c on little0 [15, 18).
# Latencies 15, 27, 18 - 15 = 3: average 15. Makespan 27; throughput 3000/27.
CAP_2 = record(
    [0, 0, 1],
    [0, 0, 15],
    [
        *([0, 0, 0, 0, 5], [0, 1, 0, 5, 9], [0, 2, 0, 9, 15]),
        *([1, 0, 1, 0, 8], [1, 1, 0, 15, 19], [1, 2, 1, 24, 27]),
        [2, 0, 1, 15, 18],
    ],
    15.0,
)
# (e) Noise 0.2, seed 0: z = [0.6404226504432821, 0.10490011715303971, -0.535669373161111]
# (realisation(), printed once). Durations max(round(mean * (1 + 0.2 z)), 1):
# a: 5 * 1.12808 = 5.64 -> 6 on big, 8 * 1.12808 = 9.02 -> 9 on little; b: 4 * 1.02098 = 4.08 -> 4;
# c: 6 * 0.89287 = 5.36 -> 5 on big, 3 * 0.89287 = 2.68 -> 3 on little.
# a on big0 [0, 6), b on big0 [6, 10), +5 to little: c on little0 [15, 18). Makespan 18.
NOISY = record([0], [0], [[0, 0, 0, 0, 6], [0, 1, 0, 6, 10], [0, 2, 1, 15, 18]], 18.0)

CASES = {
    "spread": (chain, SPREAD),
    "big": (chain, BIG),
    "cap 1": (lambda: stream(1, 1, 1), CAP_1),
    "cap 2": (lambda: stream(2, 2, 0), CAP_2),
    "noisy": (lambda: chain(noise=0.2), NOISY),
}


def test_the_draws_are_the_ones_worked_out() -> None:
    draw = stream(1, 1, 1).realisation()
    assert draw.applications.tolist() == [0, 0, 1]
    assert draw.gaps.tolist() == [22, 3, 2]
    noisy = chain(noise=0.2)
    assert [[noisy.duration(0, task, pe) for pe in (0, 1)] for task in range(3)] == [[6, 9], [4, UNSUPPORTED], [5, 3]]


@pytest.mark.parametrize("case", CASES)
def test_hand_made_traces_are_valid(case: str) -> None:
    make, valid = CASES[case]
    validate_trace(make(), valid)


def edited(valid: Record, change: Any) -> Record:
    broken = copy.deepcopy(valid)
    change(broken)
    return broken


def test_the_data_must_arrive_before_a_task_starts() -> None:
    # b at 12 on big0: after a's finish (8) but before its data, 8 + 5 = 13. c is still in time (16 + 5 <= 22).
    early = edited(SPREAD, lambda r: r["trace"].__setitem__(1, [0, 1, 0, 12, 16]))
    assert trace_violations(chain(), early) == [
        "job 0 task 1 starts at 12 on PE 0, before the data of task 0 arrives at 13 "
        "(finish 8 on PE 1 + 5 µs for volume 100)"
    ]


def test_a_pe_runs_only_the_types_it_supports() -> None:
    # b on little0 [13, 17): no PE overlap (a [0, 8), c [22, 25)) and the transfers are in time.
    there = edited(SPREAD, lambda r: r["trace"].__setitem__(1, [0, 1, 1, 13, 17]))
    assert trace_violations(chain(), there) == ["job 0 task 1 (b) on PE 1 (little0): PE type little cannot run b"]


def test_noise_is_part_of_the_duration() -> None:
    # The noiseless means (5, 4 and 3) do not fit the noisy instance: a on big0 takes 6 there.
    plain = record([0], [0], [[0, 0, 0, 0, 5], [0, 1, 0, 5, 9], [0, 2, 1, 14, 17]], 17.0)
    validate_trace(chain(), plain)
    assert trace_violations(chain(noise=0.2), plain) == [
        "job 0 task 0 (a) on PE 0 (big0) runs [0, 5) for 5 µs, but its duration there is 6 µs"
    ]


def test_a_job_waits_for_a_slot() -> None:
    # Job 2 injected at its earliest, 25, ignoring the cap, on big0 [25, 31) (free between 15 and 35).
    # Latencies 23 and 31 - 25 = 6: average 14.5; makespan 45.
    eager = record([0, 0, 1], [0, 22, 25], [*CAP_1["trace"][:6], [2, 0, 0, 25, 31]], 14.5)
    assert trace_violations(stream(1, 1, 1), eager) == [
        "job 2 arrives at 25, but the injection rule gives 45 (earliest 25 = job 1's arrival 22 + gap 3, "
        "when 1 job(s) are in the system; a slot frees at 45)"
    ]


def test_a_job_completing_at_the_earliest_time_has_left() -> None:
    # CAP_1 with job 0's c idling on big0 until [16, 22): job 0 completes at 22, job 1's earliest;
    # it has left then, so job 1 still arrives at 22 and nothing else changes.
    touching = edited(CAP_1, lambda r: r["trace"].__setitem__(2, [0, 2, 0, 16, 22]))
    validate_trace(stream(1, 1, 1), touching)


def test_a_waiting_job_arrives_at_the_first_free_slot() -> None:
    # In CAP_2, job 2 waiting beyond the first completion: at 15 job 0 has left, so 16 is late.
    late = edited(CAP_2, lambda r: r["arrivals"].__setitem__(2, 16))
    late["trace"][-1] = [2, 0, 1, 16, 19]
    late["average_latency"] = 15.0  # 15, 27, 19 - 16 = 3
    assert trace_violations(stream(2, 2, 0), late) == [
        "job 2 arrives at 16, but the injection rule gives 15 (earliest 3 = job 1's arrival 0 + gap 3, "
        "when 2 job(s) are in the system; a slot frees at 15)"
    ]
    # And the initial jobs arrive at 0 (job 1 at 1 also starts before it arrives, and shifts the latencies).
    violations = trace_violations(stream(2, 2, 0), edited(CAP_2, lambda r: r["arrivals"].__setitem__(1, 1)))
    assert violations[:2] == [
        "job 1 task 0 (a) on PE 1 (little0) starts at 0, before its job arrives at 1",
        "job 1 arrives at 1, but the injection rule gives 0 (it is one of the 2 initial job(s), injected at 0)",
    ]


def test_zero_length_tasks_touch_anything() -> None:
    # a on big0 [0, 5) and the dummy z on big0 at [2, 2): no overlap.
    instance = SoCInstance("dummy", PLATFORM, (Application("dummy", ("a", "z"), ()),))
    validate_trace(instance, record([0], [0], [[0, 0, 0, 0, 5], [0, 1, 0, 2, 2]], 5.0))


def test_each_overlap_is_named_once() -> None:
    # On little0: a [0, 8), c [1, 4), c [5, 8). Both c's overlap a, not each other.
    instance = SoCInstance("trio", PLATFORM, (Application("trio", ("a", "c", "c"), ()),))
    trio = record([0], [0], [[0, 0, 1, 0, 8], [0, 1, 1, 1, 4], [0, 2, 1, 5, 8]], 8.0)
    assert trace_violations(instance, trio) == [
        "PE 1 (little0): job 0 task 0 [0, 8) overlaps job 0 task 1 [1, 4)",
        "PE 1 (little0): job 0 task 0 [0, 8) overlaps job 0 task 2 [5, 8)",
    ]


# (f) Every perturbation is rejected, for the reason it is named after.
REASONS = {
    "duration": r"but its duration there is \d+ µs",
    "missing task": r"^job \d+ lacks task\(s\) \[\d+\] in the trace$",
    "duplicated task": r"^job \d+ task \d+ appears 2 times in the trace$",
    "application": r"^applications\[0\] is \d+, but the instance's stream draws application",
    "start before arrival": r"starts at \d+, before its job arrives at \d+$",
    "early arrival": r"^job \d+ arrives at -?\d+, but the injection rule gives \d+",
    "average_latency": r"^average_latency is reported as",
    "makespan": r"^makespan is reported as",
    "completed_jobs": r"^completed_jobs is reported as",
    "throughput": r"^throughput is reported as",
    "precedence": r"before the data of task \d+ arrives at",
    "communication delay": r"before the data of task \d+ arrives at \d+ \(.* \+ [1-9]\d* µs for volume",
    "PE overlap": r"^PE \d+ \(\w+\): job \d+ task \d+ \[\d+, \d+\) overlaps job",
    "unsupported PE": r"PE type little cannot run b$",
}
ALWAYS = {"duration", "missing task", "duplicated task", "application", "start before arrival", "precedence"}
ALWAYS |= {"average_latency", "makespan", "completed_jobs", "throughput", "PE overlap", "unsupported PE"}
EXPECTED = {
    "spread": ALWAYS | {"communication delay"},
    "big": ALWAYS,  # everything on one PE: no transfer takes time
    "cap 1": ALWAYS | {"communication delay", "early arrival"},
    "cap 2": ALWAYS | {"communication delay", "early arrival"},
    "noisy": ALWAYS | {"communication delay"},
}


@pytest.mark.parametrize("case", CASES)
def test_every_perturbation_is_rejected(case: str) -> None:
    make, valid = CASES[case]
    instance = make()
    snapshot = copy.deepcopy(valid)
    broken = perturbations(instance, valid)
    assert valid == snapshot  # the valid record is left untouched
    assert {constraint for constraint, _ in broken} == EXPECTED[case]
    for constraint, bad in broken:
        violations = trace_violations(instance, bad)
        assert any(re.search(REASONS[constraint], line) for line in violations), (constraint, violations)
        with pytest.raises(InvalidScheduleError) as raised:
            validate_trace(instance, bad)
        assert raised.value.violations == violations


def test_perturbations_leave_out_what_the_instance_lacks() -> None:
    # One job of one dummy task: no edge, nothing to overlap, every PE runs z; still 9 copies.
    # Makespan 0: throughput 0 by definition.
    instance = SoCInstance("one", PLATFORM, (Application("one", ("z",), ()),))
    one = record([0], [0], [[0, 0, 0, 0, 0]], 0.0)
    validate_trace(instance, one)
    broken = dict(perturbations(instance, one))
    assert set(broken) == ALWAYS - {"precedence", "PE overlap", "unsupported PE"}
    for constraint, bad in broken.items():
        assert any(re.search(REASONS[constraint], line) for line in trace_violations(instance, bad)), constraint


# (g) Malformed records give violations, never a traceback.
MALFORMED = {
    "not a dict": ([SPREAD], "must be a dict"),
    "missing key": ({k: v for k, v in SPREAD.items() if k != "trace"}, "lacks trace"),
    "trace not a list": (edited(SPREAD, lambda r: r.update(trace="0 0 1 0 8")), "trace must be a list"),
    "short row": (edited(SPREAD, lambda r: r["trace"][0].pop()), r"trace\[0\] must be 5 integers"),
    "bool in a row": (edited(SPREAD, lambda r: r["trace"][0].__setitem__(0, False)), r"trace\[0\] must be 5 integers"),
    "fraction in a row": (edited(SPREAD, lambda r: r["trace"][2].__setitem__(4, 25.5)), r"trace\[2\] must be"),
    "job out of range": (edited(SPREAD, lambda r: r["trace"][0].__setitem__(0, 1)), "job 1 is not a job index"),
    "task out of range": (edited(SPREAD, lambda r: r["trace"][0].__setitem__(1, 3)), "not task 3"),
    "PE out of range": (edited(SPREAD, lambda r: r["trace"][0].__setitem__(2, 2)), "PE 2 is not a PE index"),
    "negative time": (edited(SPREAD, lambda r: r["trace"][0].__setitem__(3, -1)), r"must lie in 0..2\*\*62"),
    "short arrivals": (edited(SPREAD, lambda r: r.update(arrivals=[])), "arrivals must list 1 integer"),
    "short applications": (edited(SPREAD, lambda r: r.update(applications=[0, 0])), "applications must list 1"),
    "text latency": (edited(SPREAD, lambda r: r.update(average_latency="25")), "average_latency must be a finite"),
    "nan throughput": (edited(SPREAD, lambda r: r.update(throughput=float("nan"))), "throughput must be a finite"),
    "fractional makespan": (edited(SPREAD, lambda r: r.update(makespan=25.5)), "makespan must be an integer"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_records_give_violations(case: str) -> None:
    bad, expected = MALFORMED[case]
    violations = trace_violations(chain(), bad)
    assert violations and all(isinstance(line, str) for line in violations)
    assert any(re.search(expected, line) for line in violations), violations


def test_whole_number_floats_and_tuples_are_read() -> None:
    # Times through a float column, rows as tuples: the same schedule.
    floats = {**SPREAD, "trace": [tuple(float(v) for v in row) for row in SPREAD["trace"]], "makespan": 25.0}
    validate_trace(chain(), floats)
