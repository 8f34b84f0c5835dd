"""The job-shop scheduling environment, `schedrl/JobShop-v0`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from schedrl.envs.core.generation import build_generator
from schedrl.envs.core.graph_env import GraphSchedulingEnv
from schedrl.envs.core.observation import GraphEnvelope, GraphObservation
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.jobshop.benchmarks import CATALOG
from schedrl.envs.jobshop.dynamics import DYNAMICS
from schedrl.envs.jobshop.generator import JobShopGenerator
from schedrl.envs.jobshop.instance import JobShopInstance
from schedrl.envs.jobshop.state import JobShopState
from schedrl.errors import ConfigError

NODE_FEATURES = (
    "duration",  # / longest duration of the instance
    "completion_lower_bound",  # / trivial makespan lower bound (the time scale)
    "scheduled",
    "eligible",  # in the action mask now
    "job_remaining_work",  # / time scale
    "machine_remaining_work",  # / time scale
    "job_remaining_ops",  # / m
)
GLOBAL_FEATURES = ("makespan_lower_bound", "fraction_scheduled", "time")  # times / time scale
EDGE_FEATURES = ("machine_edge",)  # 0: job precedence, 1: machine order fixed so far
REWARDS = ("dense", "sparse")
# The env's options, checked here and (as `env.<key>`) before any run starts.
ENV_SETTINGS = (
    Setting("dynamics", str, choices=tuple(sorted(DYNAMICS))),
    Setting("reward", str, choices=REWARDS),
    Setting("normalize_reward", bool),
    Setting("auto_single_choice", bool),
    Setting("max_jobs", int, 1, optional=True),
    Setting("max_machines", int, 1, optional=True),
)
(
    _DURATION,
    _COMPLETION_LB,
    _SCHEDULED,
    _ELIGIBLE,
    _JOB_REMAINING_WORK,
    _MACHINE_REMAINING_WORK,
    _JOB_REMAINING_OPS,
) = range(len(NODE_FEATURES))


def envelope_for(
    max_jobs: int,
    max_machines: int,
    node_features: int = len(NODE_FEATURES),
    global_features: int = len(GLOBAL_FEATURES),
) -> GraphEnvelope:
    """Room for every instance with at most as many operations and edges as max_jobs x max_machines:
    one node per operation; job-precedence edges and each machine's sequence."""
    return GraphEnvelope(
        max_nodes=max_jobs * max_machines,
        max_edges=max_jobs * (max_machines - 1) + max_machines * (max_jobs - 1),
        node_features=node_features,
        edge_features=len(EDGE_FEATURES),
        global_features=global_features,
    )


def check_instance_fits(envelope: GraphEnvelope, instance: JobShopInstance) -> None:
    """EnvelopeError unless the instance's operations and edges (as `envelope_for` counts them) fit."""
    n, m = instance.shape
    envelope.check_fits(f"instance {instance.name!r} ({n}x{m})", n * m, 2 * n * m - n - m)


def start_disjunctive_graph(graph: GraphObservation, n: int, m: int) -> int:
    """Clear the graph, then switch on the n x m operation nodes and the job-precedence edges
    (each operation to its job successor); returns the first slot of the machine-order edges."""
    graph.clear()
    graph.node_mask[: n * m] = 1
    job_nodes = np.arange(n * m).reshape(n, m)
    conjunctive = n * (m - 1)
    graph.edge_index[0, :conjunctive] = job_nodes[:, :-1].ravel()
    graph.edge_index[1, :conjunctive] = job_nodes[:, 1:].ravel()
    graph.edge_mask[:conjunctive] = 1
    return conjunctive


def envelope_shape(
    instance: JobShopInstance | None, generator: JobShopGenerator, max_jobs: int | None, max_machines: int | None
) -> tuple[int, int]:
    """(max_jobs, max_machines): as given, else the instance's shape, else the generator's largest."""
    default_jobs, default_machines = instance.shape if instance else generator.max_shape
    max_jobs = default_jobs if max_jobs is None else max_jobs
    max_machines = default_machines if max_machines is None else max_machines
    if max_jobs < 1 or max_machines < 1:
        raise ConfigError(f"max_jobs and max_machines must be >= 1, got {max_jobs} and {max_machines}")
    return max_jobs, max_machines


