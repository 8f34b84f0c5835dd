"""The SoC task-graph scheduling environment, `schedrl/SoC-v0`."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from schedrl.envs.core.generation import build_generator
from schedrl.envs.core.graph_env import GraphSchedulingEnv
from schedrl.envs.core.observation import GraphEnvelope
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.soc.benchmarks import CATALOG
from schedrl.envs.soc.generator import StreamGenerator
from schedrl.envs.soc.instance import Application, SoCInstance
from schedrl.envs.soc.metrics import stream_metrics
from schedrl.envs.soc.simulation import SoCSimulation
from schedrl.errors import EnvelopeError

ACTION_MODES = ("eft", "direct")
NODE_TYPES = ("task", "pe")
# Columns after the type one-hot. Times are divided by the instance's time unit (the mean over
# its applications of the largest upward rank: about one job's critical path).
NODE_FEATURES = (
    "waiting",  # task: some predecessor has not finished
    "ready",  # task: in the ready queue
    "placed",  # task: on a PE, not finished
    "finished",
    "mean_exec",  # task: mean time over the PEs that can run it; PE: its mean over the tasks it can run
    "min_exec",  # task: the fastest PE's time
    "upward_rank",  # task
    "job_remaining",  # task: mean work of its job's tasks not yet placed
    "waiting_time",  # task: time since it became ready (ready tasks)
    "job_age",  # task: time since its job arrived
    "best_finish",  # ready task: earliest estimated finish over PEs, from now
    "pe_share",  # task: share of PEs that can run it; PE: share of the tasks it can run
    "busy_for",  # PE: time until it is free
    "chosen_time",  # PE, stage 2: the chosen task's execution time here
    "chosen_finish",  # PE, stage 2: the chosen task's estimated finish here, from now
)
GLOBAL_FEATURES = (
    "stage",  # 0: pick a task, 1: pick its PE (direct mode)
    "jobs_in_system",  # / max_jobs_in_parallel
    "ready_tasks",  # / the job slot size
    "injected",  # share of the episode's jobs injected so far
)
EDGE_FEATURES = ("precedes", "placed_on", "volume")
ENV_SETTINGS = (
    Setting("action_mode", str, choices=ACTION_MODES),
    Setting("reward_scale", float, 0.0, low_open=True),
    Setting("auto_single_choice", bool),
    Setting("max_jobs", int, 1, optional=True),
    Setting("max_job_tasks", int, 1, optional=True),
    Setting("max_job_edges", int, 0, optional=True),
    Setting("max_pes", int, 1, optional=True),
)
_TYPES = len(NODE_TYPES)
(
    _WAITING,
    _READY,
    _PLACED,
    _FINISHED,
    _MEAN,
    _MIN,
    _RANK,
    _REMAINING,
    _WAIT,
    _AGE,
    _BEST,
    _SHARE,
    _BUSY,
    _CHOSEN_TIME,
    _CHOSEN_FINISH,
) = range(_TYPES, _TYPES + len(NODE_FEATURES))


def envelope_sizes(instances: list[SoCInstance]) -> dict[str, int]:
    """The env kwargs of the smallest envelope every one of `instances` fits."""
    return {
        "max_jobs": max(i.max_jobs_in_parallel for i in instances),
        "max_job_tasks": max(i.max_tasks for i in instances),
        "max_job_edges": max(len(app.edges) for i in instances for app in i.applications),
        "max_pes": max(i.platform.num_pes for i in instances),
    }


@functools.lru_cache(maxsize=256)
def _precedence_edges(app: Application) -> tuple[np.ndarray, np.ndarray]:
    """[2, E] task indices and [E, 3] attributes (`precedes`, volume / 1e4) of a job's DAG."""
    links = np.array([(src, dst) for src, dst, _ in app.edges], dtype=np.int64).reshape(-1, 2).T
    attributes = np.zeros((len(app.edges), len(EDGE_FEATURES)), dtype=np.float32)
    attributes[:, 0] = 1.0
    attributes[:, 2] = [volume / 1e4 for _, _, volume in app.edges]
    return links, attributes


