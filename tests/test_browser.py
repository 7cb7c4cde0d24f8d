"""Open the rendered reports in headless Chromium as a reader would: every image
loads, no error text, every link resolves.  Screenshots go to tests/artifacts/."""
import re
from urllib.parse import unquote, urlparse

import pytest

from conftest import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"
ERROR_TEXT = re.compile(r"Traceback|\b[A-Z]\w*Error\b|\bException\b")


@pytest.fixture(scope="module")
def page(browser):
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    yield pg
    pg.close()


def _check(page, path, shot):
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.src.slice(0, 30)])")
    assert all(c and w > 0 for c, w, _ in images), (path.name, [i for i in images if not (i[0] and i[1])])
    text = page.inner_text("body")
    assert not ERROR_TEXT.search(text), (path.name, ERROR_TEXT.search(text).group(0))
    links = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    targets = []
    for href in links:
        u = urlparse(href)
        if u.scheme == "file":
            target = type(path)(unquote(u.path))
            assert target.exists(), (path.name, href)
            targets.append(target)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    return images, targets


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reports_in_the_browser(page, rendered_reports, lang):
    out, _ = rendered_reports[lang]
    _, top_links = _check(page, out / "index.html", f"{lang}-index.png")
    month_index = out / "2026-10" / "index.html"
    assert month_index in top_links
    _, sections = _check(page, month_index, f"{lang}-2026-10-summary.png")
    assert out / "index.html" in sections
    html_sections = [s for s in sections if s.name[:2].isdigit()]
    assert html_sections, "the summary links its sections"
    for s in html_sections:
        images, _ = _check(page, s, f"{lang}-2026-10-{s.stem}.png")
        assert len(images) >= 3


def test_a_tables_csv_button_gives_a_file_excel_reads(browser, rendered_reports):
    """The CSV button under a table of the Chinese page: the file starts with a UTF-8 byte order
    mark (without it Excel reads the Chinese headers in the system's code page, garbled) and
    holds the table's header and every row."""
    out, _ = rendered_reports["zh"]
    section = next(p for p in sorted((out / "2026-10").glob("*.html")) if p.name[:2].isdigit())
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        page.goto(section.as_uri())
        page.wait_for_load_state("load")
        button = page.locator("button.buttons-csv").first
        table = button.locator("xpath=ancestor::div[contains(@class, 'dt-container')]").locator("table").first
        shown = table.evaluate("t => Array.from(t.querySelectorAll('tr')).map(r => r.cells.length)")
        header = table.evaluate("t => Array.from(t.querySelectorAll('thead th')).map(c => c.innerText.trim())")
        with page.expect_download() as got:
            button.click()
        data = open(got.value.path(), "rb").read()
        filename = got.value.suggested_filename
    finally:
        page.close()
    assert data.startswith(b"\xef\xbb\xbf"), data[:20]
    assert filename.endswith("-2026-10.csv"), filename       # two months' downloads were both lifecycle.csv
    text = data[3:].decode("utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert [c.strip('"') for c in lines[0].split(",")[:2]] == header[:2]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0]), "the Chinese page's headers"
    assert len(lines) == len([n for n in shown if n]), (len(lines), shown)


def test_a_click_on_a_column_title_sorts_the_table(browser, rendered_reports):
    """A manager clicked a column's title and nothing happened: only the small arrow beside it
    sorted (itables' default lets the title's text be selected instead)."""
    out, _ = rendered_reports["en"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto((out / "2026-10" / "01_lifecycle.html").as_uri())
        page.wait_for_load_state("load")
        table = page.locator("table.dataTable").nth(1)
        column = table.locator("thead th").nth(1)

        def cells():
            return table.evaluate("t => Array.from(t.querySelectorAll('tbody tr')).map(r => r.cells[1].innerText)")
        # DataTables sets up the table after the page's load event: wait until the title is sortable
        page.wait_for_function("c => c.classList.contains('dt-orderable-asc')", arg=column.element_handle())
        before = cells()
        column.locator("span.dt-column-title").click()
        page.wait_for_function("c => c.classList.contains('dt-ordering-asc') || c.classList.contains('dt-ordering-desc')",
                               arg=column.element_handle(), timeout=5000)
        after = cells()
        assert sorted(after) == sorted(before) and after != before, (before, after)
        assert "dt-ordering" in column.get_attribute("class"), column.get_attribute("class")
        # a table of measures by month is not sortable: sorting by a month tore each change from its rate
        months = page.locator("table.dataTable").nth(0)
        assert months.locator("thead th").nth(1).inner_text().strip()[:2] == "20"     # a month column
        assert months.locator("thead th.dt-orderable-asc").count() == 0
    finally:
        page.close()
