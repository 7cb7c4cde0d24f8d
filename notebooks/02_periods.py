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
# # Periods: holiday peaks, campaigns, funnel and stickiness
#
# Holiday windows are the runs of days off around a public holiday (with the
# weekend make-up working days where the calendar has them, as China's does),
# from a maintained calendar. Each window's daily
# users are compared with ordinary days on the same weekdays around it.
# Campaigns with a control arm are read as experiments; without one, as a
# difference-in-differences, which is weaker evidence.

# %% [markdown] tags=["lang-zh"]
# # 周期分析与活动效果
#
# 节假日窗口是公共假日前后连续的休息日(日历有调休时按调休安排),取自维护中的节假日日历。
# 每个窗口的日活与前后几周同星期的平日比较。有对照组的活动按实验解读;
# 没有对照组的按双重差分解读,证据较弱。

# %% tags=["parameters"]
data_dir: str = ""        # data folder; empty means data_dir of toolkit.yaml
month: str = ""           # reporting month YYYY-MM; empty means the last complete month
language: str = ""        # zh or en; empty means the configuration's
config: str = ""          # configuration file; empty means toolkit.yaml
weeks: int = 3            # weeks before and after a holiday window that form its baseline
interactive: bool = True  # show ipywidgets controls (reports run with False)

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from toolkit.analyses.campaign_effects import campaign_effects
from toolkit.report.context import open_report
from toolkit.report.findings import RECENT_MONTHS, coming_finding, period_findings, recent
from toolkit.analyses.holiday_lift import coming_holidays, daily_users, holiday_lift
from toolkit.report.period_plots import (plot_campaign_effects, plot_daily_with_windows, plot_funnel, plot_holiday_lifts,
                                  plot_period_rates, plot_stickiness)
from toolkit.analyses.periods import cohort_funnel, month_markers, period_view, stickiness
from toolkit.report.plots import use_cjk_font
from toolkit.report import labels as L
from toolkit.report.labels import glossary, note
from toolkit.report.tables import (campaign_table, campaigns_skipped, coming_table, funnel_notes, funnel_table, holiday_table,
                                  period_table, record_periods, show_findings, styled)

use_cjk_font()
ctx = open_report(data_dir=data_dir, month=month, language=language, config=config)
if interactive:   # which data and settings this run reads (a toolkit.yaml in the data folder has its own)
    display(Markdown(ctx.source_line()))
lang, cfg = ctx.language, ctx.cfg
daily = daily_users(ctx.store.con, active_events=cfg.active_events, signal_events=cfg.signal_events)
daily = daily[daily.index.strftime("%Y-%m") <= ctx.month]
lifts = holiday_lift(daily, country=cfg.holiday_country, weeks=weeks, schedule=ctx.holiday_schedule)
coming = coming_holidays(lifts, ctx.month, country=cfg.holiday_country, schedule=ctx.holiday_schedule)
notes = ctx.calendar_notes(daily.index.min().date(), daily.index.max().date()) if len(daily) else []
effects = campaign_effects(ctx.store.con, active_events=cfg.active_events, signal_events=cfg.signal_events)
skipped = campaigns_skipped(effects.attrs.get("skipped", {}), lang)   # no members, or outside the data
effects = effects[effects["start_date"].astype(str).str[:7] <= ctx.month].reset_index(drop=True)
for calendar_note in notes:  # a year whose holiday schedule is not official yet
    display(Markdown(f"**⚠ {calendar_note}**"))
history = ctx.history_note()   # months without events, registrations before the events (as on the lifecycle page)
if history:
    display(Markdown(f"**⚠ {history}**"))

# %% [markdown] tags=["lang-en"]
# ## Findings

# %% [markdown] tags=["lang-zh"]
# ## 结论

# %%
holiday_lines = period_findings(lifts, effects.iloc[0:0], lang, ctx.month) + coming_finding(coming, lang)
campaign_lines = period_findings(lifts.iloc[0:0], effects, lang, ctx.month)
# the summary page quotes the last three months' holidays and campaigns, not the year's again each month
near_lifts, near_effects = recent(lifts, effects, ctx.month)
summary = (period_findings(near_lifts, near_effects.iloc[0:0], lang, ctx.month, months=RECENT_MONTHS)[:1]
           + period_findings(near_lifts.iloc[0:0], near_effects, lang, ctx.month)[:2]) or [L.t("periods_quiet", lang)]
summary += coming_finding(coming, lang)       # what to prepare for
show_findings("periods", holiday_lines + campaign_lines, summary=summary)
_ = record_periods(ctx, lifts, effects, notes=notes)