class SoCEnv(GraphSchedulingEnv):
    """Scheduling streams of application DAGs on a heterogeneous SoC, after DS3 (Arda et al.,
    IEEE Trans. Computers 2020) as DeepSoCS and SoCRATES use it.

    ## Description
    Jobs (application task graphs: WiFi TX/RX, radar, the canonical 10-task DAG of the HEFT
    paper, ...) are injected into a System-on-Chip of processing elements (PEs) of several
    types, with exponential gaps of mean `scale` µs and at most `max_jobs_in_parallel` in
    the system. A task runs on a PE type that supports it, for the table's time (with
    Gaussian noise when the instance has it); data from a predecessor on PE p reaches PE q
    int(volume / bandwidth[p][q]) µs after it finishes. A task becomes ready when all its
    predecessors have finished; every ready task is assigned to a PE, where it starts when
    the PE is free and its data is there, in assignment order. The objective is the mean
    job latency (injection to the last task's finish) over the jobs after the warm-up;
    a single DAG arriving at t = 0 gives its makespan. Semantics in
    `schedrl.envs.soc.simulation`; the instance and its seeded stream in `instance`.

    ## Action Space
    `Discrete(max_nodes)`: a node index. Nodes are job slots of `max_job_tasks` task nodes
    each (`max_jobs` slots; a job in the system holds one slot), then `max_pes` PE nodes.
    - `action_mode="eft"` (DeepSoCS's factorisation): pick a ready task; it goes to the PE
      of earliest estimated finish (the table's mean time; ties to the lower PE index).
    - `action_mode="direct"`: pick a ready task (stage 0), then a PE that can run it
      (stage 1, with the task as `context_nodes`).

    ## Action Mask
    Stage 0: the ready tasks. Stage 1: the PEs whose type runs the chosen task.

    ## Observation Space
    The padded graph of `schedrl.envs.core.observation`. Task nodes of the jobs in the
    system and PE nodes, with the type one-hot and `NODE_FEATURES` (task status, execution
    statistics, upward rank, the job's remaining work, waiting time, job age, earliest
    finish; PE time until free; in stage 1 the chosen task's time and finish on each PE).
    Edges: precedence within each job (attr `precedes`, volume / 1e4) and placed-but-
    unfinished task to its PE (`placed_on`). Global features: `GLOBAL_FEATURES`.

    ## Rewards
    After each decision the clock runs to the next decision; the reward is
    -`reward_scale` x (time the jobs in the system spent there meanwhile, µs summed over
    jobs). An episode's rewards sum to -`reward_scale` x (the total latency of all jobs,
    warm-up included).

    ## Starting State
    The first `initial_jobs` jobs (pseudo-steady state) are injected at t = 0.

    ## Episode End
    Terminates when every job has completed. `info` then holds `average_latency`,
    `makespan`, `completed_jobs`, `throughput` and the solution record (`applications`,
    `arrivals`, `trace` of [job, task, pe, start, finish]).

    ## Arguments
    - `instance`: a `SoCInstance`, a bundled name (`canonical`, `socrates`) or a DS3
      `config_file*.ini` path; default: one drawn per episode from `generator`.
    - `generator`: a `StreamGenerator` or its keyword dict (workload, scale, noise,
      num_jobs, ...): the default canonical DAG stream on 3 CPUs.
    - `action_mode`: "eft" or "direct" (default).
    - `reward_scale`: 0.001 by default (rewards in job-milliseconds).
    - `auto_single_choice`: apply choices with a single legal node without asking.
    - `max_jobs`, `max_job_tasks`, `max_job_edges`, `max_pes`: the envelope (default: the
      instance's or the generator's).

    ## Instance Sizes
    Nodes: max_jobs x max_job_tasks + max_pes; the 16-PE WiFi stream with 12 jobs in the
    system has 12 x 34 + 16 = 424. Decisions: one per task ("eft") or two ("direct").

    ## Baselines
    DS3's step-wise rules `met`, `eft`, `stf`, `etf`, `heft_rt`, and `random`.

    ## Solvers
    For one DAG at t = 0 only: `heft` and `cpop` (insertion-based list scheduling) and
    `cpsat` (CP-SAT, hinted with HEFT); on streams and noisy instances they refuse.

    ## Data and Licences
    Bundled: the HEFT paper's canonical DAG (MIT, ours) and SoCRATES' files (MIT),
    `envs/soc/data/README.md`. DS3's job and SoC files (GPL-3.0) are not in the package:
    they are read by path from `data/ds3/` in a checkout or `$SCHEDRL_DS3_DATA`.

    ## Version History
    - v0: initial version.
    """

    catalog = CATALOG

    def __init__(
        self,
        instance: Any = None,
        generator: StreamGenerator | dict[str, Any] | None = None,
        action_mode: str = "direct",
        reward_scale: float = 0.001,
        auto_single_choice: bool = True,
        max_jobs: int | None = None,
        max_job_tasks: int | None = None,
        max_job_edges: int | None = None,
        max_pes: int | None = None,
        render_mode: str | None = None,
    ):
        given = {"max_jobs": max_jobs, "max_job_tasks": max_job_tasks}
        given |= {"max_job_edges": max_job_edges, "max_pes": max_pes}
        options = {"action_mode": action_mode, "reward_scale": reward_scale, "auto_single_choice": auto_single_choice}
        check_settings(options | given, ENV_SETTINGS, prefix="env")
        self.generator = build_generator(StreamGenerator, generator)
        self.action_mode = action_mode
        self.reward_scale = float(reward_scale)
        resolved = CATALOG.as_instance(instance) if instance is not None else None
        fitted = envelope_sizes([resolved] if resolved is not None else self.generator.largest())
        sizes = {key: fitted[key] if value is None else value for key, value in given.items()}
        self.max_jobs, self.slot_size = sizes["max_jobs"], sizes["max_job_tasks"]
        self.max_job_edges, self.max_pes = sizes["max_job_edges"], sizes["max_pes"]
        self.task_nodes = self.max_jobs * self.slot_size
        envelope = GraphEnvelope(
            max_nodes=self.task_nodes + self.max_pes,
            max_edges=self.max_jobs * (self.max_job_edges + self.slot_size),
            node_features=_TYPES + len(NODE_FEATURES),
            edge_features=len(EDGE_FEATURES),
            global_features=len(GLOBAL_FEATURES),
            context_nodes=1,
        )
        super().__init__(envelope, instance=resolved, auto_single_choice=auto_single_choice, render_mode=render_mode)
        self.sim: SoCSimulation | None = None
        self.chosen: tuple[int, int] | None = None  # (job, task) awaiting its PE in direct mode

    # -- the family's part ----------------------------------------------------------------
    def _sample_instance(self, rng: np.random.Generator) -> SoCInstance:
        return self.generator.sample(rng, "generated")

    def _check_fits(self, instance: SoCInstance) -> None:
        sizes = envelope_sizes([instance])
        limits = {"max_jobs": self.max_jobs, "max_job_tasks": self.slot_size}
        limits |= {"max_job_edges": self.max_job_edges, "max_pes": self.max_pes}
        over = [f"{key} {sizes[key]} > {limits[key]}" for key in limits if sizes[key] > limits[key]]
        if over:
            raise EnvelopeError(
                f"instance {instance.name!r} does not fit this env ({', '.join(over)}); build the env with "
                "this instance (or larger max_jobs / max_job_tasks / max_job_edges / max_pes)"
            )

    def _max_decisions(self, instance: SoCInstance) -> int:
        """One decision per task ("eft"), two in "direct" mode."""
        return instance.total_tasks * (2 if self.action_mode == "direct" else 1)

    def _start_episode(self, instance: SoCInstance) -> None:
        self.sim = SoCSimulation(instance)
        stats = self.sim.stats
        self.time_unit = float(np.mean([s.upward_rank.max() for s in stats])) or 1.0
        times = np.concatenate([s.times for s in stats])
        supported = times >= 0
        self.pe_mean_exec = np.where(supported, times, 0).sum(axis=0) / np.maximum(supported.sum(axis=0), 1)
        self.pe_share = supported.mean(axis=0)
        self.chosen = None
        self.graph.clear()
        self._advance()

    def _apply(self, node: int) -> float:
        sim = self.sim
        assert sim is not None
        if self.chosen is None:
            job = int(sim.slot_job[node // self.slot_size])
            task = node % self.slot_size
            if self.action_mode == "eft":
                sim.assign(job, task)  # on its PE of earliest estimated finish
                return self._advance()
            self.chosen = (job, task)
        else:
            job, task = self.chosen
            self.chosen = None
            sim.assign(job, task, node - self.pe_node(0))
            return self._advance()
        self._update_mask()
        return 0.0

    def _advance(self) -> float:
        """Run the clock to the next decision; the reward for the time that passed."""
        sim = self.sim
        assert sim is not None
        spent = sim.advance() if not sim.ready else 0
        self._done = sim.done
        self._update_mask()
        return -self.reward_scale * spent

    def _update_mask(self) -> None:
        sim = self.sim
        assert sim is not None
        self.mask.fill(False)
        if self._done:
            return
        if self.chosen is None:
            for job, task in sim.ready:
                self.mask[self.task_node(job, task)] = True
        else:
            job, task = self.chosen
            self.mask[self.task_nodes : self.task_nodes + sim.pe_free.size] = sim.stats[sim.application(job)].supported[
                task
            ]

    def task_node(self, job: int, task: int) -> int:
        """The node of a task of a job in the system."""
        assert self.sim is not None
        return int(self.sim.job_slot[job]) * self.slot_size + task

    def pe_node(self, pe: int) -> int:
        return self.task_nodes + pe

    def _single_choice(self) -> int | None:
        sim = self.sim
        if self.chosen is None and sim is not None and len(sim.ready) == 1:
            return self.task_node(*sim.ready[0])
        return super()._single_choice() if self.chosen is not None else None

    def _sync_observation(self) -> None:
        sim = self.sim
        if sim is None or self._done:
            return
        graph, unit = self.graph, self.time_unit
        features = graph.node_features
        features.fill(0.0)
        graph.node_mask.fill(0)
        graph.edge_mask.fill(0)
        graph.context_nodes.fill(-1)
        edges = 0
        ready_tasks: dict[int, list[int]] = {}
        for job, task in sim.ready:
            ready_tasks.setdefault(job, []).append(task)
        ready_nodes = [self.task_node(job, task) for job, task in sim.ready]
        for slot, job in enumerate(sim.slot_job):
            if job < 0:
                continue
            job = int(job)
            app_index = sim.application(job)
            app = sim.instance.applications[app_index]
            stats = sim.stats[app_index]
            n = app.num_tasks
            base = slot * self.slot_size
            rows = features[base : base + n]
            graph.node_mask[base : base + n] = 1
            rows[:, 0] = 1.0
            finished = sim.finished[job, :n]
            placed = sim.pe[job, :n] >= 0
            is_ready = np.zeros(n, dtype=bool)
            is_ready[ready_tasks.get(job, [])] = True
            rows[:, _FINISHED] = finished
            rows[:, _PLACED] = placed & ~finished
            rows[:, _READY] = is_ready
            rows[:, _WAITING] = ~placed & ~is_ready
            rows[:, _MEAN] = stats.mean_exec / unit
            rows[:, _MIN] = stats.min_exec / unit
            rows[:, _RANK] = stats.upward_rank / unit
            rows[:, _REMAINING] = stats.mean_exec[~placed].sum() / unit
            rows[:, _WAIT] = np.where(is_ready, sim.now - sim.ready_time[job, :n], 0) / unit
            rows[:, _AGE] = (sim.now - sim.arrival[job]) / unit
            rows[:, _SHARE] = stats.supported.mean(axis=1)
            links, attributes = _precedence_edges(app)
            graph.edge_index[:, edges : edges + links.shape[1]] = links + base
            graph.edge_attr[edges : edges + links.shape[1]] = attributes
            edges += links.shape[1]
            running = np.flatnonzero(placed & ~finished)
            graph.edge_index[0, edges : edges + running.size] = base + running
            graph.edge_index[1, edges : edges + running.size] = self.task_nodes + sim.pe[job, running]
            graph.edge_attr[edges : edges + running.size] = (0.0, 1.0, 0.0)
            edges += running.size
        graph.edge_mask[:edges] = 1
        features[ready_nodes, _BEST] = (sim.ready_estimates().min(axis=1) - sim.now) / unit
        pes = features[self.task_nodes : self.task_nodes + sim.pe_free.size]
        graph.node_mask[self.task_nodes : self.task_nodes + sim.pe_free.size] = 1
        pes[:, 1] = 1.0
        pes[:, _MEAN] = self.pe_mean_exec / unit
        pes[:, _SHARE] = self.pe_share
        pes[:, _BUSY] = np.maximum(sim.pe_free - sim.now, 0) / unit
        stage = 0.0
        if self.chosen is not None:
            stage = 1.0
            job, task = self.chosen
            stats = sim.stats[sim.application(job)]
            finish = sim.estimated_finish(job, np.array([task]))[0]
            supported = stats.supported[task]
            pes[:, _CHOSEN_TIME] = np.where(supported, stats.times[task], 0) / unit
            pes[:, _CHOSEN_FINISH] = np.where(supported, finish - sim.now, 0) / unit
            graph.context_nodes[0] = self.task_node(job, task)
        graph.global_features[:] = (
            stage,
            sim.in_system / sim.instance.max_jobs_in_parallel,
            len(sim.ready) / self.slot_size,
            sim.next_job / sim.instance.num_jobs,
        )

    def _final_info(self) -> dict[str, Any]:
        sim = self.sim
        assert sim is not None
        return stream_metrics(sim.instance, sim.arrival.tolist(), sim.job_application.tolist(), sim.trace())

    def render(self) -> np.ndarray | None:  # type: ignore[override]
        if self.render_mode != "rgb_array" or self.sim is None:
            return None
        from schedrl.envs.soc.render import render_rgb

        arrivals = [int(a) for a in self.sim.arrival if a >= 0]  # the jobs injected so far
        return render_rgb(self.sim.instance, {"arrivals": arrivals, "trace": self.sim.trace()})
