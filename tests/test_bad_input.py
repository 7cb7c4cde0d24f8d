"""Every bad-input case gets a ToolkitError subclass whose message names the file,
the column, how many rows, and how to fix it; the CLI shows it without a traceback."""
import pandas as pd
import pytest

from conftest import events, run_cli, write_table
from toolkit.errors import (ColumnTypeError, DataReadError, EmptyTableError, MissingColumnError, MissingTableError,
                            NullValueError, TimestampParseError, ToolkitError)
from toolkit.data.store import open_store
from toolkit.data.validate import validate


def test_missing_events_file(tmp_path):
    write_table(tmp_path, "users", [{"user_id": 1, "registered_at": "2025-01-01"}])
    with pytest.raises(MissingTableError) as e:
        open_store(tmp_path)
    msg = str(e.value)
    assert str(tmp_path) in msg and "events.parquet" in msg and "user_id, event_time, event_name" in msg


def test_a_folder_of_monthly_csv_files_is_named_with_how_to_convert_it(tmp_path):
    """events/events-2026-01.csv ... got "expected an events/ folder of Parquet files" without a word
    that the CSV files were seen; the message names them and the conversion it asks for, which works."""
    import duckdb
    folder = tmp_path / "events"
    folder.mkdir()
    for m in ("01", "02"):
        (folder / f"events-2026-{m}.csv").write_text(f"user_id,event_time,event_name\n1,2026-{m}-02 10:00:00,open\n")
    with pytest.raises(MissingTableError) as e:
        open_store(tmp_path)
    msg = str(e.value)
    assert f"{folder} holds 2 CSV file(s) (events-2026-01.csv, events-2026-02.csv)" in msg, msg
    shown = msg.split("duckdb.sql(")[1].split("), and move")[0]
    for m in ("01", "02"):      # what it says, done for each file, then the CSVs moved out
        duckdb.sql(eval(shown).replace("2026-01", f"2026-{m}"))
        (folder / f"events-2026-{m}.csv").rename(tmp_path / f"events-2026-{m}.csv.bak")
    store = open_store(tmp_path)
    assert store.con.execute("SELECT count(*) FROM events").fetchone()[0] == 2


def test_missing_directory(tmp_path):
    with pytest.raises(MissingTableError, match="does not exist.*toolkit sample"):
        open_store(tmp_path / "nope")


def test_missing_column(tmp_path):
    write_table(tmp_path, "events", pd.DataFrame({"uid": [1], "event_time": pd.to_datetime(["2025-01-01"]),
                                                  "event_name": ["a"]}))
    with pytest.raises(MissingColumnError) as e:
        open_store(tmp_path)
    msg = str(e.value)
    assert "events.parquet" in msg and "'user_id'" in msg and "uid" in msg and "rename" in msg


def test_missing_column_in_optional_table(tmp_path):
    write_table(tmp_path, "events", events([(1, "2025-01-01 00:00:00", "a")]))
    (tmp_path / "users.csv").write_text("user_id,signup\n1,2025-01-01\n")
    with pytest.raises(MissingColumnError, match=r"users\.csv.*registered_at"):
        open_store(tmp_path)


def test_unparseable_timestamp(tmp_path):
    (tmp_path / "events.csv").write_text("user_id,event_time,event_name\n1,2025-01-01 10:00:00,a\n"
                                         "2,yesterday,a\n3,31/02/2025,a\n4,,a\n")
    with pytest.raises(TimestampParseError) as e:
        open_store(tmp_path)
    msg = str(e.value)
    assert "events.csv" in msg and "'event_time'" in msg and "2 value(s)" in msg and "YYYY-MM-DD" in msg


def test_wrong_type_of_time(tmp_path):
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [1], "event_time": [1735689600], "event_name": ["a"]}))
    with pytest.raises(ColumnTypeError) as e:
        open_store(tmp_path)
    msg = str(e.value)
    assert "events.parquet" in msg and "'event_time'" in msg and "BIGINT" in msg and "to_timestamp" in msg


def test_wrong_type_of_user_id(tmp_path):
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [17850.0], "event_time": pd.to_datetime(["2025-01-01"]),
                                                  "event_name": ["a"]}))
    with pytest.raises(ColumnTypeError, match=r"'user_id'.*DOUBLE.*integers"):
        open_store(tmp_path)


def test_wrong_type_of_amount(tmp_path):
    write_table(tmp_path, "events", events([(1, "2025-01-01 00:00:00", "a")]))
    (tmp_path / "orders.csv").write_text("user_id,order_time,amount\n1,2025-01-01,¥12\n")
    with pytest.raises(ColumnTypeError, match=r"orders\.csv.*'amount'.*number"):
        open_store(tmp_path)


