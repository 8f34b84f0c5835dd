"""Shared fixtures: every registered env id and every job-shop scheme, so new families
inherit the generic tests by registering."""

from __future__ import annotations

import pytest

import envs
from envs.jobshop.dynamics import DYNAMICS

ENV_IDS = envs.env_ids()
JOB_SHOP_DYNAMICS = sorted(DYNAMICS)


@pytest.fixture(params=JOB_SHOP_DYNAMICS)
def dynamics(request: pytest.FixtureRequest) -> str:
    return request.param
