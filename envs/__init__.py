"""schedrl environments. Importing this package registers every family with Gymnasium:

import envs, gymnasium
env = gymnasium.make("schedrl/JobShop-v0", instance="ta01")
"""

from envs.core.errors import (
    ConfigError,
    EnvelopeError,
    IllegalActionError,
    InstanceFormatError,
    InvalidScheduleError,
    SchedRLError,
    UnknownNameError,
)
from envs.core.family import ProblemFamily, baselines, env_ids, family, register_family
from envs.core.policy import Policy, RandomPolicy
from envs.core.rollout import Episode, rollout
from envs.jobshop import JOB_SHOP

register_family(JOB_SHOP)

__all__ = [
    "ConfigError",
    "EnvelopeError",
    "Episode",
    "IllegalActionError",
    "InstanceFormatError",
    "InvalidScheduleError",
    "Policy",
    "ProblemFamily",
    "RandomPolicy",
    "SchedRLError",
    "UnknownNameError",
    "baselines",
    "env_ids",
    "family",
    "register_family",
    "rollout",
]
