"""Where a PPO run's time goes: a short MaskablePPO run under cProfile, reported as the
share of the learning time spent in each phase (rollout collection vs update, and within
them env stepping, mask fetching, observation conversion, forward, backward, optimiser).

    python scripts/profile_training.py                      # 10x10, DummyVecEnv, 16 envs
    python scripts/profile_training.py --size 20x20 --mode batched --n-envs 16
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

from bench_training import make_model  # the sibling script: the same model and envs

# (label, file suffix, function name): cumulative time of each, as a share of learn().
PHASES = [
    ("learn (total)", "ppo_mask.py", "learn"),
    ("  rollout collection", "ppo_mask.py", "collect_rollouts"),
    ("    env step (incl. auto-reset)", "base_vec_env.py", "step"),
    ("    action-mask fetch", "maskable/utils.py", "get_action_masks"),
    ("    obs -> tensors", "stable_baselines3/common/utils.py", "obs_as_tensor"),
    ("    policy forward (no grad)", "agents/sb3_policy.py", "forward"),
    ("    rollout-buffer add", "maskable/buffers.py", "add"),
    ("  update (PPO epochs)", "ppo_mask.py", "train"),
    ("    minibatch sampling", "maskable/buffers.py", "get"),
    ("    forward (evaluate_actions)", "agents/sb3_policy.py", "evaluate_actions"),
    ("    backward", "torch/autograd/__init__.py", "backward"),
    ("    optimiser step", "torch/optim/optimizer.py", "wrapper"),
    ("  padded obs -> flat graph (both)", "networks/graph_batch.py", "from_observation"),
    ("  GNN encoder (both)", "networks/encoders.py", "forward"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="10x10")
    parser.add_argument("--mode", default="dummy", choices=["dummy", "subproc", "batched"])
    parser.add_argument("--n-envs", type=int, default=16)
    parser.add_argument("--rollout", type=int, default=1024, help="decisions per rollout")
    args = parser.parse_args()
    jobs, machines = (int(part) for part in args.size.split("x"))
    model, vec_env = make_model(jobs, machines, args.n_envs, args.mode, args.rollout, "cpu")
    try:
        model.learn(total_timesteps=args.rollout)  # warm-up outside the profile
        profile = cProfile.Profile()
        profile.runcall(model.learn, total_timesteps=2 * args.rollout, reset_num_timesteps=False)
    finally:
        vec_env.close()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    cumulative: dict[str, float] = {}
    for label, suffix, name in PHASES:
        cumulative[label] = sum(
            timing[3] for (path, _, function), timing in stats.items() if function == name and path.endswith(suffix)
        )
    total = cumulative["learn (total)"]
    print(f"{args.size} {args.mode} x{args.n_envs}: {2 * args.rollout / total:.0f} env steps/s under the profiler")
    for label, seconds in cumulative.items():
        print(f"{label:<36} {seconds:>7.2f} s {100 * seconds / total:>5.1f}%")


if __name__ == "__main__":
    main()
