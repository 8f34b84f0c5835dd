"""scripts/ship_policy.py: a run's best checkpoint enters the zoo sealed, with its training
record and held-out result, loadable, without the trainer's pickle; never over another."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from test_agents import train_config
from test_pretrained import TINY

from schedrl import agents
from schedrl.agents.training import train

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ship_policy.py"


def test_a_shipped_run_loads_with_its_record(tmp_path: Path) -> None:
    run = train(train_config(*TINY), tmp_path / "run").run_dir
    command = [sys.executable, str(SCRIPT), str(run), "probe", "--hardware", "2 CPU cores", "--minutes", "1.5",
               "--command", "python train.py", "--held-out", "ta01: 1390", "--held-out-command", "python evaluate.py",
               "--zoo", str(tmp_path / "zoo")]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    folder = tmp_path / "zoo" / "probe"
    assert sorted(path.name for path in folder.iterdir()) == ["config.yaml", "metadata.json", "policy.safetensors"]
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["trained_with"] == {"hardware": "2 CPU cores", "wall_clock_minutes": 1.5,
                                        "command": "python train.py", "total_steps_run": 64,
                                        "steps_at_this_checkpoint": 64}  # fmt: skip
    assert metadata["results"] == {"held_out": "ta01: 1390", "command": "python evaluate.py"}
    assert "trainer_sha256" not in metadata
    agents.load(folder)  # the seal holds
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "exists: remove it first" in again.stderr
