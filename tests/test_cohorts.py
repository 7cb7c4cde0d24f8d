"""Retention cohorts, breakdowns by a users column and the AARRR funnel, on a hand-worked
fixture (answers worked out by hand in the comments) and through the CLI."""
import io
import math

import pandas as pd
import pytest

from conftest import events, run_cli, write_table
from toolkit.analyses.cohorts import cohort_table, group_small, layer_cake, segment_monthly
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.analyses.periods import cohort_funnel
from toolkit.data.store import open_store
from toolkit.errors import ConfigError

# Five months, 2025-01 .. 2025-05, no offline signal; the qualifying events are every event.
#   U1 registers 01-02 (channel ad); events Jan, Feb, Apr          -> entry Jan; active Jan Feb . Apr .
#   U2 registers 01-15 (ad), never an event                        -> entry Jan (registration); active Jan only
#   U3 registers 01-20 (no channel), first event in Apr            -> entry Jan; active Jan . . Apr .  (active only later)
#   U4 no users row; events Feb, Mar (an invite in Mar)            -> entry Feb; active Feb Mar . .
#   U5 registers 03-01 (dealer); events Mar, May                   -> entry Mar; active Mar . May
ROWS = [(1, "2025-01-05 10:00:00", "app_open"), (1, "2025-02-03 10:00:00", "app_open"),
        (1, "2025-04-07 10:00:00", "app_open"), (3, "2025-04-09 10:00:00", "app_open"),
        (4, "2025-02-11 10:00:00", "app_open"), (4, "2025-03-12 10:00:00", "invite"),
        (5, "2025-03-02 10:00:00", "app_open"), (5, "2025-05-20 10:00:00", "app_open")]


@pytest.fixture
def cohort_dir(tmp_path):
    d = tmp_path / "cohorts"
    write_table(d, "events", events(ROWS))
    write_table(d, "users", pd.DataFrame({
        "user_id": [1, 2, 3, 5],
        "registered_at": pd.to_datetime(["2025-01-02", "2025-01-15", "2025-01-20", "2025-03-01"]),
        "channel": ["ad", "ad", None, "dealer"], "city": ["x", "x", "x", "y"]}))
    # U1: Jan 10 + Mar 5 within Jan..Mar (15); U2: Apr 7, after its window; U5: May 20, within Mar..May
    write_table(d, "orders", pd.DataFrame({"user_id": [1, 1, 2, 5], "amount": [10.0, 5.0, 7.0, 20.0],
                                           "order_time": pd.to_datetime(["2025-01-10", "2025-03-03", "2025-04-04",
                                                                         "2025-05-21"])}))
    return d


@pytest.fixture
def lc(cohort_dir):
    return Lifecycle(open_store(cohort_dir).con, signal_events=())


def test_cohort_triangle_by_hand(lc):
    t = cohort_table(lc).set_index("cohort")
    assert t.index.tolist() == ["2025-01", "2025-02", "2025-03"]      # nobody enters in Apr or May
    assert t["size"].tolist() == [3, 1, 1]
    # Jan cohort U1 U2 U3: Jan 3/3, Feb U1 1/3, Mar none, Apr U1 U3 2/3, May none
    assert t.loc["2025-01", ["m0", "m1", "m2", "m3", "m4"]].tolist() == pytest.approx([1, 1 / 3, 0, 2 / 3, 0])
    # Feb cohort U4: Feb, Mar active, Apr May not; no fifth month yet
    assert t.loc["2025-02", ["m0", "m1", "m2", "m3"]].tolist() == [1, 1, 0, 0] and math.isnan(t.loc["2025-02", "m4"])
    # Mar cohort U5: Mar, not Apr, May
    assert t.loc["2025-03", ["m0", "m1", "m2"]].tolist() == [1, 0, 1] and t.loc["2025-03", ["m3", "m4"]].isna().all()
    c = cohort_table(lc, counts=True).set_index("cohort")
    assert c.loc["2025-01", ["m0", "m1", "m2", "m3", "m4"]].tolist() == [3, 1, 0, 2, 0]


