"""The aggregate layer on Apache Spark (engine: spark, local mode) writes the same monthly
aggregate files as DuckDB, and everything read from them (the lifecycle for churn windows 1, 2
and 3, one month's states, preferences, cohorts, daily users and holiday lifts, user detail) is
the same: on a small generated sample (with an incremental month and a late two-month file
appended), on the real retail data, and with the events read from a Spark catalog table.
Spark's failures (no Java, a missing table, a bad path) are toolkit errors naming the cause.

One Spark session serves the module; each test builds with DuckDB and with Spark and compares
the files (same columns, types and rows) and the tables computed from them."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import ROOT, run_cli
from toolkit.aggregates import build
from toolkit.aggregates.build import ensure_monthly, ON_DEMAND
from toolkit.aggregates.engines import event_scans, from_config
from toolkit.aggregates.engines.transpile import to_spark
from toolkit.analyses.holiday_lift import daily_users, holiday_lift
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.analyses.periods import cohort_funnel
from toolkit.analyses.preferences import preference_shares
from toolkit.analyses.user_detail import user_detail
from toolkit.config import load_config
from toolkit.data.sample import generate_sample
from toolkit.data.store import store_from_config
from toolkit.errors import ConfigError, MissingTableError

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
pytestmark = pytest.mark.skipif(shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
                                reason="no Java runtime (scripts/setup-system.sh installs OpenJDK 17)")
REAL = ROOT.parent / "shared" / "realdata" / "online_retail_invoices.csv"
SIGNAL = ("trip",)


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """The module's one Spark session (local[2]), with a warehouse in a temporary folder."""
    from toolkit.aggregates.engines.spark import spark_session
    warehouse = tmp_path_factory.mktemp("warehouse")
    session = spark_session("local[2]", {"spark.sql.warehouse.dir": str(warehouse)}, "Asia/Shanghai")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A small generated data set, one Parquet file per month in events/."""
    out = tmp_path_factory.mktemp("spark") / "data"
    generate_sample(out, users=3000, months=8, end="2026-10", seed=11)
    return out


def _cfg(data, cache, engine, **kw):
    return load_config(None, data_dir=str(data), cache_dir=str(cache), engine=engine, now="2026-11-20",
                       signal_events=list(kw.pop("signal_events", SIGNAL)), **kw)


def _build(cfg):
    """(build result, store) of a build with the configuration's engine."""
    store = store_from_config(cfg)
    res = build(store, active_events=cfg.active_events, signal_events=cfg.signal_events, cache_dir=cfg.cache_dir,
                engine=from_config(cfg, store))
    return res, store


def _results(res, store, cfg, month: str) -> dict:
    """Every table the analyses read, computed from the build's files (on-demand months included)."""
    con, agg = store.con, res.aggregates
    for table in ON_DEMAND:    # written on the engine of the build (per month, when first needed)
        ensure_monthly(con, table, agg.first_mi, agg.last_mi, active_events=cfg.active_events,
                       signal_events=cfg.signal_events)
    lc = Lifecycle(con, active_events=cfg.active_events, signal_events=cfg.signal_events, aggregates=agg)
    daily = daily_users(con, active_events=cfg.active_events, signal_events=cfg.signal_events)
    out = {f"k{k}": lc.monthly(k) for k in (1, 2, 3)}
    out |= {"states": lc.user_states(month, 2), "detail": user_detail(lc, month), "cohorts": cohort_funnel(lc),
            "prefs": preference_shares(con, month, active_events=cfg.active_events, signal_events=cfg.signal_events),
            "daily": daily.to_frame("users"), "holidays": holiday_lift(daily, country="CN")}
    return out


