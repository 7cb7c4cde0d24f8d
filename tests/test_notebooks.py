"""Report notebooks: reviewable text paired with jupytext, no outputs in git, and
each runs under papermill on the sample, recording the same numbers as the CLI."""
import math
import subprocess
import sys
import time

import nbformat
import pandas as pd
import papermill as pm
import pytest

from conftest import ROOT, run_cli
from toolkit.analyses.lifecycle import RATES
from toolkit.report.runner import report_notebooks
from toolkit.report.tables import read_metrics

NOTEBOOKS = report_notebooks()


def test_there_are_report_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01_lifecycle.ipynb", "02_periods.ipynb", "03_preferences.ipynb",
                                         "04_value_risk.ipynb"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_paired_and_in_sync_without_outputs(nb):
    import jupytext
    paired = nb.with_suffix(".py")
    assert paired.exists(), f"{nb.name} has no py:percent pair"
    text = jupytext.read(paired)
    ipynb = nbformat.read(str(nb), as_version=4)
    assert [(c.cell_type, c.source) for c in text.cells] == [(c.cell_type, c.source) for c in ipynb.cells], \
        f"{nb.name} and {paired.name} differ: run `jupytext --sync {paired}`"
    for c in ipynb.cells:
        assert not c.get("outputs"), f"{nb.name} carries outputs: strip them"
    params = [c for c in ipynb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_are_documented(nb):
    proc = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(nb)], capture_output=True,
                          text=True)
    assert proc.returncode == 0
    assert "Unable to parse" not in proc.stdout + proc.stderr
    assert "month: str" in proc.stdout and "reporting month YYYY-MM" in proc.stdout


def _execute(stem, out, **parameters):
    """Run notebooks/<stem>.ipynb under papermill into ``out``; returns the executed notebook."""
    pm.execute_notebook(str(ROOT / "notebooks" / f"{stem}.ipynb"), str(out), kernel_name="python3",
                        progress_bar=False, cwd=str(ROOT), execution_timeout=600, parameters=parameters)
    nb = nbformat.read(str(out), as_version=4)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    return nb


