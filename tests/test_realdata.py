"""The real UCI Online Retail invoices, turned into the event layout and validated."""

import html

import nbformat
import pytest

from conftest import ROOT, run_cli
from toolkit.data.convert import convert_transactions
from toolkit.errors import MissingColumnError
from toolkit.data.store import open_store
from toolkit.data.validate import validate

REAL = ROOT.parent / "shared" / "realdata" / "online_retail_invoices.csv"
# Known figures of the file (its README): new customers per month, 2010-12 .. 2011-12.
NEW_PER_MONTH = [885, 417, 380, 452, 300, 284, 242, 188, 169, 299, 358, 323, 41]

pytestmark = pytest.mark.skipif(not REAL.is_file(), reason=f"real data not present at {REAL}")


@pytest.fixture(scope="module")
def retail(tmp_path_factory):
    out = tmp_path_factory.mktemp("retail")
    proc = run_cli("convert-transactions", REAL, "--out", out, "--user-col", "CustomerID",
                   "--time-col", "InvoiceDate", "--amount-col", "TotalPrice", "--id-col", "InvoiceNo")
    assert proc.returncode == 0, proc.stderr
    assert "18,532 events of 4,338 users" in proc.stdout
    return out


def test_validation_on_real_data(retail):
    h = validate(open_store(retail, timezone="Europe/London"))
    assert h.ok
    assert h.summary["rows"] == 18_532 and h.summary["users"] == 4_338
    assert h.summary["duplicate_rows"] == 0
    assert str(h.summary["first_event"])[:10] == "2010-12-01" and str(h.summary["last_event"])[:10] == "2011-12-09"
    proc = run_cli("validate", retail, "--timezone", "Europe/London")
    assert proc.returncode == 0 and "4,338 users" in proc.stdout


def test_first_purchase_month_matches_the_known_new_customers(retail):
    con = open_store(retail, timezone="Europe/London").con
    got = [r[1] for r in con.execute("""SELECT month, count(*) FROM (
               SELECT user_id, strftime(min(event_time), '%Y-%m') AS month FROM events GROUP BY user_id)
           GROUP BY month ORDER BY month""").fetchall()]
    assert got == NEW_PER_MONTH


def test_orders_carry_amounts(retail):
    con = open_store(retail).con
    total = con.execute("SELECT round(sum(amount)) FROM orders").fetchone()[0]
    assert total > 8_000_000   # the retailer's revenue in GBP over the year


def test_convert_names_a_missing_column(tmp_path):
    with pytest.raises(MissingColumnError, match=r"--user-col.*Customer"):
        convert_transactions(REAL, tmp_path, user_col="Customer", time_col="InvoiceDate")


def test_convert_says_a_file_cut_short(tmp_path):
    """A copy of the invoices cut mid-line was read as one column ("no column(s) ... Name the right
    columns with the flags"), one cut after a comma converted with an order of no amount and exit 0;
    the same file whole without a last line end converts."""
    from toolkit.errors import DataReadError
    head = REAL.read_bytes()[:30000]
    whole = head[:head.rindex(b"\n")]                         # whole lines, no line end after the last
    line = whole[whole.rindex(b"\n") + 1:]
    cuts = {"mid-line": whole + b"\n" + line[:5], "after a comma": whole + b"\n" + line[:line.rindex(b",") + 1]}
    for name, text in cuts.items():
        cut = tmp_path / f"{name}.csv"
        cut.write_bytes(text)
        with pytest.raises(DataReadError, match="looks cut short"):
            convert_transactions(cut, tmp_path / name, user_col="CustomerID", time_col="InvoiceDate",
                                 amount_col="TotalPrice", id_col="InvoiceNo")
    ok = tmp_path / "whole.csv"
    ok.write_bytes(whole + b"\n")
    done = convert_transactions(ok, tmp_path / "whole", user_col="CustomerID", time_col="InvoiceDate",
                                amount_col="TotalPrice", id_col="InvoiceNo")
    assert done["events"] > 0 and done["last_line"] is None
    # cut inside the last value (197.52 read as 1): converted, and the command says the last row may be cut
    inside = tmp_path / "inside.csv"
    inside.write_bytes(whole[:-1])
    proc = run_cli("convert-transactions", inside, "--out", tmp_path / "inside", "--user-col", "CustomerID", "--time-col",
                   "InvoiceDate", "--amount-col", "TotalPrice", "--id-col", "InvoiceNo")
    assert proc.returncode == 0 and "does not end with a line end, as its other lines do" in proc.stderr, proc.stderr
    assert line.decode()[:15] in proc.stderr, proc.stderr                    # the row to compare, named


