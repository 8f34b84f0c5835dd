"""The catalogue of bad inputs: what a user can get wrong, and the exact error they get.

`test_bad_inputs.py` checks every entry; `scripts/bad_input_catalogue.py` renders the
table in docs/BAD_INPUTS.md from the same entries, with the messages as raised.
"""

from __future__ import annotations

import contextlib
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


def _arrays(durations: list[list[object]], dtype: str | None = None) -> Callable[[], object]:
    """A JobShopInstance built from a durations array (every job visits machines 0..m-1 in order)."""

    def trigger() -> object:
        import numpy as np

        from schedrl.envs.jobshop import JobShopInstance

        array = np.array(durations, dtype=dtype)
        return JobShopInstance("arrays", np.tile(np.arange(array.shape[1]), (array.shape[0], 1)), array)

    return trigger


def _schedule(starts: list[list[object]], makespan: object) -> Callable[[], object]:
    """The independent validator on a 2x2 instance: jobs (machine 0 for 3, 1 for 2) and (0 for 4, 1 for 1)."""

    def trigger() -> object:
        import numpy as np

        from schedrl.envs.jobshop import JobShopInstance
        from schedrl.envs.jobshop.validate import validate_schedule

        instance = JobShopInstance("two_jobs", np.array([[0, 1], [0, 1]]), np.array([[3, 2], [4, 1]]))
        return validate_schedule(instance, starts, makespan)

    return trigger


def _hint(value: object) -> Callable[[], object]:
    def trigger() -> object:
        import numpy as np

        from schedrl.envs.jobshop import load_benchmark
        from schedrl.envs.jobshop.cpsat import CPSatSolver

        return CPSatSolver(time_limit=1).solve(load_benchmark("ft06"), hint_start_times=np.full((6, 6), value))

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
        if done.returncode not in (0, 2):  # 2: every mistake schedrl reports (README: exit codes)
            raise AssertionError(f"exit status {done.returncode}, not 2: {done.stderr[-2000:]}")
        raise SystemExit(done.stderr.strip().splitlines()[-1] if done.returncode else "no error")

    return trigger


def _schedrl(*args: str) -> Callable[[], object]:
    """The `schedrl` command, as `python -m schedrl.cli` (the console script's own `main`)."""
    return _cli("-m", "schedrl.cli", *args)


def _instances(spec: dict[str, object], env_id: str = "schedrl/JobShop-v0") -> Callable[[], object]:
    def trigger() -> object:
        from schedrl import envs

        return envs.family(env_id).load_instances(spec)

    return trigger


def _blocking(**scenario: object) -> Callable[[], object]:
    """ft06 as a blocking instance with the given scenario fields."""

    def trigger() -> object:
        from schedrl.envs.blocking import BlockingJobShopInstance
        from schedrl.envs.jobshop import load_benchmark

        return BlockingJobShopInstance.from_job_shop(load_benchmark("ft06"), **scenario)

    return trigger


def _blocking_cpsat(**scenario: object) -> object:
    from schedrl.envs.blocking.cpsat import BlockingCPSatSolver

    return BlockingCPSatSolver(time_limit=1).solve(_blocking(**scenario)())


def _snapshot(vm: dict[str, object] | None = None, text: str | None = None) -> Callable[[], object]:
    """read_snapshot on a one-PM VM snapshot whose one VM has the given fields (None removes
    one), or on `text`."""

    def trigger() -> object:
        from schedrl.envs.vm.parser import read_snapshot

        numa = [{"node": n, "total_cpu": 44, "memory_huge_total_mb": 184388.0} for n in (0, 1)]
        host = {"node_id": "pm_0", "status": "ACTIVE", "rack_id": 0, "numa": numa}
        fields = {"instance_id": "vm_0", "host_id": "pm_0", "allow_migration": True,
                  "numa": [{"node": 0, "cpu": 4, "mem_mb": 8192.0}], **(vm or {})}  # fmt: skip
        document = {"cluster_list": [{"host_info": [host], "vm_instance": [{k: v for k, v in fields.items() if v is not None}]}]}  # fmt: skip
        return read_snapshot(_file(json.dumps(document, indent=1) if text is None else text, "snapshot.json"))

    return trigger


def _vm_instances(spec: dict[str, object]) -> Callable[[], object]:
    def trigger() -> object:
        from schedrl.envs.vm.benchmarks import CATALOG

        return CATALOG.load_set(spec)

    return trigger


def _vm_arrays(**changes: object) -> Callable[[], object]:
    """A one-PM, one-VM VMSnapshot built from arrays, with fields changed."""

    def trigger() -> object:
        import numpy as np

        from schedrl.envs.vm.instance import VMSnapshot

        fields: dict[str, object] = {
            "numa_cpu": np.array([[44, 44]]), "numa_mem": np.array([[184388, 184388]]), "vm_cpu": np.array([4]),
            "vm_mem": np.array([8192]), "vm_double": np.array([False]), "vm_pm": np.array([0]), "vm_numa": np.array([0]),
        }  # fmt: skip
        return VMSnapshot("arrays", **{**fields, **changes})  # type: ignore[arg-type]

    return trigger


def _ds3(reader: str, text: str, name: str) -> Callable[[], object]:
    """`schedrl.envs.soc.parser.<reader>` (read_application, read_platform, read_ds3_config)
    on a file `name` holding `text`."""

    def trigger() -> object:
        from schedrl.envs.soc import parser

        return getattr(parser, reader)(_file(text, name))

    return trigger


def _soc_instance(**changes: object) -> Callable[[], object]:
    """A 20-job stream of the WiFi workload (two applications, 16 PEs) with fields changed."""

    def trigger() -> object:
        import dataclasses

        from schedrl.envs.soc.generator import StreamGenerator

        return dataclasses.replace(StreamGenerator(workload="wifi").build("wifi_stream", "wifi", 0), **changes)  # type: ignore[arg-type]

    return trigger


def _soc_reset(instance: Callable[[], object]) -> Callable[[], object]:
    """An env sized for the canonical 10-task DAG on 3 CPUs, reset with another instance."""

    def trigger() -> object:
        from schedrl.envs.soc.env import SoCEnv

        return SoCEnv("canonical").reset(options={"instance": instance()})

    return trigger


def _wiopt(keys: dict[str, object] | None = None, text: str | None = None, fmt: str = "auto") -> Callable[[], object]:
    """`schedrl.envs.edge.parser.read_scenario` on a WiOpt config file (one section,
    "multi-edge", of a few keys; `keys` changes them, None removes one), or on `text`."""

    def trigger() -> object:
        from schedrl.envs.edge.parser import read_scenario

        section = {"dt": 1, "Tmax": 100, "edge_num": 5, "cloud_C": 1e3, "edge_C": 1e3, "wave_peak": 0, **(keys or {})}
        document = {"multi-edge": {k: v for k, v in section.items() if v is not None}}
        return read_scenario(_file(json.dumps(document, indent=2) if text is None else text, "wiopt.json"), fmt)

    return trigger


def _edge_instance(**fields: object) -> Callable[[], object]:
    def trigger() -> object:
        from schedrl.envs.edge.instance import EdgeInstance

        return EdgeInstance(name="scenario", **fields)  # type: ignore[arg-type]

    return trigger


def _edge_reset(num_edges: int) -> Callable[[], object]:
    """An env sized for 3 edge servers, reset with an instance of `num_edges`."""

    def trigger() -> object:
        from schedrl.envs.edge.env import EdgeOffloadEnv
        from schedrl.envs.edge.instance import EdgeInstance

        env = EdgeOffloadEnv(max_edges=3)
        return env.reset(options={"instance": EdgeInstance(name="big", num_edges=num_edges, horizon=5)})

    return trigger


def _uam_scenario(keys: dict[str, object] | None = None, text: str | None = None) -> Callable[[], object]:
    """`schedrl.envs.uam.parser.read_scenario` on a scenario file of 4 aircraft at two
    vertiports, "hub" (parks 4) and "north" (parks 2), with keys changed, or on `text`."""

    def trigger() -> object:
        from schedrl.envs.uam.parser import read_scenario

        ports = [{"name": "hub", "x_km": 0, "y_km": 0, "kind": "hub", "parking": 4},
                 {"name": "north", "x_km": 0, "y_km": 10, "kind": "residential", "parking": 2}]  # fmt: skip
        document = {"num_aircraft": 4, "vertiports": ports, **(keys or {})}
        return read_scenario(_file(json.dumps(document, indent=2) if text is None else text, "scenario.json"))

    return trigger


