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
# # Value and risk
#
# Who is worth the most (RFM value tiers), who is likely to go quiet next month (churn early
# warning, with its accuracy measured on a month the model never saw), which monthly KPIs move
# together, and which ideas to try first (ICE).

# %% [markdown] tags=["lang-zh"]
# # 用户价值与流失预警
#
# 谁最有价值(RFM 价值分层)、谁下月可能不再活跃(流失预警,并在模型未见过的月份上检验准确度)、
# 哪些月度指标同向变动(指标相关性),以及先做哪些想法(ICE 排序)。

# %% tags=["parameters"]
data_dir: str = ""        # data folder; empty means data_dir of toolkit.yaml
month: str = ""           # reporting month YYYY-MM; empty means the last complete month
language: str = ""        # zh or en; empty means the configuration's
config: str = ""          # configuration file; empty means toolkit.yaml
window: int = 12          # RFM window in months
bins: int = 5             # RFM score bins (quantiles)
train_months: int = 6     # months of known outcome each churn model learns from
ideas: str = ""           # ideas table; empty means ideas.csv in the data folder (none: no ICE table)
interactive: bool = True  # show ipywidgets controls (reports run with False)

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from toolkit.analyses.churn_risk import churn_risk, risk_by, untested_words
from toolkit.analyses.holiday_lift import daily_users
from toolkit.analyses.ideas import ideas_file, month_ideas
from toolkit.analyses.kpis import MIN_MONTHS, correlations, describe_pairs, monthly_kpis, strongest_pairs
from toolkit.analyses.preferences import preference_shares
from toolkit.analyses.value import rfm_scores, tier_state_matrix, tier_summary
from toolkit.errors import ConfigError
from toolkit.report import labels as L
from toolkit.report import value_risk as V
from toolkit.report.context import open_report
from toolkit.report.plots import use_cjk_font
from toolkit.report.tables import show_findings, styled

use_cjk_font()
ctx = open_report(data_dir=data_dir, month=month, language=language, config=config)
if interactive:   # which data and settings this run reads (a toolkit.yaml in the data folder has its own)
    display(Markdown(ctx.source_line()))
lang, con, lc = ctx.language, ctx.store.con, ctx.lifecycle
history = ctx.history_note()   # months without events, registrations before the events (as on the lifecycle page)
if history:
    display(Markdown(f"**⚠ {history}**"))
scores = rfm_scores(con, ctx.month, window=window, bins=bins)
mode = scores.attrs["mode"]
states = lc.user_states(ctx.month, ctx.churn_after)
summary = tier_summary(scores)
matrix = tier_state_matrix(scores, states)
try:
    risk = churn_risk(lc, ctx.month, churn_after=ctx.churn_after, train_months=train_months, lang=lang,
                      with_reasons=False)
except ConfigError:
    risk = None
# the month's preference tags of every entered user, once: for the risk by tag and the ideas' reach
prefs = preference_shares(con, ctx.month, active_events=lc.active_events, signal_events=lc.signal_events,
                          users=states["user_id"])[["user_id", "tags", "primary_tag"]]
if risk is not None:
    scored = (risk.scores.merge(prefs[["user_id", "primary_tag"]], on="user_id", how="left")
              .merge(scores[["user_id", "tier"]], on="user_id", how="left"))
    by_state = risk_by(scored, "state")
    by_tier = risk_by(scored.fillna({"tier": "none"}), "tier")
    by_tag = risk_by(scored, "primary_tag").sort_values("mean_probability", ascending=False)
campaign_table = con.execute("SELECT * FROM campaigns").df()
kpis = monthly_kpis(lc, ctx.monthly, daily_users(con, active_events=lc.active_events, signal_events=lc.signal_events),
                    campaigns=campaign_table, country=ctx.cfg.holiday_country, schedule=ctx.holiday_schedule,
                    until=ctx.month, from_month=lc.settled_month(ctx.churn_after))