def test_empty_events(tmp_path):
    (tmp_path / "events.csv").write_text("user_id,event_time,event_name\n")
    with pytest.raises(EmptyTableError, match=r"events\.csv has no rows"):
        open_store(tmp_path)


def test_corrupt_file(tmp_path):
    (tmp_path / "events.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(DataReadError, match=r"events\.parquet"):
        open_store(tmp_path)


def test_null_user_id_and_time_are_errors_of_validate(tmp_path):
    df = pd.DataFrame({"user_id": pd.array([1, None, None], dtype="Int64"),
                       "event_time": pd.to_datetime(["2025-01-01", None, "2025-01-02"]),
                       "event_name": ["a", "b", "c"]})
    write_table(tmp_path, "events", df)
    h = validate(open_store(tmp_path, max_unusable_share=1.0))   # as `toolkit validate` opens it
    assert not h.ok
    kinds = {type(e) for e in h.errors}
    assert kinds == {NullValueError}
    msgs = " ".join(map(str, h.errors))
    assert "'user_id' is empty in 2 of 3 rows" in msgs and "'event_time' is empty in 1 of 3 rows" in msgs
    assert "Every event needs an event_time;" in msgs and "Every event needs a user_id;" in msgs
    assert "events.parquet" in msgs and "drop or fill" in msgs
    with pytest.raises(NullValueError):
        h.raise_first()


@pytest.mark.parametrize("command, setup, needle", [
    # validate lists unparseable times as a finding (exit 1); an analysis stops on them (exit 2)
    ("lifecycle", lambda d: (d / "events.csv").write_text("user_id,event_time,event_name\n1,later,a\n"),
     "not timestamps"),
    ("validate", None, "does not exist"),
    ("validate", lambda d: (d / "events.csv").write_text("uid,event_time,event_name\n1,2025-01-01,a\n"),
     "missing required"),
])
def test_cli_shows_one_clear_line_and_no_traceback(tmp_path, command, setup, needle):
    d = tmp_path / "data"
    if needle != "does not exist":
        d.mkdir()
        setup(d)
    proc = run_cli(command, d)
    assert proc.returncode == 2
    assert needle in proc.stderr and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr + proc.stdout


def test_cli_validate_exits_non_zero_on_null_ids(tmp_path):
    df = pd.DataFrame({"user_id": pd.array([1, None], dtype="Int64"),
                       "event_time": pd.to_datetime(["2025-01-01", "2025-01-02"]), "event_name": ["a", "b"]})
    write_table(tmp_path, "events", df)
    proc = run_cli("validate", tmp_path)
    assert proc.returncode == 1
    assert "ERROR" in proc.stdout and "'user_id' is empty in 1 of 2 rows" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_every_error_is_a_toolkit_error():
    for cls in (ColumnTypeError, DataReadError, EmptyTableError, MissingColumnError, MissingTableError,
                NullValueError, TimestampParseError):
        assert issubclass(cls, ToolkitError)


def test_a_duckdb_file_that_is_not_a_database(tmp_path):
    (tmp_path / "events.duckdb").write_bytes(b"this is not a DuckDB database" * 200)
    with pytest.raises(DataReadError, match="Cannot open the DuckDB file .*events.duckdb"):
        open_store(tmp_path)
    proc = run_cli("validate", tmp_path)
    assert proc.returncode == 2 and "Cannot open the DuckDB file" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["lifecycle", "rfm", "churn-risk", "cohorts", "export-users"])
def test_an_out_file_in_a_missing_folder_is_refused_before_any_work(sample_dir, tmp_path, command):
    """Every command writing a file checks its folder first, in one line naming it (not after
    minutes of work, and not as a disk-space message)."""
    target = tmp_path / "no-such-folder" / "out.csv"
    args = ["--month", "2026-10"] if command == "export-users" else []
    proc = run_cli(command, sample_dir, "--out", target, *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"the folder {target.parent} does not exist" in proc.stderr


def test_a_cut_short_parquet_file_says_what_to_do(sample_dir, tmp_path):
    """A month file cut short while copying (or a users file that is not Parquet): one line naming
    the file and the fix, and a report run that stops on it says so in the reports' run.log too
    (a cron reader looks there), leaving the reports folder's earlier lines alone."""
    import json
    import shutil
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data, ignore=shutil.ignore_patterns(".toolkit-cache"))
    (data / "users.parquet").write_text("not parquet")
    proc = run_cli("lifecycle", data)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "users.parquet" in proc.stderr and "copy or export it again" in proc.stderr \
        and "remove it if the users table is not needed" in proc.stderr
    shutil.copy(sample_dir / "users.parquet", data / "users.parquet")
    last = sorted((data / "events").glob("*.parquet"))[-1]
    last.write_bytes(last.read_bytes()[:1000])
    out = tmp_path / "reports"
    out.mkdir()
    (out / "run.log").write_text('{"outcome": "ok"}\n', encoding="utf-8")
    proc = run_cli("report", data, "--out", out)
    assert proc.returncode == 2 and last.name in proc.stderr and "copy or export it again" in proc.stderr
    log = [json.loads(x) for x in (out / "run.log").read_text(encoding="utf-8").splitlines()]
    assert len(log) == 2 and log[0] == {"outcome": "ok"}
    assert log[1]["outcome"] == "failed" and last.name in log[1]["error"]


