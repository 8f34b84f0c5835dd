"""One writer per output folder (an evaluation's, a training run's): a second would write
the same rows or checkpoints again. The lock is the kernel's (`flock`), so a killed
process leaves none behind."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from schedrl.errors import SchedRLError


def lock_folder(directory: Path, what: str, consequence: str) -> IO[str]:
    """Holds `directory` for this process until the returned handle is closed (or the
    process ends); refuses, naming the holder's pid, when another process holds it."""
    handle = (Path(directory) / f".{what.replace(' ', '-')}.lock").open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise SchedRLError(
            f"{directory} is in use by another {what} ({holder}): {consequence}; wait for it to finish, or choose "
            "another folder"
        ) from None
    handle.truncate(0)
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    return handle
