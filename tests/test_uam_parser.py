"""UAM scenario files: a network listed vertiport by vertiport and one given as a city layout
read to their `UAMInstance` fields; every malformed input names the file, the line and the
key (for a vertiport, the line its entry starts on)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from schedrl.envs.uam.instance import UAMInstance, Vertiport, city_layout
from schedrl.envs.uam.parser import parse_scenario, read_scenario
from schedrl.errors import InstanceFormatError

# Line numbers matter below: "num_aircraft" is on line 2, "initial" on 6, "vertiports" on 7,
# the entries start on 8, 9 and 10.
SCENARIO = """\
{
  "num_aircraft": 4,
  "seed": 3,
  "demand_rate": 0.5,
  "closure_slots": [1, 3],
  "initial": [0, 0, 1, 2],
  "vertiports": [
    {"name": "hub", "x_km": 0, "y_km": 0, "kind": "hub", "pads": 2, "parking": 6, "chargers": 2},
    {"name": "north", "x_km": 0, "y_km": 10, "kind": "residential", "pads": 1, "parking": 3, "chargers": 1},
    {
      "name": "east",
      "x_km": 12.5,
      "y_km": 0
    }
  ]
}
"""
LAYOUT = """\
{
  "name": "downtown",
  "num_aircraft": 40,
  "layout": {"kind": "city", "vertiports": 8},
  "seed": 11
}
"""


EAST = r"\('east'\): "


def _edit(text: str, line: int, new: str) -> str:
    """`text` with line `line` replaced by `new` (several lines, or none)."""
    lines = text.splitlines()
    lines[line - 1 : line] = new.splitlines()
    return "\n".join(lines) + "\n"


def _write(tmp_path: Path, text: str, name: str = "two_ports.json") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _fails(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    """Reading `text` raises `message` (a regex) after the file's path and `line`."""
    path = _write(tmp_path, text)
    where = re.escape(str(path)) + (f", line {line}" if line is not None else "")
    with pytest.raises(InstanceFormatError, match=f"^{where}: {message}$"):
        read_scenario(path)


def test_listed_vertiports_read_to_their_fields(tmp_path: Path) -> None:
    instance = read_scenario(_write(tmp_path, SCENARIO))
    assert (instance.name, instance.group) == ("two_ports", "files")  # the file's stem names it
    assert (instance.num_aircraft, instance.seed, instance.demand_rate) == (4, 3, 0.5)
    assert instance.closure_slots == (1, 3) and instance.initial == (0, 0, 1, 2)
    assert instance.vertiports == (
        Vertiport("hub", 0, 0, "hub", pads=2, parking=6, chargers=2),
        Vertiport("north", 0, 10, "residential", pads=1, parking=3, chargers=1),
        Vertiport("east", 12.5, 0),  # the defaults: commercial, 2 pads, 6 parking, 2 chargers
    )
    assert instance.vertiports[2].kind == "commercial" and instance.vertiports[2].parking == 6
    assert instance.start_ports.tolist() == [0, 0, 1, 2]
    assert instance.distances[1, 2] == pytest.approx(((12.5**2) + 10**2) ** 0.5)
    # every other field keeps its default
    assert (instance.battery_kwh, instance.seats, instance.num_slots) == (120, 4, 64)
    assert instance.peak_hours == UAMInstance.peak_hours


def test_a_city_layout_reads_to_the_generated_city(tmp_path: Path) -> None:
    instance = read_scenario(_write(tmp_path, LAYOUT, "city.json"))
    assert instance.vertiports == city_layout(8, 40)
    assert instance == dataclasses.replace(UAMInstance(), name="downtown", group="files", seed=11)
    # the layout is sized for the file's fleet
    small = read_scenario(_write(tmp_path, _edit(LAYOUT, 3, '  "num_aircraft": 8,'), "small.json"))
    assert small.vertiports == city_layout(8, 8) and small.num_aircraft == 8


def test_text_reads_as_a_file_does() -> None:
    assert parse_scenario("\ufeff" + SCENARIO, "text", name="two_ports").vertiports[2].name == "east"
    with pytest.raises(InstanceFormatError, match=r"unknown scenario format 'yaml': use auto or json"):
        parse_scenario(SCENARIO, "text", fmt="yaml")


def test_invalid_json_names_its_line(tmp_path: Path) -> None:
    text = _edit(SCENARIO, 3, '  "seed": 3')  # the comma dropped
    _fails(tmp_path, text, 4, r"not valid JSON: Expecting ',' delimiter \(column 3\)")


def test_not_an_object(tmp_path: Path) -> None:
    _fails(tmp_path, "[1, 2]\n", 1, r"a UAM scenario file is a JSON object of scenario fields")


