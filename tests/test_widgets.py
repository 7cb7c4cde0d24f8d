"""The JupyterLab controls: every control redraws the charts it drives, in the session's language."""
import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from toolkit.analyses.campaign_effects import campaign_effects  # noqa: E402
from toolkit.report.context import open_report  # noqa: E402
from toolkit.analyses.holiday_lift import daily_users, holiday_lift  # noqa: E402
from toolkit.report.plots import use_cjk_font  # noqa: E402
from toolkit.analyses.preferences import month_preferences, state_category_matrix  # noqa: E402
from toolkit.report.widgets import LifecycleExplorer, PeriodExplorer, PreferenceExplorer  # noqa: E402


@pytest.fixture(scope="module")
def ctx_zh(sample_dir):
    use_cjk_font()
    return open_report(data_dir=str(sample_dir), month="2026-06", language="zh")


def _pngs(ex):
    return {k: im.value for k, im in ex.images.items()}


def test_lifecycle_explorer_redraws_every_chart(sample_dir):
    ctx = open_report(data_dir=str(sample_dir), month="2026-06", language="en")
    ex = LifecycleExplorer(ctx)
    first = _pngs(ex)
    assert all(v[:4] == b"\x89PNG" for v in first.values()) and len(first) == 5
    assert ex.month.value == "2026-06" and ex.churn_after.value == 2
    assert ex.churn_after.continuous_update is False, "a slider drag must not redraw per step"
    ex.month.value = "2026-03"
    second = _pngs(ex)
    assert [k for k in first if first[k] == second[k]] == [], "every chart depends on the month"
    bridge_labels = [t.get_text() for t in ex.figures["bridge"].axes[0].get_xticklabels()]
    assert "woken" in bridge_labels
    ex.churn_after.value = 1
    third = _pngs(ex)
    # the active rate does not depend on the churn window; every other chart does
    assert [k for k in first if second[k] == third[k]] == ["active_rate"]
    # with k = 1 there is no dormant state: its column of the transition heatmap is all zero
    heat = ex.figures["transitions"].axes[0]
    assert "dormant" in [t.get_text() for t in heat.get_xticklabels()]


def _marked_month(ax):
    """The label of the x tick under the grey band that marks the chosen month."""
    ax.figure.canvas.draw()
    band = [p for p in ax.patches if p.get_alpha() == 0.2]
    assert len(band) == 1, "one month is marked"
    x0, x1 = sorted(band[0].get_path().get_extents(band[0].get_patch_transform()).intervalx)
    centre = (x0 + x1) / 2
    ticks = dict(zip(ax.get_xticks(), [t.get_text() for t in ax.get_xticklabels()]))
    return ticks[min(ticks, key=lambda t: abs(t - centre))]


def test_each_chart_marks_the_chosen_month_where_it_draws_it(sample_dir):
    """The active rate leaves the data's first month out (100% by definition): its band stood
    one month to the right of the chosen month; each chart marks the month where it draws it."""
    ctx = open_report(data_dir=str(sample_dir), month="2026-06", language="en")
    ex = LifecycleExplorer(ctx)
    for month in ("2026-06", ex.month.options[0], ex.month.options[-1]):
        ex.month.value = month
        for chart in ("states", "active_rate", "rates"):
            assert _marked_month(ex.figures[chart].axes[0]) == month, (chart, month)


def test_lifecycle_explorer_speaks_the_session_language(ctx_zh):
    ex = LifecycleExplorer(ctx_zh)
    assert ex.month.description == "月份" and "流失标准" in ex.churn_after.description
    assert ex.month.style.description_width == "initial", "descriptions are shown whole, not cut"
    assert "用户分群变化" in ex.figures["states"].axes[0].get_title()


@pytest.fixture(scope="module")
def mean_share(ctx_zh):
    prefs, states = month_preferences(ctx_zh.lifecycle, ctx_zh.month, ctx_zh.churn_after)
    return state_category_matrix(prefs, states)[0]


