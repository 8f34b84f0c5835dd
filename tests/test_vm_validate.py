"""The VM-rescheduling validator on hand-worked plans: every usage and fragment rate below is
worked out in the comments, not taken from the env, so a shared mistake cannot make both agree."""

from __future__ import annotations

import copy
import struct
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest

from schedrl.envs.vm.instance import AntiAffinity, VMSnapshot
from schedrl.envs.vm.perturbations import perturbations
from schedrl.envs.vm.render import DPI, figure_size, save_plan_picture
from schedrl.envs.vm.validate import plan_violations, validate_plan
from schedrl.errors import InvalidScheduleError

Record = dict[str, Any]


def three_pms() -> VMSnapshot:
    """PMs p0, p1, p2 (racks 0, 1, 1), each with two NUMA nodes of 44 vCPU and 64 MB. VMs:

    | VM | cpu | mem | on      | note                                  |
    |----|-----|-----|---------|---------------------------------------|
    | a  | 8   | 8   | p0 / 0  | host group with e                     |
    | b  | 12  | 8   | p0 / 0  | rack group with c                     |
    | c  | 24  | 32  | p1      | double-NUMA: 12 cpu, 16 MB per node   |
    | d  | 4   | 4   | p1 / 1  | not migratable                        |
    | e  | 28  | 48  | p2 / 0  |                                       |
    | f  | 36  | 8   | p2 / 1  |                                       |

    Used cpu per node (p0/0, p0/1, p1/0, p1/1, p2/0, p2/1): 20, 0, 12, 16, 28, 36; free 24, 44, 32,
    28, 16, 8 (total 152); free mod 16: 8, 12, 0, 12, 0, 8 (total 40). Initial FR = 40/152.
    Used memory: 16, 0, 16, 20, 48, 8.
    """
    return VMSnapshot(
        name="three_pms",
        numa_cpu=np.full((3, 2), 44),
        numa_mem=np.full((3, 2), 64),
        vm_cpu=np.array([8, 12, 24, 4, 28, 36]),
        vm_mem=np.array([8, 8, 32, 4, 48, 8]),
        vm_double=np.array([False, False, True, False, False, False]),
        vm_pm=np.array([0, 0, 1, 1, 2, 2]),
        vm_numa=np.array([0, 0, 0, 1, 0, 1]),
        vm_migratable=np.array([True, True, True, False, True, True]),
        pm_ids=("p0", "p1", "p2"),
        vm_ids=("a", "b", "c", "d", "e", "f"),
        pm_rack=np.array([0, 1, 1]),
        anti_affinity=(AntiAffinity("host", (0, 4)), AntiAffinity("rack", (1, 2))),
        mnl=3,
    )


INITIAL = {"a": ["p0", 0], "b": ["p0", 0], "c": ["p1", 0], "d": ["p1", 1], "e": ["p2", 0], "f": ["p2", 1]}


def plan(migrations: list[list[Any]], fragment_rate: float) -> Record:
    """The record of `migrations`, its placement replayed here by hand."""
    placement = copy.deepcopy(INITIAL)
    for vm, pm, numa in migrations:
        placement[vm] = [pm, numa]
    return {
        "fragment_rate": fragment_rate,
        "initial_fragment_rate": 40 / 152,
        "migrations_used": len(migrations),
        "migrations": migrations,
        "placement": placement,
    }


ZERO = plan([], 40 / 152)
# (a) a (8) to p1/1: free 28 -> 20 there (memory 20 + 8 = 28), p0/0 24 -> 32; a stays off e's p2.
# b (12) to p0/1, within rack 0 (c is on rack 1): p0/0 32 -> 44, p0/1 44 -> 32.
# Free 44, 32, 32, 20, 16, 8 (still 152); mod 16: 12, 0, 0, 4, 0, 8 = 24. FR = 24/152.
PLAN = plan([["a", "p1", 1], ["b", "p0", 1]], 24 / 152)
# (b) a to p1/1 first frees p0/0 (free 32, memory 8 used), so e (28 cpu, 48 MB) fits there, and a is
# no longer on p0 (host group). Free 4, 44, 32, 20, 44, 8; mod 16: 4, 12, 0, 4, 12, 8 = 40. FR = 40/152.
ORDERED = plan([["a", "p1", 1], ["e", "p0", 0]], 40 / 152)


@pytest.mark.parametrize("record", [ZERO, PLAN, ORDERED], ids=["zero", "plan", "ordered"])
def test_hand_made_plans_are_valid(record: Record) -> None:
    validate_plan(three_pms(), record)


