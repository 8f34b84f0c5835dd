"""Inference latency of a trained policy: seconds per instance for greedy decoding and for
best-of-K sampling (K episodes batched into one forward pass per step), on the first
instances of each Taillard group, with each sampled time as a ratio to greedy measured
on the same instance in the same run. Every schedule is checked by the validator.

    python scripts/bench_inference.py                                   # jssp_10x10; greedy, K=64, K=512
    python scripts/bench_inference.py --groups taillard_15x15 --samples 64 --per-group 2 --device cuda
"""

from __future__ import annotations

import argparse

import torch

from schedrl import envs
from schedrl.agents import load
from schedrl.agents.inference import FORWARD_NODES
from schedrl.envs.jobshop.benchmarks import load_group

TAILLARD_GROUPS = [
    f"taillard_{size}" for size in ("15x15", "20x15", "20x20", "30x15", "30x20", "50x15", "50x20", "100x20")
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default="jssp_10x10", help="checkpoint folder or shipped name")
    parser.add_argument("--groups", nargs="+", default=TAILLARD_GROUPS)
    parser.add_argument("--samples", nargs="+", type=int, default=[64, 512], help="K values besides greedy")
    parser.add_argument("--per-group", type=int, default=1, help="instances per group (the first ones)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--forward-nodes", type=int, default=FORWARD_NODES, help="CPU forward-pass size (0: one pass)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    family = envs.family("schedrl/JobShop-v0")
    options = {"device": args.device, "forward_nodes": args.forward_nodes}
    policies = {0: load(args.checkpoint, **options)}
    policies |= {k: load(args.checkpoint, samples=k, seed=0, **options) for k in args.samples}
    print(f"{'instance':>9} {'size':>7} {'method':>8} {'seconds':>9} {'vs greedy':>9} {'gap to UB %':>11}", flush=True)
    for group in args.groups:
        for instance in load_group(group)[: args.per_group]:
            greedy_time = 0.0
            for k, policy in policies.items():
                result = policy.solve(instance)
                family.validate(instance, {"makespan": result.objective, **result.solution})
                greedy_time = greedy_time or result.wall_time
                gap = family.objective.gap_percent(result.objective, instance.best_known)
                method = f"K={k}" if k else "greedy"
                size = f"{instance.num_jobs}x{instance.num_machines}"
                print(f"{instance.name:>9} {size:>7} {method:>8} {result.wall_time:>9.2f} "
                      f"{result.wall_time / greedy_time:>9.1f} {gap:>11.1f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