def test_preference_explorer_labels_and_combined_filters(mean_share):
    ex = PreferenceExplorer(mean_share, "zh")
    labels = [label for label, _ in ex.category.options]
    # 'other' (no event of the sample is outside feature_map) has no share anywhere: not offered, no empty chart
    assert (mean_share["other"].fillna(0) == 0).all() and "other" not in [c for _, c in ex.category.options]
    assert len(labels) == 1 + (mean_share.fillna(0) > 0).any().sum()
    assert "(全部)" in labels and "(all)" not in labels
    assert "控车" in labels and "car_control" not in labels
    assert "活跃用户" in [label for label, _ in ex.state.options]
    ax = ex.figure.axes[0]
    assert isinstance(ax.xaxis.get_major_formatter(), PercentFormatter)
    png = ex.image.value
    ex.state.value = "active"
    state_only = ex.image.value
    assert state_only != png and ex.figure.axes[0].get_title() == "活跃用户"
    ex.category.value = "car_control"
    both = ex.figure.axes[0]
    assert ex.image.value != state_only
    assert both.get_title().startswith("控车 · 活跃用户: "), "the state is not ignored when a category is chosen"
    colors = {tuple(p.get_facecolor()) for p in both.patches}
    assert len(colors) == 2, "the chosen state's bar stands out"
    ex.state.value = "dormant"
    assert ex.figure.axes[0].get_title().startswith("控车 · 休眠用户: ")


def test_the_preference_explorers_all_states_are_every_user_together(ctx_zh):
    """A checker read 30.1% for car control under 全部分群 while the tag table said 31.0% and the
    users of the state chart averaged 30.4%: the explorer drew the plain mean of the seven states'
    means.  It now draws the users of every state together (each state weighs by its users), the
    number hand-computed here, and writes each bar's value (the checker measured pixels)."""
    from toolkit.analyses.preferences import all_states_mean_share
    prefs, states = month_preferences(ctx_zh.lifecycle, ctx_zh.month, ctx_zh.churn_after)
    mean_share = state_category_matrix(prefs, states)[0]
    m = states[["user_id", "state"]].merge(prefs.drop(columns=["state"], errors="ignore"), on="user_id")
    shares = m[[c for c in m.columns if c.startswith("share_")]]
    active = shares[shares.notna().any(axis=1)]                     # activity in the window, zeros kept
    by_hand = active["share_car_control"].sum() / len(active)
    overall = all_states_mean_share(prefs)
    assert overall["car_control"] == pytest.approx(by_hand)
    assert abs(mean_share["car_control"].mean() - by_hand) > 1e-4     # the plain mean of the states differs
    ex = PreferenceExplorer(mean_share, "zh", overall=overall)
    ax = ex.figure.axes[0]
    car = ax.patches[list(ex.overall.index).index("car_control")]       # the bars in the categories' order
    assert car.get_width() == pytest.approx(by_hand)
    assert f"{by_hand:.1%}" in [t.get_text() for t in ax.texts]


@pytest.fixture(scope="module")
def period_inputs(ctx_zh):
    cfg = ctx_zh.cfg
    daily = daily_users(ctx_zh.store.con, active_events=cfg.active_events, signal_events=cfg.signal_events)
    lifts = holiday_lift(daily, country="CN")
    effects = campaign_effects(ctx_zh.store.con, active_events=cfg.active_events, signal_events=cfg.signal_events)
    return daily, lifts, effects


