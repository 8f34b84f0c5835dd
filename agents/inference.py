"""Trained policies as `Policy` objects and whole-instance solvers, on CPU or GPU.

Greedy decoding takes the highest-scoring legal node; sampling runs K episodes of the
same instance in lockstep (one batched forward pass per step) and keeps the best.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

import gymnasium as gym
import numpy as np
import torch

from schedrl import envs
from schedrl.agents.checkpoint import (
    PARTIAL,
    SHIPPED,
    Checkpoint,
    CheckpointError,
    read_checkpoint,
    recover_checkpoint,
)
from schedrl.agents.config import resolve_device
from schedrl.envs.core.graph_env import GraphSchedulingEnv
from schedrl.envs.core.solver import SolverResult
from schedrl.errors import ConfigError, SchedRLError, UnknownNameError
from schedrl.networks import GraphPolicyNetwork
from schedrl.networks.incremental import IncrementalEncoding, supports

ZOO = SHIPPED
# Nodes per forward pass on CPU when sampling many episodes: larger batches fall out of
# the CPU caches and cost up to twice as much per graph (docs/PERFORMANCE.md). 0: one pass.
FORWARD_NODES = 8192
# Most nodes (all episodes together) whose embeddings a rollout keeps between decisions
# (`reencode_every`); larger sampled batches run full forward passes in chunks instead.
INCREMENTAL_NODES = 2**17


def zoo_names() -> list[str]:
    return sorted(p.name for p in ZOO.iterdir() if p.is_dir()) if ZOO.is_dir() else []


def _stacked(observations: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One batch of observations; one observation as views (a greedy rollout, once per decision)."""
    if len(observations) == 1:
        return {key: value[None] for key, value in observations[0].items()}
    return {key: np.stack([o[key] for o in observations]) for key in observations[0]}


def _as_tensors(observations: list[dict[str, np.ndarray]], device: torch.device) -> dict[str, torch.Tensor]:
    return {key: torch.from_numpy(value).to(device) for key, value in _stacked(observations).items()}


