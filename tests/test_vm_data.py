"""VM snapshots: the bundled VMR2L files, the JSON reader's errors (each naming the field's
JSON path), and the seeded generator."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from schedrl.envs.vm.benchmarks import CATALOG, LIBRARY
from schedrl.envs.vm.generator import NUMA_CPU, SnapshotGenerator, calibration, generate_set
from schedrl.envs.vm.instance import AntiAffinity, VMSnapshot
from schedrl.envs.vm.parser import parse_snapshot, read_snapshot
from schedrl.errors import ConfigError, InstanceFormatError, UnknownNameError

# Two PMs in two racks, three VMs: a single-NUMA VM on pm_a's node 1, a double-NUMA VM (8 + 8
# vCPU) on pm_b, and a pinned 2-vCPU VM on pm_b's node 0. pm_off is DISABLED, with a VM on it.
TINY: dict[str, Any] = {
    "cluster_list": [
        {
            "cluster_name": "c1",
            "host_info": [
                {"node_id": "pm_a", "status": "ACTIVE", "node_cpu": 88, "node_mem_mb": 368776.0, "rack_id": 7,
                 "numa": [{"node": 0, "total_cpu": 44, "free_cpu": 44.0, "memory_huge_total_mb": 184388.0,
                           "memory_huge_free_mb": 0.0},
                          {"node": 1, "total_cpu": 44, "free_cpu": 40.0, "memory_huge_total_mb": 184388.0,
                           "memory_huge_free_mb": 0.0}]},
                {"node_id": "pm_off", "status": "DISABLED", "node_cpu": 88, "node_mem_mb": 368776.0, "rack_id": 7,
                 "numa": []},
            ],
            "vm_type_info": [],
            "vm_instance": [
                {"instance_id": "vm_x", "instance_type": "xlarge", "host_id": "pm_a", "allow_migration": True,
                 "numa": [{"node": 1, "cpu": 4, "mem_mb": 8192.0}]},
                {"instance_id": "vm_gone", "instance_type": "xlarge", "host_id": "pm_off", "allow_migration": True,
                 "numa": [{"node": 0, "cpu": 4, "mem_mb": 8192.0}]},
            ],
            "other_requirement": {"deployment_set": []},
        },
        {
            "cluster_name": "c2",
            "host_info": [
                {"node_id": "pm_b", "status": "ACTIVE", "node_cpu": 44, "node_mem_mb": 200000.0, "rack_id": 3,
                 "numa": [{"node": 1, "total_cpu": 24, "free_cpu": 16.0, "memory_huge_total_mb": 100000.0,
                           "memory_huge_free_mb": 0.0},
                          {"node": 0, "total_cpu": 20, "free_cpu": 10.0, "memory_huge_total_mb": 100000.0,
                           "memory_huge_free_mb": 0.0}]},
            ],
            "vm_type_info": [],
            "vm_instance": [
                {"instance_id": "vm_y", "instance_type": "4xlarge", "host_id": "pm_b", "allow_migration": True,
                 "numa": [{"node": 0, "cpu": 8, "mem_mb": 16384.0}, {"node": 1, "cpu": 8, "mem_mb": 16384.0}]},
                {"instance_id": "vm_z", "instance_type": "large", "host_id": "pm_b", "allow_migration": False,
                 "numa": [{"node": 0, "cpu": 2, "mem_mb": 4096.0}]},
            ],
            "other_requirement": {"deployment_set": [{"granularity": "rack", "data": ["vm_x", "vm_y", "vm_gone"]}]},
        },
    ],
    "vm_type_list": [],
    "general_requirement": {"optimization_objective": 1},
}  # fmt: skip


def _parse(document: Any) -> VMSnapshot:
    return parse_snapshot(json.dumps(document, indent=1), "tiny.json")


def _changed(path: str, value: Any) -> dict[str, Any]:
    """TINY with the value at a dotted path ('cluster_list.0.host_info.0.rack_id') replaced,
    or removed when `value` is ...; a path ending in '+' appends `value` to the list."""
    document = copy.deepcopy(TINY)
    *parents, last = path.split(".")
    node: Any = document
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if last == "+":
        node.append(value)
    elif value is ...:
        del node[int(last) if isinstance(node, list) else last]
    else:
        node[int(last) if isinstance(node, list) else last] = value
    return document


def test_tiny_snapshot_reads_to_the_hand_checked_arrays() -> None:
    snapshot = _parse(TINY)
    assert snapshot.name == "tiny" and snapshot.source == "tiny.json" and snapshot.mnl == 50
    assert snapshot.pm_ids == ("pm_a", "pm_b") and snapshot.vm_ids == ("vm_x", "vm_y", "vm_z")
    np.testing.assert_array_equal(snapshot.numa_cpu, [[44, 44], [20, 24]])  # by node index, not list order
    np.testing.assert_array_equal(snapshot.numa_mem, [[184388, 184388], [100000, 100000]])
    np.testing.assert_array_equal(snapshot.vm_cpu, [4, 16, 2])
    np.testing.assert_array_equal(snapshot.vm_mem, [8192, 32768, 4096])
    np.testing.assert_array_equal(snapshot.vm_double, [False, True, False])
    np.testing.assert_array_equal(snapshot.vm_pm, [0, 1, 1])
    np.testing.assert_array_equal(snapshot.vm_numa, [1, 0, 0])
    np.testing.assert_array_equal(snapshot.vm_migratable, [True, True, False])
    np.testing.assert_array_equal(snapshot.pm_rack, [0, 1])
    assert snapshot.anti_affinity == (AntiAffinity("rack", (0, 1)),)  # vm_gone left with its host
    np.testing.assert_array_equal(snapshot.initial_free_cpu, [[44, 40], [10, 16]])
    assert snapshot.initial_fragment_rate == pytest.approx((12 + 8 + 10 + 0) / 110)


def test_gzip_file_reads_like_the_json(tmp_path: Path) -> None:
    text = json.dumps(TINY)
    (tmp_path / "snap.json").write_text(text)
    (tmp_path / "snap.json.gz").write_bytes(gzip.compress(text.encode()))
    plain, packed = read_snapshot(tmp_path / "snap.json"), read_snapshot(tmp_path / "snap.json.gz", mnl=10)
    assert plain.name == packed.name == "snap" and packed.mnl == 10
    np.testing.assert_array_equal(plain.vm_pm, packed.vm_pm)
    with pytest.raises(InstanceFormatError, match=r"snap\.json: not a valid gzip file"):
        read_snapshot(tmp_path / "snap.json", "json.gz")
    with pytest.raises(InstanceFormatError, match=r"no such file"):
        read_snapshot(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('{"cluster_list": [\n  {"host_info": [}\n]}', r"tiny\.json, line 2: not valid JSON: .*\(column \d+\)"),
        ([], r"tiny\.json: the document: expected an object \{\.\.\.\}, got \[\]"),
        (_changed("cluster_list.1.vm_instance.0.host_id", ...),
         r"cluster_list\[1\]\.vm_instance\[0\]\.host_id: missing"),
        (_changed("cluster_list.1.vm_instance.1.numa.0.cpu", "x"),
         r"tiny\.json: cluster_list\[1\]\.vm_instance\[1\]\.numa\[0\]\.cpu: expected an integer, got \"x\""),
        (_changed("cluster_list.1.vm_instance.1.numa.0.mem_mb", 4096.5),
         r"cluster_list\[1\]\.vm_instance\[1\]\.numa\[0\]\.mem_mb: expected an integer, got 4096\.5"),
        (_changed("cluster_list.1.vm_instance.1.numa.0.cpu", True), r"numa\[0\]\.cpu: expected an integer, got true"),
        (_changed("cluster_list.1.vm_instance.1.numa.0.cpu", 0),
         r"numa\[0\]\.cpu: expected an integer in 1\.\.2\*\*40"),
        (_changed("cluster_list.1.vm_instance.0.numa.1.cpu", 6),
         r"cluster_list\[1\]\.vm_instance\[0\]\.numa: VM 'vm_y': a double-NUMA VM takes equal halves on nodes 0 and 1, "
         r"got node 0: 8 cpu, 16384 MB and node 1: 6 cpu, 16384 MB"),
        (_changed("cluster_list.1.vm_instance.0.numa.1.node", 0), r"vm_instance\[0\]\.numa: VM 'vm_y': a double-NUMA"),
        (_changed("cluster_list.1.vm_instance.0.numa", []),
         r"vm_instance\[0\]\.numa: VM 'vm_y': expected 1 NUMA entry"),
        (_changed("cluster_list.0.vm_instance.0.host_id", "pm_q"),
         r"cluster_list\[0\]\.vm_instance\[0\]\.host_id: VM 'vm_x' is on host 'pm_q', which no cluster lists"),
        (_changed("cluster_list.1.vm_instance.1.numa.0.cpu", 13),
         r"cluster_list\[1\]\.host_info\[0\]\.numa \(node 0\): the VMs placed there \(vm_y, vm_z\) use 21 cpu, "
         r"above its total_cpu 20"),
        (_changed("cluster_list.1.host_info.0.numa.0.memory_huge_total_mb", 10000.0),
         r"host_info\[0\]\.numa \(node 1\): .* use 16384 memory, above its memory_huge_total_mb 10000"),
        (_changed("cluster_list.1.vm_instance.1.instance_id", "vm_x"),
         r"cluster_list\[1\]\.vm_instance\[1\]\.instance_id: VM 'vm_x' is listed twice \(also at "
         r"cluster_list\[0\]\.vm_instance\[0\]\)"),
        (_changed("cluster_list.1.host_info.0.node_id", "pm_a"),
         r"cluster_list\[1\]\.host_info\[0\]\.node_id: host 'pm_a' is listed twice"),
        (_changed("cluster_list.0.host_info.0.numa.1", ...), r"host_info\[0\]\.numa: expected 2 NUMA nodes, got 1"),
        (_changed("cluster_list.1.other_requirement.deployment_set.0.granularity", "zone"),
         r"deployment_set\[0\]\.granularity: expected one of host, rack, got \"zone\""),
        (_changed("cluster_list.1.other_requirement.deployment_set.0.data.+", "vm_nope"),
         r"deployment_set\[0\]\.data\[3\]: VM 'vm_nope' is not in any cluster's vm_instance"),
        (_changed("cluster_list.1.host_info.0.rack_id", 7),
         r"cluster_list\[1\]\.other_requirement\.deployment_set\[0\]: anti-affinity \(rack\): VMs 'vm_x' and 'vm_y' "
         r"share the rack of host 'pm_b'"),
        (_changed("cluster_list.0.vm_instance.0.allow_migration", "yes"), r"allow_migration: expected true or false"),
        (_changed("cluster_list", {}), r"cluster_list: expected a list \[\.\.\.\], got \{\}"),
    ],
)  # fmt: skip
def test_malformed_snapshot_names_the_field(document: Any, message: str) -> None:
    with pytest.raises(InstanceFormatError, match=message):
        parse_snapshot(document if isinstance(document, str) else json.dumps(document, indent=1), "tiny.json")


def test_hosts_that_are_not_active_are_dropped_with_their_vms() -> None:
    document = _changed("cluster_list.0.host_info.0.status", "OUTAGE")
    document["cluster_list"][1]["other_requirement"]["deployment_set"] = []
    snapshot = _parse(document)
    assert snapshot.pm_ids == ("pm_b",) and snapshot.vm_ids == ("vm_y", "vm_z")
    with pytest.raises(InstanceFormatError, match=r"cluster_list: no ACTIVE host"):
        _parse({"cluster_list": [document["cluster_list"][0]]})


def test_bundled_snapshots_give_the_published_figures() -> None:
    assert LIBRARY.names() == ["large_1176pm", "medium_279pm"]
    assert LIBRARY.groups["vmr2l"] == ("large_1176pm", "medium_279pm")
    for name, pms, vms, rate in (("medium_279pm", 279, 2089, 0.9770), ("large_1176pm", 1176, 4546, 0.6003)):
        snapshot = LIBRARY.load(name)
        assert (snapshot.num_pms, snapshot.num_vms) == (pms, vms)
        assert round(snapshot.initial_fragment_rate, 4) == rate
        assert round(snapshot.initial_fragment_rate, 6) == LIBRARY.bounds[name]["initial_fragment_rate"]
        assert snapshot.group == name.split("_")[0] and snapshot.name == name
        assert (snapshot.numa_cpu == 44).all() and snapshot.vm_migratable.all() and not snapshot.anti_affinity
    assert LIBRARY.load("medium_279pm").pm_rack.max() == 9 and LIBRARY.load("large_1176pm").pm_rack.max() == 39
    with pytest.raises(UnknownNameError, match=r"Did you mean 'medium_279pm'"):
        CATALOG.as_instance("medium_280pm")


def test_bundled_files_are_the_upstream_bytes() -> None:
    """The README's sha256 of the uncompressed originals: the data is only gzip-compressed."""
    folder = LIBRARY.data_dir
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for name in LIBRARY.names():
        digest = hashlib.sha256(gzip.decompress((folder / "instances" / f"{name}.json.gz").read_bytes())).hexdigest()
        assert digest in readme
    assert "Apache License" in (folder / "LICENSE-Apache-2.0.txt").read_text(encoding="utf-8")


