"""The rendered pages as a manager reads them, on the sample and on real-shaped data that
no car-app rule fits: one language, no raw keys, nothing fetched from another host, a
title, a language and a header on every page, tables that fit an A4 page in landscape.
Each data set and language is rendered once (module fixtures); screenshots and a PDF go
to tests/artifacts/."""
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, run_cli
from toolkit.data.convert import convert_transactions

REAL = ROOT.parent / "shared" / "realdata" / "online_retail_invoices.csv"
ARTIFACTS = ROOT / "tests" / "artifacts"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
# our own English headings and units that must not appear in a Chinese page
EN_WORDS = ["Findings", "Glossary", "points", "pt", "control arm", "any", "users", "Summary", "rate", "month",
            "target", "not defined", "Holidays", "retention", "treatment", "Lifecycle", "Campaign effects",
            "Christmas", "Good Friday", "Bank Holiday"]   # the UK calendar named in Chinese
RAW_KEYS = ["retention_old", "retention_new", "wake_rate", "return_rate", "active_rate", "car_control",
            "after_sales", "new_retained", "churned_signal", "churned_silent", "diff-in-diff"]
BAD_VALUES = re.compile(r"\b(nan|NaN|None|inf|-inf)\b|Traceback|Error\b")

pytestmark = pytest.mark.skipif(not REAL.is_file(), reason=f"real data not present at {REAL}")


def _render(tmp, data, lang, **conf):
    cfg = {"data_dir": data, "signal_events": "[]", "language": lang, "reports_dir": tmp / "reports", **conf}
    path = tmp / "toolkit.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in cfg.items()), encoding="utf-8")
    proc = run_cli("--config", path, "report", cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    assert "Kernel is running over TCP" not in proc.stdout + proc.stderr
    return tmp / "reports"


@pytest.fixture(scope="module")
def retail_data(tmp_path_factory):
    out = tmp_path_factory.mktemp("retail-data")
    convert_transactions(REAL, out, user_col="CustomerID", time_col="InvoiceDate", amount_col="TotalPrice",
                         id_col="InvoiceNo")
    return out


@pytest.fixture(scope="module")
def pages(retail_data, rendered_reports, tmp_path_factory):
    """{(case, lang): reports folder}: the retail shop (GB) in both languages, the same invoices
    in Chinese business time with China's calendar, and the sample in both languages."""
    out = {}
    for lang in ("en", "zh"):
        out[("retail", lang)] = _render(tmp_path_factory.mktemp(f"retail-{lang}"), retail_data, lang,
                                        timezone="Europe/London", holiday_country="GB", target_active_rate=0.3)
        out[("sample", lang)] = rendered_reports[lang][0]
    # real-shaped data that no car-app rule fits: the invoices shifted to Chinese business time
    tmp = tmp_path_factory.mktemp("retail-cn")
    raw = pd.read_csv(REAL)
    raw["InvoiceDate"] = (pd.to_datetime(raw["InvoiceDate"]) + pd.Timedelta(hours=8)).dt.strftime("%Y-%m-%d %H:%M:%S")
    raw.to_csv(tmp / "invoices.csv", index=False)
    convert_transactions(tmp / "invoices.csv", tmp / "data", user_col="CustomerID", time_col="InvoiceDate",
                         amount_col="TotalPrice", id_col="InvoiceNo")
    out[("retail-cn", "zh")] = _render(tmp, tmp / "data", "zh", timezone="Asia/Shanghai", holiday_country="CN",
                                       target_active_rate=0.3)
    return out


def _data_names(folder):
    """Texts that come from the user's data (shown as they are): scene rule contents, campaign names."""
    names = []
    month = sorted(p for p in folder.iterdir() if p.is_dir() and p.name[:2] == "20")[-1]
    import nbformat
    for nb in month.glob("*.ipynb"):
        params = nbformat.read(str(nb), as_version=4).metadata["papermill"]["parameters"]
        data = ROOT / params["data_dir"] if not str(params["data_dir"]).startswith("/") else params["data_dir"]
        for f in ("scene_rules.csv",):
            p = type(folder)(data) / f
            if p.is_file():
                names += list(pd.read_csv(p)["content"].astype(str))
        p = type(folder)(data) / "ideas.csv"                   # ideas are the analyst's text
        if p.is_file():
            ideas = pd.read_csv(p)
            names += list(ideas["idea"].astype(str)) + list(ideas["owner"].dropna().astype(str))
        p = type(folder)(data) / "campaigns.csv"
        if p.is_file():
            names += list(pd.read_csv(p)["name"].astype(str))
        break
    return month, names


def _visible_text(html):
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    for tag in soup.select("[hidden]"):
        tag.decompose()
    return soup, soup.get_text(" ")


CASES = [("retail", "en"), ("retail", "zh"), ("retail-cn", "zh"), ("sample", "en"), ("sample", "zh")]


@pytest.mark.parametrize("case,lang", CASES)
def test_pages_speak_one_language_and_stand_alone(pages, case, lang):
    folder = pages[(case, lang)]
    month, names = _data_names(folder)
    files = sorted(month.glob("*.html")) + [folder / "index.html"]
    assert len(files) == 6
    for f in files:
        html = f.read_text(encoding="utf-8")
        soup, text = _visible_text(html)
        for n in names:
            text = text.replace(n, " ")
        where = f"{case}/{lang}/{f.name}"
        assert soup.html.get("lang", "").startswith(lang), where
        assert soup.title and soup.title.get_text(strip=True), where
        assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", html), where
        assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", html), where
        assert not BAD_VALUES.search(text), (where, BAD_VALUES.search(text).group(0))
        assert "ITables" not in text and "init_notebook_mode" not in text, where   # notes for notebook users
        for key in RAW_KEYS:
            assert key not in text, (where, key)
        if lang == "en":
            assert not CJK.search(text), (where, text[max(0, CJK.search(text).start() - 60):CJK.search(text).end() + 20])
        else:
            for word in EN_WORDS:
                assert not re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text), (where, word)
        if f.name[:2].isdigit():          # a section page: header, link back to the month's summary
            assert soup.select_one("header.toolkit-header a[href='index.html']"), where
            header = soup.select_one("header.toolkit-header").get_text(" ")
            assert month.name in header and re.search(r"\d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}", header), where
            assert "toolkit.yaml" in header, where