def _same(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return b == pytest.approx(a, rel=1e-5, abs=1e-9)     # the CLI writes six significant digits


def test_lifecycle_notebook_records_the_cli_numbers(sample_dir, tmp_path):
    out = tmp_path / "lifecycle.ipynb"
    nb = _execute("01_lifecycle", out, data_dir=str(sample_dir), month="2026-10", language="en", churn_after=2,
                  interactive=False)
    m = read_metrics(out)[0]
    assert m["section"] == "lifecycle" and m["month"] == "2026-10" and m["language"] == "en"
    proc = run_cli("lifecycle", sample_dir, "--churn-after", 2)
    cli = pd.read_csv(__import__("io").StringIO(proc.stdout)).set_index("month")
    assert m["months"] == list(cli.index)
    from toolkit.analyses.lifecycle import rate_pools
    pools = rate_pools(cli.reset_index())       # each rate's denominator, from the command line's counts
    for key, values in m["series"].items():
        if key == "revenue":     # not a lifecycle column: the orders' (test_report checks it against them)
            continue
        for i, (month, v) in enumerate(zip(m["months"], values)):
            c = pools[key[5:]].iloc[i] if key.startswith("pool_") else cli.loc[month, key]
            assert _same(None if pd.isna(c) else float(c), v), (key, month)
    assert set(m["series"]) - set(cli.columns) == {"revenue"} | {f"pool_{r}" for r in pools.columns}
    for key in ("mau", "cumulative", "active_rate", "dormant", "churned_signal"):
        assert _same(float(cli.loc["2026-10", key]), m["current"][key])
    pngs = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert pngs >= 8          # five lifecycle charts, the cohort heatmap, the layer cake, the segment view
    # the cohort heatmap and the segment view record the numbers `toolkit cohorts` and `lifecycle --by` write
    co = next(x for x in read_metrics(out) if x["section"] == "cohorts")
    assert co["by"] == "channel"                               # the first of segment_columns the data has
    cli = pd.read_csv(__import__("io").StringIO(run_cli("cohorts", sample_dir, "--month", "2026-10",
                                                        check=True).stdout)).set_index("cohort")
    assert list(co["cohorts"]) == list(cli.index)
    for cohort, row in co["cohorts"].items():
        assert row["size"] == cli.loc[cohort, "size"] and row["m0"] == 1
        assert _same(None if pd.isna(cli.loc[cohort, "m1"]) else float(cli.loc[cohort, "m1"]), row["m1"])
    seg = pd.read_csv(__import__("io").StringIO(run_cli("lifecycle", sample_dir, "--by", "channel",
                                                        check=True).stdout))
    seg = seg[seg.month == "2026-10"].set_index("segment")
    assert set(co["segments"]) == set(seg.index)
    for s, row in co["segments"].items():
        assert row["mau"] == seg.loc[s, "mau"] and _same(float(seg.loc[s, "active_rate"]), row["active_rate"])
    assert sum(r["cumulative"] for r in co["segments"].values()) == m["current"]["cumulative"]
    text = "".join(c.source for c in nb.cells)
    assert "plot_cohort_heatmap" in text and "plot_segment_rate" in text


def test_lifecycle_notebook_breaks_down_by_the_by_parameter(sample_dir, tmp_path):
    out = tmp_path / "lifecycle-city.ipynb"
    _execute("01_lifecycle", out, data_dir=str(sample_dir), month="2026-10", language="zh", by="city",
             interactive=False)
    co = next(x for x in read_metrics(out) if x["section"] == "cohorts")
    assert co["by"] == "city" and "杭州" in co["segments"]
    # a finding in another users column (the ad channel's retention) brings its table: the page showed
    # only the city's, and nothing on it backed the channel's numbers
    from toolkit.analyses.cohorts import segment_monthly
    from toolkit.analyses.lifecycle import Lifecycle
    from toolkit.data.store import open_store
    from toolkit.report.findings import segment_finding
    finding = segment_finding(segment_monthly(Lifecycle(open_store(sample_dir).con), "channel", 2), "2026-10",
                              "渠道", "zh")
    assert finding and "「ad」" in finding[0]           # the test sample plants it (SEGMENT_RETENTION)
    nb = nbformat.read(str(out), as_version=4)
    texts = [o.get("text") or "".join(o.get("data", {}).get("text/markdown", "")) or
             "".join(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", [])]
    at = next(i for i, t in enumerate(texts) if "按渠道细分(上面发现所依据的表)" in t)
    assert "segments-channel" in texts[at + 1] and ">ad<" in texts[at + 1], texts[at + 1][:500]


def test_lifecycle_notebook_with_widgets_under_papermill(sample_dir, tmp_path):
    """Interactive mode (the JupyterLab default) also executes cleanly without a front end."""
    nb = _execute("01_lifecycle", tmp_path / "interactive.ipynb", data_dir=str(sample_dir), month="2026-03",
                  interactive=True)
    widget_outputs = [o for c in nb.cells for o in c.get("outputs", [])
                      if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widget_outputs


def test_periods_notebook_records_the_cli_numbers(sample_dir, tmp_path):
    out = tmp_path / "periods.ipynb"
    nb = _execute("02_periods", out, data_dir=str(sample_dir), month="2026-10", language="zh", interactive=False)
    m = [x for x in read_metrics(out) if x["section"] == "periods"][0]
    hol = pd.read_csv(__import__("io").StringIO(run_cli("holidays", sample_dir).stdout))
    got = {(h["festival"], h["start"]): h["lift"] for h in m["holidays"]}
    for _, r in hol.iterrows():
        assert _same(None if pd.isna(r["lift"]) else float(r["lift"]), got[(r["festival"], r["start"])])
    camp = pd.read_csv(__import__("io").StringIO(run_cli("campaigns", sample_dir).stdout)).set_index("campaign_id")
    for c in m["campaigns"]:
        assert _same(camp.loc[c["campaign_id"], "difference"], c["difference"])
        assert _same(camp.loc[c["campaign_id"], "p_value"], c["p_value"])
    assert sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])) >= 6


def test_preferences_notebook_records_the_cli_numbers(sample_dir, tmp_path):
    out = tmp_path / "preferences.ipynb"
    _execute("03_preferences", out, data_dir=str(sample_dir), month="2026-10", language="en", interactive=False)
    m = [x for x in read_metrics(out) if x["section"] == "preferences"][0]
    cli = pd.read_csv(__import__("io").StringIO(run_cli("preferences", sample_dir, "--month", "2026-10").stdout))
    tags = {t["category"]: t for t in m["tags"]}
    assert tags["car_control"]["primary"] == int((cli.primary_tag == "car_control").sum())
    assert tags["unknown"]["primary"] == int((cli.primary_tag == "unknown").sum())
    r1 = [s for s in m["scenes"] if s["rule_id"] == "R1" and s["month"] == "all"][0]
    assert 0.05 < r1["difference"] < 0.2


def test_value_risk_notebook_records_the_cli_numbers(sample_dir, tmp_path):
    out = tmp_path / "value_risk.ipynb"
    nb = _execute("04_value_risk", out, data_dir=str(sample_dir), month="2026-10", language="en", interactive=False)
    m = [x for x in read_metrics(out) if x["section"] == "value_risk"][0]
    assert m["mode"] == "rfm" and m["ideas"] == 5 and m["kpi_months"] >= 12
    from toolkit.analyses.lifecycle import Lifecycle
    from toolkit.analyses.value import rfm_scores
    from toolkit.data.store import open_store
    con = open_store(sample_dir).con
    Lifecycle(con)
    counts = rfm_scores(con, "2026-10")["tier"].value_counts()          # what `toolkit rfm` counts
    assert {t["tier"]: t["users"] for t in m["tiers"] if t["users"]} == counts.to_dict()
    churn = m["churn"]
    assert churn["eval_month"] == "2026-09" and {x["model"] for x in churn["models"]} == {"logistic", "boosting",
                                                                                          "baseline"}
    for x in churn["models"]:
        assert 0 <= x["auc"] <= 1 and 0 <= x["precision_top"] <= 1 and 0 <= x["recall_top"] <= 1
    assert sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])) >= 4
    from toolkit.report.labels import t
    risk_tables = [o for c in nb.cells for o in c.get("outputs", [])
                   if t("vr_mean_risk", "en") in str(o.get("data", {}).get("text/html", ""))]
    assert len(risk_tables) == 3          # by state, by value tier and by primary tag (the sample has categories)


