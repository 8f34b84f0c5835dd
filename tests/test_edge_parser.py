"""WiOpt 2023 MEC-MORL scenario files: the "multi-edge" section read to its EdgeInstance
fields, every WiOpt key to its field, and one test per malformed input (file, line and
key); then the generator's config errors and the instance's field errors, each naming the
field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from schedrl.envs.core.generation import build_generator
from schedrl.envs.edge.benchmarks import CATALOG
from schedrl.envs.edge.env import EdgeOffloadEnv
from schedrl.envs.edge.generator import ScenarioGenerator
from schedrl.envs.edge.instance import EdgeInstance
from schedrl.envs.edge.parser import parse_scenario, read_scenario
from schedrl.errors import ConfigError, InstanceFormatError

# The MEC-MORL code's "multi-edge" section (its keys in its order, `edge_num` added: the code
# draws the edge count between edge_num_L and edge_num_H, a scenario has one). Line numbers
# matter below: "dt" is on line 4, "cloud_C" on 17, "reward_alpha" on 30.
WIOPT = """\
{
  "multi-edge": {
    "class_literal": "MEC_Env",
    "dt": 1,
    "Tmax": 100,
    "edge_num": 5,
    "user_num": 10,
    "possion_lamda": 1,
    "task_size_L": 0.1e6,
    "task_size_H": 100e6,
    "wave_cycle": 100,
    "wave_peak": 0,
    "cloud_cpu_freq": 4e9,
    "edge_cpu_freq": 2e9,
    "cloud_cpu_freq_peak": 1e9,
    "edge_cpu_freq_peak": 0.5e9,
    "cloud_C": 1e3,
    "edge_C": 1e3,
    "cloud_k": 5e-31,
    "edge_k": 5e-31,
    "cloud_off_power": 0.01,
    "edge_off_power": 0.01,
    "cloud_user_dist_L": 1000,
    "cloud_user_dist_H": 2000,
    "edge_user_dist_L": 50,
    "edge_user_dist_H": 500,
    "cloud_off_band_width": 16.6e6,
    "edge_off_band_width": 16.6e6,
    "noise_dBm": -174,
    "reward_alpha": 0.5
  }
}
"""


def _edit(text: str, line: int, new: str) -> str:
    lines = text.splitlines()
    lines[line - 1 : line] = new.splitlines()
    return "\n".join(lines) + "\n"


def test_the_multi_edge_section_reads_to_its_fields() -> None:
    instance = parse_scenario(WIOPT, "wiopt.json")
    assert (instance.name, instance.group) == ("multi-edge", "files")  # the section names it
    assert (instance.num_edges, instance.num_users, instance.horizon, instance.step_seconds) == (5, 10, 100, 1.0)
    assert instance.arrival_rate == 1.0 and instance.task_size_range == (0.1e6, 100e6)
    # A CPU frequency and its peak are a range centre +- peak: 4 +- 1 GHz, 2 +- 0.5 GHz.
    assert instance.cloud_freq_range == (3e9, 5e9) and instance.edge_freq_range == (1.5e9, 2.5e9)
    assert (instance.cycles_per_bit, instance.kappa, instance.transmit_power_w) == (1e3, 5e-31, 0.01)
    assert instance.cloud_distance_range == (1000.0, 2000.0) and instance.edge_distance_range == (50.0, 500.0)
    assert (instance.bandwidth_hz, instance.noise_dbm_per_hz) == (16.6e6, -174.0)
    # reward_alpha, wave_cycle and class_literal are read and not used: the preference replaces
    # the code's reward weight, and with wave_peak 0 the wave has no effect.
    assert instance.preference == EdgeInstance.preference and not instance.legacy_rate


def test_every_key_reaches_its_field() -> None:
    """Values unlike the defaults, so a key that were dropped would show."""
    keys = {
        "dt": 0.5, "Tmax": 40, "edge_num": 2, "user_num": 4, "possion_lamda": 2.5, "task_size_L": 1e6,
        "task_size_H": 20e6, "cloud_cpu_freq": 6e9, "cloud_cpu_freq_peak": 2e9, "edge_cpu_freq": [3e9],
        "cloud_C": 500, "edge_C": 500, "cloud_k": 1e-30, "edge_k": 1e-30, "cloud_off_power": 0.1,
        "edge_off_power": 0.1, "cloud_user_dist_L": 800, "cloud_user_dist_H": 900, "edge_user_dist_L": 10,
        "edge_user_dist_H": 20, "cloud_off_band_width": 10e6, "edge_off_band_width": 10e6, "noise_dBm": -170,
        "preference": 0.2, "seed": 9, "legacy_rate": True, "fading": "step", "local_freq": 1e9, "load": 0.5,
        "delay_unit": 10.0, "energy_unit": 1.0, "name": "mine",
    }  # fmt: skip
    instance = parse_scenario(json.dumps(keys, indent=1), "flat.json")  # one section's keys alone
    expected = {
        "name": "mine", "step_seconds": 0.5, "horizon": 40, "num_edges": 2, "num_users": 4, "arrival_rate": 2.5,
        "task_size_range": (1e6, 20e6), "cloud_freq_range": (4e9, 8e9),
        "edge_freq_range": (3e9, 3e9),  # a one-entry list (the single-edge configs), no peak: no spread
        "cycles_per_bit": 500.0, "kappa": 1e-30, "transmit_power_w": 0.1, "cloud_distance_range": (800.0, 900.0),
        "edge_distance_range": (10.0, 20.0), "bandwidth_hz": 10e6, "noise_dbm_per_hz": -170.0, "preference": 0.2,
        "seed": 9, "legacy_rate": True, "fading": "step", "local_freq": 1e9, "load": 0.5, "delay_unit": 10.0,
        "energy_unit": 1.0,
    }  # fmt: skip
    assert {key: getattr(instance, key) for key in expected} == expected


def test_a_file_by_path_and_by_section(tmp_path: Path) -> None:
    single = tmp_path / "wiopt.json"
    single.write_text(WIOPT)
    assert read_scenario(single).name == "multi-edge"
    env = EdgeOffloadEnv(instance=str(single))  # a path is an instance; the envelope fits it
    assert (env.instance.name, env.max_edges) == ("multi-edge", 5)
    # Several sections (the code's config1.json holds many): the format names the one to read.
    section = json.loads(WIOPT)["multi-edge"]
    several = tmp_path / "config1.json"
    several.write_text(json.dumps({"multi-edge": section, "two-edge": section | {"edge_num": 2}}, indent=2))
    assert read_scenario(several, "wiopt:two-edge").num_edges == 2
    assert read_scenario(several, "wiopt:multi-edge").num_edges == 5
    spec = {"kind": "files", "paths": [str(several)], "format": "wiopt:two-edge"}
    assert [i.num_edges for i in CATALOG.load_set(spec)] == [2]  # and so does an instance-set spec


INSTANCE = "edge instance 'multi-edge': "  # how the instance's own checks begin
# (line, new text, line reported, message)
ERRORS = [
    (5, '    "Tmax": 100', 6, r"not valid JSON: Expecting ',' delimiter \(column 5\)"),
    (30, '    "reward_alpha": 0.5,\n    "edge_cpus": 3', 31,
     r"edge_cpus: is not a key of the WiOpt config format nor a scenario field"),
    (18, '    "edge_C": 2e3,', 18,
     r"edge_C: differs from cloud_C \(2000\.0 vs 1000\.0\); this model has one value for both"),
    (20, '    "edge_k": 1e-30,', 20, r"edge_k: differs from cloud_k"),
    (6, '    "edge_num_L": 2, "edge_num_H": 5,', 6,
     r"edge_num_L: a scenario has one edge count: set edge_num \(edge_num_L 2 != edge_num_H 5\)"),
    (12, '    "wave_peak": 0.3,', 12, r"wave_peak: sinusoidal task sizes are not modelled; set it to 0"),
    (19, '    "cloud_k": "5e-31",', 19, r"cloud_k: expected a number, got '5e-31'"),
    (17, '    "cloud_C": true,', 17, r"cloud_C: expected a number, got True"),
    (14, '    "edge_cpu_freq": [2e9, 3e9],', 14,
     r"edge_cpu_freq: expected a number, got \[2000000000\.0, 3000000000\.0\]"),
    # Our own fields beside the WiOpt keys are checked by the instance, and point at their key.
    (30, '    "reward_alpha": 0.5,\n    "preference": 1.5', 31,
     rf"{INSTANCE}preference must be a number in \[0, 1\], got 1\.5"),
    (30, '    "reward_alpha": 0.5,\n    "fading": "block"', 31,
     rf"{INSTANCE}fading must be one of episode, step, got 'block'"),
    # A bad value of a field the WiOpt keys make points at the key it came from.
    (6, '    "edge_num": 0,', 6, rf"{INSTANCE}num_edges must be an integer >= 1, got 0"),
    (4, '    "dt": 0,', 4, rf"{INSTANCE}step_seconds must be a number > 0, got 0\.0"),
    (9, '    "task_size_L": 200e6,', 9,
     rf"{INSTANCE}task_size_range must be a pair \[low, high\] with 0 < low <= high, "
     r"got \(200000000\.0, 100000000\.0\)"),
    # 2 +- 3 GHz reaches below 0: the range is bad, and the line is the centre frequency's.
    (16, '    "edge_cpu_freq_peak": 3e9,', 14,
     rf"{INSTANCE}edge_freq_range must be a pair .* got \(-1000000000\.0, 5000000000\.0\)"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "new", "at", "message"), ERRORS)
def test_malformed_scenarios_name_file_line_and_key(line: int, new: str, at: int, message: str) -> None:
    with pytest.raises(InstanceFormatError, match=rf"^bad\.json, line {at}: {message}") as error:
        parse_scenario(_edit(WIOPT, line, new), "bad.json")
    assert (error.value.source, error.value.line) == ("bad.json", at)


# Mistakes about the whole file: no one line is at fault.
FILE_ERRORS = [
    ("several sections", {"multi-edge": {"dt": 1}, "single": {"dt": 1}}, "auto",
     r"the file has several sections \['multi-edge', 'single'\]: choose one with format wiopt:<section>"),
    ("unknown section", {"multi-edge": {"dt": 1}}, "wiopt:single",
     r"no section 'single'; the file has \['multi-edge'\]"),
    ("unknown format", {"dt": 1}, "json", r"unknown scenario format 'json': use auto, wiopt or wiopt:<section>"),
    ("half a range", {"task_size_L": 1e6}, "auto", r"task_size_H: missing: task_size_L and task_size_H go together"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "document", "fmt", "message"), FILE_ERRORS, ids=[e[0] for e in FILE_ERRORS])
def test_file_level_errors_name_the_file(what: str, document: dict[str, Any], fmt: str, message: str) -> None:
    with pytest.raises(InstanceFormatError, match=rf"^bad\.json: {message}"):
        parse_scenario(json.dumps(document, indent=2), "bad.json", fmt)


def test_a_json_list_is_not_a_scenario() -> None:
    with pytest.raises(InstanceFormatError, match=r"^bad\.json, line 1: a scenario file is a JSON object"):
        parse_scenario("[1, 2]", "bad.json")


def test_unreadable_files_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(InstanceFormatError, match=rf"^{re.escape(str(tmp_path / 'none.json'))}: no such file"):
        read_scenario(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text(_edit(WIOPT, 18, '    "edge_C": 2e3,'))
    with pytest.raises(InstanceFormatError, match=rf"^{re.escape(str(tmp_path / 'bad.json'))}, line 18: edge_C"):
        read_scenario(tmp_path / "bad.json")


# ----------------------------------------------------------------------------- generator and instance fields


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"num_edges": 0}, r"generator\.num_edges must be an integer >= 1, got 0"),
        ({"num_edges": []}, r"generator\.num_edges: the list of values is empty"),
        (
            {"preference": "sometimes"},
            r"generator\.preference must be a number in \[0, 1\], a list of them or 'uniform'",
        ),
        (
            {"preference": [0.2, 1.5]},
            r"generator\.preference must be a number in \[0, 1\], got 1\.5",
        ),
        ({"fading": "block"}, r"generator\.fading must be one of episode, step, got 'block'"),
        ({"horizon": 0}, r"generator\.horizon must be an integer >= 1, got 0"),
        ({"num_edge": 3}, r"generator\.num_edge is not a generator field; its fields: \['fading', 'horizon'"),
    ],
)
def test_generator_errors_name_the_field(fields: dict[str, Any], message: str) -> None:
    """As the env's `generator=` dict (build_generator), the way configs reach it."""
    with pytest.raises(ConfigError, match=message):
        build_generator(ScenarioGenerator, fields)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"num_edges": 0}, r"num_edges must be an integer >= 1, got 0"),
        (
            {"task_size_range": [5, 1]},
            r"task_size_range must be a pair \[low, high\] with 0 < low <= high, got \(5, 1\)",
        ),
        ({"edge_freq_range": (0.0, 1e9)}, r"edge_freq_range must be a pair \[low, high\] with 0 < low <= high"),
        ({"preference": 1.5}, r"preference must be a number in \[0, 1\], got 1\.5"),
        ({"legacy_rate": "no"}, r"legacy_rate must be true or false, got 'no'"),
        ({"local_freq": -1.0}, r"local_freq must be a number >= 0"),
    ],
)
def test_instance_field_errors_name_the_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InstanceFormatError, match=rf"^edge instance 'x': {message}"):
        EdgeInstance(name="x", **fields)


