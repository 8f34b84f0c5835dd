"""The family-independent core, and what a family author builds on: the observation
contract, the env base class, the instance catalog, the objective, policy and solver
protocols, and the family record that registers it all."""

from schedrl.envs.core.family import ProblemFamily, register_family
from schedrl.envs.core.graph_env import GraphSchedulingEnv
from schedrl.envs.core.instances import BundledLibrary, InstanceCatalog, scenario_grid
from schedrl.envs.core.objective import Objective
from schedrl.envs.core.observation import GraphEnvelope
from schedrl.envs.core.policy import Policy, RandomPolicy
from schedrl.envs.core.solver import SolverResult

__all__ = [
    "BundledLibrary",
    "GraphEnvelope",
    "GraphSchedulingEnv",
    "InstanceCatalog",
    "Objective",
    "Policy",
    "ProblemFamily",
    "RandomPolicy",
    "SolverResult",
    "register_family",
    "scenario_grid",
]
