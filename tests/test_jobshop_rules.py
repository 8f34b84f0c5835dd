"""Dispatching rules: semantics on a hand-made instance, valid schedules on every bundled
benchmark, and gaps in line with the published event-driven figures."""

from __future__ import annotations

import numpy as np
import pytest

from schedrl import envs
from schedrl.envs.core.rollout import rollout
from schedrl.envs.jobshop import JobShopEnv, JobShopInstance, load_group
from schedrl.envs.jobshop.rules import RULES, job_shop_baselines
from schedrl.envs.jobshop.validate import validate_schedule

# Three jobs whose first operations all start at time 0 on machine 0, so the first
# decision is each rule's pure preference.
CHOICE = JobShopInstance(
    "choice",
    machines=np.array([[0, 1, 2], [0, 2, 1], [0, 1, 2]]),
    durations=np.array([[4, 9, 9], [2, 1, 1], [6, 1, 1]]),
)


@pytest.mark.parametrize(
    ("rule", "job"),
    [
        ("spt", 1),
        ("lpt", 2),
        ("mwkr", 0),
        ("lwkr", 1),
        ("fdd_mwkr", 0),
        ("fifo", 0),
        ("mor", 0),
        ("lor", 0),
        ("mopnr", 0),
    ],
)
def test_rule_preferences(rule: str, job: int) -> None:
    env = JobShopEnv(CHOICE, auto_single_choice=False)
    obs, _ = env.reset(seed=0)
    assert RULES[rule].act(obs, env.action_masks(), env) == job * 3


def test_rules_need_the_env() -> None:
    env = JobShopEnv("ft06")
    obs, _ = env.reset(seed=0)
    with pytest.raises(envs.SchedRLError, match="env=env"):
        RULES["spt"].act(obs, env.action_masks())


def test_baselines_by_env_id() -> None:
    names = set(envs.baselines("schedrl/JobShop-v0"))
    assert names == {"spt", "lpt", "mwkr", "lwkr", "mor", "lor", "fifo", "fdd_mwkr", "mopnr", "random"}
    with pytest.raises(envs.UnknownNameError, match="Did you mean 'schedrl/JobShop-v0'"):
        envs.baselines("schedrl/JobShp-v0")


@pytest.mark.parametrize("group", ["ft", "lawrence", "abz", "orb", "swv", "yn"])
def test_every_rule_schedules_the_classic_benchmarks_validly(dynamics: str, group: str) -> None:
    for instance in load_group(group):
        env = JobShopEnv(instance, dynamics=dynamics)
        for name, policy in job_shop_baselines(seed=0).items():
            info = rollout(env, policy, seed=0).info
            validate_schedule(instance, info["start_times"], info["makespan"])
            assert info["makespan"] >= instance.lower_bound, name


def mean_gaps(group: str, dynamics: str) -> dict[str, float]:
    gaps: dict[str, list[float]] = {name: [] for name in RULES}
    for instance in load_group(group):
        env = JobShopEnv(instance, dynamics=dynamics)
        for name, rule in RULES.items():
            makespan = rollout(env, rule, seed=0).info["makespan"]
            gaps[name].append(100 * (makespan - instance.upper_bound) / instance.upper_bound)
    return {name: float(np.mean(values)) for name, values in gaps.items()}


def test_event_driven_gaps_match_published_taillard_15x15() -> None:
    # ScheduleNet (appendix) and Self-Labeling JSP report event-driven greedy rules on
    # Taillard 15x15 at about SPT 26%, MWKR 19%, MOR 20%, FIFO 24%.
    gaps = mean_gaps("taillard_15x15", "non_delay")
    for rule, published in {"spt": 26.0, "mwkr": 19.0, "mor": 20.0, "fifo": 24.0}.items():
        assert gaps[rule] == pytest.approx(published, abs=2.0), rule


def test_insertion_scheme_makes_greedy_rules_worse() -> None:
    # Under the 'Learning to Dispatch' scheme rules pick among every job's next operation
    # regardless of time; published SPT gaps there are 40-65% (we measure about 57% on
    # Taillard 15x15), far above the event-driven 26%. Job-level rules lose less.
    insertion = mean_gaps("taillard_15x15", "insertion")
    non_delay = mean_gaps("taillard_15x15", "non_delay")
    assert 40.0 <= insertion["spt"] <= 65.0
    for rule in ("spt", "lwkr", "lor", "mwkr", "mor"):
        assert insertion[rule] > non_delay[rule] + 3.0, rule
