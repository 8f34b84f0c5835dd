"""The blocking job shop's Gantt chart: complete and partial records draw to images and files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from schedrl.envs.blocking.instance import BlockingJobShopInstance
from schedrl.envs.blocking.render import bar_ends, gantt_rgb, save_gantt


@pytest.fixture
def instance() -> BlockingJobShopInstance:
    # job 0: M0 (3) then M1 (2); job 1: M1 (2) then M0 (2)
    return BlockingJobShopInstance(
        name="tiny", machines=np.array([[0, 1], [1, 0]]), durations=np.array([[3, 2], [2, 2]])
    )


@pytest.fixture
def record() -> dict:
    # Job 1 is done on M1 at 2 but blocks it until job 0 leaves M0 at 3 (a swap); M1 is down on [4, 5),
    # interrupting job 0 there.
    return {
        "makespan": 6,
        "start": [[0, 3], [0, 3]],
        "finish": [[3, 6], [2, 5]],
        "leave": [[3, 6], [3, 5]],
        "downtime": [[], [[4, 5]]],
        "swap_events": [{"time": 3, "jobs": [0, 1]}],
        "swaps": 1,
        "blocking_time": 1,
        "interruptions": 1,
    }


def partial() -> dict:
    """The same schedule seen at time 4: job 0 still processing on M1, job 1 still on M0."""
    return {
        "start": [[0, 3], [0, 3]],
        "finish": [[3, -1], [2, -1]],
        "leave": [[3, -1], [3, -1]],
        "downtime": [[], []],
        "time": 4,
    }


def test_bar_ends_fill_not_yet_with_the_current_time(record: dict) -> None:
    entered, processed, left, now = bar_ends(record)
    assert now == 6 and entered.all()
    assert processed.tolist() == [[3, 6], [2, 5]] and left.tolist() == [[3, 6], [3, 5]]
    entered, processed, left, now = bar_ends({**partial(), "start": [[0, -1], [0, 3]]})
    assert now == 4 and entered.tolist() == [[True, False], [True, True]]
    assert processed.tolist() == [[3, 4], [2, 4]] and left.tolist() == [[3, 4], [3, 4]]


def test_gantt_rgb_is_an_rgb_image(instance: BlockingJobShopInstance, record: dict) -> None:
    image = gantt_rgb(instance, record)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[0] > 100 and image.std() > 0


def test_save_gantt_writes_a_png(instance: BlockingJobShopInstance, record: dict, tmp_path: Path) -> None:
    path = tmp_path / "tiny.png"
    save_gantt(instance, record, path, title="tiny")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_partial_record_draws(instance: BlockingJobShopInstance, record: dict) -> None:
    image = gantt_rgb(instance, partial())
    assert image.dtype == np.uint8 and image.shape == gantt_rgb(instance, record).shape
