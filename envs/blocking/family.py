"""The blocking job-shop family record: the job shop's rules, instances and formats under
blocking, swaps and shutdowns, with its own validator and CP-SAT model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from schedrl.envs.blocking.benchmarks import CATALOG
from schedrl.envs.blocking.env import ENV_SETTINGS
from schedrl.envs.blocking.instance import BlockingJobShopInstance
from schedrl.envs.core.family import Deferred, ProblemFamily, RecordKeys
from schedrl.envs.core.objective import Objective
from schedrl.envs.jobshop.family import episode_return, fit_kwargs
from schedrl.envs.jobshop.parser import FORMATS, parse_instance
from schedrl.envs.jobshop.rules import RULES, job_shop_baselines

METRICS = ("blocking_time", "swaps", "interruptions")
RECORD_KEYS = ("makespan", "start", "finish", "leave", "downtime", "swap_events", *METRICS)


def _draw(instance: BlockingJobShopInstance, record: dict[str, Any], path: Path, title: str) -> None:
    from schedrl.envs.blocking.render import save_gantt

    save_gantt(instance, record, path, f"{title}: makespan {record['makespan']}")


def _report(rows: list[Any], folder: Path) -> list[str]:
    from schedrl.envs.blocking.report import learned_vs_rules

    return learned_vs_rules(rows, folder, RULES, ["random", *SOLVERS])


def _parser(fmt: str) -> Callable[[str], BlockingJobShopInstance]:
    return lambda text: BlockingJobShopInstance.from_job_shop(parse_instance(text, "text", fmt=fmt))


SOLVERS = {"cpsat": Deferred("schedrl.envs.blocking.cpsat:BlockingCPSatSolver")}  # OR-Tools loads when asked
BLOCKING_JOB_SHOP = ProblemFamily(
    env_id="schedrl/BlockingJobShop-v0",
    entry_point="schedrl.envs.blocking.env:BlockingJobShopEnv",
    objective=Objective("makespan", "min"),
    instances=CATALOG,
    baselines=job_shop_baselines,
    solution_record=RecordKeys(RECORD_KEYS),
    validate=Deferred("schedrl.envs.blocking.validate:validate_schedule"),
    fit_kwargs=fit_kwargs,
    episode_return=episode_return,
    perturbations=Deferred("schedrl.envs.blocking.perturbations:perturbations"),
    # Routes with and without shutdowns, with swaps, and without (where the mask avoids deadlock).
    test_instances={
        "kind": "generated",
        "count": 2,
        "seed": 3,
        "num_jobs": 5,
        "num_machines": 4,
        "max_duration": 9,
        "scenarios": {"parameter": "shutdown_prob", "values": [0.0, 0.1], "seeds": [1], "label": "p"},
    },
    metrics=METRICS,
    kwarg_variants=tuple(
        {"reward": reward, "auto_single_choice": auto} for reward in ("dense", "sparse") for auto in (True, False)
    ),
    parsers={fmt: _parser(fmt) for fmt in FORMATS},
    solvers=SOLVERS,
    draw_solution=_draw,
    report=_report,
    env_settings=ENV_SETTINGS,
)
