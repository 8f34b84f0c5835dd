"""PPO agent: masked logits, checkpoints (safe, portable, size-independent), learning."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from stepping import until_done

from schedrl import agents, envs
from schedrl.agents.checkpoint import WEIGHTS, read_checkpoint, save_checkpoint
from schedrl.agents.inference import LearnedPolicy
from schedrl.agents.sb3_policy import GraphActorCriticPolicy
from schedrl.agents.training import train
from schedrl.envs.jobshop import JobShopEnv, load_benchmark
from schedrl.envs.jobshop.validate import validate_schedule
from schedrl.networks import GraphPolicyNetwork, NetworkConfig

ROOT = Path(__file__).resolve().parents[1]
NETWORK = NetworkConfig(encoder="gin", edge_features=1, global_features=3, hidden=16, layers=2, head_hidden=16)


def train_config(*overrides: str) -> dict:
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose("train", overrides=["logger=none", "progress_bar=false", *overrides])
    return OmegaConf.to_container(cfg, resolve=True)


def test_policy_distribution_respects_the_mask() -> None:
    env = JobShopEnv("ft06")
    policy = GraphActorCriticPolicy(env.observation_space, env.action_space, lambda _: 1e-3, network=NETWORK.to_dict())
    obs, _ = env.reset(seed=0)
    tensors, _ = policy.obs_to_tensor(obs)
    mask = env.action_masks()
    probabilities = policy.get_distribution(tensors, action_masks=mask[None]).distribution.probs[0]
    assert torch.all(probabilities[torch.from_numpy(~mask)] == 0)
    assert probabilities.sum().item() == pytest.approx(1.0)
    actions, _, _ = policy(tensors, action_masks=mask[None])
    assert mask[int(actions[0])]


def greedy_actions(policy: LearnedPolicy, instance: str) -> list[int]:
    env = policy.make_env(instance).unwrapped
    obs, _ = env.reset(seed=0)
    actions = []
    for _ in until_done(env):
        actions.append(policy.act(obs, env.action_masks()))
        obs, *_ = env.step(actions[-1])
    return actions


def test_checkpoint_reloads_in_a_fresh_process_on_another_size(tmp_path: Path) -> None:
    torch.manual_seed(3)
    network = GraphPolicyNetwork(NETWORK)
    metadata = {"env_id": "schedrl/JobShop-v0", "env_kwargs": {"dynamics": "non_delay"}}
    folder = save_checkpoint(tmp_path / "ckpt", network, metadata, {"note": "test"})
    before = greedy_actions(LearnedPolicy(network, "schedrl/JobShop-v0", {"dynamics": "non_delay"}), "ta01")
    script = (  # the same function, in a process that never saw the network
        "from __future__ import annotations\nimport json, sys\nfrom schedrl import agents\n"
        f"sys.path.insert(0, {str(ROOT / 'tests')!r})\nfrom stepping import until_done\n"
        + inspect.getsource(greedy_actions)
        + f"print(json.dumps(greedy_actions(agents.load({str(folder)!r}), 'ta01')))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == before


def test_corrupt_or_foreign_checkpoints_are_refused(tmp_path: Path) -> None:
    folder = save_checkpoint(tmp_path / "ckpt", GraphPolicyNetwork(NETWORK), {"env_id": "schedrl/JobShop-v0"}, {})
    weights = folder / WEIGHTS
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(agents.CheckpointError, match="checksum"):
        read_checkpoint(folder)
    metadata = json.loads((folder / "metadata.json").read_text())
    (folder / "metadata.json").write_text(json.dumps({**metadata, "format_version": 99}))
    with pytest.raises(agents.CheckpointError, match="format version 99"):
        read_checkpoint(folder)
    with pytest.raises(envs.UnknownNameError, match="checkpoint"):
        agents.load("no_such_checkpoint")


def test_sampling_is_seeded_and_valid() -> None:
    torch.manual_seed(0)
    network = GraphPolicyNetwork(NETWORK)
    instance = load_benchmark("la01")
    policy = LearnedPolicy(network, "schedrl/JobShop-v0", {}, samples=8, seed=5)
    sampled = [info["makespan"] for info in policy.rollouts([instance] * 8, greedy=False, seed=5)]
    assert sampled == [info["makespan"] for info in policy.rollouts([instance] * 8, greedy=False, seed=5)]
    assert sampled != [info["makespan"] for info in policy.rollouts([instance] * 8, greedy=False, seed=6)]
    assert len(set(sampled)) > 1  # sampling explores: not eight copies of one schedule
    greedy = LearnedPolicy(network, "schedrl/JobShop-v0", {}).solve(instance)
    best = policy.solve(instance)
    assert best.objective == min(greedy.objective, *sampled)  # the best of greedy and the K samples, no other
    for result in (best, greedy):
        validate_schedule(instance, result.solution["start_times"], result.objective)


def test_forward_passes_in_chunks_sample_the_same_schedules() -> None:
    torch.manual_seed(0)
    network = GraphPolicyNetwork(NETWORK)
    instance = load_benchmark("la01")  # 50 nodes: chunks of 3 graphs with forward_nodes=150

    def makespans(forward_nodes: int) -> list[int]:
        policy = LearnedPolicy(network, "schedrl/JobShop-v0", {}, forward_nodes=forward_nodes, reencode_every=1)
        return [info["makespan"] for info in policy.rollouts([instance] * 8, greedy=False, seed=2)]

    assert makespans(150) == makespans(0)


def test_short_training_improves_the_policy(tmp_path: Path) -> None:
    """A real learning signal: PPO on one small instance beats its untrained start."""
    cfg = train_config(
        "+env.kwargs.instance=la01",
        "~env.validation",
        "+env.validation={kind:benchmark,names:[la01]}",
        "total_timesteps=4096",
        "eval_every=1024",
        "agent.n_envs=2",
        "agent.n_steps=128",
        "agent.batch_size=128",
        "agent.learning_rate=1e-3",
        "seed=0",
    )
    result = train(cfg, tmp_path)
    progress = np.genfromtxt(tmp_path / "logs" / "progress.csv", delimiter=",", names=True)
    gaps = progress["validationgap_to_best_rule_percent"]
    gaps = gaps[~np.isnan(gaps)]
    assert len(gaps) >= 4
    assert result.best_gap_percent < gaps[0] - 2.0, gaps


def test_train_script_runs_end_to_end(tmp_path: Path) -> None:
    command = [
        sys.executable, "train.py", f"hydra.run.dir={tmp_path}", "logger=wandb", "total_timesteps=512",
        "eval_every=512", "agent.n_envs=2", "agent.n_steps=64", "agent.batch_size=64", "env.validation.count=4",
        "network=transformer", "network.hidden=16", "progress_bar=false", "agent.vec_env=subproc",
        "env.train_instances={kind:benchmark,names:[ft06,la01]}",
    ]  # fmt: skip
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "WANDB_MODE": "offline"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "learned (greedy, best checkpoint)" in done.stdout
    for name in ("best", "last"):
        metadata = json.loads((tmp_path / "checkpoints" / name / "metadata.json").read_text())
        assert metadata["env_id"] == "schedrl/JobShop-v0" and metadata["training_steps"] >= 512
        assert metadata["network"]["encoder"] == "transformer" and "torch" in metadata["versions"]
    assert (tmp_path / "checkpoints" / "last" / "ppo.zip").exists()
    assert list((tmp_path / "logs").glob("events.out.tfevents.*"))
    assert list(tmp_path.glob("wandb/offline-run-*"))
    assert (tmp_path / ".hydra" / "config.yaml").exists()


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import schedrl.agents.checkpoint as checkpoint_module

    network = GraphPolicyNetwork(NETWORK)
    metadata = {"env_id": "schedrl/JobShop-v0"}
    folder = save_checkpoint(tmp_path / "last", network, metadata, {})
    before = (folder / WEIGHTS).read_bytes()

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint_module, "save_file", disk_full)
    with torch.no_grad():
        next(network.parameters()).add_(1.0)
    with pytest.raises(
        agents.CheckpointError, match=r"No space left on device.*previous checkpoint, if any, is untouched"
    ):
        save_checkpoint(folder, network, metadata, {})
    assert (folder / WEIGHTS).read_bytes() == before
    read_checkpoint(folder)  # still loads, checksum intact


def test_training_on_the_batched_engine(tmp_path: Path) -> None:
    cfg = train_config("agent.vec_env=batched", "agent.n_envs=16", "agent.n_steps=64", "agent.batch_size=256",
                       "total_timesteps=2048", "eval_every=1024", "env.validation.count=4")  # fmt: skip
    result = train(cfg, tmp_path)
    assert np.isfinite(result.best_gap_percent)
    assert (tmp_path / "checkpoints" / "last" / "ppo.zip").exists()


def test_degenerate_instances_train_and_solve(tmp_path: Path) -> None:
    from schedrl.envs.jobshop import JobShopInstance

    one = JobShopInstance("one", machines=np.array([[0]]), durations=np.array([[7]]))
    forced = LearnedPolicy(GraphPolicyNetwork(NETWORK), "schedrl/JobShop-v0", {}).solve(one)
    assert forced.objective == 7 and forced.decisions == 0  # the only choice is forced: no decision, no forward pass
    cfg = train_config(
        "env.num_jobs=1", "env.num_machines=1", "+env.kwargs.auto_single_choice=false", "total_timesteps=64",
        "eval_every=64", "agent.n_envs=1", "agent.n_steps=16", "agent.batch_size=16", "env.validation.count=2",
    )  # fmt: skip
    result = train(cfg, tmp_path)  # a one-node graph with no edge trains (one decision per episode)
    assert result.steps >= 64 and result.best_gap_percent == 0.0  # one operation: every method finds its duration