def _same_files(a: Path, b: Path) -> int:
    """Every aggregate file of cache ``a`` has its twin in ``b`` with the same columns, types and rows."""
    con = duckdb.connect()
    files = sorted((a / "months").rglob("*.parquet"))
    assert files
    for f in files:
        g = b / f.relative_to(a)
        assert g.is_file(), f"{g} missing"
        ta = con.execute(f"DESCRIBE SELECT * FROM '{f}'").fetchall()
        tb = con.execute(f"DESCRIBE SELECT * FROM '{g}'").fetchall()
        assert [r[:2] for r in ta] == [r[:2] for r in tb], f.relative_to(a)
        # sums of doubles (revenue) may differ in the last bits with the order DuckDB adds them in
        cols = ", ".join(f'round("{r[0]}", 6)' if r[1] == "DOUBLE" else f'"{r[0]}"' for r in ta)
        differ = con.execute(f"SELECT count(*) FROM ((SELECT {cols} FROM '{f}' EXCEPT ALL SELECT {cols} FROM '{g}') "
                             f"UNION ALL (SELECT {cols} FROM '{g}' EXCEPT ALL SELECT {cols} FROM '{f}'))").fetchone()[0]
        assert differ == 0, f"{f.relative_to(a)}: {differ} rows differ"
    extra = {p.relative_to(b) for p in (b / "months").rglob("*.parquet")} - {f.relative_to(a) for f in files}
    # a Spark build writes the on-demand months too (DuckDB writes them when first needed)
    assert all(p.stem in ON_DEMAND for p in extra), sorted(extra)
    return len(files)


def _same_tables(x: dict, y: dict) -> None:
    for name in x:
        pd.testing.assert_frame_equal(x[name].reset_index(drop=True), y[name].reset_index(drop=True),
                                      check_dtype=False, check_exact=False, rtol=1e-12, atol=1e-12, obj=name)


def _both(data, tmp, month, **kw):
    duck_cfg, spark_cfg = _cfg(data, tmp / "duck", "duckdb", **kw), _cfg(data, tmp / "spark", "spark", **kw)
    rd, sd = _build(duck_cfg)
    rs, ss = _build(spark_cfg)
    assert (rd.computed, rd.recomputed, rd.reused) == (rs.computed, rs.recomputed, rs.reused)
    tables = _results(rd, sd, duck_cfg, month), _results(rs, ss, spark_cfg, month)
    return rd, rs, tables


# ---------------------------------------------------------------- transpiling (no Spark)


def test_transpiled_queries_lose_the_duckdb_only_constructs():
    text = to_spark("SELECT list_extract($c, list_position($n, e)) AS x, len($a) = 0 AS y, "
                    "(q::UBIGINT << d)::UINTEGER AS z FROM t WHERE t >= $start",
                    {"c": ["x", ""], "n": ["a", "b"], "a": [], "start": pd.Timestamp("2026-01-01").to_pydatetime()})
    assert "TRY_ELEMENT_AT(ARRAY('x', ''), NULLIF(CAST(ARRAY_POSITION(ARRAY('a', 'b'), e) AS INT), 0))" in text
    assert "SIZE(CAST(ARRAY() AS ARRAY<STRING>)) = 0" in text
    assert "UINT" not in text and "CAST(q AS BIGINT)" in text and "SHIFTLEFT" in text
    assert "CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)" in text and "$" not in text


def test_event_scans_are_found_from_the_query_files():
    scans = event_scans()
    assert {"agg_user_month", "agg_user_categories", "agg_user_last", "agg_source_months"} <= set(scans)
    assert "agg_registrations" not in scans and "agg_orders" not in scans      # small tables: DuckDB


def test_engine_settings_are_checked():
    with pytest.raises(ConfigError, match="engine.*duckdb.*spark"):
        load_config(None, engine="presto")
    with pytest.raises(ConfigError, match="set engine: spark"):
        load_config(None, events_table="ods.events")
    with pytest.raises(ConfigError, match="spark_conf must map"):
        load_config(None, engine="spark", spark_conf="spark.executor.memory=4g")
    # a typo in the master was a Java stack trace and "install Java" with Java installed
    with pytest.raises(ConfigError, match=r"spark_master .*'yran' is not a Spark master: use local\[N\]"):
        load_config(None, engine="spark", spark_master="yran")
    for ok in ("local", "local[4]", "local[*]", "yarn", "spark://host:7077", "k8s://https://h:6443"):
        assert load_config(None, engine="spark", spark_master=ok).spark_master == ok
    # events_path with --engine duckdb: the engine named, not a flag blamed for the setting of the file
    with pytest.raises(ConfigError, match="read by Spark only, and engine is duckdb"):
        load_config(None, engine="duckdb", events_path="/x")


# ---------------------------------------------------------------- Spark equals DuckDB


