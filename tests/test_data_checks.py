"""Wrong data as a new user brings it: rows the analyses cannot use are counted per file and
said once (or stop the run above the threshold), events after the data horizon move nothing,
month arguments are checked against the data, and engine errors keep their cause."""
from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest

from conftest import run_cli, write_table
from toolkit.errors import ColumnTypeError, EncodingError, MissingColumnError, MonthRangeError, NullValueError
from toolkit.months import check_month
from toolkit.report.runner import report_months
from toolkit.data.sample import generate_sample
from toolkit.data.store import open_store
from toolkit.data.validate import validate

END = "2026-04"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small sample (800 users, 2026-01 .. 2026-04: 17,230 events with the planted churn) and its lifecycle
    table as the CLI writes it."""
    d = tmp_path_factory.mktemp("small") / "data"
    generate_sample(d, users=800, months=4, end=END, seed=5)
    proc = run_cli("lifecycle", d, check=True)
    assert proc.stderr == ""
    return d, proc.stdout


def _copy(small, tmp_path):
    d = tmp_path / "data"
    shutil.copytree(small[0], d)
    return d


def _bad_rows_file(d):
    """One more monthly file with three unusable events: no user, no time, no name."""
    df = pd.DataFrame({"user_id": pd.array([None, 5, 6], dtype="Int64"),
                       "event_time": pd.to_datetime([f"{END}-03 10:00", None, f"{END}-03 11:00"]),
                       "event_name": ["app_open", "app_open", None]})
    ref = pd.read_parquet(next((d / "events").glob("*.parquet")))
    for c in ref.columns.difference(df.columns):
        df[c] = None
    path = d / "events" / "events-extra.parquet"
    df[ref.columns].astype({c: ref[c].dtype for c in ref.columns if c not in ("user_id", "event_time", "event_name")
                            and ref[c].dtype != object}).to_parquet(path, index=False)
    return path


def test_null_rows_are_reported_by_every_command_and_the_threshold_stops_the_run(small, tmp_path):
    d = _copy(small, tmp_path)
    bad = _bad_rows_file(d)
    rows = sum(len(pd.read_parquet(f)) for f in (d / "events").glob("*.parquet"))   # the sample's rows and the 3
    for args in (("lifecycle", d), ("preferences", d, "--month", END)):
        proc = run_cli(*args)
        assert proc.returncode == 0, proc.stderr
        err = proc.stderr
        assert err.startswith(f"warning: 3 of {rows:,} events") and err.count("\n") == 1, err   # one line
        assert str(bad) in err and "'user_id' has 1 value(s) that are empty" in err
        assert "'event_time' has 1" in err and "'event_name' has 1" in err and "toolkit validate" in err
        assert "Traceback" not in err
    assert run_cli("lifecycle", d).stdout == small[1]          # the rows are left out, nothing else changes
    # above the threshold the same facts stop the run
    (tmp_path / "strict.yaml").write_text("max_unusable_share: 0.0001\n")
    proc = run_cli("--config", tmp_path / "strict.yaml", "lifecycle", d)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "more than the 0% allowed (max_unusable_share" in proc.stderr and str(bad) in proc.stderr
    assert "Traceback" not in proc.stderr
    # validate lists them as errors, per file
    v = run_cli("validate", d)
    assert v.returncode == 1 and f"Files: {bad} (1)" in v.stdout


def test_a_months_file_with_too_many_bad_rows_stops_the_run_however_long_the_history(small, tmp_path):
    """2% of the last month's rows without a user: 0.5% of the four months' events, under the 1%
    limit as a share of everything (and ever less as the history grows), over it as a share of
    that month's file: the run stops, naming the file and its share."""
    d = _copy(small, tmp_path)
    last = d / "events" / f"events-{END}.parquet"
    df = pd.read_parquet(last)
    n = int(len(df) * 0.02) + 1
    df["user_id"] = df["user_id"].astype("Int64")
    df.loc[df.index[:n], "user_id"] = pd.NA
    df.to_parquet(last, index=False)
    total = sum(len(pd.read_parquet(f)) for f in (d / "events").glob("*.parquet"))
    assert n / total < 0.01 < n / len(df)
    proc = run_cli("lifecycle", d)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    said = " ".join(proc.stderr.split())
    assert f"{last}: {n:,} of its {len(df):,} events" in said and "max_unusable_share" in said, said


