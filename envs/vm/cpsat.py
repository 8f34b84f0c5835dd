"""OR-Tools CP-SAT for VM rescheduling, whole (`VMCPSatSolver`) and partitioned (`VMPopSolver`):
anytime references that minimise the fragment rate under the migration limit.

The model states the final placement. y[v, d] = 1 when VM v ends on NUMA node d = 2 * pm + numa
(node 0 of a PM for a double-NUMA VM, which takes half its demand on both nodes); each VM moves
at most once and at most `mnl` VMs move; every node keeps free cpu and memory >= 0 and every
anti-affinity group holds at most one member per PM (rack) once the moves are done. Total free cpu
never changes, so the model minimises the fragments Σ r_d, where a node's free cpu (an affine
expression of the y) is 16 q_d + r_d with 0 <= r_d <= 15 and q_d >= 0.

The full model (every migratable VM x every node) has about 1.1 million booleans on the
279-PM snapshot, so it is reduced. Sound cuts remove no solution of the model they cut:
- non-migratable VMs are fixed; a VM's own place is not a destination (staying is y = 0), nor is
  node 1 or the own PM for a double-NUMA VM;
- a node stays a destination of v only if its free cpu and memory now, plus all that the
  candidate movers there could release, cover v's demand (on both nodes for a double-NUMA VM);
  a PM (rack) where a non-moving member of v's host (rack) group sits is no destination; a
  candidate left without destinations is dropped, until nothing changes;
- only nodes that some candidate leaves or may land on get r/q variables: the other nodes'
  fragments are a constant of the objective.
Heuristic cuts may remove the optimum (each has an option; None or False turns it off):
- (a) `drop_block_multiples`: VMs whose cpu per node is a multiple of 16 (16- and 32-vCPU
  shares) are not movers: moving one changes no node's remainder, it can only make room;
- (b) `destinations_per_vm`: per mover, only the destinations where it lands with the fewest new
  fragments, judged on the snapshot (ties broken at random, seeded, so that VMs of one size
  spread over the tied nodes);
- (c) `max_movers`: only the candidates with the best single-move gain (what leaving their node
  frees plus their best landing, judged on the snapshot) move.
The defaults (4 destinations, 2000 movers) come from runs on the bundled snapshots at mnl 50. On
medium_279pm the sound cuts keep 1,082,663 of 1,165,662 (VM, node) pairs (with every VM a mover,
nearly every node could make room), (a) leaves 1,664 movers and 895,066 pairs, (b) 6,656 pairs:
7,772 variables and 2,413 constraints, built in about 0.2 s. 24 destinations per VM, or 12, or a
cap of 400-800 movers gave worse plans in 5-10 s than 4-6 destinations and every mover: the
number of movers matters more than their destinations.
The greedy plan (`rules.greedy_plan`) is computed first: its movers and destinations are always
kept, so it is a solution of the reduced model; with `hint` it is also the model's hint.

Bounds: `lower_bound` is CP-SAT's best objective bound over total free cpu only where no
heuristic cut removed anything; a reduced model's bound may lie above the problem's optimum,
so it is None then and the bound is named in the status. The final-placement
model relaxes the one-at-a-time rule, so an optimum of an uncut model whose moves can be ordered
is optimal for the problem: only then is `proven_optimal` true and the status "OPTIMAL (exact
model)"; otherwise it says "(reduced model)" (or the moves could not be ordered).

Order: migrations happen one at a time, so the model's moves are ordered such that each fits
in the state the previous ones leave (`order_moves`). A set of moves can block itself in a
cycle (A waits for B to leave, B for A); then the result is the better of the greedy plan and
the best feasible subsequence found, and the status says so.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from schedrl.envs.core.solver import SolverResult
from schedrl.envs.jobshop.cpsat import check_options, run_model
from schedrl.envs.vm.instance import FRAGMENT_BLOCK, NUMA_PER_PM, AntiAffinity, VMSnapshot
from schedrl.envs.vm.placement import Placement, double_numa_room
from schedrl.envs.vm.rules import greedy_plan
from schedrl.errors import ConfigError

Move = tuple[int, int]  # (VM, destination node 2 * pm + numa)


@dataclass(frozen=True)
class Reduction:
    """The heuristic cuts of the model (see the module docstring); None or False turns one off."""

    destinations_per_vm: int | None = 4
    max_movers: int | None = 2000
    drop_block_multiples: bool = True

    def __post_init__(self) -> None:
        for name in ("destinations_per_vm", "max_movers"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ConfigError(f"{name} must be an integer >= 1, or None for no cap, got {value!r}")
        if not isinstance(self.drop_block_multiples, bool):
            raise ConfigError(f"drop_block_multiples must be true or false, got {self.drop_block_multiples!r}")


@dataclass(frozen=True)
class Candidates:
    """The reduced model's movers and, per mover, its destination nodes."""

    movers: list[int]
    destinations: list[np.ndarray]
    exact: bool  # no heuristic cut removed anything