def test_lifecycle_new_users_match_the_known_figures(retail):
    proc = run_cli("lifecycle", retail)
    assert proc.returncode == 0, proc.stderr
    import io
    import pandas as pd
    df = pd.read_csv(io.StringIO(proc.stdout))
    assert list(df["month"]) == ["2010-12"] + [f"2011-{m:02d}" for m in range(1, 13)]
    assert list(df["new"]) == NEW_PER_MONTH
    assert df["cumulative"].iloc[-1] == 4_338
    assert (df[["new", "new_retained", "active", "woken", "returned", "dormant", "churned"]].sum(axis=1)
            == df["cumulative"]).all()


def test_reports_render_on_the_real_data(retail, tmp_path):
    """A data set with no users, feature_map, campaigns or signal events, in another country."""
    conf = tmp_path / "retail.yaml"
    conf.write_text(f"data_dir: {retail}\ntimezone: Europe/London\nsignal_events: []\nlanguage: en\n"
                    f"holiday_country: GB\ntarget_active_rate: 0.3\nreports_dir: {tmp_path / 'reports'}\n")
    proc = run_cli("--config", conf, "report")
    assert proc.returncode == 0, proc.stderr
    month = tmp_path / "reports" / "2011-11"                 # data end 2011-12-09: November is the last complete
    assert sorted(p.name for p in month.glob("*.html")) == ["01_lifecycle.html", "02_periods.html",
                                                           "03_preferences.html", "04_value_risk.html", "index.html"]
    periods = (month / "02_periods.html").read_text(encoding="utf-8")
    assert "Christmas" in periods and "Good Friday" in periods        # the GB calendar, not China's
    # next month's Christmas, when the shop did no trade last year, is named for the planner
    assert "Coming soon, with no active user on any of their days last time (closed?): Christmas Day + Boxing Day (2011-12-24" \
        in (month / "index.html").read_text(encoding="utf-8").replace("&#x27;", "'")
    prefs = (month / "03_preferences.html").read_text(encoding="utf-8")   # no feature_map: said once, in full
    assert prefs.count("has no feature categories, so there are no preference tags") == 1
    assert "Not available without feature categories" in prefs
    # the scene results heading says why nothing is under it (it read as a table that failed to load)
    # (a shop without pushes: that it has none, not that none has ended its 30 days)
    assert "The data hold no pushes: no push month to evaluate." in prefs and "whose 30 days have ended" not in prefs
    # what a manager reads first is what is missing; the setup is for the analyst, after it
    assert "(For the analyst: add feature_map.csv" in prefs
    assert "<em>(For the analyst: add feature_map.csv" in prefs          # set apart from what is missing
    summary = (month / "index.html").read_text(encoding="utf-8")      # 12 months of data: no year-on-year, said
    assert "no feature categories" in summary and "For the analyst" not in summary       # the manager's page
    assert "vs last year: the data start in 2010-12, less than a year before this month." in summary
    from toolkit.report.tables import read_metrics
    vr = [m for m in read_metrics(month / "04_value_risk.ipynb") if m["section"] == "value_risk"][0]
    assert vr["mode"] == "rfm" and vr["churn"]["eval_month"] == "2011-10"
    for x in vr["churn"]["models"]:                     # purchases: the model runs and states its AUC and baseline
        assert 0 <= x["auc"] <= 1 and 0 <= x["precision_top"] <= 1 and 0 <= x["calibration_error"] <= 1
    page = (month / "04_value_risk.html").read_text(encoding="utf-8")
    # correlations in words only of month-on-month changes over enough months: eleven months of a shop gave
    # "(correlation +0.84, 9 months; too few months, possibly chance)" among its conclusions, and levels
    # "trended together" by a shared trend alone
    assert "possibly chance" not in page and "trended together" not in page and "trended in opposite" not in page
    # no feature_map: every user's primary tag is the same, so risk is shown by state and value tier (no one-bar tag chart)
    from toolkit.report.labels import t
    executed = nbformat.read(str(month / "04_value_risk.ipynb"), as_version=4)
    risk_tables = [o for c in executed.cells for o in c.get("outputs", [])
                   if t("vr_mean_risk", "en") in str(o.get("data", {}).get("text/html", ""))]
    assert len(risk_tables) == 2                                      # by state and by value tier
    assert t("vr_no_tag_risk", "en") in page                          # ... and the heading's "by tag" is explained
    auc = {x["model"]: x["auc"] for x in vr["churn"]["models"]}
    assert "baseline: recency alone" in page and f"{auc['baseline']:.3f}" in page and f"{auc[vr['churn']['chosen']]:.3f}" in page
    # the shop's forecast ran high on its evaluation month: the finding reads it again, and the summary
    # quotes it with the model's accuracy (a manager read "about 884 expected inactive" and no accuracy)
    said = "Of 2011-10's active users the model put 59% inactive in 2011-11, and 54% were: expect about"
    assert said in html.unescape(page) and said in html.unescape(summary)
    assert "out-of-time AUC" in summary