def test_layer_cake_by_hand_and_adds_up_to_mau(lc):
    cake = layer_cake(lc).set_index("month")
    # active users by calendar month (rows) and entry cohort (columns)
    assert cake.loc["2025-01"].tolist() == [3, 0, 0]
    assert cake.loc["2025-02"].tolist() == [1, 1, 0]          # U1 | U4
    assert cake.loc["2025-03"].tolist() == [0, 1, 1]          # U4 | U5
    assert cake.loc["2025-04"].tolist() == [2, 0, 0]          # U1 U3
    assert cake.loc["2025-05"].tolist() == [0, 0, 1]          # U5
    assert cake.sum(axis=1).tolist() == lc.monthly(2)["mau"].tolist() == [3, 2, 2, 2, 1]


def test_cohorts_by_segment_by_hand(lc):
    t = cohort_table(lc, by="channel").set_index(["segment", "cohort"])
    assert sorted(t.index.get_level_values(0).unique()) == ["ad", "dealer", "unknown"]
    # ad: U1 U2 of Jan: 2/2, U1 1/2, 0, U1 1/2, 0
    assert t.loc[("ad", "2025-01"), ["size", "m0", "m1", "m2", "m3", "m4"]].tolist() == [2, 1, 0.5, 0, 0.5, 0]
    # unknown: U3 (no channel) of Jan and U4 (no users row) of Feb are kept, not dropped
    assert t.loc[("unknown", "2025-01"), ["size", "m0", "m1", "m2", "m3", "m4"]].tolist() == [1, 1, 0, 0, 1, 0]
    assert t.loc[("unknown", "2025-02"), ["size", "m0", "m1", "m2", "m3"]].tolist() == [1, 1, 1, 0, 0]
    assert t.loc[("dealer", "2025-03"), ["size", "m0", "m1", "m2"]].tolist() == [1, 1, 0, 1]


def test_lifecycle_by_segment_by_hand(lc):
    s = segment_monthly(lc, "channel", 2).set_index(["segment", "month"])
    ad = s.loc["ad"]
    # k = 2.  U1: new, new_retained, dormant, woken, dormant.  U2: new, dormant, churned, churned, churned
    assert ad["new"].tolist() == [2, 0, 0, 0, 0]
    assert ad["new_retained"].tolist() == [0, 1, 0, 0, 0]
    assert ad["dormant"].tolist() == [0, 1, 1, 0, 1]
    assert ad["woken"].tolist() == [0, 0, 0, 1, 0]
    assert ad["churned"].tolist() == [0, 0, 1, 1, 1]
    assert ad["mau"].tolist() == [2, 1, 0, 1, 0]
    assert ad.loc["2025-02", "retention_new"] == 0.5          # U1 of the two Jan new users
    assert ad.loc["2025-03", "wake_rate"] == 0.0 and ad.loc["2025-04", "wake_rate"] == 1.0
    whole = lc.monthly(2).set_index("month")
    summed = s.groupby(level="month")[["new", "new_retained", "active", "woken", "returned", "dormant", "churned",
                                       "mau", "cumulative"]].sum()
    pd.testing.assert_frame_equal(summed, whole[summed.columns], check_names=False)


def test_small_segments_are_other_in_charts_only(lc):
    s = segment_monthly(lc, "channel", 2)
    g = group_small(s, min_users=2)                # dealer (1 user) and unknown (2 users: kept)
    assert set(g.segment) == {"ad", "unknown", "dealer"}      # one small segment stays itself
    g = group_small(s, min_users=3)                # all three are small: one 'other' of all users
    assert set(g.segment) == {"other"}
    assert g["mau"].tolist() == lc.monthly(2)["mau"].tolist()
    c = group_small(cohort_table(lc, by="channel", counts=True), min_users=3)
    assert c.set_index("cohort")["size"].to_dict() == {"2025-01": 3, "2025-02": 1, "2025-03": 1}
    # every segment merged: the one line is the whole, and its legend says so (it read "other (small segments)",
    # the total, with no word that every channel was in it)
    from toolkit.report.cohort_plots import plot_segment_rate, plot_segment_retention, retention_curves
    ax = plot_segment_rate(s, "channel", min_users=3, lang="en")
    assert [x.get_text() for x in ax.get_legend().get_texts()] == [
        "all together: every segment is under the charts' minimum of users (the table has each)"]
    curves = retention_curves(cohort_table(lc, by="channel", counts=True), min_users=3)
    ax = plot_segment_retention(curves, "channel", lang="zh")
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["全部合并:每个细分的用户数都低于图表下限(表格中有各细分)"]
    ax = plot_segment_rate(s, "channel", min_users=2, lang="en")       # a merge of some: 'other' as before
    assert "all together" not in " ".join(x.get_text() for x in ax.get_legend().get_texts())


