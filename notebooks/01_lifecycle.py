# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["lang-en"]
# # Lifecycle: states, active rate and the four rates
#
# Every user who has entered is in exactly one of seven states each month; the
# monthly active rate is the active states over all users, and this month's
# active users come from last month's states through four rates.

# %% [markdown] tags=["lang-zh"]
# # 用户分群与月活率
#
# 每位已进入的用户每月恰好处于七个分群之一;月活率是活跃分群占全部用户的比例,
# 本月的活跃用户由上月各分群经 4 大指标转化而来。

# %% tags=["parameters"]
data_dir: str = ""        # data folder; empty means data_dir of toolkit.yaml
month: str = ""           # reporting month YYYY-MM; empty means the last complete month
churn_after: int = 0      # churn window k in months (流失标准); 0 means the configuration's (default 2)
target: float = 0.0       # target monthly active rate, e.g. 0.85; 0 means the configuration's
plan_months: str = ""     # months to plan, comma-separated; empty means the three months after `month`
language: str = ""        # zh or en; empty means the configuration's
config: str = ""          # configuration file; empty means toolkit.yaml
by: str = ""              # users column to break down by (segment_columns); empty means the first the data has
interactive: bool = True  # show ipywidgets controls (reports run with False)

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from toolkit.report.context import open_report
from toolkit.analyses.decomposition import decomposition, mau_bridge, transitions
from toolkit.report.findings import active_rate_trend, lifecycle_findings, segment_finding, small_numbers_note
from toolkit.analyses.planning import last_months_plan, make_plan
from toolkit.analyses.value import monthly_revenue
from toolkit.report.plots import plot_active_rate, plot_bridge, plot_rates, plot_states, plot_transitions, use_cjk_font
from toolkit.report.labels import glossary, note
from toolkit.report.tables import (decomposition_table, lifecycle_summary_table, plan_tables, record, record_cohorts,
                                   segment_table, show_findings, styled)
from toolkit.aggregates.segments import check_column, no_columns_reason, offered_columns
from toolkit.analyses.cohorts import cohort_counts, cohort_table, layer_cake, segment_monthly
from toolkit.report import labels as L
from toolkit.report.cohort_plots import (plot_cohort_heatmap, plot_layer_cake, plot_segment_rate,
                                         plot_segment_retention, retention_curves)

use_cjk_font()
ctx = open_report(data_dir=data_dir, month=month, churn_after=churn_after, target=target, language=language,
                  config=config)
if interactive:   # which data and settings this run reads (a toolkit.yaml in the data folder has its own)
    display(Markdown(ctx.source_line()))
monthly, lang = ctx.monthly, ctx.language
if by:   # a breakdown column the data do not offer stops here, with the columns they do
    check_column(ctx.store.con, by, ctx.cfg.segment_columns)
signal = bool(ctx.cfg.signal_events)
said = ctx.data_warning if interactive else ctx.data_note   # rows left out (empty or unparseable values, after
if said:                                                     # the horizon): the report's reader gets no file paths
    display(Markdown(f"**⚠ {said}**"))
history = ctx.history_note()   # months without events (a missing file?), registrations before the events, an
if history:                     # offline signal that never occurs
    display(Markdown(f"**⚠ {history}**"))

# %% [markdown] tags=["lang-en"]
# ## Findings

# %% [markdown] tags=["lang-zh"]
# ## 结论

# %%
findings = lifecycle_findings(monthly, ctx.month, ctx.target, lang, default_target=not ctx.cfg.target_set)
campaigns = ctx.store.con.execute("SELECT * FROM campaigns").df()   # a trend or a best month may start at one
trend = active_rate_trend(monthly, ctx.month, lang, campaigns=campaigns)  # a slide over months no month's change shows
# the summary page quotes the trend and the flow line (its table has the first line's numbers)
small = small_numbers_note(monthly, ctx.month, lang)    # a few users: the findings and the plan below are rough
if small:
    display(Markdown(f"**⚠ {small}**"))