def test_every_event_scan_runs_on_spark(spark, sample, tmp_path):
    """Each agg_*.sql that reads events (found from the files: a scan added later is run here
    too) gives the same rows on Spark as on DuckDB, over a range of months, whether Spark writes
    the files (local mode) or its rows are collected to the driver (a cluster)."""
    from datetime import datetime
    from toolkit.aggregates.build import _scan_params, settings
    from toolkit.aggregates.staging import place
    from toolkit.aggregates.engines.duckdb import DuckDBEngine
    from toolkit import queries
    cfg = _cfg(sample, tmp_path / "c", "spark")
    store = store_from_config(cfg)
    engine = from_config(cfg, store)
    s = settings(store.con, cfg.active_events, cfg.signal_events, cfg.timezone)
    p = _scan_params(s, datetime(2026, 6, 1), datetime(2026, 8, 1))
    con = duckdb.connect()
    for name in event_scans():
        query = queries.load(name)
        if "mi" not in [c[0] for c in queries.execute(store.con, f"DESCRIBE {query}", **p).fetchall()]:
            got = sorted(engine._run(query, **p).collect())
            want = sorted(tuple(r) for r in queries.execute(store.con, query, **p).fetchall())
            assert [tuple(r) for r in got] == want, name
            continue
        duck = DuckDBEngine(store.con)
        # Spark writing the files (local mode) and Spark's rows collected to the driver (a cluster)
        for label, eng, collect in (("write", engine, False), ("collect", engine, True), ("duck", duck, None)):
            engine.collect = collect
            where = tmp_path / f"{label}-{name}"
            eng.partitioned(query, where, **p)
            for mi in (2026 * 12 + 5, 2026 * 12 + 6):
                place(store.con, where, mi, where / f"{mi}.parquet", query, retype=eng.retype, **p)
        engine.collect = None
        for mi in (2026 * 12 + 5, 2026 * 12 + 6):
            b = tmp_path / f"duck-{name}" / f"{mi}.parquet"
            assert con.execute(f"SELECT count(*) FROM '{b}'").fetchone()[0] > 0
            for label in ("write", "collect"):
                a = tmp_path / f"{label}-{name}" / f"{mi}.parquet"
                assert con.execute(f"DESCRIBE SELECT * FROM '{a}'").fetchall() == \
                    con.execute(f"DESCRIBE SELECT * FROM '{b}'").fetchall(), (name, label)
                assert con.execute(f"SELECT count(*) FROM ((FROM '{a}' EXCEPT ALL FROM '{b}') UNION ALL "
                                   f"(FROM '{b}' EXCEPT ALL FROM '{a}'))").fetchone()[0] == 0, (name, label)


