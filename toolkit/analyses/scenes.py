"""Automated scenes (自动化场景, domain.md section 7): rules kept as data select users
each month by lifecycle state, months inactive and preference tag; a reproducible
random control share is held out; the month's pushes are written to the pushes
table (监控表), replacing any earlier run of the same month.  Evaluation compares
reactivation within N days of the push between treatment and control."""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .. import queries
from .abtest import two_proportions
from ..data.small_tables import known_name, read_csv_table
from ..errors import ConfigError, ToolkitError
from .lifecycle import STATES, Lifecycle
from ..months import add_months, month_str, parse_month
from .preferences import preference_shares

RULE_COLUMNS = ["rule_id", "priority", "state", "months_inactive", "tag", "content", "control_share"]
PUSH_COLUMNS = ["push_id", "user_id", "sent_at", "rule_id", "content", "arm"]
_SHIPPED_RULES = Path(__file__).resolve().parents[1] / "shipped" / "scene_rules.csv"   # in an installed wheel (setup.py)
DEFAULT_RULES = (_SHIPPED_RULES if _SHIPPED_RULES.is_file()
                 else Path(__file__).resolve().parents[2] / "data" / "scene_rules.csv")


RULE_FILES = ("scene_rules.csv", "scene_rules.yaml", "scene_rules.yml")


def rules_for(data_dir, explicit=None) -> Path | None:
    """The scene rules of a data set: the file given, else ``scene_rules.csv`` (or .yaml) in the data
    folder, else None.  Rules belong to a data set: the car-app rules of ``data/scene_rules.csv`` are
    written into the sample's folder by ``toolkit sample`` and apply to it alone (also to a sample
    written before that, recognised by its ``truth.json``)."""
    if explicit:
        return Path(explicit)
    for name in RULE_FILES:
        p = Path(data_dir) / name
        if p.is_file():
            return p
    truth = Path(data_dir) / "truth.json"     # a sample generated before the rules were copied into it
    if truth.is_file():
        import json
        try:
            if json.loads(truth.read_text(encoding="utf-8")).get("generator") == "toolkit.sample":
                return DEFAULT_RULES
        except (ValueError, OSError):
            pass
    return None


