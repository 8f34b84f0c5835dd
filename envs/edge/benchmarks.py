"""The edge-offloading instance catalog: generated scenarios and WiOpt-format scenario files
(there is no public instance library for this problem: its instances are seeded draws)."""

from __future__ import annotations

from schedrl.envs.core.generation import SetGenerator
from schedrl.envs.core.instances import InstanceCatalog
from schedrl.envs.edge.generator import ScenarioGenerator
from schedrl.envs.edge.instance import EdgeInstance
from schedrl.envs.edge.parser import read_scenario

CATALOG = InstanceCatalog(
    kind="MEC scenario",
    instance_type=EdgeInstance,
    generate=SetGenerator(ScenarioGenerator),
    read_file=read_scenario,
)
