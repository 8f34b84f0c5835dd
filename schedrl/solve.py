"""`schedrl solve`'s work: from the names a user types (a policy, an instance, perhaps a
family) to the method, its family and the instance, then one cell of the evaluation harness,
so a solution from the command line is checked exactly as an evaluation checks it."""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from schedrl import envs  # type: ignore[attr-defined]  # mypy cannot follow the package-dir mapping
from schedrl.envs.core.family import ProblemFamily
from schedrl.envs.core.solver import Solver, applies
from schedrl.envs.evaluation.harness import EvaluationPlan, evaluate_cell
from schedrl.envs.evaluation.store import ResultRow
from schedrl.errors import ConfigError, InstanceFormatError, SchedRLError, UnknownNameError

Kind = Literal["learned", "rule", "solver"]
KIND_NOUNS = {"learned": "a trained policy", "rule": "a rule", "solver": "a solver"}
PICTURE_FORMATS = (".png", ".svg", ".pdf", ".jpg", ".jpeg")  # what the families' matplotlib charts save as
POLICY_KIND = "policy (shipped name, checkpoint folder, rule or solver)"
INSTANCE_KIND = "instance (bundled name or existing file)"


@dataclass(frozen=True)
class Request:
    """What the command line asked for; `family` is a family's short name (`family_name`)."""

    policy: str
    instance: str
    samples: int = 0
    seed: int | None = None
    family: str | None = None
    env_id: str | None = None
    time_limit: float | None = None


@dataclass(frozen=True)
class Solved:
    kind: Kind
    family: ProblemFamily
    instance: Any
    row: ResultRow
    record: dict[str, Any]  # the family's solution record, objective included, validated
    note: str | None = None  # how the family was chosen where another one also fitted


def family_name(family: ProblemFamily) -> str:
    """The family's one spelling (its folder, config group and docs page), for --family."""
    return _package(family).rpartition(".")[2]


def _package(family: ProblemFamily) -> str:
    return family.entry_point.partition(":")[0].rpartition(".")[0]


def _families() -> list[ProblemFamily]:
    return [envs.family(env_id) for env_id in envs.env_ids()]


def family_names() -> list[str]:
    return [family_name(family) for family in _families()]


def given_family(name: str | None, env_id: str | None) -> ProblemFamily | None:
    """The family named by --family (short name) or --env-id, if either."""
    if env_id is not None:
        return envs.family(env_id)
    if name is None:
        return None
    by_name = {family_name(family): family for family in _families()}
    if name not in by_name:
        raise UnknownNameError("family", name, by_name)
    return by_name[name]


def _method_names(family: ProblemFamily) -> set[str]:
    return {*family.baselines(0), *family.solvers}


def _bundled_names(family: ProblemFamily) -> list[str]:
    return family.instances.bundled.names() if family.instances.bundled else []


def _family_flags(families: list[ProblemFamily]) -> str:
    return " or ".join(f"--family {family_name(family)}" for family in families)


def _choose_family(request: Request, offering: list[ProblemFamily]) -> tuple[ProblemFamily, str | None]:
    """The one family, among those with the rule or solver, that knows the instance. Where
    several read one bundled name (a family may read another's benchmarks as its own
    variant), the family that ships the data wins, with a note naming the others."""
    if len(offering) == 1:
        return offering[0], None
    if Path(request.instance).is_file():
        raise ConfigError(f"{request.policy!r} is a method of several families: say which one reads "
                          f"{request.instance} ({_family_flags(offering)})")  # fmt: skip
    knowing = [f for f in offering if request.instance in _bundled_names(f)]
    if not knowing:
        known = {name for f in offering for name in _bundled_names(f)}
        if not known:
            raise InstanceFormatError("no such file", source=request.instance)
        raise UnknownNameError(INSTANCE_KIND, request.instance, known)
    owners = [f for f in knowing if f.instances.bundled and f.instances.bundled.package == _package(f)]
    chosen = knowing if len(knowing) == 1 else owners
    if len(chosen) != 1:
        raise ConfigError(f"{request.instance!r} with {request.policy!r} fits several families "
                          f"({', '.join(f.env_id for f in knowing)}): pass {_family_flags(knowing)}")  # fmt: skip
    others = [f for f in knowing if f is not chosen[0]]
    if not others:
        return chosen[0], None
    also = ", ".join(f"{f.env_id} ({_family_flags([f])})" for f in others)
    return chosen[0], f"{request.instance} is solved as {chosen[0].env_id}; it is also an instance of {also}"


def _check_flags(request: Request, kind: Kind) -> None:
    if request.samples and kind != "learned":
        raise ConfigError(f"--samples applies to trained policies; {request.policy!r} is {KIND_NOUNS[kind]}")
    if request.time_limit is not None and kind != "solver":
        raise ConfigError(f"--time-limit applies to solvers; {request.policy!r} is {KIND_NOUNS[kind]}")