def test_value_risk_notebook_without_a_churn_model_says_so_under_each_heading(sample_dir, tmp_path):
    """On the second month of data there is no churn model: the sections that depend on it say
    so, instead of a heading with nothing under it (risk by state and tag)."""
    from toolkit.report.labels import t
    nb = _execute("04_value_risk", tmp_path / "vr.ipynb", data_dir=str(sample_dir), month="2024-12", language="en",
                  interactive=False)
    text = [str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells for o in c.get("outputs", [])]
    assert any(t("vr_no_churn", "en") in s for s in text)
    assert any(t("vr_no_risk_by", "en") in s for s in text)


def test_lifecycle_notebook_says_which_month_has_no_events(tmp_path):
    """A month of the export missing between others: the lifecycle page says which, above its
    findings, and records it for the summary page (the charts would drop to zero unexplained)."""
    from toolkit.data.sample import generate_sample
    from toolkit.report.labels import t
    d = tmp_path / "data"
    generate_sample(d, users=600, months=6, end="2026-10", seed=4)
    (d / "events" / "events-2026-07.parquet").unlink()
    out = tmp_path / "lc.ipynb"
    nb = _execute("01_lifecycle", out, data_dir=str(d), month="2026-10", language="zh", interactive=False)
    note = t("month_gaps", "zh").format(months="2026-07")
    shown = [str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells for o in c.get("outputs", [])]
    assert any(note in s for s in shown), shown[:5]
    assert read_metrics(out)[0]["notes"] == [note]


