"""The bundled VMR2L snapshots, loadable by name ("medium_279pm") or group ("medium", "vmr2l"),
and the VM-snapshot catalog (names, files, generated sets) built on the core's.

Data and attribution: envs/vm/data/README.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from schedrl.envs.core.instances import BundledLibrary, InstanceCatalog
from schedrl.envs.vm.generator import generate_set
from schedrl.envs.vm.instance import VMSnapshot
from schedrl.envs.vm.parser import read_snapshot
from schedrl.errors import InstanceFormatError

SUFFIX = ".json.gz"  # the library hands over instances/<name>; the file is instances/<name>.json.gz


def _groups_of(name: str, entry: Mapping[str, Any]) -> list[str]:
    """The size ('medium' from 'medium_279pm') and the source ('vmr2l')."""
    return [name.split("_")[0], "vmr2l"]


def _build(name: str, entry: Mapping[str, Any], path: Path) -> VMSnapshot:
    path = path.with_name(path.name + SUFFIX)
    snapshot = read_snapshot(path, "json.gz", name=name)
    found = {"pms": snapshot.num_pms, "vms": snapshot.num_vms, "initial_fragment_rate": snapshot.initial_fragment_rate}
    recorded = {key: entry[key] for key in found}
    # A file swapped or damaged since bounds.json was written (its FR is rounded to 6 decimals).
    if (
        found["pms"] != recorded["pms"]
        or found["vms"] != recorded["vms"]
        or not abs(found["initial_fragment_rate"] - recorded["initial_fragment_rate"]) < 1e-6
    ):
        raise InstanceFormatError(f"bounds.json records {recorded}, the file holds {found}", source=str(path))
    return dataclasses.replace(snapshot, group=_groups_of(name, entry)[0])


LIBRARY = BundledLibrary("schedrl.envs.vm", _build, _groups_of, kind="VM snapshot")
CATALOG = InstanceCatalog(
    kind="VM snapshot",
    instance_type=VMSnapshot,
    generate=generate_set,
    read_file=read_snapshot,
    bundled=LIBRARY,
)
