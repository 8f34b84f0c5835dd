"""Independent checker of VM-rescheduling plans.

It shares no code with the env: it reads the snapshot's raw arrays as Python ints and replays
the record's migrations one at a time from the initial placement, recomputing every NUMA
node's usage, the anti-affinity groups and both fragment rates itself, so a bug in the env's
bookkeeping cannot produce a plan that the same bookkeeping then accepts.
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from typing import Any

from schedrl.envs.core.records import finite_number, record_shape_problems, whole_number
from schedrl.envs.vm.instance import VMSnapshot
from schedrl.errors import InvalidScheduleError

#: The keys of a solution record (see the family's docs for their meaning).
RECORD_KEYS = ("fragment_rate", "initial_fragment_rate", "migrations_used", "migrations", "placement")
#: VMR2L's fragment block, restated here rather than imported from the env side.
BLOCK = 16
#: How far a reported fragment rate may be from the recomputed one.
TOLERANCE = 1e-9

Location = tuple[int, int]  # (PM index, NUMA node)
Move = tuple[int, int, int]  # (VM index, PM index, NUMA node)


class Cluster:
    """Per-NUMA-node cpu and memory usage of a placement, kept up to date as VMs move."""

    def __init__(self, instance: VMSnapshot, locations: Sequence[Location]):
        self.capacity = {"cpu": instance.numa_cpu.tolist(), "memory": instance.numa_mem.tolist()}
        self.demand = {"cpu": instance.vm_cpu.tolist(), "memory": instance.vm_mem.tolist()}
        self.double = instance.vm_double.tolist()
        self.where = list(locations)
        self.used = {resource: [[0, 0] for _ in cap] for resource, cap in self.capacity.items()}
        for vm, (pm, numa) in enumerate(self.where):
            self._place(vm, pm, numa, +1)

    def nodes(self, vm: int, numa: int) -> list[int]:
        """The NUMA nodes of its PM that `vm` takes when placed at NUMA `numa`: both for a double-NUMA VM."""
        return [0, 1] if self.double[vm] else [numa]

    def _place(self, vm: int, pm: int, numa: int, sign: int) -> None:
        nodes = self.nodes(vm, numa)
        for resource, used in self.used.items():
            share = self.demand[resource][vm] // len(nodes)
            for node in nodes:
                used[pm][node] += sign * share

    def move(self, vm: int, pm: int, numa: int) -> None:
        self._place(vm, *self.where[vm], -1)
        self.where[vm] = (pm, numa)
        self._place(vm, pm, numa, +1)

    def overloads(self, pm: int, nodes: list[int]) -> list[tuple[str, int, int, int]]:
        """(resource, node, used, capacity) for each of `pm`'s `nodes` used beyond its capacity."""
        return [
            (resource, node, used[pm][node], self.capacity[resource][pm][node])
            for resource, used in self.used.items()
            for node in nodes
            if used[pm][node] > self.capacity[resource][pm][node]
        ]

    def free_cpu(self) -> list[int]:
        """Free cpu of every NUMA node, PM by PM: [PM 0 node 0, PM 0 node 1, PM 1 node 0, ...]."""
        capacity, used = self.capacity["cpu"], self.used["cpu"]
        return [capacity[pm][node] - used[pm][node] for pm in range(len(capacity)) for node in (0, 1)]

    def fragment_rate(self) -> float:
        """Σ (free mod 16) / Σ free over NUMA nodes; 0 when no cpu is free."""
        free = self.free_cpu()
        total = sum(free)
        return sum(value % BLOCK for value in free) / total if total else 0.0


def initial_locations(instance: VMSnapshot) -> list[Location]:
    """The snapshot's placement as (PM index, NUMA node) per VM index."""
    return list(zip(instance.vm_pm.tolist(), instance.vm_numa.tolist(), strict=True))


