"""The catalogue of bad inputs: what a user can get wrong, and the exact error they get.

`test_bad_inputs.py` checks every entry; `scripts/bad_input_catalogue.py` renders the
table in docs/BAD_INPUTS.md from the same entries, with the messages as raised.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# A PPO config small enough that a case runs in a second.
PPO = {
    "n_envs": 1, "vec_env": "dummy", "learning_rate": 3e-4, "n_steps": 8, "batch_size": 8, "n_epochs": 1,
    "gamma": 1.0, "gae_lambda": 0.95, "clip_range": 0.2, "ent_coef": 0.0, "vf_coef": 0.5, "max_grad_norm": 0.5,
}  # fmt: skip


@dataclass(frozen=True)
class BadInput:
    area: str
    what: str
    trigger: Callable[[], object]
    error: type[BaseException]
    message: str  # regex the message must match


def _file(text: str | bytes, name: str = "bad.txt") -> Path:
    folder = Path(tempfile.mkdtemp(prefix="schedrl-bad-"))
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def _parse(text: str | bytes) -> Callable[[], object]:
    def trigger() -> object:
        from schedrl.envs.jobshop import read_instance

        return read_instance(_file(text))

    return trigger


def _env(**kwargs: object) -> Callable[[], object]:
    def trigger() -> object:
        import gymnasium as gym

        from schedrl import envs  # noqa: F401

        return gym.make(kwargs.pop("env_id", "schedrl/JobShop-v0"), **kwargs)

    return trigger


def _step(action: object, finish: bool = False) -> Callable[[], object]:
    def trigger() -> object:
        from schedrl.envs.jobshop import JobShopEnv

        env = JobShopEnv("ft06")
        env.reset(seed=0)
        while finish and not env.done:
            env.step(env.action_space.sample())
        return env.step(action)

    return trigger


def _cli(script: str, *overrides: str) -> Callable[[], object]:
    def trigger() -> object:
        done = subprocess.run(
            [sys.executable, script, *overrides], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        raise SystemExit(done.stderr.strip().splitlines()[-1] if done.returncode else "no error")

    return trigger


def _instances(spec: dict[str, object]) -> Callable[[], object]:
    def trigger() -> object:
        from schedrl import envs

        return envs.family("schedrl/JobShop-v0").load_instances(spec)

    return trigger


def _tiny_config(**agent: object) -> dict[str, object]:
    return {
        "agent": {**PPO, **agent},
        "env": {"id": "schedrl/JobShop-v0", "validation": {"kind": "benchmark", "names": ["ft06"]}},
        "total_timesteps": 8, "eval_every": 8, "seed": 0,
    }  # fmt: skip


def _train(**agent: object) -> Callable[[], object]:
    def trigger() -> object:
        from schedrl.agents.training import train

        return train(_tiny_config(**agent), Path(tempfile.mkdtemp(prefix="schedrl-bad-")))

    return trigger


def _resume(*overrides: str, with_config: bool) -> Callable[[], object]:
    """Resume a folder that has (or lacks) a run's saved config but no checkpoint yet."""

    def trigger() -> object:
        folder = Path(tempfile.mkdtemp(prefix="schedrl-bad-"))
        if with_config:
            shutil.copy(ROOT / "configs" / "env" / "jobshop.yaml", folder / "config.yaml")
        return _cli("train.py", f"resume={folder}", *overrides)()

    return trigger


def _resume_before_first_checkpoint() -> object:
    from schedrl.agents.training import train

    return train(_tiny_config(), Path(tempfile.mkdtemp(prefix="schedrl-bad-")), resume=True)


def _checkpoint(damage: str) -> Callable[[], object]:
    def trigger() -> object:
        from schedrl import agents
        from schedrl.agents.checkpoint import save_checkpoint
        from schedrl.networks import GraphPolicyNetwork, NetworkConfig

        folder = Path(tempfile.mkdtemp(prefix="schedrl-bad-")) / "ckpt"
        save_checkpoint(
            folder, GraphPolicyNetwork(NetworkConfig(hidden=8, layers=1)), {"env_id": "schedrl/JobShop-v0"}, {}
        )
        weights, metadata = folder / "policy.safetensors", folder / "metadata.json"
        if damage == "truncated":
            weights.write_bytes(weights.read_bytes()[:100])
        elif damage == "altered":
            data = bytearray(weights.read_bytes())
            data[-1] ^= 1
            weights.write_bytes(bytes(data))
        elif damage == "version":
            metadata.write_text(json.dumps({**json.loads(metadata.read_text()), "format_version": 0}))
        elif damage == "metadata":
            metadata.write_text("{not json")
        elif damage == "missing":
            weights.unlink()
        elif damage == "foreign env":
            metadata.write_text(json.dumps({**json.loads(metadata.read_text()), "env_id": "schedrl/VmRescheduling-v9"}))
        return agents.load(folder)

    return trigger


