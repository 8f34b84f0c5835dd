"""Episode loops for tests that cannot hang: a buggy env fails at its documented decision bound."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def until_done(env: Any) -> Iterator[int]:
    """Yields the step number while the episode runs, at most `decision_bound` times."""
    core = env.unwrapped
    for step in range(core.decision_bound):
        if core.done:
            return
        yield step
    if not core.done:
        raise AssertionError(
            f"the episode is still running after {core.decision_bound} decisions, its documented bound"
        )
