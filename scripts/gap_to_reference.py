"""Mean gap of every method to a reference method's objective on the same instances.

For instance sets without published bounds (generated ones), the reference is usually the
CP-SAT solver run in the same evaluation:

    python evaluate.py instances=jobshop/generated instances.count=100 solvers=[cpsat] checkpoints=[jssp_10x10]
    python scripts/gap_to_reference.py outputs/evaluate/<run>/results.csv --reference cpsat
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

from schedrl import envs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="results.csv written by evaluate.py")
    parser.add_argument("--reference", default="cpsat", help="method whose objective is the 0%% line")
    parser.add_argument("--env-id", default="schedrl/JobShop-v0", help="the family, for its objective's sense")
    args = parser.parse_args()
    sense = envs.family(args.env_id).objective
    with args.results.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [dict(zip(header, values, strict=True)) for values in reader if len(values) == len(header)]
    objective = sense.key
    reference = {r["instance"]: float(r[objective]) for r in rows if r["policy"] == args.reference}
    if not reference:
        raise SystemExit(f"no rows for reference method {args.reference!r} in {args.results}")
    gaps: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        gap = sense.gap_percent(float(row[objective]), reference.get(row["instance"]))
        if gap is not None:  # positive is worse, for either sense
            gaps[row["policy"]].append(gap)
    proven = sum(r["proven_optimal"] == "True" for r in rows if r["policy"] == args.reference)
    print(f"mean gap to {args.reference} ({len(reference)} instances, {proven} proven optimal), %")
    for method, values in sorted(gaps.items(), key=lambda item: sum(item[1]) / len(item[1])):
        print(f"  {method:<24} {sum(values) / len(values):7.2f}   ({len(values)} instances)")


if __name__ == "__main__":
    main()
