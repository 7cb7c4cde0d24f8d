"""Preference shares and tags, scene rules with a held-out control, scene evaluation,
and the user detail export."""
import io
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest

from conftest import run_cli, write_table
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.analyses.preferences import (month_preferences, preference_shares, state_category_matrix, tag_distribution,
                                          window_preferences)
from toolkit.analyses.scenes import DEFAULT_RULES, evaluate, load_rules, select
from toolkit.data.store import open_store
from toolkit.analyses.user_detail import COLUMNS, user_detail

FEATURES = [{"event_name": "remote_unlock", "category": "car_control"},
            {"event_name": "article_view", "category": "content"},
            {"event_name": "post_view", "category": "community"},
            {"event_name": "app_open", "category": None}]


@pytest.fixture
def pref_dir(tmp_path):
    # Window for 2025-03: 2025-01-01 .. 2025-03-31.
    # A: 4 active days: d1 car+content, d2 car, d3 app_open only, d4 car+community
    #    -> car 3/4, content 1/4, community 1/4 (sum 1.25 > 1); tags: car_control; primary car_control
    # B: active only in 2024-11 (before the window) -> unknown, no tags
    # C: 2 days: d1 post_view, d2 mystery_click (not in feature_map) -> community 1/2, other 1/2
    rows = [("A", "2025-01-03 10:00", "remote_unlock"), ("A", "2025-01-03 11:00", "article_view"),
            ("A", "2025-02-05 10:00", "remote_unlock"), ("A", "2025-02-05 12:00", "remote_unlock"),
            ("A", "2025-03-01 09:00", "app_open"), ("A", "2025-03-20 09:00", "remote_unlock"),
            ("A", "2025-03-20 09:30", "post_view"), ("B", "2024-11-02 10:00", "article_view"),
            ("C", "2025-03-02 10:00", "post_view"), ("C", "2025-03-09 10:00", "mystery_click")]
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [r[0] for r in rows], "event_name": [r[2] for r in rows],
                                                  "event_time": pd.to_datetime([r[1] for r in rows])}))
    write_table(tmp_path, "feature_map", FEATURES, fmt="csv")
    return tmp_path


def test_hand_worked_shares_and_tags(pref_dir):
    lc = Lifecycle(open_store(pref_dir).con)
    prefs, states = month_preferences(lc, "2025-03")
    p = prefs.set_index("user_id")
    assert p.loc["A", "share_car_control"] == 0.75
    assert p.loc["A", "share_content"] == 0.25 and p.loc["A", "share_community"] == 0.25
    assert p.loc["A", [c for c in p.columns if c.startswith("share_")]].sum() == 1.25   # shares need not add to 1
    assert p.loc["A", "tags"] == "car_control" and p.loc["A", "primary_tag"] == "car_control"
    assert p.loc["A", "active_days"] == 4
    assert p.loc["B", "primary_tag"] == "unknown" and p.loc["B", "tags"] == ""
    assert pd.isna(p.loc["B", "share_car_control"])                                      # no zeros for unknown
    assert p.loc["C", "share_community"] == 0.5 and p.loc["C", "share_other"] == 0.5
    assert p.loc["C", "tags"] == "community,other"                                       # tie: feature_map order
    low = preference_shares(lc.con, "2025-03", threshold=0.2).set_index("user_id")
    assert low.loc["A", "tags"] == "car_control,content,community"
    dist = tag_distribution(prefs).set_index("category")
    assert dist.loc["car_control", "tagged"] == 1 and dist.loc["unknown", "primary"] == 1
    assert dist.loc["community", "tagged_share"] == 0.5


@pytest.fixture(scope="module")
def sample_prefs(sample_dir):
    lc = Lifecycle(open_store(sample_dir).con)
    return lc, *month_preferences(lc, "2026-10")


def test_primary_tags_agree_with_planted_preferences(sample_prefs, sample_dir):
    _, prefs, _ = sample_prefs
    tu = pd.read_parquet(sample_dir / "truth_users.parquet")
    m = prefs.merge(tu, on="user_id")
    known = m[m.active_days >= 5]
    agree = (known.primary_tag == known.primary_category).mean()
    assert len(known) > 5000 and agree >= 0.95, agree       # stated share: 95% of users with 5+ active days


def test_state_category_matrix(sample_prefs):
    _, prefs, states = sample_prefs
    mean, tagged = state_category_matrix(prefs, states)
    assert "active" in mean.index and "car_control" in mean.columns
    assert ((mean >= 0) & (mean <= 1)).all().all() and ((tagged >= 0) & (tagged <= 1)).all().all()
    assert mean.loc["active", "car_control"] > mean.loc["active", "shop"]       # planted: car control most common


