"""The shipped policies as a table, from their sealed metadata: `python -m
schedrl.agents.zoo_catalog` (or `schedrl zoo`) prints each name's env, network, training budget
and hardware, validation gap and held-out result, then the commands that trained and
evaluated it, so a user can see what each name is without reading the folders."""

from __future__ import annotations

from typing import Any

from schedrl.agents.checkpoint import SHIPPED, verify_checkpoint
from schedrl.agents.inference import zoo_names

COLUMNS = ("name", "env", "network", "steps", "training", "validation gap", "best rule", "held-out result")


def zoo_metadata() -> dict[str, dict[str, Any]]:
    """Each shipped checkpoint's metadata, its checksums verified on the way."""
    return {name: verify_checkpoint(SHIPPED / name) for name in zoo_names()}


def zoo_rows() -> list[dict[str, str]]:
    return [_row(name, metadata) for name, metadata in zoo_metadata().items()]


def _row(name: str, metadata: dict[str, Any]) -> dict[str, str]:
    network = metadata["network"]
    gap = metadata.get("validation_gap_to_best_rule_percent")
    trained = metadata.get("trained_with") or {}
    minutes, hardware = trained.get("wall_clock_minutes"), trained.get("hardware", "?")
    return {
        "name": name,
        "env": metadata["env_id"].removeprefix("schedrl/"),
        "network": f"{network['encoder']} {network['layers']}x{network['hidden']}",
        "steps": f"{metadata['training_steps']:,}",
        "training": "-" if minutes is None else f"{minutes:g} min, {hardware}",
        "validation gap": "-" if gap is None else f"{gap:+.2f} %",
        "best rule": str(metadata.get("baseline", {}).get("best_rule", "-")),
        "held-out result": (metadata.get("results") or {}).get("held_out", "-"),
    }


def markdown(rows: list[dict[str, str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row[column] for column in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def commands(metadata: dict[str, dict[str, Any]]) -> str:
    """Per policy: the training command (with where it was stopped by hand) and the command behind its result."""
    lines = []
    for name, fields in metadata.items():
        trained, results = fields.get("trained_with") or {}, fields.get("results") or {}
        lines.append(f"{name}:")
        lines.append(f"  train:      {trained.get('command', '-')}")
        lines.append(f"  evaluate:   {results.get('command', '-')}")
    return "\n".join(lines)


def main() -> None:
    metadata = zoo_metadata()
    print("Shipped policies (agents.load(name), schedrl solve NAME INSTANCE). training: the whole run's")
    print("wall-clock minutes and hardware; validation gap: against the best rule on the run's validation")
    print("set, negative is better; held-out result: on instances never trained or validated on.\n")
    print(markdown([_row(name, fields) for name, fields in metadata.items()]))
    print()
    print(commands(metadata))


if __name__ == "__main__":
    main()
