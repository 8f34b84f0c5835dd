"""schedrl: reinforcement learning for scheduling problems.

Importing schedrl registers every problem family with Gymnasium:

    import gymnasium, schedrl
    env = gymnasium.make("schedrl/JobShop-v0", instance="ta01")

The code lives in `schedrl.envs` (environments, baselines, solvers, evaluation),
`schedrl.agents` (PPO training, checkpoints, trained policies) and `schedrl.networks`
(graph and attention encoders); `schedrl.errors` holds the exceptions all of them raise.
"""

from schedrl import envs  # type: ignore[attr-defined]  # mypy cannot follow the package-dir mapping

__version__ = "0.1.0"
__all__ = ["envs"]
