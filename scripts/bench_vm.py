"""Throughput and scale of `schedrl/VMReschedule-v0`, against the job shop measured in the same run.

Why: a VM snapshot is a large graph from the first step (the bundled medium one has 2,648
nodes, the large one 6,899), each migration takes two decisions (pick a VM, then its
destination NUMA node), and every step recomputes the observation over all nodes. This
script shows what a decision costs there, as a ratio to `JobShop-v0` on ta71 (100x20,
2,000 operation nodes, a graph of similar size to the medium snapshot), and whether each
policy encoder handles the 1,176-PM snapshot: decision latency and peak memory.

    python scripts/bench_vm.py                                   # env, greedy and scale tables, 1-2 minutes
    python scripts/bench_vm.py --seconds 1 --decisions 5 --training

Env rows: a uniformly random legal policy that never picks the stop node while a VM can
move (so every episode runs to `--mnl` migrations) plays whole episodes (reset and every
step, the observation included, all timed) for at least `--seconds`; the ratio is the
row's decisions per second over the reference's (`JobShop-v0` on `--reference`, its
random legal policy, the same measurement). Greedy rows: the greedy heuristic's whole
plan (`greedy_plan`, at most `--mnl` migrations), median of `--greedy-runs`.

Scale rows: for each encoder and snapshot, a fresh subprocess (so peaks do not mix) builds
the env and a randomly initialised `GraphPolicyNetwork` (3x64, the configs' encoder
options) and runs `--decisions` greedy decisions through `LearnedPolicy.act` (tensors from
the observation, one forward pass on a batch of one, argmax over the legal nodes), with
`--threads` torch threads (on a machine whose cores another job keeps busy, 2 threads made
decisions up to 100x slower than 1: use `--threads 1` there); the env is stepped by the
random policy above so both stages are met. Reported: the median and the fastest decision
(after one untimed pass at the snapshot's size), the median env step, the process's peak
RSS (`ru_maxrss`) and its rise above the baseline taken after building the env and the
network and a warm-up pass on a 5-PM snapshot. glibc's mmap threshold is left as it is,
unlike in scripts/bench_transformer_memory.py: pinned at 1 MiB, every tensor above 1 MiB
is mapped and unmapped on every pass, which made one-thread decisions 2x slower. The rise
is small and can vary between runs for that reason. An encoder that refuses the graph (the
transformer above its `max_nodes`) prints its reason.

Training row (`--training`): MaskablePPO, GIN 3x64, `--n-envs` envs under DummyVecEnv,
with the settings of configs/experiment/vm/medium.yaml (generated 30-60 PM snapshots, mnl
drawn from 4, 8, 12, 16, reward_scale 10), steps per second of rollouts and updates after
a warm-up rollout, against `JobShop-v0` on random 10x10 instances with the same agent
settings (scripts/bench_training.py's measurement).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import gymnasium as gym
import numpy as np
from bench_blocking import episodes_per_second

from schedrl import envs  # noqa: F401 (registers the envs)
from schedrl.envs.jobshop import load_benchmark
from schedrl.envs.vm.benchmarks import CATALOG
from schedrl.envs.vm.generator import SnapshotGenerator
from schedrl.envs.vm.instance import NUMA_PER_PM, VMSnapshot
from schedrl.envs.vm.rules import greedy_plan

VM_ENV = "schedrl/VMReschedule-v0"
GENERATED = "generated_280pm"  # SnapshotGenerator(num_pms=280).sample(np.random.default_rng(0))
SNAPSHOTS = ("medium_279pm", GENERATED, "large_1176pm")
ENCODERS = ("gin", "gat", "transformer")
# As in configs/network/*.yaml.
ENCODER_OPTIONS: dict[str, dict[str, Any]] = {"gin": {}, "gat": {"heads": 4}, "transformer": {"heads": 4}}
# configs/experiment/vm/medium.yaml over configs/env/vm.yaml.
TRAINING_KWARGS = {
    "generator": {"num_pms": [30, 60], "mnl": [4, 8, 12, 16], "target_cpu_util": 0.9, "best_fit_share": 0.4,
                  "churn": 0.5, "max_vms_per_pm": 10},
    "reward_scale": 10.0,
}  # fmt: skip


def snapshot(name: str, mnl: int) -> VMSnapshot:
    """A bundled snapshot by name, or the generated 280-PM one, with the migration limit `mnl`."""
    if name == GENERATED:
        instance = SnapshotGenerator(num_pms=280).sample(np.random.default_rng(0), name=GENERATED)
    else:
        instance = CATALOG.as_instance(name)
    return dataclasses.replace(instance, mnl=mnl)


def graph_nodes(instance: VMSnapshot) -> int:
    return NUMA_PER_PM * instance.num_pms + instance.num_vms + 1


def random_action(core: Any, rng: np.random.Generator, avoid_stop: bool) -> int:
    """A uniformly random legal node; with `avoid_stop`, the VM env's stop node only when
    nothing else is legal."""
    legal = np.flatnonzero(core.action_masks())
    if avoid_stop and legal.size > 1:
        legal = legal[legal != core.stop_node]
    return int(rng.choice(legal))


def decisions_per_second(env_id: str, instance: Any, seconds: float) -> tuple[float, float]:
    """(decisions/s, decisions per episode) of the random legal policy over whole episodes
    (on the VM env, stop only where nothing else is legal)."""
    avoid_stop = env_id == VM_ENV
    episodes, per_episode = episodes_per_second(
        env_id, instance, seconds, lambda core, rng: random_action(core, rng, avoid_stop)
    )
    return episodes * per_episode, per_episode


def greedy_seconds(instance: VMSnapshot, runs: int) -> tuple[float, int, float, float]:
    """(median seconds of one whole greedy plan, migrations, initial FR, final FR)."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        placement = greedy_plan(instance)
        times.append(time.perf_counter() - began)
    return statistics.median(times), len(placement.migrations), instance.initial_fragment_rate, placement.fragment_rate


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def network_config(encoder: str, max_nodes: int | None) -> Any:
    from schedrl.networks import NetworkConfig

    options = dict(ENCODER_OPTIONS[encoder])
    if encoder == "transformer" and max_nodes:
        options["max_nodes"] = max_nodes
    return NetworkConfig(encoder=encoder, node_features=11, edge_features=2, global_features=7, context_nodes=1,
                         hidden=64, layers=3, encoder_options=options)  # fmt: skip


