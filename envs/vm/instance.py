"""A VM-rescheduling instance: one cluster snapshot (PMs with two NUMA nodes each, and the
VMs placed on them) plus the migration budget MNL.

The budget is a scenario field, not an env option: solvers need it, and one trained
policy is evaluated at several budgets (`scenarios: {parameter: mnl, values: [10, 50]}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from schedrl.errors import InstanceFormatError

#: Fragments are counted in blocks of this many vCPUs: a NUMA node's free cpu modulo 16 is
#: capacity no 16-vCPU VM can use (VMR2L's definition).
FRAGMENT_BLOCK = 16
NUMA_PER_PM = 2
GRANULARITIES = ("host", "rack")


def fragment_rate(free_cpu: np.ndarray) -> float:
    """Σ (free mod 16) / Σ free over NUMA nodes; 0 for a cluster with no free cpu."""
    total = int(free_cpu.sum())
    return float(np.remainder(free_cpu, FRAGMENT_BLOCK).sum()) / total if total else 0.0


def per_node(demand: np.ndarray, double: np.ndarray) -> np.ndarray:
    """[V] demand each VM takes on a NUMA node: half on each node for a double-NUMA VM."""
    return np.where(double, demand // 2, demand)


def node_usage(pms: int, vm_pm: np.ndarray, vm_numa: np.ndarray, double: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """[pms, 2] demand placed on each NUMA node: a single-NUMA VM on its node, a double-NUMA
    VM half on both nodes of its PM."""
    used = np.zeros((pms, NUMA_PER_PM), dtype=np.int64)
    share = per_node(demand, double)
    single = ~double
    np.add.at(used, (vm_pm[single], vm_numa[single]), share[single])
    for numa in range(NUMA_PER_PM):
        np.add.at(used, (vm_pm[double], numa), share[double])
    return used


@dataclass(frozen=True)
class AntiAffinity:
    """VMs that must sit on distinct hosts (PMs) or on distinct racks."""

    granularity: Literal["host", "rack"]
    members: tuple[int, ...]  # VM indices


@dataclass(frozen=True, eq=False)
class VMSnapshot:
    """Arrays indexed by PM p (axis 1: NUMA node 0/1) and by VM v.

    - `numa_cpu`, `numa_mem` [P, 2]: capacity of each NUMA node (vCPU, MB);
    - `vm_cpu`, `vm_mem` [V]: a VM's whole demand; a double-NUMA VM (`vm_double`) takes
      half of each on both nodes of its PM, so its cpu and memory are even;
    - `vm_pm` [V], `vm_numa` [V]: the initial placement (node 0 for a double-NUMA VM);
    - `vm_migratable` [V]: the snapshot's `allow_migration`;
    - `pm_ids`, `vm_ids`: the snapshot's own ids, used in solution records so that a plan
      replays on the original file; `pm_rack` [P] for rack-level anti-affinity;
    - `anti_affinity`: deployment sets; `mnl`: the most migrations a plan may make.
    """

    name: str
    numa_cpu: np.ndarray
    numa_mem: np.ndarray
    vm_cpu: np.ndarray
    vm_mem: np.ndarray
    vm_double: np.ndarray
    vm_pm: np.ndarray
    vm_numa: np.ndarray
    vm_migratable: np.ndarray | None = None
    pm_ids: tuple[str, ...] = ()
    vm_ids: tuple[str, ...] = ()
    pm_rack: np.ndarray | None = None
    anti_affinity: tuple[AntiAffinity, ...] = ()
    mnl: int = 50
    group: str = "custom"
    source: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        where = self.source or self.name
        pms = _array(self, "numa_cpu", 2, where).shape[0]
        if self.numa_cpu.shape[1:] != (NUMA_PER_PM,) or pms == 0:
            raise InstanceFormatError(
                f"numa_cpu must have shape [PMs >= 1, 2], got {self.numa_cpu.shape}", source=where
            )
        vms = _array(self, "vm_cpu", 1, where).shape[0]
        for name, shape in (("numa_mem", (pms, 2)), ("vm_mem", (vms,)), ("vm_pm", (vms,)), ("vm_numa", (vms,))):
            if _array(self, name, len(shape), where).shape != shape:
                raise InstanceFormatError(
                    f"{name} must have shape {shape}, got {getattr(self, name).shape}", source=where
                )
        for name, size, default in (("vm_double", vms, False), ("vm_migratable", vms, True), ("pm_rack", pms, 0)):
            value = getattr(self, name)
            array = np.full(size, default) if value is None else np.asarray(value)
            if array.shape != (size,):
                raise InstanceFormatError(f"{name} must have shape ({size},), got {array.shape}", source=where)
            flags = name != "pm_rack"  # true/false per VM; racks are numbered
            whole = array.dtype == np.bool_ or np.issubdtype(array.dtype, np.integer)
            if not whole or (flags and not np.isin(array, (0, 1)).all()):
                kind = "true/false (or 0/1) per VM" if flags else "integer rack numbers"
                raise InstanceFormatError(f"{name} must hold {kind}, got {array.dtype} values", source=where)
            object.__setattr__(self, name, array.astype(bool if flags else np.int64))
        for name in ("numa_cpu", "numa_mem", "vm_cpu", "vm_mem"):
            if (getattr(self, name) < (0 if name.startswith("numa") else 1)).any():
                low = "non-negative" if name.startswith("numa") else "at least 1"
                raise InstanceFormatError(f"{name} must be {low}", source=where)
        for name, ids, count in (("pm_ids", self.pm_ids, pms), ("vm_ids", self.vm_ids, vms)):
            ids = tuple(str(i) for i in ids) or tuple(f"{name[:2]}_{i}" for i in range(count))
            if len(ids) != count or len(set(ids)) != count:
                raise InstanceFormatError(f"{name} must hold {count} distinct ids", source=where)
            object.__setattr__(self, name, ids)
        if ((self.vm_pm < 0) | (self.vm_pm >= pms)).any():
            v = int(np.flatnonzero((self.vm_pm < 0) | (self.vm_pm >= pms))[0])
            raise InstanceFormatError(f"VM {self.vm_ids[v]}: host index {self.vm_pm[v]} is not a PM", source=where)
        bad_numa = ~np.isin(self.vm_numa, (0, 1)) | (self.vm_double & (self.vm_numa != 0))
        if bad_numa.any():
            v = int(np.flatnonzero(bad_numa)[0])
            raise InstanceFormatError(
                f"VM {self.vm_ids[v]}: NUMA node must be 0 or 1 (0 for a double-NUMA VM), got {self.vm_numa[v]}",
                source=where,
            )
        odd = self.vm_double & ((self.vm_cpu % 2 == 1) | (self.vm_mem % 2 == 1))
        if odd.any():
            v = int(np.flatnonzero(odd)[0])
            raise InstanceFormatError(
                f"VM {self.vm_ids[v]}: a double-NUMA VM needs even cpu and memory (half on each node), "
                f"got {self.vm_cpu[v]} vCPU and {self.vm_mem[v]} MB",
                source=where,
            )
        if isinstance(self.mnl, bool) or not isinstance(self.mnl, (int, np.integer)) or self.mnl < 0:
            raise InstanceFormatError(
                f"mnl (the migration limit) must be an integer >= 0, got {self.mnl!r}", source=where
            )
        object.__setattr__(self, "mnl", int(self.mnl))
        for index, group in enumerate(self.anti_affinity):
            members = group.members if isinstance(group, AntiAffinity) else ()
            indices = all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= v < vms for v in members
            )
            if not isinstance(group, AntiAffinity) or group.granularity not in GRANULARITIES or not indices:
                raise InstanceFormatError(
                    f"anti_affinity[{index}]: expected AntiAffinity(granularity in {GRANULARITIES}, members = VM "
                    f"indices 0..{vms - 1}), got {group!r}",
                    source=where,
                )
            if len(set(members)) < len(members):
                raise InstanceFormatError(f"anti_affinity[{index}]: a VM is listed twice in {members}", source=where)
        self._check_initial_placement(where)
        for name in ("numa_cpu", "numa_mem", "vm_cpu", "vm_mem", "vm_double", "vm_pm", "vm_numa", "vm_migratable",
                     "pm_rack"):  # fmt: skip
            getattr(self, name).setflags(write=False)

    def _check_initial_placement(self, where: str) -> None:
        for name, used in (("cpu", self.used(self.vm_cpu)), ("memory", self.used(self.vm_mem))):
            capacity = self.numa_cpu if name == "cpu" else self.numa_mem
            over = np.argwhere(used > capacity)
            if over.size:
                pm, numa = (int(i) for i in over[0])
                raise InstanceFormatError(
                    f"PM {self.pm_ids[pm]} NUMA {numa}: the VMs placed there use {used[pm, numa]} {name}, "
                    f"above its capacity {capacity[pm, numa]}",
                    source=where,
                )
        for index, group in enumerate(self.anti_affinity):
            places = self.vm_pm[list(group.members)]
            if group.granularity == "rack":
                places = np.asarray(self.pm_rack)[places]
            if np.unique(places).size < places.size:
                raise InstanceFormatError(
                    f"anti_affinity[{index}]: the initial placement puts two members on one {group.granularity}",
                    source=where,
                )

    def used(self, demand: np.ndarray) -> np.ndarray:
        """[P, 2] demand placed on each NUMA node by the initial placement."""
        return node_usage(self.num_pms, self.vm_pm, self.vm_numa, self.vm_double, demand)

    @property
    def num_pms(self) -> int:
        return int(self.numa_cpu.shape[0])

    @property
    def num_vms(self) -> int:
        return int(self.vm_cpu.shape[0])

    @property
    def initial_free_cpu(self) -> np.ndarray:
        return self.numa_cpu - self.used(self.vm_cpu)

    @property
    def initial_fragment_rate(self) -> float:
        return fragment_rate(self.initial_free_cpu)

    @property
    def best_known(self) -> None:
        """No published optimum per snapshot: results compare methods with each other."""
        return None

    @property
    def stochastic(self) -> bool:
        """A snapshot is fully known: best-of-K sampling is fair."""
        return False

    def __repr__(self) -> str:
        return (
            f"VMSnapshot({self.name!r}, {self.num_pms} PMs, {self.num_vms} VMs, mnl={self.mnl}, group={self.group!r})"
        )


def _array(instance: VMSnapshot, name: str, ndim: int, where: str) -> np.ndarray:
    """The field as an int64 array of `ndim` dimensions, or a clear error naming it."""
    value = np.asarray(getattr(instance, name))
    if value.ndim != ndim or (value.size and not np.issubdtype(value.dtype, np.number)):
        raise InstanceFormatError(
            f"{name} must be a {ndim}-D array of integers, got {value.dtype} {value.shape}", source=where
        )
    if value.size and not np.issubdtype(value.dtype, np.integer) and not np.all(value == np.round(value)):
        raise InstanceFormatError(f"{name} must hold whole numbers", source=where)
    array = value.astype(np.int64)
    object.__setattr__(instance, name, array)
    return array
