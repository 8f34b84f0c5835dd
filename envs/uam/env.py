"""The urban-air-mobility fleet environment, `schedrl/UAMFleet-v0`."""

from __future__ import annotations

from typing import Any

import numpy as np

from schedrl.envs.core.generation import build_generator
from schedrl.envs.core.graph_env import GraphSchedulingEnv
from schedrl.envs.core.observation import GraphEnvelope
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.uam.benchmarks import CATALOG
from schedrl.envs.uam.generator import DayGenerator
from schedrl.envs.uam.instance import KINDS, UAMInstance
from schedrl.envs.uam.metrics import episode_metrics
from schedrl.envs.uam.simulation import CHARGE, STAY, FleetSimulation
from schedrl.errors import ConfigError, EnvelopeError

NODE_TYPES = ("vertiport", "charger", "aircraft")
# Columns after the type one-hot; each node type fills its own, the others stay 0. "From
# here" means from the deciding aircraft's vertiport; counts of passengers are in seats.
NODE_FEATURES = (
    *KINDS,  # vertiport kind one-hot
    "x",  # km / 50
    "y",
    "here",  # the deciding aircraft is here (its vertiport or its vertiport's charger)
    "choosable",  # the node is a legal choice now
    "boarding",  # passengers who would board a flight from here to there
    "waiting_from_here",  # all waiting from here to there (capped at 5 loads)
    "expiring_from_here",  # waiting from here to there who are lost unless they board in this slot
    "expected_from_here",  # expected requests from here to there over the look-ahead
    "waiting_out",  # waiting here for anywhere / 5 loads
    "expected_out",  # expected requests from here to anywhere over the look-ahead / 5 loads
    "aircraft_here",  # on the ground / 10
    "aircraft_inbound",  # flying here / 10
    "shortfall",  # (expected_out - seats of the aircraft here and inbound) / 5 loads
    "free_parking",  # share of parking left
    "free_pads",  # share of this slot's pad movements left
    "free_chargers",  # share of chargers left this slot
    "closed_from_here",  # the route from here is closed by weather
    "flight_energy",  # kWh of a flight from here / battery
    "flight_time",  # slots / 4
    "fare",  # a passenger's fare from here now / 100
    "flight_profit",  # fares of the boarding passengers minus the flight's cost / 100
    "charge_after",  # state of charge after the choice (a flight there; a charge at the charger)
    "charge_cost",  # a slot's charge here now, dollars / 10
    "soc",  # aircraft: state of charge (share of the battery)
    "in_flight",
    "slots_to_land",  # / 4
    "deciding",  # the aircraft whose choice this is
    "grounded",  # downtime now
    "decided",  # has chosen in this slot already
)
EDGE_TYPES = ("route", "at", "inbound", "charger")
EDGE_FEATURES = (*EDGE_TYPES, "distance", "closed")
GLOBAL_FEATURES = (
    "time",  # slot / slots in the day
    "peak",  # the slot lies in a peak window
    "price",  # electricity, dollars per kWh / 0.5
    "soc",  # the deciding aircraft's state of charge
    "turns_left",  # aircraft still to choose in this slot / fleet
    "waiting",  # passengers waiting / (fleet x seats)
    "on_ground",  # share of the fleet on the ground
)
ENV_SETTINGS = (
    Setting("reward_scale", float, 0.0, low_open=True),
    Setting("auto_single_choice", bool),
    Setting("max_vertiports", int, 2, optional=True),
    Setting("max_aircraft", int, 1, optional=True),
)
_TYPES = len(NODE_TYPES)
_COLUMN = {name: _TYPES + k for k, name in enumerate(NODE_FEATURES)}
_LOAD = 5.0  # "loads": counts of passengers over this many seat-fulls


def envelope_sizes(instances: list[UAMInstance]) -> dict[str, int]:
    return {
        "max_vertiports": max(instance.num_vertiports for instance in instances),
        "max_aircraft": max(instance.num_aircraft for instance in instances),
    }


def _columns(*names: str) -> list[int]:
    return [_COLUMN[name] for name in names]


