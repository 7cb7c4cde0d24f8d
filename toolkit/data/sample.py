"""A synthetic car-app data set with planted, known effects (the case of seed 002).

``generate_sample(out, users=..., months=..., end=..., seed=...)`` writes, in the
event-store layout:

* ``events/events-YYYY-MM.parquet``: app events (``app_open`` plus feature
  events of six categories) and the offline signal ``trip``;
* ``users.parquet``, ``orders.parquet``, ``pushes.parquet``,
  ``campaign_members.parquet``; ``feature_map.csv``, ``campaigns.csv``;
* ``truth.json``: every planted effect; ``truth_churn.parquet``: the planted chance of
  going inactive next month per active user (last months); ``truth_users.parquet``: each user's
  planted group (driver or not), primary category and daily activity rate.

Deterministic for a seed and independent of today's date: every random draw
comes from a stream keyed by (seed, purpose, month).  Events are produced and
written one month at a time, so a million users never sit in memory as events.

The lifecycle is a Markov chain on the states of domain.md section 3 with
churn window k = 2: a user's chance to be active in month M depends on their
state in M-1 (new, old active, dormant, churned) and on whether they still
drive (the offline signal).  Campaigns and the scene rule add known lifts for
their treatment arm only; holiday windows multiply the daily chance of use.
"""
from __future__ import annotations

import calendar
import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ConfigError
from ..analyses.holiday_calendar import calendar_version, holiday_windows
from ..months import add_months, month_range, month_str, parse_month

CATEGORIES: dict[str, list[str]] = {
    "car_control": ["remote_unlock", "remote_lock", "remote_climate", "car_locate"],
    "content": ["article_view", "video_view"],
    "community": ["post_view", "post_like", "post_comment"],
    "after_sales": ["service_booking", "maintenance_view"],
    "campaign": ["campaign_view", "campaign_checkin"],
    "shop": ["shop_view", "order_submit"],
}
CATEGORY_ZH = {"car_control": "控车", "content": "内容", "community": "社区", "after_sales": "售后",
               "campaign": "活动", "shop": "商城"}
APP_OPEN, TRIP = "app_open", "trip"
EVENT_NAMES = [APP_OPEN, TRIP] + [n for names in CATEGORIES.values() for n in names]
_CAT_LIST = list(CATEGORIES)
_NAME_CODE = {n: i for i, n in enumerate(EVENT_NAMES)}
_CAT_CODES = [np.array([_NAME_CODE[n] for n in CATEGORIES[c]], dtype=np.int8) for c in _CAT_LIST]

# ---- planted parameters (all written to truth.json) -------------------------------------------
DRIVER_SHARE = 0.7
LIFECYCLE = {  # P(active in M | state in M-1), by offline-signal group; churn window k = 2
    "retention_new": {"driver": 0.72, "non_driver": 0.50},
    "retention_old": {"driver": 0.90, "non_driver": 0.75},
    "wake_rate": {"driver": 0.40, "non_driver": 0.22},
    "return_rate": {"driver": 0.10, "non_driver": 0.03},
}
PRIMARY_P = {"car_control": 0.40, "content": 0.15, "community": 0.12, "after_sales": 0.08,
             "campaign": 0.15, "shop": 0.10}
PRIMARY_DAY_P, OTHER_DAY_P = 0.65, 0.08  # chance a category is used on an active day
EXTRA_EVENTS_MEAN = 0.4                   # Poisson extra events per category used on a day
DAILY_RATE = (0.05, 0.30)                 # per-user daily chance of opening the app, uniform
TRIPS_PER_MONTH = 2.5                     # Poisson mean of trips of a driver per month
HOLIDAY_LIFT = {"spring_festival": 1.6, "national_day": 1.5, "labour_day": 1.4}
OTHER_HOLIDAY_LIFT = 1.2
CAMPAIGNS = [  # month offset from the campaign year's January
    {"campaign_id": "C1", "name": "新用户激励 new-user incentive", "month_offset": 1,
     "goal_metric": "retention_new", "target_group": "new users of the previous month",
     "treatment_share": 0.8, "lift": 0.15},
    {"campaign_id": "C2", "name": "流失召回 churn recall", "month_offset": 2,
     "goal_metric": "return_rate", "target_group": "churned users of the previous month",
     "treatment_share": 0.8, "lift": 0.10},
    {"campaign_id": "C3", "name": "社区话题 community topic", "month_offset": 4,
     "goal_metric": "retention_old", "target_group": "half of last month's old active users",
     "treatment_share": 0.5, "lift": 0.0, "member_share": 0.5},
]
SCENE = {"rule_id": "R1", "state": "dormant", "months_inactive": 1, "tag": "any",
         "content": "用车知识推送 car-care tips", "control_share": 0.10, "wake_lift": 0.12,
         "sent_day": 1, "sent_hour": 8, "active_months": 12}