def test_sections_fit_the_retail_data(pages, retail_data):
    month = pages[("retail", "en")] / "2011-11"
    text = {f.stem: _visible_text(f.read_text(encoding="utf-8"))[1] for f in month.glob("0*.html")}
    assert "lifted daily users most" not in text["02_periods"]
    assert "no user was active on any of its days" in text["02_periods"]   # the shop closed at Christmas
    assert "Activation is not defined" in text["02_periods"] and "not defined" in text["02_periods"]
    assert "feature_map" in text["03_preferences"] and "No scene rules" in text["03_preferences"]
    assert "remote-control" not in text["03_preferences"]                  # the car-app rules stay with the sample
    assert "the data have no users table" in text["01_lifecycle"]          # not "none of the columns in it"
    assert "offline signal" not in text["01_lifecycle"].split("Glossary")[0].replace(
        "This data has no offline signal", "")                              # no signal rows
    zh = _visible_text((pages[("retail", "zh")] / "2011-11" / "02_periods.html").read_text(encoding="utf-8"))[1]
    assert "窗口内每天都没有活跃用户" in zh and "术语说明" in zh
    vr = (pages[("retail", "zh")] / "2011-11" / "04_value_risk.html").read_text(encoding="utf-8")
    assert "重要价值客户" in vr and "基线：只看最近活跃时间" in vr and "ideas.csv" in vr
    ids = set(pd.read_parquet(retail_data / "events.parquet", columns=["user_id"])["user_id"].astype(str))
    bare = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", vr)
    # no customer id (5 digits) standing alone; not parts of tokens such as a table's random element
    # id (itables_fb725be3_03f1_4172_84c0_13228f687d66 once held "13228", a customer's id)
    assert not set(re.findall(r"(?<![\w.,])\d{5}(?![\w.,])", bare)) & ids



