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
    found = {"pms": snapshot.num_pms, "vms": snapshot.num_vms}
    if found != {key: entry[key] for key in found}:  # a file swapped or damaged since bounds.json was written
        raise InstanceFormatError(f"bounds.json records {entry['pms']} PMs and {entry['vms']} VMs, the file holds "
                                  f"{found['pms']} and {found['vms']}", source=str(path))  # fmt: skip
    return dataclasses.replace(snapshot, group=_groups_of(name, entry)[0])


def _read_file(path: Path, fmt: str) -> VMSnapshot:
    return read_snapshot(path, fmt)


LIBRARY = BundledLibrary("schedrl.envs.vm", _build, _groups_of, kind="VM snapshot")
CATALOG = InstanceCatalog(
    kind="VM snapshot",
    instance_type=VMSnapshot,
    generate=generate_set,
    read_file=_read_file,
    bundled=LIBRARY,
)
