"""Churn early warning (流失预警, domain.md section 10; seed 000 建立流失预警机制).

For every user active in month M: the probability of being inactive in M + 1, from
behaviour computed in DuckDB over the monthly aggregates (``sql/churn_features.sql``):
recency in days, active days in each of the last three months and their trend, feature
categories used, the offline signal, orders, campaign membership, tenure and lifecycle
state.  scikit-learn fits two models, a logistic regression (with scaling) and a
gradient-boosted model (``HistGradientBoostingClassifier``).

Months, for report month M (the last month whose activity is known):

* evaluation month E = M - 1, the latest month whose outcome (activity in M) is known;
* validation month V = E - 1: both models are trained on the ``train_months`` months
  before V and the one with the higher ROC AUC on V is chosen;
* both are then trained on the months before E and evaluated *out of time* on E: ROC AUC,
  precision and recall among the top 10% by risk, a calibration curve (and its mean
  absolute gap), beside the same figures for the baseline, a logistic regression on
  recency alone;
* the chosen model, trained on the months before M, scores the users active in M.

The reasons given per user are the three features whose value raises the user's risk
most: the drop in probability when the feature is set to the training months' typical
value (median; the most common lifecycle state), largest first, of at least one point, each with
that typical value beside it ("orders (3 months) 10 (typical 2)": the direction in which
the value is unusual); a user none of whose features raises the risk above a typical
user's has "none above a typical user's".
"""
from __future__ import annotations

import math
import pickle
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import queries
from ..errors import ConfigError
from ..months import next_month, parse_month

NUMERIC = ["recency_days", "days_0", "days_1", "days_2", "trend", "signal_days", "signal_3m", "categories_3m",
           "orders_3m", "amount_3m", "campaign_3m", "tenure_months"]
ACTIVE_STATES = ["new", "new_retained", "active", "woken", "returned"]
STATE_COLS = [f"state_{s}" for s in ACTIVE_STATES]
FEATURES = NUMERIC + STATE_COLS
GROUPS = {**{c: [c] for c in NUMERIC}, "state": STATE_COLS}
WORDS = {  # feature -> (English, Chinese), the reasons in words
    "recency_days": ("days since last active", "距最近活跃天数"),
    "days_0": ("active days this month", "本月活跃天数"),
    "days_1": ("active days last month", "上月活跃天数"),
    "days_2": ("active days two months ago", "两个月前活跃天数"),
    "trend": ("change in active days from last month", "活跃天数环比变化"),
    "signal_days": ("offline-signal days this month", "本月线下信号天数"),
    "signal_3m": ("offline signal in the last 3 months", "近3个月有线下信号"),
    "categories_3m": ("feature categories used (3 months)", "近3个月使用功能类别数"),
    "orders_3m": ("orders (3 months)", "近3个月订单数"),
    "amount_3m": ("order amount (3 months)", "近3个月订单金额"),
    "campaign_3m": ("campaign member (3 months)", "近3个月参与活动"),
    "tenure_months": ("months since entry", "注册月数"),
    "state": ("lifecycle state", "用户分群"),
}
TOP_SHARE = 0.10
# the evaluation month's users who went inactive, and who stayed active, needed (each) for the model's accuracy
# there to be quoted: six users of whom one lapsed gave an AUC of 0.000, read as a verdict
MIN_EVAL_EACH = 20
CALIBRATION_POINTS = 5   # predicted and observed shares this many points apart: an expected count is read again (read_as)
REASON_MIN = 0.01          # a reason raises the probability by at least one point (smaller lifts are the model's noise)
MAX_TRAIN_ROWS = 300_000   # a fit learns from at most this many user-months (a random draw, fixed seed)


def _mi(month: str) -> int:
    m = parse_month(month)
    return m.year * 12 + m.month - 1