def test_a_month_that_does_not_exist_is_named(sample_dir):
    proc = run_cli("cohorts", sample_dir, "--month", "2026-13")
    assert proc.returncode == 2 and "has no month 13" in proc.stderr and "Traceback" not in proc.stderr


def test_a_file_whose_user_ids_are_text_among_files_of_numbers_is_named(tmp_path):
    """A new month exported with user_id as text, beside months of integer ids: every command
    (validate too, which said OK) names that file and the fix, instead of a query engine error
    about COALESCE of BIGINT and VARCHAR."""
    folder = tmp_path / "events"
    folder.mkdir()
    for m in ("2025-01", "2025-02"):
        events([(1, f"{m}-05 10:00:00", "a"), (2, f"{m}-06 10:00:00", "a")]).to_parquet(folder / f"events-{m}.parquet")
    late = events([(1, "2025-03-05 10:00:00", "a")])
    late["user_id"] = late["user_id"].astype(str)
    late.to_parquet(folder / "events-2025-03.parquet")
    with pytest.raises(ColumnTypeError) as e:
        open_store(tmp_path)
    msg = str(e.value)
    assert "events-2025-03.parquet" in msg and "user_id is VARCHAR" in msg and "BIGINT in the other 2" in msg, msg
    for command in ("validate", "lifecycle"):
        proc = run_cli(command, tmp_path)
        assert proc.returncode == 2 and "events-2025-03.parquet" in proc.stderr and "Traceback" not in proc.stderr
        assert "COALESCE" not in proc.stderr, proc.stderr


def test_a_repeated_header_line_is_called_that(tmp_path):
    """users.csv made by joining two exports end to end has its header line again in the middle:
    the message says so and how to fix it, not "write the times as YYYY-MM-DD"."""
    write_table(tmp_path, "events", events([(1, "2025-01-05 10:00:00", "a")]))
    (tmp_path / "users.csv").write_text("user_id,registered_at\n1,2025-01-01 10:00:00\n"
                                        "user_id,registered_at\n2,2025-01-02 10:00:00\n")
    with pytest.raises(TimestampParseError, match=r"users\.csv: the header line appears again inside the file"):
        open_store(tmp_path)


def test_running_out_of_memory_names_the_setting_not_the_file(sample_dir, tmp_path):
    """A memory_limit too small for the data: one line saying DuckDB ran out of memory and which
    settings to change (it said the events files might not be valid Parquet files, which sends
    the reader after the wrong thing)."""
    import shutil
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data, ignore=shutil.ignore_patterns(".toolkit-cache"))
    proc = run_cli("--memory-limit", "1MB", "lifecycle", data)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "DuckDB ran out of memory" in proc.stderr and "memory_limit" in proc.stderr, proc.stderr
    assert "valid parquet" not in proc.stderr.lower() and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    from toolkit.data.engine_errors import memory_message
    said = memory_message("Out of Memory Error: failed to allocate data of size 256.0 KiB (972.1 KiB/976.5 KiB used)")
    assert said.startswith("DuckDB ran out of memory (it had used 972.1 KiB of 976.5 KiB): raise memory_limit")


