"""Report runs: the rendered month, its summary and record; a failed section keeps
the previous report; the lock; --missing; privacy of what management reads."""
import json
import re
import shutil

import nbformat
import pandas as pd
import pytest

from conftest import run_cli
from toolkit.errors import ReportError
from toolkit.report.runner import month_lock, render_month
from toolkit.data.sample import generate_sample


@pytest.fixture(scope="module")
def rendered(rendered_reports):
    return rendered_reports["en"]


def test_latest_complete_month_is_rendered(rendered, rendered_reports, sample_dir):
    out, proc = rendered
    month = out / "2026-10"
    assert (month / "index.html").exists() and (month / "01_lifecycle.html").exists()
    assert (month / "02_periods.html").exists() and (month / "03_preferences.html").exists()
    assert "[1/4] lifecycle: running" in proc.stdout and "[3/4] preferences: done" in proc.stdout
    assert "[4/4] value_risk: done" in proc.stdout and (month / "04_value_risk.html").exists()
    nb = nbformat.read(str(month / "01_lifecycle.ipynb"), as_version=4)
    assert nb.metadata["papermill"]["parameters"]["month"] == "2026-10"
    assert nb.metadata["papermill"]["parameters"]["interactive"] is False
    html = (month / "01_lifecycle.html").read_text(encoding="utf-8")
    assert "import matplotlib" not in html and "open_report(" not in html      # code hidden
    assert html.count("data:image/png;base64") >= 5                             # images embedded
    assert "Explore" not in html                                                 # interactive-only cells left out
    assert "Data: `" not in html and "configuration: `" not in html             # the notebook's source line too
    assert html.count("Plan for 2026-11") == 1, "the plan's findings are shown once, as a list, not also as Python"
    zh = (rendered_reports["zh"][0] / "2026-10" / "01_lifecycle.html").read_text(encoding="utf-8")
    assert "交互探索" not in zh and "Explore" not in zh
    top = (out / "index.html").read_text(encoding="utf-8")
    assert "2026-10/index.html" in top
    from toolkit.report.runner import dataset_label
    assert f"<h1>Monthly operations report · {dataset_label(sample_dir)}</h1>" in top     # whose months they are
    log = [json.loads(x) for x in (out / "run.log").read_text().splitlines()]
    assert log[-1]["outcome"] == "ok" and [x["section"] for x in log[-1]["sections"]] == ["lifecycle", "periods",
                                                                                           "preferences", "value_risk"]
    assert {"execute_seconds", "render_seconds"} <= set(log[-1]["sections"][0])
    assert log[-1]["engine"] == "duckdb"        # where the scans ran (spark names its master)


def test_each_summary_link_names_its_page_as_the_page_does(rendered_reports):
    """A section's link on the month's summary reads as the heading of the page it opens (the
    summary said 用户分群与4大指标 for a page headed 用户分群与月活率)."""
    from bs4 import BeautifulSoup
    for lang in ("en", "zh"):
        month = rendered_reports[lang][0] / "2026-10"
        summary = BeautifulSoup((month / "index.html").read_text(encoding="utf-8"), "html.parser")
        links = {a["href"]: a.get_text(" ", strip=True) for a in summary.select("a[href^='0']")}
        assert len(links) == 4, links
        for href, text in links.items():
            page = BeautifulSoup((month / href).read_text(encoding="utf-8"), "html.parser")
            assert page.find("h1").get_text(" ", strip=True).rstrip("¶").strip() == text, (lang, href, text)


def test_summary_numbers_match_the_lifecycle_table(rendered, sample_dir):
    out, _ = rendered
    page = (out / "2026-10" / "index.html").read_text(encoding="utf-8")
    cli = pd.read_csv(__import__("io").StringIO(run_cli("lifecycle", sample_dir).stdout)).set_index("month")
    row, prev = cli.loc["2026-10"], cli.loc["2026-09"]
    assert f"{row.active_rate:.1%}" in page and f"{int(row.mau):,}" in page
    shown = float(f"{row.active_rate * 100:.1f}") - float(f"{prev.active_rate * 100:.1f}")   # the rates as shown
    assert f"{shown:+.1f} points" in page
    assert f"{(row.mau / cli.loc['2025-10', 'mau'] - 1) * 100:+.1f}%" in page     # year on year
    assert "less than a year before this month" not in page
    assert page.count("<li>") >= 4 and "01_lifecycle.html" in page                # movements + link
    # what each section found is quoted under its link, the plan's verdict and the churn forecast included
    found = page.split("What the sections found")[1].split("Largest movements")[0]
    for link in ("01_lifecycle.html", "02_periods.html", "04_value_risk.html"):
        assert link in found, found
    assert "Plan for" in found and "expected to be inactive next month (2026-11)." in found, found
    assert "scored an out-of-time AUC of" in found, found          # how far the forecast is to be trusted
    # the sample's slide from March (64.0% to 59.9%) is said, and the plan's realistic reference quoted
    from toolkit.report.findings import active_rate_trend
    from toolkit.data.store import open_store
    campaigns = open_store(sample_dir).con.execute("SELECT * FROM campaigns").df()
    trend = active_rate_trend(cli.reset_index(), "2026-10", "en", campaigns=campaigns)
    assert trend and trend[0] in found and "fallen for 7 months in a row" in trend[0], found
    assert "For a realistic target: with every rate back at its best month" in found, found
    assert "Channel 'ad' had a new-user retention of" in __import__("html").unescape(found), found   # planted


