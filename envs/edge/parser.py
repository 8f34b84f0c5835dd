"""Scenario files in the WiOpt 2023 MEC-MORL config format: a JSON object of named sections
(`{"multi-edge": {"dt": 1, "Tmax": 100, ...}}`) or one section's keys alone. The code's
per-server pairs (cloud_C / edge_C, ...) must agree, since this model has one value of each;
`edge_num` (or edge_num_L = edge_num_H) fixes the edge count. Our own scenario fields
(preference, seed, legacy_rate, fading, local_freq, load, delay_unit, energy_unit) may sit
beside them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schedrl.envs.core.files import parse_json, read_text
from schedrl.envs.edge.instance import EdgeInstance
from schedrl.errors import InstanceFormatError

# WiOpt key -> our field, for the keys that carry over one to one.
_SCALARS = {
    "dt": "step_seconds",
    "Tmax": "horizon",
    "user_num": "num_users",
    "possion_lamda": "arrival_rate",
    "noise_dBm": "noise_dbm_per_hz",
}
# Our field <- the (cloud, edge) pair of WiOpt keys that must agree.
_PAIRS = {
    "cycles_per_bit": ("cloud_C", "edge_C"),
    "kappa": ("cloud_k", "edge_k"),
    "transmit_power_w": ("cloud_off_power", "edge_off_power"),
    "bandwidth_hz": ("cloud_off_band_width", "edge_off_band_width"),
}
_RANGES = {
    "task_size_range": ("task_size_L", "task_size_H"),
    "cloud_distance_range": ("cloud_user_dist_L", "cloud_user_dist_H"),
    "edge_distance_range": ("edge_user_dist_L", "edge_user_dist_H"),
}
_CENTRED = {
    "cloud_freq_range": ("cloud_cpu_freq", "cloud_cpu_freq_peak"),
    "edge_freq_range": ("edge_cpu_freq", "edge_cpu_freq_peak"),
}
_OURS = ("preference", "seed", "legacy_rate", "fading", "local_freq", "load", "delay_unit", "energy_unit", "name")
# Keys of the WiOpt code this model does not use: the reward weight it replaces by the
# preference, the exponential mean it sets from the capacity (our `load`), the class name.
_IGNORED = ("class_literal", "reward_alpha", "task_size_exp_theta", "edge_num_L", "edge_num_H", "edge_num")
_KNOWN = {*_SCALARS, *(k for pair in _PAIRS.values() for k in pair), *(k for pair in _RANGES.values() for k in pair)}
_KNOWN |= {k for pair in _CENTRED.values() for k in pair} | set(_OURS) | set(_IGNORED) | {"wave_cycle", "wave_peak"}


def read_scenario(path: Path, fmt: str = "auto") -> EdgeInstance:
    """`fmt` "auto" / "wiopt" (the file's only section, or its keys) or "wiopt:<section>"."""
    return parse_scenario(read_text(path), str(path), fmt, Path(path).stem)


def parse_scenario(text: str, source: str = "<text>", fmt: str = "auto", name: str = "scenario") -> EdgeInstance:
    kind, _, section = fmt.partition(":")
    if kind not in ("auto", "wiopt"):
        raise InstanceFormatError(f"unknown scenario format {fmt!r}: use auto, wiopt or wiopt:<section>", source=source)
    document = parse_json(text, source)
    if not isinstance(document, dict):
        raise InstanceFormatError("a scenario file is a JSON object of sections or of keys", source=source, line=1)
    sections = {k: v for k, v in document.items() if isinstance(v, dict)}
    if section:
        if section not in sections:
            raise InstanceFormatError(f"no section {section!r}; the file has {sorted(sections)}", source=source)
        keys, name = sections[section], section
    elif sections and len(sections) < len(document):
        raise InstanceFormatError(
            f"the file mixes sections {sorted(sections)} with keys at the top: put every key in a section",
            source=source,
            line=_line_of(text, next(iter(sections))),
        )
    elif sections:
        if len(sections) > 1:
            raise InstanceFormatError(
                f"the file has several sections {sorted(sections)}: choose one with format wiopt:<section>",
                source=source,
            )
        name, keys = next(iter(sections.items()))
        section = name
    else:
        keys = document
    return _instance(keys, text, source, name, section)


def _line_of(text: str, key: str, section: str = "") -> int | None:
    """The line where `key` first appears as a JSON key (inside `section`, when the file has
    sections), for messages."""
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if f'"{section}"' in line), 0) if section else 0
    return next((n + 1 for n in range(start, len(lines)) if f'"{key}"' in lines[n]), None)


