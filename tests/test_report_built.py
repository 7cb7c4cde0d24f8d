"""The report's notebooks attach the cache its runner has just built (``attach_built``) instead of
building again: the same tables as a build; refused (None, so the notebook builds) when the
manifest changed since, the settings differ, or the marker is missing or not one."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from conftest import small_sample

from toolkit.aggregates import build
from toolkit.aggregates.build import attach_built, built_marker
from toolkit.aggregates.tables import VIEW
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.data.store import open_store

SIGNAL = ["trip"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return small_sample(tmp_path_factory, "built", users=500, months=6, seed=4)


def _tables(con):
    return {v: con.execute(f"SELECT * FROM {v} ORDER BY ALL").df() for v in VIEW.values() if v != "agg_user_categories"}


def test_attached_is_the_build_and_a_changed_manifest_is_refused(small, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small, data)
    cache = tmp_path / "cache"
    built = build(open_store(data), signal_events=SIGNAL, cache_dir=cache).aggregates
    marker = built_marker(built)

    store = open_store(data)
    agg = attach_built(store, marker, signal_events=SIGNAL, cache_dir=cache)
    assert agg is not None and (agg.first_mi, agg.last_mi, agg.root) == (built.first_mi, built.last_mi, built.root)
    again = open_store(data)
    ref = build(again, signal_events=SIGNAL, cache_dir=cache).aggregates
    a, b = _tables(store.con), _tables(again.con)
    for view in a:
        pd.testing.assert_frame_equal(a[view], b[view], obj=view)
    pd.testing.assert_frame_equal(Lifecycle(store.con, signal_events=SIGNAL, aggregates=agg).monthly(2),
                                  Lifecycle(again.con, signal_events=SIGNAL, aggregates=ref).monthly(2))

    # other settings, another cache folder, no marker or a broken one: build instead
    assert attach_built(open_store(data), marker, signal_events=["nothing"], cache_dir=cache) is None
    assert attach_built(open_store(data), marker, signal_events=SIGNAL, cache_dir=tmp_path / "other") is None
    for bad in (None, "", "{", '{"root": "x"}'):
        assert attach_built(open_store(data), bad, signal_events=SIGNAL, cache_dir=cache) is None

    # a later build changed the manifest (a late event of the last month): the old marker is stale
    pd.DataFrame({"user_id": [1], "event_time": pd.to_datetime(["2026-10-20 10:00"]),
                  "event_name": ["app_open"]}).to_parquet(data / "events" / "late.parquet", index=False)
    build(open_store(data), signal_events=SIGNAL, cache_dir=cache)
    assert attach_built(open_store(data), marker, signal_events=SIGNAL, cache_dir=cache) is None
