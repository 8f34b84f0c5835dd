"""A Hydra sweeper that runs an Optuna study (`hydra/sweeper=schedrl_optuna`).

Why not hydra-optuna-sweeper: its last release caps optuna<3 and needs SQLAlchemy<2 for
its SQLite storage. This drives a current Optuna through its ask-and-tell interface and
launches each batch of trials with the configured Hydra launcher (basic, joblib,
submitit, ray), so sweeps scale out like any multirun. The search space is written in
Hydra's sweep syntax: choice(...), range(a, b), interval(a, b), tag(log, interval(a, b)).

The study lives in `storage` (SQLite by default, beside the sweep): running the same
command with `hydra.sweep.dir=<that folder>` resumes it up to `n_trials` finished trials.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, Override, RangeSweep
from hydra.core.plugins import Plugins
from hydra.core.utils import JobStatus
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

log = logging.getLogger(__name__)
SAMPLERS = {"tpe": optuna.samplers.TPESampler, "random": optuna.samplers.RandomSampler}


def distribution(override: Override) -> BaseDistribution:
    """An Optuna distribution for one Hydra sweep expression."""
    sweep = override.value()
    if isinstance(sweep, ChoiceSweep):
        return CategoricalDistribution(list(override.sweep_iterator(transformer=lambda value: value)))
    if isinstance(sweep, RangeSweep):
        values = list(override.sweep_iterator())
        if all(isinstance(value, int) for value in values):
            step = int(sweep.step) if len(values) > 1 else 1
            return IntDistribution(values[0], values[-1], step=step)
        return CategoricalDistribution(values)
    if isinstance(sweep, IntervalSweep):
        log_scale = "log" in sweep.tags
        if isinstance(sweep.start, int) and isinstance(sweep.end, int):
            return IntDistribution(sweep.start, sweep.end, log=log_scale)
        return FloatDistribution(float(sweep.start), float(sweep.end), log=log_scale)
    raise ValueError(f"{override.input_line}: use choice(...), range(...) or interval(...) to sweep with Optuna")


def search_space(params: Mapping[str, str], arguments: Sequence[str]) -> tuple[dict[str, BaseDistribution], list[str]]:
    """The configured params plus sweep expressions from the command line; and the fixed overrides."""
    parser = OverridesParser.create()
    configured = parser.parse_overrides([f"{key}={value}" for key, value in params.items()])
    given = parser.parse_overrides(list(arguments))
    space = {o.get_key_element(): distribution(o) for o in [*configured, *given] if o.is_sweep_override()}
    fixed = [o.input_line for o in given if not o.is_sweep_override()]
    return space, fixed


def _finished(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.FAIL)))


class OptunaSweeper(Sweeper):
    def __init__(
        self,
        study_name: str,
        storage: str | None,
        direction: str,
        n_trials: int,
        n_jobs: int,
        sampler: str,
        seed: int | None,
        params: Mapping[str, str] | None,
    ):
        if sampler not in SAMPLERS:
            raise ValueError(f"hydra.sweeper.sampler must be one of {sorted(SAMPLERS)}, got {sampler!r}")
        if n_trials < 1 or n_jobs < 1:
            raise ValueError(f"hydra.sweeper.n_trials and n_jobs must be >= 1, got {n_trials} and {n_jobs}")
        self.study_name, self.storage, self.direction = study_name, storage, direction
        self.n_trials, self.n_jobs = n_trials, n_jobs
        self.sampler, self.seed = sampler, seed
        self.params = dict(params or {})

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.hydra_context, self.config = hydra_context, config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )
        self.sweep_dir = Path(config.hydra.sweep.dir)

    def sweep(self, arguments: list[str]) -> None:
        space, fixed = search_space(self.params, arguments)
        if not space:
            raise ValueError("nothing to search: set hydra.sweeper.params (see configs/hparams_search/)")
        self.sweep_dir.mkdir(parents=True, exist_ok=True)
        study = optuna.create_study(
            study_name=self.study_name, storage=self.storage, direction=self.direction, load_if_exists=True
        )
        job = len(study.trials)  # a resumed study numbers its new jobs after the earlier ones
        # Offset by the trials so far: a resumed study must not re-draw its first random points.
        study.sampler = SAMPLERS[self.sampler](seed=None if self.seed is None else self.seed + job)
        log.info(f"Optuna study {self.study_name!r} in {self.storage}: {job} trials so far, {self.n_trials} wanted")
        while (missing := self.n_trials - _finished(study)) > 0:  # recounted: other sweepers may share the storage
            trials = [study.ask(space) for _ in range(min(self.n_jobs, missing))]
            batch = [tuple(fixed + [f"{key}={value}" for key, value in t.params.items()]) for t in trials]
            self.validate_batch_is_legal(batch)
            returns = self.launcher.launch(batch, initial_job_idx=job)
            for trial, result in zip(trials, returns, strict=True):
                if result.status == JobStatus.COMPLETED and result.return_value is not None:
                    study.tell(trial, float(result.return_value))
                else:
                    log.warning(f"trial {trial.number} failed: {result._return_value!r}")
                    study.tell(trial, state=TrialState.FAIL)
            job += len(batch)
        self._write_results(study)

    def _write_results(self, study: optuna.Study) -> None:
        complete = [trial for trial in study.trials if trial.state == TrialState.COMPLETE]
        summary: dict[str, Any] = {"study_name": self.study_name, "storage": self.storage, "trials": len(study.trials)}
        if complete:
            summary |= {"best_value": study.best_value, "best_params": study.best_params}
        (self.sweep_dir / "optimization_results.yaml").write_text(yaml.safe_dump(summary, sort_keys=False))
        log.info(f"best: {summary.get('best_value')} with {summary.get('best_params')}")
