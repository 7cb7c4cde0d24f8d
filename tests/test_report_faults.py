"""Faults around a report run: a full disk, a read-only reports folder, a run killed with
SIGKILL; and the configuration the run actually used.  Each fault ends in one error naming
the path and the cause, no traceback, and the previous report byte-identical."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import ROOT, run_cli
from toolkit.report.tables import read_metrics
from toolkit.data.sample import generate_sample

MONTH = "2026-04"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("faults") / "data"
    generate_sample(d, users=600, months=3, end=MONTH, seed=3)
    return d


def _previous(out: Path) -> dict:
    """A previous report of the month (its bytes are what must survive)."""
    folder = out / MONTH
    folder.mkdir(parents=True)
    (folder / "index.html").write_bytes("<h1>旧报告 previous</h1>".encode())
    (folder / "01_lifecycle.html").write_bytes(b"<p>old section</p>" * 50)
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _same(out: Path, before: dict) -> bool:
    return {p.name: p.read_bytes() for p in (out / MONTH).iterdir()} == before


@pytest.fixture
def mounted(tmp_path):
    """mount(size, read_only) -> a fresh tmpfs folder; skipped unless root and mount works."""
    mounts = []

    def make(size: str, read_only: bool = False) -> Path:
        if os.geteuid() != 0:
            pytest.skip("write-fault tests mount a tmpfs and need root")
        point = tmp_path / f"mnt{len(mounts)}"
        point.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
        mounts.append(point)
        return point

    yield make
    for point in reversed(mounts):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_read_only_reports_folder(small, mounted):
    out = mounted("1m")
    before = _previous(out)
    r = subprocess.run(["mount", "-o", "remount,ro", str(out)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot remount read-only: {r.stderr.decode().strip()}")
    proc = run_cli("report", small, "--out", out, "--month", MONTH)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert f"Cannot write {out / ('.' + MONTH + '.lock')}: Read-only file system (errno 30)" in proc.stderr
    assert "previous report" in proc.stderr and _same(out, before)
    # a month without a report: nothing was there to keep, and the message does not say there was
    proc = run_cli("report", small, "--out", out, "--month", "2026-03")
    assert proc.returncode == 2 and "no report of 2026-03 was written" in proc.stderr, proc.stderr
    assert "previous report" not in proc.stderr
    # any other command writing there: the path and the cause, no traceback
    proc = run_cli("lifecycle", small, "--out", out / "table.csv")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{out / 'table.csv'}: Read-only file system" in proc.stderr


def test_full_disk_during_a_report(small, mounted):
    out = mounted("160k")
    before = _previous(out)
    proc = run_cli("report", small, "--out", out, "--month", MONTH)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert f"Cannot write {out}" in proc.stderr and "No space left on device (errno 28)" in proc.stderr
    assert f"the previous report in {out / MONTH} is unchanged" in proc.stderr
    assert _same(out, before) and not list(out.glob(".tmp-*"))
    log = [json.loads(x) for x in (out / "run.log").read_text().splitlines()]
    assert log[-1]["outcome"] == "failed" and "errno 28" in log[-1]["error"]


def test_killed_run_is_cleaned_by_the_next_which_uses_the_nearest_configuration(small, tmp_path):
    """kill -9 of a real run leaves its temporary folder; the next run, started in an analyst's folder
    with its own toolkit.yaml and data with a null row, removes it, reclaims the lock, says so, renders
    with that configuration, names the file on stderr and in the log, and tells the page's reader what the
    numbers leave out (without the file path and the fix, which are for whoever runs the report)."""
    data = tmp_path / "data"
    shutil.copytree(small, data)
    ref = pd.read_parquet(data / "events" / f"events-{MONTH}.parquet")
    bad = ref.head(1).copy()
    bad["event_name"] = None
    bad.to_parquet(data / "events" / "events-late-export.parquet", index=False)
    out = tmp_path / "reports"
    before = _previous(out)
    first = subprocess.Popen([sys.executable, "-m", "toolkit", "report", str(data), "--out", str(out), "--month",
                              MONTH], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.monotonic() + 120
    while not list(out.glob(f".tmp-{MONTH}-{first.pid}/*.ipynb")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)                       # the run and its kernel, as the OOM killer would
    first.wait()
    stale = out / f".tmp-{MONTH}-{first.pid}"
    assert stale.is_dir() and _same(out, before)               # left behind; the previous report untouched

    analyst = tmp_path / "analyst"
    analyst.mkdir()
    cfg = analyst / "toolkit.yaml"
    cfg.write_text("churn_after: 1\nsignal_events: []\nlanguage: en\n", encoding="utf-8")
    proc = run_cli("report", data, "--out", out, "--month", MONTH, cwd=analyst)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"Removed {stale}, left behind by a run (pid {first.pid}) that did not finish." in proc.stdout
    assert f"Reclaimed the lock {out / ('.' + MONTH + '.lock')}" in proc.stdout
    assert not stale.exists()
    assert f"Configuration: {cfg}" in proc.stdout
    assert "warning: 1 of" in proc.stderr and "events-late-export.parquet" in proc.stderr
    log = json.loads((out / "run.log").read_text().splitlines()[-1])
    assert log["outcome"] == "ok" and log["config"] == str(cfg)
    assert log["data_checks"]["unusable"] == 1 and "events-late-export.parquet" in log["data_checks"]["warning"]
    for name in ("index.html", "01_lifecycle.html"):
        page = (out / MONTH / name).read_text(encoding="utf-8")
        assert "1 of " in page and "left out of these numbers" in page and "run.log" in page, name
        assert "events-late-export.parquet" not in page and str(data) not in page, name
    metrics = read_metrics(out / MONTH / "01_lifecycle.ipynb")[0]
    assert metrics["churn_after"] == 1 and metrics["language"] == "en"
    nb = nbformat.read(str(out / MONTH / "01_lifecycle.ipynb"), as_version=4)
    assert nb.metadata["papermill"]["parameters"]["config"] == str(cfg)
    # the same numbers as the CLI gives in that folder
    cli = pd.read_csv(__import__("io").StringIO(run_cli("lifecycle", data, cwd=analyst).stdout)).set_index("month")
    assert metrics["current"]["mau"] == cli.loc[MONTH, "mau"]
    assert metrics["current"]["churned"] == cli.loc[MONTH, "churned"]


@pytest.mark.parametrize("chained", [True, False])
def test_a_section_whose_kernel_port_was_taken_starts_again(tmp_path, chained):
    """A scheduled run failed with zmq's "Address already in use" (a kernel's port taken by another
    process between its choice and its start) and "Section preferences failed: unknown error".
    Nothing of the section had run: it starts once more, and says so.  The first start fails here
    with the error zmq raised, or (as the test suite met it on a busy machine) with papermill's
    "Kernel died before replying to kernel_info" alone, zmq's error only on the kernel's stderr;
    the second is papermill's real run of a real notebook."""
    import nbformat
    import papermill
    import zmq
    from toolkit.report.runner import _run_section

    class PortTakenOnce:
        calls = 0

        def execute_notebook(self, *args, **kw):
            PortTakenOnce.calls += 1
            if PortTakenOnce.calls == 1:
                if not chained:
                    raise RuntimeError("Kernel died before replying to kernel_info")
                try:
                    raise zmq.error.ZMQError(98, "Address already in use (addr='tcp://127.0.0.1:51234')")
                except zmq.error.ZMQError as exc:
                    raise RuntimeError("Kernel died before replying to kernel_info") from exc
            return papermill.execute_notebook(*args, **kw)
    nb = tmp_path / "01_tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1 + 1")]), str(nb))
    said = []
    (tmp_path / "tmp").mkdir()
    entry, error = _run_section(PortTakenOnce(), 1, nb, 1, tmp_path / "tmp", tmp_path / "reports", "2026-10", {},
                                60, said.append, {"lang": "en", "fields": [], "back": "", "all_months": ""})
    assert error is None and entry["outcome"] == "ok" and PortTakenOnce.calls == 2, (entry, error)
    assert any("port was taken by another process; starting it again" in s for s in said), said
    assert (tmp_path / "tmp" / "01_tiny.html").is_file()


