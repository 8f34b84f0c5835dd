"""Bundled public job-shop benchmarks, loadable by name ("ta01") or group ("taillard_15x15"),
and the job-shop instance catalog (names, files, generated sets) built on the core's.

Data and attribution: envs/jobshop/data/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from schedrl.envs.core.instances import BundledLibrary, InstanceCatalog
from schedrl.envs.jobshop.generator import generate_set
from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.envs.jobshop.parser import parse_instance, read_instance

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


def _groups_of(name: str, entry: Mapping[str, Any]) -> list[str]:
    """The benchmark family ('taillard') and family by size ('taillard_15x15')."""
    family = _FAMILY_GROUPS[entry["family"]]
    return [family, f"{family}_{entry['jobs']}x{entry['machines']}"]


def _build(name: str, entry: Mapping[str, Any], path: Path) -> JobShopInstance:
    parsed = parse_instance(path.read_text(encoding="utf-8"), name, source=str(path), fmt="standard")
    return JobShopInstance(
        name=name,
        machines=parsed.machines,
        durations=parsed.durations,
        lower_bound=entry["lower_bound"],
        upper_bound=entry["upper_bound"],
        group=_groups_of(name, entry)[1],
        source=str(path),
    )


def _read_file(path: Path, fmt: str) -> JobShopInstance:
    return read_instance(path, fmt=fmt)


LIBRARY = BundledLibrary("schedrl.envs.jobshop", _build, _groups_of, kind="job-shop benchmark instance")
CATALOG = InstanceCatalog(
    kind="job-shop instance",
    instance_type=JobShopInstance,
    generate=generate_set,
    read_file=_read_file,
    bundled=LIBRARY,
)

load_benchmark = LIBRARY.load
load_group = LIBRARY.load_group
benchmark_names = LIBRARY.names
as_instance = CATALOG.as_instance


def benchmark_groups() -> dict[str, tuple[str, ...]]:
    """Family groups ('taillard'), family-by-size groups ('taillard_15x15') and 'all'."""
    return LIBRARY.groups
