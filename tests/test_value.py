"""RFM value tiers on hand-worked fixtures, and score invariants on any data.

Orders fixture (month 2025-03, window 3 months = 2025-01 .. 2025-03, 4 bins; every user
opens the app on 2025-01-02, user 5 again on 2025-04-02 so that March is complete):

    user  orders (date: amount)                      R (days to 03-31)  F  M
    1     02-10: 50, 03-30: 100                      1                  2  150
    2     03-30: 300                                 1                  1  300
    3     01-05: 20, 01-06: 20, 02-01: 20            58                 3  60
    4     2024-12-20: 500 (before the window)        -                  -  -    not scored
    5     (none)                                     -                  -  -    not scored
    6     03-15: 40                                  16                 1  40

n = 4 scored users, bins = 4: score = 1 + floor(4 * (rank - 1) / 4) = rank (RANK(), ties
share the first rank).
    R, best = most recent: 3 (58) rank 1, 6 (16) rank 2, 1 and 2 (1 day) rank 3 and 3
        -> r 3:1 6:2 1:3 2:3; high (> 2): 1, 2
    F ascending: 2 and 6 (1 order) rank 1, 1 (2) rank 3, 3 (3) rank 4
        -> f 2:1 6:1 1:3 3:4; high: 1, 3
    M ascending: 6 (40) 1, 3 (60) 2, 1 (150) 3, 2 (300) 4 -> high: 1, 2
    tiers: 1 RFM high -> important_value; 2 R,M -> important_develop; 3 F -> general_keep;
           6 none -> general_win_back.  Revenue 550: 150, 300, 60, 40.
"""
from __future__ import annotations

import duckdb
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli, write_table
from toolkit import queries
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.analyses.value import rfm_scores, tier_state_matrix, tier_summary
from toolkit.data.store import open_store

ORDERS = [(1, "2025-02-10 12:00:00", 50.0), (1, "2025-03-30 12:00:00", 100.0), (2, "2025-03-30 09:00:00", 300.0),
          (3, "2025-01-05 10:00:00", 20.0), (3, "2025-01-06 10:00:00", 20.0), (3, "2025-02-01 10:00:00", 20.0),
          (4, "2024-12-20 10:00:00", 500.0), (6, "2025-03-15 10:00:00", 40.0)]


def _events(rows):
    return pd.DataFrame({"user_id": [r[0] for r in rows], "event_time": pd.to_datetime([r[1] for r in rows]),
                         "event_name": [r[2] for r in rows]})


@pytest.fixture(scope="module")
def orders_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("rfm")
    write_table(d, "events", _events([(u, "2025-01-02 10:00:00", "app_open") for u in range(1, 7)]
                                     + [(5, "2025-04-02 10:00:00", "app_open")]   # March is complete
                                     + [(u, t, "purchase") for u, t, _ in ORDERS]))
    write_table(d, "orders", pd.DataFrame({"user_id": [o[0] for o in ORDERS],
                                           "order_time": pd.to_datetime([o[1] for o in ORDERS]),
                                           "amount": [o[2] for o in ORDERS]}))
    return d


@pytest.fixture(scope="module")
def events_dir(tmp_path_factory):
    """No orders (RF).  Month 2025-03, window 3, 4 bins:
        user  qualifying days            R (to 03-31)  F (active days)
        a=1   03-01, 03-31               0             2
        b=2   03-31                      0             1
        c=3   02-26, 02-27, 02-28        31            3
        d=4   01-10                      80            1
        e=5   2024-12-05                 -             -   not scored
    R rank (most recent best): d 1, c 2, a 3, b 3 -> high a, b
    F rank: b 1, d 1, a 3, c 4 -> high a, c
    tiers: a value, b develop, c keep, d win_back."""
    d = tmp_path_factory.mktemp("rf")
    write_table(d, "events", _events([(1, "2025-03-01 10:00:00", "app_open"), (1, "2025-03-31 22:00:00", "app_open"),
                                      (2, "2025-03-31 08:00:00", "app_open"), (3, "2025-02-26 08:00:00", "app_open"),
                                      (3, "2025-02-27 08:00:00", "app_open"), (3, "2025-02-28 08:00:00", "app_open"),
                                      (4, "2025-01-10 08:00:00", "app_open"), (5, "2024-12-05 08:00:00", "app_open")]))
    return d