def test_tables_sort_download_and_fit_the_window_and_an_a4_page(pages, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for (case, lang), folder in pages.items():
        month = sorted(p for p in folder.iterdir() if p.is_dir() and p.name[:2] == "20")[-1]
        for f in sorted(month.glob("0*.html")):
            page.goto(f.as_uri())
            page.wait_for_load_state("load")
            n_tables = page.evaluate("document.querySelectorAll('table[id^=itables_]').length")
            if n_tables:                  # every table is sortable (DataTables ran, offline) with a CSV button
                page.wait_for_function(f"document.querySelectorAll('table.dataTable').length == {n_tables}",
                                       timeout=20000)
                assert page.evaluate("document.querySelectorAll('.dt-buttons button').length") == n_tables
                assert page.evaluate("document.querySelectorAll('table.dataTable th .dt-column-order').length") > 0
            widest = page.evaluate("Math.max(...Array.from(document.querySelectorAll('table')).map("
                                   "t => t.getBoundingClientRect().right))")
            assert widest <= 1280, (case, lang, f.name, widest)
            # a row's name breaks at a space or punctuation only (基线:仅按最近活 / 跃 was split inside the word)
            split = page.evaluate("""Array.from(document.querySelectorAll('table td:first-child')).filter(td => {
                const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    let top = null;
                    for (let i = 0; i < node.length; i++) {
                        const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                        const box = r.getClientRects()[0]; if (!box) continue;
                        const y = Math.round(box.top);
                        if (top !== null && y > top + 2 && !/[\\s:：,，、;；()（）\\/+·-]/.test(node.data[i - 1])
                            && !/\\s/.test(node.data[i])) return true;
                        top = y;
                    }
                }
                return false;
            }).map(td => td.textContent.trim())""")
            assert not split, (case, lang, f.name, split)
            page.screenshot(path=str(ARTIFACTS / f"pages-{case}-{lang}-{f.stem}.png"), full_page=True)
    # printed: A4 landscape is 297 mm wide, less 2 x 10 mm margins = 277 mm = 1047 CSS pixels
    page.set_viewport_size({"width": 1047, "height": 740})
    page.emulate_media(media="print")
    for case, lang in (("sample", "zh"), ("sample", "en"), ("retail", "zh")):
        month = sorted(p for p in pages[(case, lang)].iterdir() if p.is_dir() and p.name[:2] == "20")[-1]
        for f in sorted(month.glob("0*.html")):
            page.goto(f.as_uri())
            page.wait_for_load_state("load")
            page.pdf(path=str(ARTIFACTS / f"pages-{case}-{lang}-{f.stem}.pdf"), format="A4", landscape=True,
                     margin={"top": "10mm", "bottom": "10mm", "left": "10mm", "right": "10mm"})
            widths = page.evaluate("Array.from(document.querySelectorAll('table'))"
                                   ".map(t => t.getBoundingClientRect().right)")
            assert max(widths, default=0) <= 1047, (case, lang, f.name, widths)
    page.close()


def test_a_data_set_in_a_generic_folder_is_named_with_the_folder_above(tmp_path):
    """A data folder called data (a cron job's /srv/shop-uk/data) made the header say '数据集: data'."""
    from toolkit.report.runner import dataset_label
    assert dataset_label(tmp_path / "shop-uk" / "data") == "shop-uk/data"
    assert dataset_label(tmp_path / "shop-uk" / "Events") == "shop-uk/Events"
    assert dataset_label(tmp_path / "data" / "retail") == "retail"


def test_every_page_names_the_churn_window(sample_dir):
    """A second churn_after in the configuration moved a month's wake rate from 45.6% to 31.9%
    with nothing on the page to say the window had changed: the header names it, the run's own
    window when it overrides the configuration's."""
    from toolkit.report.runner import page_header
    fields = dict(page_header(sample_dir, "2026-10", language="zh", store=None)["fields"])
    assert fields["流失标准 k(月)"] == "2"
    fields = dict(page_header(sample_dir, "2026-10", language="en", churn_after=4)["fields"])
    assert fields["churn window k (months)"] == "4"


def test_the_generation_time_is_in_the_business_time_zone(sample_dir):
    """A Chinese page said '生成时间: 2026-11-30 18:16 UTC' (the server's zone)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    from toolkit.report.runner import page_header
    fields = dict(page_header(sample_dir, "2026-10", language="zh")["fields"])
    shown = fields["生成时间"]
    assert shown.endswith(" (Asia/Shanghai)"), shown
    at = datetime.strptime(shown[:16], "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert abs((datetime.now(ZoneInfo("UTC")) - at).total_seconds()) < 300