def _uam_instance(**fields: object) -> Callable[[], object]:
    def trigger() -> object:
        from schedrl.envs.uam.instance import UAMInstance

        return UAMInstance(name="scenario", **fields)  # type: ignore[arg-type]

    return trigger


def _uam_generator(**fields: object) -> Callable[[], object]:
    def trigger() -> object:
        from schedrl.envs.uam.generator import DayGenerator

        return DayGenerator(**fields)  # type: ignore[arg-type]

    return trigger


def _uam_reset() -> object:
    """An env sized for 4 vertiports and 8 aircraft, reset with the default 8-vertiport, 40-aircraft day."""
    from schedrl.envs.uam.env import UAMFleetEnv
    from schedrl.envs.uam.instance import UAMInstance, city_layout

    env = UAMFleetEnv(UAMInstance(name="small", vertiports=city_layout(4, 8), num_aircraft=8))
    return env.reset(options={"instance": UAMInstance(name="big")})


def _restart_that_never_finishes() -> object:
    from schedrl.envs import rollout
    from schedrl.envs.blocking import BlockingJobShopEnv
    from schedrl.envs.core.policy import RandomPolicy

    return rollout(BlockingJobShopEnv(_blocking(shutdown_prob=0.9, interrupt_mode="restart")()), RandomPolicy(0))


def _files(*names: str) -> Path:
    """A folder holding a small job-shop instance file under each name."""
    from schedrl.envs.jobshop import JobShopGenerator
    from schedrl.envs.jobshop.parser import format_standard

    folder = Path(tempfile.mkdtemp(prefix="schedrl-bad-"))
    for seed, name in enumerate(names):
        (folder / name).write_text(format_standard(JobShopGenerator(3, 3).sample_set(1, seed)[0]))
    return folder


def _folder_in_use() -> object:
    from schedrl.envs.evaluation.store import ResultStore

    out = Path(tempfile.mkdtemp(prefix="schedrl-bad-"))
    with ResultStore(out, "makespan"):
        return _cli("evaluate.py", f"hydra.run.dir={out}", "instances=jobshop/benchmark", "instances.names=[ft06]")()


def _resume_with_other_settings() -> object:
    out = Path(tempfile.mkdtemp(prefix="schedrl-bad-"))
    first = ("instances=jobshop/benchmark", "instances.names=[ft06]", "policies=[spt]", f"hydra.run.dir={out}")
    subprocess.run([sys.executable, "evaluate.py", *first], cwd=ROOT, capture_output=True, timeout=120, check=True)
    return _cli("evaluate.py", *first, "env.dynamics=insertion")()


def _after_failed_reset() -> object:
    from schedrl.envs.jobshop import JobShopEnv
    from schedrl.errors import EnvelopeError

    env = JobShopEnv("ft06")
    env.reset(seed=0)
    with contextlib.suppress(EnvelopeError):
        env.reset(options={"instance": "ta01"})  # does not fit the envelope
    return env.step(0)


def _train_config(**changes: object) -> Callable[[], object]:
    """A tiny training run with top-level config keys changed (`env` merges)."""

    def trigger() -> object:
        from schedrl.agents.training import train

        config = _tiny_config()
        for key, value in changes.items():
            config[key] = {**config[key], **value} if key == "env" else value  # type: ignore[dict-item]
        return train(config, Path(tempfile.mkdtemp(prefix="schedrl-bad-")))

    return trigger


def _cuda_without_cuda() -> object:
    from unittest import mock

    from schedrl.agents.config import resolve_device

    with mock.patch("torch.cuda.is_available", return_value=False):
        return resolve_device("cuda")


def _vector_step(actions: object) -> Callable[[], object]:
    def trigger() -> object:
        import gymnasium as gym

        from schedrl import envs  # noqa: F401

        vector = gym.make_vec("schedrl/JobShop-v0", 2, vectorization_mode="vector_entry_point", instance="ft06")
        vector.reset(seed=0)
        return vector.step(actions)

    return trigger


def _reset_with(options: object) -> Callable[[], object]:
    def trigger() -> object:
        from schedrl.envs.jobshop import JobShopEnv

        return JobShopEnv("ft06").reset(options=options)  # type: ignore[arg-type]

    return trigger


def _changed_instance_file() -> object:
    folder = _files("a.txt")
    out = Path(tempfile.mkdtemp(prefix="schedrl-bad-"))
    args = ("instances=jobshop/files", f"instances.paths=[{folder}/a.txt]", "policies=[spt]", f"hydra.run.dir={out}")
    subprocess.run([sys.executable, "evaluate.py", *args], cwd=ROOT, capture_output=True, timeout=120, check=True)
    lines = (folder / "a.txt").read_text().splitlines()
    (folder / "a.txt").write_text(
        "\n".join(
            [
                lines[0],
                *(" ".join(str(int(v) * 10) if i % 2 else v for i, v in enumerate(line.split())) for line in lines[1:]),
            ]
        )
        + "\n"
    )
    return _cli("evaluate.py", *args)()


def _training_folder_in_use() -> object:
    from schedrl.agents.training import train
    from schedrl.envs.core.folder_lock import lock_folder

    folder = Path(tempfile.mkdtemp(prefix="schedrl-bad-"))
    handle = lock_folder(folder, "training run", "test")
    try:
        return train(_tiny_config(), folder)
    finally:
        handle.close()


def _name_taken_by_a_stored_row() -> object:
    folder = _files("a b.txt", "a-b.txt")
    out = Path(tempfile.mkdtemp(prefix="schedrl-bad-"))
    first = ("instances=jobshop/files", f"instances.paths=[{folder}/a b.txt]", "policies=[spt]", f"hydra.run.dir={out}")
    subprocess.run([sys.executable, "evaluate.py", *first], cwd=ROOT, capture_output=True, timeout=120, check=True)
    return _cli(
        "evaluate.py",
        "instances=jobshop/files",
        f"instances.paths=[{folder}/a-b.txt]",
        "policies=[spt]",
        f"hydra.run.dir={out}",
    )()


def _damaged_env_kwargs_record() -> object:
    out = Path(tempfile.mkdtemp(prefix="schedrl-bad-"))
    (out / "env_kwargs.json").write_text("{bad")
    return _cli(
        "evaluate.py", "instances=jobshop/benchmark", "instances.names=[ft06]", "policies=[spt]", f"hydra.run.dir={out}"
    )()


def _make_vec(num_envs: object = 2, **kwargs: object) -> Callable[[], object]:
    def trigger() -> object:
        import gymnasium as gym

        from schedrl import envs  # noqa: F401

        return gym.make_vec(
            "schedrl/JobShop-v0", num_envs, vectorization_mode="vector_entry_point", instance="ft06", **kwargs
        )

    return trigger


