"""Throughput of `schedrl/UAMFleet-v0`, against the job shop measured in the same run.

Why: a UAM day asks one decision per aircraft on the ground per 15-minute slot (the default
8-vertiport, 40-aircraft city takes about 2,000 a day, the 20-vertiport, 200-aircraft one
about 7,000), each works out the aircraft's legal flights (charge, parking and pads at both
ends, route closures over the flight) and rewrites every vertiport and aircraft row of the
observation, and the route edges grow with the square of the vertiports. This script shows
what a decision costs on the small, default and scaling cities, as a ratio to `JobShop-v0`
on ta71 (scripts/bench_vm.py's, bench_soc.py's and bench_edge.py's reference), what an
untrained policy's decisions cost there, the memory of an env and a policy on the scaling
city, and PPO training's steps per second.

    python scripts/bench_uam.py --threads 1                      # env, latency and memory tables, about 1.5 min
    python scripts/bench_uam.py --threads 1 --training           # and the training table, about 3 min
    python scripts/bench_uam.py --scenarios v20a200 --policies gin --seconds 1

Env rows: a policy plays whole episodes (reset and every step, the observation included,
all timed; an aircraft that can only stay is moved inside a step, as in training) for at
least `--seconds` and 3 episodes: a uniformly random legal one, and the greedy rule of
`schedrl.envs.uam.rules` (charge below 60 % when a charger is free, else fly where the most
passengers wait) reading the simulation. The ratio is the row's decisions per second over
the reference's (`JobShop-v0` on `--reference`, its random legal policy, the same
measurement). Scenarios (`SCENARIOS`): `UAMInstance(vertiports=city_layout(V, A),
num_aircraft=A, seed=0)`, the other fields at their defaults (64 slots, 06:00-22:00, demand,
delays, closures and downtime drawn from the seed): 4 vertiports and 8 aircraft, the default
8 and 40, and 20 and 200. Every episode meets the same day; the random policy differs.

Latency rows: for each policy and scenario, a fresh subprocess (so peaks do not mix) builds
the env and a randomly initialised `GraphPolicyNetwork` (GIN or GAT, 3x64, the configs'
encoder options) acting through `LearnedPolicy.act` (tensors from the observation, one
forward pass on a batch of one, argmax over the legal nodes) with `--threads` torch threads
(use 1 while anything else runs), and drives one episode with the random legal policy; at
every k-th decision (k = the scenario's decisions per episode in the env table over
`--decisions`, 1 without an env row) it times one decision of the network. Reported: the
median, fastest and slowest decision, the process's peak RSS (`ru_maxrss`) and its rise
above the baseline taken after a warm-up decision on the small city.

Memory rows (`--memory-scenario`, the scaling city by default): per network, a fresh
subprocess takes the warm-up decision above on the small city, then builds the env and
the network on the scenario and plays a whole day, the random legal policy stepping the
env and the network deciding at every k-th decision as above. Reported: the peak RSS, its
rise above the baseline taken before the env and the network were built (both and the
episode), the peak of Python's heap over the same span (`tracemalloc`: the env's arrays
and objects; torch's tensors are not traced), the network's parameters, and one
observation's size.

Training row (`--training`): MaskablePPO, GIN 3x64, `--n-envs` envs under DummyVecEnv, on
the env config of `train.py experiment=uam/uam_8v40a` (composed by Hydra from configs/: city
days of 4 to 8 vertiports and 8 to 40 aircraft drawn per episode, envelope 8 and 40), steps
per second of rollouts and updates after a warm-up rollout, against `JobShop-v0` on random
10x10 instances with the same agent settings (scripts/bench_training.py's measurement: batch
256, 4 epochs; the rollout defaults to the experiment's 512 x 8), and the process's peak RSS
after each row.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from bench_blocking import episodes_per_second, uniform_legal
from bench_edge import timed_act
from bench_soc import add_shared_arguments, latency_summary, training_table
from bench_vm import ENCODER_OPTIONS, decisions_per_second, peak_rss_mb, row, table

from schedrl import envs  # noqa: F401 (registers the envs)
from schedrl.envs.jobshop import load_benchmark
from schedrl.envs.uam.instance import UAMInstance, city_layout
from schedrl.envs.uam.rules import greedy

UAM_ENV = "schedrl/UAMFleet-v0"
SCENARIOS: dict[str, tuple[int, int]] = {"v4a8": (4, 8), "v8a40": (8, 40), "v20a200": (20, 200)}  # (V, A)
ENV_POLICIES: dict[str, Callable[[Any, np.random.Generator], int]] = {
    "random": uniform_legal,
    "greedy": lambda core, rng: core.node_of(greedy(core.sim)),
}
NETWORKS = ("gin", "gat")
WARM_UP = "v4a8"
EXPERIMENT = "uam/uam_8v40a"


def scenario(name: str) -> UAMInstance:
    ports, fleet = SCENARIOS[name]
    return UAMInstance(name=name, group=name, vertiports=city_layout(ports, fleet), num_aircraft=fleet, seed=0)


def build_policy(name: str, env: gym.Env, threads: int) -> Any:
    """A randomly initialised 3x64 GNN policy acting greedily on `threads` torch threads."""
    import torch

    from schedrl.agents.inference import LearnedPolicy
    from schedrl.agents.training import network_options
    from schedrl.networks import GraphPolicyNetwork, NetworkConfig

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    options = {"encoder": name, "hidden": 64, "layers": 3, "encoder_options": ENCODER_OPTIONS[name]}
    network = GraphPolicyNetwork(NetworkConfig(**network_options(options, env.observation_space))).eval()
    return LearnedPolicy(network, UAM_ENV, {})


def warm_up(policy_name: str, threads: int) -> None:
    """One decision on the small city: lazy library set-up is not counted."""
    warm = gym.make(UAM_ENV, instance=scenario(WARM_UP))
    timed_act(build_policy(policy_name, warm, threads), warm.reset(seed=0)[0], warm)


def measure_latency(policy_name: str, name: str, decisions: int, every: int, threads: int) -> dict:
    """Decision latency and peak memory of one (network, scenario) (call in a fresh process)."""
    env = gym.make(UAM_ENV, instance=scenario(name))
    core = env.unwrapped
    policy = build_policy(policy_name, env, threads)
    warm_up(policy_name, threads)
    baseline = peak_rss_mb()
    obs, _ = env.reset(seed=0)
    timed_act(policy, obs, env)  # the first pass at this size: not timed
    rng = np.random.default_rng(0)
    latencies: list[float] = []
    step = 0
    while len(latencies) < decisions and not core.done:  # type: ignore[attr-defined]
        if step % every == 0:
            latencies.append(timed_act(policy, obs, env))
        obs, *_ = env.step(uniform_legal(core, rng))
        step += 1
    return latency_summary(obs, latencies, baseline)


def measure_memory(policy_name: str, name: str, every: int, threads: int) -> dict:
    """Memory of an env and a network on `name` over a whole day (call in a fresh process)."""
    warm_up(policy_name, threads)
    gc.collect()
    baseline = peak_rss_mb()
    tracemalloc.start()
    env = gym.make(UAM_ENV, instance=scenario(name))
    core = env.unwrapped
    policy = build_policy(policy_name, env, threads)
    obs, _ = env.reset(seed=0)
    rng = np.random.default_rng(0)
    step = 0
    while not core.done:  # type: ignore[attr-defined]
        if step % every == 0:
            timed_act(policy, obs, env)
        obs, *_ = env.step(uniform_legal(core, rng))
        step += 1
    heap_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak = peak_rss_mb()
    return {
        "decisions": step,
        "peak_mb": peak,
        "rise_mb": peak - baseline,
        "heap_mb": heap_peak / 2**20,
        "parameters": sum(p.numel() for p in policy.network.parameters()),
        "observation_kb": sum(np.asarray(value).nbytes for value in obs.values()) / 2**10,
    }


def run_point(policy_name: str, name: str, every: int, args: argparse.Namespace, memory: bool = False) -> dict:
    command = [sys.executable, __file__, "--point", policy_name, name, "--every", str(every),
               "--decisions", str(args.decisions), "--threads", str(args.threads)]  # fmt: skip
    done = subprocess.run(command + ["--memory"] * memory, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS), help="env rows")
    parser.add_argument("--env-policies", nargs="+", choices=ENV_POLICIES, default=list(ENV_POLICIES))
    parser.add_argument("--policies", nargs="*", choices=NETWORKS, default=list(NETWORKS), help="latency rows")
    parser.add_argument("--latency-scenarios", nargs="*", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--memory-scenario", choices=SCENARIOS, default="v20a200")
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    add_shared_arguments(parser, seconds=2.0, n_envs=8, steps=512, point="SCENARIO")
    args = parser.parse_args()
    if args.point:
        policy_name, name = args.point
        if args.memory:
            print(json.dumps(measure_memory(policy_name, name, args.every, args.threads)))
        else:
            print(json.dumps(measure_latency(policy_name, name, args.decisions, args.every, args.threads)))
        return

    shop = load_benchmark(args.reference)
    print(f"Env: whole episodes, at least {args.seconds} s and 3 episodes per row\n")
    table(["scenario", "env", "policy", "vertiports", "aircraft", "nodes", "decisions/episode", "decisions/s",
           "ms/decision", "ratio"], "lllrrrrrrr")  # fmt: skip
    reference, per_episode = decisions_per_second("schedrl/JobShop-v0", shop, args.seconds)
    row(f"{args.reference} ({shop.num_jobs}x{shop.num_machines})", "JobShop-v0", "random", "-", "-",
        f"{shop.num_jobs * shop.num_machines:,}", f"{per_episode:.0f}", f"{reference:,.0f}",
        f"{1000 / reference:.3f}", "1.00")  # fmt: skip
    measured: dict[str, float] = {}  # scenario -> decisions per episode of the random policy
    for name in args.scenarios:
        instance = scenario(name)
        nodes = gym.make(UAM_ENV, instance=instance).observation_space["node_mask"].shape[0]  # type: ignore[index]
        for policy_name in args.env_policies:
            episodes, per_episode = episodes_per_second(UAM_ENV, instance, args.seconds, ENV_POLICIES[policy_name])
            rate = episodes * per_episode
            if policy_name == "random":
                measured[name] = per_episode
            row(name, "UAMFleet-v0", policy_name, instance.num_vertiports, instance.num_aircraft, nodes,
                f"{per_episode:,.0f}", f"{rate:,.0f}", f"{1000 / rate:.3f}", f"{rate / reference:.2f}")  # fmt: skip

    def every(name: str) -> int:
        return max(1, int(measured.get(name, 1) // args.decisions))

    if args.policies and args.latency_scenarios:
        print(f"\nDecision latency: torch threads {args.threads}, median of {args.decisions} decisions spread over "
              "a random episode; one fresh process per row\n")  # fmt: skip
        table(["policy", "scenario", "nodes", "timed", "decision ms", "fastest ms", "slowest ms", "peak RSS MB",
               "rise MB"], "llrrrrrrr")  # fmt: skip
        for name in args.latency_scenarios:
            for policy_name in args.policies:
                point = run_point(policy_name, name, every(name), args)
                row(policy_name, name, f"{point['nodes']:,}", point["timed"], f"{point['latency_ms']:.2f}",
                    f"{point['fastest_ms']:.2f}", f"{point['slowest_ms']:.2f}", f"{point['peak_mb']:,.0f}",
                    f"{point['rise_mb']:,.0f}")  # fmt: skip

    if args.policies:
        print(f"\nMemory: env and network on {args.memory_scenario}, a whole random day with the network deciding "
              f"every {every(args.memory_scenario)} decisions; one fresh process per row\n")  # fmt: skip
        table(["policy", "scenario", "decisions", "peak RSS MB", "rise MB", "Python heap peak MB", "parameters",
               "observation KB"], "llrrrrrr")  # fmt: skip
        for policy_name in args.policies:
            point = run_point(policy_name, args.memory_scenario, every(args.memory_scenario), args, memory=True)
            row(policy_name, args.memory_scenario, f"{point['decisions']:,}", f"{point['peak_mb']:,.0f}",
                f"{point['rise_mb']:,.0f}", f"{point['heap_mb']:,.1f}", f"{point['parameters']:,}",
                f"{point['observation_kb']:,.1f}")  # fmt: skip

    if args.training:
        training_table(UAM_ENV, EXPERIMENT, "generated days", args)


if __name__ == "__main__":
    main()
