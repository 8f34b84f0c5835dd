"""Job-shop scheduling: env, benchmarks, generator, rules, CP-SAT and validator."""

from envs.jobshop.benchmarks import as_instance, benchmark_groups, benchmark_names, load_benchmark, load_group
from envs.jobshop.env import JobShopEnv
from envs.jobshop.family import JOB_SHOP
from envs.jobshop.generator import JobShopGenerator
from envs.jobshop.instance import JobShopInstance
from envs.jobshop.parser import parse_instance, read_instance
from envs.jobshop.rules import RULES

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