def test_the_state_category_matrix_averages_over_every_user_with_activity():
    """Hand-worked: three active users, one of them with only app_open days (a category-less
    event: shares 0, no tag) and a dormant user without activity in the window (no shares).
    The matrix averages over the users with activity, zeros included (methodology.md): car
    control (1 + 0.5 + 0) / 3 = 0.5, tagged 1 of 3; it left out the app_open user (0.75, 1 of 2)."""
    prefs = pd.DataFrame({"user_id": [1, 2, 3, 4], "state": ["active", "active", "active", "dormant"],
                          "share_car_control": [1.0, 0.5, 0.0, np.nan], "share_content": [0.0, 0.5, 0.0, np.nan],
                          "primary_tag": ["car_control", "car_control", "unknown", "unknown"],
                          "tags": ["car_control", "car_control,content", "", None]})
    mean, tagged = state_category_matrix(prefs)
    assert mean.loc["active"].tolist() == pytest.approx([0.5, 1 / 6])
    assert tagged.loc["active"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert "dormant" not in mean.index


HEAD = "rule_id,priority,state,months_inactive,tag,content,control_share\n"


@pytest.mark.parametrize("row, said", [
    ("R2,2,churned,,car_control,recap,10%", "rule R2 has control_share '10%'; write a share between 0 and 1, e.g. 0.1"),
    ("R2,2,dormant,one,any,recap,0.1", "rule R2 has months_inactive 'one'; write a whole number of months"),
    ("R2,2,dormant,1.5,any,recap,0.1", "rule R2 has months_inactive '1.5'; write a whole number"),
    ("R2,first,dormant,1,any,recap,0.1", "rule R2 has priority 'first'; write a whole number"),
    ("R2,2,dormant,1,any,recap,1", "rule R2 has control_share 1; it must be at least 0 and below 1"),
    ("R2,2,dormant,-1,any,recap,0.1", "rule R2 has months_inactive -1; write 0 or more"),
    ("R1,2,dormant,1,any,recap,0.1", "rule id 'R1' is used more than once"),
    ("R2,2,sleeping,1,any,recap,0.1", "rule R2 has state 'sleeping'. States are: new, new_retained, active"),
    ("R2,2,休眠用户,1,any,recap,0.1", "rule R2 has state '休眠用户'; '休眠用户' is how pages name 'dormant': write dormant"),
    ("R2,2,dormnt,1,any,recap,0.1", "rule R2 has state 'dormnt'; the closest is dormant. States are"),
    ("R2,2,churned,,car_contrl,recap,0.1", "rule R2 has tag 'car_contrl', which is not a category of the data's "
                                           "feature_map; the closest is car_control. Tags are"),
    ("R2,2,churned,,car-control,recap,0.1", "rule R2 has tag 'car-control', which is not a category of the data's "
                                            "feature_map; the closest is car_control. Tags are: car_control (控车), "
                                            "content (内容)"),
    ("R2,2,churned,,cars,recap,0.1", "rule R2 has tag 'cars', which is not a category of the data's feature_map. "
                                     "Tags are: car_control"),
    ("R2,2,churned,,控车,recap,0.1", "'控车' is how pages name 'car_control': write car_control"),
])
def test_a_wrong_rule_is_named_with_its_fix(tmp_path, row, said):
    """Each wrong value of a scene rules file is one ConfigError naming the file, the rule, the
    column and what to write (a control_share of '10%' was a pandas traceback, a tag copied
    from the page (控车) or mistyped matched nobody without a word)."""
    from toolkit.analyses.scenes import load_rules
    from toolkit.errors import ConfigError
    f = tmp_path / "rules.csv"
    f.write_text(HEAD + "R1,1,dormant,1,any,tips,0.1\n" + row + "\n", encoding="utf-8")
    cats = ["car_control", "content", "community", "after_sales", "campaign", "shop", "other"]
    with pytest.raises(ConfigError) as e:
        load_rules(f, cats)
    assert str(f) in str(e.value) and said in str(e.value), str(e.value)
    good = load_rules(DEFAULT_RULES, cats)             # the sample's rules pass, as numbers
    assert good["control_share"].tolist() == [0.1, 0.1, 0.1] and good["months_inactive"].iloc[0] == 1


def test_a_rules_file_saved_another_way_is_named_with_its_fix(tmp_path):
    """As Excel saves it: Chinese text in GBK (a traceback from deep in pandas), columns separated
    by semicolons ("missing column(s)"); a bare file name says where it was looked for."""
    from toolkit.analyses.scenes import load_rules
    from toolkit.errors import ConfigError
    f = tmp_path / "rules.csv"
    f.write_bytes((HEAD + "R1,1,dormant,1,any,用车知识推送,0.1\n").encode("gbk"))
    with pytest.raises(ConfigError, match=r"rules.csv is not UTF-8 text .*GBK.*CSV UTF-8"):
        load_rules(f)
    f.write_text(HEAD.replace(",", ";") + "R1;1;dormant;1;any;tips;0.1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"rules.csv is separated by semicolons: separate its columns with commas"):
        load_rules(f)
    with pytest.raises(ConfigError, match=r"Scene rules file nowhere.csv does not exist \(looked for /"):
        load_rules("nowhere.csv")


def test_a_tagged_rule_without_a_feature_map_is_named(tmp_path):
    from toolkit.analyses.scenes import load_rules
    from toolkit.errors import ConfigError
    f = tmp_path / "rules.yaml"
    f.write_text("- {rule_id: W1, state: dormant, tag: any, content: hello}\n"
                 "- {rule_id: W2, state: churned, tag: shop, content: hello}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="rule W2 has tag 'shop', but the data have no feature_map"):
        load_rules(f, ["other"])
    assert load_rules(f)["rule_id"].tolist() == ["W1", "W2"]          # without categories: not checked


def test_rule_selection_with_holdout(sample_dir, sample_prefs, truth):
    lc = sample_prefs[0]
    rules = load_rules()
    month = "2026-06"
    a = select(lc, rules, month, seed=1)
    b = select(lc, rules, month, seed=1)
    c = select(lc, rules, month, seed=2)
    assert a.equals(b) and not a["arm"].equals(c["arm"])                           # reproducible by seed
    pre = month_preferences(lc, "2026-05")
    assert select(lc, rules, month, seed=1, basis=(pre[1], pre[0])).equals(a)      # same with states passed in
    assert not a["user_id"].duplicated().any()                                     # one rule per user (priority)
    r1 = a[a.rule_id == "R1"]
    planted = lc.con.execute("SELECT user_id FROM pushes WHERE strftime(sent_at, '%Y-%m') = $m",
                             {"m": month}).df()
    assert set(r1.user_id) == set(planted.user_id)                                 # the generator's rule R1
    share = (r1.arm == "control").mean()
    assert abs(share - 0.1) < 0.03
    states = lc.user_states("2026-05", 2).set_index("user_id")
    assert (states.loc[a[a.rule_id == "R2"].user_id, "state"] == "churned").all()


def test_scene_evaluation_recovers_the_planted_lift(sample_dir, truth):
    con = open_store(sample_dir).con
    ev = evaluate(con, days=30)
    r = ev[(ev.rule_id == "R1") & (ev.month == "all")].iloc[0]
    planted = truth["scene_rules"][0]["wake_lift"]
    # within 3.5 standard errors, the tolerance of the other planted-effect tests (tests/test_sample.py):
    # a 95% interval misses the planted value in one sample of twenty
    se = (r["ci_high"] - r["ci_low"]) / (2 * 1.96)
    assert abs(r["difference"] - planted) < 3.5 * se, (r["difference"], r["ci_low"], r["ci_high"])
    assert r["n_control"] > 100 and r["p_value"] < 0.001


def test_rerunning_scenes_for_a_month_is_idempotent(sample_dir, tmp_path):
    """A month's pushes are written once: run again, the command refuses (the pushes may have been
    sent, and a new draw of the control group rewrote who had been held out; a second rules file
    added a rule whose users R1 had pushed already), unless --replace, which replaces every push
    of the month and draws the same arms for the same users."""
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    before = pd.read_parquet(data / "pushes.parquet")
    first = run_cli("scenes", data, "--month", "2026-11")
    assert first.returncode == 0, first.stderr
    once = pd.read_parquet(data / "pushes.parquet")
    refused = run_cli("scenes", data, "--month", "2026-11")
    assert refused.returncode != 0 and "already holds" in refused.stderr and "--replace" in refused.stderr
    assert "Traceback" not in refused.stderr
    other = tmp_path / "my_rules.csv"
    other.write_text("rule_id,priority,state,months_inactive,tag,content,control_share\n"
                     "R9,1,dormant,,any,hello,0.2\n", encoding="utf-8")
    assert run_cli("scenes", data, "--month", "2026-11", "--rules", other).returncode != 0
    assert pd.read_parquet(data / "pushes.parquet").equals(once)          # nothing written by either
    from toolkit.data.validate import validate
    assert not any("more than one rule" in w for w in validate(open_store(data)).warnings)
    first = once[once.sent_at == once.sent_at.min()].head(3)
    twice_pushed = pd.concat([once, first.assign(rule_id="R9", push_id=lambda f: f["push_id"] + "-9")])
    twice_pushed.to_parquet(data / "pushes.parquet", index=False)       # as the second rules file had written
    said = [w for w in validate(open_store(data)).warnings if "more than one rule" in w]
    assert said and said[0].startswith(f"3 user(s) have pushes of more than one rule in {once.sent_at.min():%Y-%m}")
    once.to_parquet(data / "pushes.parquet", index=False)
    second = run_cli("scenes", data, "--month", "2026-11", "--replace")
    assert second.returncode == 0, second.stderr
    kept = list((data / "replaced-pushes").glob("pushes-2026-11-*.parquet"))     # the replaced rows are kept
    assert len(kept) == 1 and str(kept[0]) in second.stdout
    assert pd.read_parquet(kept[0]).sort_values("push_id").reset_index(drop=True).equals(
        once[once.sent_at.dt.strftime("%Y-%m") == "2026-11"].sort_values("push_id").reset_index(drop=True))
    twice = pd.read_parquet(data / "pushes.parquet")
    assert len(once) > len(before) and len(twice) == len(once)
    assert twice.sort_values("push_id").reset_index(drop=True).equals(once.sort_values("push_id").reset_index(drop=True))
    # a month that has passed is refused without --replace: its pushes would be evaluated as if sent
    # (2025-06 got 1,348 pushes dated in the past)
    past = run_cli("scenes", data, "--month", "2026-06")
    assert past.returncode != 0 and "2026-06 has passed (the data are complete to 2026-10)" in past.stderr
    assert "normally the one after the data (2026-11)" in past.stderr
    # with --replace, a month that already has pushes has only the new ones (of every rule)
    again = run_cli("scenes", data, "--month", "2026-06", "--replace")
    assert again.returncode == 0
    after = pd.read_parquet(data / "pushes.parquet")
    june = after[after.sent_at.dt.strftime("%Y-%m") == "2026-06"]
    assert not june.push_id.duplicated().any()
    assert len(june) == len(select(Lifecycle(open_store(data).con), load_rules(), "2026-06"))
    dry = run_cli("scenes", data, "--month", "2026-11", "--dry-run")
    assert dry.returncode == 0 and "push_id" in dry.stdout
    # a push month selects on the state at the end of the month before, which the data must cover
    late = run_cli("scenes", data, "--month", "2026-12", "--dry-run")
    assert late.returncode == 2 and "available months are 2024-12 to 2026-11" in late.stderr
    assert len(pd.read_parquet(data / "pushes.parquet")) == len(after)


def test_export_users_xlsx_and_csv(sample_dir, tmp_path):
    x = tmp_path / "users.xlsx"
    proc = run_cli("export-users", sample_dir, "--month", "2026-10", "--out", x, "--lang", "zh")
    assert proc.returncode == 0, proc.stderr
    # not on a terminal: one plain progress line per step, the last one the slow write
    steps = [ln for ln in proc.stderr.splitlines() if ln.startswith("export-users [") and " rows: " not in ln]
    assert len(steps) == 5 and steps[0].startswith("export-users [1/5]") and "users.xlsx" in steps[-1], proc.stderr
    assert "export-users [5/5] rows: 10,000 of 20,000" in proc.stderr                  # the rows as they are written
    wb = openpyxl.load_workbook(x)
    ws = wb["users"]
    headers = [c.value for c in ws[1]]
    # the users table's channel and city after the nickname: an analyst picking whom to reach
    # filters by them (the Chinese export had no 渠道 or 城市 column)
    assert headers == [zh for _, _, zh in COLUMNS[:2]] + ["渠道", "城市"] + [zh for _, _, zh in COLUMNS[2:]]
    assert {ws.cell(row=r, column=3).value for r in range(2, 200)} >= {"ad", "referral"}
    assert ws.max_row == 1 + 20_000                                       # every user entered by 2026-10
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.column_dimensions["B"].width >= 8
    # categories as the zh pages name them: 'unknown' / 'car_control' would be English codes in a Chinese sheet
    col = headers.index("近3个月最常用类别") + 1
    primary = {ws.cell(row=r, column=col).value for r in range(2, 2000)}
    assert "无标签" in primary and "控车" in primary and not primary & {"unknown", "car_control", "other"}, primary
    c = tmp_path / "users.csv"
    assert run_cli("export-users", sample_dir, "--month", "2026-10", "--out", c, "--lang", "en").returncode == 0
    df = pd.read_csv(c, encoding="utf-8-sig")
    assert list(df.columns) == [en for _, en, _ in COLUMNS[:2]] + ["Channel", "City"] + [en for _, en, _ in COLUMNS[2:]]
    assert set(df["lifecycle state"]) <= {"new", "new_retained", "active", "woken", "returned", "dormant", "churned"}
    assert "not scored" in set(df["value tier (RFM)"]) and not df["value tier (RFM)"].isna().any()   # words, no blank
    bad = run_cli("export-users", sample_dir, "--out", tmp_path / "users.txt")
    assert bad.returncode == 2 and ".xlsx" in bad.stderr


def test_user_detail_names_the_same_event_every_run_when_two_share_the_last_second(tmp_path):
    """Two events (or two orders) at the same last second: the last action was either, so two runs
    (and the two engines) named different ones for 83 users of the sample.  The name last in
    alphabetical order (the larger amount) is taken, in every category and across them."""
    rows = [("T", "2025-03-20 09:00:00", "remote_unlock"), ("T", "2025-03-20 09:00:00", "article_view"),
            ("T", "2025-03-20 09:00:00", "post_view"), ("U", "2025-03-05 10:00:00", "app_open")]
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [r[0] for r in rows], "event_name": [r[2] for r in rows],
                                                  "event_time": pd.to_datetime([r[1] for r in rows])}))
    write_table(tmp_path, "feature_map", FEATURES, fmt="csv")
    write_table(tmp_path, "orders", pd.DataFrame({"user_id": ["T", "T"], "amount": [5.0, 30.0], "item": ["a", "b"],
                                                  "order_time": pd.to_datetime(["2025-03-20 09:00"] * 2)}))
    for _ in range(3):        # a fresh store each time: no cached answer
        d = user_detail(Lifecycle(open_store(tmp_path).con), "2025-03", core_category="car_control").set_index("user_id")
        assert d.loc["T", "last_event"] == "remote_unlock"            # > post_view > article_view
        assert d.loc["T", "last_feature"] == "remote_unlock" and d.loc["T", "last_core_event"] == "remote_unlock"
        assert d.loc["T", "last_order_amount"] == 30.0