def _instance(keys: dict[str, Any], text: str, source: str, name: str, section: str) -> EdgeInstance:
    def fail(key: str, message: str) -> InstanceFormatError:
        return InstanceFormatError(f"{key}: {message}", source=source, line=_line_of(text, key, section))

    def integer(key: str) -> int:
        value = number(key)
        if not value.is_integer():
            raise fail(key, f"expected a whole number, got {keys[key]!r}")
        return int(value)

    def number(key: str) -> float:
        value = keys[key]
        if isinstance(value, list) and len(value) == 1:  # the code's single-edge configs list one frequency
            value = value[0]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(key, f"expected a number, got {value!r}")
        return float(value)

    for key in keys:
        if key not in _KNOWN:
            raise fail(key, "is not a key of the WiOpt config format nor a scenario field")
    if keys.get("wave_peak", 0):
        raise fail("wave_peak", "sinusoidal task sizes are not modelled; set it to 0")
    fields: dict[str, Any] = {"name": str(keys.get("name", name)), "group": "files"}
    if "edge_num" in keys:
        fields["num_edges"] = integer("edge_num")
    elif "edge_num_L" in keys or "edge_num_H" in keys:
        if "edge_num_L" not in keys or "edge_num_H" not in keys:
            raise fail(
                "edge_num_L" if "edge_num_L" in keys else "edge_num_H", "set edge_num (a scenario has one edge count)"
            )
        fewest, most = integer("edge_num_L"), integer("edge_num_H")
        if fewest != most:
            raise fail(
                "edge_num_L", f"a scenario has one edge count: set edge_num (edge_num_L {fewest} != edge_num_H {most})"
            )
        fields["num_edges"] = fewest
    for key, field in _SCALARS.items():
        if key in keys:
            fields[field] = integer(key) if field in ("horizon", "num_users") else number(key)
    for field, (cloud, edge) in _PAIRS.items():
        present = [key for key in (cloud, edge) if key in keys]
        values = {number(key) for key in present}
        if len(values) > 1:
            raise fail(edge, f"differs from {cloud} ({keys[edge]} vs {keys[cloud]}); this model has one value for both")
        if values:
            fields[field] = values.pop()
    for field, (low, high) in _RANGES.items():
        if low in keys or high in keys:
            if low not in keys or high not in keys:
                raise fail(low if low not in keys else high, f"missing: {low} and {high} go together")
            fields[field] = (number(low), number(high))
    for field, (centre, peak) in _CENTRED.items():
        if centre in keys:
            spread = number(peak) if peak in keys else 0.0
            fields[field] = (number(centre) - spread, number(centre) + spread)
    step = fields.get("step_seconds", 1.0)
    # WiOpt's mean size is the capacity in bits per second, whatever λ and dt: load = λ / dt
    if "load" not in keys and step > 0 and fields.get("arrival_rate", 1.0) > 0:
        fields["load"] = fields.get("arrival_rate", 1.0) / step
    for key in _OURS:
        if key in keys and key != "name":
            fields[key] = keys[key]
    try:
        return EdgeInstance(**fields)
    except InstanceFormatError as error:  # "edge instance 'x': <field> must be ...": point at its key
        field = str(error).split(": ", 1)[-1].split(" ", 1)[0]
        line = _line_of(text, _WIOPT_KEY.get(field, field), section)
        raise InstanceFormatError(str(error), source=source, line=line) from None


# Our field -> the WiOpt key a bad value of it came from, for the line in messages.
_WIOPT_KEY = {field: key for key, field in _SCALARS.items()}
_WIOPT_KEY |= {field: pair[1] for field, pair in _PAIRS.items()} | {field: pair[0] for field, pair in _RANGES.items()}
_WIOPT_KEY |= {field: pair[0] for field, pair in _CENTRED.items()} | {"num_edges": "edge_num"}
