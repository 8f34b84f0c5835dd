"""Seeded synthetic VM snapshots in the style of VMR2L's clusters: PMs of two 44-vCPU NUMA nodes,
VM flavours and double-NUMA shares as measured in the bundled medium snapshot, and a placement
history that leaves fragments.

Recipe: a fill phase places VMs drawn from the flavour mix until the cluster's cpu use reaches
`target_cpu_util`, each by best fit (the feasible NUMA node, or PM for a double-NUMA VM, with the
least cpu left) with probability `best_fit_share`, otherwise on a uniformly drawn feasible one;
a VM that fits nowhere is dropped (a rejected request). Then `churn` x (VMs placed) events each
delete a random VM and create new ones by the same policy until the use is back at the target.
Best fit packs PMs full; random placement and churn leave free cpu scattered in pieces smaller
than 16 vCPU, which is what the fragment rate counts.

Calibration, 20 seeds at num_pms=280 with the defaults (target_cpu_util 0.9, best_fit_share 0.4,
churn 0.5), printed by `python -c "from schedrl.envs.vm.generator import calibration; print(calibration())"`:
fragment rate 0.553 ± 0.036, 2153 ± 72 VMs, CPU use 0.9005 ± 0.0007, 80.6 ± 1.5 % of PMs above
80 % CPU use, 0.035 s per snapshot. Over 200 seeds (`calibration(200)`): fragment rate
0.539 ± 0.038 (range 0.42-0.63), 2170 ± 71 VMs, 80.2 ± 1.4 % of PMs above 80 %. VMR2L's test
setting: FR about 0.5-0.6, about 80 % of PMs above 80 %, about 2,000 VMs. There are a few more
VMs than the flavour mix gives at 90 % (about 2,000): near the target a 64- or 88-vCPU VM more
often fits nowhere, so their share falls from 6.2 to about 5 %. More best fit lowers the
fragment rate (0.46 at 0.5, 0.39 at 0.7, over 10 seeds); more churn raises it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from schedrl.envs.core.generation import SetGenerator, seeded_set
from schedrl.envs.core.instances import size_range
from schedrl.envs.vm.instance import NUMA_PER_PM, VMSnapshot
from schedrl.errors import ConfigError

SizeSpec = int | tuple[int, int] | list[int]

# PMs as in both bundled snapshots: 88 vCPU and 368,776 MB in two NUMA nodes.
NUMA_CPU = 44
NUMA_MEM = 184_388
PMS_PER_RACK = 10
MAX_PMS = 100_000  # beyond this a size is a typo, not a cluster to allocate for
MEM_PER_CPU = 2048  # MB per vCPU of every VM in the medium snapshot

# Computed from the bundled medium snapshot (medium_279pm, 2089 VMs) and hard-coded: VMs per
# flavour (vCPU) and, of those, how many are double-NUMA. Shares: 16.1/43.5/17.6/11.0/5.3/6.2/0.2 %
# of VMs; double-NUMA 0/0.3/15.5/20.0/45.0/100/100 %.
FLAVOUR_CPU = np.array([2, 4, 8, 16, 32, 64, 88])
FLAVOUR_VMS = np.array([337, 909, 368, 230, 111, 130, 4])
FLAVOUR_DOUBLE = np.array([0, 3, 57, 46, 50, 130, 4])

_MAX_MISSES = 10  # VMs in a row that fit nowhere: the cluster is full at this target


@dataclass(frozen=True)
class SnapshotGenerator:
    """`num_pms` is an int or an inclusive [low, high] range drawn per snapshot, `mnl` one
    limit or a list drawn from per snapshot; `max_vms_per_pm` caps the VMs (the fill stops
    there; about 7.7 per PM at the defaults, so it does not bind) and sizes the env's
    observation when no snapshot is given. The defaults
    are VMR2L's high-load setting; `gymnasium.make` without a generator uses them at 20 PMs.
    `double_numa=False` makes every VM single-NUMA and leaves out the flavours larger than a
    NUMA node (64 and 88 vCPU)."""

    kind: ClassVar[str] = "VM snapshot"
    num_pms: SizeSpec = 20
    target_cpu_util: float = 0.9
    best_fit_share: float = 0.4
    churn: float = 0.5
    double_numa: bool = True
    mnl: int | list[int] = 50
    max_vms_per_pm: int = 12

    @property
    def largest(self) -> tuple[int, int]:
        """(PMs, VMs) of the largest snapshot it can draw: the env's default envelope."""
        pms = size_range("num_pms", self.num_pms)[1]
        return pms, pms * self.max_vms_per_pm

    @property
    def limits(self) -> list[int]:
        """The migration limits drawn from, one per snapshot."""
        return list(self.mnl) if isinstance(self.mnl, (list, tuple)) else [self.mnl]

    def __post_init__(self) -> None:
        if size_range("num_pms", self.num_pms)[1] > MAX_PMS:
            raise ConfigError(f"num_pms: at most {MAX_PMS}, got {self.num_pms!r}")
        _number("target_cpu_util", self.target_cpu_util, 0.0, 1.0, low_open=True)
        _number("best_fit_share", self.best_fit_share, 0.0, 1.0)
        _number("churn", self.churn, 0.0, 100.0)
        if not isinstance(self.double_numa, (bool, np.bool_)):
            raise ConfigError(f"double_numa: expected true or false, got {self.double_numa!r}")
        if not self.limits or any(
            isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 0 for m in self.limits
        ):
            raise ConfigError(
                f"mnl: expected an integer >= 0 (the migration limit) or a list of them, got {self.mnl!r}"
            )
        if isinstance(self.max_vms_per_pm, bool) or not isinstance(self.max_vms_per_pm, int) or self.max_vms_per_pm < 1:
            raise ConfigError(f"max_vms_per_pm: expected an integer >= 1, got {self.max_vms_per_pm!r}")

    def sample(self, rng: np.random.Generator, name: str = "generated") -> VMSnapshot:
        low, high = size_range("num_pms", self.num_pms)
        pms = int(rng.integers(low, high + 1))
        mnl = self.limits[int(rng.integers(len(self.limits)))]
        cluster = _Cluster(pms, rng, self)
        target = self.target_cpu_util * cluster.capacity
        cluster.fill(target)
        for _ in range(round(self.churn * len(cluster.alive))):
            if not cluster.alive:
                break
            cluster.delete(int(rng.integers(len(cluster.alive))))
            cluster.fill(target)
        vms = np.sort(np.array(cluster.alive, dtype=np.int64))
        vm_cpu = np.array(cluster.cpu, dtype=np.int64)[vms]
        vm_node = np.array(cluster.node, dtype=np.int64)[vms]
        return VMSnapshot(
            name=name,
            numa_cpu=np.full((pms, NUMA_PER_PM), NUMA_CPU, dtype=np.int64),
            numa_mem=np.full((pms, NUMA_PER_PM), NUMA_MEM, dtype=np.int64),
            vm_cpu=vm_cpu,
            vm_mem=vm_cpu * MEM_PER_CPU,
            vm_double=np.array(cluster.double, dtype=bool)[vms],
            vm_pm=vm_node // NUMA_PER_PM,
            vm_numa=vm_node % NUMA_PER_PM,
            pm_rack=np.arange(pms) // PMS_PER_RACK,
            mnl=int(mnl),
            group=f"generated_{pms}pm",
        )

    def sample_set(self, count: int, seed: int) -> list[VMSnapshot]:
        return seeded_set(self.sample, count, seed)


