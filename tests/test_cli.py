"""The `schedrl` command: it prints what the Python API computes, writes records the family's
validator accepts, and answers mistakes with one line and exit status 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from schedrl import agents, envs
from schedrl.cli import main

# A small WiOpt scenario (20 slots) and a small UAM day (6 vertiports, 8 aircraft): the two
# families that bundle no instances are solved from files.
MEC_SCENARIO = {
    "multi-edge": {
        "dt": 1, "Tmax": 20, "edge_num": 5, "user_num": 10, "possion_lamda": 1, "task_size_L": 0.1e6,
        "task_size_H": 100e6, "cloud_cpu_freq": 4e9, "edge_cpu_freq": 2e9, "cloud_C": 1e3, "edge_C": 1e3,
        "cloud_k": 5e-31, "edge_k": 5e-31, "cloud_off_power": 0.01, "edge_off_power": 0.01,
        "cloud_off_band_width": 16.6e6, "edge_off_band_width": 16.6e6, "noise_dBm": -174,
    }
}  # fmt: skip
UAM_DAY = {"layout": {"kind": "city", "vertiports": 6}, "num_aircraft": 8, "seed": 1}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, str], str]:
    """The printed `key  value` lines as a dict, and stderr."""
    assert main(list(args)) == 0
    out, err = capsys.readouterr()
    return fields(out), err


def fields(out: str) -> dict[str, str]:
    return dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in out.splitlines())


def value(text: str) -> float:
    return float(text.split()[0])


def fail(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one-line message of a command that must end with exit status 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    return err.splitlines()[-1]


def instance_arg(spec: str | dict[str, object], tmp_path: Path) -> str:
    if isinstance(spec, str):
        return spec
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("policy", "spec"),
    [
        ("jssp_10x10", "ft06"),
        ("blocking_10x10", "ft06"),
        ("vm_medium", "medium_279pm"),
        ("soc_canonical", "canonical"),
        ("soc_wifi", "socrates"),
        (str(Path(agents.inference.ZOO) / "soc_canonical"), "canonical"),  # a checkpoint folder
        ("mec_pref", MEC_SCENARIO),
        ("uam_8v40a", UAM_DAY),
    ],
)
def test_every_shipped_policy_prints_the_api_objective_and_writes_a_valid_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str, spec: str | dict[str, object]
) -> None:
    instance_spec, out = instance_arg(spec, tmp_path), tmp_path / "solution.json"
    printed, _ = run(capsys, "solve", policy, instance_spec, "--out", str(out))
    learned = agents.load(policy)
    instance = learned.family.instances.as_instance(instance_spec)
    key = learned.family.objective.key
    assert value(printed[key]) == learned.solve(instance).objective
    assert printed["env"] == learned.env_id and printed["validated"].startswith("yes")

    document = json.loads(out.read_text())
    family = envs.family(document["env_id"])
    family.validate(family.instances.as_instance(document["source"]), document["solution"])
    assert document["objective"]["value"] == document["solution"][key] == value(printed[key])
    assert (document["policy"], document["kind"], document["objective"]["name"]) == (policy, "learned", key)


def test_a_rule_prints_the_objective_of_its_rollout(capsys: pytest.CaptureFixture[str]) -> None:
    printed, err = run(capsys, "solve", "mwkr", "ta01")
    family = envs.family("schedrl/JobShop-v0")
    env = family.make_env(instance="ta01")
    episode = envs.rollout(env, envs.baselines("schedrl/JobShop-v0")["mwkr"], seed=0)
    assert value(printed["makespan"]) == episode.info["makespan"]
    assert printed["env"] == "schedrl/JobShop-v0" and printed["decisions"] == str(episode.decisions)
    assert "--family blocking" in err  # the other family that reads ta01, and how to choose it


def test_picture_draws_the_family_chart_of_the_solution(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from PIL import Image

    printed, _ = run(capsys, "solve", "mwkr", "ft06", "--picture", str(tmp_path / "ft06.png"))
    assert printed["written"] == str(tmp_path / "ft06.png")
    with Image.open(tmp_path / "ft06.png") as picture:
        pixels = np.asarray(picture.convert("L"), dtype=float)
    assert picture.size[0] > 400 and pixels.std() > 20  # a drawn chart, not a blank canvas


def test_the_family_flag_picks_the_variant_that_borrows_the_benchmarks(capsys: pytest.CaptureFixture[str]) -> None:
    by_name, err = run(capsys, "solve", "mwkr", "ft06", "--family", "blocking")
    by_id, _ = run(capsys, "solve", "mwkr", "ft06", "--env-id", "schedrl/BlockingJobShop-v0")
    assert by_name["env"] == "schedrl/BlockingJobShop-v0" and not err
    assert {**by_name, "wall time": ""} == {**by_id, "wall time": ""}


def test_cpsat_proves_ft06_and_shows_its_progress(capsys: pytest.CaptureFixture[str]) -> None:
    printed, err = run(capsys, "solve", "cpsat", "ft06", "--time-limit", "5")
    assert value(printed["makespan"]) == 55 and printed["proven optimal"] == "yes"
    assert value(printed["lower bound"]) == 55
    assert "bound" in err  # the solver's incumbent and bound as they improved, on stderr


def test_sampling_keeps_the_best_of_greedy_and_the_samples(capsys: pytest.CaptureFixture[str]) -> None:
    greedy, _ = run(capsys, "solve", "jssp_10x10", "ta01")
    sampled, _ = run(capsys, "solve", "jssp_10x10", "ta01", "--samples", "8", "--seed", "3")
    assert value(sampled["makespan"]) <= value(greedy["makespan"])
    instance = envs.family("schedrl/JobShop-v0").instances.as_instance("ta01")
    assert value(sampled["makespan"]) == agents.load("jssp_10x10", samples=8, seed=3).solve(instance).objective
    assert sampled["policy"] == "jssp_10x10@8 (learned)" and sampled["status"] == "best of greedy and 8 samples"


def test_zoo_lists_every_shipped_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["zoo"]) == 0
    out = capsys.readouterr().out
    assert all(f"| {name} |" in out for name in agents.zoo_names())


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.strip() == "schedrl 0.1.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jssp_10x1O", "ta01"], r"unknown policy .*'jssp_10x1O'\. Did you mean 'jssp_10x10'"),
        (["mwkrr", "ta01"], r"unknown policy .*'mwkrr'\. Did you mean 'mwkr'"),
        (["jssp_10x10", "ta001"], r"unknown job-shop instance .*'ta001'\. Did you mean 'ta01'"),
        (["mwkr", "ta001"], r"unknown instance .*'ta001'\. Did you mean 'ta01'"),
        (["mwkr", "ft06", "--family", "jobshp"], r"unknown family 'jobshp'\. Did you mean 'jobshop'"),
        (["cpsat", "ft06", "--samples", "4"], r"--samples applies to trained policies; 'cpsat' is a solver"),
        (["mwkr", "ft06", "--time-limit", "3"], r"--time-limit applies to solvers; 'mwkr' is a rule"),
        (
            ["heft", "canonical", "--time-limit", "3"],
            r"solver 'heft' takes no --time-limit: it is not an anytime search",
        ),
        (["jssp_10x10", "ft06", "--family", "vm"], r"trained on schedrl/JobShop-v0, not on schedrl/VMReschedule-v0"),
        (["mwkr", "ft06", "--out", "/no/such/folder/x.json"], r"--out .*: the folder /no/such/folder does not exist"),
        (["mwkr", "ft06", "--out", "."], r"--out \. is a folder: give a file name"),
        (["mwkr", "ft06", "--picture", "chart.xyz"], r"--picture chart\.xyz: name a \.png, .* file"),
        (["mwkr", "ft06", "--seed", "-5"], r"--seed must be >= 0, got -5"),
    ],
)
def test_mistakes_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert re.search(message, fail(capsys, "solve", *args))


@pytest.mark.parametrize("policy", ["jssp_10x10", "mwkr"])
def test_a_malformed_file_names_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("2 2\n0 5 1 3\n0 5 1\n")
    line = fail(capsys, "solve", policy, str(path), "--family", "jobshop")
    assert re.search(r"bad\.txt, line 3: job 1: .*expected 4 integers, got 3", line)


def test_a_rule_of_several_families_on_a_file_asks_for_the_family(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "day.json"
    path.write_text(json.dumps(UAM_DAY))
    assert re.search(
        r"'greedy' is a method of several families.*--family uam", fail(capsys, "solve", "greedy", str(path))
    )


def test_the_installed_command(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "schedrl"  # scripts/setup.sh installs it; a missing one fails
    assert command.exists(), f"no {command}: reinstall (bash scripts/setup.sh) to get the entry point"
    done = subprocess.run(
        [str(command), "solve", "jssp_10x10", "ta01", "--out", str(tmp_path / "ta01.json")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    instance = envs.family("schedrl/JobShop-v0").instances.as_instance("ta01")
    assert value(fields(done.stdout)["makespan"]) == agents.load("jssp_10x10").solve(instance).objective
    assert json.loads((tmp_path / "ta01.json").read_text())["instance"] == "ta01"
