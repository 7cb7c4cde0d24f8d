"""Churn early warning: features by hand, the metrics by hand, and on the sample the model
against the recency baseline and against the planted model of truth.json."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from conftest import run_cli, write_table
from toolkit.analyses.churn_risk import churn_features, churn_risk, contact_list, metrics, scene_for
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.data.store import open_store

# Bounds stated in docs/methodology.md (churn early warning)
AUC_MARGIN = 0.03          # the model's out-of-time AUC within this of the planted model's AUC
CALIBRATION_BOUND = 0.03   # mean absolute gap of the calibration curve (10 quantile bins)
BASELINE_GAIN = 0.05       # the model's AUC above the recency baseline's by at least this


def test_features_by_hand(tmp_path):
    """Month 2025-03 (31 days), k = 2:
        user 1: Jan days 2, 3; Feb day 10; Mar days 5, 29 (+ trip Mar 7); Apr active -> recency 31 - 29 = 2,
                days 2 / 1 / 2, trend +1, signal days 1, inactive_next 0, tenure 2, state active
        user 2: Mar day 31 only (entered Mar); no April -> recency 0, days 1/0/0, new, inactive_next 1
        user 3: Jan day 1 only; not active in Mar -> no row"""
    ev = [(1, "2025-01-02 10:00"), (1, "2025-01-03 10:00"), (1, "2025-02-10 10:00"), (1, "2025-03-05 10:00"),
          (1, "2025-03-29 23:00"), (1, "2025-04-02 10:00"), (2, "2025-03-31 09:00"), (3, "2025-01-01 09:00"),
          (3, "2025-05-01 09:00")]
    rows = [(u, t, "app_open") for u, t in ev] + [(1, "2025-03-07 10:00", "trip")]
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [r[0] for r in rows],
                                                  "event_time": pd.to_datetime([r[1] for r in rows]),
                                                  "event_name": [r[2] for r in rows]}))
    lc = Lifecycle(open_store(tmp_path).con, signal_events=["trip"], last_month="2025-04")
    df = churn_features(lc, 2025 * 12 + 2, 2025 * 12 + 2).set_index("user_id")
    assert sorted(df.index) == [1, 2]
    u1, u2 = df.loc[1], df.loc[2]
    assert (u1["recency_days"], u1["days_0"], u1["days_1"], u1["days_2"], u1["trend"]) == (2, 2, 1, 2, 1)
    assert u1["signal_days"] == 1 and u1["signal_3m"] == 1 and u1["tenure_months"] == 2
    assert u1["state"] == "active" and u1["state_active"] == 1 and u1["inactive_next"] == 0
    assert (u2["recency_days"], u2["days_0"], u2["days_1"], u2["state"], u2["inactive_next"]) == (0, 1, 0, "new", 1)


def test_metrics_by_hand():
    # 20 users, 4 inactive next month; risk ranks users 0..19 in order; inactive: 0, 1, 5, 12.
    y = np.zeros(20, dtype=int)
    y[[0, 1, 5, 12]] = 1
    p = np.linspace(0.95, 0.0, 20)
    m = metrics(y, p)
    # top 10% = 2 users (0, 1): both inactive -> precision 2/2, recall 2/4
    assert m["precision_top"] == 1.0 and m["recall_top"] == 0.5
    # AUC: pairs (positive above negative) / (4 * 16): user 0: 16, 1: 16, 5: 16 - 3 = 13, 12: 16 - 9 = 7 -> 52/64
    assert m["auc"] == pytest.approx(52 / 64)
    assert m["expected"] == pytest.approx(p.sum()) and m["observed"] == 4


def test_scene_rule_reaching_the_user():
    rules = pd.DataFrame({"rule_id": ["R9", "R1", "R2"], "priority": [1, 2, 3],
                          "state": ["churned", "dormant", "dormant"], "months_inactive": [np.nan, 1, np.nan],
                          "tag": ["any", "content", "any"]})
    scores = pd.DataFrame({"user_id": [1, 2, 3]})
    tags = pd.DataFrame({"user_id": [1, 2], "tags": ["content,shop", "shop"]})
    # R9 selects churned users (not next month's state); user 1 has the content tag -> R1; others R2
    assert list(scene_for(scores, rules, tags)) == ["R1", "R2", "R2"]


def test_contact_list_by_hand():
    scored = pd.DataFrame({"user_id": [5, 3, 4, 1, 2], "probability": [0.9, 0.6, 0.6, 0.2, 0.7],
                           "state": ["active", "active", "woken", "active", "active"],
                           "tier": ["none", "important_value", "important_value", "important_value", "none"]})
    # at or above 0.6, riskiest first, a tie (users 3 and 4 at 0.6) by user id
    assert list(contact_list(scored, min_probability=0.6)["user_id"]) == [5, 2, 3, 4]
    # '' and None choose every value; the others must all hold
    assert list(contact_list(scored, min_probability=0.6, state="active", tier="")["user_id"]) == [5, 2, 3]
    assert list(contact_list(scored, state="active", tier="important_value")["user_id"]) == [3, 1]
    assert contact_list(scored, min_probability=0.95).empty


@pytest.fixture(scope="module")
def sample_risk(sample_dir):
    lc = Lifecycle(open_store(sample_dir).con, last_month="2026-10")
    return churn_risk(lc, "2026-10")


def test_model_beats_recency_and_nears_the_planted_model(sample_risk, sample_dir):
    r = sample_risk
    assert r.eval_month == "2026-09" and r.validation_month == "2026-08"
    ev = r.evaluation.set_index("model")
    chosen = ev.loc[r.chosen]
    truth = pd.read_parquet(sample_dir / "truth_churn.parquet")
    e = r.eval_frame.merge(truth[truth["month"] == "2026-09"], on="user_id", how="left")
    assert e["p_inactive_next"].notna().all()                     # the same users as the planted model's
    planted = roc_auc_score(e["inactive_next"], e["p_inactive_next"])
    assert chosen["auc"] > ev.loc["baseline", "auc"] + BASELINE_GAIN
    assert chosen["auc"] == pytest.approx(planted, abs=AUC_MARGIN), (chosen["auc"], planted)
    assert chosen["calibration_error"] < CALIBRATION_BOUND
    # expected inactive users of the evaluation month near the observed number
    assert chosen["expected"] == pytest.approx(chosen["observed"], rel=0.1)
    assert set(ev.index) == {"logistic", "boosting", "baseline"}
    assert ((ev[["auc", "precision_top", "recall_top"]] >= 0) & (ev[["auc", "precision_top", "recall_top"]] <= 1)).all().all()


def test_scores_and_reasons(sample_risk):
    s = sample_risk.scores
    assert s["probability"].between(0, 1).all() and s["state"].isin(
        ["new", "new_retained", "active", "woken", "returned"]).all()
    assert s["inactive_next"].isna().all()                        # the report month's outcome is not known
    risky = s.nlargest(50, "probability")
    assert (risky["reasons"].str.len() > 0).all()
    assert risky["reasons"].str.split("; ").map(len).max() <= 3
    assert sample_risk.expected_inactive == pytest.approx(s["probability"].sum())
    # the reasons of some rows alone (the JupyterLab list words only what it shows) are those of the month's
    assert sample_risk.explain(risky, "en") == list(risky["reasons"])


def test_a_reason_moves_the_probability_by_a_point(sample_risk):
    """A reason is a feature whose typical value would lower the user's probability by at least one
    point: lifts of a tenth of a point (the model's noise; most of the riskiest users had one for
    'active days two months ago', which the planted churn does not read) are not reasons."""
    from toolkit.analyses.churn_risk import FEATURES, GROUPS, REASON_MIN, WORDS
    r = sample_risk
    top = r.scores.nlargest(200, "probability")
    X = top[FEATURES].to_numpy(float)
    p = r.model.predict_proba(X)[:, 1]
    lifts = {}
    for g, cols in GROUPS.items():
        Xr = X.copy()
        for c in cols:
            Xr[:, FEATURES.index(c)] = r.reference[c]
        lifts[g] = p - r.model.predict_proba(Xr)[:, 1]
    small = 0
    for i, text in enumerate(top["reasons"]):
        named = {g for g in GROUPS if any(part.startswith(WORDS[g][0] + " ") for part in text.split("; "))}
        assert all(lifts[g][i] >= REASON_MIN for g in named), (text, {g: lifts[g][i] for g in named})
        small += any(0.001 < lifts[g][i] < REASON_MIN for g in GROUPS)
    assert small > 0, "no small lift to leave out: the test would not see the threshold"


def test_churn_risk_cli(sample_dir, tmp_path):
    out = tmp_path / "risk.csv"
    proc = run_cli("churn-risk", sample_dir, "--month", "2026-10", "--out", out, "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert "Out of time on 2026-09" in proc.stderr and "baseline" in proc.stderr
    df = pd.read_csv(out, keep_default_na=False)
    assert list(df.columns) == ["user_id", "state", "probability", "reasons", "scene_rule"]
    assert df["probability"].is_monotonic_decreasing
    assert set(df["scene_rule"]) <= {"R1", ""} and (df["scene_rule"] == "R1").all()   # R1: dormant, any tag
    bad = run_cli("churn-risk", sample_dir, "--month", "2024-12")
    assert bad.returncode == 2 and "earlier months" in bad.stderr



def test_the_churn_list_can_be_the_riskiest_share_and_says_how_such_probabilities_held(sample_dir, tmp_path):
    """The command listed every active user with no threshold, its precision without the share a
    random list would reach, a two-month training without a word (6 were asked), and a workbook of
    probabilities as 0.822227.  Now: --top, the base rate, the short training said, how users at the
    list's lowest probability fared on the evaluation month, percentages in the workbook."""
    from openpyxl import load_workbook
    from toolkit.analyses.churn_risk import churn_risk
    out = tmp_path / "risk.xlsx"
    proc = run_cli("churn-risk", sample_dir, "--month", "2026-10", "--top", "0.1", "--out", out, "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    r = churn_risk(Lifecycle(open_store(sample_dir).con), "2026-10", churn_after=2, with_reasons=False)
    n = int(np.ceil(0.1 * len(r.scores)))
    top = r.scores.sort_values("probability", ascending=False).head(n)
    book = load_workbook(out).active
    assert book.max_row == 1 + n and book.cell(2, 3).number_format == "0.0%"
    assert book.title == "2026-10 risk 2026-11"          # a file handed on names its months (the sheet was "table")
    assert book.cell(2, 3).value == pytest.approx(float(top["probability"].iloc[0]), abs=1e-6)
    base = r.evaluation["base_rate"].iloc[0]
    assert f"of all 2026-09's active users, {base:.1%} were inactive the month after" in proc.stderr
    # the list's lowest probability rounded down (30.5% stood above 37 of its rows' 30.46%)
    low = float(top["probability"].min())
    assert f"at or above {np.floor(low * 1000) / 10:.1f}%;" in proc.stderr, proc.stderr
    assert "calibration gap " in proc.stderr and " points" in proc.stderr.split("calibration gap ")[1][:12]
    held = r.eval_frame[r.eval_frame[f"p_{r.chosen}"] >= top["probability"].min()]
    assert (f"On 2026-09 the users at or above it were predicted at {held[f'p_{r.chosen}'].mean():.0%} and "
            f"{held['inactive_next'].mean():.0%} were inactive") in proc.stderr, proc.stderr
    assert "not the 6 asked" not in proc.stderr
    assert "Read the expected number as too" not in proc.stderr          # on the sample the probabilities held
    assert "Reasons: the features that raise a user's probability most" in proc.stderr    # read as written
    early = run_cli("churn-risk", sample_dir, "--month", "2025-04", "--lang", "en", "--top", "0.05")
    assert early.returncode == 0 and "trained on 2025-01 .. 2025-02; 2 months, not the 6 asked" in early.stderr


def test_a_reason_names_the_state_in_its_language():
    """A model under which returned users are the riskiest gives "lifecycle state returned" as a
    reason, with the typical state beside it; in Chinese the state is named in Chinese too
    ("用户分群 回流用户", once "用户分群 returned")."""
    from sklearn.linear_model import LogisticRegression
    from toolkit.analyses.churn_risk import FEATURES, NUMERIC, STATE_COLS, reasons
    rng = np.random.default_rng(0)
    states = rng.choice(["active", "returned"], 400)
    df = pd.DataFrame({c: rng.normal(size=400) for c in NUMERIC})
    for c in STATE_COLS:
        df[c] = (c == "state_" + pd.Series(states)).astype(float)
    df["state"] = states
    y = (states == "returned") & (rng.random(400) < 0.9) | (rng.random(400) < 0.05)
    model = LogisticRegression(max_iter=1000).fit(df[FEATURES].to_numpy(), y)
    ref = {**{c: 0.0 for c in NUMERIC}, **{c: float(c == "state_active") for c in STATE_COLS}}
    returned = df[df["state"] == "returned"].head(5)
    _, en = reasons(model, returned, ref, lang="en")
    _, zh = reasons(model, returned, ref, lang="zh")
    assert all(r.startswith("lifecycle state returned (typical active)") for r in en), en
    assert all(r.startswith("用户分群 回流用户(典型 活跃用户)") for r in zh), zh
    # a user at the typical value of every feature has nothing raising the risk: said, not a blank cell
    typical = df.head(1).assign(**{c: 0.0 for c in NUMERIC}, **{c: float(c == "state_active") for c in STATE_COLS},
                                state="active")
    assert reasons(model, typical, ref, lang="en")[1] == ["none above a typical user's"]
    assert reasons(model, typical, ref, lang="zh")[1] == ["各项均不高于典型用户"]


def test_the_model_learns_only_from_months_with_events(tmp_path):
    """An events export shorter than the users table: the model trained on the months of
    registrations only (every user inactive by construction; its reasons said 'active days last
    month 13 (typical 0)'), and a month whose training months held one outcome crashed with
    scikit-learn's 'needs samples of at least 2 classes'.  It learns from months with events only,
    and a month without three such months before it is refused in one line."""
    from toolkit.analyses.churn_risk import _learnable
    from toolkit.data.sample import generate_sample
    from toolkit.errors import ConfigError
    d = tmp_path / "data"
    generate_sample(d, users=1500, months=8, end="2026-10", seed=3)
    for m in ("2026-03", "2026-04"):
        (d / "events" / f"events-{m}.parquet").unlink()          # registrations from March, events from May
    proc = run_cli("churn-risk", d, "--month", "2026-07")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "needs at least three earlier months with events" in proc.stderr, proc.stderr
    lc = Lifecycle(open_store(d).con)
    r = churn_risk(lc, "2026-10", churn_after=2, train_months=6, with_reasons=False)
    assert r.train_months[0] >= "2026-05", r.train_months
    one = pd.DataFrame({"mi": [24315, 24315], "inactive_next": [True, True]})
    with pytest.raises(ConfigError, match="every active user was inactive the month after"):
        _learnable(one)


def test_a_model_tested_on_a_handful_of_users_is_said_to_be_untested(tmp_path):
    """Fifteen users: the evaluation month's six active users, one of whom lapsed, gave an AUC
    of 0.000 quoted on the summary as the model's accuracy beside the baseline's 0.500.  Too few
    users who lapsed or stayed (under MIN_EVAL_EACH of either): no accuracy is quoted, no count is
    read again, and the page, the summary and the command line say why."""
    from toolkit.analyses.churn_risk import MIN_EVAL_EACH, describe
    from toolkit.data.sample import generate_sample
    from toolkit.report.value_risk import findings, model_trust
    d = tmp_path / "data"
    generate_sample(d, users=60, months=8, end="2026-10", seed=5)
    lc = Lifecycle(open_store(d).con)
    r = churn_risk(lc, "2026-10", churn_after=2, train_months=6, with_reasons=False)
    n, k = r.untested
    assert min(k, n - k) < MIN_EVAL_EACH and n == int(r.evaluation["users"].iloc[0])
    assert r.read_as(r.expected_inactive, {"users": n, "predicted": 0.9, "observed": 0.1}) is None
    en = findings(pd.DataFrame(columns=["tier", "users", "share", "revenue_share"]), r, [], None, "en", "rfm")
    said = [s for s in en if s.startswith("Too few users to test the churn model")]
    assert len(said) == 1 and f"of {r.eval_month}'s {n:,} active users, {k:,} were inactive" in said[0]
    assert not any("AUC" in s for s in en) and model_trust(en) == said
    zh = findings(pd.DataFrame(columns=["tier", "users", "share", "revenue_share"]), r, [], None, "zh", "rfm")
    assert len(model_trust(zh)) == 1 and "AUC" not in "".join(zh)
    assert "Too few users to test the churn model" in describe(r)
    # enough users: the accuracy is quoted (the sample's 3,000 users)
    big = tmp_path / "big"
    generate_sample(big, users=3000, months=8, end="2026-10", seed=5)
    rb = churn_risk(Lifecycle(open_store(big).con), "2026-10", churn_after=2, train_months=6, with_reasons=False)
    assert rb.untested is None


def test_the_riskiest_state_is_a_finding_the_summary_quotes():
    """New users at 34% against 11% for the other active users, a third of the expected losses,
    were on the page's chart only: the summary spoke of the valuable tier and the AUC.  By hand:
    others (2,000 + 216) / (20,000 + 1,800) = 10.2%; 33.9% >= 1.5 x 10.2%; 1,072 of 3,288."""
    import pandas as pd
    from toolkit.report.value_risk import model_trust, riskiest_state
    by_state = pd.DataFrame({"state": ["new", "active", "woken"], "users": [3163, 20000, 1800],
                             "mean_probability": [0.339, 0.1, 0.12], "expected_inactive": [1072.0, 2000.0, 216.0]})
    en = riskiest_state(by_state, "en")
    assert en == ("The riskiest group is the 'new' users: a mean probability of 33.9% of being inactive next month, against "
                  "10.2% for the other active users; about 1,072 of the 3,288 expected inactive."), en
    zh = riskiest_state(by_state, "zh")
    assert zh == "风险最高的分群是新用户:下月不活跃的平均概率 33.9%,其他活跃用户为 10.2%;预计不活跃的 3,288 人中约 1,072 人是新用户。"
    assert model_trust(["Important value customers ...", en, zh]) == [en, zh]
    # not 1.5 times the others' (15% against 10.2%), or too few users: no finding
    assert riskiest_state(by_state.assign(mean_probability=[0.15, 0.1, 0.12]), "en") is None
    assert riskiest_state(by_state.assign(users=[20, 20000, 1800]), "en") is None
    assert riskiest_state(by_state.iloc[:1], "en") is None


def test_the_rfm_window_is_said_as_the_months_the_data_hold():
    """Nine months of an app's data read "近 12 个月" in the tier finding: the months said are those
    of the window that the data hold."""
    import pandas as pd
    from toolkit.report.value_risk import months_covered
    monthly = pd.DataFrame({"month": [f"2026-{m:02d}" for m in range(1, 10)]})
    assert months_covered(monthly, "2026-09", 12) == 9
    assert months_covered(monthly, "2026-09", 6) == 6
    assert months_covered(monthly, "2026-03", 12) == 3
