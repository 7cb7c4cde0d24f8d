"""The health summary on a hand-made directory whose every fact is known."""
from datetime import datetime

from conftest import run_cli
from toolkit.data.store import open_store
from toolkit.data.validate import validate


def test_health_facts(tiny_dir):
    h = validate(open_store(tiny_dir), now=datetime(2026, 1, 1))
    s = h.summary
    assert h.ok
    assert s["rows"] == 6 and s["users"] == 3
    assert s["duplicate_rows"] == 1
    assert s["future_events"] == 1
    assert s["before_registration"] == 2      # user 2 acted twice on 2025-02-10, registered 2025-03-01
    assert s["first_event"] == datetime(2025, 1, 5, 10) and s["last_event"] == datetime(2099, 1, 1)
    assert h.per_month[:3] == [("2025-01", 1, 1), ("2025-02", 3, 2), ("2025-03", 1, 1)]
    assert h.unmapped == [("mystery_click", 1)]          # app_open has a row with an empty category
    text = h.render()
    for needle in ("mystery_click", "duplicate row", "before registered_at", "later than now", "OK",
                   "users: with any event, offline signals included; not the MAU"):   # read as MAU in a trial
        assert needle in text
    # what moves the entry: a qualifying event, not an offline signal (it said "the month of their first event")
    assert "an offline-signal event does not" in text


def test_cli_validate_prints_summary(tiny_dir):
    proc = run_cli("validate", tiny_dir)
    assert proc.returncode == 0, proc.stderr
    assert "Events: 6 rows, 3 users" in proc.stdout


def test_a_month_without_events_and_users_without_a_row_are_warned(tmp_path):
    """Two things an export gets wrong without a single bad row: a month left out (2025-02 here:
    the lifecycle would count everyone inactive in it) and users whose rows the users export
    missed (user 4: enters with its first event, segment unknown). validate names both."""
    import pandas as pd
    from conftest import events, write_table
    d = tmp_path / "d"
    write_table(d, "events", events([(1, "2025-01-05 10:00:00", "app_open"), (2, "2025-01-06 10:00:00", "app_open"),
                                     (1, "2025-03-02 10:00:00", "app_open"), (4, "2025-03-03 10:00:00", "app_open"),
                                     (4, "2025-04-03 10:00:00", "app_open")]))
    write_table(d, "users", pd.DataFrame({"user_id": [1, 2, 3],
                                          "registered_at": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-03-01"])}))
    h = validate(open_store(d))
    assert h.ok and h.summary["users_without_row"] == 1
    text = h.render()
    assert "WARNING: No events in 2025-02, between months with events" in text, text
    assert "1 user(s) with events have no row in" in text and "(e.g. user_id 4)" in text, text
    # the complete export: neither warning
    write_table(d, "events", events([(1, "2025-01-05 10:00:00", "app_open"), (1, "2025-02-05 10:00:00", "app_open"),
                                     (3, "2025-03-03 10:00:00", "app_open")]))
    text = validate(open_store(d)).render()
    assert "No events in" not in text and "have no row" not in text, text


def test_validate_lists_names_that_are_not_features_and_categories_without_events(tmp_path):
    """A category left empty by mistake (shop_view, order_submit) dropped 商城 from every tag, and a
    category whose event never occurs (会员) stood at 0 in the tables, validate saying OK to both."""
    import pandas as pd
    from conftest import write_table
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [1, 2, 2], "event_name": ["app_open", "shop_view", "a"],
                                                  "event_time": pd.to_datetime(["2026-01-02", "2026-01-03",
                                                                                "2026-01-04"])}))
    write_table(tmp_path, "feature_map", pd.DataFrame({"event_name": ["app_open", "shop_view", "a", "vip_center"],
                                                       "category": [None, "", "x", "会员"]}), fmt="csv")
    h = validate(open_store(tmp_path), now=datetime(2026, 2, 1))
    text = h.render()
    assert h.ok and h.not_features == [("app_open", 1), ("shop_view", 1)] and h.unused_categories == ["会员"]
    assert "Not features (an empty category in feature_map): app_open (1 events), shop_view (1 events)" in text
    assert "feature_map categories with no event in the data (shown at 0): 会员" in text