def test_sample_on_spark_equals_duckdb_and_extends_incrementally(spark, sample, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(sample, data)
    october = data / "events" / "events-2026-10.parquet"
    held = tmp_path / "held.parquet"
    october.rename(held)
    rd, rs, (duck, spk) = _both(data, tmp_path, "2026-08")
    assert len(rs.computed) == 7        # October's registrations and orders wait for its events
    assert rs.left_out.keys() == rd.left_out.keys() == {"registrations", "orders"}
    assert _same_files(rd.root, rs.root) >= 7 * 5
    _same_tables(duck, spk)
    assert duck["k2"]["mau"].sum() > 1000 and len(duck["prefs"]) > 0 and duck["holidays"] is not None
    # an incremental month, and a late file with events in two past months (read, not taken from statistics)
    held.rename(october)
    pd.DataFrame({"user_id": [1, 2, 99999], "event_time": pd.to_datetime(["2026-05-17 10:00:00", "2026-07-31 23:59:59",
                                                                         "2026-07-02 08:00:00"]),
                  "event_name": ["app_open", "article_view", "trip"]}).to_parquet(data / "events" / "late.parquet")
    rd, rs, (duck, spk) = _both(data, tmp_path, "2026-10")
    assert sorted(rs.recomputed) == [2026 * 12 + 4, 2026 * 12 + 6] and len(rs.reused) == 5
    assert rs.computed == [2026 * 12 + 9] and not rs.left_out
    _same_files(rd.root, rs.root)
    _same_tables(duck, spk)


@pytest.mark.skipif(not REAL.is_file(), reason=f"real data not present at {REAL}")
def test_real_retail_data_on_spark_equals_duckdb(spark, tmp_path):
    """The real invoices (converted as the real-data tests do: one events.parquet, orders,
    Europe/London, no signal events)."""
    data = tmp_path / "retail"
    proc = run_cli("convert-transactions", REAL, "--out", data, "--user-col", "CustomerID", "--time-col",
                   "InvoiceDate", "--amount-col", "TotalPrice", "--id-col", "InvoiceNo")
    assert proc.returncode == 0, proc.stderr
    rd, rs, (duck, spk) = _both(data, tmp_path, "2011-11", signal_events=(), timezone="Europe/London")
    assert len(rs.computed) == 13
    _same_files(rd.root, rs.root)
    _same_tables(duck, spk)
    assert list(duck["k2"]["new"])[:3] == [885, 417, 380]


def test_events_from_a_spark_catalog_table(spark, sample, tmp_path):
    """The events read from a catalog table (a local Parquet table in the test's warehouse);
    the users, orders and feature map from the data folder."""
    data = tmp_path / "data"
    shutil.copytree(sample, data, ignore=shutil.ignore_patterns("events"))
    spark.sql("DROP TABLE IF EXISTS toolkit_test_events")
    spark.sql(f"CREATE TABLE toolkit_test_events USING parquet LOCATION '{sample / 'events'}'")
    duck_cfg = _cfg(sample, tmp_path / "duck", "duckdb")
    table_cfg = _cfg(data, tmp_path / "table", "spark", events_table="toolkit_test_events")
    rd, sd = _build(duck_cfg)
    rt, st = _build(table_cfg)
    assert st.sources["events"].kind == "external" and len(rt.computed) == 8
    _same_files(rd.root, rt.root)
    again, _ = _build(table_cfg)           # the table's rows and checksum per month are its fingerprint
    assert len(again.reused) == 8 and not again.computed


def test_a_month_corrected_in_place_outside_the_data_folder_is_computed_again(spark, sample, tmp_path):
    """events_path on Spark: a month's file rewritten with as many rows (some trips turned into
    app opens: an overwritten partition) was reused, its MAU 28,258 against 29,452 from the same
    data read by DuckDB, until --rebuild.  A checksum per month beside the rows finds it."""
    events = tmp_path / "events"
    shutil.copytree(sample / "events", events)
    data = tmp_path / "data"
    shutil.copytree(sample, data, ignore=shutil.ignore_patterns("events"))
    cfg = _cfg(data, tmp_path / "cache", "spark", events_path=str(events))
    first, _ = _build(cfg)
    assert len(first.computed) == 8
    sept = events / "events-2026-09.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * REPLACE (CASE WHEN event_name = 'trip' AND hash(user_id) % 7 = 0 THEN 'app_open' "
                f"ELSE event_name END AS event_name) FROM '{sept}') TO '{tmp_path / 'sept.parquet'}' (FORMAT parquet)")
    assert con.execute(f"SELECT count(*) FROM '{tmp_path / 'sept.parquet'}'").fetchone() == \
        con.execute(f"SELECT count(*) FROM '{sept}'").fetchone()
    shutil.move(tmp_path / "sept.parquet", sept)
    again, store = _build(cfg)
    assert again.recomputed == [2026 * 12 + 8] and len(again.reused) == 7, again.describe()
    both = tmp_path / "both"                   # the corrected data read by DuckDB from one folder
    shutil.copytree(data, both)
    shutil.copytree(events, both / "events")
    rd, sd = _build(_cfg(both, tmp_path / "duck", "duckdb"))
    mau = {name: Lifecycle(s.con, signal_events=SIGNAL, aggregates=r.aggregates).monthly(2).set_index("month")["mau"]
           for name, (r, s) in {"spark": (again, store), "duck": (rd, sd)}.items()}
    assert mau["spark"]["2026-09"] == mau["duck"]["2026-09"]


def test_spark_errors_name_the_cause(spark, sample, tmp_path):
    with pytest.raises(MissingTableError, match=r"no table 'no_such_db.events'.*SHOW TABLES"):
        _build(_cfg(sample, tmp_path / "a", "spark", events_table="no_such_db.events"))
    with pytest.raises(MissingTableError, match=r"no events at .*nowhere.*events_path"):
        _build(_cfg(sample, tmp_path / "b", "spark", events_path=str(tmp_path / "nowhere")))


