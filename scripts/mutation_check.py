"""Mutation check of the test suite: would the fast tests notice a deliberate bug?

Each mutation swaps one exact snippet of a source file for a plausible slip (a bound
mixed up, a comparison loosened, a sign flipped, a check dropped) and runs the tests
chosen to catch it. A mutation that survives is a test that is missing.

The run works on a copy of the repository (the files git lists: tracked, and untracked
but not ignored), so edits others make meanwhile in the working tree neither disturb it
nor are disturbed; each mutated file is restored in a `finally`. The package is installed
in editable mode, which maps `schedrl.envs` to the checkout: a shim `schedrl` package on
PYTHONPATH, found before the editable finder, points `schedrl` and its sub-packages at
the copy instead (checked before any mutation, and printed). The unmutated copy must pass
every selection first, or a "killed" would mean nothing.

    .venv/bin/python scripts/mutation_check.py              # all, about 5 minutes on 2 cores
    .venv/bin/python scripts/mutation_check.py --only lor   # those whose name contains 'lor'
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    original: str  # must occur exactly once in the file
    mutated: str
    description: str
    tests: tuple[str, ...]  # test files or node ids
    keyword: str = ""  # a pytest -k expression narrowing them

    @property
    def arguments(self) -> tuple[str, ...]:
        return (*self.tests, "-k", self.keyword) if self.keyword else self.tests


INSTANCES, RULES, ENV = "tests/test_jobshop_instances.py", "tests/test_jobshop_rules.py", "tests/test_jobshop_env.py"
VALIDATE, CPSAT = "tests/test_jobshop_validate.py", "tests/test_jobshop_cpsat.py"
PIPELINE_GAP = "tests/test_family_pipeline.py::test_gap_is_positive_when_worse_for_either_sense"
BLOCKING_ENV, BLOCKING_VALIDATE = "tests/test_blocking_env.py", "tests/test_blocking_validate.py"
CONTRACT = "tests/test_family_contract.py"

MUTATIONS = (
    Mutation(
        "gap-vs-lower-bound",
        "envs/jobshop/instance.py",
        "        return self.upper_bound",
        "        return self.lower_bound",
        "best_known (the gap's reference) is the lower bound, not the best-known upper bound",
        (INSTANCES,),
        "right_bound or harness",
    ),
    Mutation(
        "harness-gap-vs-lower-bound",
        "envs/evaluation/harness.py",
        "gap_percent(objective, instance.best_known)",
        "gap_percent(objective, instance.lower_bound)",
        "the harness measures gaps against the lower bound",
        (INSTANCES,),
        "harness",
    ),
    Mutation(
        "cpsat-always-proven",
        "envs/jobshop/cpsat.py",
        "proven_optimal=status == cp_model.OPTIMAL,",
        "proven_optimal=True,",
        "CP-SAT reports every run as proven optimal",
        (CPSAT,),
        "stopped",
    ),
    Mutation(
        "insertion-exact-gap",
        "envs/jobshop/dynamics.py",
        "gap_start + state.duration[node] <= gap_end",
        "gap_start + state.duration[node] < gap_end",
        "insertion ignores idle gaps that fit exactly",
        (ENV,),
        "exactly",
    ),
    Mutation(
        "lower-bound-no-machine-load",
        "envs/jobshop/instance.py",
        "return int(max(self.durations.sum(axis=1).max(), machine_load.max()))",
        "return int(self.durations.sum(axis=1).max())",
        "the trivial lower bound ignores machine load",
        (INSTANCES,),
        "trivial_lower_bound",
    ),
    Mutation(
        "lor-as-mor",
        "envs/jobshop/rules.py",
        'DispatchingRule("lor", _remaining_ops,',
        'DispatchingRule("lor", lambda s, n, j: -_remaining_ops(s, n, j),',
        "LOR dispatches in MOR's order",
        (RULES,),
        "golden",
    ),
    Mutation(
        "family-optimal-at-upper-bound",
        "envs/jobshop/family.py",
        "makespan <= instance.lower_bound",
        "makespan <= instance.upper_bound",
        "a makespan at the best known (not the lower bound) counts as proven optimal",
        (INSTANCES,),
        "right_bound",
    ),
    Mutation(
        "unsigned-wrap",
        "envs/jobshop/instance.py",
        "    bad = np.argwhere(durations > MAX_TOTAL_DURATION)\n    if bad.size:",
        "    bad = np.argwhere(durations > MAX_TOTAL_DURATION)\n    if False:",
        "no per-operation bound: a uint64 duration wraps to a negative one in the int64 cast",
        (INSTANCES,),
        "limits",
    ),
    Mutation(
        "unicode-digits",
        "envs/jobshop/parser.py",
        '_NUMBER = re.compile(r"-?[0-9]+")',
        '_NUMBER = re.compile(r"-?\\d+")',
        "the parser reads any Unicode digit ('٣', '３') as a number",
        (INSTANCES,),
        "malformed",
    ),
    Mutation(
        "taillard-trailing-junk",
        "envs/jobshop/parser.py",
        'lines.reject_extra(index, "machines row")',
        'lines.reject_extra(index + len(lines.items), "machines row")',
        "a Taillard file ignores anything after its last machines row",
        (INSTANCES,),
        "malformed",
    ),
    Mutation(
        "validator-wraps",
        "envs/jobshop/validate.py",
        "if value is not None and abs(value) > _LIMIT",
        "if value is not None and abs(value) > 2**63",
        "the validator computes end times in int64 for starts near 2**63 (they wrap)",
        (VALIDATE,),
        "beyond",
    ),
    Mutation(
        "validator-bool-makespan",
        "envs/jobshop/validate.py",
        "actual, reported = int(ends.max()), _as_int(makespan)",
        "actual, reported = int(ends.max()), makespan",
        "the validator takes a reported makespan of True as 1",
        (VALIDATE,),
        "makespan",
    ),
    Mutation(
        "validator-touching-is-precedence",
        "envs/jobshop/validate.py",
        "np.argwhere(starts[:, 1:] < ends[:, :-1])",
        "np.argwhere(starts[:, 1:] <= ends[:, :-1])",
        "an operation starting when its job predecessor ends counts as a precedence violation",
        (VALIDATE,),
    ),
    Mutation(
        "validator-zero-duration-occupies",
        "envs/jobshop/validate.py",
        "occupied = np.flatnonzero(flat_ends > flat_starts)",
        "occupied = np.flatnonzero(flat_ends >= flat_starts)",
        "zero-duration operations occupy their machine (orb07 has one)",
        (VALIDATE, ENV, RULES),
        "zero",
    ),
    Mutation(
        "non-delay-keeps-busy-machine",
        "envs/jobshop/dynamics.py",
        "state.candidate_jobs &= state.next_machine != state.machine[node]",
        "state.candidate_jobs &= True",
        "non_delay keeps offering operations whose machine just became busy",
        (RULES,),
        "golden",
    ),
    Mutation(
        "active-conflict-set-inclusive",
        "envs/jobshop/dynamics.py",
        "est < ect[first], out=state.candidate_jobs",
        "est <= ect[first], out=state.candidate_jobs",
        "the Giffler-Thompson conflict set also takes operations that start exactly at the earliest end",
        (ENV, RULES),
        "conflict or golden",
    ),
    Mutation(
        "fdd-divides-by-zero",
        "envs/jobshop/rules.py",
        "np.maximum(s.job_remaining_work[j], 1)",
        "s.job_remaining_work[j]",
        "FDD/MWKR divides by the remaining work, zero for a job of zero-duration operations",
        (RULES,),
        "zero",
    ),
    Mutation(
        "gap-sign",
        "envs/core/objective.py",
        'return value - reference if self.sense == "min" else reference - value',
        'return reference - value if self.sense == "min" else value - reference',
        "gaps are negative when worse",
        (PIPELINE_GAP,),
    ),
    Mutation(
        "gap-signed-denominator",
        "envs/core/objective.py",
        "/ abs(reference)",
        "/ reference",
        "the gap divides by the reference, not its magnitude (negative objectives)",
        (PIPELINE_GAP,),
    ),
    Mutation(
        "size-range-reversed",
        "envs/core/instances.py",
        "if not 1 <= low <= high:",
        "if not 1 <= low:",
        "a size range [high, low] is accepted",
        (INSTANCES,),
        "generator",
    ),
    Mutation(
        "store-float-text",
        "envs/evaluation/store.py",
        "return str(int(value))",
        "return str(value)",
        "results.csv writes integral objectives as 55.0",
        ("tests/test_evaluate.py",),
        "labelled",
    ),
    Mutation(
        "blocking-swap-into-down-machine",
        "envs/blocking/simulation.py",
        "if all(repair is None for repair in repairs):",
        "if True:",
        "a swap cycle moves jobs into machines that are down",
        (BLOCKING_ENV, CONTRACT),
        "Blocking or blocking or shutdown or cycle",
    ),
    Mutation(
        "blocking-resume-as-restart",
        "envs/blocking/shutdowns.py",
        "left = duration if restart else left - (begin - time)",
        "left = duration",
        "an interrupted operation starts over in resume mode too",
        (BLOCKING_ENV,),
        "interrupted",
    ),
    Mutation(
        "blocking-no-swap-unchecked",
        "envs/blocking/simulation.py",
        "        return plan is not None",
        "        return True",
        "without swaps every move is allowed: cyclic waits deadlock",
        (BLOCKING_ENV,),
        "swaps",
    ),
    Mutation(
        "blocking-validator-enters-down-machine",
        "envs/blocking/validate.py",
        "for b, e in down[i] if b <= s < e",
        "for b, e in down[i] if b < s < e",
        "the validator lets a job enter a machine at the instant it shuts down",
        (BLOCKING_VALIDATE,),
    ),
)


def copy_repository(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout  # fmt: skip
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def shim(copy: Path, folder: Path) -> dict[str, str]:
    """The environment under which `import schedrl...` loads the copy."""
    package = folder / "schedrl"
    package.mkdir(parents=True)
    init = copy / "schedrl" / "__init__.py"
    (package / "__init__.py").write_text(
        f'"""Shim: `schedrl` from {copy}, sub-packages envs/agents/networks from its folders."""\n'
        f"__path__ = [{str(copy / 'schedrl')!r}, {str(copy)!r}]\n"
        f"__file__ = {str(init)!r}\n"
        'exec(compile(open(__file__, encoding="utf-8").read(), __file__, "exec"))\n',
        encoding="utf-8",
    )
    # Safe path: neither the working folder (the copy) nor a script's folder goes before
    # PYTHONPATH, where the copy's own `schedrl` would be found first, with only its own folder.
    path = os.pathsep.join([str(folder), str(copy)])
    environment = {**os.environ, "PYTHONPATH": path, "PYTHONSAFEPATH": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    probe = "import schedrl.envs, schedrl.errors; print(schedrl.envs.__file__); print(schedrl.errors.__file__)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=copy, env=environment, capture_output=True, text=True)
    files = done.stdout.split()
    if done.returncode or len(files) != 2 or not all(Path(f).is_relative_to(copy) for f in files):
        sys.exit(f"the shim does not load the copy: {done.stdout}{done.stderr}")
    print(f"imports resolve to the copy: schedrl.envs from {files[0]}")
    return environment


def baseline(mutations: list[Mutation]) -> list[tuple[str, ...]]:
    """At most two pytest runs that cover every selection: one for the selections narrowed
    by a keyword (their files, the keywords or-ed), one for the others."""
    narrowed = [m for m in mutations if m.keyword]
    whole = [m for m in mutations if not m.keyword]
    runs = []
    if narrowed:
        files = dict.fromkeys(test for m in narrowed for test in m.tests)
        runs.append((*files, "-k", " or ".join(f"({m.keyword})" for m in narrowed)))
    if whole:
        runs.append(tuple(dict.fromkeys(test for m in whole for test in m.tests)))
    return runs


def run_tests(copy: Path, environment: dict[str, str], arguments: tuple[str, ...], timeout: float) -> tuple[str, str]:
    """('passed' | 'failed' | 'error' | 'timeout', output tail)."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-m", "not slow", *arguments]
    try:
        done = subprocess.run(command, cwd=copy, env=environment, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", ""
    outcome = {0: "passed", 1: "failed"}.get(done.returncode, "error")
    return outcome, (done.stdout + done.stderr)[-3000:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="run the mutations whose name contains this")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per test run")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if args.only in m.name]
    with tempfile.TemporaryDirectory(prefix="schedrl-mutation-") as temporary:
        copy = Path(temporary) / "repo"
        copy_repository(copy)
        environment = shim(copy, Path(temporary) / "shim")

        print("baseline: the unmutated copy must pass every selection ...", flush=True)
        for arguments in baseline(chosen):
            outcome, output = run_tests(copy, environment, arguments, 2 * args.timeout)
            if outcome != "passed":
                sys.exit(f"baseline {outcome} ({' '.join(arguments)}):\n{output}")

        rows = []
        for mutation in chosen:
            path = copy / mutation.file
            text = path.read_text(encoding="utf-8")
            began = time.perf_counter()
            if text.count(mutation.original) != 1:
                outcome = f"snippet found {text.count(mutation.original)} times"
            else:
                try:
                    path.write_text(text.replace(mutation.original, mutation.mutated), encoding="utf-8")
                    outcome, _ = run_tests(copy, environment, mutation.arguments, args.timeout)
                finally:
                    path.write_text(text, encoding="utf-8")
            result = {"passed": "SURVIVED", "failed": "killed", "error": "killed (error)"}.get(outcome, outcome)
            if outcome == "timeout":
                result = "killed (timeout)"
            rows.append((mutation, result, time.perf_counter() - began))
            print(f"  {mutation.name}: {result}", flush=True)

    print("\n| # | mutation | file | what it breaks | tests | result |")
    print("|---|---|---|---|---|---|")
    for number, (mutation, result, seconds) in enumerate(rows, start=1):
        tests = " ".join(mutation.tests) + (f" -k '{mutation.keyword}'" if mutation.keyword else "")
        print(
            f"| {number} | {mutation.name} | {mutation.file} | {mutation.description} | `{tests}` | "
            f"{result} ({seconds:.0f} s) |"
        )
    applied = [result for _, result, _ in rows if not result.startswith("snippet")]
    killed = sum(result.startswith("killed") for result in applied)
    rate = 100.0 * killed / len(applied) if applied else 0.0
    print(f"\nkill rate: {killed}/{len(applied)} = {rate:.0f}%")
    if len(applied) < len(rows):
        print(f"{len(rows) - len(applied)} mutation(s) not applied: their snippet is not in the file as it stands")


if __name__ == "__main__":
    main()
