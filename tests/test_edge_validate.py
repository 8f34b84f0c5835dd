"""The edge-offloading validator on hand-worked records: every upload, completion, delay,
energy and metric below is worked out in the comments, not taken from the env, so a shared
mistake cannot make both agree."""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import schedrl.envs as envs
from schedrl.envs.edge.instance import EdgeInstance, Realisation
from schedrl.envs.edge.perturbations import perturbations
from schedrl.envs.edge.validate import RECORD_KEYS, record_violations, shared_completions, validate_record
from schedrl.errors import InvalidScheduleError

Record = dict[str, Any]
ENV_ID = "schedrl/EdgeOffload-v0"


def tiny(cloud_gain: float = 1.0, edge_gains: tuple[float, float] = (3.0, 1.0), **fields: Any) -> EdgeInstance:
    """One cloud, one edge and two users' devices, with round numbers throughout:
    noise -30 dBm/Hz over 1 MHz is 1e-6 W/Hz x 1e6 Hz = 1 W, transmit power 1 W, so SNR = g and a
    rate is 1e6 log2(1 + g) bit/s. 1000 cycles a bit: the cloud (2 GHz) runs 2e6 bit/s, the edge
    (1 GHz) 1e6 bit/s, a device (0.5 GHz) 0.5e6 bit/s. kappa 5e-28: running L bits at f Hz costs
    5e-28 x 1e3 x L x f^2 J. Horizon 2 steps of 1 s; w = 0.5, both units 1.

    Its realisation is set by hand (written where `realisation` caches its draw): three tasks,
    arriving at steps 0, 0 and 1, of 2e6, 1e6 and 1e6 bits, from users 0, 1 and 0."""
    scenario: dict[str, Any] = {
        "num_edges": 1,
        "preference": 0.5,
        "num_users": 2,
        "horizon": 2,
        "bandwidth_hz": 1e6,
        "noise_dbm_per_hz": -30.0,
        "transmit_power_w": 1.0,
        "kappa": 5e-28,
        "local_freq": 0.5e9,
        "delay_unit": 1.0,
        "energy_unit": 1.0,
    }
    instance = EdgeInstance(name="tiny", **(scenario | fields))
    vars(instance)["realisation"] = Realisation(
        server_freqs=np.array([2e9, 1e9]),
        distances=np.full((2, 2), 100.0),
        gains=np.array([[[cloud_gain, cloud_gain], list(edge_gains)]]),  # [F = 1, S = 2, U = 2]
        arrival_steps=np.array([0, 0, 1]),
        sizes=np.array([2e6, 1e6, 1e6]),
        users=np.array([0, 1, 0]),
    )
    return instance


def record(
    decisions: list[list[int]],
    uploads: list[float],
    completions: list[float],
    delays: list[float],
    energies: list[float],
) -> Record:
    """The record of these decisions, its metrics computed from the values given (w = 0.5, units 1)."""
    costs = [0.5 * d + 0.5 * e for d, e in zip(delays, energies, strict=True)]
    return {
        "assignments": decisions,
        "upload_times": uploads,
        "completions": completions,
        "delays": delays,
        "energies": energies,
        "weighted_cost": sum(costs) / len(costs),
        "avg_delay": sum(delays) / len(delays),
        "avg_energy": sum(energies) / len(energies),
        "preference": 0.5,
        "num_edges": 1,
        "decided": len(decisions),
    }


