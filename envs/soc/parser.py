"""Readers of DS3's text formats (Arda et al., IEEE TC 2020; github.com/segemena/DS3): job
DAGs (`job_*.txt`), SoC resource files (`SoC.*.txt`, `DASH.SoC.*.txt`) and run configs
(`config_file*.ini`). Every error names the file, the line and what was expected.

Where DS3 leaves a case open or behaves oddly, the choice made here (DS3's parsers are
`job_parser.py` and `DASH_SoC_parser.py`, initial commit bd7bee7 and HEAD 056c930):
- Tokens are split on any whitespace; text after `#` is a comment.
- Job files: an edge without a `comm_vol` line has volume 0, DS3's default (its volume
  matrix starts at zeros; no shipped file leaves one out). A `comm_vol` line for a pair that
  is not an edge, or a second one for an edge, is an error: DS3 ignores it, so it is most
  likely a typo (swapped source and destination). The `earliest_start`/`deadline` and
  `input_vol`/`output_vol` values and the HEAD/TAIL marks are checked and not used.
- SoC files come in two formats, told apart by the `add_new_resource` line: the current
  one names its fields (`resource_type T resource_name N resource_ID I capacity C
  num_supported_functionalities K DVFS_mode M`; DS3's own SoC.Top.txt misspells
  `resoruce_type`, which is accepted), the older one is positional (`T N I C K M`).
- A resource of capacity c is c PEs of one PE type named after the resource: `A7_0` ..
  `A7_3`, or just the name when c = 1. Resources are numbered 0, 1, ... in file order, as
  DS3 indexes them. MEM (memory) and CAC (cache) resources run no task and are dropped;
  bandwidth lines that name them are ignored.
- Bandwidth: every PE pair starts at 1. In the current format `comm_band i j B` names
  resources: every core pair between them (both directions) gets B, and a core paired with
  itself (only when i = j) gets the `comm_band_self` value in force at that line, 1 if none
  came before. So without a `comm_band i i` line a core's self bandwidth stays 1. DS3's
  files give every cluster one (`comm_band_self 10000`); the value of `comm_band i i` then
  only sets distinct cores of the cluster. In the older format (DS3's initial parser) `i`
  and `j` are core indices, MEM included, and `comm_band i i B` sets core i's self bandwidth.
- Execution times: every shipped value is a whole number of µs. Decimals are accepted
  (DS3 reads floats) and rounded to the nearest integer, halves to even. Only the first
  value of a line is read (accelerator lines repeat it; old-format lines add the power).
  A task listed twice for one resource keeps its first time, as DS3 looks it up with
  `list.index`: DS3's own A7 and A15 lists give `viterbi_decoder` and `descrambler` twice
  with different times (the second pair belongs to another profile).
- `num_supported_functionalities` must equal the task lines given (repeats included).
"""

from __future__ import annotations

import ast
import configparser
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from schedrl.envs.core.files import read_text
from schedrl.envs.soc.instance import LARGEST, UNSUPPORTED, Application, Platform, SoCInstance
from schedrl.errors import ConfigError, InstanceFormatError

NON_COMPUTE_TYPES = ("MEM", "CAC")  # memory and last-level cache: DS3 models them for transfers only
RESOURCE_KEYWORDS = (
    "resource_type",
    "resource_name",
    "resource_ID",
    "capacity",
    "num_supported_functionalities",
    "DVFS_mode",
)
_TYPE_SPELLINGS = ("resource_type", "resoruce_type")  # DS3's SoC.Top.txt has the second
_SKIPPED = {"opp", "trip_freq", "DTPM_trip_freq", "power_profile", "PG_profile", "mesh_information"}
_INTEGER = re.compile(r"[+-]?\d+")
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Line:
    """One line's tokens, with typed access whose failures name the file and line."""

    source: str
    lineno: int
    tokens: list[str]

    def error(self, message: str) -> InstanceFormatError:
        return InstanceFormatError(message, source=self.source, line=self.lineno)

    def shown(self) -> str:
        return " ".join(self.tokens)

    def expect(self, count: int, form: str) -> None:
        if len(self.tokens) != count:
            raise self.error(f"expected `{form}`, got `{self.shown()}`")

    def integer(self, index: int, what: str, minimum: int | None = 0) -> int:
        token = self.tokens[index]
        if not _INTEGER.fullmatch(token):
            raise self.error(f"{what}: expected an integer, got {token!r}")
        value = int(token)
        if minimum is not None and value < minimum:
            raise self.error(f"{what}: expected an integer >= {minimum}, got {value}")
        if abs(value) > LARGEST:
            raise self.error(f"{what}: {value} is beyond the largest value schedrl takes ({LARGEST})")
        return value

    def number(self, index: int, what: str) -> float:
        token = self.tokens[index]
        try:
            value = float(token)
        except ValueError:
            raise self.error(f"{what}: expected a number, got {token!r}") from None
        if not math.isfinite(value) or abs(value) > LARGEST:
            raise self.error(f"{what}: expected a finite number of magnitude at most {LARGEST}, got {token!r}")
        return value


