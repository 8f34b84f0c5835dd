"""An edge-offloading scenario: one cloud and `num_edges` edge servers serving the tasks of
`num_users` mobile users under a delay/energy preference, after the MEC-MORL code of
'Multi-objective Deep RL for Mobile Edge Computing' (WiOpt 2023), whose numbers are the
defaults. Everything random (CPU frequencies, distances, fading, arrivals, sizes, users) is
drawn from the instance's `seed`, so every method meets the same realisation."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from schedrl.envs.core.settings import Setting, check_settings
from schedrl.errors import ConfigError, InstanceFormatError

FADING_MODES = ("episode", "step")
_RANGES = (
    "task_size_range",
    "cloud_freq_range",
    "edge_freq_range",
    "cloud_distance_range",
    "edge_distance_range",
)
_POSITIVE = {"low": 0.0, "low_open": True}
FIELD_SETTINGS = (
    Setting("num_edges", int, 1),
    Setting("preference", float, 0.0, 1.0),
    Setting("num_users", int, 1),
    Setting("horizon", int, 1),
    Setting("step_seconds", float, **_POSITIVE),
    Setting("arrival_rate", float, 0.0),
    Setting("load", float, **_POSITIVE),
    Setting("cycles_per_bit", float, **_POSITIVE),
    Setting("path_loss_slope_db", float),
    Setting("path_loss_at_1km_db", float),
    Setting("shadowing_db", float),
    Setting("bandwidth_hz", float, **_POSITIVE),
    Setting("noise_dbm_per_hz", float),
    Setting("transmit_power_w", float, **_POSITIVE),
    Setting("kappa", float, 0.0),
    Setting("fading", str, choices=FADING_MODES),
    Setting("legacy_rate", bool),
    Setting("local_freq", float, 0.0),
    Setting("delay_unit", float, **_POSITIVE),
    Setting("energy_unit", float, **_POSITIVE),
    Setting("seed", int, 0, 2**63 - 1),
)


@dataclass(frozen=True)
class Realisation:
    """The instance's draws. Server 0 is the cloud, 1..E the edges; tasks in arrival order."""

    server_freqs: np.ndarray  # [S] Hz
    distances: np.ndarray  # [S, U] m
    gains: np.ndarray  # [F, S, U] linear power gain: path loss, shadowing, Rayleigh fading
    arrival_steps: np.ndarray  # [T] int, non-decreasing
    sizes: np.ndarray  # [T] bits
    users: np.ndarray  # [T] int

    def gain_block(self, step: int) -> np.ndarray:
        """[S, U] gains of the fading block `step` falls in."""
        return self.gains[min(step, self.gains.shape[0] - 1)]


