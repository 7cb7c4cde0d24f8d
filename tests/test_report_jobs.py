"""Report sections run concurrently (``jobs``): they overlap in time, come out in section order,
and a failing section is reported by name while the previous report stays untouched."""
import json

import nbformat
import pytest

from conftest import run_cli
from toolkit.errors import ReportError
from toolkit.report.runner import render_month, report_jobs


def _notebook(path, body: str):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('data_dir = ""\nmonth = ""\ninteractive = False')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def _assert_gone(pid: int, what: str) -> None:
    """The process ``pid`` ends within five seconds."""
    import os
    import time
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} (pid {pid}) is still running")


def _sections(folder, stamps, fail: str = ""):
    folder.mkdir(exist_ok=True)
    for name in ("01_first", "02_second", "03_third"):
        body = (f"import time, json\nt0 = time.time()\ntime.sleep(2)\n"
                f"open({str(stamps / name)!r}, 'w').write(json.dumps([t0, time.time()]))\nprint('{name} done')")
        if name == fail:
            body += "\nraise ValueError('planted failure')"
        _notebook(folder / f"{name}.ipynb", body)


def _first_report(sample_dir, tmp_path):
    """The three sections rendered once, two at a time: (their time stamps' folder, the reports folder)."""
    stamps = tmp_path / "stamps"
    stamps.mkdir()
    _sections(tmp_path / "nbs", stamps)
    out = tmp_path / "reports"
    render_month(sample_dir, "2026-10", out_dir=out, notebooks_dir=tmp_path / "nbs", jobs=2, progress=lambda s: None)
    return stamps, out


def test_sections_run_two_at_a_time_and_keep_their_order(sample_dir, tmp_path):
    stamps, out = _first_report(sample_dir, tmp_path)
    spans = {p.name: json.loads(p.read_text()) for p in stamps.iterdir()}
    # the first two sections were running at the same time (each sleeps 2 s)
    a, b = spans["01_first"], spans["02_second"]
    assert a[0] < b[1] and b[0] < a[1], spans
    assert all((out / "2026-10" / f"{n}.html").exists() for n in spans)
    log = json.loads((out / "run.log").read_text().splitlines()[-1])
    assert log["outcome"] == "ok" and [s["section"] for s in log["sections"]] == ["first", "second", "third"]


def test_a_failing_section_among_concurrent_ones_keeps_the_previous_report(sample_dir, tmp_path):
    stamps, out = _first_report(sample_dir, tmp_path)
    before = (out / "2026-10" / "01_first.html").read_bytes()
    _sections(tmp_path / "nbs", stamps, fail="02_second")
    with pytest.raises(ReportError) as e:
        render_month(sample_dir, "2026-10", out_dir=out, notebooks_dir=tmp_path / "nbs", jobs=2,
                     progress=lambda s: None)
    assert "Section second failed" in str(e.value) and "planted failure" in str(e.value)
    assert f"the previous report in {out / '2026-10'} is unchanged." in str(e.value)
    assert (out / "failed" / "2026-10_02_second.ipynb").exists()
    assert (out / "2026-10" / "01_first.html").read_bytes() == before
    assert not list(out.glob(".tmp-*"))
    log = json.loads((out / "run.log").read_text().splitlines()[-1])
    assert log["outcome"] == "failed"
    assert [(s["section"], s["outcome"]) for s in log["sections"]][:2] == [("first", "ok"), ("second", "failed")]


def test_jobs_default_and_bounds():
    assert report_jobs(None, 3) in (1, 2)
    assert report_jobs(5, 3) == 3 and report_jobs(1, 3) == 1
    with pytest.raises(ReportError, match="at least 1"):
        report_jobs(0, 3)


def test_a_failing_first_run_says_nothing_was_written(sample_dir, tmp_path):
    """With no previous report of the month the message does not promise one."""
    stamps = tmp_path / "stamps"
    stamps.mkdir()
    _sections(tmp_path / "nbs", stamps, fail="01_first")
    out = tmp_path / "reports"
    with pytest.raises(ReportError) as e:
        render_month(sample_dir, "2026-10", out_dir=out, notebooks_dir=tmp_path / "nbs", jobs=1,
                     progress=lambda s: None)
    msg = str(e.value)
    assert f"nothing was written to {out / '2026-10'}." in msg and "previous report" not in msg
    assert ".." not in msg and not (out / "2026-10").exists()


