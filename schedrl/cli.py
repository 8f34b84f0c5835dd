"""The `schedrl` command: schedule an instance with a shipped or trained policy, a rule or a
solver without writing Python, and list the shipped policies.

    schedrl solve jssp_10x10 ta01 --samples 16 --out ta01.json
    schedrl solve cpsat ft06 --time-limit 5 --picture ft06.png
    schedrl zoo

Mistakes end with a one-line message and exit status 2 (docs/BAD_INPUTS.md). The parser
imports nothing heavy, so `schedrl --help` answers at once; torch loads only for a
trained policy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from schedrl import __version__
from schedrl.envs.core import progress
from schedrl.errors import user_errors_exit
from schedrl.solve import Request, Solved, check_outputs, draw_solution, family_names, solve, write_solution


def _solve(args: argparse.Namespace) -> None:
    request = Request(
        policy=args.policy, instance=args.instance, samples=args.samples, seed=args.seed,
        family=args.family, env_id=args.env_id, time_limit=args.time_limit,
    )  # fmt: skip
    check_outputs(args.out, args.picture)  # before a long solve, not after it
    with progress.listening(_to_stderr):  # a long solver's incumbent and bound, from the solver's threads
        solved = solve(request)
    if solved.note:
        print(f"note: {solved.note}", file=sys.stderr)
    if args.out is not None:
        write_solution(args.out, solved, args.instance)
    if args.picture is not None:
        draw_solution(args.picture, solved)
    _print_result(solved, args.out, args.picture)


def _to_stderr(line: str) -> None:
    """One write per line (lines from two solver threads stay whole); a closed stderr (a
    pipe into `head`) ends the progress lines, never the solve."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _print_result(solved: Solved, out: Path | None, picture: Path | None) -> None:
    """`key  value` lines: the objective, how it compares, how it was found."""
    row, objective = solved.row, solved.family.objective
    lines = [
        ("policy", f"{row.policy} ({solved.kind})"),
        ("env", solved.family.env_id),
        ("instance", row.instance),
        (objective.key, f"{_number(row.objective)} ({objective.wording})"),
        ("best known", None if row.best_known is None else _with_gap(row.best_known, row.gap_percent)),
        ("lower bound", None if row.lower_bound is None else _number(row.lower_bound)),
        ("proven optimal", "yes" if row.proven_optimal else "no"),
        ("status", row.status or None),
        ("decisions", None if row.decisions is None else str(row.decisions)),
        ("wall time", f"{row.wall_time_s:.3f} s"),
        ("validated", "yes, by the family's validator"),
        ("written", ", ".join(str(path) for path in (out, picture) if path is not None) or None),
    ]
    shown = [(key, value) for key, value in lines if value is not None]
    width = max(len(key) for key, _ in shown)
    for key, value in shown:
        print(f"{key:<{width}}  {value}")


def _number(value: float) -> str:
    """Whole numbers without '.0', others in full (what the Python API returns)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _with_gap(best_known: float, gap: float | None) -> str:
    return _number(best_known) + ("" if gap is None else f" (gap {gap:+.2f} %, positive is worse)")


def _zoo(args: argparse.Namespace) -> None:
    from schedrl.agents import zoo_catalog  # type: ignore[attr-defined]  # mypy: package-dir mapping

    zoo_catalog.main()


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="schedrl", description="Reinforcement learning for scheduling.")
    top.add_argument("--version", action="version", version=f"schedrl {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    solve = commands.add_parser(
        "solve",
        help="solve one instance and validate the solution",
        description="Solve one instance with a policy, rule or solver; the solution is checked by the "
        "family's validator before anything is printed or written.",
    )
    solve.add_argument(
        "policy", metavar="POLICY",
        help="a shipped policy (schedrl zoo), a checkpoint folder, a rule (e.g. mwkr) or a solver (e.g. cpsat)",
    )  # fmt: skip
    solve.add_argument("instance", metavar="INSTANCE", help="a bundled instance name (e.g. ta01) or an instance file")
    solve.add_argument(
        "--samples", type=int, default=0, metavar="K",
        help="trained policies: keep the best of the greedy schedule and K sampled ones (default 0: greedy)",
    )  # fmt: skip
    solve.add_argument("--seed", type=int, default=None, metavar="S", help="seed of sampling, rules and solvers")
    solve.add_argument("--out", type=Path, default=None, metavar="FILE", help="write the solution record as JSON")
    solve.add_argument(
        "--picture", type=Path, default=None, metavar="PNG",
        help="draw the solution as its family pictures it (a timeline of the schedule, a flow map, ...)",
    )  # fmt: skip
    which = solve.add_mutually_exclusive_group()
    which.add_argument("--family", metavar="F", help=f"the family of a rule or solver: {', '.join(family_names())}")
    which.add_argument("--env-id", metavar="ID", help="the family by its Gymnasium env id")
    solve.add_argument("--time-limit", type=float, default=None, metavar="SECONDS", help="solvers: search time")
    solve.set_defaults(run=_solve)
    zoo = commands.add_parser("zoo", help="list the shipped policies", description="The shipped policies.")
    zoo.set_defaults(run=_zoo)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        with user_errors_exit():
            args.run(args)
    except KeyboardInterrupt:  # Ctrl-C: nothing was written; the shell's status for SIGINT
        print("interrupted: nothing written", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