def test_user_detail_by_hand(pref_dir):
    write_table(pref_dir, "users", pd.DataFrame({"user_id": ["A", "B", "C"], "nickname": ["阿A", "B", "C"],
                                                 "registered_at": pd.to_datetime(["2025-01-01", "2024-11-01",
                                                                                  "2025-03-01"])}))
    d = user_detail(Lifecycle(open_store(pref_dir).con), "2025-03", core_category="car_control").set_index("user_id")
    assert d.loc["A", "nickname"] == "阿A" and d.loc["A", "state"] == "active"
    assert d.loc["A", "last_event"] == "post_view" and d.loc["A", "last_feature"] == "post_view"
    assert d.loc["A", "last_core_event"] == "remote_unlock"
    assert str(d.loc["A", "last_core_time"]) == "2025-03-20 09:00:00"
    assert d.loc["B", "state"] == "churned" and d.loc["B", "primary_tag"] == "unknown"
    assert d.loc["C", "last_event"] == "mystery_click" and d.loc["C", "last_feature"] == "post_view"
    # RF tiers (no orders), 12 months to 2025-03, 5 bins, n = 3: recency A 11, C 22, B 150 days -> R scores
    # 4, 2, 1 (1 + floor(5 * (rank - 1) / 3)); active days A 4, C 2, B 1 -> F 4, 2, 1; high = score > 2.5
    assert d["tier"].to_dict() == {"A": "value", "B": "win_back", "C": "win_back"}