def test_breakdown_by_a_column_that_is_not_offered(lc):
    with pytest.raises(ConfigError, match="no column 'colour'. Breakdowns offered: channel, city ") as e:
        cohort_table(lc, by="colour", segment_columns=["channel", "city"])
    # a nickname is a name per user, never a segment (it was offered, also when the file had none)
    assert "nickname" not in str(e.value) and "its other columns" not in str(e.value)
    with pytest.raises(ConfigError, match=r"offered: channel \(.*its other columns \(.*city.*\) can be added"):
        cohort_table(lc, by="colour", segment_columns=["channel"])
    with pytest.raises(ConfigError, match="segment_columns"):
        segment_monthly(lc, "city", 2, segment_columns=["channel"])


def test_funnel_revenue_and_referral_by_hand(lc):
    f = cohort_funnel(lc, referral_events=["invite"]).set_index("cohort")
    # Jan: U1 paid 10 + 5 within Jan..Mar (U2's Apr order is after its window): 1 payer, 15 of revenue
    assert f.loc["2025-01", ["acquired", "paying", "revenue"]].tolist() == [3, 1, 15.0]
    assert f.loc["2025-01", "revenue_per_user"] == 5.0 and f.loc["2025-01", "revenue_per_payer"] == 15.0
    assert f.loc["2025-02", ["paying", "revenue", "revenue_per_user"]].tolist() == [0, 0, 0]
    assert math.isnan(f.loc["2025-02", "revenue_per_payer"])                # no payer
    assert f.loc["2025-03", ["paying", "revenue", "revenue_per_payer"]].tolist() == [1, 20.0, 20.0]
    # referral: U4 (Feb cohort) sent an invite in Mar
    assert f["referring"].tolist() == [0, 1, 0] and f.loc["2025-02", "referring_share"] == 1.0
    assert f.attrs["undefined"] == {"activated": "activated_undefined"}      # no feature_map here
    g = cohort_funnel(lc)                                                    # no referral events configured
    assert g.attrs["undefined"]["referring"] == "referring_undefined" and g["referring"].isna().all()


def test_cli_cohorts_funnel_and_lifecycle_by(cohort_dir, tmp_path):
    cfg = tmp_path / "toolkit.yaml"
    cfg.write_text(f"data_dir: {cohort_dir}\nsignal_events: []\nreferral_events: [invite]\nnow: '2025-06-15'\n"
                   f"cache_dir: {tmp_path / 'cache'}\n")
    # May is not complete (the last event is on the 20th): the last month offered is April
    out = run_cli("--config", cfg, "cohorts", "--month", "2025-04", check=True)
    t = pd.read_csv(io.StringIO(out.stdout))
    assert list(t.columns) == ["cohort", "size", "m0", "m1", "m2", "m3"]
    assert round(t["m3"][0], 4) == round(2 / 3, 4) and t["m3"][1:].isna().all()
    # written for Excel: 2/3 to six decimals, not 0.6666666666666666
    assert "0.666667" in out.stdout and "0.6666666" not in out.stdout
    out = run_cli("--config", cfg, "cohorts", "--counts", "--by", "channel", check=True)
    t = pd.read_csv(io.StringIO(out.stdout))
    assert list(t.columns[:3]) == ["segment", "cohort", "size"] and set(t.segment) == {"ad", "dealer", "unknown"}
    out = run_cli("--config", cfg, "lifecycle", "--by", "channel", check=True)
    s = pd.read_csv(io.StringIO(out.stdout))
    assert s.columns[0] == "segment" and s.groupby("month")["mau"].sum().tolist() == [3, 2, 2, 2, 1]
    out = run_cli("--config", cfg, "funnel", "--month", "2025-04", check=True)   # the cached path
    f = pd.read_csv(io.StringIO(out.stdout)).set_index("cohort")
    assert f["referring"].tolist() == [0, 1, 0] and f.loc["2025-01", "revenue_per_payer"] == 15.0
    # counts are whole numbers (pandas holds some as floats: a sum, a column with gaps)
    counts = [line.split(",")[1:6] for line in out.stdout.splitlines()[1:]]    # acquired .. referring
    assert counts[0] == ["3", "", "1", "1", "0"] and not any("." in x for row in counts for x in row), counts
    bad = run_cli("--config", cfg, "cohorts", "--by", "nickname")
    assert bad.returncode == 2 and "nickname" in bad.stderr and "Traceback" not in bad.stderr