def test_a_future_event_moves_no_month(small, tmp_path):
    d = _copy(small, tmp_path)
    ref = pd.read_parquet(d / "events" / f"events-{END}.parquet")
    late = ref.head(1).copy()
    late["event_time"] = pd.Timestamp("2027-04-15 10:00")            # a year after the data, after "now"
    late.to_parquet(d / "events" / "events-2027-04.parquet", index=False)
    users = pd.read_parquet(d / "users.parquet")
    stray = users.tail(1).copy()                                      # and a registration a year ahead
    stray["user_id"] = users.user_id.max() + 1
    stray["registered_at"] = pd.Timestamp("2027-06-01 09:00")
    pd.concat([users, stray]).to_parquet(d / "users.parquet", index=False)
    proc = run_cli("lifecycle", d)
    assert proc.returncode == 0 and proc.stdout == small[1]           # the table still ends in 2026-04
    assert "1 event(s) later than the data horizon" in proc.stderr and "events-2027-04.parquet" in proc.stderr
    assert "1 user(s) of " in proc.stderr and "registered after the data horizon" in proc.stderr
    store = open_store(d)
    assert store.checks.future == 1 and store.checks.unusable == 0
    out = tmp_path / "reports"
    assert report_months(store.con, out) == [END]                     # the report's default month
    for m in ("2026-02", "2026-03", END):                             # every month already rendered ...
        (out / m).mkdir(parents=True)
        (out / m / "index.html").write_text("old")
    assert report_months(store.con, out, missing=True) == []          # ... so the cron line renders nothing
    proc = run_cli("report", d, "--out", out, "--missing")
    assert proc.returncode == 0 and "Every complete month already has a report" in proc.stdout
    assert "later than the data horizon" in proc.stderr
    # with the horizon set to the data's end, the same event is left out by configuration
    cfg = tmp_path / "asof.yaml"
    cfg.write_text("now: 2026-04-30\n")
    proc = run_cli("--config", cfg, "lifecycle", d)
    assert proc.stdout == small[1] and "2026-04-30 23:59" in proc.stderr


@pytest.mark.parametrize("args, available", [
    (("preferences", "--month", "1999-01"), "2026-01 to 2026-04"),
    (("preferences", "--month", "2030-01"), "2026-01 to 2026-04"),
    (("export-users", "--month", "2026-06", "--out", "u.csv"), "2026-01 to 2026-04"),
    (("report", "--month", "1999-01"), "2026-02 to 2026-04"),
    (("report", "--month", "2026-05"), "2026-02 to 2026-04"),
])
def test_months_outside_the_data_are_refused(small, tmp_path, args, available):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("<li>2026-03</li>")                # the list of months so far
    extra = ("--out", out) if args[0] == "report" else ()
    proc = run_cli(args[0], small[0], *args[1:], *extra, cwd=tmp_path)
    assert proc.returncode == 2
    assert f"available months are {available}" in proc.stderr and args[2] in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    logged = ["run.log"] if args[0] == "report" else []               # a refused report run is logged, as failed
    assert sorted(p.name for p in out.iterdir()) == ["index.html", *logged] and not (tmp_path / "u.csv").exists()
    assert (out / "index.html").read_text() == "<li>2026-03</li>"       # no report, no new entry, no file
    if logged:
        entry = __import__("json").loads((out / "run.log").read_text(encoding="utf-8"))
        assert entry["outcome"] == "failed" and f"available months are {available}" in entry["error"]


def test_month_checks_of_notebooks_and_functions(small):
    con = open_store(small[0]).con
    assert check_month(None, con) == END and check_month("2026-01", con) == "2026-01"
    with pytest.raises(MonthRangeError, match="2026-01 is the first month of the data, and a report compares each "
                                              "month with the month before: the available months are 2026-02 to 2026-04"):
        check_month("2026-01", con, skip_first=True)
    from toolkit.report.context import open_report
    with pytest.raises(MonthRangeError, match="month 1999-01 is outside the data"):
        open_report(data_dir=str(small[0]), month="1999-01")