def test_cli_preferences(sample_dir):
    proc = run_cli("preferences", sample_dir, "--month", "2026-10")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(io.StringIO(proc.stdout))
    assert df.columns[0] == "user_id" and list(df.columns[-2:]) == ["tags", "primary_tag"]
    assert any(c.startswith("share_") for c in df.columns) and len(df) == 20_000


def test_tag_indicators_match_splitting_each_row():
    """The vectorised tag membership (one split per distinct combination) against a split per row."""
    from toolkit.analyses.preferences import tag_indicators
    rng = np.random.default_rng(5)
    cats = ["car_control", "content", "community", "other"]
    tags = pd.Series([",".join(c for c in cats if rng.random() < 0.4) for _ in range(500)] + [None])
    got = tag_indicators(tags, cats)
    want = np.array([[c in (t if isinstance(t, str) else "").split(",") for c in cats] for t in tags])
    assert got.shape == (501, 4) and (got == want).all() and got.any()


def test_the_tag_table_and_findings_agree_and_the_no_tag_row_reads_plainly():
    """The users without a tag (no feature used in the window) are a row of their own with their
    count only, not "0 users tagged" beside thousands whose primary tag it is; the finding
    quotes the share with the table's decimal (it said 41% beside 40.5%)."""
    from toolkit.report.findings import preference_findings
    from toolkit.report.tables import tag_table
    dist = pd.DataFrame({"category": ["car_control", "content", "other", "unknown"], "tagged": [405, 300, 0, 0],
                         "tagged_share": [0.405, 0.30, 0.0, float("nan")], "primary": [500, 300, 0, 14436],
                         "mean_share": [0.31, 0.22, 0.0, float("nan")]})
    en = tag_table(dist, "en")
    row = en.set_index("category").loc["no tag (no feature used in the window)"]
    assert row["users tagged"] == "" and row["primary tag of"] == "14,436", en
    assert "other" not in set(en["category"])                                # no users: no row
    zh = tag_table(dist, "zh")
    assert "无标签(窗口内未使用任何功能)" in set(zh["类别"])     # active users of app_open alone are in it too
    said = preference_findings(dist, pd.DataFrame(), pd.DataFrame(columns=["month"]), "en")
    assert "40.5% of the users of a feature in the last three months carry it" in said[0], said
    # not "of the active users" (read as this month's MAU, of whom 48% carried it)
    assert "近三个月使用过功能的用户中 40.5% 带有该标签" in preference_findings(
        dist, pd.DataFrame(), pd.DataFrame(columns=["month"]), "zh")[0]
    # a state's mean share said as days: dormant users use the community on 30% of their active days
    # on average, 10 points above the mean of the states (30, 10, 20 -> mean 20)
    mean_share = pd.DataFrame({"community": [0.30, 0.10, 0.20], "content": [0.2, 0.2, 0.2]},
                              index=["dormant", "active", "new"])
    said = preference_findings(dist, mean_share, pd.DataFrame(columns=["month"]), "zh")[1]
    assert said == "与其他分群相比,「休眠用户」最偏重社区:其用户平均 30.0% 的活跃天数使用社区,高于各分群平均 10.0 个百分点。", said
    # a lean of 1.1 points is no finding (the sample's states were all within 1-2 points, and the state named
    # changed every month): it says that no state leans clearly, and by how little they differ
    close = pd.DataFrame({"after_sales": [0.136, 0.125, 0.114], "content": [0.2, 0.21, 0.2]},
                         index=["returned", "active", "new"])
    assert preference_findings(dist, close, pd.DataFrame(columns=["month"]), "en")[1] == (
        "No state leans clearly to a category: every state's mean share of each is within 1.1 points of the states' "
        "average.")
    assert preference_findings(dist, close, pd.DataFrame(columns=["month"]), "zh")[1].startswith("各分群的功能偏好相近")