def plan_violations(instance: VMSnapshot, record: Any) -> list[str]:
    """Every violated constraint as a readable line; an empty list means the record is valid."""
    shape = record_shape_problems(record, RECORD_KEYS)
    if shape:
        return shape
    problems: list[str] = []
    rates = {key: _as_rate(record[key], key, problems) for key in ("fragment_rate", "initial_fragment_rate")}
    used = whole_number(record["migrations_used"])
    if used is None:
        problems.append(f"migrations_used must be an integer, got {reprlib.repr(record['migrations_used'])}")
    moves = _migrations(instance, record["migrations"], problems)
    placement = _placement(instance, record["placement"], problems)

    start = Cluster(instance, initial_locations(instance))
    initial_rate = start.fragment_rate()
    if rates["initial_fragment_rate"] is not None and abs(rates["initial_fragment_rate"] - initial_rate) > TOLERANCE:
        problems.append(
            f"initial_fragment_rate is reported as {rates['initial_fragment_rate']!r}, "
            f"but the snapshot's is {initial_rate!r}"
        )
    if moves is None:
        return problems  # a malformed migration list cannot be replayed
    if len(moves) > instance.mnl:
        problems.append(f"the plan makes {len(moves)} migrations, above the limit mnl = {instance.mnl}")
    if used is not None and used != len(moves):
        problems.append(f"migrations_used is reported as {used}, but the plan lists {len(moves)} migrations")
    replayable = [move for move in moves if move is not None]
    if len(replayable) < len(moves):
        return problems  # the entries at fault are named; the rest of the plan is undefined
    cluster = Cluster(instance, initial_locations(instance))
    groups = _groups_of(instance)
    for index, (vm, pm, numa) in enumerate(replayable):
        problems += _replay(instance, cluster, groups.get(vm, []), index, (vm, pm, numa))

    moved = sum(now != then for now, then in zip(cluster.where, start.where, strict=True))
    if moved > instance.mnl:
        problems.append(f"the plan moves {moved} VMs from their initial location, above the limit mnl = {instance.mnl}")
    if placement is not None:
        problems += [
            f"placement of VM {instance.vm_ids[vm]} is {_shown(instance, reported)}, but replaying the migrations "
            f"leaves it on {_shown(instance, replayed)}"
            for vm, (reported, replayed) in enumerate(zip(placement, cluster.where, strict=True))
            if reported is not None and reported != replayed
        ]
    final_rate = cluster.fragment_rate()
    if rates["fragment_rate"] is not None and abs(rates["fragment_rate"] - final_rate) > TOLERANCE:
        problems.append(
            f"fragment_rate is reported as {rates['fragment_rate']!r}, but the replayed placement's is {final_rate!r}"
        )
    return problems


def validate_plan(instance: VMSnapshot, record: Any) -> None:
    """Raise InvalidScheduleError listing every violation, if there is any."""
    violations = plan_violations(instance, record)
    if violations:
        raise InvalidScheduleError(instance.name, violations)


def placement_locations(instance: VMSnapshot, placement: Any) -> list[Location]:
    """A record's placement as (PM index, NUMA node) per VM index; InvalidScheduleError if malformed."""
    problems: list[str] = []
    locations = _placement(instance, placement, problems)
    if problems or locations is None:
        raise InvalidScheduleError(instance.name, problems)
    return [location for location in locations if location is not None]  # all of them, as nothing was wrong


def _groups_of(instance: VMSnapshot) -> dict[int, list[tuple[int, str, list[int]]]]:
    """VM index -> (number, granularity, members) of each anti-affinity group it belongs to."""
    groups: dict[int, list[tuple[int, str, list[int]]]] = {}
    for number, group in enumerate(instance.anti_affinity):
        members = [int(vm) for vm in group.members]
        for vm in set(members):
            groups.setdefault(vm, []).append((number, group.granularity, members))
    return groups


def _replay(
    instance: VMSnapshot, cluster: Cluster, groups: list[tuple[int, str, list[int]]], index: int, move: Move
) -> list[str]:
    """Moves the VM and returns what the move breaks, judged in the state the moves before it left."""
    vm, pm, numa = move
    name, pm_name = instance.vm_ids[vm], instance.pm_ids[pm]
    where = f"migrations[{index}] (VM {name} to PM {pm_name} NUMA {numa})"
    problems = []
    if not instance.vm_migratable[vm]:
        problems.append(f"{where}: VM {name} may not be migrated (its allow_migration is false)")
    if cluster.double[vm] and numa != 0:
        problems.append(f"{where}: VM {name} is double-NUMA: it goes to NUMA node 0 (taking half of both nodes)")
    if cluster.where[vm] == (pm, numa):
        problems.append(f"{where}: VM {name} is already there (a migration must change its location)")
    cluster.move(vm, pm, numa)
    problems += [
        f"{where}: PM {pm_name} NUMA {node} would use {used} {resource}, above its capacity {capacity}"
        for resource, node, used, capacity in cluster.overloads(pm, cluster.nodes(vm, numa))
    ]
    racks = instance.pm_rack.tolist()
    for number, granularity, members in groups:
        rack = granularity == "rack"
        mine = racks[pm] if rack else pm
        for other in members:
            there = cluster.where[other][0]
            if other != vm and (racks[there] if rack else there) == mine:
                unit = f"rack {mine}" if rack else f"PM {pm_name}"
                problems.append(
                    f"{where} breaks {granularity} anti-affinity group {number}: "
                    f"VM {instance.vm_ids[other]} is already on {unit}"
                )
    return problems


