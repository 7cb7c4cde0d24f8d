"""Plain-language findings computed from the numbers (no hand-written claims)."""
from __future__ import annotations

import math

import pandas as pd

from . import labels as L

FLOWS = [("new", None), ("active", "retention_old"), ("new_retained", "retention_new"), ("woken", "wake_rate"),
         ("returned", "return_rate")]


def _pct(x):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def flow_changes(monthly: pd.DataFrame, month: str) -> pd.DataFrame:
    """Per flow of the identity: users this month, last month, and the change, largest move first."""
    m = monthly.set_index("month")
    i = list(m.index).index(month)
    if i == 0:
        return pd.DataFrame(columns=["flow", "rate", "users", "users_prev", "change"])
    cur, prev = m.iloc[i], m.iloc[i - 1]
    rows = [{"flow": s, "rate": r, "users": int(cur[s]), "users_prev": int(prev[s]), "change": int(cur[s] - prev[s]),
             "rate_now": cur[r] if r else None, "rate_prev": prev[r] if r else None} for s, r in FLOWS]
    df = pd.DataFrame(rows)
    return df.reindex(df["change"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def lifecycle_findings(monthly: pd.DataFrame, month: str, target: float, lang: str = "zh") -> list[str]:
    """Three to four sentences on the month: the rate against target and last month,
    the flow that moved MAU most, and the rate that changed most."""
    m = monthly.set_index("month")
    cur = m.loc[month]
    i = list(m.index).index(month)
    prev = m.iloc[i - 1] if i > 0 else None
    out = []
    gap = cur["active_rate"] - target
    if lang == "zh":
        s = f"{month} 月活率 {_pct(cur['active_rate'])}(月活 {int(cur['mau']):,} / 累计 {int(cur['cumulative']):,})"
        s += f",{'高于' if gap >= 0 else '低于'}目标 {_pct(target)} {abs(gap) * 100:.1f} 个百分点"
        if prev is not None:
            d = cur["active_rate"] - prev["active_rate"]
            s += f",较上月{'上升' if d >= 0 else '下降'} {abs(d) * 100:.1f} 个百分点"
        out.append(s + "。")
    else:
        s = f"In {month} the monthly active rate was {_pct(cur['active_rate'])} ({int(cur['mau']):,} active of " \
            f"{int(cur['cumulative']):,}), {abs(gap) * 100:.1f} points {'above' if gap >= 0 else 'below'} the " \
            f"{_pct(target)} target"
        if prev is not None:
            d = cur["active_rate"] - prev["active_rate"]
            s += f", {'up' if d >= 0 else 'down'} {abs(d) * 100:.1f} points on last month"
        out.append(s + ".")
    fc = flow_changes(monthly, month)
    if len(fc):
        top = fc.iloc[0]
        name = L.state(top["flow"], lang)
        if lang == "zh":
            s = f"对月活变化影响最大的是「{name}」:{top['users']:,} 人,较上月 {top['change']:+,}"
            if top["rate"]:
                s += f"({L.rate(top['rate'], lang)} {_pct(top['rate_prev'])} → {_pct(top['rate_now'])})"
            out.append(s + "。")
        else:
            s = f"The flow that moved MAU most was '{name}': {top['users']:,} users, {top['change']:+,} on last month"
            if top["rate"]:
                s += f" ({L.rate(top['rate'], lang)} {_pct(top['rate_prev'])} → {_pct(top['rate_now'])})"
            out.append(s + ".")
        rates = fc.dropna(subset=["rate"]).copy()
        rates["d"] = (rates["rate_now"].astype(float) - rates["rate_prev"].astype(float))
        rates = rates.dropna(subset=["d"])
        if len(rates):
            r = rates.loc[rates["d"].abs().idxmax()]
            if lang == "zh":
                out.append(f"变化最大的指标是{L.rate(r['rate'], lang)}:{_pct(r['rate_prev'])} → {_pct(r['rate_now'])}"
                           f"({r['d'] * 100:+.1f} 个百分点)。")
            else:
                out.append(f"The rate that changed most was {L.rate(r['rate'], lang)}: {_pct(r['rate_prev'])} → "
                           f"{_pct(r['rate_now'])} ({r['d'] * 100:+.1f} points).")
    return out
