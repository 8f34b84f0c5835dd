"""The blocking job-shop environment with swaps and machine shutdowns, `schedrl/BlockingJobShop-v0`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from schedrl.envs.blocking.benchmarks import CATALOG
from schedrl.envs.blocking.generator import BlockingGenerator
from schedrl.envs.blocking.instance import BlockingJobShopInstance
from schedrl.envs.blocking.simulation import DONE, PROCESSING, BlockingState
from schedrl.envs.core.generation import build_generator
from schedrl.envs.core.graph_env import GraphSchedulingEnv
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.jobshop.env import check_instance_fits, envelope_for, envelope_shape, start_disjunctive_graph

NODE_FEATURES = (
    "duration",  # / longest duration of the instance
    "remaining_processing",  # / time scale: the whole duration before entry, 0 once processed
    "waiting",  # status one-hot: not entered yet,
    "processing",  # on its machine, being processed,
    "blocked",  # processed, holding its machine until the next one takes the job,
    "done",  # left its machine,
    "interrupted",  # on its machine, which is down
    "eligible",  # in the action mask now
    "job_completion",  # operations of the job processed / m
    "job_remaining_work",  # work of the job's operations not entered yet / time scale
    "machine_down",  # the operation's machine is down now
    "machine_time_to_repair",  # / time scale (0 when up)
    "machine_occupied",  # the operation's machine holds a job
)
GLOBAL_FEATURES = ("time", "fraction_entered", "fraction_machines_down", "shutdown_prob", "makespan_estimate")
REWARDS = ("dense", "sparse")
ENV_SETTINGS = (
    Setting("reward", str, choices=REWARDS),
    Setting("normalize_reward", bool),
    Setting("auto_single_choice", bool),
    Setting("max_jobs", int, 1, optional=True),
    Setting("max_machines", int, 1, optional=True),
)
(
    _DURATION, _REMAINING, _WAITING, _PROCESSING, _BLOCKED, _DONE, _INTERRUPTED, _ELIGIBLE,
    _JOB_COMPLETION, _JOB_REMAINING_WORK, _MACHINE_DOWN, _TIME_TO_REPAIR, _MACHINE_OCCUPIED,
) = range(len(NODE_FEATURES))  # fmt: skip


class BlockingJobShopEnv(GraphSchedulingEnv):
    """Interrupting swap-allowed blocking job shop (ISBJSSP; minimise makespan) as a
    sequence of dispatching choices, after Wong et al. (2023/2024).

    ## Description
    n jobs each pass through m machines in their own order, with no buffers: a job that
    is processed stays on its machine, blocking it, until the next machine of its route
    takes it (it leaves the moment it enters the next one; after its last operation it
    leaves at once). A machine is free and up, or holds one job. Machines shut down on the
    time axis (instance fields `shutdown_prob`, `min_repair`, `max_repair`, `seed`: the same
    shutdowns for every method); processing stops while a machine is down and then
    resumes or restarts (`interrupt_mode`); a down machine takes no job, and a processed
    job may leave one. When blocked jobs form a cycle, each waiting for the machine the
    next one holds, all of them move at the same instant (a swap) once those machines are
    up. With `swap: false` (an instance field) the mask keeps cycles from forming: a job
    may enter a machine only if afterwards the jobs on machines can still finish one after
    another, each through its whole remaining route (a banker's check); from every such
    state some job can move on, so no episode deadlocks.

    Time is event-driven (non-delay): whenever a machine is free and up and jobs wait for
    it, one of them enters now. A machine with one waiting job takes it automatically
    (`auto_single_choice`); the agent chooses where two or more wait. Between decisions the
    clock jumps to the next processing end or repair.

    ## Action Space
    `Discrete(max_nodes)`: node index `j * m + k` of job j's k-th operation: that job
    enters its k-th machine now.

    ## Action Mask
    `action_masks()`: the next operations of the jobs waiting for a free, up machine with
    at least two jobs waiting (every waiting job's, without `auto_single_choice`); without
    swaps, only safe moves. Never empty before the episode ends. A masked or out-of-range
    action raises `IllegalActionError` (a `ValueError`).

    ## Observation Space
    The padded dynamic disjunctive graph (docs/DESIGN.md): operation nodes; edges from each
    operation to its job successor and, as jobs enter machines, along each machine's
    sequence (edge_attr 1).

    | key | shape | content |
    |---|---|---|
    | node_features | [max_nodes, 13] | see `NODE_FEATURES`: duration, remaining processing, status |
    |  |  | one-hot (waiting, processing, blocked, done, interrupted), eligible, job completion and |
    |  |  | remaining work, the machine's state (down, time to repair, occupied) |
    | edge_index, edge_attr | [2, max_edges], [max_edges, 1] | job precedence (0) and machine order (1) |
    | node_mask, edge_mask | [max_nodes], [max_edges] | 1 for real nodes / edges |
    | global_features | [5] | clock, fraction entered, fraction of machines down, the instance's |
    |  |  | shutdown_prob, makespan estimate |

    Times are divided by the instance's time scale (max of longest job and most loaded
    machine). Nothing in the observation reveals shutdowns still to come.

    ## Rewards
    `dense` (default): minus the increase of the makespan estimate, the latest over jobs of
    (now + the work the job has left, counting its current operation's unprocessed part;
    a finished job's completion), so an episode's rewards sum to
    `initial_lower_bound - makespan`. `sparse`: 0, then `-makespan` at the last step. With
    `normalize_reward` both are divided by the time scale (`info["time_scale"]`).

    ## Starting State
    The instance given at construction, `reset(options={"instance": ...})`, or one drawn
    from `generator` with the env's seeded `np_random`.

    ## Episode End
    Terminates when every job has left its last machine: at most n x m decisions. No
    truncation. `info` then holds `makespan`, `start`, `finish`, `leave` (n x m, instance
    order), `downtime` (per machine, the shutdowns that begin before the makespan),
    `swap_events`, `swaps`, `blocking_time`, `interruptions`, `initial_lower_bound`,
    `time_scale` and `instance`.

    ## Arguments
    `instance` (BlockingJobShopInstance, benchmark name such as "ta01", or file path),
    `generator` (BlockingGenerator or its keyword dict), `max_jobs`/`max_machines`
    (observation envelope; default: fits the instance or the generator's largest size),
    `reward`, `normalize_reward`, `auto_single_choice`, `render_mode` ("rgb_array").

    ## Baselines
    The job shop's dispatching rules, run under blocking: `spt`, `lpt`, `mwkr`, `lwkr`,
    `mor`, `lor`, `fifo`, `fdd_mwkr`, `mopnr` and `random`.

    ## Solvers
    `cpsat`: a CP-SAT model of the blocking job shop with swaps; it applies only to
    deterministic instances (`shutdown_prob` 0) with `swap` true.

    ## Data and Licences
    No data of its own: the job shop's bundled benchmarks, formats and generator, under
    their licences (`envs/jobshop/data/README.md`). The disruption parameters are ours (the
    paper publishes none).

    ## Version History
    v0: initial release.
    """

    state: BlockingState  # set by reset()
    catalog = CATALOG

    def __init__(
        self,
        instance: BlockingJobShopInstance | str | Path | None = None,
        *,
        generator: BlockingGenerator | dict[str, Any] | None = None,
        max_jobs: int | None = None,
        max_machines: int | None = None,
        reward: str = "dense",
        normalize_reward: bool = True,
        auto_single_choice: bool = True,
        render_mode: str | None = None,
    ):
        check_settings(
            {"reward": reward, "normalize_reward": normalize_reward, "auto_single_choice": auto_single_choice,
             "max_jobs": max_jobs, "max_machines": max_machines},
            ENV_SETTINGS,
        )  # fmt: skip
        self.generator = build_generator(BlockingGenerator, generator)
        resolved = None if instance is None else CATALOG.as_instance(instance)
        max_jobs, max_machines = envelope_shape(resolved, self.generator, max_jobs, max_machines)
        self.reward_kind = reward
        self.normalize_reward = normalize_reward
        envelope = envelope_for(max_jobs, max_machines, len(NODE_FEATURES), len(GLOBAL_FEATURES))
        super().__init__(envelope, instance=resolved, auto_single_choice=auto_single_choice, render_mode=render_mode)

    # -- episode setup ---------------------------------------------------------------------
    def _check_fits(self, instance: BlockingJobShopInstance) -> None:
        check_instance_fits(self.graph.envelope, instance)

    def _sample_instance(self, rng: np.random.Generator) -> BlockingJobShopInstance:
        return self.generator.sample(rng)

    def _max_decisions(self, instance: BlockingJobShopInstance) -> int:
        return instance.num_jobs * instance.num_machines  # at most one per entry

    def _start_episode(self, instance: BlockingJobShopInstance) -> None:
        self.state = state = BlockingState(instance)
        n, m = instance.shape
        self._time_scale = float(max(instance.trivial_lower_bound, 1))
        self._inverse_scale = 1.0 / self._time_scale
        self._reward_unit = self._inverse_scale if self.normalize_reward else 1.0
        self._machine_edge_base = start_disjunctive_graph(self.graph, n, m)
        self.graph.node_features[: n * m, _DURATION] = state.duration / max(int(state.duration.max()), 1)
        self._edges_shown = [0] * m
        self._legal: list[int] = []
        self._advance()
        self._estimate = self._makespan_estimate()
        self._initial_lower_bound = self._estimate

    # -- transition ------------------------------------------------------------------------
    def _apply(self, node: int) -> float:
        self.state.enter(node // self.state.num_machines)
        self._advance()
        previous, self._estimate = self._estimate, self._makespan_estimate()
        if self.reward_kind == "dense":
            return (previous - self._estimate) * self._reward_unit
        return -self.state.makespan() * self._reward_unit if self._done else 0.0

    def _advance(self) -> None:
        """Run the simulation to the next real choice, or to the end: complete processing,
        swap cycles, move jobs that are the only ones waiting for a machine, let time pass."""
        state = self.state
        while True:
            state.complete_due()
            if state.done:
                self._legal = []
                self._done = True
                return
            cycles = state.swap_cycles() if state.swap else []
            for cycle in cycles:
                state.rotate(cycle)
            if cycles:
                continue
            waiting = state.candidates()
            if self.auto_single_choice:
                forced = next((jobs[0] for jobs in waiting if len(jobs) == 1), None)
                if forced is not None:
                    state.enter(forced)
                    continue
                waiting = [jobs for jobs in waiting if len(jobs) > 1]
            m = state.num_machines
            self._legal = [job * m + state.current[job] + 1 for jobs in waiting for job in jobs]
            if self._legal:
                return
            state.time = state.next_event()

    def _makespan_estimate(self) -> int:
        """max over jobs of when it could finish if nothing waited from now on. Also keeps
        the work left on each operation in process (`_unprocessed`), which the observation
        reads at the same instant."""
        state, time = self.state, self.state.time
        self._unprocessed = self._work_in_process()
        estimate = state.makespan()
        for job, phase in enumerate(state.phase):
            if phase != DONE:
                left = int(state.job_remaining_work[job]) + self._unprocessed.get(job, 0)
                estimate = max(estimate, time + left)
        return estimate

    def _work_in_process(self) -> dict[int, int]:
        """Job -> work left on the operation it is being processed on, from the shutdowns so far only."""
        state = self.state
        left = {}
        for job, phase in enumerate(state.phase):
            if phase == PROCESSING:
                node = job * state.num_machines + state.current[job]
                done = state.shutdowns.processed(int(state.machine[node]), int(state.start[node]), state.time,
                                                 state.restart)  # fmt: skip
                left[job] = max(int(state.duration[node]) - done, 0)
        return left

    def _sync_observation(self) -> None:
        state, graph = self.state, self.graph
        n, m = state.num_jobs, state.num_machines
        nodes, time, scale = n * m, state.time, self._inverse_scale
        features = graph.node_features[:nodes]
        entered = state.start >= 0
        processed = entered & (state.finish <= time)
        left = state.leave >= 0
        repair = [state.shutdowns.repair_time(machine, time) for machine in range(m)]
        down = np.array([r is not None for r in repair])
        to_repair = np.array([0 if r is None else r - time for r in repair], dtype=np.float64)
        on_machine = entered & ~processed
        node_down = down[state.machine]
        remaining = np.where(entered, 0, state.duration).astype(np.float64)
        for job, work in self._unprocessed.items():
            remaining[job * m + state.current[job]] = work
        features[:, _REMAINING] = remaining * scale
        features[:, _WAITING] = ~entered
        features[:, _PROCESSING] = on_machine & ~node_down
        features[:, _BLOCKED] = processed & ~left
        features[:, _DONE] = left
        features[:, _INTERRUPTED] = on_machine & node_down
        features[:, _ELIGIBLE] = 0.0
        features[self._legal, _ELIGIBLE] = 1.0
        features[:, _JOB_COMPLETION] = np.repeat(processed.reshape(n, m).sum(axis=1) / m, m)
        features[:, _JOB_REMAINING_WORK] = np.repeat(state.job_remaining_work, m) * scale
        features[:, _MACHINE_DOWN] = node_down
        features[:, _TIME_TO_REPAIR] = to_repair[state.machine] * scale
        occupied = np.array([holder >= 0 for holder in state.holder])
        features[:, _MACHINE_OCCUPIED] = occupied[state.machine]
        self._add_machine_edges()
        self.mask.fill(False)
        self.mask[self._legal] = True
        globals_ = graph.global_features
        globals_[:] = (
            time * scale,
            state.entered / nodes,
            down.mean(),
            state.instance.shutdown_prob,
            self._estimate * scale,
        )

    def _add_machine_edges(self) -> None:
        """Edges along each machine's entry order, for the entries since the last step."""
        state, graph = self.state, self.graph
        for machine, sequence in enumerate(state.machine_sequence):
            for index in range(max(self._edges_shown[machine], 1), len(sequence)):
                slot = self._machine_edge_base + machine * (state.num_jobs - 1) + index - 1
                graph.edge_index[:, slot] = sequence[index - 1], sequence[index]
                graph.edge_mask[slot] = 1
                graph.edge_attr[slot, 0] = 1.0
            self._edges_shown[machine] = len(sequence)

    def _single_choice(self) -> int | None:
        return self._legal[0] if len(self._legal) == 1 else None

    # -- results ---------------------------------------------------------------------------
    def _final_info(self) -> dict[str, Any]:
        state = self.state
        n, m = state.num_jobs, state.num_machines
        makespan = state.makespan()
        leave, finish = state.leave.reshape(n, m), state.finish.reshape(n, m)
        return {
            "instance": state.instance.name,
            "makespan": makespan,
            "start": state.start.reshape(n, m).tolist(),
            "finish": finish.tolist(),
            "leave": leave.tolist(),
            "downtime": [[list(i) for i in state.shutdowns.intervals(k, makespan)] for k in range(m)],
            "swap_events": [dict(event) for event in state.swap_events],
            "swaps": len(state.swap_events),
            "blocking_time": int((leave - finish).sum()),
            "interruptions": state.interruptions,
            "initial_lower_bound": self._initial_lower_bound,
            "time_scale": self._time_scale,
        }

    def render(self) -> np.ndarray | None:
        """The Gantt chart so far: times not reached yet are -1 in the record it draws."""
        if self.render_mode != "rgb_array" or not hasattr(self, "state"):
            return None
        from schedrl.envs.blocking.render import gantt_rgb

        state = self.state
        shape = state.instance.shape
        finish = np.where(state.finish <= state.time, state.finish, -1)  # no future processing ends
        record = {
            "start": state.start.reshape(shape).tolist(),
            "finish": finish.reshape(shape).tolist(),
            "leave": state.leave.reshape(shape).tolist(),
            "downtime": [[list(i) for i in state.shutdowns.intervals(k, state.time)] for k in range(shape[1])],
            "time": state.time,
        }
        return gantt_rgb(state.instance, record)