CHURN_MODEL = {  # planted churn: log-odds of staying active next month move with observable behaviour
    "active_days": 0.12,        # per active day in the month (more use, more likely to stay)
    "active_days_drop": -0.25,  # per active day fewer than in the month before (falling use)
}
CHURN_TRUTH_MONTHS = 6          # months (before the last) whose per-user planted probability is written
CHANNELS = ["app_store", "dealer", "referral", "ad"]
CITIES = ["上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京"]
# Segment effects on new-user retention (the cohort's month-1 retention): the named channel and
# city multiply the planted chance; the other values share a factor that keeps the mean over
# all users (channel and city are drawn uniformly) at the planted rate, so the rates of
# LIFECYCLE are still recovered as a whole.
SEGMENT_RETENTION = {"channel": ("ad", 0.80), "city": ("杭州", 1.15)}
ITEMS = ["洗车券 car-wash voucher", "车载香氛 air freshener", "保养套餐 service pack", "脚垫 floor mats"]


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *key]))


def _segment_retention(channel: np.ndarray, city: np.ndarray) -> tuple[np.ndarray, dict]:
    """Per user, the factor on their chance of new-user retention (SEGMENT_RETENTION), and
    the planted factors for truth.json: {column: {value: factor}}."""
    factor, planted = np.ones(len(channel)), {}
    for column, codes, values in (("channel", channel, CHANNELS), ("city", city, CITIES)):
        name, f = SEGMENT_RETENTION[column]
        others = (len(values) - f) / (len(values) - 1)
        per_value = np.where(np.array(values) == name, f, others)
        factor *= per_value[codes]
        planted[column] = {v: float(x) for v, x in zip(values, per_value)}
    return factor, planted


def _campaign_year(months: list[date]):
    """The latest year whose December-before and January..May are all in the data."""
    have = set(months)
    for y in sorted({m.year for m in months}, reverse=True):
        if date(y - 1, 12, 1) in have and all(date(y, mo, 1) in have for mo in range(1, 6)):
            return y
    return None


def _day_multipliers(month: date, windows) -> np.ndarray:
    n = calendar.monthrange(month.year, month.month)[1]
    mult = np.ones(n)
    for w in windows:
        lift = HOLIDAY_LIFT.get(w.festival, OTHER_HOLIDAY_LIFT)
        for d in w.dates():
            if d.year == month.year and d.month == month.month:
                mult[d.day - 1] = lift
    return mult


def _pick_weighted_day(rng, weights: np.ndarray) -> np.ndarray:
    """One day index per row, chosen with probability proportional to the row's weights."""
    cum = np.cumsum(weights, axis=1)
    r = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum < r[:, None]).sum(axis=1), weights.shape[1] - 1)


def _active_day_hits(seed: int, m: int, act: np.ndarray, entry: np.ndarray, reg_day: np.ndarray,
                     daily_rate: np.ndarray, mult: np.ndarray):
    """The users active in month ``m`` (indices) and their days of app use (bool, users x days):
    each day with the user's daily rate times the day's holiday lift, never before registration,
    at least one day.  Its own random stream, so the chain (which needs the day counts for the
    planted churn) and the event writer draw the same days."""
    rr = _rng(seed, 2, m, 1)
    nd = len(mult)
    first_day = np.where(entry == m, reg_day - 1, 0)
    idx = np.nonzero(act)[0]
    allowed = np.arange(nd)[None, :] >= first_day[idx][:, None]
    hit = (rr.random((len(idx), nd)) < daily_rate[idx, None] * mult[None, :]) & allowed
    none = ~hit.any(axis=1)
    if none.any():
        forced = _pick_weighted_day(rr, allowed[none] * mult[None, :])
        hit[np.nonzero(none)[0], forced] = True
    return idx, hit