def _migrations(instance: VMSnapshot, value: Any, problems: list[str]) -> list[Move | None] | None:
    """Each entry as (VM, PM, NUMA) indices, None for an entry that names no VM, PM or node
    (with the reason added); None for a value that is no list."""
    if not isinstance(value, list | tuple):
        problems.append(f"migrations must be a list of [vm_id, pm_id, numa], got {reprlib.repr(value)}")
        return None
    vms = {vm_id: vm for vm, vm_id in enumerate(instance.vm_ids)}
    pms = {pm_id: pm for pm, pm_id in enumerate(instance.pm_ids)}
    moves: list[Move | None] = []
    for index, entry in enumerate(value):
        if not (isinstance(entry, list | tuple) and len(entry) == 3):
            problems.append(f"migrations[{index}] must be [vm_id, pm_id, numa], got {reprlib.repr(entry)}")
            moves.append(None)
            continue
        vm_id, pm_id, numa = entry
        vm = vms.get(vm_id) if isinstance(vm_id, str) else None
        pm = pms.get(pm_id) if isinstance(pm_id, str) else None
        node = _numa(numa)
        if vm is None:
            problems.append(f"migrations[{index}]: {vm_id!r} is not a VM id of the snapshot")
        if pm is None:
            problems.append(f"migrations[{index}]: {pm_id!r} is not a PM id of the snapshot")
        if node is None:
            problems.append(f"migrations[{index}]: the NUMA node must be 0 or 1, got {numa!r}")
        moves.append((vm, pm, node) if vm is not None and pm is not None and node is not None else None)
    return moves


def _placement(instance: VMSnapshot, value: Any, problems: list[str]) -> list[Location | None] | None:
    """Each VM's reported (PM, NUMA), None for a VM whose entry is malformed or missing (with
    the reason added); None for a value that is no dict."""
    if not isinstance(value, dict):
        problems.append(f"placement must be a dict {{vm_id: [pm_id, numa]}}, got {reprlib.repr(value)}")
        return None
    pms = {pm_id: pm for pm, pm_id in enumerate(instance.pm_ids)}
    known = set(instance.vm_ids)
    unknown = [key for key in value if key not in known]
    if unknown:
        problems.append(f"placement names {len(unknown)} unknown VM id(s): {reprlib.repr(unknown)}")
    missing = [vm_id for vm_id in instance.vm_ids if vm_id not in value]
    if missing:
        problems.append(f"placement lacks {len(missing)} VM(s): {reprlib.repr(missing)}")
    locations: list[Location | None] = []
    for vm_id in instance.vm_ids:
        location = _location(value[vm_id], pms) if vm_id in value else None
        if vm_id in value and location is None:
            problems.append(
                f"placement of VM {vm_id} must be [pm_id, numa] with a PM id of the snapshot and NUMA node 0 or 1, "
                f"got {reprlib.repr(value[vm_id])}"
            )
        locations.append(location)
    return locations


def _location(entry: Any, pms: dict[str, int]) -> Location | None:
    if not (isinstance(entry, list | tuple) and len(entry) == 2 and isinstance(entry[0], str)):
        return None
    pm, numa = pms.get(entry[0]), _numa(entry[1])
    return (pm, numa) if pm is not None and numa is not None else None


def _shown(instance: VMSnapshot, location: Location) -> str:
    return f"[{instance.pm_ids[location[0]]!r}, {location[1]}]"


def _numa(value: Any) -> int | None:
    number = whole_number(value)
    return number if number in (0, 1) else None


def _as_rate(value: Any, key: str, problems: list[str]) -> float | None:
    """A reported fragment rate as a float, or None after adding why it is not one."""
    rate = finite_number(value)
    if rate is None:
        problems.append(f"{key} must be a finite number, got {reprlib.repr(value)}")
    return rate
