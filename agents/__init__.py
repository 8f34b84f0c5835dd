"""PPO agents over graph observations: training, checkpoints and trained policies.

import agents
policy = agents.load("jssp_10x10")           # shipped, or a checkpoint folder
result = policy.solve(envs.jobshop.load_benchmark("ta01"))
"""

from agents.checkpoint import CheckpointError
from agents.inference import LearnedPolicy, load, zoo_names

__all__ = ["CheckpointError", "LearnedPolicy", "load", "zoo_names"]
