"""Period analysis: the holiday calendar, holiday lifts, campaign effects (control
arm and diff-in-diff), the SRM check, the A/B helper, the funnel and stickiness."""
import io
import math
from datetime import date

import pandas as pd
import pytest
from scipy.stats import norm

from conftest import run_cli, write_table
from toolkit.analyses.abtest import sample_ratio_mismatch, sample_size, two_proportions
from toolkit.analyses.campaign_effects import campaign_effects
from toolkit.analyses.holiday_calendar import holiday_windows, is_day_off
from toolkit.analyses.holiday_lift import daily_users, holiday_lift
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.analyses.periods import cohort_funnel, stickiness
from toolkit.data.store import open_store

# The official schedules (国务院办公厅 notices for 2025 and 2026).
OFFICIAL = [
    ("new_year", "2025-01-01", "2025-01-01"), ("spring_festival", "2025-01-28", "2025-02-04"),
    ("qingming", "2025-04-04", "2025-04-06"), ("labour_day", "2025-05-01", "2025-05-05"),
    ("dragon_boat", "2025-05-31", "2025-06-02"), ("national_day", "2025-10-01", "2025-10-08"),
    ("new_year", "2026-01-01", "2026-01-03"), ("spring_festival", "2026-02-15", "2026-02-23"),
    ("qingming", "2026-04-04", "2026-04-06"), ("labour_day", "2026-05-01", "2026-05-05"),
    ("dragon_boat", "2026-06-19", "2026-06-21"), ("mid_autumn", "2026-09-25", "2026-09-27"),
    ("national_day", "2026-10-01", "2026-10-07"),
]
MAKE_UP_WORKDAYS = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
                    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


def test_windows_match_the_official_schedule():
    got = [(w.festival, w.start.isoformat(), w.end.isoformat())
           for w in holiday_windows(date(2025, 1, 1), date(2026, 12, 31))]
    assert got == OFFICIAL
    for d in MAKE_UP_WORKDAYS:
        assert not is_day_off(date.fromisoformat(d)), d          # weekend days that are worked (调休)
    assert is_day_off(date(2025, 10, 8)) and not is_day_off(date(2025, 10, 9))


def test_lunar_festivals_compare_by_festival(sample_dir):
    lifts = holiday_lift(daily_users(open_store(sample_dir).con))
    sf = lifts[lifts.festival == "spring_festival"].reset_index(drop=True)
    assert list(sf.start) == [date(2025, 1, 28), date(2026, 2, 15)]
    assert sf.loc[1, "last_year_lift"] == sf.loc[0, "lift"]


@pytest.fixture(scope="module")
def sample_lifts(sample_dir):
    return holiday_lift(daily_users(open_store(sample_dir).con))


def test_planted_holiday_lifts_lie_in_their_intervals(sample_lifts, truth):
    """Every planted lift lies in its window's interval, widened for the number of windows
    (Bonferroni: with 13 windows at 95% each, one miss in two samples is chance), and the
    estimates are not biased as a whole: the mean of their standardised errors is near 0
    (its standard deviation is 1/sqrt(13) = 0.28; checked on seeds 11-13: 0.15, -0.02, 0.43)."""
    from scipy.stats import norm
    planted = {(h["festival"], h["start"]): h["lift"] for h in truth["holidays"]}
    rows = sample_lifts.dropna(subset=["lift"])
    assert len(rows) >= 10
    z_all = norm.ppf(1 - 0.05 / (2 * len(rows)))
    errors = []
    for _, r in rows.iterrows():
        p = planted[(r["festival"], r["start"].isoformat())]
        se = (r["ci_high"] - r["ci_low"]) / (2 * norm.ppf(0.975))
        errors.append((r["lift"] - p) / se)
        assert abs(errors[-1]) <= z_all, (r["festival"], r["start"], r["lift"], r["ci_low"], r["ci_high"], p)
    assert abs(sum(errors) / len(errors)) < 1.0, errors


def test_signal_holiday_lift(sample_dir, truth):
    """Trips (the offline signal) also rise in the major windows, by about the planted factor."""
    lifts = holiday_lift(daily_users(open_store(sample_dir).con, event_names=["trip"]))
    for fest in ("spring_festival", "national_day"):
        r = lifts[lifts.festival == fest].iloc[-1]
        planted = next(h["lift"] for h in truth["holidays"] if h["festival"] == fest)
        assert r["lift"] == pytest.approx(planted, rel=0.1)


@pytest.fixture(scope="module")
def sample_effects(sample_dir):
    con = open_store(sample_dir).con
    Lifecycle(con)
    return campaign_effects(con).set_index("campaign_id")


def test_planted_campaign_lifts_lie_in_their_intervals(sample_effects, truth):
    for c in truth["campaigns"]:
        r = sample_effects.loc[c["campaign_id"]]
        assert r["method"] == "control arm"
        assert r["ci_low"] <= c["lift"] <= r["ci_high"], (c["campaign_id"], r["difference"], r["ci_low"], r["ci_high"])
        assert not r["srm_flag"]
        if c["lift"] == 0:
            assert r["p_value"] > 0.05 and r["ci_low"] < 0 < r["ci_high"]       # no effect is not "significant"
        else:
            assert r["p_value"] < 0.001


def _campaign_dir(tmp_path, treat_n, control_n, *, with_control=True):
    d = tmp_path / "camp"
    rows, members = [], []
    uid = 0
    for arm, n, active in (("treatment", treat_n, 0.6), ("control", control_n, 0.4)):
        for i in range(n):
            uid += 1
            rows.append((uid, "2025-12-10 10:00:00", "app_open"))
            if i < n * active:
                rows.append((uid, "2026-01-15 10:00:00", "app_open"))
            members.append({"campaign_id": "X", "user_id": uid, "arm": arm if with_control else "treatment"})
    write_table(d, "events", pd.DataFrame({"user_id": [r[0] for r in rows], "event_name": [r[2] for r in rows],
                                           "event_time": pd.to_datetime([r[1] for r in rows])}))
    write_table(d, "campaign_members", pd.DataFrame(members))
    (d / "campaigns.csv").write_text("campaign_id,name,start_date,end_date,goal_metric,target_group,"
                                     "planned_treatment_share\nX,test,2026-01-01,2026-01-31,active,all,0.5\n")
    return d


def test_skewed_split_raises_the_srm_flag(tmp_path):
    con = open_store(_campaign_dir(tmp_path, 600, 400)).con
    r = campaign_effects(con).iloc[0]
    assert r["srm_flag"] and r["n_treatment"] == 600 and r["n_control"] == 400
    assert r["treatment"] == pytest.approx(0.6) and r["control"] == pytest.approx(0.4)
    assert sample_ratio_mismatch(510, 490)["srm_flag"] is False


def test_campaign_without_control_is_a_diff_in_diff(tmp_path):
    # members 1-4: active in Dec (before) 1 of 4, in Jan (after) 3 of 4 -> +0.50
    # others 5-8 (entered earlier): before 2 of 4, after 2 of 4 -> 0.00; DiD = +0.50
    d = tmp_path / "did"
    rows = [(u, "2025-11-05 09:00:00", "app_open") for u in range(1, 9)]            # everyone enters in Nov
    rows += [(1, "2025-12-10 09:00:00", "app_open")] + [(u, "2026-01-10 09:00:00", "app_open") for u in (1, 2, 3)]
    rows += [(u, "2025-12-10 09:00:00", "app_open") for u in (5, 6)] + [(u, "2026-01-10 09:00:00", "app_open")
                                                                         for u in (6, 7)]
    write_table(d, "events", pd.DataFrame({"user_id": [r[0] for r in rows], "event_name": [r[2] for r in rows],
                                           "event_time": pd.to_datetime([r[1] for r in rows])}))
    write_table(d, "campaign_members", pd.DataFrame({"campaign_id": "D", "user_id": [1, 2, 3, 4],
                                                     "arm": "treatment"}))
    (d / "campaigns.csv").write_text("campaign_id,name,start_date,end_date,goal_metric,target_group\n"
                                     "D,recall,2026-01-01,2026-01-31,active,chosen users\n")
    con = open_store(d).con
    Lifecycle(con)
    r = campaign_effects(con).iloc[0]
    assert r["method"] == "diff-in-diff"
    assert r["treatment"] == pytest.approx(0.5) and r["control"] == pytest.approx(0.0)
    assert r["difference"] == pytest.approx(0.5)
    assert r["ci_low"] < 0.5 < r["ci_high"]


