"""Throughput of `schedrl/BlockingJobShop-v0` beside the plain job shop on the same instances.

Why: blocking, swaps and shutdowns turn each dispatch into an event simulation (cycle
detection, repairs, interrupted processing), and under blocking most entries are forced
(a free machine with one job waiting), so an episode has far fewer decisions. This script
shows what that costs per schedule and per decision, and in PPO training, as ratios to the
plain job shop (`JobShop-v0`, non_delay) measured in the same run.

    python scripts/bench_blocking.py                          # ta01 (15x15), ta11 (20x15); p 0, 0.1, 0.2
    python scripts/bench_blocking.py --instances ta01 --seconds 1 --no-training

Env rows: a uniformly random legal policy plays whole episodes (reset, observation at every
step, all timed) for at least `--seconds`; `episodes/s` is schedules per second, and the
ratio is the blocking env's over the plain job shop's on the same routes. Training rows:
MaskablePPO with the GIN 3x64 policy on random 10x10 instances (the blocking shop over
p in {0, 0.05, 0.1, 0.2}), `--n-envs` envs in one process, steps per second of rollouts
and updates after a warm-up rollout (scripts/bench_training.py's measurement).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from bench_training import steps_per_second

from schedrl import envs  # noqa: F401 (registers the envs)
from schedrl.envs.blocking import BlockingJobShopInstance
from schedrl.envs.jobshop import load_benchmark

TRAINING_SCENARIO = {"shutdown_prob": [0.0, 0.05, 0.1, 0.2]}


def uniform_legal(core: Any, rng: np.random.Generator) -> int:
    return int(rng.choice(np.flatnonzero(core.action_masks())))


def episodes_per_second(
    env_id: str,
    instance: Any,
    seconds: float,
    choose: Callable[[Any, np.random.Generator], int] = uniform_legal,
    **env_kwargs: Any,
) -> tuple[float, float]:
    """(episodes/s, decisions per episode) of a random policy, by default uniform over the
    legal nodes; `choose(env, rng)` picks each action; `env_kwargs` go to `gym.make`."""
    env = gym.make(env_id, instance=instance, **env_kwargs)
    core = env.unwrapped
    rng = np.random.default_rng(0)

    def episode() -> int:
        env.reset(seed=0)
        steps = 0
        while not core.done:  # type: ignore[attr-defined]
            env.step(choose(core, rng))
            steps += 1
        return steps

    episode()  # warm-up
    episodes, steps, began = 0, 0, time.perf_counter()
    while time.perf_counter() - began < seconds or episodes < 3:
        steps += episode()
        episodes += 1
    return episodes / (time.perf_counter() - began), steps / episodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", nargs="+", default=["ta01", "ta11"])
    parser.add_argument("--probabilities", nargs="+", type=float, default=[0.0, 0.1, 0.2])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--rollout", type=int, default=1024)
    parser.add_argument("--no-training", action="store_true")
    args = parser.parse_args()
    print(
        f"{'instance':>9} {'env':>20} {'p':>5} {'episodes/s':>11} {'decisions/ep':>12} {'ms/decision':>11} {'ratio':>6}"
    )
    for name in args.instances:
        shop = load_benchmark(name)
        reference, decisions = episodes_per_second("schedrl/JobShop-v0", shop, args.seconds)
        print(f"{name:>9} {'JobShop-v0':>20} {'-':>5} {reference:>11.1f} {decisions:>12.0f} "
              f"{1000 / (reference * decisions):>11.3f} {1.0:>6.2f}", flush=True)  # fmt: skip
        for p in args.probabilities:
            blocking = BlockingJobShopInstance.from_job_shop(shop, shutdown_prob=p, seed=0)
            rate, decisions = episodes_per_second("schedrl/BlockingJobShop-v0", blocking, args.seconds)
            print(f"{name:>9} {'BlockingJobShop-v0':>20} {p:>5} {rate:>11.1f} {decisions:>12.0f} "
                  f"{1000 / (rate * decisions):>11.3f} {rate / reference:>6.2f}", flush=True)  # fmt: skip
    if args.no_training:
        return
    print(f"\n{'PPO training, 10x10':>24} {'steps/s':>9} {'ratio':>6}")
    plain = steps_per_second(10, 10, args.n_envs, "dummy", args.rollout, "cpu")
    print(f"{'JobShop-v0':>24} {plain:>9.0f} {1.0:>6.2f}", flush=True)
    blocking = steps_per_second(
        10, 10, args.n_envs, "dummy", args.rollout, "cpu", "schedrl/BlockingJobShop-v0", TRAINING_SCENARIO
    )
    print(f"{'BlockingJobShop-v0':>24} {blocking:>9.0f} {blocking / plain:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