def _scores(d, **kw):
    con = open_store(d).con
    lc = Lifecycle(con, signal_events=[])
    return lc, rfm_scores(con, "2025-03", window=3, bins=4, **kw)


def test_rfm_scores_and_tiers_by_hand(orders_dir):
    lc, s = _scores(orders_dir)
    assert s.attrs["mode"] == "rfm"
    s = s.set_index("user_id")
    assert list(s.index) == [1, 2, 3, 6]                      # 4: order before the window; 5: no order
    assert s["recency_days"].to_dict() == {1: 1, 2: 1, 3: 58, 6: 16}
    assert s["frequency"].to_dict() == {1: 2, 2: 1, 3: 3, 6: 1}
    assert s["monetary"].to_dict() == {1: 150.0, 2: 300.0, 3: 60.0, 6: 40.0}
    assert s["r_score"].to_dict() == {1: 3, 2: 3, 3: 1, 6: 2}  # the tie (1 day) shares rank 3
    assert s["f_score"].to_dict() == {1: 3, 2: 1, 3: 4, 6: 1}  # the tie (1 order) shares rank 1
    assert s["m_score"].to_dict() == {1: 3, 2: 4, 3: 2, 6: 1}
    assert s["tier"].to_dict() == {1: "important_value", 2: "important_develop", 3: "general_keep",
                                   6: "general_win_back"}
    summ = tier_summary(s.reset_index().assign()).set_index("tier")
    assert summ.loc["important_develop", "revenue_share"] == pytest.approx(300 / 550)
    assert summ.loc["important_value", "revenue_share"] == pytest.approx(150 / 550)
    assert summ.loc["important_keep", "users"] == 0 and summ["users"].sum() == 4
    assert summ["share"].sum() == pytest.approx(1.0)


def test_tier_by_state_matrix_counts_unscored_users(orders_dir):
    lc, s = _scores(orders_dir)
    states = lc.user_states("2025-03", 2)
    mat = tier_state_matrix(s, states)
    assert mat.values.sum() == 6                               # every user entered by March
    assert mat.loc["none"].sum() == 2                          # users 4 and 5
    # user 2 ordered (a qualifying purchase event) in March after January only: woken (inactive Feb)
    assert mat.loc["important_develop", "woken"] == 1
    # the heatmap names the unscored row by what scores a user here: an order, not activity
    # (user 5 has events but no order)
    from toolkit.report.value_risk import plot_tier_state
    labels = [x.get_text() for x in plot_tier_state(mat, lang="en").get_yticklabels()]
    assert labels[-1] == "not scored (no order in the window)", labels
    assert plot_tier_state(mat, lang="zh").get_yticklabels()[-1].get_text() == "未分层(窗口内无购买)"
    # a row of zeros (a shop, where every active customer has an order and so a tier) is no row
    scored = mat.copy()
    scored.loc["none"] = 0
    labels = [x.get_text() for x in plot_tier_state(scored, lang="en").get_yticklabels()]
    assert "not scored (no order in the window)" not in labels and len(labels) == (scored.sum(axis=1) > 0).sum()


