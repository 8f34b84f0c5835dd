"""evaluate.py end to end in a subprocess: files, exact solution JSON, validation, resume."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from schedrl.envs.jobshop import JobShopGenerator, load_benchmark
from schedrl.envs.jobshop.parser import format_standard
from schedrl.envs.jobshop.validate import validate_schedule

ROOT = Path(__file__).resolve().parents[1]


def evaluate(out: Path, *overrides: str) -> str:
    command = [sys.executable, "evaluate.py", f"hydra.run.dir={out}", *overrides]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_benchmarks_with_rules_and_cpsat_then_resume(tmp_path: Path) -> None:
    out = tmp_path / "run"
    stdout = evaluate(
        out,
        "instances=jobshop/benchmark",
        "instances.names=[ft06,la01]",
        "policies=[spt,mwkr,random]",
        "solvers=[cpsat]",
        "solver_options.cpsat.time_limit=20",
        "pictures=true",
    )
    assert "8 to run" in stdout and "all 8 solutions validated" in stdout
    progress = [line for line in stdout.splitlines() if line.startswith("[") and "/8] " in line]
    assert [line.split("]")[0] for line in progress] == [f"[{done}/8" for done in range(1, 9)]  # one per result
    assert any(line.startswith("[") and " ft06 cpsat: makespan 55, " in line for line in progress)
    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "instance",
        "group",
        "policy",
        "makespan",
        "best_known",
        "gap_percent",
        "lower_bound",
        "status",
        "proven_optimal",
        "decisions",
        "wall_time_s",
        "fingerprint",
    ]
    assert {(r["instance"], r["policy"]) for r in rows} == {
        (i, p) for i in ("ft06", "la01") for p in ("spt", "mwkr", "random", "cpsat")
    }
    for row in rows:
        record = json.loads((out / "solutions" / row["policy"] / f"{row['instance']}.json").read_text())
        assert list(record) == ["instance", "policy", "makespan", "start_times"]
        assert record["makespan"] == int(row["makespan"])
        validate_schedule(load_benchmark(row["instance"]), record["start_times"], record["makespan"])
    cpsat = {r["instance"]: r for r in rows if r["policy"] == "cpsat"}
    assert cpsat["ft06"]["makespan"] == "55" and cpsat["ft06"]["proven_optimal"] == "True"
    assert cpsat["ft06"]["lower_bound"] == "55" and cpsat["ft06"]["status"] == "OPTIMAL"
    # ft06 is 6x6 = 36 operations: a rule decides some of them, the rest are forced.
    assert all(0 < int(r["decisions"]) <= 36 for r in rows if r["policy"] != "cpsat")
    assert float(cpsat["ft06"]["gap_percent"]) == 0.0
    assert "| ft_6x6 |" in (out / "summary.md").read_text()
    assert (out / "gap_by_group.png").stat().st_size > 0
    assert len(list((out / "pictures").glob("*.png"))) == 8

    # Interrupted run: drop the last row (as if killed mid-write); the rerun recomputes only it.
    lines = (out / "results.csv").read_text().splitlines(keepends=True)
    (out / "results.csv").write_text("".join(lines[:-1]) + lines[-1][:10])
    same = (
        "instances=jobshop/benchmark",
        "instances.names=[ft06,la01]",
        "policies=[spt,mwkr,random]",
        "solvers=[cpsat]",
    )
    stdout = evaluate(out, *same, "solver_options.cpsat.time_limit=20")
    assert "1 to run, 7 already" in stdout

    # A results.csv in the narrower layout of earlier versions resumes too, rewritten in the new one.
    with (out / "results.csv").open() as handle:
        rows = [row for row in csv.DictReader(handle) if None not in row.values()]  # not the line cut short
    old = ["instance", "group", "policy", "makespan", "best_known", "gap_percent", "proven_optimal", "wall_time_s"]
    (out / "results.csv").write_text(
        ",".join(old) + "\n" + "".join(",".join(row[c] for c in old) + "\n" for row in rows)
    )
    stdout = evaluate(out, *same, "solver_options.cpsat.time_limit=20")
    assert "0 to run, 8 already" in stdout and "8 stored rows carried no settings fingerprint" in stdout
    assert (
        (out / "results.csv").read_text().splitlines()[0].endswith("proven_optimal,decisions,wall_time_s,fingerprint")
    )

    # Other settings into the same folder: refused, never mixed with the stored rows.
    done = subprocess.run(
        [sys.executable, "evaluate.py", f"hydra.run.dir={out}", *same, "env.dynamics=insertion"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "made with other settings" in done.stderr, done.stderr


def test_labelled_solver_variants_land_in_one_results_file(tmp_path: Path) -> None:
    out = tmp_path / "run"
    stdout = evaluate(
        out, "instances=jobshop/benchmark", "instances.names=[ft06]", "policies=[mwkr]", "solvers=[cpsat_1s,cpsat_5s]",
        "+solver_options.cpsat_1s={solver:cpsat,time_limit:1}", "+solver_options.cpsat_5s={solver:cpsat,time_limit:5}",
    )  # fmt: skip
    assert "all 3 solutions validated" in stdout
    with (out / "results.csv").open() as handle:
        rows = {row["policy"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"mwkr", "cpsat_1s", "cpsat_5s"}
    assert all(rows[s]["makespan"] == rows[s]["lower_bound"] == "55" for s in ("cpsat_1s", "cpsat_5s"))


def test_files_and_generated_instance_sets(tmp_path: Path) -> None:
    folder = tmp_path / "instances"
    folder.mkdir()
    for index, instance in enumerate(JobShopGenerator(5, 4).sample_set(2, seed=9)):
        (folder / f"shop{index}.txt").write_text(format_standard(instance))
    stdout = evaluate(
        tmp_path / "files", "instances=jobshop/files", f"instances.paths=[{folder}/*.txt]", "policies=[spt]"
    )
    assert "all 2 solutions validated" in stdout and "files" in stdout
    stdout = evaluate(
        tmp_path / "gen",
        "instances=jobshop/generated",
        "instances.count=3",
        "instances.num_jobs=4",
        "policies=[mwkr,lwkr]",
    )
    assert "all 6 solutions validated" in stdout
    summary = (tmp_path / "gen" / "summary.md").read_text()
    assert "no best-known makespan for these instances; bold: best mean." in summary and "Gap to" not in summary


@pytest.mark.parametrize(
    ("override", "message"),
    [("policies=[sptt]", "unknown policy 'sptt'. Did you mean 'spt'"), ("solvers=[cpsatt]", "Did you mean 'cpsat'")],
)
def test_unknown_names_fail_with_suggestions(tmp_path: Path, override: str, message: str) -> None:
    command = [sys.executable, "evaluate.py", f"hydra.run.dir={tmp_path}", "instances=jobshop/benchmark", override]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and message in done.stderr


def test_checkpoints_run_next_to_rules(tmp_path: Path) -> None:
    import torch

    from schedrl.agents.checkpoint import save_checkpoint
    from schedrl.networks import GraphPolicyNetwork, NetworkConfig

    torch.manual_seed(0)
    network = GraphPolicyNetwork(NetworkConfig(edge_features=1, global_features=3, hidden=16, layers=2))
    metadata = {"env_id": "schedrl/JobShop-v0", "env_kwargs": {"dynamics": "non_delay"}}
    save_checkpoint(tmp_path / "run" / "checkpoints" / "best", network, metadata, {})
    stdout = evaluate(
        tmp_path / "eval",
        "instances=jobshop/benchmark",
        "instances.names=[ft06,la01]",
        "policies=[mwkr]",
        f"checkpoints=[{tmp_path / 'run' / 'checkpoints' / 'best'}]",
        "samples=[4]",
    )
    assert "all 6 solutions validated" in stdout
    with (tmp_path / "eval" / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["policy"] for r in rows} == {"mwkr", "run/best", "run/best@4"}


def test_store_reports_write_failures_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    from schedrl import envs
    from schedrl.envs.evaluation.store import ResultRow, ResultStore

    store = ResultStore(tmp_path / "eval", "makespan")
    request.addfinalizer(store.close)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    row = ResultRow("ft06", "ft_6x6", "spt", 88.0, 55.0, 60.0, False, 0.01)
    with pytest.raises(envs.SchedRLError, match=r"cannot write results to .*: No space left on device"):
        store.add(row, {"makespan": 88, "start_times": []})
    assert not store.done("ft06", "spt")


def test_instances_with_one_file_name_in_two_folders_keep_their_own_rows(tmp_path: Path) -> None:
    for seed, folder in enumerate(("a", "b")):  # two different instances, both called inst.txt
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "inst.txt").write_text(format_standard(JobShopGenerator(4, 3).sample_set(1, seed)[0]))
    globs = f"[{tmp_path}/a/*.txt,{tmp_path}/*/*.txt,{tmp_path}/a/inst.txt]"  # overlapping: each file once
    stdout = evaluate(tmp_path / "out", "instances=jobshop/files", f"instances.paths={globs}", "policies=[spt,mwkr]")
    assert "2 instances x 2 methods" in stdout
    assert sorted(p.name for p in (tmp_path / "out" / "solutions" / "spt").iterdir()) == ["a-inst.json", "b-inst.json"]


def test_names_equal_once_made_safe_for_files_are_refused(tmp_path: Path) -> None:
    for name in ("x y.txt", "x-y.txt"):
        (tmp_path / name).write_text(format_standard(JobShopGenerator(3, 3).sample_set(1, seed=1)[0]))
    command = [sys.executable, "evaluate.py", f"hydra.run.dir={tmp_path / 'out'}", "instances=jobshop/files",
               f"instances.paths=[{tmp_path}/*.txt]", "policies=[spt]"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "two instances, 'x y' and 'x-y'" in done.stderr, done.stderr


def test_two_evaluations_into_one_folder_count_nothing_twice_and_lose_nothing(tmp_path: Path) -> None:
    from schedrl.envs.evaluation.store import ResultStore

    out = tmp_path / "out"
    args = ["instances=jobshop/benchmark", "instances.names=[taillard_15x15]", "policies=all"]
    with ResultStore(out, "makespan"):  # another evaluation holds the folder
        done = subprocess.run([sys.executable, "evaluate.py", f"hydra.run.dir={out}", *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and "is in use by another evaluation (pid" in done.stderr, done.stderr
    both = [subprocess.Popen([sys.executable, "evaluate.py", f"hydra.run.dir={out}", *args], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
    outcomes = [(process.wait(timeout=240), process.communicate()[1]) for process in both]
    assert all(code == 0 or (code == 2 and "in use by another evaluation" in err) for code, err in outcomes), outcomes
    assert any(code == 0 for code, _ in outcomes)
    with (out / "results.csv").open() as handle:
        pairs = [(row["instance"], row["policy"]) for row in csv.DictReader(handle)]
    assert len(pairs) == len(set(pairs)) == 10 * 10  # ta01..ta10 x ten baselines, each once


def test_checkpoints_of_two_runs_with_one_label_keep_distinct_names() -> None:
    sys.path.insert(0, str(ROOT))
    import evaluate as cli

    references = [
        "sweep_a/0/checkpoints/best",
        "sweep_b/0/checkpoints/best",
        "jssp_10x10",
        "sweep_b/1/checkpoints/best",
    ]
    assert cli.checkpoint_labels(references) == ["sweep_a/0/best", "sweep_b/0/best", "jssp_10x10", "1/best"]


def test_a_line_cut_short_is_recomputed_and_a_subset_reruns_into_a_fuller_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    both = ("instances=jobshop/benchmark", "instances.names=[ft06,la01]", "policies=[spt,mwkr]")
    evaluate(out, *both)
    text = (out / "results.csv").read_text()
    (out / "results.csv").write_text(text[: len(text) - 6])  # killed while writing the last row's fingerprint
    assert "1 to run, 3 already" in evaluate(out, *both)
    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 and all(len(row["fingerprint"]) == 16 for row in rows)
    assert "0 to run, 1 already" in evaluate(
        out, "instances=jobshop/benchmark", "instances.names=[ft06]", "policies=[spt]"
    )


def test_a_row_whose_solution_file_is_gone_is_recomputed_not_doubled(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("instances=jobshop/benchmark", "instances.names=[ft06]", "policies=[random]")
    evaluate(out, *args)
    (out / "solutions" / "random" / "ft06.json").unlink()
    assert "1 to run, 0 already" in evaluate(out, *args, "seed=7")  # other settings: nothing stored is kept
    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["instance"], row["policy"]) for row in rows] == [("ft06", "random")]