def test_a_report_on_one_month_of_data_says_it_needs_the_month_before(small, tmp_path):
    """With one month of events a report has nothing to compare with: the refusal says so
    (it once said the data had no complete month, or that the month was outside the data with
    "none" available), and the other commands still work on the month."""
    d = _copy(small, tmp_path)
    for f in (d / "events").glob("*.parquet"):
        if "2026-01" not in f.name:
            f.unlink()
    out = tmp_path / "reports"
    proc = run_cli("report", d, "--out", out)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "The data hold one month (2026-01, events up to 2026-01-31): a report compares each month with the " \
           "month before" in proc.stderr, proc.stderr
    proc = run_cli("report", d, "--month", "2026-01", "--out", out)
    assert proc.returncode == 2 and "2026-01 is the first month of the data" in proc.stderr, proc.stderr
    assert "the available months are none yet" in proc.stderr and "outside" not in proc.stderr
    proc = run_cli("lifecycle", d, "--month", "2026-01")
    assert proc.returncode == 0 and proc.stdout.count("\n2026-") == 1, proc.stdout
    proc = run_cli("build", d)
    assert proc.returncode == 0 and ": 1 month, " in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_a_file_of_a_folder_without_a_required_column_is_named(small, tmp_path):
    d = _copy(small, tmp_path)
    odd = d / "events" / "events-2026-03.parquet"
    pd.read_parquet(odd).rename(columns={"event_name": "name"}).to_parquet(odd, index=False)
    with pytest.raises(MissingColumnError) as e:
        open_store(d)
    msg = str(e.value)
    assert str(odd) in msg and "'event_name'" in msg and "1 of the 4 files" in msg
    proc = run_cli("lifecycle", d)
    assert proc.returncode == 2 and str(odd) in proc.stderr and "Traceback" not in proc.stderr


def _gbk_events(d):
    d.mkdir()
    text = "user_id,event_time,event_name\n1,2026-01-05 10:00:00,打开应用\n2,2026-01-06 10:00:00,远程解锁\n"
    (d / "events.csv").write_bytes(text.encode("gbk"))


def test_a_gbk_csv_is_named_and_readable_with_its_encoding(tmp_path):
    d = tmp_path / "gbk"
    _gbk_events(d)
    with pytest.raises(EncodingError) as e:
        open_store(d)
    msg = str(e.value)
    assert str(d / "events.csv") in msg and "not UTF-8" in msg and "not utf-8 encoded" in msg
    assert "encoding: gb18030" in msg
    store = open_store(d, csv_options={"events": {"encoding": "gb18030"}})
    names = {r[0] for r in store.sql("SELECT event_name FROM events").fetchall()}
    assert names == {"打开应用", "远程解锁"}
    cfg = tmp_path / "toolkit.yaml"
    cfg.write_text("csv_options:\n  events: {encoding: gb18030}\n", encoding="utf-8")
    assert run_cli("validate", d, cwd=tmp_path).returncode == 0
    proc = run_cli("validate", d)                                       # without the setting
    assert proc.returncode == 2 and "not UTF-8" in proc.stderr and "Traceback" not in proc.stderr


def test_a_field_longer_than_the_reader_allows_suggests_settings(tmp_path):
    d = tmp_path / "long"
    d.mkdir()
    (d / "events.csv").write_text("user_id,event_time,event_name\n1,2026-01-05 10:00:00," + "x" * 2_100_000
                                  + "\n2,2026-01-06 10:00:00,b\n")
    proc = run_cli("lifecycle", d)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "Maximum line size" in proc.stderr and "max_line_size" in proc.stderr and "types" in proc.stderr
    store = open_store(d, csv_options={"events": {"max_line_size": 5_000_000}})
    assert store.sql("SELECT count(*) FROM events").fetchone()[0] == 2


def test_a_bad_value_far_down_a_csv_is_counted_not_a_crash(tmp_path):
    d = tmp_path / "late"
    d.mkdir()
    rows = "".join(f"{i % 500},2026-0{1 + i % 3}-{1 + i % 27:02d} 10:00:00,app_open\n" for i in range(70_000))
    (d / "events.csv").write_text("user_id,event_time,event_name\n" + rows + "7,31/02/2026 10:00,app_open\n"
                                  + "u-8,2026-03-01 10:00:00,app_open\n")
    (d / "users.csv").write_text("user_id,registered_at\n" + "".join(f"{i},2026-01-01\n" for i in range(30_000))
                                 + "u-77,2026-01-01\n")
    proc = run_cli("lifecycle", d)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "2 of 70,002 events" in proc.stderr and "'31/02/2026 10:00'" in proc.stderr and "'u-8'" in proc.stderr
    v = run_cli("validate", d)
    assert v.returncode == 1 and "Traceback" not in v.stderr
    assert "'31/02/2026 10:00'" in v.stdout and "run `toolkit validate" not in v.stdout + v.stderr
    assert "users.csv: 1 row(s) have a user_id that is empty or not of the events' id type" in v.stdout


