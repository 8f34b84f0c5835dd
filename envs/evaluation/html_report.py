"""report.html: one page that holds an evaluation's summary tables, its plots, the family's own
report and pictures of a few solutions, and opens offline anywhere (styles and the table-sorting
script inline, every image a data: URI), so a run can be shared as one file.

The pictures come from the stored solution records through the family's `draw_solution`
hook, without solving anything again: the best method's solution on the first instance of
each group, then on the next instances, PICTURES in all."""

from __future__ import annotations

import base64
import html
import json
import mimetypes
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from schedrl.envs.evaluation.harness import EvaluationPlan
from schedrl.envs.evaluation.markdown_html import inline, table, to_html
from schedrl.envs.evaluation.report import markdown_summary, number
from schedrl.envs.evaluation.store import ResultRow, ResultStore

FILE_NAME = "report.html"
PICTURES = 3  # solution pictures drawn for the page: a few, whatever pictures= says
PICTURE_DPI = 72  # small: the page stays light and drawing cheap
UNFOLDED_INSTANCES = 30  # a longer per-instance table starts folded
STYLE = """
body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 1.5rem auto; max-width: 76rem; padding: 0 1rem;
       color: #1d1d1f; line-height: 1.4; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ccc; margin-top: 2rem; }
.meta { color: #555; } dt { font-weight: 600; } dd { margin: 0 0 0.4rem 1rem; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; margin: 0.5rem 0 1rem; }
table { border-collapse: collapse; font-size: 0.88rem; }
th, td { border: 1px solid #d6d6d6; padding: 0.25rem 0.5rem; white-space: nowrap; }
th { background: #f1f3f5; cursor: pointer; user-select: none; }
th[data-order="ascending"]::after { content: " \\25B2"; } th[data-order="descending"]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } tbody tr:nth-child(even) { background: #fafafa; }
td strong { color: #0a6b2a; } .gap { color: #777; font-size: 0.8em; }
figure { margin: 1rem 0; } figcaption { color: #555; font-size: 0.9rem; }
img.chart { max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
"""
# Click a column's header to sort by it (numbers as numbers, '-' after them); again to reverse.
SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (header) {
  header.addEventListener("click", function () {
    var table = header.closest("table"), body = table.tBodies[0], column = header.cellIndex;
    var ascending = header.getAttribute("data-order") !== "ascending";
    table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("data-order"); });
    header.setAttribute("data-order", ascending ? "ascending" : "descending");
    function key(row) {
      var text = row.cells[column].textContent.trim(), value = parseFloat(text.replace(/,/g, ""));
      return isNaN(value) ? [1, text] : [0, value];
    }
    var rows = Array.prototype.slice.call(body.rows).map(function (row) { return [key(row), row]; });
    rows.sort(function (a, b) {
      var x = a[0], y = b[0], order = x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0);
      return ascending || x[0] !== y[0] ? order : -order;
    });
    rows.forEach(function (pair) { body.appendChild(pair[1]); });
  });
});
"""


def write_html_report(
    plan: EvaluationPlan,
    rows: Sequence[ResultRow],
    store: ResultStore,
    settings: Mapping[str, Any],
    plots: Sequence[str],
    family_outputs: Sequence[str],
) -> str:
    """Writes report.html beside the results; returns its name. `settings`: the run's
    configuration worth showing (instance set, env kwargs, seed); `plots` and
    `family_outputs`: names of files in the folder (Markdown and images are embedded)."""
    folder = store.directory
    objective = plan.family.objective
    sections = [
        _header(plan, rows, settings),
        "<h2>Summary</h2>",
        to_html(markdown_summary(rows, objective), top=2),
        *(_figure(folder / name, name) for name in plots),
        "<h2>Per instance</h2>",
        _per_instance(plan, rows),
        "<h2>Solutions</h2>",
        _solution_pictures(plan, rows, store),
    ]
    if family_outputs:
        sections += ["<h2>The family's own report</h2>", *_embedded(folder, family_outputs)]
    page = "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(plan.family.env_id)} evaluation</title>",
        f"<style>{STYLE}</style></head><body>",
        *sections,
        f"<script>{SCRIPT}</script>",
        "</body></html>",
        "",
    ])  # fmt: skip
    (folder / FILE_NAME).write_text(page, encoding="utf-8")
    return FILE_NAME


def _header(plan: EvaluationPlan, rows: Sequence[ResultRow], settings: Mapping[str, Any]) -> str:
    groups: dict[str, set[str]] = {}
    for row in rows:
        groups.setdefault(row.group, set()).add(row.instance)
    instances = sum(len(names) for names in groups.values())
    objective = plan.family.objective
    shown = "".join(
        f"<dt>{html.escape(key)}</dt><dd><code>{html.escape(json.dumps(value, default=str))}</code></dd>"
        for key, value in settings.items()
    )
    return "\n".join([
        f"<h1>Evaluation of {html.escape(plan.family.env_id)}</h1>",
        f'<p class="meta">{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · objective: {html.escape(objective.key)} '
        f"({objective.wording})</p>",
        f"<p><strong>{_count(instances, 'instance')}</strong> in {_count(len(groups), 'group')}: "
        + ", ".join(f"{html.escape(group)} ({len(names)})" for group, names in groups.items()) + "</p>",
        f"<p><strong>{_count(len(plan.methods), 'method')}</strong>: {html.escape(', '.join(plan.methods))}</p>",
        f"<dl>{shown}</dl>",
    ])  # fmt: skip


def _per_instance(plan: EvaluationPlan, rows: Sequence[ResultRow]) -> str:
    """The objective of every method on every instance (gap in small type), the best in bold."""
    objective = plan.family.objective
    methods = list(dict.fromkeys(row.policy for row in rows))
    by_instance: dict[str, dict[str, ResultRow]] = {}
    for row in rows:
        by_instance.setdefault(row.instance, {})[row.policy] = row
    body = []
    for name, results in by_instance.items():
        first = next(iter(results.values()))
        best = objective.best(results.values(), lambda row: row.objective).objective
        cells = [html.escape(name), html.escape(first.group), number(first.best_known)]
        for method in methods:
            row = results.get(method)
            if row is None:
                cells.append("-")
                continue
            text = number(row.objective) + (f' <span class="gap">{row.gap_percent:+.2f} %</span>'
                                            if row.gap_percent is not None else "")  # fmt: skip
            cells.append(f"<strong>{text}</strong>" if row.objective == best else text)
        body.append(cells)
    header = ["instance", "group", "best known", *(html.escape(method) for method in methods)]
    right = [False, False, *[True] * (len(methods) + 1)]
    note = (f"<p>{html.escape(objective.key)} ({objective.wording}) of each method; in small type the gap to the "
            "best-known value (%, positive is worse); bold: best on the instance.</p>")  # fmt: skip
    opened = " open" if len(body) <= UNFOLDED_INSTANCES else ""
    summary = _count(len(body), "instance")
    return f"<details{opened}><summary>{summary}</summary>{note}{table(header, body, right)}</details>"


def _solution_pictures(plan: EvaluationPlan, rows: Sequence[ResultRow], store: ResultStore) -> str:
    draw = plan.family.draw_solution
    if draw is None:
        return "<p>This family draws no pictures of its solutions.</p>"
    import matplotlib

    objective = plan.family.objective
    by_instance: dict[str, list[ResultRow]] = {}
    for row in rows:
        by_instance.setdefault(row.instance, []).append(row)
    first_of_group: dict[str, str] = {}
    for name, results in by_instance.items():
        first_of_group.setdefault(results[0].group, name)
    chosen = list(dict.fromkeys([*first_of_group.values(), *by_instance]))[:PICTURES]
    instances = {instance.name: instance for instance in plan.instances}
    figures: list[str] = []
    with TemporaryDirectory() as scratch, matplotlib.rc_context({"savefig.dpi": PICTURE_DPI}):
        for name in chosen:
            best = objective.best(by_instance[name], lambda row: row.objective)
            record = json.loads(store.solution_path(best.policy, name).read_text(encoding="utf-8"))
            path = Path(scratch) / f"{len(figures)}.png"
            draw(instances[name], record, path, f"{name} - {best.policy}")
            caption = f"{name} ({best.group}): {best.policy}, the best {objective.key} there ({number(best.objective)})"
            figures.append(_figure(path, caption))
    return "\n".join(figures)


def _embedded(folder: Path, names: Sequence[str]) -> list[str]:
    """Markdown as HTML, images inline, anything else named."""
    parts, others = [], []
    for name in names:
        path = folder / name
        if name.endswith(".md"):
            parts.append(to_html(path.read_text(encoding="utf-8"), top=2))
        elif (mimetypes.guess_type(name)[0] or "").startswith("image/"):
            parts.append(_figure(path, name))
        else:
            others.append(name)
    if others:
        parts.append(f"<p>Also written beside this page: {inline(', '.join(f'`{name}`' for name in others))}</p>")
    return parts


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _figure(path: Path, caption: str) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "image/png"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img class="chart" src="data:{kind};base64,{data}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )
