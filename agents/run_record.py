"""What every run leaves beside its checkpoints, so a result can be traced and redone:
the resolved config, package versions, git commit, command line, resumes, and the result."""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from schedrl.agents.checkpoint import METADATA, read_saved_config
from schedrl.errors import ConfigError

CONFIG, RUN_INFO, RESULT = "config.yaml", "run_info.json", "result.json"


def git_commit() -> str | None:
    """HEAD of the checkout, with '-dirty' when tracked files differ; None outside git."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=5, cwd=Path(__file__).parent)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    if head is None or not re.fullmatch(r"[0-9a-f]{40}", head):
        return None
    return head + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def versions() -> dict[str, str]:
    import gymnasium
    import sb3_contrib
    import stable_baselines3
    import torch_geometric

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "gymnasium": gymnasium.__version__,
        "stable_baselines3": stable_baselines3.__version__,
        "sb3_contrib": sb3_contrib.__version__,
        "torch_geometric": torch_geometric.__version__,
        "numpy": np.__version__,
    }


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, indent=2, default=str) + "\n", encoding="utf-8")


def provenance() -> dict[str, Any]:
    """The code a run uses: recorded in run_info.json and in every checkpoint's metadata."""
    return {"versions": versions(), "git_commit": git_commit()}


def record_start(run_dir: Path, config: dict[str, Any], code: dict[str, Any]) -> None:
    """A fresh run: its resolved config, where it ran and with which code (`provenance()`)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / CONFIG).write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    info = {"started": _now(), "command": sys.argv, "host": platform.node(), **code, "resumes": []}
    _write_json(run_dir / RUN_INFO, info)


def record_resume(run_dir: Path, step: int, code: dict[str, Any]) -> None:
    """A resumed run appends when, from which step and with which code it went on."""
    path = run_dir / RUN_INFO
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # lost or damaged: the resume is still worth recording
        info = {"resumes": [], "note": f"{RUN_INFO} was missing or unreadable when the run resumed"}
    resume = {"started": _now(), "from_step": step, "command": sys.argv, "git_commit": code["git_commit"]}
    info["resumes"].append(resume)
    _write_json(run_dir / RUN_INFO, info)


def record_result(run_dir: Path, result: dict[str, Any]) -> None:
    """The run's outcome, read by sweep summaries (scripts/sweep_summary.py)."""
    _write_json(run_dir / RESULT, {**result, "finished": _now()})


# What may change when a run is resumed: its length and where it runs, not what it learns.
RESUME_OVERRIDABLE = ("total_timesteps", "time_limit_minutes", "device", "progress_bar")


def _check_run_folder(run_dir: Path) -> None:
    """Refuse, with the folder to give instead, what is not the folder of a train.py run."""
    if (run_dir / RUN_INFO).is_file():
        return
    if "checkpoints" in (run_dir.name, run_dir.parent.name):
        run = run_dir.parent if run_dir.name == "checkpoints" else run_dir.parent.parent
        raise ConfigError(
            f"resume={run_dir} is a checkpoint folder, not a run folder; pass the run folder {run} instead"
        )
    if (run_dir / METADATA).is_file():
        raise ConfigError(
            f"resume={run_dir} is a checkpoint folder, not a run folder; pass the folder of the train.py run "
            "that wrote it instead"
        )
    if not run_dir.exists():
        raise ConfigError(f"resume={run_dir}: no such folder; give the folder of a train.py run")
    if not run_dir.is_dir():
        raise ConfigError(f"resume={run_dir} is a file, not a folder; give the folder of a train.py run")


def resume_config(run_dir: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """The run's saved config with `overrides` (keys of RESUME_OVERRIDABLE only) applied."""
    _check_run_folder(run_dir)
    if not (run_dir / CONFIG).is_file():
        raise ConfigError(f"resume={run_dir}: no {CONFIG} there; give the folder of a train.py run")
    refused = sorted(set(overrides) - set(RESUME_OVERRIDABLE))
    if refused:
        raise ConfigError(
            f"resume: {refused[0]} cannot change when a run resumes (only {', '.join(RESUME_OVERRIDABLE)}); "
            "start a new run to change it"
        )
    return {**read_saved_config(run_dir / CONFIG, ConfigError), **overrides}