def measure_point(encoder: str, name: str, mnl: int, decisions: int, threads: int, max_nodes: int | None) -> dict:
    """Decision latency, env step and peak memory of one (encoder, snapshot) (call in a fresh process)."""
    import torch

    from schedrl.agents.inference import LearnedPolicy
    from schedrl.errors import ConfigError
    from schedrl.networks import GraphPolicyNetwork

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    instance = snapshot(name, mnl)
    env = gym.make(VM_ENV, instance=instance)
    core = env.unwrapped
    obs, _ = env.reset(seed=0)
    network = GraphPolicyNetwork(network_config(encoder, max_nodes)).eval()
    nodes = int(obs["node_mask"].shape[0])
    try:
        network.check_graph_size(nodes)
    except ConfigError as error:
        return {"refused": str(error), "nodes": nodes}
    policy = LearnedPolicy(network, VM_ENV, {})
    tiny = gym.make(VM_ENV, generator={"num_pms": 5})  # warm-up: lazy library set-up is not counted
    tiny_obs, _ = tiny.reset(seed=0)
    policy.act(tiny_obs, tiny.unwrapped.action_masks())  # type: ignore[attr-defined]
    baseline = peak_rss_mb()
    policy.act(obs, core.action_masks())  # type: ignore[attr-defined]  # the first pass at this size: not timed
    rng = np.random.default_rng(0)
    latencies, steps = [], []
    for _ in range(decisions):
        began = time.perf_counter()
        policy.act(obs, core.action_masks())  # type: ignore[attr-defined]
        latencies.append(time.perf_counter() - began)
        action = random_action(core, rng, avoid_stop=True)
        began = time.perf_counter()
        obs, *_ = env.step(action)
        steps.append(time.perf_counter() - began)
        if core.done:  # type: ignore[attr-defined]
            obs, _ = env.reset(seed=0)
    peak = peak_rss_mb()
    return {
        "nodes": nodes,
        "latency_ms": 1000 * statistics.median(latencies),
        "fastest_ms": 1000 * min(latencies),
        "step_ms": 1000 * statistics.median(steps),
        "peak_mb": peak,
        "rise_mb": peak - baseline,
    }