show_findings("lifecycle", findings[:1] + trend + findings[1:], summary=trend + findings[1:2])
revenue = monthly_revenue(ctx.store.con)     # each month's orders, when the data have them (else empty)
_ = record(ctx, monthly, revenue)

# %% [markdown] tags=["lang-en"]
# ## States over time

# %% [markdown] tags=["lang-zh"]
# ## 用户分群变化

# %%
fig, ax = plt.subplots(figsize=(11, 4.5))
plot_states(monthly, lang=lang, ax=ax)
plt.show()

# %% [markdown] tags=["lang-en"]
# ## Active rate against target

# %% [markdown] tags=["lang-zh"]
# ## 月活率与目标

# %%
fig, ax = plt.subplots(figsize=(11, 4))
plot_active_rate(monthly, ctx.target, lang=lang, ax=ax)
plt.show()
display(styled(lifecycle_summary_table(monthly, lang, revenue=revenue, currency=ctx.cfg.currency), lang, "lifecycle"))

# %% [markdown] tags=["lang-en"]
# ## This month's active users, term by term
# MAU = new users + old active × old-user retention + last month's new × new-user retention + dormant × wake rate + churned × return rate.

# %% [markdown] tags=["lang-zh"]
# ## 月活拆解
# 月活 = 当月新用户 + 老活跃用户 × 老用户次月留存率 + 上月新用户 × 新用户次月留存率 + 休眠用户 × 唤醒率 + 流失用户 × 回流率。

# %%
display(styled(decomposition_table(decomposition(monthly, ctx.month), lang, signal=signal), lang, "decomposition"))
if not signal:
    display(Markdown(L.for_page(note("no_signal", lang))))
fig, ax = plt.subplots(figsize=(9, 4))
plot_bridge(mau_bridge(monthly, ctx.month), lang=lang, ax=ax)
plt.show()

# %% [markdown] tags=["lang-en"]
# ## The four rates

# %% [markdown] tags=["lang-zh"]
# ## 4大指标

# %%
fig, ax = plt.subplots(figsize=(11, 4))
plot_rates(monthly, lang=lang, ax=ax)
plt.show()

# %% [markdown] tags=["lang-en"]
# ## Where last month's users went

# %% [markdown] tags=["lang-zh"]
# ## 用户群体迁移

# %%
counts, shares = transitions(ctx.lifecycle, ctx.month, ctx.churn_after)
fig, ax = plt.subplots(figsize=(9, 5.5))
plot_transitions(shares, counts=counts, lang=lang, ax=ax)
plt.show()

# %% [markdown] tags=["lang-en"]
# ## Plan
# Rates default to the best of the last six months; new users to the mean of the last three.
# A rise that needs a rate more than 10 points above the best month in the data is marked implausible.

# %% [markdown] tags=["lang-zh"]
# ## 预测达成目标
# 各指标默认取近六个月的最佳值,新用户取近三个月的平均值。所需比率比数据中最佳月份高出 10 个百分点以上的提升标为不现实。

# %%
plan = make_plan(ctx.lifecycle, monthly, ctx.plan_months(plan_months), ctx.target, churn_after=ctx.churn_after,
                 campaigns=campaigns)
projection, uplifts = plan_tables(plan, lang)
display(styled(projection, lang, "plan"))
display(styled(uplifts, lang, "plan-rises"))
checked = last_months_plan(ctx.lifecycle, monthly, ctx.month, ctx.target, churn_after=ctx.churn_after, lang=lang)
show_findings("plan", plan.summary_lines(lang) + checked, summary=plan.headline_lines(lang) + checked)

# %% [markdown] tags=["lang-en"]
# ## Retention cohorts
# Each row is the users entering in a month; each column the share of them active that many months after entry
# (month 0 is the entry month, always 100%). Below, this month's active users stacked by the month they entered.

# %% [markdown] tags=["lang-zh"]
# ## 留存矩阵
# 每行为同月进入的用户,每列为进入后第几个月仍活跃的比例(第 0 月即进入当月,恒为 100%)。
# 下图为各月活跃用户按进入月份分层。

