"""Memory of MaskablePPO's rollout buffer for padded job-shop observations, by size.

SB3 stores every observation key at its declared dtype for every step of every env, and
sb3-contrib adds a float32 action mask per node slot; this script allocates the real
buffer (MaskableDictRolloutBuffer) and reports what it holds.

    python scripts/buffer_memory.py                       # n_steps x n_envs = 2048
    python scripts/buffer_memory.py --n-steps 256 --n-envs 16 --sizes 20x20 30x20
"""

from __future__ import annotations

import argparse

from sb3_contrib.common.maskable.buffers import MaskableDictRolloutBuffer

from schedrl.envs.jobshop import JobShopEnv, JobShopGenerator


def buffer_bytes(jobs: int, machines: int, n_steps: int, n_envs: int) -> tuple[int, int, int]:
    """(observation bytes per step, action-mask bytes per step, whole buffer bytes)."""
    env = JobShopEnv(generator=JobShopGenerator(jobs, machines))
    buffer = MaskableDictRolloutBuffer(n_steps, env.observation_space, env.action_space, device="cpu", n_envs=n_envs)
    buffer.reset()
    observations = sum(array.nbytes for array in buffer.observations.values())
    arrays = [value for value in vars(buffer).values() if hasattr(value, "nbytes")]
    total = observations + sum(array.nbytes for array in arrays)
    steps = n_steps * n_envs
    return observations // steps, buffer.action_masks.nbytes // steps, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["10x10", "20x20", "30x20", "50x20", "100x20"])
    parser.add_argument("--n-steps", type=int, default=256)
    parser.add_argument("--n-envs", type=int, default=8)
    args = parser.parse_args()
    print(f"rollout buffer of {args.n_steps} steps x {args.n_envs} envs")
    print(f"{'size':>8} {'obs/step':>10} {'mask/step':>10} {'buffer':>10}")
    for size in args.sizes:
        jobs, machines = (int(part) for part in size.split("x"))
        per_step, mask, total = buffer_bytes(jobs, machines, args.n_steps, args.n_envs)
        print(f"{size:>8} {per_step / 1024:>8.1f}KB {mask / 1024:>8.1f}KB {total / 2**20:>8.1f}MB")


if __name__ == "__main__":
    main()