@dataclass(frozen=True)
class ModelOutcome:
    """One solve of the reduced model of a snapshot, with the greedy plan it was hinted with."""

    moves: list[Move]  # net moves of the best solution, sorted
    fragments: int  # its objective: Σ free cpu mod 16 once the moves are done
    bound: float  # CP-SAT's best objective bound (of the reduced model)
    status: str  # CP-SAT's status name
    exact: bool
    variables: int
    constraints: int
    build_s: float
    solve_s: float
    greedy: Placement


def net_moves(placement: Placement) -> list[Move]:
    """(VM, node) for every VM whose node differs from the snapshot's, sorted."""
    return [(int(vm), int(placement.vm_node[vm])) for vm in np.flatnonzero(placement.moved())]


def candidates(
    placement: Placement, keep: Sequence[Move], reduction: Reduction, rng: np.random.Generator
) -> Candidates:
    """The movers and destinations of the reduced model of `placement`'s snapshot (untouched);
    the moves in `keep` (a known plan's) are always kept."""
    instance = placement.instance
    kept = dict(keep)
    pool = instance.vm_migratable.copy()
    exact = True
    if reduction.drop_block_multiples:
        blocks = pool & (placement.node_cpu % FRAGMENT_BLOCK == 0)
        blocks[list(kept)] = False
        pool &= ~blocks
        exact = not blocks.any()
    movers, destinations = _plausible(placement, [int(vm) for vm in np.flatnonzero(pool)])
    landing: dict[tuple[int, bool], np.ndarray] = {}  # by (cpu per node, double-NUMA)

    def landing_of(vm: int) -> np.ndarray:
        key = (int(placement.node_cpu[vm]), bool(instance.vm_double[vm]))
        if key not in landing:
            landing[key] = placement.landing_delta(vm)
        return landing[key]

    cap = reduction.max_movers
    if cap is not None and len(movers) > cap:
        removal = placement.removal_delta()
        gain = np.array(
            [removal[vm] + landing_of(vm)[nodes].min() for vm, nodes in zip(movers, destinations, strict=True)]
        )
        ranked = np.lexsort((rng.random(len(movers)), gain))
        must = [i for i, vm in enumerate(movers) if vm in kept]
        rest = [int(i) for i in ranked if movers[i] not in kept][: max(cap - len(must), 0)]
        movers, destinations = _plausible(placement, sorted(movers[i] for i in must + rest))
        exact = False
    cap = reduction.destinations_per_vm
    for index, (vm, nodes) in enumerate(zip(movers, destinations, strict=True)):
        if cap is not None and nodes.size > cap:
            ranked = nodes[np.lexsort((rng.random(nodes.size), landing_of(vm)[nodes]))]
            if vm in kept:
                ranked = np.concatenate([[kept[vm]], ranked[ranked != kept[vm]]])
            destinations[index] = np.sort(ranked[:cap])
            exact = False
    return Candidates(movers, destinations, exact)


def _plausible(placement: Placement, pool: list[int]) -> tuple[list[int], list[np.ndarray]]:
    """The VMs of `pool` with a node that could take them if every other mover in the pool left
    its node, with those nodes; repeated until every mover has one (the sound cuts)."""
    instance = placement.instance
    double = instance.vm_double
    while True:
        movers = np.array(pool, dtype=np.int64)
        room_cpu, room_mem = placement.free_cpu.copy(), placement.free_mem.copy()
        for shift in range(NUMA_PER_PM):
            leaving = movers if shift == 0 else movers[double[movers]]
            np.add.at(room_cpu, placement.vm_node[leaving] + shift, placement.node_cpu[leaving])
            np.add.at(room_mem, placement.vm_node[leaving] + shift, placement.node_mem[leaving])
        moving = np.zeros(instance.num_vms, dtype=bool)
        moving[movers] = True
        kept, destinations = [], []
        for vm in pool:
            room = (room_cpu >= placement.node_cpu[vm]) & (room_mem >= placement.node_mem[vm])
            own = int(placement.vm_node[vm])
            if double[vm]:
                room = double_numa_room(room)
            room[own] = False
            if vm in placement.partners:  # a PM (rack) where a partner stays is no destination
                room &= ~placement.forbidden_nodes(vm, counted=~moving)
            if room.any():
                kept.append(vm)
                destinations.append(np.flatnonzero(room))
        if len(kept) == len(pool):
            return kept, destinations
        pool = kept


