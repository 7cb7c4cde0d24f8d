"""KPI correlations and the ICE ranking on hand-worked tables."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from toolkit.analyses.ideas import load_ideas, rank_ideas
from toolkit.analyses.kpis import KPIS, MIN_MONTHS, correlations, describe_pairs, strongest_pairs
from toolkit.errors import ConfigError


def _kpis(n):
    months = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 13)]
    df = pd.DataFrame({"month": months[:n]})
    x = np.arange(n, dtype=float)
    df["active_rate"] = x                       # rises
    df["retention_old"] = -x ** 3               # falls: Spearman -1 with active_rate, any shape
    df["retention_new"] = [1.0, 3.0, 2.0, 4.0, 3.0, 5.0, 4.0, 6.0, 5.0, 7.0, 6.0, 8.0, 7.0, 9.0][:n]
    df["wake_rate"] = 0.5                       # never varies: no correlation
    for c in KPIS:
        if c not in df:
            df[c] = np.nan
    return df


def test_correlations_by_hand():
    c = correlations(_kpis(6))
    s, p = c["spearman"], c["pearson_change"]
    assert s.loc["active_rate", "retention_old"] == pytest.approx(-1.0)
    # retention_new (1, 3, 2, 4, 3, 5) against 0..5; its ranks with ties averaged: (1, 3.5, 2, 5, 3.5, 6).
    # Spearman = Pearson of the ranks, both means 3.5: covariance sum (r - 3.5)(i - 3.5) =
    # (-2.5)(-2.5) + 0(-1.5) + (-1.5)(-0.5) + (1.5)(0.5) + 0(1.5) + (2.5)(2.5) = 14.0;
    # sums of squares 17.0 (ranks) and 17.5 (positions) -> 14 / sqrt(17 * 17.5) = 0.8118
    assert s.loc["active_rate", "retention_new"] == pytest.approx(14 / np.sqrt(17 * 17.5))
    # changes of retention_new: +2, -1, +2, -1, +2 against active_rate's constant +1: no Pearson (constant)
    assert np.isnan(p.loc["active_rate", "retention_new"])
    assert np.isnan(s.loc["wake_rate", "active_rate"])           # a constant KPI has no correlation
    assert c["n_spearman"].loc["active_rate", "retention_old"] == 6 and c["n_change"].loc["active_rate", "wake_rate"] == 5
    assert c["n_spearman"].loc["active_rate", "new"] == 0          # a KPI without values


def test_strongest_pairs_flag_few_months_and_say_association():
    c = correlations(_kpis(6))
    pairs = strongest_pairs(c["spearman"], c["n_spearman"])
    assert len(pairs) == 3 and pairs["few_months"].all() and 6 < MIN_MONTHS
    assert {pairs.loc[0, "a"], pairs.loc[0, "b"]} == {"active_rate", "retention_old"}
    assert pairs["correlation"].abs().is_monotonic_decreasing
    words = describe_pairs(pairs, "en")
    assert all("not a cause" in w and "possibly chance" in w for w in words)
    assert all("不代表因果" in w for w in describe_pairs(pairs, "zh"))
    # levels are said to trend (two trending KPIs correlate whatever the cause), changes to go together
    assert all(" trended " in w and "over the months" in w for w in words), words
    assert all("月度走势" in w for w in describe_pairs(pairs, "zh"))
    changes = describe_pairs(pairs, "en", changes=True)
    assert all(w.startswith("The monthly changes of ") for w in changes), changes
    assert all("环比变化" in w for w in describe_pairs(pairs, "zh", changes=True))
    c14 = correlations(_kpis(14))
    assert not strongest_pairs(c14["spearman"], c14["n_spearman"])["few_months"].any()


IDEAS = """idea,target_state,target_tag,impact,confidence,ease,owner
wake dormant drivers,dormant,car_control,7,6,8,A
win back churned,churned,,8,4,5,B
everyone,any,any,6,7,8,C
tiny,new,,2,2,2,
"""
USERS = pd.DataFrame({"user_id": range(8),
                      "state": ["dormant", "dormant", "dormant", "churned", "churned", "new", "active", "active"],
                      "tags": ["car_control,content", "content", "car_control", "", None, "shop", "car_control", ""]})


def test_ice_by_hand(tmp_path):
    f = tmp_path / "ideas.csv"
    f.write_text(IDEAS, encoding="utf-8")
    r = rank_ideas(load_ideas(f), USERS).set_index("idea")
    # ICE: 7*6*8 = 336, 8*4*5 = 160, 6*7*8 = 336, 2*2*2 = 8; the 336 tie goes to the larger reach
    # reach: dormant with car_control tag = users 0, 2 -> 2; churned = 3, 4 -> 2; everyone = 8; new = 1
    assert r["ice"].to_dict() == {"everyone": 336, "wake dormant drivers": 336, "win back churned": 160, "tiny": 8}
    assert r["reach"].to_dict() == {"everyone": 8, "wake dormant drivers": 2, "win back churned": 2, "tiny": 1}
    assert r["rank"].to_dict() == {"everyone": 1, "wake dormant drivers": 2, "win back churned": 3, "tiny": 4}
    # the page's target says "carrying the tag" (the reach counts every user with it, not only those
    # whose primary tag it is, as the risk table's rows by primary tag do)
    from toolkit.report.value_risk import ideas_table
    zh = ideas_table(r.reset_index(), "zh").set_index("想法")["目标人群"]
    assert zh["wake dormant drivers"] == "休眠用户 · 带控车标签" and zh["everyone"] == "全部用户", zh


@pytest.mark.parametrize("row, msg", [("x,dormant,,11,5,5,", "impact"), ("x,sleeping,,5,5,5,", "target_state"),
                                      ("x,dormant,,5,,5,", "confidence"),
                                      ("x,流失用户,,5,5,5,", "'流失用户' is how pages name 'churned': write churned")])
def test_bad_ideas_say_what_and_where(tmp_path, row, msg):
    f = tmp_path / "ideas.csv"
    f.write_text("idea,target_state,target_tag,impact,confidence,ease,owner\n" + row + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=msg):
        load_ideas(f)


def test_ideas_cli_on_the_sample(sample_dir):
    proc = run_cli("ideas", sample_dir, "--month", "2026-10")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(io.StringIO(proc.stdout))
    assert list(df["rank"]) == list(range(1, len(df) + 1)) and len(df) == 5
    assert (df["reach"] > 0).all() and df["ice"].is_monotonic_decreasing


def test_unreadable_ideas_files_say_how_to_fix_them(tmp_path):
    """An ideas.csv saved in another encoding or left empty, and a score left empty: one message
    naming the file and the fix (no pandas error, no numpy value in the text)."""
    f = tmp_path / "ideas.csv"
    f.write_bytes(IDEAS.replace("wake dormant drivers", "唤醒休眠车主").encode("gbk"))
    with pytest.raises(ConfigError, match=r"ideas.csv is not UTF-8 text .* CSV UTF-8"):
        load_ideas(f)
    f.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot be read as a CSV table .* header row"):
        load_ideas(f)
    f.write_text("idea,target_state,target_tag,impact,confidence,ease,owner\nx,dormant,,,5,5,\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_ideas(f)
    assert "impact (empty)" in str(e.value) and "np." not in str(e.value)


def test_an_unknown_target_tag_is_refused_naming_the_tags(tmp_path, sample_dir):
    d = tmp_path / "data"
    d.mkdir()
    for p in sample_dir.iterdir():
        (d / p.name).symlink_to(p)
    (d / "ideas.csv").unlink()
    (d / "ideas.csv").write_text("idea,target_state,target_tag,impact,confidence,ease,owner\n"
                                 "x,dormant,cars,5,5,5,\n", encoding="utf-8")
    proc = run_cli("ideas", d, "--month", "2026-10")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "target_tag cars is not a preference tag" in proc.stderr and "car_control" in proc.stderr



def test_the_kpi_heatmap_leaves_out_kpis_that_never_varied():
    """Data without campaigns or pushes: those KPIs have no correlation and no empty row or
    column in the chart; every other KPI is drawn."""
    import matplotlib
    matplotlib.use("Agg")
    from toolkit.analyses.kpis import KPIS, correlations
    from toolkit.report.value_risk import kpi, plot_kpi_heatmap
    kpis = pd.DataFrame({"month": [f"2026-{m:02d}" for m in range(1, 13)]})
    for i, k in enumerate(KPIS):
        kpis[k] = [0.0] * 12 if k in ("campaigns", "pushes") else [float((m * (i + 2)) % 11) for m in range(12)]
    corr = correlations(kpis)["spearman"]
    assert corr["campaigns"].isna().all() and corr["pushes"].isna().all()
    ax = plot_kpi_heatmap(corr, lang="en")
    drawn = [t.get_text() for t in ax.get_xticklabels()]
    assert drawn == [kpi(k, "en") for k in KPIS if k not in ("campaigns", "pushes")]


def test_ideas_reach_from_the_callers_states_and_tags_is_the_same(sample_dir):
    """The report passes the states and tags it already has: the same ranking as computing them."""
    from toolkit.analyses.ideas import ideas_file, month_ideas
    from toolkit.analyses.lifecycle import Lifecycle
    from toolkit.analyses.preferences import preference_shares
    from toolkit.data.store import open_store
    lc = Lifecycle(open_store(sample_dir).con, last_month="2026-10")
    path = ideas_file(sample_dir, None)
    states = lc.user_states("2026-10", 2)
    prefs = preference_shares(lc.con, "2026-10", signal_events=lc.signal_events, users=states["user_id"])
    given = month_ideas(lc, "2026-10", path, states=states, prefs=prefs[["user_id", "tags", "primary_tag"]])
    pd.testing.assert_frame_equal(given, month_ideas(lc, "2026-10", path))
    assert (given["reach"] > 0).all()


def test_every_kpi_of_the_heatmap_is_explained_on_its_page():
    """A manager met 推送数 in the correlation heatmap and nowhere else: every KPI that is not one of
    the lifecycle rates (defined on the lifecycle page) is named in the value page's glossary."""
    from toolkit.report.labels import glossary
    from toolkit.report.value_risk import KPI_WORDS
    for lang in ("en", "zh"):
        text = glossary("value_risk", lang)
        for key, words in KPI_WORDS.items():
            if words is not None and key not in ("new", "dau_mau"):
                assert words[1 if lang == "zh" else 0] in text, (lang, key)


def test_the_kpis_leave_out_the_datas_first_month(sample_dir):
    """The data's first month has an active rate of 100% by definition and counts everyone
    already there as new: with it, the fall to the second month was the strongest 'change
    correlation' of the UK shop's history (+0.93 with new users, +0.68 without).  Its row is
    left out, as the charts leave it out; every later month stays."""
    from toolkit.analyses.holiday_lift import daily_users
    from toolkit.analyses.kpis import monthly_kpis
    from toolkit.analyses.lifecycle import Lifecycle
    from toolkit.data.store import open_store
    lc = Lifecycle(open_store(sample_dir).con, last_month="2026-10")
    monthly = lc.monthly(2)
    first = monthly.iloc[0]
    assert first["new"] == first["cumulative"] and first["active_rate"] == 1.0, "the sample starts as any data do"
    kpis = monthly_kpis(lc, monthly, daily_users(lc.con, active_events=lc.active_events,
                                                 signal_events=lc.signal_events), until="2026-10")
    assert list(kpis["month"]) == [m for m in monthly["month"] if m <= "2026-10"][1:]
    assert kpis["active_rate"].max() < 1.0
    assert int(correlations(kpis)["n_change"].to_numpy().max()) == len(kpis) - 1
