"""Reader for VMR2L cluster snapshots (the JSON of ByteDance's VM-rescheduling data; schema in
envs/vm/data/README.md), plain or gzip-compressed, with errors that name the JSON path of the
field at fault: `cluster_list[0].vm_instance[12].numa[0].cpu: expected an integer, got "x"`.

What is read, and why:
- every cluster of `cluster_list`, merged into one snapshot: PM and VM ids must be unique
  across clusters, since plans and solution records name them;
- only ACTIVE hosts: a DISABLED or OUTAGE host takes no VM, so it is dropped together with
  the VMs still listed on it (real exports list some; the paper's "280 PMs" counted one);
- NUMA capacities from each host's `numa[].total_cpu` and `memory_huge_total_mb`. The `free_*`
  fields are ignored and free resources recomputed from the VMs (the upstream loader does the
  same; some files repeat NUMA 0's free memory for NUMA 1), and `node_cpu` / `node_mem_mb`
  are not used;
- a VM with one `numa` entry sits on that node; with two, it is double-NUMA and must take equal
  halves on nodes 0 and 1;
- `allow_migration`, `rack_id` (any JSON scalar; racks are numbered in order of appearance) and
  `other_requirement.deployment_set` (anti-affinity at host or rack level, VMs by id).
`vm_type_info`, `vm_type_list` and `general_requirement` are not used: the migration limit
is the snapshot's `mnl`, a scenario field, not the file's `maximum_migration`.

Numbers must be whole (memory is written as 184388.0); booleans, NaN and numbers beyond
2**40 are refused.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from schedrl.envs.core.files import parse_json
from schedrl.envs.vm.instance import GRANULARITIES, NUMA_PER_PM, AntiAffinity, VMSnapshot, node_usage
from schedrl.errors import InstanceFormatError

FORMATS = ("auto", "json", "json.gz")
ACTIVE = "ACTIVE"
MAX_NUMBER = 2**40  # no cpu count or MB figure comes near: a larger one is a damaged file
_GZIP_MAGIC = b"\x1f\x8b"
_SHOWN = 40  # characters of a value quoted in a message


def _shown(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, float) or value == value else "NaN"
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}..."


class _Reader:
    """Typed access to the parsed JSON, every failure an InstanceFormatError at its path."""

    def __init__(self, source: str):
        self.source = source

    def error(self, path: str, message: str) -> InstanceFormatError:
        return InstanceFormatError(f"{path}: {message}" if path else message, source=self.source)

    def field(self, container: dict[str, Any], key: str, path: str) -> tuple[Any, str]:
        where = f"{path}.{key}" if path else key
        if key not in container:
            raise self.error(where, "missing")
        return container[key], where

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, f"expected an object {{...}}, got {_shown(value)}")
        return value

    def sequence(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(path, f"expected a list [...], got {_shown(value)}")
        return value

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.error(path, f"expected a string, got {_shown(value)}")
        return value

    def unique_id(self, item: dict[str, Any], key: str, path: str, seen: dict[str, str], kind: str) -> str:
        """`item[key]`, a string no earlier item of `seen` (id -> its path) holds; recorded there."""
        value = self.string(*self.field(item, key, path))
        if value in seen:
            raise self.error(f"{path}.{key}", f"{kind} {value!r} is listed twice (also at {seen[value]})")
        seen[value] = path
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.error(path, f"expected true or false, got {_shown(value)}")
        return value

    def integer(self, value: Any, path: str, minimum: int = 0) -> int:
        whole = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
        if not whole:
            raise self.error(path, f"expected an integer, got {_shown(value)}")
        if not minimum <= value <= MAX_NUMBER:
            raise self.error(path, f"expected an integer in {minimum}..2**40, got {_shown(value)}")
        return int(value)


def _decode(data: bytes, source: str, fmt: str) -> str:
    if fmt not in FORMATS:
        raise InstanceFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", source=source)
    if fmt == "json.gz" or (fmt == "auto" and data.startswith(_GZIP_MAGIC)):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise InstanceFormatError(f"not a valid gzip file ({error})", source=source) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InstanceFormatError("not a text file (UTF-8 decoding failed)", source=source) from None


def read_snapshot(path: str | Path, fmt: str = "auto", *, name: str | None = None, mnl: int = 50) -> VMSnapshot:
    """A snapshot file: `fmt` "json", "json.gz", or "auto" (gzip when the file starts with the
    gzip magic bytes, whatever its name). The name defaults to the file name without
    `.json` / `.json.gz`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InstanceFormatError("no such file", source=str(path)) from None
    except OSError as error:
        raise InstanceFormatError(f"cannot read: {error.strerror}", source=str(path)) from None
    return parse_snapshot(_decode(data, str(path), fmt), str(path), name=name, mnl=mnl)