def test_period_explorer_window_and_campaign(period_inputs):
    daily, lifts, effects = period_inputs
    assert len(lifts) > 4 and len(effects) >= 2
    ex = PeriodExplorer(daily, lifts, effects, lang="zh")
    assert ex.window.description == "节假日" and ex.campaign.description == "活动"
    last = lifts.iloc[-1]
    # the latest window has its festival a year earlier beside it
    left, right = ex.figures["window"].axes[:2]
    assert left.get_title().startswith(f"{last['name_zh']} {last['start']:%Y}")
    # the sample ends 2026-10: National Day 2026 beside 2025's, which held Mid-Autumn too
    assert right.get_title().startswith(f"去年同节日: 国庆节及中秋节 {last['start'].year - 1}"), right.get_title()
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["日活跃用户", "节假日", "基线日(前后同星期几)",
                                                                     "无节假日时的预期(提升倍数的模型)"]
    # last year's title keeps its room above the legend (they overprinted); one legend, the left one's
    fig = ex.figures["window"]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    r = FigureCanvasAgg(fig).get_renderer()
    fig.draw(r)
    assert right.get_legend() is None
    assert right.title.get_window_extent(r).y0 >= left.get_legend().get_window_extent(r).y1 - 1
    before = ex.images["window"].value
    ex.window.value = 0
    assert ex.images["window"].value != before
    # the first window has no last year: drawn alone, with a line saying so (not beside an empty half)
    alone = ex.figures["window"].axes
    assert len(alone) == 1 and alone[0].get_xlabel() == "数据中没有去年同节日", alone[0].get_xlabel()
    assert "日活/平日 " in alone[0].get_title() and "提升" not in alone[0].get_title()
    # the dropdown shows its longest window whole
    longest = max(len(label) for label, _ in ex.window.options)
    assert int(ex.window.layout.width[:-2]) >= 130 + 8 * longest
    before = ex.images["campaign"].value
    ex.campaign.value = 0
    assert ex.images["campaign"].value != before
    arms, diff = ex.figures["campaign"].axes[:2]
    assert [t.get_text().split("\n")[0] for t in arms.get_xticklabels()] == ["实验组", "对照组"]
    assert isinstance(arms.yaxis.get_major_formatter(), PercentFormatter)
    assert "分组比例" in arms.get_title() or "SRM" in arms.get_title()
    # the difference in points with the table's p-value, the metric by its name (not its key)
    first = effects.iloc[0]
    assert diff.get_title().startswith(f"{first['difference'] * 100:+.1f} 个百分点"), diff.get_title()
    assert ("p < 0.001" if first["p_value"] < 0.001 else f"p = {first['p_value']:.3f}") in diff.get_title()
    assert "e-" not in diff.get_title() and "%" not in diff.get_title() and "百分点" in diff.get_xlabel()
    from toolkit.report.labels import metric
    assert metric(first["metric"], "zh") in arms.get_title() and first["metric"] not in arms.get_title()
    # without campaigns (or holiday windows) a line of text, no empty dropdown
    import ipywidgets as w
    bare = PeriodExplorer(daily, lifts, effects.iloc[0:0], lang="zh")
    assert bare.campaign not in bare.widget.children
    notes = [c.value for c in bare.widget.children if isinstance(c, w.HTML)]
    assert len(notes) == 1 and "活动" in notes[0], notes