def test_rf_tiers_without_orders(events_dir):
    _, s = _scores(events_dir)
    assert s.attrs["mode"] == "rf"
    s = s.set_index("user_id")
    assert list(s.index) == [1, 2, 3, 4]
    assert s["recency_days"].to_dict() == {1: 0, 2: 0, 3: 31, 4: 80}
    assert s["frequency"].to_dict() == {1: 2, 2: 1, 3: 3, 4: 1}
    assert s["monetary"].isna().all() and s["m_score"].isna().all()
    assert s["r_score"].to_dict() == {1: 3, 2: 3, 3: 2, 4: 1}
    assert s["f_score"].to_dict() == {1: 3, 2: 1, 3: 4, 4: 1}
    assert s["tier"].to_dict() == {1: "value", 2: "develop", 3: "keep", 4: "win_back"}
    summ = tier_summary(s.reset_index())
    assert list(summ["tier"]) == ["value", "develop", "keep", "win_back"] and summ["revenue_share"].isna().all()


def test_rfm_cli_writes_ids_to_a_file(orders_dir, tmp_path):
    out = tmp_path / "tiers.csv"
    proc = run_cli("rfm", orders_dir, "--month", "2025-03", "--window", "3", "--bins", "4", "--out", out)
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(out)
    assert len(df) == 6 and df.set_index("user_id").loc[1, "tier"] == "important_value"
    assert pd.isna(df.set_index("user_id").loc[5, "tier"])
    assert "important_value" in proc.stdout or "重要价值" in proc.stdout     # the tier summary on screen
    assert re.search(r"\d%", proc.stdout) and not re.search(r"\d\.\d{3}\b", proc.stdout)   # shares in %, no 0.333
    # the share is of the scored users: said, with those left without a tier (user 5)
    assert "(share: of the 4 users scored, those with an order in the 3 months; 2 of the 6 users entered by " \
           "2025-03 have none and no tier)" in proc.stdout, proc.stdout
    # --lang en: the screen names the tiers as the pages do (it showed the keys, important_value)
    en = run_cli("rfm", orders_dir, "--month", "2025-03", "--window", "3", "--bins", "4", "--lang", "en")
    assert "important value" in en.stdout and "important_value" not in en.stdout, en.stdout
    en = run_cli("rfm", orders_dir, "--month", "2025-03", "--window", "3", "--bins", "4", "--lang", "en")
    assert "tier_zh" not in en.stdout and "重要价值" not in en.stdout      # an English summary in English
    assert "tier_zh" in run_cli("rfm", orders_dir, "--month", "2025-03", "--window", "3", "--bins", "4",
                                "--lang", "zh").stdout
    bad = run_cli("rfm", orders_dir, "--month", "2025-03", "--bins", "1")
    assert bad.returncode == 2 and "--bins" in bad.stderr