corr = correlations(kpis)
# in words only the month-on-month changes over enough months: levels correlate whenever two KPIs both trend
# ("new users and pushes trended together +0.94"), and nine months make chance correlations common
change_pairs = strongest_pairs(corr["pearson_change"], corr["n_change"])
change_words = describe_pairs(change_pairs[~change_pairs["few_months"].astype(bool)], lang, V.kpi, changes=True)
ideas_path = ideas_file(ctx.cfg.data_dir, ideas or None)
ranked = month_ideas(lc, ctx.month, ideas_path, churn_after=ctx.churn_after, states=states,
                     prefs=prefs) if ideas_path else None

# %% [markdown] tags=["lang-en"]
# ## Findings

# %% [markdown] tags=["lang-zh"]
# ## 结论

# %%
found = V.findings(summary, risk, change_words, ranked, lang, mode, by_tier=by_tier if risk is not None else None,
                   window=V.months_covered(ctx.monthly, ctx.month, window), by_state=by_state if risk is not None else None)
# the summary: the tiers, the expected churn and the most valuable tier's, the riskiest state, and how far the
# model is to be trusted
show_findings("value_risk", found, summary=found[:3] + V.model_trust(found[3:]))
_ = V.record_value_risk(ctx, summary, risk, corr, ranked, mode)

# %% [markdown] tags=["lang-en"]
# ## Value tiers (RFM)
# Recency, frequency and monetary over the window, each scored by quantile; a tier is named by
# which of the three are high. Users without an order (or activity) in the window have no tier.

# %% [markdown] tags=["lang-zh"]
# ## 用户价值分层(RFM)
# 窗口内的最近间隔、频次与金额按分位数打分,按三者高低命名分层;窗口内没有购买(或活跃)的用户不分层。

# %%
if mode == "rf":
    display(Markdown(L.t("vr_rf_note", lang)))
display(styled(V.tier_table(summary, lang, ctx.cfg.currency), lang, "value_tiers"))
fig, ax = plt.subplots(figsize=(9, 5))
V.plot_tier_state(matrix, lang=lang, ax=ax)
plt.show()

# %% [markdown] tags=["lang-en"]
# ## Churn early warning
# For each user active this month, the probability of being inactive next month. Two models are
# fitted on earlier months, the better one on a validation month is chosen, and both are tested on
# the latest month whose outcome is known, beside a baseline that uses recency alone.

# %% [markdown] tags=["lang-zh"]
# ## 流失预警
# 对本月每位活跃用户,估计其下月不活跃的概率。两种模型在更早的月份上训练,按验证月表现选用较好者,
# 并在最近一个已知结果的月份上检验,同时列出仅按最近活跃天数的基线。

# %%
if risk is None:
    display(Markdown(L.t("vr_no_churn", lang)))
else:
    head = (f"在验证月 {risk.validation_month} 上选用模型(以其之前的月份训练);评估月 {risk.eval_month}"
            f"(以 {risk.train_months[0]} 至 {risk.train_months[1]} 训练)。" if lang == "zh" else
            f"Model chosen on {risk.validation_month} (trained on the months before it); evaluated on "
            f"{risk.eval_month} after training on {risk.train_months[0]} to {risk.train_months[1]}.")
    display(Markdown(head))
    if V.training_note(risk, train_months, lang):      # a short history: fewer months than train_months
        display(Markdown(V.training_note(risk, train_months, lang)))
    if risk.untested:                                   # a handful of users: no accuracy to read in the table
        display(Markdown("⚠ " + untested_words(risk, lang)))
    display(styled(V.evaluation_table(risk.evaluation, lang, risk.month), lang, "churn_model"))
    fig, ax = plt.subplots(figsize=(5.5, 5))
    V.plot_calibration(risk.calibration, lang=lang, ax=ax)
    plt.show()

# %% [markdown] tags=["lang-en"]
# ### Risk by lifecycle state, value tier and primary tag

# %% [markdown] tags=["lang-zh"]
# ### 各分群、各价值分层与各主标签的流失风险

