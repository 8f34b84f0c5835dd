"""Exception hierarchy: every error a user can cause is a `SchedRLError` with a message
that says what was expected, what was found, where, and what to do."""

from __future__ import annotations

import contextlib
import difflib
import sys
from collections.abc import Iterable, Iterator


class SchedRLError(Exception):
    """Base class, so callers can catch everything schedrl raises on bad input."""


class InstanceFormatError(SchedRLError, ValueError):
    """A problem instance (file or arrays) is malformed; the message names file and line."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        where = ", ".join(part for part in (source, f"line {line}" if line is not None else None) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.line = line


class UnknownNameError(SchedRLError, KeyError):
    """A name (instance, group, policy, solver, env id) is not known; suggests close names."""

    def __init__(self, kind: str, name: str, known: Iterable[str]):
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        shown = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
        message = f"unknown {kind} {name!r}.{hint} Known: {shown}"
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # KeyError would otherwise print the repr with quotes
        return self.message


class IllegalActionError(SchedRLError, ValueError):
    """The agent chose a node that is out of range or masked out."""


class EnvelopeError(SchedRLError, ValueError):
    """An instance does not fit the padded observation envelope the env was built with."""


class InvalidScheduleError(SchedRLError, ValueError):
    """The independent validator found a violated constraint; lists every violation."""

    def __init__(self, instance: str, violations: list[str]):
        shown = "\n  ".join(violations[:20])
        more = f"\n  ... and {len(violations) - 20} more" if len(violations) > 20 else ""
        super().__init__(f"schedule for {instance!r} is invalid:\n  {shown}{more}")
        self.violations = violations


class ConfigError(SchedRLError, ValueError):
    """A configuration value is out of range or inconsistent; names the config key."""


@contextlib.contextmanager
def user_errors_exit() -> Iterator[None]:
    """In command-line entry points: a user's mistake ends the program with its message
    (exit status 2), not with a traceback."""
    try:
        yield
    except SchedRLError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
