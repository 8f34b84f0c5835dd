"""Readers and writers for the two job-shop file formats in use, with errors that name file and line.

standard (OR-Library / JSPLIB):      Taillard (Taillard 1993, as on his site):
    n m                                  Nb of jobs, Nb of Machines, ...   (optional text)
    M P M P ... (m pairs, 0-based)       15 15 840612802 398197754 1231 1005
    ... n job lines                      Times                              (optional text)
                                         n rows of m processing times
                                         Machines                           (optional text)
                                         n rows of m machine ids, 1-based
Lines starting with '#' are comments in both. Text lines (captions) are allowed in the
Taillard format before the header and before each block of rows, nowhere else.

What counts as a line and a number is deliberately narrow, so that a damaged file fails
with its line instead of being read as something else: lines end at '\\n', '\\r\\n' or
'\\r' (a UTF-8 byte-order mark at the start is skipped); numbers are ASCII digits with an
optional leading '-' (so a negative duration gets its own message), separated by spaces
or tabs. '+5', '1_0', '٣', '３' and numbers joined by other Unicode spaces are refused, and
anything after the last row of data is reported as extra data, in both formats.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from schedrl.envs.core.files import read_text
from schedrl.envs.jobshop.instance import MAX_TOTAL_DURATION, JobShopInstance, find_problem
from schedrl.errors import InstanceFormatError

FORMATS = ("auto", "standard", "taillard")

# A header beyond these sizes is a typo or a wrong file, not an instance to allocate for.
MAX_JOBS = 100_000
MAX_MACHINES = 10_000

_NUMBER = re.compile(r"-?[0-9]+")
_SEPARATOR = re.compile(r"[ \t]+")
_OTHER_BREAK = re.compile("[\v\f\x1c-\x1e\x85\u2028\u2029]")  # line breaks to str.splitlines, not to us
_STRAY_MARK = "\ufeff"  # a byte-order mark past the file's start: files joined, or a BOM saved twice
_INT64_MAX = np.iinfo(np.int64).max
_SHOWN = 40  # characters of a line or token quoted in a message: a line can be megabytes long


def _shown(text: str) -> str:
    return repr(text) if len(text) <= _SHOWN else f"{text[:_SHOWN]!r}..."


def _is_text(line: str) -> bool:
    """A caption such as 'Times :', or junk: every data line starts with a number."""
    return not _NUMBER.fullmatch(_SEPARATOR.split(line, maxsplit=1)[0])


class _Lines:
    """Numbered, non-empty, non-comment lines, so every error can cite its line."""

    def __init__(self, text: str, source: str):
        self.source = source
        text = text.removeprefix("\ufeff")
        self.items = [
            (number, stripped)
            for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1)
            if (stripped := line.strip(" \t")) and not stripped.startswith("#")
        ]
        for number, line in self.items:
            if odd := _OTHER_BREAK.search(line):
                raise self.error(f"{odd.group()!r} inside a line: lines must end with '\\n' (or '\\r\\n')", number)
            if _STRAY_MARK in line:
                raise self.error("a byte-order mark (U+FEFF) inside the text: only one may open the file", number)

    def error(self, message: str, line: int | None = None) -> InstanceFormatError:
        return InstanceFormatError(message, source=self.source, line=line)

    def ints(self, index: int, expected: int | None, what: str) -> list[int]:
        number, line = self.items[index]
        values = []
        for token in _SEPARATOR.split(line):
            if not _NUMBER.fullmatch(token):
                raise self.error(
                    f"{what}: expected integers, got {_shown(token)} (integers are ASCII digits after an optional '-')",
                    number,
                )
            # Checked on the digits first: int() of a 5000-digit token raises ValueError.
            if len(token.lstrip("-")) > 19 or abs(value := int(token)) > _INT64_MAX:
                raise self.error(
                    f"{what}: {_shown(token)} is too large for any number of a job-shop file "
                    f"(durations are at most 2**40 = {MAX_TOTAL_DURATION})",
                    number,
                )
            values.append(value)
        if expected is not None and len(values) != expected:
            raise self.error(f"{what}: expected {expected} integers, got {len(values)}", number)
        return values

    def reject_extra(self, used: int, after: str) -> None:
        if len(self.items) > used:
            number, line = self.items[used]
            raise self.error(f"unexpected extra data after the last {after}: {_shown(line)}", number)


def _header(lines: _Lines, index: int) -> tuple[int, int]:
    number = lines.items[index][0]
    values = lines.ints(index, None, "header")
    if len(values) < 2:
        raise lines.error(f"header: expected 'jobs machines', got {_shown(lines.items[index][1])}", number)
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
    lines.reject_extra(1 + n, "job line")
    pairs = np.asarray(rows, dtype=np.int64).reshape(n, m, 2)
    job_lines = [number for number, _ in lines.items[1 : 1 + n]]
    return _build(lines, name, pairs[:, :, 0], pairs[:, :, 1], job_lines, job_lines)


def _skip_text(lines: _Lines, index: int) -> int:
    while index < len(lines.items) and _is_text(lines.items[index][1]):
        index += 1
    return index


def _parse_taillard(lines: _Lines, name: str) -> JobShopInstance:
    header = _skip_text(lines, 0)
    if header == len(lines.items):
        raise lines.error("no numeric header line 'jobs machines ...' found")
    n, m = _header(lines, header)
    blocks, row_lines = [], []
    index = header + 1
    for what in ("times", "machines"):
        index = _skip_text(lines, index)
        if index + n > len(lines.items):
            found = sum(not _is_text(line) for _, line in lines.items[header + 1 :])
            raise lines.error(
                f"file ends early: expected {n} rows of times and {n} rows of machines, found {found} rows",
                lines.items[-1][0],
            )
        blocks.append([lines.ints(index + r, m, f"{what} row {r}") for r in range(n)])
        row_lines.append([number for number, _ in lines.items[index : index + n]])
        index += n
    lines.reject_extra(index, "machines row")
    times, machines = (np.asarray(block, dtype=np.int64) for block in blocks)
    if machines.min() < 1:
        row = int(np.argwhere(machines < 1)[0][0])
        raise lines.error(
            f"machines row {row}: Taillard machine ids are 1-based, got {machines[row].min()}",
            row_lines[1][row],
        )
    return _build(lines, name, machines - 1, times, *row_lines)


def _build(
    lines: _Lines,
    name: str,
    machines: np.ndarray,
    durations: np.ndarray,
    duration_lines: list[int],
    machine_lines: list[int],
) -> JobShopInstance:
    """The instance, or the first problem with the line of the job's durations or machines
    (different lines in the Taillard format): durations are checked first, on valid routes."""
    any_routes = np.broadcast_to(np.arange(machines.shape[1]), machines.shape)
    for routes, row_lines in ((any_routes, duration_lines), (machines, machine_lines)):
        problem = find_problem(routes, durations)
        if problem is not None:
            job, detail = problem
            raise lines.error(f"job {job}: {detail}", row_lines[job]) if job is not None else lines.error(detail)
    return JobShopInstance(name=name, machines=machines, durations=durations, source=lines.source)


def _detect(lines: _Lines) -> str:
    """By the shape of the data: after the header 'n m', a standard file has rows of 2m
    numbers, a Taillard file rows of m. Text lines do not decide it (junk at the end is
    reported as such), except a caption before unclear data."""
    rows = [line for _, line in lines.items if not _is_text(line)]
    if len(rows) >= 2:
        header = _SEPARATOR.split(rows[0])
        if len(header) >= 2 and re.fullmatch("[0-9]{1,5}", header[1]):
            width = len(_SEPARATOR.split(rows[1]))
            if width == int(header[1]):
                return "taillard"
            if width == 2 * int(header[1]):
                return "standard"
    return "taillard" if _is_text(lines.items[0][1]) else "standard"


def parse_instance(text: str, name: str, *, source: str | None = None, fmt: str = "auto") -> JobShopInstance:
    if fmt not in FORMATS:
        raise InstanceFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", source=source)
    lines = _Lines(text, source or name)
    if not lines.items:
        raise lines.error("file is empty: expected a header line 'jobs machines'")
    chosen = _detect(lines) if fmt == "auto" else fmt
    return _parse_standard(lines, name) if chosen == "standard" else _parse_taillard(lines, name)


def read_instance(path: str | Path, *, fmt: str = "auto", name: str | None = None) -> JobShopInstance:
    path = Path(path)
    text = read_text(path)
    return parse_instance(text, name or path.stem, source=str(path), fmt=fmt)


def format_standard(instance: JobShopInstance) -> str:
    """Inverse of the standard reader, for writing generated instances to files."""
    rows = [f"{instance.num_jobs} {instance.num_machines}"]
    for machines, durations in zip(instance.machines, instance.durations, strict=True):
        rows.append(" ".join(f"{mach} {dur}" for mach, dur in zip(machines, durations, strict=True)))
    return "\n".join(rows) + "\n"


def format_taillard(instance: JobShopInstance) -> str:
    """Inverse of the Taillard reader (with its captions, machine ids 1-based)."""
    rows = ["Nb of jobs, Nb of Machines", f"{instance.num_jobs} {instance.num_machines}", "Times"]
    rows += [" ".join(map(str, row)) for row in instance.durations.tolist()]
    rows += ["Machines", *(" ".join(str(machine + 1) for machine in row) for row in instance.machines.tolist())]
    return "\n".join(rows) + "\n"