def run_point(encoder: str, name: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--point", encoder, name, "--mnl", str(args.mnl),
               "--decisions", str(args.decisions), "--threads", str(args.threads)]  # fmt: skip
    if args.transformer_max_nodes:
        command += ["--transformer-max-nodes", str(args.transformer_max_nodes)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def table(header: list[str], align: str) -> None:
    """A Markdown header; `align` has one 'l' or 'r' per column."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if a == "l" else "---:" for a in align) + "|", flush=True)


def row(*cells: Any) -> None:
    print("| " + " | ".join(str(cell) for cell in cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snapshots", nargs="+", choices=SNAPSHOTS, default=list(SNAPSHOTS), help="env rows")
    parser.add_argument("--reference", default="ta71", help="JobShop-v0 benchmark instance of the reference row")
    parser.add_argument("--mnl", type=int, default=50, help="migration limit given to every snapshot")
    parser.add_argument("--seconds", type=float, default=3.0, help="per env row")
    parser.add_argument("--greedy-runs", type=int, default=3)
    parser.add_argument("--encoders", nargs="*", choices=ENCODERS, default=list(ENCODERS), help="scale rows")
    parser.add_argument("--scale-snapshots", nargs="*", choices=SNAPSHOTS, default=["medium_279pm", "large_1176pm"])
    parser.add_argument("--decisions", type=int, default=20, help="greedy decisions per scale row (median)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads in the scale rows")
    parser.add_argument(
        "--transformer-max-nodes", type=int, default=None, help="raise the transformer's max_nodes (default 2048)"
    )
    parser.add_argument("--training", action="store_true", help="also measure PPO training steps/s")
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--rollout", type=int, default=512, help="decisions per rollout (the experiment's 64 x 8)")
    parser.add_argument("--point", nargs=2, metavar=("ENCODER", "SNAPSHOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.point:
        encoder, name = args.point
        print(json.dumps(measure_point(encoder, name, args.mnl, args.decisions, args.threads,
                                       args.transformer_max_nodes)))  # fmt: skip
        return

    instances = {name: snapshot(name, args.mnl) for name in dict.fromkeys([*args.snapshots, *args.scale_snapshots])}
    shop = load_benchmark(args.reference)
    print(f"Env: random legal policy, whole episodes, mnl {args.mnl}, at least {args.seconds} s per row\n")
    table(["instance", "env", "PMs", "VMs", "nodes", "decisions/episode", "decisions/s", "ms/decision", "ratio"],
          "llrrrrrrr")  # fmt: skip
    reference, per_episode = decisions_per_second("schedrl/JobShop-v0", shop, args.seconds)
    size = f"{args.reference} ({shop.num_jobs}x{shop.num_machines})"
    row(size, "JobShop-v0", "-", "-", f"{shop.num_jobs * shop.num_machines:,}", f"{per_episode:.0f}",
        f"{reference:,.0f}", f"{1000 / reference:.3f}", "1.00")  # fmt: skip
    for name in args.snapshots:
        instance = instances[name]
        rate, per_episode = decisions_per_second(VM_ENV, instance, args.seconds)
        row(name, "VMReschedule-v0", instance.num_pms, f"{instance.num_vms:,}", f"{graph_nodes(instance):,}",
            f"{per_episode:.0f}", f"{rate:,.0f}", f"{1000 / rate:.3f}", f"{rate / reference:.2f}")  # fmt: skip

    print(f"\nGreedy heuristic: greedy_plan(instance), whole plan, mnl {args.mnl}, median of {args.greedy_runs}\n")
    table(["instance", "seconds/plan", "migrations", "ms/migration", "FR before", "FR after"], "lrrrrr")
    for name in args.snapshots:
        seconds, migrations, before, after = greedy_seconds(instances[name], args.greedy_runs)
        per_migration = f"{1000 * seconds / migrations:.1f}" if migrations else "-"
        row(name, f"{seconds:.3f}", migrations, per_migration, f"{before:.4f}", f"{after:.4f}")

    if args.encoders and args.scale_snapshots:
        from schedrl.networks.encoders import attention_bytes_per_graph

        print(f"\nScale: greedy decisions of a 3x64 policy (batch of 1), torch threads {args.threads}, "
              f"median of {args.decisions}; one fresh process per row\n")  # fmt: skip
        table(["encoder", "instance", "nodes", "decision ms", "fastest ms", "env step ms", "peak RSS MB", "rise MB",
               "note"], "llrrrrrrl")  # fmt: skip
        refusals = []
        for encoder in args.encoders:
            for name in args.scale_snapshots:
                point = run_point(encoder, name, args)
                nodes = f"{point['nodes']:,}"
                if "refused" in point:
                    estimate = attention_bytes_per_graph(point["nodes"], ENCODER_OPTIONS["transformer"]["heads"], 3)
                    row(encoder, name, nodes, "refused", "-", "-", "-", "-",
                        f"refused: above max_nodes (ConfigError); attention_bytes_per_graph: "
                        f"{estimate / 2**20:,.0f} MB per graph to train")  # fmt: skip
                    refusals.append(point["refused"])
                    continue
                times = (f"{point['latency_ms']:.1f}", f"{point['fastest_ms']:.1f}", f"{point['step_ms']:.2f}")
                row(encoder, name, nodes, *times, f"{point['peak_mb']:,.0f}", f"{point['rise_mb']:,.0f}", "")
        for reason in dict.fromkeys(refusals):
            print(f"\nrefused: {reason}")

    if args.training:
        from bench_training import model_for, steps_per_second, timed_learning

        print(f"\nPPO training: MaskablePPO, GIN 3x64, {args.n_envs} envs (DummyVecEnv), rollout {args.rollout}\n")
        table(["env", "instances", "steps/s", "ratio"], "llrr")
        plain = steps_per_second(10, 10, args.n_envs, "dummy", args.rollout, "cpu")
        row("JobShop-v0", "random 10x10", f"{plain:.0f}", "1.00")
        model = model_for(VM_ENV, TRAINING_KWARGS, args.n_envs, "dummy", args.rollout, "cpu")
        vm = timed_learning(*model, args.rollout)
        row("VMReschedule-v0", "generated 30-60 PMs, mnl 4-16", f"{vm:.0f}", f"{vm / plain:.2f}")


if __name__ == "__main__":
    main()