class LearnedPolicy:
    """A trained network as a greedy `Policy` (`act`) and a `Solver` (`solve`)."""

    def __init__(
        self,
        network: GraphPolicyNetwork,
        env_id: str,
        env_kwargs: dict[str, Any],
        *,
        name: str = "learned",
        samples: int = 0,
        seed: int = 0,
        forward_nodes: int = FORWARD_NODES,
        reencode_every: int = 0,
    ):
        if samples < 0:
            raise ConfigError(f"samples must be >= 0 (0: greedy), got {samples}")
        if reencode_every < 0 or (reencode_every > 1 and not supports(network)):
            raise ConfigError(
                f"reencode_every must be 0 (exact, incremental), 1 (a full encoder pass per decision) or, with the "
                f"gin encoder, k > 1 (approximate); got {reencode_every} with {network.config.encoder!r}"
            )
        self.network = network
        self.env_id = env_id
        self.env_kwargs = dict(env_kwargs)
        self.family = envs.family(env_id)
        self.samples = samples
        self.seed = seed
        self.forward_nodes = forward_nodes
        self.reencode_every = reencode_every
        self.name = f"{name}@{samples}" if samples else name
        self.digest: str | None = None  # the checkpoint's weights checksum, when loaded from one

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint, name: str | None = None, **options: Any) -> LearnedPolicy:
        metadata = checkpoint.metadata
        env_id = metadata.get("env_id")
        if env_id not in envs.env_ids():
            raise CheckpointError(
                f"checkpoint {checkpoint.path} was trained on env {env_id!r}, which this schedrl does not "
                f"have (it has {', '.join(envs.env_ids())}); use a schedrl version with that env"
            )
        label = name or checkpoint.path.name
        policy = cls(checkpoint.network, env_id, metadata.get("env_kwargs", {}), name=label, **options)
        policy.digest = metadata.get("weights_sha256")
        return policy

    @property
    def device(self) -> torch.device:
        return next(self.network.parameters()).device

    @torch.no_grad()
    def _logits(self, observations: list[dict[str, np.ndarray]], masks: np.ndarray) -> torch.Tensor:
        """-inf where illegal. On CPU, in forward passes of about `forward_nodes` nodes."""
        chunk = len(observations)
        if self.forward_nodes and self.device.type == "cpu":
            chunk = max(1, self.forward_nodes // masks.shape[1])
        mask = torch.from_numpy(masks).to(self.device)
        return torch.cat([
            self.network(_as_tensors(observations[i : i + chunk], self.device), action_mask=mask[i : i + chunk])[0]
            for i in range(0, len(observations), chunk)
        ])  # fmt: skip

    def check_sampling(self, instance: Any) -> None:
        """Best-of-K on a stochastic instance would keep the luckiest of K futures: refused."""
        if self.samples and instance.stochastic:
            raise ConfigError(
                f"{self.name}: best-of-{self.samples} sampling is refused on {instance.name!r}, a stochastic instance "
                "(its breakdowns, arrivals or noise are drawn from its seed): keeping the best of K sampled "
                "episodes would pick the luckiest of K futures, a hindsight result no online policy can reach. "
                "Evaluate it greedily (samples=[]) or average sampled episodes over seeds instead"
            )

    def act(self, obs: dict[str, np.ndarray], action_mask: np.ndarray, env: Any = None) -> int:
        return int(self._logits([obs], action_mask[None].astype(bool)).argmax(dim=-1)[0])

    def make_env(self, instance: Any, **envelope: Any) -> gym.Env:
        """An env for `instance` with the dynamics and reward the policy was trained on."""
        return self.family.make_env(**{**self.env_kwargs, **envelope, "instance": instance})

    def rollouts(self, instances: list[Any], greedy: bool, seed: int = 0) -> list[dict[str, Any]]:
        """Final infos of one episode per instance (plus its `decisions`), run in lockstep:
        one forward pass per step for all of them (instances of different sizes share one
        padded envelope)."""
        envelope = self.family.fit_kwargs(instances)
        episodes = [cast(GraphSchedulingEnv, self.make_env(instance, **envelope).unwrapped) for instance in instances]
        finals: list[dict[str, Any]] = [{} for _ in instances]
        observations = []
        for index, env in enumerate(episodes):
            obs, info = env.reset(seed=seed)  # the instance holds its own randomness: every episode meets it
            observations.append(obs)
            finals[index] = info  # non-empty only when every choice was forced
        generator = torch.Generator(device=self.device).manual_seed(seed)
        active = [i for i, env in enumerate(episodes) if not env.done]
        decisions = [0] * len(episodes)
        encoding = self._encoding(len(episodes) * episodes[0].mask.size)
        for _ in range(max(env.decision_bound for env in episodes)):  # a step cap: no env loops forever
            if not active:
                break
            if encoding is None:
                masks = np.stack([episodes[i].action_masks() for i in active])
                logits = self._logits([observations[i] for i in active], masks)
            else:  # every episode's graph, ended ones unchanged (and with no legal node)
                masks = np.zeros((len(episodes), episodes[0].mask.size), dtype=bool)
                masks[active] = [episodes[i].action_masks() for i in active]
                logits = encoding.logits(_stacked(observations), masks)[active]
            if greedy:
                actions = logits.argmax(dim=-1)
            else:
                actions = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator).squeeze(-1)
            for i, action in zip(active, actions.tolist(), strict=True):
                observations[i], _, _, _, finals[i] = episodes[i].step(action)
                decisions[i] += 1
            active = [i for i in active if not episodes[i].done]
        if active:
            raise SchedRLError(f"{self.env_id}: episodes went past their documented decision bound")
        return [{**final, "decisions": count} for final, count in zip(finals, decisions, strict=True)]

    def _encoding(self, nodes: int) -> IncrementalEncoding | None:
        """Embeddings kept between decisions, unless the policy asks for a full pass per decision or
        cannot update its encoder in place, or the rollout's graphs hold too many nodes to keep. On a
        GPU the exact mode keeps the full pass (the same schedules): one batch of kernels per decision
        there, against the incremental mode's many small ones and host-side bookkeeping (not measured)."""
        exact_on_gpu = self.reencode_every == 0 and self.device.type != "cpu"
        if self.reencode_every == 1 or exact_on_gpu or not supports(self.network) or nodes > INCREMENTAL_NODES:
            return None
        return IncrementalEncoding(self.network, self.reencode_every)

    def solve(self, instance: Any) -> SolverResult:
        """Greedy, or the best of the greedy schedule and `samples` sampled ones: on large
        instances far from the training size, samples can all be worse than greedy."""
        self.check_sampling(instance)
        began = time.perf_counter()
        infos = self.rollouts([instance], greedy=True)
        if self.samples:
            infos += self.rollouts([instance] * self.samples, greedy=False, seed=self.seed)
        objective = self.family.objective
        best = objective.best(infos, lambda info: info[objective.key])
        record = self.family.solution_record(best)
        return SolverResult(
            objective=float(record.pop(objective.key)),
            solution=record,
            proven_optimal=False,
            status=f"best of greedy and {self.samples} samples" if self.samples else "greedy",
            wall_time=time.perf_counter() - began,
            decisions=best["decisions"],
        )


def resolve(path_or_name: str | Path) -> Path:
    """A checkpoint folder (settled first if a crash cut its save short) or a shipped name."""
    path = recover_checkpoint(Path(path_or_name))
    if path.is_dir():
        return path
    if isinstance(path_or_name, str) and (ZOO / path_or_name).is_dir():
        return ZOO / path_or_name
    if path.exists() or path.with_name(path.name + PARTIAL).exists():
        return path  # not a checkpoint: read_checkpoint says what it is instead
    raise UnknownNameError("checkpoint (folder or shipped name)", str(path_or_name), zoo_names())


def load(
    path_or_name: str | Path,
    *,
    samples: int = 0,
    seed: int = 0,
    device: str = "cpu",
    name: str | None = None,
    forward_nodes: int = FORWARD_NODES,
    reencode_every: int = 0,
) -> LearnedPolicy:
    """A trained policy from a checkpoint folder or a shipped name (`load("jssp_10x10")`);
    `name` (default: the folder's) labels it, with `@K` appended when sampling.

    `reencode_every` (GIN encoders; others always run a full pass): 0 (default) keeps the
    node embeddings between decisions on CPU and recomputes exactly the ones a decision
    changes: the same schedules as 1, a full encoder pass per decision, 2x faster on
    100x20. k > 1 recomputes only the changed nodes themselves and runs a full pass every
    k decisions: faster still, and approximate (docs/PERFORMANCE.md measures its gap cost)."""
    checkpoint = read_checkpoint(resolve(path_or_name), device=resolve_device(device))
    return LearnedPolicy.from_checkpoint(
        checkpoint, name=name, samples=samples, seed=seed, forward_nodes=forward_nodes, reencode_every=reencode_every
    )