def _lines(text: str, source: str) -> Iterator[_Line]:
    for number, raw in enumerate(text.splitlines(), 1):
        tokens = raw.split("#", 1)[0].split()
        if tokens:
            yield _Line(source, number, tokens)


def _checked(build: Callable[[], _T], source: str) -> _T:
    """Build an instance-model object; its own checks' errors gain the file name."""
    try:
        return build()
    except InstanceFormatError as error:
        if error.source is not None:
            raise
        raise InstanceFormatError(str(error), source=source) from None


# --------------------------------------------------------------------------- job files


@dataclass
class _Job:
    name: str | None = None
    count: int | None = None
    count_line: int = 0
    types: dict[int, str] = field(default_factory=dict)  # task id -> task type (its name)
    preds: dict[int, tuple[int, ...]] = field(default_factory=dict)
    last: tuple[str, int] | None = None  # (name, id) of the last task line
    volumes: dict[tuple[int, int], int] = field(default_factory=dict)

    def task(self, line: _Line, count: int) -> None:
        if len(line.tokens) < 2:
            raise line.error(f"expected a task line `name id [predecessor ids]`, got `{line.shown()}`")
        if len(self.types) == count:
            raise line.error(f"a task beyond the {count} that `add_new_tasks` (line {self.count_line}) declares")
        name = line.tokens[0]
        task = line.integer(1, f"task {name!r}: id")
        if task >= count:
            raise line.error(f"task {name!r}: id {task} is outside 0..{count - 1} (add_new_tasks {count})")
        if task in self.types:
            raise line.error(f"task id {task} is given twice (also to task {self.types[task]!r})")
        preds: list[int] = []
        for index in range(2, len(line.tokens)):
            pred = line.integer(index, f"task {name!r}: predecessor")
            if pred >= count:
                raise line.error(f"task {name!r}: predecessor {pred} is outside 0..{count - 1}")
            if pred == task:
                raise line.error(f"task {name!r} (id {task}) lists itself as a predecessor")
            if pred in preds:
                raise line.error(f"task {name!r}: predecessor {pred} is listed twice")
            preds.append(pred)
        self.types[task] = name
        self.preds[task] = tuple(preds)
        self.last = (name, task)

    def about_last(self, line: _Line) -> None:
        """`name HEAD|TAIL` or `name earliest_start E deadline D [input_vol I output_vol O]`."""
        if self.last is None or line.tokens[0] != self.last[0]:
            after = f"task {self.last[0]!r} (id {self.last[1]})" if self.last else "no task"
            raise line.error(f"`{line.shown()}` must follow the task line it describes; it follows {after}")
        if line.tokens[1] in ("HEAD", "TAIL"):
            line.expect(2, f"{line.tokens[0]} {line.tokens[1]}")
            return
        form = "name earliest_start E deadline D [input_vol I output_vol O]"
        keys = {3: "deadline", 5: "input_vol", 7: "output_vol"}
        if len(line.tokens) not in (5, 9) or any(
            line.tokens[i] != key for i, key in keys.items() if i < len(line.tokens)
        ):
            raise line.error(f"expected `{form}`, got `{line.shown()}`")
        for index in range(2, len(line.tokens), 2):
            line.integer(index, line.tokens[index - 1])

    def comm_vol(self, line: _Line) -> None:
        line.expect(4, "comm_vol source_id destination_id volume")
        src, dst = line.integer(1, "comm_vol source id"), line.integer(2, "comm_vol destination id")
        volume = line.integer(3, "comm_vol volume")
        if dst not in self.preds or src not in self.preds[dst]:
            raise line.error(
                f"comm_vol {src} {dst}: task {dst} does not list task {src} as a predecessor (no such edge)"
            )
        if (src, dst) in self.volumes:
            raise line.error(f"comm_vol {src} {dst} is given twice")
        self.volumes[(src, dst)] = volume


