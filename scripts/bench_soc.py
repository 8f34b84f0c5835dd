"""Throughput of `schedrl/SoC-v0` on its job streams, against the job shop measured in the same run.

Why: a SoC observation holds every task of every job in the system (the 451-task
pulse-Doppler DAG with 3 jobs in parallel is a 1,369-node graph, the WiFi stream with 12 in
parallel 424 nodes) and is rebuilt at every decision, and a decision is taken per task
("eft": pick the task, EFT places it) or two per task ("direct": the task, then its PE).
This script shows what a decision costs on each stream, as a ratio to `JobShop-v0` on ta71
(scripts/bench_vm.py's reference), and what a rule's and an untrained policy's decisions
cost there, with memory.

    python scripts/bench_soc.py                                 # env and latency tables, about a minute
    python scripts/bench_soc.py --streams canonical --latency-streams wifi --policies etf gin --training

Env rows: a uniformly random legal policy plays whole episodes (reset and every step, the
observation included, all timed; forced choices are taken inside a step, as in training)
for at least `--seconds` and 3 episodes, in each `--modes` action mode; the ratio is the
row's decisions per second over the reference's (`JobShop-v0` on `--reference`, its random
legal policy, the same measurement). Streams (`STREAMS`, seed 0, no noise): the pulse-Doppler
radar DAG on DS3's 16-PE SoC (5 jobs, 3 in parallel, a job every 500 µs on average), the WiFi
TX/RX mix there (50 jobs, 12 in parallel, every 50 µs) and the HEFT paper's 10-task DAG on
3 CPUs (50 jobs, 3 in parallel, every 50 µs).

Latency rows: for each policy and stream, a fresh subprocess (so peaks do not mix) builds
the env (`--latency-mode`) and the ETF rule or a randomly initialised `GraphPolicyNetwork`
(GIN or GAT, 3x64, the configs' encoder options) and drives one episode with the random
legal policy above; at every k-th decision (k = the stream's decisions per episode in the
env table over `--decisions`, so the timed ones spread over the episode; 1 without an env
row) it times one
decision of the measured policy: `ListRule.act` reading the simulation, or
`LearnedPolicy.act` (tensors from the observation, one forward pass on a batch of one,
argmax over the legal nodes), with `--threads` torch threads (use 1 while anything else
runs). Reported: the median, fastest and slowest decision, the process's peak RSS
(`ru_maxrss`; the script's imports load torch even in the rule's process) and its rise above
the baseline taken after a warm-up decision on the single canonical DAG.

Training row (`--training`): MaskablePPO, GIN 3x64, `--n-envs` envs under DummyVecEnv, on
the env config of `train.py experiment=soc/wifi` (composed by Hydra from configs/), steps per
second of rollouts and updates after a warm-up rollout, against `JobShop-v0` on random
10x10 instances with the same agent settings (scripts/bench_training.py's measurement), and
the process's peak RSS after each row.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from bench_blocking import episodes_per_second, uniform_legal
from bench_vm import ENCODER_OPTIONS, decisions_per_second, peak_rss_mb, row, table

from schedrl import envs  # noqa: F401 (registers the envs)
from schedrl.envs.jobshop import load_benchmark
from schedrl.envs.soc.env import ACTION_MODES
from schedrl.envs.soc.generator import StreamGenerator
from schedrl.envs.soc.instance import SoCInstance

SOC_ENV = "schedrl/SoC-v0"
STREAMS: dict[str, dict[str, Any]] = {
    "pulse_doppler": {"workload": "pulse_doppler", "num_jobs": 5, "max_jobs_in_parallel": 3, "scale": 500.0},
    "wifi": {"workload": "wifi", "num_jobs": 50, "max_jobs_in_parallel": 12, "scale": 50.0},
    "canonical": {"workload": "canonical", "num_jobs": 50, "max_jobs_in_parallel": 3, "scale": 50.0},
}
POLICIES = ("etf", "gin", "gat")
EXPERIMENT = "soc/wifi"


def stream(name: str) -> SoCInstance:
    spec = STREAMS[name]
    return StreamGenerator(**spec).build(name, spec["workload"], seed=0)


def envelope_nodes(instance: SoCInstance, mode: str) -> int:
    """Nodes of the padded graph of an env fitted to `instance`."""
    space = gym.make(SOC_ENV, instance=instance, action_mode=mode).observation_space
    return int(space["node_mask"].shape[0])  # type: ignore[index]


def build_policy(name: str, env: gym.Env, mode: str, threads: int) -> Any:
    """The ETF rule, or a randomly initialised 3x64 GNN policy acting greedily on `threads`
    torch threads (the rule's process does not load torch)."""
    if name == "etf":
        from schedrl.envs.soc.rules import soc_baselines

        return soc_baselines()["etf"]
    import torch

    from schedrl.agents.inference import LearnedPolicy
    from schedrl.agents.training import network_options
    from schedrl.networks import GraphPolicyNetwork, NetworkConfig

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    options = {"encoder": name, "hidden": 64, "layers": 3, "encoder_options": ENCODER_OPTIONS[name]}
    network = GraphPolicyNetwork(NetworkConfig(**network_options(options, env.observation_space))).eval()
    return LearnedPolicy(network, SOC_ENV, {"action_mode": mode})


def measure_latency(policy_name: str, name: str, mode: str, decisions: int, every: int, threads: int) -> dict:
    """Decision latency and peak memory of one (policy, stream) (call in a fresh process)."""
    env = gym.make(SOC_ENV, instance=stream(name), action_mode=mode)
    core = env.unwrapped
    policy = build_policy(policy_name, env, mode, threads)
    warm = gym.make(SOC_ENV, instance="canonical", action_mode=mode)  # lazy library set-up is not counted
    policy.act(warm.reset(seed=0)[0], warm.unwrapped.action_masks(), warm)  # type: ignore[attr-defined]
    baseline = peak_rss_mb()
    obs, _ = env.reset(seed=0)
    policy.act(obs, core.action_masks(), env)  # type: ignore[attr-defined]  # the first pass at this size: not timed
    rng = np.random.default_rng(0)
    latencies: list[float] = []
    step = 0
    while len(latencies) < decisions and not core.done:  # type: ignore[attr-defined]
        if step % every == 0:
            began = time.perf_counter()
            policy.act(obs, core.action_masks(), env)  # type: ignore[attr-defined]
            latencies.append(time.perf_counter() - began)
        obs, *_ = env.step(uniform_legal(core, rng))
        step += 1
    return latency_summary(obs, latencies, baseline)


def latency_summary(obs: dict[str, np.ndarray], latencies: list[float], baseline: float) -> dict[str, Any]:
    """A latency row's figures: graph size, timed decisions, median / fastest / slowest ms, and
    the peak memory with its rise over `baseline` (MB)."""
    peak = peak_rss_mb()
    return {
        "nodes": int(obs["node_mask"].shape[0]),
        "timed": len(latencies),
        "latency_ms": 1000 * statistics.median(latencies),
        "fastest_ms": 1000 * min(latencies),
        "slowest_ms": 1000 * max(latencies),
        "peak_mb": peak,
        "rise_mb": peak - baseline,
    }


def run_latency(policy_name: str, name: str, every: int, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--point", policy_name, name, "--every", str(every),
               "--latency-mode", args.latency_mode, "--decisions", str(args.decisions),
               "--threads", str(args.threads)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def experiment_env_kwargs(experiment: str = EXPERIMENT) -> dict[str, Any]:
    """The env kwargs `train.py experiment=<experiment>` trains with (soc/wifi by default)."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    configs = Path(__file__).resolve().parents[1] / "configs"
    with initialize_config_dir(config_dir=str(configs), version_base="1.3"):
        cfg = compose("train", overrides=[f"experiment={experiment}"])
    return dict(OmegaConf.to_container(cfg.env.kwargs, resolve=True))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", nargs="+", choices=STREAMS, default=list(STREAMS), help="env rows")
    parser.add_argument("--modes", nargs="+", choices=ACTION_MODES, default=list(ACTION_MODES))
    parser.add_argument("--policies", nargs="*", choices=POLICIES, default=list(POLICIES), help="latency rows")
    parser.add_argument("--latency-streams", nargs="*", choices=STREAMS, default=["pulse_doppler", "wifi"])
    parser.add_argument("--latency-mode", choices=ACTION_MODES, default="eft", help="as in experiment=soc/wifi")
    add_shared_arguments(parser, seconds=2.0, n_envs=8, steps=64, point="STREAM")
    args = parser.parse_args()
    if args.point:
        policy_name, name = args.point
        print(
            json.dumps(measure_latency(policy_name, name, args.latency_mode, args.decisions, args.every, args.threads))
        )
        return

    shop = load_benchmark(args.reference)
    print(f"Env: random legal policy, whole episodes, at least {args.seconds} s and 3 episodes per row\n")
    table(["stream", "env", "mode", "PEs", "jobs (in parallel)", "nodes", "decisions/episode", "decisions/s",
           "ms/decision", "ratio"], "lllrrrrrrr")  # fmt: skip
    reference, per_episode = decisions_per_second("schedrl/JobShop-v0", shop, args.seconds)
    row(f"{args.reference} ({shop.num_jobs}x{shop.num_machines})", "JobShop-v0", "-", "-", "-",
        f"{shop.num_jobs * shop.num_machines:,}", f"{per_episode:.0f}", f"{reference:,.0f}",
        f"{1000 / reference:.3f}", "1.00")  # fmt: skip
    measured: dict[tuple[str, str], float] = {}  # (stream, mode) -> decisions per episode
    for name in args.streams:
        instance = stream(name)
        for mode in args.modes:
            episodes, per_episode = episodes_per_second(SOC_ENV, instance, args.seconds, action_mode=mode)
            rate = episodes * per_episode
            measured[name, mode] = per_episode
            row(name, "SoC-v0", mode, instance.platform.num_pes,
                f"{instance.num_jobs} ({instance.max_jobs_in_parallel})", f"{envelope_nodes(instance, mode):,}",
                f"{per_episode:,.0f}", f"{rate:,.0f}", f"{1000 / rate:.3f}", f"{rate / reference:.2f}")  # fmt: skip

    if args.policies and args.latency_streams:
        print(f"\nDecision latency: action_mode {args.latency_mode}, torch threads {args.threads}, median of "
              f"{args.decisions} decisions spread over a random episode; one fresh process per row\n")  # fmt: skip
        table(["policy", "stream", "nodes", "timed", "decision ms", "fastest ms", "slowest ms", "peak RSS MB",
               "rise MB"], "llrrrrrrr")  # fmt: skip
        for name in args.latency_streams:
            every = max(1, int(measured.get((name, args.latency_mode), 1) // args.decisions))
            for policy_name in args.policies:
                point = run_latency(policy_name, name, every, args)
                row(policy_name, name, f"{point['nodes']:,}", point["timed"], f"{point['latency_ms']:.2f}",
                    f"{point['fastest_ms']:.2f}", f"{point['slowest_ms']:.2f}", f"{point['peak_mb']:,.0f}",
                    f"{point['rise_mb']:,.0f}")  # fmt: skip

    if args.training:
        training_table(SOC_ENV, EXPERIMENT, "generated streams", args)


def add_shared_arguments(parser: argparse.ArgumentParser, seconds: float, n_envs: int, steps: int, point: str) -> None:
    """The options every family's throughput script takes: the reference, the budgets, the
    training table's agent (the experiment's `n_envs` x `steps` rollout) and the latency
    subprocess's own call (`--point POLICY <point>`)."""
    parser.add_argument("--reference", default="ta71", help="JobShop-v0 benchmark instance of the reference row")
    parser.add_argument("--seconds", type=float, default=seconds, help="per env row (at least 3 episodes)")
    parser.add_argument("--decisions", type=int, default=20, help="timed decisions per latency row (median)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (latency and training rows)")
    parser.add_argument("--training", action="store_true", help="also measure PPO training steps/s")
    parser.add_argument("--n-envs", type=int, default=n_envs)
    rollout = f"decisions per rollout (the experiment's {steps} x {n_envs})"
    parser.add_argument("--rollout", type=int, default=n_envs * steps, help=rollout)
    parser.add_argument("--point", nargs=2, metavar=("POLICY", point), help=argparse.SUPPRESS)
    parser.add_argument("--every", type=int, default=1, help=argparse.SUPPRESS)


def training_table(env_id: str, experiment: str, instances: str, args: argparse.Namespace) -> None:
    """PPO's steps per second on the experiment's env config against the job shop's, one run."""
    import torch
    from bench_training import model_for, steps_per_second, timed_learning

    torch.set_num_threads(args.threads)
    print(f"\nPPO training: MaskablePPO, GIN 3x64, {args.n_envs} envs (DummyVecEnv), rollout {args.rollout}, "
          f"torch threads {args.threads}\n")  # fmt: skip
    table(["env", "instances", "steps/s", "ratio", "peak RSS MB so far"], "llrrr")
    plain = steps_per_second(10, 10, args.n_envs, "dummy", args.rollout, "cpu")
    row("JobShop-v0", "random 10x10", f"{plain:.0f}", "1.00", f"{peak_rss_mb():,.0f}")
    model = model_for(env_id, experiment_env_kwargs(experiment), args.n_envs, "dummy", args.rollout, "cpu")
    rate = timed_learning(*model, args.rollout)
    row(env_id.split("/")[1], f"experiment={experiment}'s {instances}", f"{rate:.0f}", f"{rate / plain:.2f}",
        f"{peak_rss_mb():,.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
