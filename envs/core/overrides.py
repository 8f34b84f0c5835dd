"""Command-line override checking for the Hydra entry points: an unknown key gets the
close names it probably meant, before Hydra's bare 'not in struct' error."""

from __future__ import annotations

import difflib
from pathlib import Path

from omegaconf import DictConfig, OmegaConf


def _keys(node: object, prefix: str = "") -> list[str]:
    if not isinstance(node, DictConfig):
        return []
    keys = []
    for key in node:
        path = f"{prefix}{key!s}"
        keys.append(path)
        keys.extend(_keys(node._get_node(key), path + "."))
    return keys


def run_dir_problem(arguments: list[str]) -> str | None:
    """Hydra would fail with a bare FileExistsError on an output folder that is a file."""
    for argument in arguments:
        key, _, value = argument.partition("=")
        if key in ("hydra.run.dir", "hydra.sweep.dir") and Path(value).is_file():
            return f"{key}={value} is a file, not a folder: choose a folder for the run's output"
    return None


def unknown_override(config_dir: Path, config_name: str, arguments: list[str]) -> str | None:
    """The message for the first `key=value` argument whose key the composed config lacks."""
    from hydra import compose, initialize_config_dir

    groups = {path.name for path in config_dir.iterdir() if path.is_dir()}
    overrides = [a for a in arguments if "=" in a and not a.startswith(("+", "~", "-", "hydra."))]
    chosen_groups = [a for a in overrides if a.split("=", 1)[0] in groups]
    with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
        try:
            cfg = compose(config_name, overrides=chosen_groups)
        except Exception:
            return None
    known = _keys(cfg)
    for override in overrides:
        key = override.split("=", 1)[0]
        if key in groups or OmegaConf.select(cfg, key, default=_ABSENT) is not _ABSENT:
            continue
        close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return f"unknown config key {key!r} in override {override!r}.{hint} To add a new key, write +{override}"
    return None


_ABSENT = object()
