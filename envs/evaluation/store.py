"""Results on disk, written as they are produced so an interrupted evaluation resumes
without recomputing finished (instance, method) pairs."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from schedrl.envs.core.folder_lock import lock_folder
from schedrl.errors import SchedRLError

# Columns around the objective and the family's metrics, in file order.
LEADING = ("instance", "group", "policy")
TRAILING = (
    "best_known", "gap_percent", "lower_bound", "status", "proven_optimal", "decisions", "wall_time_s", "fingerprint",
)  # fmt: skip


@dataclass(frozen=True)
class ResultRow:
    instance: str
    group: str
    policy: str
    objective: float
    best_known: float | None
    gap_percent: float | None  # positive: worse than best_known, for either objective sense
    proven_optimal: bool
    wall_time_s: float
    metrics: dict[str, float | None] = field(default_factory=dict)  # the family's extra columns
    lower_bound: float | None = None  # a solver's proven bound
    status: str = ""  # a solver's (or a sampler's) account of the result
    decisions: int | None = None  # agent decisions, for step-wise methods
    fingerprint: str = ""  # of the settings that produced the row (empty in files of older versions)

    def values(self) -> dict[str, Any]:
        return {
            "instance": self.instance, "group": self.group, "policy": self.policy, "objective": self.objective,
            **self.metrics, "best_known": self.best_known, "gap_percent": self.gap_percent,
            "lower_bound": self.lower_bound, "status": self.status, "proven_optimal": self.proven_optimal,
            "decisions": self.decisions, "wall_time_s": self.wall_time_s, "fingerprint": self.fingerprint,
        }  # fmt: skip


def safe_file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def _number(value: str | None) -> float | None:
    if not value:
        return None
    number = float(value)
    return None if math.isnan(number) else number


class ResultStore:
    """`results.csv` (one row per instance and method, appended as produced) and
    `solutions/<method>/<instance>.json`. The objective column is named after the family's
    objective, followed by the family's metric columns."""

    def __init__(self, directory: Path, objective: str, metrics: tuple[str, ...] = ()):
        self.directory = Path(directory)
        self.objective, self.metrics = objective, metrics
        self.columns = [*LEADING, objective, *metrics, *TRAILING]
        self.csv_path = self.directory / "results.csv"
        try:
            (self.directory / "solutions").mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SchedRLError(f"cannot create the output folder {self.directory}: {error.strerror}") from None
        self._lock = lock_folder(self.directory, "evaluation", "two evaluations into one folder would count rows twice")
        self.rows: dict[tuple[str, str], ResultRow] = {}
        if self.csv_path.exists():
            self._load()
        else:
            self._append([self.columns])

    def close(self) -> None:
        """Releases the folder for another evaluation (process exit releases it too)."""
        self._lock.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _load(self) -> None:
        text = self.csv_path.read_bytes()
        if not text.endswith(b"\n"):  # a line cut short by an interruption: drop it, it is recomputed
            text = text[: text.rfind(b"\n") + 1]
            _write_atomically(self.csv_path, text.decode("utf-8", errors="replace"))
        if not text:  # cut short inside the header itself
            self._append([self.columns])
            return
        with self.csv_path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            records = list(reader)
        required = {*LEADING, self.objective}
        if header != self.columns and (not required <= set(header) or not set(header) <= set(self.columns)):
            raise SchedRLError(
                f"{self.csv_path} has columns {header}, expected {self.columns}: it belongs to another "
                "evaluation; choose a new output folder"
            )
        for record in records:
            row = self._parse(record)
            if row is not None and self.solution_path(row.policy, row.instance).exists():
                self.rows[(row.instance, row.policy)] = row
        # An older layout, a row whose solution file is gone (recomputed, so it must not stay
        # beside its successor) or a pair written twice: the file is rewritten to what counts.
        if header != self.columns or len(self.rows) != len(records):
            self._rewrite()

    def _rewrite(self) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(
            [self.columns, *([_text(v) for v in row.values().values()] for row in self.rows.values())]
        )
        _write_atomically(self.csv_path, buffer.getvalue())

    def adopt(self, fingerprints: dict[tuple[str, str], str]) -> int:
        """Stamps rows that carry no fingerprint (an older schedrl wrote them) with this run's,
        so that a later run with other settings is refused rather than mixed; returns how many."""
        legacy = [key for key, row in self.rows.items() if not row.fingerprint and key in fingerprints]
        for key in legacy:
            self.rows[key] = replace(self.rows[key], fingerprint=fingerprints[key])
        if legacy:
            self._rewrite()
        return len(legacy)

    def _parse(self, record: dict[str, str | None]) -> ResultRow | None:
        """A row, or None for a line cut short by an interruption."""
        try:
            if any(record.get(column) is None for column in (*LEADING, self.objective, "wall_time_s")):
                return None
            decisions = record.get("decisions")
            return ResultRow(
                instance=str(record["instance"]),
                group=str(record["group"]),
                policy=str(record["policy"]),
                objective=float(str(record[self.objective])),
                best_known=_number(record.get("best_known")),
                gap_percent=_number(record.get("gap_percent")),
                proven_optimal=record.get("proven_optimal") == "True",
                wall_time_s=float(str(record["wall_time_s"])),
                metrics={name: _number(record.get(name)) for name in self.metrics},
                lower_bound=_number(record.get("lower_bound")),
                status=record.get("status") or "",
                decisions=int(decisions) if decisions else None,
                fingerprint=record.get("fingerprint") or "",
            )
        except ValueError:
            return None

    def solution_path(self, policy: str, instance: str) -> Path:
        return self.directory / "solutions" / safe_file_name(policy) / f"{safe_file_name(instance)}.json"

    def done(self, instance: str, policy: str) -> bool:
        return (instance, policy) in self.rows

    def add(self, row: ResultRow, solution: dict[str, Any]) -> None:
        """Solution first, then the CSV row: a row on disk always has its solution."""
        path = self.solution_path(row.policy, row.instance)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            record = {"instance": row.instance, "policy": row.policy, **solution}
            _write_atomically(path, json.dumps(record, separators=(",", ":")) + "\n")
        except OSError as error:
            raise SchedRLError(f"cannot write results to {self.directory}: {error.strerror}") from None
        self._append([[_text(value) for value in row.values().values()]])
        self.rows[(row.instance, row.policy)] = row

    def _append(self, lines: list[list[Any]]) -> None:
        try:
            with self.csv_path.open("a", newline="", encoding="utf-8") as handle:
                csv.writer(handle, lineterminator="\n").writerows(lines)
        except OSError as error:
            raise SchedRLError(f"cannot write {self.csv_path}: {error.strerror}") from None