def test_an_events_export_shorter_than_the_users_table_and_an_absent_signal_are_said(tmp_path):
    """An app's export of the last months beside its whole users table: the lifecycle ran from the
    first registration, twenty months of registrations only (everyone inactive, then churned), with
    no word on the page, on the command line or in validate; and the configured offline signal
    (trip), called otherwise in the data, silently counted as activity.  Both are said, and the
    months of registrations only are no rows of any table: the lifecycle begins with the events,
    the plan takes its rates after the first churn window (its wake rate was the first month's, 74%:
    everyone registered earlier counted as dormant), and no cohort of those months enters the
    retention curves (with a cohort size of 0 beside its active users, they came out at 17-20%)."""
    from toolkit.data.sample import generate_sample
    from toolkit.data.store import open_store
    from toolkit.data.validate import validate
    from toolkit.report.labels import t
    d = tmp_path / "data"
    generate_sample(d, users=600, months=6, end="2026-10", seed=4)
    for m in ("2026-05", "2026-06"):
        (d / "events" / f"events-{m}.parquet").unlink()
    config = tmp_path / "toolkit.yaml"
    config.write_text(f"data_dir: {d}\nsignal_events: [trip_end]\nlanguage: zh\n", encoding="utf-8")
    out = tmp_path / "lc.ipynb"
    nb = _execute("01_lifecycle", out, config=str(config), month="2026-10", interactive=False)
    before = t("before_events", "zh").format(first="2026-05", start="2026-07", n=2, k=2, settled="2026-09")
    absent = t("signal_absent", "zh").format(names="trip_end")
    shown = " ".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells for o in c.get("outputs", []))
    assert before in shown and absent in shown, shown[:800]
    assert read_metrics(out)[0]["notes"] == [f"{before} {absent}"]
    assert read_metrics(out)[0]["events_from"] == "2026-07"     # the summary compares no month before it
    for stem in ("02_periods", "04_value_risk"):                 # the note is on every section's page
        other = _execute(stem, tmp_path / f"{stem}.ipynb", config=str(config), month="2026-10", interactive=False)
        text = " ".join(str(o.get("data", {}).get("text/markdown", "")) for c in other.cells
                        for o in c.get("outputs", []))
        assert before in text, stem
        if stem == "04_value_risk":     # the KPI correlations leave out the warm-up's rates
            assert read_metrics(tmp_path / f"{stem}.ipynb")[0]["kpi_months"] == 2
    proc = run_cli("--config", config, "lifecycle", "--out", tmp_path / "lc.csv")
    assert proc.returncode == 0 and "registrations start in 2026-05, the events only in 2026-07" in proc.stderr
    assert pd.read_csv(tmp_path / "lc.csv")["month"].tolist() == ["2026-07", "2026-08", "2026-09", "2026-10"]
    from toolkit.analyses.cohorts import cohort_table
    from toolkit.analyses.lifecycle import Lifecycle
    from toolkit.analyses.planning import make_plan
    lc = Lifecycle(open_store(d).con, signal_events=["trip_end"])
    monthly = lc.monthly(2)
    plan = make_plan(lc, monthly, ["2026-11"], 0.9)
    settled = monthly[monthly["month"] >= "2026-09"].set_index("month")
    assert dict(plan.rates.iloc[0]) == pytest.approx(dict(settled[RATES].max()))
    assert cohort_table(lc)["cohort"].min() == "2026-07"
    assert "none of the signal_events of the configuration occurs in the events" in proc.stderr, proc.stderr
    health = validate(open_store(d), signal_events=["trip_end"])
    assert any("start in 2026-05, the events only in 2026-07" in w for w in health.warnings), health.warnings
    assert any("None of the signal_events of the configuration (trip_end) occurs" in w for w in health.warnings)
    assert not any("signal_events" in w for w in validate(open_store(d), signal_events=["trip"]).warnings)


