"""Instance plumbing every family shares: bundled benchmarks with their bounds file, files
and globs, seeded generated sets, scenario grids, and what a user may pass as `instance=`
(an object, a bundled name or a path). A family supplies only parse, generate and group
naming; the instance-set spec reads the same for every family."""

from __future__ import annotations

import dataclasses
import glob
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from schedrl.envs.core.settings import Setting, check_settings
from schedrl.errors import ConfigError, InstanceFormatError, UnknownNameError

KINDS = ("benchmark", "files", "generated", "union")
ALL = "all"


class Instance(Protocol):
    """What the generic layers read of any family's instance."""

    name: str
    group: str

    @property
    def best_known(self) -> float | None: ...

    @property
    def stochastic(self) -> bool:
        """Exogenous randomness (breakdowns, arrivals, noise) drawn from the instance's seed:
        best-of-K sampling on it would keep the luckiest of K futures, so it is refused."""
        ...


def size_range(key: str, value: Any) -> tuple[int, int]:
    """An int or an inclusive [low, high] pair of ints >= 1, as (low, high)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        low = high = int(value)
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value):
        low, high = int(value[0]), int(value[1])
    else:
        raise ConfigError(f"{key}: expected an int or a [low, high] pair of ints, got {value!r}")
    if not 1 <= low <= high:
        raise ConfigError(f"{key}: need 1 <= low <= high, got {value!r}")
    return low, high


def _natural_key(name: str) -> tuple[str, int]:
    match = re.fullmatch(r"([a-z]+)(\d+)", name)
    return (match.group(1), int(match.group(2))) if match else (name, 0)


@dataclass(frozen=True)
class BundledLibrary:
    """Benchmarks shipped in `<package>/data`: `bounds.json` maps each name to its entry
    (bounds and whatever the family records), `instances/<name>` holds the file."""

    package: str
    build: Callable[[str, Mapping[str, Any], Path], Any]  # (name, bounds entry, file) -> instance
    groups_of: Callable[[str, Mapping[str, Any]], list[str]]  # (name, entry) -> its groups, 'all' aside
    kind: str = "benchmark instance"
    _loaded: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return Path(str(resources.files(self.package) / "data"))

    @cached_property
    def bounds(self) -> dict[str, dict[str, Any]]:
        return json.loads((self.data_dir / "bounds.json").read_text(encoding="utf-8"))

    def names(self) -> list[str]:
        return sorted(self.bounds, key=_natural_key)

    @cached_property
    def groups(self) -> dict[str, tuple[str, ...]]:
        groups: dict[str, list[str]] = {ALL: []}
        for name in self.names():
            for group in [*self.groups_of(name, self.bounds[name]), ALL]:
                groups.setdefault(group, []).append(name)
        return {group: tuple(names) for group, names in groups.items()}

    def load(self, name: str) -> Any:
        if name not in self.bounds:
            raise UnknownNameError(self.kind, name, self.names())
        if name not in self._loaded:
            self._loaded[name] = self.build(name, self.bounds[name], self.data_dir / "instances" / name)
        return self._loaded[name]

    def load_group(self, group: str) -> list[Any]:
        if group not in self.groups:
            raise UnknownNameError(f"{self.kind} group", group, self.groups)
        return [self.load(name) for name in self.groups[group]]

    def resolve(self, names: list[str] | tuple[str, ...]) -> list[Any]:
        """Instances for a mix of instance and group names, in order, without repeats."""
        seen: dict[str, Any] = {}
        for name in names:
            for instance in self.load_group(name) if name in self.groups else [self.load(name)]:
                seen.setdefault(instance.name, instance)
        return list(seen.values())


def scenario_grid(
    instances: list[Any], parameter: str, values: list[Any], seeds: list[int] | None = None, label: str | None = None
) -> list[Any]:
    """Every instance under every value of a scenario parameter (and every seed of its
    randomness), grouped by value: group `bench_15x15/p0.05`, name `inst01/p0.05/s1`."""
    label = parameter if label is None else label
    grid = []
    for instance in instances:
        if parameter not in _field_names(instance):
            raise ConfigError(f"instances.scenarios.parameter: {type(instance).__name__} has no field {parameter!r}")
        for value in values:
            tag = f"{label}{value}"
            for seed in seeds if seeds is not None else [None]:
                changes: dict[str, Any] = {parameter: value, "group": f"{instance.group}/{tag}"}
                changes["name"] = f"{instance.name}/{tag}" + ("" if seed is None else f"/s{seed}")
                if seed is not None:
                    changes["seed"] = seed
                grid.append(dataclasses.replace(instance, **changes))
    return grid


def _field_names(instance: Any) -> set[str]:
    """The fields of a family's instance dataclass (none for anything else)."""
    is_instance = dataclasses.is_dataclass(instance) and not isinstance(instance, type)
    return {f.name for f in dataclasses.fields(instance)} if is_instance else set()


