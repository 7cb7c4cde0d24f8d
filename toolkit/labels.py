"""Labels for charts and reports in English or Chinese (the analysts' terms of domain.md)."""
from __future__ import annotations

from .lifecycle import RATE_ZH, STATE_ZH

STATE_EN = {"new": "new", "new_retained": "retained new", "active": "active", "woken": "woken",
            "returned": "returned", "dormant": "dormant", "churned": "churned",
            "churned_signal": "churned, still drives", "churned_silent": "churned, silent",
            "not entered": "not yet entered"}
RATE_EN = {"retention_old": "old-user retention", "retention_new": "new-user retention", "wake_rate": "wake rate",
           "return_rate": "return rate", "active_rate": "monthly active rate"}
TEXT = {
    "users": ("users", "用户数"),
    "month": ("month", "月份"),
    "rate": ("rate", "比率"),
    "target": ("target", "目标"),
    "states_over_time": ("Users by lifecycle state", "用户分群变化"),
    "active_rate_vs_target": ("Monthly active rate against target", "月活率与目标"),
    "mau_bridge": ("From last month's MAU to this month's", "月活桥图:上月到本月"),
    "four_rates": ("The four rates", "4大指标"),
    "transitions": ("Where last month's users went (share of row)", "用户群体迁移(行占比)"),
    "from": ("last month", "上月"),
    "to": ("this month", "本月"),
    "not entered": ("not yet entered", "未注册"),
    # the JupyterLab controls (toolkit/widgets.py, toolkit/period_detail.py)
    "all": ("(all)", "(全部)"),
    "all_states": ("all states", "全部分群"),
    "state": ("state", "分群"),
    "category": ("category", "类别"),
    "churn_window": ("churn window k (months)", "流失标准 k(月)"),
    "chosen_month": ("chosen month", "所选月份"),
    "share_of_active_days": ("mean share of active days", "平均使用天数占比"),
    "holiday_window": ("holiday window", "节假日"),
    "campaign": ("campaign", "活动"),
    "daily_users": ("daily active users", "日活跃用户"),
    "baseline_days": ("baseline days (same weekdays around)", "基线日(前后同星期几)"),
    "lift": ("lift", "提升"),
    "no_lift": ("no lift (too few baseline days)", "无提升估计(基线日不足)"),
    "no_last_year": ("no window of this festival a year earlier in the data", "数据中没有去年同节日"),
    "last_year": ("same festival last year", "去年同节日"),
    "treatment": ("treatment", "实验组"),
    "control": ("control", "对照组"),
    "difference": ("difference", "差值"),
    "srm_ok": ("arm sizes as planned", "分组比例符合计划"),
    "srm_flag": ("sample ratio mismatch: check the split", "样本比例不符(SRM):请检查分组"),
    "no_campaigns": ("No campaigns with members in the data.", "数据中没有活动。"),
    "no_windows": ("No holiday windows in the data.", "数据中没有节假日窗口。"),
    "control arm": ("control arm", "对照组实验"),
    "diff-in-diff": ("diff-in-diff", "双重差分"),
}


def t(key: str, lang: str = "zh") -> str:
    en, zh = TEXT[key]
    return zh if lang == "zh" else en


def state(name: str, lang: str = "zh") -> str:
    return (STATE_ZH.get(name, STATE_EN.get(name, name)) if name != "not entered" else t("not entered", lang)) \
        if lang == "zh" else STATE_EN.get(name, name)


def rate(name: str, lang: str = "zh") -> str:
    return RATE_ZH.get(name, name) if lang == "zh" else RATE_EN.get(name, name)