def test_a_workbook_for_a_chinese_reader_has_chinese_headers_and_names(orders_dir, events_dir, tmp_path):
    """`rfm --out x.xlsx` and `churn-risk --lang zh --out x.xlsx` wrote user_id, state, tier and
    state keys (active, important_value) into a workbook handed to a Chinese manager; with zh the
    workbook speaks Chinese, the CSV keeps the keys for tools."""
    from toolkit.analyses.value import TIER_ZH
    book, table = tmp_path / "tiers.xlsx", tmp_path / "tiers.csv"
    for out in (book, table):
        run_cli("rfm", orders_dir, "--month", "2025-03", "--window", "3", "--bins", "4", "--lang", "zh", "--out", out,
                check=True)
    zh, keys = pd.read_excel(book), pd.read_csv(table)
    assert list(zh.columns[:2]) == ["用户ID", "用户分群"] and "价值分层" in zh.columns and "tier" in keys.columns
    assert zh.set_index("用户ID").loc[1, "价值分层"] == TIER_ZH["important_value"] == "重要价值客户"
    assert set(zh["用户分群"]) <= {"新用户", "上月新用户(留存)", "活跃用户", "唤醒用户", "回流用户", "休眠用户", "流失用户"}
    assert list(keys["tier"].dropna().unique()) and set(keys["state"]) <= {"new", "new_retained", "active", "woken",
                                                                            "returned", "dormant", "churned"}
    # the lifecycle table too: its columns as the pages name them, the same numbers as the CSV
    run_cli("lifecycle", orders_dir, "--lang", "zh", "--out", tmp_path / "lc.xlsx", check=True)
    run_cli("lifecycle", orders_dir, "--lang", "zh", "--out", tmp_path / "lc.csv", check=True)
    lc_zh, lc_keys = pd.read_excel(tmp_path / "lc.xlsx"), pd.read_csv(tmp_path / "lc.csv")
    assert list(lc_zh.columns[:4]) == ["月份", "新用户", "上月新用户(留存)", "活跃用户"] and "月活率" in lc_zh.columns
    assert list(lc_keys.columns[:2]) == ["month", "new"] and list(lc_zh["月活跃用户"]) == list(lc_keys["mau"])
    assert zh.set_index("用户ID").loc[5, "价值分层"] == "未分层"          # as export-users says it, not blank
    # data without orders: recency and frequency are of activity, and there is no money column
    run_cli("rfm", events_dir, "--month", "2025-03", "--window", "3", "--bins", "4", "--lang", "zh",
            "--out", tmp_path / "rf.xlsx", check=True)
    rf = pd.read_excel(tmp_path / "rf.xlsx")
    assert "最近活跃间隔(天)" in rf.columns and "活跃天数" in rf.columns and "金额" not in rf.columns, list(rf.columns)
    en = tmp_path / "tiers-en.xlsx"
    run_cli("rfm", orders_dir, "--month", "2025-03", "--window", "3", "--bins", "4", "--lang", "en", "--out", en,
            check=True)
    english = pd.read_excel(en)      # an English workbook had the keys as headers (user_id, r_score, important_value)
    assert list(english.columns[:2]) == ["user", "lifecycle state"] and "value tier" in english.columns
    assert english.set_index("user").loc[1, "value tier"] == "important value"
    assert english.set_index("user").loc[5, "value tier"] == "not scored"
    assert "tier" in pd.read_csv(table).columns                       # CSV keeps the keys, for tools


# ---- invariants on any data ----------------------------------------------------------------

def _run_sql(recency, freq, money, bins):
    """The scoring query on an in-memory store: user i ordered freq[i] times for money[i],
    the last order recency[i] days before 2025-03-31."""
    con = duckdb.connect()
    n = len(recency)
    con.execute("CREATE TABLE agg_user_month (user_id BIGINT, mi BIGINT, q_days UINTEGER)")
    con.execute("CREATE TABLE agg_orders AS SELECT * FROM (VALUES (0::BIGINT, 0::BIGINT, 0::BIGINT, 0.0::DOUBLE)) "
                "t(user_id, mi, orders, amount) WHERE false")
    con.executemany("INSERT INTO agg_orders VALUES (?, ?, ?, ?)",
                    [(i, 2025 * 12 + 2, int(freq[i]), float(money[i])) for i in range(n)])
    con.execute("CREATE TABLE orders (user_id BIGINT, order_time TIMESTAMP, amount DOUBLE)")
    con.executemany("INSERT INTO orders VALUES (?, TIMESTAMP '2025-03-31 12:00:00' - to_days(?), 10.0)",
                    [(i, int(recency[i])) for i in range(n)])
    from datetime import date, datetime
    return queries.frame(con, "value_rfm", from_mi=2025 * 12, end_mi=2025 * 12 + 2, bins=bins, orders=True,
                         start=datetime(2025, 1, 1), end=datetime(2025, 4, 1), month_end=date(2025, 3, 31))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 80), st.integers(1, 6), st.integers(1, 5)), min_size=1, max_size=30),
       st.integers(2, 7))
def test_scores_are_monotone_and_ties_share_a_score(rows, bins):
    rec, freq, money = (np.array(x) for x in zip(*rows))
    df = _run_sql(rec, freq, money * 10.0, bins).sort_values("user_id")
    for col, score, better in (("recency_days", "r_score", -1), ("frequency", "f_score", 1),
                               ("monetary", "m_score", 1)):
        v, s = df[col].to_numpy() * better, df[score].to_numpy()
        assert s.min() >= 1 and s.max() <= bins
        assert s.min() == 1                                    # the worst value always scores 1
        for i in range(len(v)):                                # a better value never scores lower; ties equal
            assert (s[v > v[i]] >= s[i]).all() and (s[v == v[i]] == s[i]).all()
    assert ((df["r_score"] > bins / 2) == df["r_high"]).all()


