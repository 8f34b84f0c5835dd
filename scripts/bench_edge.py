"""Throughput of `schedrl/EdgeOffload-v0`, against the job shop measured in the same run.

Why: an edge-offloading graph is tiny (one node per server, E + 2 at most), but every
decision projects processor sharing forward on every candidate server (each task executing
or uploading there run to completion with the new task joined: the task's marginal delay),
again on the chosen one, and rebuilds every server's features. This script shows what a
decision costs at 1, 5 and 10 edge servers, with local execution and with the WiOpt
code's rate formula, as a ratio to `JobShop-v0` on ta71 (scripts/bench_vm.py's and
bench_soc.py's reference), what a rule's and an untrained policy's decisions cost, and PPO
training's steps per second, with memory.

    python scripts/bench_edge.py                                # env and latency tables, about 40 s
    python scripts/bench_edge.py --threads 1 --training         # and the training table, about 1.5 min
    python scripts/bench_edge.py --scenarios e10 --policies weighted_greedy gin --seconds 1

Env rows: a uniformly random legal policy plays whole episodes (reset and every step, the
observation included, all timed) for at least `--seconds` and 3 episodes; the ratio is the
row's decisions per second over the reference's (`JobShop-v0` on `--reference`, its random
legal policy, the same measurement). Scenarios (`SCENARIOS`, `EdgeInstance` seed 0,
preference 0.5, the defaults otherwise: 10 users, horizon 100 steps, a Poisson(1) arrival
per step, physical Shannon rate, one fading draw per episode): 1, 5 and 10 edge servers,
10 with local execution on each user's device (`local_freq` 1 GHz: one more candidate
server, each user's own) and 10 with `legacy_rate` (the WiOpt code's SNR formula). Every
episode meets the same seeded realisation; the random policy differs.

Latency rows: for each policy, a fresh subprocess (so peaks do not mix) builds the env on
`--latency-scenario` and the policy: a rule of `edge_baselines` (weighted_greedy, the
one-step optimum of the reward, or greedy_energy) through `SimulationRule.act` reading the
simulation, or a randomly initialised `GraphPolicyNetwork` (GIN or GAT, 3x64, the configs'
encoder options) through `LearnedPolicy.act` (tensors from the observation, one forward
pass on a batch of one, argmax over the legal nodes), with `--threads` torch threads (use
1 while anything else runs). It drives one episode with the random legal policy and, at
every k-th decision (k = the scenario's decisions per episode in the env table over
`--decisions`, 1 without an env row), times one decision of the measured policy.
Reported: the median, fastest and slowest decision, the process's peak RSS (`ru_maxrss`;
the script's imports load torch even in a rule's process) and its rise above the baseline
taken after a warm-up decision on the 1-edge scenario. A rule reads the per-server
options (upload time, energy, marginal delay) that the env's step already worked out for
the observation, so its decision is an argmin: `uncached ms` is the rule's median with
those options worked out afresh, what it costs driven without the env's observation
(`-` for the networks, whose inputs are the observation: its cost is in the env table).

Training row (`--training`): MaskablePPO, GIN 3x64, `--n-envs` envs under DummyVecEnv, on
the env config of `train.py experiment=edge/mec_pref` (composed by Hydra from configs/:
E drawn from 1..10 but 7, w ~ U[0, 1], max_edges 10, reward_cap 10), steps per second of
rollouts and updates after a warm-up rollout, against `JobShop-v0` on random 10x10
instances with the same agent settings (scripts/bench_training.py's measurement: batch
256, 4 epochs; the rollout defaults to the experiment's 128 x 16), and the process's peak
RSS after each row.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

import gymnasium as gym
import numpy as np
from bench_blocking import uniform_legal
from bench_soc import add_shared_arguments, latency_summary, training_table
from bench_vm import ENCODER_OPTIONS, decisions_per_second, peak_rss_mb, row, table

from schedrl import envs  # noqa: F401 (registers the envs)
from schedrl.envs.edge.instance import EdgeInstance
from schedrl.envs.jobshop import load_benchmark

EDGE_ENV = "schedrl/EdgeOffload-v0"
# EdgeInstance fields over the defaults (seed 0, preference 0.5); named as the generator groups them.
SCENARIOS: dict[str, dict[str, Any]] = {
    "e1": {"num_edges": 1},
    "e5": {"num_edges": 5},
    "e10": {"num_edges": 10},
    "e10_local": {"num_edges": 10, "local_freq": 1e9},
    "e10_legacy": {"num_edges": 10, "legacy_rate": True},
}
RULES = ("weighted_greedy", "greedy_energy")
POLICIES = (*RULES, "gin", "gat")
EXPERIMENT = "edge/mec_pref"
WARM_UP = "e1"


def scenario(name: str) -> EdgeInstance:
    return EdgeInstance(name=name, group=name, seed=0, preference=0.5, **SCENARIOS[name])


def build_policy(name: str, env: gym.Env, threads: int) -> Any:
    """A rule of `edge_baselines`, or a randomly initialised 3x64 GNN policy acting greedily
    on `threads` torch threads."""
    if name in RULES:
        from schedrl.envs.edge.rules import edge_baselines

        return edge_baselines()[name]
    import torch

    from schedrl.agents.inference import LearnedPolicy
    from schedrl.agents.training import network_options
    from schedrl.networks import GraphPolicyNetwork, NetworkConfig

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    options = {"encoder": name, "hidden": 64, "layers": 3, "encoder_options": ENCODER_OPTIONS[name]}
    network = GraphPolicyNetwork(NetworkConfig(**network_options(options, env.observation_space))).eval()
    return LearnedPolicy(network, EDGE_ENV, {})


def timed_act(policy: Any, obs: dict[str, np.ndarray], env: gym.Env) -> float:
    began = time.perf_counter()
    policy.act(obs, env.unwrapped.action_masks(), env)  # type: ignore[attr-defined]
    return time.perf_counter() - began


def measure_latency(policy_name: str, name: str, decisions: int, every: int, threads: int) -> dict:
    """Decision latency and peak memory of one (policy, scenario) (call in a fresh process)."""
    env = gym.make(EDGE_ENV, instance=scenario(name))
    core = env.unwrapped
    policy = build_policy(policy_name, env, threads)
    warm = gym.make(EDGE_ENV, instance=scenario(WARM_UP))  # lazy library set-up is not counted
    timed_act(policy, warm.reset(seed=0)[0], warm)
    baseline = peak_rss_mb()
    obs, _ = env.reset(seed=0)
    timed_act(policy, obs, env)  # the first pass at this size: not timed
    rng = np.random.default_rng(0)
    latencies: list[float] = []
    uncached: list[float] = []
    step = 0
    while len(latencies) < decisions and not core.done:  # type: ignore[attr-defined]
        if step % every == 0:
            latencies.append(timed_act(policy, obs, env))
            if policy_name in RULES:
                core.sim.forget_options()  # type: ignore[attr-defined]
                uncached.append(timed_act(policy, obs, env))
        obs, *_ = env.step(uniform_legal(core, rng))
        step += 1
    uncached_ms = 1000 * statistics.median(uncached) if uncached else None
    return latency_summary(obs, latencies, baseline) | {"uncached_ms": uncached_ms}


def run_latency(policy_name: str, name: str, every: int, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--point", policy_name, name, "--every", str(every),
               "--decisions", str(args.decisions), "--threads", str(args.threads)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS), help="env rows")
    parser.add_argument("--policies", nargs="*", choices=POLICIES, default=list(POLICIES), help="latency rows")
    parser.add_argument("--latency-scenario", choices=SCENARIOS, default="e10")
    add_shared_arguments(parser, seconds=3.0, n_envs=16, steps=128, point="SCENARIO")
    args = parser.parse_args()
    if args.point:
        policy_name, name = args.point
        print(json.dumps(measure_latency(policy_name, name, args.decisions, args.every, args.threads)))
        return

    shop = load_benchmark(args.reference)
    print(f"Env: random legal policy, whole episodes, at least {args.seconds} s and 3 episodes per row\n")
    table(["scenario", "env", "edges", "local", "rate", "nodes", "decisions/episode", "decisions/s", "ms/decision",
           "ratio"], "llrllrrrrr")  # fmt: skip
    reference, per_episode = decisions_per_second("schedrl/JobShop-v0", shop, args.seconds)
    row(f"{args.reference} ({shop.num_jobs}x{shop.num_machines})", "JobShop-v0", "-", "-", "-",
        f"{shop.num_jobs * shop.num_machines:,}", f"{per_episode:.0f}", f"{reference:,.0f}",
        f"{1000 / reference:.3f}", "1.00")  # fmt: skip
    measured: dict[str, float] = {}  # scenario -> decisions per episode
    for name in args.scenarios:
        instance = scenario(name)
        rate, per_episode = decisions_per_second(EDGE_ENV, instance, args.seconds)
        measured[name] = per_episode
        nodes = gym.make(EDGE_ENV, instance=instance).observation_space["node_mask"].shape[0]  # type: ignore[index]
        local = f"{instance.local_freq / 1e9:g} GHz" if instance.local_enabled else "no"
        row(name, "EdgeOffload-v0", instance.num_edges, local, "legacy" if instance.legacy_rate else "physical",
            nodes, f"{per_episode:.0f}", f"{rate:,.0f}", f"{1000 / rate:.3f}", f"{rate / reference:.2f}")  # fmt: skip

    if args.policies:
        print(f"\nDecision latency: scenario {args.latency_scenario}, torch threads {args.threads}, median of "
              f"{args.decisions} decisions spread over a random episode; one fresh process per row\n")  # fmt: skip
        table(["policy", "scenario", "nodes", "timed", "decision ms", "fastest ms", "slowest ms", "uncached ms",
               "peak RSS MB", "rise MB"], "llrrrrrrrr")  # fmt: skip
        every = max(1, int(measured.get(args.latency_scenario, 1) // args.decisions))
        for policy_name in args.policies:
            point = run_latency(policy_name, args.latency_scenario, every, args)
            uncached = "-" if point["uncached_ms"] is None else f"{point['uncached_ms']:.3f}"
            row(policy_name, args.latency_scenario, point["nodes"], point["timed"], f"{point['latency_ms']:.3f}",
                f"{point['fastest_ms']:.3f}", f"{point['slowest_ms']:.3f}", uncached, f"{point['peak_mb']:,.0f}",
                f"{point['rise_mb']:,.0f}")  # fmt: skip

    if args.training:
        training_table(EDGE_ENV, EXPERIMENT, "generated scenarios", args)


if __name__ == "__main__":
    main()