def test_segment_chart_titles_name_the_column_in_the_report_language(lc, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    from toolkit.config import load_config
    from toolkit.report.cohort_plots import plot_segment_rate, plot_segment_retention, retention_curves
    s = segment_monthly(lc, "channel", 2)
    curves = retention_curves(cohort_table(lc, by="channel", counts=True))
    # the sample's columns have names in both languages; the raw column name is not shown
    assert plot_segment_rate(s, "channel", lang="zh").get_title() == "月活率,按渠道"
    assert plot_segment_rate(s, "channel", lang="en").get_title() == "Monthly active rate by channel"
    assert plot_segment_retention(curves, "city", lang="zh").get_title().endswith("城市")
    assert plot_segment_rate(s, "colour", lang="zh").get_title().endswith(" colour")   # no name given: as it is
    # the configuration names a column per language (a text alone: the same in both)
    cfg = tmp_path / "toolkit.yaml"
    cfg.write_text("segment_names: {channel: {zh: 来源渠道, en: Source}, colour: 颜色}\n", encoding="utf-8")
    names = load_config(cfg).segment_names
    assert names == {"channel": {"zh": "来源渠道", "en": "Source"}, "colour": {"zh": "颜色", "en": "颜色"}}
    assert plot_segment_rate(s, "channel", lang="zh", names=names).get_title() == "月活率,按来源渠道"
    assert plot_segment_retention(curves, "channel", lang="en", names=names).get_title().endswith(" Source")
    assert plot_segment_rate(s, "city", rate="wake_rate", lang="zh", names=names).get_title() == "唤醒率,按城市"
    cfg.write_text("segment_names: {channel: [a, b]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="segment_names: the name of 'channel'"):
        load_config(cfg)


def test_the_retention_heatmap_says_when_it_shows_only_the_last_cohorts():
    """The page's triangle showed the last 12 of 24 cohorts while `toolkit cohorts` gave all 24,
    and nothing said so: the title does now, and only when cohorts are left out."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from toolkit.report.cohort_plots import plot_cohort_heatmap
    table = pd.DataFrame({"cohort": [f"2025-{m:02d}" for m in range(1, 7)], "size": [10] * 6,
                          "m0": [1.0] * 6, "m1": [0.5] * 5 + [float("nan")]})
    ax = plot_cohort_heatmap(table, lang="en", last=4)
    assert ax.get_title().endswith("the last 4 of 6 cohorts")
    assert "最近 4 个进入月份(共 6 个" in plot_cohort_heatmap(table, lang="zh", last=4).get_title()
    assert "\n" not in plot_cohort_heatmap(table, lang="en", last=12).get_title()
    plt.close("all")


def test_the_layer_cake_steps_month_by_month(lc):
    """A cohort's layer began as a wedge in the month before it existed (the area was drawn as a
    slope between months): each month is a step, its edges half-way between months."""
    import matplotlib.pyplot as plt
    from toolkit.report.cohort_plots import plot_layer_cake
    fig, ax = plt.subplots()
    plot_layer_cake(layer_cake(lc), lang="en", ax=ax)
    xs = [x for c in ax.collections for p in c.get_paths() for x in p.vertices[:, 0]]
    assert any(abs(x % 1 - 0.5) < 1e-9 for x in xs)
    plt.close(fig)


def test_eleven_segments_are_eleven_different_lines():
    """Ten cities and 'unknown': the eleventh line had the first one's colour and style, so a dip
    could not be told to one or the other."""
    import matplotlib
    matplotlib.use("Agg")
    import pandas as pd
    from toolkit.report.cohort_plots import plot_segment_rate
    rows = [{"segment": f"city{i}", "month": m, "active_rate": 0.5 + i / 100, "new": 10, "cumulative": 100}
            for i in range(11) for m in ("2026-01", "2026-02", "2026-03")]
    ax = plot_segment_rate(pd.DataFrame(rows), "city", lang="en")
    looks = {(matplotlib.colors.to_hex(ln.get_color()), ln.get_linestyle()) for ln in ax.get_lines()
             if not ln.get_label().startswith("_")}
    assert len(looks) == 11, looks
