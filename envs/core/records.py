"""What every validator checks first: that a solution record is a dict with the family's
keys, so the constraint checks after it can index it without a KeyError."""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from typing import Any


def record_shape_problems(record: Any, keys: Sequence[str]) -> list[str]:
    """[] if `record` is a dict holding every key, else the one line that says what is wrong."""
    if not isinstance(record, dict):
        return [f"the record must be a dict with keys {', '.join(keys)}, got {reprlib.repr(record)}"]
    missing = [key for key in keys if key not in record]
    if missing:
        return [f"the record lacks {', '.join(missing)} (a record holds {', '.join(keys)})"]
    return []
