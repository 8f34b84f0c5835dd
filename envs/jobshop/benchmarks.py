"""Bundled public job-shop benchmarks, loadable by name ("ta01") or group ("taillard_15x15").

Data and attribution: envs/jobshop/data/README.md.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.envs.jobshop.parser import parse_instance, read_instance

from schedrl.errors import UnknownNameError

_FAMILY_GROUPS = {
    "ta": "taillard",
    "dmu": "dmu",
    "ft": "ft",
    "la": "lawrence",
    "abz": "abz",
    "orb": "orb",
    "swv": "swv",
    "yn": "yn",
}


def _data_dir() -> Path:
    return Path(str(resources.files("schedrl.envs.jobshop") / "data"))


@cache
def _bounds() -> dict[str, dict]:
    return json.loads((_data_dir() / "bounds.json").read_text(encoding="utf-8"))


def _natural_key(name: str) -> tuple[str, int]:
    match = re.fullmatch(r"([a-z]+)(\d+)", name)
    return (match.group(1), int(match.group(2))) if match else (name, 0)


def benchmark_names() -> list[str]:
    return sorted(_bounds(), key=_natural_key)


def size_group(name: str) -> str:
    """The group a benchmark is reported under: family and size, e.g. 'taillard_15x15'."""
    entry = _bounds()[name]
    return f"{_FAMILY_GROUPS[entry['family']]}_{entry['jobs']}x{entry['machines']}"


@cache
def benchmark_groups() -> dict[str, tuple[str, ...]]:
    """Family groups ('taillard'), family-by-size groups ('taillard_15x15') and 'all'."""
    groups: dict[str, list[str]] = {"all": []}
    for name in benchmark_names():
        family = _FAMILY_GROUPS[_bounds()[name]["family"]]
        for group in (family, size_group(name), "all"):
            groups.setdefault(group, []).append(name)
    return {group: tuple(names) for group, names in groups.items()}


@cache
def load_benchmark(name: str) -> JobShopInstance:
    if name not in _bounds():
        raise UnknownNameError("job-shop benchmark instance", name, benchmark_names())
    entry = _bounds()[name]
    path = _data_dir() / "instances" / name
    parsed = parse_instance(path.read_text(encoding="utf-8"), name, source=str(path), fmt="standard")
    return JobShopInstance(
        name=name,
        machines=parsed.machines,
        durations=parsed.durations,
        lower_bound=entry["lower_bound"],
        upper_bound=entry["upper_bound"],
        group=size_group(name),
        source=str(path),
    )


def load_group(group: str) -> list[JobShopInstance]:
    groups = benchmark_groups()
    if group not in groups:
        raise UnknownNameError("job-shop benchmark group", group, groups)
    return [load_benchmark(name) for name in groups[group]]


def resolve_names(names: list[str] | tuple[str, ...]) -> list[JobShopInstance]:
    """Instances for a mix of instance and group names, in order, without repeats."""
    groups = benchmark_groups()
    seen: dict[str, JobShopInstance] = {}
    for name in names:
        for instance in load_group(name) if name in groups else [load_benchmark(name)]:
            seen.setdefault(instance.name, instance)
    return list(seen.values())


def as_instance(spec: JobShopInstance | str | Path) -> JobShopInstance:
    """An instance from an instance object, a bundled benchmark name or a file path."""
    if isinstance(spec, JobShopInstance):
        return spec
    if isinstance(spec, str) and spec in _bounds():
        return load_benchmark(spec)
    if isinstance(spec, (str, Path)) and Path(spec).exists():
        return read_instance(spec)
    if isinstance(spec, (str, Path)):
        raise UnknownNameError("job-shop instance (benchmark name or existing file)", str(spec), benchmark_names())
    raise TypeError(f"instance must be a JobShopInstance, a benchmark name or a path, got {type(spec).__name__}")