def _check_capacity(snapshot: VMSnapshot) -> None:
    assert (snapshot.used(snapshot.vm_cpu) <= snapshot.numa_cpu).all()
    assert (snapshot.used(snapshot.vm_mem) <= snapshot.numa_mem).all()
    assert (snapshot.vm_cpu[snapshot.vm_double] % 2 == 0).all()


def test_generator_is_seeded_and_respects_capacity() -> None:
    generator = SnapshotGenerator(num_pms=[15, 30])
    first, again = generator.sample_set(3, seed=5), generator.sample_set(3, seed=5)
    for one, two in zip(first, again, strict=True):
        assert one.name == two.name and one.num_pms == two.num_pms
        for field in ("vm_cpu", "vm_mem", "vm_double", "vm_pm", "vm_numa", "pm_rack"):
            np.testing.assert_array_equal(getattr(one, field), getattr(two, field))
        _check_capacity(one)
        assert 15 <= one.num_pms <= 30 and one.group == f"generated_{one.num_pms}pm"
        assert one.vm_ids[0] == "vm_0" and one.pm_ids[0] == "pm_0"
        util = 1 - one.initial_free_cpu.sum() / one.numa_cpu.sum()
        assert 0.85 <= util <= 0.95
    other = generator.sample_set(1, seed=6)[0]
    assert other.num_pms != first[0].num_pms or not np.array_equal(other.vm_cpu, first[0].vm_cpu)
    assert [s.name for s in generate_set({"num_pms": 5}, 2, 7)] == ["gen_s7_0000", "gen_s7_0001"]