def test_segment_explorer_follows_the_month_and_churn_window_above(sample_dir):
    """The segment rates below the lifecycle controls follow them: the churn window changes the
    return rate by segment (it once stayed at the notebook's k) and is named in the title, and
    the month marker moves with the month."""
    from toolkit.report.widgets import SegmentExplorer
    ctx = open_report(data_dir=str(sample_dir), month="2026-06", language="en")
    above = LifecycleExplorer(ctx)
    ex = SegmentExplorer(ctx, ["channel"], "channel", follow=above)
    ex.rate.value = "return_rate"
    first = ex.images["rate"].value
    assert ex.figures["rate"].axes[0].get_title().endswith("(k = 2)")
    above.churn_after.value = 4
    assert ex.images["rate"].value != first and ex.figures["rate"].axes[0].get_title().endswith("(k = 4)")
    k4 = ex.images["rate"].value
    above.churn_after.value = 12                     # the slider reaches the largest window the configuration takes
    assert above.churn_after.value == 12
    above.churn_after.value = 4
    above.month.value = "2026-03"
    assert ex.images["rate"].value != k4             # the shaded month moved
    assert _marked_month(ex.figures["rate"].axes[0]) == "2026-03"
    ex.rate.value = "active_rate"                    # drawn without the data's first month
    assert _marked_month(ex.figures["rate"].axes[0]) == "2026-03"
    assert ex.figures["rate"].axes[0].get_title().startswith("Monthly active rate by channel")
    ex.rate.value = "retention_new"                  # one title form for every rate ("· 城市" beside ",按城市")
    assert ex.figures["rate"].axes[0].get_title().startswith("New-user retention by channel")
    zh = SegmentExplorer(open_report(data_dir=str(sample_dir), month="2026-06", language="zh"), ["channel", "city"])
    assert [label for label, _ in zh.by.options] == ["渠道", "城市"]      # as the charts name them, not channel/city
    zh.rate.value = "retention_new"
    assert zh.figures["rate"].axes[0].get_title().startswith("新用户次月留存率,按渠道")


@pytest.fixture(scope="module")
def risk_inputs(ctx_zh):
    from toolkit.analyses.churn_risk import churn_risk
    from toolkit.analyses.preferences import preference_shares
    from toolkit.analyses.value import rfm_scores
    lc = ctx_zh.lifecycle
    risk = churn_risk(lc, ctx_zh.month, churn_after=ctx_zh.churn_after, lang="zh", with_reasons=False)
    scores = rfm_scores(ctx_zh.store.con, ctx_zh.month)
    prefs = preference_shares(ctx_zh.store.con, ctx_zh.month, active_events=lc.active_events,
                              signal_events=lc.signal_events, users=risk.scores["user_id"])
    scored = (risk.scores.merge(prefs[["user_id", "primary_tag"]], on="user_id", how="left")
              .merge(scores[["user_id", "tier"]], on="user_id", how="left"))
    return risk, scored, scores.attrs["mode"]