def test_migrations_are_checked_one_at_a_time() -> None:
    # The same moves in the other order end in the same placement, but e arrives on p0/0 while
    # a and b are still there: 20 + 28 = 48 cpu, and a shares e's host.
    reversed_order = {**ORDERED, "migrations": ORDERED["migrations"][::-1]}
    assert plan_violations(three_pms(), reversed_order) == [
        "migrations[0] (VM e to PM p0 NUMA 0): PM p0 NUMA 0 would use 48 cpu, above its capacity 44",
        "migrations[0] (VM e to PM p0 NUMA 0) breaks host anti-affinity group 0: VM a is already on PM p0",
    ]


def test_rack_anti_affinity_holds_after_every_move() -> None:
    # Swapping the racks of b and c ends valid (b on rack 1, c on rack 0), but one VM moves first:
    # b to p1/0 joins c on rack 1. (Then c to p0: p0/0 holds a (8) + 12, p0/1 12; p1/0 b's 12, p1/1 d's 4.)
    # Free 24, 32, 32, 40, 16, 8; mod 16: 8, 0, 0, 8, 0, 8 = 24. FR = 24/152.
    swap = plan([["b", "p1", 0], ["c", "p0", 0]], 24 / 152)
    assert plan_violations(three_pms(), swap) == [
        "migrations[0] (VM b to PM p1 NUMA 0) breaks rack anti-affinity group 1: VM c is already on rack 1"
    ]


def test_memory_is_checked_as_well_as_cpu() -> None:
    # e to p1/1: cpu 16 + 28 = 44 fits exactly; memory 20 + 48 = 68 > 64.
    # Free 24, 44, 32, 0, 44, 8; mod 16: 8, 12, 0, 0, 12, 8 = 40. FR = 40/152.
    assert plan_violations(three_pms(), plan([["e", "p1", 1]], 40 / 152)) == [
        "migrations[0] (VM e to PM p1 NUMA 1): PM p1 NUMA 1 would use 68 memory, above its capacity 64"
    ]


def test_a_double_numa_vm_takes_half_of_both_nodes() -> None:
    # c (12 + 12) to p2: p2/0 has 16 free, p2/1 only 8: 36 + 12 = 48 cpu on node 1. Node 0 of p2 is
    # the only node a double-NUMA VM may be given.
    violations = plan_violations(three_pms(), plan([["c", "p2", 1]], 0.0))
    assert violations[:2] == [
        "migrations[0] (VM c to PM p2 NUMA 1): VM c is double-NUMA: it goes to NUMA node 0 (taking half of both nodes)",
        "migrations[0] (VM c to PM p2 NUMA 1): PM p2 NUMA 1 would use 48 cpu, above its capacity 44",
    ]


def test_the_limit_counts_migrations() -> None:
    # a to p1/1 and back, twice: feasible every time and back where it started, but 4 > mnl = 3.
    there_and_back = [["a", "p1", 1], ["a", "p0", 0]] * 2
    assert plan_violations(three_pms(), plan(there_and_back, 40 / 152)) == [
        "the plan makes 4 migrations, above the limit mnl = 3"
    ]


# (c) Every perturbation is rejected, for the reason it is named after.
REASONS = {
    "placement disagrees with the replay": "but replaying the migrations leaves it on",
    "placement lacks a VM": "placement lacks 1 VM(s)",
    "fragment_rate": "but the replayed placement's is",
    "initial_fragment_rate": "but the snapshot's is",
    "migrations_used": "migrations_used is reported as",
    "unknown VM id": "is not a VM id of the snapshot",
    "unknown PM id": "is not a PM id of the snapshot",
    "migration that stays": "is already there (a migration must change its location)",
    "migration limit": "above the limit mnl",
    "destination cpu": "cpu, above its capacity",
    "destination memory": "memory, above its capacity",
    "unmovable VM": "may not be migrated",
    "double-NUMA VM on NUMA node 1": "is double-NUMA",
    "host anti-affinity": "breaks host anti-affinity group 0",
    "rack anti-affinity": "breaks rack anti-affinity group 1",
}


# After PLAN and ORDERED no VM needs more memory than a node it may move to has free:
# no "destination memory" there.
@pytest.mark.parametrize(("record", "count"), [(ZERO, 15), (PLAN, 14), (ORDERED, 14)], ids=["zero", "plan", "ordered"])
def test_every_perturbation_is_rejected(record: Record, count: int) -> None:
    instance = three_pms()
    snapshot = copy.deepcopy(record)
    broken = perturbations(instance, record)
    assert record == snapshot  # the valid record is left untouched
    assert len(broken) == count
    for constraint, bad in broken:
        violations = plan_violations(instance, bad)
        assert any(REASONS[constraint] in line for line in violations), (constraint, violations)
        with pytest.raises(InvalidScheduleError) as raised:
            validate_plan(instance, bad)
        assert raised.value.violations == violations