def parse_application(text: str, source: str) -> Application:
    """The job DAG in `text` (a DS3 `job_*.txt`); `source` names it in messages. Task i's
    type is its name, which the SoC file lists execution times for; an edge's volume is
    its `comm_vol` (0 when the file gives none, as in DS3)."""
    job = _Job()
    for line in _lines(text, source):
        key = line.tokens[0]
        if key == "job_name":
            line.expect(2, "job_name NAME")
            if job.name is not None or job.count is not None:
                raise line.error("job_name must come once, before add_new_tasks")
            job.name = line.tokens[1]
        elif key == "add_new_tasks":
            line.expect(2, "add_new_tasks N")
            if job.name is None:
                raise line.error("expected a `job_name NAME` line before add_new_tasks")
            if job.count is not None:
                raise line.error(f"add_new_tasks is given twice (first on line {job.count_line})")
            job.count, job.count_line = line.integer(1, "add_new_tasks", minimum=1), line.lineno
        elif job.count is None:
            raise line.error(f"expected `job_name NAME` then `add_new_tasks N`, got `{line.shown()}`")
        elif key == "comm_vol":
            if len(job.types) < job.count:
                raise line.error(f"comm_vol before all {job.count} tasks are given ({len(job.types)} so far)")
            job.comm_vol(line)
        elif job.volumes:
            raise line.error(f"expected a `comm_vol` line after the first one, got `{line.shown()}`")
        elif len(line.tokens) >= 2 and line.tokens[1] in ("HEAD", "TAIL", "earliest_start"):
            job.about_last(line)
        else:
            job.task(line, job.count)
    if job.count is None:
        raise InstanceFormatError("no `add_new_tasks N` line: not a DS3 job file", source=source)
    if len(job.types) < job.count:
        raise InstanceFormatError(
            f"add_new_tasks {job.count} declares {job.count} tasks, the file gives {len(job.types)}",
            source=source,
            line=job.count_line,
        )
    edges = tuple(
        sorted((src, dst, job.volumes.get((src, dst), 0)) for dst, preds in job.preds.items() for src in preds)
    )
    types = tuple(job.types[i] for i in range(job.count))
    return _checked(lambda: Application(name=job.name or "", task_types=types, edges=edges), source)


def read_application(path: str | Path) -> Application:
    """A DS3 job file (see `parse_application`)."""
    return parse_application(read_text(path), str(path))


# --------------------------------------------------------------------------- SoC files


@dataclass
class _Resource:
    kind: str
    name: str
    capacity: int
    declared: int  # num_supported_functionalities
    line: int
    first_core: int  # DS3's index of its first core (over all resources, MEM included)
    times: dict[str, int] = field(default_factory=dict)  # task type -> first time listed
    listed: int = 0

    @property
    def computes(self) -> bool:
        return self.kind not in NON_COMPUTE_TYPES

    @property
    def cores(self) -> range:
        return range(self.first_core, self.first_core + self.capacity)

    def pe_names(self) -> list[str]:
        return [self.name] if self.capacity == 1 else [f"{self.name}_{k}" for k in range(self.capacity)]