def test_a_wrong_parameter_shows_one_paragraph_and_stops_run_all(sample_dir):
    """In a live kernel (JupyterLab's "Run All" after editing the parameters cell): a month
    outside the data shows as one paragraph, without the traceback, and a cell queued behind
    it that reaches the kernel after the error is cancelled instead of running on the previous
    run's variables (it once showed the last data set's charts under the error)."""
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(ROOT))
    try:
        kc.execute_interactive("x = 'before'", timeout=60)
        errors = []
        hook = lambda msg: errors.append(msg["content"]) if msg["msg_type"] == "error" else None  # noqa: E731
        reply = kc.execute_interactive("from toolkit.report.context import open_report\n"
                                       f"ctx = open_report(data_dir={str(sample_dir)!r}, month='2030-01')",
                                       timeout=120, output_hook=hook)
        assert reply["content"]["status"] == "error" and len(errors) == 1
        shown = "\n".join(errors[0]["traceback"])
        # one paragraph (the sample's pages are Chinese: the kind of problem in Chinese above it)
        assert errors[0]["traceback"][0].startswith("\x1b[31m月份超出数据范围"), shown
        assert len(errors[0]["traceback"]) == 2 and "month 2030-01 is outside the data" in shown, shown
        assert "File " not in shown and "Traceback" not in shown
        queued = kc.execute("x = 'ran'")         # the next cell of "Run All", arriving just after the error
        late = kc.get_shell_msg(timeout=30)
        assert late["parent_header"]["msg_id"] == queued and late["content"]["status"] == "aborted"
        time.sleep(2.5)                          # a cell run by hand afterwards runs
        out = []
        kc.execute_interactive("print(x)", timeout=30,
                               output_hook=lambda m: out.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
        assert "".join(out).strip() == "before"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_breakdown_column_the_data_lack_stops_the_first_cell(sample_dir, tmp_path):
    """`by` naming no column of the users table stops at the first code cell (it ran ten cells
    first), with a message that names the parameter and the columns offered."""
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(ROOT / "notebooks" / "01_lifecycle.ipynb"), str(tmp_path / "by.ipynb"),
                            kernel_name="python3", progress_bar=False, cwd=str(ROOT), execution_timeout=600,
                            parameters={"data_dir": str(sample_dir), "by": "nope", "interactive": False})
    assert "Breakdown by 'nope' (--by; the notebooks' by): the users table has no column 'nope'" in str(e.value)
    assert "ctx = open_report(" in e.value.source      # the first code cell (after the parameters)


def test_an_error_on_a_chinese_page_says_its_kind_in_chinese(sample_dir, tmp_path):
    """An analyst in a Chinese JupyterLab read "ConfigError: the campaigns table ..." in English only:
    the kind of problem is said in Chinese above the message (which names files, columns and
    parameters as written, so it stays English)."""
    from toolkit.errors import ConfigError, MissingColumnError, set_language
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(ROOT / "notebooks" / "01_lifecycle.ipynb"), str(tmp_path / "by.ipynb"),
                            kernel_name="python3", progress_bar=False, cwd=str(ROOT), execution_timeout=600,
                            parameters={"data_dir": str(sample_dir), "by": "nope", "interactive": False,
                                        "language": "zh"})
    shown = "\n".join(e.value.traceback)
    assert "(下面的英文说明指出了所涉及的文件、列或参数,以及如何修改)" in shown and "Breakdown by 'nope'" in shown, shown
    try:
        set_language("zh")
        assert "数据表缺少必需的列" in MissingColumnError("x")._render_traceback_()[0]
        assert "配置或参数有误" in ConfigError("x")._render_traceback_()[0]
        set_language("en")
        assert len(ConfigError("x")._render_traceback_()) == 1
    finally:
        set_language("en")
