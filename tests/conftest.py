"""Shared test settings: one torch thread per xdist worker, and the job-shop schemes
every job-shop test runs under."""

from __future__ import annotations

import os

# pytest-xdist runs one worker per core: torch's own thread pool per worker would
# oversubscribe the cores many times over (subprocesses inherit this too).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest
import torch
import toy_family  # noqa: F401  (registers the toy family: every generic test runs on it too)
from hypothesis import HealthCheck, settings

from schedrl.envs.jobshop.dynamics import DYNAMICS

torch.set_num_threads(1)

# Property tests run bounded in CI; HYPOTHESIS_PROFILE=long for the long documented runs.
settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

JOB_SHOP_DYNAMICS = sorted(DYNAMICS)


@pytest.fixture(params=JOB_SHOP_DYNAMICS)
def dynamics(request: pytest.FixtureRequest) -> str:
    return request.param