def test_a_range_given_as_a_list_is_stored_as_a_tuple() -> None:
    """Configs give ranges as lists; the instance stays hashable."""
    instance = EdgeInstance(task_size_range=[1e6, 2e6])  # type: ignore[arg-type]
    assert instance.task_size_range == (1e6, 2e6) and isinstance(hash(instance), int)


def test_wiopt_task_sizes_follow_its_rate_and_step() -> None:
    """WiOpt's mean size is the capacity in bits per second whatever λ and dt: load = λ / dt."""
    assert parse_scenario('{"possion_lamda": 2, "dt": 0.5, "edge_num": 2}').load == pytest.approx(4.0)
    assert parse_scenario('{"possion_lamda": 2, "load": 1.0, "edge_num": 2}').load == 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"Tmax": 10,\n "multi-edge": {"dt": 1}}', r"line 2: the file mixes sections \['multi-edge'\] with keys"),
        ('{"edge_num_H": 3}', r"line 1: edge_num_H: set edge_num \(a scenario has one edge count\)"),
    ],
)
def test_layout_mistakes_are_named(text: str, message: str) -> None:
    with pytest.raises(InstanceFormatError, match=message):
        parse_scenario(text)


def test_a_whole_float_edge_count_reads() -> None:
    assert parse_scenario('{"edge_num": 3.0}').num_edges == 3
