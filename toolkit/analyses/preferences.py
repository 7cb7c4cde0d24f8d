"""Preference tags (用户偏好标签, domain.md section 6).

For month M and each user, over the trailing three months ending with M:
share(user, category) = active days with >= 1 event of the category / active
days.  Shares do not add up to 1.  A user is tagged with every category whose
share reaches the threshold (default 0.3); the primary tag is the largest share
(ties broken by the category order of ``feature_map``).  Users who entered by M
but had no activity in the window get the primary tag ``unknown`` and no tags,
not zero shares; so do users whose activity in the window has no category (only
``app_open``, say), with their zero shares.

A monthly report needs the users with activity in the window one by one (their
shares and tags) but the others only as counts: ``window_preferences`` lists
the first and counts the second per lifecycle state and months inactive, so that
its work follows the users active in the window, not everyone who ever entered.
The tag distribution, the state x category matrix, the tag movement and the
scene audiences read from it are identical to those of the per-user frames of
``month_preferences`` (which lists every entered user, for per-user exports).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import queries
from ..errors import ConfigError
from .lifecycle import Lifecycle
from ..months import parse_month

UNKNOWN, OTHER = "unknown", "other"


def categories(con) -> list[str]:
    """The preference categories in feature_map order (first appearance), then 'other'."""
    rows = con.execute("SELECT category FROM feature_map WHERE coalesce(trim(category), '') <> ''").fetchall()
    seen = []
    for (c,) in rows:
        c = c.strip()
        if c not in seen:
            seen.append(c)
    return seen + [OTHER]


def build_preference_users(con, month: str, *, window_months: int = 3, active_events=(), signal_events=("trip",)):
    """Materialise ``preference_users`` for the window ending with ``month``, from the
    monthly aggregates (computed in memory first when ``con`` has none); returns the
    window's first and last month index."""
    from ..aggregates.build import ensure_categories
    m = parse_month(month)
    to_mi = m.year * 12 + m.month - 1
    window = dict(from_mi=to_mi - (window_months - 1), to_mi=to_mi)
    ensure_categories(con, window["from_mi"], to_mi, active_events=active_events, signal_events=signal_events)
    queries.create_temp(con, "preference_users", "preference_users", **window)
    return window


def preference_shares(con, month: str, *, window_months: int = 3, active_events=(), signal_events=("trip",),
                      threshold: float = 0.3, users: pd.Series | None = None) -> pd.DataFrame:
    """One row per user: ``share_<category>`` for every category, ``active_days``,
    ``tags`` (comma-separated, shares >= threshold, largest first) and ``primary_tag``.

    ``users`` (e.g. everyone entered by M) adds rows for users without activity in
    the window: shares empty, tags '', primary_tag 'unknown'.
    """
    if not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:   # 1.5 tagged nobody, without a word
        raise ConfigError(f"threshold (the share of active days that makes a tag) must be a share in (0, 1], e.g. "
                          f"0.3 for 30%; got {threshold!r}.")
    window = build_preference_users(con, month, window_months=window_months, active_events=active_events,
                                    signal_events=signal_events)
    cats = categories(con)
    who = con.sql("SELECT user_id, active_days FROM preference_users ORDER BY ui").to_arrow_table()
    cd = queries.arrow(con, "preference_category_days", categories=cats, **window)
    # one row per user (in user_id order), one column per category: a dense array
    active = who.column("active_days").to_numpy().astype(np.int64)
    days = np.zeros((len(active), len(cats)), dtype=np.int64)
    days[cd.column("ui").to_numpy(), cd.column("cat").to_numpy()] = cd.column("days").to_numpy()
    shares = days / active[:, None]
    tags, primary = _tags(days, shares, cats, threshold)
    out = pd.DataFrame({"user_id": who.column("user_id").to_pandas()})
    for j, c in enumerate(cats):
        out[f"share_{c}"] = shares[:, j]
    out["active_days"] = active
    out["tags"], out["primary_tag"] = tags, primary
    if users is not None:
        missing = pd.Index(users).difference(out["user_id"])
        if len(missing):
            extra = pd.DataFrame({"user_id": missing, "tags": "", "primary_tag": UNKNOWN, "active_days": 0})
            out = pd.concat([out, extra], ignore_index=True).sort_values("user_id", ignore_index=True)
    return out


