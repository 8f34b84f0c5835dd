"""What every validator reads records with: the shape check it starts with (a dict with the
family's keys, so the constraint checks after it can index it without a KeyError), and the
one reading of a recorded integer."""

from __future__ import annotations

import math
import reprlib
from collections.abc import Sequence
from typing import Any

import numpy as np


def record_shape_problems(record: Any, keys: Sequence[str]) -> list[str]:
    """[] if `record` is a dict holding every key, else the one line that says what is wrong."""
    if not isinstance(record, dict):
        return [f"the record must be a dict with keys {', '.join(keys)}, got {reprlib.repr(record)}"]
    missing = [key for key in keys if key not in record]
    if missing:
        return [f"the record lacks {', '.join(missing)} (a record holds {', '.join(keys)})"]
    return []


def whole_number(value: Any) -> int | None:
    """The value as a Python int (exact, any size), or None. Whole-number floats count
    (times, counts and objectives pass through float columns); 2.5, nan and booleans do not."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    return None
