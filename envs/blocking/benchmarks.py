"""Blocking instances by name: the job shop's bundled benchmarks ("ta01", "taillard_15x15")
and file formats, read as blocking instances with the default scenario (no shutdowns,
swaps allowed). Scenarios are set per instance set (`scenarios: {parameter: shutdown_prob}`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from schedrl.envs.blocking.generator import generate_set
from schedrl.envs.blocking.instance import BlockingJobShopInstance
from schedrl.envs.core.instances import BundledLibrary, InstanceCatalog
from schedrl.envs.jobshop import benchmarks as job_shop
from schedrl.envs.jobshop.parser import read_instance


def _build(name: str, entry: Mapping[str, Any], path: Path) -> BlockingJobShopInstance:
    return BlockingJobShopInstance.from_job_shop(job_shop.LIBRARY.load(name))


def _read_file(path: Path, fmt: str) -> BlockingJobShopInstance:
    return BlockingJobShopInstance.from_job_shop(read_instance(path, fmt=fmt))


LIBRARY = BundledLibrary(
    job_shop.LIBRARY.package, _build, job_shop.LIBRARY.groups_of, kind="blocking job-shop benchmark instance"
)
CATALOG = InstanceCatalog(
    kind="blocking job-shop instance",
    instance_type=BlockingJobShopInstance,
    generate=generate_set,
    read_file=_read_file,
    bundled=LIBRARY,
)
