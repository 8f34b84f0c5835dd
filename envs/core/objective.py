"""A family's objective: which info key it is and whether less or more is better. The one
place that compares two results or turns a result into a gap."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar

from schedrl.errors import ConfigError

Item = TypeVar("Item")
SENSES = ("min", "max")


@dataclass(frozen=True)
class Objective:
    key: str  # the objective's key in the env's final info and in solution records
    sense: Literal["min", "max"] = "min"

    def __post_init__(self) -> None:
        if self.sense not in SENSES:
            raise ConfigError(f"objective sense must be one of {SENSES}, got {self.sense!r}")

    @property
    def wording(self) -> str:
        return "lower is better" if self.sense == "min" else "higher is better"

    def better(self, value: float, than: float) -> bool:
        return value < than if self.sense == "min" else value > than

    def best(self, items: Iterable[Item], value: Callable[[Item], float]) -> Item:
        """The best item by `value`; the first one among equals."""
        chooser = min if self.sense == "min" else max
        return chooser(items, key=value)

    def worse_by(self, value: float, reference: float) -> float:
        """How much worse than `reference`, in objective units (positive is worse)."""
        return value - reference if self.sense == "min" else reference - value

    def gap_percent(self, value: float, reference: float | None) -> float | None:
        """How much worse than `reference`, in percent of |reference|: positive is worse for
        either sense. None where the reference is missing or 0 (a fragment rate can be 0)."""
        if reference is None or reference == 0:
            return None
        return 100.0 * self.worse_by(value, reference) / abs(reference)

    def relative(self, value: float, reference: float) -> float:
        """The gap in percent, or the difference itself where the reference is 0 (e.g. a
        best rule that leaves no fragmentation): positive is worse either way."""
        gap = self.gap_percent(value, reference)
        return self.worse_by(value, reference) if gap is None else gap

    def value_at(self, reference: float, relative: float) -> float:
        """The objective value that is `relative` (as from `relative`) away from `reference`."""
        worse_by = relative if reference == 0 else relative * abs(reference) / 100.0
        return reference + worse_by if self.sense == "min" else reference - worse_by
