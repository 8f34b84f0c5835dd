"""Declared configuration values: type and range, checked once before any work starts, so
a bad value fails with its key, the value and what is allowed, not as a traceback from
deep inside SB3 or numpy (or, worse, runs: a negative max_grad_norm makes training ascend).
Training, evaluation and every family's options declare theirs the same way."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from schedrl.errors import ConfigError

_MISSING = object()


@dataclass(frozen=True)
class Setting:
    key: str  # dotted path in the config, e.g. "agent.learning_rate"
    kind: type  # int, float (ints accepted), bool, str, or list (of `item` values)
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # low itself is not allowed
    choices: tuple[Any, ...] | None = None
    optional: bool = False  # null is allowed
    item: type | None = None  # for lists: the type of every entry

    def describe(self) -> str:
        if self.choices is not None:
            return f"one of {', '.join(map(str, self.choices))}"
        names = {int: "an integer", float: "a number", bool: "true or false", str: "a string", list: "a list",
                 dict: "a mapping of keys to values"}  # fmt: skip
        text = names[self.kind] + (f" of {names[self.item].split(' ', 1)[-1]}s" if self.item else "")
        if self.low is not None and self.high is not None:
            text += f" in {'(' if self.low_open else '['}{_number(self.low)}, {_number(self.high)}]"
        elif self.low is not None:
            text += f" {'>' if self.low_open else '>='} {_number(self.low)}"
        return text + (" (or null)" if self.optional else "")

    def check(self, value: Any) -> None:
        if value is None and self.optional:
            return
        if not self._fits(value):
            shown = f"{value!r} ({type(value).__name__})" if not isinstance(value, (int, float)) else repr(value)
            close = (
                difflib.get_close_matches(value, self.choices, n=1) if self.choices and isinstance(value, str) else []
            )
            hint = f". Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{self.key} must be {self.describe()}, got {shown}{hint}")

    def _fits(self, value: Any) -> bool:
        if self.choices is not None:
            return value in self.choices
        if self.kind is list:
            return (
                isinstance(value, (list, tuple))
                and all(_is(v, self.item or object) for v in value)
                and all(self._in_range(v) for v in value if isinstance(v, (int, float)))
            )
        return _is(value, self.kind) and (not isinstance(value, (int, float)) or self._in_range(value))

    def _in_range(self, value: float) -> bool:
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return self.high is None or value <= self.high


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _is(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _lookup(config: Mapping[str, Any], key: str) -> Any:
    node: Any = config
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def check_settings(config: Mapping[str, Any], settings: Iterable[Setting], prefix: str = "") -> None:
    """Every declared value present in `config` has its type and range (absent ones keep
    their defaults, which the declarations are tested against). `prefix` places a
    sub-config in messages (`env.validation.count`)."""
    for setting in settings:
        value = _lookup(config, setting.key)
        if value is not _MISSING:
            (replace(setting, key=f"{prefix}.{setting.key}") if prefix else setting).check(value)


def check_reset_options(options: object, known: tuple[str, ...]) -> None:
    """A misspelt or misshapen `options` would be ignored silently; refuse it instead."""
    if options is None:
        return
    if not isinstance(options, dict):
        raise ConfigError(f"reset options must be a dict such as {{{known[0]!r}: ...}}, got {options!r}")
    unknown = sorted(set(options) - set(known))
    if unknown:
        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown reset option {unknown[0]!r}.{hint} Known: {', '.join(known)}")