def test_the_scene_findings_name_their_pushes_and_a_harmful_result_reads_as_one():
    """A manager's first question about the pushes comes right after the top tag (the summary
    quotes the first three lines; it had no word on pushes); each result names its push months and
    users per arm (a reader had to work them out); an interval below zero says the push lowered
    reactivation (it read "no confirmed effect" or, for campaigns, "an effect the interval
    supports"); pushes still within their 30 days are listed as pending."""
    from toolkit.report.findings import preference_findings
    dist = pd.DataFrame({"category": ["car_control"], "tagged": [405], "tagged_share": [0.405], "primary": [500],
                         "mean_share": [0.31]})
    mean_share = pd.DataFrame({"community": [0.30, 0.10]}, index=["dormant", "active"])
    ev = pd.DataFrame({"rule_id": ["R1", "R1", "R2"], "month": ["2026-09", "all", "all"],
                       "treatment": [0.46, 0.46, 0.20], "control": [0.34, 0.34, 0.25],
                       "difference": [0.12, 0.12, -0.05], "ci_low": [0.10, 0.10, -0.08], "ci_high": [0.14, 0.14, -0.02],
                       "n_treatment": [900, 2700, 1000], "n_control": [100, 300, 1000],
                       "first_month": ["2026-09", "2026-08", "2026-09"], "last_month": ["2026-09", "2026-09", "2026-09"],
                       "months": [1, 2, 1]})
    ev.attrs["pending"] = {"2026-10": 3915}
    en = preference_findings(dist, mean_share, ev, "en")
    assert en[1] == ("Scene R1 (pushes of 2 months, 2026-08 to 2026-09: 2,700 / 300 in treatment / control): reactivation "
                     "within 30 days 46.0% treatment vs 34.0% control, +12.0 points (95% interval +10.0 to +14.0): an "
                     "effect the interval supports."), en
    assert en[2].startswith("Scene R2 (pushes of 2026-09:") and en[2].endswith("the interval shows the push lowered "
                                                                              "reactivation."), en
    assert en[3].startswith("Compared with the other states") and en[4] == (
        "Pushes whose 30 days have not ended are not evaluated yet: 2026-10 (3,915 pushes); a later month's report counts them.")
    zh = preference_findings(dist, mean_share, ev, "zh")
    assert zh[1].startswith("场景 R1(2026-08 至 2026-09 共 2 个月的推送,实验组/对照组 2,700 / 300 次)") and "区间显示推送反而降低了回访" in zh[2]


