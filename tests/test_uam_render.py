"""The UAM day picture: the flows and charge levels it draws are the record's, and it draws to
images, files and the env's render()."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from schedrl import envs  # noqa: F401 (registers the envs)
from schedrl.envs.uam.instance import UAMInstance, city_layout
from schedrl.envs.uam.render import charge_levels, render_rgb, route_flows, save_day


@pytest.fixture
def instance() -> UAMInstance:
    # hub (0, 0), com1 (8, 0), res1 (-22, 0); 4 aircraft, 120 kWh, 8 slots
    return UAMInstance(name="tiny", vertiports=city_layout(3, 4), num_aircraft=4, num_slots=8, seed=0)


@pytest.fixture
def record() -> dict:
    # aircraft 0: hub -> com1 with 3 at slot 1, com1 -> hub with 2 at slot 3, charges 40 kWh at slot 5;
    # aircraft 1: com1 -> hub empty at slot 2; aircraft 2 and 3 stay.
    return {
        "flights": [[0, 1, 0, 1, 2, 3, 18], [1, 2, 1, 0, 3, 0, 18], [0, 3, 1, 0, 4, 2, 18]],
        "boardings": [[0, 1, 3], [2, 2, 2]],
        "charges": [[0, 5, 0, 36]],
        "profit": 123.4,
        "served": 5,
        "spilled": 7,
        "empty_flights": 1,
    }


def test_route_flows_sum_passengers_and_count_empty_flights(instance: UAMInstance, record: dict) -> None:
    carried, empty = route_flows(instance, record)
    assert carried.tolist() == [[0, 3, 0], [2, 0, 0], [0, 0, 0]]
    assert empty.tolist() == [[0, 0, 0], [1, 0, 0], [0, 0, 0]]


def test_charge_levels_fall_at_take_off_and_rise_after_a_charge(instance: UAMInstance, record: dict) -> None:
    levels = charge_levels(instance, record)
    assert levels.shape == (4, 9)
    assert levels[0].tolist() == [120, 120, 102, 102, 84, 84, 120, 120, 120]
    assert levels[1].tolist() == [120, 120, 120, 102, 102, 102, 102, 102, 102]
    assert (levels[2:] == 120).all()


def test_an_empty_record_draws(instance: UAMInstance) -> None:
    levels = charge_levels(instance, {"flights": [], "charges": []})
    assert (levels == 120).all()
    image = render_rgb(instance, {"flights": [], "boardings": [], "charges": []})
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3


def test_render_rgb_is_a_non_blank_rgb_image(instance: UAMInstance, record: dict) -> None:
    image = render_rgb(instance, record)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[0] > 300 and image.shape[1] > 600 and image.std() > 0


def test_save_day_writes_a_png(instance: UAMInstance, record: dict, tmp_path: Path) -> None:
    path = tmp_path / "day.png"
    save_day(instance, record, path, title="tiny")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_env_render_after_an_episode() -> None:
    small = UAMInstance(name="small", vertiports=city_layout(4, 8), num_aircraft=8, num_slots=16, seed=1)
    env = gym.make("schedrl/UAMFleet-v0", instance=small, render_mode="rgb_array")
    core = env.unwrapped
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    first = env.render()
    while not core.done:  # type: ignore[attr-defined]
        *_, info = env.step(int(rng.choice(np.flatnonzero(core.action_masks()))))  # type: ignore[attr-defined]
    assert info["flights_flown"] > 0
    image = env.render()
    assert isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.shape[2] == 3
    assert isinstance(first, np.ndarray) and image.shape == first.shape and image.std() > 0
    env.close()