def test_closed_shop_holidays_have_a_lift_of_zero(retail):
    assert run_cli("holidays", retail).returncode == 0
    from toolkit.analyses.holiday_lift import daily_users, holiday_lift
    lifts = holiday_lift(daily_users(open_store(retail).con, signal_events=()), country="GB")
    xmas = lifts[lifts["name"].str.contains("Christmas")].iloc[0]
    assert xmas["lift"] == 0 and xmas["ci_low"] == 0 and 0 < xmas["ci_high"] < 0.2   # the shop was closed
    assert lifts["lift"].notna().sum() >= 5



def test_the_preferences_explorer_is_not_offered_without_a_feature_map(retail, tmp_path):
    """The real invoices have no feature_map: the interactive preferences notebook says so where
    its explorer would be, instead of a chart of 'other' at 100% in every state."""
    import papermill as pm
    cfg = tmp_path / "retail.yaml"
    cfg.write_text(f"data_dir: {retail}\ntimezone: Europe/London\nsignal_events: []\nlanguage: en\n"
                   "holiday_country: GB\n", encoding="utf-8")
    out = tmp_path / "prefs.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "03_preferences.ipynb"), str(out), kernel_name="python3",
                        progress_bar=False, cwd=str(ROOT), execution_timeout=600,
                        parameters={"config": str(cfg), "month": "2011-11", "interactive": True})
    nb = nbformat.read(str(out), as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    # the analyst sees which data and configuration the notebook read
    first = [str(o.get("data", {}).get("text/markdown", "")) for o in outputs]
    assert any(s.startswith("Data: `") and f"configuration: `{cfg}`" in s and "month 2011-11" in s for s in first), \
        first[:3]
    from toolkit.report.labels import note
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert any(note("no_feature_map_again", "en") in str(o.get("data", {})) for o in last.get("outputs", []))


def test_the_user_export_of_a_shop_has_no_driving_column(retail, tmp_path):
    """Without offline-signal events nobody can have "driven in the last 3 months": the column is
    left out instead of reading "no" for every customer."""
    conf = tmp_path / "retail.yaml"
    conf.write_text(f"data_dir: {retail}\ntimezone: Europe/London\nsignal_events: []\nlanguage: en\n")
    out = tmp_path / "users.csv"
    proc = run_cli("--config", conf, "export-users", "--month", "2011-11", "--out", out)
    assert proc.returncode == 0, proc.stderr
    import pandas as pd
    df = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert "drove in the last 3 months" not in df.columns and "lifecycle state" in df.columns
    assert "" not in set(df["value tier (RFM)"])      # every customer ordered within the 12 months
    # no feature map: the last core-feature columns (car_control by default) were empty for every customer
    assert "last core-feature event" not in df.columns and "last core-feature time" not in df.columns
    assert "note: no category 'car_control' in the feature map" in proc.stderr and "no feature_map" in proc.stderr


def test_the_readmes_retail_configuration_validates_without_the_samples_settings(retail, tmp_path):
    """The README had `toolkit validate data/retail` before the retail configuration, so the
    project's toolkit.yaml (the sample's) applied and validate warned that the offline signal
    `trip` never occurs.  The README's own retail.yaml block, pointed at the converted data."""
    import re
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(data_dir: data/retail\n.*?)```", text, re.S).group(1)
    assert "toolkit --config retail.yaml validate" in text and "toolkit validate data/retail" not in text
    cfg = tmp_path / "retail.yaml"
    cfg.write_text(block.replace("data_dir: data/retail", f"data_dir: {retail}")
                   .replace("reports_dir: reports/retail", f"reports_dir: {tmp_path / 'reports'}"), encoding="utf-8")
    proc = run_cli("--config", cfg, "validate", cwd=ROOT)
    assert proc.returncode == 0 and "4,338 users" in proc.stdout, proc.stderr
    assert "signal_events" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_the_shops_churn_list_says_its_expected_number_is_too_high(retail):
    """On the UK shop the riskiest tenth were put at 84% on the evaluation month and 76% lapsed: the
    command printed 'expected inactive 139' and left the discount to the reader."""
    proc = run_cli("churn-risk", retail, "--month", "2011-11", "--top", "0.1", "--out", retail.parent / "risk.csv")
    assert proc.returncode == 0, proc.stderr
    assert "Read the expected number as too high: at 2011-10's rate, about" in proc.stderr, proc.stderr
    # ... and the month's whole forecast, as the page reads it
    assert "Of 2011-10's active users the model put 59% inactive in 2011-11, and 54% were: expect about" in proc.stderr, proc.stderr
