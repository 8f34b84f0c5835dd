"""The blocking family's report: in each cell (instance group under one shutdown
probability), every trained policy against the best dispatching rule there, the
comparison its results table is judged by."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

FILE_NAME = "learned_vs_rules.md"


def learned_vs_rules(rows: Iterable[Any], folder: Path, rules: Iterable[str], others: Iterable[str]) -> list[str]:
    """Writes `learned_vs_rules.md` when the rows hold a trained policy: per cell, the best
    rule's mean makespan and each trained policy's, the difference in %, and the tally of
    cells it wins (strictly lower mean), ties and loses. `others`: the methods that are
    neither rules nor trained (random, solvers)."""
    rules, others = set(rules), set(others)
    means: dict[str, dict[str, list[float]]] = {}
    for row in rows:
        means.setdefault(row.group, {}).setdefault(row.policy, []).append(row.objective)
    learned = sorted({policy for cell in means.values() for policy in cell} - rules - others)
    if not learned:
        return []
    lines = [
        "## Trained policies against the best dispatching rule, per cell (mean makespan, lower is better)",
        "",
        "| cell | best rule | its mean | " + " | ".join(f"{name} | vs rule (%)" for name in learned) + " |",
        "|---|---|---:|" + "---:|---:|" * len(learned),
    ]
    tally = {name: [0, 0, 0] for name in learned}  # wins, ties, losses
    for cell, methods in means.items():
        ruled = {name: float(np.mean(values)) for name, values in methods.items() if name in rules}
        if not ruled:
            continue
        best = min(ruled, key=lambda name: (ruled[name], name))
        texts = []
        for name in learned:
            if name not in methods:
                texts.append("- | -")
                continue
            mean = float(np.mean(methods[name]))
            tally[name][0 if mean < ruled[best] else 1 if mean == ruled[best] else 2] += 1
            texts.append(f"{mean:.1f} | {100 * (mean - ruled[best]) / ruled[best]:+.2f}")
        lines.append(f"| {cell} | {best} | {ruled[best]:.1f} | " + " | ".join(texts) + " |")
    lines += ["", *(f"{name}: better than the best rule in {w} cells, equal in {t}, worse in {lo}."
                    for name, (w, t, lo) in tally.items()), ""]  # fmt: skip
    (folder / FILE_NAME).write_text("\n".join(lines), encoding="utf-8")
    return [FILE_NAME]