def test_a_rule_that_can_never_select_or_be_measured_is_said(sample_dir, tmp_path):
    """dormant with months_inactive 3 under a churn window of 2 wrote "0 pushes" and an empty
    table; a control_share of 0 was taken without a word, and the rule can never be evaluated."""
    rules = tmp_path / "rules.csv"
    rules.write_text("rule_id,priority,state,months_inactive,tag,content,control_share\n"
                     "R7,1,dormant,3,any,x,0.1\nR8,2,churned,,any,y,0\nR9,3,churned,1,any,z,0.1\n", encoding="utf-8")
    proc = run_cli("scenes", sample_dir, "--month", "2026-11", "--rules", rules, "--dry-run", "--out",
                   tmp_path / "p.csv")
    assert proc.returncode == 0, proc.stderr
    assert "rule R7: dormant users with churn_after 2 have months_inactive 1, never 3" in proc.stderr
    assert "rule R9: churned users with churn_after 2 have months_inactive 2 or more, never 1" in proc.stderr
    assert "rule R8 holds out no control (control_share 0)" in proc.stderr
    assert "note: rule R7 selects nobody for 2026-11" in proc.stderr and "rule R9 selects nobody" in proc.stderr
    rules.write_text("rule_id,priority,state,months_inactive,tag,content,control_share\nR7,1,dormant,3,any,x,0.1\n",
                     encoding="utf-8")
    none = run_cli("scenes", sample_dir, "--month", "2026-11", "--rules", rules, "--dry-run", "--out", tmp_path / "q.csv")
    assert none.returncode == 0 and "(no rule selects anyone)" in none.stderr and "Empty DataFrame" not in none.stderr


def test_the_scene_results_by_push_month_show_the_last_six_months_of_each_rule():
    """The pooled line alone hid a rule that stopped working: each rule's last six push months."""
    from toolkit.report.tables import scene_months_table
    months = [f"2026-{m:02d}" for m in range(1, 9)]
    ev = pd.DataFrame({"rule_id": ["R1"] * 8 + ["R2", "R1"], "month": months + ["2026-08", "all"],
                       "treatment": [0.4] * 10, "control": [0.3] * 10, "difference": [0.1] * 8 + [float("nan"), 0.1],
                       "ci_low": [0.05] * 10, "ci_high": [0.15] * 10, "n_treatment": [900] * 10,
                       "n_control": [100] * 9 + [0]})
    t = scene_months_table(ev, "en")
    assert list(t["push month"]) == months[2:] + ["2026-08"] and list(t["rule"]) == ["R1"] * 6 + ["R2"]
    assert t.iloc[0]["difference in points (95% interval)"] == "+10.0 (+5.0 ~ +15.0)"
    assert t.iloc[-1]["difference in points (95% interval)"] == "" and t.iloc[0]["users (treatment / control)"] == \
        "900 / 100"
    assert scene_months_table(ev.iloc[0:0], "zh").empty


