"""The event store: every accepted layout, the time-zone rule, read-only sources."""
import os
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import events, write_table
from toolkit.data.store import open_store

ROWS = [(1, "2025-01-31 23:30:00", "app_open"), (2, "2025-02-01 00:10:00", "remote_unlock"),
        (2, "2025-03-15 12:00:00", "article_view")]


def _months(store):
    return store.con.execute("SELECT user_id, strftime(event_time, '%Y-%m') FROM events ORDER BY ALL").fetchall()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "csv.gz"])
def test_single_file_layouts(tmp_path, fmt):
    write_table(tmp_path, "events", events(ROWS), fmt=fmt)
    s = open_store(tmp_path)
    assert _months(s) == [(1, "2025-01"), (2, "2025-02"), (2, "2025-03")]
    assert s.has("events") and not s.has("users")
    # missing optional tables are empty views with the required columns
    assert s.con.execute("SELECT count(*) FROM users").fetchone()[0] == 0
    assert [c[0] for c in s.con.execute("DESCRIBE pushes").fetchall()][:3] == ["push_id", "user_id", "sent_at"]


def test_folder_of_parquet_files(tmp_path):
    df = events(ROWS)
    (tmp_path / "events" / "2025").mkdir(parents=True)
    df.iloc[:2].to_parquet(tmp_path / "events" / "2025" / "a.parquet", index=False)
    df.iloc[2:].to_parquet(tmp_path / "events" / "b.parquet", index=False)
    s = open_store(tmp_path)
    assert s.con.execute("SELECT count(*) FROM events").fetchone()[0] == 3
    assert s.sources["events"].uniform      # one schema: bound from the first file


def _two_schemas(folder):
    """events/a.parquet: the first two rows with an int32 user_id and an extra column channel;
    events/b.parquet: the third row with the usual columns."""
    df = events(ROWS)
    (folder / "events").mkdir()
    narrow = pa.table({"user_id": pa.array(df.user_id.iloc[:2], pa.int32()), "event_time": df.event_time.iloc[:2],
                       "event_name": df.event_name.iloc[:2], "channel": ["ad", "shop"]})
    pq.write_table(narrow, folder / "events" / "a.parquet")
    df.iloc[2:].to_parquet(folder / "events" / "b.parquet", index=False)


def test_folder_of_parquet_files_with_different_columns(tmp_path):
    """Files of one folder may differ in their extra columns and integer widths: they are read
    by column name (a file's missing column is NULL, the wider type wins), every row kept."""
    _two_schemas(tmp_path)
    s = open_store(tmp_path)
    assert not s.sources["events"].uniform
    assert _months(s) == [(1, "2025-01"), (2, "2025-02"), (2, "2025-03")]
    assert s.con.execute("SELECT channel FROM events ORDER BY event_time").fetchall() == [("ad",), ("shop",), (None,)]
    assert s.con.execute("SELECT typeof(user_id) FROM events LIMIT 1").fetchone()[0] == "BIGINT"


def test_duckdb_file_is_attached_read_only(tmp_path):
    db = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(db))
    df = events(ROWS)
    con.register("df", df)
    con.execute("CREATE TABLE events AS SELECT * FROM df")
    con.execute("CREATE TABLE users AS SELECT 1 AS user_id, TIMESTAMP '2025-01-01' AS registered_at")
    con.close()
    before = os.path.getmtime(db)
    s1 = open_store(db)
    s2 = open_store(tmp_path)           # the folder holding it works too, and two readers at once
    assert s1.con.execute("SELECT count(*) FROM events").fetchone()[0] == 3
    assert s2.con.execute("SELECT count(*) FROM users").fetchone()[0] == 1
    with pytest.raises(duckdb.Error):
        s1.con.execute("INSERT INTO src.events VALUES (9, TIMESTAMP '2025-01-01', 'x')")
    assert os.path.getmtime(db) == before


