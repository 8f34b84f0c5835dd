"""Copy a run's best checkpoint into the model zoo with its training record and headline
held-out result sealed into its metadata (agents/checkpoint.py checks the seal on load).

    python scripts/ship_policy.py outputs/train/<run> NAME --hardware "2 CPU cores" \
        --minutes 95 --command "python train.py ..." \
        --held-out "Taillard, all 80 (greedy): ..." --held-out-command "python evaluate.py ..."

Only policy.safetensors, config.yaml and metadata.json travel (not the trainer's ppo.zip).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from schedrl.agents.checkpoint import CONFIG, METADATA, SHIPPED, WEIGHTS, seal_metadata, verify_checkpoint


def ship(run: Path, name: str, trained_with: dict[str, object], results: dict[str, str], zoo: Path = SHIPPED) -> Path:
    source = run / "checkpoints" / "best"
    metadata = verify_checkpoint(source)
    target = zoo / name
    if target.exists():
        raise SystemExit(f"{target} exists: remove it first to replace that policy")
    target.mkdir(parents=True)
    for file in (WEIGHTS, CONFIG):
        shutil.copy2(source / file, target / file)
    metadata.pop("trainer_sha256", None)  # ppo.zip stays behind
    result = json.loads((run / "result.json").read_text(encoding="utf-8")) if (run / "result.json").exists() else {}
    steps = {"total_steps_run": result.get("steps"), "steps_at_this_checkpoint": metadata.get("training_steps")}
    metadata.update(trained_with={**trained_with, **steps}, results=results)
    (target / METADATA).write_text(json.dumps(seal_metadata(metadata, target), indent=1) + "\n", encoding="utf-8")
    verify_checkpoint(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a train.py run folder")
    parser.add_argument("name", help="the zoo name (agents.load(name))")
    parser.add_argument("--hardware", required=True)
    parser.add_argument("--minutes", type=float, required=True, help="wall-clock minutes of training")
    parser.add_argument("--command", required=True, help="the training command")
    parser.add_argument("--held-out", required=True, help="the headline held-out result, in words")
    parser.add_argument("--held-out-command", required=True, help="the evaluate.py command that measures it")
    parser.add_argument("--zoo", type=Path, default=SHIPPED)
    args = parser.parse_args()
    trained_with = {"hardware": args.hardware, "wall_clock_minutes": args.minutes, "command": args.command}
    results = {"held_out": args.held_out, "command": args.held_out_command}
    print(f"shipped {ship(args.run, args.name, trained_with, results, args.zoo)}")


if __name__ == "__main__":
    main()