def test_scene_results_from_the_command_line(sample_dir):
    """There was no command to evaluate the scenes: the pooled line of the report page was all."""
    proc = run_cli("scene-results", sample_dir, "--month", "2026-09")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(io.StringIO(proc.stdout))
    assert list(df.columns[:4]) == ["rule_id", "month", "treatment", "control"]
    assert df["month"].max() == "all" and "2026-09" not in set(df["month"])       # September's 30 days end in October
    assert "pushes of 2026-09 are still within their 30 days on 2026-09-30" in proc.stderr
    pooled = df[df["month"] == "all"].iloc[0]
    assert pooled["last_month"] == "2026-08" and pooled["n_treatment"] == df[df["month"] != "all"]["n_treatment"].sum()

    # the users behind the counts (they were in no file): one row per push, and counted per rule, month
    # and arm (a user once, reactivated after either push) they give the results above
    users = run_cli("scene-results", sample_dir, "--month", "2026-09", "--users")
    assert users.returncode == 0 and "pushes of 2026-09 are still within their 30 days" in users.stderr
    pushes = pd.read_csv(io.StringIO(users.stdout))
    assert list(pushes.columns) == ["user_id", "rule_id", "month", "arm", "sent_day", "reactivated"]
    assert pushes["month"].max() == "2026-08" and not pushes.duplicated().any()
    per_user = pushes.groupby(["rule_id", "month", "arm", "user_id"])["reactivated"].any().reset_index()
    counted = per_user.groupby(["rule_id", "month", "arm"])["reactivated"].agg(["mean", "size"]).unstack("arm")
    months = df[df["month"] != "all"].set_index(["rule_id", "month"])
    assert len(counted) == len(months) > 0
    assert counted[("size", "treatment")].reindex(months.index).tolist() == months["n_treatment"].tolist()
    assert counted[("mean", "control")].reindex(months.index).to_numpy() == pytest.approx(months["control"].to_numpy(), abs=1e-5)
    assert counted[("mean", "treatment")].reindex(months.index).to_numpy() == pytest.approx(
        months["treatment"].to_numpy(), abs=1e-5)
    # one push month (last month's pushed users), and an empty list is said, not 0 rows in silence
    august = pd.read_csv(io.StringIO(run_cli("scene-results", sample_dir, "--month", "2026-09", "--users",
                                             "--push-month", "2026-08").stdout))
    assert set(august["month"]) == {"2026-08"} and len(august) == (pushes["month"] == "2026-08").sum()
    pending = run_cli("scene-results", sample_dir, "--month", "2026-09", "--users", "--push-month", "2026-09")
    assert pending.returncode == 0 and "no push of 2026-09 to list: its pushes are still within their 30 days" \
        in pending.stderr, pending.stderr
    none = run_cli("scene-results", sample_dir, "--users", "--push-month", "2024-12")
    assert "no push of 2024-12 to list: it has no pushes" in none.stderr



def test_scene_results_of_data_without_pushes_say_so(tmp_path):
    """The shop's data have no pushes table: --users wrote an empty file without a word, and the
    results said "no push has ended its 30 days", as if there were pushes."""
    from conftest import write_table
    d = tmp_path / "shop"
    write_table(d, "events", pd.DataFrame({"user_id": [1, 2], "event_name": ["purchase"] * 2,
                                           "event_time": pd.to_datetime(["2025-01-03", "2025-02-05"])}))
    for args in ((), ("--users",)):
        proc = run_cli("scene-results", d, "--month", "2025-01", *args)
        assert proc.returncode == 0 and "the data have no pushes" in proc.stderr, proc.stderr
        assert "has ended its 30 days" not in proc.stderr


def test_the_pushed_users_file_for_a_chinese_crm_team(sample_dir, tmp_path):
    out = tmp_path / "pushes.xlsx"
    proc = run_cli("scene-results", sample_dir, "--month", "2026-09", "--users", "--out", out, "--lang", "zh")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_excel(out)
    assert list(df.columns) == ["用户ID", "触达规则", "推送月份", "组别", "推送日期", "30天内是否回访"]
    assert set(df["组别"]) == {"实验组", "对照组"} and set(df["30天内是否回访"]) == {"是", "否"}


def test_the_scene_table_says_why_a_cell_is_empty():
    """A rule without a months-inactive condition takes any; a rule never pushed has no lift
    yet; a rule whose arm has no users cannot be measured: said in the cells, which were blank."""
    from toolkit.report.tables import scene_table
    rules = pd.DataFrame({"rule_id": ["R1", "R2", "R3"], "state": ["dormant", "dormant", "churned"],
                          "months_inactive": [1, float("nan"), float("nan")], "tag": ["any", "content", "any"],
                          "content": ["a", "b", "c"], "control_share": [0.1, 0.1, 0.1], "audience": [100, 50, 20]})
    ev = pd.DataFrame({"rule_id": ["R1", "R3"], "month": ["all", "all"], "difference": [0.05, float("nan")],
                       "ci_low": [0.01, float("nan")], "ci_high": [0.09, float("nan")]})
    t = scene_table(rules, ev, "en").set_index("rule")
    assert t.loc["R1", "months inactive"] == 1 and t.loc["R2", "months inactive"] == "any"
    lift = t["lift in points (95% interval)"]
    assert lift["R1"] == "+5.0 (+1.0 ~ +9.0)" and lift["R2"] == "no pushes yet"
    assert lift["R3"] == "not measurable: an arm has no users"
    assert scene_table(rules, ev, "zh").set_index("规则").loc["R2", "回访提升(百分点, 95% 置信区间)"] == "尚无推送"


