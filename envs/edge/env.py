"""The edge-offloading environment, `schedrl/EdgeOffload-v0`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from schedrl.envs.core.generation import build_generator
from schedrl.envs.core.graph_env import GraphSchedulingEnv
from schedrl.envs.core.observation import GraphEnvelope
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.edge.benchmarks import CATALOG
from schedrl.envs.edge.generator import ScenarioGenerator
from schedrl.envs.edge.instance import EdgeInstance
from schedrl.envs.edge.metrics import episode_metrics
from schedrl.envs.edge.rules import play, weighted_greedy
from schedrl.envs.edge.simulation import OffloadSimulation
from schedrl.errors import ConfigError, EnvelopeError

NODE_TYPES = ("cloud", "edge", "local")
# Remaining work of the tasks executing on a server, counted in these bins (Mbit).
HISTOGRAM_MBIT = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
# Columns after the type one-hot. Times in log1p(seconds) / 7, so 1 is about 1100 s.
NODE_FEATURES = (
    "cpu_ghz",  # / 5
    "upload_rate",  # the current task's: log10(1 + kbit/s) / 6; local: 1
    "upload_time",  # the current task's
    "executing",  # tasks in service / 10
    "uploading",  # tasks assigned and still uploading / 10
    "backlog",  # time to finish the work assigned (executing and uploading) alone
    "delay",  # the current task's marginal delay here
    "energy",  # the current task's energy here: log1p(J / energy_unit)
    "cost",  # its objective term here: log1p(w delay / delay_unit + (1 - w) energy / energy_unit)
    "regret",  # that term minus the least over the servers, capped at 10
    "relative_regret",  # that term over the least, minus 1, capped at 10: the same at every w and E
    # The preference's two sides apart, so that a layer can gate what matters under w: at
    # w = 0 neither delay nor load counts, at w = 1 energy does not.
    "delay_term",  # log1p(w delay / delay_unit)
    "energy_term",  # log1p((1 - w) energy / energy_unit)
    "weighted_backlog",  # w x the backlog column
    *(f"work_below_{edge:g}mbit" for edge in HISTOGRAM_MBIT),  # histogram of executing work / 10
    "work_above",
)
GLOBAL_FEATURES = (
    "preference",  # w
    "task_size",  # the current task's bits / the scenario's mean task size
    "queue",  # tasks waiting in the FIFO / 10
    "progress",  # step / horizon
    "edges",  # num_edges / 10
)
ENV_SETTINGS = (
    Setting("reward_scale", float, 0.0, low_open=True),
    Setting("auto_single_choice", bool),
    Setting("max_edges", int, 1, optional=True),
    Setting("reward_cap", float, 0.0, low_open=True, optional=True),
    Setting("relative_reward", bool),
)
_TYPES = len(NODE_TYPES)
_FEATURE = {name: _TYPES + k for k, name in enumerate(NODE_FEATURES)}
_HISTOGRAM = _FEATURE[f"work_below_{HISTOGRAM_MBIT[0]:g}mbit"]
_BIN_EDGES = np.asarray(HISTOGRAM_MBIT) * 1e6
_LOG_SECONDS = 7.0


def envelope_sizes(instances: list[EdgeInstance]) -> dict[str, int]:
    return {"max_edges": max(instance.num_edges for instance in instances)}


def _log_seconds(seconds: np.ndarray) -> np.ndarray:
    return np.log1p(seconds) / _LOG_SECONDS


class EdgeOffloadEnv(GraphSchedulingEnv):
    """Offloading a stream of mobile users' tasks to one cloud and several edge servers,
    trading delay against energy under a preference w, after the MEC-MORL setting of Yang et
    al. (WiOpt 2023; GMORL, IEEE TSC 2025). One trained policy serves every w and every edge
    count within its envelope.

    ## Description
    `num_users` users send tasks; each step of `step_seconds` brings Poisson(`arrival_rate`)
    new tasks (exponential sizes, mean set so that the offered load is `load` of the total
    CPU capacity, clipped) into a FIFO, and the head of the FIFO is decided: sent to the
    cloud, to an edge server or (when the instance has `local_freq`) run on the user's own
    device. An offloaded task uploads at its Shannon rate (Rayleigh fading, path loss,
    shadowing; `legacy_rate` reproduces the WiOpt code's formula), then shares its server's
    CPU with the tasks there (processor sharing). Its energy is transmit power x upload time
    + kappa C L f^2; its delay is its own response time plus the slowdown it causes the
    server's other tasks (the growth of their total completion time). Semantics in
    `schedrl.envs.edge.simulation`; the scenario and its seeded draws in `instance`.

    ## Action Space
    `Discrete(max_edges + 2)`: node 0 is the cloud, nodes 1..max_edges the edge servers,
    the last node local execution.

    ## Action Mask
    The cloud, the instance's `num_edges` edges, and local execution when it is enabled.

    ## Observation Space
    The padded graph of `schedrl.envs.core.observation`: one node per server with the type
    one-hot (all zero on an absent slot: the present flag) and `NODE_FEATURES` (CPU, the
    current task's upload rate and time, tasks executing and uploading, backlog, the task's
    marginal delay, energy and objective term there (also relative to the best server's),
    its delay and energy sides apart, the backlog weighted by w, and a histogram of the
    remaining work executing); edges join every pair of present servers both ways (no edge
    features). Global features: `GLOBAL_FEATURES`, the preference w first.

    ## Rewards
    -`reward_scale` x the decided task's objective term, w delay / delay_unit + (1 - w)
    energy / energy_unit (over the weighted greedy's mean term with `relative_reward`),
    capped at `reward_cap` when one is set. Without a cap or relative reward an
    episode's rewards sum to -`reward_scale` x `decided` x `weighted_cost`. (A choice that
    strands a task on a link in a deep fade costs thousands of units; a cap keeps such
    outliers from swamping the value loss while every sensible choice costs far less.)
    `info["objectives"]` holds the step's [delay s, energy J] (MO-Gymnasium's convention;
    `schedrl.envs.edge.mo.MultiObjectiveReward` returns them, normalised, as the reward).

    ## Starting State
    The first step with a task in the FIFO.

    ## Episode End
    Terminates after the step `horizon - 1`; tasks still in the FIFO then are never decided.
    `info` then holds `weighted_cost`, `avg_delay`, `avg_energy`, `preference`,
    `num_edges`, `decided` and the solution record (`assignments` of [task, step, server],
    `upload_times`, `completions`, `delays`, `energies`).

    ## Arguments
    - `instance`: an `EdgeInstance` or a scenario file (WiOpt config JSON); default: one
      drawn per episode from `generator`.
    - `generator`: a `ScenarioGenerator` or its keyword dict (num_edges, preference, ...).
    - `reward_scale`: 1.0 by default.
    - `reward_cap`: the most one decision's term may cost in the reward (default: none).
    - `relative_reward`: divide each term by the weighted greedy's mean term on the same
      instance (played out at reset), so every instance and preference weighs alike in
      training: a per-episode constant, which (without a cap) leaves each instance's best
      policy unchanged.
    - `auto_single_choice`: apply choices with a single legal node without asking.
    - `max_edges`: the envelope (default: the instance's or the generator's largest).

    ## Instance Sizes
    Nodes: max_edges + 2. Decisions: at most `horizon` (one per step with a task waiting).

    ## Baselines
    `all_cloud`, `round_robin`, `least_loaded`, `greedy_delay`, `greedy_energy`,
    `weighted_greedy` (argmin of the task's own objective term) and `random`.

    ## Solvers
    `clairvoyant`: local search over whole assignments from the weighted greedy's, seeing
    the episode's whole future (a measure of the room left, not an online target).

    ## Data and Licences
    No bundled data: scenarios are seeded draws with the WiOpt 2023 code's defaults, whose
    config format is read, not copied. Hypervolumes use moocore (LGPL-2.1-or-later), an
    installed dependency.

    ## Version History
    - v0: initial version.
    """

    catalog = CATALOG

    def __init__(
        self,
        instance: Any = None,
        generator: ScenarioGenerator | dict[str, Any] | None = None,
        reward_scale: float = 1.0,
        auto_single_choice: bool = True,
        max_edges: int | None = None,
        reward_cap: float | None = None,
        relative_reward: bool = False,
        render_mode: str | None = None,
    ):
        options = {"reward_scale": reward_scale, "auto_single_choice": auto_single_choice, "max_edges": max_edges}
        options |= {"reward_cap": reward_cap, "relative_reward": relative_reward}
        check_settings(options, ENV_SETTINGS, prefix="env")
        self.generator = build_generator(ScenarioGenerator, generator)
        self.reward_scale = float(reward_scale)
        self.reward_cap = math.inf if reward_cap is None else float(reward_cap)
        self.relative_reward = relative_reward
        self.reward_unit = 1.0  # the episode's divisor of objective terms in the reward
        resolved = CATALOG.as_instance(instance) if instance is not None else None
        fitted = envelope_sizes([resolved] if resolved is not None else self.generator.largest())
        self.max_edges = fitted["max_edges"] if max_edges is None else max_edges
        if resolved is None and generator is not None and fitted["max_edges"] > self.max_edges:
            raise ConfigError(
                f"env.max_edges {self.max_edges} is below the generator's largest edge count "
                f"{fitted['max_edges']} (generator.num_edges): raise max_edges or leave it unset"
            )
        nodes = self.max_edges + 2
        envelope = GraphEnvelope(
            max_nodes=nodes,
            max_edges=nodes * (nodes - 1),
            node_features=_TYPES + len(NODE_FEATURES),
            global_features=len(GLOBAL_FEATURES),
        )
        super().__init__(envelope, instance=resolved, auto_single_choice=auto_single_choice, render_mode=render_mode)
        self.local_node = nodes - 1
        source, target = np.nonzero(~np.eye(nodes, dtype=bool))
        self.graph.edge_index[:] = np.stack([source, target])
        self._pair_nodes = (source, target)
        self.sim: OffloadSimulation | None = None
        self.mean_size = 1.0
        self.objectives = np.zeros(2)  # [delay, energy] of the choices of the current step

    # -- the family's part ----------------------------------------------------------------
    def _sample_instance(self, rng: np.random.Generator) -> EdgeInstance:
        return self.generator.sample(rng, "generated")

    def _check_fits(self, instance: EdgeInstance) -> None:
        if instance.num_edges > self.max_edges:
            raise EnvelopeError(
                f"instance {instance.name!r} has {instance.num_edges} edge servers, this env at most "
                f"{self.max_edges}; build the env with this instance (or a larger max_edges)"
            )

    def _max_decisions(self, instance: EdgeInstance) -> int:
        """One decision per step at most."""
        return instance.horizon

    def _start_episode(self, instance: EdgeInstance) -> None:
        self.sim = OffloadSimulation(instance)
        self.mean_size = instance.mean_task_size(self.sim.draws.server_freqs)  # the task_size feature's unit
        self.objectives = np.zeros(2)
        if self.relative_reward:
            greedy_cost = episode_metrics(play(instance, weighted_greedy))["weighted_cost"]
            self.reward_unit = greedy_cost if greedy_cost > 0 else 1.0
        graph = self.graph
        graph.node_features.fill(0.0)
        graph.global_features.fill(0.0)
        graph.node_mask.fill(0)
        present = np.zeros(self.max_edges + 2, dtype=bool)
        present[: instance.num_servers] = True
        present[self.local_node] = instance.local_enabled
        graph.node_mask[present] = 1
        source, target = self._pair_nodes
        graph.edge_mask[:] = present[source] & present[target]
        features = graph.node_features
        features[0, 0] = 1.0
        features[1 : instance.num_servers, 1] = 1.0
        features[self.local_node, 2] = float(instance.local_enabled)
        freqs = np.append(self.sim.draws.server_freqs, instance.local_freq) / 5e9
        features[self._nodes(), _FEATURE["cpu_ghz"]] = freqs[self._servers()]
        self._done = self.sim.done
        self._update_mask()

    def _nodes(self) -> np.ndarray:
        """The nodes of the present servers, in record order."""
        sim = self.sim
        assert sim is not None
        nodes = np.arange(sim.instance.num_servers)
        return np.append(nodes, self.local_node) if sim.devices else nodes

    def _servers(self) -> np.ndarray:
        """Record server indices of `_nodes()`."""
        sim = self.sim
        assert sim is not None
        return np.asarray(sim.candidates())

    def server_of(self, node: int) -> int:
        """The record's server index of an action node."""
        assert self.sim is not None
        return self.sim.instance.local_server if node == self.local_node else node

    def node_of(self, server: int) -> int:
        assert self.sim is not None
        return self.local_node if server == self.sim.instance.local_server else server

    def _apply(self, node: int) -> float:
        sim = self.sim
        assert sim is not None
        server = self.server_of(node)
        self.objectives += (sim.options.delay[server], sim.options.energy[server])
        cost = sim.assign(server)
        self._done = sim.done
        self._update_mask()
        return -self.reward_scale * min(cost / self.reward_unit, self.reward_cap)

    def _update_mask(self) -> None:
        self.mask.fill(False)
        if not self._done:
            self.mask[self._nodes()] = True

    def _sync_observation(self) -> None:
        sim = self.sim
        if sim is None or self._done:
            return
        instance, options = sim.instance, sim.options
        nodes, servers = self._nodes(), self._servers()
        rows = self.graph.node_features
        rate = options.rate[servers]
        rows[nodes, _FEATURE["upload_rate"]] = np.where(np.isinf(rate), 1.0, np.log10(1 + rate / 1e3) / 6)
        rows[nodes, _FEATURE["upload_time"]] = _log_seconds(options.upload_time[servers])
        rows[nodes, _FEATURE["delay"]] = _log_seconds(options.delay[servers])
        rows[nodes, _FEATURE["energy"]] = np.log1p(options.energy[servers] / instance.energy_unit)
        cost = options.cost(instance)[servers]
        rows[nodes, _FEATURE["cost"]] = np.log1p(cost)
        rows[nodes, _FEATURE["regret"]] = np.minimum(cost - cost.min(), 10.0)
        rows[nodes, _FEATURE["relative_regret"]] = np.minimum(cost / max(cost.min(), 1e-12) - 1.0, 10.0)
        w = instance.preference
        rows[nodes, _FEATURE["delay_term"]] = np.log1p(w * options.delay[servers] / instance.delay_unit)
        rows[nodes, _FEATURE["energy_term"]] = np.log1p((1 - w) * options.energy[servers] / instance.energy_unit)
        for node, index in zip(nodes, servers, strict=True):
            server = sim.server(int(index))
            work = server.remaining
            rows[node, _FEATURE["executing"]] = work.size / 10
            rows[node, _FEATURE["uploading"]] = len(server.joins) / 10
            rows[node, _FEATURE["backlog"]] = _log_seconds(server.backlog())
            rows[node, _FEATURE["weighted_backlog"]] = instance.preference * rows[node, _FEATURE["backlog"]]
            counts = np.bincount(np.searchsorted(_BIN_EDGES, work), minlength=len(_BIN_EDGES) + 1)
            rows[node, _HISTOGRAM : _HISTOGRAM + counts.size] = counts / 10
        self.graph.global_features[:] = (
            instance.preference,
            min(sim.size / self.mean_size, 10.0),
            sim.queue_length / 10,
            sim.step / instance.horizon,
            instance.num_edges / 10,
        )

    def _step_info(self) -> dict[str, Any]:
        objectives, self.objectives = self.objectives, np.zeros(2)
        return {"objectives": objectives}

    def _final_info(self) -> dict[str, Any]:
        sim = self.sim
        assert sim is not None
        return episode_metrics(sim) | {"reward_unit": self.reward_unit}

    def render(self) -> np.ndarray | None:  # type: ignore[override]
        if self.render_mode != "rgb_array" or self.sim is None:
            return None
        from schedrl.envs.edge.render import render_rgb

        return render_rgb(self.sim.instance, episode_metrics(self.sim))