def _planted_retention(p: np.ndarray, pools: list[np.ndarray], days: np.ndarray, days_before: np.ndarray) -> np.ndarray:
    """The planted churn (truth.json "churn_model"): for the users of each pool (users active
    last month, by state and offline-signal group), the chance of being active this month
    moves on the log-odds scale with last month's active days and their drop from the month
    before (``CHURN_MODEL``), with each pool's intercept set so that the pool's mean chance is
    still its lifecycle rate in ``p`` (the planted monthly rates hold on average)."""
    out = p.copy()
    x = CHURN_MODEL["active_days"] * days + CHURN_MODEL["active_days_drop"] * np.maximum(days_before - days, 0)
    for pool in pools:
        if not pool.any():
            continue
        target, xs = float(p[pool].mean()), x[pool]
        lo, hi = -30.0, 30.0
        for _ in range(50):                      # the intercept: bisection on the pool's mean chance
            mid = (lo + hi) / 2
            if (1 / (1 + np.exp(-(mid + xs)))).mean() < target:
                lo = mid
            else:
                hi = mid
        out[pool] = 1 / (1 + np.exp(-((lo + hi) / 2 + xs)))
    return out


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd", use_dictionary=True)


def generate_sample(out, *, users: int = 50_000, months: int = 24, end: str = "2026-10",
                    seed: int = 7, progress=None) -> dict:
    """Write the synthetic data set to ``out`` and return the truth dictionary.

    Parameters
    ----------
    out : folder to write (created; existing files of the layout are replaced).
    users : number of users registering over the period.
    months : number of months, ending with ``end`` (YYYY-MM).
    seed : random seed; the same seed gives byte-identical files.
    progress : optional callable(str) told about each month written.
    """
    if users < 1:
        raise ConfigError(f"--users must be at least 1, got {users}.")
    if not 1 <= months <= 240:
        raise ConfigError(f"--months must be 1 to 240, got {months}.")
    end_m = parse_month(end, what="--end")
    month_list = month_range(add_months(end_m, -(months - 1)), end_m)
    M, N = len(month_list), users
    out = Path(out)
    (out / "events").mkdir(parents=True, exist_ok=True)
    for old in (out / "events").glob("*.parquet"):
        old.unlink()

    # ---- users -----------------------------------------------------------------------------
    r = _rng(seed, 0)
    growth = np.linspace(1.0, 3.0, M)
    entry = np.sort(r.choice(M, size=N, p=growth / growth.sum()))
    days_in = np.array([calendar.monthrange(m.year, m.month)[1] for m in month_list])
    reg_day = (r.random(N) * days_in[entry]).astype(np.int64) + 1          # 1-based day
    reg_sec = (r.random(N) * 8 * 3600).astype(np.int64)                     # before 08:00
    driver = r.random(N) < DRIVER_SHARE
    primary = r.choice(len(_CAT_LIST), size=N, p=[PRIMARY_P[c] for c in _CAT_LIST])
    daily_rate = r.uniform(*DAILY_RATE, size=N)
    channel = r.choice(len(CHANNELS), size=N)
    city = r.choice(len(CITIES), size=N)
    user_ids = np.arange(N, dtype=np.int64) + 100_001
    month_start = np.array([np.datetime64(m, "us") for m in month_list])
    registered = (month_start[entry] + (reg_day - 1) * np.timedelta64(86400, "s")
                  + reg_sec * np.timedelta64(1, "s")).astype("datetime64[us]")

    # ---- lifecycle chain, campaigns and scene pushes -----------------------------------------
    windows = holiday_windows(month_list[0], date(end_m.year, end_m.month, int(days_in[-1])))
    days_used = np.zeros((M, N), dtype=np.int8)      # active days per month (the planted churn reads them)
    churn_truth = []
    grp = driver.astype(np.int64)  # 1 = driver
    probs = {k: np.array([v["non_driver"], v["driver"]]) for k, v in LIFECYCLE.items()}
    cyear = _campaign_year(month_list)
    camp_by_month = {}
    if cyear is not None:
        for c in CAMPAIGNS:
            camp_by_month[month_list.index(date(cyear, 1 + c["month_offset"], 1))] = c
    scene_from = max(2, M - SCENE["active_months"])
    segment_factor, segment_planted = _segment_retention(channel, city)
    active = np.zeros((M, N), dtype=bool)
    members, pushes, camp_rows = [], [], []
    for m in range(M):
        rr = _rng(seed, 1, m)
        act = entry == m
        if m >= 1:
            was_new = entry == m - 1
            old_active = (entry < m - 1) & active[m - 1]
            if m >= 2:
                dormant = (entry <= m - 2) & ~active[m - 1] & active[m - 2]
                churned = (entry <= m - 2) & ~active[m - 1] & ~active[m - 2]
            else:
                dormant = churned = np.zeros(N, dtype=bool)
            p = np.zeros(N)
            p[was_new] = probs["retention_new"][grp[was_new]]
            p[old_active] = probs["retention_old"][grp[old_active]]
            p[dormant] = probs["wake_rate"][grp[dormant]]
            p[churned] = probs["return_rate"][grp[churned]]
            before = days_used[m - 2] if m >= 2 else np.zeros(N, dtype=np.int8)
            p = _planted_retention(p, [was_new & (grp == g) for g in (0, 1)] + [old_active & (grp == g) for g in (0, 1)],
                                   days_used[m - 1].astype(float), before.astype(float))
            p[was_new] *= segment_factor[was_new]     # after the churn model, which sets each pool's mean
            c = camp_by_month.get(m)
            if c is not None:
                pool = {"retention_new": was_new, "return_rate": churned, "retention_old": old_active}[c["goal_metric"]]
                idx = np.nonzero(pool)[0]
                if "member_share" in c:
                    idx = idx[rr.random(len(idx)) < c["member_share"]]
                treat = rr.random(len(idx)) < c["treatment_share"]
                p[idx[treat]] += c["lift"]
                members.append(pd.DataFrame({"campaign_id": c["campaign_id"], "user_id": user_ids[idx],
                                             "arm": np.where(treat, "treatment", "control")}))
                start = month_list[m]
                camp_rows.append({"campaign_id": c["campaign_id"], "name": c["name"], "start_date": start,
                                  "end_date": date(start.year, start.month, int(days_in[m])),
                                  "goal_metric": c["goal_metric"], "target_group": c["target_group"],
                                  "planned_treatment_share": c["treatment_share"]})
            if m >= scene_from:
                idx = np.nonzero(dormant)[0]
                control = rr.random(len(idx)) < SCENE["control_share"]
                p[idx[~control]] += SCENE["wake_lift"]
                sent = np.datetime64(month_list[m], "us") + np.timedelta64(
                    (SCENE["sent_day"] - 1) * 24 + SCENE["sent_hour"], "h")
                pushes.append(pd.DataFrame({
                    "push_id": [f"{month_str(month_list[m])}-{SCENE['rule_id']}-{i:07d}" for i in range(len(idx))],
                    "user_id": user_ids[idx], "sent_at": np.full(len(idx), sent),
                    "rule_id": SCENE["rule_id"], "content": SCENE["content"],
                    "arm": np.where(control, "control", "treatment")}))
            act = act | ((entry < m) & (rr.random(N) < np.minimum(p, 1.0)))
            if m >= M - CHURN_TRUTH_MONTHS:
                pool = np.nonzero(was_new | old_active)[0]
                churn_truth.append(pd.DataFrame({"user_id": user_ids[pool], "month": month_str(month_list[m - 1]),
                                                 "p_inactive_next": 1 - np.minimum(p[pool], 1.0)}))
        active[m] = act
        hidx, hits = _active_day_hits(seed, m, act, entry, reg_day, daily_rate,
                                      _day_multipliers(month_list[m], windows))
        days_used[m, hidx] = hits.sum(axis=1)

    # ---- events, month by month -------------------------------------------------------------
    q = np.full((N, len(_CAT_LIST)), OTHER_DAY_P, dtype=np.float32)
    q[np.arange(N), primary] = PRIMARY_DAY_P
    dictionary = pa.array(EVENT_NAMES, type=pa.string())
    orders, total_events = [], 0
    for m in range(M):
        rr = _rng(seed, 2, m)
        nd = int(days_in[m])
        mult = _day_multipliers(month_list[m], windows)
        first_day = np.where(entry == m, reg_day - 1, 0)               # 0-based first allowed day
        idx, hit = _active_day_hits(seed, m, active[m], entry, reg_day, daily_rate, mult)
        du, dd = np.nonzero(hit)
        du = idx[du]
        # app opens: one per active day
        ev_user = [du]
        ev_day = [dd]
        ev_code = [np.full(len(du), _NAME_CODE[APP_OPEN], dtype=np.int8)]
        used = rr.random((len(du), len(_CAT_LIST))) < q[du]
        for ci in range(len(_CAT_LIST)):
            rows = np.nonzero(used[:, ci])[0]
            reps = 1 + rr.poisson(EXTRA_EVENTS_MEAN, size=len(rows))
            rows = np.repeat(rows, reps)
            ev_user.append(du[rows])
            ev_day.append(dd[rows])
            ev_code.append(_CAT_CODES[ci][rr.integers(0, len(_CAT_CODES[ci]), size=len(rows))])
        # trips: drivers who have entered, any month (offline signal, not app activity)
        drv = np.nonzero(driver & (entry <= m))[0]
        ntrip = rr.poisson(TRIPS_PER_MONTH, size=len(drv))
        tu = np.repeat(drv, ntrip)
        if len(tu):
            tallowed = np.arange(nd)[None, :] >= first_day[tu][:, None]
            td = _pick_weighted_day(rr, tallowed * mult[None, :])
        else:
            td = np.zeros(0, dtype=np.int64)
        ev_user.append(tu)
        ev_day.append(td)
        ev_code.append(np.full(len(tu), _NAME_CODE[TRIP], dtype=np.int8))
        u = np.concatenate(ev_user)
        d = np.concatenate(ev_day).astype(np.int64)
        code = np.concatenate(ev_code)
        secs = 8 * 3600 + (rr.random(len(u)) * 16 * 3600).astype(np.int64)
        t = (np.datetime64(month_list[m], "us") + d * np.timedelta64(86400, "s")
             + secs * np.timedelta64(1, "s")).astype("datetime64[us]")
        order = np.lexsort((code, user_ids[u], t))
        u, t, code = u[order], t[order], code[order]
        table = pa.table({
            "user_id": pa.array(user_ids[u]),
            "event_time": pa.array(t, type=pa.timestamp("us")),
            "event_name": pa.DictionaryArray.from_arrays(pa.array(code, type=pa.int8()), dictionary),
        })
        _write_parquet(table, out / "events" / f"events-{month_str(month_list[m])}.parquet")
        total_events += len(u)
        is_order = code == _NAME_CODE["order_submit"]
        if is_order.any():
            n_o = int(is_order.sum())
            orders.append(pd.DataFrame({
                "order_id": [f"O{month_str(month_list[m]).replace('-', '')}{i:07d}" for i in range(n_o)],
                "user_id": user_ids[u[is_order]], "order_time": t[is_order],
                "amount": np.round(rr.lognormal(5.0, 0.8, size=n_o), 2),
                "item": np.array(ITEMS)[rr.integers(0, len(ITEMS), size=n_o)]}))
        if progress:
            progress(f"{month_str(month_list[m])}: {len(u):,} events")

    # ---- small tables ------------------------------------------------------------------------
    users_df = pd.DataFrame({
        "user_id": user_ids, "registered_at": registered,
        "nickname": [f"车主{i}" for i in user_ids],
        "channel": np.array(CHANNELS)[channel], "city": np.array(CITIES)[city]})
    _write_parquet(pa.Table.from_pandas(users_df, preserve_index=False), out / "users.parquet")
    truth_users = pd.DataFrame({"user_id": user_ids, "driver": driver,
                                "primary_category": np.array(_CAT_LIST)[primary],
                                "daily_rate": daily_rate, "entry_month": [month_str(month_list[e]) for e in entry]})
    _write_parquet(pa.Table.from_pandas(truth_users, preserve_index=False), out / "truth_users.parquet")
    fm = [{"event_name": n, "category": c} for c, names in CATEGORIES.items() for n in names]
    fm += [{"event_name": APP_OPEN, "category": ""}, {"event_name": TRIP, "category": ""}]
    pd.DataFrame(fm).to_csv(out / "feature_map.csv", index=False)
    from ..analyses.scenes import DEFAULT_RULES
    shutil.copyfile(DEFAULT_RULES, out / "scene_rules.csv")   # the car-app scene rules belong to this data set
    from ..analyses.ideas import write_sample_ideas
    write_sample_ideas(out)                                    # the ideas to rank (ICE), as an analyst keeps them
    if members:     # a history without a campaign year has no campaigns: no empty tables (validate warns of them)
        mem = pd.concat(members, ignore_index=True)
        _write_parquet(pa.Table.from_pandas(mem, preserve_index=False), out / "campaign_members.parquet")
        cols = ["campaign_id", "name", "start_date", "end_date", "goal_metric", "target_group",
                "planned_treatment_share"]
        pd.DataFrame(camp_rows, columns=cols).to_csv(out / "campaigns.csv", index=False)
    if pushes:
        push_df = pd.concat(pushes, ignore_index=True)
        push_df["sent_at"] = push_df["sent_at"].astype("datetime64[us]")
        _write_parquet(pa.Table.from_pandas(push_df, preserve_index=False), out / "pushes.parquet")
    if orders:
        od = pd.concat(orders, ignore_index=True)
        od["order_time"] = od["order_time"].astype("datetime64[us]")
        _write_parquet(pa.Table.from_pandas(od, preserve_index=False), out / "orders.parquet")

    if churn_truth:
        _write_parquet(pa.Table.from_pandas(pd.concat(churn_truth, ignore_index=True), preserve_index=False),
                       out / "truth_churn.parquet")
    truth = {
        "generator": "toolkit.sample", "seed": seed, "users": N, "events": int(total_events),
        "months": [month_str(x) for x in month_list], "timezone": "Asia/Shanghai", "churn_after": 2,
        "driver_share": DRIVER_SHARE, "lifecycle": LIFECYCLE,
        "lifecycle_note": "P(active in M | state in M-1) for drivers (offline signal) and non-drivers, k = 2; "
                          "campaign and scene treatment arms add their lift in their month.",
        "signal_event": TRIP, "trips_per_month_driver": TRIPS_PER_MONTH,
        "preferences": {"primary_share": PRIMARY_P, "primary_day_p": PRIMARY_DAY_P, "other_day_p": OTHER_DAY_P,
                        "per_user": "truth_users.parquet"},
        "holiday_calendar": calendar_version(),
        "holidays": [{"festival": w.festival, "name": w.name, "start": w.start.isoformat(),
                      "end": w.end.isoformat(), "lift": HOLIDAY_LIFT.get(w.festival, OTHER_HOLIDAY_LIFT)}
                     for w in windows],
        "holiday_note": "Daily chance of app use (and of a trip) is multiplied by lift on every day of the window.",
        "campaigns": [{**{k: v for k, v in c.items() if k != "month_offset"},
                       "month": month_str(date(cyear, 1 + c["month_offset"], 1))}
                      for c in CAMPAIGNS] if cyear else [],
        "scene_rules": [{**SCENE, "first_month": month_str(month_list[scene_from])}] if scene_from < M else [],
        "segments": {"retention_new_factor": segment_planted,
                     "lower": {"channel": SEGMENT_RETENTION["channel"][0]},
                     "higher": {"city": SEGMENT_RETENTION["city"][0]}},
        "segments_note": "New-user retention of a user is the planted rate of their group times the factor of their "
                         "channel times the factor of their city (users table); the factors average to 1 over users.",
        "churn_model": {
            "outcome": "inactive in M+1, for the users active in M",
            "log_odds_active_next": CHURN_MODEL,
            "features": {"active_days": "days with a qualifying event in M",
                         "active_days_drop": "max(0, active days in M-1 - active days in M)"},
            "intercept": "per month, for each of new users and old active users by offline-signal group, set so "
                         "the group's mean chance is its lifecycle rate (retention_new / retention_old)",
            "then": "new users' chance is multiplied by their segment factor (see segments), campaign "
                     "treatment arms add their lift; the draw is the only noise",
            "per_user": "truth_churn.parquet (user_id, month M, p_inactive_next) for the last "
                        f"{CHURN_TRUTH_MONTHS} months with an outcome"},
        "scene_note": "Pushed users (dormant in M-1, treatment arm) get wake_lift added to their chance of "
                      "being active in the push month M.",
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2, sort_keys=True, default=str),
                                    encoding="utf-8")
    return truth