@dataclass
class _Model:
    model: cp_model.CpModel
    moves: list[tuple[int, int, cp_model.IntVar]]  # (VM, destination node, chosen)
    remainders: dict[int, tuple[cp_model.IntVar, cp_model.IntVar]]  # node -> (r, q)


def build_model(placement: Placement, chosen: Candidates) -> _Model:
    """The final-placement model over the candidates (see the module docstring)."""
    instance = placement.instance
    model = cp_model.CpModel()
    cpu: dict[int, list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
    mem: dict[int, list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
    landed: set[int] = set()
    moves: list[tuple[int, int, cp_model.IntVar]] = []
    leaves: dict[int, list[cp_model.IntVar]] = {}
    for vm, nodes in zip(chosen.movers, chosen.destinations, strict=True):
        span = NUMA_PER_PM if instance.vm_double[vm] else 1
        need_cpu, need_mem = int(placement.node_cpu[vm]), int(placement.node_mem[vm])
        origin = int(placement.vm_node[vm])
        chosen_vm = []
        for node in nodes.tolist():
            y = model.new_bool_var(f"y_{vm}_{node}")
            chosen_vm.append(y)
            moves.append((vm, node, y))
            for k in range(span):
                cpu[origin + k].append((y, need_cpu))
                mem[origin + k].append((y, need_mem))
                cpu[node + k].append((y, -need_cpu))
                mem[node + k].append((y, -need_mem))
                landed.add(node + k)
        model.add_at_most_one(chosen_vm)
        leaves[vm] = chosen_vm
    if moves:
        model.add(cp_model.LinearExpr.sum([y for _, _, y in moves]) <= instance.mnl)

    capacity = instance.numa_cpu.reshape(-1)
    remainders = {}
    for node in sorted(cpu):
        r = model.new_int_var(0, FRAGMENT_BLOCK - 1, f"r_{node}")
        q = model.new_int_var(0, int(capacity[node]) // FRAGMENT_BLOCK, f"q_{node}")
        model.add(FRAGMENT_BLOCK * q + r == _affine(cpu[node], int(placement.free_cpu[node])))
        if node in landed:
            model.add(_affine(mem[node], int(placement.free_mem[node])) >= 0)
        remainders[node] = (r, q)
    _anti_affinity(model, placement, moves, leaves)
    untouched = np.ones(capacity.size, dtype=bool)
    untouched[list(remainders)] = False
    offset = int(np.remainder(placement.free_cpu[untouched], FRAGMENT_BLOCK).sum())
    model.minimize(cp_model.LinearExpr.sum([r for r, _ in remainders.values()]) + offset)
    return _Model(model, moves, remainders)


def _affine(terms: list[tuple[cp_model.IntVar, int]], constant: int) -> cp_model.LinearExpr:
    return cp_model.LinearExpr.weighted_sum([y for y, _ in terms], [c for _, c in terms]) + constant


def _anti_affinity(
    model: cp_model.CpModel,
    placement: Placement,
    moves: list[tuple[int, int, cp_model.IntVar]],
    leaves: dict[int, list[cp_model.IntVar]],
) -> None:
    """At most one member of each group per PM (rack) once the moves are done."""
    instance = placement.instance
    lands: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for vm, node, y in moves:
        lands[vm].append((node, y))
    for group in instance.anti_affinity:
        racks = instance.pm_rack if group.granularity == "rack" else np.arange(instance.num_pms)

        def unit(node: int, racks: np.ndarray = racks) -> int:
            return int(racks[node // NUMA_PER_PM])

        present: dict[int, list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
        fixed: dict[int, int] = defaultdict(int)
        for vm in group.members:
            home = unit(int(placement.vm_node[vm]))
            fixed[home] += 1
            present[home] += [(y, -1) for y in leaves.get(vm, [])]
            for node, y in lands.get(vm, []):
                present[unit(node)].append((y, 1))
        for place, terms in present.items():
            if terms:
                model.add(_affine(terms, fixed[place]) <= 1)


def solve_model(
    instance: VMSnapshot, reduction: Reduction, time_limit: float, workers: int, seed: int, hint: bool
) -> ModelOutcome:
    """Greedy plan, reduced model, CP-SAT: the best net moves found for `instance`."""
    began = time.perf_counter()
    placement = Placement(instance)
    greedy = greedy_plan(instance)
    keep = net_moves(greedy)
    chosen = candidates(placement, keep, reduction, np.random.default_rng(seed))
    built = build_model(placement, chosen)
    if hint:
        planned = dict(keep)
        for vm, node, y in built.moves:
            built.model.add_hint(y, int(planned.get(vm) == node))
        for node, (r, q) in built.remainders.items():
            built.model.add_hint(r, int(greedy.free_cpu[node]) % FRAGMENT_BLOCK)
            built.model.add_hint(q, int(greedy.free_cpu[node]) // FRAGMENT_BLOCK)
    proto = built.model.proto
    solving = time.perf_counter()
    try:
        solver, status = run_model(built.model, instance.name, time_limit, workers, seed, measure="cpu fragments")
    except ConfigError:  # no solution within the time limit: the greedy plan (feasible) stands
        return ModelOutcome(
            moves=sorted(keep), fragments=greedy.fragments, bound=0.0, status="UNKNOWN", exact=chosen.exact,
            variables=len(proto.variables), constraints=len(proto.constraints), build_s=solving - began,
            solve_s=time.perf_counter() - solving, greedy=greedy,
        )  # fmt: skip
    return ModelOutcome(
        moves=sorted((vm, node) for vm, node, y in built.moves if solver.boolean_value(y)),
        fragments=round(solver.objective_value),
        bound=solver.best_objective_bound,
        status=solver.status_name(status),
        exact=chosen.exact,
        variables=len(proto.variables),
        constraints=len(proto.constraints),
        build_s=solving - began,
        solve_s=time.perf_counter() - solving,
        greedy=greedy,
    )


def order_moves(instance: VMSnapshot, moves: Sequence[Move], max_states: int | None = None) -> tuple[list[Move], bool]:
    """An order of `moves` (net moves, one per VM) in which each fits in the state the previous
    ones leave, and True; if none is found, the feasible sequence of some of them that leaves
    the fewest fragments, and False.

    The state after a set of moves does not depend on their order, so this is a depth-first
    search over sets of done moves, each visited once, at most `max_states` of them (default
    50 per move). Moves that free a node another pending move lands on go first: most sets then
    order without backtracking."""
    moves = list(moves)
    budget = max_states if max_states is not None else 50 * len(moves) + 100
    span = [NUMA_PER_PM if instance.vm_double[vm] else 1 for vm, _ in moves]
    start = Placement(instance)
    origins = [
        set(range(int(start.vm_node[vm]), int(start.vm_node[vm]) + s)) for (vm, _), s in zip(moves, span, strict=True)
    ]
    targets = [set(range(node, node + s)) for (_, node), s in zip(moves, span, strict=True)]

    def replay(done: list[int]) -> Placement:
        placement = Placement(instance)
        for i in done:
            placement.move(*moves[i])
        return placement

    def options(placement: Placement, done: list[int]) -> list[int]:
        pending = [i for i in range(len(moves)) if i not in done]
        wanted = set().union(*(targets[i] for i in pending))
        fits = [i for i in pending if placement.destinations(moves[i][0])[moves[i][1]]]
        return sorted(fits, key=lambda i: (not origins[i] & (wanted - targets[i]), i))

    done: list[int] = []
    placement = start
    best, best_fragments = [], start.fragments
    seen: set[frozenset[int]] = set()
    stack = [options(placement, done)]
    while stack and len(seen) < budget:
        if not stack[-1]:
            stack.pop()
            if done:
                done.pop()
                placement = replay(done)
            continue
        i = stack[-1].pop(0)
        if frozenset([*done, i]) in seen:
            continue
        done.append(i)
        seen.add(frozenset(done))
        placement.move(*moves[i])
        if placement.fragments < best_fragments:
            best, best_fragments = list(done), placement.fragments
        if len(done) == len(moves):
            return [moves[j] for j in done], True
        stack.append(options(placement, done))
    return [moves[j] for j in best], not moves


def execute(
    instance: VMSnapshot, moves: Sequence[Move], fragments: int, greedy: Callable[[], Placement]
) -> tuple[Placement, str]:
    """The moves in a feasible order as a Placement whose `record()` is the plan, and a note for
    the status ("" when all moves were ordered; then the fragments must equal the model's)."""
    order, complete = order_moves(instance, moves)
    placement = Placement(instance)
    for vm, node in order:
        placement.move(vm, node)
    if complete:
        if placement.fragments != fragments:
            raise RuntimeError(
                f"internal error: the model's moves on {instance.name!r} leave {placement.fragments} fragments when "
                f"replayed, but the model's objective is {fragments}: the model and the placement disagree"
            )
        return placement, ""
    fallback = greedy()
    blocked = f"{len(moves) - len(order)} of the model's {len(moves)} moves block each other in a cycle"
    if fallback.fragments < placement.fragments:
        return fallback, f"{blocked}: returned the greedy plan ({len(fallback.migrations)} moves)"
    return placement, f"{blocked}: returned the best feasible subsequence ({len(order)} moves)"


def _result(
    placement: Placement, status: str, began: float, lower_bound: float | None = None, proven: bool = False
) -> SolverResult:
    return SolverResult(
        objective=placement.fragment_rate,
        solution=placement.record(),
        proven_optimal=proven,
        lower_bound=lower_bound,
        status=status,
        wall_time=time.perf_counter() - began,
    )


def _nothing_to_do(instance: VMSnapshot) -> str | None:
    """Why the snapshot's own placement is already the answer, if it is."""
    if instance.mnl == 0:
        return "mnl = 0: no migration allowed"
    if not instance.initial_free_cpu.any():
        return "no free cpu: the fragment rate is 0"
    return None


class VMCPSatSolver:
    """Minimise the fragment rate under the migration limit mnl with CP-SAT on the reduced model
    of the whole snapshot (module docstring: model, cuts, bounds, order).

    `time_limit` is CP-SAT's search time; building the model and ordering the moves come on top
    and are counted in `wall_time`. The status names the model's size and building time."""

    def __init__(
        self,
        time_limit: float = 10.0,
        workers: int = 2,
        seed: int = 0,
        hint: bool = True,
        destinations_per_vm: int | None = 4,
        max_movers: int | None = 2000,
        drop_block_multiples: bool = True,
    ) -> None:
        self.time_limit, self.workers, self.seed = check_options(time_limit, workers, seed)
        if not isinstance(hint, bool):
            raise ConfigError(f"hint must be true or false, got {hint!r}")
        self.hint = hint
        self.reduction = Reduction(destinations_per_vm, max_movers, drop_block_multiples)

    def solve(self, instance: VMSnapshot) -> SolverResult:
        began = time.perf_counter()
        reason = _nothing_to_do(instance)
        if reason is not None:
            return _result(Placement(instance), f"UNCHANGED ({reason})", began, instance.initial_fragment_rate, True)
        outcome = solve_model(instance, self.reduction, self.time_limit, self.workers, self.seed, self.hint)
        placement, note = execute(instance, outcome.moves, outcome.fragments, lambda: outcome.greedy)
        total = int(instance.initial_free_cpu.sum())
        proven = outcome.exact and outcome.status == "OPTIMAL" and not note
        bound = outcome.bound / total
        # A reduced model's bound may lie above the problem's optimum: it stays in the status only.
        model = "exact model" if outcome.exact else f"reduced model, its bound {bound:.4f}"
        status = (
            f"{outcome.status} ({model}): {outcome.variables} variables, {outcome.constraints} constraints, "
            f"built in {outcome.build_s:.2f} s, solved in {outcome.solve_s:.2f} s; {len(placement.migrations)} moves"
        )
        if outcome.status == "UNKNOWN":
            status += "; no solution within the time limit: the greedy plan"
        lower_bound = bound if outcome.exact else None
        return _result(placement, f"{status}; {note}" if note else status, began, lower_bound, proven)


class VMPopSolver:
    """POP (Narayanan et al., SOSP 2021), as VMR2L uses it as a baseline: the PMs are split into
    `parts` random groups (seeded; sizes differ by at most one), each with the VMs on them, the
    migration limit mnl // parts (the remainder to the first groups) and time_limit / parts of
    search, so the search totals at most time_limit; each group is solved by the same reduced model as
    `VMCPSatSolver` and the groups' moves, independent since the groups share no PM, are ordered
    together. `parts` beyond the number of PMs gives one PM per group.

    A rack-level anti-affinity group with members in several groups could see two groups move
    members into one rack: its members stay put. `lower_bound` is None: the groups' bounds
    bound only the partitioned problem, and the result may be the greedy plan of the whole."""

    def __init__(self, parts: int = 4, **options: Any) -> None:
        """`options`: those of `VMCPSatSolver` (time_limit, workers, seed, hint and the cuts),
        which solves every part."""
        if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
            raise ConfigError(f"parts must be an integer >= 1, got {parts!r}")
        self.parts = parts
        self.solver = VMCPSatSolver(**options)

    def solve(self, instance: VMSnapshot) -> SolverResult:
        began = time.perf_counter()
        reason = _nothing_to_do(instance)
        if reason is not None:
            return _result(Placement(instance), f"UNCHANGED ({reason})", began, instance.initial_fragment_rate, True)
        solver = self.solver
        count = min(self.parts, instance.num_pms)
        groups = np.array_split(np.random.default_rng(solver.seed).permutation(instance.num_pms), count)
        limit = solver.time_limit / count
        moves: list[Move] = []
        fragments = 0
        statuses: dict[str, int] = defaultdict(int)
        variables = constraints = 0
        for index, pms in enumerate(groups):
            mnl = instance.mnl // count + (index < instance.mnl % count)
            part, vms, pm_of = sub_snapshot(instance, np.sort(pms), mnl, f"{instance.name}/part{index}")
            if _nothing_to_do(part) is not None:
                fragments += Placement(part).fragments
                statuses["SKIPPED"] += 1
                continue
            outcome = solve_model(part, solver.reduction, limit, solver.workers, solver.seed, solver.hint)
            moves += [(int(vms[vm]), NUMA_PER_PM * int(pm_of[node // NUMA_PER_PM]) + node % NUMA_PER_PM)
                      for vm, node in outcome.moves]  # fmt: skip
            fragments += outcome.fragments
            statuses[outcome.status] += 1
            variables += outcome.variables
            constraints += outcome.constraints
        placement, note = execute(instance, sorted(moves), fragments, lambda: greedy_plan(instance))
        solved = ", ".join(f"{name} x{n}" for name, n in sorted(statuses.items()))
        status = (
            f"POP, {count} parts of {groups[-1].size}-{groups[0].size} PMs, {limit:.2f} s each: {solved} "
            f"(reduced models); {variables} variables, {constraints} constraints in all; "
            f"{len(placement.migrations)} moves"
        )
        return _result(placement, f"{status}; {note}" if note else status, began)


def sub_snapshot(
    instance: VMSnapshot, pms: np.ndarray, mnl: int, name: str
) -> tuple[VMSnapshot, np.ndarray, np.ndarray]:
    """The snapshot of PMs `pms` (sorted) and the VMs on them, with migration limit `mnl`, and the
    original indices of its VMs and PMs. Host groups keep their members here (the others sit on
    other PMs and never come here); the members here of a rack group that also has members
    elsewhere are made non-migratable (see `VMPopSolver`)."""
    here = np.zeros(instance.num_pms, dtype=bool)
    here[pms] = True
    vms = np.flatnonzero(here[instance.vm_pm])
    pm_index = np.full(instance.num_pms, -1)
    pm_index[pms] = np.arange(pms.size)
    vm_index = np.full(instance.num_vms, -1)
    vm_index[vms] = np.arange(vms.size)
    migratable = instance.vm_migratable[vms].copy()
    groups = []
    for group in instance.anti_affinity:
        members = np.array(group.members, dtype=np.int64)
        inside = vm_index[members[here[instance.vm_pm[members]]]]
        if inside.size and group.granularity == "rack" and inside.size < members.size:
            migratable[inside] = False
        elif inside.size:
            groups.append(AntiAffinity(group.granularity, tuple(int(vm) for vm in inside)))
    part = VMSnapshot(
        name=name,
        numa_cpu=instance.numa_cpu[pms],
        numa_mem=instance.numa_mem[pms],
        vm_cpu=instance.vm_cpu[vms],
        vm_mem=instance.vm_mem[vms],
        vm_double=instance.vm_double[vms],
        vm_pm=pm_index[instance.vm_pm[vms]],
        vm_numa=instance.vm_numa[vms],
        vm_migratable=migratable,
        pm_ids=tuple(instance.pm_ids[pm] for pm in pms),
        vm_ids=tuple(instance.vm_ids[vm] for vm in vms),
        pm_rack=instance.pm_rack[pms],
        anti_affinity=tuple(groups),
        mnl=mnl,
        group=instance.group,
    )
    return part, vms, pms
