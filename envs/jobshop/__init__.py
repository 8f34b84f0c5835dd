"""Job-shop scheduling: env, benchmarks, generator, rules, CP-SAT and validator."""

from schedrl.envs.jobshop.benchmarks import as_instance, benchmark_groups, benchmark_names, load_benchmark, load_group
from schedrl.envs.jobshop.env import JobShopEnv
from schedrl.envs.jobshop.family import JOB_SHOP
from schedrl.envs.jobshop.generator import JobShopGenerator
from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.envs.jobshop.parser import parse_instance, read_instance
from schedrl.envs.jobshop.rules import RULES

__all__ = [
    "JOB_SHOP",
    "RULES",
    "JobShopEnv",
    "JobShopGenerator",
    "JobShopInstance",
    "as_instance",
    "benchmark_groups",
    "benchmark_names",
    "load_benchmark",
    "load_group",
    "parse_instance",
    "read_instance",
]
