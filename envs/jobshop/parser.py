"""Readers for the two job-shop file formats in use, with errors that name file and line.

standard (OR-Library / JSPLIB):      Taillard (Taillard 1993, as on his site):
    n m                                  Nb of jobs, Nb of Machines, ...   (optional text)
    M P M P ... (m pairs, 0-based)       15 15 840612802 398197754 1231 1005
    ... n job lines                      Times                              (optional text)
                                         n rows of m processing times
                                         Machines                           (optional text)
                                         n rows of m machine ids, 1-based
Lines starting with '#' are comments in both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from schedrl.envs.jobshop.instance import JobShopInstance, find_problem
from schedrl.errors import InstanceFormatError

FORMATS = ("auto", "standard", "taillard")

# A header beyond these sizes is a typo or a wrong file, not an instance to allocate for.
MAX_JOBS = 100_000
MAX_MACHINES = 10_000


class _Lines:
    """Numbered, non-empty, non-comment lines, so every error can cite its line."""

    def __init__(self, text: str, source: str):
        self.source = source
        self.items = [
            (number, line.strip())
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]

    def error(self, message: str, line: int | None = None) -> InstanceFormatError:
        return InstanceFormatError(message, source=self.source, line=line)

    def ints(self, index: int, expected: int | None, what: str) -> list[int]:
        number, line = self.items[index]
        values = []
        for token in line.split():
            try:
                values.append(int(token))
            except ValueError:
                raise self.error(f"{what}: expected integers, got {token!r}", number) from None
        if expected is not None and len(values) != expected:
            raise self.error(f"{what}: expected {expected} integers, got {len(values)}", number)
        return values


def _header(lines: _Lines, index: int) -> tuple[int, int]:
    number = lines.items[index][0]
    values = lines.ints(index, None, "header")
    if len(values) < 2:
        raise lines.error(f"header: expected 'jobs machines', got {lines.items[index][1]!r}", number)
    n, m = values[0], values[1]
    if not (1 <= n <= MAX_JOBS and 1 <= m <= MAX_MACHINES):
        raise lines.error(
            f"header: jobs must be in 1..{MAX_JOBS} and machines in 1..{MAX_MACHINES}, got {n} and {m}",
            number,
        )
    return n, m


def _require_rows(lines: _Lines, start: int, rows: int, what: str) -> None:
    available = len(lines.items) - start
    if available < rows:
        last = lines.items[-1][0] if lines.items else None
        raise lines.error(f"file ends early: expected {rows} {what}, found {max(available, 0)}", last)


def _parse_standard(lines: _Lines, name: str) -> JobShopInstance:
    n, m = _header(lines, 0)
    _require_rows(lines, 1, n, "job lines")
    rows = [lines.ints(1 + j, 2 * m, f"job {j}: {m} machine/duration pairs") for j in range(n)]
    _reject_extra(lines, 1 + n)
    pairs = np.asarray(rows, dtype=np.int64).reshape(n, m, 2)
    return _build(lines, name, pairs[:, :, 0], pairs[:, :, 1], first_row_line=1)


def _parse_taillard(lines: _Lines, name: str) -> JobShopInstance:
    numeric = [i for i, (_, text) in enumerate(lines.items) if not _is_text(text)]
    if not numeric:
        raise lines.error("no numeric header line 'jobs machines ...' found")
    header = numeric[0]
    n, m = _header(lines, header)
    body = numeric[1:]
    if len(body) < 2 * n:
        last = lines.items[-1][0]
        raise lines.error(
            f"file ends early: expected {n} rows of times and {n} rows of machines, found {len(body)} rows",
            last,
        )
    if len(body) > 2 * n:
        raise lines.error(f"unexpected extra data after {2 * n} rows", lines.items[body[2 * n]][0])
    times = [lines.ints(i, m, f"times row {r}") for r, i in enumerate(body[:n])]
    machines = [lines.ints(i, m, f"machines row {r}") for r, i in enumerate(body[n:])]
    machine_array = np.asarray(machines, dtype=np.int64)
    if machine_array.min() < 1:
        row = int(np.argwhere(machine_array < 1)[0][0])
        raise lines.error(
            f"machines row {row}: Taillard machine ids are 1-based, got {machine_array[row].min()}",
            lines.items[body[n + row]][0],
        )
    return _build(lines, name, machine_array - 1, np.asarray(times, dtype=np.int64), first_row_line=None)


def _reject_extra(lines: _Lines, used: int) -> None:
    if len(lines.items) > used:
        raise lines.error("unexpected extra data after the last job line", lines.items[used][0])


def _build(
    lines: _Lines, name: str, machines: np.ndarray, durations: np.ndarray, first_row_line: int | None
) -> JobShopInstance:
    problem = find_problem(machines, durations)
    if problem is not None:
        job, detail = problem
        line = lines.items[first_row_line + job][0] if first_row_line is not None and job is not None else None
        raise lines.error(f"job {job}: {detail}" if job is not None else detail, line)
    return JobShopInstance(name=name, machines=machines, durations=durations, source=lines.source)


def _is_text(line: str) -> bool:
    """A Taillard caption such as 'Times :' (data lines start with a number)."""
    first = line.split()[0]
    return not first.lstrip("+-").isdigit()


def detect_format(text: str) -> str:
    body = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if any(_is_text(line) for line in body):
        return "taillard"
    if len(body) >= 2:
        header = body[0].split()
        if len(header) >= 2 and header[1].isdigit() and len(body[1].split()) == int(header[1]):
            return "taillard"  # rows of m times rather than m pairs
    return "standard"


def parse_instance(text: str, name: str, *, source: str | None = None, fmt: str = "auto") -> JobShopInstance:
    if fmt not in FORMATS:
        raise InstanceFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", source=source)
    lines = _Lines(text, source or name)
    if not lines.items:
        raise lines.error("file is empty: expected a header line 'jobs machines'")
    chosen = detect_format(text) if fmt == "auto" else fmt
    return _parse_standard(lines, name) if chosen == "standard" else _parse_taillard(lines, name)


def read_instance(path: str | Path, *, fmt: str = "auto", name: str | None = None) -> JobShopInstance:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstanceFormatError("no such file", source=str(path)) from None
    except UnicodeDecodeError:
        raise InstanceFormatError("not a text file (UTF-8 decoding failed)", source=str(path)) from None
    except OSError as error:
        raise InstanceFormatError(f"cannot read: {error.strerror}", source=str(path)) from None
    return parse_instance(text, name or path.stem, source=str(path), fmt=fmt)


def format_standard(instance: JobShopInstance) -> str:
    """Inverse of the standard reader, for writing generated instances to files."""
    rows = [f"{instance.num_jobs} {instance.num_machines}"]
    for machines, durations in zip(instance.machines, instance.durations, strict=True):
        rows.append(" ".join(f"{mach} {dur}" for mach, dur in zip(machines, durations, strict=True)))
    return "\n".join(rows) + "\n"
