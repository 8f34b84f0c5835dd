"""Blocking job shop with swaps and machine shutdowns (ISBJSSP): instance, generator,
event simulation, env, CP-SAT model and validator, on the job shop's data and rules."""

from schedrl.envs.blocking.benchmarks import CATALOG
from schedrl.envs.blocking.env import BlockingJobShopEnv
from schedrl.envs.blocking.family import BLOCKING_JOB_SHOP
from schedrl.envs.blocking.generator import BlockingGenerator
from schedrl.envs.blocking.instance import BlockingJobShopInstance

__all__ = ["BLOCKING_JOB_SHOP", "CATALOG", "BlockingGenerator", "BlockingJobShopEnv", "BlockingJobShopInstance"]