def test_a_report_in_the_other_language_says_it_replaces_one(sample_dir, tmp_path):
    """zh, then en into the same folder: the month holds one report, and the en run says that it
    replaced the zh one and how to keep both; the same language again says nothing."""
    folder = tmp_path / "nbs"
    folder.mkdir()
    _notebook(folder / "01_only.ipynb", "print('section')")
    out = tmp_path / "reports"
    said = {}
    for run, lang in enumerate(("zh", "en", "en")):
        lines = []
        render_month(sample_dir, "2026-10", out_dir=out, notebooks_dir=folder, language=lang, progress=lines.append)
        said[run] = [x for x in lines if "replace" in x]
        if run == 1:         # before the sections run (a run stopped then keeps the other language's report)
            assert lines.index(said[1][0]) < min(i for i, x in enumerate(lines) if "only" in x), lines
    assert said[0] == [] and said[2] == []
    assert len(said[1]) == 1 and "will replace the zh one" in said[1][0] and "--out reports/zh" in said[1][0]


def test_a_sections_kernel_is_shut_down_without_an_interrupt(tmp_path):
    """jupyter_client interrupts (SIGINT) a kernel before every shutdown; landing while the
    kernel answers a message, that prints "KeyboardInterrupt caught in kernel" into a report
    run's output.  A section's kernel manager shuts down without it: a kernel busy in a cell
    at shutdown is stopped, not interrupted (the cell's KeyboardInterrupt handler never runs),
    where jupyter_client's own manager interrupts it."""
    import asyncio

    from jupyter_client.manager import AsyncKernelManager

    from toolkit.report.runner import KERNEL_ARGS, _kernel_manager_class

    async def shut_down_busy(cls, marker):
        km = cls(kernel_name="python3")
        await km.start_kernel(extra_arguments=KERNEL_ARGS)
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            kc.execute(f"import time\ntry:\n    time.sleep(8)\nexcept KeyboardInterrupt:\n"
                       f"    open({str(marker)!r}, 'w').write('interrupted')\n")
            while True:       # the cell has started
                msg = await kc.get_iopub_msg(timeout=60)
                if msg["msg_type"] == "execute_input":
                    break
            await asyncio.sleep(0.5)
            await km.shutdown_kernel()
        finally:
            kc.stop_channels()
        return marker.is_file()

    assert asyncio.run(shut_down_busy(AsyncKernelManager, tmp_path / "plain")) is True
    assert asyncio.run(shut_down_busy(_kernel_manager_class(), tmp_path / "section")) is False


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_stops_the_running_sections_at_once(sample_dir, tmp_path, jobs):
    """Ctrl-C (SIGINT to the run's process group) while sections run: the run stops within
    seconds, not when the running sections end (each would sleep a minute more) nor after the
    sections not started yet; their kernels are gone; no traceback, no failed notebook kept."""
    import os
    import signal
    import subprocess
    import sys
    import time
    nbs, started = tmp_path / "nbs", tmp_path / "started"
    nbs.mkdir()
    started.mkdir()
    for name in ("01_first", "02_second", "03_third"):
        _notebook(nbs / f"{name}.ipynb", f"import os, time\nopen({str(started / name)!r}, 'w').write(str(os.getpid()))\n"
                                         "time.sleep(60)")
    out = tmp_path / "reports"
    proc = subprocess.Popen([sys.executable, "-m", "toolkit", "report", str(sample_dir), "--month", "2026-10",
                             "--out", str(out), "--notebooks", str(nbs), "--jobs", str(jobs)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.time() + 120
    while len(list(started.iterdir())) < jobs and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert len(list(started.iterdir())) == jobs, proc.communicate()[0]
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGINT)
    t0 = time.time()
    text = proc.communicate(timeout=60)[0]
    assert time.time() - t0 < 15 and proc.returncode != 0, text
    assert "Traceback" not in text and "Aborted!" in text, text
    assert "Kernel died" not in text, text               # the stop is said once, not per killed kernel
    assert len(list(started.iterdir())) == jobs           # no section started after the stop
    assert not (out / "failed").exists() and not (out / "2026-10").exists()
    for f in started.iterdir():
        _assert_gone(int(f.read_text()), f"the kernel of {f.name}")


def test_memory_limit_and_threads_of_the_command_line_reach_the_sections(sample_dir, tmp_path):
    """`toolkit --memory-limit 700MB --threads 1 report`: each section's kernel opens its store with
    those settings (they applied to the runner's own build only, so a cron line meant to keep a
    shared machine's memory in bounds left every kernel unlimited)."""
    import subprocess
    import sys
    nbs, seen = tmp_path / "nbs", tmp_path / "seen.txt"
    nbs.mkdir()
    _notebook(nbs / "01_settings.ipynb",
              "from toolkit.report.context import open_report\n"
              "ctx = open_report(data_dir=data_dir, month=month)\n"
              "got = ctx.store.con.execute(\"SELECT current_setting('memory_limit'), current_setting('threads')\")"
              ".fetchone()\n"
              f"open({str(seen)!r}, 'w').write(repr(got))")
    proc = subprocess.run([sys.executable, "-m", "toolkit", "--memory-limit", "700MB", "--threads", "1", "report",
                           str(sample_dir), "--month", "2026-10", "--out", str(tmp_path / "reports"),
                           "--notebooks", str(nbs)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import duckdb
    expected = duckdb.connect(config={"memory_limit": "700MB", "threads": 1}).execute(
        "SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
    assert seen.read_text() == repr(expected), (seen.read_text(), expected)


def test_a_termination_signal_stops_a_run_as_ctrl_c_does(sample_dir, tmp_path):
    """systemd, `timeout` and `kill` send SIGTERM to the run's process only: the run stops within
    seconds with "Aborted!", the sections' kernels are gone, no temporary folder is left, the
    lock is free for the next run, and run.log says the run was stopped (it used to vanish
    without a word, leaving its lock and temporary folder)."""
    import json
    import signal
    import subprocess
    import sys
    import time
    nbs, started = tmp_path / "nbs", tmp_path / "started"
    nbs.mkdir()
    started.mkdir()
    _notebook(nbs / "01_slow.ipynb", f"import os, time\nopen({str(started / 'slow')!r}, 'w').write(str(os.getpid()))\n"
                                     "time.sleep(60)")
    out = tmp_path / "reports"
    cmd = [sys.executable, "-m", "toolkit", "report", str(sample_dir), "--month", "2026-10", "--out", str(out),
           "--notebooks", str(nbs)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.time() + 120
    while not (started / "slow").exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert (started / "slow").exists(), proc.communicate()[0]
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    t0 = time.time()
    text = proc.communicate(timeout=60)[0]
    assert time.time() - t0 < 15 and proc.returncode != 0, text
    assert "Traceback" not in text and "Aborted!" in text, text
    _assert_gone(int((started / "slow").read_text()), "the section's kernel")
    assert not list(out.glob(".tmp-*")) and not (out / "2026-10").exists()
    entry = json.loads((out / "run.log").read_text(encoding="utf-8").splitlines()[-1])
    assert entry["outcome"] == "stopped" and "termination signal" in entry["error"], entry
    from toolkit.report.runner import month_lock
    with month_lock(out, "2026-10"):              # free at once: no wait, no "another run in progress"
        pass


def test_a_run_refused_for_another_run_of_the_month_is_logged(sample_dir, tmp_path):
    """The second of two runs of one month stops with a clear line, and run.log records the
    refusal (a cron reader looks there; it had no line)."""
    import json
    from toolkit.report.runner import month_lock
    out = tmp_path / "reports"
    out.mkdir()
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    _notebook(nbs / "01_quick.ipynb", "x = 1")
    with month_lock(out, "2026-10"):
        proc = run_cli("report", sample_dir, "--month", "2026-10", "--out", out, "--notebooks", nbs)
    assert proc.returncode == 2 and "Another report run for 2026-10 is in progress" in proc.stderr
    entry = json.loads((out / "run.log").read_text(encoding="utf-8").splitlines()[-1])
    assert entry["outcome"] == "refused" and "in progress" in entry["error"], entry