# %% [markdown] tags=["lang-en"]
# ## Holidays: peaks and drops

# %% [markdown] tags=["lang-zh"]
# ## 节假日高峰与低谷

# %%
fig, ax = plt.subplots(figsize=(12, 4))
plot_daily_with_windows(daily, lifts, lang=lang, ax=ax)
plt.show()
if lifts["lift"].notna().any():
    fig, ax = plt.subplots(figsize=(10, 0.45 * max(len(lifts), 4) + 1))
    plot_holiday_lifts(lifts, lang=lang, ax=ax)
    plt.show()
    display(styled(holiday_table(lifts, lang), lang, "holidays"))
    if lifts.dropna(subset=["lift"])["provisional"].eq(True).any():   # near the month's end: may change next month
        display(Markdown(L.t("provisional_note", lang).format(weeks=weeks)))
else:
    display(Markdown(note("no_holidays", lang)))

# %% [markdown] tags=["lang-en"]
# ### Coming holidays (next 12 months)
# Each holiday window of the next twelve months in the configured country's calendar, and what it did to daily
# users the last time the data measured it: a plan for next year's peaks starts here.

# %% [markdown] tags=["lang-zh"]
# ### 未来 12 个月的节假日
# 所配置国家日历中未来十二个月的每个节假日窗口,以及数据中上一次测得的日活变化:规划明年高峰从这里开始。

# %%
if len(coming):
    display(styled(coming_table(coming, lang), lang, "coming-holidays"))
else:
    display(Markdown(L.t("coming_none", lang).format(country=cfg.holiday_country)))

# %% [markdown] tags=["lang-en"]
# ## Rates by month, holiday and campaign months marked

# %% [markdown] tags=["lang-zh"]
# ## 月度指标(标注节假日与活动月份)

# %%
markers = month_markers(list(ctx.monthly["month"]), ctx.store.con.execute("SELECT * FROM campaigns").df(),
                        country=cfg.holiday_country, lang=lang)
view = period_view(ctx.monthly, markers)
fig, ax = plt.subplots(figsize=(12, 4.5))
plot_period_rates(view, lang=lang, ax=ax)
plt.show()
display(styled(period_table(view, lang), lang, "rates-by-month"))

# %% [markdown] tags=["lang-en"]
# ## Campaign effects

# %% [markdown] tags=["lang-zh"]
# ## 活动效果

# %%
if len(effects):
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(effects) + 1.5))
    plot_campaign_effects(effects, lang=lang, ax=ax)
    plt.show()
    display(styled(campaign_table(effects, lang), lang, "campaigns"))
else:
    display(Markdown(L.for_page(note("no_campaigns", lang))))
if skipped:
    display(Markdown(skipped))

# %% [markdown] tags=["lang-en"]
# ## AARRR funnel by entry month and stickiness

# %% [markdown] tags=["lang-zh"]
# ## 漏斗与粘性

# %%
funnel = cohort_funnel(ctx.lifecycle, referral_events=ctx.cfg.referral_events)
fig, ax = plt.subplots(figsize=(12, 4))
plot_funnel(funnel, lang=lang, ax=ax)
plt.show()
shown = funnel.tail(6)
shown.attrs = funnel.attrs
display(styled(funnel_table(shown, lang, cfg.currency), lang, "funnel"))
notes = funnel_notes(funnel, lang)
if notes:
    display(Markdown("\n".join(f"- {L.for_page(n)}" for n in notes)))
fig, ax = plt.subplots(figsize=(12, 3.5))
plot_stickiness(stickiness(daily, ctx.monthly), lang=lang, ax=ax)
plt.show()

# %%
display(Markdown(glossary("periods", lang)))

# %% [markdown] tags=["interactive-only", "lang-en"]
# ## Explore
# In JupyterLab, pick a holiday window to see its daily users against its baseline, last year's same festival
# beside it; pick a campaign to see its arms, the difference with its interval and the sample-ratio check.

# %% [markdown] tags=["interactive-only", "lang-zh"]
# ## 交互探索
# 在 JupyterLab 中选择节假日窗口,查看其日活与基线的对比(旁边是去年同一节日);选择活动,查看实验组与对照组、
# 差值及其区间和分组比例检查。

# %% tags=["interactive-only"]
if interactive:
    from toolkit.report.widgets import PeriodExplorer
    display(PeriodExplorer(daily, lifts, effects, lang=lang, country=cfg.holiday_country, weeks=weeks).widget)