class JobShopEnv(GraphSchedulingEnv):
    """Job-shop scheduling (minimise makespan) as a sequence of operation choices.

    ## Description
    n jobs each pass through m machines in their own order; a machine processes one
    operation at a time, without preemption. Each step picks the operation to dispatch
    next; the schedule-generation scheme (`dynamics`) decides when it starts:
    `non_delay` (event-driven, default), `active` (Giffler-Thompson conflict set) or
    `insertion` ('Learning to Dispatch': earliest fitting idle gap, left shift).

    ## Action Space
    `Discrete(max_nodes)`: node index `j * m + k` of job j's k-th operation.

    ## Action Mask
    `action_masks()`: the candidates of the scheme, at most one operation per job (the
    job's next one). Never empty before the episode ends. A masked or out-of-range action
    raises `IllegalActionError` (a `ValueError`).

    ## Observation Space
    The padded disjunctive graph (docs/DESIGN.md): operation nodes; edges from each
    operation to its job successor and, as the schedule fixes them, along each machine's
    sequence.

    | key | shape | content |
    |---|---|---|
    | node_features | [max_nodes, 7] | see `NODE_FEATURES`: duration / max duration; completion |
    |  |  | lower bound, job and machine remaining work (/ time scale); scheduled; eligible; |
    |  |  | job remaining operations / m |
    | edge_index | [2, max_edges] | directed edges (padding: 0 -> 0, masked) |
    | edge_attr | [max_edges, 1] | 1 for machine-order edges, 0 for job precedence |
    | node_mask, edge_mask | [max_nodes], [max_edges] | 1 for real nodes / edges |
    | global_features | [3] | makespan lower bound / time scale, fraction scheduled, clock / time scale |

    The time scale is the instance's trivial lower bound (max of longest job and most
    loaded machine), so features are comparable across instance sizes.

    ## Rewards
    `dense` (default): minus the increase of the makespan lower bound (max completion
    lower bound), so the rewards of an episode sum to `initial_lower_bound - makespan`.
    `sparse`: 0, then `-makespan` at the last step. With `normalize_reward` both are
    divided by the time scale (`info["time_scale"]`).

    ## Starting State
    The instance given at construction, `reset(options={"instance": ...})`, or one drawn
    from `generator` with the env's seeded `np_random`.

    ## Episode End
    Terminates when every operation is scheduled: at most n x m steps, fewer with
    `auto_single_choice` (choices with one candidate are taken automatically). No truncation.
    `info` then holds `makespan`, `start_times` (n x m, job j's k-th operation in the
    instance's order), `initial_lower_bound`, `time_scale` and `instance`.

    ## Arguments
    `instance` (JobShopInstance, benchmark name such as "ta01", or file path),
    `generator` (JobShopGenerator or its keyword dict; used when no instance is given),
    `max_jobs`/`max_machines` (observation envelope; default: fits the instance or the
    generator's largest size), `dynamics`, `reward`, `normalize_reward`,
    `auto_single_choice`, `render_mode` ("rgb_array").

    ## Instance Sizes
    Any instance whose operation and edge counts fit the envelope; larger ones raise
    `EnvelopeError`.

    ## Baselines
    `schedrl.envs.baselines("schedrl/JobShop-v0")`: the dispatching rules `spt`, `lpt`,
    `mwkr`, `lwkr`, `mor`, `lor`, `fifo`, `fdd_mwkr`, `mopnr` (ties to the lowest job index)
    and `random`.

    ## Solvers
    `cpsat`: OR-Tools CP-SAT on the whole instance (`CPSatSolver(time_limit, workers, seed)`),
    anytime, with its proven bound and status.

    ## Data and Licences
    242 bundled benchmark instances (ft, la, abz, orb, swv, yn, ta, dmu) with best-known
    bounds (`load_benchmark`, `load_group`); sources and licences in
    `envs/jobshop/data/README.md` and THIRD_PARTY.md (bounds CC BY-SA 4.0, DMU files MIT).

    ## Version History
    v0: initial release.
    """

    state: JobShopState  # set by reset()
    catalog = CATALOG

    def __init__(
        self,
        instance: JobShopInstance | str | Path | None = None,
        *,
        generator: JobShopGenerator | dict[str, Any] | None = None,
        max_jobs: int | None = None,
        max_machines: int | None = None,
        dynamics: str = "non_delay",
        reward: str = "dense",
        normalize_reward: bool = True,
        auto_single_choice: bool = True,
        render_mode: str | None = None,
    ):
        check_settings(
            {"dynamics": dynamics, "reward": reward, "normalize_reward": normalize_reward, "max_jobs": max_jobs,
             "auto_single_choice": auto_single_choice, "max_machines": max_machines},
            ENV_SETTINGS,
        )  # fmt: skip
        self.generator = build_generator(JobShopGenerator, generator)
        resolved = None if instance is None else CATALOG.as_instance(instance)
        max_jobs, max_machines = envelope_shape(resolved, self.generator, max_jobs, max_machines)
        self.dynamics = DYNAMICS[dynamics]()
        self.reward_kind = reward
        self.normalize_reward = normalize_reward
        super().__init__(
            envelope_for(max_jobs, max_machines),
            instance=resolved,
            auto_single_choice=auto_single_choice,
            render_mode=render_mode,
        )
        self._edge_attr = self.graph.arrays["edge_attr"]
        self._global_features = self.graph.arrays["global_features"]

    # -- episode setup ---------------------------------------------------------------------
    def _check_fits(self, instance: JobShopInstance) -> None:
        check_instance_fits(self.graph.envelope, instance)

    def _sample_instance(self, rng: np.random.Generator) -> JobShopInstance:
        return self.generator.sample(rng)

    def _max_decisions(self, instance: JobShopInstance) -> int:
        return instance.num_jobs * instance.num_machines  # one per operation, fewer with forced moves

    def _start_episode(self, instance: JobShopInstance) -> None:
        self.state = state = JobShopState.initial(instance)
        n, m = instance.shape
        self._time_scale = float(max(instance.trivial_lower_bound, 1))  # all-zero durations are legal
        self._inverse_scale = 1.0 / self._time_scale
        self._reward_unit = self._inverse_scale if self.normalize_reward else 1.0
        self._initial_lower_bound = int(state.completion_lb.max())
        self._makespan_lb = self._initial_lower_bound
        self._nodes = n * m
        self._fill_graph(state)
        self.dynamics.update_candidates(state, None)
        self._legal = state.next_node[state.candidate_jobs]

    def _fill_graph(self, state: JobShopState) -> None:
        graph, n, m = self.graph, state.num_jobs, state.num_machines
        self._machine_edge_base = start_disjunctive_graph(graph, n, m)
        features = graph.node_features[: n * m]
        features[:, _DURATION] = state.duration / max(int(state.duration.max()), 1)
        features[:, _COMPLETION_LB] = state.completion_lb * self._inverse_scale
        features[:, _JOB_REMAINING_WORK] = np.repeat(state.job_remaining_work, m) * self._inverse_scale
        features[:, _MACHINE_REMAINING_WORK] = state.machine_remaining_work[state.machine] * self._inverse_scale
        features[:, _JOB_REMAINING_OPS] = 1.0
        self._shown_legal = np.zeros(0, dtype=np.int64)
        # Scalar lookups on the hot path are faster from Python lists than from numpy.
        self._machine_of = state.machine.tolist()
        self._duration_of = state.duration.tolist()

    # -- transition ------------------------------------------------------------------------
    def _apply(self, node: int) -> float:
        state, features = self.state, self.graph.node_features
        m, scale = state.num_machines, self._inverse_scale
        job, position = divmod(node, m)
        machine = self._machine_of[node]
        duration = self._duration_of[node]
        start, slot = self.dynamics.placement(state, node)
        end = start + duration

        state.start[node] = start
        job_start, job_end = job * m, job * m + m
        lower_bounds = state.completion_lb[node:job_end]
        shift = end - int(lower_bounds[0])
        if shift:
            lower_bounds += shift
            features[node:job_end, _COMPLETION_LB] = lower_bounds * scale
        state.job_ready[job] = end
        if end > state.machine_ready[machine]:
            state.machine_ready[machine] = end
        job_work = int(state.job_remaining_work[job]) - duration
        state.job_remaining_work[job] = job_work
        state.job_remaining_ops[job] -= 1
        machine_work = int(state.machine_remaining_work[machine]) - duration
        state.machine_remaining_work[machine] = machine_work
        if position + 1 < m:
            state.next_op[job] = position + 1
            state.next_node[job] = node + 1
            state.next_machine[job] = self._machine_of[node + 1]
        else:
            state.next_op[job] = m
            state.next_node[job] = -1
            state.next_machine[job] = m
        state.scheduled += 1
        self._insert_on_machine(machine, node, slot, start, end)

        features[node, _SCHEDULED] = 1.0
        features[job_start:job_end, _JOB_REMAINING_WORK] = job_work * scale
        features[job_start:job_end, _JOB_REMAINING_OPS] = (m - position - 1) / m
        features[state.ops_on_machine[machine], _MACHINE_REMAINING_WORK] = machine_work * scale
        previous_lb = self._makespan_lb
        job_lb = int(state.completion_lb[job_end - 1])
        if job_lb > previous_lb:
            self._makespan_lb = job_lb
        self._done = state.scheduled == self._nodes
        self.dynamics.update_candidates(state, node)
        self._legal = state.next_node[state.candidate_jobs]
        if self.reward_kind == "dense":
            return (previous_lb - self._makespan_lb) * self._reward_unit
        return -state.makespan() * self._reward_unit if self._done else 0.0

    def _insert_on_machine(self, machine: int, node: int, slot: int, start: int, end: int) -> None:
        """Insert into the machine's timeline and rewrite its machine-order edges from `slot` on."""
        state, graph = self.state, self.graph
        count = int(state.machine_count[machine])
        sequence = state.machine_sequence[machine]
        starts, ends = state.timeline_start[machine], state.timeline_end[machine]
        if slot < count:  # inserted before scheduled operations: shift them right
            sequence[slot + 1 : count + 1] = sequence[slot:count]
            starts[slot + 1 : count + 2] = starts[slot : count + 1]
            ends[slot + 2 : count + 2] = ends[slot + 1 : count + 1]
        sequence[slot] = node
        starts[slot] = start
        ends[slot + 1] = end
        state.machine_count[machine] = count + 1
        if count == 0:
            return
        base = self._machine_edge_base + machine * (state.num_jobs - 1)
        first = max(slot - 1, 0)
        graph.edge_index[0, base + first : base + count] = sequence[first:count]
        graph.edge_index[1, base + first : base + count] = sequence[first + 1 : count + 1]
        graph.edge_mask[base + count - 1] = 1
        self._edge_attr[base + count - 1, 0] = 1.0

    def _sync_observation(self) -> None:
        """Move the mask and the eligible feature from the last shown legal nodes to the
        current ones, and refresh the global features."""
        state, graph = self.state, self.graph
        features = graph.node_features
        old, new = self._shown_legal, self._legal
        self.mask[old] = False
        features[old, _ELIGIBLE] = 0.0
        self.mask[new] = True
        features[new, _ELIGIBLE] = 1.0
        self._shown_legal = new
        globals_ = self._global_features
        globals_[0] = self._makespan_lb * self._inverse_scale
        globals_[1] = state.scheduled / self._nodes
        globals_[2] = state.time * self._inverse_scale

    def _single_choice(self) -> int | None:
        return int(self._legal[0]) if self._legal.size == 1 else None

    # -- results ---------------------------------------------------------------------------
    def _final_info(self) -> dict[str, Any]:
        state = self.state
        return {
            "instance": state.instance.name,
            "makespan": state.makespan(),
            "start_times": state.start_times().tolist(),
            "initial_lower_bound": self._initial_lower_bound,
            "time_scale": self._time_scale,
        }

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array" or not hasattr(self, "state"):
            return None
        from schedrl.envs.jobshop.render import gantt_rgb

        return gantt_rgb(self.state.instance, self.state.start_times())
