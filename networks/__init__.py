"""Graph and attention encoders over the padded graph observation, and the heads that
score every node and value the graph. Nothing here knows a particular environment; no
parameter depends on the number of nodes, so one network runs on instances of any size."""

from schedrl.networks.encoders import ENCODERS, build_encoder
from schedrl.networks.policy_net import GraphPolicyNetwork, NetworkConfig

__all__ = ["ENCODERS", "GraphPolicyNetwork", "NetworkConfig", "build_encoder"]
