"""What every validator reads records with: the shape check it starts with (a dict with the
family's keys, so the constraint checks after it can index it without a KeyError), and the
one reading each of a recorded integer and a recorded number."""

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


def finite_number(value: Any) -> float | None:
    """The value as a finite float, or None: booleans, text, nan, inf and integers beyond a
    float's range are not numbers a record can report."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def reported_metrics(
    record: dict[str, Any], integers: Sequence[str], numbers: Sequence[str], problems: list[str]
) -> dict[str, float | int | None]:
    """A record's reported metrics read as numbers (`integers` whole, `numbers` finite); None
    for one that is not, with the reason added to `problems`, so the checks go on."""
    metrics: dict[str, float | int | None] = {}
    for keys, read, wanted in ((integers, whole_number, "an integer"), (numbers, finite_number, "a finite number")):
        for key in keys:
            metrics[key] = read(record[key])
            if metrics[key] is None:
                problems.append(f"{key} must be {wanted}, got {reprlib.repr(record[key])}")
    return metrics
