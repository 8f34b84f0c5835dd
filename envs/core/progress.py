"""Status lines from long-running solvers, shown by whoever runs them: the evaluation's
progress bar, or `schedrl solve` on stderr. A solver reports without knowing who listens,
so library calls stay silent."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

_listener: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar("listener", default=None)


def report(message: str) -> None:
    """One line of status (a solver's incumbent and bound, say); dropped when nobody listens."""
    listener = _listener.get()
    if listener is not None:
        listener(message)


def current() -> Callable[[str], None] | None:
    """The callback `report` would reach now, or None: work on other threads (a solver's
    callbacks) does not see this thread's listener and must be handed it."""
    return _listener.get()


@contextlib.contextmanager
def listening(callback: Callable[[str], None]) -> Iterator[None]:
    """Routes `report` calls made inside the block to `callback`."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)
