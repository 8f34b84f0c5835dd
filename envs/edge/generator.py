"""Seeded edge-offloading scenarios: the edge count and the preference drawn per instance
(one value or a list to draw from; the preference also "uniform" on [0, 1]), the other
scenario fields fixed, and the seed of each instance's draws."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from schedrl.envs.core.generation import check_drawn, draw_value, drawn_values, seeded_set
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.edge.instance import FADING_MODES, EdgeInstance
from schedrl.errors import ConfigError, InstanceFormatError

# Settings of every value a list field may hold, and of the single-valued fields.
_DRAWN = (Setting("num_edges", int, 1), Setting("preference", float, 0.0, 1.0))
_FIXED = (
    Setting("local_freq", float, 0.0),
    Setting("legacy_rate", bool),
    Setting("fading", str, choices=FADING_MODES),
    Setting("horizon", int, 1),
    Setting("load", float, 0.0, low_open=True),
)


@dataclass(frozen=True)
class ScenarioGenerator:
    """`num_edges` and `preference` are one value or a list drawn from per instance
    (`preference: uniform` draws w ~ U[0, 1]); instances are grouped by edge count (`e5`),
    so a table reads per E."""

    kind: ClassVar[str] = "MEC scenario"
    num_edges: int | list[int] = 5
    preference: float | list[float] | str = "uniform"
    local_freq: float = 0.0
    legacy_rate: bool = False
    fading: str = "episode"
    horizon: int = 100
    load: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.preference, str) and self.preference != "uniform":
            raise ConfigError(
                f"generator.preference must be a number in [0, 1], a list of them or 'uniform', got {self.preference!r}"
            )
        check_settings({s.key: getattr(self, s.key) for s in _FIXED}, _FIXED, prefix="generator")
        check_drawn(self, _DRAWN[:1] if self.preference == "uniform" else _DRAWN)
        try:
            self.build("generated", 0, max(drawn_values("num_edges", self.num_edges)), 0.5)
        except InstanceFormatError as error:
            raise ConfigError(f"generator: {error}") from None

    def build(self, name: str, seed: int, num_edges: int, preference: float) -> EdgeInstance:
        tags = ("_legacy" if self.legacy_rate else "") + ("_local" if self.local_freq else "")
        return EdgeInstance(
            name=name,
            group=f"e{num_edges}{tags}",
            seed=seed,
            num_edges=num_edges,
            preference=float(preference),
            local_freq=float(self.local_freq),
            legacy_rate=self.legacy_rate,
            fading=self.fading,
            horizon=self.horizon,
            load=float(self.load),
        )

    def sample(self, rng: np.random.Generator, name: str) -> EdgeInstance:
        num_edges = int(draw_value(rng, "num_edges", self.num_edges))
        if self.preference == "uniform":
            preference = float(rng.uniform())
        else:
            preference = float(draw_value(rng, "preference", self.preference))
        instance = self.build(name, int(rng.integers(2**31)), num_edges, preference)
        return dataclasses.replace(instance, name=f"{instance.group}_{name}")

    def sample_set(self, count: int, seed: int) -> list[EdgeInstance]:
        return seeded_set(self.sample, count, seed)

    def largest(self) -> list[EdgeInstance]:
        """The instance of most edges: it sizes the env's envelope."""
        return [self.build("largest", 0, max(drawn_values("num_edges", self.num_edges)), 0.5)]