def test_perturbations_leave_out_what_the_instance_lacks() -> None:
    # Without groups, an unmovable VM or a double-NUMA VM, the copies that need them are left out.
    plain = VMSnapshot(
        name="plain",
        numa_cpu=np.full((2, 2), 44),
        numa_mem=np.full((2, 2), 64),
        vm_cpu=np.array([40, 8]),
        vm_mem=np.array([8, 8]),
        vm_double=np.array([False, False]),
        vm_pm=np.array([0, 1]),
        vm_numa=np.array([0, 0]),
        mnl=0,
    )
    # Free 4, 44, 36, 44; mod 16: 4, 12, 4, 12 = 32 of 128.
    record = {
        "fragment_rate": 32 / 128,
        "initial_fragment_rate": 32 / 128,
        "migrations_used": 0,
        "migrations": [],
        "placement": {"vm_0": ["pm_0", 0], "vm_1": ["pm_1", 0]},
    }
    validate_plan(plain, record)
    broken = dict(perturbations(plain, record))
    assert set(broken) == set(REASONS) - {
        "destination memory",
        "unmovable VM",
        "double-NUMA VM on NUMA node 1",
        "host anti-affinity",
        "rack anti-affinity",
    }
    assert broken["migration limit"]["migrations_used"] == 2  # mnl 0: there and back
    for constraint, bad in broken.items():
        assert any(REASONS[constraint] in line for line in plan_violations(plain, bad)), constraint


# (d) Malformed records give violations, never a traceback.
def edited(change: Any) -> Record:
    broken = copy.deepcopy(PLAN)
    change(broken)
    return broken


MALFORMED = {
    "not a dict": ([PLAN], "must be a dict"),
    "missing key": ({k: v for k, v in PLAN.items() if k != "placement"}, "lacks placement"),
    "string rate": (
        edited(lambda r: r.update(fragment_rate="0.1")),
        "fragment_rate must be a finite number, got '0.1'",
    ),
    "nan rate": (
        edited(lambda r: r.update(initial_fragment_rate=float("nan"))),
        "initial_fragment_rate must be a finite number, got nan",
    ),
    "bool count": (edited(lambda r: r.update(migrations_used=True)), "migrations_used must be an integer"),
    "float count": (edited(lambda r: r.update(migrations_used=2.5)), "migrations_used must be an integer"),
    "migrations not a list": (edited(lambda r: r.update(migrations="a p1 1")), "migrations must be a list"),
    "short migration": (edited(lambda r: r["migrations"][0].pop()), "migrations[0] must be [vm_id, pm_id, numa]"),
    "numa 2": (edited(lambda r: r["migrations"][1].__setitem__(2, 2)), "NUMA node must be 0 or 1, got 2"),
    "numa as text": (edited(lambda r: r["migrations"][1].__setitem__(2, "1")), "NUMA node must be 0 or 1, got '1'"),
    "index as id": (edited(lambda r: r["migrations"][0].__setitem__(0, 0)), "0 is not a VM id"),
    "list as id": (edited(lambda r: r["migrations"][0].__setitem__(1, ["p1"])), "['p1'] is not a PM id"),
    "placement not a dict": (edited(lambda r: r.update(placement=[])), "placement must be a dict"),
    "unknown VM in placement": (edited(lambda r: r["placement"].update(z=["p0", 0])), "1 unknown VM id(s): ['z']"),
    "bad placement entry": (edited(lambda r: r["placement"].update(f=["p9", 1])), "placement of VM f must be"),
    "null placement entry": (edited(lambda r: r["placement"].update(f=None)), "placement of VM f must be"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_records_give_violations(case: str) -> None:
    bad, expected = MALFORMED[case]
    violations = plan_violations(three_pms(), bad)
    assert violations and all(isinstance(line, str) for line in violations)
    assert any(expected in line for line in violations), violations


# (e) The picture.
def test_save_plan_picture_writes_a_png_of_the_figure_size(tmp_path: Path) -> None:
    figures = plt.get_fignums()
    path = tmp_path / "plan.png"
    save_plan_picture(three_pms(), PLAN, path, "three PMs")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == tuple(round(inches * DPI) for inches in figure_size(three_pms()))
    assert plt.get_fignums() == figures  # drawn without pyplot: no figure left open
