"""The mutable placement of one snapshot's VMs: free resources per NUMA node, where each VM
sits, which destinations can take a VM, and what a move does to the fragments. The env,
the greedy heuristic and the solvers' hints all move VMs through it."""

from __future__ import annotations

import numpy as np

from schedrl.envs.vm.instance import FRAGMENT_BLOCK, NUMA_PER_PM, VMSnapshot, fragment_rate, per_node


class Placement:
    """NUMA node d = (pm, numa) is flat index 2 * pm + numa throughout."""

    def __init__(self, instance: VMSnapshot):
        self.instance = instance
        self.free_cpu = instance.initial_free_cpu.reshape(-1).copy()
        self.free_mem = (instance.numa_mem - instance.used(instance.vm_mem)).reshape(-1).copy()
        self.initial_node = NUMA_PER_PM * instance.vm_pm + instance.vm_numa  # node 0 of the PM for double-NUMA VMs
        self.initial_node.setflags(write=False)
        self.vm_node = self.initial_node.copy()
        self.total_free_cpu = int(self.free_cpu.sum())
        # Demand per NUMA node taken: a double-NUMA VM puts half on each node of its PM.
        self.node_cpu = per_node(instance.vm_cpu, instance.vm_double)
        self.node_mem = per_node(instance.vm_mem, instance.vm_double)
        self.migrations: list[tuple[int, int]] = []  # (vm, destination node), in order
        self.partners = _partners(instance)  # VM -> [(granularity, other members)]
        self._classes = _demand_classes(instance, self.node_cpu, self.node_mem)

    # -- reading ------------------------------------------------------------------------
    @property
    def fragment_rate(self) -> float:
        return fragment_rate(self.free_cpu)

    @property
    def fragments(self) -> int:
        """Σ free cpu mod 16: the fragment rate's numerator (its denominator never changes)."""
        return int(np.remainder(self.free_cpu, FRAGMENT_BLOCK).sum())

    def nodes_of(self, vm: int) -> np.ndarray:
        """The NUMA nodes `vm` occupies now (both nodes of its PM for a double-NUMA VM)."""
        node = self.vm_node[vm]
        return np.array([node, node + 1]) if self.instance.vm_double[vm] else np.array([node])

    def destinations(self, vm: int) -> np.ndarray:
        """Bool [2P]: nodes that can take `vm` now, its own place included (a legal no-op).
        A double-NUMA VM lands on node 0 of a PM whose both nodes have room."""
        cpu, mem = self.node_cpu[vm], self.node_mem[vm]
        free_cpu, free_mem = self.free_cpu.copy(), self.free_mem.copy()
        own = self.nodes_of(vm)
        free_cpu[own] += cpu  # its own room counts as free where it stays on its PM
        free_mem[own] += mem
        room = (free_cpu >= cpu) & (free_mem >= mem)
        if self.instance.vm_double[vm]:
            room = double_numa_room(room)
        if vm in self.partners:
            room &= ~self.forbidden_nodes(vm)
        return room

    def demand_classes(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(members, room) for each class of migratable VMs with equal demand: `room` [2P]
        marks the nodes that can take one of them (node 0 of a PM for double-NUMA VMs),
        judged without freeing a member's own place, which only matters for staying put.
        Anti-affinity is not applied here (`destinations` applies it per VM)."""
        classes = []
        for (cpu, mem, double), members in self._classes:
            room = (self.free_cpu >= cpu) & (self.free_mem >= mem)
            classes.append((members, double_numa_room(room) if double else room))
        return classes

    def removal_delta(self) -> np.ndarray:
        """[V] change of the fragment numerator if each VM left its node(s) (negative: fewer)."""
        return self._delta(self.vm_node, +self.node_cpu) + np.where(
            self.instance.vm_double, self._delta(self.vm_node + self.instance.vm_double, +self.node_cpu), 0
        )

    def landing_delta(self, vm: int) -> np.ndarray:
        """[2P] change of the fragment numerator at each node if a VM of `vm`'s demand landed
        there (double-NUMA: at node 0 the change over both nodes of the PM; its other entries
        are 0). Its own place is not freed first, so the same vector serves every VM of the
        class; for `vm` itself the move there is a no-op, whatever the entry says."""
        cpu = self.node_cpu[vm]
        after = np.remainder(self.free_cpu - cpu, FRAGMENT_BLOCK) - np.remainder(self.free_cpu, FRAGMENT_BLOCK)
        if not self.instance.vm_double[vm]:
            return after
        per_pm = after.reshape(-1, NUMA_PER_PM).sum(axis=1)
        delta = np.zeros_like(after)
        delta[0::NUMA_PER_PM] = per_pm
        return delta

    def move_delta(self, vm: int, node: int) -> int:
        """Exact change of the fragment numerator if `vm` moved to `node` (0 for its own place)."""
        before = self.fragments
        origin = int(self.vm_node[vm])
        self._shift(vm, origin, node)
        after = self.fragments
        self._shift(vm, node, origin)
        return after - before

    def moved(self) -> np.ndarray:
        """Bool [V]: VMs away from their place in the snapshot."""
        return self.vm_node != self.initial_node

    # -- changing -----------------------------------------------------------------------
    def move(self, vm: int, node: int) -> None:
        """Move `vm` to `node` (the caller checked `destinations`); its own place is a no-op."""
        origin = int(self.vm_node[vm])
        if node == origin:
            return
        self._shift(vm, origin, node)
        self.migrations.append((vm, node))

    def _shift(self, vm: int, origin: int, node: int) -> None:
        span = NUMA_PER_PM if self.instance.vm_double[vm] else 1
        self.free_cpu[origin : origin + span] += self.node_cpu[vm]
        self.free_mem[origin : origin + span] += self.node_mem[vm]
        self.free_cpu[node : node + span] -= self.node_cpu[vm]
        self.free_mem[node : node + span] -= self.node_mem[vm]
        self.vm_node[vm] = node

    def _delta(self, nodes: np.ndarray, change: np.ndarray) -> np.ndarray:
        free = self.free_cpu[nodes]
        return np.remainder(free + change, FRAGMENT_BLOCK) - np.remainder(free, FRAGMENT_BLOCK)

    def forbidden_nodes(self, vm: int, counted: np.ndarray | None = None) -> np.ndarray:
        """Bool [2P]: nodes of PMs (host sets) or racks (rack sets) where a partner of `vm`
        sits; `counted` (bool [V]) limits which partners count (default: all)."""
        instance = self.instance
        pms = self.vm_node // NUMA_PER_PM
        forbidden_pm = np.zeros(instance.num_pms, dtype=bool)
        for granularity, partners in self.partners.get(vm, []):
            places = pms[partners if counted is None else partners[counted[partners]]]
            if granularity == "host":
                forbidden_pm[places] = True
            else:
                forbidden_pm |= np.isin(instance.pm_rack, instance.pm_rack[places])
        return np.repeat(forbidden_pm, NUMA_PER_PM)

    # -- the plan ----------------------------------------------------------------------------
    def record(self) -> dict[str, object]:
        """The solution record (see docs/families/vm.md): ids are the snapshot's own."""
        instance = self.instance
        pm_ids, vm_ids = instance.pm_ids, instance.vm_ids

        def place(node: int) -> list[object]:
            return [pm_ids[node // NUMA_PER_PM], node % NUMA_PER_PM]

        return {
            "fragment_rate": self.fragment_rate,
            "initial_fragment_rate": instance.initial_fragment_rate,
            "migrations_used": len(self.migrations),
            "migrations": [[vm_ids[vm], *place(node)] for vm, node in self.migrations],
            "placement": {vm_ids[vm]: place(int(node)) for vm, node in enumerate(self.vm_node)},
        }


def double_numa_room(room: np.ndarray) -> np.ndarray:
    """Where a double-NUMA VM may land, from `room` [2P] per node for its half: node 0 of
    each PM with room on both of its nodes."""
    landing = np.zeros_like(room)
    landing[0::NUMA_PER_PM] = room.reshape(-1, NUMA_PER_PM).all(axis=1)
    return landing


def _demand_classes(
    instance: VMSnapshot, node_cpu: np.ndarray, node_mem: np.ndarray
) -> list[tuple[tuple[int, int, bool], np.ndarray]]:
    """Migratable VMs grouped by (cpu per node, memory per node, double-NUMA), in that order:
    fixed for a snapshot, so found once per episode."""
    movable = np.flatnonzero(instance.vm_migratable)
    demands = np.stack([node_cpu, node_mem, instance.vm_double], axis=1)[movable]
    keys, inverse = np.unique(demands, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    return [
        ((int(cpu), int(mem), bool(double)), movable[inverse == index]) for index, (cpu, mem, double) in enumerate(keys)
    ]


def _partners(instance: VMSnapshot) -> dict[int, list[tuple[str, np.ndarray]]]:
    """For each VM in a deployment set: (granularity, the other members) per set."""
    partners: dict[int, list[tuple[str, np.ndarray]]] = {}
    for group in instance.anti_affinity:
        members = np.array(group.members, dtype=np.int64)
        for vm in group.members:
            partners.setdefault(vm, []).append((group.granularity, members[members != vm]))
    return partners