def test_heatmap_row_names_stand_upright_and_axis_titles_stand_apart():
    """Seaborn turned the Chinese row names of the tag-movement heatmap on end; the axis title
    sat against the middle column's name ("售后 本月")."""
    import matplotlib
    matplotlib.use("Agg")
    import numpy as np
    from toolkit.report.preference_plots import plot_tag_movement
    cats = ["car_control", "content", "community", "after_sales", "campaign", "shop", "unknown"]
    moves = pd.DataFrame(np.arange(49).reshape(7, 7) + 1, index=cats, columns=cats)
    ax = plot_tag_movement(moves, lang="zh")
    ax.figure.canvas.draw()
    assert all(t.get_rotation() == 0 for t in ax.get_yticklabels())
    assert ax.get_xlabel() == "本月" and ax.xaxis.labelpad >= 10 and ax.xaxis.label.get_fontweight() == "bold"
    # each row names its users (a 100% of one live-stream user read as a whole category's move)
    from toolkit.report.labels import category
    assert ax.get_yticklabels()[0].get_text() == f"{category('car_control', 'zh')} (28)"     # 1 + 2 + ... + 7


def test_an_event_mapped_to_two_categories_is_refused_and_a_repeated_row_changes_nothing(pref_dir):
    """A team "moved" article_view by adding a row (社区) under the old one (内容): the first row
    read won without a word, and validate said joins would count the row twice.  Two categories
    for one event are refused, naming both; the same row twice gives the same tags (and the same
    cache)."""
    from toolkit.aggregates.build import settings
    from toolkit.data.validate import validate
    from toolkit.errors import ConfigError
    base = month_preferences(Lifecycle(open_store(pref_dir).con), "2025-03")[0]
    key = settings(open_store(pref_dir).con, [], ["trip"])
    write_table(pref_dir, "feature_map", pd.DataFrame(FEATURES + [FEATURES[1]]), fmt="csv")
    assert settings(open_store(pref_dir).con, [], ["trip"]) == key            # one row twice
    pd.testing.assert_frame_equal(month_preferences(Lifecycle(open_store(pref_dir).con), "2025-03")[0], base)
    assert validate(open_store(pref_dir)).ok
    write_table(pref_dir, "feature_map", pd.DataFrame(FEATURES + [{"event_name": "article_view",
                                                                    "category": "community"}]), fmt="csv")
    with pytest.raises(ConfigError, match=r"feature_map gives event 'article_view' 2 categories, 'community' and "
                                          r"'content': an event has one category"):
        Lifecycle(open_store(pref_dir).con)
    h = validate(open_store(pref_dir))
    assert not h.ok and any("'article_view' 2 categories" in str(e) for e in h.errors)
    assert not any("joins count such a row twice" in w for w in h.warnings)
    proc = run_cli("preferences", pref_dir, "--month", "2025-02")
    assert proc.returncode == 2 and "'article_view' 2 categories" in proc.stderr and "Traceback" not in proc.stderr


def test_the_tag_threshold_is_checked_and_named_on_the_page(pref_dir):
    """The notebook's threshold = 1.5 ran to the end ("0.0% carry it", an empty chart) while the
    command refused it; a page run with 0.5 said "threshold (default 0.3)"."""
    from toolkit.errors import ConfigError
    from toolkit.report.labels import glossary
    lc = Lifecycle(open_store(pref_dir).con)
    for bad in (1.5, 0, -0.2, "0.3"):
        with pytest.raises(ConfigError, match=r"threshold \(the share of active days that makes a tag\) must be"):
            window_preferences(lc, "2025-03", 2, threshold=bad)
    assert "本页为 50%" in glossary("preferences", "zh", threshold=0.5)
    assert "the threshold (50% here)" in glossary("preferences", "en", threshold=0.5)
    assert "the threshold (30% here)" in glossary("preferences", "en")


def test_rules_and_ideas_that_name_a_renamed_category_fail_validate_and_the_report_at_once(tmp_path):
    """A team renamed car_control to 控车 in feature_map: validate said OK, the report's preferences
    section failed on scene_rules.csv, and its value-and-risk section's failure on ideas.csv was
    only in run.log. Both files are checked by validate and before the report's first section."""
    import json
    from toolkit.data.sample import generate_sample
    from toolkit.data.validate import validate
    d = tmp_path / "data"
    generate_sample(d, users=300, months=4, end="2026-10", seed=3)
    fm = pd.read_csv(d / "feature_map.csv")
    fm["category"] = fm["category"].replace({"car_control": "控车"})
    fm.to_csv(d / "feature_map.csv", index=False)
    h = validate(open_store(d))
    said = " ".join(str(e) for e in h.errors)
    assert not h.ok and "scene_rules.csv: rule R2 has tag 'car_control'" in said and "ideas.csv: target_tag" in said
    (tmp_path / "reports").mkdir()
    proc = run_cli("report", d, "--out", tmp_path / "reports", "--month", "2026-09")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "scene_rules.csv: rule R2" in proc.stderr and "ideas.csv: target_tag" in proc.stderr
    assert "(2 files to correct.)" in proc.stderr
    assert not (tmp_path / "reports" / "2026-09").exists()          # no section ran
    line = json.loads((tmp_path / "reports" / "run.log").read_text().splitlines()[-1])
    assert line["outcome"] == "failed" and "ideas.csv" in line["error"]


def test_the_other_category_says_it_is_events_outside_the_map():
    """An event the map did not know made 'other' (其他) a tag of 528 users and a headline finding,
    and nothing said 其他 meant events outside feature_map."""
    from toolkit.report import labels as L
    assert L.category("other", "zh") == "其他(未列入功能映射)"
    assert L.category("other", "en") == "other (not in feature_map)"