def test_value_findings_start_each_sentence_with_a_capital():
    """Tier names are written in lower case inside sentences; a finding that starts with one is capitalised."""
    from toolkit.report.value_risk import findings
    summary = pd.DataFrame({"tier": ["important_value", "general_win_back"], "users": [10, 30],
                            "share": [0.25, 0.75], "revenue_share": [0.8, 0.2]})
    out = findings(summary, None, [], None, "en", "rfm")
    assert out and all(s[0].isupper() for s in out), out
    assert findings(summary, None, [], None, "zh", "rfm")[0].startswith("重要价值")


def test_value_findings_without_revenue_give_the_share_of_users_once():
    """Without orders the tiers have no revenue share: the finding names the tier with most
    users and its share once (it once repeated it in brackets, "50.0% (50.0% of users)")."""
    from toolkit.report.value_risk import findings
    summary = pd.DataFrame({"tier": ["important_value", "general_win_back"], "users": [10, 30],
                            "share": [0.25, 0.75], "revenue_share": [float("nan")] * 2})
    en = findings(summary, None, [], None, "en", "rf")[1]
    assert en == "General win-back customers hold the largest share of scored users: 75.0%.", en
    zh = findings(summary, None, [], None, "zh", "rf")[1]
    assert zh == "一般挽留客户:占已分层用户比例 75.0%。", zh
    # with revenue the share of users is the second number
    summary["revenue_share"] = [0.8, 0.2]
    assert findings(summary, None, [], None, "en", "rfm")[0].endswith("80.0% (25.0% of scored users).")
    # 25% of whom: of the users with a tier, in Chinese too (it said 用户占, read as a share of everyone)
    assert findings(summary, None, [], None, "zh", "rfm")[0].endswith("80.0%(占已分层用户 25.0%)。")
    # the window the tiers score, and whom "scored" means, when the page knows it
    assert findings(summary, None, [], None, "zh", "rfm", window=12)[0] == \
        "重要价值客户:近 12 个月金额占比 80.0%(占已分层用户 25.0%;已分层即近 12 个月有购买的用户)。"
    assert findings(summary, None, [], None, "en", "rfm", window=12)[0].endswith(
        "over the last 12 months: 80.0% (25.0% of scored users, those with an order in them).")


def test_a_churn_model_on_a_short_history_says_so():
    """Trained on two months where six were asked for (an early month of a young data set):
    the page warns that the scores are rough; a full window says nothing."""
    from types import SimpleNamespace
    from toolkit.report.value_risk import training_note
    short = SimpleNamespace(train_months=["2010-12", "2011-01"])
    assert training_note(short, 6, "en") == ("⚠ Only 2 months of known outcome to learn from (train_months asks "
                                             "for 6): with this little history, read the scores as rough.")
    assert "只有 2 个月" in training_note(short, 6, "zh")
    assert training_note(SimpleNamespace(train_months=["2025-12", "2026-05"]), 6, "en") is None


