"""SB3 logger outputs chosen by config: stdout, CSV, TensorBoard, Weights & Biases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from stable_baselines3.common.logger import KVWriter, Logger, make_output_format

from envs.core.errors import ConfigError

OUTPUTS = ("stdout", "csv", "tensorboard", "wandb")


class WandbWriter(KVWriter):
    """Forwards SB3's scalars to an open wandb run (works offline: WANDB_MODE=offline)."""

    def __init__(self, run: Any):
        self.run = run

    def write(self, key_values: dict[str, Any], key_excluded: dict[str, Any], step: int = 0) -> None:
        scalars = {key: value for key, value in key_values.items() if isinstance(value, (int, float))}
        self.run.log(scalars, step=step)

    def close(self) -> None:
        self.run.finish()


def configure_logger(
    run_dir: Path, logger_cfg: dict[str, Any], config: dict[str, Any]
) -> tuple[Logger, Callable[[], None]]:
    outputs = list(logger_cfg.get("outputs", []))
    unknown = [name for name in outputs if name not in OUTPUTS]
    if unknown:
        raise ConfigError(f"logger.outputs: unknown output {unknown[0]!r}; choose from {OUTPUTS}")
    log_dir = run_dir / "logs"
    formats = [make_output_format(name, str(log_dir)) for name in outputs if name != "wandb"]
    if "wandb" in outputs:
        try:
            import wandb
        except ImportError:
            raise ConfigError(
                "logger=wandb needs Weights & Biases: install the extra (bash scripts/setup.sh dev,wandb, "
                "or pip install 'schedrl[wandb]')"
            ) from None

        wandb_cfg = logger_cfg.get("wandb", {})
        run = wandb.init(
            project=wandb_cfg.get("project", "schedrl"),
            entity=wandb_cfg.get("entity"),
            mode=wandb_cfg.get("mode", "offline"),
            dir=str(run_dir),
            config=config,
            name=run_dir.name,
        )
        formats.append(WandbWriter(run))
    logger = Logger(str(log_dir), formats)
    return logger, logger.close