# FIFO: task 0 is decided at step 0, task 1 (also arrived at 0) at step max(0, 0 + 1) = 1, and task 2
# would be at max(1, 1 + 1) = 2 = the horizon: it is never decided. Two decisions.
#
# (a) Both tasks to the edge (server 1).
# Task 0, user 0: edge SNR 3, rate 1e6 log2(4) = 2e6 bit/s, upload 2e6 / 2e6 = 1 s: joins at 0 + 1 = 1.
# Task 1, user 1: edge SNR 1, rate 1e6 log2(2) = 1e6 bit/s, upload 1e6 / 1e6 = 1 s: joins at 1 + 1 = 2.
# On the edge (1e6 bit/s): task 0 alone over [1, 2) runs 1e6 of its 2e6 bits; from 2 the two share,
# 0.5e6 bit/s each, and both have 1e6 bits left: both complete at 2 + 1e6 / 0.5e6 = 4.
# Delays: task 0, alone on the edge when decided, would complete at 1 + 2 = 3: delay 3 - 0 = 3.
# Task 1: tasks 0 and 1 alone complete at 4 + 4 = 8; task 0 alone at 3; delay 8 - 3 - t_1 (1) = 4
# (its own response time 4 - 1 = 3, plus the 1 s it delays task 0). Sum 7 = (4 - 0) + (4 - 1).
# Energies: task 0: 1 W x 1 s + 5e-28 x 1e3 x 2e6 x (1e9)^2 = 1 + 1 = 2 J;
#           task 1: 1 W x 1 s + 5e-28 x 1e3 x 1e6 x (1e9)^2 = 1 + 0.5 = 1.5 J.
# Costs 0.5 x 3 + 0.5 x 2 = 2.5 and 0.5 x 4 + 0.5 x 1.5 = 2.75: weighted_cost 2.625, avg_delay 3.5, avg_energy 1.75.
SHARED = record([[0, 0, 1], [1, 1, 1]], [1.0, 1.0], [4.0, 4.0], [3.0, 4.0], [2.0, 1.5])
# (b) Task 0 to the edge, task 1 on its user's device (server E + 1 = 2).
# Task 0 is alone on the edge: joins at 1, completes at 1 + 2e6 / 1e6 = 3, delay 3, energy 2 J (as in (a)).
# Task 1: no upload, starts on user 1's device at 1, completes at 1 + 1e6 / 0.5e6 = 3, delay 3 - 1 = 2;
# energy 5e-28 x 1e3 x 1e6 x (0.5e9)^2 = 0.125 J (no transmission).
# Costs 2.5 and 0.5 x 2 + 0.5 x 0.125 = 1.0625: weighted_cost 1.78125.
LOCAL = record([[0, 0, 1], [1, 1, 2]], [1.0, 0.0], [3.0, 3.0], [3.0, 2.0], [2.0, 0.125])
# (c) Task 0 to the cloud (server 0), task 1 to the edge.
# Task 0, user 0: cloud SNR 1, rate 1e6 bit/s, upload 2 s: joins the cloud at 2, completes at
# 2 + 2e6 / 2e6 = 3, delay 3; energy 1 x 2 + 5e-28 x 1e3 x 2e6 x (2e9)^2 = 2 + 4 = 6 J.
# Task 1 alone on the edge: joins at 2, completes at 3, delay 3 - 1 = 2, energy 1.5 J.
SPLIT = record([[0, 0, 0], [1, 1, 1]], [2.0, 1.0], [3.0, 3.0], [3.0, 2.0], [6.0, 1.5])


@pytest.mark.parametrize("valid", [SHARED, LOCAL, SPLIT], ids=["shared", "local", "split"])
def test_hand_worked_records_are_valid(valid: Record) -> None:
    validate_record(tiny(), valid)


def test_hand_worked_metrics() -> None:
    assert (SHARED["weighted_cost"], SHARED["avg_delay"], SHARED["avg_energy"]) == (2.625, 3.5, 1.75)
    assert LOCAL["weighted_cost"] == 1.78125


def test_legacy_rate_squares_the_gain_over_the_noise() -> None:
    # Legacy SNR = P (g / N)^2 / N = g^2 with P = N = 1: edge gains sqrt(3) and 1 give the SNRs 3
    # and 1 of (a), so its record holds; gains 3 and 1 would give SNR 9, rate 1e6 log2(10): task 0
    # would upload in 2 / log2(10) = 0.602 s.
    validate_record(tiny(edge_gains=(math.sqrt(3), 1.0), legacy_rate=True), SHARED)
    with pytest.raises(InvalidScheduleError, match=r"upload_times\[0\] is 1.0, but the instance gives 0.60205"):
        validate_record(tiny(legacy_rate=True), SHARED)


def test_step_fading_reads_the_decision_step_block() -> None:
    # With a block a step (F = horizon = 2), task 1 decided at step 1 uploads over gains[1]: an
    # edge gain of 3 there gives rate 2e6 and upload 0.5 s, not (a)'s 1 s.
    instance = tiny(fading="step")
    real = instance.realisation
    vars(instance)["realisation"] = Realisation(
        real.server_freqs,
        real.distances,
        np.stack([real.gains[0], real.gains[0] * 3]),
        real.arrival_steps,
        real.sizes,
        real.users,
    )
    with pytest.raises(InvalidScheduleError, match=r"upload_times\[1\] is 1.0, but the instance gives 0.5"):
        validate_record(instance, SHARED)


