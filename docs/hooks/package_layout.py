"""Lets mkdocstrings read `schedrl.envs`, `schedrl.agents` and `schedrl.networks` from source.

pyproject.toml installs the folders envs/, agents/ and networks/ as sub-packages of schedrl;
griffe finds modules by walking folders, so it cannot follow that mapping. Before the build
this hook lays out the installed tree in a temporary folder, linking to the source folders,
from pyproject's package-dir table (a new mapped package needs no change here), and gives
that folder to the Python handler as its `paths`. A folder per build: two builds at once
(CI and a test, say) never pull the tree from under each other. Needs Python 3.11 (tomllib).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import tomllib
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parents[2]
_LAYOUTS: list[Path] = []  # this build's folder, removed when the build ends


def package_dirs(pyproject: Path) -> dict[str, Path]:
    """Import name -> source folder, as setuptools maps them."""
    table = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    return {name: pyproject.parent / folder for name, folder in table.items()}


def mirror(packages: dict[str, Path], target: Path) -> None:
    """Lays out `packages` under `target` as installed: a package with mapped sub-packages
    becomes a real folder holding copies of its own files (griffe resolves a linked
    `__init__.py` back to the source folder, where the sub-packages are not), any other
    package a link to its folder."""
    parents = {name.rpartition(".")[0] for name in packages}
    for name in sorted(packages, key=lambda n: n.count(".")):
        place = target.joinpath(*name.split("."))
        if name in parents:
            place.mkdir(parents=True)
            for entry in packages[name].iterdir():
                if entry.name == "__pycache__" or f"{name}.{entry.name}" in packages:
                    continue
                if entry.is_dir():
                    (place / entry.name).symlink_to(entry, target_is_directory=True)
                else:
                    shutil.copy2(entry, place / entry.name)
        else:
            place.parent.mkdir(parents=True, exist_ok=True)
            place.symlink_to(packages[name], target_is_directory=True)


@event_priority(100)  # before mkdocstrings sets up its handler, which reads `paths` then
def on_config(config: Any) -> Any:
    layout = Path(tempfile.mkdtemp(prefix="schedrl-api-"))
    _LAYOUTS.append(layout)
    # `mkdocs serve` reloads this module on every rebuild, and only the first copy's
    # on_shutdown runs: each folder is also removed when the process exits.
    atexit.register(shutil.rmtree, layout, ignore_errors=True)
    mirror(package_dirs(ROOT / "pyproject.toml"), layout)
    config.plugins["mkdocstrings"].config.handlers.setdefault("python", {})["paths"] = [str(layout)]
    return config


def on_shutdown() -> None:
    while _LAYOUTS:
        shutil.rmtree(_LAYOUTS.pop(), ignore_errors=True)  # removes the links, never what they point to
