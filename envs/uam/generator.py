"""Seeded UAM days: the network (the city layout or a random one), the fleet size and the
off-peak demand rate drawn per instance (one value or a list to draw from), the other
scenario fields fixed, and the seed of each day's draws."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from schedrl.envs.core.generation import check_drawn, draw_value, drawn_values, seeded_set
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.uam.instance import UAMInstance, city_layout, random_layout
from schedrl.errors import ConfigError, InstanceFormatError

LAYOUTS = ("city", "random")
# Settings of every value a list field may hold, and of the single-valued fields.
_DRAWN = (
    Setting("num_vertiports", int, 2),
    Setting("num_aircraft", int, 1),
    Setting("demand_rate", float, 0.0),
)
_FIXED = (
    Setting("layout", str, choices=LAYOUTS),
    Setting("radius_km", float, 0.0, low_open=True),
    Setting("num_slots", int, 1),
    Setting("delay_probability", float, 0.0, 1.0),
    Setting("closure_rate", float, 0.0),
    Setting("downtime_probability", float, 0.0, 1.0),
)


@dataclass(frozen=True)
class DayGenerator:
    """`num_vertiports`, `num_aircraft` and `demand_rate` are one value or a list drawn from
    per instance; `layout` "city" is the hub-and-spoke city of `city_layout`, "random" draws
    vertiports over a disc of `radius_km` per instance. Groups read `v8a40` (`v8a40_random`)."""

    kind: ClassVar[str] = "UAM day"
    layout: str = "city"
    num_vertiports: int | list[int] = 8
    num_aircraft: int | list[int] = 40
    demand_rate: float | list[float] = 0.35
    radius_km: float = 25.0
    num_slots: int = 64
    delay_probability: float = 0.1
    closure_rate: float = 2.0
    downtime_probability: float = 0.1

    def __post_init__(self) -> None:
        check_settings({s.key: getattr(self, s.key) for s in _FIXED}, _FIXED, prefix="generator")
        check_drawn(self, _DRAWN)
        try:
            self.largest()
        except InstanceFormatError as error:
            raise ConfigError(f"generator: {error}") from None

    def build(self, name: str, seed: int, num_vertiports: int, num_aircraft: int, demand_rate: float) -> UAMInstance:
        if self.layout == "city":
            ports = city_layout(num_vertiports, num_aircraft)
        else:  # the layout's draws come from the day's seed, apart from the day's own stream
            ports = random_layout(np.random.default_rng([seed, 1]), num_vertiports, num_aircraft, self.radius_km)
        return UAMInstance(
            name=name,
            group=f"v{num_vertiports}a{num_aircraft}" + ("" if self.layout == "city" else f"_{self.layout}"),
            seed=seed,
            vertiports=ports,
            num_aircraft=num_aircraft,
            demand_rate=float(demand_rate),
            num_slots=self.num_slots,
            delay_probability=float(self.delay_probability),
            closure_rate=float(self.closure_rate),
            downtime_probability=float(self.downtime_probability),
        )

    def sample(self, rng: np.random.Generator, name: str) -> UAMInstance:
        ports = int(draw_value(rng, "num_vertiports", self.num_vertiports))
        fleet = int(draw_value(rng, "num_aircraft", self.num_aircraft))
        rate = float(draw_value(rng, "demand_rate", self.demand_rate))
        instance = self.build(name, int(rng.integers(2**31)), ports, fleet, rate)
        return dataclasses.replace(instance, name=f"{instance.group}_{name}")

    def sample_set(self, count: int, seed: int) -> list[UAMInstance]:
        return seeded_set(self.sample, count, seed)

    def largest(self) -> list[UAMInstance]:
        """The instance of most vertiports and aircraft: it sizes the env's envelope."""
        ports = max(drawn_values("num_vertiports", self.num_vertiports))
        fleet = max(drawn_values("num_aircraft", self.num_aircraft))
        return [self.build("largest", 0, ports, fleet, max(drawn_values("demand_rate", self.demand_rate)))]