def test_orders_delivered_twice_or_cut_short_are_said():
    """Hand-made orders: 100 orders over 1-10 January while the events reach the 31st cannot be
    chance at that pace ((1 - 21/31)^100); 100 over the whole month, or 3 over ten days
    ((1 - 21/31)^3 = 3%), can; two identical rows are one surplus order."""
    from datetime import datetime, timedelta

    import duckdb
    from toolkit.data.order_checks import cut_short, duplicate_orders, order_notes
    con = duckdb.connect()
    early = [(i, datetime(2026, 1, 1) + timedelta(hours=2.2 * i), 10.0) for i in range(100)]
    con.execute("CREATE TABLE orders (user_id BIGINT, order_time TIMESTAMP, amount DECIMAL(18, 2))")
    con.executemany("INSERT INTO orders VALUES (?, ?, ?)", early)
    end = datetime(2026, 2, 3)                                  # the events go on past January
    last, reach, n = cut_short(con, "2026-01", end)
    assert n == 100 and reach == datetime(2026, 2, 1) and last.day == 10
    assert cut_short(con, "2026-01", datetime(2026, 1, 11)) is None       # the events stop there too
    con.execute("DELETE FROM orders WHERE user_id NOT IN (0, 50, 99)")
    assert cut_short(con, "2026-01", end) is None                          # three orders: could be chance
    con.execute("DELETE FROM orders")
    con.executemany("INSERT INTO orders VALUES (?, ?, ?)",
                    [(i, datetime(2026, 1, 1) + timedelta(hours=7.4 * i), 10.0) for i in range(100)])
    assert cut_short(con, "2026-01", end) is None                          # the whole month
    assert duplicate_orders(con)[0] == 0
    con.execute("INSERT INTO orders SELECT * FROM orders WHERE user_id < 2")
    assert duplicate_orders(con)[:2] == (2, 20.0)
    notes = order_notes(con, "2026-01", end)
    assert notes.warnings[0].startswith("2 order(s) repeat another order exactly (same user, time and amount")
    merged = notes.into({"page_note": "Some events were left out.", "page_note_zh": None})
    assert merged["page_note"] == ("Some events were left out. 2 order(s) repeat another order exactly, and revenue "
                                   "counts each copy (20.00).")
    assert merged["page_note_zh"].startswith("2 笔订单与另一笔完全相同") and merged["month_checks"] == notes.warnings


