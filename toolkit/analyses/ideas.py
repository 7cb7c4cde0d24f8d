"""ICE ranking of ideas (ICE 排序法, domain.md section 10; seed 000).

Ideas are data: ``ideas.csv`` in the data folder, one row per idea with the columns

=============  ==============================================================
idea           what to do (text)
target_state   lifecycle state the idea aims at (domain.md section 3), or ``any`` / empty
target_tag     preference tag it aims at (a feature_map category), or ``any`` / empty
impact         the analyst's score of the effect on the goal, 1-10
confidence     how sure the analyst is of that impact, 1-10
ease           how easy it is to do, 1-10
owner          who proposes or runs it (text, optional)
=============  ==============================================================

The toolkit fills each idea's reach: the users in its target this month (state at the
end of the month and, with a tag, carrying that tag), shown beside the analyst's impact
score, not multiplied into it; ICE = impact x confidence x ease (1 .. 1000), ranked
largest first (ties: larger reach first, then file order).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..data.small_tables import known_name, read_csv_table
from ..errors import ConfigError
from .lifecycle import STATES

COLUMNS = ["idea", "target_state", "target_tag", "impact", "confidence", "ease", "owner"]
SCORES = ["impact", "confidence", "ease"]
FILE = "ideas.csv"


def ideas_file(data_dir, explicit=None) -> Path | None:
    """``explicit`` when given, else ideas.csv in the data folder when there is one."""
    if explicit:
        return Path(explicit)
    p = Path(data_dir) / FILE
    return p if p.is_file() else None


def load_ideas(path) -> pd.DataFrame:
    """Read and check an ideas table (CSV, UTF-8 with or without BOM)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Ideas file {path} does not exist: write one with the columns {', '.join(COLUMNS)} "
                          "(docs/data.md shows an example).")
    df = read_csv_table(path, COLUMNS, what="one row per idea",
                        dtype={"target_state": str, "target_tag": str, "owner": str})
    missing = [c for c in ("idea", *SCORES) if c not in df.columns]
    if missing:
        raise ConfigError(f"{path}: missing column(s) {', '.join(missing)}; the columns are {', '.join(COLUMNS)}.")
    for c in ("target_state", "target_tag", "owner"):
        df[c] = df[c].fillna("").astype(str).str.strip() if c in df.columns else ""
    df.loc[df["target_state"] == "", "target_state"] = "any"
    df.loc[df["target_tag"] == "", "target_tag"] = "any"
    for c in SCORES:
        v = pd.to_numeric(df[c], errors="coerce")
        bad = df.index[v.isna() | (v < 1) | (v > 10)]
        if len(bad):
            i = bad[0]
            raise ConfigError(f"{path}: row {i + 2} ({df.loc[i, 'idea']}) has {c} "
                              f"{'(empty)' if pd.isna(df.loc[i, c]) else repr(str(df.loc[i, c]))}; "
                              "scores are numbers from 1 to 10.")
        df[c] = v.astype(float)
    bad = df[~df["target_state"].isin(STATES + ["any"])]
    if len(bad):
        from ..report import labels as L
        state = bad.iloc[0]["target_state"]
        raise ConfigError(f"{path}: idea {bad.iloc[0]['idea']!r} has target_state {state!r}"
                          f"{known_name(state, STATES, L.state)}; use one of {', '.join(STATES)} or any.")
    return df[COLUMNS].reset_index(drop=True)


def reach(ideas: pd.DataFrame, users: pd.DataFrame) -> np.ndarray:
    """Users in each idea's target: ``users`` one row per user entered by the month with
    ``state`` and ``tags`` (comma-separated, may be empty)."""
    tags = users["tags"].fillna("").astype(str)
    counts = []
    for _, r in ideas.iterrows():
        m = np.ones(len(users), dtype=bool) if r["target_state"] == "any" else (users["state"] == r["target_state"]).to_numpy().copy()
        if r["target_tag"] != "any":
            m &= (("," + tags + ",").str.contains("," + r["target_tag"] + ",", regex=False)).to_numpy()
        counts.append(int(m.sum()))
    return np.array(counts, dtype="int64")


def rank_ideas(ideas: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """The ideas with ``reach`` and ``ice`` (impact x confidence x ease), ranked (``rank`` 1 =
    first), largest ICE first, ties by larger reach then file order."""
    df = ideas.copy()
    df["reach"] = reach(df, users)
    df["ice"] = df["impact"] * df["confidence"] * df["ease"]
    df["order"] = np.arange(len(df))
    df = df.sort_values(["ice", "reach", "order"], ascending=[False, False, True], kind="stable").drop(columns="order")
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df.reset_index(drop=True)


def check_idea_tags(ideas: pd.DataFrame, con, path) -> None:
    """Every target_tag of ``ideas`` (read from ``path``) is 'any' or a category of the data's feature_map."""
    from .preferences import categories
    unknown = sorted(set(ideas["target_tag"]) - {"any", *categories(con)})
    if unknown:
        raise ConfigError(f"{path}: target_tag {', '.join(unknown)} is not a preference tag of these data; use one "
                          f"of {', '.join(categories(con))} (the feature_map categories) or any.")


def month_ideas(lc, month: str, path, *, churn_after: int = 2, states: pd.DataFrame | None = None,
                prefs: pd.DataFrame | None = None) -> pd.DataFrame:
    """``rank_ideas`` for the users entered by ``month`` (states and preference tags of the month).
    ``states`` (``lc.user_states(month, churn_after)``) and ``prefs`` (``preference_shares`` of the
    month with at least ``user_id`` and ``tags``): the caller's, when it has them already."""
    from .preferences import preference_shares
    ideas = load_ideas(path)
    check_idea_tags(ideas, lc.con, path)
    if states is None:
        states = lc.user_states(month, churn_after)
    if (ideas["target_tag"] != "any").any():
        if prefs is None:
            prefs = preference_shares(lc.con, month, active_events=lc.active_events, signal_events=lc.signal_events,
                                      users=states["user_id"])
        users = states[["user_id", "state"]].merge(prefs[["user_id", "tags"]], on="user_id", how="left")
    else:
        users = states[["user_id", "state"]].assign(tags="")
    return rank_ideas(ideas, users)


SAMPLE_IDEAS = [  # the sample's ideas.csv (toolkit.data.sample writes it)
    ("保养提醒唤醒休眠车主 service reminder for dormant drivers", "dormant", "car_control", 7, 6, 8, "运营 ops A"),
    ("流失用户召回礼包 win-back coupon for churned users", "churned", "any", 8, 4, 5, "运营 ops B"),
    ("新用户7日任务 first-week tasks for new users", "new", "any", 6, 7, 6, "产品 product"),
    ("社区话题活动 community topic week", "active", "community", 4, 5, 9, "社区 community"),
    ("商城会员日 shop members' day", "any", "shop", 5, 5, 7, "商城 shop"),
]


def write_sample_ideas(out) -> Path:
    """Write the sample's ideas.csv to the folder ``out``."""
    path = Path(out) / FILE
    pd.DataFrame(SAMPLE_IDEAS, columns=COLUMNS).to_csv(path, index=False)
    return path
