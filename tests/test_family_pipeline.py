"""Every registered family end to end: evaluate.py's pipeline, train -> load -> solve,
scenario grids, the shared gap, and the family seam kept free of job-shop words."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf, open_dict

from schedrl import agents, envs
from schedrl.agents.training import train
from schedrl.envs.core.instances import scenario_grid
from schedrl.envs.core.objective import Objective
from schedrl.envs.core.solver import applies
from schedrl.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
ENV_IDS = envs.env_ids()
TOY = "schedrl-test/Toy-v0"


def config(name: str, *overrides: str) -> dict:
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        return OmegaConf.to_container(compose(name, overrides=list(overrides)), resolve=True)


def evaluate_config(env_id: str, instances: dict, *overrides: str) -> DictConfig:
    """evaluate.py's config for any registered family (the toy has no config files: it lives in tests/)."""
    presets = [f"family={path.stem}" for path in (ROOT / "configs" / "family").glob("*.yaml")
               if f"env_id: {env_id}\n" in path.read_text()]  # fmt: skip
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose("evaluate", overrides=[*presets, *overrides])
    with open_dict(cfg):
        cfg.instances = instances
        if env_id == TOY:
            cfg.env_id, cfg.env = TOY, {}
    return cfg


def evaluate_run(env_id: str, tmp_path: Path, *overrides: str, instances: dict | None = None) -> list:
    import evaluate

    family = envs.family(env_id)
    return evaluate.run(evaluate_config(env_id, instances or dict(family.test_instances), *overrides), tmp_path)


def test_gap_is_positive_when_worse_for_either_sense() -> None:
    assert Objective("makespan", "min").gap_percent(110, 100) == pytest.approx(10.0)
    assert Objective("profit", "max").gap_percent(90, 100) == pytest.approx(10.0)
    assert Objective("profit", "max").gap_percent(-110, -100) == pytest.approx(10.0)  # denominator |reference|
    assert Objective("profit", "max").gap_percent(-90, -100) == pytest.approx(-10.0)
    assert Objective("fragment_rate", "min").gap_percent(0.3, 0) is None
    assert Objective("fragment_rate", "min").gap_percent(0.3, None) is None
    assert Objective("profit", "max").best([3.0, -1.0, 5.0], float) == 5.0
    for objective in (Objective("a", "min"), Objective("b", "max")):
        for reference in (-80.0, 0.0, 120.0):  # value_at inverts relative, also where no percent exists
            assert objective.value_at(reference, objective.relative(97.5, reference)) == pytest.approx(97.5)
    assert Objective("fragment_rate", "min").relative(0.25, 0.0) == 0.25
    with pytest.raises(ConfigError, match="sense"):
        Objective("x", "minimise")  # type: ignore[arg-type]


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_evaluate_runs_every_method_and_records_the_env_kwargs(env_id: str, tmp_path: Path) -> None:
    family = envs.family(env_id)
    solvers = list(family.solvers)
    import evaluate

    cfg = evaluate_config(env_id, dict(family.test_instances), "policies=all", f"solvers=[{','.join(solvers)}]")
    rows = evaluate.run(cfg, tmp_path)
    methods = [*family.baselines(0), *solvers]
    assert {row.policy for row in rows} == set(methods)
    built = {name: family.solvers[name]() for name in solvers}
    expected = {
        (instance.name, method)
        for instance in family.load_instances(family.test_instances)
        for method in methods
        if method not in built or applies(built[method], instance)  # a solver's other scenarios stay empty
    }
    assert {(row.instance, row.policy) for row in rows} == expected
    with (tmp_path / "results.csv").open() as handle:
        header = next(csv.reader(handle))
    assert header[3 : 4 + len(family.metrics)] == [family.objective.key, *family.metrics]
    assert {"lower_bound", "status", "decisions"} <= set(header)
    recorded = json.loads((tmp_path / "env_kwargs.json").read_text())
    assert recorded[methods[0]] == OmegaConf.to_container(cfg.env) and recorded[solvers[0]] is None
    summary = (tmp_path / "summary.md").read_text()
    assert family.objective.wording in summary and " ± " in summary
    # A row proven optimal is the best on its instance (anytime references such as POP need not be).
    proven = {r.instance: r.objective for r in rows if r.proven_optimal}
    assert all(not family.objective.better(r.objective, proven[r.instance]) for r in rows if r.instance in proven)


def test_sampling_is_refused_on_stochastic_instances(tmp_path: Path) -> None:
    result = train(train_config(TOY, tmp_path / "run"), tmp_path / "run")
    checkpoint = str(result.run_dir / "checkpoints" / "best")
    with pytest.raises(ConfigError, match=r"sampling is refused on .*stochastic instance.*luckiest of K futures"):
        evaluate_run(TOY, tmp_path / "eval", f"checkpoints=[{checkpoint}]", "samples=[4]", "policies=[greedy]")
    rows = evaluate_run(TOY, tmp_path / "eval", f"checkpoints=[{checkpoint}]", "policies=[greedy]")
    assert {row.policy for row in rows} == {"greedy", "run/best"}