def test_the_model_table_names_the_month_its_counts_are_about():
    """The out-of-time table's expected and observed counts are of the evaluation month's users
    going inactive in the report month, not next month's forecast (which the findings give):
    their headers name that month; the calibration gap is in points like the rates beside it."""
    from toolkit.report.value_risk import evaluation_table
    ev = pd.DataFrame({"model": ["logistic", "baseline"], "chosen": [True, False], "auc": [0.71, 0.55],
                       "precision_top": [0.4, 0.2], "recall_top": [0.3, 0.1], "calibration_error": [0.0042, 0.051],
                       "expected": [4216.4, 4000.0], "observed": [4099, 4099], "validation_auc": [0.7, 0.5]})
    en = evaluation_table(ev, "en", "2026-10")
    assert "expected inactive in 2026-10 (of 2026-09's active)" in en.columns
    assert "observed inactive in 2026-10 (of 2026-09's active)" in en.columns
    assert en["calibration gap (points)"].tolist() == ["0.4", "5.1"]
    zh = evaluation_table(ev, "zh", "2026-10")
    assert "2026-09 活跃用户中 2026-10 预计不活跃" in zh.columns and zh["校准误差(百分点)"].tolist() == ["0.4", "5.1"]


def test_risk_tables_name_their_groups_and_the_forecast():
    """The risk by state and by tag name their first column as the contact list does (分群, 主标签;
    both were "群体") and their expected count as next month's."""
    from toolkit.report.value_risk import risk_table
    t = pd.DataFrame({"state": ["new", "active"], "users": [10, 30], "mean_probability": [0.5, 0.1],
                      "expected_inactive": [5.0, 3.0]})
    assert list(risk_table(t, "state", "zh")) == ["分群", "用户数", "下月不活跃平均概率", "预计下月不活跃人数"]
    tags = t.rename(columns={"state": "primary_tag"})
    assert list(risk_table(tags, "primary_tag", "en"))[::3] == ["primary tag", "expected inactive next month"]


def test_the_most_valuable_tier_at_risk_is_a_finding():
    """Risk by value tier, in the tiers' order with the unscored last, sums to the month's expected
    inactive; the findings name the most valuable tier with active users and its expected loss
    next to the month's forecast, before the model's accuracy (the summary page quotes three)."""
    from types import SimpleNamespace

    from toolkit.analyses.churn_risk import risk_by
    from toolkit.report.value_risk import findings
    scored = pd.DataFrame({"user_id": range(6), "probability": [0.5, 0.3, 0.2, 0.9, 0.1, 0.4],
                           "tier": ["none", "general_keep", "important_value", "important_value", "none",
                                    "general_keep"]})
    by_tier = risk_by(scored, "tier")
    assert list(by_tier["tier"]) == ["important_value", "general_keep", "none"]
    assert list(by_tier["users"]) == [2, 2, 2] and by_tier["expected_inactive"].sum() == pytest.approx(2.4)
    ev = pd.DataFrame({"model": ["boosting", "baseline"], "auc": [0.8, 0.6], "precision_top": [0.5, 0.3],
                       "base_rate": [0.145, 0.145]})
    from toolkit.analyses.churn_risk import ChurnRisk
    held = {"users": 6, "predicted": 0.40, "observed": 0.42}
    risk = SimpleNamespace(month="2026-10", eval_month="2026-09", chosen="boosting", evaluation=ev,
                           expected_inactive=2.4, scores=scored, backtest=lambda: held, untested=None,
                           read_as=lambda e, b: ChurnRisk.read_as(SimpleNamespace(untested=None), e, b))
    summary = pd.DataFrame(columns=["tier", "users", "share", "revenue_share"])
    en = findings(summary, risk, [], None, "en", "rfm", by_tier=by_tier)
    assert en[:2] == ["About 2 of this month's 6 active users are expected to be inactive next month (2026-11).",
                      "Important value customers active this month: 2; expected inactive next month: about 1 "
                      "(mean probability 55%)."]
    assert "AUC" in en[2]
    # the precision beside the share a list drawn at random reaches (71% against 54% on the UK shop is 1.3x)
    # ... and beside the baseline's riskiest tenth (the UK shop's 71% is 59% for recency alone)
    assert en[2].endswith("of its riskiest 10%, 50.0% were inactive the month after, against 30.0% of recency's "
                          "riskiest 10% and 14.5% of all active users."), en[2]
    zh = findings(summary, risk, [], None, "zh", "rfm", by_tier=by_tier)
    assert zh[1] == "重要价值客户中本月活跃 2 人,预计 1 人下月不活跃(平均概率 55%)。"
    assert zh[2].endswith("风险最高的 10% 用户中 50.0% 次月未活跃(基线选出的 10% 中为 30.0%,全部活跃用户中为 14.5%)。")
    # probabilities that ran 5 points high on the evaluation month: the forecast is read again (884 of the
    # shop's 1,664 customers were expected with no word that 59% had been predicted there and 54% went quiet)
    held.update(predicted=0.59, observed=0.54)
    en = findings(summary, risk, [], None, "en", "rfm", by_tier=by_tier)
    assert en[0] == ("About 2 of this month's 6 active users are expected to be inactive next month (2026-11). Of "
                     "2026-09's active users the model put 59% inactive in 2026-10, and 54% were: expect about 2 "
                     "rather than 2.")
    assert en[1].endswith("(mean probability 55%; about 1 at the same correction).")     # the tier's, read alike
    zh = findings(summary, risk, [], None, "zh", "rfm", by_tier=by_tier)
    assert zh[0].endswith("模型曾预测 2026-09 的活跃用户中 59% 在 2026-10 不活跃,实际为 54%:这一人数偏高,宜按约 2 人(而非 2 人)看待。"), zh[0]
    held.update(predicted=0.57, observed=0.54)          # 3 points: within what a forecast misses by
    assert findings(summary, risk, [], None, "en", "rfm", by_tier=by_tier)[0].endswith("(2026-11).")
    # nobody in a tier (only unscored users active): no such sentence
    assert len(findings(summary, risk, [], None, "en", "rfm", by_tier=by_tier.tail(1))) == 2


