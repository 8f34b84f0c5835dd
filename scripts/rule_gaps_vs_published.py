"""Print the dispatching rules' mean gaps per Taillard group next to published figures.

Reads the `results.csv` that `python evaluate.py` writes (all Taillard groups, rules),
so the figures are what this project measured:

    python evaluate.py hydra.run.dir=outputs/taillard_rules
    python scripts/rule_gaps_vs_published.py outputs/taillard_rules/results.csv

Published event-driven (non-delay) greedy-rule gaps: ScheduleNet (Park et al. 2021,
appendix) and Self-Labeling JSP (Corsini et al. 2024) on Taillard 15x15 and over all
80 Taillard instances. Other groups have no figure here; the table shows ours alone.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

PUBLISHED = {
    "taillard_15x15": {"spt": 26.0, "mwkr": 19.0, "mor": 20.0, "fifo": 24.0},
    "all": {"spt": 27.4, "mwkr": 19.5, "mor": 20.1},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="results.csv written by evaluate.py")
    args = parser.parse_args()
    gaps: dict[tuple[str, str], list[float]] = defaultdict(list)
    with args.results.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["group"].startswith("taillard") and row["gap_percent"]:
                for group in (row["group"], "all"):
                    gaps[(group, row["policy"])].append(float(row["gap_percent"]))
    groups = [g for g in dict.fromkeys(group for group, _ in gaps) if g != "all"] + ["all"]
    rules = list(dict.fromkeys(rule for _, rule in gaps))
    print(f"{'group':<17}" + "".join(f"{rule:>18}" for rule in rules))
    for group in groups:
        cells = []
        for rule in rules:
            values = gaps.get((group, rule))
            ours = f"{sum(values) / len(values):.1f}" if values else "-"
            published = PUBLISHED.get(group, {}).get(rule)
            cells.append(f"{ours} ({published:.1f}, {float(ours) - published:+.1f})" if published and values else ours)
        print(f"{group:<17}" + "".join(f"{cell:>18}" for cell in cells))
    print("\ncells: ours (published, ours - published); gaps in % to the best-known upper bound")


if __name__ == "__main__":
    main()