def _default_name(source: str) -> str:
    name = Path(source).name
    for suffix in (".gz", ".json"):
        name = name.removesuffix(suffix)
    return name or source


def parse_snapshot(text: str, source: str, name: str | None = None, mnl: int = 50) -> VMSnapshot:
    """The snapshot in `text` (JSON); `source` names it in messages. Hosts that are not ACTIVE
    are dropped with their VMs (see the module docstring)."""
    reader = _Reader(source)
    document = parse_json(text, source)
    clusters, where = reader.field(reader.mapping(document, "the document"), "cluster_list", "")
    hosts, vms = _Hosts(reader), _VMs(reader)
    sets: list[tuple[Any, str]] = []  # (deployment set, its path)
    for c, raw_cluster in enumerate(reader.sequence(clusters, where)):
        path = f"cluster_list[{c}]"
        cluster = reader.mapping(raw_cluster, path)
        value, where = reader.field(cluster, "host_info", path)
        for h, host in enumerate(reader.sequence(value, where)):
            hosts.add(host, f"{where}[{h}]")
        value, where = reader.field(cluster, "vm_instance", path)
        vms.pending.extend((vm, f"{where}[{v}]") for v, vm in enumerate(reader.sequence(value, where)))
        requirement = reader.mapping(cluster.get("other_requirement", {}), f"{path}.other_requirement")
        where = f"{path}.other_requirement.deployment_set"
        groups = reader.sequence(requirement.get("deployment_set", []), where)
        sets.extend((group, f"{where}[{g}]") for g, group in enumerate(groups))
    if not hosts.active:
        raise reader.error("cluster_list", "no ACTIVE host: a snapshot needs at least one PM")
    for raw, path in vms.pending:  # after every cluster's hosts: a VM may name a host listed later
        vms.add(raw, path, hosts)
    anti_affinity = tuple(_anti_affinity(reader, group, path, vms, hosts) for group, path in sets)
    _check_capacity(reader, hosts, vms)
    return VMSnapshot(
        name=name or _default_name(source),
        numa_cpu=np.array(hosts.cpu, dtype=np.int64).reshape(-1, NUMA_PER_PM),
        numa_mem=np.array(hosts.mem, dtype=np.int64).reshape(-1, NUMA_PER_PM),
        vm_cpu=np.array(vms.cpu, dtype=np.int64),
        vm_mem=np.array(vms.mem, dtype=np.int64),
        vm_double=np.array(vms.double, dtype=bool),
        vm_pm=np.array(vms.pm, dtype=np.int64),
        vm_numa=np.array(vms.numa, dtype=np.int64),
        vm_migratable=np.array(vms.migratable, dtype=bool),
        pm_ids=tuple(hosts.ids),
        vm_ids=tuple(vms.ids),
        pm_rack=np.array(hosts.rack, dtype=np.int64),
        anti_affinity=anti_affinity,
        mnl=mnl,
        source=source,
    )


