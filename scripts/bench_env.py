"""Dispatch throughput of `schedrl/JobShop-v0` next to the peer job-shop environments.

Why: an RL run spends most of its CPU time stepping the environment, so the env's speed,
observation included, bounds how fast we can train. This script measures it on Taillard
instances with a uniformly random legal policy and, when the project's `bench` extra is
installed (`bash scripts/setup.sh dev,wandb,bench`), measures the peer environments JSSEnv and
job-shop-lib on the same instances in the same run. A peer that is not installed (or
fails) is reported as skipped; the script never stops because of a peer.

    python scripts/bench_env.py                                   # ta01, ta41, ta71
    python scripts/bench_env.py --instances ft06 ta01 --seconds 1 --dynamics active --no-peers

The `schedrl batched xB` row runs B episodes at once in the numpy-batched engine
(`schedrl.envs.jobshop.batched`, non_delay only) in this one process; its episodes/s against
JSSEnv's is the per-core comparison for batched simulation (`--batch 0` skips it).

`--auto-compare` measures only the batched engine, with `auto_single_choice` on (forced
moves taken inside `step`) against off (each forced move is a step of its own, the
reference), on B generated Taillard-style instances per size (seed 0), for each size and B:

    python scripts/bench_env.py --auto-compare                    # 10x10 15x15 20x20, B = 1 64 256 1024
    python scripts/bench_env.py --auto-compare --sizes 6x6 --batches 1 8 --seconds 0.5

Every measurement builds the env once (not timed), plays one warm-up episode, then plays
full episodes (reset, observation at every step, and the policy's own cost, all timed)
until at least `--seconds` have passed. The policy is the same for every env: take the
env's legal actions and pick one with `numpy.random.Generator.choice` (one generator,
seed 0, per measurement).

How to read the table: `steps/ep` is the number of decisions per episode; it differs
between envs (ours applies forced choices inside `step` (`auto_single_choice`), JSSEnv
adds no-op "wait" steps, job-shop-lib takes exactly one step per operation), so `steps/s`
is not comparable across envs. Compare `episodes/s`, i.e. complete schedules per
second: the ratio column is ours (the `gym.make` env users get) divided by the row's
env, so "ours 3.10x JSSEnv" means ours builds 3.1 times as many schedules per second,
and a ratio below 1 means the peer is faster. The `schedrl (unwrapped)` row is
`JobShopEnv` without Gymnasium's wrappers, to show what the wrappers cost.

The envs do not build the same schedules, so this compares the cost of producing a full
schedule with an observation, not schedule quality:

* schedrl: the disjunctive-graph observation (see `JobShopEnv`) and the `--dynamics`
  schedule-generation scheme (default `non_delay`), `gym.make` defaults otherwise.
* JSSEnv (`JssEnv`): a per-job 7-feature matrix plus the action mask; event-driven
  dispatch with its own pruning heuristics and a no-op action (the last index). Built
  directly from a temporary file in the standard format, not with `gym.make("jss-v1")`:
  its `reset()` has the pre-Gymnasium-0.26 signature (no `seed`/`options`, returns only
  the observation), which Gymnasium 1.x's wrappers reject with a `TypeError`.
* job-shop-lib (`SingleJobShopGraphEnv`): the library's default graph (resource-task
  graph, `build_resource_task_graph`, the default of its `MultiJobShopGraphEnv`) with its
  defaults otherwise (`ResidualGraphUpdater`, `MakespanReward`, padding on, the
  `filter_dominated_operations` action filter, i.e. a Giffler-Thompson-like conflict
  set), and the feature observers closest to our node features: is_ready,
  earliest_start_time, duration, is_scheduled, remaining_operations (for operations,
  machines and jobs). Its disjunctive graph is slower still on large instances (a
  complete clique per machine: about 200k edges on ta71). Legal actions come from
  `info["available_operations_with_ids"]`.

`--dynamics` only changes ours; the peers have no such option.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import gymnasium as gym
import numpy as np

from schedrl import envs
from schedrl.envs.jobshop import JobShopEnv, JobShopGenerator, JobShopInstance, load_benchmark
from schedrl.envs.jobshop.batched import BatchedJobShop
from schedrl.envs.jobshop.dynamics import DYNAMICS
from schedrl.envs.jobshop.parser import format_standard

SEED = 0
INSTALL_HINT = "bash scripts/setup.sh dev,wandb,bench"
BASELINE = "schedrl (gym.make)"

Episode = Callable[[np.random.Generator], int]
"""Plays one full episode (reset included) with the random legal policy; returns its step count."""


def schedrl_episode(instance: JobShopInstance, dynamics: str, *, wrapped: bool) -> Episode:
    env: gym.Env
    if wrapped:
        env = gym.make("schedrl/JobShop-v0", instance=instance, dynamics=dynamics)
    else:
        env = JobShopEnv(instance, dynamics=dynamics)
    core = env.unwrapped
    assert isinstance(core, JobShopEnv)

    def episode(rng: np.random.Generator) -> int:
        env.reset()
        terminated = core.done  # every choice may already be forced at reset
        steps = 0
        while not terminated:
            action = rng.choice(np.flatnonzero(core.action_masks()))
            _, _, terminated, _, _ = env.step(action)
            steps += 1
        return steps

    return episode


def schedrl_batched_episodes(instances: list[JobShopInstance], *, auto: bool = True) -> Episode:
    """One episode of each instance (all of one size), all at once in the batched engine;
    returns the decisions taken over all of them (one random legal node per running episode per step)."""
    batch = len(instances)
    engine = BatchedJobShop(batch, *instances[0].shape, auto_single_choice=auto)

    def episodes(rng: np.random.Generator) -> int:
        engine.reset(instances)
        steps = 0
        while not engine.done.all():
            steps += int((~engine.done).sum())
            engine.step((rng.random((batch, engine.N), dtype=np.float32) * engine.action_masks()).argmax(axis=1))
        return steps

    return episodes


def jssenv_episode(instance: JobShopInstance) -> Episode:
    from JSSEnv.envs import JssEnv

    with tempfile.TemporaryDirectory() as folder:  # JssEnv reads the file in its constructor only
        path = Path(folder) / instance.name
        path.write_text(format_standard(instance), encoding="utf-8")
        env = JssEnv({"instance_path": path})

    def episode(rng: np.random.Generator) -> int:
        obs = env.reset()
        done = False
        steps = 0
        while not done:
            action = rng.choice(np.flatnonzero(obs["action_mask"]))
            obs, _, done, _, _ = env.step(action)
            steps += 1
        return steps

    return episode


def job_shop_lib_episode(instance: JobShopInstance) -> Episode:
    from job_shop_lib import JobShopInstance as PeerInstance
    from job_shop_lib.dispatching.feature_observers import FeatureObserverType
    from job_shop_lib.graphs import build_resource_task_graph
    from job_shop_lib.reinforcement_learning import SingleJobShopGraphEnv

    peer_instance = PeerInstance.from_matrices(
        instance.durations.tolist(), instance.machines.tolist(), name=instance.name
    )
    features = [
        FeatureObserverType.IS_READY,
        FeatureObserverType.EARLIEST_START_TIME,
        FeatureObserverType.DURATION,
        FeatureObserverType.IS_SCHEDULED,
        FeatureObserverType.REMAINING_OPERATIONS,
    ]
    env = SingleJobShopGraphEnv(build_resource_task_graph(peer_instance), feature_observer_configs=features)

    def episode(rng: np.random.Generator) -> int:
        _, info = env.reset()
        done = False
        steps = 0
        while not done:
            legal: list[tuple[int, int, int]] = info["available_operations_with_ids"]
            _, machine, job = legal[rng.choice(len(legal))]
            _, _, done, _, info = env.step((job, machine))
            steps += 1
        return steps

    return episode


@dataclass(frozen=True)
class Peer:
    name: str  # also the distribution name on PyPI
    module: str
    make: Callable[[JobShopInstance], Episode]


PEERS = (
    Peer("JSSEnv", "JSSEnv", jssenv_episode),
    Peer("job-shop-lib", "job_shop_lib", job_shop_lib_episode),
)


@dataclass(frozen=True)
class Measurement:
    instance: str
    env: str
    episodes: int
    steps: int
    seconds: float

    @property
    def steps_per_episode(self) -> float:
        return self.steps / self.episodes

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds

    @property
    def episodes_per_second(self) -> float:
        return self.episodes / self.seconds


def measure(instance: str, env: str, episode: Episode, seconds: float, per_call: int = 1) -> Measurement:
    """One warm-up call, then whole calls (`per_call` episodes each) until `seconds` have passed."""
    print(f"measuring {env} on {instance} ...", file=sys.stderr, flush=True)
    rng = np.random.default_rng(SEED)
    episode(rng)
    episodes = steps = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        steps += episode(rng)
        episodes += per_call
        elapsed = time.perf_counter() - start
    return Measurement(instance, env, episodes, steps, elapsed)


def installed_peers(peers: tuple[Peer, ...]) -> tuple[list[Peer], list[str]]:
    """The peers that import, and a line for each one that does not."""
    usable: list[Peer] = []
    notes: list[str] = []
    for peer in peers:
        try:
            importlib.import_module(peer.module)
        except ImportError as error:
            notes.append(f"{peer.name}: skipped, not importable ({error}); install the peers with: {INSTALL_HINT}")
        else:
            usable.append(peer)
    return usable, notes


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}" if value >= 1 else f"{value:.3g}"


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with padded columns."""
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
        for row in (header, *rows)
    ]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def table(measurements: list[Measurement]) -> str:
    """A Markdown table; the ratio is ours (gym.make) episodes/s over the row's."""
    ours = {m.instance: m.episodes_per_second for m in measurements if m.env == BASELINE}
    header = ("instance", "env", "steps/ep", "steps/s", "episodes/s", "ratio vs ours")
    rows = [
        (
            m.instance,
            m.env,
            f"{m.steps_per_episode:.1f}",
            number(m.steps_per_second),
            number(m.episodes_per_second),
            "baseline" if m.env == BASELINE else f"ours {ours[m.instance] / m.episodes_per_second:.2f}x {m.env}",
        )
        for m in measurements
    ]
    return markdown(header, rows)