# %%
if risk is not None:
    with_tags = len(by_tag) > 1     # without feature categories every user has the same tag: no one-bar chart
    # one probability scale for all, so that bars of equal length are equal risks; two charts a row
    fig, axes = plt.subplots(2 if with_tags else 1, 2, figsize=(13, 8.5 if with_tags else 4.2), squeeze=False,
                             sharex=True)
    V.plot_risk_by(by_state, "state", lang=lang, names=lambda s: L.state(s, lang), ax=axes[0, 0])
    V.plot_risk_by(by_tier, "tier", lang=lang, names=lambda t: V.tier(t, lang, mode), ax=axes[0, 1])
    if with_tags:
        V.plot_risk_by(by_tag, "primary_tag", lang=lang, names=lambda c: L.category(c, lang), ax=axes[1, 0])
        axes[1, 1].axis("off")
    for ax, key in zip(axes.flat, ["vr_by_state", "vr_by_tier", "vr_by_tag"]):
        ax.set_title(L.t(key, lang))
        ax.xaxis.set_tick_params(labelbottom=True)    # sharex hides the upper row's tick labels
    plt.tight_layout()
    plt.show()
    display(styled(V.risk_table(by_state, "state", lang, lambda s: L.state(s, lang)), lang, "risk_by_state"))
    display(styled(V.risk_table(by_tier, "tier", lang, lambda t: V.tier(t, lang, mode)), lang, "risk_by_tier"))
    if with_tags:
        display(styled(V.risk_table(by_tag, "primary_tag", lang, lambda c: L.category(c, lang)), lang, "risk_by_tag"))
    else:
        display(Markdown(L.t("vr_no_tag_risk", lang)))
else:
    display(Markdown(L.t("vr_no_risk_by", lang)))

# %% [markdown] tags=["lang-en"]
# ## KPI correlations
# Spearman correlation of the monthly levels (lower left is the same as upper right); with fewer than
# 12 months behind them the page says so. Correlation is association, not cause.

# %% [markdown] tags=["lang-zh"]
# ## 指标相关性
# 月度指标水平的 Spearman 相关系数;背后不足 12 个月时页面会说明。相关不代表因果。

# %%
if int(corr["n_spearman"].to_numpy().max()) < MIN_MONTHS:
    display(Markdown(L.t("vr_few_months", lang)))
fig, ax = plt.subplots(figsize=(10, 8))     # cell numbers readable (about 6 px high at 8 x 6.5)
V.plot_kpi_heatmap(corr["spearman"], lang=lang, ax=ax)
plt.show()
if change_words:
    display(Markdown(("**环比变化(皮尔逊相关)**\n" if lang == "zh" else "**Month-on-month changes (Pearson)**\n")
                     + "\n".join(f"- {s}" for s in change_words)))

# %% [markdown] tags=["lang-en"]
# ## Ideas ranked by ICE
# Impact, confidence and ease are the analyst's scores (1-10); reach is the users in each idea's
# target this month, filled in by the toolkit.

# %% [markdown] tags=["lang-zh"]
# ## ICE 排序
# 影响、信心与容易度由分析师打分(1-10);覆盖人数为本月目标人群的用户数,由工具计算。

# %%
if ranked is None:
    display(Markdown(L.for_page(L.t("vr_no_ideas", lang))))
else:
    display(styled(V.ideas_table(ranked, lang), lang, "ideas"))

# %%
display(Markdown(L.glossary("value_risk", lang)))

# %% [markdown] tags=["interactive-only", "lang-en"]
# ## Explore: whom to reach before they go quiet
# Pick a value tier, a lifecycle state, a primary tag (with a feature map) and the lowest churn probability: the chart shows the
# probabilities of the users of that tier, state and tag, the table the riskiest of them with the model's
# reasons, and *Save the list* writes every chosen user to a CSV or Excel file beside this notebook.

# %% [markdown] tags=["interactive-only", "lang-zh"]
# ## 交互探索:在用户沉默之前触达谁
# 选择价值分层、用户分群、主标签(配置了功能映射时)和最低流失概率:图中是所选分层、分群与标签用户的流失概率分布,表中是其中风险最高的
# 用户及模型给出的原因;"保存名单"把所有选中的用户写入本笔记本旁的 CSV 或 Excel 文件。

# %% tags=["interactive-only"]
if interactive and risk is not None:
    from toolkit.report.widgets import RiskExplorer
    display(RiskExplorer(risk, scored, lang=lang, mode=mode).widget)
elif interactive:
    display(Markdown(L.t("vr_no_contact_list", lang)))
