"""The VM CP-SAT model's size after each reduction, and CP-SAT and POP against greedy on a
bundled snapshot, wall time including model building (docs/families/vm.md quotes its output).

    python scripts/vm_cpsat_model.py                       # medium_279pm, 5 and 30 s, mnl 10 and 50
    python scripts/vm_cpsat_model.py --name large_1176pm --limits 5 --mnl 10 50
"""

import argparse
import dataclasses
import time

import numpy as np

from schedrl.envs.vm.benchmarks import LIBRARY
from schedrl.envs.vm.cpsat import Reduction, VMCPSatSolver, VMPopSolver, candidates, net_moves
from schedrl.envs.vm.placement import Placement
from schedrl.envs.vm.rules import greedy_plan
from schedrl.envs.vm.validate import validate_plan

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--name", default="medium_279pm")
parser.add_argument("--limits", type=float, nargs="+", default=[5, 30])
parser.add_argument("--mnl", type=int, nargs="+", default=[10, 50])
parser.add_argument("--workers", type=int, default=2)
args = parser.parse_args()

base = LIBRARY.load(args.name)
print(
    f"{args.name}: {base.num_pms} PMs, {base.num_vms} VMs ({int(base.vm_migratable.sum())} migratable), "
    f"initial FR {base.initial_fragment_rate:.4f}, "
    f"full model {int(base.vm_migratable.sum()) * 2 * base.num_pms:,} (VM, node) pairs"
)
placement, keep = Placement(base), net_moves(greedy_plan(base))
for label, reduction in [
    ("sound cuts only", Reduction(None, None, False)),
    ("+ (a) 16-multiples", Reduction(None, None, True)),
    ("+ (b) 4 destinations (default)", Reduction(4, None, True)),
    ("+ (c) 2000 movers (default)", Reduction(4, 2000, True)),
]:
    began = time.perf_counter()
    chosen = candidates(placement, keep, reduction, np.random.default_rng(0))
    pairs = sum(nodes.size for nodes in chosen.destinations)
    print(f"  {label:32} {len(chosen.movers):5} movers {pairs:7,} pairs ({time.perf_counter() - began:.2f} s)")

print("\n| mnl | method | limit (s) | FR | lower bound | wall (s) | status |\n|---|---|---|---|---|---|---|")
for mnl in args.mnl:
    instance = dataclasses.replace(base, mnl=mnl)
    began = time.perf_counter()
    greedy = greedy_plan(instance)
    print(
        f"| {mnl} | greedy | - | {greedy.fragment_rate:.4f} | - | {time.perf_counter() - began:.2f} | "
        f"{len(greedy.migrations)} moves |",
        flush=True,
    )
    for limit in args.limits:
        for method, solver in (
            ("CP-SAT", VMCPSatSolver(limit, args.workers)),
            ("POP k=4", VMPopSolver(4, time_limit=limit, workers=args.workers)),
        ):
            result = solver.solve(instance)
            validate_plan(instance, result.solution)
            bound = "-" if result.lower_bound is None else f"{result.lower_bound:.4f}"
            print(
                f"| {mnl} | {method} | {limit:g} | {result.objective:.4f} | {bound} | {result.wall_time:.2f} | "
                f"{result.status} |",
                flush=True,
            )