def test_money_headers_carry_the_configured_currency(tmp_path):
    """`currency: £` in toolkit.yaml puts the unit beside revenue in the value tiers and the funnel
    (a manager read "revenue per user 680.59" without knowing in what)."""
    from toolkit.config import load_config
    from toolkit.report.tables import funnel_table
    from toolkit.report.value_risk import tier_table
    (tmp_path / "toolkit.yaml").write_text("currency: £\n", encoding="utf-8")
    cfg = load_config(tmp_path / "toolkit.yaml")
    (tmp_path / "plain.yaml").write_text("language: en\n", encoding="utf-8")
    assert cfg.currency == "£" and load_config(tmp_path / "plain.yaml").currency == ""     # the default: none
    summary = pd.DataFrame({"tier": ["important_value"], "users": [10], "share": [1.0], "revenue": [680.59],
                            "revenue_share": [1.0], "recency_days": [3.0], "frequency": [2.0]})
    assert "revenue in the window (£)" in tier_table(summary, "en", cfg.currency).columns
    assert "窗口内金额(£)" in tier_table(summary, "zh", cfg.currency).columns
    assert "revenue in the window" in tier_table(summary, "en").columns              # no unit set: none shown
    funnel = pd.DataFrame({"cohort": ["2011-01"], "acquired": [100], "activated": [float("nan")],
                           "activated_share": [float("nan")], "retained": [40], "retained_share": [0.4],
                           "paying": [float("nan")], "paying_share": [float("nan")], "referring": [float("nan")],
                           "referring_share": [float("nan")], "revenue_per_user": [680.59],
                           "revenue_per_payer": [900.0]})
    cols = funnel_table(funnel, "en", "£").columns
    assert "revenue per user (3 months) (£)" in cols and "revenue per payer (3 months) (£)" in cols


def test_the_glossary_names_the_scores_that_count_as_high(orders_dir):
    """The glossary said 'high = above the middle score' (4 or 5 of 5) while a 3 counts as high:
    an analyst found a customer two months without an order, churned, in 'important value'.
    The scores it names are the ones the scoring calls high."""
    from toolkit.report.labels import glossary
    _, s = _scores(orders_dir)
    high = sorted({int(v) for col in ("r", "f", "m") for v in s.loc[s[f"{col}_high"], f"{col}_score"]})
    low = sorted({int(v) for col in ("r", "f", "m") for v in s.loc[~s[f"{col}_high"].astype(bool), f"{col}_score"]})
    assert high[0] == 3 and low[-1] == 2, (high, low)
    assert "3, 4 or 5 of 5" in glossary("value_risk", "en")
    assert "5 分中的 3、4、5 分" in glossary("value_risk", "zh")