def test_conversion_errors_name_the_column_and_the_value():
    from toolkit.data.engine_errors import translate
    import duckdb
    con = duckdb.connect()
    with pytest.raises(duckdb.Error) as e:
        con.execute("SELECT CAST('u-77' AS BIGINT)")
    err = translate(e.value, "users.csv", table="users")
    assert isinstance(err, ColumnTypeError) and "'u-77'" in str(err) and "users.csv" in str(err)


def test_duplicate_keys_of_small_tables_are_their_own_finding(tmp_path):
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [1, 2], "event_time": pd.to_datetime(
        ["2026-01-02", "2026-01-03"]), "event_name": ["a", "b"]}))
    write_table(tmp_path, "users", pd.DataFrame({"user_id": [1, 1, 2], "registered_at": pd.to_datetime(
        ["2026-01-01", "2026-01-05", "2026-01-01"])}))
    write_table(tmp_path, "feature_map", [{"event_name": "a", "category": "x"}, {"event_name": "a", "category": "y"},
                                          {"event_name": "b", "category": "x"}], fmt="csv")
    h = validate(open_store(tmp_path))
    text = "\n".join(h.warnings)
    assert "users.parquet: 1 user_id value(s) occur more than once (1 surplus row(s), e.g. 1)" in text
    # an event given two categories is an error (the first row read won in silence); users' repeat a warning
    assert [str(e) for e in h.errors] == [f"{tmp_path / 'feature_map.csv'}: feature_map gives event 'a' 2 categories, 'x' and 'y': "
                                          "an event has one category. Keep the row you mean and delete the other "
                                          "(to move an event to another category, change its row)."]
    proc = run_cli("validate", tmp_path)
    assert "occur more than once" in proc.stdout and proc.returncode == 1
    write_table(tmp_path, "feature_map", [{"event_name": "a", "category": "x"}, {"event_name": "b", "category": "x"}],
                fmt="csv")
    # orders have no key: a row repeated whole (a resent month) doubles revenue, said too
    write_table(tmp_path, "orders", pd.DataFrame({"user_id": [1, 1, 2], "order_time": pd.to_datetime(
        ["2026-01-02 10:00", "2026-01-02 10:00", "2026-01-03 11:00"]), "amount": [12.5, 12.5, 3.0]}))
    text = "\n".join(validate(open_store(tmp_path)).warnings)
    assert ("orders.parquet: 1 order(s) repeat another order exactly (same user, time and amount, e.g. user 1 at "
            "2026-01-02 10:00:00), 12.50 of revenue") in text, text


def test_validate_counts_null_rows_as_read(tmp_path):
    df = pd.DataFrame({"user_id": pd.array([1, None, 3], dtype="Int64"),
                       "event_time": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"]),
                       "event_name": ["a", "b", "c"]})
    write_table(tmp_path, "events", df)
    with pytest.raises(NullValueError, match=r"1 of 3 events \(33.3%\) cannot be used"):
        open_store(tmp_path)
    store = open_store(tmp_path, max_unusable_share=0.5)
    assert store.sql("SELECT count(*) FROM events").fetchone()[0] == 2
    assert store.sql("SELECT count(*) FROM events_all").fetchone()[0] == 3
    frame = pd.read_csv(io.StringIO(run_cli("--config", _share(tmp_path, 0.5), "lifecycle", tmp_path).stdout))
    assert frame["mau"].tolist() == [2]


def _share(tmp_path, share):
    p = tmp_path / "share.yaml"
    p.write_text(f"max_unusable_share: {share}\n")
    return p