# %%
cohort_long = cohort_counts(ctx.lifecycle)
cohorts = cohort_table(ctx.lifecycle, long=cohort_long)
plot_cohort_heatmap(cohorts, lang=lang)
plt.show()
fig, ax = plt.subplots(figsize=(11, 4.5))
plot_layer_cake(layer_cake(ctx.lifecycle, long=cohort_long), lang=lang, ax=ax)
plt.show()

# %% [markdown] tags=["lang-en"]
# ## By segment
# The lifecycle within each value of a users column: every segment has its own states and rates, and the
# segments add up to the whole. Users without a value are "unknown"; in the charts, segments with fewer users
# than the configured minimum are drawn together as "other" (the table keeps every segment).

# %% [markdown] tags=["lang-zh"]
# ## 细分
# 按用户字段的每个取值分别计算分群与 4 大指标,各细分相加等于整体。没有取值的用户归为"未知";
# 图中用户数少于配置下限的细分合并为"其他"(表格保留所有细分)。

# %%
columns = offered_columns(ctx.store.con, ctx.cfg.segment_columns)
seg_by = by or (columns[0] if columns else "")
seg_monthly = None
if seg_by:
    seg_monthly = segment_monthly(ctx.lifecycle, seg_by, ctx.churn_after, segment_columns=ctx.cfg.segment_columns)
    seg_counts = cohort_table(ctx.lifecycle, by=seg_by, counts=True, segment_columns=ctx.cfg.segment_columns)
    fig, (a, b) = plt.subplots(1, 2, figsize=(14, 4.5))
    plot_segment_rate(seg_monthly, seg_by, min_users=ctx.cfg.segment_min_users, lang=lang,
                      names=ctx.cfg.segment_names, ax=a)
    plot_segment_retention(retention_curves(seg_counts, ctx.cfg.segment_min_users), seg_by, lang=lang,
                           names=ctx.cfg.segment_names, ax=b)
    plt.show()
    display(styled(segment_table(seg_monthly, ctx.month, lang), lang, f"segments-{seg_by}"))
    # the clearest gap of each users column, when clear: the page shows one column, a gap may be in another (杭州)
    gaps, behind = [], []
    for c in columns:
        frame = seg_monthly if c == seg_by else segment_monthly(ctx.lifecycle, c, ctx.churn_after,
                                                                segment_columns=ctx.cfg.segment_columns)
        found = segment_finding(frame, ctx.month, L.segment_column(c, lang, ctx.cfg.segment_names), lang)
        gaps += found
        if found and c != seg_by:
            behind.append((c, frame))
    show_findings("segments", gaps)
    for c, frame in behind:     # a finding in another column than the page's: its table too
        display(Markdown(L.t("segment_behind_finding", lang).format(
            column=L.segment_column(c, lang, ctx.cfg.segment_names))))
        display(styled(segment_table(frame, ctx.month, lang), lang, f"segments-{c}"))
else:
    display(Markdown(L.t(no_columns_reason(ctx.store.con), lang)))
_ = record_cohorts(ctx, cohorts, seg_monthly, seg_by)

# %%
display(Markdown(glossary("lifecycle", lang)))

# %% [markdown] tags=["interactive-only", "lang-en"]
# ## Explore
# In JupyterLab, pick a month and a churn window to redraw the charts; below, pick a users column and a rate
# to see them by segment (they follow the month and churn window above).

# %% [markdown] tags=["interactive-only", "lang-zh"]
# ## 交互探索
# 在 JupyterLab 中选择月份和流失标准,上方图表随之重画;下方选择用户属性列和指标,按分群查看(随上方的月份和流失标准变化)。

# %% tags=["interactive-only"]
if interactive:
    from toolkit.report.widgets import LifecycleExplorer, SegmentExplorer
    explorer = LifecycleExplorer(ctx)
    display(explorer.widget)
    if columns:   # its month marker and churn window follow the controls above
        display(SegmentExplorer(ctx, columns, seg_by, min_users=ctx.cfg.segment_min_users, follow=explorer).widget)