def test_the_riskiest_table_says_a_low_value_can_raise_the_risk():
    """'days since last active 0 (typical 13)' listed among what raises a user's risk read as a
    mistake: the sentence above the table says that a value below the typical one can raise it,
    in the reasons' own words."""
    from toolkit.analyses.churn_risk import WORDS
    from toolkit.report import labels as L
    for i, lang in enumerate(("en", "zh")):
        text = L.t("vr_top_shown", lang)
        assert f"{WORDS['recency_days'][i]} 0" in text.replace("“", "").replace("”", ""), lang


def test_monthly_revenue_by_hand_and_in_the_lifecycle_table(orders_dir, events_dir):
    """A shop's first number, each month's buyers, orders and revenue, from ORDERS by hand:
    2024-12 user 4 (500); 2025-01 user 3 twice (40); 2025-02 users 1 and 3 (70); 2025-03 users
    1, 2 and 6 (440); 2025-04 no order (0 in the table).  Data without orders: no such rows."""
    from toolkit.analyses.value import monthly_revenue
    from toolkit.report import labels as L
    from toolkit.report.tables import lifecycle_summary_table
    lc, _ = _scores(orders_dir)
    rev = monthly_revenue(lc.con)
    assert rev.to_dict("list") == {"month": ["2024-12", "2025-01", "2025-02", "2025-03"], "buyers": [1, 1, 2, 3],
                                   "orders": [1, 2, 2, 3], "revenue": [500.0, 40.0, 70.0, 440.0]}
    table = lifecycle_summary_table(lc.monthly(2), "en", revenue=rev, currency="£")
    table = table.set_index(table.columns[0])
    assert table.loc["revenue (£)", "2025-03"] == "440" and table.loc["orders", "2025-04"] == "0"
    assert table.loc["users with an order", "2025-02"] == "2"
    monthly = lc.monthly(2).set_index("month")      # the seven states are rows too (a reader found them
    for s in ("new_retained", "dormant", "churned"):   # only in the stacked bars)
        assert table.loc[L.state(s, "en"), "2025-03"] == f"{monthly.loc['2025-03', s]:,}"
    lc_rf, _ = _scores(events_dir)
    assert monthly_revenue(lc_rf.con).empty
    plain = lifecycle_summary_table(lc_rf.monthly(2), "zh", revenue=monthly_revenue(lc_rf.con))
    assert "订单数" not in set(plain.iloc[:, 0])


def test_the_lifecycle_table_holds_the_month_a_year_before():
    """The summary's "vs last year" (+159.5% MAU) stood on no page: every table showed six months.
    With the data holding the month a year before, it is the table's first column, named so."""
    import pandas as pd
    from toolkit.analyses.lifecycle import RATES, STATES
    from toolkit.report.tables import lifecycle_summary_table
    months = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 5)]
    mo = pd.DataFrame({"month": months, "mau": range(100, 100 + len(months)), "cumulative": 1000, "active_rate": 0.5,
                       **{s: 1 for s in STATES}, **{r: 0.4 for r in RATES}})
    t = lifecycle_summary_table(mo, "en")
    assert list(t.columns)[1:] == ["2025-04 (a year before)"] + months[-6:]
    assert t.set_index(t.columns[0]).loc["monthly active users (MAU)", "2025-04 (a year before)"] == "103"
    assert lifecycle_summary_table(mo.tail(8), "zh").columns[1] == "2025-11"      # not in the data: six months only
    assert list(lifecycle_summary_table(mo, "zh").columns)[1] == "2025-04(去年同月)"