def churn_features(lc, from_mi: int, to_mi: int, *, churn_after: int = 2) -> pd.DataFrame:
    """One row per user active in each month ``from_mi`` .. ``to_mi``: the columns of
    ``sql/churn_features.sql`` plus ``trend`` and the state indicators; ``inactive_next``
    is NaN where the outcome is not known (after ``lc``'s last month)."""
    from ..aggregates.build import ensure_categories
    ensure_categories(lc.con, from_mi - 2, to_mi, active_events=lc.active_events, signal_events=lc.signal_events)
    lc.monthly_states_ready()
    text = queries.with_cte("churn_features", "lifecycle_states")
    # one query per month: each month's rows depend on its own three months only, and nine months
    # of a million users at once (4 million rows, sorted) ran out of a 2 GB memory limit
    parts = [queries.execute(lc.con, text, k=int(churn_after), from_mi=mi, to_mi=mi, last_mi=int(lc.last_mi)).df()
             for mi in range(int(from_mi), int(to_mi) + 1)]
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0] if parts else \
        queries.execute(lc.con, text, k=int(churn_after), from_mi=1, to_mi=0, last_mi=int(lc.last_mi)).df()
    return _prepare(df)


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    df["trend"] = df["days_0"] - df["days_1"]
    for c in ("signal_3m", "campaign_3m"):
        df[c] = df[c].astype(float)
    df["amount_3m"] = np.log1p(df["amount_3m"].clip(lower=0))
    for s, c in zip(ACTIVE_STATES, STATE_COLS):
        df[c] = (df["state"] == s).astype(float)
    df["inactive_next"] = df["inactive_next"].astype("float")
    return df


def _models(seed: int = 0) -> dict:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    return {"logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
            "boosting": HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
                                                       min_samples_leaf=50, l2_regularization=1.0,
                                                       early_stopping=False, random_state=seed)}


def _baseline():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def metrics(y, p, *, top: float = TOP_SHARE, bins: int = 10) -> dict:
    """ROC AUC, precision and recall among the ``top`` share by risk (ties broken by order),
    the calibration curve (``bins`` quantile bins) and its mean absolute gap, the base rate
    and the number of users."""
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import roc_auc_score
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    n_top = max(1, math.ceil(top * len(y)))
    flagged = np.zeros(len(y), dtype=bool)
    flagged[np.argsort(-p, kind="stable")[:n_top]] = True
    hits = int(y[flagged].sum())
    two = len(np.unique(y)) == 2
    true, pred = calibration_curve(y, p, n_bins=bins, strategy="quantile") if two else (np.array([]), np.array([]))
    return {"auc": float(roc_auc_score(y, p)) if two else float("nan"),
            "precision_top": hits / n_top, "recall_top": hits / y.sum() if y.sum() else float("nan"),
            "calibration_error": float(np.mean(np.abs(true - pred))) if len(true) else float("nan"),
            "calibration": pd.DataFrame({"predicted": pred, "observed": true}),
            "base_rate": float(y.mean()) if len(y) else float("nan"), "users": int(len(y)),
            "expected": float(p.sum()), "observed": int(y.sum())}


