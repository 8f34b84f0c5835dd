"""Parsers, bundled benchmarks and the generator: real data in, clear errors out."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedrl import envs
from schedrl.envs.jobshop import (
    JobShopGenerator,
    JobShopInstance,
    benchmark_groups,
    benchmark_names,
    load_benchmark,
    load_group,
)
from schedrl.envs.jobshop.benchmarks import CATALOG, as_instance
from schedrl.envs.jobshop.instance import MAX_TOTAL_DURATION
from schedrl.envs.jobshop.parser import format_standard, format_taillard, parse_instance, read_instance
from schedrl.envs.jobshop.state import NEVER

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


def test_gaps_and_optimality_use_the_right_bound() -> None:
    # swv07 is open: lower bound 1541 < best-known upper bound 1594 (data/bounds.json).
    # Gaps are measured against the upper bound; only reaching the lower bound proves optimality.
    swv07 = load_benchmark("swv07")
    assert (swv07.lower_bound, swv07.upper_bound, swv07.best_known) == (1541, 1594, 1594)
    family = envs.family("schedrl/JobShop-v0")
    assert family.objective.gap_percent(1594, swv07.best_known) == 0.0
    assert family.objective.gap_percent(1753.4, swv07.best_known) == pytest.approx(10.0)  # 1.1 * 1594
    assert not family.proven_optimal(swv07, 1594)  # the best known is not proven optimal
    assert family.proven_optimal(swv07, 1541)
    assert not family.proven_optimal(JobShopInstance("x", np.array([[0]]), np.array([[5]])), 5)  # no bound


def test_the_harness_measures_gaps_against_the_upper_bound(tmp_path: Path) -> None:
    from schedrl.envs.evaluation.harness import EvaluationPlan, run_evaluation
    from schedrl.envs.evaluation.store import ResultStore
    from schedrl.envs.jobshop.rules import RULES

    family = envs.family("schedrl/JobShop-v0")
    plan = EvaluationPlan(family, [load_benchmark("swv07")], {"mwkr": RULES["mwkr"]})
    with ResultStore(tmp_path, family.objective.key, family.metrics) as store:
        [row] = list(run_evaluation(plan, store))
    assert row.best_known == 1594 and row.objective > 1594
    assert row.gap_percent == pytest.approx(100 * (row.objective - 1594) / 1594)
    assert not row.proven_optimal


def test_trivial_lower_bound_counts_the_busiest_machine() -> None:
    # Longest job: 5 + 1 = 6. Machine 0 carries every job's first operation: 5 + 5 + 5 = 15.
    three = JobShopInstance("three", np.array([[0, 1], [0, 1], [0, 1]]), np.array([[5, 1], [5, 1], [5, 1]]))
    assert three.trivial_lower_bound == 15
    # And the other way round: one long job (2 + 9 = 11) beats each machine's load (2 + 1, 9 + 1).
    long_job = JobShopInstance("long", np.array([[0, 1], [1, 0]]), np.array([[2, 9], [1, 1]]))
    assert long_job.trivial_lower_bound == 11


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
        # Numbers are ASCII digits after an optional '-': nothing else Python's int() takes.
        ("2 2\n0 1_0 1 3\n0 5 1 3\n", "line 2: job 0: .*expected integers, got '1_0'"),
        ("2 2\n0 ٣ 1 3\n0 5 1 3\n", "line 2: job 0: .*expected integers, got '٣'"),
        ("2 2\n0 ３ 1 3\n0 5 1 3\n", "line 2: job 0: .*expected integers, got '３'"),
        ("2 2\n0 5² 1 3\n0 5 1 3\n", "line 2: job 0: .*expected integers, got '5²'"),
        ("2 2\n0 +5 1 3\n0 5 1 3\n", "line 2: job 0: .*expected integers, got '\\+5'"),
        ("2 2\n0 5\xa01 3\n0 5 1 3\n", "line 2: job 0: .*expected integers, got '5\\\\xa01'"),
        ("2 2\n0 5 1 3\x0b0 5 1 3\n", "line 2: '\\\\x0b' inside a line: lines must end with"),
        ("2 2\n0 5 1 3\u20280 5 1 3\n", "line 2: '\\\\u2028' inside a line"),
        # Trailing junk is trailing junk, in either format, not a reason to switch formats.
        ("2 2\n0 5 1 3\n0 5 1 3\nEOF\n", "line 4: unexpected extra data after the last job line: 'EOF'"),
        ("2 2\n0 5 1 3\n0 5 1 3\n\x00\n", "line 4: unexpected extra data after the last job line: '\\\\x00'"),
        ("2 2\n0 5 1 3\n0 5 1 3\n\x1a", "line 4: unexpected extra data after the last job line: '\\\\x1a'"),
        ("Times\n2 3\n5 7 9\n4 6 8\n1 2 3\n3 1 2\nEOF\n", "line 7: unexpected extra data after the last machines row"),
        ("2 3\n5 7 9\n4 6 8\n1 2 3\n3 1 2\n\x00\n", "line 6: unexpected extra data after the last machines row"),
        ("Times\n2 3\n5 7 9\nfoo\n4 6 8\n1 2 3\n3 1 2\n", "line 4: times row 1: expected integers, got 'foo'"),
        # Numbers too large for the arithmetic: refused with the bound, before any int64 cast.
        (
            "2 2\n0 1099511627777 1 3\n0 5 1 3\n",
            r"line 2: job 0: operation 0: duration 1099511627777 is above the maximum 2\*\*40",
        ),
        ("1 2\n0 1099511627776 1 1\n", r"line 2: job 0: operation 1: the durations up to here sum to 1099511627777"),
        ("2 2\n0 99999999999999999999 1 3\n0 5 1 3\n", r"line 2: job 0: .*'99999999999999999999' is too large"),
        (
            "Times\n1 2\n5 1099511627777\nMachines\n1 2\n",
            r"line 3: job 0: operation 1: duration 1099511627777 is above",
        ),
        ("Times\n1 2\n5 7\nMachines\n1 3\n", "line 5: job 0: operation 1: machine id 2 is out of range 0..1"),
    ],
)
def test_malformed_files_name_file_line_and_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(envs.InstanceFormatError, match=f"^{re.escape(str(path))}(: |, ){message}"):
        read_instance(path)


def test_long_lines_and_tokens_are_quoted_short(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    for text in ("2 2\n0 " + "9" * 10_000 + " 1 3\n0 5 1 3\n", "1 1\n0 5\n" + "x" * 1_000_000):
        path.write_text(text)
        with pytest.raises(envs.InstanceFormatError, match=r"line \d+: .*'\.\.\.") as caught:
            read_instance(path)
        assert len(str(caught.value)) < 300


@pytest.mark.parametrize(
    "variant",
    [
        "\ufeff" + FT06,  # a UTF-8 byte-order mark (Windows editors write one)
        FT06.replace("\n", "\r\n"),
        FT06.replace("\n", "\r"),
        FT06.replace(" ", "\t"),
        "\n".join("  " + line + " \t" for line in FT06.splitlines()) + "\n\n",
        FT06.replace("2 1 0 3", "02 01 00 03") + "# a trailing comment\n",
    ],
    ids=["bom", "crlf", "cr", "tabs", "padding", "leading-zeros"],
)
def test_harmless_variants_read_the_same(tmp_path: Path, variant: str) -> None:
    path = tmp_path / "variant.txt"
    path.write_bytes(variant.encode())
    parsed = read_instance(path)
    np.testing.assert_array_equal(parsed.machines, load_benchmark("ft06").machines)
    np.testing.assert_array_equal(parsed.durations, load_benchmark("ft06").durations)
    bom_taillard = parse_instance("\ufeff" + TAILLARD_2X3, "tai")  # a BOM is not a caption either
    np.testing.assert_array_equal(bom_taillard.durations, [[5, 7, 9], [4, 6, 8]])


@pytest.mark.parametrize(
    ("durations", "message"),
    [
        (np.array([[2**64 - 1, 1]], dtype=np.uint64), r"job 0: operation 0: duration 18446744073709551615 is above"),
        (np.array([[1, 2**63]], dtype=np.uint64), r"job 0: operation 1: duration 9223372036854775808 is above"),
        (np.array([[MAX_TOTAL_DURATION + 1, 0]]), r"job 0: operation 0: duration 1099511627777 is above"),
        (np.array([[2**39, 2**39], [1, 0]], dtype=np.uint64), r"job 1: operation 0: the durations up to here sum to"),
        (
            np.array([[2**70, 1]], dtype=object),
            r"durations must be integers, got dtype object \(numbers beyond 64 bits",
        ),
        (np.array([[2.0**50, 1.0]]), r"durations must be integers, got dtype float64"),
        (np.array([[True, False]]), r"durations must be integers, got dtype bool"),
        (np.array([[-1, 3]], dtype=np.int8), r"job 0: operation 0: duration must be a non-negative integer, got -1"),
    ],
    ids=["uint64-max", "uint64-2^63", "int64-above", "total", "object", "float", "bool", "int8"],
)
def test_durations_beyond_the_limits_are_refused_before_any_cast(durations: np.ndarray, message: str) -> None:
    n, m = durations.shape
    machines = np.tile(np.arange(m), (n, 1))
    with pytest.raises(envs.InstanceFormatError, match=f"^x: {message}"):
        JobShopInstance("x", machines, durations)


def test_durations_at_the_limits_are_accepted_and_the_sentinel_stays_clear() -> None:
    at_limit = JobShopInstance("x", np.array([[0, 1], [1, 0]]), np.array([[MAX_TOTAL_DURATION - 1, 0], [1, 0]]))
    assert at_limit.durations.dtype == np.int64 and int(at_limit.durations.sum()) == MAX_TOTAL_DURATION
    unsigned = JobShopInstance("u", np.array([[0, 1]], dtype=np.uint8), np.array([[2**39, 2**39]], dtype=np.uint64))
    assert unsigned.durations.dtype == np.int64 and unsigned.durations.tolist() == [[2**39, 2**39]]
    # Times stay below 2 * MAX_TOTAL_DURATION (an end is a start plus a duration, a start an
    # earlier end), so they never reach the sentinel, and NEVER + a duration fits int64.
    assert 2 * MAX_TOTAL_DURATION < NEVER < np.iinfo(np.int64).max - MAX_TOTAL_DURATION
    assert 2 * MAX_TOTAL_DURATION < 2**53  # exact as float64: rewards, features and results.csv


def test_generator_refuses_durations_its_instances_could_not_hold() -> None:
    with pytest.raises(envs.ConfigError, match=r"max_duration 1099511627776 over 10x10 operations could exceed"):
        JobShopGenerator(max_duration=MAX_TOTAL_DURATION)
    with pytest.raises(envs.ConfigError, match=r"min_duration and max_duration must be integers, got \(1, 2\.5\)"):
        JobShopGenerator(max_duration=2.5)  # type: ignore[arg-type]
    largest = JobShopGenerator(num_jobs=4, num_machines=4, min_duration=2**36, max_duration=2**36)
    assert int(largest.sample(np.random.default_rng(0)).durations.sum()) == MAX_TOTAL_DURATION


@st.composite
def instances(draw: st.DrawFn) -> JobShopInstance:
    n, m = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    machines = [draw(st.permutations(range(m))) for _ in range(n)]
    largest = draw(st.sampled_from([1, 99, MAX_TOTAL_DURATION // (n * m)]))  # up to the total limit
    durations = draw(st.lists(st.lists(st.integers(0, largest), min_size=m, max_size=m), min_size=n, max_size=n))
    return JobShopInstance("drawn", np.array(machines), np.array(durations, dtype=np.int64))


@given(instance=instances(), fmt=st.sampled_from(["standard", "taillard"]), detect=st.booleans())
def test_writers_and_readers_round_trip(instance: JobShopInstance, fmt: str, detect: bool) -> None:
    text = format_standard(instance) if fmt == "standard" else format_taillard(instance)
    again = parse_instance(text, "again", fmt="auto" if detect else fmt)
    np.testing.assert_array_equal(again.machines, instance.machines)
    np.testing.assert_array_equal(again.durations, instance.durations)


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