def test_a_report_says_its_orders_were_delivered_twice_and_cut_short(tmp_path):
    """A shop's resent October doubled its revenue and a November orders file cut on the 11th
    halved it; each replaced a good report with exit 0 and no word.  The run now warns on stderr,
    in run.log, and on the month's summary page."""
    data = tmp_path / "data"
    generate_sample(data, users=600, months=3, end=MONTH, seed=3)
    orders = pd.read_parquet(data / "orders.parquet")
    t = pd.to_datetime(orders["order_time"])
    month = t.dt.strftime("%Y-%m") == MONTH
    kept = orders[~month | (t.dt.day <= 11)]
    # one order repeated (under 1% of them: a warning; more stops a scheduled run, below)
    pd.concat([kept, kept[t[kept.index].dt.strftime("%Y-%m") == "2026-03"].head(1)]).to_parquet(data / "orders.parquet")
    out = tmp_path / "reports"
    proc = run_cli("report", data, "--month", MONTH, "--out", out, "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert "warning: 1 order(s) repeat another order exactly" in proc.stderr, proc.stderr
    assert f"warning: {MONTH}'s " in proc.stderr and "orders end on 2026-04-11" in proc.stderr, proc.stderr
    entry = json.loads((out / "run.log").read_text(encoding="utf-8").splitlines()[-1])
    assert len(entry["data_checks"]["month_checks"]) == 2
    page = __import__("html").unescape((out / MONTH / "index.html").read_text(encoding="utf-8"))
    assert f"{MONTH}'s orders end on 2026-04-11 while its events reach 2026-04-30: its revenue is likely partial" \
        in page


def test_a_scheduled_run_stops_on_a_resent_month_of_orders_or_a_cut_orders_file(tmp_path):
    """The warnings above came with exit 0, and the good report was replaced by one of doubled or
    halved revenue.  A run that picks its months itself (the scheduled --missing) now stops before
    any month, with exit 2, and no report changes; orders repeated below max_unusable_share stay a
    warning, and a month asked for by hand renders with its warning."""
    data = tmp_path / "data"
    generate_sample(data, users=600, months=3, end=MONTH, seed=3)
    good = pd.read_parquet(data / "orders.parquet")
    out = tmp_path / "reports"
    first = run_cli("report", data, "--out", out, "--lang", "en", "--missing")
    assert first.returncode == 0, first.stderr
    pages = {p: p.read_bytes() for p in out.glob("*/*.html")}
    t = pd.to_datetime(good["order_time"])
    resent = pd.concat([good, good[t.dt.strftime("%Y-%m") == MONTH]])            # April's orders again
    resent.to_parquet(data / "orders.parquet")
    twice = run_cli("report", data, "--out", out, "--lang", "en", "--missing")
    said = " ".join(twice.stderr.split())
    assert twice.returncode == 2 and "Traceback" not in said, said
    assert "repeat another order exactly" in said and "more than the 1% allowed (max_unusable_share)" in said, said
    assert "no report was changed" in said and {p: p.read_bytes() for p in out.glob("*/*.html")} == pages
    assert json.loads((out / "run.log").read_text().splitlines()[-1])["outcome"] == "failed"
    good[~((t.dt.strftime("%Y-%m") == MONTH) & (t.dt.day > 11))].to_parquet(data / "orders.parquet")
    cut = run_cli("report", data, "--out", out, "--lang", "en", "--missing")
    said = " ".join(cut.stderr.split())
    assert cut.returncode == 2 and f"{MONTH}'s" in said and "an orders file cut short?" in said, said
    assert f"render it by hand with --month {MONTH}" in said and {p: p.read_bytes() for p in out.glob("*/*.html")} == pages
    by_hand = run_cli("report", data, "--out", out, "--lang", "en", "--month", MONTH)
    assert by_hand.returncode == 0 and "warning: " in by_hand.stderr and "orders end on" in by_hand.stderr
    # March's events replaced by their first half, April's already in: March was rendered again with a third of
    # its users gone and no word; its orders go on to the 31st, so the events are what was cut
    good.to_parquet(data / "orders.parquet")
    assert run_cli("report", data, "--out", out, "--lang", "en", "--missing").returncode == 0
    pages = {p: p.read_bytes() for p in out.glob("*/*.html")}
    _keep_the_first_half_of_march(data)
    half = run_cli("report", data, "--out", out, "--lang", "en", "--missing")
    said = " ".join(half.stderr.split())
    assert half.returncode == 2 and "2026-03's events stop on 2026-03-15 while its orders go on to 2026-03-3" in said, said
    assert "no report was changed" in said and {p: p.read_bytes() for p in out.glob("*/*.html")} == pages


def _keep_the_first_half_of_march(data):
    """March's events file replaced by its first 15 days (a partial copy delivered after April's)."""
    march = data / "events" / "events-2026-03.parquet"
    ev = pd.read_parquet(march)
    ev[pd.to_datetime(ev["event_time"]).dt.day <= 15].to_parquet(march)


def test_without_orders_a_months_silent_end_is_a_warning(tmp_path):
    """An app's data without orders: March's events file replaced by its first half after April's
    arrived was rendered again without a word (nothing else to tell a cut file by).  The run says
    the month's events stop 16 days before its end, on stderr, in run.log and on the page."""
    data = tmp_path / "data"
    generate_sample(data, users=600, months=3, end=MONTH, seed=3)
    (data / "orders.parquet").unlink()
    out = tmp_path / "reports"
    whole = run_cli("report", data, "--out", out, "--lang", "en", "--missing")
    assert whole.returncode == 0 and "events stop on" not in whole.stderr, whole.stderr
    _keep_the_first_half_of_march(data)
    half = run_cli("report", data, "--out", out, "--lang", "en", "--missing")
    said = " ".join(half.stderr.split())
    assert half.returncode == 0 and "warning: 2026-03's events stop on 2026-03-15, 16 days before its end" in said, said
    entry = [json.loads(x) for x in (out / "run.log").read_text().splitlines() if '"2026-03"' in x][-1]
    assert "2026-03's events stop on 2026-03-15" in entry["data_checks"]["month_checks"][0]
    page = __import__("html").unescape((out / "2026-03" / "index.html").read_text(encoding="utf-8"))
    assert "2026-03's events stop on 2026-03-15, 16 days before its end (a closure, or data missing)" in page
