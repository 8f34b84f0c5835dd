"""The shipped policies as a table, from their sealed metadata: `python -m
schedrl.agents.zoo_catalog` prints what agents/zoo/README.md describes in prose, so a user can
see what each name is without reading the folders."""

from __future__ import annotations

from typing import Any

from schedrl.agents.checkpoint import SHIPPED, verify_checkpoint
from schedrl.agents.inference import zoo_names

COLUMNS = ("name", "env", "network", "steps", "validation gap", "best rule", "training minutes")


def zoo_rows() -> list[dict[str, str]]:
    """One row per shipped checkpoint; each checkpoint's checksums are verified on the way."""
    return [_row(name, verify_checkpoint(SHIPPED / name)) for name in zoo_names()]


def _row(name: str, metadata: dict[str, Any]) -> dict[str, str]:
    network = metadata["network"]
    gap = metadata.get("validation_gap_to_best_rule_percent")
    minutes = (metadata.get("trained_with") or {}).get("wall_clock_minutes")
    return {
        "name": name,
        "env": metadata["env_id"].removeprefix("schedrl/"),
        "network": f"{network['encoder']} {network['layers']}x{network['hidden']}",
        "steps": f"{metadata['training_steps']:,}",
        "validation gap": "-" if gap is None else f"{gap:+.2f} %",
        "best rule": str(metadata.get("baseline", {}).get("best_rule", "-")),
        "training minutes": "-" if minutes is None else f"{minutes:g}",
    }


def markdown(rows: list[dict[str, str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row[column] for column in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    print("Shipped policies (agents.load(name)); validation gap: against the best rule on the")
    print("run's validation set, negative is better. Commands and hardware: agents/zoo/README.md.\n")
    print(markdown(zoo_rows()))


if __name__ == "__main__":
    main()