@dataclass
class _SoC:
    source: str
    named_format: bool | None = None  # the current format (named fields) or the older positional one
    resources: list[_Resource] = field(default_factory=list)
    bandwidth: dict[tuple[int, int], int] = field(default_factory=dict)  # DS3 core pair -> bandwidth
    comm_band_self: int = 1
    self_line: int = 0

    def add_resource(self, line: _Line) -> None:
        named = len(line.tokens) > 1 and line.tokens[1] in _TYPE_SPELLINGS
        if self.named_format is None:
            self.named_format = named
        elif named != self.named_format:
            first = "named fields (resource_type ...)" if self.named_format else "positional fields"
            raise line.error(f"this add_new_resource line mixes formats: the first one used {first}")
        if named:
            form = "add_new_resource " + " ".join(f"{key} VALUE" for key in RESOURCE_KEYWORDS)
            line.expect(13, form)
            for k, key in enumerate(RESOURCE_KEYWORDS):
                if line.tokens[1 + 2 * k] != key and not (k == 0 and line.tokens[1] in _TYPE_SPELLINGS):
                    raise line.error(f"expected `{form}`, got {line.tokens[1 + 2 * k]!r} where {key!r} belongs")
            values = line.tokens[2::2]
            fields = [2 * k + 2 for k in range(6)]
        else:
            line.expect(7, "add_new_resource TYPE NAME ID CAPACITY NUM_SUPPORTED DVFS_MODE")
            values = line.tokens[1:]
            fields = list(range(1, 7))
        ident = line.integer(fields[2], "resource ID")
        if ident != len(self.resources):
            raise line.error(
                f"expected resource ID {len(self.resources)}, got {ident}: DS3 numbers resources 0, 1, ... in order"
            )
        name = values[1]
        if any(r.name == name for r in self.resources):
            raise line.error(f"resource name {name!r} is used twice")
        first_core = sum(r.capacity for r in self.resources)
        capacity = line.integer(fields[3], f"resource {name!r}: capacity", minimum=1)
        declared = line.integer(fields[4], f"resource {name!r}: num_supported_functionalities", minimum=1)
        self.resources.append(_Resource(values[0], name, capacity, declared, line.lineno, first_core))

    def task_time(self, line: _Line) -> None:
        resource = self.resources[-1]
        if len(line.tokens) < 2:
            raise line.error(
                f"resource {resource.name!r}: expected `task_name exec_time_us [...]`, got `{line.shown()}`"
            )
        task = line.tokens[0]
        values = [line.number(i, f"resource {resource.name!r}, task {task!r}") for i in range(1, len(line.tokens))]
        if values[0] < 0:
            raise line.error(f"resource {resource.name!r}, task {task!r}: negative execution time {line.tokens[1]}")
        resource.times.setdefault(task, round(values[0]))
        resource.listed += 1

    def skipped(self, line: _Line) -> None:
        """opp / trip_freq / power lines: checked for shape, not used."""
        key, rest = line.tokens[0], len(line.tokens) - 1
        if key == "opp":
            line.expect(3, "opp FREQUENCY_MHZ VOLTAGE_MV")
            line.integer(1, "opp frequency")
            line.integer(2, "opp voltage")
        elif key in ("trip_freq", "DTPM_trip_freq"):
            if rest < 1:
                raise line.error(f"expected `{key} F1 [F2 ...]`, got `{line.shown()}`")
            for index in range(1, len(line.tokens)):
                line.integer(index, f"{key} frequency", minimum=None)
        elif key in ("power_profile", "PG_profile"):
            if rest < 2:
                raise line.error(f"expected `{key} FREQUENCY P1 [P2 ...]`, got `{line.shown()}`")
            line.integer(1, f"{key} frequency")
            for index in range(2, len(line.tokens)):
                line.number(index, f"{key} power")
        else:
            line.expect(6, "mesh_information NAME POSITION HEIGHT WIDTH COLOR")

    def close_resource(self) -> None:
        if self.resources:
            resource = self.resources[-1]
            if resource.listed != resource.declared:
                raise InstanceFormatError(
                    f"resource {resource.name!r} declares num_supported_functionalities {resource.declared} "
                    f"but lists {resource.listed} task lines",
                    source=self.source,
                    line=resource.line,
                )

    def comm_band(self, line: _Line) -> None:
        if line.tokens[0] == "comm_band_self":
            line.expect(2, "comm_band_self BANDWIDTH")
            if not self.named_format:
                raise line.error(
                    "comm_band_self belongs to DS3's current format; here `comm_band i i B` sets core i's self value"
                )
            self.comm_band_self, self.self_line = line.integer(1, "comm_band_self"), line.lineno
            return
        line.expect(4, "comm_band SOURCE DESTINATION BANDWIDTH")
        value = line.integer(3, "comm_band bandwidth")
        if self.named_format:
            src, dst = (self._resource(line, index) for index in (1, 2))
            pairs = [(p, q, self.comm_band_self if p == q else value) for p in src.cores for q in dst.cores]
        else:
            cores = sum(r.capacity for r in self.resources)
            p, q = (line.integer(index, "comm_band core index") for index in (1, 2))
            for core in (p, q):
                if core >= cores:
                    raise line.error(
                        f"comm_band names core {core}; this SoC has cores 0..{cores - 1} (the old format indexes cores)"
                    )
            pairs = [(p, q, value)]
        computing = {c for r in self.resources if r.computes for c in r.cores}
        for p, q, bandwidth in pairs:
            if p in computing and q in computing:
                if bandwidth <= 0:
                    came = (
                        f"comm_band_self {bandwidth} (line {self.self_line})" if p == q and self.named_format else "it"
                    )
                    raise line.error(
                        f"sets the bandwidth of a core pair to {bandwidth} ({came}); bandwidths must be positive"
                    )
                self.bandwidth[(p, q)] = self.bandwidth[(q, p)] = bandwidth

    def _resource(self, line: _Line, index: int) -> _Resource:
        ident = line.integer(index, "comm_band resource ID")
        if ident >= len(self.resources):
            raise line.error(f"comm_band names resource {ident}; resources are 0..{len(self.resources) - 1}")
        return self.resources[ident]

    def platform(self, name: str) -> Platform:
        kept = [r for r in self.resources if r.computes]
        cores = [c for r in kept for c in r.cores]
        pe_names = [n for r in kept for n in r.pe_names()]
        for resource in kept:
            clash = [n for n in resource.pe_names() if pe_names.count(n) > 1]
            if clash:
                raise InstanceFormatError(
                    f"PE name {clash[0]!r} of resource {resource.name!r} is taken twice",
                    source=self.source,
                    line=resource.line,
                )
        tasks = dict.fromkeys(task for r in kept for task in r.times)
        return Platform(
            name=name,
            type_names=tuple(r.name for r in kept),
            pe_names=tuple(pe_names),
            pe_type=tuple(t for t, r in enumerate(kept) for _ in r.cores),
            exec_table={task: tuple(r.times.get(task, UNSUPPORTED) for r in kept) for task in tasks},
            bandwidth=tuple(tuple(self.bandwidth.get((p, q), 1) for q in cores) for p in cores),
        )


