"""Parsers, bundled benchmarks and the generator: real data in, clear errors out."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from schedrl import envs
from schedrl.envs.jobshop import JobShopGenerator, benchmark_groups, benchmark_names, load_benchmark, load_group
from schedrl.envs.jobshop.benchmarks import CATALOG, as_instance
from schedrl.envs.jobshop.parser import format_standard, parse_instance, read_instance

FT06 = """6 6
2 1 0 3 1 6 3 7 5 3 4 6
1 8 2 5 4 10 5 10 0 10 3 4
2 5 3 4 5 8 0 9 1 1 4 7
1 5 0 5 2 5 3 3 4 8 5 9
2 9 1 3 4 5 5 4 0 3 3 1
1 3 3 3 5 9 0 10 4 4 2 1
"""

TAILLARD_2X3 = """Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound :
2 3 840612802 398197754 30 20
Times :
5 7 9
4 6 8
Machines :
1 2 3
3 1 2
"""


def test_bundled_benchmarks_load_with_bounds() -> None:
    names = benchmark_names()
    assert len(names) == 242
    groups = benchmark_groups()
    assert len(groups["taillard"]) == 80 and len(groups["dmu"]) == 80 and len(groups["lawrence"]) == 40
    assert all(len(groups[f"taillard_{size}"]) == 10 for size in ("15x15", "20x15", "100x20"))
    ta01 = load_benchmark("ta01")
    assert ta01.shape == (15, 15) and ta01.upper_bound == 1231 and ta01.group == "taillard_15x15"
    assert ta01.machines[0, 0] == 6 and ta01.durations[0, 0] == 94
    for instance in load_group("all"):
        assert instance.lower_bound <= instance.upper_bound
        assert instance.trivial_lower_bound <= instance.lower_bound


def test_standard_format_round_trip_matches_bundled_ft06(tmp_path: Path) -> None:
    parsed = parse_instance(FT06, "ft06")
    bundled = load_benchmark("ft06")
    np.testing.assert_array_equal(parsed.machines, bundled.machines)
    np.testing.assert_array_equal(parsed.durations, bundled.durations)
    path = tmp_path / "copy.txt"
    path.write_text("# a comment line\n" + format_standard(bundled))
    again = read_instance(path)
    np.testing.assert_array_equal(again.durations, bundled.durations)
    assert as_instance(str(path)).name == "copy"


def test_taillard_format_is_detected_and_one_based() -> None:
    instance = parse_instance(TAILLARD_2X3, "tai")
    np.testing.assert_array_equal(instance.machines, [[0, 1, 2], [2, 0, 1]])
    np.testing.assert_array_equal(instance.durations, [[5, 7, 9], [4, 6, 8]])
    bare = "2 3\n5 7 9\n4 6 8\n1 2 3\n3 1 2\n"  # the same without the text lines
    np.testing.assert_array_equal(parse_instance(bare, "tai").machines, instance.machines)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("2 2\n0 5 1 3\n", "line 2: file ends early: expected 2 job lines, found 1"),
        ("2 2\n0 5 1 3\n0 5 1\n", "line 3: job 1: 2 machine/duration pairs: expected 4 integers, got 3"),
        ("2 2\n0 5 1 3\n0 x 1 3\n", "line 3: .*expected integers, got 'x'"),
        ("2 2\n0 5 1 3\n0 -1 1 3\n", "line 3: job 1: operation 0: duration must be a non-negative integer, got -1"),
        ("2 2\n0 5 1 -3\n0 5 1 3\n", "line 2: job 0: operation 1: duration must be a non-negative integer, got -3"),
        ("2 2\n0 5 7 3\n0 5 1 3\n", "line 2: job 0: operation 1: machine id 7 is out of range 0..1"),
        ("2 2\n0 5 0 3\n0 5 1 3\n", "line 2: job 0: visits a machine more than once"),
        ("50000 20\n0 5 1 3\n", "line 2: file ends early: expected 50000 job lines, found 1"),
        ("1000000 20\n", "line 1: header: jobs must be in 1..100000"),
        ("2\n", "line 1: header: expected 'jobs machines'"),
        ("2 2\n0 5 1 3\n0 5 1 3\n0 5 1 3\n", "line 4: unexpected extra data"),
        ("Times\n2 3\n5 7 9\n4 6 8\n1 2 3\n", "line 5: file ends early: expected 2 rows of times and 2 rows"),
        ("Times\n2 3\n5 7 9\n4 6 8\n1 2 3\n0 1 2\n", "line 6: machines row 1: Taillard machine ids are 1-based"),
    ],
)
def test_malformed_files_name_file_line_and_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(envs.InstanceFormatError, match=f"^{re.escape(str(path))}(: |, ){message}"):
        read_instance(path)


def test_unreadable_inputs_have_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(envs.InstanceFormatError, match="no such file"):
        read_instance(tmp_path / "missing.txt")
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(envs.InstanceFormatError, match="not a text file"):
        read_instance(binary)
    with pytest.raises(envs.UnknownNameError, match="Did you mean 'ta01'"):
        as_instance("ta001")


def test_generator_is_seeded_and_taillard_like() -> None:
    generator = JobShopGenerator(num_jobs=15, num_machines=10)
    first, second = generator.sample_set(5, seed=3), generator.sample_set(5, seed=3)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.durations, b.durations)
        np.testing.assert_array_equal(a.machines, b.machines)
    durations = np.concatenate([i.durations.ravel() for i in first])
    assert durations.min() >= 1 and durations.max() <= 99
    assert all(sorted(route) == list(range(10)) for i in first for route in i.machines.tolist())
    with pytest.raises(envs.ConfigError, match="num_jobs"):
        JobShopGenerator(num_jobs=[5, 2])
    with pytest.raises(envs.ConfigError, match="count"):
        generator.sample_set(0, seed=0)


def test_instance_sets_from_config(tmp_path: Path) -> None:
    assert [i.name for i in CATALOG.load_set({"kind": "benchmark", "names": ["ft06", "ft", "ta01"]})] == [
        "ft06",
        "ft10",
        "ft20",
        "ta01",
    ]
    (tmp_path / "a.txt").write_text(FT06)
    (tmp_path / "b.txt").write_text(TAILLARD_2X3)
    files = CATALOG.load_set({"kind": "files", "paths": [str(tmp_path / "*.txt")], "group": "mine"})
    assert [(i.name, i.group) for i in files] == [("a", "mine"), ("b", "mine")]
    generated = CATALOG.load_set({"kind": "generated", "num_jobs": 6, "num_machines": [4, 5], "count": 3, "seed": 1})
    assert len(generated) == 3 and all(i.num_jobs == 6 for i in generated)
    with pytest.raises(envs.ConfigError, match="matches no file"):
        CATALOG.load_set({"kind": "files", "paths": [str(tmp_path / "*.none")]})
    with pytest.raises(envs.UnknownNameError, match=r"instances\.kind"):
        CATALOG.load_set({"kind": "benchmarks"})