def test_zone_aware_times_are_converted_to_business_time(tmp_path):
    # 2025-01-31 17:00 UTC is 2025-02-01 01:00 in Shanghai: the event belongs to February.
    t = pa.array([datetime(2025, 1, 31, 17, 0)], type=pa.timestamp("us", tz="UTC"))
    pq.write_table(pa.table({"user_id": [1], "event_time": t, "event_name": ["app_open"]}), tmp_path / "events.parquet")
    s = open_store(tmp_path, timezone="Asia/Shanghai")
    assert s.con.execute("SELECT event_time FROM events").fetchone()[0] == datetime(2025, 2, 1, 1, 0)
    s_ldn = open_store(tmp_path, timezone="Europe/London")
    assert s_ldn.con.execute("SELECT event_time FROM events").fetchone()[0] == datetime(2025, 1, 31, 17, 0)


def test_naive_times_are_business_local(tmp_path):
    write_table(tmp_path, "events", events([(1, "2025-01-31 23:59:00", "a")]))
    s = open_store(tmp_path, timezone="America/New_York")
    assert s.con.execute("SELECT event_time FROM events").fetchone()[0] == datetime(2025, 1, 31, 23, 59)


def test_text_times_with_offsets(tmp_path):
    (tmp_path / "events.csv").write_text(
        "user_id,event_time,event_name\n"
        "1,2025-01-31T20:00:00+00:00,a\n"       # 04:00 next day in Shanghai
        "2,2025-01-31 20:00:00,a\n"             # naive: local as written
        "3,2025-01-31,a\n", encoding="utf-8")
    s = open_store(tmp_path, timezone="Asia/Shanghai")
    got = dict(s.con.execute("SELECT user_id, event_time FROM events").fetchall())
    assert got[1] == datetime(2025, 2, 1, 4, 0)
    assert got[2] == datetime(2025, 1, 31, 20, 0)
    assert got[3] == datetime(2025, 1, 31, 0, 0)


def test_ids_of_small_tables_follow_the_events(tmp_path):
    write_table(tmp_path, "events", events(ROWS))
    (tmp_path / "users.csv").write_text("user_id,registered_at\n1,2025-01-01\n2,2025-01-02\n")
    s = open_store(tmp_path)
    n = s.con.execute("SELECT count(*) FROM events JOIN users USING (user_id)").fetchone()[0]
    assert n == 3


def test_nothing_is_loaded_into_memory_until_queried(tmp_path):
    write_table(tmp_path, "events", events(ROWS))
    s = open_store(tmp_path)
    plan = s.con.execute("EXPLAIN SELECT user_id, count(*) FROM events GROUP BY 1").fetchall()
    assert "READ_PARQUET" in str(plan).upper() or "PARQUET_SCAN" in str(plan).upper()


def test_folder_schemas_are_kept_per_file(tmp_path):
    """Each file's columns are read from its footer once and kept with its size and modification
    time: for an unchanged file the kept columns are used when the store is opened (shown by
    editing them: the edit is believed; a file replaced by one of the same size and time is
    trusted, as the event checks trust it), and a new or changed file is read again, so one
    lacking a required column is still named."""
    import json
    from toolkit.data.store import SCHEMAS_FILE
    from toolkit.errors import MissingColumnError
    data, cache = tmp_path / "data", tmp_path / "cache"
    (data / "events").mkdir(parents=True)
    df = events(ROWS)
    for i in range(3):
        df.iloc[i:i + 1].to_parquet(data / "events" / f"{i}.parquet", index=False)
    assert open_store(data, cache_dir=cache).con.execute("SELECT count(*) FROM events").fetchone()[0] == 3
    kept = json.loads((cache / SCHEMAS_FILE).read_text())["files"]
    assert len(kept) == 3 and all([c for c, _ in v["columns"]] == ["user_id", "event_time", "event_name"]
                                  for v in kept.values())
    middle = str(data / "events" / "1.parquet")
    edited = {**kept, middle: {**kept[middle], "columns": [["user_id", "BIGINT"], ["event_time", "TIMESTAMP"]]}}
    (cache / SCHEMAS_FILE).write_text(json.dumps({"files": edited}))
    with pytest.raises(MissingColumnError, match=r"1\.parquet has no \['event_name'\]"):
        open_store(data, cache_dir=cache)         # the kept columns, not the file's footer
    os.utime(middle, ns=(os.stat(middle).st_atime_ns, os.stat(middle).st_mtime_ns + 10**9))
    assert open_store(data, cache_dir=cache).con.execute("SELECT count(*) FROM events").fetchone()[0] == 3
    df.iloc[1:2].rename(columns={"event_name": "name"}).to_parquet(middle, index=False)     # changed: read again
    with pytest.raises(MissingColumnError, match=r"1\.parquet has no \['event_name'\]"):
        open_store(data, cache_dir=cache)


