"""Inference latency of a trained policy: seconds per instance for greedy decoding and for
best-of-K sampling (K episodes batched into one forward pass per step), each with every
`--reencode-every` setting, on the first instances of each Taillard group. Every time is
also given as a ratio to the first method measured on the same instance in the same run
(the machine may be noisy), and every schedule is checked by the validator. A summary
ends the run: per group and method, mean seconds, mean ratio and mean gap to the best-known bound.

    python scripts/bench_inference.py                                   # jssp_10x10; greedy, K=64, K=512
    python scripts/bench_inference.py --groups taillard_15x15 --samples 64 --per-group 2 --device cuda
    python scripts/bench_inference.py --samples --reencode-every 1 0 100 --threads 1  # full pass, exact, approximate
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
import torch

from schedrl import envs
from schedrl.agents import load
from schedrl.agents.inference import FORWARD_NODES, LearnedPolicy
from schedrl.envs.jobshop.benchmarks import load_group

TAILLARD_GROUPS = [
    f"taillard_{size}" for size in ("15x15", "20x15", "20x20", "30x15", "30x20", "50x15", "50x20", "100x20")
]


def method_name(samples: int, reencode_every: int) -> str:
    """greedy / K=64, with -full (a full encoder pass per decision) or -kN (approximate) appended."""
    suffix = {0: "", 1: "-full"}.get(reencode_every, f"-k{reencode_every}")
    return f"K={samples}{suffix}" if samples else f"greedy{suffix}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default="jssp_10x10", help="checkpoint folder or shipped name")
    parser.add_argument("--groups", nargs="+", default=TAILLARD_GROUPS)
    parser.add_argument("--samples", nargs="*", type=int, default=[64, 512], help="K values besides greedy")
    parser.add_argument(
        "--reencode-every",
        nargs="+",
        type=int,
        default=[0],
        help="for each method: 0 exact incremental (default), 1 a full encoder pass per decision, k > 1 approximate",
    )
    parser.add_argument("--per-group", type=int, default=1, help="instances per group (the first ones)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--forward-nodes", type=int, default=FORWARD_NODES, help="CPU forward-pass size (0: one pass)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    family = envs.family("schedrl/JobShop-v0")
    options = {"device": args.device, "forward_nodes": args.forward_nodes}
    policies: dict[str, LearnedPolicy] = {
        method_name(k, every): load(args.checkpoint, samples=k, seed=0, reencode_every=every, **options)
        for k in (0, *args.samples)
        for every in args.reencode_every
    }
    summary: dict[tuple[str, str], list[tuple[float, float, float]]] = defaultdict(list)
    print(f"{'instance':>9} {'size':>7} {'method':>12} {'seconds':>9} {'vs first':>8} {'gap to UB %':>11}", flush=True)
    for group in args.groups:
        for instance in load_group(group)[: args.per_group]:
            first = 0.0
            for method, policy in policies.items():
                result = policy.solve(instance)
                family.validate(instance, {"makespan": result.objective, **result.solution})
                first = first or result.wall_time
                gap = family.objective.gap_percent(result.objective, instance.best_known)
                size = f"{instance.num_jobs}x{instance.num_machines}"
                summary[group, method].append((result.wall_time, result.wall_time / first, gap))
                print(f"{instance.name:>9} {size:>7} {method:>12} {result.wall_time:>9.2f} "
                      f"{result.wall_time / first:>8.2f} {gap:>11.1f}", flush=True)  # fmt: skip
    print("\n| group | method | instances | mean s | mean vs first | mean gap % |\n|---|---|---:|---:|---:|---:|")
    for (group, method), rows in summary.items():
        seconds, ratio, gap = np.mean(rows, axis=0)
        print(f"| {group} | {method} | {len(rows)} | {seconds:.3f} | {ratio:.2f} | {gap:.2f} |")


if __name__ == "__main__":
    main()