@dataclass(frozen=True)
class InstanceCatalog:
    """Every way a family's instances are named or made."""

    kind: str  # in messages, e.g. "VM snapshot"
    instance_type: type
    generate: Callable[[Mapping[str, Any], int, int], list[Any]]  # (spec, count, seed) -> instances
    read_file: Callable[[Path, str], Any] | None = None  # (path, format) -> instance; InstanceFormatError
    bundled: BundledLibrary | None = None

    def read(self, path: Path, fmt: str = "auto") -> Any:
        if self.read_file is None:
            raise InstanceFormatError(f"{self.kind}s have no file format: generate them instead", source=str(path))
        return self.read_file(path, fmt)

    def as_instance(self, spec: Any) -> Any:
        """An instance from an instance object, a bundled benchmark name or a file path."""
        if type(spec) is self.instance_type:  # exactly: a subclass may be another family's
            return spec
        known = self.bundled.names() if self.bundled else []
        if isinstance(spec, str) and spec in known:
            return self.bundled.load(spec)  # type: ignore[union-attr]
        if isinstance(spec, (str, Path)) and Path(spec).is_file():
            return self.read(Path(spec))
        if isinstance(spec, (str, Path)) and not known:  # no bundled names to suggest: only files
            raise InstanceFormatError(f"no such file (a {self.kind} is an instance object or a file)", source=str(spec))
        if isinstance(spec, (str, Path)):
            raise UnknownNameError(f"{self.kind} (bundled name or existing file)", str(spec), known)
        raise ConfigError(
            f"instance must be an instance object ({self.instance_type.__name__}), a bundled benchmark name or a "
            f"file path, got {type(spec).__name__}"
        )

    def load_set(self, spec: Mapping[str, Any], where: str = "instances") -> list[Any]:
        """`spec` is an instance-set config (`where` names it in messages): kind benchmark
        (names), files (paths or globs, format, group), generated (count, seed, the family's
        generator fields) or union (`sets`: a list of such specs, e.g. benchmarks and a held-out
        generated set in one table); with an optional `scenarios: {parameter, values, seeds,
        label}` grid."""
        if not isinstance(spec, Mapping):
            raise ConfigError(
                f"{where} must be an instance-set spec such as {{kind: generated, count: 10}}, got {spec!r}"
            )
        kind = spec.get("kind")
        if kind not in KINDS:
            raise UnknownNameError(f"{where}.kind", str(kind), KINDS)
        check_settings(spec, _SPEC_SETTINGS[kind], prefix=where)
        if kind == "union":
            stray = sorted(set(spec) - {"kind", "sets", "scenarios"})
            if stray:  # a union's sets carry their own fields: a key beside them would be ignored
                raise ConfigError(f"{where}.{stray[0]}: a union takes only sets (and scenarios); set it in each set")
            if not spec.get("sets"):
                raise ConfigError(f"{where}.sets is empty: list the instance-set specs to join")
            instances = [
                instance
                for index, part in enumerate(spec["sets"])
                for instance in self.load_set(part, f"{where}.sets[{index}]")
            ]
        elif kind == "benchmark":
            if self.bundled is None:
                raise ConfigError(f"{where}.kind=benchmark: no bundled {self.kind}s; use files or generated")
            if not spec.get("names"):
                raise ConfigError(
                    f"{where}.names is empty: name bundled instances or groups (see the family's instance-set configs)"
                )
            instances = self.bundled.resolve(list(spec["names"]))
        elif kind == "files":
            group, fmt = str(spec.get("group", "files")), str(spec.get("format", "auto"))
            paths = _expand(list(spec.get("paths") or []), where)
            names = unique_labels([Path(path).with_suffix("") for path in paths])
            if len(set(names)) < len(names):  # a.txt and a.dat: the suffix tells them apart
                names = unique_labels([Path(path) for path in paths])
            instances = [
                dataclasses.replace(self.read(Path(path), fmt), name=name, group=group)
                for path, name in zip(paths, names, strict=True)
            ]
        else:
            count, seed = spec.get("count", 100), spec.get("seed", 0)
            params = {k: v for k, v in spec.items() if k not in ("kind", "count", "seed", "scenarios")}
            try:
                instances = self.generate(params, count, seed)
            except ConfigError as error:  # the family's generator names the field; say where it sits
                raise ConfigError(f"{where}: {error}") from None
        grid = spec.get("scenarios")
        if grid:
            unknown = sorted(set(grid) - {"parameter", "values", "seeds", "label"})
            if unknown or "parameter" not in grid or not grid.get("values"):
                raise ConfigError(
                    f"{where}.scenarios needs parameter and values (optional seeds, label); got keys {sorted(grid)}"
                )
            seeds = grid.get("seeds")
            instances = scenario_grid(
                instances, str(grid["parameter"]), list(grid["values"]), None if seeds is None else list(seeds),
                grid.get("label"),
            )  # fmt: skip
        return instances


