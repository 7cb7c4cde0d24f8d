"""Target planning (预测达成目标, domain.md section 5): project the lifecycle
states month by month with the identity of the four rates, and the inverse, the
smallest rise of a rate (or of all four) that meets a target active rate."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .lifecycle import RATES, Lifecycle, month_label
from ..months import add_months, month_str, parse_month

PLAUSIBLE_MARGIN = 0.10   # a needed rate more than 10 points above the best month seen is called implausible
PARTIAL_CHECK_POINTS = 0.02   # a rate of last year's month this far below the assumed one is said
ONE_OFF_POINTS = 0.03      # a best month this far above the median month, and alone there, is a one-off (one_off_bests)


@dataclass
class StartState:
    """Users by state at the end of the month before the plan.

    ``dormant[j]`` holds the dormant users inactive for j+1 months (k-1 entries).
    """
    month: str
    new: float
    old_active: float
    dormant: list[float]
    churned: float
    cumulative: float
    churn_after: int = 2

    @classmethod
    def from_lifecycle(cls, lc: Lifecycle, month: str, churn_after: int = 2) -> "StartState":
        """Exact counts of ``month`` from per-user states (dormant split by months inactive)."""
        st = lc.user_states(month, churn_after)
        c = st["state"].value_counts()
        runs = st[st["state"] == "dormant"]["months_inactive"].value_counts()
        return cls(month=month, new=float(c.get("new", 0)),
                   old_active=float(sum(c.get(s, 0) for s in ("new_retained", "active", "woken", "returned"))),
                   dormant=[float(runs.get(j, 0)) for j in range(1, churn_after)],
                   churned=float(c.get("churned", 0)), cumulative=float(len(st)), churn_after=churn_after)


def project(start: StartState, months: list[str], new_users, rates: pd.DataFrame) -> pd.DataFrame:
    """Project the states through ``months`` (one row each) with the identity of section 4.

    Parameters
    ----------
    start : states at the end of the month before ``months[0]``.
    new_users : planned new users, one number per month (or one for all).
    rates : one row per month (index = months) with columns retention_old,
        retention_new, wake_rate, return_rate, each in [0, 1].

    Returns
    -------
    DataFrame: month, new, new_retained, active, woken, returned, dormant,
    churned, mau, cumulative, active_rate and the four rates used.
    """
    k = start.churn_after
    n_new = np.broadcast_to(np.asarray(new_users, dtype=float), (len(months),))
    r_arr = rates.loc[months, RATES].to_numpy(dtype=float)
    rows = _project_arrays(start, k, n_new, r_arr)
    out = pd.DataFrame(rows, columns=["new", "new_retained", "active", "woken", "returned", "dormant", "churned",
                                      "mau", "cumulative"])
    out.insert(0, "month", months)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["active_rate"] = np.where(out["cumulative"] > 0, out["mau"] / out["cumulative"], np.nan)
    for j, c in enumerate(RATES):
        out[c] = r_arr[:, j]
    return out


def _project_arrays(start: StartState, k: int, n_new, r_arr) -> list[tuple]:
    """The projection loop on plain floats (the inverse search calls it thousands of times)."""
    new, old, dormant, churned, cum = start.new, start.old_active, list(start.dormant), start.churned, start.cumulative
    rows = []
    for i in range(len(n_new)):
        ro, rn, w, rr = r_arr[i]
        nr, act, woken, ret = new * rn, old * ro, sum(dormant) * w, churned * rr
        lost = new * (1 - rn) + old * (1 - ro)
        if k == 1:
            churned = churned * (1 - rr) + lost
            dormant = []
        else:
            churned = churned * (1 - rr) + dormant[-1] * (1 - w)
            dormant = [lost] + [d * (1 - w) for d in dormant[:-1]]
        new = float(n_new[i])
        old = nr + act + woken + ret
        cum += new
        rows.append((new, nr, act, woken, ret, sum(dormant), churned, new + old, cum))
    return rows


def _mean_rate(start, n_new, r_arr) -> float:
    rows = _project_arrays(start, start.churn_after, n_new, r_arr)
    return float(np.mean([r[7] / r[8] if r[8] else np.nan for r in rows]))


def settled_history(monthly: pd.DataFrame, months: list[str], settled_from: str | None = None) -> pd.DataFrame:
    """The months of ``monthly`` before the plan whose rates can be taken: from ``settled_from``
    on (the first churn window of the data is a warm-up: its rates depend on what users did
    before the data began, see docs/methodology.md), or every month before the plan when none
    of them is that late."""
    hist = monthly[monthly["month"] < months[0]]
    if settled_from is not None and (hist["month"] >= settled_from).any():
        hist = hist[hist["month"] >= settled_from]
    return hist


def default_rates(monthly: pd.DataFrame, months: list[str], method: str = "best6",
                  settled_from: str | None = None) -> pd.DataFrame:
    """Rates for each plan month from history before the plan (from ``settled_from`` on, see
    :func:`settled_history`).

    ``best6``: the best (highest) value of each rate over the last six months
    before the first plan month.  ``last_year``: the same calendar month a year
    earlier, falling back to best6 where that month is missing or empty.
    """
    if method not in ("best6", "last_year"):
        raise ConfigError(f"rate method must be 'best6' or 'last_year', got {method!r}.")
    hist = settled_history(monthly, months, settled_from).set_index("month")
    if hist.empty:
        raise ConfigError(f"No history before {months[0]} to take rates from; plan later months.")
    best = hist[RATES].tail(6).max()
    rows = {}
    for m in months:
        r = best.copy()
        if method == "last_year":
            ly = month_str(add_months(parse_month(m), -12))
            if ly in hist.index:
                r = hist.loc[ly, RATES].where(hist.loc[ly, RATES].notna(), best)
        rows[m] = r.fillna(0.0)
    return pd.DataFrame(rows).T[RATES].astype(float)


def default_new_users(monthly: pd.DataFrame, months: list[str]) -> float:
    """Planned new users per month by default: the mean of the last three months before the plan."""
    hist = monthly[monthly["month"] < months[0]]
    return float(hist["new"].tail(3).mean())


def _average_rate(start, r_base: np.ndarray, n_new: np.ndarray, cols: list[int], delta: float) -> float:
    r = r_base.copy()
    r[:, cols] = np.minimum(1.0, r[:, cols] + delta)
    return _mean_rate(start, n_new, r)


def required_uplift(start: StartState, months: list[str], new_users, rates: pd.DataFrame, target: float,
                    which=RATES) -> dict:
    """The smallest rise (in rate points, added to every plan month, capped at 1) of the
    rates in ``which`` for which the average projected active rate reaches ``target``.

    Returns a dict: rates, uplift (None when unreachable), reachable, average_rate
    (at the uplift, or at the cap when unreachable).  The search walks a grid of
    0.0005 and refines by bisection, so it does not assume the average rises
    monotonically with every rate.
    """
    which = list(which)
    r_base = rates.loc[months, RATES].to_numpy(dtype=float)
    n_new = np.broadcast_to(np.asarray(new_users, dtype=float), (len(months),))
    cols = [RATES.index(c) for c in which]
    avg = lambda d: _average_rate(start, r_base, n_new, cols, d)  # noqa: E731
    name = "+".join(which)
    base = avg(0.0)
    if base >= target:
        return {"rates": name, "uplift": 0.0, "reachable": True, "average_rate": base}
    prev = 0.0
    for d in np.arange(0.0005, 1.0 + 1e-9, 0.0005):
        if avg(d) >= target:
            lo, hi = prev, d
            for _ in range(30):
                mid = (lo + hi) / 2
                lo, hi = (lo, mid) if avg(mid) >= target else (mid, hi)
            return {"rates": name, "uplift": hi, "reachable": True, "average_rate": avg(hi)}
        prev = d
    return {"rates": name, "uplift": None, "reachable": False, "average_rate": avg(1.0)}


def shown_needed(needed, uplift):
    """The rate a rise needs as pages show it: the shown rate plus the shown rise, each to a tenth of
    a point (45.7% + 27.6 points read as 73.3%, and the page said 73.2%: each was rounded on its
    own); at most 100%.  None stays None."""
    if needed is None or uplift is None or pd.isna(needed) or pd.isna(uplift):
        return needed
    return min(1.0, round(needed - uplift, 3) + round(uplift, 3))


@dataclass
class Plan:
    """A projection for some months and what it takes to meet the target."""
    target: float
    months: list[str]
    start: StartState
    rates: pd.DataFrame
    new_users: list[float]
    projection: pd.DataFrame
    uplifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    peak_month: str | None = None   # the one month all four default rates (best of six) come from
    best_case_rate: float | None = None   # the average with every rate at its best month in the data
    seasonal_rate: float | None = None    # with a peak month: the average at last year's rates of the plan months
    no_last_year: list = field(default_factory=list)   # with a peak month: last year's months the data do not hold
    one_off_bests: list = field(default_factory=list)  # (rate, month, best, median): a best month far above the usual
    next_best_rate: float | None = None   # best_case_rate with the one-off bests at their next best months
    campaigns: pd.DataFrame | None = None  # the campaigns table: a one-off best month names the campaigns in it
    # with a peak month and only some of last year's months in the data: (last year's month, plan month, rate,
    # its value then, the value assumed) for each rate well below the one assumed
    last_year_below: list = field(default_factory=list)

    @property
    def average_rate(self) -> float:
        return float(self.projection["active_rate"].mean())

    @property
    def met(self) -> bool:
        return self.average_rate >= self.target

    def summary_lines(self, lang: str = "en") -> list[str]:
        """The plan in plain words: the projected average, then what each rate would need."""
        from ..report import labels as L
        zh = lang == "zh"
        peak = self.peak_month
        if zh:
            verdict = (f"按 {peak} 的比率可达成" if peak else "可达成") if self.met else "未达成"
            lines = [f"以 {self.start.month} 的用户分群为起点,{'、'.join(self.months)} 的预测平均月活率为 "
                     f"{self.average_rate:.1%},目标 {self.target:.1%}({verdict})。"]
        else:
            verdict = (f"met at the rates of {peak}" if peak else "met") if self.met else "not met"
            lines = [f"Plan for {', '.join(self.months)} from the states of {self.start.month}: average projected "
                     f"active rate {self.average_rate:.1%} against a target of {self.target:.1%} ({verdict})."]
        if peak:      # a retailer's pre-Christmas month as every rate's "best": said, not assumed quietly
            lines.append(f"四项比率都取自 {peak}(近六个月中各项最佳的都是这个月):预测假设该月的水平在计划各月延续。"
                         if zh else f"All four rates are those of {peak}, the best month of the last six for "
                         "each: the projection assumes that month's level holds through the plan.")
            if self.seasonal_rate is not None:
                met = self.seasonal_rate >= self.target
                lines.append(f"按去年同月的比率计(预测方法 last_year),平均月活率为 "
                             f"{self.seasonal_rate:.1%}({'可达成' if met else '未达成'})。" if zh else
                             f"At last year's rates of the same months (toolkit plan --rate-method last_year) the "
                             f"average would be {self.seasonal_rate:.1%} ({'met' if met else 'not met'}).")
            elif self.no_last_year:   # nothing to check the peak against: said, not a second average at the peak
                gone = "、".join(self.no_last_year) if zh else ", ".join(self.no_last_year)
                lines.append(f"数据中没有去年同月({gone})可用的比率(数据尚未覆盖,或处于数据开头的预热期),无法用去年同期"
                             f"检验这一假设:若 {peak} 是旺季,预测偏高。" if zh else
                             f"The data hold no rates for last year's same months ({gone}: before the data, or in its "
                             f"first churn window), so the assumption cannot be checked against last year: if {peak} "
                             "was a seasonal peak, the projection is too high.")
                if self.last_year_below:    # the months it does hold say something (a shop's February)
                    seen = [(f"{ly} 的{L.rate(c, lang)} {v:.1%}(计划 {m} 假设 {a:.1%})" if zh else
                             f"{L.rate(c, lang)} {v:.1%} in {ly} against {a:.1%} assumed for {m}")
                            for ly, m, c, v, a in self.last_year_below]
                    lines.append("数据中已有的去年同月比率低于假设:" + "、".join(seen) + ";预测很可能偏高。" if zh else
                                 "Last year's months that the data hold fall short of the assumption: "
                                 + "; ".join(seen) + ". The projection is likely too high.")
        ups = self.uplifts
        # "combine rates instead" only when a combination is a plausible way to the target
        combo_ok = any(u["reachable"] and not u.get("implausible") and "+" in u["rates"] for _, u in ups.iterrows())
        if "implausible" in ups:   # plausible rises first, the combination of all four before single rates
            ups = ups.assign(_order=[(bool(u.get("implausible")) or not u["reachable"], "+" not in u["rates"])
                                     for _, u in ups.iterrows()]).sort_values("_order", kind="stable")
        for _, u in ups.iterrows():
            if u["uplift"] == 0:
                continue
            names = (" + " if not zh else "、").join(L.rate(x, lang) for x in u["rates"].split("+"))
            if u["reachable"] and u.get("implausible"):
                best, combo = u["best_seen"], "+" in u["rates"]
                u = dict(u, needed_max=shown_needed(u["needed_max"], u["uplift"]))
                which = L.rate(u["needed_rate"], lang) if combo and u.get("needed_rate") else ""
                if zh:
                    lines.append(f"{'同时提升' if combo else '仅靠'}{names}不现实:需{'各' if combo else ''}提升 "
                                 f"{u['uplift'] * 100:.1f} 个百分点{'(最高至 100%)' if combo else ''},"
                                 + (f"其中{which}需达 {u['needed_max']:.1%},远高于其最佳月份 {best:.1%}" if which else
                                    f"最高需达 {u['needed_max']:.1%},远高于数据中的最佳月份 {best:.1%}")
                                 + f"(超出 {PLAUSIBLE_MARGIN * 100:.0f} 个百分点以上即视为不现实)"
                                 + ("。" if combo or not combo_ok else ";请组合提升多个指标。"))
                else:
                    lines.append(f"Raising {names}{'' if combo else ' alone'} is implausible: it would need a rise of "
                                 f"{u['uplift'] * 100:.1f} points" + (f" in each (none above 100%), which takes {which} to "
                                 f"{u['needed_max']:.1%}, far above its best month" if which else
                                 f", to {u['needed_max']:.1%}, far above the best month")
                                 + f" in the data ({best:.1%}; more than {PLAUSIBLE_MARGIN * 100:.0f} points above the "
                                 "best counts as implausible)" + ("." if combo or not combo_ok else ". Combine rates instead."))
            elif u["reachable"]:
                lines.append(f"{names} 提升 {u['uplift'] * 100:.1f} 个百分点即可达成。" if zh else
                             f"Raising {names} by {u['uplift'] * 100:.1f} points meets it.")
            else:
                lines.append(f"仅提升{names}无法达成:即使达到 100%,平均月活率也只有 {u['average_rate']:.1%}。" if zh else
                             f"Raising {names} alone cannot meet it: even at 100% the average is "
                             f"{u['average_rate']:.1%}.")
        return lines + self._reference(lang)

    def _reference(self, lang: str) -> list[str]:
        """When nothing plausible meets the target: what the data put within reach, for a target
        to set (one line, or none)."""
        plausible = any(u["reachable"] and not u.get("implausible") for _, u in self.uplifts.iterrows())
        if self.met or plausible or self.best_case_rate is None:
            return []
        from ..report import labels as L
        zh = lang == "zh"
        line = (f"现实参考:若四项比率都回到数据中各自最佳月份的水平,平均月活率为 {self.best_case_rate:.1%};"
                "目标在此之上需要数据中从未出现过的比率。" if zh else
                f"For a realistic target: with every rate back at its best month in the data, the average "
                f"would be {self.best_case_rate:.1%}; a target above it needs rates the data never showed.")
        # a best month that was a one-off (a campaign's spike) makes the reference high: said, with
        # the average at those rates' next best months
        from .periods import campaigns_in
        odd = []
        for r, m, b, med in self.one_off_bests:
            ran = ", ".join(campaigns_in(self.campaigns, m))    # a campaign's month: it can be run again
            odd.append(f"{L.rate(r, lang)} {m} 的 {b:.1%}(通常 {med:.1%}{';该月有活动 ' + ran if ran else ''})" if zh
                       else f"{L.rate(r, lang)} {b:.1%} in {m} against a usual {med:.1%}"
                       + (f", the month of campaign {ran}" if ran else ""))
        if odd and self.next_best_rate is not None:
            one = len(odd) == 1
            count = {1: "One", 2: "Two", 3: "Three", 4: "All four"}[len(odd)]
            line += ("其中" + "、".join(odd) + "是一次性的高点:改用其次佳月份,平均月活率为 "
                     f"{self.next_best_rate:.1%}。" if zh else
                     f" {count} of those best months {'was a one-off high' if one else 'were one-off highs'} "
                     f"({'; '.join(odd)}): with {'that rate at its' if one else 'those rates at their'} next best "
                     f"month, {self.next_best_rate:.1%}.")
        return [line]

    def headline_lines(self, lang: str = "en") -> list[str]:
        """The lines a summary page quotes: the verdict, the line after it (with a peak month's
        rates, the average at last year's rates too), and the realistic reference when there is one."""
        lines = self.summary_lines(lang)
        head = lines[:3] if self.peak_month and (self.seasonal_rate is not None or self.no_last_year) else lines[:2]
        if self.peak_month and self.no_last_year and self.last_year_below:
            head = lines[:4]          # what last year's months in the data say of the peak
        ref = self._reference(lang)
        return head + ([] if not ref or ref[0] in head else ref)

    def summary(self, lang: str = "en") -> str:
        return "\n".join(self.summary_lines(lang))


def make_plan(lc: Lifecycle, monthly: pd.DataFrame, months: list[str], target: float, *, churn_after: int = 2,
              new_users=None, rates: dict | None = None, method: str = "best6",
              campaigns: pd.DataFrame | None = None) -> Plan:
    """Plan ``months`` (consecutive YYYY-MM): defaults for new users and rates, overrides
    from ``new_users`` (number or list) and ``rates`` ({rate: value}), the projection and
    the uplift each rate (and all four together) needs to meet ``target``."""
    if not 0 < target <= 1:
        raise ConfigError(f"--target must be an active rate in (0, 1], e.g. 0.85; got {target}.")
    months = sorted(months)
    for a, b in zip(months, months[1:]):
        if month_str(add_months(parse_month(a), 1)) != b:
            raise ConfigError(f"Plan months must be consecutive, got {months}.")
    start_month = month_str(add_months(parse_month(months[0]), -1))
    if start_month not in set(monthly["month"]):
        raise ConfigError(f"The plan needs the states of {start_month}, the month before {months[0]}, and the data "
                          f"cover {monthly['month'].iloc[0]} .. {monthly['month'].iloc[-1]}; plan months right after "
                          "the data or inside it.")
    start = StartState.from_lifecycle(lc, start_month, churn_after)
    settled = month_label(lc.first_mi + start.churn_after)   # the first month after the data's warm-up
    r = default_rates(monthly, months, method, settled)
    for name, value in (rates or {}).items():
        if name not in RATES:
            raise ConfigError(f"Unknown rate {name!r}; use one of {RATES}.")
        if value is not None:
            if not 0 <= value <= 1:
                raise ConfigError(f"Rate {name} must lie in [0, 1], got {value}.")
            r[name] = float(value)
    nu = default_new_users(monthly, months) if new_users is None else new_users
    nu = list(np.broadcast_to(np.asarray(nu, dtype=float), (len(months),)))
    proj = project(start, months, nu, r)
    ups = [required_uplift(start, months, nu, r, target, [c]) for c in RATES]
    ups.append(required_uplift(start, months, nu, r, target, RATES))
    best = settled_history(monthly, months, settled)[RATES].max()
    overridden = any(v is not None for v in (rates or {}).values())
    peak = _one_best_month(monthly, months, settled) if method == "best6" and not overridden else None
    best_case, one_off, next_best = None, [], None
    if not best.isna().any():
        hist = settled_history(monthly, months, settled)
        at_best = pd.DataFrame([best.to_numpy()] * len(months), index=months, columns=RATES)
        best_case = float(project(start, months, nu, at_best)["active_rate"].mean())
        one_off = one_off_bests(hist)
        if one_off:
            for rate, *_ in one_off:
                at_best[rate] = float(hist[rate].nlargest(2).iloc[-1])
            next_best = float(project(start, months, nu, at_best)["active_rate"].mean())
    seasonal, unchecked, below = None, [], []
    if peak:     # last year's same months check the peak, when the data hold them (after the warm-up)
        known = set(settled_history(monthly, months, settled)["month"])
        year_before = [month_str(add_months(parse_month(m), -12)) for m in months]
        unchecked = [m for m in year_before if m not in known]
        if not unchecked:
            seasonal = float(project(start, months, nu, default_rates(monthly, months, "last_year", settled))
                             ["active_rate"].mean())
        else:       # some of them: each rate of theirs well below the one assumed for its plan month
            by = monthly.set_index("month")
            below = [(ly, m, c, float(by.loc[ly, c]), float(r.loc[m, c])) for m, ly in zip(months, year_before)
                     if ly in known for c in RATES
                     if pd.notna(by.loc[ly, c]) and by.loc[ly, c] < r.loc[m, c] - PARTIAL_CHECK_POINTS]
    return Plan(target, months, start, r, nu, proj, pd.DataFrame([judge(u, r, best) for u in ups]),
                peak_month=peak, best_case_rate=best_case, seasonal_rate=seasonal, no_last_year=unchecked,
                one_off_bests=one_off, next_best_rate=next_best, campaigns=campaigns, last_year_below=below)


def one_off_bests(hist: pd.DataFrame) -> list[tuple]:
    """The rates whose best month in ``hist`` stands far above their usual level: at least
    ``ONE_OFF_POINTS`` above the median month, and alone there (the second best month is nearer
    the median than the best): the sample's campaign months, a return rate of 14.3% against about
    6%, a new-user retention of 76.9% against about 66%.  [(rate, month, best, median)], in the
    order of RATES."""
    out = []
    for r in RATES:
        h = hist[["month", r]].dropna()
        if len(h) < 3:
            continue
        best, med = float(h[r].max()), float(h[r].median())
        second = float(h[r].nlargest(2).iloc[-1])
        if best - med >= ONE_OFF_POINTS and best - second >= (best - med) / 2:
            out.append((r, str(h.loc[h[r].idxmax(), "month"]), best, med))
    return out


def _one_best_month(monthly: pd.DataFrame, months: list[str], settled_from: str | None = None) -> str | None:
    """The month of the six before the plan in which every rate had its best value, when one month
    holds all four (a seasonal peak then stands for every plan month); else None."""
    hist = settled_history(monthly, months, settled_from).set_index("month")[RATES].tail(6)
    if hist.empty or hist.isna().all().any():
        return None
    tops = {hist[c].idxmax() for c in RATES}
    return tops.pop() if len(tops) == 1 and len(hist) > 1 else None


def judge(uplift: dict, rates: pd.DataFrame, best: pd.Series, margin: float = PLAUSIBLE_MARGIN) -> dict:
    """Add to a ``required_uplift`` result the highest rate it needs (``needed_max``, the rate
    ``needed_rate``), the best value of that rate seen in the data (``best_seen``) and
    ``implausible``: the needed rate exceeds the best
    seen by more than ``margin``; with several rates raised, the one furthest beyond its best counts."""
    out = dict(uplift, needed_max=None, needed_rate=None, best_seen=None, implausible=False)
    if not uplift["reachable"] or not uplift["uplift"]:
        return out
    worst = None
    for c in uplift["rates"].split("+"):
        need = float(min(1.0, rates[c].max() + uplift["uplift"]))
        seen = float(best.get(c, np.nan))
        excess = need - seen if not np.isnan(seen) else -np.inf   # no month seen: nothing to judge by
        if worst is None or excess > worst[0]:
            worst = (excess, need, seen, c)
    excess, need, seen, rate = worst
    out.update(needed_max=need, needed_rate=rate, best_seen=None if np.isnan(seen) else seen,
               implausible=bool(excess > margin))
    return out


def last_months_plan(lc: Lifecycle, monthly: pd.DataFrame, month: str, target: float, *, churn_after: int = 2,
                     lang: str = "en") -> list[str]:
    """One line comparing ``month`` with what last month's plan projected for it (the default
    plan from the states of the month before, as that month's report made it): its projected
    active rate and MAU beside the actual ones.  Empty when no plan could be made then (the
    data's first months)."""
    m = monthly.set_index("month")
    if month not in m.index or month <= month_label(lc.first_mi + churn_after):
        return []         # last month's plan would have taken its rates from the data's warm-up
    try:
        p = make_plan(lc, monthly, [month], target, churn_after=churn_after)
    except ConfigError:
        return []
    proj = p.projection.iloc[0]
    act = m.loc[month]
    if lang == "zh":
        return [f"按上月分群所做的计划对本月的预测:月活率 {proj['active_rate']:.1%}(月活 {proj['mau']:,.0f}),实际为 "
                f"{act['active_rate']:.1%}({int(act['mau']):,})。"]
    return [f"The plan from last month's states projected for this month: active rate {proj['active_rate']:.1%} (MAU {proj['mau']:,.0f}); "
            f"actual {act['active_rate']:.1%} ({int(act['mau']):,})."]
