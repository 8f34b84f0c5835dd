"""Our blocking-with-swaps CP-SAT model against published proven optima (docs/families/blocking.md).

The published figures are proven optima of the same model (blocking job shop, swaps
allowed) by IBM CP Optimizer 22.1 and OptalCP 0.9.2, 4 workers, 1800 s limit, in the public
repository ScheduleOpt/optalcp-benchmarks, benchmarks/blocking-jobshop/results/
(CPO-4W.csv, Optal-4W-2FDS.csv); both solvers agree on every value below.

    python scripts/blocking_cpsat_vs_published.py                       # 30 s, 2 workers each
    python scripts/blocking_cpsat_vs_published.py --time-limit 5 --instances ft06 la01
"""

from __future__ import annotations

import argparse

from schedrl.envs.blocking import BlockingJobShopInstance
from schedrl.envs.blocking.cpsat import BlockingCPSatSolver
from schedrl.envs.jobshop import load_benchmark

PUBLISHED_BWS_OPTIMUM = {"ft06": 63, "ft10": 1068, "la01": 793, "la02": 793, "la03": 715, "la04": 743, "la05": 664}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", nargs="+", default=["ft06", "la01", "la02", "la03", "la04", "la05"])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print("| instance | ours | status | our lower bound | published BWS optimum | gap (%) |")
    print("|---|---:|---|---:|---:|---:|")
    for name in args.instances:
        instance = BlockingJobShopInstance.from_job_shop(load_benchmark(name))
        result = BlockingCPSatSolver(time_limit=args.time_limit, workers=args.workers).solve(instance)
        published = PUBLISHED_BWS_OPTIMUM.get(name)
        gap = "-" if published is None else f"{100 * (result.objective - published) / published:+.1f}"
        print(f"| {name} | {result.objective:.0f} | {result.status.lower()} | {result.lower_bound:.0f} | "
              f"{published or '-'} | {gap} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