@dataclass
class ChurnRisk:
    """The result of ``churn_risk``: ``scores`` one row per user active in the month
    (user_id, state, probability, reasons, the features); ``evaluation`` one row per model
    (logistic, boosting, baseline) with the out-of-time figures on ``eval_month``;
    ``calibration`` the curves (model, predicted, observed); ``chosen`` the model picked on
    ``validation_month`` (``validation`` its AUCs)."""
    month: str
    eval_month: str
    validation_month: str
    train_months: list
    chosen: str
    validation: dict
    evaluation: pd.DataFrame
    calibration: pd.DataFrame
    scores: pd.DataFrame
    eval_frame: pd.DataFrame = field(repr=False, default=None)
    reference: dict = field(repr=False, default=None)
    model: object = field(repr=False, default=None)

    def explain(self, rows: pd.DataFrame, lang: str = "en") -> list[str]:
        """The reasons in words (see the module docstring) for some rows of ``scores``: the
        JupyterLab explorer words only the users it shows or saves, not the whole month."""
        if self.model is None or not len(rows):
            return [""] * len(rows)
        return reasons(self.model, rows, self.reference, lang=lang)[1]

    def backtest(self, min_probability: float = 0.0, state: str = "") -> dict:
        """How the chosen model's probabilities held on the evaluation month, a month it had not
        learned from: among its users at or above ``min_probability`` (of ``state``, if given),
        ``users``, the mean predicted probability (``predicted``) and the share inactive the month
        after (``observed``); NaN shares when nobody.  A contact list's expected count is read
        against it: on the UK shop the riskiest tenth were predicted at 86% and 71% went quiet."""
        ev = self.eval_frame
        if ev is None or f"p_{self.chosen}" not in ev:
            return {"users": 0, "predicted": float("nan"), "observed": float("nan")}
        p = ev[f"p_{self.chosen}"].to_numpy(dtype=float)
        keep = p >= min_probability
        if state:
            keep &= (ev["state"] == state).to_numpy()
        n = int(keep.sum())
        return {"users": n, "predicted": float(p[keep].mean()) if n else float("nan"),
                "observed": float(ev["inactive_next"].to_numpy(dtype=float)[keep].mean()) if n else float("nan")}

    def read_as(self, expected: float, back: dict) -> float | None:
        """``expected`` (a sum of probabilities) read at the evaluation month's rate, when the
        probabilities ``back`` (a :meth:`backtest`) held differ from what happened by
        ``CALIBRATION_POINTS`` or more (in whole percent as shown); None when they held (or
        nothing to judge by).  The UK shop's 884 expected of 1,664 customers: on its evaluation
        month 59% were predicted and 54% went quiet, so about 814."""
        if self.untested or not back["users"] or not back["predicted"] or np.isnan(back["predicted"]):
            return None
        gap = round(back["predicted"] * 100) - round(back["observed"] * 100)
        return expected * back["observed"] / back["predicted"] if abs(gap) >= CALIBRATION_POINTS else None

    @property
    def untested(self) -> tuple[int, int] | None:
        """(active users, of them inactive the month after) of the evaluation month when fewer than
        ``MIN_EVAL_EACH`` went inactive or stayed active: too few to measure the model on, so its
        accuracy is not quoted and its counts are not read again; None when enough."""
        ev = self.evaluation
        if ev is None or not len(ev):
            return None
        n, k = int(ev["users"].iloc[0]), int(ev["observed"].iloc[0])
        return (n, k) if min(k, n - k) < MIN_EVAL_EACH else None

    @property
    def expected_inactive(self) -> float:
        """Expected number of this month's active users inactive next month (sum of probabilities)."""
        return float(self.scores["probability"].sum())


