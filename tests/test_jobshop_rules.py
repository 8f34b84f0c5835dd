"""Dispatching rules: semantics on a hand-made instance, valid schedules on every bundled
benchmark, and gaps in line with the published event-driven figures."""

from __future__ import annotations

import numpy as np
import pytest
from stepping import until_done

from schedrl import envs
from schedrl.envs.core.rollout import rollout
from schedrl.envs.jobshop import JobShopEnv, JobShopInstance, load_group
from schedrl.envs.jobshop.dynamics import DYNAMICS
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


# 4 jobs x 3 machines with all durations distinct and distinct job totals (41, 31, 76, 35),
# so SPT, LPT, MWKR, LWKR and FDD/MWKR never meet a tie. FIFO, MOR, LOR and MOPNR tie at
# the start (every job ready at 0 with 3 operations left) and take the lowest job index.
GOLDEN = JobShopInstance(
    "golden",
    machines=np.array([[2, 1, 0], [0, 2, 1], [1, 0, 2], [0, 1, 2]]),
    durations=np.array([[1, 12, 28], [17, 9, 5], [20, 29, 27], [19, 6, 10]]),
)

# The nodes each rule picks (forced moves are taken by the env, not listed) and the
# makespan, pinned from the code as it stood; hand checks of non_delay:
#   spt picks node 0 (job 0's first operation, 1 time unit), then node 3 (job 1's, 17,
#   shorter than job 3's 19); job 2's first operation is then forced at time 0.
#   At time 17 the candidates are job 1's op 1 (2 operations left) and job 3's op 0 (3 left):
#   lor picks node 4, mor node 9; before that both took nodes 0 and 3 on ties.
#   lpt first picks node 6 (job 2's 20), the longest first operation.
GOLDEN_PICKS = {
    ("spt", "non_delay"): ([0, 3, 4, 2], 120),
    ("spt", "active"): ([1, 3, 5, 9, 10, 2], 120),
    ("spt", "insertion"): ([0, 1, 3, 4, 5, 9, 10, 11, 6, 2], 120),
    ("lpt", "non_delay"): ([6, 9, 1, 7, 11, 2], 93),
    ("lpt", "active"): ([6, 9, 1, 7, 2], 108),
    ("lpt", "insertion"): ([6, 7, 8, 9, 3, 4, 10, 11, 5], 94),
    ("mwkr", "non_delay"): ([6, 0, 9, 1, 7, 11, 2], 93),
    ("mwkr", "active"): ([6, 9, 1, 7, 3, 8], 94),
    ("mwkr", "insertion"): ([6, 7, 0, 1, 9, 3, 2, 8, 10, 4, 11], 94),
    ("lwkr", "non_delay"): ([3, 0, 4, 2], 120),
    ("lwkr", "active"): ([1, 2, 3, 9], 133),
    ("lwkr", "insertion"): ([3, 4, 5, 9, 10, 11, 0, 1, 2], 120),
    ("mor", "non_delay"): ([0, 3, 9, 7, 2], 93),
    ("mor", "active"): ([6, 3, 1, 9, 10, 7], 93),
    ("mor", "insertion"): ([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8], 93),
    ("lor", "non_delay"): ([0, 3, 4, 2], 120),
    ("lor", "active"): ([1, 2, 7, 3, 8, 5], 127),
    ("lor", "insertion"): ([0, 1, 2, 3, 4, 5, 6, 7, 8], 124),
    ("fifo", "non_delay"): ([0, 3, 9, 7, 2], 93),
    ("fifo", "active"): ([6, 3, 1, 9, 5, 7], 93),
    ("fifo", "insertion"): ([0, 3, 6, 9, 1, 4, 7, 5, 2, 10, 11], 93),
    ("fdd_mwkr", "non_delay"): ([0, 6, 9, 1, 7, 11, 2], 93),
    ("fdd_mwkr", "active"): ([6, 9, 1, 3, 4, 7], 93),
    ("fdd_mwkr", "insertion"): ([0, 6, 1, 9, 3, 7, 2, 10, 4, 8, 11], 93),
    ("mopnr", "non_delay"): ([6, 0, 9, 1, 7, 11, 2], 93),
    ("mopnr", "active"): ([6, 9, 1, 3, 4, 7], 93),
    ("mopnr", "insertion"): ([6, 0, 9, 3, 7, 1, 10, 4, 2, 8, 11], 93),
}


def test_golden_picks_and_makespans_cover_every_rule_and_scheme() -> None:
    assert set(GOLDEN_PICKS) == {(rule, scheme) for rule in RULES for scheme in DYNAMICS}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_golden_picks_and_makespans(rule: str, dynamics: str) -> None:
    env = JobShopEnv(GOLDEN, dynamics=dynamics)
    obs, _ = env.reset(seed=0)
    picks = []
    for _ in until_done(env):
        picks.append(RULES[rule].act(obs, env.action_masks(), env))
        obs, *_, info = env.step(picks[-1])
    validate_schedule(GOLDEN, info["start_times"], info["makespan"])
    assert (picks, info["makespan"]) == GOLDEN_PICKS[rule, dynamics]


def test_every_rule_copes_with_zero_durations(dynamics: str) -> None:
    # A job left with only zero-duration work made fdd_mwkr divide by zero (a RuntimeWarning,
    # an error under this suite's warning filter, and a NaN score that always won).
    for durations in ([[0, 0], [0, 0]], [[3, 0], [0, 2]]):
        instance = JobShopInstance("zeros", machines=np.array([[0, 1], [1, 0]]), durations=np.array(durations))
        env = JobShopEnv(instance, dynamics=dynamics)
        for rule in RULES.values():
            info = rollout(env, rule, seed=0).info
            validate_schedule(instance, info["start_times"], info["makespan"])
