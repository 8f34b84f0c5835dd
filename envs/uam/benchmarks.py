"""The UAM instance catalog: generated days and scenario files (there is no public instance
library for this problem: CapTAIN's scenarios are not published, so days are seeded draws)."""

from __future__ import annotations

from schedrl.envs.core.generation import SetGenerator
from schedrl.envs.core.instances import InstanceCatalog
from schedrl.envs.uam.generator import DayGenerator
from schedrl.envs.uam.instance import UAMInstance
from schedrl.envs.uam.parser import read_scenario

CATALOG = InstanceCatalog(
    kind="UAM day",
    instance_type=UAMInstance,
    generate=SetGenerator(DayGenerator),
    read_file=read_scenario,
)