def _cap(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """At most ``MAX_TRAIN_ROWS`` rows, drawn at random (reproducibly) when there are more."""
    return df.sample(MAX_TRAIN_ROWS, random_state=seed) if len(df) > MAX_TRAIN_ROWS else df


def _learnable(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` when its user-months have both outcomes; else a ConfigError saying why (a model
    cannot learn from months in which every active user stayed, or every one left: a scikit-learn
    traceback said 'This solver needs samples of at least 2 classes')."""
    outcomes = set(df["inactive_next"].astype(bool).unique()) if len(df) else set()
    if len(outcomes) < 2:
        from .lifecycle import month_label
        span = (f"{month_label(int(df['mi'].min()))} to {month_label(int(df['mi'].max()))}" if len(df) else
                "no month")
        what = ("no active user" if not outcomes else
                "every active user was inactive the month after" if True in outcomes else
                "every active user stayed active the month after")
        raise ConfigError(f"The churn model cannot learn from {span}: {what}, so there is nothing to tell apart. "
                          "Pick a later month, with more months of events before it.")
    return df


def _fit(model, df):
    df = _cap(_learnable(df))
    return model.fit(df[FEATURES].to_numpy(), df["inactive_next"].to_numpy().astype(int))


def _reference(train: pd.DataFrame) -> dict:
    ref = {c: float(train[c].median()) for c in NUMERIC}
    top_state = train["state"].mode().iloc[0] if len(train) else "active"
    ref.update({c: float(c == f"state_{top_state}") for c in STATE_COLS})
    return ref


def reasons(model, df: pd.DataFrame, ref: dict, *, lang: str = "en", n: int = 3) -> tuple[np.ndarray, list[str]]:
    """The model's probability for each row of ``df`` and, in words, the ``n`` features whose
    value raises it most (see the module docstring); one prediction per feature group."""
    X = df[FEATURES].to_numpy(dtype=float)
    p = model.predict_proba(X)[:, 1]
    names = list(GROUPS)
    lift = np.empty((len(df), len(names)))
    for j, g in enumerate(names):
        Xr = X.copy()
        for c in GROUPS[g]:
            Xr[:, FEATURES.index(c)] = ref[c]
        lift[:, j] = p - model.predict_proba(Xr)[:, 1]
    order = np.argsort(-lift, axis=1)[:, :n]
    texts = np.empty((len(df), len(names)), dtype=object)
    typical_state = next((c[len("state_"):] for c in STATE_COLS if ref[c] == 1.0), "active")
    for j, g in enumerate(names):
        word = WORDS[g][1 if lang == "zh" else 0]
        values = df["state"] if g == "state" else df[g]
        typical = _shown(g, pd.Series([typical_state if g == "state" else ref[g]]), lang).iloc[0]
        aside = f"(典型 {typical})" if lang == "zh" else f" (typical {typical})"
        texts[:, j] = (word + " " + _shown(g, values, lang) + aside).to_numpy()
    picked = np.take_along_axis(texts, order, axis=1)
    raises = np.take_along_axis(lift, order, axis=1) >= REASON_MIN   # sorted: once one does not raise, none after
    out = np.where(raises[:, 0], picked[:, 0], "").astype(object)
    for k in range(1, order.shape[1]):
        out = out + np.where(raises[:, k], "; " + picked[:, k].astype(str), "").astype(object)
    none = "各项均不高于典型用户" if lang == "zh" else "none above a typical user's"
    return p, [r or none for r in out]


def _shown(group: str, values: pd.Series, lang: str) -> pd.Series:
    """A feature's values as a reason shows them: states by name, yes/no flags, amounts unlogged."""
    zh = lang == "zh"
    if group == "state":        # the state in the reasons' language (a Chinese reason said "用户分群 returned")
        from .lifecycle import STATE_ZH
        return values.astype(str).map(lambda s: STATE_ZH.get(s, s) if zh else s.replace("_", " "))
    if group in ("signal_3m", "campaign_3m"):   # a flag; its typical value (a median) may be 0.5
        return pd.Series(np.where(values.to_numpy(dtype=float) >= 0.5, "是" if zh else "yes", "否" if zh else "no"),
                         index=values.index)
    if group == "amount_3m":
        return np.expm1(values).map("{:,.0f}".format)
    return values.map("{:g}".format)


def churn_risk(lc, month: str, *, churn_after: int = 2, train_months: int = 6, lang: str = "en",
               with_reasons: bool = True, seed: int = 0, threads: int = 1) -> ChurnRisk:
    """Fit, choose, evaluate out of time and score (see the module docstring) for report
    month ``month``; ``lc`` a ``Lifecycle`` whose last month is ``month``.  ``threads``
    limits the models' OpenMP/BLAS threads (0: the library's default, one per core): on a
    shared machine one thread is many times faster than threads fighting for the cores."""
    import sklearn.ensemble  # noqa: F401 - load the OpenMP runtime first: threadpoolctl limits the loaded ones
    import sklearn.linear_model  # noqa: F401
    from threadpoolctl import threadpool_limits
    kept = _kept_folder(lc, month, churn_after=churn_after, train_months=train_months, seed=seed)
    if kept is not None and (kept / "result.json").is_file():
        try:
            return _read_kept(kept, lang=lang, with_reasons=with_reasons)
        except (OSError, ValueError, KeyError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass      # unreadable (e.g. written by another library version): fit again and replace it
    with threadpool_limits(limits=int(threads) if threads else None):
        r, final = _churn_risk(lc, month, churn_after=churn_after, train_months=train_months, lang=lang,
                               with_reasons=with_reasons, seed=seed)
    if kept is not None:
        _keep(kept, r, final)
    return r


# ------------------------------------------------------------- kept results (the aggregate cache)
#
# A fit for month M is a function of the monthly aggregates and lifecycle snapshots of the months
# up to M (up to M + 1 when the lifecycle's last month is after M: the outcome column), of the
# campaigns, of the parameters and of this code.  With a cache, the result is kept in the folder
# of that last month, ``months/YYYY-MM/churn-<key>/``, where ``key`` digests the rest; the build
# deletes it whenever it steps that month's snapshot again (a changed or recomputed month at or
# before it), as it does the month's state counts.  A second run of the month (the other language,
# a re-run) reads it instead of fitting: the same tables, the same model.

KEPT_PREFIX = "churn-"


def _kept_folder(lc, month: str, *, churn_after: int, train_months: int, seed: int):
    """The folder of the kept result of these arguments, or None when there is no cache (in-memory
    aggregates) or the month is after the cached months."""
    import hashlib
    import json
    from pathlib import Path

    import sklearn

    from ..aggregates.cache import FORMAT
    from ..aggregates.tables import month_label
    agg = getattr(lc, "aggregates", None)
    root = getattr(agg, "root", None)
    if root is None:
        return None
    M = _mi(month)
    holder = min(int(lc.last_mi), M + 1)
    if M > lc.last_mi or holder > agg.last_mi or holder < agg.first_mi:
        return None
    folder = Path(root) / "months" / month_label(holder)
    if not folder.is_dir():
        return None
    campaigns = lc.con.execute(
        "SELECT count(*), coalesce(sum(hash(campaign_id, start_date, end_date)), 0) FROM campaigns").fetchone() \
        if _has(lc.con, "campaigns") else None
    members = lc.con.execute(
        "SELECT count(*), coalesce(sum(hash(campaign_id, user_id)), 0) FROM campaign_members").fetchone() \
        if _has(lc.con, "campaign_members") else None
    digest = hashlib.sha256()
    for path in (Path(__file__), Path(queries.__file__).parent / "sql" / "churn_features.sql"):
        digest.update(path.read_bytes())
    digest.update(json.dumps({"month": M, "holder": holder, "k": int(churn_after), "n": int(train_months),
                              "seed": int(seed), "cap": MAX_TRAIN_ROWS, "format": FORMAT,
                              "sklearn": sklearn.__version__, "numpy": np.__version__,
                              "active": list(lc.active_events), "signal": list(lc.signal_events),
                              "campaigns": [str(v) for v in campaigns or ()],
                              "members": [str(v) for v in members or ()]}, sort_keys=True).encode())
    return folder / f"{KEPT_PREFIX}{month_label(M)}-{digest.hexdigest()[:16]}"


def _has(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $n", {"n": name}).fetchone()[0]
                + con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = $n", {"n": name}).fetchone()[0])


FRAMES = ("evaluation", "calibration", "scores", "eval_frame")


def _keep(folder, r: ChurnRisk, final) -> None:
    """Write ``r`` (its scores without reasons) and the final model into ``folder``, atomically
    (a folder beside it renamed into place); a failure to write leaves no kept result."""
    import json
    import os
    import shutil
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}")
    try:
        tmp.mkdir()
        for name in FRAMES:
            frame = getattr(r, name)
            if name == "scores":
                frame = frame.drop(columns="reasons")
            frame.to_parquet(tmp / f"{name}.parquet")
        with open(tmp / "model.pickle", "wb") as fh:
            pickle.dump(final, fh, protocol=pickle.HIGHEST_PROTOCOL)
        meta = {"month": r.month, "eval_month": r.eval_month, "validation_month": r.validation_month,
                "train_months": r.train_months, "chosen": r.chosen, "validation": r.validation,
                "reference": r.reference}
        (tmp / "result.json").write_text(json.dumps(meta), encoding="utf-8")
        for old in folder.parent.glob(f"{KEPT_PREFIX}{r.month}-*"):   # another key's result of the month
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, folder)
    except OSError:
        pass                   # the cache is never needed for the result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_kept(folder, *, lang: str, with_reasons: bool) -> ChurnRisk:
    import json
    meta = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    frames = {name: pd.read_parquet(folder / f"{name}.parquet") for name in FRAMES}
    now = frames["scores"].drop(columns="probability")
    with open(folder / "model.pickle", "rb") as fh:
        final = pickle.load(fh)
    if with_reasons:
        _, why = reasons(final, now, meta["reference"], lang=lang)
    else:
        why = [""] * len(now)
    frames["scores"] = frames["scores"].assign(reasons=why)
    return ChurnRisk(month=meta["month"], eval_month=meta["eval_month"], validation_month=meta["validation_month"],
                     train_months=meta["train_months"], chosen=meta["chosen"], validation=meta["validation"],
                     reference=meta["reference"], model=final, **frames)


def _churn_risk(lc, month, *, churn_after, train_months, lang, with_reasons, seed) -> tuple[ChurnRisk, object]:
    """The result and the chosen model as fitted to score the month."""
    M = _mi(month)
    if M > lc.last_mi:
        raise ConfigError(f"Month {month} is after the data: churn risk needs the month's activity.")
    E, V = M - 1, M - 2
    # the months it learns from have events: registrations older than the events export are months
    # in which every user was inactive by construction, nothing to learn from
    start = max(lc.first_mi, int(lc.con.execute("SELECT coalesce(min(mi), 0) FROM agg_user_month").fetchone()[0]))
    first = start + 2                                # the first month with three months of history behind it
    n = int(train_months)
    if n < 1:
        raise ConfigError(f"train_months must be at least 1, got {train_months}.")
    if V - 1 < start:
        raise ConfigError(f"Churn risk for {month} needs at least three earlier months with events (train, validate, "
                          "evaluate); pick a later month.")
    lo = max(start, min(first, V - 1), V - n)
    df = churn_features(lc, lo, M, churn_after=churn_after)
    from .lifecycle import month_label

    def months(a, b):
        return df[(df["mi"] >= a) & (df["mi"] <= b)]
    # choose on the validation month V: train on the n months before it
    train_v, val = months(max(lo, V - n), V - 1), months(V, V)
    fitted, auc_v = {}, {}
    for name, model in _models(seed).items():
        fitted[name] = _fit(model, train_v)
        auc_v[name] = metrics(val["inactive_next"], fitted[name].predict_proba(val[FEATURES].to_numpy())[:, 1])["auc"]
    chosen = max(auc_v, key=lambda k: -1 if np.isnan(auc_v[k]) else auc_v[k])
    # evaluate out of time on E: train on the n months before it
    train_e, ev = months(max(lo, E - n), E - 1), months(E, E)
    rows, curves = [], []
    probs = {}
    for name, model in {**_models(seed), "baseline": _baseline()}.items():
        if name == "baseline":
            capped = _cap(_learnable(train_e))
            model.fit(capped[["recency_days"]].to_numpy(), capped["inactive_next"].astype(int))
            p = model.predict_proba(ev[["recency_days"]].to_numpy())[:, 1]
        else:
            p = _fit(model, train_e).predict_proba(ev[FEATURES].to_numpy())[:, 1]
        probs[name] = p
        m = metrics(ev["inactive_next"], p)
        curves.append(m.pop("calibration").assign(model=name))
        rows.append({"model": name, **m, "chosen": name == chosen, "validation_auc": auc_v.get(name, np.nan)})
    eval_frame = ev[["user_id", "mi", "state", "inactive_next"]].assign(**{f"p_{k}": v for k, v in probs.items()})
    # score month M with the chosen model trained on the n months before it
    train_m, now = months(max(lo, M - n), M - 1), months(M, M).reset_index(drop=True)
    final = _fit(_models(seed)[chosen], train_m)
    ref = _reference(train_m)
    if with_reasons:
        p, why = reasons(final, now, ref, lang=lang)
    else:
        p, why = final.predict_proba(now[FEATURES].to_numpy())[:, 1], [""] * len(now)
    scores = now.assign(probability=p, reasons=why)
    return ChurnRisk(month=month, eval_month=month_label(E), validation_month=month_label(V),
                     train_months=[month_label(max(lo, E - n)), month_label(E - 1)], chosen=chosen,
                     validation=auc_v, evaluation=pd.DataFrame(rows), calibration=pd.concat(curves, ignore_index=True),
                     scores=scores, eval_frame=eval_frame, reference=ref, model=final), final


def scene_for(scores: pd.DataFrame, rules: pd.DataFrame, tags: pd.DataFrame) -> pd.Series:
    """Per row of ``scores``: the id of the scene rule (first by priority) that would reach the
    user if they go inactive next month (dormant, one month inactive, a matching tag), else ''."""
    df = scores[["user_id"]].merge(tags[["user_id", "tags"]], on="user_id", how="left")
    tag_list = df["tags"].fillna("").str.split(",")
    out = pd.Series([""] * len(df), index=scores.index)
    for _, r in rules.sort_values("priority", kind="stable").iterrows():
        if r["state"] not in ("dormant", "any"):
            continue
        if not pd.isna(r["months_inactive"]) and int(r["months_inactive"]) != 1:
            continue
        m = np.ones(len(df), dtype=bool) if r["tag"] == "any" else \
            np.array([r["tag"] in t for t in tag_list], dtype=bool)
        m &= (out == "").to_numpy()
        out[m] = r["rule_id"]
    return out


def risk_by(scores: pd.DataFrame, column: str) -> pd.DataFrame:
    """Users, mean probability and expected users inactive next month by ``column``."""
    g = scores.groupby(column, observed=True)["probability"]
    out = pd.DataFrame({"users": g.size(), "mean_probability": g.mean(), "expected_inactive": g.sum()})
    if column == "state":                       # the lifecycle order, not the alphabet
        out = out.reindex([s for s in ACTIVE_STATES if s in out.index])
    elif column == "tier":                      # the value tiers' order (report order, 'none' last)
        from .value import RF_TIER_ORDER, TIER_ORDER
        out = out.reindex([t for t in TIER_ORDER + RF_TIER_ORDER + ["none"] if t in out.index])
    return out.reset_index()


def contact_list(scored: pd.DataFrame, *, min_probability: float = 0.0, **equal) -> pd.DataFrame:
    """The rows of ``scored`` (a user per row with a ``probability``) at or above
    ``min_probability`` whose columns equal the values in ``equal`` (a value of None or ''
    matches every row), riskiest first, ties by user id: whom to reach before next month."""
    keep = scored["probability"].to_numpy() >= min_probability
    for column, value in equal.items():
        if value is not None and value != "":
            keep &= (scored[column] == value).to_numpy()
    return scored[keep].sort_values(["probability", "user_id"], ascending=[False, True], ignore_index=True)


def user_risk(lc, month: str, *, churn_after: int = 2, rules: pd.DataFrame | None = None, lang: str = "en",
              train_months: int = 6, result: ChurnRisk | None = None) -> tuple[pd.DataFrame, ChurnRisk]:
    """The CLI's file: one row per user active in ``month``, riskiest first: user_id, state,
    probability, reasons (three features in words), scene_rule (the rule that would reach
    the user next month, '' if none); and the ``ChurnRisk`` it came from."""
    from .preferences import preference_shares
    r = result or churn_risk(lc, month, churn_after=churn_after, train_months=train_months, lang=lang)
    df = r.scores[["user_id", "state", "probability", "reasons"]].copy()
    if rules is not None and len(rules):
        tags = preference_shares(lc.con, month, active_events=lc.active_events, signal_events=lc.signal_events,
                                 users=df["user_id"])
        df["scene_rule"] = scene_for(df, rules, tags).to_numpy()
    else:
        df["scene_rule"] = ""
    return df.sort_values(["probability", "user_id"], ascending=[False, True], ignore_index=True), r


def untested_words(r: ChurnRisk, lang: str = "en") -> str:
    """The sentence said instead of the model's accuracy when :attr:`ChurnRisk.untested`."""
    n, k = r.untested
    if lang == "zh":
        return (f"用户太少,无法检验流失预警模型:评估月 {r.eval_month} 的 {n:,} 位活跃用户中 {k:,} 人次月不活跃"
                f"(次月不活跃与仍活跃的用户各需至少 {MIN_EVAL_EACH} 人才能衡量其准确度);其概率未经检验,仅供参考。")
    return (f"Too few users to test the churn model: of {r.eval_month}'s {n:,} active users, {k:,} were inactive the "
            f"month after (at least {MIN_EVAL_EACH} who lapsed and {MIN_EVAL_EACH} who stayed are needed to measure "
            "its accuracy); its probabilities are untested.")


def describe(r: ChurnRisk, asked: int | None = None) -> str:
    """The evaluation in a few lines (for the CLI); ``asked``: the months of training asked for,
    said when the data hold fewer before the evaluation month."""
    a, b = (parse_month(m) for m in r.train_months)
    span = (b.year - a.year) * 12 + b.month - a.month + 1
    short = (f"; {span} month{'s' if span > 1 else ''}, not the {asked} asked (--train-months): the data hold no more "
             "months with three months of history before it, and the fewer the months, the rougher the model"
             if asked and span < asked else "")
    lines = [f"Churn risk of {r.month}: chosen model {r.chosen} (validation AUC on {r.validation_month}: "
             + ", ".join(f"{k} {v:.3f}" for k, v in r.validation.items()) + ").",
             f"Out of time on {r.eval_month} (trained on {r.train_months[0]} .. {r.train_months[1]}{short}):"]
    for _, e in r.evaluation.iterrows():
        lines.append(f"  {e['model']:<9} AUC {e['auc']:.3f}, top 10%: precision {e['precision_top']:.1%}, "
                     f"recall {e['recall_top']:.1%}; calibration gap {e['calibration_error'] * 100:.1f} points")
    if r.untested:
        lines.append(untested_words(r, "en"))
    base = float(r.evaluation["base_rate"].iloc[0])
    lines.append(f"  (of all {r.eval_month}'s active users, {base:.1%} were inactive the month after: the precision "
                 "of a list drawn at random)")
    back = r.backtest()
    again = r.read_as(r.expected_inactive, back)
    lines.append(f"Expected inactive next month: {r.expected_inactive:,.0f} of {len(r.scores):,} active users."
                 + (f" Of {r.eval_month}'s active users the model put {back['predicted']:.0%} inactive in "
                    f"{next_month(r.eval_month)}, and {back['observed']:.0%} were: expect about "
                    f"{again:,.0f} rather than {r.expected_inactive:,.0f}." if again is not None else ""))
    lines.append("Reasons: the features that raise a user's probability most, a typical user's value beside; the "
                 "model can find risk in a value above the typical one as well as below ('orders (3 months) 10 "
                 "(typical 0)': in the months it learned from, users unlike the typical one in that way left more "
                 "often; an association the model found, not a cause).")
    return "\n".join(lines)
