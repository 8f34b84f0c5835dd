"""The SoC instance catalog: the bundled single-DAG benchmarks by name, DS3 run configs
(`config_file*.ini`) by path, and generated streams.

The bundled benchmarks are the canonical 10-task DAG of the HEFT paper on its three CPUs
and the SoCRATES variant of it, each one job arriving at t = 0 (latency = makespan);
`data/bounds.json` records their published and proven figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from schedrl.envs.core.generation import SetGenerator
from schedrl.envs.core.instances import BundledLibrary, InstanceCatalog
from schedrl.envs.soc.generator import StreamGenerator
from schedrl.envs.soc.instance import SoCInstance
from schedrl.envs.soc.parser import read_ds3_config
from schedrl.envs.soc.workloads import load_workload


def _groups_of(name: str, entry: Mapping[str, Any]) -> list[str]:
    return ["single_dag"]


def _build(name: str, entry: Mapping[str, Any], path: Path) -> SoCInstance:
    """One job of the entry's workload at t = 0; its best known value is the proven optimum."""
    platform, applications, probabilities = load_workload(entry["workload"])
    return SoCInstance(
        name=name,
        platform=platform,
        applications=applications,
        probabilities=probabilities,
        group="single_dag",
        best_known=entry.get("optimum"),
        workload=entry["workload"],
    )


def _read(path: Path, fmt: str = "auto") -> SoCInstance:
    return read_ds3_config(path)


LIBRARY = BundledLibrary("schedrl.envs.soc", _build, _groups_of, kind="SoC benchmark")
CATALOG = InstanceCatalog(
    kind="SoC instance",
    instance_type=SoCInstance,
    generate=SetGenerator(StreamGenerator),
    read_file=_read,
    bundled=LIBRARY,
)