def test_convert_names_the_encoding_and_takes_it(tmp_path):
    d = tmp_path / "gbk"
    _gbk_events(d)
    out = tmp_path / "converted"
    args = ("convert-transactions", d / "events.csv", "--out", out, "--user-col", "user_id", "--time-col", "event_time")
    proc = run_cli(*args)
    assert proc.returncode == 2 and "not UTF-8" in proc.stderr and "--encoding gb18030" in proc.stderr
    assert "Traceback" not in proc.stderr and not (out / "events.parquet").exists()
    assert run_cli(*args, "--encoding", "gb18030").returncode == 0
    assert set(pd.read_parquet(out / "events.parquet").user_id) == {1, 2}


def test_event_checks_are_kept_per_file_and_reread_only_when_a_file_changes(small, tmp_path):
    """The counts of a folder of Parquet files are kept in the cache folder per file (size and
    modification time): a run reads only new or changed files, and gives the same checks as a
    run without the cache, also for a file with rows after the horizon (read again each run)."""
    import json
    import os
    d = _copy(small, tmp_path)
    cache = tmp_path / "cache"
    now = pd.Timestamp.now().floor("s")   # one clock for every open: the horizon is part of the checks
    first = open_store(d, cache_dir=cache, now=now).checks.as_dict()
    kept = json.loads((cache / "event-checks.json").read_text())["files"]
    assert len(kept) == 4 and all(v["counts"]["unusable"] == 0 for v in kept.values())
    # a kept entry is used as it is: planted counts show up without the file being read
    planted = next(iter(sorted(kept)))
    doc = json.loads((cache / "event-checks.json").read_text())
    doc["files"][planted]["counts"]["rows"] += 1000
    (cache / "event-checks.json").write_text(json.dumps(doc))
    assert open_store(d, cache_dir=cache, now=now).checks.rows == first["rows"] + 1000
    # touching the file (new modification time) makes the run read it again
    os.utime(planted, ns=(os.stat(planted).st_atime_ns, os.stat(planted).st_mtime_ns + 10**9))
    assert open_store(d, cache_dir=cache, now=now).checks.as_dict() == first
    # a new file with bad rows and one with a row after the horizon: same as without a cache, twice
    _bad_rows_file(d)
    ref = pd.read_parquet(d / "events" / f"events-{END}.parquet").head(1).copy()
    ref["event_time"] = pd.Timestamp("2027-04-15 10:00")
    ref.to_parquet(d / "events" / "events-2027-04.parquet", index=False)
    plain = open_store(d, cache_dir=False, now=now).checks.as_dict()
    assert plain["unusable"] == 3 and plain["future"] == 1
    assert open_store(d, cache_dir=cache, now=now).checks.as_dict() == plain
    assert open_store(d, cache_dir=cache, now=now).checks.as_dict() == plain
    # the horizon moves past the late row: its file's future row is now an ordinary one
    later = open_store(d, cache_dir=cache, now="2027-05-01").checks.as_dict()
    assert later["future"] == 0 and later == open_store(d, cache_dir=False, now="2027-05-01").checks.as_dict()


def test_the_event_checks_of_a_single_csv_file_are_kept_until_it_changes(small, tmp_path):
    """An events.csv (one file, the common export) has its checks kept in the cache folder like
    a Parquet folder's file: an unchanged file is not read again to count its rows (each open
    of a large CSV otherwise re-read it whole), a rewritten one is, and the counts equal a run
    without the cache, bad rows included."""
    import json
    d = _copy(small, tmp_path)
    events = pd.concat([pd.read_parquet(f) for f in sorted((d / "events").glob("*.parquet"))])
    shutil.rmtree(d / "events")
    events.to_csv(d / "events.csv", index=False)
    cache, now = tmp_path / "cache", pd.Timestamp.now().floor("s")
    first = open_store(d, cache_dir=cache, now=now).checks.as_dict()
    assert first == open_store(d, cache_dir=False, now=now).checks.as_dict()
    doc = json.loads((cache / "event-checks.json").read_text())
    assert list(doc["files"]) == [str(d / "events.csv")]
    doc["files"][str(d / "events.csv")]["counts"]["rows"] += 1000      # planted: shows the file was not read
    (cache / "event-checks.json").write_text(json.dumps(doc))
    assert open_store(d, cache_dir=cache, now=now).checks.rows == first["rows"] + 1000
    # the export is rewritten with three unusable rows: read again, the same counts as without a cache
    bad = pd.DataFrame({"user_id": pd.array([None, 5, 6], dtype="Int64"), "event_time": [f"{END}-03 10:00", None, f"{END}-03 11:00"],
                        "event_name": ["app_open", "app_open", None]})
    pd.concat([events.astype({"user_id": "Int64"}), bad]).to_csv(d / "events.csv", index=False)
    plain = open_store(d, cache_dir=False, now=now).checks.as_dict()
    assert plain["unusable"] == 3 and plain["rows"] == first["rows"] + 3
    assert open_store(d, cache_dir=cache, now=now).checks.as_dict() == plain
    assert open_store(d, cache_dir=cache, now=now).checks.as_dict() == plain


