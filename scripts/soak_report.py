"""Summarise a long training run's resource trends from its progress.csv.

The trainer logs the process's resident memory, open files and temp-dir entries every
rollout (`system/*` columns); a leak shows as growth after warm-up.

    TMPDIR=/tmp/soak python train.py experiment=jssp_10x10 time_limit_minutes=32 \
        eval_every=10000 total_timesteps=100000000 hydra.run.dir=outputs/soak
    python scripts/soak_report.py outputs/soak/logs/progress.csv
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

COLUMNS = ("system/rss_mb", "system/open_files", "system/tmp_entries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("progress", type=Path, help="logs/progress.csv of a training run")
    parser.add_argument("--rows", type=int, default=8, help="sample rows to print over time")
    args = parser.parse_args()
    with args.progress.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("system/rss_mb")]
    if not rows:
        raise SystemExit(f"{args.progress} has no system/* columns (a run from before the resource monitor?)")
    step = max(1, len(rows) // args.rows)
    print(f"{'minutes':>8} {'steps':>9} {'rss MB':>8} {'open files':>10} {'tmp entries':>11}")
    for row in [*rows[::step], rows[-1]]:
        print(
            f"{float(row['time/time_elapsed']) / 60:>8.1f} {int(float(row['time/total_timesteps'])):>9} "
            f"{float(row['system/rss_mb']):>8.0f} {int(float(row['system/open_files'])):>10} "
            f"{int(float(row['system/tmp_entries'])):>11}"
        )
    warm = rows[len(rows) // 10 :]  # after the first tenth: allocator and caches warmed up
    rss = [float(r["system/rss_mb"]) for r in warm]
    print(f"\npeak RSS {max(float(r['system/rss_mb']) for r in rows):.0f} MB; after warm-up: "
          f"first {rss[0]:.0f} MB, last {rss[-1]:.0f} MB, max {max(rss):.0f} MB")  # fmt: skip
    for column in COLUMNS[1:]:
        values = [int(float(r[column])) for r in rows]
        print(f"{column}: min {min(values)}, max {max(values)}, first {values[0]}, last {values[-1]}")


if __name__ == "__main__":
    main()
