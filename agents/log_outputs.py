"""SB3 logger outputs chosen by config: stdout, CSV, TensorBoard, Weights & Biases."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stable_baselines3.common.logger import CSVOutputFormat, KVWriter, Logger, make_output_format

from schedrl.errors import ConfigError

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


class AppendingCSVOutputFormat(CSVOutputFormat):
    """SB3's progress.csv, continued rather than truncated when a resumed run reopens it."""

    def __init__(self, filename: Path):
        self.file = filename.open("r+" if filename.exists() else "w+", encoding="utf-8")
        header = self.file.readline().strip()
        self.keys = header.split(",") if header else []
        self.file.seek(0, 2)  # the base class appends rows and rewrites the header in place
        self.separator, self.quotechar = ",", '"'


def _output(name: str, log_dir: Path) -> KVWriter:
    if name == "csv":
        log_dir.mkdir(parents=True, exist_ok=True)
        return AppendingCSVOutputFormat(log_dir / "progress.csv")
    return make_output_format(name, str(log_dir))


def configure_logger(
    run_dir: Path, logger_cfg: dict[str, Any], config: dict[str, Any]
) -> tuple[Logger, Callable[[], None]]:
    outputs = list(logger_cfg.get("outputs", []))
    unknown = [name for name in outputs if name not in OUTPUTS]
    if unknown:
        raise ConfigError(f"logger.outputs: unknown output {unknown[0]!r}; choose from {OUTPUTS}")
    log_dir = run_dir / "logs"
    formats = [_output(name, log_dir) for name in outputs if name != "wandb"]
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
            id=hashlib.sha1(str(run_dir.resolve()).encode()).hexdigest()[:16],  # a resumed run continues it
            resume="allow",
        )
        formats.append(WandbWriter(run))
    logger = Logger(str(log_dir), formats)
    return logger, logger.close
