"""Hand-worked episodes of schedrl/SoC-v0: EFT placement with a slow link, the injection cap,
the direct mode's PE choice, the rewards' sum, and golden results of every rule. Every
record also passes the independent validator."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from schedrl import envs
from schedrl.envs.soc.env import SoCEnv
from schedrl.envs.soc.generator import StreamGenerator
from schedrl.envs.soc.instance import UNSUPPORTED, Application, Platform, SoCInstance
from schedrl.envs.soc.validate import validate_trace
from schedrl.envs.soc.workloads import ds3_folder
from schedrl.errors import EnvelopeError, IllegalActionError, InstanceFormatError

FAMILY = envs.family("schedrl/SoC-v0")
# Two PEs: big (task type a: 4 µs, b: 6 µs) and acc (a: 2 µs, cannot run b). Links between
# them carry 2 units/µs, each PE's self link 1000: a transfer of 10 units costs 5 µs across,
# 0 on one PE.
TINY = Platform(
    "tiny", ("big", "acc"), ("big", "acc"), (0, 1), {"a": (4, 2), "b": (6, UNSUPPORTED)}, ((1000, 2), (2, 1000))
)
CHAIN = Application("chain", ("a", "b"), ((0, 1, 10),))


def chain_stream(cap: int) -> SoCInstance:
    """Two chain jobs; seed 3 draws the gap 6 µs after job 0 (realisation().gaps == [6, 11])."""
    instance = SoCInstance("chain2", TINY, (CHAIN,), num_jobs=2, scale=5.0, max_jobs_in_parallel=cap, seed=3)
    assert instance.realisation().gaps.tolist() == [6, 11]
    return instance


def run(env: SoCEnv, choose) -> tuple[dict, float]:
    """Step `choose(env)` to the end; (final info, summed reward)."""
    env.reset(seed=0)
    total, info = 0.0, {}
    while not env.done:
        _, reward, _, _, info = env.step(choose(env))
        total += reward
    return info, total


def first_legal(env: SoCEnv) -> int:
    return int(np.flatnonzero(env.action_masks())[0])


def test_eft_places_on_the_fast_accelerator_and_the_cap_holds_the_second_job_back() -> None:
    # Job 0 at 0: task 0 finishes on big at 4, on acc at 2 -> acc [0, 2]. Task 1 (b, big only)
    # waits for the data: 2 + 10 // 2 = 7 -> big [7, 13]. Job 1's earliest injection is 0 + 6,
    # but with one job allowed it waits for job 0 to leave at 13: acc [13, 15], big [20, 26].
    env = SoCEnv(instance=chain_stream(cap=1), action_mode="eft", auto_single_choice=False)
    info, total = run(env, first_legal)
    assert info["arrivals"] == [0, 13]
    assert sorted(info["trace"]) == [[0, 0, 1, 0, 2], [0, 1, 0, 7, 13], [1, 0, 1, 13, 15], [1, 1, 0, 20, 26]]
    assert info["average_latency"] == 13.0 and info["makespan"] == 26
    assert total == pytest.approx(-0.001 * (13 + 13))  # the jobs' total latency
    validate_trace(env.episode_instance, info)


def test_with_room_for_two_jobs_the_second_arrives_after_its_gap() -> None:
    # Job 0 as above: acc [0, 2], big [7, 13]. Job 1 arrives at 6: task 0 on acc (free since
    # 2) finishes at 8, on big (busy to 13) at 17 -> acc [6, 8]; task 1: data at 8 + 5 = 13,
    # big free at 13 -> [13, 19]. Latencies 13 and 13.
    env = SoCEnv(instance=chain_stream(cap=2), action_mode="eft", auto_single_choice=False)
    info, total = run(env, first_legal)
    assert info["arrivals"] == [0, 6]
    assert sorted(info["trace"]) == [[0, 0, 1, 0, 2], [0, 1, 0, 7, 13], [1, 0, 1, 6, 8], [1, 1, 0, 13, 19]]
    assert info["average_latency"] == 13.0 and total == pytest.approx(-0.026)
    validate_trace(env.episode_instance, info)


def test_direct_mode_can_beat_eft_by_keeping_a_chain_on_one_pe() -> None:
    # Task 0 on big instead: [0, 4]; task 1 on big needs no transfer: [4, 10]. Job 1 (cap 1)
    # enters at 10 and repeats it: [10, 14], [14, 20]. Latency 10 < EFT's 13.
    env = SoCEnv(instance=chain_stream(cap=1), action_mode="direct", auto_single_choice=False)
    env.reset(seed=0)
    big, acc = env.pe_node(0), env.pe_node(1)
    env.step(first_legal(env))  # the ready task 0 of job 0
    assert env.action_masks()[[big, acc]].tolist() == [True, True]
    env.step(big)
    assert env.action_masks()[acc] == False  # noqa: E712 (task 1 is of type b: big only)
    info, _ = run_on(env, lambda e: big if e.chosen is not None else first_legal(e))
    assert sorted(info["trace"]) == [[0, 0, 0, 0, 4], [0, 1, 0, 4, 10], [1, 0, 0, 10, 14], [1, 1, 0, 14, 20]]
    assert info["average_latency"] == 10.0
    validate_trace(env.episode_instance, info)


def run_on(env: SoCEnv, choose) -> tuple[dict, float]:
    """Continue an episode already under way."""
    total, info = 0.0, {}
    while not env.done:
        _, reward, _, _, info = env.step(choose(env))
        total += reward
    return info, total


def test_the_second_stage_sees_the_chosen_task_and_its_finish_on_each_pe() -> None:
    env = SoCEnv(instance=chain_stream(cap=1), action_mode="direct", auto_single_choice=False)
    obs, _ = env.reset(seed=0)
    task = first_legal(env)
    obs, reward, *_ = env.step(task)
    assert reward == 0.0 and obs["context_nodes"].tolist() == [task] and obs["global_features"][0] == 1.0
    with pytest.raises(IllegalActionError, match="masked out"):
        env.step(task)  # a task node in the PE stage


def test_a_single_ready_task_is_placed_without_asking_in_eft_mode() -> None:
    env = SoCEnv(instance=chain_stream(cap=1), action_mode="eft")
    _, info = env.reset(seed=0)
    assert env.done and info["average_latency"] == 13.0  # every choice was forced


def test_an_instance_beyond_the_envelope_is_refused() -> None:
    env = SoCEnv(instance=chain_stream(cap=1))
    with pytest.raises(EnvelopeError, match="max_jobs 2 > 1"):
        env.reset(options={"instance": StreamGenerator(max_jobs_in_parallel=2).sample_set(1, 0)[0]})


# Golden results on the canonical DAG of the HEFT paper (one job at t = 0) and a 6-job
# canonical stream: which PE each rule gives tasks 1..10, and the latencies.
GOLDEN_PES = {
    "met": [2, 0, 0, 1, 2, 2, 0, 0, 1, 1],
    "eft": [2, 2, 0, 1, 2, 1, 0, 0, 1, 1],
    "stf": [2, 0, 0, 1, 2, 2, 0, 0, 1, 1],
    "etf": [2, 0, 0, 1, 2, 2, 0, 0, 1, 1],
    "heft_rt": [2, 0, 2, 1, 2, 1, 2, 0, 1, 1],
}
GOLDEN_LATENCY = {"met": (89, 105.0), "eft": (80, 92.33333333333333), "stf": (80, 98.33333333333333),
                  "etf": (80, 91.16666666666667), "heft_rt": (80, 95.33333333333333)}  # fmt: skip


@pytest.mark.parametrize("rule", sorted(GOLDEN_PES))
def test_rules_give_their_pinned_schedules(rule: str) -> None:
    single = FAMILY.instances.as_instance("canonical")
    stream = StreamGenerator(workload="canonical", scale=30.0, num_jobs=6, max_jobs_in_parallel=2).sample_set(1, 5)[0]
    policy = envs.baselines("schedrl/SoC-v0")[rule]
    results = []
    for instance in (single, stream):
        episode = envs.rollout(FAMILY.make_env(instance=instance, action_mode="direct"), policy, seed=0)
        validate_trace(instance, episode.info)
        results.append(episode.info)
    assert [row[2] for row in sorted(results[0]["trace"])] == GOLDEN_PES[rule]
    assert (results[0]["average_latency"], results[1]["average_latency"]) == pytest.approx(GOLDEN_LATENCY[rule])


@pytest.mark.parametrize("rule", ["eft", "etf", "heft_rt"])
def test_rules_placing_by_eft_schedule_alike_in_both_action_modes(rule: str) -> None:
    instance = StreamGenerator(workload="canonical", scale=25.0, noise=0.2, num_jobs=8).sample_set(1, 9)[0]
    traces = [
        envs.rollout(FAMILY.make_env(instance=instance, action_mode=mode), envs.baselines("schedrl/SoC-v0")[rule]).info[
            "trace"
        ]
        for mode in ("eft", "direct")
    ]
    assert traces[0] == traces[1]


def test_every_rule_on_a_noisy_wifi_stream_passes_the_validator() -> None:
    generator = StreamGenerator(workload="wifi", scale=50.0, noise=0.2, num_jobs=6, max_jobs_in_parallel=4)
    instance = generator.sample_set(1, 2)[0]
    for name, policy in envs.baselines("schedrl/SoC-v0").items():
        info = envs.rollout(FAMILY.make_env(instance=instance), policy, seed=0).info
        validate_trace(instance, info)
        assert len(info["trace"]) == sum(instance.applications[a].num_tasks for a in info["applications"]), name


def test_a_ds3_run_config_is_an_instance_by_path() -> None:
    config = ds3_folder() / "ds3_current" / "config_Files" / "config_file.ini"
    env = FAMILY.make_env(instance=str(config), action_mode="direct")
    instance = env.unwrapped.instance
    assert (instance.num_jobs, instance.max_jobs_in_parallel, instance.platform.num_pes) == (100, 12, 16)
    assert [app.num_tasks for app in instance.applications] == [27, 34, 7, 8, 8, 10]
    info = envs.rollout(env, envs.baselines("schedrl/SoC-v0")["etf"], seed=0).info
    validate_trace(instance, info)


def test_rewards_earned_by_forced_choices_at_reset_reach_the_first_step() -> None:
    # One canonical DAG in eft mode: the entry task is alone, so reset places it and runs the
    # clock; the rewards must still add up to -reward_scale x the makespan.
    env = SoCEnv(instance=FAMILY.instances.as_instance("canonical"), action_mode="eft", reward_scale=1.0)
    info, total = run(env, first_legal)
    assert total == pytest.approx(-info["makespan"]) and info["makespan"] == 80


def test_every_shipped_instance_set_has_unique_names() -> None:
    import yaml

    for path in sorted(Path(__file__).resolve().parents[1].glob("configs/instances/soc/*.yaml")):
        instances = FAMILY.load_instances(yaml.safe_load(path.read_text()))
        assert len({i.name for i in instances}) == len(instances), path.name


def test_a_stream_shorter_than_its_cap_starts_with_every_job() -> None:
    instance = StreamGenerator(num_jobs=2, max_jobs_in_parallel=3).sample_set(1, 0)[0]
    assert instance.initial_jobs == 2
    with pytest.raises(InstanceFormatError, match=r"initial_jobs \(3\) cannot exceed num_jobs \(2\)"):
        dataclasses.replace(instance, initial_jobs=3)


def test_a_task_type_that_no_pe_runs_is_refused() -> None:
    # Type B runs y, but no PE is of type B.
    with pytest.raises(InstanceFormatError, match="no PE runs 'y'"):
        Platform("p", ("A", "B"), ("a0",), (0,), {"y": (UNSUPPORTED, 4)}, ((1000,),))


@pytest.mark.parametrize(("name", "latencies"), [("soc_canonical", (103.125, 239.625)), ("soc_wifi", (101.375, 242.5))])
def test_the_shipped_policies_schedule_validly(name: str, latencies: tuple[float, float]) -> None:
    from schedrl import agents

    policy = agents.load(name)
    for (workload, cap), latency in zip((("canonical", 3), ("wifi", 4)), latencies, strict=True):
        generator = StreamGenerator(workload=workload, scale=50.0, noise=0.2, num_jobs=8, max_jobs_in_parallel=cap)
        instance = generator.sample_set(1, 21)[0]
        result = policy.solve(instance)
        validate_trace(instance, {"average_latency": result.objective, **result.solution})
        assert result.objective == pytest.approx(latency)  # pinned: greedy decoding is deterministic