def _vector_step_without_reset(fail_reset: bool) -> Callable[[], object]:
    def trigger() -> object:
        import numpy as np

        from schedrl.errors import ConfigError

        vector = _make_vec()()
        if fail_reset:
            vector.reset(seed=0)
            with contextlib.suppress(ConfigError):
                vector.reset(options={"instancez": []})
        return vector.step(np.array([0, 0]))

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
    """Load a fresh checkpoint folder (with a ppo.zip) after `damage`; a "resealed" damage
    also records the checksums of the damaged files, as if they had been saved so."""

    def trigger() -> object:
        from schedrl import agents
        from schedrl.agents.checkpoint import save_checkpoint, seal_metadata
        from schedrl.networks import GraphPolicyNetwork, NetworkConfig

        folder = Path(tempfile.mkdtemp(prefix="schedrl-bad-")) / "ckpt"
        env_id = "schedrl/VmRescheduling-v9" if damage == "foreign env" else "schedrl/JobShop-v0"
        network = GraphPolicyNetwork(NetworkConfig(hidden=8, layers=1))
        save_checkpoint(folder, network, {"env_id": env_id}, {}, lambda path: path.write_bytes(b"trainer state"))
        weights, metadata, config = folder / "policy.safetensors", folder / "metadata.json", folder / "config.yaml"
        fields = json.loads(metadata.read_text())
        if damage in ("truncated", "resealed: truncated weights"):
            weights.write_bytes(weights.read_bytes()[:100])
        elif damage == "altered":
            data = bytearray(weights.read_bytes())
            data[-1] ^= 1
            weights.write_bytes(bytes(data))
        elif damage == "version":
            metadata.write_text(json.dumps({**fields, "format_version": 0}))
        elif damage == "metadata":
            metadata.write_text("{not json")
        elif damage == "missing":
            weights.unlink()
        elif damage == "edited config":
            config.write_text("seed: 1\n")
        elif damage == "altered trainer":
            (folder / "ppo.zip").write_bytes(b"another trainer state")
        elif damage == "metadata list":
            metadata.write_text("[1, 2]")
        elif damage == "metadata null":
            metadata.write_text("null")
        elif damage == "metadata not UTF-8":
            metadata.write_bytes(b"\xff\xfe{}")
        elif damage == "weights folder":
            weights.unlink()
            weights.mkdir()
        elif damage == "env id not a string":
            metadata.write_text(json.dumps({**fields, "env_id": 3}))
        elif damage == "resealed: invalid YAML":
            config.write_text("seed: [1, 2\n")
        elif damage == "resealed: python tag":
            config.write_text("!!python/object/apply:os.system [echo hi]\n")
        elif damage == "resealed: no network":
            metadata.write_text(json.dumps({key: value for key, value in fields.items() if key != "network"}))
        elif damage == "resealed: unknown encoder":
            metadata.write_text(json.dumps({**fields, "network": {**fields["network"], "encoder": "gim"}}))
        elif damage == "killed first save":
            partial = folder.rename(folder.with_name("ckpt.partial"))
            (partial / "metadata.json").unlink()  # written last: the save died before it
        if damage.startswith("resealed"):
            metadata.write_text(json.dumps(seal_metadata(json.loads(metadata.read_text()), folder)))
        return agents.load(weights if damage == "a file inside it" else folder)

    return trigger


def _edited_shipped_checkpoint() -> object:
    """The dynamics edited in a copy of the shipped policy: ft06 would go from 59 to 57."""
    from schedrl import agents
    from schedrl.agents.inference import ZOO

    folder = shutil.copytree(ZOO / "jssp_10x10", Path(tempfile.mkdtemp(prefix="schedrl-bad-")) / "jssp_10x10")
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["env_kwargs"]["dynamics"] = "active"
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2))
    return agents.load(folder)


