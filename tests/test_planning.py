"""Target planning: a hand-worked projection, the inverse search, and the identity on real states."""
import re
import numpy as np
import pandas as pd
import pytest

from toolkit.report import labels as L

from conftest import run_cli
from toolkit.analyses.decomposition import decomposition, mau_bridge, transitions
from toolkit.errors import ConfigError
from toolkit.analyses.lifecycle import RATES, Lifecycle
from toolkit.analyses.planning import StartState, default_rates, make_plan, project, required_uplift
from toolkit.data.store import open_store

M2 = ["2026-01", "2026-02"]
R = pd.DataFrame({"retention_old": 0.9, "retention_new": 0.5, "wake_rate": 0.3, "return_rate": 0.1}, index=M2)


def test_hand_worked_projection_k2():
    start = StartState("2025-12", new=100, old_active=1000, dormant=[200], churned=500, cumulative=1800)
    p = project(start, M2, 100, R).set_index("month")
    # Jan: retained 50 + 900, woken 60, returned 50 -> old active 1060; MAU 1160 of 1900.
    #      lost 50 + 100 = 150 go dormant; churned 500*0.9 + 200*0.7 = 590.
    jan = p.loc["2026-01"]
    assert (jan.new_retained, jan.active, jan.woken, jan.returned) == (50, 900, 60, 50)
    assert (jan.mau, jan.cumulative, jan.dormant, jan.churned) == pytest.approx((1160, 1900, 150, 590))
    assert jan.active_rate == pytest.approx(1160 / 1900)
    # Feb: 50 + 954 + 45 + 59 = 1108 old active; MAU 1208 of 2000; dormant 50 + 106; churned 531 + 105.
    feb = p.loc["2026-02"]
    assert (feb.mau, feb.cumulative, feb.dormant, feb.churned) == pytest.approx((1208, 2000, 156, 636))
    assert feb.new + feb.new_retained + feb.active + feb.woken + feb.returned + feb.dormant + feb.churned \
        == pytest.approx(feb.cumulative)


def test_hand_worked_projection_k3():
    start = StartState("2025-12", new=100, old_active=1000, dormant=[200, 100], churned=500, cumulative=1900,
                       churn_after=3)
    jan = project(start, M2[:1], 100, R.iloc[:1]).iloc[0]
    # woken (200 + 100) * 0.3 = 90; churned 500*0.9 + 100*0.7 = 520; dormant 150 (run 1) + 140 (run 2)
    assert (jan.woken, jan.churned, jan.dormant) == pytest.approx((90, 520, 290))


def test_inverse_finds_the_smallest_uplift():
    start = StartState("2025-12", new=100, old_active=1000, dormant=[200], churned=500, cumulative=1800)
    base = project(start, M2, 100, R)["active_rate"].mean()
    target = base + 0.02
    u = required_uplift(start, M2, 100, R, target, ["retention_old"])
    assert u["reachable"] and u["average_rate"] >= target
    lower = R.copy()
    lower["retention_old"] += u["uplift"] - 1e-4
    assert project(start, M2, 100, lower)["active_rate"].mean() < target
    none = required_uplift(start, M2, 100, R, 0.99, ["retention_new"])
    assert not none["reachable"] and none["uplift"] is None and none["average_rate"] < 0.99
    assert required_uplift(start, M2, 100, R, 0.1)["uplift"] == 0.0


@pytest.fixture(scope="module")
def sample_lc(sample_dir):
    lc = Lifecycle(open_store(sample_dir).con)
    return lc, lc.monthly(2)


@pytest.mark.parametrize("k", [2, 3])
def test_one_step_projection_with_realised_rates_is_exact(sample_dir, k):
    lc = Lifecycle(open_store(sample_dir).con)
    mo = lc.monthly(k).set_index("month")
    start = StartState.from_lifecycle(lc, "2026-02", k)
    assert start.old_active == mo.loc["2026-02", "old_active"] and start.cumulative == mo.loc["2026-02", "cumulative"]
    assert sum(start.dormant) == mo.loc["2026-02", "dormant"]
    rates = mo.loc[["2026-03"], RATES]
    p = project(start, ["2026-03"], mo.loc["2026-03", "new"], rates).iloc[0]
    assert p.mau == pytest.approx(mo.loc["2026-03", "mau"])
    assert p.active_rate == pytest.approx(mo.loc["2026-03", "active_rate"])
    if k == 2:
        assert p.dormant == pytest.approx(mo.loc["2026-03", "dormant"])
        assert p.churned == pytest.approx(mo.loc["2026-03", "churned"])