def _number(key: str, value: object, low: float, high: float, low_open: bool = False) -> None:
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    x = float(value) if number else math.nan  # type: ignore[arg-type]
    if not (low < x if low_open else low <= x) or not x <= high:  # NaN fails both
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}]"
        raise ConfigError(f"{key}: expected a number in {interval}, got {value!r}")


class _Cluster:
    """The placement being built: free cpu and memory per NUMA node (flat index 2 * pm + numa)
    and every VM created so far (deleted ones stay in the lists, out of `alive`)."""

    def __init__(self, pms: int, rng: np.random.Generator, generator: SnapshotGenerator):
        self.rng = rng
        self.best_fit_share = generator.best_fit_share
        self.max_vms = pms * generator.max_vms_per_pm
        shares = FLAVOUR_VMS.astype(float)
        double = FLAVOUR_DOUBLE / FLAVOUR_VMS
        if not generator.double_numa:
            shares[FLAVOUR_CPU > NUMA_CPU] = 0.0
            double = np.zeros_like(double)
        self.cumulative = np.cumsum(shares / shares.sum())
        self.double_share = double
        self.free_cpu = np.full(pms * NUMA_PER_PM, NUMA_CPU, dtype=np.int64)
        self.free_mem = np.full(pms * NUMA_PER_PM, NUMA_MEM, dtype=np.int64)
        self.capacity = float(self.free_cpu.sum())
        self.used = 0
        self.cpu: list[int] = []
        self.double: list[bool] = []
        self.node: list[int] = []  # node 0 of the PM for a double-NUMA VM
        self.alive: list[int] = []

    def fill(self, target: float) -> None:
        misses = 0
        while self.used < target and misses < _MAX_MISSES and len(self.alive) < self.max_vms:
            misses = 0 if self.create() else misses + 1

    def create(self) -> bool:
        """Draw a VM from the flavour mix and place it; False if it fits nowhere."""
        rng = self.rng
        flavour = min(int(np.searchsorted(self.cumulative, rng.random(), side="right")), FLAVOUR_CPU.size - 1)
        cpu = int(FLAVOUR_CPU[flavour])
        double = bool(rng.random() < self.double_share[flavour])
        best_fit = bool(rng.random() < self.best_fit_share)
        share = cpu // 2 if double else cpu  # per NUMA node
        fits = (self.free_cpu >= share) & (self.free_mem >= share * MEM_PER_CPU)
        if double:
            fits = fits[0::2] & fits[1::2]  # per PM: both nodes
        candidates = np.flatnonzero(fits)
        if candidates.size == 0:
            return False
        if best_fit:
            left = self.free_cpu.reshape(-1, NUMA_PER_PM).sum(axis=1) if double else self.free_cpu
            chosen = int(candidates[np.argmin(left[candidates])])
        else:
            chosen = int(candidates[rng.integers(candidates.size)])
        node = NUMA_PER_PM * chosen if double else chosen
        self.cpu.append(cpu)
        self.double.append(double)
        self.node.append(node)
        self.alive.append(len(self.cpu) - 1)
        self._take(len(self.cpu) - 1, +1)
        return True

    def delete(self, position: int) -> None:
        """Delete the VM at `position` of `alive` (swapped with the last, for O(1))."""
        vm = self.alive[position]
        self.alive[position] = self.alive[-1]
        self.alive.pop()
        self._take(vm, -1)

    def _take(self, vm: int, sign: int) -> None:
        cpu, node = self.cpu[vm], self.node[vm]
        nodes = slice(node, node + NUMA_PER_PM) if self.double[vm] else slice(node, node + 1)
        share = cpu // 2 if self.double[vm] else cpu
        self.free_cpu[nodes] -= sign * share
        self.free_mem[nodes] -= sign * share * MEM_PER_CPU
        self.used += sign * cpu


generate_set = SetGenerator(SnapshotGenerator)


def calibration(seeds: int = 20, num_pms: int = 280) -> dict[str, tuple[float, float]]:
    """Mean and standard deviation over `seeds` snapshots of the default generator at `num_pms`
    (seeds 0..seeds-1), for the figures in the module docstring."""
    import time

    rows = []
    generator = SnapshotGenerator(num_pms=num_pms)
    for seed in range(seeds):
        start = time.perf_counter()
        snapshot = generator.sample(np.random.default_rng(seed))
        seconds = time.perf_counter() - start
        pm_use = 1 - snapshot.initial_free_cpu.sum(axis=1) / snapshot.numa_cpu.sum(axis=1)
        util = 1 - snapshot.initial_free_cpu.sum() / snapshot.numa_cpu.sum()
        rows.append((snapshot.initial_fragment_rate, snapshot.num_vms, util, float((pm_use > 0.8).mean()), seconds))
    table = np.array(rows)
    keys = ("fragment_rate", "vms", "cpu_util", "share_pms_above_80", "seconds")
    return {
        key: (round(float(table[:, i].mean()), 4), round(float(table[:, i].std()), 4)) for i, key in enumerate(keys)
    }