class UAMFleetEnv(GraphSchedulingEnv):
    """Online fleet scheduling for urban air mobility: where each eVTOL aircraft flies next,
    when it charges, and whom it carries, across a network of vertiports over an operating
    day, after CapTAIN (Graph Learning-based Fleet Scheduling for Urban Air Mobility under
    Operational Constraints, Varying Demand & Uncertainties).

    ## Description
    An instance is a network of vertiports (coordinates, kind, pads, parking, chargers), a
    fleet with batteries, a demand profile and prices, and the seed of its day: passenger
    requests per origin-destination pair and slot (Poisson, peaks from homes to work in the
    morning and back in the evening), delayed take-offs, weather closures of routes and
    aircraft downtime. In each slot (15 minutes by default), every aircraft on the ground
    and not grounded chooses in turn, in index order: fly to another vertiport, carrying up
    to `seats` of the passengers waiting for it (longest waiting first); stay; or charge at
    its vertiport's charger. A request not boarded within `max_wait_slots` slots is lost.
    The rules (parking reserved from take-off, pad movements, chargers, battery reserve,
    closed routes, landing by the end of the day) are in `schedrl.envs.uam.simulation`.

    ## Action Space
    `Discrete(2 max_vertiports + max_aircraft)`: node k < max_vertiports is vertiport k (fly
    there; the aircraft's own vertiport means stay), node max_vertiports + k is vertiport
    k's charger (charge), and the aircraft nodes, which are never chosen.

    ## Action Mask
    The own vertiport (stay) always; every vertiport a flight to is legal now (an open route,
    enough charge above the reserve, a free parking spot and pad movements at both ends, a
    landing by the end of the day); the own charger when one is free and the battery is not
    full.

    ## Observation Space
    The padded graph of `schedrl.envs.core.observation`: vertiport, charger and aircraft
    nodes with the type one-hot and `NODE_FEATURES` (waiting and expected demand from the
    deciding aircraft's vertiport to each other one and out of each one over
    `lookahead_slots`, the aircraft there and inbound, free parking, pads and chargers,
    closures, each flight's energy, time, fare and profit; the aircraft's state of charge,
    flight state and downtime). Edges, typed by `EDGE_FEATURES`: routes (with distance and
    the closure flag), aircraft to the vertiport it is at or flying to (both ways), and
    charger to vertiport (both ways). `context_nodes` holds the deciding aircraft's node.
    Global features: `GLOBAL_FEATURES`. The expected demand is the instance's public
    profile; the day's draws stay hidden until they happen.

    ## Rewards
    `reward_scale` x the profit the choice makes: the boarding passengers' fares minus the
    flight's operating cost, or minus the electricity a charge buys. An episode's rewards
    sum to `reward_scale` x `profit`.

    ## Starting State
    Slot 0: the fleet spread over the vertiports (`initial`), batteries full.

    ## Episode End
    Terminates when the last slot of the day has closed. `info` then holds `profit`,
    `served`, `spilled`, `empty_flights`, `energy_kwh`, `flights_flown` and the solution
    record (`flights`, `boardings`, `charges`).

    ## Arguments
    - `instance`: a `UAMInstance` or a scenario file (JSON, `schedrl.envs.uam.parser`);
      default: one drawn per episode from `generator`.
    - `generator`: a `DayGenerator` or its keyword dict (layout, vertiports, aircraft, ...).
    - `reward_scale`: 0.01 by default (rewards in hundreds of dollars).
    - `auto_single_choice`: apply choices with a single legal node (an aircraft that can
      only stay) without asking.
    - `max_vertiports`, `max_aircraft`: the envelope (default: the instance's or the
      generator's largest).

    ## Instance Sizes
    Nodes: 2 max_vertiports + max_aircraft. Edges: max_vertiports (max_vertiports - 1) + 2
    max_aircraft + 2 max_vertiports. Decisions: at most num_aircraft x num_slots.

    ## Baselines
    `greedy` (the demand-following rule with a charge threshold), `greedy_profit` (flies
    where boarding fares beat the flight's cost by most) and `random`.

    ## Solvers
    With perfect information of the day, for small scenarios only: `ip` (CP-SAT on the
    time-expanded network) and `ga` (a genetic algorithm over the day's plan), at most 12
    aircraft and 6 vertiports; `lookahead` (each choice judged by the profit greedy's play
    of the next slots of the real day), at most 12 aircraft.

    ## Data and Licences
    No bundled data: CapTAIN's scenarios are not public, so days are seeded draws from
    instance fields (every assumption listed in the family's page); scenario files are
    JSON.

    ## Version History
    - v0: initial version.
    """

    catalog = CATALOG

    def __init__(
        self,
        instance: Any = None,
        generator: DayGenerator | dict[str, Any] | None = None,
        reward_scale: float = 0.01,
        auto_single_choice: bool = True,
        max_vertiports: int | None = None,
        max_aircraft: int | None = None,
        render_mode: str | None = None,
    ):
        options: dict[str, Any] = {"reward_scale": reward_scale, "auto_single_choice": auto_single_choice}
        options |= {"max_vertiports": max_vertiports, "max_aircraft": max_aircraft}
        check_settings(options, ENV_SETTINGS, prefix="env")
        self.generator = build_generator(DayGenerator, generator)
        self.reward_scale = float(reward_scale)
        resolved = CATALOG.as_instance(instance) if instance is not None else None
        fitted = envelope_sizes([resolved] if resolved is not None else self.generator.largest())
        self.max_vertiports = fitted["max_vertiports"] if max_vertiports is None else max_vertiports
        self.max_aircraft = fitted["max_aircraft"] if max_aircraft is None else max_aircraft
        if resolved is None:
            for key in ("max_vertiports", "max_aircraft"):
                if fitted[key] > getattr(self, key):
                    raise ConfigError(
                        f"env.{key} {getattr(self, key)} is below the generator's largest {fitted[key]}: "
                        f"raise {key} or leave it unset"
                    )
        ports, fleet = self.max_vertiports, self.max_aircraft
        self.route_slots = ports * (ports - 1)
        envelope = GraphEnvelope(
            max_nodes=2 * ports + fleet,
            max_edges=self.route_slots + 2 * fleet + 2 * ports,
            node_features=_TYPES + len(NODE_FEATURES),
            edge_features=len(EDGE_FEATURES),
            global_features=len(GLOBAL_FEATURES),
            context_nodes=1,
        )
        super().__init__(envelope, instance=resolved, auto_single_choice=auto_single_choice, render_mode=render_mode)
        source, target = np.nonzero(~np.eye(ports, dtype=bool))
        self._route_pairs = (source, target)
        self.sim: FleetSimulation | None = None
        self.expected = np.zeros((1, 1, 1))  # [T, V, V] expected requests over the look-ahead from each slot

    # -- nodes -----------------------------------------------------------------------------
    def charger_node(self, port: int) -> int:
        return self.max_vertiports + port

    def aircraft_node(self, aircraft: int) -> int:
        return 2 * self.max_vertiports + aircraft

    def choice_of(self, node: int) -> int | str:
        """The simulation's choice an action node stands for."""
        assert self.sim is not None
        origin = self.sim.options.origin
        if node == origin:
            return STAY
        return CHARGE if node == self.charger_node(origin) else node

    def node_of(self, choice: int | str) -> int:
        assert self.sim is not None
        origin = self.sim.options.origin
        if choice == STAY:
            return origin
        return self.charger_node(origin) if choice == CHARGE else int(choice)

    # -- the family's part -----------------------------------------------------------------
    def _sample_instance(self, rng: np.random.Generator) -> UAMInstance:
        return self.generator.sample(rng, "generated")

    def _check_fits(self, instance: UAMInstance) -> None:
        if instance.num_vertiports > self.max_vertiports or instance.num_aircraft > self.max_aircraft:
            raise EnvelopeError(
                f"instance {instance.name!r} has {instance.num_vertiports} vertiports and {instance.num_aircraft} "
                f"aircraft, this env at most {self.max_vertiports} and {self.max_aircraft}; build the env with "
                "this instance (or a larger max_vertiports / max_aircraft)"
            )

    def _max_decisions(self, instance: UAMInstance) -> int:
        """One choice per aircraft on the ground per slot at most."""
        return instance.num_aircraft * instance.num_slots

    def _start_episode(self, instance: UAMInstance) -> None:
        self.sim = FleetSimulation(instance)
        ports, fleet = instance.num_vertiports, instance.num_aircraft
        rates = instance.demand_rates
        cumulative = np.concatenate([np.zeros((1, ports, ports)), np.cumsum(rates, axis=0)])
        ends = np.minimum(np.arange(instance.num_slots) + instance.lookahead_slots, instance.num_slots)
        self.expected = cumulative[ends] - cumulative[: instance.num_slots]
        graph = self.graph
        graph.clear()  # padded slots of a larger last episode hold nothing stale
        graph.node_mask[:ports] = 1
        graph.node_mask[self.max_vertiports : self.max_vertiports + ports] = 1
        graph.node_mask[2 * self.max_vertiports : 2 * self.max_vertiports + fleet] = 1
        rows = graph.node_features
        rows[:ports, 0] = 1.0
        rows[self.max_vertiports : self.max_vertiports + ports, 1] = 1.0
        rows[2 * self.max_vertiports : 2 * self.max_vertiports + fleet, 2] = 1.0
        kinds = np.array([KINDS.index(port.kind) for port in instance.vertiports])
        rows[np.arange(ports), _COLUMN[KINDS[0]] + kinds] = 1.0
        rows[:ports, _COLUMN["x"]] = [port.x_km / 50 for port in instance.vertiports]
        rows[:ports, _COLUMN["y"]] = [port.y_km / 50 for port in instance.vertiports]
        # Route edges in the padded pair slots; aircraft and charger edges after them.
        source, target = self._route_pairs
        graph.edge_index[:, : self.route_slots] = np.stack([source, target])
        real = (source < ports) & (target < ports)
        real[real] = instance.routes[source[real], target[real]]
        graph.edge_mask[: self.route_slots] = real
        graph.edge_attr[: self.route_slots, EDGE_FEATURES.index("route")] = real
        distance = np.zeros(self.route_slots)
        distance[real] = instance.distances[source[real], target[real]] / 50
        graph.edge_attr[: self.route_slots, EDGE_FEATURES.index("distance")] = distance
        chargers = self.route_slots + 2 * self.max_aircraft
        ports_range = np.arange(ports)
        graph.edge_index[:, chargers : chargers + ports] = [ports_range + self.max_vertiports, ports_range]
        graph.edge_index[:, chargers + ports : chargers + 2 * ports] = [ports_range, ports_range + self.max_vertiports]
        graph.edge_mask[chargers : chargers + 2 * ports] = 1
        graph.edge_attr[chargers : chargers + 2 * ports, EDGE_FEATURES.index("charger")] = 1.0
        aircraft_edges = self.route_slots + np.arange(2 * fleet)
        graph.edge_mask[aircraft_edges] = 1
        self._done = sim_done = self.sim.done
        if not sim_done:
            self._update_mask()

    def _apply(self, node: int) -> float:
        sim = self.sim
        assert sim is not None
        profit = sim.apply(self.choice_of(node))
        self._done = sim.done
        if not self._done:
            self._update_mask()
        else:
            self.mask.fill(False)
        return self.reward_scale * profit

    def _update_mask(self) -> None:
        sim = self.sim
        assert sim is not None
        options = sim.options
        self.mask.fill(False)
        ports = sim.instance.num_vertiports
        self.mask[:ports] = options.fly
        self.mask[options.origin] = True
        self.mask[self.charger_node(options.origin)] = options.charge

    def _sync_observation(self) -> None:
        sim = self.sim
        if sim is None or self._done:
            return
        instance, options, slot = sim.instance, sim.options, sim.slot
        ports, fleet, seats, battery = (
            instance.num_vertiports,
            instance.num_aircraft,
            instance.seats,
            instance.battery_kwh,
        )
        origin, aircraft = options.origin, options.aircraft
        graph, rows = self.graph, self.graph.node_features
        port_rows, charger_rows = np.arange(ports), self.max_vertiports + np.arange(ports)
        fleet_rows = 2 * self.max_vertiports + np.arange(fleet)
        waiting = sim.waiting.sum(0)
        expected = self.expected[slot]
        on_ground = sim.ready <= slot
        here_count = np.bincount(sim.port[on_ground], minlength=ports)
        free_chargers = (sim.chargers - sim.charging) / np.maximum(sim.chargers, 1)
        soc = sim.soc[aircraft]
        kwh = instance.flight_kwh[origin]
        rows[port_rows, _COLUMN["here"]] = port_rows == origin
        rows[charger_rows, _COLUMN["here"]] = port_rows == origin
        rows[port_rows, _COLUMN["choosable"]] = self.mask[:ports]
        rows[charger_rows, _COLUMN["choosable"]] = self.mask[charger_rows]
        rows[port_rows, _COLUMN["boarding"]] = options.passengers / seats
        rows[port_rows, _COLUMN["waiting_from_here"]] = np.minimum(waiting[origin] / seats, _LOAD)
        expiring = sim.waiting[(slot + 1) % sim.window, origin]
        rows[port_rows, _COLUMN["expiring_from_here"]] = np.minimum(expiring / seats, _LOAD)
        rows[port_rows, _COLUMN["expected_from_here"]] = np.minimum(expected[origin] / seats, _LOAD)
        rows[port_rows, _COLUMN["waiting_out"]] = np.minimum(waiting.sum(1) / seats / _LOAD, 2.0)
        rows[port_rows, _COLUMN["expected_out"]] = expected.sum(1) / seats / _LOAD
        rows[port_rows, _COLUMN["aircraft_here"]] = here_count / 10
        rows[port_rows, _COLUMN["aircraft_inbound"]] = sim.inbound / 10
        supply = seats * (here_count + sim.inbound)
        rows[port_rows, _COLUMN["shortfall"]] = (expected.sum(1) - supply) / seats / _LOAD
        rows[port_rows, _COLUMN["free_parking"]] = (sim.parking - sim.ground - sim.inbound) / sim.parking
        rows[port_rows, _COLUMN["free_pads"]] = (sim.pad_capacity - sim.pad_use[slot, :ports]) / sim.pad_capacity
        rows[port_rows, _COLUMN["free_chargers"]] = free_chargers
        rows[charger_rows, _COLUMN["free_chargers"]] = free_chargers
        rows[port_rows, _COLUMN["closed_from_here"]] = sim.day.closed[slot, origin]
        rows[port_rows, _COLUMN["flight_energy"]] = kwh / battery
        rows[port_rows, _COLUMN["flight_time"]] = instance.flight_slots[origin] / 4
        rows[port_rows, _COLUMN["fare"]] = instance.fares[slot, origin] / 100
        rows[port_rows, _COLUMN["flight_profit"]] = options.flight_profit / 100
        rows[port_rows, _COLUMN["charge_after"]] = np.where(options.fly, soc - kwh, soc) / battery
        rows[charger_rows, _COLUMN["charge_after"]] = (soc + options.charge_kwh * (port_rows == origin)) / battery
        rows[charger_rows, _COLUMN["charge_cost"]] = instance.prices[slot] * instance.charge_per_slot / 10
        rows[fleet_rows, _COLUMN["soc"]] = sim.soc / battery
        rows[fleet_rows, _COLUMN["in_flight"]] = ~on_ground
        rows[fleet_rows, _COLUMN["slots_to_land"]] = np.maximum(sim.ready - slot, 0) / 4
        rows[fleet_rows, _COLUMN["deciding"]] = np.arange(fleet) == aircraft
        rows[fleet_rows, _COLUMN["grounded"]] = sim.day.down[:, slot]
        rows[fleet_rows, _COLUMN["decided"]] = sim.decided_this_slot
        # Aircraft edges: to the vertiport it is at or flying to, and back.
        first = self.route_slots
        nodes = 2 * self.max_vertiports + np.arange(fleet)
        graph.edge_index[:, first : first + fleet] = [nodes, sim.port]
        graph.edge_index[:, first + fleet : first + 2 * fleet] = [sim.port, nodes]
        attr = graph.edge_attr
        at, inbound = EDGE_FEATURES.index("at"), EDGE_FEATURES.index("inbound")
        attr[first : first + 2 * fleet, at] = np.tile(on_ground, 2)
        attr[first : first + 2 * fleet, inbound] = np.tile(~on_ground, 2)
        source, target = self._route_pairs
        real = graph.edge_mask[: self.route_slots].astype(bool)
        closed = np.zeros(self.route_slots)
        closed[real] = sim.day.closed[slot, source[real], target[real]]
        attr[: self.route_slots, EDGE_FEATURES.index("closed")] = closed
        graph.context_nodes[0] = self.aircraft_node(aircraft)
        graph.global_features[:] = (
            slot / instance.num_slots,
            instance.peak[slot],
            instance.prices[slot] / 0.5,
            soc / battery,
            len(sim.turns) / fleet,
            waiting.sum() / (fleet * seats),
            on_ground.mean(),
        )

    def _final_info(self) -> dict[str, Any]:
        sim = self.sim
        assert sim is not None
        return episode_metrics(sim)

    def render(self) -> np.ndarray | None:  # type: ignore[override]
        if self.render_mode != "rgb_array" or self.sim is None:
            return None
        from schedrl.envs.uam.render import render_rgb

        return render_rgb(self.sim.instance, episode_metrics(self.sim))