def _tags(days: np.ndarray, shares: np.ndarray, cats: list[str], threshold: float):
    """Tags (categories with share >= threshold, largest first, ties in category order) and
    the primary tag (the largest share; 'unknown' without any category) of every row.

    A user's shares share one denominator, so ordering by days orders by share exactly.
    Strings are built once per distinct tag combination, not per user."""
    n, k = days.shape
    order = np.argsort(-days, axis=1, kind="stable")           # largest first, ties by category order
    tagged = np.take_along_axis(shares >= threshold, order, axis=1)
    combo = np.where(tagged, order + 1, 0).astype(np.uint16)    # the tagged categories + 1, in tag order
    # one fixed-width byte string per row (numpy drops trailing zero bytes, which cannot merge two
    # rows of the same width), factorised by hashing
    keys = np.ascontiguousarray(combo).view(f"S{2 * k}").ravel()
    codes, uniq = pd.factorize(keys) if n else (np.array([], dtype=int), [])
    names = np.array([",".join(cats[j - 1] for j in np.frombuffer(u.ljust(2 * k, b"\0"), dtype=np.uint16) if j > 0)
                      for u in uniq], dtype=object)
    tags = names[codes] if n else np.array([], dtype=object)
    primary = np.where(days.max(axis=1, initial=0) > 0, np.array(cats, dtype=object)[order[:, 0]] if n else [],
                       UNKNOWN)
    return tags, primary


def tag_indicators(tags: pd.Series, cats: list[str]) -> np.ndarray:
    """A boolean matrix (rows of ``tags``, one column per category): whether the row's
    comma-separated tags hold the category.  Each distinct tag combination is split once,
    not each user (there are few combinations and many users)."""
    codes, uniq = pd.factorize(tags.fillna(""), sort=False)
    table = np.array([[c in set(u.split(",")) for c in cats] for u in uniq], dtype=bool).reshape(len(uniq), len(cats))
    return table[codes] if len(codes) else np.zeros((0, len(cats)), dtype=bool)


def tag_distribution(prefs: pd.DataFrame, unknown: int = 0) -> pd.DataFrame:
    """Per category: users tagged, their share of the users with a category day in the window
    (a primary tag other than 'unknown'), users with it as primary tag.

    ``unknown``: users without activity in the window that ``prefs`` does not list (the
    count of a ``WindowPreferences``); they add to the primary tag 'unknown' only."""
    cats = [c[len("share_"):] for c in prefs.columns if c.startswith("share_")]
    active = prefs[prefs["primary_tag"] != UNKNOWN]
    tagged = dict(zip(cats, tag_indicators(active["tags"], cats).sum(axis=0).tolist()))
    prim = {tag: int(n) for tag, n in prefs["primary_tag"].value_counts().items()}
    prim[UNKNOWN] = prim.get(UNKNOWN, 0) + int(unknown)
    rows = [{"category": c, "tagged": int(tagged[c]), "tagged_share": tagged[c] / len(active) if len(active) else np.nan,
             "primary": int(prim.get(c, 0)), "mean_share": float(active[f"share_{c}"].mean()) if len(active) else np.nan}
            for c in cats]
    rows.append({"category": UNKNOWN, "tagged": 0, "tagged_share": np.nan, "primary": int(prim.get(UNKNOWN, 0)),
                 "mean_share": np.nan})
    return pd.DataFrame(rows)