def test_default_rates(sample_lc):
    _, mo = sample_lc
    best = default_rates(mo, ["2026-07"], "best6").iloc[0]
    hist = mo[(mo.month >= "2026-01") & (mo.month < "2026-07")]
    assert best.retention_new == hist.retention_new.max()   # February's campaign peak
    ly = default_rates(mo, ["2026-07"], "last_year").iloc[0]
    assert ly.return_rate == mo.set_index("month").loc["2025-07", "return_rate"]
    with pytest.raises(ConfigError, match="best6"):
        default_rates(mo, ["2026-07"], "median")


def test_the_plan_takes_no_rate_from_the_datas_first_churn_window():
    """The first k months of the data are a warm-up (docs/methodology.md): an events export that
    starts after the users table counts every user registered earlier as dormant or churned, so
    its first months' wake and return rates (74% in a trial) are no level to plan with.  The
    rates come from the months after it, or from every month when the history is too short."""
    mo = pd.DataFrame({"month": ["2026-07", "2026-08", "2026-09", "2026-10"],
                       "retention_old": [np.nan, 0.95, 0.80, 0.85], "retention_new": [np.nan, 0.7, 0.6, 0.5],
                       "wake_rate": [np.nan, 0.74, 0.40, 0.30], "return_rate": [np.nan, 0.20, 0.05, 0.04]})
    r = default_rates(mo, ["2026-11"], "best6", settled_from="2026-09").iloc[0]
    assert r.to_dict() == {"retention_old": 0.85, "retention_new": 0.6, "wake_rate": 0.40, "return_rate": 0.05}
    assert default_rates(mo, ["2026-11"], "best6").iloc[0]["wake_rate"] == 0.74       # without the warm-up known
    early = default_rates(mo, ["2026-09"], "best6", settled_from="2026-09").iloc[0]   # nothing after it: all
    assert early["wake_rate"] == 0.74


def test_the_rate_a_rise_needs_is_the_shown_rate_plus_the_shown_rise():
    """45.654% + 27.583 points = 73.237% read as 45.7% + 27.6 = 73.3% beside "73.2%"."""
    from toolkit.analyses.planning import shown_needed
    assert f"{0.45654 + 0.27583:.1%}" == "73.2%" and f"{shown_needed(0.45654 + 0.27583, 0.27583):.1%}" == "73.3%"
    assert shown_needed(1.0, 0.3) == 1.0 and shown_needed(None, 0.1) is None


def test_a_plan_whose_rates_all_come_from_one_month_says_so():
    """Best of six months per rate: when one month holds the best of all four (a shop's
    pre-Christmas November), the plan says the projection assumes that month's level holds."""
    from toolkit.analyses.planning import _one_best_month
    months = [f"2011-{m:02d}" for m in range(5, 12)]
    mo = pd.DataFrame({"month": months, **{r: [0.1, 0.2, 0.15, 0.1, 0.2, 0.25, 0.4] for r in RATES}})
    assert _one_best_month(mo, ["2011-12"]) == "2011-11"
    mo.loc[2, "wake_rate"] = 0.9                                      # July holds the best wake rate
    assert _one_best_month(mo, ["2011-12"]) is None
    assert _one_best_month(mo.head(1), ["2011-06"]) is None          # one month of history: nothing to compare


def test_make_plan_and_overrides(sample_lc):
    lc, mo = sample_lc
    p = make_plan(lc, mo, ["2026-09", "2026-07", "2026-08"], 0.85, new_users=3000, rates={"wake_rate": 0.5})
    assert p.months == ["2026-07", "2026-08", "2026-09"] and p.new_users == [3000.0] * 3
    assert (p.rates["wake_rate"] == 0.5).all()
    assert len(p.uplifts) == 5 and "target" in p.summary()
    assert p.peak_month is None                                      # an override: the rates are not all one month's
    with pytest.raises(ConfigError, match="consecutive"):
        make_plan(lc, mo, ["2026-07", "2026-09"], 0.85)
    with pytest.raises(ConfigError, match="2030-01"):
        make_plan(lc, mo, ["2030-02"], 0.85)