def test_a_cut_short_csv_file_says_so(tmp_path):
    """An events.csv whose upstream copy stopped half way (mid-line, inside a quoted field): the
    message said to give the reader settings (csv_options, max_line_size) for a layout it could
    not work out; it says the file is cut short and to deliver it again, without DuckDB's list of
    reader options."""
    rows = "".join(f'"{u}","2025-01-{1 + u % 28:02d} 10:00:00","app_open"\n' for u in range(1, 50000))
    text = '"user_id","event_time","event_name"\n' + rows
    (tmp_path / "events.csv").write_text(text[:len(text) // 2 + 3], encoding="utf-8")
    proc = run_cli("lifecycle", tmp_path)
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "Traceback" not in said
    assert f"{tmp_path / 'events.csv'}: it ends in the middle of a line, so it looks cut short" in said, said
    assert "Deliver the file again" in said and "Possible fixes" not in said and "max_line_size" not in said
    (tmp_path / "events.csv").write_text(text, encoding="utf-8")       # delivered again: reads
    assert run_cli("lifecycle", tmp_path).returncode == 0


def test_one_file_of_a_folder_with_epoch_times_is_named(tmp_path):
    """A month's file whose event_time is epoch milliseconds among files of timestamps: the message
    named the folder pattern and said 'check that it is a valid parquet file' (it is); it names the
    file, the column, both types and the conversion."""
    folder = tmp_path / "events"
    folder.mkdir()
    good = events([(1, "2025-01-05 10:00:00", "a"), (2, "2025-01-06 10:00:00", "a")])
    good.to_parquet(folder / "events-2025-01.parquet", index=False)
    epoch = pd.DataFrame({"user_id": [1], "event_time": [1738749600000], "event_name": ["a"]})
    epoch.to_parquet(folder / "events-2025-02.parquet", index=False)
    proc = run_cli("lifecycle", tmp_path)
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "Traceback" not in said
    assert f"{folder / 'events-2025-02.parquet'}: column 'event_time' has type BIGINT" in said, said
    assert "TIMESTAMP" in said and "to_timestamp(ms / 1000)" in said and "valid parquet" not in said


def test_a_full_disk_under_the_cache_is_named_as_the_disks_not_the_datas(tmp_path):
    """The cache's disk full while a build writes a month (a real ENOSPC from DuckDB: the staging
    file is /dev/full): the message was the engine's, ending 'Run toolkit validate DIR to check the
    data'; it names the cache folder, the cause and cache_dir."""
    import duckdb
    from toolkit.data.engine_errors import disk_message
    cache = tmp_path / ".toolkit-cache"
    staging = cache / ".staging-123-abc" / "orders" / "mi=24322"
    staging.mkdir(parents=True)
    (staging / "data_0.parquet").symlink_to("/dev/full")
    with pytest.raises(duckdb.Error) as e:
        duckdb.sql(f"COPY (SELECT range AS x FROM range(200000)) TO '{staging / 'data_0.parquet'}' (FORMAT parquet)")
    said = disk_message(e.value)
    assert said is not None and said.startswith(f"cannot write {cache}: no space left on device"), (said, str(e.value))
    assert "cache_dir" in said and "validate" not in said
    assert disk_message(duckdb.Error("Binder Error: column x not found")) is None


def test_an_export_with_its_own_headers_is_mapped_in_the_configuration(tmp_path):
    """A Chinese app's GBK export with 用户ID, 事件时间, 事件名称 headers: refused with the rename
    line to write (the file was to be rewritten by a script of the analyst's own); with that line
    in the data folder's toolkit.yaml the same numbers as the file with the model's names."""
    rows = [(1, "2025/01/05 10:00", "打开APP"), (2, "2025/01/06 11:30", "打开APP"), (1, "2025/02/03 09:00", "打开APP"),
            (3, "2025/02/10 12:00", "打开APP"), (2, "2025/03/01 08:00", "打开APP")]
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "events.csv").write_text("user_id,event_time,event_name\n" + "".join(f"{u},{t},{e}\n" for u, t, e in rows),
                                      encoding="utf-8")
    own = tmp_path / "own"
    own.mkdir()
    (own / "events.csv").write_bytes(("用户ID,事件时间,事件名称\r\n" + "".join(f"{u},{t},{e}\r\n" for u, t, e in rows))
                                     .encode("gb18030"))
    (own / "toolkit.yaml").write_text("signal_events: []\ncsv_options:\n  events: {encoding: gb18030}\n",
                                      encoding="utf-8")
    proc = run_cli("lifecycle", own)
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "Traceback" not in said
    # the line to write keeps the encoding already set (pasted as printed, it had dropped it)
    assert ("csv_options: {events: {encoding: gb18030, rename: {用户ID: user_id, 事件时间: event_time, "
            "事件名称: event_name}}}") in said, said
    (own / "toolkit.yaml").write_text("signal_events: []\ncsv_options:\n  events: {encoding: gb18030, rename: "
                                      "{用户ID: user_id, 事件时间: event_time, 事件名称: event_name}}\n", encoding="utf-8")
    mapped = run_cli("lifecycle", own)
    assert mapped.returncode == 0, mapped.stderr
    (plain / "toolkit.yaml").write_text("signal_events: []\n", encoding="utf-8")
    assert mapped.stdout == run_cli("lifecycle", plain, check=True).stdout and mapped.stdout.count("\n") >= 3
