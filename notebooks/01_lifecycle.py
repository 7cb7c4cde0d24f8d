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

# %% [markdown]
# # Lifecycle: states, active rate and the four rates · 用户分群与月活率
#
# Every user who has entered is in exactly one of seven states each month; the
# monthly active rate (月活率) is the active states over all users, and this
# month's active users come from last month's states through four rates.

# %% tags=["parameters"]
data_dir: str = ""        # data folder; empty means data_dir of toolkit.yaml
month: str = ""           # reporting month YYYY-MM; empty means the last complete month
churn_after: int = 0      # churn window k in months (流失标准); 0 means the configuration's (default 2)
target: float = 0.0       # target monthly active rate, e.g. 0.85; 0 means the configuration's
plan_months: str = ""     # months to plan, comma-separated; empty means the three months after `month`
language: str = ""        # zh or en; empty means the configuration's
config: str = ""          # configuration file; empty means toolkit.yaml
interactive: bool = True  # show ipywidgets controls (reports run with False)

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from toolkit.context import open_report
from toolkit.decomposition import decomposition, mau_bridge, transitions
from toolkit.findings import lifecycle_findings
from toolkit.planning import make_plan
from toolkit.plots import plot_active_rate, plot_bridge, plot_rates, plot_states, plot_transitions, use_cjk_font
from toolkit.report_tables import decomposition_table, lifecycle_summary_table, plan_tables, record, styled

use_cjk_font()
ctx = open_report(data_dir=data_dir, month=month, churn_after=churn_after, target=target, language=language,
                  config=config)
monthly, lang = ctx.monthly, ctx.language
display(Markdown(f"**{ctx.month}** · k = {ctx.churn_after} · {ctx.cfg.data_dir.name}"))
if ctx.data_warning:  # rows the store left out of the events (empty or unparseable values, after the horizon)
    display(Markdown(f"**⚠ {ctx.data_warning}**"))

# %% [markdown]
# ## Findings · 结论

# %%
display(Markdown("\n".join(f"- {s}" for s in lifecycle_findings(monthly, ctx.month, ctx.target, lang))))
_ = record(ctx, monthly)

# %% [markdown]
# ## States over time · 用户分群变化

# %%
fig, ax = plt.subplots(figsize=(11, 4.5))
plot_states(monthly, lang=lang, ax=ax)
plt.show()

# %% [markdown]
# ## Active rate against target · 月活率与目标

# %%
fig, ax = plt.subplots(figsize=(11, 4))
plot_active_rate(monthly, ctx.target, lang=lang, ax=ax)
plt.show()
display(styled(lifecycle_summary_table(monthly, lang)))

# %% [markdown]
# ## This month's active users, term by term · 月活拆解
# MAU = new users + old active × old-user retention + last month's new × new-user retention + dormant × wake rate + churned × return rate.

# %%
display(styled(decomposition_table(decomposition(monthly, ctx.month), lang)))
fig, ax = plt.subplots(figsize=(9, 4))
plot_bridge(mau_bridge(monthly, ctx.month), lang=lang, ax=ax)
plt.show()

# %% [markdown]
# ## The four rates · 4大指标

# %%
fig, ax = plt.subplots(figsize=(11, 4))
plot_rates(monthly, lang=lang, ax=ax)
plt.show()

# %% [markdown]
# ## Where last month's users went · 用户群体迁移

# %%
counts, shares = transitions(ctx.lifecycle, ctx.month, ctx.churn_after)
fig, ax = plt.subplots(figsize=(9, 5.5))
plot_transitions(shares, lang=lang, ax=ax)
plt.show()

# %% [markdown]
# ## Plan · 预测达成目标
# Rates default to the best of the last six months; new users to the mean of the last three.

# %%
plan = make_plan(ctx.lifecycle, monthly, ctx.plan_months(plan_months), ctx.target, churn_after=ctx.churn_after)
projection, uplifts = plan_tables(plan, lang)
display(styled(projection))
display(styled(uplifts))
display(Markdown("\n".join(f"- {s}" for s in plan.summary_lines(lang))))

# %% [markdown] tags=["interactive-only"]
# ## Explore · 交互
# In JupyterLab, pick a month and a churn window to redraw the charts.

# %% tags=["interactive-only"]
if interactive:
    from toolkit.widgets import LifecycleExplorer
    display(LifecycleExplorer(ctx).widget)
