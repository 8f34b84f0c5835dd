"""The VM-rescheduling environment, `schedrl/VMReschedule-v0`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from schedrl.envs.core.generation import build_generator
from schedrl.envs.core.graph_env import GraphSchedulingEnv
from schedrl.envs.core.observation import GraphEnvelope
from schedrl.envs.core.settings import Setting, check_settings
from schedrl.envs.vm.benchmarks import CATALOG
from schedrl.envs.vm.generator import SnapshotGenerator
from schedrl.envs.vm.instance import FRAGMENT_BLOCK, NUMA_PER_PM, VMSnapshot
from schedrl.envs.vm.placement import Placement

NODE_TYPES = ("numa", "vm", "stop")
# Columns after the type one-hot; each kind of node reads them in its own way.
NODE_FEATURES = (
    "cpu",  # NUMA: free cpu / its capacity; VM: cpu per node / the median node capacity
    "memory",  # NUMA: free memory / its capacity; VM: memory per node / the median node capacity
    "fragment",  # NUMA: (free cpu mod 16) / 16; VM: that of its (first) node
    "pair",  # NUMA: the other node of its PM, free cpu / capacity; VM: double-NUMA flag
    "fragment_change",  # NUMA, stage 2: change of fragments / 16 if the chosen VM landed here;
    #                     VM: change of fragments / 16 if it left its node(s)
    "legal",  # NUMA, stage 2: can take the chosen VM; VM: may migrate
    "chosen",  # NUMA, stage 2: hosts the chosen VM; VM: is the chosen VM
    "moved",  # VM: has migrated in this episode
)
GLOBAL_FEATURES = (
    "stage",  # 0: pick a VM (or stop), 1: pick its destination
    "migrations_left",  # / mnl
    "fragment_rate",
    "fragment_rate_drop",  # initial minus current
    "chosen_cpu",  # stage 2: the chosen VM's cpu per node / the median node capacity
    "chosen_memory",  # stage 2: its memory per node / the median node capacity
    "chosen_double",  # stage 2: it is double-NUMA
)
EDGE_FEATURES = ("hosted_on", "same_pm")
ENV_SETTINGS = (
    Setting("reward_scale", float, 0.0, low_open=True),
    Setting("auto_single_choice", bool),
    Setting("max_pms", int, 1, optional=True),
    Setting("max_vms", int, 1, optional=True),
)
_TYPES = len(NODE_TYPES)
_CPU, _MEM, _FRAGMENT, _PAIR, _CHANGE, _LEGAL, _CHOSEN, _MOVED = range(_TYPES, _TYPES + len(NODE_FEATURES))


def graph_size(pms: int, vms: int) -> tuple[int, int]:
    """(nodes, edge slots): two NUMA nodes per PM, one node per VM and the stop node; two host
    edge slots per VM (the second used by double-NUMA VMs) and one edge per PM between its nodes."""
    return NUMA_PER_PM * pms + vms + 1, NUMA_PER_PM * vms + pms


def envelope_for(max_pms: int, max_vms: int) -> GraphEnvelope:
    """Room for every snapshot of at most `max_pms` PMs and `max_vms` VMs (`graph_size`); the
    chosen VM as context node."""
    max_nodes, max_edges = graph_size(max_pms, max_vms)
    return GraphEnvelope(
        max_nodes=max_nodes,
        max_edges=max_edges,
        node_features=_TYPES + len(NODE_FEATURES),
        edge_features=len(EDGE_FEATURES),
        global_features=len(GLOBAL_FEATURES),
        context_nodes=1,
    )


class VMRescheduleEnv(GraphSchedulingEnv):
    """VM rescheduling (minimise the CPU fragment rate under a migration limit) as a
    sequence of two-stage migrations, after VMR2L (Ding et al., EuroSys 2025).

    ## Description
    A snapshot holds PMs, each with two NUMA nodes, and VMs placed on them: a single-NUMA
    VM on one node, a double-NUMA VM half on each node of its PM. The fragment rate is
    FR = Σ over NUMA nodes of (free cpu mod 16) / Σ free cpu: free capacity that no
    16-vCPU VM can use. An episode migrates VMs one at a time, at most `mnl` of them (an
    instance field), to lower FR. Each migration is two steps: pick a VM, then its
    destination NUMA node, which fixes the PM; a double-NUMA VM takes node 0 of the PM
    and both halves move. Migrations happen in order, each into the room left by the
    previous ones, so a plan replays as it was made.

    ## Action Space
    `Discrete(max_nodes)`. Nodes are laid out as the 2P NUMA nodes (node 2p + k is NUMA k
    of PM p), then the V VMs (node 2P + v), then the stop node (2P + V).
    Stage 1: a VM node (migrate it) or the stop node (end the episode).
    Stage 2: a NUMA node (the destination); the VM's own place is a legal no-op.

    ## Action Mask
    Stage 1: migratable VMs with a legal destination other than where they are, and the
    stop node. Stage 2: the NUMA nodes with free cpu and memory for the chosen VM (node 0 of a
    PM with room on both nodes for a double-NUMA VM), minus PMs that host a member of one
    of its host anti-affinity sets and the PMs on racks that host a member of one of its
    rack sets; its own place is always legal. A masked or out-of-range action raises
    `IllegalActionError` (a `ValueError`).

    ## Observation Space
    | key | shape | content |
    |---|---|---|
    | node_features | [max_nodes, 11] | type one-hot (NUMA node, VM, stop), then `NODE_FEATURES` |
    | edge_index, edge_attr | [2, max_edges], [max_edges, 2] | VM -> each NUMA node hosting it |
    |  |  | (`hosted_on`), NUMA 0 -> NUMA 1 of each PM (`same_pm`) |
    | node_mask, edge_mask | [max_nodes], [max_edges] | 1 for real nodes / edges |
    | global_features | [7] | `GLOBAL_FEATURES`: stage flag, migrations left, FR, FR drop, and |
    |  |  | in stage 2 the chosen VM's cpu, memory and NUMA mode |
    | context_nodes | [1] | stage 2: the chosen VM's node (its embedding joins the policy's |
    |  |  | context); -1 in stage 1 |

    Message passing over the VM-host edges plays the part of VMR2L's sparse VM-PM attention.

    ## Rewards
    Stage 1: 0. Stage 2: `reward_scale` x (FR before the migration - FR after), so an
    episode's rewards sum to `reward_scale` x (initial FR - final FR); a no-op earns 0.

    ## Starting State
    The instance given at construction, `reset(options={"instance": ...})`, or one drawn
    from `generator` with the env's seeded `np_random`.

    ## Episode End
    Terminates after `mnl` migrations (a no-op counts: every two steps use one) or at the
    stop node, which `auto_single_choice` takes by itself when no VM can move: at most
    2 x mnl decisions. A no-op is not recorded, so `migrations_used` may end below `mnl`. `info` then holds the
    solution record: `fragment_rate`, `initial_fragment_rate`, `migrations_used`,
    `migrations` ([vm_id, pm_id, numa] in order, the snapshot's ids) and `placement`
    ({vm_id: [pm_id, numa]}).

    ## Arguments
    `instance` (VMSnapshot, bundled name such as "medium_279pm", or a VMR2L JSON file),
    `generator` (SnapshotGenerator or its keyword dict), `max_pms`/`max_vms` (observation
    envelope; default: fits the instance or the generator's largest snapshot),
    `reward_scale`, `auto_single_choice`, `render_mode` ("rgb_array").

    ## Instance Sizes
    Any: the policy networks are size-agnostic. The bundled snapshots have 279 PMs / 2,089
    VMs (2,648 nodes) and 1,176 PMs / 4,546 VMs (6,899 nodes).

    ## Baselines
    `greedy` (the single migration that removes the most fragments, until none gains) and
    `random`.

    ## Solvers
    `cpsat` (CP-SAT on a reduced final-placement model, hinted with the greedy plan) and
    `pop` (the same model on k random groups of PMs, solved apart and combined).

    ## Data and Licences
    VMR2L's two public snapshots (`medium_279pm`, `large_1176pm`; Apache-2.0,
    `envs/vm/data/README.md`) and a seeded generator calibrated to their statistics.

    ## Version History
    v0: initial release.
    """

    placement: Placement  # set by reset()
    catalog = CATALOG

    def __init__(
        self,
        instance: VMSnapshot | str | Path | None = None,
        *,
        generator: SnapshotGenerator | dict[str, Any] | None = None,
        max_pms: int | None = None,
        max_vms: int | None = None,
        reward_scale: float = 1.0,
        auto_single_choice: bool = True,
        render_mode: str | None = None,
    ):
        check_settings(
            {"reward_scale": reward_scale, "auto_single_choice": auto_single_choice, "max_pms": max_pms,
             "max_vms": max_vms},
            ENV_SETTINGS,
        )  # fmt: skip
        self.generator = build_generator(SnapshotGenerator, generator)
        resolved = None if instance is None else CATALOG.as_instance(instance)
        default_pms, default_vms = (resolved.num_pms, resolved.num_vms) if resolved else self.generator.largest
        self.reward_scale = float(reward_scale)
        envelope = envelope_for(max_pms or default_pms, max_vms or default_vms)
        super().__init__(envelope, instance=resolved, auto_single_choice=auto_single_choice, render_mode=render_mode)

    # -- episode setup ---------------------------------------------------------------------
    def _check_fits(self, instance: VMSnapshot) -> None:
        nodes, edges = graph_size(instance.num_pms, instance.num_vms)
        self.graph.envelope.check_fits(
            f"snapshot {instance.name!r} ({instance.num_pms} PMs, {instance.num_vms} VMs)", nodes, edges
        )

    def _sample_instance(self, rng: np.random.Generator) -> VMSnapshot:
        return self.generator.sample(rng)

    def _max_decisions(self, instance: VMSnapshot) -> int:
        return 2 * instance.mnl

    @property
    def stop_node(self) -> int:
        return self._vm_base + self.placement.instance.num_vms

    def vm_slot(self, vm: int) -> int:
        """The node index of VM `vm`."""
        return self._vm_base + vm

    def _start_episode(self, instance: VMSnapshot) -> None:
        self.placement = placement = Placement(instance)
        self.chosen_vm: int | None = None
        self.migrations_left = instance.mnl
        pms, vms = instance.num_pms, instance.num_vms
        self._vm_base = NUMA_PER_PM * pms
        graph = self.graph
        graph.clear()
        graph.node_mask[: self._vm_base + vms + 1] = 1
        features = graph.node_features
        features[: self._vm_base, 0] = 1.0
        features[self._vm_base : self._vm_base + vms, 1] = 1.0
        features[self.stop_node, 2] = 1.0
        # Constant per episode: node capacities and each VM's demand as a share of one node.
        self._cpu_capacity = np.maximum(instance.numa_cpu.reshape(-1), 1).astype(np.float64)
        self._mem_capacity = np.maximum(instance.numa_mem.reshape(-1), 1).astype(np.float64)
        self._unit_cpu = float(np.median(self._cpu_capacity))
        self._unit_mem = float(np.median(self._mem_capacity))
        vm_rows = features[self._vm_base : self._vm_base + vms]
        vm_rows[:, _CPU] = placement.node_cpu / self._unit_cpu
        vm_rows[:, _MEM] = placement.node_mem / self._unit_mem
        vm_rows[:, _PAIR] = instance.vm_double
        vm_rows[:, _LEGAL] = instance.vm_migratable
        # Edges: slots 2v and 2v + 1 for VM v's host nodes (the second for double-NUMA VMs
        # only), then one per PM between its NUMA nodes.
        self._pair_base = NUMA_PER_PM * vms
        graph.edge_index[0, : self._pair_base] = np.repeat(self._vm_base + np.arange(vms), NUMA_PER_PM)
        graph.edge_attr[: self._pair_base, 0] = 1.0
        pair = slice(self._pair_base, self._pair_base + pms)
        graph.edge_index[:, pair] = np.stack([np.arange(pms) * NUMA_PER_PM, np.arange(pms) * NUMA_PER_PM + 1])
        graph.edge_mask[pair] = 1
        graph.edge_attr[pair, 1] = 1.0
        for vm in range(vms):
            self._place_edges(vm)
        self._initial_fragment_rate = placement.fragment_rate
        self._fragment_rate = self._initial_fragment_rate
        self._done = instance.mnl == 0
        self._update_mask()

    def _place_edges(self, vm: int) -> None:
        node = int(self.placement.vm_node[vm])
        slot = NUMA_PER_PM * vm
        self.graph.edge_index[1, slot] = node
        self.graph.edge_mask[slot] = 1
        if self.placement.instance.vm_double[vm]:
            self.graph.edge_index[1, slot + 1] = node + 1
            self.graph.edge_mask[slot + 1] = 1

    # -- transition ------------------------------------------------------------------------
    def _apply(self, node: int) -> float:
        if self.chosen_vm is None:
            self._done = node == self.stop_node
            self.chosen_vm = None if self._done else node - self._vm_base
            self._update_mask()
            return 0.0
        vm, self.chosen_vm = self.chosen_vm, None
        self.placement.move(vm, node)
        self._place_edges(vm)
        self.migrations_left -= 1
        self._done = self.migrations_left == 0
        previous, self._fragment_rate = self._fragment_rate, self.placement.fragment_rate
        self._update_mask()
        return self.reward_scale * (previous - self._fragment_rate)

    def _update_mask(self) -> None:
        placement, mask = self.placement, self.mask
        mask.fill(False)
        if self._done:
            return
        if self.chosen_vm is not None:
            mask[: self._vm_base] = placement.destinations(self.chosen_vm)
            return
        mask[self._vm_base : self.stop_node] = self._movable()
        mask[self.stop_node] = True

    def _movable(self) -> np.ndarray:
        """[V]: migratable VMs with a legal destination other than their own place."""
        placement = self.placement
        movable = np.zeros(placement.instance.num_vms, dtype=bool)
        for members, room in placement.demand_classes():
            # A member's own node is among the room only if it has room for a second copy.
            movable[members] = int(room.sum()) - room[placement.vm_node[members]] > 0
        for vm in placement.partners:  # anti-affinity: judged on the VM's own destinations
            movable[vm] = placement.instance.vm_migratable[vm] and placement.destinations(vm).sum() > 1
        return movable

    def _sync_observation(self) -> None:
        placement, instance, graph = self.placement, self.placement.instance, self.graph
        numa = graph.node_features[: self._vm_base]
        vms = graph.node_features[self._vm_base : self.stop_node]
        free_cpu, free_mem = placement.free_cpu, placement.free_mem
        numa[:, _CPU] = free_cpu / self._cpu_capacity
        numa[:, _MEM] = free_mem / self._mem_capacity
        numa[:, _FRAGMENT] = np.remainder(free_cpu, FRAGMENT_BLOCK) / FRAGMENT_BLOCK
        numa[:, _PAIR] = numa.reshape(-1, NUMA_PER_PM, numa.shape[1])[:, ::-1, _CPU].reshape(-1)
        vms[:, _FRAGMENT] = numa[placement.vm_node, _FRAGMENT]
        vms[:, _CHANGE] = placement.removal_delta() / FRAGMENT_BLOCK
        vms[:, _CHOSEN] = 0.0
        vms[:, _MOVED] = placement.moved()
        numa[:, _CHANGE:] = 0.0
        vm = self.chosen_vm
        globals_ = graph.global_features
        globals_[:] = 0.0
        globals_[1] = self.migrations_left / max(instance.mnl, 1)
        globals_[2] = self._fragment_rate
        globals_[3] = self._initial_fragment_rate - self._fragment_rate
        graph.context_nodes[0] = -1
        if vm is not None:
            change = np.where(self.mask[: self._vm_base], placement.landing_delta(vm), 0) / FRAGMENT_BLOCK
            change[placement.nodes_of(vm)] = 0.0  # staying put is a no-op
            numa[:, _CHANGE] = change
            numa[:, _LEGAL] = self.mask[: self._vm_base]
            numa[placement.nodes_of(vm), _CHOSEN] = 1.0
            vms[vm, _CHOSEN] = 1.0
            globals_[0] = 1.0
            globals_[4:] = (placement.node_cpu[vm] / self._unit_cpu, placement.node_mem[vm] / self._unit_mem,
                            float(instance.vm_double[vm]))  # fmt: skip
            graph.context_nodes[0] = self.vm_slot(vm)

    # -- results ---------------------------------------------------------------------------
    def _final_info(self) -> dict[str, Any]:
        return {"instance": self.placement.instance.name, **self.placement.record()}

    def render(self) -> np.ndarray | None:
        """Free cpu per NUMA node before and after the migrations so far."""
        if self.render_mode != "rgb_array" or not hasattr(self, "placement"):
            return None
        from schedrl.envs.vm.render import plan_rgb

        return plan_rgb(self.placement.instance, self.placement.record())