def test_the_data_period_comes_from_the_checks_and_equals_a_scan(small, tmp_path):
    """The first and last kept event times (the data period of the page header, the months a
    command accepts) are taken from the event checks, kept per file: they equal a scan of the
    cleaned events with and without the kept counts, with bad rows and a row after the horizon,
    and follow the horizon when it moves past that row."""
    from toolkit.months import data_months, event_span
    from toolkit import queries
    d = _copy(small, tmp_path)
    cache = tmp_path / "cache"
    _bad_rows_file(d)
    ref = pd.read_parquet(d / "events" / f"events-{END}.parquet").head(1).copy()
    ref["event_time"] = pd.Timestamp("2027-04-15 10:00")
    ref.to_parquet(d / "events" / "events-2027-04.parquet", index=False)
    for now in (None, "2027-05-01"):
        for cache_dir in (False, cache, cache):   # no cache, counts made and kept, counts reused
            store = open_store(d, cache_dir=cache_dir, now=now)
            scanned = tuple(queries.run(store.con, "event_span_scan").fetchone())
            assert event_span(store.con) == scanned, (now, cache_dir)
            assert data_months(store.con)[0].isoformat()[:7] == scanned[0].isoformat()[:7]
        assert (scanned[1].year, scanned[1].month) == ((2027, 4) if now else (int(END[:4]), int(END[5:7])))