def test_risk_explorer_chooses_shows_and_saves_whom_to_reach(ctx_zh, risk_inputs, tmp_path, monkeypatch):
    """The contact list: each control changes the chart and the users chosen; the count and the expected
    inactive users are those of the scores; the table shows the riskiest with the month's reasons; Save writes
    every chosen user, and a wrong file name or folder is a line of text, not a traceback."""
    import re

    import pandas as pd
    from toolkit.analyses.churn_risk import churn_risk
    from toolkit.report.widgets import RiskExplorer
    risk, scored, mode = risk_inputs
    ex = RiskExplorer(risk, scored, lang="zh", mode=mode)
    assert ex.tier.description == "价值分层" and ex.tag.description == "主标签"
    assert "未分层(窗口内无购买)" in [label for label, _ in ex.tier.options]
    assert "控车" in [label for label, _ in ex.tag.options] and "(全部)" in [label for label, _ in ex.state.options]

    def expected(tier="", state="", tag="", p=0.0):
        df = scored.assign(tier=scored["tier"].fillna("none"))
        keep = (df["probability"] >= p) & ((df["tier"] == tier) | (tier == "")) & \
            ((df["state"] == state) | (state == "")) & ((df["primary_tag"] == tag) | (tag == ""))
        return df[keep]

    def said():
        n, e = re.search(r"已选 ([\d,]+) 位用户;预计 2026-07 不活跃 ([\d,]+) 位", ex.summary.value).groups()
        return int(n.replace(",", "")), int(e.replace(",", ""))

    # it starts at the riskiest tenth (the share the model's precision is measured on), in whole percent
    start, p = ex.min_probability.value / 100, scored["probability"]      # the slider is in whole percent
    assert (p >= start).mean() >= 0.10 > (p >= start + 0.01).mean() and isinstance(ex.min_probability.value, int)
    want = expected(p=start)
    assert said() == (len(want), round(want["probability"].sum()))
    # beside it, how such probabilities held on the evaluation month (on the UK shop the riskiest tenth were
    # put at 86% and 71% went quiet, and the count above was read as a promise)
    held = risk.eval_frame[risk.eval_frame[f"p_{risk.chosen}"] >= start]
    assert f"回看模型未学过的 {risk.eval_month}:模型给出流失概率不低于 {start:.0%} 的 {len(held):,} 位用户,预测 " \
           f"{held[f'p_{risk.chosen}'].mean():.0%} 次月不活跃,实际为 {held['inactive_next'].mean():.0%}。" in ex.summary.value
    before = ex.images["probabilities"].value
    for control, value in ((ex.state, "active"), (ex.tier, "important_value"), (ex.tag, "car_control")):
        control.value = value
        assert ex.images["probabilities"].value != before, f"{control.description} did not redraw the chart"
        before = ex.images["probabilities"].value
    # the evaluation month's users are not told apart by tier or tag: the check says so (3,523 users beside 81)
    assert "位(不分价值分层和主标签)用户" in ex.summary.value, ex.summary.value
    lower = 0.1 if start != 0.1 else 0.15
    ex.min_probability.value = round(lower * 100)
    assert ex.images["probabilities"].value != before
    want = expected("important_value", "active", "car_control", lower)
    assert 0 < len(want) and said() == (len(want), round(want["probability"].sum()))
    # the table: the riskiest first, with the reasons the month's own scoring gives them
    table = ex.shown        # the rows of the table on the page
    assert all(f">{u}</td>" in ex.table.value for u in table["用户"])
    assert len(table) == min(ex.SHOWN, len(want))
    top = want.sort_values(["probability", "user_id"], ascending=[False, True]).head(ex.SHOWN)
    assert list(table["用户"]) == list(top["user_id"])
    assert set(table["分群"]) == {"活跃用户"} and set(table["价值分层"]) == {"重要价值客户"}
    worded = churn_risk(ctx_zh.lifecycle, risk.month, churn_after=ctx_zh.churn_after, lang="zh").scores
    why = table["原因(基于 2026-06 的数据)"]
    assert (why.str.len() > 0).all() and "典型" in why.iloc[0]
    assert list(why) == list(worded.set_index("user_id")["reasons"].loc[top["user_id"]])
    # Save writes every chosen user, not only the rows shown, into the notebook's folder
    monkeypatch.chdir(tmp_path)
    ex.min_probability.value = 0
    ex.write()
    saved = tmp_path / "contact_list_2026-07.csv"          # named for the month the list is about
    back = pd.read_csv(saved, encoding="utf-8-sig")
    assert len(back) == len(expected("important_value", "active", "car_control", 0.0)) > ex.SHOWN
    # a list read weeks later names its months: the forecast's and the data's the reasons speak of
    assert list(back.columns) == ["用户", "价值分层", "分群", "主标签", "2026-07 不活跃概率", "原因(基于 2026-06 的数据)"]
    assert str(saved) in ex.message.value and f"{len(back):,}" in ex.message.value
    assert "替换" not in ex.message.value
    ex.tier.value = ""                  # a saved file's line is about the choice it was saved from
    assert ex.message.value == ""
    ex.write()
    assert "替换了同名的旧文件" in ex.message.value, "an earlier list replaced is said"
    ex.file.value = "list.xlsx"
    from openpyxl import load_workbook
    sheet = load_workbook(ex.write()).active
    assert sheet.title == "名单" and sheet.max_row == 1 + len(ex.chosen())
    assert [c.value for c in sheet[1]] == list(back.columns)
    # the probability a number Excel filters on, shown as the notebook shows it (82%, not 0.8222)
    assert isinstance(sheet.cell(2, 5).value, float) and sheet.cell(2, 5).number_format == "0%"
    ex.file.value = "list.txt"
    assert ex.write() is None and "list.txt" in ex.message.value and ".xlsx" in ex.message.value
    ex.file.value = ""
    assert ex.write() is None and "(未填文件名)" in ex.message.value
    ex.file.value = str(tmp_path / "no such folder" / "list.xlsx")
    assert ex.write() is None and f"文件夹 {tmp_path / 'no such folder'} 不存在" in ex.message.value
    assert not (tmp_path / "no such folder").exists()
    # one primary tag for everyone (no feature_map, as in the retail data): no tag control, no tag column
    plain = RiskExplorer(risk, scored.assign(primary_tag="other"), lang="en", mode=mode)
    assert plain.tag not in plain.widget.children[0].children
    assert list(plain.shown.columns) == ["user", "value tier", "state", "probability inactive in 2026-07",
                                         "reasons (from 2026-06's data)"]
    assert "expected inactive in 2026-07" in plain.summary.value
    # nothing chosen: a sentence, no table
    low = RiskExplorer(risk, scored.assign(probability=scored["probability"].clip(upper=0.9)), lang="zh", mode=mode)
    low.min_probability.value = 95
    assert f"所选条件下的 {len(scored):,} 位用户都低于 95%" in low.summary.value, "not 'nobody matches': they are below"
    assert low.table.value == "" and low.shown.empty
    low.min_probability.value = 99          # the box takes 99 (it showed 95 and listed users below 99%)
    assert low.min_probability.value == 99 and low.cut == pytest.approx(0.99)
    assert "99%" in low.summary.value
    a = scored[(scored["state"] == "active") & scored["tier"].notna()].head(1)
    b = scored[(scored["state"] == "new") & (scored["tier"].fillna("none") != a["tier"].iloc[0])].head(1)
    two = RiskExplorer(risk, pd.concat([a, b]), lang="zh", mode=mode)
    two.tier.value, two.state.value = a["tier"].iloc[0], "new"
    assert "本月没有符合所选条件的活跃用户" in two.summary.value
    # counts on a log scale only where thousands stand beside a few; a group of two reads on a plain one
    assert ex.figures["probabilities"].axes[0].get_yscale() == "log"
    assert two.figures["probabilities"].axes[0].get_yscale() == "linear"
    low.file.value = "empty.xlsx"
    assert low.write() is None and "未保存" in low.message.value and not (tmp_path / "empty.xlsx").exists()