class _Hosts:
    """The ACTIVE hosts as PMs, in file order; every host id, to tell a dropped host from an unknown one."""

    def __init__(self, reader: _Reader):
        self.reader = reader
        self.seen: dict[str, str] = {}  # every host id -> its path
        self.active: dict[str, int] = {}  # ACTIVE host id -> PM index
        self.ids: list[str] = []
        self.paths: list[str] = []
        self.cpu: list[int] = []  # [P * 2], node-major per PM
        self.mem: list[int] = []
        self.rack: list[int] = []
        self.racks: dict[Any, int] = {}

    def add(self, raw: Any, path: str) -> None:
        reader = self.reader
        host = reader.mapping(raw, path)
        host_id = reader.unique_id(host, "node_id", path, self.seen, "host")
        if reader.string(*reader.field(host, "status", path)) != ACTIVE:
            return
        rack, where = reader.field(host, "rack_id", path)
        if not isinstance(rack, (str, int)) or isinstance(rack, bool):
            raise reader.error(where, f"expected a rack id (a string or an integer), got {_shown(rack)}")
        value, where = reader.field(host, "numa", path)
        nodes = reader.sequence(value, where)
        if len(nodes) != NUMA_PER_PM:
            raise reader.error(where, f"expected {NUMA_PER_PM} NUMA nodes, got {len(nodes)}")
        capacity: dict[int, tuple[int, int]] = {}
        for n, raw_node in enumerate(nodes):
            node_path = f"{where}[{n}]"
            node = reader.mapping(raw_node, node_path)
            index = reader.integer(*reader.field(node, "node", node_path))
            if index not in (0, 1) or index in capacity:
                raise reader.error(f"{node_path}.node", f"a PM's NUMA nodes are 0 and 1, once each; got {index}")
            capacity[index] = (
                reader.integer(*reader.field(node, "total_cpu", node_path)),
                reader.integer(*reader.field(node, "memory_huge_total_mb", node_path)),
            )
        self.active[host_id] = len(self.ids)
        self.ids.append(host_id)
        self.paths.append(path)
        for index in range(NUMA_PER_PM):
            self.cpu.append(capacity[index][0])
            self.mem.append(capacity[index][1])
        self.rack.append(self.racks.setdefault(rack, len(self.racks)))


class _VMs:
    """The VMs on ACTIVE hosts, in file order."""

    def __init__(self, reader: _Reader):
        self.reader = reader
        self.pending: list[tuple[Any, str]] = []  # (raw VM, its path), read once every host is known
        self.seen: dict[str, str] = {}  # every VM id -> its path
        self.index: dict[str, int] = {}  # id of a VM kept -> its index
        self.ids: list[str] = []
        self.cpu: list[int] = []
        self.mem: list[int] = []
        self.double: list[bool] = []
        self.pm: list[int] = []
        self.numa: list[int] = []
        self.migratable: list[bool] = []

    def add(self, raw: Any, path: str, hosts: _Hosts) -> None:
        reader = self.reader
        vm = reader.mapping(raw, path)
        vm_id = reader.unique_id(vm, "instance_id", path, self.seen, "VM")
        host_id = reader.string(*reader.field(vm, "host_id", path))
        if host_id not in hosts.seen:
            raise reader.error(f"{path}.host_id", f"VM {vm_id!r} is on host {host_id!r}, which no cluster lists")
        migratable = reader.boolean(*reader.field(vm, "allow_migration", path))
        value, where = reader.field(vm, "numa", path)
        parts = [self._part(raw_part, f"{where}[{n}]") for n, raw_part in enumerate(reader.sequence(value, where))]
        if len(parts) not in (1, 2):
            raise reader.error(
                where, f"VM {vm_id!r}: expected 1 NUMA entry (single-NUMA) or 2 (double), got {len(parts)}"
            )
        if len(parts) == 2 and (sorted(p[0] for p in parts) != [0, 1] or parts[0][1:] != parts[1][1:]):
            shown = " and ".join(f"node {node}: {cpu} cpu, {mem} MB" for node, cpu, mem in parts)
            raise reader.error(
                where, f"VM {vm_id!r}: a double-NUMA VM takes equal halves on nodes 0 and 1, got {shown}"
            )
        if host_id not in hosts.active:
            return  # on a host that is not ACTIVE: dropped with it
        self.index[vm_id] = len(self.ids)
        self.ids.append(vm_id)
        self.cpu.append(sum(p[1] for p in parts))
        self.mem.append(sum(p[2] for p in parts))
        self.double.append(len(parts) == 2)
        self.pm.append(hosts.active[host_id])
        self.numa.append(parts[0][0] if len(parts) == 1 else 0)
        self.migratable.append(migratable)

    def _part(self, raw: Any, path: str) -> tuple[int, int, int]:
        reader = self.reader
        part = reader.mapping(raw, path)
        node = reader.integer(*reader.field(part, "node", path))
        if node not in (0, 1):
            raise reader.error(f"{path}.node", f"a NUMA node is 0 or 1, got {node}")
        cpu = reader.integer(*reader.field(part, "cpu", path), 1)
        return node, cpu, reader.integer(*reader.field(part, "mem_mb", path), 1)