def test_a_mistyped_campaign_goal_is_named_with_the_closest(tmp_path):
    """goal_metric retention_neww was counted as activity and shown raw on the Chinese page; the
    campaigns table is refused by the analysis and by validate, naming the campaign and the goal
    it was meant to be."""
    from toolkit.data.validate import validate
    from toolkit.errors import ConfigError
    d = tmp_path / "typo"
    write_table(d, "events", pd.DataFrame({"user_id": [1, 2], "event_name": ["app_open", "app_open"],
                                           "event_time": pd.to_datetime(["2025-11-05 09:00", "2026-01-10 09:00"])}))
    write_table(d, "campaign_members", pd.DataFrame({"campaign_id": "D", "user_id": [1, 2],
                                                     "arm": ["treatment", "control"]}))
    (d / "campaigns.csv").write_text("campaign_id,name,start_date,end_date,goal_metric,target_group\n"
                                     "D,recall,2026-01-01,2026-01-31,retention_neww,chosen users\n")
    store = open_store(d)
    Lifecycle(store.con)
    with pytest.raises(ConfigError,
                       match=r"campaign 'D' has goal_metric 'retention_neww'.*the closest is retention_new"):
        campaign_effects(store.con)
    assert any("retention_neww" in str(e) and "campaigns.csv" in str(e) for e in validate(store).errors)


def _wilson(s, n, z=norm.ppf(0.975)):
    p = s / n
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("st, nt, sc, nc", [(60, 100, 50, 100), (3, 4, 1, 4), (5, 10, 1000, 10000), (0, 5, 0, 1000)])
def test_two_proportions_by_hand(st, nt, sc, nc):
    """Newcombe's interval from the two Wilson intervals, by hand: inside [-1, 1] for small arms
    (3/4 against 1/4 gave -10 to +110 points with the Wald interval), the pooled z-test, and
    Fisher's exact test beside it when a cell is under 5."""
    r = two_proportions(st, nt, sc, nc)
    pt, pc = st / nt, sc / nc
    (lt, ut), (lc, uc) = _wilson(st, nt), _wilson(sc, nc)
    assert r["difference"] == pytest.approx(pt - pc)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((pt - pc - math.hypot(pt - lt, uc - pc),
                                                         pt - pc + math.hypot(ut - pt, pc - lc)))
    assert -1 <= r["ci_low"] <= r["ci_high"] <= 1
    p0 = (st + sc) / (nt + nc)                                           # pooled z-test
    if 0 < p0 < 1:
        z = (pt - pc) / math.sqrt(p0 * (1 - p0) * (1 / nt + 1 / nc))
        assert r["p_value"] == pytest.approx(2 * (1 - norm.cdf(abs(z))))
    else:
        assert r["p_value"] == 1.0
    assert r["small"] == (min(st, nt - st, sc, nc - sc) < 5)
    if r["small"]:
        from scipy.stats import fisher_exact
        assert r["p_exact"] == pytest.approx(fisher_exact([[st, nt - st], [sc, nc - sc]])[1])
    assert math.isnan(two_proportions(0, 0, 5, 10)["difference"])


def test_sample_size_by_hand():
    h = 2 * math.asin(math.sqrt(0.12)) - 2 * math.asin(math.sqrt(0.10))   # Cohen's h
    n = 2 * ((norm.ppf(0.975) + norm.ppf(0.8)) / h) ** 2               # two arms: var of h-hat is 2/n
    got = sample_size(0.10, 0.02)
    assert got["control"] == math.ceil(n) and got["treatment"] == math.ceil(n)
    assert sample_size(0.10, 0.02, ratio=2)["control"] < got["control"]


def test_funnel_and_stickiness_by_hand(tmp_path):
    # A: enters Jan with a feature, active Feb, order Mar, invites.  B: enters Jan, app only, gone.
    # C: enters Feb with a feature and an order in Feb, gone after.  D: active Apr (keeps the horizon).
    rows = [("A", "2025-01-05 10:00:00", "remote_unlock"), ("A", "2025-01-06 10:00:00", "app_open"),
            ("A", "2025-02-03 10:00:00", "app_open"), ("A", "2025-02-04 10:00:00", "invite"),
            ("B", "2025-01-09 10:00:00", "app_open"), ("C", "2025-02-11 10:00:00", "article_view"),
            ("D", "2025-04-02 10:00:00", "app_open")]
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [r[0] for r in rows], "event_name": [r[2] for r in rows],
                                                  "event_time": pd.to_datetime([r[1] for r in rows])}))
    write_table(tmp_path, "feature_map", [{"event_name": "remote_unlock", "category": "car_control"},
                                          {"event_name": "article_view", "category": "content"}], fmt="csv")
    write_table(tmp_path, "orders", pd.DataFrame({"user_id": ["A", "C"], "amount": [10.0, 20.0],
                                                  "order_time": pd.to_datetime(["2025-03-20", "2025-02-12"])}))
    lc = Lifecycle(open_store(tmp_path).con)
    f = cohort_funnel(lc, referral_events=["invite"]).set_index("cohort")
    assert f.loc["2025-01", ["acquired", "activated", "retained", "paying", "referring"]].tolist() == [2, 1, 1, 1, 1]
    assert f.loc["2025-02", ["acquired", "activated", "retained", "paying"]].tolist() == [1, 1, 0, 1]
    assert f.loc["2025-01", "retained_share"] == 0.5
    assert math.isnan(f.loc["2025-04", "retained"])             # no month after the last one yet
    daily = daily_users(lc.con)
    st = stickiness(daily, lc.monthly(2)).set_index("month")
    # Jan: A on 5th and 6th, B on 9th -> 3 user-days over the 27 days the data cover (5th to 31st); MAU 2
    assert st.loc["2025-01", "dau_mau"] == pytest.approx((3 / 27) / 2)


def test_cli_holidays_and_campaigns(sample_dir):
    h = run_cli("holidays", sample_dir)
    assert h.returncode == 0, h.stderr
    df = pd.read_csv(io.StringIO(h.stdout))
    assert list(df.columns[:7]) == ["name", "start", "end", "days", "lift", "ci_low", "ci_high"]
    assert "2025-10-01" in set(df.start) and "2025-10-08" in set(df.end)
    none = run_cli("holidays", sample_dir, "--events", "Trip")        # no such name: said, not an empty table
    assert none.returncode == 2 and "no event named 'Trip'" in none.stderr and none.stdout == "", none.stderr
    c = run_cli("campaigns", sample_dir)
    assert c.returncode == 0, c.stderr
    cf = pd.read_csv(io.StringIO(c.stdout))
    assert list(cf.columns[:13]) == ["campaign_id", "name", "metric", "start_date", "end_date", "treatment", "control",
                                     "difference", "ci_low", "ci_high", "p_value", "srm_flag", "method"]
    assert set(cf.method) == {"control arm"} and len(cf) == 3