def test_nothing_for_management_names_a_user(rendered, sample_dir):
    out, _ = rendered
    users = pd.read_parquet(sample_dir / "users.parquet")
    ids = set(users.user_id.astype(str))
    nicknames = set(users.nickname)
    for page in (out / "2026-10").glob("*.html"):
        text = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", page.read_text(encoding="utf-8"))
        # six digits standing alone (not inside a hex id such as an interactive table's uuid)
        numbers = set(re.findall(r"(?<![0-9A-Za-z_.,])\d{6}(?![0-9A-Za-z_.,])", text))
        assert not (numbers & ids), (page.name, sorted(numbers & ids)[:5])
        assert not any(n in text for n in list(nicknames)[:2000]), page.name


def test_failed_section_keeps_the_previous_report(sample_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    out = tmp_path / "reports"
    render_month(data, "2026-10", out_dir=out, progress=lambda s: None)
    before = (out / "2026-10" / "01_lifecycle.html").read_bytes()
    # the data turn invalid between runs: the newest events file is overwritten with garbage
    (data / "events" / "events-2026-10.parquet").write_bytes(b"not parquet any more")
    with pytest.raises(ReportError) as e:
        render_month(data, "2026-10", out_dir=out, progress=lambda s: None)
    msg = str(e.value)
    kept = out / "failed" / "2026-10_01_lifecycle.ipynb"    # not 2026-10-01_..., which reads as a date
    assert "lifecycle failed" in msg and str(kept) in msg and "unchanged" in msg
    assert kept.exists()
    nb = nbformat.read(str(kept), as_version=4)
    assert any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    assert (out / "2026-10" / "01_lifecycle.html").read_bytes() == before
    assert not list(out.glob(".tmp-*"))
    log = [json.loads(x) for x in (out / "run.log").read_text().splitlines()]
    assert log[-1]["outcome"] == "failed"
    # through the CLI: non-zero exit, one clear line, old report still there
    proc = run_cli("report", data, "--out", out, "--month", "2026-10")
    assert proc.returncode == 2 and "error:" in proc.stderr and "Traceback" not in proc.stderr
    assert (out / "2026-10" / "01_lifecycle.html").read_bytes() == before
    # the data mended, the month rendered whole: its failed notebooks no longer stand for anything and go
    other = out / "failed" / "2026-09_01_lifecycle.ipynb"
    other.write_text("{}", encoding="utf-8")                   # another month's failure stays
    shutil.copy2(sample_dir / "events" / "events-2026-10.parquet", data / "events" / "events-2026-10.parquet")
    render_month(data, "2026-10", out_dir=out, progress=lambda s: None)
    assert not kept.exists() and other.exists()


def test_second_run_of_the_same_month_is_refused(sample_dir, tmp_path):
    out = tmp_path / "reports"
    with month_lock(out, "2026-10"):
        proc = run_cli("report", sample_dir, "--out", out, "--month", "2026-10", "--wait", "0.5")
    assert proc.returncode == 2
    assert "in progress" in proc.stderr and "--wait" in proc.stderr
    assert not (out / "2026-10").exists()


def test_the_month_records_the_orders_revenue_and_the_summary_shows_it(rendered, sample_dir):
    """The sample has orders: the lifecycle section records each month's revenue, the same as
    the orders table summed by month (its times are business-local), and the summary page shows
    the month's."""
    import duckdb
    from toolkit.report.tables import read_metrics
    out, _ = rendered
    metrics = next(m for m in read_metrics(out / "2026-10" / "01_lifecycle.ipynb") if m["section"] == "lifecycle")
    by_month = dict(zip(metrics["months"], metrics["series"]["revenue"]))
    oracle = dict(duckdb.connect().execute(
        f"SELECT strftime(order_time, '%Y-%m'), sum(amount) FROM read_parquet('{sample_dir / 'orders.parquet'}') "
        "GROUP BY 1").fetchall())
    for m in ("2026-09", "2026-10"):
        assert by_month[m] == pytest.approx(oracle[m]), m
    page = (out / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert f"{by_month['2026-10']:,.0f}" in page and "revenue (¥)" in page     # the project configuration's unit


def _short_march(tmp_path, users: int, until: str):
    """A generated data set of 2026-01 .. 2026-03 whose March file holds the events before
    ``until`` only: (data folder, March's file, a copy of the whole March file)."""
    import duckdb
    data = tmp_path / "data"
    generate_sample(data, users=users, months=3, end="2026-03", seed=5)
    march = data / "events" / "events-2026-03.parquet"
    whole = tmp_path / "whole-march.parquet"
    shutil.copy2(march, whole)
    duckdb.sql(f"COPY (SELECT * FROM read_parquet('{whole}') WHERE event_time < TIMESTAMP '{until}') "
               f"TO '{march}' (FORMAT parquet)")
    return data, march, whole


def test_a_scheduled_run_says_when_data_are_late_and_renders_a_month_again_when_its_data_change(tmp_path):
    """The monthly cron run (`--missing --expect-latest`) on data that come late, short or
    corrected.  It said "every complete month already has a report" with exit 0 when March's
    file held only its first half, and never rendered a month again once rendered: a page made
    from a short file, or before a late event, stayed as it was."""
    import duckdb
    data, march, whole = _short_march(tmp_path, 300, "2026-03-16")
    half = tmp_path / "half.parquet"
    shutil.copy2(march, half)
    out = tmp_path / "reports"
    config = tmp_path / "toolkit.yaml"
    config.write_text(f"data_dir: {data}\nreports_dir: {out}\ntimezone: Asia/Shanghai\nsignal_events: [trip]\n"
                      "now: 2026-04-02\n", encoding="utf-8")

    def run():
        return run_cli("--config", config, "report", "--missing", "--expect-latest")

    short = run()             # March ended by the clock, but its events stop on the 15th
    assert short.returncode == 3, short.stdout + short.stderr
    assert "Traceback" not in short.stderr and (out / "2026-02" / "index.html").exists()
    assert not (out / "2026-03").exists()
    said = " ".join(short.stderr.split())
    assert "no report for 2026-03" in said and "events up to 2026-03-15" in said and "short" in said, said
    assert json.loads((out / "run.log").read_text().splitlines()[-1])["outcome"] == "data not in"
    again = run()             # nothing came: the same, not "all done"
    assert again.returncode == 3 and "last complete month is 2026-02" in again.stdout, again.stdout
    shutil.copy2(whole, march)            # the whole file arrives
    done = run()
    assert done.returncode == 0, done.stderr
    assert (out / "2026-03" / "index.html").exists() and "2026-02: its data changed" not in done.stdout
    pages = {m: (out / m / "index.html").stat().st_mtime_ns for m in ("2026-02", "2026-03")}
    # a late event of February: February's report and March's, which counts February's users, are
    # rendered again; a run after that has nothing to do
    duckdb.sql(f"COPY (SELECT * REPLACE (TIMESTAMP '2026-02-10 10:00:00' AS event_time) FROM "
               f"read_parquet('{data / 'events' / 'events-2026-02.parquet'}') LIMIT 1) "
               f"TO '{data / 'events' / 'late-2026-02.parquet'}' (FORMAT parquet)")
    late = run()
    assert late.returncode == 0, late.stderr
    assert "2026-02: its data changed" in late.stdout and "2026-03: its data changed" in late.stdout, late.stdout
    assert all((out / m / "index.html").stat().st_mtime_ns > t for m, t in pages.items())
    quiet = run()
    assert quiet.returncode == 0 and "already has a report" in quiet.stdout and "its data changed" not in quiet.stdout
    assert re.match(r"toolkit report, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n", quiet.stderr), quiet.stderr
    assert json.loads((out / "run.log").read_text().splitlines()[-1])["outcome"] == "up to date"
    # March's file corrected upstream, as many rows as before (200 events given to their right
    # users), then delivered again in another row order: rendered again once, not twice
    duckdb.sql(f"COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () <= 200 THEN user_id + 1 ELSE user_id END "
               f"AS user_id) FROM read_parquet('{whole}')) TO '{march}' (FORMAT parquet)")
    fixed = run()
    assert fixed.returncode == 0 and "2026-03: its data changed" in fixed.stdout, fixed.stdout
    assert "2026-02: its data changed" not in fixed.stdout
    duckdb.sql(f"COPY (SELECT * FROM read_parquet('{march}') ORDER BY random()) TO '{tmp_path / 'shuffled.parquet'}' "
               "(FORMAT parquet)")
    shutil.copy2(tmp_path / "shuffled.parquet", march)
    same = run()
    assert same.returncode == 0 and "its data changed" not in same.stdout, same.stdout
    # the whole March replaced by its first half again, after its report: kept, but not "up to date" with
    # exit 0 beside "the last complete month is 2026-02" (a shop's November did that)
    rendered = (out / "2026-03" / "index.html").stat().st_mtime_ns
    shutil.copy2(half, march)
    shrunk = run()
    said = " ".join(shrunk.stderr.split())
    assert shrunk.returncode == 3, shrunk.stdout + shrunk.stderr
    assert "warning: 2026-03 has a report rendered when the data reached further than they do now" in said, said
    assert "the events of 2026-03 no longer reach its end, though its report was rendered when they did" in said
    assert (out / "2026-03" / "index.html").stat().st_mtime_ns == rendered


def test_a_campaign_goal_typo_stops_a_report_run_before_any_section(tmp_path):
    """A typo in an old campaign's goal failed the periods section after 18 s, throwing away the
    sections that had run: the run checks the campaigns first and stops with the closest goal."""
    data = tmp_path / "data"
    generate_sample(data, users=300, months=3, end="2026-03", seed=5)
    (data / "campaigns.csv").write_text("campaign_id,name,start_date,end_date,goal_metric,target_group\n"
                                        "C3,recall,2026-02-01,2026-02-28,retention_odl,old users\n", encoding="utf-8")
    out = tmp_path / "reports"
    out.mkdir()                  # the folder of the months before: its run log records the refusal
    proc = run_cli("report", data, "--out", out)
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "Traceback" not in said and "[1/4]" not in proc.stdout
    assert "campaign 'C3' has goal_metric 'retention_odl'" in said and "the closest is retention_old" in said, said
    assert json.loads((out / "run.log").read_text().splitlines()[-1])["outcome"] == "failed"


def test_a_months_file_cut_a_few_hours_short_is_noted(tmp_path):
    """March's file ending at 10:00 on the 31st reaches the month's last day, so March counts as
    complete and is rendered, with a few thousand users missing and no word: the run notes the
    thin last day (and renders the month again when the whole file arrives, tested above)."""
    data, march, whole = _short_march(tmp_path, 3000, "2026-03-31 10:00")
    proc = run_cli("report", data, "--out", tmp_path / "reports")
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 0 and "note: 2026-03's last day (2026-03-31) has" in said, said
    assert "under half of the" in said and "of a day of the week before" in said
    shutil.copy2(whole, march)
    again = run_cli("report", data, "--out", tmp_path / "reports")
    assert again.returncode == 0 and "last day" not in again.stderr, again.stderr


def test_missing_renders_every_month_without_a_report(tmp_path, sample_dir):
    data = tmp_path / "small"
    generate_sample(data, users=800, months=4, end="2026-04", seed=5)
    out = tmp_path / "reports"
    proc = run_cli("report", data, "--out", out, "--missing")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name[0] != ".") == ["2026-02", "2026-03", "2026-04"]
    assert "Month 1 of 3: 2026-02" in proc.stdout and re.search(r"Month 3 of 3: 2026-04, about [\d.]+ min left",
                                                                  proc.stdout), proc.stdout
    assert "Kernel is running over TCP" not in proc.stdout + proc.stderr
    again = run_cli("report", data, "--out", out, "--missing")
    assert "already has a report" in again.stdout
    # a new feature_map is a change of settings, not "late or corrected rows"
    fm = pd.read_csv(data / "feature_map.csv")
    fm["category"] = fm["category"].replace({"content": "内容"})
    fm.to_csv(data / "feature_map.csv", index=False)
    remap = run_cli("report", data, "--out", out, "--missing")
    assert remap.returncode == 0, remap.stderr
    assert "2026-04: the settings its numbers depend on changed since its report was rendered" in remap.stdout
    assert "late or corrected rows" not in remap.stdout, remap.stdout
    # the folder holds this data set's months: another data set's run into it is refused, the
    # folder unchanged (the sample's months would have stood beside these without a word)
    assert (out / ".dataset").read_text(encoding="utf-8").splitlines() == [str(data.resolve()), "../small"]
    before = {p: p.read_bytes() for p in out.rglob("*.html")}
    other = run_cli("report", sample_dir, "--out", out, "--missing")
    assert other.returncode != 0 and "Traceback" not in other.stderr
    assert (f"holds the reports of the data in {data.resolve()}" in other.stderr
            and f"this run reads {sample_dir.resolve()}" in other.stderr and "--out DIR" in other.stderr), other.stderr
    assert {p: p.read_bytes() for p in out.rglob("*.html")} == before
    assert json.loads((out / "run.log").read_text().splitlines()[-1])["outcome"] == "failed"
    # the project moved as a whole (data and reports side by side): still its own folder
    from toolkit.report.runner import check_dataset
    moved = tmp_path / "moved"
    moved.mkdir()
    (out / ".dataset").rename(moved / ".dataset")
    check_dataset(moved, moved.parent / "small")                  # ../small from the moved folder: no error
    with pytest.raises(Exception, match="holds the reports of the data in"):
        check_dataset(moved, sample_dir)
