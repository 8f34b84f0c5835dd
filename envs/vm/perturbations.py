"""Broken copies of a valid VM-rescheduling record, one per constraint the validator checks.

The family contract test feeds each copy to the validator and expects a rejection, so a check
that stopped working would fail a test instead of passing bad plans silently. Most copies
append one migration to the plan, made from its final placement, and keep the rest of the
record consistent with it (placement, count, fragment rate), so that the constraint named is
the one that fails; appending to a plan that already uses all of its `mnl` migrations also
breaks the limit, which only adds a second reason. The check that at most `mnl` VMs end away
from their initial location has no copy of its own: no plan breaks it without first making
more than `mnl` migrations.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from schedrl.envs.vm.instance import VMSnapshot
from schedrl.envs.vm.validate import Cluster, Location, Move, placement_locations

Record = dict[str, Any]


def perturbations(instance: VMSnapshot, record: Record) -> list[tuple[str, Record]]:
    """(constraint, broken record) pairs. Those that need something the instance or the
    record may lack are left out where it does: an overloading destination for cpu or for
    memory (no VM too big for a node it may move to), an unmovable VM, a double-NUMA VM,
    a host or a rack anti-affinity group."""
    locations = placement_locations(instance, record["placement"])
    moves = _Moves(instance, locations)
    first = moves.migratable[0] if moves.migratable else 0
    vm_id, (pm, numa) = instance.vm_ids[0], locations[0]

    def misreported(key: str, by: float) -> Record:
        return {**copy.deepcopy(record), key: record[key] + by}

    def appended(entry: list[Any]) -> Record:
        broken = copy.deepcopy(record)
        broken["migrations"] = [*broken["migrations"], entry]
        broken["migrations_used"] = len(broken["migrations"])
        return broken

    def extended(*plan: Move) -> Record:
        """The record with `plan` appended and its placement, count and fragment rate to match."""
        broken = copy.deepcopy(record)
        broken["migrations"] = [
            *broken["migrations"],
            *([instance.vm_ids[vm], instance.pm_ids[p], n] for vm, p, n in plan),
        ]
        broken["migrations_used"] = len(broken["migrations"])
        where = list(locations)
        for vm, p, n in plan:
            where[vm] = (p, n)
        broken["placement"] = {instance.vm_ids[vm]: [instance.pm_ids[p], n] for vm, (p, n) in enumerate(where)}
        broken["fragment_rate"] = Cluster(instance, where).fragment_rate()
        return broken

    moved_away = copy.deepcopy(record)
    moved_away["placement"][vm_id] = [instance.pm_ids[pm], 1 - numa]  # a double-NUMA VM's node 1 differs too
    lacking = copy.deepcopy(record)
    del lacking["placement"][vm_id]
    broken = [
        ("placement disagrees with the replay", moved_away),
        ("placement lacks a VM", lacking),
        ("fragment_rate", misreported("fragment_rate", 0.01)),
        ("initial_fragment_rate", misreported("initial_fragment_rate", 0.01)),
        ("migrations_used", misreported("migrations_used", 1)),
        ("unknown VM id", appended([_unused("no-such-vm", instance.vm_ids), instance.pm_ids[0], 0])),
        ("unknown PM id", appended([instance.vm_ids[first], _unused("no-such-pm", instance.pm_ids), 0])),
        ("migration that stays", extended((first, *locations[first]))),
        ("migration limit", extended(*_bounces(moves, instance.mnl + 1 - len(record["migrations"])))),
    ]
    for resource, other in (("cpu", "memory"), ("memory", "cpu")):
        biggest = sorted(moves.migratable, key=lambda vm: -moves.demand[resource][vm])
        over = moves.find(
            biggest,
            functools.partial(moves.overloads, resource=resource, fitting=other),
            functools.partial(moves.overloads, resource=resource),
        )
        if over is not None:
            broken.append((f"destination {resource}", extended(over)))
    unmovable = moves.find(np.flatnonzero(~instance.vm_migratable).tolist(), moves.feasible, moves.allowed)
    if unmovable is not None:
        broken.append(("unmovable VM", extended(unmovable)))
    doubles = sorted(np.flatnonzero(instance.vm_double).tolist(), key=lambda vm: not instance.vm_migratable[vm])
    double = moves.find(doubles, moves.feasible, moves.allowed)
    if double is not None:
        broken.append(("double-NUMA VM on NUMA node 1", extended((double[0], double[1], 1))))
    for granularity in ("host", "rack"):
        together = moves.find_together(granularity)
        if together is not None:
            broken.append((f"{granularity} anti-affinity", extended(together)))
    return broken


class _Moves:
    """Finds migrations from a placement: where a VM may go, and what fits there."""

    def __init__(self, instance: VMSnapshot, locations: list[Location]):
        cluster = Cluster(instance, locations)
        self.instance = instance
        self.where = np.array(locations, dtype=np.int64).reshape(-1, 2)
        self.free = {r: np.array(cluster.capacity[r]) - np.array(cluster.used[r]) for r in ("cpu", "memory")}
        self.demand = {"cpu": instance.vm_cpu, "memory": instance.vm_mem}
        self.migratable = np.flatnonzero(instance.vm_migratable).tolist()

    def fits(self, vm: int, resource: str) -> np.ndarray:
        """[P, 2]: whether the VM's demand fits in node (pm, numa), not counting its own usage."""
        if not self.instance.vm_double[vm]:
            return self.free[resource] >= self.demand[resource][vm]
        both = (self.free[resource] >= self.demand[resource][vm] // 2).all(axis=1, keepdims=True)
        return np.repeat(both, 2, axis=1)

    def changes(self, vm: int) -> np.ndarray:
        """[P, 2]: destinations that change the VM's location, on node 0 for a double-NUMA VM."""
        mask = np.ones(self.free["cpu"].shape, dtype=bool)
        pm, numa = self.where[vm]
        if self.instance.vm_double[vm]:
            mask[:, 1] = False
            mask[pm] = False  # its own PM's nodes are not free of it
        else:
            mask[pm, numa] = False
        return mask

    def allowed(self, vm: int) -> np.ndarray:
        """[P, 2]: destinations that change the VM's location without breaking anti-affinity."""
        mask = self.changes(vm)
        racks = self.instance.pm_rack
        for group in self.instance.anti_affinity:
            if vm in group.members:
                others = self.where[[other for other in group.members if other != vm], 0]
                taken = (
                    np.isin(racks, racks[others])
                    if group.granularity == "rack"
                    else np.isin(np.arange(len(racks)), others)
                )
                mask[taken] = False
        return mask

    def overloads(self, vm: int, resource: str, fitting: str | None = None) -> np.ndarray:
        """[P, 2]: allowed destinations short of `resource` for the VM (with room for `fitting`)."""
        mask = self.allowed(vm) & ~self.fits(vm, resource)
        return mask & self.fits(vm, fitting) if fitting else mask

    def feasible(self, vm: int) -> np.ndarray:
        return self.allowed(vm) & self.fits(vm, "cpu") & self.fits(vm, "memory")

    def find(self, vms: Iterable[int], *conditions: Callable[[int], np.ndarray]) -> Move | None:
        """The first (vm, pm, numa) that meets the first condition any of `vms` meets."""
        vms = list(vms)
        for condition in conditions:
            for vm in vms:
                move = _first_hit(vm, condition(vm))
                if move is not None:
                    return move
        return None

    def find_together(self, granularity: str) -> Move | None:
        """A move of a migratable member of a `granularity` group onto another member's PM or rack,
        fitting if possible."""
        racks = self.instance.pm_rack
        for group in self.instance.anti_affinity:
            if group.granularity != granularity:
                continue
            for vm in (member for member in group.members if self.instance.vm_migratable[member]):
                for other in group.members:
                    if other == vm:
                        continue
                    pm = self.where[other, 0]
                    near = racks == racks[pm] if granularity == "rack" else np.arange(len(racks)) == pm
                    mask = self.changes(vm) & near[:, None]
                    move = _first_hit(vm, mask & self.fits(vm, "cpu") & self.fits(vm, "memory")) or _first_hit(vm, mask)
                    if move is not None:
                        return move
        return None


def _first_hit(vm: int, mask: np.ndarray) -> Move | None:
    hits = np.argwhere(mask)
    return (vm, int(hits[0, 0]), int(hits[0, 1])) if len(hits) else None


def _bounces(moves: _Moves, count: int) -> list[Move]:
    """`count` or `count + 1` migrations (an even number) of one VM to a destination and back:
    each is feasible where the first is (the way back is where it came from), and the VM
    ends where it started, so only the number of migrations is wrong."""
    vm, pm, numa = (
        moves.find(moves.migratable, moves.feasible)
        or moves.find(range(len(moves.where)), moves.changes)
        or (0, int(moves.where[0, 0]), int(moves.where[0, 1]))  # one PM of double-NUMA VMs: nowhere to go
    )
    home = (vm, int(moves.where[vm, 0]), int(moves.where[vm, 1]))
    pairs = (max(count, 1) + 1) // 2
    return [(vm, pm, numa), home] * pairs


def _unused(name: str, taken: tuple[str, ...]) -> str:
    while name in taken:
        name += "'"
    return name