def _learned_plan(request: Request, given: ProblemFamily | None) -> EvaluationPlan:
    """The trained policy as the plan's one solver, on the instance read by its family."""
    from schedrl import agents  # type: ignore[attr-defined]  # torch: only when a trained policy runs

    _check_flags(request, "learned")
    try:
        policy = agents.load(request.policy, samples=request.samples, seed=request.seed or 0, name=request.policy)
    except UnknownNameError:
        families = [given] if given else _families()
        known = {*agents.zoo_names(), *(name for family in families for name in _method_names(family))}
        raise UnknownNameError(POLICY_KIND, request.policy, known) from None
    if given is not None and policy.env_id != given.env_id:
        raise ConfigError(f"{request.policy!r} was trained on {policy.env_id}, not on {given.env_id}")
    instance = policy.family.instances.as_instance(request.instance)
    return EvaluationPlan(policy.family, [instance], policies={}, solvers={policy.name: policy})  # name@K: sampled


def _method_plan(request: Request, family: ProblemFamily) -> tuple[Kind, EvaluationPlan]:
    """A rule (run on the family's env with its default options) or a solver, and its plan."""
    instance = family.instances.as_instance(request.instance)
    seed = request.seed or 0
    rules = family.baselines(seed)
    if request.policy in rules:
        _check_flags(request, "rule")
        return "rule", EvaluationPlan(family, [instance], policies={request.policy: rules[request.policy]}, seed=seed)
    _check_flags(request, "solver")
    factory = family.solvers[request.policy]
    taken = inspect.signature(factory).parameters  # a solver without randomness takes no seed: none passed
    options: dict[str, float] = {"seed": request.seed} if request.seed is not None and "seed" in taken else {}
    if request.time_limit is not None:
        if "time_limit" not in taken:
            raise ConfigError(f"solver {request.policy!r} takes no --time-limit: it is not an anytime search")
        options["time_limit"] = request.time_limit
    solver: Solver = factory(**options)
    if not applies(solver, instance):
        raise ConfigError(f"solver {request.policy!r} does not model {instance.name!r}; "
                          "use a rule or a trained policy on it")  # fmt: skip
    return "solver", EvaluationPlan(family, [instance], policies={}, solvers={request.policy: solver}, seed=seed)


def solve(request: Request) -> Solved:
    """Solves and validates, or raises a `SchedRLError` that says what to change. A path or
    a name no family's rule or solver has is a trained policy (shipped or a checkpoint)."""
    if request.samples < 0:
        raise ConfigError(f"--samples must be >= 0 (0: greedy), got {request.samples}")
    if request.seed is not None and request.seed < 0:
        raise ConfigError(f"--seed must be >= 0, got {request.seed}")
    given = given_family(request.family, request.env_id)
    offering = [f for f in ([given] if given else _families()) if request.policy in _method_names(f)]
    kind: Kind
    note = None
    if Path(request.policy).exists() or not offering:
        kind, plan = "learned", _learned_plan(request, given)
    else:
        family, note = _choose_family(request, offering)
        kind, plan = _method_plan(request, family)
    instance = plan.instances[0]
    row, record = evaluate_cell(plan, instance, plan.methods[0])
    return Solved(kind, plan.family, instance, row, record, note)


def solution_document(solved: Solved, source: str) -> dict[str, Any]:
    """The --out file: what was solved, how well, and the family's solution record."""
    row, objective = solved.row, solved.family.objective
    return {
        "policy": row.policy,
        "kind": solved.kind,
        "env_id": solved.family.env_id,
        "instance": row.instance,
        "source": source,  # the bundled name or the file, as given
        "objective": {
            "name": objective.key,
            "value": row.objective,
            "sense": objective.sense,
            "proven_optimal": row.proven_optimal,
            "lower_bound": row.lower_bound,
            "best_known": row.best_known,
            "gap_percent": row.gap_percent,
        },
        "status": row.status,
        "decisions": row.decisions,
        "wall_time_s": row.wall_time_s,
        "solution": solved.record,
    }


def write_solution(path: Path, solved: Solved, source: str) -> None:
    """Validated as read back from the JSON text, so the file holds what the validator passed."""
    text = json.dumps(solution_document(solved, source), separators=(",", ":")) + "\n"
    solved.family.validate(solved.instance, json.loads(text)["solution"])
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise SchedRLError(f"cannot write {path}: {error.strerror}") from None


def check_outputs(out: Path | None, picture: Path | None) -> None:
    """What can be refused before solving: a missing folder, a folder as the file, a picture
    format the charts cannot be saved in."""
    for flag, path in (("--out", out), ("--picture", picture)):
        if path is None:
            continue
        if not path.parent.is_dir():
            raise ConfigError(f"{flag} {path}: the folder {path.parent} does not exist")
        if path.is_dir():
            raise ConfigError(f"{flag} {path} is a folder: give a file name")
    if picture is not None and picture.suffix.lower() not in PICTURE_FORMATS:
        raise ConfigError(f"--picture {picture}: name a {', '.join(PICTURE_FORMATS)} file")


def draw_solution(path: Path, solved: Solved) -> None:
    """The family's picture of the validated solution, titled with the method and objective."""
    draw = solved.family.draw_solution
    if draw is None:
        raise ConfigError(f"--picture: {solved.family.env_id} draws no pictures of its solutions")
    row = solved.row
    try:
        draw(solved.instance, solved.record, path, f"{row.instance} - {row.policy}")
    except OSError as error:
        raise SchedRLError(f"cannot write {path}: {error.strerror}") from None