def test_future_registrations_are_kept_per_users_file_and_follow_the_horizon(small, tmp_path):
    """The registrations after the horizon are counted once per users file (size, modification
    time) and kept in the cache folder: a kept count is reused for the horizon it was counted at,
    or when it was 0 and the file's latest registration is not after the new horizon; otherwise
    (or when the file changes) the file is read again, giving the count of a run without a cache."""
    import json
    import os
    d = _copy(small, tmp_path)
    cache = tmp_path / "cache"
    kept_file = cache / "users-checks.json"

    def future(now, cache_dir=cache):
        return open_store(d, cache_dir=cache_dir, now=now).checks.future_users

    assert future("2026-06-01") == 0
    doc = json.loads(kept_file.read_text())
    assert doc["future"] == 0 and doc["last"][:7] <= END
    # a kept count is used as it is (planted: 5) at its own horizon, recounted at another
    kept_file.write_text(json.dumps({**doc, "future": 5}))
    assert future("2026-06-01") == 5
    assert future("2026-06-02") == 0
    # 0 with the latest registration before the new horizon: reused (planted: a latest registration
    # before the horizon, while the file has one after it -- the kept entry is what is believed)
    users = pd.read_parquet(d / "users.parquet")
    stray = users.tail(1).copy()
    stray["user_id"] = users.user_id.max() + 1
    stray["registered_at"] = pd.Timestamp("2027-06-01 09:00")
    pd.concat([users, stray]).to_parquet(d / "users.parquet", index=False)
    st = os.stat(d / "users.parquet")
    os.utime(d / "users.parquet", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert future("2026-07-01") == 1 == future("2026-07-01", cache_dir=False)     # the changed file is read
    doc = json.loads(kept_file.read_text())
    kept_file.write_text(json.dumps({**doc, "future": 0, "last": "2026-05-01 00:00:00"}))
    assert future("2026-07-02") == 0
    kept_file.write_text(json.dumps({**doc, "future": 0, "last": "2027-06-01 09:00:00"}))
    assert future("2026-07-02") == 1                  # the latest registration is after the horizon: read
    assert future("2027-07-01") == 0 == future("2027-07-01", cache_dir=False)
    assert future("2027-08-01") == 0 and json.loads(kept_file.read_text())["horizon"].startswith("2027-07-01")


def test_a_chinese_page_says_what_was_left_out_in_chinese():
    """The warning on a zh report page (and its summary) is Chinese; the command line and the
    run log keep the English one.  Counts and file names are the same in both."""
    from datetime import datetime
    from toolkit.data.event_checks import EventChecks, FileCount
    f = FileCount(file="d/events.csv", rows=1000, null_user_id=30, bad_event_time=20,
                  bad_event_time_example="2025-13-45 10:00:00", unusable=50, future=1)
    checks = EventChecks(source="d/events.csv", horizon=datetime(2026, 11, 30, 14, 2), timezone="Asia/Shanghai",
                         files=[f], future_users=2, users_source="d/users.csv")
    zh = checks.warning("zh")
    assert zh.startswith("1,000 条事件中有 50 条(5.00%)无法使用,已剔除:d/events.csv: 列 'user_id' 有 30 个值为空, "
                         "列 'event_time' 有 20 个值不是时间(例如 '2025-13-45 10:00:00')。"), zh
    assert "1 条事件晚于数据截止时间 2026-11-30 14:02(Asia/Shanghai),已剔除:d/events.csv (1)" in zh
    assert "d/users.csv 中有 2 位用户的注册时间晚于数据截止时间" in zh and zh.endswith("。")
    assert not any(w in zh for w in ("cannot", "events (", "left out", "Check"))
    assert checks.warning().startswith("50 of 1,000 events (5.00%) cannot be used")
    assert checks.as_dict()["warning_zh"] == zh and checks.as_dict()["warning"] == checks.warning()


def test_a_month_after_the_data_names_the_last_event_not_a_complete_month(small, tmp_path):
    """With events up to 2026-05-09, a month after the data is refused naming that day; the
    refusal of a command that accepts the incomplete month (lifecycle) once called 2026-05 the
    "last complete month", against the note on the same run that it is not complete."""
    d = _copy(small, tmp_path)
    ref = pd.read_parquet(next((d / "events").glob("*.parquet")))
    late = ref.head(1).copy()
    late["event_time"] = pd.Timestamp("2026-05-09 10:00")
    late.to_parquet(d / "events" / "events-2026-05.parquet", index=False)
    con = open_store(d).con
    with pytest.raises(MonthRangeError) as err:
        check_month("2030-01", con, partial=True)
    said = str(err.value)
    assert "available months are 2026-01 to 2026-05" in said and "events from 2026-01 to 2026-05-09" in said, said
    assert "complete" not in said, said
    proc = run_cli("lifecycle", d, "--month", "2030-01")
    assert proc.returncode == 2 and "events from 2026-01 to 2026-05-09" in proc.stderr, proc.stderr
    # a report run without --month reports April, and says why not May
    import nbformat
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(nbs / "01_quick.ipynb"))
    proc = run_cli("report", d, "--out", tmp_path / "reports", "--notebooks", nbs)
    assert proc.returncode == 0, proc.stderr
    assert ("note: reporting 2026-04, the last complete month: 2026-05 is not complete (events up to 2026-05-09)"
            in proc.stderr), proc.stderr


def test_a_report_page_says_what_the_numbers_leave_out_without_the_operators_details():
    """The manager's page repeated the operator's warning: a server path, 'set now: in the
    configuration'. Its note says what the numbers leave out and where the details are."""
    from datetime import datetime
    from toolkit.data.event_checks import EventChecks, FileCount
    f = FileCount(file="/srv/feeds/events-2026-11.parquet", rows=1000, null_user_id=30, unusable=30, future=2)
    checks = EventChecks(source="/srv/feeds", horizon=datetime(2026, 11, 30, 14, 2), timezone="Asia/Shanghai",
                         files=[f])
    for lang in ("en", "zh"):
        note = checks.page_note(lang)
        assert "/srv/feeds" not in note and "now:" not in note and "toolkit validate" not in note, note
        assert "run.log" in note and "1,000" in note and "30" in note and "2026-11-30 14:02" in note, note
    assert checks.page_note("zh").startswith("全部月份的 1,000 条事件中有 30 条(3.00%)含空值或无法读取的值;2 条事件的时间晚于")
    assert checks.page_note().endswith("they are left out of these numbers. The details are in the reports "
                                       "folder's run log (run.log).")
    assert EventChecks(source="x", horizon=datetime(2026, 1, 1), timezone="UTC").page_note() is None
    assert checks.as_dict()["page_note_zh"] == checks.page_note("zh")
