"""Train a PPO graph policy (Hydra). With no arguments: a small policy for the default env
config (configs/env/), validated against the family's rules, in a few minutes on 2 CPU cores.

    python train.py
    python train.py network=gat agent.learning_rate=1e-4
    python train.py experiment=<family>/<setting>                      # see configs/experiment/
    python train.py resume=outputs/train/<run> [total_timesteps=...]   # go on after a stop or crash
    python train.py -m launcher=joblib seed=0,1,2                         # runs in parallel
    python train.py -m hparams_search=jssp_optuna                         # Optuna study
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, cast

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table

from schedrl import envs
from schedrl.agents.run_record import resume_config
from schedrl.agents.training import train
from schedrl.envs.core.overrides import run_dir_problem, unknown_override
from schedrl.envs.evaluation.report import number
from schedrl.errors import ConfigError, user_errors_exit


@hydra.main(version_base="1.3", config_path="configs", config_name="train")
def main(cfg: DictConfig) -> float:
    config = cast(dict[str, Any], OmegaConf.to_container(cfg, resolve=True))
    # In a multirun, an error marks only its run as failed (a sweep records it and goes on).
    multirun = HydraConfig.get().mode == RunMode.MULTIRUN
    with contextlib.nullcontext() if multirun else user_errors_exit():
        if cfg.resume is not None and not str(cfg.resume).strip():  # an unset shell variable, say
            raise ConfigError("resume= is empty: give the run folder to go on with, e.g. resume=outputs/train/<run>")
        if cfg.resume:
            run_dir = Path(cfg.resume)
            overridden = {item.split("=", 1)[0].lstrip("+~") for item in HydraConfig.get().overrides.task}
            config = resume_config(run_dir, {key: OmegaConf.select(cfg, key) for key in overridden - {"resume"}})
            config["resume"] = str(run_dir)
        else:
            run_dir = Path(HydraConfig.get().runtime.output_dir)
        result = train(config, run_dir, resume=bool(cfg.resume))
    objective = envs.family(config["env"]["id"]).objective
    table = Table(title=f"greedy validation: mean {objective.key} ({objective.wording})")
    table.add_column("method")
    table.add_column("mean", justify="right")
    table.add_column("vs best rule (+: worse)", justify="right")
    best_rule = result.baseline.mean_objective
    for name, value in result.table:
        gap = objective.gap_percent(value, best_rule)
        table.add_row(name, number(value), "-" if gap is None else f"{gap:+.4g}%")
    Console().print(table)
    print(f"checkpoints: {run_dir / 'checkpoints'} (best, last)")
    if result.stopped_by_signal is not None:
        print(f"stopped by signal {result.stopped_by_signal} at step {result.steps}; go on with: "
              f"python train.py resume={run_dir}")  # fmt: skip
        sys.exit(128 + result.stopped_by_signal)
    return result.best_gap_percent


def resume_in_place(arguments: list[str]) -> list[str]:
    """A resumed run logs into the run it continues; Hydra would open a new, empty folder."""
    folders = [a.split("=", 1)[1] for a in arguments if a.startswith("resume=")]
    if not folders or not Path(folders[-1]).is_dir() or any(a.startswith("hydra.run.dir=") for a in arguments):
        return arguments
    return [*arguments, f"hydra.run.dir={folders[-1]}", "hydra.output_subdir=null"]


if __name__ == "__main__":
    problem = run_dir_problem(sys.argv[1:]) or unknown_override(
        Path(__file__).parent / "configs", "train", sys.argv[1:]
    )
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)  # the exit status of every mistake schedrl reports (README: exit codes)
    sys.argv[1:] = resume_in_place(sys.argv[1:])
    main()