def test_generator_default_is_the_calibrated_high_load_setting() -> None:
    """At VMR2L's size (280 PMs), the fragment rate and load the module docstring reports."""
    figures = calibration(seeds=5)
    assert 0.5 <= figures["fragment_rate"][0] <= 0.6
    assert 1900 <= figures["vms"][0] <= 2400
    assert 0.75 <= figures["share_pms_above_80"][0] <= 0.85
    rng = np.random.default_rng(0)
    snapshot = SnapshotGenerator(num_pms=280).sample(rng)
    _check_capacity(snapshot)
    assert snapshot.vm_double.any() and set(np.unique(snapshot.vm_cpu)) <= {2, 4, 8, 16, 32, 64, 88}
    single = SnapshotGenerator(num_pms=30, double_numa=False).sample(rng)
    _check_capacity(single)
    assert not single.vm_double.any() and single.vm_cpu.max() <= NUMA_CPU
    assert SnapshotGenerator().sample(rng).num_pms == 20


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"num_pms": 0}, r"num_pms: need 1 <= low <= high"),
        ({"num_pms": [30, 10]}, r"num_pms: need 1 <= low <= high"),
        ({"target_cpu_util": 1.5}, r"target_cpu_util: expected a number in \(0, 1\], got 1\.5"),
        ({"target_cpu_util": 0}, r"target_cpu_util: expected a number in \(0, 1\], got 0"),
        ({"best_fit_share": float("nan")}, r"best_fit_share: expected a number in \[0, 1\], got nan"),
        ({"churn": "lots"}, r"churn: expected a number in \[0, 100\], got 'lots'"),
        ({"double_numa": "no"}, r"double_numa: expected true or false, got 'no'"),
        ({"mnl": -1}, r"mnl: expected an integer >= 0"),
    ],
)
def test_generator_config_errors_name_the_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SnapshotGenerator(**fields)


def test_generated_set_spec_goes_through_the_catalog() -> None:
    snapshots = CATALOG.load_set({"kind": "generated", "count": 2, "seed": 1, "num_pms": [8, 12], "mnl": 10})
    assert [s.mnl for s in snapshots] == [10, 10]
    with pytest.raises(ConfigError, match=r"instances: churning is not a VM snapshot generator field"):
        CATALOG.load_set({"kind": "generated", "count": 1, "churning": 1})