_SPEC_SETTINGS = {
    "benchmark": [Setting("names", list, item=str)],
    "files": [Setting("paths", list, item=str), Setting("group", str), Setting("format", str)],
    "generated": [Setting("count", int, 1), Setting("seed", int, 0, 2**63 - 1)],
    "union": [Setting("sets", list)],
}


def _expand(patterns: list[str], where: str) -> list[str]:
    """The files the patterns name, each once (a file listed twice or matched by two
    overlapping globs is one instance, not two results)."""
    if not patterns:
        raise ConfigError(f"{where}.paths is empty: name the instance files, e.g. {where}.paths=[my/*.txt]")
    paths: dict[Path, str] = {}
    for pattern in patterns:
        if glob.has_magic(pattern):  # `**` recurses; folders a pattern also matches are not instances
            matched = sorted(p for p in glob.glob(pattern, recursive=True) if not Path(p).is_dir())
        elif Path(pattern).is_dir():
            raise ConfigError(
                f"{where}.paths: {pattern!r} is a folder; name its files, e.g. {pattern.rstrip('/')}/*.txt"
            )
        else:
            matched = [pattern]
        if not matched:
            raise ConfigError(f"{where}.paths: {pattern!r} matches no file")
        for path in matched:
            paths.setdefault(Path(path).resolve(), path)
    return list(paths.values())


def unique_labels(paths: list[Path], skip: tuple[str, ...] = (), min_parts: int = 1) -> list[str]:
    """The shortest trailing parts of each path (at least `min_parts`) that tell it from the
    others: 'inst' alone, but 'a/inst' and 'b/inst' when two folders hold an 'inst'. Results
    are keyed by these names, so equal names would overwrite each other. `skip`: parts left out."""
    resolved = [Path(path).resolve() for path in paths]
    parts = [[p for p in path.parts[1:] if p not in skip] for path in resolved]  # [1:]: not the root "/"
    if len({tuple(p) for p in parts}) < len(set(resolved)):  # skipping parts made two paths equal
        parts = [list(path.parts[1:]) for path in resolved]

    def label(index: int, depth: int) -> str:
        return "/".join(parts[index][-depth:])

    labels = []
    for i, own in enumerate(parts):
        depth = min(min_parts, len(own))
        while depth < len(own) and any(label(j, depth) == label(i, depth) for j in range(len(parts)) if j != i):
            depth += 1
        labels.append(label(i, depth))
    return labels
