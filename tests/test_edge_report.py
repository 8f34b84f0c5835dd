"""The edge family's hypervolume report and server timelines, against hand-worked numbers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from schedrl.envs.edge import report
from schedrl.envs.edge.render import render_rgb, save_timeline, stack_slots
from schedrl.envs.evaluation.store import ResultRow


def test_hypervolume_of_two_points_is_the_union_of_their_boxes() -> None:
    # Against (1, 1): (0.2, 0.5) boxes 0.8 x 0.5 = 0.4, (0.5, 0.2) boxes 0.5 x 0.8 = 0.4, and the
    # boxes share [0.5, 1] x [0.5, 1] = 0.25: 0.4 + 0.4 - 0.25 = 0.55.
    assert report.hypervolume([(0.2, 0.5), (0.5, 0.2)], (1, 1)) == pytest.approx(0.55)


def test_dominated_points_and_points_beyond_the_reference_add_nothing() -> None:
    front = [(0.2, 0.5), (0.5, 0.2)]
    assert report.hypervolume([*front, (0.6, 0.6)], (1, 1)) == pytest.approx(0.55)  # dominated by (0.5, 0.2)
    assert report.hypervolume([*front, (1.2, 0.1)], (1, 1)) == pytest.approx(0.55)  # delay beyond the reference
    assert report.hypervolume([(1.2, 0.1)], (1, 1)) == 0.0
    assert report.hypervolume([], (1, 1)) == 0.0


def row(method: str, edges: int, preference: float, delay: float, energy: float, seed: int = 0) -> ResultRow:
    """A result in normalised units (as the test sets them: delay / 2 s, energy / 10 J)."""
    metrics = {"avg_delay": 2 * delay, "avg_energy": 10 * energy, "preference": preference, "num_edges": edges}
    return ResultRow(
        f"e{edges}/w{preference}/s{seed}", f"e{edges}/w{preference}", method, 0.0, best_known=None,
        gap_percent=None, proven_optimal=False, wall_time_s=0.0, metrics=metrics,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
def rows() -> list[ResultRow]:
    results = [
        # E=2. weighted_greedy: (0.2, 0.6), (0.6, 0.2): 0.8 x 0.4 + 0.4 x 0.4 = 0.48.
        row("weighted_greedy", 2, 0.2, 0.6, 0.2), row("weighted_greedy", 2, 0.8, 0.2, 0.6),
        # mine: (0.2, 0.5), (0.4, 0.4), (0.5, 0.2), its w=0.2 point the mean of two seeds:
        # 0.8 x 0.5 + 0.6 x 0.1 + 0.5 x 0.2 = 0.56, +16.7 % on 0.48.
        row("mine", 2, 0.2, 0.4, 0.1), row("mine", 2, 0.2, 0.6, 0.3, seed=1),
        row("mine", 2, 0.5, 0.4, 0.4), row("mine", 2, 0.8, 0.2, 0.5),
        row("random", 2, 0.5, 0.9, 0.9),  # 0.1 x 0.1 = 0.01, -97.9 %; random has no E=3 and so no mean
        # E=3. Both 0.5 x 0.5 = 0.25: mine's (0.6, 0.6) is dominated, its (1.5, 0.1) beyond the reference.
        row("weighted_greedy", 3, 0.5, 0.5, 0.5),
        row("mine", 3, 0.1, 0.6, 0.6), row("mine", 3, 0.5, 0.5, 0.5), row("mine", 3, 0.9, 1.5, 0.1),
    ]  # fmt: skip
    empty = replace(results[0], policy="mine", metrics={**results[0].metrics, "avg_delay": None})
    missing = replace(results[0], policy="mine", metrics={"avg_delay": 0.0, "avg_energy": 0.0})
    return [*results, empty, missing]  # skipped: a metric empty, then two missing


@pytest.fixture(autouse=True)
def scales(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "HV_NORMALISATION", (2.0, 10.0))
    monkeypatch.setattr(report, "HV_REFERENCE", (1.0, 1.0))


def test_pareto_points_average_the_seeds_at_each_preference(rows: list[ResultRow]) -> None:
    fronts = report.pareto_points(rows)
    assert sorted(fronts) == [2, 3] and sorted(fronts[2]) == ["mine", "random", "weighted_greedy"]
    first = fronts[2]["mine"][0]
    assert (first.preference, first.instances) == (0.2, 2)
    assert (first.delay, first.energy) == pytest.approx((1.0, 2.0))  # (0.8 + 1.2) / 2 s, (1 + 3) / 2 J
    assert [point.preference for point in fronts[3]["mine"]] == [0.1, 0.5, 0.9]


def test_pareto_report_tables_the_hypervolumes_and_draws_each_e(rows: list[ResultRow], tmp_path: Path) -> None:
    names = report.pareto_report(rows, tmp_path)
    assert names == ["hypervolume.md", "pareto_e2.png", "pareto_e3.png"]
    text = (tmp_path / "hypervolume.md").read_text()
    lines = text.split("\n## ")[0].splitlines()  # the mean-front table; the per-realisation one follows
    # Means: mine (0.56 + 0.25) / 2 = 0.405, weighted_greedy (0.48 + 0.25) / 2 = 0.365: +11.0 %.
    table = [line for line in lines if line.startswith("| ") and not line.startswith("| method")]
    assert table == [
        "| mine | 0.5600 (+16.7 %) | 0.2500 (+0.0 %) | 0.4050 (+11.0 %) |",
        "| weighted_greedy | 0.4800 | 0.2500 | 0.3650 |",
        "| random | 0.0100 (-97.9 %) | - | - |",
    ]
    assert "| method | E=2 | E=3 | mean |" in lines
    assert "- E=2: above weighted_greedy: mine" in lines
    assert "- E=3: above weighted_greedy: none" in lines
    assert "divided by 2 s and energy by 10 J" in text
    for name in names[1:]:
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_pareto_report_without_usable_rows_writes_nothing(rows: list[ResultRow], tmp_path: Path) -> None:
    assert report.pareto_report(rows[-2:], tmp_path) == []
    assert not list(tmp_path.iterdir())


def test_without_the_baseline_the_table_has_no_changes(rows: list[ResultRow], tmp_path: Path) -> None:
    report.pareto_report([r for r in rows if r.policy != "weighted_greedy"], tmp_path)
    text = (tmp_path / "hypervolume.md").read_text()
    assert "| mine | 0.5600 | 0.2500 | 0.4050 |" in text and "above" not in text


def instance() -> SimpleNamespace:
    """Two edges and local execution (lanes: cloud, edge 1, edge 2, local); three users."""
    realisation = SimpleNamespace(server_freqs=np.array([4e9, 2e9, 1.5e9]), users=np.array([0, 1, 2, 0, 1]))
    return SimpleNamespace(name="tiny", num_edges=2, local_freq=1e9, horizon=10, step_seconds=1.0, num_users=3,
                           preference=0.5, realisation=realisation)  # fmt: skip


def record() -> dict:
    # Edge 1 serves tasks 0 ([0, 3]), 1 ([1, 2.5]) and 4 ([4, 6]): 0 and 1 overlap, 4 reuses 0's sub-row.
    return {
        "assignments": [[0, 0, 1], [1, 1, 1], [2, 2, 0], [3, 3, 3], [4, 4, 1]],
        "upload_times": [0.5, 0.2, 1.0, 0.0, 0.1],
        "completions": [3.0, 2.5, 4.0, 5.0, 6.0],
        "delays": [3.0, 1.5, 2.0, 2.0, 2.0],
        "energies": [0.1, 0.1, 0.2, 0.05, 0.1],
        "weighted_cost": 1.0, "avg_delay": 2.1, "avg_energy": 0.11, "preference": 0.5, "num_edges": 2, "decided": 5,
    }  # fmt: skip


def test_overlapping_services_stack_in_the_fewest_sub_rows() -> None:
    assert stack_slots(np.array([0.0, 1.0, 4.0]), np.array([3.0, 2.5, 6.0])).tolist() == [0, 1, 0]
    assert stack_slots(np.array([0.0, 1.0, 2.0]), np.array([5.0, 5.0, 5.0])).tolist() == [0, 1, 2]


def test_save_timeline_writes_a_png(tmp_path: Path) -> None:
    path = tmp_path / "timeline.png"
    save_timeline(instance(), record(), path, "tiny under mine")  # type: ignore[arg-type]
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 5000


def test_render_rgb_is_an_image_of_the_instance_size_mid_episode_too() -> None:
    # 7 + 0.05 x 10 = 7.5 in wide, 1.6 + 0.6 x 4 lanes = 4 in high, at 100 dpi.
    image = render_rgb(instance(), record())  # type: ignore[arg-type]
    assert image.shape == (400, 750, 3) and image.dtype == np.uint8
    partial = {key: record()[key][:2] for key in ("assignments", "upload_times", "completions")}
    assert render_rgb(instance(), partial).shape == image.shape  # type: ignore[arg-type]


def test_each_realisations_own_sweep_gives_the_spread_and_a_paired_count(rows: list[ResultRow]) -> None:
    table = report.seed_hypervolumes(rows)
    # mine on e2/s0: (0.4, 0.1) and (0.2, 0.5) ((0.4, 0.4) is dominated): 0.6 x 0.9 + 0.2 x 0.5 = 0.64;
    # on e2/s1 only (0.6, 0.3): 0.4 x 0.7 = 0.28. weighted_greedy has e2/s0 alone: 0.48.
    assert table[2]["mine"] == pytest.approx({"e2/s0": 0.64, "e2/s1": 0.28})
    assert table[2]["weighted_greedy"] == pytest.approx({"e2/s0": 0.48})
    text = report.seed_markdown(table)
    assert "| mine | 0.4600 ± 0.1800 (1/1) |" in text  # above the greedy on the one realisation both have