def test_processor_sharing_from_scratch() -> None:
    # Speed 1: job 0 (2 bits) runs alone over [0, 1), leaving 1 bit; from 1 it and job 1 (1 bit)
    # share, 1/2 bit/s each, and both leave at 1 + 2 = 3. Job 2 joins the idle server at 5, leaves at 6.
    assert shared_completions([0.0, 1.0, 5.0], [2.0, 1.0, 1.0], 1.0) == [3.0, 3.0, 6.0]
    # Joins out of index order: job 1 runs alone over [0, 0.5), then the two share; job 1's last
    # 0.5 bit takes until 1.5, and job 0, with 0.5 bit left then, runs alone until 2.
    assert shared_completions([0.5, 0.0], [1.0, 1.0], 1.0) == [2.0, 1.5]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ({"assignments": [[0, 0, 1], [1, 1, 3]]}, r"decision 1 \(task 1\): server 3 is not in 0..2 \(2 = local\)"),
        (
            {"assignments": [[0, 0, 1], [1, 0, 1]]},
            r"decision 1 \(task 1\) is at step 0, but the FIFO rule gives step 1",
        ),
        ({"assignments": [[1, 0, 1], [0, 1, 1]]}, r"decision 0 is task 1, but tasks are decided in arrival order"),
        (
            {"delays": [3.0, 5.0]},
            r"decision 1 \(task 1 at step 1 on server 1, edge 1\): delays\[1\] is 5.0, but the instance gives 4.0",
        ),
        ({"completions": [3.0, 4.0]}, r"completions\[0\] is 3.0, but the instance gives 4.0"),
        ({"decided": 3}, r"decided is reported as 3, but the instance gives 2"),
        ({"weighted_cost": 2.7}, r"weighted_cost is reported as 2.7, but the instance gives 2.625"),
    ],
)
def test_violations_name_what_is_wrong(broken: Record, message: str) -> None:
    with pytest.raises(InvalidScheduleError, match=message):
        validate_record(tiny(), {**SHARED, **broken})


def test_local_needs_a_device() -> None:
    with pytest.raises(InvalidScheduleError, match=r"server 2 is not in 0..1 \(local execution is disabled\)"):
        validate_record(tiny(local_freq=0.0), LOCAL)


def test_a_missing_decision_is_named() -> None:
    one = record([[0, 0, 1]], [1.0], [3.0], [3.0], [2.0])
    with pytest.raises(InvalidScheduleError, match=r"task 1 \(arrival step 0\) is due at step 1"):
        validate_record(tiny(), one)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (None, "the record must be a dict"),
        ({k: v for k, v in SHARED.items() if k != "delays"}, "the record lacks delays"),
        ({**SHARED, "assignments": "x"}, "assignments must be a list of"),
        ({**SHARED, "assignments": [[0, 0, 1], [1, 1.5, 1]]}, r"assignments\[1\] must be 3 integers"),
        ({**SHARED, "assignments": [[0, 0, 1], [3, 1, 1]]}, r"task 3 is not a task index \(0..2\)"),
        ({**SHARED, "energies": [2.0]}, "energies must list 2 finite numbers"),
        ({**SHARED, "delays": [3.0, math.nan]}, "delays must list 2 finite numbers"),
        ({**SHARED, "avg_delay": "3.5"}, "avg_delay must be a finite number"),
        ({**SHARED, "decided": True}, "decided must be an integer"),
    ],
)
def test_malformed_records_are_refused_without_crashing(bad: Any, message: str) -> None:
    assert any(re.search(message, line) for line in record_violations(tiny(), bad))


def test_numpy_scalars_and_whole_floats_are_read() -> None:
    decisions = [[np.int64(v) for v in row] for row in SHARED["assignments"]]
    delays = list(np.array(SHARED["delays"]))  # np.float64 entries
    validate_record(tiny(), {**SHARED, "assignments": decisions, "delays": delays, "decided": 2.0})


@pytest.mark.parametrize("valid", [SHARED, LOCAL, SPLIT], ids=["shared", "local", "split"])
@pytest.mark.parametrize("local_freq", [0.5e9, 0.0])
def test_every_perturbation_is_rejected(valid: Record, local_freq: float) -> None:
    instance = tiny(local_freq=local_freq)
    if local_freq == 0.0 and valid is LOCAL:
        pytest.skip("the local record is not valid without local execution")
    kept = copy.deepcopy(valid)
    broken = perturbations(instance, valid)
    assert valid == kept  # the valid record is left as it was
    names = {name for name, _ in broken}
    assert {"server index", "out-of-order task", "missing decision", "upload_times", "weighted_cost"} <= names
    assert ("local when disabled" in names) == (local_freq == 0.0)
    for name, bad in broken:
        assert record_violations(instance, bad), f"the validator accepted a record that breaks {name}"


@pytest.mark.skipif(ENV_ID not in gym.registry, reason=f"{ENV_ID} is not registered yet")
@pytest.mark.parametrize(
    "fields",
    [{}, {"local_freq": 1e9, "fading": "step"}, {"legacy_rate": True, "num_edges": 2}],
    ids=["default", "local-step", "legacy"],
)
def test_random_env_records_are_valid_and_every_perturbation_rejected(fields: dict[str, Any]) -> None:
    instance = EdgeInstance(name="random", seed=7, horizon=30, **fields)
    env = gym.make(ENV_ID, instance=instance)
    info = envs.rollout(env, envs.RandomPolicy(seed=3), seed=3).info
    valid = {key: info[key] for key in RECORD_KEYS}
    assert valid["decided"] > 0
    validate_record(instance, valid)
    for name, bad in perturbations(instance, valid):
        assert record_violations(instance, bad), f"the validator accepted a record that breaks {name}"