def state_category_matrix(prefs: pd.DataFrame, states: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """群体偏好: by lifecycle state (rows) and category (columns), the mean share and the
    tagged share among users of the state with activity in the window.  ``states``: the
    users' states (user_id, state); None when ``prefs`` has a ``state`` column (the
    ``prefs`` of a ``WindowPreferences``)."""
    from .lifecycle import STATES
    cats = [c[len("share_"):] for c in prefs.columns if c.startswith("share_")]
    if states is None:
        m = prefs
    else:
        m = states[["user_id", "state"]].merge(prefs.drop(columns=["state"], errors="ignore"), on="user_id", how="left")
    m = _with_activity(m, cats)
    mean = m.groupby("state")[[f"share_{c}" for c in cats]].mean()
    mean.columns = cats
    ind = pd.DataFrame(tag_indicators(m["tags"], cats), columns=cats, index=m.index)
    tagged = ind.groupby(m["state"]).mean()
    order = pd.Index([s for s in STATES if s in mean.index], dtype=object, name="state").astype(str)
    return mean.reindex(order), tagged.reindex(order)


def _with_activity(m: pd.DataFrame, cats: list[str]) -> pd.DataFrame:
    """The users with activity in the window (domain.md section 6): their shares, zeros included
    when their active days carry no category (only app_open); users without activity have none."""
    return m[m[[f"share_{c}" for c in cats]].notna().any(axis=1)] if cats else m.iloc[:0]


def all_states_mean_share(prefs: pd.DataFrame) -> pd.Series:
    """Per category, the mean share over every user with activity in the window, whatever their
    state: the users of :func:`state_category_matrix` together (each state weighs by its users;
    the explorer's "all states" was once the plain mean of the states' means)."""
    cats = [c[len("share_"):] for c in prefs.columns if c.startswith("share_")]
    mean = _with_activity(prefs, cats)[[f"share_{c}" for c in cats]].mean()
    mean.index = cats
    return mean


def tag_movement(prev: pd.DataFrame, cur: pd.DataFrame) -> pd.DataFrame:
    """Users by primary tag last month (rows) and this month (columns)."""
    m = cur[["user_id", "primary_tag"]].merge(prev[["user_id", "primary_tag"]], on="user_id", how="left",
                                              suffixes=("", "_prev")).fillna({"primary_tag_prev": "new"})
    cats = [c[len("share_"):] for c in cur.columns if c.startswith("share_")] + [UNKNOWN]
    t = pd.crosstab(m["primary_tag_prev"], m["primary_tag"])
    rows = [c for c in cats + ["new"] if c in t.index]
    return t.reindex(index=rows, columns=[c for c in cats if c in t.columns], fill_value=0)


@dataclass
class WindowPreferences:
    """The preferences of month ``month`` as a report needs them.

    ``prefs``: one row per user with activity in the window (the columns of
    ``preference_shares``, then ``state`` and ``months_inactive`` in the month), in user_id
    order; ``unknown``: the users entered by the month without activity in the window (no
    tag), counted per (state, months_inactive) in the column ``n``; ``entered``: all users
    entered by the month (listed plus counted)."""
    month: str
    prefs: pd.DataFrame
    unknown: pd.DataFrame

    @property
    def entered(self) -> int:
        return len(self.prefs) + self.unknown_total

    @property
    def unknown_total(self) -> int:
        return int(self.unknown["n"].sum())

    def unknown_by_state(self) -> pd.Series:
        """Users without activity in the window per lifecycle state (every state, 0 when none)."""
        from .lifecycle import STATES
        return self.unknown.groupby("state")["n"].sum().reindex(STATES, fill_value=0).astype("int64")


def window_preferences(lc: Lifecycle, month: str, churn_after: int = 2, **kw) -> WindowPreferences:
    """The preferences of ``month`` (``preference_shares``' keywords) for the users with activity
    in the window, with their lifecycle states, and the other entered users as counts per
    state and months inactive (from the month's snapshot, in SQL: no per-user rows)."""
    from .lifecycle import _check_k
    k = _check_k(churn_after)
    mi = lc._month(month)
    prefs = preference_shares(lc.con, month, active_events=lc.active_events, signal_events=lc.signal_events, **kw)
    # every entered user's state of the month in one pass: the listed users and the counted rest
    rows = queries.execute(lc.con, queries.with_cte("preference_window_states", "lifecycle_states",
                                                    "lifecycle_user_states"), k=k, mi=mi).df()
    listed = rows.pop("listed").astype(bool)
    states = rows.loc[listed, ["user_id", "state", "months_inactive"]]
    unknown = rows.loc[~listed, ["state", "months_inactive", "n"]].astype({"n": "int64"})
    prefs = prefs.merge(states, on="user_id", how="left", validate="one_to_one")
    return WindowPreferences(month, prefs, unknown.sort_values(["state", "months_inactive"], ignore_index=True))


def window_tag_movement(prev: WindowPreferences, cur: WindowPreferences) -> pd.DataFrame:
    """``tag_movement`` of the users entered by ``cur.month`` from two ``WindowPreferences``
    (the month before, and the month): the users with activity in either window one by one,
    the rest counted.  Rows: last month's primary tag ('new' for users entering this month);
    columns: this month's.

    Users without activity in this month's window, by last month's tag: those listed last
    month and not this month keep their tag; those entering this month are ``cur``'s unknown
    'new' users; the rest (entered by last month, unlisted both months) are last month's
    entered users minus last month's listed ones minus this month's listed users who were
    neither listed last month nor new."""
    cats = [c[len("share_"):] for c in cur.prefs.columns if c.startswith("share_")] + [UNKNOWN]
    a = cur.prefs[["user_id", "primary_tag", "state"]]
    b = prev.prefs[["user_id", "primary_tag"]]
    m = a.merge(b, on="user_id", how="left", suffixes=("", "_prev"), indicator=True)
    listed_before = (m["_merge"] == "both").to_numpy()
    is_new = (m["state"] == "new").to_numpy()
    before = np.where(listed_before, m["primary_tag_prev"].astype(object), np.where(is_new, "new", UNKNOWN))
    t = pd.crosstab(pd.Series(before, name="primary_tag_prev"), m["primary_tag"].rename("primary_tag"))
    gone = b.loc[~b["user_id"].isin(a["user_id"]), "primary_tag"].value_counts()
    to_unknown = {**{tag: int(n) for tag, n in gone.items()},
                  "new": int(cur.unknown.loc[cur.unknown["state"] == "new", "n"].sum())}
    to_unknown[UNKNOWN] = to_unknown.get(UNKNOWN, 0) + prev.entered - len(b) - int((~listed_before & ~is_new).sum())
    extra = pd.Series({tag: n for tag, n in to_unknown.items() if n}, dtype="int64")
    if len(extra):
        if UNKNOWN not in t.columns:
            t[UNKNOWN] = 0
        t = t.reindex(t.index.union(extra.index), fill_value=0)
        t.loc[extra.index, UNKNOWN] += extra.to_numpy()
    t = t.loc[t.sum(axis=1) > 0, t.sum(axis=0) > 0]
    rows = [c for c in cats + ["new"] if c in t.index]
    out = t.reindex(index=rows, columns=[c for c in cats if c in t.columns], fill_value=0).astype("int64")
    out.index.name, out.columns.name = "primary_tag_prev", "primary_tag"
    return out


def month_preferences(lc: Lifecycle, month: str, churn_after: int = 2, **kw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Preferences of every user entered by ``month`` and their lifecycle states (one row per
    entered user each: a per-user export; a report uses ``window_preferences``)."""
    states = lc.user_states(month, churn_after)
    prefs = preference_shares(lc.con, month, active_events=lc.active_events, signal_events=lc.signal_events,
                              users=states["user_id"], **kw)
    return prefs, states

