"""The documentation site: the Python samples on every page in the nav run, a page's blocks
in order in one namespace, in an empty temporary folder; and `mkdocs build --strict` passes.

A block that cannot run here (a GPU, minutes of training) is marked in the page source by
`<!-- docs-test: skip (reason) -->` on the line before its fence: the reason shows to anyone
editing the page, and the count of such blocks is held small.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import subprocess
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from schedrl.agents import zoo_names
from schedrl.envs.core import family as family_registry

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s*(?:\((?P<reason>[^)]*)\))?\s*-->")
MAX_SKIPS = 6  # blocks marked not to run, over the whole site
PAGE_SECONDS = 30  # a page's samples: tiny budgets and small instances


@dataclass(frozen=True)
class Block:
    line: int  # of the first line of code, 1-based, in the page
    code: str
    skip_reason: str | None  # None: the block runs


def nav_pages(nav: Any) -> list[str]:
    """The markdown files the nav lists, in order (entries are strings, or one-key maps)."""
    if isinstance(nav, str):
        return [nav] if nav.endswith(".md") else []
    items = nav.values() if isinstance(nav, dict) else nav
    return [page for item in items for page in nav_pages(item)]


PAGES = nav_pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])


def python_blocks(text: str) -> list[Block]:
    """The page's ```python blocks, each with the skip marker directly above its fence."""
    blocks = []
    for fence in FENCE.finditer(text):
        if fence["lang"] not in ("python", "py"):
            continue
        above = text[: fence.start()].rstrip().rsplit("\n", 1)[-1]
        marker = SKIP.fullmatch(above.strip())
        lines = [line.removeprefix(fence["indent"]) for line in fence["body"].splitlines()]
        first_line = text.count("\n", 0, fence.start()) + 2
        blocks.append(Block(first_line, "\n".join(lines), (marker["reason"] or "") if marker else None))
    return blocks


def page_text(page: str) -> str:
    path = DOCS / page
    if not path.is_file():
        pytest.fail(f"mkdocs.yml's nav lists {page}, but docs/{page} does not exist")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def registries() -> Iterator[None]:
    """A page may register a family of its own (the worked example does): gone afterwards,
    so the generic tests that run over every registered family never meet it."""
    with family_registry.registrations_undone():
        yield


@pytest.mark.timeout(PAGE_SECONDS)
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.usefixtures("registries")
def test_page_samples_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # samples that write files write them here
    # a real module: dataclasses (and pickle) look classes' modules up in sys.modules
    module = types.ModuleType("docs_" + re.sub(r"\W", "_", page.removesuffix(".md")))
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for block in python_blocks(page_text(page)):
        if block.skip_reason is None:
            # padded so that a traceback names the page's own line numbers
            exec(compile("\n" * (block.line - 1) + block.code, str(DOCS / page), "exec"), module.__dict__)


def test_skipped_samples_are_few_and_say_why() -> None:
    skipped = []
    for page in PAGES:
        text = page_text(page)
        blocks = python_blocks(text)
        skipped += [(page, block.line) for block in blocks if block.skip_reason is not None]
        assert all(block.skip_reason is None or block.skip_reason.strip() for block in blocks), (
            f"{page}: a docs-test skip marker without a reason; write `<!-- docs-test: skip (why) -->`"
        )
        markers = len(SKIP.findall(text))
        assert markers == sum(block.skip_reason is not None for block in blocks), (
            f"{page}: a docs-test skip marker that is not on the line directly above a ```python fence"
        )
    assert len(skipped) <= MAX_SKIPS, f"{len(skipped)} samples do not run (at most {MAX_SKIPS}): {skipped}"


def test_samples_are_found() -> None:
    blocks = python_blocks(
        "text\n\n<!-- docs-test: skip (needs a GPU) -->\n```python\nx = 1\n```\n\n  ```py\n  y = 2\n  ```\n"
    )
    assert blocks == [Block(5, "x = 1", "needs a GPU"), Block(9, "y = 2", None)]
    assert sum(len(python_blocks(page_text(page))) for page in ("index.md", "inference.md")) >= 4


def test_lists_follow_a_blank_line() -> None:
    """Python-Markdown reads a list that directly follows a paragraph line as more of the
    paragraph: the items would run together on the site (GitHub renders them as a list)."""
    item = re.compile(r"([-*]|\d+\.) ")
    glued = []
    for page in PAGES:
        prose = FENCE.sub(lambda fence: "\n" * fence[0].count("\n"), page_text(page)).splitlines()
        glued += [
            f"{page}:{number + 2}"
            for number, (line, following) in enumerate(itertools.pairwise(prose))
            if item.match(following) and line.strip() and not line.startswith((" ", "#")) and not item.match(line)
        ]
    assert glued == [], f"a list item directly after a paragraph line (add a blank line above): {glued}"


def test_zoo_page_lists_every_shipped_policy() -> None:
    text = page_text("zoo.md")
    assert [name for name in zoo_names() if f"## {name}\n" not in text] == []


@pytest.mark.timeout(180)
@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs not installed (the `docs` extra)")
def test_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert built.returncode == 0, built.stdout + built.stderr
    # the API pages were generated from the docstrings, not left empty
    api = (site / "api/agents/inference/index.html").read_text(encoding="utf-8")
    assert "LearnedPolicy" in api and "the best of the greedy schedule" in api


def test_adding_a_family_takes_one_short_page() -> None:
    assert len(page_text("add_family.md").splitlines()) < 150
