"""Independent checker of edge-offloading records.

It shares no code with the env's simulation: from the instance's fields and its realised
arrays alone it replays the FIFO rule to check which task is decided at which step, works out
each upload with its own Shannon-rate formula, and finds completions and marginal delays by
simulating processor sharing from scratch, per server, over every prefix of the server's tasks
(the env tracks one server state incrementally), so a bug in the env's event logic cannot
produce a record that the same logic then accepts.
"""

from __future__ import annotations

import heapq
import math
import reprlib
from collections.abc import Sequence
from typing import Any, NamedTuple

from schedrl.envs.core.records import finite_number, record_shape_problems, reported_metrics, whole_number
from schedrl.envs.edge.instance import EdgeInstance
from schedrl.errors import InvalidScheduleError

#: The keys of a solution record (see the family's docs for their meaning).
RECORD_KEYS = (
    "assignments",
    "upload_times",
    "completions",
    "delays",
    "energies",
    "weighted_cost",
    "avg_delay",
    "avg_energy",
    "preference",
    "num_edges",
    "decided",
)
#: The per-decision float lists, one entry per decision.
SERIES = ("upload_times", "completions", "delays", "energies")
#: How far a reported float may be from the recomputed one: relatively, and near zero absolutely.
REL_TOL = 1e-6
ABS_TOL = 1e-9


class Decision(NamedTuple):
    """Task `task` is sent at step `step` to server `server` (0 cloud, 1..E edges, E+1 local)."""

    task: int
    step: int
    server: int


def record_violations(instance: EdgeInstance, record: Any) -> list[str]:
    """Every violated constraint as a readable line; an empty list means the record is valid."""
    shape = record_shape_problems(record, RECORD_KEYS)
    if shape:
        return shape
    problems: list[str] = []
    decisions = _decisions(instance, record["assignments"], problems)
    count = len(decisions) if decisions is not None else None
    series = {key: _series(key, record[key], count, problems) for key in SERIES}
    metrics = reported_metrics(
        record, ("num_edges", "decided"), ("weighted_cost", "avg_delay", "avg_energy", "preference"), problems
    )
    columns = {key: values for key, values in series.items() if values is not None}
    if decisions is None or len(columns) < len(SERIES):
        return problems  # nothing below can be checked without them
    fifo = _fifo_violations(instance, decisions)
    if fifo:
        return problems + fifo  # the physics below is only defined for the rule's tasks and steps
    expected = recompute(instance, decisions)
    problems += _series_violations(instance, decisions, columns, expected)
    problems += _metric_violations(instance, metrics, expected)
    return problems


def validate_record(instance: EdgeInstance, record: Any) -> None:
    """Raise InvalidScheduleError listing every violation, if there is any."""
    violations = record_violations(instance, record)
    if violations:
        raise InvalidScheduleError(instance.name, violations)


def fifo_steps(instance: EdgeInstance) -> list[int]:
    """The decision step of every task decided before the horizon: one task a step, in arrival
    order, task i at max(its arrival step, the previous decision step + 1)."""
    steps: list[int] = []
    previous = -1
    for arrival in instance.realisation.arrival_steps.tolist():
        step = max(int(arrival), previous + 1)
        if step >= instance.horizon:
            break
        steps.append(step)
        previous = step
    return steps


def shannon_rate(instance: EdgeInstance, step: int, server: int, user: int) -> float:
    """Bits/s from `user` to `server` in the fading block of `step`: B log2(1 + SNR), with
    SNR = P g / N, or the WiOpt code's P (g / N)^2 / N under `legacy_rate`."""
    gains = instance.realisation.gains
    gain = float(gains[min(step, gains.shape[0] - 1), server, user])
    noise = 10 ** ((instance.noise_dbm_per_hz - 30) / 10) * instance.bandwidth_hz  # W over the band
    power = instance.transmit_power_w
    snr = power * (gain / noise) ** 2 / noise if instance.legacy_rate else power * gain / noise
    return instance.bandwidth_hz * math.log1p(snr) / math.log(2)  # exact even for a deep fade


