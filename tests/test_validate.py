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
    for needle in ("mystery_click", "duplicate row", "before registered_at", "later than now", "OK"):
        assert needle in text


def test_cli_validate_prints_summary(tiny_dir):
    proc = run_cli("validate", tiny_dir)
    assert proc.returncode == 0, proc.stderr
    assert "Events: 6 rows, 3 users" in proc.stdout
