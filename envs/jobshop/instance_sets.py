"""Instance sets for evaluation and training: named benchmarks, files, or generated."""

from __future__ import annotations

import glob
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from schedrl.envs.jobshop.benchmarks import resolve_names
from schedrl.envs.jobshop.generator import JobShopGenerator
from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.envs.jobshop.parser import read_instance

from schedrl.errors import ConfigError, UnknownNameError

KINDS = ("benchmark", "files", "generated")


def _expand(patterns: list[str]) -> list[str]:
    paths: list[str] = []
    for pattern in patterns:
        matched = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matched:
            raise ConfigError(f"instances.paths: {pattern!r} matches no file")
        paths.extend(matched)
    return paths


def load_instance_set(spec: Mapping[str, Any]) -> list[JobShopInstance]:
    """`spec` is the `instances` config: kind benchmark (names), files (paths, format) or
    generated (num_jobs, num_machines, count, seed)."""
    kind = spec.get("kind")
    if kind not in KINDS:
        raise UnknownNameError("instances.kind", str(kind), KINDS)
    if kind == "benchmark":
        return resolve_names(list(spec.get("names") or []))
    if kind == "files":
        group = str(spec.get("group", "files"))
        fmt = str(spec.get("format", "auto"))
        return [replace(read_instance(path, fmt=fmt), group=group) for path in _expand(list(spec.get("paths") or []))]
    generator = JobShopGenerator(
        num_jobs=_as_size(spec.get("num_jobs", 10)),
        num_machines=_as_size(spec.get("num_machines", 10)),
        min_duration=int(spec.get("min_duration", 1)),
        max_duration=int(spec.get("max_duration", 99)),
    )
    return generator.sample_set(int(spec.get("count", 100)), int(spec.get("seed", 0)))


def _as_size(value: Any) -> int | tuple[int, int]:
    return value if isinstance(value, int) else tuple(value)
