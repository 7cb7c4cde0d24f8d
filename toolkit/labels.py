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
}


def t(key: str, lang: str = "zh") -> str:
    en, zh = TEXT[key]
    return zh if lang == "zh" else en


def state(name: str, lang: str = "zh") -> str:
    return (STATE_ZH.get(name, STATE_EN.get(name, name)) if name != "not entered" else t("not entered", lang)) \
        if lang == "zh" else STATE_EN.get(name, name)


def rate(name: str, lang: str = "zh") -> str:
    return RATE_ZH.get(name, name) if lang == "zh" else RATE_EN.get(name, name)