def test_the_transition_heatmap_leaves_out_the_row_that_is_new_by_definition(sample_dir):
    """'not yet entered -> new 100%' was a row of every month's heatmap: true by definition, read
    as a finding. The rows are the states of last month."""
    ctx = open_report(data_dir=str(sample_dir), month="2026-06", language="en")
    heat = LifecycleExplorer(ctx).figures["transitions"].axes[0]
    rows = [t.get_text().rsplit(" (", 1)[0] for t in heat.get_yticklabels()]     # each row's users after it
    assert "not yet entered" not in rows and "new" in rows and "dormant" in rows, rows


def test_every_run_of_a_notebook_carries_the_table_library(sample_dir):
    """In JupyterLab the DataTables library lives in the output of a run's first table; a
    reloaded page has lost it (the notebooks are saved without outputs), and a second "Run All"
    in the same kernel left every table at "Loading ITables ..." until a restart.  Each run
    (each open_report) gives it to its first table again, and only to that one."""
    import itables.options as opt
    import pandas as pd
    from itables.javascript import generate_init_offline_itables_html
    from toolkit.report.context import open_report
    from toolkit.report.tables import styled
    library = generate_init_offline_itables_html(opt.dt_bundle)
    marker = "function injectCSS(base64CSS)"          # the start of the library's loader
    assert marker in library
    frame = pd.DataFrame({"a": [1, 2]})
    for _ in range(2):
        open_report(data_dir=str(sample_dir), month="2026-10")
        first, second = styled(frame).data, styled(frame).data
        assert marker in first and marker not in second