def test_decomposition_and_bridge_add_up(sample_lc):
    _, mo = sample_lc
    d = decomposition(mo, "2026-03").set_index("term")
    main = ["new users", "old users retained", "new users retained", "dormant users woken", "churned users returned"]
    assert d.loc[main, "users"].sum() == d.loc["MAU", "users"]
    for t in main[1:]:
        assert d.loc[t, "pool"] * d.loc[t, "rate"] == pytest.approx(d.loc[t, "users"])
    b = mau_bridge(mo, "2026-03")
    assert b["change"].iloc[:-1].sum() == b["level"].iloc[-1] == d.loc["MAU", "users"]


def test_transition_matrix_margins(sample_lc):
    lc, mo = sample_lc
    counts, shares = transitions(lc, "2026-03", 2)
    m = mo.set_index("month")
    for s in counts.columns:
        assert counts[s].sum() == m.loc["2026-03", s]
    for s in counts.index[1:]:
        assert counts.loc[s].sum() == m.loc["2026-02", s]
    assert counts.loc["not entered"].sum() == m.loc["2026-03", "new"]
    assert counts.loc["dormant", "woken"] == m.loc["2026-03", "woken"]
    assert shares.loc["churned"].sum() == pytest.approx(1.0)


def test_cli_plan(sample_dir):
    proc = run_cli("plan", sample_dir, "--target", 0.85, "--months", "2026-07,2026-08,2026-09", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert "average projected active rate" in proc.stdout and "2026-09" in proc.stdout
    zh = run_cli("plan", sample_dir, "--target", 0.85, "--months", "2026-07")   # the configuration's language (zh)
    assert zh.returncode == 0 and "预测平均月活率" in zh.stdout, zh.stdout
    bad = run_cli("plan", sample_dir, "--target", 85, "--months", "2026-07")
    assert bad.returncode == 2 and "0.85" in bad.stderr and "flag or parameter" in bad.stderr
    slash = run_cli("plan", sample_dir, "--months", "2026-07,2026/08")      # the flag named, not "month"
    assert slash.returncode == 2 and "--months must be written YYYY-MM" in slash.stderr and "2026/08" in slash.stderr


def test_an_implausible_single_rate_rise_is_flagged(sample_lc):
    """A rate that would have to climb far above its best month is called implausible, in words,
    and the combination of rates comes first."""
    lc, mo = sample_lc
    p = make_plan(lc, mo, ["2026-07", "2026-08", "2026-09"], 0.85)
    best = mo[mo["month"] < "2026-07"][["retention_old", "retention_new", "wake_rate", "return_rate"]].max()
    flagged = p.uplifts[p.uplifts["implausible"]]
    assert len(flagged), p.uplifts
    for _, u in p.uplifts.iterrows():
        if u["reachable"] and u["uplift"] and "+" not in u["rates"]:
            need = min(1.0, p.rates[u["rates"]].max() + u["uplift"])
            assert u["needed_max"] == pytest.approx(need)
            assert u["best_seen"] == pytest.approx(best[u["rates"]])
            assert bool(u["implausible"]) == (need > best[u["rates"]] + 0.10)
    en, zh = p.summary_lines("en"), p.summary_lines("zh")
    assert sum("implausible" in s for s in en) == len(flagged)
    assert sum("不现实" in s for s in zh) == len(flagged)
    combo = [i for i, s in enumerate(en) if "retention + wake rate + return rate" in s]
    assert combo == [1], en                                             # the combination of rates comes first
    # the combination names the rate its "needed" value is of (a reader could not tell which rate had to reach it)
    from toolkit.report.labels import rate
    row = p.uplifts[p.uplifts["rates"].str.contains("+", regex=False)].iloc[0]
    assert row["needed_rate"] in ("retention_old", "retention_new", "wake_rate", "return_rate")
    need = min(1.0, p.rates[row["needed_rate"]].max() + row["uplift"])
    assert row["needed_max"] == pytest.approx(need) and row["best_seen"] == pytest.approx(best[row["needed_rate"]])
    if row["implausible"]:
        shown = min(1.0, round(row["needed_max"] - row["uplift"], 3) + round(row["uplift"], 3))
        assert f"which takes {rate(row['needed_rate'], 'en')} to {shown:.1%}" in en[1], en[1]
        assert f"其中{rate(row['needed_rate'], 'zh')}需达" in zh[1], zh[1]
    from toolkit.report.tables import plan_tables
    _, ups = plan_tables(p, "en")
    assert ups.iloc[-1, 2].endswith(f"({rate(row['needed_rate'], 'en')})"), ups


def test_cli_plan_counts_whole_users(sample_dir):
    proc = run_cli("plan", sample_dir, "--target", 0.85, "--months", "2026-07,2026-08,2026-09")
    assert proc.returncode == 0, proc.stderr
    table = proc.stdout.split("\n\n")[0]
    assert not re.search(r"\d,?\d*\.\d{3}", table), table          # no fractional users like 3,077.333


def test_a_target_met_at_the_projections_rates_says_so_in_the_table(sample_lc):
    """A target below what the projection's rates give needs no rise: every row says it is met,
    in the page's language, instead of an empty verdict."""
    from toolkit.report.labels import t
    from toolkit.report.tables import plan_tables
    lc, mo = sample_lc
    p = make_plan(lc, mo, ["2026-07", "2026-08", "2026-09"], 0.01)
    assert (p.uplifts["uplift"] == 0).all()
    for lang in ("en", "zh"):
        _, ups = plan_tables(p, lang)
        assert (ups[t("verdict", lang)] == t("met_already", lang)).all(), ups
    # the projection's rates are the best of six months by default, not averages: the verdict said
    # "met at the average rates" beside a method note saying best values
    assert ups[t("verdict", "zh")].iloc[0] == "按预测所用比率即可达成(见上)"
    hard = plan_tables(make_plan(lc, mo, ["2026-07", "2026-08", "2026-09"], 0.85), "en")[1]
    assert not (hard[t("verdict", "en")] == t("met_already", "en")).any()
    # a rate that cannot meet it says so in its cells (they were blank beside "not reachable")
    out = hard[hard[t("verdict", "en")] == t("not_reachable", "en")]
    assert len(out) and (out[t("rate_needed", "en")] == "100% is not enough").all()
    assert (out[t("rise_needed", "en")] == "—").all() and not (out == "").any().any(), out
    # a plausible rise had an empty verdict (a Chinese page's 判断 column was blank): it says possible
    mid = plan_tables(make_plan(lc, mo, ["2026-07", "2026-08", "2026-09"], 0.66), "zh")[1]
    assert (mid[t("verdict", "zh")] != "").all(), mid
    assert (mid[t("verdict", "zh")] == "可行:不超过其最佳月份 10 个百分点").all(), mid


def test_a_target_nothing_plausible_meets_gets_a_realistic_reference(sample_lc):
    """The sample's 85% target: every way to it was "implausible" or "cannot meet it", and the
    single-rate lines still advised to combine rates, right under the line that said the
    combination is implausible too.  The plan now says what the data put within reach (every rate
    back at its best month), and advises combining only when a combination is plausible."""
    lc, mo = sample_lc
    months = ["2026-11", "2026-12", "2027-01"]
    p = make_plan(lc, mo, months, 0.85)
    assert not p.met and not any(u["reachable"] and not u["implausible"] for _, u in p.uplifts.iterrows())
    best = mo[mo["month"] >= "2025-01"][RATES].max()          # after the warm-up (k = 2) of the data's first months
    at_best = make_plan(lc, mo, months, 0.85, rates=best.to_dict())
    assert p.best_case_rate == pytest.approx(at_best.average_rate) and p.average_rate < p.best_case_rate < 0.85
    en, zh = p.summary_lines("en"), p.summary_lines("zh")
    assert en[-1].startswith(f"For a realistic target: with every rate back at its best month in the data, the "
                             f"average would be {p.best_case_rate:.1%}; a target above it needs rates the data never "
                             "showed.")
    assert f"平均月活率为 {p.best_case_rate:.1%}" in zh[-1]
    assert p.headline_lines("en") == en[:2] + en[-1:]          # the summary page quotes it
    assert not any("Combine rates instead" in s for s in en) and not any("请组合" in s for s in zh)
    reachable = make_plan(lc, mo, months, p.average_rate + 0.01)    # a near target: a plausible way, no reference
    assert not any("realistic target" in s for s in reachable.summary_lines("en"))


def test_a_plan_at_a_peak_months_rates_says_so_in_its_verdict_and_gives_last_years(sample_lc):
    """A shop's plan for December to February at November's rates (the best of six months for
    each) read "(met)"; the verdict now names the month, and last year's rates of the same months
    give a second average.  The command line, which passes its rate options unset, detects the peak
    too (it never did)."""
    lc, mo = sample_lc
    months = ["2026-11", "2026-12", "2027-01"]
    peaked = mo.copy()
    peaked.loc[peaked["month"] == "2026-10", RATES] = peaked[RATES].max().to_numpy() + 0.01
    p = make_plan(lc, peaked, months, 0.5)
    assert p.peak_month == "2026-10" and p.met
    ly = make_plan(lc, peaked, months, 0.5, method="last_year")
    assert p.seasonal_rate == pytest.approx(ly.average_rate) and p.seasonal_rate != pytest.approx(p.average_rate)
    en = p.summary_lines("en")
    assert en[0].endswith("(met at the rates of 2026-10).")
    assert en[2] == (f"At last year's rates of the same months (toolkit plan --rate-method last_year) the average "
                     f"would be {ly.average_rate:.1%} ({'met' if ly.average_rate >= 0.5 else 'not met'}).")
    assert "按 2026-10 的比率可达成" in p.summary_lines("zh")[0]
    assert p.headline_lines("en") == en[:3]          # the summary page quotes last year's average beside it
    unset = make_plan(lc, peaked, months, 0.5, rates={r: None for r in RATES})      # the CLI's call
    assert unset.peak_month == "2026-10"
    assert make_plan(lc, mo, months, 0.5).seasonal_rate is None                        # no peak: no second average
    # last year's months not in the data's settled history (the UK shop's December 2010, its first month): the
    # "last year" average took the peak's rates again for them and read as a check; now it says it cannot check
    early = peaked.copy()
    early.loc[early["month"] == "2025-10", RATES] = early[RATES].max().to_numpy() + 0.02
    q = make_plan(lc, early, ["2025-11", "2025-12"], 0.5)
    assert q.peak_month == "2025-10" and q.seasonal_rate is None and q.no_last_year == ["2024-11", "2024-12"]
    assert q.summary_lines("en")[2].startswith("The data hold no rates for last year's same months (2024-11, 2024-12")
    assert q.headline_lines("en") == q.summary_lines("en")[:3]
    # some of last year's months in the data (the shop's February 2011 of a December-February plan): each rate
    # of theirs well below the one assumed is said, and the summary quotes it
    p3 = make_plan(lc, early, ["2025-11", "2025-12", "2026-01"], 0.5)
    assert p3.no_last_year == ["2024-11", "2024-12"]
    jan = early.set_index("month").loc["2025-01"]
    expected = [("2025-01", "2026-01", c, jan[c], p3.rates.loc["2026-01", c]) for c in RATES
                if jan[c] < p3.rates.loc["2026-01", c] - 0.02]
    assert expected and [x[:3] for x in p3.last_year_below] == [x[:3] for x in expected]
    line = p3.summary_lines("en")[3]
    c, v, a = expected[0][2], expected[0][3], expected[0][4]
    assert line.startswith("Last year's months that the data hold fall short of the assumption: "
                           f"{L.rate(c, 'en')} {v:.1%} in 2025-01 against {a:.1%} assumed for 2026-01"), line
    assert p3.headline_lines("en") == p3.summary_lines("en")[:4]
    assert "数据中已有的去年同月比率低于假设" in p3.summary_lines("zh")[3]


def test_this_month_is_compared_with_last_months_plan_for_it(sample_dir):
    """September's report projected October at 60.2% (MAU 29,965); October's said nothing of it.
    The line is checked against the plan of a lifecycle that ends in September, as September's
    report made it."""
    from toolkit.analyses.planning import last_months_plan
    lc = Lifecycle(open_store(sample_dir).con)
    mo = lc.monthly(2)
    line = last_months_plan(lc, mo, "2026-10", 0.85, churn_after=2, lang="en")
    september = Lifecycle(open_store(sample_dir).con, last_month="2026-09")
    then = make_plan(september, september.monthly(2), ["2026-10", "2026-11", "2026-12"], 0.85).projection.iloc[0]
    now = mo.set_index("month").loc["2026-10"]
    assert line == [f"The plan from last month's states projected for this month: active rate {then['active_rate']:.1%} (MAU {then['mau']:,.0f}); "
                    f"actual {now['active_rate']:.1%} ({int(now['mau']):,})."]
    assert last_months_plan(lc, mo, "2025-01", 0.85, churn_after=2) == []      # a plan of the warm-up: none


def test_one_off_best_months_are_named_and_the_reference_given_without_them():
    """A hand-worked history: the return rate's best month (15% in 2025-03) stands 9 points above
    its median (6%) and alone there (next best 7%); the wake rate's best (40%) has a twin (39%)
    and the old-user retention's best is 2 points above its median: only the return rate is a
    one-off."""
    from toolkit.analyses.planning import one_off_bests
    hist = pd.DataFrame({"month": ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"],
                         "retention_old": [0.80, 0.81, 0.82, 0.80, 0.83],
                         "retention_new": [0.60, 0.61, 0.60, 0.62, 0.61],
                         "wake_rate": [0.30, 0.40, 0.31, 0.39, 0.30],
                         "return_rate": [0.06, 0.05, 0.15, 0.07, 0.06]})
    got = one_off_bests(hist)
    assert [(r, m) for r, m, *_ in got] == [("return_rate", "2025-03")]
    assert got[0][2:] == pytest.approx((0.15, 0.06))
    assert one_off_bests(hist.iloc[:2]) == []                       # two months: nothing is usual yet


def test_the_samples_campaign_months_are_the_one_off_bests_of_the_plans_reference(sample_lc, truth):
    """The sample's 64.1% reference took the return rate of its churn-recall campaign month (14.3%
    against about 6%) and the new-user retention of its incentive month: the planted campaigns
    with a lift are the one-off bests, and the reference is given again without them."""
    lc, mo = sample_lc
    p = make_plan(lc, mo, ["2026-11", "2026-12", "2027-01"], 0.85)
    planted = {(c["goal_metric"], c["month"]) for c in truth["campaigns"] if c["lift"] > 0}
    assert {(r, m) for r, m, *_ in p.one_off_bests} == planted
    hist = mo[mo["month"] >= "2025-01"]
    rates = hist[RATES].max().to_dict()
    for r, *_ in p.one_off_bests:
        rates[r] = hist[r].nlargest(2).iloc[-1]
    again = make_plan(lc, mo, ["2026-11", "2026-12", "2027-01"], 0.85, rates=rates)
    assert p.next_best_rate == pytest.approx(again.average_rate) and p.next_best_rate < p.best_case_rate - 0.01
    en, zh = p.summary_lines("en")[-1], p.summary_lines("zh")[-1]
    assert en.endswith(f"with those rates at their next best month, {p.next_best_rate:.1%}."), en
    assert "Two of those best months were one-off highs (" in en and "return rate" in en
    assert zh.endswith(f"是一次性的高点:改用其次佳月份,平均月活率为 {p.next_best_rate:.1%}。"), zh
    # with the campaigns table, each one-off month names its campaign (it can be run again)
    campaigns = lc.con.execute("SELECT * FROM campaigns").df()
    named = make_plan(lc, mo, ["2026-11", "2026-12", "2027-01"], 0.85, campaigns=campaigns)
    en = named.summary_lines("en")[-1]
    for c in truth["campaigns"]:
        if c["lift"] > 0:
            assert f"in {c['month']} against a usual" in en and f", the month of campaign {c['campaign_id']}" in en, en
    assert f"该月有活动 {truth['campaigns'][1]['campaign_id']}" in named.summary_lines("zh")[-1]
