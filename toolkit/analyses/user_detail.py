"""The monthly user detail table (人工表格分析, domain.md section 8): one row per user
for operations staff to open in Excel.  The only output of the toolkit that names
users; the management reports never do."""
from __future__ import annotations


import pandas as pd

from .. import queries
from .lifecycle import Lifecycle
from ..months import add_months, parse_month
from .preferences import preference_shares

COLUMNS = [  # key, English, Chinese
    ("user_id", "user id", "用户ID"), ("nickname", "nickname", "昵称"), ("state", "lifecycle state", "用户分群"),
    ("last_active_time", "last active time", "最近活跃时间"), ("last_event", "last active event", "最近活跃行为"),
    ("drove_3m", "drove in the last 3 months", "近3个月是否开车"),
    ("last_feature", "last feature used", "最近使用的功能"), ("last_feature_time", "last feature time", "最近使用功能时间"),
    ("primary_tag", "most used category (3 months)", "近3个月最常用类别"),
    ("last_core_event", "last core-feature event", "最近一次核心功能"),
    ("last_core_time", "last core-feature time", "最近一次核心功能时间"),
    ("last_order_time", "last purchase time", "最近购买时间"), ("last_order_amount", "last purchase amount", "最近购买金额"),
    ("last_order_item", "last purchase item", "最近购买商品"),
    ("campaigns_3m", "campaigns joined (3 months)", "近3个月参与活动"), ("tags", "preference tags", "偏好标签"),
    ("tier", "value tier (RFM)", "价值分层"),
]


def user_detail(lc: Lifecycle, month: str, *, churn_after: int = 2, core_category: str = "car_control",
                lang: str | None = None, progress=None, segment_columns=(), segment_names=None) -> pd.DataFrame:
    """One row per user entered by ``month``; columns as ``COLUMNS`` (keys, or headers in
    ``lang`` 'en' / 'zh' when given; the last core-feature columns only when ``core_category`` is a
    category of the feature map, else ``attrs["note"]`` says why they are missing; no ``drove_3m``
    without offline-signal events; a user without a value tier is "not scored" in words), with the
    users table's ``segment_columns`` that it has (channel, city: whom to reach is chosen by them
    too) after the nickname, headed as the pages name them (``segment_names``).  ``progress`` (a ``progress.Steps``) hears of each step."""
    tick = progress.step if progress is not None else (lambda label: None)
    from .lifecycle import STATE_ZH
    m = parse_month(month)
    start, end = add_months(m, -2), add_months(m, 1)
    p = {"start": pd.Timestamp(start).to_pydatetime(), "end": pd.Timestamp(end).to_pydatetime()}
    from ..aggregates.build import ensure_monthly
    tick("lifecycle states")
    states = lc.user_states(month, churn_after)
    tick("last activity and signal")
    end_mi = end.year * 12 + end.month - 1
    ensure_monthly(lc.con, "user_last", lc.aggregates.first_mi, end_mi - 1, active_events=lc.active_events,
                   signal_events=lc.signal_events)
    ev = queries.frame(lc.con, "user_detail", start_mi=end_mi - 3, end_mi=end_mi, core_category=core_category)
    tick("purchases and campaigns")
    oc = queries.frame(lc.con, "user_orders_campaigns", **p)
    from .value import TIER_EN, TIER_ZH, rfm_scores
    tiers = rfm_scores(lc.con, month)[["user_id", "tier"]]
    from ..aggregates.segments import offered_columns
    segments = offered_columns(lc.con, segment_columns) if segment_columns else []
    picked = "".join(f', any_value("{c}") AS "{c}"' for c in segments)
    names = lc.con.execute(f"SELECT user_id, any_value(nickname) AS nickname{picked} FROM users GROUP BY user_id").df()
    tick("preference tags")
    prefs = preference_shares(lc.con, month, active_events=lc.active_events, signal_events=lc.signal_events,
                              users=states["user_id"])[["user_id", "primary_tag", "tags"]]
    df = (states[["user_id", "state"]].merge(names, on="user_id", how="left").merge(ev, on="user_id", how="left")
          .merge(oc, on="user_id", how="left").merge(prefs, on="user_id", how="left").merge(tiers, on="user_id", how="left"))
    df["drove_3m"] = df["drove_3m"].fillna(False).astype(bool)
    # without offline-signal events (a shop's data) nobody "drove": the column is left out, not all "no"
    columns = [c for c in COLUMNS if c[0] != "drove_3m" or lc.signal_events]
    # a core category the feature map does not have (the default car_control on an app's data) gave
    # two empty columns without a word: they are left out, and the note says which categories there are
    from .preferences import OTHER, categories
    known = [c for c in categories(lc.con) if c != OTHER]
    note = None
    if core_category not in known:
        columns = [c for c in columns if c[0] not in ("last_core_event", "last_core_time")]
        note = (f"no category {core_category!r} in the feature map, so the last core-feature columns are left out"
                + (f"; give --core-category one of {', '.join(known)}" if known else " (the data have no feature_map)"))
    if segments:
        from ..report.labels import segment_column
        at = [k for k, _, _ in columns].index("nickname") + 1
        columns[at:at] = [(c, segment_column(c, "en", segment_names), segment_column(c, "zh", segment_names))
                          for c in segments]
    df = df[[k for k, _, _ in columns]].sort_values("user_id", ignore_index=True)
    if lang == "zh":
        df["state"] = df["state"].map(STATE_ZH)
        if "drove_3m" in df:
            df["drove_3m"] = df["drove_3m"].map({True: "是", False: "否"})
    if lang in ("en", "zh"):
        df["tier"] = df["tier"].map(TIER_ZH if lang == "zh" else TIER_EN).fillna("未分层" if lang == "zh" else "not scored")
        # categories as the report pages name them (控车 / car control; a category of your own
        # feature_map stays as written), 'unknown' and 'other' included
        from ..report.labels import category
        df["primary_tag"] = df["primary_tag"].map(lambda c: category(c, lang) if isinstance(c, str) else c)
        df["tags"] = df["tags"].map(lambda t: ",".join(category(c, lang) for c in t.split(",")) if isinstance(t, str)
                                    and t else t)
    if lang in ("en", "zh"):
        df.columns = [zh if lang == "zh" else en for _, en, zh in columns]
    df.attrs["note"] = note
    return df