def _resume_at(where: str) -> Callable[[], object]:
    """`train.py resume=<run>/<where>` (what train.py checks first: `resume_config`)."""

    def trigger() -> object:
        from schedrl.agents.run_record import resume_config

        run = Path(tempfile.mkdtemp(prefix="schedrl-bad-"))
        (run / "checkpoints" / "last").mkdir(parents=True)
        for name in ("config.yaml", "run_info.json", "checkpoints/last/config.yaml", "checkpoints/last/metadata.json"):
            (run / name).write_text("{}\n")
        return resume_config(run / where, {})

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
        InvalidScheduleError,
        SchedRLError,
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
        BadInput("env", "unknown dynamics", _env(dynamics="nondelay"), ConfigError, r"dynamics must be one of active, insertion, non_delay, got 'nondelay' \(str\)\. Did you mean 'non_delay'"),
        BadInput("env", "generator size range reversed", _env(generator={"num_jobs": [9, 3]}), ConfigError, r"num_jobs: need 1 <= low <= high"),
        BadInput("env", "instance larger than the observation envelope", lambda: _env(instance="ft06")().reset(options={"instance": "ta01"}), EnvelopeError, r"instance 'ta01' \(15x15\) needs 225 nodes .* at most 36 nodes"),
        BadInput("env", "masked action", _step(1), IllegalActionError, r"action 1 is masked out: it cannot be chosen now; legal nodes are \[0, 6"),
        BadInput("env", "action out of range", _step(99), IllegalActionError, r"action 99 is out of range: node indices run from 0 to 35"),
        BadInput("env", "action not a number", _step("first"), IllegalActionError, r"action must be a node index \(an integer\), got 'first' \(str\)"),
        BadInput("env", "step after the episode ended", _step(0, finish=True), IllegalActionError, r"step\(\) called after the episode ended \(or after a reset that failed\); call reset\(\) first"),
        BadInput("config", "negative learning rate", _train(learning_rate=-1e-3), ConfigError, r"agent\.learning_rate must be a number > 0, got -0\.001"),
        BadInput("config", "zero envs", _train(n_envs=0), ConfigError, r"agent\.n_envs must be an integer >= 1, got 0"),
        BadInput("config", "unknown vec env", _train(vec_env="threads"), ConfigError, r"agent\.vec_env must be one of dummy, subproc, batched, got 'threads'"),
        BadInput("config", "misspelt key on the command line", _cli("train.py", "agent.lerning_rate=1e-3"), SystemExit, r"unknown config key 'agent\.lerning_rate'.*Did you mean 'agent\.learning_rate'"),
        BadInput("config", "unknown policy name", _cli("evaluate.py", "policies=[sptt]"), SystemExit, r"unknown policy 'sptt'\. Did you mean 'spt'"),
        BadInput("config", "option a solver does not take", _cli("evaluate.py", "instances=jobshop/benchmark", "solvers=[cpsat]", "+solver_options.cpsat.timelimit=5"), SystemExit, r"solver_options\.cpsat: .*unexpected keyword argument 'timelimit'"),
        BadInput("config", "a key of another family's env", _cli("evaluate.py", "+env.migration_limit=3"), SystemExit, r"env\.migration_limit is not an option of schedrl/JobShop-v0; its options: \['auto_single_choice', 'dynamics'"),
        BadInput("config", "a labelled solver of an unknown kind", _cli("evaluate.py", "instances=jobshop/benchmark", "solvers=[fast]", "+solver_options.fast={solver:cpsta}"), SystemExit, r"unknown solver 'cpsta'\. Did you mean 'cpsat'"),
        BadInput("config", "scenario grid over a field the instance lacks", _instances({"kind": "benchmark", "names": ["ft06"], "scenarios": {"parameter": "p", "values": [0.1]}}), ConfigError, r"instances\.scenarios\.parameter: JobShopInstance has no field 'p'"),
        BadInput("config", "generated set with a misspelt field", _instances({"kind": "generated", "num_job": 5}), ConfigError, r"instances: num_job is not a job-shop generator field"),
        BadInput("config", "graphs too large for the transformer's dense attention", _cli("train.py", "network=transformer", "+network.encoder_options.max_nodes=16", "total_timesteps=8", "logger=none"), SystemExit, r"the transformer encoder got graphs of 36 nodes, above its limit of 16 nodes: .*use network=gin or network=gat"),
        BadInput("config", "unknown encoder", _cli("train.py", "network.encoder=gim"), SystemExit, r"network\.encoder must be one of gin, gat, transformer, got 'gim' \(str\)\. Did you mean 'gin'"),
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
        BadInput("evaluation", "two files whose names match once made safe for file names", lambda: _cli("evaluate.py", f"hydra.run.dir={tempfile.mkdtemp()}", "instances=jobshop/files", f"instances.paths=[{_files('x y.txt', 'x-y.txt')}/*.txt]", "policies=[spt]")(), SystemExit, r"two instances, 'x y' and 'x-y' \(.*x y\.txt and .*x-y\.txt\), would share one row and one solution file"),
        BadInput("evaluation", "a second evaluation into a folder in use", _folder_in_use, SystemExit, r"is in use by another evaluation \(pid \d+\): two evaluations into one folder would count rows twice"),
        BadInput("evaluation", "a rerun into the same folder with other env kwargs", _resume_with_other_settings, SystemExit, r"holds results \(spt on ft06\) made with other settings or on another version of the instance .*results are never mixed"),
        BadInput("evaluation", "one checkpoint listed twice", _cli("evaluate.py", "checkpoints=[jssp_10x10,jssp_10x10]", "instances=jobshop/benchmark", "instances.names=[ft06]"), SystemExit, r"checkpoints lists a checkpoint twice"),
        BadInput("evaluation", "no method at all", _cli("evaluate.py", "policies=[]", "instances=jobshop/benchmark", "instances.names=[ft06]"), SystemExit, r"no method to evaluate: give policies, solvers or checkpoints"),
        BadInput("evaluation", "a file instance set with no paths", _cli("evaluate.py", "instances=jobshop/files"), SystemExit, r"instances\.paths is empty: name the instance files"),
        BadInput("evaluation", "a benchmark instance set with no names", _cli("evaluate.py", "instances=jobshop/benchmark", "instances.names=[]"), SystemExit, r"instances\.names is empty: name bundled instances or groups"),
        BadInput("evaluation", "a generated set's count that is not a number", _cli("evaluate.py", "instances=jobshop/generated", "instances.count=abc"), SystemExit, r"instances\.count must be an integer >= 1, got 'abc' \(str\)"),
        BadInput("evaluation", "a seed that is not a number", _cli("evaluate.py", "seed=abc"), SystemExit, r"seed must be an integer in \[0, 4294967295\], got 'abc' \(str\)"),
        BadInput("evaluation", "a sample count of 0", _cli("evaluate.py", "samples=[0]"), SystemExit, r"samples must be a list of integers >= 1, got \[0\]"),
        BadInput("config", "a negative gradient-norm clip (training would ascend)", _train(max_grad_norm=-1), ConfigError, r"agent\.max_grad_norm must be a number > 0, got -1"),
        BadInput("config", "gae_lambda above 1", _train(gae_lambda=5), ConfigError, r"agent\.gae_lambda must be a number in \[0, 1\], got 5"),
        BadInput("config", "a learning rate that is not a number", _train(learning_rate="abc"), ConfigError, r"agent\.learning_rate must be a number > 0, got 'abc' \(str\)"),
        BadInput("config", "a fractional number of envs", _train(n_envs=1.5), ConfigError, r"agent\.n_envs must be an integer >= 1, got 1\.5"),
        BadInput("config", "a NaN entropy coefficient", _train(ent_coef=float("nan")), ConfigError, r"agent\.ent_coef must be a number >= 0, got nan"),
        BadInput("config", "a negative time limit", _cli("train.py", "time_limit_minutes=-1", "logger=none"), SystemExit, r"time_limit_minutes must be a number > 0 \(or null\), got -1"),
        BadInput("config", "a negative seed", _train_config(seed=-1), ConfigError, r"seed must be an integer in \[0, 4294967295\], got -1"),
        BadInput("config", "an unknown device", _cli("train.py", "device=tpu", "logger=none"), SystemExit, r"device must be one of cpu, cuda, auto, got 'tpu' \(str\)"),
        BadInput("config", "device=cuda on a build without CUDA", _cuda_without_cuda, ConfigError, r"device=cuda, but this torch \(.*\) sees no CUDA device; use device=cpu or device=auto"),
        BadInput("config", "a validation set with no names", _train_config(env={"validation": {"kind": "benchmark", "names": []}}), ConfigError, r"env\.validation\.names is empty"),
        BadInput("config", "an empty training instance list (no silent fall-back to the generator)", _train_config(env={"train_instances": {"kind": "files", "paths": []}}), ConfigError, r"env\.train_instances\.paths is empty"),
        BadInput("config", "an instance set that is not a mapping", _train_config(env={"validation": "ft06"}), ConfigError, r"env\.validation must be an instance-set spec such as \{kind: generated, count: 10\}, got 'ft06'"),
        BadInput("config", "a key of another family's env in training", _train_config(env={"kwargs": {"migration_limit": 3}}), ConfigError, r"env\.kwargs\.migration_limit is not an option of schedrl/JobShop-v0"),
        BadInput("config", "instances whose every choice is forced (nothing to learn)", _train_config(env={"kwargs": {"generator": {"num_jobs": 1, "num_machines": 1}}, "validation": {"kind": "generated", "num_jobs": 1, "num_machines": 1, "count": 2}}), ConfigError, r"100 training episodes in a row .* ended at reset: every choice was forced"),
        BadInput("env", "a float action (no silent rounding)", _step(6.9), IllegalActionError, r"action must be a node index \(an integer\), got 6\.9 \(float\)"),
        BadInput("env", "a negative float action", _step(-0.5), IllegalActionError, r"got -0\.5 \(float\)"),
        BadInput("env", "a digit string action", _step("12"), IllegalActionError, r"got '12' \(str\)"),
        BadInput("env", "a bytes action", _step(b"12"), IllegalActionError, r"got b'12' \(bytes\)"),
        BadInput("env", "an infinite action", _step(float("inf")), IllegalActionError, r"got inf \(float\)"),
        BadInput("env", "a boolean action", _step(True), IllegalActionError, r"got True \(bool\)"),
        BadInput("env", "a float array action", _step(__import__("numpy").array([6.0])), IllegalActionError, r"got array\(\[6\.\]\) \(an array of dtype float64\)"),
        BadInput("env", "stepping after a reset that failed", _after_failed_reset, IllegalActionError, r"step\(\) called after the episode ended \(or after a reset that failed\); call reset\(\) first"),
        BadInput("checkpoint", "a folder whose first save was killed before it completed", _checkpoint("killed first save"), CheckpointError, r"no checkpoint at .*/ckpt: only ckpt\.partial is there, from a save killed before it completed; train again to write one"),
        BadInput("checkpoint", "a file inside a checkpoint folder instead of the folder", _checkpoint("a file inside it"), CheckpointError, r"/ckpt/policy\.safetensors is a file, not a checkpoint folder; pass the folder that holds it \(.*/ckpt\)"),
        BadInput("checkpoint", "shipped checkpoint with edited env_kwargs", _edited_shipped_checkpoint, CheckpointError, r"jssp_10x10/metadata\.json was altered after it was saved \(its content no longer matches its metadata_sha256\): an edited env_kwargs or network changes what the policy does; restore the checkpoint from a copy"),
        BadInput("checkpoint", "edited config.yaml", _checkpoint("edited config"), CheckpointError, r"/ckpt/config\.yaml does not match its checksum: the file is corrupt or was altered; restore the checkpoint from a copy"),
        BadInput("checkpoint", "altered ppo.zip", _checkpoint("altered trainer"), CheckpointError, r"/ckpt/ppo\.zip does not match its checksum: the file is corrupt or was altered"),
        BadInput("checkpoint", "truncated weights whose checksum matches", _checkpoint("resealed: truncated weights"), CheckpointError, r"/ckpt/policy\.safetensors is not a readable safetensors file \(Error while deserializing header: .*\) although it matches its checksum: it was saved damaged; restore the checkpoint from a copy"),
        BadInput("checkpoint", "metadata that is a list", _checkpoint("metadata list"), CheckpointError, r"/ckpt/metadata\.json is corrupt: expected a JSON object, found \[1, 2\]; restore the checkpoint from a copy"),
        BadInput("checkpoint", "metadata that is null", _checkpoint("metadata null"), CheckpointError, r"/ckpt/metadata\.json is corrupt: expected a JSON object, found null"),
        BadInput("checkpoint", "metadata that is not UTF-8", _checkpoint("metadata not UTF-8"), CheckpointError, r"/ckpt/metadata\.json is corrupt: 'utf-8' codec can't decode byte 0xff in position 0"),
        BadInput("checkpoint", "metadata without its network entry", _checkpoint("resealed: no network"), CheckpointError, r"/ckpt/metadata\.json lacks the field 'network': the file is corrupt or was edited; restore the checkpoint from a copy"),
        BadInput("checkpoint", "an env id that is not a string", _checkpoint("env id not a string"), CheckpointError, r"/ckpt/metadata\.json has 'env_id' of the wrong type: expected a string, found 3"),
        BadInput("checkpoint", "a network entry this schedrl cannot build", _checkpoint("resealed: unknown encoder"), CheckpointError, r"/ckpt/metadata\.json: its 'network' entry does not build a network of this schedrl \(.*'gim'.*\); load it with the schedrl version that wrote it"),
        BadInput("checkpoint", "invalid YAML in config.yaml", _checkpoint("resealed: invalid YAML"), CheckpointError, r"/ckpt/config\.yaml is not a plain YAML config: line 2: expected ',' or '\]', but got '<stream end>'; it is not a config this package wrote"),
        BadInput("checkpoint", "a !!python tag in config.yaml", _checkpoint("resealed: python tag"), CheckpointError, r"/ckpt/config\.yaml is not a plain YAML config: line 1: could not determine a constructor for the tag 'tag:yaml\.org,2002:python/object/apply:os\.system'"),
        BadInput("checkpoint", "a weights path that is a folder", _checkpoint("weights folder"), CheckpointError, r"cannot read .*/ckpt/policy\.safetensors: Is a directory; check its permissions, or restore the checkpoint from a copy"),
        BadInput("resume", "a checkpoint folder instead of the run folder", _resume_at("checkpoints/last"), ConfigError, r"resume=.*(schedrl-bad-\w+)/checkpoints/last is a checkpoint folder, not a run folder; pass the run folder .*\1 instead"),
        BadInput("resume", "the checkpoints folder instead of the run folder", _resume_at("checkpoints"), ConfigError, r"resume=.*(schedrl-bad-\w+)/checkpoints is a checkpoint folder, not a run folder; pass the run folder .*\1 instead"),
        BadInput("resume", "a folder that does not exist", _resume_at("no_such_run"), ConfigError, r"resume=.*/no_such_run: no such folder; give the folder of a train\.py run"),
        BadInput("resume", "a file instead of a folder", _resume_at("config.yaml"), ConfigError, r"resume=.*/config\.yaml is a file, not a folder; give the folder of a train\.py run"),
        BadInput("instance file", "a duration above 2**40", _parse("2 2\n0 1099511627777 1 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: operation 0: duration 1099511627777 is above the maximum 2\*\*40 = 1099511627776 \(MAX_TOTAL_DURATION\)"),
        BadInput("instance file", "durations that together exceed 2**40", _parse("1 2\n0 1099511627776 1 1\n"), InstanceFormatError, r"line 2: job 0: operation 1: the durations up to here sum to 1099511627777, above the maximum total 2\*\*40 = 1099511627776"),
        BadInput("instance file", "a number beyond 64 bits", _parse("2 2\n0 99999999999999999999 1 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: 2 machine/duration pairs: '99999999999999999999' is too large for any number of a job-shop file \(durations are at most 2\*\*40 = 1099511627776\)"),
        BadInput("instance file", "a 10000-digit number (quoted short)", _parse("2 2\n0 " + "9" * 10_000 + " 1 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: 2 machine/duration pairs: '9{40}'\.\.\. is too large"),
        BadInput("instance file", "digits grouped with '_' (1_0)", _parse("2 2\n0 1_0 1 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: 2 machine/duration pairs: expected integers, got '1_0' \(integers are ASCII digits after an optional '-'\)"),
        BadInput("instance file", "an Arabic-Indic digit (٣)", _parse("2 2\n0 ٣ 1 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: 2 machine/duration pairs: expected integers, got '٣'"),
        BadInput("instance file", "a fullwidth digit (３)", _parse("2 2\n0 ３ 1 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: 2 machine/duration pairs: expected integers, got '３'"),
        BadInput("instance file", "a superscript digit (5²)", _parse("2 2\n0 5² 1 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: 2 machine/duration pairs: expected integers, got '5²'"),
        BadInput("instance file", "a leading plus sign (+5)", _parse("2 2\n0 +5 1 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: 2 machine/duration pairs: expected integers, got '\+5'"),
        BadInput("instance file", "a no-break space between numbers", _parse("2 2\n0 5\xa01 3\n0 5 1 3\n"), InstanceFormatError, r"line 2: job 0: 2 machine/duration pairs: expected integers, got '5\\xa01'"),
        BadInput("instance file", "a vertical tab or U+2028 inside a line (a line break to some editors)", _parse("2 2\n0 5 1 3\x0b0 5 1 3\n"), InstanceFormatError, r"line 2: '\\x0b' inside a line: lines must end with '\\n' \(or '\\r\\n'\)"),
        BadInput("instance file", "a trailing EOF line (standard format)", _parse("2 2\n0 5 1 3\n0 5 1 3\nEOF\n"), InstanceFormatError, r"line 4: unexpected extra data after the last job line: 'EOF'"),
        BadInput("instance file", "a trailing NUL line", _parse("2 2\n0 5 1 3\n0 5 1 3\n\x00\n"), InstanceFormatError, r"line 4: unexpected extra data after the last job line: '\\x00'"),
        BadInput("instance file", "a trailing EOF line (Taillard format)", _parse("Times\n2 3\n5 7 9\n4 6 8\nMachines\n1 2 3\n3 1 2\nEOF\n"), InstanceFormatError, r"line 8: unexpected extra data after the last machines row: 'EOF'"),
        BadInput("instance file", "a long junk line after the data (quoted short)", _parse("1 1\n0 5\n" + "x" * 1_000_000), InstanceFormatError, r"line 3: unexpected extra data after the last job line: 'x{40}'\.\.\.$"),
        BadInput("instance file", "text inside a Taillard block", _parse("Times\n2 3\n5 7 9\nfoo\n4 6 8\n1 2 3\n3 1 2\n"), InstanceFormatError, r"line 4: times row 1: expected integers, got 'foo'"),
        BadInput("instance file", "Taillard machine id out of range (named by its line)", _parse("Times\n1 2\n5 7\nMachines\n1 3\n"), InstanceFormatError, r"line 5: job 0: operation 1: machine id 2 is out of range 0\.\.1"),
        BadInput("instance arrays", "uint64 durations that an int64 cast would wrap negative", _arrays([[2**64 - 1, 1]], "uint64"), InstanceFormatError, r"arrays: job 0: operation 0: duration 18446744073709551615 is above the maximum 2\*\*40 = 1099511627776 \(MAX_TOTAL_DURATION\)"),
        BadInput("instance arrays", "int64 durations summing above 2**40", _arrays([[2**39, 2**39], [1, 0]]), InstanceFormatError, r"arrays: job 1: operation 0: the durations up to here sum to 1099511627777, above the maximum total 2\*\*40"),
        BadInput("instance arrays", "Python ints beyond 64 bits (numpy stores objects)", _arrays([[2**70, 1]]), InstanceFormatError, r"arrays: durations must be integers, got dtype object \(numbers beyond 64 bits, or mixed values, make numpy store objects\)"),
        BadInput("instance arrays", "float durations", _arrays([[2.0**50, 1.0]]), InstanceFormatError, r"arrays: durations must be integers, got dtype float64"),
        BadInput("instance arrays", "bool durations", _arrays([[True, False]]), InstanceFormatError, r"arrays: durations must be integers, got dtype bool"),
        BadInput("instance generator", "max_duration its instances could not hold", _env(generator={"max_duration": 2**40}), ConfigError, r"durations: max_duration 1099511627776 over 10x10 operations could exceed an instance's total work limit 2\*\*40"),
        BadInput("schedule", "start times that would wrap around in int64", _schedule([[2**63 - 2, 3], [0, 4]], None), InvalidScheduleError, r"job 0 op 0: start 9223372036854775806 is outside \+-2\*\*62, beyond any schedule this checker can verify"),
        BadInput("schedule", "a makespan reported as True (== 1 in Python)", _schedule([[0, 3], [3, 7]], True), InvalidScheduleError, r"makespan True is not an integer"),
        BadInput("schedule", "a CP-SAT hint beyond the horizon (1e30)", _hint(1e30), ConfigError, r"hint_start_times must be an \(6, 6\) array of integers in 0\.\.197 \(the sum of all durations\) for 'ft06'"),
        BadInput("evaluation", "a rerun after the instance file changed (same name, new content)", _changed_instance_file, SystemExit, r"holds results \(spt on a\) made with other settings or on another version of the instance"),
        BadInput("evaluation", "an instance given in the env config", _cli("evaluate.py", "+env.instance=ft10", "instances=jobshop/benchmark", "instances.names=[ft06]"), SystemExit, r"env\.instance: an evaluation takes its instances from `instances`"),
        BadInput("evaluation", "an env option set to null", _cli("evaluate.py", "env.dynamics=null", "instances=jobshop/benchmark", "instances.names=[ft06]"), SystemExit, r"env\.dynamics must be one of active, insertion, non_delay, got None"),
        BadInput("evaluation", "sample counts without any checkpoint", _cli("evaluate.py", "samples=[4]", "instances=jobshop/benchmark", "instances.names=[ft06]"), SystemExit, r"samples=\[4\] applies to checkpoints, and none is given"),
        BadInput("evaluation", "an instance path that is a folder", lambda: _cli("evaluate.py", "instances=jobshop/files", f"instances.paths=[{_files('a.txt')}]")(), SystemExit, r"instances\.paths: '.*' is a folder; name its files, e\.g\. .*/\*\.txt"),
        BadInput("config", "a boolean env option given as a word", _train_config(env={"kwargs": {"normalize_reward": "no"}}), ConfigError, r"env\.kwargs\.normalize_reward must be true or false, got 'no' \(str\)"),
        BadInput("config", "env kwargs set to null (no silent fall-back to the env's default generator)", _train_config(env={"kwargs": None}), ConfigError, r"env\.kwargs must be a mapping of keys to values, got None"),
        BadInput("config", "an env option of the wrong type", _env(reward=1), ConfigError, r"reward must be one of dense, sparse, got 1"),
        BadInput("config", "a misspelt generator field", _env(generator={"num_job": 3}), ConfigError, r"generator\.num_job is not a generator field"),
        BadInput("training", "a second training process in a run folder in use", _training_folder_in_use, SchedRLError, r"is in use by another training run \(pid \d+\): two processes in one run folder would overwrite"),
        BadInput("resume", "an empty resume= (an unset shell variable)", _cli("train.py", "resume=", "logger=none"), SystemExit, r"resume= is empty: give the run folder to go on with"),
        BadInput("env", "float actions to the vector env (no silent truncation)", _vector_step(__import__("numpy").array([0.9, 6.7])), IllegalActionError, r"actions must be 2 integer node indices \(one per env\), got an array of dtype float64 and shape \(2,\)"),
        BadInput("env", "too many actions for the vector env", _vector_step(__import__("numpy").array([0, 6, 1])), IllegalActionError, r"got an array of dtype int64 and shape \(3,\)"),
        BadInput("env", "reset options that are not a dict", _reset_with("ta01"), ConfigError, r"reset options must be a dict such as \{'instance': \.\.\.\}, got 'ta01'"),
        BadInput("env", "a misspelt reset option", _reset_with({"instanse": "ft06"}), ConfigError, r"unknown reset option 'instanse'\. Did you mean 'instance'"),
        BadInput("instance file", "a byte-order mark saved twice", _parse(b"\xef\xbb\xbf\xef\xbb\xbf2 2\n0 5 1 3\n1 2 0 4\n"), InstanceFormatError, r"line 1: a byte-order mark \(U\+FEFF\) inside the text: only one may open the file"),
        BadInput("evaluation", "a later run's file name equal to a stored instance's", _name_taken_by_a_stored_row, SystemExit, r"holds the instance 'a b', whose solution files this run's 'a-b' would overwrite"),
        BadInput("evaluation", "a damaged env_kwargs.json in the output folder", _damaged_env_kwargs_record, SystemExit, r"env_kwargs\.json is damaged \(.*\); remove it, or write to a new folder"),
        BadInput("evaluation", "an output folder that is a file", lambda: _cli("evaluate.py", f"hydra.run.dir={_files('f.txt')}/f.txt")(), SystemExit, r"hydra\.run\.dir=.*f\.txt is a file, not a folder"),
        BadInput("evaluation", "a policy listed twice", _cli("evaluate.py", "policies=[spt,spt]", "instances=jobshop/benchmark", "instances.names=[ft06]"), SystemExit, r"policies lists a name twice: \['spt', 'spt'\]"),
        BadInput("config", "zero attention heads", _cli("train.py", "network=gat", "network.encoder_options.heads=0", "logger=none"), SystemExit, r"network\.encoder_options\.heads must be an integer >= 1, got 0"),
        BadInput("config", "a width that the heads do not divide", _cli("train.py", "network=gat", "network.encoder_options.heads=3", "logger=none", "total_timesteps=8", "eval_every=8"), SystemExit, r"network\.hidden \(64\) must be divisible by network\.encoder_options\.heads \(3\)"),
        BadInput("config", "a boolean encoder option given as a word", _cli("train.py", "network=transformer", "network.encoder_options.edge_bias=maybe", "logger=none"), SystemExit, r"network\.encoder_options\.edge_bias must be true or false, got 'maybe'"),
        BadInput("config", "logger outputs set to null", _cli("train.py", "logger.outputs=null"), SystemExit, r"logger\.outputs must be a list of strings, got None"),
        BadInput("config", "a minibatch of one (its advantages normalise to NaN)", _train(batch_size=1), ConfigError, r"agent\.batch_size must be an integer >= 2, got 1"),
        BadInput("env", "an env option given as a word to the vector env", _make_vec(normalize_reward="no"), ConfigError, r"normalize_reward must be true or false, got 'no'"),
        BadInput("env", "an unknown reward to the vector env", _make_vec(reward="foo"), ConfigError, r"reward must be one of dense, sparse, got 'foo'"),
        BadInput("env", "a fractional number of vector envs", _make_vec(num_envs=1.5), ConfigError, r"num_envs must be an integer >= 1, got 1\.5"),
        BadInput("env", "stepping the vector env before any reset", _vector_step_without_reset(fail_reset=False), IllegalActionError, r"step\(\) called before reset\(\) \(or after a reset that failed\); call reset\(\) first"),
        BadInput("env", "stepping the vector env after a reset that failed", _vector_step_without_reset(fail_reset=True), IllegalActionError, r"step\(\) called before reset\(\) \(or after a reset that failed\)"),
        BadInput("blocking", "a shutdown probability of 1 (machines never up)", _blocking(shutdown_prob=1.0), InstanceFormatError, r"ft06: shutdown_prob must be a number in \[0, 1\), got 1\.0"),
        BadInput("blocking", "an unknown interrupt mode", _blocking(interrupt_mode="pause"), InstanceFormatError, r"interrupt_mode must be one of \('resume', 'restart'\), got 'pause'"),
        BadInput("blocking", "a repair range upside down", _blocking(min_repair=5, max_repair=2), InstanceFormatError, r"max_repair \(2\) must be >= min_repair \(5\)"),
        BadInput("blocking", "swap given as a word", _blocking(swap="no"), InstanceFormatError, r"swap must be true or false, got 'no'"),
        BadInput("blocking", "a generator probability out of range", _env(env_id="schedrl/BlockingJobShop-v0", generator={"shutdown_prob": [0.0, 1.5]}), ConfigError, r"shutdown_prob: expected a number in \[0, 1\) or a list of them, got \[0\.0, 1\.5\]"),
        BadInput("blocking", "a misspelt blocking generator field", _env(env_id="schedrl/BlockingJobShop-v0", generator={"shutdown_p": 0.1}), ConfigError, r"generator\.shutdown_p is not a generator field; its fields: .*'shutdown_prob'"),
        BadInput("blocking", "a scenario grid over a field the instance lacks", _instances({"kind": "benchmark", "names": ["ft06"], "scenarios": {"parameter": "shutdown_p", "values": [0.1]}}, "schedrl/BlockingJobShop-v0"), ConfigError, r"instances\.scenarios\.parameter: BlockingJobShopInstance has no field 'shutdown_p'"),
        BadInput("blocking", "a job-shop instance given to the blocking env", _env(env_id="schedrl/BlockingJobShop-v0", instance=__import__("schedrl.envs.jobshop", fromlist=["x"]).load_benchmark("ft06")), ConfigError, r"instance must be an instance object \(BlockingJobShopInstance\), a bundled benchmark name or a file path, got JobShopInstance"),
        BadInput("blocking", "CP-SAT on an instance with shutdowns", lambda: _blocking_cpsat(shutdown_prob=0.1), ConfigError, r"CP-SAT models the deterministic blocking job shop with swaps"),
        BadInput("blocking", "restarts that can never finish an operation", _restart_that_never_finishes, SchedRLError, r"interrupted more than 100000 times; with interrupt_mode 'restart' it needs \d+ unbroken up time units"),
        BadInput("evaluation", "an empty union of instance sets", _instances({"kind": "union", "sets": []}), ConfigError, r"instances\.sets is empty: list the instance-set specs to join"),
        BadInput("evaluation", "a key beside a union's sets (it would be ignored)", _instances({"kind": "union", "count": 5, "sets": [{"kind": "generated", "count": 1}]}), ConfigError, r"instances\.count: a union takes only sets \(and scenarios\); set it in each set"),
        BadInput("evaluation", "a bad spec inside a union, named by its place", _instances({"kind": "union", "sets": [{"kind": "generated", "count": 0}]}), ConfigError, r"instances\.sets\[0\]\.count must be an integer >= 1, got 0"),
        BadInput("VM snapshot", "invalid JSON (named by its line)", _snapshot(text='{"cluster_list": [\n  {"host_info": [}\n]}'), InstanceFormatError, r"snapshot\.json, line 2: not valid JSON: Expecting value \(column 18\)"),
        BadInput("VM snapshot", "a missing field (named by its JSON path)", _snapshot({"host_id": None}), InstanceFormatError, r"snapshot\.json: cluster_list\[0\]\.vm_instance\[0\]\.host_id: missing"),
        BadInput("VM snapshot", "a cpu count that is not an integer", _snapshot({"numa": [{"node": 0, "cpu": "x", "mem_mb": 8192.0}]}), InstanceFormatError, r"cluster_list\[0\]\.vm_instance\[0\]\.numa\[0\]\.cpu: expected an integer, got \"x\""),
        BadInput("VM snapshot", "a double-NUMA VM with unequal halves", _snapshot({"numa": [{"node": 0, "cpu": 8, "mem_mb": 16384.0}, {"node": 1, "cpu": 4, "mem_mb": 16384.0}]}), InstanceFormatError, r"cluster_list\[0\]\.vm_instance\[0\]\.numa: VM 'vm_0': a double-NUMA VM takes equal halves on nodes 0 and 1, got node 0: 8 cpu, 16384 MB and node 1: 4 cpu, 16384 MB"),
        BadInput("VM snapshot", "a VM on a host no cluster lists", _snapshot({"host_id": "pm_9"}), InstanceFormatError, r"cluster_list\[0\]\.vm_instance\[0\]\.host_id: VM 'vm_0' is on host 'pm_9', which no cluster lists"),
        BadInput("VM snapshot", "VMs above a NUMA node's capacity", _snapshot({"numa": [{"node": 1, "cpu": 48, "mem_mb": 8192.0}]}), InstanceFormatError, r"cluster_list\[0\]\.host_info\[0\]\.numa \(node 1\): the VMs placed there \(vm_0\) use 48 cpu, above its total_cpu 44"),
        BadInput("VM snapshot", "a double-NUMA VM with odd cpu (arrays)", _vm_arrays(vm_cpu=__import__("numpy").array([5]), vm_double=__import__("numpy").array([True])), InstanceFormatError, r"arrays: VM vm_0: a double-NUMA VM needs even cpu and memory \(half on each node\), got 5 vCPU and 8192 MB"),
        BadInput("VM snapshot", "anti-affinity members given as VM ids, not indices (arrays)", _vm_arrays(anti_affinity=(__import__("schedrl.envs.vm.instance", fromlist=["AntiAffinity"]).AntiAffinity("host", ("vm_0",)),)), InstanceFormatError, r"arrays: anti_affinity\[0\]: expected AntiAffinity\(granularity in \('host', 'rack'\), members = VM indices 0\.\.0\), got AntiAffinity\(granularity='host', members=\('vm_0',\)\)"),
        BadInput("VM snapshot", "rack names instead of rack numbers (arrays)", _vm_arrays(pm_rack=__import__("numpy").array(["r1"])), InstanceFormatError, r"arrays: pm_rack must hold integer rack numbers, got <U2 values"),
        BadInput("VM snapshot", "a generator's target utilisation above 1", _vm_instances({"kind": "generated", "count": 1, "target_cpu_util": 1.5}), ConfigError, r"instances: target_cpu_util: expected a number in \(0, 1\], got 1\.5"),
        BadInput("SoC file", "a DS3 job file naming a predecessor that does not exist", _ds3("read_application", "job_name J\nadd_new_tasks 3\nA 0\nB 1 0\nC 2 1 5\n", "job_bad.txt"), InstanceFormatError, r"job_bad\.txt, line 5: task 'C': predecessor 5 is outside 0\.\.2"),
        BadInput("SoC file", "a DS3 job file with a task id beyond add_new_tasks", _ds3("read_application", "job_name J\nadd_new_tasks 2\nA 0\nB 2 0\n", "job_bad.txt"), InstanceFormatError, r"job_bad\.txt, line 4: task 'B': id 2 is outside 0\.\.1 \(add_new_tasks 2\)"),
        BadInput("SoC file", "an add_new_resource line without its DVFS_mode field", _ds3("read_platform", "add_new_resource resource_type CPU resource_name P1 resource_ID 0 capacity 1 num_supported_functionalities 1\nA 10\n", "SoC.bad.txt"), InstanceFormatError, r"SoC\.bad\.txt, line 1: expected `add_new_resource resource_type VALUE resource_name VALUE resource_ID VALUE capacity VALUE num_supported_functionalities VALUE DVFS_mode VALUE`, got `add_new_resource resource_type CPU resource_name P1 resource_ID 0 capacity 1 num_supported_functionalities 1`"),
        BadInput("SoC file", "a DS3 config naming a resource file that is not there", _ds3("read_ds3_config", "[DEFAULT]\nresource_file = SoC.missing.txt\njob_file = job_missing.txt\n[SIMULATION MODE]\nsimulation_mode = validation\n", "config_file.ini"), ConfigError, r"config_file\.ini \[DEFAULT\] resource_file: file 'SoC\.missing\.txt' not found; looked in .*/SoC\.missing\.txt, .*/config_SoC/SoC\.missing\.txt"),
        BadInput("SoC instance", "job probabilities that do not sum to 1", _soc_instance(probabilities=(0.5, 0.4)), InstanceFormatError, r"SoC instance 'wifi_stream': probabilities must be >= 0 and sum to 1, got \[0\.5, 0\.4\]"),
        BadInput("SoC instance", "an injection scale of 0", _soc_instance(scale=0.0), InstanceFormatError, r"SoC instance 'wifi_stream': scale \(mean µs between injections\) must be a positive number, got 0\.0"),
        BadInput("SoC instance", "a negative scale late in a generator's list (not only when an episode draws it)", _env(env_id="schedrl/SoC-v0", generator={"scale": [50.0, -5.0]}), ConfigError, r"generator\.scale must be a number > 0, got -5\.0"),
        BadInput("SoC instance", "an unknown workload in an instance-set spec", _instances({"kind": "generated", "workload": "wifii", "count": 1}, "schedrl/SoC-v0"), UnknownNameError, r"unknown SoC workload 'wifii'\. Did you mean 'wifi'\? Known: canonical, ds3_mix, pulse_doppler"),
        BadInput("SoC env", "a misspelt action_mode", _env(env_id="schedrl/SoC-v0", action_mode="etf"), ConfigError, r"env\.action_mode must be one of eft, direct, got 'etf' \(str\)\. Did you mean 'eft'\?"),
        BadInput("SoC env", "a stream larger than the env's envelope", _soc_reset(_soc_instance()), EnvelopeError, r"instance 'wifi_stream' does not fit this env \(max_jobs 3 > 1, max_job_tasks 34 > 10, max_job_edges 37 > 15, max_pes 16 > 3\); build the env with this instance \(or larger max_jobs / max_job_tasks / max_job_edges / max_pes\)"),
        BadInput("edge file", "invalid JSON (named by its line)", _wiopt(text='{"multi-edge": {\n  "dt": 1\n  "Tmax": 100\n}}'), InstanceFormatError, r"wiopt\.json, line 3: not valid JSON: Expecting ',' delimiter \(column 3\)"),
        BadInput("edge file", "a key that is neither WiOpt's nor a scenario field", _wiopt({"edge_cpus": 3}), InstanceFormatError, r"wiopt\.json, line 9: edge_cpus: is not a key of the WiOpt config format nor a scenario field"),
        BadInput("edge file", "cloud and edge values of a key this model has once", _wiopt({"edge_C": 2e3}), InstanceFormatError, r"wiopt\.json, line 7: edge_C: differs from cloud_C \(2000\.0 vs 1000\.0\); this model has one value for both"),
        BadInput("edge file", "an edge-count range (a scenario has one count)", _wiopt({"edge_num": None, "edge_num_L": 2, "edge_num_H": 5}), InstanceFormatError, r"wiopt\.json, line 8: edge_num_L: a scenario has one edge count: set edge_num \(edge_num_L 2 != edge_num_H 5\)"),
        BadInput("edge file", "sinusoidal task sizes (wave_peak not 0)", _wiopt({"wave_peak": 0.3}), InstanceFormatError, r"wiopt\.json, line 8: wave_peak: sinusoidal task sizes are not modelled; set it to 0"),
        BadInput("edge file", "a number given as a string", _wiopt({"cloud_k": "5e-31"}), InstanceFormatError, r"wiopt\.json, line 9: cloud_k: expected a number, got '5e-31'"),
        BadInput("edge file", "several sections and none chosen", _wiopt(text='{"multi-edge": {"dt": 1}, "single-edge": {"dt": 1}}'), InstanceFormatError, r"wiopt\.json: the file has several sections \['multi-edge', 'single-edge'\]: choose one with format wiopt:<section>"),
        BadInput("edge file", "a section the file lacks", _wiopt(fmt="wiopt:single-edge"), InstanceFormatError, r"wiopt\.json: no section 'single-edge'; the file has \['multi-edge'\]"),
        BadInput("edge file", "a preference outside [0, 1] (named by its key's line)", _wiopt({"preference": 1.5}), InstanceFormatError, r"wiopt\.json, line 9: edge instance 'multi-edge': preference must be a number in \[0, 1\], got 1\.5"),
        BadInput("edge instance", "no edge server", _edge_instance(num_edges=0), InstanceFormatError, r"edge instance 'scenario': num_edges must be an integer >= 1, got 0"),
        BadInput("edge instance", "a task-size range upside down", _edge_instance(task_size_range=[5e6, 1e6]), InstanceFormatError, r"edge instance 'scenario': task_size_range must be a pair \[low, high\] with 0 < low <= high, got \(5000000\.0, 1000000\.0\)"),
        BadInput("edge instance", "an unknown fading mode", _edge_instance(fading="block"), InstanceFormatError, r"edge instance 'scenario': fading must be one of episode, step, got 'block'"),
        BadInput("edge instance", "a generator with no edge server", _env(env_id="schedrl/EdgeOffload-v0", generator={"num_edges": 0}), ConfigError, r"generator\.num_edges must be an integer >= 1, got 0"),
        BadInput("edge instance", "a generator preference that is a word other than uniform", _env(env_id="schedrl/EdgeOffload-v0", generator={"preference": "sometimes"}), ConfigError, r"generator\.preference must be a number in \[0, 1\], a list of them or 'uniform', got 'sometimes'"),
        BadInput("edge instance", "a misspelt generator field", _env(env_id="schedrl/EdgeOffload-v0", generator={"num_edge": 3}), ConfigError, r"generator\.num_edge is not a generator field; its fields: \['fading', 'horizon', 'legacy_rate', 'load', 'local_freq', 'num_edges', 'preference'\]"),
        BadInput("edge instance", "a misspelt field in an instance-set spec", _instances({"kind": "generated", "count": 1, "num_edge": 3}, "schedrl/EdgeOffload-v0"), ConfigError, r"instances: num_edge is not a MEC scenario generator field"),
        BadInput("edge env", "a reward cap of 0", _env(env_id="schedrl/EdgeOffload-v0", reward_cap=0.0), ConfigError, r"env\.reward_cap must be a number > 0 \(or null\), got 0\.0"),
        BadInput("edge env", "an envelope of no edge server", _env(env_id="schedrl/EdgeOffload-v0", max_edges=0), ConfigError, r"env\.max_edges must be an integer >= 1 \(or null\), got 0"),
        BadInput("edge env", "an instance with more edge servers than the envelope", _edge_reset(5), EnvelopeError, r"instance 'big' has 5 edge servers, this env at most 3; build the env with this instance \(or a larger max_edges\)"),
        BadInput("UAM file", "invalid JSON (named by its line)", _uam_scenario(text='{\n  "num_aircraft": 4\n  "seed": 3\n}'), InstanceFormatError, r"scenario\.json, line 3: not valid JSON: Expecting ',' delimiter \(column 3\)"),
        BadInput("UAM file", "a misspelt scenario field", _uam_scenario({"num_aircarft": 4}), InstanceFormatError, r"scenario\.json, line 19: num_aircarft: is not a scenario field; did you mean 'num_aircraft'\?"),
        BadInput("UAM file", "both a vertiport list and a layout", _uam_scenario({"layout": {"kind": "city", "vertiports": 4}}), InstanceFormatError, r"scenario\.json, line 19: give the network as either vertiports \(a list\) or layout, not both or neither"),
        BadInput("UAM file", "a vertiport of an unknown kind (named by its entry's line)", _uam_scenario({"vertiports": [{"name": "hub", "x_km": 0, "y_km": 0, "kind": "airport"}]}), InstanceFormatError, r"scenario\.json, line 4: vertiports: entry 0 \('hub'\): kind must be one of hub, commercial, residential, got 'airport' \(str\)"),
        BadInput("UAM file", "an initial placement beyond a vertiport's parking", _uam_scenario({"initial": [1, 1, 1, 0]}), InstanceFormatError, r"scenario\.json, line 19: initial puts 3 aircraft at 'north', which parks 2"),
        BadInput("UAM instance", "a battery reserve of the whole battery", _uam_instance(reserve=1.0), InstanceFormatError, r"UAM instance 'scenario': reserve must be a number in \[0, 0\.99\], got 1\.0"),
        BadInput("UAM instance", "more aircraft than parking spots", _uam_instance(num_aircraft=60), InstanceFormatError, r"UAM instance 'scenario': 60 aircraft do not fit the vertiports' 54 parking spots"),
        BadInput("UAM instance", "a generator layout that does not exist", _uam_generator(layout="grid"), ConfigError, r"generator\.layout must be one of city, random, got 'grid' \(str\)"),
        BadInput("UAM env", "an envelope smaller than the generator's largest day", _env(env_id="schedrl/UAMFleet-v0", generator={"num_vertiports": [4, 8]}, max_vertiports=4), ConfigError, r"env\.max_vertiports 4 is below the generator's largest 8: raise max_vertiports or leave it unset"),
        BadInput("UAM env", "a day larger than the env's envelope", _uam_reset, EnvelopeError, r"instance 'big' has 8 vertiports and 40 aircraft, this env at most 4 and 8; build the env with this instance \(or a larger max_vertiports / max_aircraft\)"),
        BadInput("schedrl solve", "a misspelt policy", _schedrl("solve", "jssp_10x1O", "ta01"), SystemExit, r"unknown policy \(shipped name, checkpoint folder, rule or solver\) 'jssp_10x1O'\. Did you mean 'jssp_10x10'"),
        BadInput("schedrl solve", "a misspelt bundled instance", _schedrl("solve", "mwkr", "ta001"), SystemExit, r"unknown instance \(bundled name or existing file\) 'ta001'\. Did you mean 'ta01'"),
        BadInput("schedrl solve", "a malformed instance file", lambda: _schedrl("solve", "mwkr", str(_file("2 2\n0 5 1 3\n0 5 1\n")), "--family", "jobshop")(), SystemExit, r"bad\.txt, line 3: job 1: 2 machine/duration pairs: expected 4 integers, got 3"),
        BadInput("schedrl solve", "a rule of several families on a file", lambda: _schedrl("solve", "greedy", str(_file("{}", "day.json")))(), SystemExit, r"'greedy' is a method of several families: say which one reads .*day\.json \(--family uam or --family vm\)"),
        BadInput("schedrl solve", "--samples with a solver", _schedrl("solve", "cpsat", "ft06", "--samples", "8"), SystemExit, r"--samples applies to trained policies; 'cpsat' is a solver"),
    ]  # fmt: skip
