"""report.html: evaluate.py writes it for every family, it holds the summary, the plots, the
family's own report and a few solution pictures, it fetches nothing from anywhere, and headless
Chromium draws every chart on it without a console error.

The browser tests need Debian's `chromium` and the `playwright` package (driving that binary;
no browser download): they are skipped where either is missing, and fail instead where
SCHEDRL_REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import base64
import html
import io
import os
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from test_family_pipeline import TOY, evaluate_config

from schedrl import envs
from schedrl.envs.evaluation.html_report import FILE_NAME, PICTURES
from schedrl.envs.evaluation.markdown_html import to_html
from schedrl.errors import ConfigError

ENV_IDS = envs.env_ids()
# Headless, and nothing that reaches for the network (updates, sync, field trials) on its own.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
BLANK_STD = 8.0  # grey-level spread below which a chart's region counts as blank


def evaluate(env_id: str, folder: Path, *overrides: str) -> list[Any]:
    import evaluate as cli

    family = envs.family(env_id)
    return cli.run(evaluate_config(env_id, dict(family.test_instances), "policies=all", *overrides), folder)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[Any]]]:
    """Every family evaluated on its test instances with all its baselines: (folder, rows)."""
    root = tmp_path_factory.mktemp("reports")
    return {env_id: (root / env_id.replace("/", "-"), evaluate(env_id, root / env_id.replace("/", "-")))
            for env_id in ENV_IDS}  # fmt: skip


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def tags(page: str) -> list[tuple[str, dict[str, str]]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_the_page_holds_every_method_group_table_and_picture_and_nothing_external(
    env_id: str, reports: dict[str, tuple[Path, list[Any]]]
) -> None:
    folder, rows = reports[env_id]
    page = (folder / FILE_NAME).read_text(encoding="utf-8")
    assert f"<h1>Evaluation of {html.escape(env_id)}</h1>" in page
    for name in {row.policy for row in rows} | {row.group for row in rows} | {row.instance for row in rows}:
        assert html.escape(name) in page, name
    for markdown in folder.glob("*.md"):  # summary.md and the family's own tables, every heading
        for line in markdown.read_text().splitlines():
            if line.startswith("#"):
                assert html.escape(line.lstrip("#").strip()) in page, line
    found = tags(page)
    assert not [t for t, a in found if t == "link" or (t == "script" and "src" in a)]
    links = [value for _, attrs in found for key, value in attrs.items() if key in ("src", "href", "srcset", "data")]
    assert all(value.startswith("data:image/png;base64,") for value in links), links
    images = [attrs["src"] for tag, attrs in found if tag == "img"]
    drawn = envs.family(env_id).draw_solution is not None
    pictures = min(PICTURES, len({row.instance for row in rows})) if drawn else 0
    assert len(images) == len(list(folder.glob("*.png"))) + pictures  # the plots, the family's images, pictures
    for source in images:
        picture = Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1])))
        assert picture.format == "PNG" and min(picture.size) > 50


def test_the_report_is_listed_and_report_false_writes_none(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    evaluate(TOY, tmp_path / "on")
    assert (tmp_path / "on" / FILE_NAME).exists() and f", {FILE_NAME} in " in capsys.readouterr().out
    evaluate(TOY, tmp_path / "off", "report=false")
    assert not (tmp_path / "off" / FILE_NAME).exists() and FILE_NAME not in capsys.readouterr().out
    with pytest.raises(ConfigError, match="report must be true or false, got 'yes'"):
        evaluate(TOY, tmp_path / "bad", "report=yes")


def test_markdown_tables_headings_lists_and_marks_become_html() -> None:
    text = (
        "## Gap (%)\n\nBold: **best**; `-`: none.\n\n| group | a<b |\n|---|---:|\n| g1 | **1.5 ± 0** |\n\n- E=2: x\n- y"
    )
    assert to_html(text) == (
        "<h3>Gap (%)</h3>\n<p>Bold: <strong>best</strong>; <code>-</code>: none.</p>\n"
        '<div class="scroll"><table class="sortable"><thead><tr><th>group</th><th class="num">a&lt;b</th></tr></thead>'
        '<tbody><tr><td>g1</td><td class="num"><strong>1.5 ± 0</strong></td></tr></tbody></table></div>\n'
        "<ul><li>E=2: x</li><li>y</li></ul>"
    )


def missing_browser(reason: str) -> None:
    if os.environ.get("SCHEDRL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SCHEDRL_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by playwright, on a fresh temporary profile."""
    chromium = shutil.which("chromium")
    if chromium is None:
        missing_browser("no chromium binary (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_browser("the playwright package is not installed")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def test_a_family_table_of_any_shape_still_renders() -> None:
    """No rule row, ragged rows, centred columns: a family's report never stops the page."""
    alone = to_html("| a | b |")
    assert alone.count("<th>") == 2 and "<td" not in alone
    ragged = to_html("| a | b |\n|:-:|--:|\n| 1 | 2 | 3 |\n| x |")
    assert ragged.count("<tr>") == 3 and ragged.count("<td") == 4  # cut and padded to the header's two columns
    assert '<th class="num">b</th>' in ragged and "<th>a</th>" in ragged  # centred is not numeric


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_chromium_draws_every_chart_without_a_console_error(
    env_id: str, reports: dict[str, tuple[Path, list[Any]]], browser: Any, tmp_path: Path
) -> None:
    folder, _ = reports[env_id]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    address, fetched = (folder / FILE_NAME).as_uri(), []

    def offline(route: Any) -> None:  # the page itself loads; anything it would fetch is refused and noted
        fetched.append(route.request.url)
        route.continue_() if route.request.url == address else route.abort()

    page.route("**/*", offline)
    page.goto(address, wait_until="load")
    assert fetched == [address], fetched  # every style, script and image is inline

    assert all(page.eval_on_selector_all("img", "images => images.map(i => i.complete && i.naturalWidth > 0)"))
    boxes = page.eval_on_selector_all(
        "img, svg", "charts => charts.map(c => { const r = c.getBoundingClientRect(); "
        "return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]; })",
    )  # fmt: skip
    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot), full_page=True)
    grey = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert len(boxes) == len([tag for tag, _ in tags((folder / FILE_NAME).read_text()) if tag in ("img", "svg")])
    for left, top, width, height in boxes:
        assert width > 50 and height > 50
        region = grey[int(top) : int(top + height), int(left) : int(left + width)]
        assert region.size and region.std() > BLANK_STD, (left, top, width, height, region.std())

    # Sorting: a click on a method's column of the per-instance table orders its rows by it.
    table = page.locator("details table")
    column = 4  # instance, group, best known, then the first method
    table.locator(f"th:nth-child({column})").click()
    values = [float(text.split()[0]) for text in table.locator(f"tbody td:nth-child({column})").all_inner_texts()]
    assert values == sorted(values)
    table.locator(f"th:nth-child({column})").click()
    reversed_values = table.locator(f"tbody td:nth-child({column})").all_inner_texts()
    assert [float(text.split()[0]) for text in reversed_values] == sorted(values, reverse=True)
    assert not errors, errors
    page.close()
