"""PPO agents over graph observations: training, checkpoints and trained policies.

from schedrl import agents
policy = agents.load("jssp_10x10")           # shipped, or a checkpoint folder
result = policy.solve(instance)              # any instance of the env it was trained on
"""

from schedrl.agents.checkpoint import CheckpointError
from schedrl.agents.inference import LearnedPolicy, load, zoo_names

__all__ = ["CheckpointError", "LearnedPolicy", "load", "zoo_names"]