def parse_platform(text: str, source: str, name: str | None = None) -> Platform:
    """The SoC in `text` (a DS3 resource file, current or older format); `source` names it
    in messages and, without `name`, names the platform (the file name less `.txt`)."""
    soc = _SoC(source)
    bandwidth_lines = False
    for line in _lines(text, source):
        key = line.tokens[0]
        if key == "add_new_resource":
            if bandwidth_lines:
                raise line.error(
                    "add_new_resource after comm_band lines: list every resource first (DS3 then resets the bandwidths)"
                )
            soc.close_resource()
            soc.add_resource(line)
        elif not soc.resources:
            raise line.error(f"expected `add_new_resource ...` first, got `{line.shown()}`")
        elif key in ("comm_band", "comm_band_self"):
            if not bandwidth_lines:
                soc.close_resource()
            bandwidth_lines = True
            soc.comm_band(line)
        elif bandwidth_lines:
            raise line.error(
                f"expected `comm_band` or `comm_band_self` after the first comm_band line, got `{line.shown()}`"
            )
        elif key in _SKIPPED:
            soc.skipped(line)
        else:
            soc.task_time(line)
    if not soc.resources:
        raise InstanceFormatError("no `add_new_resource` line: not a DS3 SoC file", source=source)
    if not bandwidth_lines:
        soc.close_resource()
    return _checked(lambda: soc.platform(name or Path(source).name.removesuffix(".txt")), source)


def read_platform(path: str | Path, name: str | None = None) -> Platform:
    """A DS3 SoC file (see `parse_platform`)."""
    return parse_platform(read_text(path), str(path), name)


# --------------------------------------------------------------------------- run configs


