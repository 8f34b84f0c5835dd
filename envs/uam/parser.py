"""UAM scenario files: one JSON object of `UAMInstance` fields. The network is either
`"vertiports"`, a list of objects with `name`, `x_km`, `y_km`, `kind`, `pads`, `parking` and
`chargers`, or `"layout": {"kind": "city", "vertiports": 8}` (the hub-and-spoke city sized
for the file's `num_aircraft`). Every other key is a scenario field (`num_aircraft`, `seed`,
`demand_rate`, `closure_slots`, ...). Errors give the file, the line and the key."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from pathlib import Path
from typing import Any

from schedrl.envs.core.files import parse_json, read_text
from schedrl.envs.uam.instance import UAMInstance, Vertiport, city_layout
from schedrl.errors import ConfigError, InstanceFormatError

_FIELDS = {field.name for field in dataclasses.fields(UAMInstance)} - {"vertiports", "best_known"}
_PORT_FIELDS = tuple(field.name for field in dataclasses.fields(Vertiport))


def read_scenario(path: Path, fmt: str = "auto") -> UAMInstance:
    """`fmt` "auto" or "json"."""
    return parse_scenario(read_text(path), str(path), fmt, Path(path).stem)


def parse_scenario(text: str, source: str = "<text>", fmt: str = "auto", name: str = "scenario") -> UAMInstance:
    if fmt not in ("auto", "json"):
        raise InstanceFormatError(f"unknown scenario format {fmt!r}: use auto or json", source=source)
    document = parse_json(text, source)
    if not isinstance(document, dict):
        raise InstanceFormatError("a UAM scenario file is a JSON object of scenario fields", source=source, line=1)

    def fail(key: str, message: str, line: int | None = None) -> InstanceFormatError:
        return InstanceFormatError(f"{key}: {message}", source=source, line=line or _line_of(text, key))

    for key in document:
        if key not in _FIELDS | {"vertiports", "layout"}:
            close = difflib.get_close_matches(key, sorted(_FIELDS | {"vertiports", "layout"}), n=1)
            raise fail(key, "is not a scenario field" + (f"; did you mean {close[0]!r}?" if close else ""))
    if ("vertiports" in document) == ("layout" in document):
        raise InstanceFormatError("give the network as either vertiports (a list) or layout, not both or neither",
                                  source=source, line=_line_of(text, "layout") or 1)  # fmt: skip
    fields = {key: value for key, value in document.items() if key in _FIELDS}
    fields.setdefault("name", name)
    fields.setdefault("group", "files")
    fleet = fields.get("num_aircraft", 40)
    if "layout" in document:
        fields["vertiports"] = _layout(document["layout"], fleet, fail)
    else:
        fields["vertiports"] = _vertiports(document["vertiports"], fail, text)
    try:
        return UAMInstance(**fields)
    except (InstanceFormatError, TypeError) as error:  # "UAM instance 'x': <field> must be ...": point at its key
        message = str(error).split(": ", 1)[-1]
        field = message.split(" ", 1)[0].split("[", 1)[0]
        if field not in document:  # "11 aircraft do not fit ...", "vertiport names repeat ...": the network's
            field = "vertiports"
        raise InstanceFormatError(message, source=source, line=_line_of(text, field)) from None


def _layout(layout: Any, fleet: Any, fail: Any) -> tuple[Vertiport, ...]:
    if not (isinstance(layout, dict) and layout.get("kind") == "city" and set(layout) == {"kind", "vertiports"}):
        raise fail("layout", f'expected {{"kind": "city", "vertiports": <count>}}, got {layout!r}')
    count = layout["vertiports"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 2:
        raise fail("layout", f"vertiports must be a whole number >= 2, got {count!r}")
    if isinstance(fleet, bool) or not isinstance(fleet, int) or fleet < 1:
        raise fail("num_aircraft", f"must be a whole number >= 1, got {fleet!r}")
    try:
        return city_layout(count, fleet)
    except ConfigError as error:
        raise fail("layout", str(error)) from None


def _vertiports(entries: Any, fail: Any, text: str) -> tuple[Vertiport, ...]:
    """The listed vertiports; an entry's error names the line it starts on."""
    if not isinstance(entries, list):
        raise fail("vertiports", f"expected a list of vertiport objects, got {type(entries).__name__}")
    lines = _entry_lines(text)
    ports = []
    for index, (entry, line) in enumerate(zip(entries, lines, strict=True)):
        if not isinstance(entry, dict):
            raise fail("vertiports", f"entry {index} is not an object: {entry!r}", line)
        missing = [key for key in ("name", "x_km", "y_km") if key not in entry]
        stray = sorted(set(entry) - set(_PORT_FIELDS))
        if missing or stray:
            what = f"misses {missing}" if missing else f"has unknown keys {stray} (known: {list(_PORT_FIELDS)})"
            raise fail("vertiports", f"entry {index} {what}", line)
        port = Vertiport(**entry)
        problem = port.problems()
        if problem:
            raise fail("vertiports", f"entry {index} ({entry['name']!r}): {problem}", line)
        ports.append(port)
    return tuple(ports)


def _entry_lines(text: str) -> list[int]:
    """The line each entry of the (valid JSON) vertiports list starts on."""
    decoder, at = json.JSONDecoder(), re.search(r'"vertiports"\s*:\s*\[', text).end()  # type: ignore[union-attr]
    lines: list[int] = []
    while True:
        while text[at] in " \t\r\n,":
            at += 1
        if text[at] == "]":
            return lines
        lines.append(text.count("\n", 0, at) + 1)
        at = decoder.raw_decode(text, at)[1]


def _line_of(text: str, key: str) -> int | None:
    """The line where `key` first appears as a JSON key, for messages."""
    return next((n + 1 for n, line in enumerate(text.splitlines()) if f'"{key}"' in line), None)