def load_rules(path=None, categories: list[str] | None = None) -> pd.DataFrame:
    """Read and check the rules table (CSV or YAML list of mappings), sorted by priority.

    A value that cannot be right is a ConfigError naming the file, the rule, the column and
    what to write instead: a state outside domain.md's, a priority or months_inactive that is
    not a whole number, a control_share that is not a share in [0, 1) ("10%" is written 0.1),
    a repeated rule id; with ``categories`` (the data's, ``preferences.categories``), a tag
    that is none of them (a rule on a mistyped tag would match nobody, silently)."""
    path = Path(path or DEFAULT_RULES)
    if not path.is_file():
        where = f" (looked for {path.resolve()})" if not path.is_absolute() else ""
        raise ConfigError(f"Scene rules file {path} does not exist{where}; give its full path, or put "
                          f"scene_rules.csv in the data folder (the sample's {DEFAULT_RULES.name} shows the columns: "
                          f"{', '.join(RULE_COLUMNS)}).")
    if path.suffix in (".yaml", ".yml"):
        import yaml
        try:
            rules = pd.DataFrame(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
        except UnicodeDecodeError:
            raise ConfigError(f"{path} is not UTF-8 text: save it as UTF-8.") from None
    else:
        rules = read_csv_table(path, RULE_COLUMNS, what="one row per rule", dtype={"rule_id": str})
    missing = [c for c in ("rule_id", "state", "content") if c not in rules.columns]
    if missing:
        raise ConfigError(f"{path}: missing column(s) {', '.join(missing)}; the rules' columns are "
                          f"{', '.join(RULE_COLUMNS)} (rule_id, state and content required).")
    rules = rules.copy()
    for col, default in (("priority", None), ("months_inactive", np.nan), ("tag", "any"), ("control_share", 0.1)):
        if col not in rules:
            rules[col] = default
    rules["rule_id"] = rules["rule_id"].astype(str).str.strip()
    for col, whole, fix in (("priority", True, "a whole number (1 runs first)"),
                            ("months_inactive", True, "a whole number of months (1, 2, ...) or empty for any"),
                            ("control_share", False, "a share between 0 and 1, e.g. 0.1 for 10%")):
        rules[col] = _numbers(rules, col, path, whole=whole, fix=fix)
    rules["priority"] = rules["priority"].fillna(pd.Series(range(1, len(rules) + 1), index=rules.index))
    rules["tag"] = rules["tag"].fillna("any").astype(str).str.strip()
    rules["state"] = rules["state"].astype(str).str.strip()
    rules["control_share"] = rules["control_share"].fillna(0.1)
    bad = rules[~rules["state"].isin(STATES + ["any"])]
    if len(bad):
        from ..report import labels as L
        state = bad.iloc[0]["state"]
        raise ConfigError(f"{path}: rule {bad.iloc[0]['rule_id']} has state {state!r}{known_name(state, STATES, L.state)}. "
                          f"States are: {', '.join(STATES)}, or any.")
    bad = rules[(rules["control_share"] < 0) | (rules["control_share"] >= 1)]
    if len(bad):
        raise ConfigError(f"{path}: rule {bad.iloc[0]['rule_id']} has control_share {bad.iloc[0]['control_share']:g}; "
                          "it must be at least 0 and below 1 (the share held out as control, e.g. 0.1).")
    bad = rules[(rules["months_inactive"] < 0)]
    if len(bad):
        raise ConfigError(f"{path}: rule {bad.iloc[0]['rule_id']} has months_inactive "
                          f"{bad.iloc[0]['months_inactive']:g}; write 0 or more, or leave it empty for any.")
    twice = rules["rule_id"][rules["rule_id"].duplicated()]
    if len(twice):
        raise ConfigError(f"{path}: rule id {twice.iloc[0]!r} is used more than once; rule ids must be unique.")
    if categories is not None:
        _check_tags(rules, categories, path)
    return rules.sort_values(["priority", "rule_id"], ignore_index=True)[RULE_COLUMNS]


def _numbers(rules: pd.DataFrame, col: str, path: Path, *, whole: bool, fix: str) -> pd.Series:
    """Column ``col`` as numbers (empty stays empty); a value that is not one (or not whole,
    when ``whole``) is a ConfigError naming the rule."""
    given = rules[col]
    text = given.where(given.isna(), given.astype(str).str.strip())
    num = pd.to_numeric(text.replace("", np.nan), errors="coerce").astype(float)
    wrong = (num.isna() & text.notna() & (text != "")) | (whole & num.notna() & (num != num.round()))
    if wrong.any():
        i = wrong.idxmax()
        raise ConfigError(f"{path}: rule {rules.loc[i, 'rule_id']} has {col} {str(text[i])!r}; write {fix}.")
    return num


def _check_tags(rules: pd.DataFrame, categories: list[str], path: Path) -> None:
    """Every rule's tag is 'any' or one of the data's categories."""
    from ..report import labels as L
    known = [c for c in categories if c != "other"]
    for r in rules.itertuples(index=False):
        if r.tag == "any" or r.tag in categories:
            continue
        if not known:
            raise ConfigError(f"{path}: rule {r.rule_id} has tag {r.tag!r}, but the data have no feature_map, so no "
                              "user carries a tag; write 'any', or add feature_map.csv (event name → category) to the "
                              "data folder.")
        hint = known_name(r.tag, known, L.category)
        listed = ", ".join(f"{c} ({L.category(c, 'zh')})" if L.category(c, "zh") != c else c for c in known)
        raise ConfigError(f"{path}: rule {r.rule_id} has tag {r.tag!r}, which is not a category of the data's "
                          f"feature_map{hint}. Tags are: {listed}, or 'any'.")


def rule_warnings(rules: pd.DataFrame, churn_after: int) -> list[str]:
    """What makes a rule unable to select anyone or to be measured, in a line each: a months
    inactive its state cannot have with churn window k (dormant users are inactive 1 .. k-1 months,
    churned ones k or more; active states 0), and a control_share of 0 (no control group: its
    pushes cannot be evaluated).  Such a rule wrote "0 pushes" and an empty table, without why."""
    out = []
    for _, r in rules.iterrows():
        m = r["months_inactive"]
        if not pd.isna(m):
            m, state = int(m), r["state"]
            possible = (range(1, churn_after) if state == "dormant" else range(churn_after, 10 ** 6)
                        if state == "churned" else range(0, 1))
            if m not in possible:
                have = {"dormant": ("1" if churn_after == 2 else f"1 to {churn_after - 1}") if churn_after > 1
                        else "none (no dormant state with k = 1)",
                        "churned": f"{churn_after} or more"}.get(state, "0")
                out.append(f"rule {r['rule_id']}: {state} users with churn_after {churn_after} have months_inactive "
                           f"{have}, never {m}: the rule selects nobody; change months_inactive or the state.")
        if r["control_share"] == 0:
            out.append(f"rule {r['rule_id']} holds out no control (control_share 0): its pushes cannot be evaluated; "
                       "a control_share such as 0.1 keeps 10% of its users as the comparison.")
    return out


def _first_rule(users: pd.DataFrame, rules: pd.DataFrame) -> np.ndarray:
    """The position in ``rules`` (sorted by priority) of the first rule each row of ``users``
    (state, months_inactive, tags) matches, -1 for none: a rule matches on its state (or
    'any'), its months inactive (or none given) and its tag among the row's comma-separated
    tags (or 'any')."""
    from .preferences import tag_indicators
    first = np.full(len(users), -1)
    tags = users["tags"].fillna("") if "tags" in users else pd.Series("", index=users.index)
    for i, r in enumerate(rules.itertuples(index=False)):
        m = first < 0
        if r.state != "any":
            m &= (users["state"] == r.state).to_numpy()
        if not pd.isna(r.months_inactive):
            m &= (users["months_inactive"] == int(r.months_inactive)).to_numpy()
        if r.tag != "any":
            m &= tag_indicators(tags, [r.tag])[:, 0]
        first[m] = i
    return first


def select(lc: Lifecycle, rules: pd.DataFrame, month: str, *, churn_after: int = 2, seed: int = 2024,
           send_hour: int = 8, basis: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The pushes of push month ``month``: users matched on their state, months inactive and
    tags at the end of the month before; each user gets the first matching rule by priority;
    a share ``control_share`` of each rule's users is held out (arm 'control'), reproducibly
    for a seed.  ``basis`` may pass (states, preferences) of the month before, already
    computed with ``preferences.month_preferences``.  Returns PUSH_COLUMNS."""
    if basis is None:
        basis_month = month_str(add_months(parse_month(month), -1))
        states = lc.user_states(basis_month, churn_after)
        prefs = preference_shares(lc.con, basis_month, active_events=lc.active_events,
                                  signal_events=lc.signal_events, users=states["user_id"])
    else:
        states, prefs = basis
    users = states.merge(prefs[["user_id", "tags", "primary_tag"]], on="user_id", how="left")
    first = _first_rule(users, rules)
    chosen = []
    for i, (_, r) in enumerate(rules.iterrows()):
        m = first == i
        sel = users.loc[m, ["user_id"]].sort_values("user_id").copy()
        rng = np.random.default_rng([seed, parse_month(month).year, parse_month(month).month,
                                     int(r["priority"]) if not pd.isna(r["priority"]) else 0])
        sel["arm"] = np.where(rng.random(len(sel)) < r["control_share"], "control", "treatment")
        sel["rule_id"], sel["content"] = r["rule_id"], r["content"]
        chosen.append(sel)
    out = pd.concat(chosen, ignore_index=True) if chosen else pd.DataFrame(columns=["user_id", "arm", "rule_id",
                                                                                    "content"])
    d = parse_month(month)
    out["sent_at"] = pd.Timestamp(datetime(d.year, d.month, 1, send_hour))
    out["push_id"] = [f"{month}-{r}-{i:07d}" for i, r in zip(out.groupby("rule_id").cumcount(), out["rule_id"])]
    return out[PUSH_COLUMNS]


def month_pushes(store, month: str) -> pd.Series:
    """The pushes the pushes table already holds for push month ``month``, per rule (empty
    when none, or without a pushes table)."""
    if store.sources["pushes"].kind == "missing":
        return pd.Series(dtype="int64")
    rows = store.con.execute("SELECT rule_id, count(*) FROM pushes WHERE strftime(sent_at, '%Y-%m') = $month "
                             "GROUP BY rule_id ORDER BY rule_id", {"month": month}).fetchall()
    return pd.Series({str(r): int(n) for r, n in rows}, dtype="int64")


def write_pushes(store, month: str, pushes: pd.DataFrame) -> tuple[Path, Path | None]:
    """Replace the month's pushes (of every rule: a user gets one push a month, the first
    matching rule's) in the pushes table with ``pushes``; returns (the table, the copy of the
    rows it replaced or None).

    The rows replaced are kept first in ``DIR/replaced-pushes/pushes-<month>-<time>.<suffix>``
    (the record of who was held out must not be lost to a --replace); the table is rewritten to
    a temporary file and moved into place, so a failure leaves the old table.  Supported:
    DIR/pushes.parquet or DIR/pushes.csv (created as Parquet when absent)."""
    src = store.sources["pushes"]
    if src.kind == "missing":
        path = Path(store.data_dir) / "pushes.parquet"
    elif src.kind in ("parquet", "csv") and "*" not in src.location:
        path = Path(src.location)
    else:
        raise ToolkitError(f"The pushes table is {src.describe()}; scenes can only rewrite a single pushes.parquet "
                           "or pushes.csv. Use --dry-run --out FILE and load the file yourself.")
    keep = store.con.execute(
        "SELECT push_id, user_id, sent_at, rule_id, content, arm FROM pushes "
        "WHERE strftime(sent_at, '%Y-%m') IS DISTINCT FROM $month", {"month": month}).df() \
        if src.kind != "missing" else pd.DataFrame(columns=PUSH_COLUMNS)
    kept = None
    if src.kind != "missing":
        old = store.con.execute("SELECT * FROM pushes WHERE strftime(sent_at, '%Y-%m') = $month",
                                {"month": month}).df()
        if len(old):
            kept = Path(store.data_dir) / "replaced-pushes" / f"pushes-{month}-{datetime.now():%Y%m%dT%H%M%S}{path.suffix}"
            kept.parent.mkdir(exist_ok=True)
            old.to_csv(kept, index=False) if path.suffix == ".csv" else old.to_parquet(kept, index=False)
    new = pushes.copy()
    new["sent_at"] = pd.to_datetime(new["sent_at"]).astype("datetime64[us]")
    keep["sent_at"] = pd.to_datetime(keep["sent_at"]).astype("datetime64[us]")
    both = pd.concat([keep, new], ignore_index=True) if len(keep) else new
    both = both.astype({"push_id": str, "rule_id": str, "content": str, "arm": str})
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if path.suffix == ".csv":
        both.to_csv(tmp, index=False)
    else:
        both.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path, kept


EVALUATION_COLUMNS = ["rule_id", "month", "treatment", "control", "difference", "ci_low", "ci_high", "p_value",
                      "n_treatment", "n_control", "first_month", "last_month", "months"]


def _outcome_bounds(con, days: int, until, active_events, signal_events) -> tuple:
    """(the last day a push's ``days`` days may end: ``until``, at the latest the last day of
    the events; the months of aggregates the outcomes read), with the aggregates in place."""
    from ..aggregates import ensure
    from ..months import event_span
    ensure(con, active_events=active_events, signal_events=signal_events)
    queries.run(con, "day_span_mask")
    last = event_span(con)[1]
    ends = [d for d in (pd.Timestamp(until).date() if until is not None else None,
                        last.date() if last is not None else None) if d is not None]
    end = min(ends) if ends else date(1900, 1, 1)       # no events: no outcome is known
    first, latest = con.execute("SELECT min(CAST(sent_at AS DATE)) + 1, max(CAST(sent_at AS DATE)) + CAST($d AS INTEGER) "
                                "FROM pushes WHERE user_id IS NOT NULL", {"d": days}).fetchone()
    bounds = dict(from_mi=first.year * 12 + first.month - 1, to_mi=latest.year * 12 + latest.month - 1) \
        if first is not None else dict(from_mi=0, to_mi=-1)
    return end, bounds


OUTCOME_COLUMNS = ["user_id", "rule_id", "month", "arm", "sent_day", "reactivated"]


def push_outcomes(con, *, days: int = 30, active_events=(), signal_events=("trip",), until=None) -> pd.DataFrame:
    """One row per push whose ``days`` days ended by ``until`` (as :func:`evaluate`): the user,
    rule, push month, arm, push day and whether the user was active on one of the ``days``
    days after it (``reactivated``): the users behind :func:`evaluate`'s counts, for a CRM
    list.  ``attrs["pending"]`` as there."""
    end, bounds = _outcome_bounds(con, days, until, active_events, signal_events)
    text = queries.load("scene_push_outcomes") + " ORDER BY rule_id, month, arm, user_id, sent_day"
    df = queries.execute(con, text, days=days, until=end, **bounds).df()
    df.attrs["pending"] = dict(queries.run(con, "scene_pending", end=end, days=days).fetchall())
    return df[OUTCOME_COLUMNS]


def evaluate(con, *, days: int = 30, active_events=(), signal_events=("trip",), alpha: float = 0.05,
             until=None) -> pd.DataFrame:
    """Per rule and push month, and per rule over all its months ('all'): reactivation within
    ``days`` days (the days after the push day) for treatment and control, the difference,
    its interval and p-value, and the push months pooled (``first_month`` .. ``last_month``,
    ``months`` of them with pushes); ``n_treatment`` and ``n_control`` pooled are pushes (a user
    pushed in two months counts twice).
    Only pushes whose ``days`` days end by ``until`` (a date; default and at the latest: the
    last day of the events) are evaluated: a report of March quotes no push of April, and a
    push of the last weeks, whose outcome is not known yet, is not counted as a failure.
    ``attrs["pending"]``: {push month: pushes} of those left out for it, sent by ``until``.
    Activity comes from the monthly aggregates (computed in memory first when ``con`` has
    none); the users behind the counts: :func:`push_outcomes`."""
    end, bounds = _outcome_bounds(con, days, until, active_events, signal_events)
    df = queries.execute(con, queries.with_cte("scene_evaluation", "scene_push_outcomes"),
                         days=days, until=end, **bounds).df()
    pending = dict(queries.run(con, "scene_pending", end=end, days=days).fetchall())
    rows = []
    if df.empty:
        out = pd.DataFrame(columns=EVALUATION_COLUMNS)
        out.attrs["pending"] = pending
        return out
    pooled = df.groupby(["rule_id", "arm"], as_index=False).agg(
        pushed=("pushed", "sum"), reactivated=("reactivated", "sum"), first_month=("month", "min"),
        last_month=("month", "max"), months=("month", "nunique"))
    pooled["month"] = "all"
    df = df.assign(first_month=df["month"], last_month=df["month"], months=1)
    for (rule, month), g in pd.concat([df, pooled]).groupby(["rule_id", "month"], sort=True):
        a = g.set_index("arm")
        t = a.loc["treatment"] if "treatment" in a.index else None
        c = a.loc["control"] if "control" in a.index else None
        r = two_proportions(int(t["reactivated"]) if t is not None else 0, int(t["pushed"]) if t is not None else 0,
                            int(c["reactivated"]) if c is not None else 0, int(c["pushed"]) if c is not None else 0,
                            alpha)
        rows.append({"rule_id": rule, "month": month, **r, "first_month": g["first_month"].min(),
                     "last_month": g["last_month"].max(), "months": int(g["months"].max())})
    out = pd.DataFrame(rows)
    out.attrs["pending"] = pending
    return out


def audience(lc: Lifecycle, rules: pd.DataFrame, month: str, churn_after: int = 2, basis=None,
             window=None) -> pd.DataFrame:
    """Per rule: the users it would select for push month ``month`` (treatment + control).

    ``window``: the ``preferences.WindowPreferences`` of the month before (what a report has):
    its listed users are matched one by one, its unlisted ones (no tags) by their counts per
    state and months inactive, so nobody is listed who had no activity in the window; else
    ``basis`` as for ``select``."""
    if window is not None:
        listed = window.prefs[["state", "months_inactive", "tags"]].assign(n=1)
        units = pd.concat([listed, window.unknown.assign(tags="")], ignore_index=True)
        first = _first_rule(units, rules)
        n = np.bincount(first[first >= 0], weights=units["n"].to_numpy()[first >= 0], minlength=len(rules))
        return rules.assign(audience=n.astype(int))
    sel = select(lc, rules, month, churn_after=churn_after, basis=basis)
    counts = sel.groupby("rule_id").size()
    return rules.assign(audience=rules["rule_id"].map(counts).fillna(0).astype(int))