class _Ini:
    """Typed access to a DS3 config file; errors name the file, section and key."""

    def __init__(self, path: Path):
        self.path = path
        self.config = configparser.ConfigParser(interpolation=None)
        try:
            self.config.read_string(read_text(path), source=str(path))
        except configparser.Error as error:
            number = getattr(error, "lineno", None)
            message = str(error).splitlines()[0]
            raise InstanceFormatError(f"not a valid .ini file: {message}", source=str(path), line=number) from None

    def error(self, section: str, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path} [{section}] {key}: {message}")

    def get(self, section: str, key: str, default: str | None = None) -> str:
        if not self.config.has_section(section) and section != "DEFAULT":
            raise ConfigError(f"{self.path}: no [{section}] section")
        value = self.config[section].get(key, default)
        if value is None:
            raise self.error(section, key, "missing")
        return value.strip()

    def integer(self, section: str, key: str, minimum: int | None = None) -> int:
        value = self.get(section, key)
        if not _INTEGER.fullmatch(value) or (minimum is not None and int(value) < minimum):
            bound = f" >= {minimum}" if minimum is not None else ""
            raise self.error(section, key, f"expected an integer{bound}, got {value!r}")
        return int(value)

    def boolean(self, section: str, key: str, default: str) -> bool:
        value = self.get(section, key, default)
        states = configparser.ConfigParser.BOOLEAN_STATES
        if value.lower() not in states:
            raise self.error(section, key, f"expected yes or no, got {value!r}")
        return states[value.lower()]

    def items(self, section: str, key: str) -> list[str]:
        """DS3's list syntax: `[a, b]` or `a,b`; each part a string."""
        value = self.get(section, key)
        if value.startswith("["):
            try:
                parsed = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                raise self.error(section, key, f"expected a list such as [0.5, 0.5], got {value!r}") from None
            if not isinstance(parsed, list):
                raise self.error(section, key, f"expected a list such as [0.5, 0.5], got {value!r}")
            return [str(item).strip() for item in parsed]
        return [part.strip() for part in value.split(",") if part.strip()]

    def resolve(self, section: str, key: str, name: str, folder: str) -> Path:
        """A file named in the config: next to it, in `folder/` there, or in a sibling `folder/`."""
        here = self.path.parent
        places = (
            [Path(name)]
            if Path(name).is_absolute()
            else [here / name, here / folder / name, here.parent / folder / name]
        )
        for place in places:
            if place.is_file():
                return place
        raise self.error(section, key, f"file {name!r} not found; looked in {', '.join(str(p) for p in places)}")


def _scale(ini: _Ini, mode: str) -> float:
    """DS3 uses `scale` in validation mode; in performance mode it sweeps `scale_values`
    (`start-stop-step`, a comma list or a [list]) and ignores `scale`."""
    section = "SIMULATION MODE"
    if mode == "validation":
        return float(ini.integer(section, "scale", minimum=1))
    values: list[int] = []
    for part in ini.items(section, "scale_values"):
        bounds = part.split("-")
        if not all(_INTEGER.fullmatch(b) for b in bounds) or len(bounds) not in (1, 3) or bounds[-1] == "0":
            raise ini.error(section, "scale_values", f"expected `start-stop-step` (step > 0) or integers, got {part!r}")
        values.extend([int(bounds[0])] if len(bounds) == 1 else range(*(int(b) for b in bounds)))
    if len(values) != 1 or values[0] < 1:
        raise ini.error(
            section, "scale_values", f"DS3's performance mode sweeps {values}; an instance has one scale: pass scale="
        )
    return float(values[0])