def shared_completions(joins: Sequence[float], works: Sequence[float], speed: float) -> list[float]:
    """When each job leaves a processor-sharing server it has to itself (every job present is
    served at speed / number present), job i joining at joins[i] with works[i] bits.

    It tracks the virtual time V: the service any job present has received since V = 0. A job
    joining at V = v leaves when V = v + work, so jobs leave in the order of these targets."""
    order = sorted(range(len(joins)), key=lambda i: joins[i])
    leaves = [math.nan] * len(joins)
    present: list[tuple[float, int]] = []  # heap of (target virtual time, job)
    now = virtual = 0.0
    k = 0
    while k < len(order) or present:
        leave = now + (present[0][0] - virtual) * len(present) / speed if present else math.inf
        if k < len(order) and joins[order[k]] < leave:
            job = order[k]
            if present:
                virtual += (joins[job] - now) * speed / len(present)
            now = joins[job]
            heapq.heappush(present, (virtual + works[job], job))
            k += 1
        else:
            virtual, job = heapq.heappop(present)
            now = leaves[job] = leave
    return leaves


def recompute(instance: EdgeInstance, decisions: list[Decision]) -> dict[str, list[float]]:
    """Each decision's upload time, completion, delay and energy, from the instance alone.

    A task's delay is its marginal cost to its server: the server's tasks decided up to it,
    simulated alone, finish at a total time that exceeds the same total without it by the delay
    plus its decision time (the tasks decided later cannot affect either total)."""
    real = instance.realisation
    bits_per_cycle = 1 / instance.cycles_per_bit
    local = instance.num_edges + 1
    uploads, energies, starts, joins, works = [], [], [], [], []
    queues: dict[tuple[str, int], list[int]] = {}  # server (or user device) -> its decisions, in order
    speeds: dict[tuple[str, int], float] = {}
    for j, (task, step, server) in enumerate(decisions):
        size, user, start = float(real.sizes[task]), int(real.users[task]), step * instance.step_seconds
        if server == local:  # the user's own device: no upload
            freq, upload, key = instance.local_freq, 0.0, ("device", user)
        else:
            freq, key = float(real.server_freqs[server]), ("server", server)
            upload = size / shannon_rate(instance, step, server, user)
        compute = instance.kappa * instance.cycles_per_bit * size * freq**2
        uploads.append(upload)
        energies.append(compute if server == local else instance.transmit_power_w * upload + compute)
        starts.append(start)
        joins.append(start + upload)
        works.append(size)
        queues.setdefault(key, []).append(j)
        speeds[key] = freq * bits_per_cycle
    completions, delays = [math.nan] * len(decisions), [math.nan] * len(decisions)
    for key, members in queues.items():
        times, bits = [joins[j] for j in members], [works[j] for j in members]
        for j, leave in zip(members, shared_completions(times, bits, speeds[key]), strict=True):
            completions[j] = leave
        without = 0.0  # total completion time of the server's tasks decided before j, alone
        for m, j in enumerate(members, start=1):
            total = sum(shared_completions(times[:m], bits[:m], speeds[key]))
            delays[j] = total - without - starts[j]
            without = total
    return {"upload_times": uploads, "completions": completions, "delays": delays, "energies": energies}


def _decisions(instance: EdgeInstance, value: Any, problems: list[str]) -> list[Decision] | None:
    """The decisions as triples of Python ints, or None after adding why they are not: each holds
    a task index of the realisation and a server the instance has (local only when enabled)."""
    if not isinstance(value, list | tuple):
        problems.append(f"assignments must be a list of [task, step, server] triples, got {reprlib.repr(value)}")
        return None
    tasks, top = len(instance.realisation.sizes), instance.num_edges + (1 if instance.local_freq > 0 else 0)
    servers = f"0..{top}" + (f" ({top} = local)" if instance.local_freq > 0 else " (local execution is disabled)")
    before = len(problems)
    decisions = []
    for j, entry in enumerate(value):
        numbers = [whole_number(v) for v in entry] if isinstance(entry, list | tuple) and len(entry) == 3 else None
        if numbers is None or None in numbers:
            problems.append(f"assignments[{j}] must be 3 integers [task, step, server], got {reprlib.repr(entry)}")
            continue
        decision = Decision(*numbers)  # type: ignore[arg-type]  # no None left
        if not 0 <= decision.task < tasks:
            problems.append(f"decision {j}: task {decision.task} is not a task index (0..{tasks - 1})")
        if not 0 <= decision.server <= top:
            problems.append(f"decision {j} (task {decision.task}): server {decision.server} is not in {servers}")
        decisions.append(decision)
    return decisions if len(problems) == before else None