def auto_compare(sizes: list[tuple[int, int]], batches: list[int], seconds: float) -> str:
    """The batched engine with forced moves taken inside `step` against the reference, each
    forced move a step of its own: a Markdown table, one row per size and batch."""
    rows = []
    for jobs, machines in sizes:
        for batch in batches:
            instances = JobShopGenerator(jobs, machines).sample_set(batch, seed=SEED)
            name = f"{jobs}x{machines}"
            off, on = (
                measure(name, f"batched x{batch} auto={auto}", schedrl_batched_episodes(instances, auto=auto),
                        seconds, batch)
                for auto in (False, True)
            )  # fmt: skip
            rows.append(
                (
                    name,
                    str(batch),
                    f"{off.steps_per_episode:.1f}",
                    number(off.episodes_per_second),
                    f"{on.steps_per_episode:.1f}",
                    number(on.episodes_per_second),
                    f"{on.episodes_per_second / off.episodes_per_second:.2f}",
                )
            )
    header = ("size", "B", "steps/ep off", "episodes/s off", "steps/ep on", "episodes/s on", "on / off")
    return markdown(header, rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="+", default=["ta01", "ta41", "ta71"], help="benchmark names")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum timed seconds per measurement")
    parser.add_argument("--dynamics", choices=sorted(DYNAMICS), default="non_delay", help="our scheme only")
    parser.add_argument("--peers", action=argparse.BooleanOptionalAction, default=True, help="also the peer envs")
    parser.add_argument("--batch", type=int, default=256, help="episodes at once in the batched engine (0: skip)")
    parser.add_argument("--auto-compare", action="store_true", help="only the batched engine: auto_single_choice")
    parser.add_argument("--sizes", nargs="+", default=["10x10", "15x15", "20x20"], help="with --auto-compare: JxM")
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 64, 256, 1024], help="with --auto-compare")
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    try:
        args.sizes = [tuple(int(part) for part in size.split("x")) for size in args.sizes]
    except ValueError:
        args.sizes = []
    if not all(len(size) == 2 and min(size) >= 1 for size in args.sizes):
        parser.error("--sizes takes JOBSxMACHINES sizes such as 15x15")
    if min(args.batches) < 1:
        parser.error(f"--batches must be positive, got {args.batches}")
    try:
        args.instances = [load_benchmark(name) for name in args.instances]
    except envs.UnknownNameError as error:
        parser.error(str(error))
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.auto_compare:
        print(f"# batched engine, auto_single_choice off (reference) vs on; generated instances (seed {SEED}),")
        print(f"# random legal actions; >= {args.seconds:g} s per cell after 1 warm-up call; numpy {version('numpy')}")
        print(auto_compare(args.sizes, args.batches, args.seconds))
        return
    peers, notes = installed_peers(PEERS) if args.peers else ([], ["peers: not measured (--no-peers)"])
    measurements: list[Measurement] = []
    for instance in args.instances:
        for env, wrapped in ((BASELINE, True), ("schedrl (unwrapped)", False)):
            episode = schedrl_episode(instance, args.dynamics, wrapped=wrapped)
            measurements.append(measure(instance.name, env, episode, args.seconds))
        if args.batch and args.dynamics == "non_delay":  # the batched engine implements non_delay
            batched = schedrl_batched_episodes([instance] * args.batch)
            measurements.append(
                measure(instance.name, f"schedrl batched x{args.batch}", batched, args.seconds, args.batch)
            )
        for peer in peers:
            try:
                measurements.append(measure(instance.name, peer.name, peer.make(instance), args.seconds))
            except Exception as error:  # a broken peer must not stop the benchmark
                notes.append(f"{peer.name} on {instance.name}: skipped, failed with {type(error).__name__}: {error}")
    versions = ", ".join(f"{name} {package_version(name)}" for name in ("gymnasium", "numpy", *(p.name for p in PEERS)))
    sizes = ", ".join(f"{i.name} {i.num_jobs}x{i.num_machines}" for i in args.instances)
    print(f"# {sizes}; our dynamics: {args.dynamics}; >= {args.seconds:g} s per row after 1 warm-up episode")
    print(f"# random legal actions (numpy Generator.choice, seed {SEED}); {versions}")
    print(table(measurements))
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