def read_ds3_config(
    path: str | Path, *, num_jobs: int | None = None, scale: float | None = None, warmup_jobs: int | None = None
) -> SoCInstance:
    """The stream a DS3 `config_file*.ini` describes (DS3's current layout), named after the
    file. The resource and job files are looked for next to it, in `config_SoC/` and
    `config_Jobs/` there, or in those folders beside its own (DS3's `config_Files/`).

    - [DEFAULT] resource_file, job_file, job_probabilities, max_jobs_in_parallel,
      random_seed (-> seed; the stream is drawn by `SoCInstance.realisation`, not DS3's
      generators), standard_deviation (-> noise; DS3 reads it but its randomisation is
      commented out, and every shipped config has 0.0);
    - num_jobs: `max_jobs` when `inject_fixed_num_jobs` (or validation mode), plus the
      warm-up jobs, since DS3 counts `max_jobs` after its warm-up. DS3 otherwise injects
      until `simulation_length` µs: pass `num_jobs`;
    - scale: [SIMULATION MODE] `scale` in validation mode, the single `scale_values` entry
      in performance mode (what DS3 runs), else pass `scale`;
    - warmup_period is in µs in DS3 (jobs injected before it are left out); 0 or less means
      none (warmup_jobs = 0); above 0, pass the job count as `warmup_jobs`.
    Job lists (`job_list`, DS3's snippets), constant gaps (`fixed_injection_rate`) and
    `inject_jobs_asap` are refused: the instance model injects with exponential gaps.
    """
    path = Path(path)
    ini = _Ini(path)
    mode = ini.get("SIMULATION MODE", "simulation_mode")
    if mode not in ("validation", "performance"):
        raise ini.error("SIMULATION MODE", "simulation_mode", f"expected validation or performance, got {mode!r}")
    if ini.get("DEFAULT", "job_list", "[]") not in ("[]", ""):
        raise ini.error(
            "DEFAULT", "job_list", "DS3's job snippets are not supported; leave it [] and use job_probabilities"
        )
    for key in ("fixed_injection_rate", "inject_jobs_asap"):
        if ini.boolean("DEFAULT", key, "no"):
            raise ini.error("DEFAULT", key, "not supported: the instance model injects jobs with exponential gaps")
    if not ini.config["DEFAULT"].get("job_file") and ini.config["DEFAULT"].get("task_file"):
        raise ini.error("DEFAULT", "job_file", "missing; `task_file` is DS3's 2020-01 layout, which is not supported")
    platform = read_platform(ini.resolve("DEFAULT", "resource_file", ini.get("DEFAULT", "resource_file"), "config_SoC"))
    jobs = ini.items("DEFAULT", "job_file")
    if not jobs:
        raise ini.error("DEFAULT", "job_file", "expected at least one job file")
    applications = tuple(read_application(ini.resolve("DEFAULT", "job_file", job, "config_Jobs")) for job in jobs)
    probabilities = _probabilities(ini, len(jobs))
    if warmup_jobs is None:
        warmup = 0 if mode == "validation" else ini.integer("SIMULATION MODE", "warmup_period", minimum=None)
        if warmup > 0:
            raise ini.error(
                "SIMULATION MODE",
                "warmup_period",
                f"{warmup} µs: DS3 leaves out jobs injected before then; pass warmup_jobs=",
            )
        warmup_jobs = 0
    if num_jobs is None:
        if mode == "performance" and not ini.boolean("DEFAULT", "inject_fixed_num_jobs", "no"):
            raise ini.error(
                "DEFAULT", "inject_fixed_num_jobs", "no: DS3 injects jobs until simulation_length µs; pass num_jobs="
            )
        num_jobs = ini.integer("DEFAULT", "max_jobs", minimum=1) + warmup_jobs
    noise = ini.get("DEFAULT", "standard_deviation", "0")
    try:
        noise_value = float(noise)
    except ValueError:
        raise ini.error("DEFAULT", "standard_deviation", f"expected a number, got {noise!r}") from None
    scale_us = _scale(ini, mode) if scale is None else float(scale)
    parallel = ini.integer("DEFAULT", "max_jobs_in_parallel", minimum=1)
    seed = ini.integer("DEFAULT", "random_seed", minimum=0)

    def build() -> SoCInstance:
        return SoCInstance(
            name=path.name.removesuffix(".ini"),
            platform=platform,
            applications=applications,
            probabilities=probabilities,
            num_jobs=num_jobs,
            scale=scale_us,
            max_jobs_in_parallel=parallel,
            warmup_jobs=warmup_jobs,
            noise=noise_value,
            seed=seed,
        )

    return _checked(build, str(path))


def _probabilities(ini: _Ini, count: int) -> tuple[float, ...]:
    key = "job_probabilities"
    parts = ini.items("DEFAULT", key)
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise ini.error("DEFAULT", key, f"expected numbers, got {parts}") from None
    if len(values) != count:
        raise ini.error("DEFAULT", key, f"{len(values)} probabilities for {count} job files")
    if any(not v >= 0 for v in values) or not abs(sum(values) - 1.0) < 1e-6:
        raise ini.error("DEFAULT", key, f"expected numbers >= 0 that sum to 1, got {list(values)}")
    return values
