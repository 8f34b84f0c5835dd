"""CP-SAT and POP for VM rescheduling: a hand-solved optimum, valid plans no worse than greedy,
the migration limit, and the ordering of moves that block each other."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from schedrl.envs.vm.cpsat import VMCPSatSolver, VMPopSolver, execute, order_moves
from schedrl.envs.vm.generator import generate_set
from schedrl.envs.vm.instance import AntiAffinity, VMSnapshot
from schedrl.envs.vm.placement import Placement
from schedrl.envs.vm.rules import greedy_plan
from schedrl.envs.vm.validate import validate_plan
from schedrl.errors import ConfigError

FAST = {"time_limit": 5.0, "workers": 1}


def _snapshot(cpu: list[int], node: list[int], migratable: list[bool], **fields: object) -> VMSnapshot:
    """Two PMs of two 44-vCPU NUMA nodes (node = 2 * pm + numa), single-NUMA VMs, ample memory."""
    cpu_array, node_array = np.array(cpu), np.array(node)
    return VMSnapshot(
        name="hand",
        numa_cpu=np.full((2, 2), 44),
        numa_mem=np.full((2, 2), 1000),
        vm_cpu=cpu_array,
        vm_mem=np.ones_like(cpu_array),
        vm_double=np.zeros(len(cpu), dtype=bool),
        vm_pm=node_array // 2,
        vm_numa=node_array % 2,
        vm_migratable=np.array(migratable),
        **fields,  # type: ignore[arg-type]
    )


def _trap(**fields: object) -> VMSnapshot:
    """VM a (4 vCPU) on node 0 and VM b (10) on node 2 move; fillers set the free cpu of nodes
    0..3 to 12, 10, 11, 7 (40 in all, every vCPU a fragment: FR 1).

    Best with mnl = 2: b to node 1 (node 1: 10 -> 0, node 2: 11 -> 21) and a to node 2 (node 0:
    12 -> 16, node 2: 21 -> 17): remainders 0 + 0 + 1 + 7 = 8, FR 8/40 = 0.2; a to node 3 instead
    (7 -> 3, node 2 stays at 21) gives 0 + 0 + 5 + 3 = 8 too. No plan does better: the remainders
    sum to 40 mod 16 = 8 at least, and only b's move empties node 1's 10 fragments.

    Greedy takes a first (leaving node 0 frees 12 fragments, landing on node 1 removes 4: the best
    single move, tied with landing on node 2 or 3, and it picks node 1), after which b fits
    nowhere: 0 + 6 + 11 + 7 = 24, FR 0.6."""
    return _snapshot([4, 10, 28, 34, 23, 37], [0, 2, 0, 1, 2, 3], [True, True, False, False, False, False], **fields)


def test_cpsat_finds_the_hand_computed_optimum_that_greedy_misses() -> None:
    instance = _trap(mnl=2)
    assert greedy_plan(instance).fragment_rate == pytest.approx(0.6)
    result = VMCPSatSolver(**FAST).solve(instance)
    assert result.objective == pytest.approx(0.2)
    assert result.solution["fragment_rate"] == pytest.approx(0.2)
    moves = sorted(result.solution["migrations"])
    assert moves[1] == ["vm_1", "pm_0", 1] and moves[0][:2] == ["vm_0", "pm_1"]
    validate_plan(instance, result.solution)
    # Nothing was cut (no 16-multiples, few movers and destinations): the optimum is proven.
    assert result.proven_optimal and result.lower_bound == pytest.approx(0.2), result.status
    assert result.status.startswith("OPTIMAL (exact model)")


def test_mnl_one_takes_the_best_single_move() -> None:
    # One move: a leaves node 0 (12 -> 16) and lands on a node with 4+ free: 40 - 12 - 4 = 24.
    result = VMCPSatSolver(**FAST).solve(_trap(mnl=1))
    assert result.objective == pytest.approx(24 / 40) and result.solution["migrations_used"] == 1


@pytest.mark.parametrize("granularity", ["host", "rack"])
def test_anti_affinity_rules_out_the_optimum(granularity: str) -> None:
    # A non-migratable partner c (2 vCPU) of b on node 1 (PM 0, rack 0; PM 1 is rack 1): b may not
    # join PM 0 (rack 0), so only a's single move gains: 24 / 40.
    instance = _snapshot(
        [4, 10, 28, 32, 23, 37, 2],
        [0, 2, 0, 1, 2, 3, 1],
        [True, True, False, False, False, False, False],
        mnl=2,
        pm_rack=np.array([0, 1]),
        anti_affinity=(AntiAffinity(granularity, (1, 6)),),  # type: ignore[arg-type]
    )
    result = VMCPSatSolver(**FAST).solve(instance)
    validate_plan(instance, result.solution)
    assert result.objective == pytest.approx(0.6)


@pytest.fixture(scope="module")
def generated() -> VMSnapshot:
    instance = generate_set({"num_pms": 6, "mnl": 4}, 1, 5)[0]
    assert instance.vm_double.any() and instance.initial_fragment_rate > 0
    return instance


def test_cpsat_is_valid_and_no_worse_than_greedy(generated: VMSnapshot) -> None:
    greedy = greedy_plan(generated)
    result = VMCPSatSolver(**FAST).solve(generated)
    validate_plan(generated, result.solution)
    assert result.solution["migrations_used"] <= generated.mnl
    assert result.objective <= greedy.fragment_rate + 1e-12
    assert greedy.fragment_rate == pytest.approx(1 / 3) and result.objective == 0.0  # FR 0: no plan does better
    assert result.lower_bound is None and "reduced model, its bound" in result.status  # cuts: no proven bound
    assert "variables" in result.status and "constraints" in result.status and result.wall_time > 0


def test_cpsat_without_any_cut_or_hint_is_also_valid(generated: VMSnapshot) -> None:
    solver = VMCPSatSolver(**FAST, hint=False, destinations_per_vm=None, max_movers=None, drop_block_multiples=False)
    result = solver.solve(generated)
    validate_plan(generated, result.solution)
    assert result.proven_optimal and result.objective == 0.0 and result.status.startswith("OPTIMAL (exact model)")


def test_mnl_zero_returns_the_snapshot(generated: VMSnapshot) -> None:
    instance = dataclasses.replace(generated, mnl=0)
    for solver in (VMCPSatSolver(**FAST), VMPopSolver(**FAST)):
        result = solver.solve(instance)
        assert result.objective == instance.initial_fragment_rate
        assert result.solution["migrations"] == [] and "mnl = 0" in result.status
        validate_plan(instance, result.solution)


def test_pop_is_valid_and_no_worse_than_the_snapshot(generated: VMSnapshot) -> None:
    instance = dataclasses.replace(generated, mnl=5)  # 2, 1, 1 migrations for 3 parts
    result = VMPopSolver(parts=3, **FAST).solve(instance)
    validate_plan(instance, result.solution)
    assert result.objective <= instance.initial_fragment_rate
    assert result.solution["migrations_used"] <= instance.mnl
    assert result.status.startswith("POP, 3 parts") and result.lower_bound is None


def _chain() -> VMSnapshot:
    """Nodes 0..3 with free cpu 2, 0, 0, 4 and four movable 2-vCPU VMs: a on node 1, b on
    node 0, c on node 2, f on node 3 (fillers make up the rest)."""
    return _snapshot([2, 2, 2, 2, 40, 42, 42, 38], [1, 0, 2, 3, 0, 1, 2, 3], [True] * 4 + [False] * 4, mnl=4)


def test_order_moves_backtracks_out_of_a_dead_end() -> None:
    instance = _chain()
    # c -> node 0 first (it frees node 2, which f wants) then f -> node 2 leaves a -> 0 and
    # b -> 1 waiting for each other; starting with a -> 0 orders all four.
    moves = [(2, 0), (0, 0), (1, 1), (3, 2)]
    order, complete = order_moves(instance, moves)
    assert complete and sorted(order) == sorted(moves) and order[0] == (0, 0)
    placement = Placement(instance)
    for vm, node in order:
        assert placement.destinations(vm)[node]
        placement.move(vm, node)
    _, complete = order_moves(instance, moves, max_states=2)
    assert not complete


def test_a_swap_falls_back_to_the_better_plan() -> None:
    # a (4 vCPU, node 0, free 2) and b (6, node 1, free 2) swap: fine at the end (free 0 and 4),
    # but neither fits first. Greedy's plan is returned when it is better than doing nothing.
    instance = _snapshot([4, 6, 38, 36, 40, 44], [0, 1, 0, 1, 2, 3], [True, True] + [False] * 4, mnl=2)
    order, complete = order_moves(instance, [(0, 1), (1, 0)])
    assert order == [] and not complete
    placement, note = execute(instance, [(0, 1), (1, 0)], 8, lambda: greedy_plan(instance))
    assert "block each other in a cycle" in note
    assert placement.fragments == min(greedy_plan(instance).fragments, Placement(instance).fragments)


def test_a_model_and_replay_disagreement_is_an_internal_error() -> None:
    with pytest.raises(RuntimeError, match="internal error"):
        execute(_trap(mnl=1), [(0, 1)], 0, lambda: greedy_plan(_trap(mnl=1)))


def test_options_are_checked() -> None:
    with pytest.raises(ConfigError, match="destinations_per_vm"):
        VMCPSatSolver(destinations_per_vm=0)
    with pytest.raises(ConfigError, match="parts"):
        VMPopSolver(parts=0)
    with pytest.raises(ConfigError, match="time_limit"):
        VMCPSatSolver(time_limit=-1)


def test_a_reduced_model_gives_no_bound_where_its_cut_removed_the_optimum() -> None:
    # Free cpu [16, 2, 14, 0] (fillers fixed): fragments 0 + 2 + 14 + 0 = 16 of 32, FR 0.5. The
    # 16-vCPU VM on node 1 moves to node 0 (free 0 and 18), then the 18-vCPU VM on node 2 to
    # node 1 (free 0 and 32): FR 0. Cut (a) keeps the 16-vCPU VM put, so the reduced model is
    # stuck at 0.5 and its bound, 0.5, is above the optimum: it must not be reported as one.
    instance = _snapshot(
        cpu=[28, 16, 26, 18, 12, 44],
        node=[0, 1, 1, 2, 2, 3],
        migratable=[False, True, False, True, False, False],
        mnl=2,
    )
    reduced = VMCPSatSolver(**FAST).solve(instance)
    assert reduced.objective == pytest.approx(0.5) and reduced.lower_bound is None and not reduced.proven_optimal
    exact = VMCPSatSolver(**FAST, drop_block_multiples=False).solve(instance)
    assert exact.objective == 0.0 and exact.proven_optimal and exact.lower_bound == 0.0
    validate_plan(instance, exact.solution)
