"""Broken copies of a valid edge-offloading record, one per constraint the validator checks.

The family contract test feeds each copy to the validator and expects a rejection, so a check
that stopped working would fail a test instead of passing bad records silently. A copy changes
one thing and leaves what follows from it (the metrics, say) as it was, so it may break more
than the constraint it is named after, never less.
"""

from __future__ import annotations

from typing import Any

from schedrl.envs.edge.instance import EdgeInstance
from schedrl.envs.edge.validate import SERIES

Record = dict[str, Any]


def perturbations(instance: EdgeInstance, record: Record) -> list[tuple[str, Record]]:
    """(constraint, broken record) pairs. Those that need something the record may lack are
    left out where it does: a decision (server, step, the per-decision values), two decisions
    (task order), local execution being disabled (local when disabled)."""
    decisions = [list(entry) for entry in record["assignments"]]
    count, local = len(decisions), instance.num_edges + 1

    def edited(**changes: Any) -> Record:
        """A copy of the record (its lists copied too, so the valid one stays as it was) with `changes`."""
        fresh = {**record, "assignments": [list(d) for d in decisions], **{k: list(record[k]) for k in SERIES}}
        return {**fresh, **changes}

    def decided(j: int, **fields: int) -> Record:
        """The record with decision j's task, step or server changed."""
        entry = dict(zip(("task", "step", "server"), decisions[j], strict=True)) | fields
        return edited(assignments=_replaced(decisions, j, list(entry.values())))

    def off(value: Any) -> float:
        """A number the tolerance cannot absorb, relatively or near zero."""
        return float(value) * (1 + 1e-4) + 1e-4

    # One more task, after the last: the rule decides no more (or there is no such task).
    extra = [count, decisions[-1][1] + 1 if decisions else 0, 0]
    broken = [
        ("missing key", {key: value for key, value in record.items() if key != "energies"}),
        (
            "extra decision",
            edited(
                assignments=[*decisions, extra],
                decided=record["decided"] + 1,
                **{key: [*record[key], 1.0] for key in SERIES},
            ),
        ),
        ("assignments and upload_times of unequal length", edited(upload_times=[*record["upload_times"], 0.0])),
        ("weighted_cost", edited(weighted_cost=off(record["weighted_cost"]))),
        ("non-finite weighted_cost", edited(weighted_cost=float("nan"))),
        ("avg_delay", edited(avg_delay=off(record["avg_delay"]))),
        ("avg_energy", edited(avg_energy=off(record["avg_energy"]))),
        ("preference", edited(preference=off(record["preference"]))),
        ("num_edges", edited(num_edges=record["num_edges"] + 1)),
        ("decided", edited(decided=record["decided"] + 1)),
    ]
    if count:
        last_step = decisions[-1][1]
        broken += [
            ("malformed decision", edited(assignments=_replaced(decisions, 0, decisions[0][:2]))),
            ("server index", decided(0, server=local + 1)),
            ("negative server index", decided(0, server=-1)),
            ("decision step too early", decided(count - 1, step=last_step - 1)),
            ("decision step too late", decided(count - 1, step=last_step + 1)),
            (
                "missing decision",
                edited(
                    assignments=decisions[:-1],
                    decided=record["decided"] - 1,
                    **{key: list(record[key][:-1]) for key in SERIES},
                ),
            ),
            *((key, edited(**{key: _replaced(record[key], 0, off(record[key][0]))})) for key in SERIES),
            # A legal server, but another one: the task's upload, energy and delay all change.
            ("server choice", decided(0, server=(decisions[0][2] + 1) % local)),
        ]
        if instance.local_freq <= 0:
            broken.append(("local when disabled", decided(0, server=local)))
    if count >= 2:
        broken.append(("out-of-order task", edited(assignments=_swapped(decisions))))
    return broken


def _swapped(decisions: list[list[int]]) -> list[list[int]]:
    """The decisions with the first two tasks exchanged (their steps and servers stay)."""
    fresh = [list(d) for d in decisions]
    fresh[0][0], fresh[1][0] = decisions[1][0], decisions[0][0]
    return fresh


def _replaced(values: list[Any], index: int, value: Any) -> list[Any]:
    return [value if i == index else v for i, v in enumerate(values)]
