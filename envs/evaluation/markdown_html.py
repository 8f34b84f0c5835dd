"""The Markdown that evaluation reports write (headings, paragraphs, bullet lists, pipe
tables, **bold**, `code`) as HTML, so report.html shows summary.md and every family's own
tables without a Markdown library."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def inline(text: str) -> str:
    """Escaped text with **bold** and `code` marked up."""
    return _CODE.sub(r"<code>\1</code>", _BOLD.sub(r"<strong>\1</strong>", html.escape(text)))


def table(header: Sequence[str], body: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """A sortable table of cells that are HTML already; `right`: which columns are numbers."""

    def cells(tag: str, row: Sequence[str]) -> str:
        return "".join(
            f'<{tag} class="num">{cell}</{tag}>' if is_right else f"<{tag}>{cell}</{tag}>"
            for cell, is_right in zip(row, right, strict=True)
        )

    rows = "".join(f"<tr>{cells('td', row)}</tr>" for row in body)
    return (
        f'<div class="scroll"><table class="sortable"><thead><tr>{cells("th", header)}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _split(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


_RULE = re.compile(r"^:?-+:?$")


def _pipe_table(lines: list[str]) -> str:
    """Tolerant of what a family report might write: no rule row, rows of other widths
    (padded or cut to the header's); right-aligned (`---:`) columns are the numeric ones."""
    header, *body = (_split(line) for line in lines)
    width = len(header)
    rule = body.pop(0) if body and all(_RULE.match(cell) for cell in body[0]) else []
    right = [cell.endswith(":") and not cell.startswith(":") for cell in (rule + [""] * width)[:width]]
    rows = [[inline(cell) for cell in (row + [""] * width)[:width]] for row in body]
    return table([inline(cell) for cell in header], rows, right)


def to_html(markdown: str, top: int = 2) -> str:
    """`top`: the HTML heading level of a Markdown '#' (the page's title sits above)."""
    parts: list[str] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        start = index
        index += 1
        if not line:
            continue
        if line.startswith("#"):
            level = min(top + len(line) - len(line.lstrip("#")) - 1, 6)
            parts.append(f"<h{level}>{inline(line.lstrip('#').strip())}</h{level}>")
        elif line.startswith("|"):
            while index < len(lines) and lines[index].strip().startswith("|"):
                index += 1
            parts.append(_pipe_table([text.strip() for text in lines[start:index]]))
        elif line.startswith("- "):
            while index < len(lines) and lines[index].strip().startswith("- "):
                index += 1
            items = "".join(f"<li>{inline(text.strip()[2:])}</li>" for text in lines[start:index])
            parts.append(f"<ul>{items}</ul>")
        else:
            while index < len(lines) and lines[index].strip() and not lines[index].strip().startswith(("#", "|", "- ")):
                index += 1
            parts.append(f"<p>{inline(' '.join(text.strip() for text in lines[start:index]))}</p>")
    return "\n".join(parts)