@dataclass(frozen=True)
class EdgeInstance:
    """A scenario (the fields) plus the `seed` of its realisation. `preference` w weighs
    delay against energy in the objective; `delay_unit` (s) and `energy_unit` (J) make the two
    comparable: a task costs w * delay / delay_unit + (1 - w) * energy / energy_unit."""

    name: str = "edge"
    group: str = "edge"
    seed: int = 0
    num_edges: int = 5
    preference: float = 0.5
    num_users: int = 10
    horizon: int = 100
    step_seconds: float = 1.0
    arrival_rate: float = 1.0
    load: float = 1.0
    task_size_range: tuple[float, float] = (0.1e6, 100e6)
    cycles_per_bit: float = 1000.0
    cloud_freq_range: tuple[float, float] = (3e9, 5e9)
    edge_freq_range: tuple[float, float] = (1.5e9, 2.5e9)
    cloud_distance_range: tuple[float, float] = (1000.0, 2000.0)
    edge_distance_range: tuple[float, float] = (50.0, 500.0)
    path_loss_slope_db: float = 35.0
    path_loss_at_1km_db: float = 133.6
    shadowing_db: float = 8.0
    bandwidth_hz: float = 16.6e6
    noise_dbm_per_hz: float = -174.0
    transmit_power_w: float = 0.01
    kappa: float = 5e-31
    fading: str = "episode"
    legacy_rate: bool = False
    local_freq: float = 0.0
    delay_unit: float = 100.0
    energy_unit: float = 0.1
    best_known: float | None = None

    def __post_init__(self) -> None:
        where = f"edge instance {self.name!r}"
        values = {setting.key: getattr(self, setting.key) for setting in FIELD_SETTINGS}
        try:
            check_settings(values, FIELD_SETTINGS)
        except ConfigError as error:
            raise InstanceFormatError(f"{where}: {error}") from None
        for key in _RANGES:
            value = getattr(self, key)
            if isinstance(value, list):  # from a config: store the pair as a tuple (hashable)
                value = tuple(value)
                object.__setattr__(self, key, value)
            if not (
                isinstance(value, tuple)
                and len(value) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
                and 0 < value[0] <= value[1]
            ):
                raise InstanceFormatError(
                    f"{where}: {key} must be a pair [low, high] with 0 < low <= high, got {value!r}"
                )

    @property
    def stochastic(self) -> bool:
        return True

    @property
    def num_servers(self) -> int:
        """Cloud and edges: the servers a task can be offloaded to."""
        return 1 + self.num_edges

    @property
    def local_enabled(self) -> bool:
        return self.local_freq > 0

    @property
    def local_server(self) -> int:
        """The server index a record gives local execution."""
        return self.num_servers

    @property
    def noise_w(self) -> float:
        """Noise power over the band, in watts."""
        return 10 ** ((self.noise_dbm_per_hz - 30) / 10) * self.bandwidth_hz

    def mean_task_size(self, server_freqs: np.ndarray) -> float:
        """Bits per task such that the offered load is `load` of the servers' total capacity,
        cloud included (the WiOpt code's exponential mean, the capacity in bits per second, at
        one task per second). Under the physical rate the cloud's link carries almost nothing,
        so the edges alone see more: about 3.2x their capacity at E = 1, 1.4x at 5, 1.2x at 10."""
        capacity = float(server_freqs.sum()) / self.cycles_per_bit * self.step_seconds
        return self.load * capacity / max(self.arrival_rate, 1e-12)

    @functools.cached_property
    def realisation(self) -> Realisation:
        """Draws in a fixed order from `default_rng(seed)`: CPU frequencies (cloud, then edges),
        distances (cloud row, then edge rows), Rayleigh fading, the Poisson arrival count of
        every step, every task's exponential size (clipped), then every task's user."""
        rng = np.random.default_rng(self.seed)
        edges, users = self.num_edges, self.num_users
        freqs = np.concatenate([[rng.uniform(*self.cloud_freq_range)], rng.uniform(*self.edge_freq_range, edges)])
        distances = np.vstack(
            [
                rng.uniform(*self.cloud_distance_range, (1, users)),
                rng.uniform(*self.edge_distance_range, (edges, users)),
            ]
        )
        blocks = 1 if self.fading == "episode" else self.horizon
        rayleigh = rng.exponential(1.0, (blocks, edges + 1, users))  # |h|^2 of unit-variance Rayleigh fading
        loss_db = self.path_loss_slope_db * np.log10(distances / 1000.0) + self.path_loss_at_1km_db + self.shadowing_db
        gains = 10 ** (-loss_db / 10)[None] * rayleigh
        counts = rng.poisson(self.arrival_rate, self.horizon)
        total = int(counts.sum())
        sizes = np.clip(rng.exponential(self.mean_task_size(freqs), total), *self.task_size_range)
        return Realisation(
            server_freqs=freqs,
            distances=distances,
            gains=gains,
            arrival_steps=np.repeat(np.arange(self.horizon), counts),
            sizes=sizes,
            users=rng.integers(0, users, total),
        )

    def upload_rates(self, step: int, user: int) -> np.ndarray:
        """[S] bits/s from `user` to each server in the fading block of `step`: Shannon's rate
        at SNR = P g / N, or with `legacy_rate` the WiOpt code's P (g / N)^2 / N."""
        gain = self.realisation.gain_block(step)[:, user]
        noise = self.noise_w
        snr = self.transmit_power_w * ((gain / noise) ** 2 if self.legacy_rate else gain) / noise
        return self.bandwidth_hz * np.log1p(snr) / np.log(2.0)  # log1p: a deep fade keeps a rate above 0

    def objective_terms(self, delay: np.ndarray, energy: np.ndarray) -> np.ndarray:
        """Each task's term of the objective, w delay / delay_unit + (1 - w) energy / energy_unit."""
        w = self.preference
        return w * delay / self.delay_unit + (1 - w) * energy / self.energy_unit
