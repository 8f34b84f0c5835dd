"""Results on disk, written as they are produced so an interrupted evaluation resumes
without recomputing finished (instance, policy) pairs."""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

from schedrl.errors import SchedRLError


@dataclass(frozen=True)
class ResultRow:
    instance: str
    group: str
    policy: str
    objective: float
    best_known: float | None
    gap_percent: float | None
    proven_optimal: bool
    wall_time_s: float


def safe_file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


class ResultStore:
    """`results.csv` (one row per instance and policy, appended as produced) and
    `solutions/<policy>/<instance>.json`. The objective column is named after the
    family's objective (e.g. `makespan`)."""

    def __init__(self, directory: Path, objective: str):
        self.directory = Path(directory)
        self.columns = [objective if name == "objective" else name for name in (f.name for f in fields(ResultRow))]
        self.csv_path = self.directory / "results.csv"
        try:
            (self.directory / "solutions").mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SchedRLError(f"cannot create the output folder {self.directory}: {error.strerror}") from None
        self.rows: dict[tuple[str, str], ResultRow] = {}
        if self.csv_path.exists():
            self._load()
        else:
            self._append([self.columns])

    def _load(self) -> None:
        if not self.csv_path.read_bytes().endswith(b"\n"):
            self._append([[]])  # end a line cut short by an interruption before appending
        with self.csv_path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header != self.columns:
                raise SchedRLError(
                    f"{self.csv_path} has columns {header}, expected {self.columns}: it belongs to another "
                    "evaluation; choose a new output folder"
                )
            for values in reader:
                row = self._parse(values)
                if row is not None and self.solution_path(row.policy, row.instance).exists():
                    self.rows[(row.instance, row.policy)] = row

    @staticmethod
    def _parse(values: list[str]) -> ResultRow | None:
        """A row, or None for a line cut short by an interruption."""

        def number(value: str) -> float | None:
            return float(value) if value else None

        try:
            instance, group, policy, objective, best_known, gap, proven, wall_time = values
            return ResultRow(
                instance,
                group,
                policy,
                float(objective),
                number(best_known),
                number(gap),
                proven == "True",
                float(wall_time),
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
        self._append([[_text(value) for value in astuple(row)]])
        self.rows[(row.instance, row.policy)] = row

    def _append(self, lines: list[list[Any]]) -> None:
        try:
            with self.csv_path.open("a", newline="", encoding="utf-8") as handle:
                csv.writer(handle, lineterminator="\n").writerows(lines)
        except OSError as error:
            raise SchedRLError(f"cannot write {self.csv_path}: {error.strerror}") from None