def train_config(env_id: str, run_dir: Path) -> dict:
    overrides = ["logger=none", "progress_bar=false", "total_timesteps=256", "eval_every=256", "agent.n_envs=2",
                 "agent.n_steps=64", "agent.batch_size=64", "network.hidden=16", "network.head_hidden=16"]  # fmt: skip
    presets = [f"env={path.stem}" for path in (ROOT / "configs" / "env").glob("*.yaml")
               if f"id: {env_id}\n" in path.read_text()]  # fmt: skip
    cfg = config("train", *presets, *overrides)
    validation = cfg["env"]["validation"]
    for part in validation["sets"] if validation["kind"] == "union" else [validation]:
        part["count"] = 3
    if env_id == TOY:  # the toy has no config files: it lives in tests/
        cfg["env"] = {"id": TOY, "kwargs": {}, "validation": {"kind": "generated", "count": 3, "seed": 5}}
    return cfg


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_train_load_solve(env_id: str, tmp_path: Path) -> None:
    result = train(train_config(env_id, tmp_path), tmp_path)
    assert result.steps >= 256 and result.baseline.name in envs.family(env_id).baselines(0)
    policy = agents.load(str(tmp_path / "checkpoints" / "best"))
    family = envs.family(env_id)
    instance = family.load_instances(family.test_instances)[0]
    solved = policy.solve(instance)
    family.validate(instance, {family.objective.key: solved.objective, **solved.solution})
    assert solved.decisions is not None and solved.decisions > 0


def test_scenario_grid_groups_by_value_and_plots_the_objective_against_it(tmp_path: Path) -> None:
    base = envs.family(TOY).load_instances({"kind": "generated", "count": 2, "seed": 1})
    grid = scenario_grid(base, "volatility", [0.0, 0.5], seeds=[1, 2], label="v")
    assert [i.group for i in grid[:4]] == ["toy/v0.0", "toy/v0.0", "toy/v0.5", "toy/v0.5"]
    assert grid[1].name == f"{base[0].name}/v0.0/s2" and grid[1].seed == 2 and not grid[1].stochastic
    assert grid[2].stochastic and not np.array_equal(grid[2].price, grid[3].price)  # another seed, another day
    grid_spec = {"parameter": "volatility", "values": [0.0, 0.5], "seeds": [1, 2], "label": "v"}
    spec = {"kind": "generated", "count": 2, "seed": 1, "scenarios": grid_spec}
    rows = evaluate_run(TOY, tmp_path, "policies=[greedy]", instances=spec)
    assert len(rows) == 8 and (tmp_path / "objective_by_parameter.png").stat().st_size > 0
    with pytest.raises(ConfigError, match="has no field 'shutdown_probability'"):
        scenario_grid(base, "shutdown_probability", [0.1])


def test_labelled_solver_variants_share_one_results_file(tmp_path: Path) -> None:
    rows = evaluate_run(
        TOY, tmp_path, "policies=[greedy]", "solvers=[brute_a,brute_b]",
        "+solver_options.brute_a={solver:brute}", "+solver_options.brute_b={solver:brute}",
    )  # fmt: skip
    assert {row.policy for row in rows} == {"greedy", "brute_a", "brute_b"}


GENERIC = [
    "agents",
    "networks",
    "envs/core",
    "envs/evaluation",
    "schedrl/errors.py",
    "schedrl/cli.py",
    "schedrl/solve.py",
    "train.py",
    "evaluate.py",
]
JOB_SHOP_WORDS = re.compile(r"makespan|gantt|taillard|machine|\bjobs?\b|job[-_ ]?shop", re.IGNORECASE)


def test_the_generic_layers_name_no_job_shop_concept() -> None:
    found = []
    for entry in GENERIC:
        path = ROOT / entry
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            for number, line in enumerate(file.read_text().splitlines(), 1):
                if JOB_SHOP_WORDS.search(line):
                    found.append(f"{file.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_family_preset_is_the_default_run_and_the_old_experiment_name_is_an_alias() -> None:
    default, preset = config("evaluate"), config("evaluate", "family=jobshop")
    assert (
        default == preset
        and default["env_id"] == "schedrl/JobShop-v0"
        and default["instances"]["names"] == ["taillard"]
    )
    assert list(envs.baselines(default["env_id"])) == [
        "spt",
        "lpt",
        "mwkr",
        "lwkr",
        "mor",
        "lor",
        "fifo",
        "fdd_mwkr",
        "mopnr",
        "random",
    ]  # fmt: skip  (policies: all = the methods of the default run before presets)
    assert config("train", "experiment=jssp_10x10") == config("train", "experiment=jobshop/10x10")
    assert config("train", "experiment=jobshop/10x10")["total_timesteps"] == 400000


def test_a_family_report_hook_writes_beside_the_summary(tmp_path: Path) -> None:
    from schedrl.envs.core import family as registry

    def rounds_table(rows: list, folder: Path) -> list[str]:
        (folder / "rounds.md").write_text("\n".join(f"{r.instance} {r.policy} {r.metrics['rounds']}" for r in rows))
        return ["rounds.md"]

    with registry.registrations_undone():
        registry.register_family(dataclasses.replace(envs.family(TOY), report=rounds_table))
        evaluate_run(TOY, tmp_path, "policies=[greedy]")
    assert (tmp_path / "rounds.md").read_text().splitlines()[0].endswith("greedy 4.0")
