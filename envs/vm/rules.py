"""Step-wise baselines: the greedy migration heuristic and random legal migrations.

Greedy takes, at every migration, the single move that removes the most fragments: the
VM and its destination chosen together, scoring a VM by what its removal frees on its
node(s) plus what its landing fragments at the destination. It stops when no move gains.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schedrl.envs.core.policy import Policy, RandomPolicy
from schedrl.envs.vm.instance import VMSnapshot
from schedrl.envs.vm.placement import Placement

#: Destinations kept per class of equal demand: the first may be a member's own place (a
#: no-op), so the second serves it; anti-affinity members are scored on their own destinations.
_CANDIDATES = 2


def best_move(placement: Placement) -> tuple[int, int, int] | None:
    """(vm, destination node, change of Σ fragments) of the move that removes the most
    fragments, or None when no move removes any. Equal changes are common (a move gains whole
    wraps of 16); the first found wins, in this order: demand classes by (cpu per node,
    memory per node, single before double-NUMA), VMs by index, destinations by landing
    change, then node index."""
    removal = placement.removal_delta()
    best: tuple[int, int, int] | None = None
    for members, room in placement.demand_classes():
        nodes = np.flatnonzero(room)
        landing = placement.landing_delta(int(members[0]))[nodes]
        # The best few destinations for the class: a VM's own place may be among them.
        candidates = [(int(nodes[i]), int(landing[i])) for i in np.argsort(landing, kind="stable")[:_CANDIDATES]]
        for vm in members:
            if vm in placement.partners:  # anti-affinity: score its own legal destinations
                node = best_destination(placement, int(vm))
                if node is not None:
                    best = _better(best, (int(vm), node, placement.move_delta(int(vm), node)))
                continue
            own = placement.vm_node[vm]
            for node, change in candidates:
                if node != own:
                    best = _better(best, (int(vm), node, int(removal[vm]) + change))
                    break
    return best if best is not None and best[2] < 0 else None


def best_destination(placement: Placement, vm: int) -> int | None:
    """The legal destination other than its own place where `vm` lands with the fewest new
    fragments (None if it can go nowhere else)."""
    room = placement.destinations(vm)
    room[placement.vm_node[vm]] = False
    if not room.any():
        return None
    landing = np.where(room, placement.landing_delta(vm), np.iinfo(np.int64).max)
    return int(np.argmin(landing))


def _better(current: tuple[int, int, int] | None, candidate: tuple[int, int, int]) -> tuple[int, int, int]:
    return candidate if current is None or candidate[2] < current[2] else current


def greedy_plan(instance: VMSnapshot) -> Placement:
    """The greedy heuristic run to its end or to the migration limit (the solvers' hint)."""
    placement = Placement(instance)
    while len(placement.migrations) < instance.mnl:
        move = best_move(placement)
        if move is None:
            break
        placement.move(move[0], move[1])
    return placement


class GreedyMigration:
    """Picks the VM of the best move in stage 1 and its destination in stage 2; "stop" when
    no move gains. Reads the env's placement (a heuristic, not a learned policy)."""

    def __init__(self) -> None:
        self._planned: tuple[int, int] | None = None

    def act(self, obs: dict[str, np.ndarray], action_mask: np.ndarray, env: Any = None) -> int:
        if env is None:
            raise ValueError("the greedy heuristic reads the env's placement: call act(obs, mask, env)")
        state = env.unwrapped
        placement = state.placement
        if state.chosen_vm is None:
            move = best_move(placement)
            if move is None:
                return state.stop_node
            self._planned = (move[0], move[1])
            return state.vm_slot(move[0])
        vm = state.chosen_vm
        node: int | None
        if self._planned is not None and self._planned[0] == vm and action_mask[self._planned[1]]:
            node = self._planned[1]
        else:
            node = best_destination(placement, vm)
        self._planned = None
        return int(placement.vm_node[vm]) if node is None else node


def vm_baselines(seed: int = 0) -> dict[str, Policy]:
    return {"greedy": GreedyMigration(), "random": RandomPolicy(seed)}
