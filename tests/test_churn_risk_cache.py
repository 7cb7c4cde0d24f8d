"""The churn fits kept in the aggregate cache: a second run of the month reads them and gives
the same tables (and, in either language, the same reasons) as a fit with no cache; a change to a
month before the report month (an event appended late) drops them, so the next run fits the
changed data again; a change after it keeps them."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from toolkit.aggregates import build
from toolkit.analyses import churn_risk as C
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.data.sample import generate_sample
from toolkit.data.store import open_store

SIGNAL = ["trip"]
MONTH = "2026-09"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("churn-cache") / "data"
    generate_sample(out, users=800, months=8, end="2026-10", seed=5)
    return out


def _lc(data, cache=None):
    store = open_store(data)
    if cache is None:        # in-memory aggregates: nothing is kept
        return Lifecycle(store.con, signal_events=SIGNAL, last_month=MONTH)
    agg = build(store, signal_events=SIGNAL, cache_dir=cache).aggregates
    return Lifecycle(store.con, signal_events=SIGNAL, last_month=MONTH, aggregates=agg)


def _same(a: C.ChurnRisk, b: C.ChurnRisk):
    for name in ("scores", "evaluation", "calibration", "eval_frame"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    assert (a.month, a.eval_month, a.validation_month, a.train_months, a.chosen) == \
        (b.month, b.eval_month, b.validation_month, b.train_months, b.chosen)
    assert a.validation == pytest.approx(b.validation) and a.reference == pytest.approx(b.reference)


def _kept(cache):
    return sorted(p.name for p in cache.glob("months/*/churn-*"))


def _no_fit(*a, **k):
    raise AssertionError("fitted although a kept result was there")


def test_kept_result_is_the_fresh_one_and_a_changed_month_drops_it(small, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(small, data, ignore=shutil.ignore_patterns(".toolkit-cache"))
    cache = tmp_path / "cache"
    fresh = C.churn_risk(_lc(data), MONTH, lang="en")            # no cache
    first = C.churn_risk(_lc(data, cache), MONTH, lang="en")     # fits and keeps
    _same(first, fresh)
    # kept in the folder of M + 1 (the lifecycle's last month is M here: so in M's folder)
    assert [n.rsplit("-", 1)[0] for n in _kept(cache)] == [f"churn-{MONTH}"]
    assert _kept(cache)[0] in {p.name for p in (cache / "months" / MONTH).iterdir()}

    with monkeypatch.context() as m:                             # the second run reads, never fits
        m.setattr(C, "_churn_risk", _no_fit)
        _same(C.churn_risk(_lc(data, cache), MONTH, lang="en"), fresh)
        zh = C.churn_risk(_lc(data, cache), MONTH, lang="zh")       # the other language: reasons from the kept model
        plain = C.churn_risk(_lc(data, cache), MONTH, with_reasons=False)
    _same(zh, C.churn_risk(_lc(data), MONTH, lang="zh"))
    assert (plain.scores["reasons"] == "").all()
    # a kept result read without reasons still words the rows asked for (the JupyterLab list), as a fit does
    assert plain.explain(plain.scores.head(30), "en") == list(fresh.scores["reasons"].head(30))
    pd.testing.assert_frame_equal(plain.scores.drop(columns="reasons"), fresh.scores.drop(columns="reasons"))

    # other parameters are another result, not a hit on this one
    other = C.churn_risk(_lc(data, cache), MONTH, train_months=1, with_reasons=False)
    assert other.train_months != fresh.train_months

    # an event of the month before arrives late, for a user active in the month but not before it:
    # the month before is recomputed and every month from it stepped again, the report month too
    s = fresh.scores
    late_user = int(s.loc[s["days_1"] == 0, "user_id"].min())
    pd.DataFrame({"user_id": [late_user], "event_time": pd.to_datetime(["2026-08-15 10:00"]),
                  "event_name": ["app_open"]}).to_parquet(data / "events" / "late.parquet", index=False)
    changed = _lc(data, cache)
    assert _kept(cache) == []
    again = C.churn_risk(changed, MONTH, lang="en")
    assert again.scores.set_index("user_id").loc[late_user, "days_1"] == 1
    _same(again, C.churn_risk(_lc(data), MONTH, lang="en"))


def test_a_change_after_the_month_keeps_it(small, tmp_path, monkeypatch):
    """A month after the report month (not read by its fit) leaves the kept result in place."""
    data = tmp_path / "data"
    shutil.copytree(small, data, ignore=shutil.ignore_patterns(".toolkit-cache"))
    cache = tmp_path / "cache"
    first = C.churn_risk(_lc(data, cache), MONTH, with_reasons=False)
    pd.DataFrame({"user_id": [1], "event_time": pd.to_datetime(["2026-10-20 10:00"]),
                  "event_name": ["app_open"]}).to_parquet(data / "events" / "late.parquet", index=False)
    lc = _lc(data, cache)
    assert len(_kept(cache)) == 1
    monkeypatch.setattr(C, "_churn_risk", _no_fit)
    _same(C.churn_risk(lc, MONTH, with_reasons=False), first)