def _series(key: str, value: Any, count: int | None, problems: list[str]) -> list[float] | None:
    """A per-decision list as floats, or None after adding why it is not one."""
    numbers = [finite_number(v) for v in value] if isinstance(value, list | tuple) else None
    if numbers is None or None in numbers or (count is not None and len(numbers) != count):
        wanted = f"{count} finite numbers (one per decision)" if count is not None else "finite numbers"
        problems.append(f"{key} must list {wanted}, got {reprlib.repr(value)}")
        return None
    return numbers  # type: ignore[return-value]  # no None left


def _fifo_violations(instance: EdgeInstance, decisions: list[Decision]) -> list[str]:
    """Decision j is task j at the FIFO rule's step, and every task the horizon reaches is decided."""
    steps = fifo_steps(instance)
    arrivals = instance.realisation.arrival_steps
    problems = []
    for j, decision in enumerate(decisions):
        if j >= len(steps):
            problems.append(
                f"decision {j} (task {decision.task}, step {decision.step}): the FIFO rule decides only "
                f"{len(steps)} task(s) before the horizon of {instance.horizon} steps"
            )
        elif decision.task != j:
            problems.append(
                f"decision {j} is task {decision.task}, but tasks are decided in arrival order: "
                f"the FIFO queue's head is task {j}"
            )
        elif decision.step != steps[j]:
            previous = steps[j - 1] + 1 if j else 0
            problems.append(
                f"decision {j} (task {j}) is at step {decision.step}, but the FIFO rule gives step {steps[j]} "
                f"= max(arrival step {int(arrivals[j])}, previous decision step + 1 = {previous})"
            )
    if len(decisions) < len(steps):
        missing = len(decisions)
        problems.append(
            f"the record decides {len(decisions)} task(s), but the FIFO rule decides {len(steps)} before the "
            f"horizon of {instance.horizon} steps: task {missing} (arrival step {int(arrivals[missing])}) "
            f"is due at step {steps[missing]}"
        )
    return problems


def _series_violations(
    instance: EdgeInstance,
    decisions: list[Decision],
    reported: dict[str, list[float]],
    expected: dict[str, list[float]],
) -> list[str]:
    """Each decision's upload time, completion, delay and energy against the recomputed ones."""
    local = instance.num_edges + 1
    problems = []
    for key in SERIES:
        for j, (value, wanted) in enumerate(zip(reported[key], expected[key], strict=True)):
            if not _close(value, wanted):
                task, step, server = decisions[j]
                where = "local" if server == local else "cloud" if server == 0 else f"edge {server}"
                problems.append(
                    f"decision {j} (task {task} at step {step} on server {server}, {where}): {key}[{j}] is "
                    f"{value!r}, but the instance gives {wanted!r}"
                )
    return problems


def _metric_violations(
    instance: EdgeInstance, reported: dict[str, float | int | None], expected: dict[str, list[float]]
) -> list[str]:
    """The reported metrics against the ones recomputed from the instance."""
    delays, energies, w = expected["delays"], expected["energies"], instance.preference
    costs = [
        w * d / instance.delay_unit + (1 - w) * e / instance.energy_unit for d, e in zip(delays, energies, strict=True)
    ]
    counts = {"num_edges": instance.num_edges, "decided": len(delays)}
    floats = {
        "weighted_cost": _mean(costs),
        "avg_delay": _mean(delays),
        "avg_energy": _mean(energies),
        "preference": instance.preference,
    }
    wrong = [key for key, value in counts.items() if reported[key] is not None and reported[key] != value]
    wrong += [key for key, value in floats.items() if reported[key] is not None and not _close(reported[key], value)]  # type: ignore[arg-type]
    recomputed = {**counts, **floats}
    return [f"{key} is reported as {reported[key]!r}, but the instance gives {recomputed[key]!r}" for key in wrong]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _close(value: float, wanted: float) -> bool:
    return math.isclose(value, wanted, rel_tol=REL_TOL, abs_tol=ABS_TOL)
