"""How the job-shop env's cost grows with instance size, observation included.

Random legal actions on random Taillard-style instances from 6x6 to 100x20; prints cost
per dispatched operation and per episode, each as a ratio to the smallest size measured
in the same run, and writes a log-log plot. Per-operation cost should stay nearly flat
(each dispatch updates a few slices: the job's rows, the machine's rows and edge block),
so episode cost should grow about linearly with the number of operations n x m.

    python scripts/bench_scaling.py                      # writes scaling.png
    python scripts/bench_scaling.py --sizes 6x6 15x15 --seconds 1 --plot none
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from schedrl.envs.jobshop import JobShopEnv, JobShopGenerator

DEFAULT_SIZES = ["6x6", "10x10", "15x15", "20x20", "30x20", "50x20", "100x20"]


def measure(jobs: int, machines: int, seconds: float) -> tuple[float, float]:
    """(seconds per operation, seconds per episode) over whole random episodes."""
    env = JobShopEnv(generator=JobShopGenerator(jobs, machines))
    rng = np.random.default_rng(0)
    episodes = 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds or episodes < 2:
        env.reset(seed=episodes)
        while not env.done:
            legal = np.flatnonzero(env.action_masks())
            env.step(legal[rng.integers(legal.size)])
        episodes += 1
    elapsed = time.perf_counter() - began
    return elapsed / (episodes * jobs * machines), elapsed / episodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=DEFAULT_SIZES)
    parser.add_argument("--seconds", type=float, default=2.0, help="per size")
    parser.add_argument("--plot", default="scaling.png", help="output PNG, or 'none'")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        jobs, machines = (int(part) for part in size.split("x"))
        per_op, per_episode = measure(jobs, machines, args.seconds)
        rows.append((size, jobs * machines, per_op, per_episode))
    _, base_ops, base_op, base_episode = rows[0]
    print(f"{'size':>7} {'ops':>6} {'us/op':>8} {'x':>6} {'ms/episode':>11} {'x':>8} {'x ops':>7}")
    for size, ops, per_op, per_episode in rows:
        print(
            f"{size:>7} {ops:>6} {per_op * 1e6:>8.1f} {per_op / base_op:>6.2f} {per_episode * 1e3:>11.2f} "
            f"{per_episode / base_episode:>8.1f} {ops / base_ops:>7.1f}"
        )
    if args.plot != "none":
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ops = [r[1] for r in rows]
        figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
        axes.loglog(ops, [r[3] * 1e3 for r in rows], "o-", label="ms per episode")
        axes.loglog(ops, [r[2] * 1e6 for r in rows], "s-", label="us per operation")
        for size, op, _, per_episode in rows:
            axes.annotate(size, (op, per_episode * 1e3), fontsize="x-small", xytext=(3, 3), textcoords="offset points")
        axes.set_xlabel("operations (n x m)")
        axes.legend()
        axes.grid(True, which="both", alpha=0.3)
        figure.tight_layout()
        figure.savefig(Path(args.plot))
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