def test_an_unknown_key_suggests_the_close_name(tmp_path: Path) -> None:
    text = _edit(SCENARIO, 2, '  "num_aircarft": 4,')
    _fails(tmp_path, text, 2, r"num_aircarft: is not a scenario field; did you mean 'num_aircraft'\?")
    _fails(tmp_path, _edit(SCENARIO, 4, '  "colour": "red",'), 4, r"colour: is not a scenario field")


def test_the_network_is_given_once(tmp_path: Path) -> None:
    both = _edit(SCENARIO, 2, '  "num_aircraft": 4,\n  "layout": {"kind": "city", "vertiports": 4},')
    message = r"give the network as either vertiports \(a list\) or layout, not both or neither"
    _fails(tmp_path, both, 3, message)
    _fails(tmp_path, '{\n  "num_aircraft": 4\n}\n', 1, message)


@pytest.mark.parametrize(
    ("line", "new", "message"),
    [
        (11, "", r"misses \['name'\]"),
        (13, '      "y_km": 0,\n      "height": 30', r"has unknown keys \['height'\] \(known: \['name', .*\]\)"),
        (13, '      "y_km": 0,\n      "kind": "airport"', EAST + r"kind must be one of .*, got 'airport' \(str\)"),
        (13, '      "y_km": 0,\n      "parking": -2', EAST + r"parking must be an integer >= 1, got -2"),
        (13, '      "y_km": "south"', EAST + r"y_km must be a number, got 'south' \(str\)"),
    ],
    ids=["missing key", "unknown key", "bad kind", "negative parking", "text coordinate"],
)  # fmt: skip
def test_a_bad_vertiport_names_the_line_its_entry_starts_on(tmp_path: Path, line: int, new: str, message: str) -> None:
    _fails(tmp_path, _edit(SCENARIO, line, new), 10, "vertiports: entry 2 " + message)


def test_a_bad_one_line_vertiport_and_a_bad_list(tmp_path: Path) -> None:
    north = '    {"name": "north", "x_km": 0, "y_km": 10, "kind": "residential", "pads": 0},'
    message = r"vertiports: entry 1 \('north'\): pads must be an integer >= 1, got 0"
    _fails(tmp_path, _edit(SCENARIO, 9, north), 9, message)
    _fails(tmp_path, _edit(SCENARIO, 9, '    "north",'), 9, r"vertiports: entry 1 is not an object: 'north'")
    not_a_list = '{\n  "num_aircraft": 4,\n  "vertiports": {"hub": 1}\n}\n'
    _fails(tmp_path, not_a_list, 3, r"vertiports: expected a list of vertiport objects, got dict")


@pytest.mark.parametrize(
    ("line", "new", "message"),
    [
        (4, '  "reserve": 2,', r"reserve must be a number in \[0, 0\.99\], got 2"),
        (2, '  "num_aircraft": 0,', r"num_aircraft must be an integer >= 1, got 0"),
        (5, '  "closure_slots": [5, 2],', r"closure_slots must be a pair \[low, high\] of slots, 1 <= low <= high, "
                                      r"got \(5, 2\)"),
        (3, '  "seed": "3",', r"seed must be an integer in \[0, 9223372036854775807\], got '3' \(str\)"),
        (6, '  "initial": [0, 0, 1],', r"initial lists 3 vertiports for 4 aircraft"),
    ],
    ids=["reserve", "num_aircraft", "closure_slots", "seed", "initial length"],
)  # fmt: skip
def test_a_bad_scenario_field_names_its_key_and_line(tmp_path: Path, line: int, new: str, message: str) -> None:
    _fails(tmp_path, _edit(SCENARIO, line, new), line, message)


def test_a_placement_beyond_parking(tmp_path: Path) -> None:
    crowded = _edit(SCENARIO, 6, '  "initial": [1, 1, 1, 1],')  # north parks 3
    _fails(tmp_path, crowded, 6, r"initial puts 4 aircraft at 'north', which parks 3")
    # without `initial` the fleet is spread: 16 aircraft over 6 + 3 + 6 spots cannot be
    fleet = _edit(_edit(SCENARIO, 6, ""), 2, '  "num_aircraft": 16,')
    _fails(tmp_path, fleet, 6, r"16 aircraft do not fit the vertiports' 15 parking spots")


def test_a_bad_layout(tmp_path: Path) -> None:
    grid = _edit(LAYOUT, 4, '  "layout": {"kind": "grid", "vertiports": 8},')
    _fails(tmp_path, grid, 4, r"""layout: expected \{"kind": "city", "vertiports": <count>\}, got .*'grid'.*""")
    _fails(tmp_path, _edit(LAYOUT, 4, '  "layout": {"kind": "city", "vertiports": 1},'), 4,
           r"layout: vertiports must be a whole number >= 2, got 1")  # fmt: skip
    _fails(tmp_path, _edit(LAYOUT, 3, '  "num_aircraft": -1,'), 3, r"num_aircraft: must be a whole number >= 1, got -1")
