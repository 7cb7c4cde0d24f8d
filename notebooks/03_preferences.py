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
# # Preferences and automated scenes
#
# For each user, the share of active days in the last three months on which a
# feature category was used; a user carries every tag whose share reaches the
# threshold. Scene rules push content to users by state, months inactive and
# tag, holding out a random control group to measure the effect.

# %% [markdown] tags=["lang-zh"]
# # 用户偏好标签与自动化场景
#
# 对每位用户,计算近三个月活跃天数中使用各功能类别的天数占比;占比达到阈值的类别即为用户的标签。
# 自动化场景按分群、未活跃月数和标签向用户推送内容,并随机留出对照组以衡量效果。

# %% tags=["parameters"]
data_dir: str = ""        # data folder; empty means data_dir of toolkit.yaml
month: str = ""           # reporting month YYYY-MM; empty means the last complete month
language: str = ""        # zh or en; empty means the configuration's
config: str = ""          # configuration file; empty means toolkit.yaml
threshold: float = 0.3    # share of active days that makes a tag
rules: str = ""           # scene rules file; empty means scene_rules.csv in the data folder (none: no scenes)
interactive: bool = True  # show ipywidgets controls (reports run with False)

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from toolkit.report.context import open_report
from toolkit.report.findings import preference_findings
from toolkit.report.preference_plots import plot_state_category, plot_tag_distribution, plot_tag_movement
from toolkit.analyses.preferences import (all_states_mean_share, state_category_matrix, tag_distribution,
                                         window_preferences, window_tag_movement)
from toolkit.months import last_day, previous_month
from toolkit.report.plots import use_cjk_font
from toolkit.report import labels as L
from toolkit.report.labels import glossary, note
from toolkit.analyses.preferences import categories
from toolkit.report.tables import (record_preferences, scene_months_table, scene_table, show_findings, styled,
                                   tag_table)
from toolkit.analyses.scenes import audience, evaluate, load_rules, rules_for

use_cjk_font()
ctx = open_report(data_dir=data_dir, month=month, language=language, config=config)
if interactive:   # which data and settings this run reads (a toolkit.yaml in the data folder has its own)
    display(Markdown(ctx.source_line()))
lang = ctx.language
# users with activity in the window one by one, the others counted (no tag: 'unknown')
window = window_preferences(ctx.lifecycle, ctx.month, ctx.churn_after, threshold=threshold)
prev = window_preferences(ctx.lifecycle, previous_month(ctx.month), ctx.churn_after, threshold=threshold)
dist = tag_distribution(window.prefs, window.unknown_total)
mean_share, tagged_share = state_category_matrix(window.prefs)
rules_file = rules_for(ctx.cfg.data_dir, rules or None)
rule_table = load_rules(rules_file, categories(ctx.store.con)) if rules_file else None
has_categories = len(categories(ctx.store.con)) > 1   # more than 'other': the data have a feature_map
# pushes whose 30 days ended by the month's end: a report quotes no later push, nor one whose outcome is not in yet
evaluation = evaluate(ctx.store.con, active_events=ctx.cfg.active_events, signal_events=ctx.cfg.signal_events,
                      until=last_day(ctx.month))

# %% [markdown] tags=["lang-en"]
# ## Findings

# %% [markdown] tags=["lang-zh"]
# ## 结论

# %%
findings = preference_findings(dist, mean_share, evaluation, lang) if has_categories else [note("no_feature_map", lang)]
show_findings("preferences", findings, summary=findings[:3])
_ = record_preferences(ctx, dist, evaluation)

# %% [markdown] tags=["lang-en"]
# ## Tag distribution

# %% [markdown] tags=["lang-zh"]
# ## 标签分布

# %%
if has_categories:
    fig, ax = plt.subplots(figsize=(8, 4))
    plot_tag_distribution(dist, lang=lang, ax=ax)
    plt.show()
    display(styled(tag_table(dist, lang), lang, "tags"))
else:
    display(Markdown(note("no_feature_map_again", lang)))

# %% [markdown] tags=["lang-en"]
# ## Preferences by lifecycle state

# %% [markdown] tags=["lang-zh"]
# ## 群体偏好

# %%
if has_categories:
    fig, ax = plt.subplots(figsize=(9, 5))
    plot_state_category(mean_share, lang=lang, ax=ax)
    plt.show()
else:
    display(Markdown(note("no_feature_map_again", lang)))

# %% [markdown] tags=["lang-en"]
# ## How primary tags moved since last month

# %% [markdown] tags=["lang-zh"]
# ## 标签迁移

# %%
if has_categories:
    fig, ax = plt.subplots(figsize=(9, 5.5))
    plot_tag_movement(window_tag_movement(prev, window), lang=lang, ax=ax)
    plt.show()
else:
    display(Markdown(note("no_feature_map_again", lang)))

# %% [markdown] tags=["lang-en"]
# ## Scene rules
# Audience: users each rule would select for next month, from this month's states and tags.
# Lift: reactivation within 30 days of the push, treatment minus control, over all months evaluated.

# %% [markdown] tags=["lang-zh"]
# ## 自动化场景
# 受众:按本月的分群与标签,各规则下月将选中的用户。提升:推送后 30 天内的回访率,实验组减对照组,汇总所有已评估月份。

# %%
if rule_table is not None:
    next_month = ctx.plan_months()[0]
    display(styled(scene_table(audience(ctx.lifecycle, rule_table, next_month, ctx.churn_after,
                                        window=window), evaluation, lang), lang, "scenes"))
else:
    display(Markdown(L.for_page(note("no_rules", lang))))

# %% [markdown] tags=["lang-en"]
# ### Scene results by push month
# The last six push months evaluated (pushes whose 30 days ended by this month's end).

# %% [markdown] tags=["lang-zh"]
# ### 各推送月份的场景效果
# 最近六个已评估的推送月份(推送后 30 天在本月底前结束的推送)。

# %%
by_month = scene_months_table(evaluation, lang)
if len(by_month):
    display(styled(by_month, lang, "scenes-by-month"))
else:        # a heading with nothing under it read as a table that failed to load
    display(Markdown(L.t("no_scene_months" if ctx.store.has("pushes") else "no_pushes", lang)))

# %%
display(Markdown(glossary("preferences", lang, threshold=threshold)))

# %% [markdown] tags=["interactive-only", "lang-en"]
# ## Explore
# Pick a lifecycle state to see its category shares, or a category to see it across states.

# %% [markdown] tags=["interactive-only", "lang-zh"]
# ## 交互探索
# 选择一个用户分群查看其各类别占比,或选择一个类别查看它在各分群中的占比。

# %% tags=["interactive-only"]
if interactive and has_categories:
    from toolkit.report.widgets import PreferenceExplorer
    display(PreferenceExplorer(mean_share, lang, overall=all_states_mean_share(window.prefs)).widget)
elif interactive:     # without a feature_map every day is 'other': nothing to explore
    display(Markdown(note("no_feature_map_again", lang)))