def test_cli_tables_are_written_for_excel_by_their_extension(sample_dir, tmp_path):
    """--out chooses the format by its extension: .xlsx is a workbook (it was CSV text under an
    .xlsx name, which Excel refuses), .csv carries a byte-order mark (Excel then shows the
    Chinese campaign names), .json keeps a p-value's digits (10 decimals made 8.6e-10 into
    1e-9); another extension stops before any work, naming the formats."""
    import json
    import openpyxl
    out = {ext: tmp_path / f"campaigns.{ext}" for ext in ("xlsx", "csv", "json")}
    for ext, path in out.items():
        proc = run_cli("campaigns", sample_dir, "--out", path)
        assert proc.returncode == 0, proc.stderr
    ws = openpyxl.load_workbook(out["xlsx"]).active
    rows = list(ws.values)
    assert rows[0][:3] == ("campaign_id", "name", "metric") and len(rows) == 4
    raw = out["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv = pd.read_csv(out["csv"], encoding="utf-8-sig")
    assert [r[1] for r in rows[1:]] == list(csv["name"])
    p_csv = csv["p_value"].tolist()
    p_json = [r["p_value"] for r in json.loads(out["json"].read_text(encoding="utf-8"))]
    p_xlsx = [r[list(rows[0]).index("p_value")] for r in rows[1:]]
    assert min(p_csv) < 1e-6                       # the sample's campaigns have tiny p-values
    for a, b, c in zip(p_csv, p_json, p_xlsx):
        assert b == pytest.approx(a, rel=1e-5) and c == pytest.approx(a, rel=1e-5)
    bad = run_cli("campaigns", sample_dir, "--out", tmp_path / "campaigns.txt")
    assert bad.returncode == 2 and ".csv, .xlsx or .json" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_ab():
    proc = run_cli("ab", "--treatment", "60/100", "--control", "50/100", "--baseline", "0.1", "--mde", "0.02")
    assert proc.returncode == 0, proc.stderr
    assert "difference +10.00 points" in proc.stdout and "p-value 0.155" in proc.stdout
    assert f"{sample_size(0.1, 0.02)['control']:,}" in proc.stdout
    assert "not significant at alpha 0.05" in proc.stdout
    bad = run_cli("ab", "--treatment", "60-100", "--control", "50/100")
    assert bad.returncode == 2 and "successes/users" in bad.stderr
    small = run_cli("ab", "--treatment", "3/4", "--control", "1/4")         # it printed -10.01 to +110.01
    assert small.returncode == 0 and "interval -13.55 to +78.91" in small.stdout, small.stdout
    assert "Fisher's exact test gives p-value 0.4857" in small.stdout and "not significant" in small.stdout
    assert "significant at alpha 0.05: the treatment is higher" in run_cli(
        "ab", "--treatment", "300/1000", "--control", "250/1000").stdout
    empty = run_cli("ab", "--treatment", "0/0", "--control", "1/4")          # it printed nan% with exit 0
    assert empty.returncode == 2 and "--treatment has no users" in empty.stderr
    alpha = run_cli("ab", "--treatment", "3/4", "--control", "1/4", "--alpha", "5")   # "-400% interval"
    assert alpha.returncode == 2 and "--alpha" in alpha.stderr and "0<x<1" in alpha.stderr
    for args, says in ((("--baseline", "0.1", "--mde", "0"), "the minimum detectable effect (--mde) is 0"),
                       (("--baseline", "10", "--mde", "0.02"), "the baseline (--baseline) must be a rate"),
                       (("--baseline", "0.1", "--mde", "2"), "give --mde as an absolute lift")):
        size = run_cli("ab", *args)            # --mde 0 was told its baseline and effect give no rates
        assert size.returncode == 2 and says in size.stderr, (args, size.stderr)


def test_funnel_steps_the_data_cannot_express_are_not_defined(tiny_dir, tmp_path):
    from toolkit.report.tables import funnel_notes, funnel_table
    f = cohort_funnel(Lifecycle(open_store(tiny_dir).con))            # categories, but no orders table
    assert f.attrs["undefined"] == {"paying": "paying_undefined", "revenue": "paying_undefined",
                                    "referring": "referring_undefined"}
    assert f["paying_share"].isna().all() and f["activated_share"].notna().all()
    shown = funnel_table(f, "en")
    assert (shown["paid within 3 months"] == "not defined").all() and not (shown["activated"] == "not defined").any()
    assert (shown["revenue per payer (3 months)"] == "not defined").all() and (shown["referred"] == "not defined").all()
    assert funnel_notes(f, "zh")[0] == "该数据无法定义付费:没有 orders 表。"      # once for paying and revenue
    assert len(funnel_notes(f, "zh")) == 3 and "referral_events" in funnel_notes(f, "en")[1]
    assert funnel_notes(f, "en")[2].startswith('A step reads "not over yet"')   # the last cohort's retention
    # purchases only: no feature_map, every event an order
    d = tmp_path / "shop"
    times = pd.to_datetime(["2025-01-03", "2025-01-05", "2025-02-07", "2025-04-02"])
    write_table(d, "events", pd.DataFrame({"user_id": [1, 2, 2, 3], "event_name": ["purchase"] * 4,
                                           "event_time": times}))
    write_table(d, "orders", pd.DataFrame({"user_id": [1, 2, 2, 3], "amount": [5.0, 6.0, 7.0, 8.0],
                                           "order_time": times}))
    g = cohort_funnel(Lifecycle(open_store(d).con))
    assert set(g.attrs["undefined"]) == {"activated", "referring"}
    assert (funnel_table(g, "zh")["激活"] == "无法定义").all()
    assert any("100%" in n for n in funnel_notes(g, "en"))            # paying is 100% by construction
    # the 2025-04 cohort's three months are not over (the data end in April): said in its cells and a note
    zh = funnel_table(g, "zh").set_index("注册月")
    assert zh.loc["2025-04", "3个月内付费"] == "未满期" and zh.loc["2025-01", "3个月内付费"] == "100.0%", zh
    assert zh.loc["2025-04", "次月留存"] == "未满期"
    # revenue per payer of a closed window without payers is no "not over yet": only paying's window opens it
    none_paid = g.iloc[[0]].assign(cohort="2025-02", paying_share=0.0, revenue_per_payer=float("nan"))
    h = pd.concat([g.iloc[[0]], none_paid, g.iloc[[1]]], ignore_index=True)
    h.attrs = g.attrs
    per_payer = funnel_table(h, "en").set_index("cohort")["revenue per payer (3 months)"]
    assert per_payer.tolist() == ["9.00", "", "not over yet"], per_payer
    assert "窗口尚未结束的注册月显示“未满期”" in " ".join(funnel_notes(g, "zh"))
    # every customer a payer: revenue per payer is revenue per user again, one column of it (they read the same)
    assert "revenue per payer (3 months)" not in funnel_table(g, "en").columns
    assert "revenue per user (3 months)" in funnel_table(g, "en").columns
    # and the command says what the page says under the funnel (it wrote a 100% paying share without a word)
    proc = run_cli("funnel", d)
    assert proc.returncode == 0 and "paying is 100% by construction" in proc.stderr, proc.stderr
    # a file's cells of an open window are empty: the command's note says so, not the page's "not over yet"
    assert funnel_notes(f, "en", blank=True)[2].startswith("Steps are empty for the cohorts whose window has not ended")


def test_no_confirmed_effect_of_a_small_test_says_it_was_too_small():
    """A pilot of 60 against 60 (+0.0 points, -16.8 to +16.8) read "no confirmed effect" in the
    words of a campaign whose interval was 1.4 points wide."""
    from toolkit.report.findings import period_findings
    row = {"campaign_id": "C4", "name": "pilot", "metric": "retention_new", "treatment": 0.5, "control": 0.5,
           "difference": 0.0, "ci_low": -0.168, "ci_high": 0.168, "method": "control arm", "srm_flag": False,
           "start_date": date(2026, 9, 20), "end_date": date(2026, 10, 10)}
    narrow = dict(row, campaign_id="C3", ci_low=-0.0153, ci_high=0.0125)
    none = pd.DataFrame(columns=["name", "name_zh", "start", "end", "lift", "ci_low", "ci_high", "last_year_lift"])
    en = period_findings(none, pd.DataFrame([row, narrow]), "en")
    assert en[0].endswith("no confirmed effect (too small a test to see an effect under about 17 points)."), en[0]
    assert en[1].endswith("the interval includes zero: no confirmed effect."), en[1]
    zh = period_findings(none, pd.DataFrame([row]), "zh")
    assert "未见可确认的效果(样本太小:小于约 17 个百分点的效果无法识别)" in zh[0], zh[0]


def test_a_campaign_finding_says_when_the_campaign_ran():
    """A month's summary quoting a campaign of February must not read as this month's result."""
    from toolkit.report.findings import period_findings
    effects = pd.DataFrame([{"campaign_id": "C1", "name": "新用户激励", "metric": "retention_new", "treatment": 0.7,
                             "control": 0.6, "difference": 0.1, "ci_low": 0.05, "ci_high": 0.15,
                             "method": "control arm", "srm_flag": False, "start_date": date(2026, 2, 1),
                             "end_date": date(2026, 2, 28)},
                            {"campaign_id": "C4", "name": "spring", "metric": "retention_new", "treatment": 0.7,
                             "control": 0.6, "difference": 0.1, "ci_low": 0.05, "ci_high": 0.15,
                             "method": "control arm", "srm_flag": False, "start_date": date(2026, 3, 20),
                             "end_date": date(2026, 4, 10)}])
    none = pd.DataFrame(columns=["name", "name_zh", "start", "end", "lift", "ci_low", "ci_high", "last_year_lift"])
    zh = period_findings(none, effects, "zh")
    assert zh[0].startswith("活动 C1(新用户激励,2026-02):"), zh
    assert period_findings(none, effects, "en")[1].startswith("Campaign C4 (spring, 2026-03–2026-04): ")
    # the table: when each ran, the arm split said either way (a blank column read as missing), whose
    # sizes the users column gives
    from toolkit.report.tables import campaign_table
    t = campaign_table(effects.assign(p_value=[0.001, 0.2], n_treatment=[1789, 500], n_control=[432, 480],
                                      srm_flag=[False, True]), "zh").set_index("活动")
    assert t.loc["C1 新用户激励", "月份"] == "2026-02" and t.loc["C4 spring", "月份"] == "2026-03–2026-04"
    assert t["分组比例(SRM)"].tolist() == ["正常", "异常,需复核分组"]
    assert t.loc["C1 新用户激励", "样本量(实验组 / 对照组)"] == "1,789 / 432"
    assert t.loc["C1 新用户激励", "方法"] == "对照组实验"


def test_holidays_that_lower_activity_are_worded_as_drops():
    from toolkit.report.findings import period_findings
    lifts = pd.DataFrame([{"name": "Christmas Day", "name_zh": "圣诞节", "start": date(2010, 12, 25),
                           "end": date(2010, 12, 28), "lift": 0.0, "ci_low": 0.0, "ci_high": 0.03,
                           "last_year_lift": float("nan")},
                          {"name": "Spring Bank Holiday", "name_zh": "春季银行假日", "start": date(2011, 5, 28),
                           "end": date(2011, 5, 30), "lift": 0.21, "ci_low": 0.09, "ci_high": 0.46,
                           "last_year_lift": float("nan")}])
    en = period_findings(lifts, pd.DataFrame(columns=["method"]), "en")
    assert en[0] == "No holiday window lifted daily users: every window was clearly below ordinary days."
    assert "Christmas Day 2010" in en[1] and "lifted" not in en[1]
    # no user at all on any day of the window (a closed shop): said in words, not "fell to 0.00x"
    assert en[1].endswith("no user was active on any of its days (closed, or no data for those days).") and \
        "0.00x" not in en[1]
    zh = period_findings(lifts, pd.DataFrame(columns=["method"]), "zh")
    assert "窗口内每天都没有活跃用户" in zh[1]
    from toolkit.report.tables import holiday_table
    table = holiday_table(lifts.assign(days=4), "en").set_index("holiday")
    assert table.loc["Christmas Day", "daily users vs ordinary days"] == "no activity"
    assert table.loc["Spring Bank Holiday", "daily users vs ordinary days"] == "0.21x"
    assert "last year" not in table.columns          # no window has last year's: no empty column
    with_last = holiday_table(lifts.assign(days=4, last_year_lift=[float("nan"), 0.3]), "en")
    assert with_last["last year"].tolist() == ["0.30x", "none in the data"]   # said, not a blank cell
    # the analyst's chart of a window calls the ratio what it is, a fall as well as a rise
    import matplotlib
    matplotlib.use("Agg")
    from toolkit.report.period_detail import WindowDetail, plot_window_detail
    days = pd.Series(100.0, index=pd.date_range("2011-05-14", "2011-06-13"))
    detail = WindowDetail(lifts.iloc[1], days, days.iloc[:3])
    assert "daily users vs ordinary days 0.21x [0.09, 0.46]" in plot_window_detail(detail, lang="en").get_title()
    assert "日活/平日 0.21 倍 [0.09, 0.46]" in plot_window_detail(detail, lang="zh").get_title()
    assert "lift" not in plot_window_detail(detail, lang="en").get_title()
    closed = WindowDetail(lifts.iloc[0], days, days.iloc[:3])       # as the table says it: no activity
    assert "daily users vs ordinary days no activity [0.00, 0.03]" in plot_window_detail(closed, lang="en").get_title()
    # a window below 1 whose interval holds 1 is "no clear change" in the table: the sentence agrees
    lifts.loc[1, ["lift", "ci_low", "ci_high"]] = [0.8, 0.6, 1.1]
    en = period_findings(lifts, pd.DataFrame(columns=["method"]), "en")
    assert en[0] == ("No holiday window lifted daily users: 1 of 2 windows was clearly below ordinary days, "
                     "the other showed no clear change.")
    assert period_findings(lifts, pd.DataFrame(columns=["method"]), "zh")[0] == \
        "没有一个节假日提升了日活:1 个节假日窗口的日活明显低于平日,其余 1 个无明显变化。"
    # an estimate above 1 whose interval holds 1 (few users) is no lift either: the table says "no clear change"
    lifts.loc[1, ["lift", "ci_low", "ci_high"]] = [1.78, 0.76, 4.16]
    en = period_findings(lifts, pd.DataFrame(columns=["method"]), "en")
    assert en[0] == ("No holiday window lifted daily users: 1 of 2 windows was clearly below ordinary days, "
                     "the other showed no clear change.")
    assert not any("lifted daily users most" in s for s in en)
    # with the report month, the sentence names the months it speaks of: a summary of three months said "no window
    # showed a clear change" above a page of twelve saying "5 of 6 windows were clearly below"
    assert period_findings(lifts.iloc[[1]], pd.DataFrame(columns=["method"]), "en", "2011-06", months=3)[0] == \
        "No holiday window from 2011-04 to 2011-06 lifted daily users: no window showed a clear change from ordinary days."
    assert period_findings(lifts, pd.DataFrame(columns=["method"]), "zh", "2011-06")[0].startswith(
        "2010-07 至 2011-06 没有一个节假日提升了日活:")
    lifts.loc[1, ["ci_low"]] = [1.2]       # the interval above 1: now the sentence names it
    assert period_findings(lifts, pd.DataFrame(columns=["method"]), "en")[0].startswith(
        "The holiday that lifted daily users most was Spring Bank Holiday 2011")


def test_the_flow_of_new_users_is_named_without_a_rate():
    """New users have no flow rate: the sentence on the flow that moved MAU most gives their
    count and change only (it once printed "(nan n/a → n/a)")."""
    from toolkit.report.findings import lifecycle_findings
    base = {"cumulative": 1000, "active": 300, "new_retained": 50, "woken": 20, "returned": 10,
            "retention_old": 0.6, "retention_new": 0.5, "wake_rate": 0.1, "return_rate": 0.05}
    monthly = pd.DataFrame([{**base, "month": "2025-11", "new": 200, "mau": 580, "active_rate": 0.58},
                            {**base, "month": "2025-12", "new": 70, "mau": 450, "active_rate": 0.45}])
    en = lifecycle_findings(monthly, "2025-12", 0.85, "en")
    assert en[1] == "The part of MAU that changed most on last month was 'new' (entered this month): 70 users, -130.", en
    zh = lifecycle_findings(monthly, "2025-12", 0.85, "zh")
    assert zh[1] == "月活的组成中较上月变化最大的是「新用户」(本月新进入):70 人,比上月减少 130 人。", zh


def test_scenes_need_rules_of_the_data_set(tiny_dir):
    proc = run_cli("scenes", tiny_dir, "--month", "2025-03", "--dry-run")
    assert proc.returncode == 2 and "No scene rules" in proc.stderr and "--rules" in proc.stderr


def test_scene_rules_belong_to_their_data_set(tmp_path):
    import json
    from toolkit.analyses.scenes import DEFAULT_RULES, rules_for
    assert rules_for(tmp_path) is None                                   # another data set: no car-app rules
    (tmp_path / "truth.json").write_text(json.dumps({"generator": "toolkit.sample"}))
    assert rules_for(tmp_path) == DEFAULT_RULES                          # an older sample without its copy
    (tmp_path / "scene_rules.csv").write_text("rule_id,state,content\nX1,dormant,hello\n")
    assert rules_for(tmp_path) == tmp_path / "scene_rules.csv"
    assert rules_for(tmp_path, "other.csv") == type(tmp_path)("other.csv")


def test_a_region_has_its_own_days_off():
    """holiday_country GB-ENG: England's Easter Monday and summer bank holiday, which the UK-wide
    calendar leaves out (the retail shop's report missed them); an unknown region is one clear error."""
    from toolkit.analyses.holiday_calendar import HolidayCalendar
    from toolkit.errors import ConfigError
    easter_monday, august = date(2011, 4, 25), date(2011, 8, 29)
    assert is_day_off(easter_monday, "GB-ENG") and is_day_off(august, "GB-ENG")
    assert not is_day_off(easter_monday, "GB") and not is_day_off(august, "GB")
    with pytest.raises(ConfigError, match="GB-XX.*region such as GB-ENG"):
        HolidayCalendar("GB-XX", [2011])


def test_a_holiday_is_named_in_the_pages_language():
    """A Chinese page names the UK's holidays in Chinese (the retail report said "本月节假日为
    2011年Christmas Day"): the calendar's own Chinese where it has one (Hong Kong's 佛诞),
    else the common Western holidays by name; the English names and the festival keys (which
    compare a holiday year on year) do not change."""
    from toolkit.analyses.holiday_calendar import holiday_windows
    from toolkit.analyses.periods import month_markers
    gb = {w.festival: (w.name, w.name_zh) for w in holiday_windows(date(2011, 1, 1), date(2011, 12, 31), "GB")}
    assert gb["christmas_day"] == ("Christmas Day + Boxing Day", "圣诞节及节礼日")   # a window names all its days
    assert gb["good_friday"] == ("Good Friday", "耶稣受难日")
    assert gb["wedding_of_william_and_catherine"][1] == "威廉王子婚礼及五月初银行假日"
    hk = {w.festival: (w.name, w.name_zh) for w in holiday_windows(date(2025, 1, 1), date(2025, 12, 31), "HK")}
    assert hk["the_buddha_s_birthday"] == ("The Buddha's Birthday", "佛诞")
    assert hk["spring_festival"] == ("Spring Festival", "春节")
    none = pd.DataFrame(columns=["campaign_id", "start_date", "end_date"])
    zh = month_markers(["2011-04", "2011-12"], none, country="GB", lang="zh")["holidays"].tolist()
    assert zh == ["耶稣受难日、威廉王子婚礼及五月初银行假日", "圣诞节及节礼日"]


def test_period_charts_show_a_full_step_and_stickiness_from_zero():
    """A funnel step at 100% (each payer of a shop pays) is drawn inside the frame, and the
    stickiness axis starts at zero (4.1% to 4.8% must not look like a leap)."""
    import matplotlib
    matplotlib.use("Agg")
    from toolkit.report.period_plots import plot_funnel, plot_stickiness
    funnel = pd.DataFrame({"cohort": ["2011-01", "2011-02"], "paying_share": [1.0, 0.98]})
    assert plot_funnel(funnel, lang="en").get_ylim()[1] > 1.0
    # a step at 100% in every cohort (every customer entered with a purchase) is so by construction: no line
    # (the notes under the chart say why); a flat 100% line read as a result
    shop = pd.DataFrame({"cohort": ["2011-01", "2011-02"], "paying_share": [1.0, 1.0], "retained_share": [0.3, 0.2]})
    assert [t.get_text() for t in plot_funnel(shop, lang="en").get_legend().get_texts()] == ["retained next month"]
    sticky = pd.DataFrame({"month": ["2011-01", "2011-02"], "dau_mau": [0.041, 0.048]})
    lo, hi = plot_stickiness(sticky, lang="en").get_ylim()
    assert lo == 0 and hi > 0.048


def test_a_month_without_data_gives_its_holidays_no_lift():
    """June 2025 missing from the export (every day 0 after the daily series is filled): the
    Dragon Boat window (05-31 .. 06-02) has no estimate instead of a "rise" read off two empty
    days, and a window away from the gap keeps its estimate."""
    import numpy as np
    from toolkit.analyses.holiday_lift import holiday_lift
    days = pd.date_range("2025-03-01", "2025-08-31", freq="D")
    daily = pd.Series(np.random.default_rng(3).poisson(1000, len(days)).astype(float), index=days)
    daily[(daily.index >= "2025-06-01") & (daily.index <= "2025-06-30")] = 0.0
    lifts = holiday_lift(daily, country="CN").set_index("festival")
    assert pd.isna(lifts.loc["dragon_boat", "lift"]), lifts.loc["dragon_boat"]
    assert 0.8 < lifts.loc["labour_day", "lift"] < 1.2       # 05-01 .. 05-05: no gap near it, no planted effect


def test_a_baseline_of_one_week_is_refused_and_a_confounded_window_has_no_lift(sample_dir):
    """weeks=1 gave National Day 2026 3.25x (3.20-3.30) where 2, 3, 4 or 6 weeks give 1.50x, with
    statsmodels' rank-deficiency warnings as the only hint, and --weeks 0 an empty table with exit 0.
    Fewer than two weeks is refused, naming the parameter; a window that the fit cannot tell from
    its month (every other day of its month a holiday) gets no estimate instead of a number."""
    import warnings

    import numpy as np
    from toolkit.analyses.holiday_calendar import holiday_windows
    from toolkit.analyses.holiday_lift import _fit, holiday_lift
    from toolkit.errors import ConfigError
    days = pd.date_range("2025-09-01", "2025-11-30", freq="D")
    daily = pd.Series(np.random.default_rng(5).poisson(1000, len(days)).astype(float), index=days)
    for weeks in (0, 1, 2.5):
        with pytest.raises(ConfigError, match=r"weeks \(--weeks on the command line\) must be a whole number"):
            holiday_lift(daily, country="CN", weeks=weeks)
    proc = run_cli("holidays", sample_dir, "--weeks", "1")
    assert proc.returncode == 2 and "--weeks" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    national = next(w for w in holiday_windows(days[0].date(), days[-1].date(), "CN") if w.festival == "national_day")
    rest_of_october = {d.date() for d in days if d.month == 10 and not national.start <= d.date() <= national.end}
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no rank-deficiency warning either
        assert _fit(daily, national, rest_of_october, set(), 3, 0.05) is None
    assert _fit(daily, national, set(), set(), 3, 0.05) is not None     # with its month's ordinary days: a lift


def test_every_holiday_of_the_calendar_marks_its_month():
    """The rates table and chart mark each month with a holiday of the configured calendar, not
    only China's three golden weeks: Dragon Boat (2026-06-19) and Mid-Autumn (2026-09-25) mark
    June and September; a UK calendar marks its bank holidays (no month was marked before).  A
    window across two months marks the month of its holiday: New Year's Day 2024's days off
    (2023-12-30 .. 2024-01-01) mark January, not December."""
    from toolkit.analyses.periods import month_markers
    none = pd.DataFrame(columns=["campaign_id", "start_date", "end_date"])
    cn = month_markers([f"2026-{m:02d}" for m in range(1, 13)], none).set_index("month")["holidays"]
    assert cn.to_dict() == {"2026-01": "New Year's Day", "2026-02": "Spring Festival", "2026-03": "",
                            "2026-04": "Tomb-Sweeping Day", "2026-05": "Labour Day", "2026-06": "Dragon Boat Festival",
                            "2026-07": "", "2026-08": "", "2026-09": "Mid-Autumn Festival", "2026-10": "National Day",
                            "2026-11": "", "2026-12": ""}
    zh = month_markers(["2026-06", "2026-09"], none, lang="zh")["holidays"].tolist()
    assert zh == ["端午节", "中秋节"]
    ny = month_markers(["2023-12", "2024-01"], none).set_index("month")["holidays"]
    assert ny.to_dict() == {"2023-12": "", "2024-01": "New Year's Day"}
    gb = month_markers([f"2011-{m:02d}" for m in range(1, 13)], none, country="GB").set_index("month")["holidays"]
    assert gb["2011-04"] == "Good Friday, Wedding of William and Catherine + May Day"    # 04-29 .. 05-02
    assert gb["2011-05"] == "Spring Bank Holiday" and gb["2011-12"] == "Christmas Day + Boxing Day" and gb["2011-02"] == ""
    # a run of days off with two festivals is keyed by the major one and named for both
    from toolkit.analyses.holiday_calendar import holiday_windows
    nd = [w for w in holiday_windows(date(2025, 10, 1), date(2025, 10, 8)) if w.festival == "national_day"][0]
    assert (nd.name, nd.name_zh, nd.start, nd.end) == ("National Day + Mid-Autumn Festival", "国庆节及中秋节",
                                                      date(2025, 10, 1), date(2025, 10, 8))


def test_rate_charts_leave_out_the_first_month_of_the_data_and_say_so():
    """In the data's first month every user is new (cumulative = new), so its active rate is 100%
    by definition: a chart starting there looks like a collapse.  The active-rate charts of
    the lifecycle and periods pages start with the second month and name the first under the
    chart; the campaign chart's axis is in points, as its table."""
    import matplotlib
    matplotlib.use("Agg")
    from toolkit.analyses.lifecycle import RATES
    from toolkit.analyses.periods import period_view
    from toolkit.report.period_plots import plot_campaign_effects, plot_period_rates
    from toolkit.report.plots import plot_active_rate
    monthly = pd.DataFrame({"month": ["2025-01", "2025-02", "2025-03"], "active_rate": [1.0, 0.6, 0.5],
                            "new": [100, 20, 10], "cumulative": [100, 120, 130],
                            **{r: [math.nan, 0.5, 0.4] for r in RATES}})
    ax = plot_active_rate(monthly, 0.85, lang="en")
    assert list(ax.get_lines()[0].get_xdata()) == ["2025-02", "2025-03"]
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("2025-01, the first month of the data, is not drawn") for t in texts), texts
    markers = pd.DataFrame({"month": monthly["month"], "holidays": "", "campaigns": ""})
    ax = plot_period_rates(period_view(monthly, markers), lang="zh")
    assert math.isnan(ax.get_lines()[0].get_ydata()[0]) and list(ax.get_lines()[0].get_ydata()[1:]) == [0.6, 0.5]
    assert any("2025-01 为数据首月" in t.get_text() for t in ax.texts)
    assert ax.get_title() == "月度指标"                  # no markers: the title promises none
    # the legend stands beside the plot, not over a month's points
    ax.figure.canvas.draw()
    legend, plot = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.x0 >= plot.x1, (legend, plot)
    marked = markers.assign(holidays=["元旦", "", ""])
    assert plot_period_rates(period_view(monthly, marked), lang="en").get_title() == "Rates by month; holiday months ▲"
    both = marked.assign(campaigns=["", "C1", ""])
    assert plot_period_rates(period_view(monthly, both), lang="en").get_title() == \
        "Rates by month; holiday months ▲, campaign months ●"
    later = monthly.iloc[1:]                       # a table that starts later: nothing left out, nothing said
    assert not plot_active_rate(later, lang="en").texts
    from toolkit.report.cohort_plots import plot_segment_rate       # by segment too: every segment 100% there
    seg = pd.concat([monthly.assign(segment=s, new=monthly["new"] // 2, cumulative=monthly["cumulative"] // 2)
                     for s in ("app_store", "dealer")], ignore_index=True)
    ax = plot_segment_rate(seg, "channel", lang="en")
    assert all(list(line.get_xdata()) == ["2025-02", "2025-03"] for line in ax.get_lines())
    assert any(t.get_text().startswith("2025-01, the first month of the data") for t in ax.texts)
    effects = pd.DataFrame({"campaign_id": ["C1"], "name": ["n"], "method": ["control arm"], "difference": [0.112],
                            "ci_low": [0.09], "ci_high": [0.13]})
    ax = plot_campaign_effects(effects, lang="en")
    ax.figure.canvas.draw()
    assert ax.get_xlabel() == "difference (points)"
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all("%" not in t for t in ticks) and any(t.startswith("+") for t in ticks), ticks


def test_the_periods_findings_lead_with_the_report_months_holiday():
    """A manager reading the October report wants October's holiday first, not the largest lift
    of two years of windows (Spring Festival 2025 led the sample's October 2026 report); the
    largest rise is then looked for in the twelve months to the report month."""
    from toolkit.report.findings import period_findings
    nan = float("nan")
    lifts = pd.DataFrame([
        {"name": "Spring Festival", "name_zh": "春节", "start": date(2025, 1, 28), "end": date(2025, 2, 4),
         "lift": 1.63, "ci_low": 1.5, "ci_high": 1.8, "last_year_lift": nan},
        {"name": "Spring Festival", "name_zh": "春节", "start": date(2026, 2, 15), "end": date(2026, 2, 23),
         "lift": 1.45, "ci_low": 1.3, "ci_high": 1.6, "last_year_lift": 1.63},
        {"name": "National Day", "name_zh": "国庆节", "start": date(2026, 10, 1), "end": date(2026, 10, 8),
         "lift": 1.50, "ci_low": 1.4, "ci_high": 1.6, "last_year_lift": 1.51}])
    none = pd.DataFrame(columns=["method"])
    en = period_findings(lifts, none, "en", "2026-10")
    assert en[0].startswith("This month's holiday, National Day 2026 (10-01 to 10-08): daily users rose to 1.50x"), en
    assert "last year: 1.51x" in en[0]
    # not 2025's, and the months it was chosen from said: "the holiday that lifted most" above a table whose
    # top row (2025's, 1.63x) lifted more read as a contradiction
    assert en[1].startswith("Of the holidays from 2025-11 to 2026-10, the one that lifted daily users most was "
                            "Spring Festival 2026"), en
    zh = period_findings(lifts, none, "zh", "2026-10")
    assert zh[1].startswith("2025-11 至 2026-10 的节假日中,日活提升最大的是2026年春节"), zh
    assert zh[0].startswith("本月节假日为2026年国庆节(10-01至10-08):日活升至平日的 1.50 倍"), zh
    lifts.loc[2, ["lift", "ci_low", "ci_high"]] = [1.05, 0.9, 1.2]         # this month's: no clear change, said so
    assert period_findings(lifts, none, "en", "2026-10")[0].startswith(
        "This month's holiday, National Day 2026 (10-01 to 10-08): no clear change in daily users")
    assert period_findings(lifts, none, "en")[0].startswith(                # no month: every window, as before
        "The holiday that lifted daily users most was Spring Festival 2025")


def test_the_summary_quotes_the_last_three_months_holidays_and_campaigns():
    """An August summary quoted February's festival and campaigns month after month: the summary's
    lines come from the windows and campaigns of the last three months (the section keeps the year)."""
    from toolkit.report.findings import period_findings, recent
    effects = pd.DataFrame([{"campaign_id": c, "name": c, "metric": "retention_new", "treatment": 0.7, "control": 0.6,
                             "difference": 0.1, "ci_low": 0.05, "ci_high": 0.15, "method": "control arm",
                             "srm_flag": False, "start_date": s, "end_date": e}
                            for c, s, e in [("C1", date(2026, 2, 1), date(2026, 2, 28)),
                                            ("C5", date(2026, 6, 20), date(2026, 7, 10))]])
    lifts = pd.DataFrame([{"name": n, "name_zh": n, "start": s, "end": e, "lift": 1.4, "ci_low": 1.2, "ci_high": 1.6,
                           "last_year_lift": float("nan")}
                          for n, s, e in [("Spring Festival", date(2026, 2, 15), date(2026, 2, 23)),
                                          ("Dragon Boat Festival", date(2026, 6, 19), date(2026, 6, 21))]])
    near_lifts, near_effects = recent(lifts, effects, "2026-08")
    assert list(near_lifts["name"]) == ["Dragon Boat Festival"] and list(near_effects["campaign_id"]) == ["C5"]
    lines = period_findings(near_lifts, near_effects.iloc[0:0], "en", "2026-08")
    assert "Dragon Boat" in lines[0] and not any("Spring" in s for s in lines)
    far_lifts, far_effects = recent(lifts, effects, "2026-12")
    assert far_lifts.empty and far_effects.empty


CAMPAIGNS_HEAD = "campaign_id,name,start_date,end_date,goal_metric,target_group,planned_treatment_share\n"


def _analyst_campaigns(tmp_path, rows: str, arms=("treatment", "control")):
    """Twenty users active in January and February 2025; campaign members C1 (users 1-20, arms
    alternating), and rows of campaigns.csv as given (a CSV, as an analyst writes it)."""
    d = tmp_path / "camp"
    ev = [(u, f"2025-0{m}-{5 + u % 20:02d} 10:00") for u in range(1, 21) for m in (1, 2)]
    write_table(d, "events", pd.DataFrame({"user_id": [u for u, _ in ev], "event_name": "app_open",
                                           "event_time": pd.to_datetime([t for _, t in ev])}))
    write_table(d, "campaign_members", pd.DataFrame({"campaign_id": ["C1"] * 20 + ["C7"],
                                                     "user_id": list(range(1, 21)) + [1],
                                                     "arm": [arms[u % 2] for u in range(1, 21)] + ["treatment"]}))
    (d / "campaigns.csv").write_text(CAMPAIGNS_HEAD + rows, encoding="utf-8")
    return d


@pytest.mark.parametrize("row, arms, said", [
    ("C1,A,2025-01-10,2025-01-20,active,all,50%\n", None, "planned_treatment_share '50%'"),
    ("C1,A,2025-01-10,2025-01-20,active,all,50\n", None, "a number between 0 and 1 such as 0.5"),
    ("C1,A,2025-01-20,2025-01-10,active,all,0.5\n", None, "ends (2025-01-10) before it starts (2025-01-20)"),
    ("C1,A,2025-02-31,2025-03-10,active,all,0.5\n", None, "has no readable start_date (empty, or not a date"),
    ("C1,A,2025-01-10,2025-01-20,active,all,0.5\n", ("实验组", "对照组"), "'实验组' (10 members), '对照组' (10 members)"),
])
def test_campaign_input_that_would_make_numbers_wrong_is_refused(tmp_path, row, arms, said):
    """Each of these gave a raw traceback (ValueError: could not convert string to float: '50%'),
    a share of 50 taken as given, a campaign ending before it starts evaluated on nothing, or, with
    Chinese arm labels, the campaign left out with exit 0 and validate OK.  Now the command,
    validate and the report's pre-flight name the campaign, the value and the fix."""
    from toolkit.data.validate import validate
    d = _analyst_campaigns(tmp_path, row, arms or ("treatment", "control"))
    proc = run_cli("campaigns", d)
    assert proc.returncode != 0 and said in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert any(said in str(e) for e in validate(open_store(d)).errors)
    rep = run_cli("report", d, "--month", "2025-01", "--out", tmp_path / "reports")
    assert rep.returncode != 0 and said in rep.stderr and not (tmp_path / "reports" / "2025-01").exists()


def test_campaigns_that_cannot_be_evaluated_are_said_not_shown_as_zeros(tmp_path):
    """A campaign dated after the data (or before it) showed 0.0% against 0.0% with an interval of
    nan; one without members and members of a campaign missing from campaigns.csv were dropped
    without a word.  They are left out of the table and named; 2025/1/10 reads as a date."""
    d = _analyst_campaigns(tmp_path, "C1,A,2025/1/10,2025/1/20,active,all,0.5\n"
                                "C5,Later,2027-01-01,2027-01-31,active,all,0.5\n"
                                "C9,Nobody,2025-01-10,2025-01-20,active,all,0.5\n")
    effects = campaign_effects(open_store(d).con)
    assert list(effects["campaign_id"]) == ["C1"] and effects.loc[0, "n_treatment"] == 10
    assert effects.attrs["skipped"] == {"C5": "outside", "C9": "no_members"}
    notes = " ".join(effects.attrs["notes"])
    assert "campaigns C5, C9 have no members" in notes and "1 members of campaign(s) C7" in notes
    assert "campaign C5 (2027-01-01 to 2027-01-31) lies outside the events" in notes
    proc = run_cli("campaigns", d)
    assert proc.returncode == 0 and "note: campaigns C5, C9 have no members" in proc.stderr
    from toolkit.report.tables import campaigns_skipped
    assert campaigns_skipped(effects.attrs["skipped"], "zh") == \
        "未评估:C5(活动时间不在数据的月份内)、C9(campaign_members 中没有成员)。"


def test_a_campaign_that_lowered_its_goal_reads_as_one():
    """C4 came out at -4.4 points (-7.6 to -1.2) and the finding said "an effect the interval
    supports", which a manager reads as "it worked"."""
    from toolkit.report.findings import period_findings
    effects = pd.DataFrame({"campaign_id": ["C4"], "name": ["Coupons"], "metric": ["order"], "treatment": [0.10],
                            "control": [0.144], "difference": [-0.044], "ci_low": [-0.076], "ci_high": [-0.012],
                            "p_value": [0.01], "srm_flag": [False], "method": ["control arm"], "n_treatment": [900],
                            "n_control": [900], "start_date": [date(2026, 9, 1)], "end_date": [date(2026, 9, 30)]})
    lifts = pd.DataFrame(columns=["name", "start", "end", "lift", "ci_low", "ci_high"])
    en = " ".join(period_findings(lifts, effects, "en", "2026-10"))
    zh = " ".join(period_findings(lifts, effects, "zh", "2026-10"))
    assert "the interval shows the campaign lowered it" in en and "supports" not in en, en
    assert "区间显示活动反而降低了该指标" in zh and "支持" not in zh, zh


def test_a_campaign_without_a_control_arm_shows_changes_not_rates():
    """C8 (members only) read "treatment -3.0%, control -3.6%" under the arms' headers, with the
    split check "as planned", and the explorer drew the changes as negative rates."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from toolkit.report.period_detail import plot_campaign_arms
    from toolkit.report.tables import campaign_table
    row = {"campaign_id": "C8", "name": "Members", "metric": "active", "treatment": -0.030, "control": -0.036,
           "difference": 0.006, "ci_low": -0.01, "ci_high": 0.02, "p_value": 0.4, "srm_flag": False,
           "method": "diff-in-diff", "n_treatment": 300, "n_control": 40468, "start_date": date(2026, 9, 1),
           "end_date": date(2026, 10, 15)}
    table = campaign_table(pd.DataFrame([row]), "en").iloc[0]
    assert table["treatment"] == "change -3.0 pts" and table["control"] == "change -3.6 pts"
    assert table["arm split (SRM)"] == "—"
    fig, ax = plt.subplots()
    plot_campaign_arms(pd.Series(row), lang="en", ax=ax)
    fig.canvas.draw()
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["members' change", "everyone else's change"]
    assert "2026-09–2026-10" in ax.get_title() and "no control arm" in ax.get_title()
    assert ax.yaxis.get_major_formatter()(-0.03, 0) == "-3.0"
    plt.close(fig)


def test_a_member_of_both_arms_is_refused_and_a_running_campaign_is_marked(tmp_path):
    """500 users in both arms of C3 showed only "split check failed"; a campaign still running at
    the end of the data was reported as a result (its partial state only on stderr); without a
    control arm the finding said "-12.9% treatment vs -4.4% control", rates below zero."""
    from toolkit.report.findings import period_findings
    from toolkit.report.tables import campaign_table
    d = _analyst_campaigns(tmp_path, "C1,A,2025-02-10,2025-03-10,active,all,0.5\n")
    members = pd.read_parquet(d / "campaign_members.parquet")
    pd.concat([members, members.head(2).assign(arm="control")]).to_parquet(d / "campaign_members.parquet", index=False)
    proc = run_cli("campaigns", d)
    assert proc.returncode != 0 and "users are members of both arms of a campaign" in proc.stderr
    assert "in C1" in proc.stderr
    members.to_parquet(d / "campaign_members.parquet", index=False)
    effects = campaign_effects(open_store(d).con)
    assert bool(effects.loc[0, "running"])                      # it ends after the data
    assert "2025-02–2025-03 (still running)" in campaign_table(effects, "en").iloc[0]["month"]
    lifts = pd.DataFrame(columns=["name", "start", "end", "lift", "ci_low", "ci_high"])
    assert "(A, 2025-02–2025-03, still running)" in " ".join(period_findings(lifts, effects, "en", "2025-02"))
    did = effects.assign(method="diff-in-diff", treatment=-0.129, control=-0.044)
    en = " ".join(period_findings(lifts, did, "en", "2025-02"))
    zh = " ".join(period_findings(lifts, did, "zh", "2025-02"))
    assert "members -12.9 points vs everyone else -4.4 points" in en and "-12.9%" not in en, en
    assert "成员变化 -12.9 个百分点,其他用户变化 -4.4 个百分点" in zh, zh


def test_a_campaigns_file_without_a_goal_is_told_to_add_it_not_to_rename_the_split():
    """The hint for a missing column paired it with the file's other columns: a campaigns.csv
    without goal_metric was told `rename: {planned_treatment_share: goal_metric}`."""
    import tempfile
    from pathlib import Path
    d = _analyst_campaigns(Path(tempfile.mkdtemp()), "")
    (d / "campaigns.csv").write_text("campaign_id,name,start_date,end_date,target_group,planned_treatment_share\n"
                                     "C1,A,2025-01-10,2025-01-20,all,0.5\n", encoding="utf-8")
    proc = run_cli("campaigns", d)
    assert proc.returncode != 0 and "missing required column(s) ['goal_metric']" in proc.stderr
    assert "planned_treatment_share: goal_metric" not in proc.stderr and "rename or add the columns" in proc.stderr


def test_a_festival_that_fell_inside_another_window_last_year_says_so(sample_lifts):
    """Mid-Autumn 2026's last year read "none in the data": in 2025 it fell inside National Day
    (one window, "National Day + Mid-Autumn Festival"), which is in the data."""
    from toolkit.report.tables import holiday_table
    en = holiday_table(sample_lifts, "en").set_index("holiday")
    zh = holiday_table(sample_lifts, "zh").set_index("节假日")
    assert en.loc["Mid-Autumn Festival", "last year"] == "inside National Day + Mid-Autumn Festival"
    assert zh.loc["中秋节", "去年同节日"].startswith("在国庆节") and zh.loc["中秋节", "去年同节日"].endswith("内")
    national = sample_lifts[sample_lifts["name"] == "National Day"].iloc[-1]      # its own window last year: the lift
    assert en.loc["National Day", "last year"] == f"{national['last_year_lift']:.2f}x"
    # the JupyterLab explorer draws that window beside it (it said "no window of this festival a year earlier")
    from toolkit.report.period_detail import last_year_index
    lifts = sample_lifts.reset_index(drop=True)
    mid = lifts.index[lifts["name"] == "Mid-Autumn Festival"][-1]
    assert lifts.loc[last_year_index(lifts, mid), "name"] == "National Day + Mid-Autumn Festival"
    own = lifts.index[lifts["name"] == "National Day"][-1]
    assert lifts.loc[last_year_index(lifts, own), "festival"] == "national_day"


def test_a_difference_that_rounds_to_zero_reads_plus_zero():
    """A campaign 0.04 points below its control read "-0.0" in the table and the finding."""
    from toolkit.report.findings import period_findings
    from toolkit.report.tables import campaign_table
    effects = pd.DataFrame({"campaign_id": ["C1"], "name": ["A"], "metric": ["active"], "treatment": [0.3000],
                            "control": [0.3004], "difference": [-0.0004], "ci_low": [-0.0004], "ci_high": [0.0003],
                            "p_value": [0.9], "srm_flag": [False], "method": ["control arm"], "n_treatment": [900],
                            "n_control": [900], "start_date": [date(2026, 9, 1)], "end_date": [date(2026, 9, 30)]})
    assert campaign_table(effects, "en").iloc[0]["difference (points)"] == "+0.0"
    lifts = pd.DataFrame(columns=["name", "start", "end", "lift", "ci_low", "ci_high"])
    said = " ".join(period_findings(lifts, effects, "en", "2026-10"))
    assert "+0.0 points (95% interval +0.0 to +0.0)" in said and "-0.0" not in said, said


def test_a_holiday_near_the_months_end_is_provisional_until_the_weeks_after_it_arrive(sample_dir):
    """Mid-Autumn 2026 (09-25 to 09-27) read 1.16x in September's report and 1.18x in October's,
    and nothing said the first was provisional: its baseline takes three weeks on both sides, and
    in September the weeks after it were not in yet.  Marked in the table and the sentences."""
    from toolkit.report.findings import _this_month_sentence
    from toolkit.report.tables import holiday_table
    daily = daily_users(open_store(sample_dir).con, signal_events=["trip"])
    sept = holiday_lift(daily[daily.index < "2026-10-01"])
    octo = holiday_lift(daily[daily.index < "2026-11-01"])
    mid = (sept["name"] == "Mid-Autumn Festival") & (sept["start"].astype(str) >= "2026")
    assert mid.sum() == 1 and sept.loc[mid, "provisional"].iloc[0]
    assert not sept.loc[~mid, "provisional"].astype(bool).any()        # the windows with three weeks after them
    later = octo[(octo["name"] == "Mid-Autumn Festival") & (octo["start"].astype(str) >= "2026")]
    assert not later["provisional"].iloc[0]
    row = sept[mid].iloc[0]
    table = holiday_table(sept, "en")
    shown = table[table["start"] == str(row["start"])].iloc[0]
    assert shown["daily users vs ordinary days"] == f"{row['lift']:.2f}x (provisional)"
    assert _this_month_sentence(row, "en").endswith(f"{row['ci_high']:.2f}; provisional until the weeks after it are in).")
    assert _this_month_sentence(row, "zh").endswith(";暂定,下月报告中可能变化)。")
    # a window nobody was active in, with an interval wide enough to hold 1 (a handful of users): said in
    # words, not "no clear change (0.00x, 95% interval 0.00-1.42)" beside the table's "no activity"
    closed = row.copy()
    closed["lift"], closed["ci_low"], closed["ci_high"] = 0.0, 0.0, 1.42
    assert "no user was active on any of its days" in _this_month_sentence(closed, "en")
    assert "无明显变化" not in _this_month_sentence(closed, "zh") and "没有活跃用户" in _this_month_sentence(closed, "zh")


def test_a_holiday_bar_is_green_or_red_only_when_its_interval_says_so():
    """New Year's Day was a green bar beside "no clear change" in the table."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.colors import to_hex
    from toolkit.report.period_plots import plot_holiday_lifts
    lifts = pd.DataFrame({"name": ["a", "b", "c"], "name_zh": ["甲", "乙", "丙"],
                          "start": pd.to_datetime(["2025-01-01", "2025-05-01", "2025-10-01"]),
                          "lift": [1.03, 1.4, 0.7], "ci_low": [0.98, 1.3, 0.6], "ci_high": [1.08, 1.5, 0.8],
                          "last_year_lift": [float("nan")] * 3})
    ax = plot_holiday_lifts(lifts, lang="en")
    assert [to_hex(b.get_facecolor()) for b in ax.patches] == ["#bab0ac", "#54a24b", "#e45756"]


def test_the_coming_years_holidays_come_with_their_last_lift(sample_dir, tmp_path):
    """A planner asked when next year's peak is: no page or command listed the coming holiday
    windows.  Hand-made lifts: the next twelve months after 2026-10 hold China's seven festivals
    from New Year 2027 on (National Day 2026, begun in the report month, is not a coming one);
    each takes its festival's latest measured lift (Spring Festival: 2026's is unmeasured, so
    2025's); the finding names the two largest lifts whose interval lies above 1."""
    from datetime import date

    import numpy as np
    from toolkit.analyses.holiday_lift import coming_holidays
    from toolkit.report.findings import coming_finding
    from toolkit.report.tables import coming_table
    lifts = pd.DataFrame([
        {"festival": "spring_festival", "start": date(2025, 1, 28), "lift": 1.6, "ci_low": 1.5, "ci_high": 1.7},
        {"festival": "spring_festival", "start": date(2026, 2, 15), "lift": np.nan, "ci_low": np.nan, "ci_high": np.nan},
        {"festival": "labour_day", "start": date(2026, 5, 1), "lift": 1.4, "ci_low": 1.3, "ci_high": 1.5},
        {"festival": "qingming", "start": date(2026, 4, 4), "lift": 1.1, "ci_low": 0.9, "ci_high": 1.3},
        {"festival": "national_day", "start": date(2026, 10, 1), "lift": 1.5, "ci_low": 1.45, "ci_high": 1.55}])
    c = coming_holidays(lifts, "2026-10", country="CN")
    assert list(c["festival"]) == ["new_year", "spring_festival", "qingming", "labour_day", "dragon_boat",
                                   "mid_autumn", "national_day"]
    assert c["start"].min() == date(2027, 1, 1) and c["start"].max() < date(2027, 11, 1)
    by = c.set_index("festival")
    assert by.loc["spring_festival", "last_lift"] == 1.6 and by.loc["spring_festival", "last_start"] == date(2025, 1, 28)
    assert np.isnan(by.loc["new_year", "last_lift"]) and by.loc["national_day", "last_lift"] == 1.5
    assert set(c["calendar"]) == {"estimated"}                  # 2027's official schedule is not out
    en = coming_finding(c, "en")
    assert en[0].startswith("Coming in the next 12 months, the holidays that lifted daily users most last time: "
                            "Spring Festival (2027-02-05 to 2027-02-10, dates estimated; 1.60x ordinary days last "
                            "time, 2025-01); National Day (2027-10-01"), en
    assert "Labour Day" not in en[0] and "Tomb" not in en[0]         # third; and an interval that holds 1
    assert coming_finding(c.assign(last_ci_low=0.9), "en") == []
    # a shop closed last Christmas: the closures of the next three months are named (a planner under-planned it)
    shut = c.assign(last_lift=[0.0, 0.0] + [0.5] * 5, last_ci_low=0.0, last_ci_high=[0.05, 0.05] + [0.9] * 5)
    shut.attrs = c.attrs
    # (Spring Festival, 2027-02-05, is past the three months from 2026-11-01)
    assert coming_finding(shut, "en") == ["Coming soon, with no active user on any of their days last time (closed?): New Year's Day "
                                          "(2027-01-01 to 2027-01-03)."]
    # (活动 on these pages is a campaign: the zh line says users, as the English does)
    assert coming_finding(shut, "zh") == ["即将到来、上次整个假期没有任何用户活跃(可能停业)的节假日:元旦(2027-01-01 至 2027-01-03)。"]
    later = shut.assign(last_lift=[0.5] * 6 + [0.0])                       # National Day: not within three months
    later.attrs = c.attrs
    assert coming_finding(later, "en") == []
    t = coming_table(c, "zh").set_index("节假日")
    assert t.loc["元旦", "上次的日活/平日"] == "数据中未测得" and t.loc["春节", "上次的日活/平日"] == "1.60 倍 (2025-01, 上升)"
    assert t.loc["春节", "日期"] == "估计:仅含法定假日;官方安排尚未公布,调休后的假期通常更长"
    # the command line lists them too
    proc = run_cli("holidays", sample_dir, "--coming")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(io.StringIO(proc.stdout))
    assert df["start"].iloc[0] == "2027-01-01" and "Spring Festival" in set(df["name"])
    assert "the holiday windows after 2026-10" in proc.stderr


def test_the_periods_page_lists_the_coming_holidays(rendered_reports):
    out, _ = rendered_reports["en"]
    page = (out / "2026-10" / "02_periods.html").read_text(encoding="utf-8")
    assert "Coming holidays (next 12 months)" in page and "coming-holidays-2026-10" in page
    summary = (out / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert "Coming in the next 12 months, the holidays that lifted daily users most last time: Spring Festival" \
        in summary
    zh = (rendered_reports["zh"][0] / "2026-10" / "02_periods.html").read_text(encoding="utf-8")
    assert "未来 12 个月的节假日" in zh and "未来 12 个月中，上次日活提升最大的节假日：春节" in zh


def test_the_window_chart_draws_what_the_lift_compares_with():
    """Qingming (04-04 to 04-06) at a month's low start: its days sat under the baseline days' mean
    while the page said 1.19x; the fit compares them with what the month's start would be without
    the holiday.  A daily series with a saw-tooth (each month starts at 60% and climbs) and the
    window planted at 1.25x: the chart's expected days times the lift are the window's users (a
    Poisson fit matches the window's total), and they lie under the baseline days' mean."""
    import matplotlib
    matplotlib.use("Agg")
    import numpy as np
    from toolkit.analyses.holiday_calendar import holiday_windows
    from toolkit.analyses.holiday_lift import holiday_lift
    from toolkit.report.period_detail import plot_window_detail, window_detail
    days = pd.date_range("2026-03-01", "2026-05-25", freq="D")
    shape = np.array([1000 * (0.6 + 0.4 * (d.day - 1) / 30) for d in days])
    qingming = next(w for w in holiday_windows(days[0].date(), days[-1].date(), "CN") if w.festival == "qingming")
    inside = np.array([qingming.start <= d.date() <= qingming.end for d in days])
    daily = pd.Series(np.random.default_rng(3).poisson(shape * np.where(inside, 1.25, 1.0)).astype(float), index=days)
    lifts = holiday_lift(daily, country="CN")
    i = lifts.index[lifts["festival"] == "qingming"][0]
    lift = lifts.loc[i, "lift"]
    assert 1.1 < lift < 1.4, lift
    detail = window_detail(daily, lifts, i, country="CN")
    window_users = daily[inside].sum()
    assert list(detail.expected.index) == list(daily.index[inside])
    assert abs(detail.expected.sum() * lift - window_users) < 1e-6 * window_users
    assert daily[inside].mean() < detail.baseline.mean()        # the plain mean would have read as a fall
    ax = plot_window_detail(detail, lang="en")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "expected without the holiday (the lift's model)" in labels
    drawn = [ln for ln in ax.get_lines() if ln.get_label() == "expected without the holiday (the lift's model)"][0]
    assert np.allclose(drawn.get_ydata(), detail.expected.to_numpy())


def test_a_window_in_the_datas_first_weeks_gets_no_estimate():
    """An app launched on 2026-01-01 (4 to 200 daily users over January): New Year's 01-01 to 01-03,
    with no ordinary day before it, read "daily users fell to 0.31x", and the coming-holidays table
    carried it.  A window needs MIN_WEEKS weeks of data before it; Spring Festival, weeks later, is
    estimated."""
    import numpy as np
    from toolkit.analyses.holiday_lift import MIN_WEEKS, holiday_lift
    days = pd.date_range("2026-01-01", "2026-04-30", freq="D")
    ramp = np.minimum(200.0, 4 + np.arange(len(days)) * 6.5)
    daily = pd.Series(np.random.default_rng(7).poisson(ramp).astype(float), index=days)
    lifts = holiday_lift(daily, country="CN").set_index("festival")
    assert pd.isna(lifts.loc["new_year", "lift"]) and lifts.loc["new_year", "baseline_days"] == 0
    assert pd.notna(lifts.loc["spring_festival", "lift"])
    assert MIN_WEEKS == 2