def test_no_java_is_a_toolkit_error(sample, tmp_path):
    """Without Java, `toolkit --engine spark build` stops with the fix, not a traceback."""
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "SPARK_HOME")}
    env["JAVA_HOME"] = str(tmp_path / "no-java")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not (Path(p) / "java").exists())
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "toolkit", "--engine", "spark", "build", str(sample)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode != 0
    assert "could not start Java" in proc.stderr and "openjdk-17" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_setting_java_refuses_is_not_called_a_missing_java(sample, tmp_path):
    """spark.driver.memory: 8x stopped Java's launcher (Invalid maximum heap size), and the error
    said to install Java, which was installed."""
    import subprocess
    import sys
    import yaml
    cfg = tmp_path / "toolkit.yaml"
    cfg.write_text(yaml.safe_dump({"engine": "spark", "spark_conf": {"spark.driver.memory": "8x"},
                                   "cache_dir": str(tmp_path / "cache")}), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "toolkit", "--config", str(cfg), "build", str(sample)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "Java started but Spark's launcher stopped" in proc.stderr and "spark_conf" in proc.stderr, proc.stderr
    assert "Install a Java" not in proc.stderr


def test_a_master_that_cannot_be_reached_is_named(sample, tmp_path):
    """A standalone master nobody listens on: Spark retried for about a minute and stopped without
    naming the host; the toolkit says which master and why before starting Java."""
    import socket
    import subprocess
    import sys
    import yaml
    from toolkit.aggregates.engines.spark import _unreachable_master
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        assert _unreachable_master(f"spark://127.0.0.1:{port}") is None
        assert _unreachable_master(f"spark://127.0.0.1:1,127.0.0.1:{port}") is None   # a standby master answers
    assert "127.0.0.1:" in _unreachable_master(f"spark://127.0.0.1:{port}")
    assert _unreachable_master("yarn") is None and _unreachable_master("local[2]") is None
    cfg = tmp_path / "toolkit.yaml"
    cfg.write_text(yaml.safe_dump({"engine": "spark", "spark_master": f"spark://127.0.0.1:{port}",
                                   "cache_dir": str(tmp_path / "cache")}), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "toolkit", "--config", str(cfg), "build", str(sample)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"master 'spark://127.0.0.1:{port}' cannot be reached" in proc.stderr, proc.stderr
    assert "spark_master" in proc.stderr and "Install a Java" not in proc.stderr
    # a port that answers but is no Spark master: Spark gives up after about a minute, and said only
    # "An error occurred while calling None...SparkSession"
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        cfg.write_text(yaml.safe_dump({"engine": "spark", "spark_master": f"spark://127.0.0.1:{listening.getsockname()[1]}",
                                       "cache_dir": str(tmp_path / "cache")}), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "toolkit", "--config", str(cfg), "build", str(sample)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=400)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "did not take this application" in proc.stderr and "answers as a Spark master" in proc.stderr, proc.stderr


def test_csv_events_with_zone_offsets_on_spark(spark, tmp_path):
    """Text times in a CSV: naive ones are business-local, ones with an offset are converted to
    the business zone before the month and day are cut (2026-01-31 20:30 -05:00 is 2026-02-01
    09:30 in Shanghai: February, day 1), rows without a user or a parseable time are left out,
    and rows after the horizon too: the same files on both engines."""
    data = tmp_path / "csv"
    data.mkdir()
    (data / "events.csv").write_text(
        "user_id,event_time,event_name\n"
        "1,2026-01-05 10:00:00,app_open\n"
        "1,2026-01-31 20:30:00-05:00,app_open\n"        # Shanghai: 2026-02-01 09:30
        "2,2026-01-31T23:59:59,trip\n"
        "2,2026-02-28 23:00:00+08:00,article_view\n"
        "3,2026-02-10 08:00:00,mystery_click\n"
        ",2026-02-11 08:00:00,app_open\n"               # no user: left out
        "4,not a time,app_open\n"                       # unparseable: left out
        "5,2027-01-01 00:00:00,app_open\n",             # after the horizon: left out
        encoding="utf-8")
    kw = dict(max_unusable_share=0.5)
    rd, _ = _build(_cfg(data, tmp_path / "duck", "duckdb", **kw))
    rs, _ = _build(_cfg(data, tmp_path / "spark", "spark", **kw))
    assert rd.computed == rs.computed == [2026 * 12 + 0, 2026 * 12 + 1]
    _same_files(rd.root, rs.root)
    feb = duckdb.connect().execute(
        f"SELECT user_id, q_days, s_days FROM '{rs.root}/months/2026-02/user_month.parquet' ORDER BY 1").fetchall()
    assert feb == [(1, 1, 0), (2, 1 << 27, 0), (3, 1 << 9, 0)]


def test_a_spark_build_prints_the_toolkit_lines_only(tmp_path):
    """A scheduled run's log: `toolkit --engine spark build` writes the build's own summary, not
    Spark's start-up notes or Java log lines (the driver's logging configuration turns them off;
    the Java runtime's own note on its incubator modules is the one line left)."""
    import subprocess
    import sys
    from toolkit.data.sample import generate_sample
    data = tmp_path / "data"
    generate_sample(data, users=200, months=3, end="2026-10", seed=3)
    proc = subprocess.run([sys.executable, "-m", "toolkit", "--engine", "spark", "build", str(data)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr
    lines = [x for x in (proc.stdout + proc.stderr).splitlines() if x.strip()]
    noise = [x for x in lines if not x.startswith(("Aggregates in", "WARNING: Using incubator modules"))]
    assert any(x.startswith("Aggregates in") for x in lines) and not noise, lines
    assert any(x.startswith("Aggregates in") and "Spark session start:" in x for x in lines), lines


def test_the_readme_spark_submit_command_runs(tmp_path):
    """The README's `spark-submit .../toolkit/__main__.py build` (its master local instead of
    yarn) crashed on the file's relative import: spark-submit runs a script, not a module."""
    import re
    import subprocess
    import sys
    from toolkit.data.sample import generate_sample
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"spark-submit --master yarn (.*?)\n\s*\"\$\(python -c '(.*?)'\)/__main__.py\" build", readme)
    assert shown, "the README's spark-submit command"
    data = tmp_path / "data"
    generate_sample(data, users=200, months=3, end="2026-10", seed=3)
    folder = subprocess.run([sys.executable, "-c", shown.group(2)], capture_output=True, text=True).stdout.strip()
    submit = Path(sys.executable).parent / "spark-submit"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([str(submit), "--master", "local[1]", f"{folder}/__main__.py", "--engine", "spark", "build",
                           str(data)], capture_output=True, text=True, cwd=tmp_path, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and re.search(r"Aggregates in .*3 months, 3 computed", proc.stdout), proc.stdout


def test_events_from_a_path_give_the_months_and_notebooks_need_no_spark(tmp_path):
    """Events read by Spark from a path (events_path) are not in the store's DuckDB views, so
    the store's event checks cannot give their period: the build takes it from Spark and keeps
    it in the cache's manifest. Commands then accept the data's months (they refused every month
    before), and a report notebook opens the build's files and its period without starting Spark
    (it would take a session per section): the build has written the per-month tables the
    sections ask for (category days, last events, event names) for every month."""
    import json
    import subprocess
    import sys
    import yaml
    full = tmp_path / "full"
    generate_sample(full, users=400, months=4, end="2026-10", seed=5)
    data = tmp_path / "data"               # the users, orders and feature map; the events elsewhere
    shutil.copytree(full, data, ignore=shutil.ignore_patterns("events"))
    cfg_file = tmp_path / "toolkit.yaml"
    cfg_file.write_text(yaml.safe_dump({"data_dir": str(data), "cache_dir": str(tmp_path / "cache"),
                                        "engine": "spark", "events_path": str(full / "events"),
                                        "now": "2026-11-20", "signal_events": list(SIGNAL)}), encoding="utf-8")
    proc = run_cli("--config", cfg_file, "cohorts", "--month", "2026-10", "--out", tmp_path / "c.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cohorts = pd.read_csv(tmp_path / "c.csv")
    assert len(cohorts) >= 4 and cohorts["size"].sum() > 300
    man = json.loads((tmp_path / "cache" / "manifest.json").read_text(encoding="utf-8"))
    first, last = man["span"]
    assert first.startswith("2026-07") and last.startswith("2026-10-31")
    for table in ON_DEMAND:
        assert len(list((tmp_path / "cache" / "months").glob(f"*/{table}.parquet"))) == 4, table
    # the same numbers as DuckDB reading the events from the data folder
    duck_file = tmp_path / "duck.yaml"
    duck_file.write_text(yaml.safe_dump({"data_dir": str(full), "cache_dir": str(tmp_path / "duck-cache"),
                                         "now": "2026-11-20", "signal_events": list(SIGNAL)}), encoding="utf-8")
    duck = run_cli("--config", duck_file, "cohorts", "--month", "2026-10", "--out", tmp_path / "duck.csv",
                   cwd=tmp_path)
    assert duck.returncode == 0, duck.stderr
    pd.testing.assert_frame_equal(cohorts, pd.read_csv(tmp_path / "duck.csv"))
    # a notebook's context, in a process of its own: no Spark context is ever started
    code = ("import sys\n"
            f"from toolkit.report.context import open_report\n"
            f"ctx = open_report(config={str(cfg_file)!r}, month='2026-10')\n"
            "from toolkit.analyses.preferences import preference_shares\n"
            "prefs = preference_shares(ctx.store.con, ctx.month, signal_events=['trip'])\n"
            "started = 'pyspark' in sys.modules and __import__('pyspark').SparkContext._active_spark_context is not None\n"
            "print(ctx.month, len(ctx.monthly), len(prefs), started)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    month, rows, prefs, started = out.stdout.split()
    assert month.startswith("2026-10") and int(rows) >= 3 and int(prefs) > 0 and started == "False", out.stdout
    # validate: the events Spark reads are not checked here, which is said, not reported as an empty table
    val = run_cli("--config", cfg_file, "validate", cwd=tmp_path)
    assert val.returncode == 0, val.stdout + val.stderr
    assert "read by Spark" in val.stdout and "events has no rows" not in val.stdout


def test_a_damaged_file_spark_reads_is_one_line(tmp_path):
    """A month file cut short while copying, read by Spark: one line naming the fix, no Java stack."""
    import yaml
    full = tmp_path / "full"
    generate_sample(full, users=200, months=3, end="2026-10", seed=5)
    last = sorted((full / "events").glob("*.parquet"))[-1]
    last.write_bytes(last.read_bytes()[:1000])
    cfg_file = tmp_path / "toolkit.yaml"
    cfg_file.write_text(yaml.safe_dump({"data_dir": str(full), "cache_dir": str(tmp_path / "cache"),
                                        "engine": "spark", "events_path": str(full / "events"),
                                        "now": "2026-11-20"}), encoding="utf-8")
    proc = run_cli("--config", cfg_file, "build", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    errors = [x for x in proc.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "copy or export it again" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr and "Py4J" not in proc.stderr and "\tat " not in proc.stderr


def test_files_spark_cannot_merge_are_named_with_their_column(spark, tmp_path):
    """One events file with user_id INT among files of BIGINT: DuckDB reads them, Spark stopped
    with "Failed to merge incompatible data types BIGINT and INT" and no file or column named."""
    data = tmp_path / "data"
    generate_sample(data, users=300, months=3, end="2026-10", seed=7)
    odd = sorted((data / "events").glob("*.parquet"))[1]
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * REPLACE (CAST(user_id AS INTEGER) AS user_id) FROM '{odd}') "
                f"TO '{tmp_path / 'odd.parquet'}' (FORMAT parquet)")
    shutil.move(tmp_path / "odd.parquet", odd)
    with pytest.raises(Exception) as e:
        _build(_cfg(data, tmp_path / "cache", "spark"))
    text = str(e.value)
    assert f"{odd} has column 'user_id' as INTEGER, the other 2 file(s) as BIGINT" in text, text
    assert "Spark does not merge the two" in text


def test_months_reused_from_another_engine_are_said(spark, tmp_path):
    """The first `--engine spark build` after DuckDB's ran no scan ("0 computed, 8 reused") and
    nothing said the months were DuckDB's: a platform team testing Spark needed --rebuild."""
    data = tmp_path / "data"
    generate_sample(data, users=300, months=3, end="2026-10", seed=13)
    duck, _ = _build(_cfg(data, tmp_path / "cache", "duckdb"))
    assert len(duck.computed) == 3 and not duck.reused_from
    res, _ = _build(_cfg(data, tmp_path / "cache", "spark"))
    assert len(res.reused) == 3 and res.reused_from == {"duckdb": 3}
    assert "note: 3 of the reused months were computed by duckdb, which writes the same files; `build --rebuild` " \
           "scans them again on spark." in res.describe()