def _anti_affinity(reader: _Reader, raw: Any, path: str, vms: _VMs, hosts: _Hosts) -> AntiAffinity:
    """A deployment set as VM indices, checked against the initial placement here, where its
    path is known."""
    group = reader.mapping(raw, path)
    granularity, where = reader.field(group, "granularity", path)
    if granularity not in GRANULARITIES:
        raise reader.error(where, f"expected one of {', '.join(GRANULARITIES)}, got {_shown(granularity)}")
    value, where = reader.field(group, "data", path)
    members: list[int] = []
    for m, raw_id in enumerate(reader.sequence(value, where)):
        vm_id = reader.string(raw_id, f"{where}[{m}]")
        if vm_id not in vms.seen:
            raise reader.error(f"{where}[{m}]", f"VM {vm_id!r} is not in any cluster's vm_instance")
        if vm_id in vms.index:  # a VM dropped with its host constrains nothing
            if vms.index[vm_id] in members:
                raise reader.error(f"{where}[{m}]", f"VM {vm_id!r} is listed twice")
            members.append(vms.index[vm_id])
    places: dict[int, str] = {}
    for v in members:
        pm = vms.pm[v]
        place = pm if granularity == "host" else hosts.rack[pm]
        if place in places:
            shared = f"host {hosts.ids[pm]!r}" if granularity == "host" else f"the rack of host {hosts.ids[pm]!r}"
            raise reader.error(
                path, f"anti-affinity ({granularity}): VMs {places[place]!r} and {vms.ids[v]!r} share {shared}"
            )
        places[place] = vms.ids[v]
    return AntiAffinity(granularity, tuple(members))


def _check_capacity(reader: _Reader, hosts: _Hosts, vms: _VMs) -> None:
    """The VMs on each NUMA node fit its capacity: named here by the host's path, not by PM index."""
    for label, demand, capacity, key in (
        ("cpu", vms.cpu, hosts.cpu, "total_cpu"),
        ("memory", vms.mem, hosts.mem, "memory_huge_total_mb"),
    ):
        used = node_usage(
            len(capacity) // NUMA_PER_PM, np.array(vms.pm, dtype=np.int64), np.array(vms.numa, dtype=np.int64),
            np.array(vms.double, dtype=bool), np.array(demand, dtype=np.int64),
        ).reshape(-1)  # fmt: skip
        over = np.flatnonzero(used > np.asarray(capacity, dtype=np.int64))
        if over.size:
            node = int(over[0])
            pm, numa = divmod(node, NUMA_PER_PM)
            on = [vms.ids[v] for v in range(len(demand)) if vms.pm[v] == pm and (vms.double[v] or vms.numa[v] == numa)]
            shown = ", ".join(on[:5]) + (", ..." if len(on) > 5 else "")
            raise reader.error(
                f"{hosts.paths[pm]}.numa (node {numa})",
                f"the VMs placed there ({shown}) use {used[node]} {label}, above its {key} {capacity[node]}",
            )