def _diverged() -> object:
    import torch
    from stable_baselines3.common.logger import configure

    from schedrl.agents.callbacks import DivergenceGuard
    from schedrl.agents.training import build_model, make_vec_env, network_options

    vec_env = make_vec_env("schedrl/JobShop-v0", {"instance": "ft06"}, 1, "dummy", 0)
    network = network_options({"hidden": 8, "layers": 1}, vec_env.observation_space)
    model = build_model({"agent": PPO, "seed": 0}, vec_env, network)
    model.set_logger(configure(None, []))
    guard = DivergenceGuard(Path(tempfile.mkdtemp(prefix="schedrl-bad-")))
    guard.init_callback(model)
    with torch.no_grad():
        next(model.policy.parameters()).fill_(float("nan"))  # what a diverged update leaves
    return guard.on_rollout_start()


def catalogue() -> list[BadInput]:
    from schedrl.agents.callbacks import TrainingDivergedError
    from schedrl.agents.checkpoint import CheckpointError
    from schedrl.errors import (
        ConfigError,
        EnvelopeError,
        IllegalActionError,
        InstanceFormatError,
        UnknownNameError,
    )

    return [
        BadInput("instance file", "empty file", _parse(""), InstanceFormatError, r"file is empty"),
        BadInput("instance file", "header without machine count", _parse("3\n"), InstanceFormatError, r"line 1: header: expected 'jobs machines'"),
        BadInput("instance file", "absurd header (10^6 jobs): nothing allocated", _parse("1000000 20\n0 1\n"), InstanceFormatError, r"line 1: header: jobs must be in 1\.\.100000"),
        BadInput("instance file", "truncated file", _parse("3 2\n0 5 1 3\n1 2 0 4\n"), InstanceFormatError, r"line 3: file ends early: expected 3 job lines, found 2"),
        BadInput("instance file", "wrong count on a line", _parse("2 2\n0 5 1 3\n0 5 1\n"), InstanceFormatError, r"line 3: job 1: 2 machine/duration pairs: expected 4 integers, got 3"),
        BadInput("instance file", "non-integer", _parse("2 2\n0 5 1 3\n0 5.5 1 3\n"), InstanceFormatError, r"line 3: .*expected integers, got '5\.5'"),
        BadInput("instance file", "negative duration", _parse("2 2\n0 5 1 -3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: operation 1: duration must be a non-negative integer, got -3"),
        BadInput("instance file", "machine id out of range", _parse("2 2\n0 5 2 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: operation 1: machine id 2 is out of range 0\.\.1"),
        BadInput("instance file", "machine repeated in a job", _parse("2 2\n1 5 1 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: visits a machine more than once"),
        BadInput("instance file", "extra data after the jobs", _parse("1 1\n0 5\n0 5\n"), InstanceFormatError, r"line 3: unexpected extra data"),
        BadInput("instance file", "Taillard file with 0-based machines", _parse("Times\n1 2\n5 7\nMachines\n0 1\n"), InstanceFormatError, r"line 5: machines row 0: Taillard machine ids are 1-based"),
        BadInput("instance file", "binary file", _parse(b"\xff\xfe\x00"), InstanceFormatError, r"not a text file"),
        BadInput("instance file", "missing file", lambda: __import__("schedrl.envs.jobshop", fromlist=["read_instance"]).read_instance("/no/such/file"), InstanceFormatError, r"/no/such/file: no such file"),
        BadInput("env", "unknown instance name", _env(instance="ta001"), UnknownNameError, r"unknown job-shop instance .*'ta001'\. Did you mean 'ta01'"),
        BadInput("env", "unknown dynamics", _env(dynamics="nondelay"), UnknownNameError, r"unknown job-shop dynamics 'nondelay'\. Did you mean 'non_delay'"),
        BadInput("env", "generator size range reversed", _env(generator={"num_jobs": [9, 3]}), ConfigError, r"num_jobs: need 1 <= low <= high"),
        BadInput("env", "instance larger than the observation envelope", lambda: _env(instance="ft06")().reset(options={"instance": "ta01"}), EnvelopeError, r"instance 'ta01' \(15x15\) needs 225 nodes .* at most 36 nodes"),
        BadInput("env", "masked action", _step(1), IllegalActionError, r"action 1 is masked out: it cannot be chosen now; legal nodes are \[0, 6"),
        BadInput("env", "action out of range", _step(99), IllegalActionError, r"action 99 is out of range: node indices run from 0 to 35"),
        BadInput("env", "action not a number", _step("first"), IllegalActionError, r"action must be a node index \(int\), got 'first'"),
        BadInput("env", "step after the episode ended", _step(0, finish=True), IllegalActionError, r"step\(\) called after the episode ended; call reset\(\) first"),
        BadInput("config", "negative learning rate", _train(learning_rate=-1e-3), ConfigError, r"agent\.learning_rate is out of range: got -0\.001"),
        BadInput("config", "zero envs", _train(n_envs=0), ConfigError, r"agent\.n_envs is out of range: got 0"),
        BadInput("config", "unknown vec env", _train(vec_env="threads"), ConfigError, r"agent\.vec_env must be one of \('dummy', 'subproc', 'batched'\), got 'threads'"),
        BadInput("config", "misspelt key on the command line", _cli("train.py", "agent.lerning_rate=1e-3"), SystemExit, r"unknown config key 'agent\.lerning_rate'.*Did you mean 'agent\.learning_rate'"),
        BadInput("config", "unknown policy name", _cli("evaluate.py", "policies=[sptt]"), SystemExit, r"unknown policy 'sptt'\. Did you mean 'spt'"),
        BadInput("config", "option a solver does not take", _cli("evaluate.py", "instances=jobshop/benchmark", "solvers=[cpsat]", "+solver_options.cpsat.timelimit=5"), SystemExit, r"solver_options\.cpsat: .*unexpected keyword argument 'timelimit'"),
        BadInput("config", "a key of another family's env", _cli("evaluate.py", "+env.migration_limit=3"), SystemExit, r"env\.migration_limit is not an option of schedrl/JobShop-v0; its options: \['auto_single_choice', 'dynamics'"),
        BadInput("config", "a labelled solver of an unknown kind", _cli("evaluate.py", "instances=jobshop/benchmark", "solvers=[fast]", "+solver_options.fast={solver:cpsta}"), SystemExit, r"unknown solver 'cpsta'\. Did you mean 'cpsat'"),
        BadInput("config", "scenario grid over a field the instance lacks", _instances({"kind": "benchmark", "names": ["ft06"], "scenarios": {"parameter": "p", "values": [0.1]}}), ConfigError, r"instances\.scenarios\.parameter: JobShopInstance has no field 'p'"),
        BadInput("config", "generated set with a misspelt field", _instances({"kind": "generated", "num_job": 5}), ConfigError, r"instances\.num_job is not a job-shop generator field"),
        BadInput("config", "graphs too large for the transformer's dense attention", _cli("train.py", "network=transformer", "+network.encoder_options.max_nodes=16", "total_timesteps=8", "logger=none"), SystemExit, r"the transformer encoder got graphs of 36 nodes, above its limit of 16 nodes: .*use network=gin or network=gat"),
        BadInput("config", "unknown encoder", _cli("train.py", "network.encoder=gim"), SystemExit, r"unknown network encoder 'gim'\. Did you mean 'gin'"),
        BadInput("checkpoint", "unknown shipped name", lambda: __import__("schedrl.agents", fromlist=["load"]).load("jssp_10x1O"), UnknownNameError, r"unknown checkpoint .*'jssp_10x1O'\. Did you mean 'jssp_10x10'"),
        BadInput("checkpoint", "weights file missing", _checkpoint("missing"), CheckpointError, r"lacks policy\.safetensors: not a schedrl checkpoint folder"),
        BadInput("checkpoint", "truncated weights", _checkpoint("truncated"), CheckpointError, r"does not match its checksum: the file is corrupt or was altered"),
        BadInput("checkpoint", "altered weights", _checkpoint("altered"), CheckpointError, r"does not match its checksum"),
        BadInput("checkpoint", "another format version", _checkpoint("version"), CheckpointError, r"has format version 0; this schedrl reads version 1"),
        BadInput("checkpoint", "corrupt metadata", _checkpoint("metadata"), CheckpointError, r"metadata\.json is corrupt"),
        BadInput("checkpoint", "checkpoint for an env this version lacks", _checkpoint("foreign env"), CheckpointError, r"was trained on env 'schedrl/VmRescheduling-v9', which this schedrl does not have"),
        BadInput("config", "unknown env id", _cli("evaluate.py", "env_id=schedrl/JobShp-v0"), SystemExit, r"unknown schedrl env id 'schedrl/JobShp-v0'\. Did you mean 'schedrl/JobShop-v0'"),
        BadInput("resume", "a folder that is not a run", _resume(with_config=False), SystemExit, r"resume=.*schedrl-bad-\w+: no config\.yaml there; give the folder of a train\.py run"),
        BadInput("resume", "changing what the run learns", _resume("agent.learning_rate=1e-3", with_config=True), SystemExit, r"resume: agent\.learning_rate cannot change when a run resumes \(only total_timesteps, time_limit_minutes, device, progress_bar\)"),
        BadInput("resume", "a run killed before its first checkpoint", _resume_before_first_checkpoint, ConfigError, r"cannot resume .*: it has no checkpoints/last/ppo\.zip \(it stopped before its first checkpoint, at step eval_every=8\); start the run again"),
        BadInput("training", "NaN in the policy after an update", _diverged, TrainingDivergedError, r"training diverged at step 0: non-finite .*stopped, no checkpoint had been written yet\. Lower agent\.learning_rate"),
    ]  # fmt: skip
