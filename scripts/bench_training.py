"""PPO training throughput (environment steps per second, rollouts and updates included)
by instance size, number of envs and vector-env mode, as ratios to the first
configuration measured in the same run.

    python scripts/bench_training.py                                   # 10x10 and 20x20; 1, 4, 16 envs
    python scripts/bench_training.py --sizes 10x10 --n-envs 4 --modes dummy --device cuda
    python scripts/bench_training.py --n-envs 16 256 1024 --n-steps 32 --device cuda   # rollouts grow with n_envs
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from stable_baselines3.common.vec_env import VecEnv

from schedrl import envs  # noqa: F401 (registers the envs)
from schedrl.agents.training import build_model, make_vec_env, network_options

AGENT = {
    "learning_rate": 3e-4, "batch_size": 256, "n_epochs": 4, "gamma": 1.0, "gae_lambda": 0.95,
    "clip_range": 0.2, "ent_coef": 0.01, "vf_coef": 0.5, "max_grad_norm": 0.5,
}  # fmt: skip


def make_model(
    jobs: int,
    machines: int,
    n_envs: int,
    mode: str,
    rollout: int,
    device: str,
    env_id: str = "schedrl/JobShop-v0",
    scenario: dict[str, Any] | None = None,
) -> tuple[Any, VecEnv]:
    """A MaskablePPO model with the GIN 3x64 policy on random `jobs` x `machines` shops, and
    its vec env (to close). `scenario`: more generator fields (a blocking shop's shutdown
    probabilities, say)."""
    kwargs = {"generator": {"num_jobs": jobs, "num_machines": machines, **(scenario or {})}}
    return model_for(env_id, kwargs, n_envs, mode, rollout, device)


def model_for(
    env_id: str, env_kwargs: dict[str, Any], n_envs: int, mode: str, rollout: int, device: str
) -> tuple[Any, VecEnv]:
    """A MaskablePPO model with the GIN 3x64 policy on `env_id` made with `env_kwargs` (any
    family), and its vec env (to close)."""
    vec_env = make_vec_env(env_id, env_kwargs, n_envs, mode, seed=0)
    agent = {**AGENT, "n_steps": max(rollout // n_envs, 1)}
    network = network_options({"encoder": "gin", "hidden": 64, "layers": 3}, vec_env.observation_space)
    return build_model({"agent": agent, "seed": 0, "device": device}, vec_env, network), vec_env


def steps_per_second(
    jobs: int,
    machines: int,
    n_envs: int,
    mode: str,
    rollout: int,
    device: str,
    env_id: str = "schedrl/JobShop-v0",
    scenario: dict[str, Any] | None = None,
) -> float:
    return timed_learning(*make_model(jobs, machines, n_envs, mode, rollout, device, env_id, scenario), rollout)


def timed_learning(model: Any, vec_env: Any, rollout: int) -> float:
    """Steps per second of two rollouts of `rollout` steps and their updates, after a
    warm-up rollout and update; closes `vec_env`."""
    try:
        model.learn(total_timesteps=rollout)  # warm-up: first rollout and update
        began = time.perf_counter()
        model.learn(total_timesteps=2 * rollout, reset_num_timesteps=False)
        return 2 * rollout / (time.perf_counter() - began)
    finally:
        vec_env.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["10x10", "20x20"])
    parser.add_argument("--n-envs", nargs="+", type=int, default=[1, 4, 16])
    parser.add_argument("--modes", nargs="+", default=["dummy", "subproc", "batched"])
    parser.add_argument("--rollout", type=int, default=1024, help="decisions per rollout (n_steps x n_envs)")
    parser.add_argument(
        "--n-steps", type=int, help="decisions per env per rollout instead: the rollout grows with n_envs"
    )
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    reference = None
    print(f"{'size':>6} {'mode':>8} {'n_envs':>6} {'steps/s':>9} {'ratio':>6}")
    for size in args.sizes:
        jobs, machines = (int(part) for part in size.split("x"))
        for mode in args.modes:
            for n_envs in args.n_envs:
                rollout = args.n_steps * n_envs if args.n_steps else args.rollout
                rate = steps_per_second(jobs, machines, n_envs, mode, rollout, args.device)
                reference = reference or rate
                print(f"{size:>6} {mode:>8} {n_envs:>6} {rate:>9.0f} {rate / reference:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