def test_a_new_naive_file_beside_a_zone_aware_one_with_kept_checks(tmp_path):
    """A folder whose files mix zone-aware and naive times is read as one zone-aware column
    (naive values business-local); the event checks of a new file are counted with the
    folder's types, so its kept times compare with the others' (a naive file read alone gave
    zone-aware spans beside naive ones: a TypeError on the next open)."""
    data, cache = tmp_path / "data", tmp_path / "cache"
    (data / "events").mkdir(parents=True)
    df = events(ROWS)
    df.iloc[:1].to_parquet(data / "events" / "a.parquet", index=False)
    aware = df.iloc[1:2].copy()
    aware["event_time"] = aware["event_time"].dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC")
    aware.to_parquet(data / "events" / "b.parquet", index=False)
    assert len(open_store(data, cache_dir=cache).checks.files) == 2
    df.iloc[2:].to_parquet(data / "events" / "c.parquet", index=False)
    s = open_store(data, cache_dir=cache)
    assert _months(s) == [(1, "2025-01"), (2, "2025-02"), (2, "2025-03")]
    assert s.checks.span == (datetime(2025, 1, 31, 23, 30), datetime(2025, 3, 15, 12, 0))
    fresh = open_store(data, cache_dir=tmp_path / "other")
    assert fresh.checks.span == s.checks.span


def test_kept_checks_and_schemas_do_not_depend_on_how_the_folder_is_named(tmp_path, monkeypatch):
    """The same data folder named relative to the working folder and by its absolute path reuses
    the same kept event checks and file columns (kept under absolute paths)."""
    import json
    from toolkit.data.store import CHECKS_FILE, SCHEMAS_FILE
    data, cache = tmp_path / "data", tmp_path / "cache"
    (data / "events").mkdir(parents=True)
    events(ROWS).to_parquet(data / "events" / "a.parquet", index=False)
    open_store(data, cache_dir=cache)
    before = {f: (cache / f).read_text() for f in (CHECKS_FILE, SCHEMAS_FILE)}
    monkeypatch.chdir(tmp_path)
    assert open_store("data", cache_dir=cache).con.execute("SELECT count(*) FROM events").fetchone()[0] == 3
    assert {f: (cache / f).read_text() for f in (CHECKS_FILE, SCHEMAS_FILE)} == before     # nothing re-read
    assert list(json.loads(before[SCHEMAS_FILE])["files"]) == [str(data / "events" / "a.parquet")]


def test_events_of_files_without_a_column_of_the_folder(tmp_path):
    """Reading some files of a folder whose other files have an extra column: still only those
    files (the column is NULL there), with the folder's types (an int32 id stays BIGINT)."""
    from toolkit.data.store import events_of_files
    _two_schemas(tmp_path)
    s = open_store(tmp_path, cache_dir=tmp_path / "cache")
    with events_of_files(s.con, s.sources["events"], [str(tmp_path / "events" / "b.parquet")]) as scoped:
        assert scoped
        assert s.con.execute("SELECT user_id, channel, typeof(user_id) FROM events").fetchall() == [(2, None, "BIGINT")]
    assert s.con.execute("SELECT count(*) FROM events").fetchone()[0] == 3
