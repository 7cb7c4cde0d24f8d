"""Monthly report runs: papermill executes each report notebook with the month's
parameters, nbconvert renders each to one self-contained HTML file (code hidden,
images embedded), and a summary page links them.

A run builds everything in a temporary folder beside the reports and moves it
to ``reports/YYYY-MM/`` only when every section succeeded, so a failed run
leaves the previous report of that month untouched.  A lock file keeps two runs
for the same month from interleaving.  Every run appends to ``reports/run.log``.
"""
from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
import re
import shutil
import threading
import time
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

from ..errors import ConfigError, ReportError, WriteError

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
PACKAGED_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"        # in an installed wheel (setup.py)
SOURCE_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"   # in a source checkout / editable install
INTERACTIVE_TAG = "interactive-only"


def _notebook_dir() -> Path:
    """The toolkit's own report notebooks: the copies shipped in the package, else notebooks/ of the checkout."""
    for folder in (PACKAGED_NOTEBOOKS, SOURCE_NOTEBOOKS):
        if any(folder.glob(NOTEBOOK_PATTERN)):
            return folder
    return SOURCE_NOTEBOOKS if SOURCE_NOTEBOOKS.is_dir() else PACKAGED_NOTEBOOKS


NOTEBOOK_DIR = _notebook_dir()


def report_notebooks(folder=None) -> list[Path]:
    """The report sections, in order: NN_*.ipynb in ``folder`` (default: the toolkit's own)."""
    return sorted(Path(folder or NOTEBOOK_DIR).glob(NOTEBOOK_PATTERN))


def required_notebooks(folder=None) -> list[Path]:
    """:func:`report_notebooks`, or a ReportError saying where none were found and what to do."""
    notebooks = report_notebooks(folder)
    if notebooks:
        return notebooks
    where = Path(folder or NOTEBOOK_DIR)
    if folder:
        fix = "pass --notebooks a folder holding them, or leave the option out to use the toolkit's own."
    else:
        fix = ("the toolkit was installed without its notebooks: reinstall it from the project folder "
               "(`pip install .` ships them inside the package) or pass --notebooks DIR.")
    raise ReportError(f"No report notebooks (files named like 01_lifecycle.ipynb) in {where}, so there is nothing "
                      f"to render; {fix}")


def section_name(nb: Path) -> str:
    return nb.stem.split("_", 1)[1]


DATASET_FILE = ".dataset"     # in a reports folder: the data folder whose reports it holds


def check_dataset(out_dir, data_dir) -> None:
    """A reports folder holds the months of one data set: a run on other data into a folder
    that holds another's reports is refused (the manager's list of months would mix two data
    sets without a word, and ``--missing`` would skip a month the other data set has)."""
    mark = Path(out_dir) / DATASET_FILE
    here = str(Path(data_dir).resolve())
    try:
        lines = [x.strip() for x in mark.read_text(encoding="utf-8").splitlines() if x.strip()] if mark.is_file() else []
    except OSError:
        return
    # the data folder in full and relative to the reports folder: a project moved as a whole (its
    # data/ and reports/ together) still matches, as does data kept apart from a moved project
    if lines and not any(str((Path(out_dir) / x).resolve()) == here for x in lines):
        recorded = lines[0]
        raise ConfigError(f"The reports folder {Path(out_dir).resolve()} holds the reports of the data in {recorded} "
                          f"(named in {mark}); this run reads {here}. Give each data set its own reports folder: "
                          "--out DIR, or reports_dir in the data folder's toolkit.yaml. If it is the same data "
                          f"moved, write its new path into {mark}.")


def _record_dataset(out_dir: Path, data_dir) -> None:
    mark = out_dir / DATASET_FILE
    if not mark.is_file():
        full = Path(data_dir).resolve()
        mark.write_text(f"{full}\n{os.path.relpath(full, out_dir.resolve())}\n", encoding="utf-8")


DIGEST_FILE = ".data-digest"   # beside a month's index.html: the digest of the data it was rendered from


def report_months(con, out_dir, *, month: str | None = None, missing: bool = False, digest_of=None) -> list[str]:
    """The months a report run renders: ``month`` checked against the data (default: the last
    complete month), or with ``missing`` every month from the second month of data to the last
    complete one that has no ``out_dir/YYYY-MM/index.html`` yet, and, with ``digest_of`` (month
    -> digest of its data now, ``aggregates.build.data_digest``), every such month whose data
    changed since its report was rendered (:func:`changed_since_rendered`).  Months come from
    the cleaned events, so a stray event after the data horizon moves none of them."""
    from ..months import check_month, data_months, month_range, month_str
    if not missing:
        return [check_month(month, con, skip_first=True)]
    first, last = data_months(con)
    months = [month_str(m) for m in month_range(first, last)[1:]]
    changed = set(changed_since_rendered(out_dir, months, digest_of)) if digest_of else set()
    return [m for m in months if m in changed or not (Path(out_dir) / m / "index.html").exists()]


def changed_since_rendered(out_dir, months, digest_of) -> list[str]:
    """The months of ``months`` whose report's data changed after it was rendered: the digest
    kept beside the report differs from ``digest_of(month)`` (a late event, a short file that
    arrived whole, a corrected order, in that month or one before it).  A report without a
    kept digest (rendered by an earlier version) counts as unchanged."""
    out = []
    for m in months:
        kept = _kept_digest(out_dir, m)[0]
        if kept and kept != digest_of(m):
            out.append(m)
    return out


def _kept_digest(out_dir, month: str) -> tuple[str, str]:
    """(data digest, settings key) kept beside a month's report ('' for what it lacks)."""
    try:
        lines = (Path(out_dir) / month / DIGEST_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return "", ""
    lines = [x.strip() for x in lines] + ["", ""]
    return lines[0], lines[1]


def settings_changed(out_dir, month: str, settings_key: str | None) -> bool:
    """Whether the aggregates' settings (active and signal events, time zone, feature_map) differ
    from those the month's report was rendered with: the reason its data digest changed, when it
    did (a new feature_map was said as "late or corrected rows")."""
    kept = _kept_digest(out_dir, month)[1]
    return bool(kept and settings_key and kept != settings_key)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reclaim_stale(out_dir: Path, progress=print) -> list[str]:
    """Remove the temporary folders of runs that were killed (their process is gone), and put
    back a month's previous report that a killed run had moved aside; one line each."""
    said = []
    for p in sorted(out_dir.glob(".tmp-*-*")) + sorted(out_dir.glob(".old-*-*")):
        kind, _, rest = p.name[1:].partition("-")
        month, _, pid = rest.rpartition("-")
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        final = out_dir / month
        if kind == "old" and not final.exists():
            p.rename(final)
            said.append(f"Restored the report {final} that a run (pid {pid}) which did not finish had moved to {p}.")
        else:
            shutil.rmtree(p)
            said.append(f"Removed {p}, left behind by a run (pid {pid}) that did not finish.")
    for line in said:
        progress(line)
    return said


@contextmanager
def month_lock(out_dir: Path, month: str, wait: float = 0.0, progress=None):
    """An exclusive lock for one month's output; waits up to ``wait`` seconds, then fails clearly.
    A lock left by a killed run is free (the system releases it) and is reclaimed with a line saying so."""
    path = out_dir / f".{month}.lock"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+")
    except OSError as exc:
        raise write_error(exc, out_dir / month) from None
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise ReportError(f"Another report run for {month} is in progress ({holder}; lock {path}). "
                                  "Wait for it to finish, or pass --wait SECONDS to queue behind it.") from None
            time.sleep(0.2)
    fh.seek(0)
    previous = fh.read().strip()
    if previous and progress:   # a finished run empties the file: text left in it is a killed run's
        progress(f"Reclaimed the lock {path} of a run that did not finish ({previous}).")
    try:
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now():%Y-%m-%d %H:%M:%S}")
        fh.flush()
    except OSError as exc:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()
        raise write_error(exc, out_dir / month) from None
    try:
        yield
    finally:
        try:
            fh.seek(0)
            fh.truncate()
        except OSError:
            pass
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def write_error(exc: OSError, keep: Path) -> WriteError:
    """A WriteError naming the path that could not be written and why; the report at ``keep`` is untouched."""
    where = exc.filename or keep.parent
    kept = (f"the previous report in {keep} is unchanged" if (keep / "index.html").exists() else
            f"no report of {keep.name} was written")
    return WriteError(f"Cannot write {where}: {exc.strerror or exc} (errno {exc.errno}). Free space or fix the "
                      f"permissions of {Path(where).parent if exc.filename else where}, then run again; {kept}.")


TEMPLATES = Path(__file__).resolve().parent / "templates"
LANG_CODE = {"zh": "zh", "en": "en"}   # ISO 639-1, as nbconvert takes it
# the kernel's start-up warnings (e.g. "running over TCP without encryption": the kernel is local)
# are for developers, not for the terminal or cron.log of a report run
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


_RUNNING: set = set()      # the kernel managers of the sections running now (stopped on Ctrl-C)
_STOPPING = threading.Event()   # set by Ctrl-C: the sections' failures that follow are the stop's


@functools.cache
def _kernel_manager_class():
    """The kernel manager of a section: jupyter_client's, except that

    * shutting a kernel down does not interrupt it first.  jupyter_client sends SIGINT before
      every shutdown request; a section's kernel is done by then, and a SIGINT that lands
      while it is still answering a message prints "KeyboardInterrupt caught in kernel" into
      the run's output (seen with two sections at a time).  The shutdown request goes on the
      control channel, which a busy kernel also reads, and a kernel that does not stop is
      terminated, then killed, as before.  An interrupt asked for outside a shutdown (a
      cell's time limit) is sent as usual;
    * a started kernel is in ``_RUNNING`` until it is shut down, so that Ctrl-C can stop the
      sections running in other threads (``_stop_running``)."""
    from jupyter_client.manager import AsyncKernelManager

    class SectionKernelManager(AsyncKernelManager):
        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

        interrupt_kernel = _async_interrupt_kernel

        async def _async_start_kernel(self, **kw) -> None:
            await super()._async_start_kernel(**kw)
            _RUNNING.add(self)

        start_kernel = _async_start_kernel

        async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            _RUNNING.discard(self)
            await super()._async_shutdown_kernel(now=now, restart=restart)

        shutdown_kernel = _async_shutdown_kernel

    return SectionKernelManager


class _QuietAfterStop(logging.Filter):
    """Drops nbclient's "Kernel died while waiting for execute reply." (logged through
    papermill's logger) for the kernels a Ctrl-C killed: the stop is said once, by "Aborted!"."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_STOPPING.is_set() and "Kernel died" in record.getMessage())


logging.getLogger("papermill").addFilter(_QuietAfterStop())


def _stop_running() -> None:
    """Kill the kernels of the sections running now (Ctrl-C): their papermill runs end at once
    with a dead kernel, instead of running on to the end of their notebooks."""
    _STOPPING.set()
    for km in list(_RUNNING):
        process = getattr(km.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
        _RUNNING.discard(km)


# folder names that say nothing about the data set on their own ("数据集: data")
_GENERIC_FOLDERS = {"data", "events", "input", "inputs", "raw", "export", "exports", "current", "latest", "in"}


def dataset_label(data_dir) -> str:
    """The data set as a page names it: its folder's name, with the folder above it when the
    name alone is generic (/srv/shop-uk/data -> shop-uk/data)."""
    path = Path(data_dir).resolve()
    if path.name.lower() in _GENERIC_FOLDERS and path.parent.name:
        return f"{path.parent.name}/{path.name}"
    return path.name


def _generated(timezone: str) -> str:
    """The generation time as a page says it: in the business time zone, named (a Chinese page
    said '18:16 UTC', the server's zone)."""
    from zoneinfo import ZoneInfo
    return f"{datetime.now(ZoneInfo(timezone)):%Y-%m-%d %H:%M} ({timezone})"


def page_header(data_dir, month: str, *, language: str | None = None, config=None, store=None,
                churn_after: int | None = None) -> dict:
    """What the header of every page says: the data set, its period, the report month, the churn
    window (every state and rate but the active rate depends on it), the generation time and the
    configuration file used, in the report language.  ``store``: the caller's opened store (the
    CLI's), so that the data are not opened and checked a second time; ``churn_after``: the run's
    own window, when it overrides the configuration's."""
    from . import labels as L
    from ..config import load_config
    from ..data.store import store_from_config
    from ..months import event_span
    cfg = load_config(config, data_dir=str(data_dir), language=language or None)
    lang = cfg.language
    try:
        first, last = event_span((store or store_from_config(cfg)).con)
    except Exception:  # noqa: BLE001 - unreadable data: the first section fails with the clear message
        first = last = None
    period = f"{first:%Y-%m-%d} – {last:%Y-%m-%d}" if first is not None else ""
    return {"lang": lang, "back": L.t("back", lang), "all_months": L.t("all_months", lang),
            "fields": [(L.t("dataset", lang), dataset_label(cfg.data_dir)), (L.t("period", lang), period),
                       (L.t("report_month", lang), month),
                       (L.t("churn_window", lang), str(churn_after or cfg.churn_after)),
                       (L.t("generated", lang), _generated(cfg.timezone)),
                       (L.t("config", lang), _shown_config(cfg, lang))]}


def _shown_config(cfg, lang: str) -> str:
    """The configuration file as a page names it; the package's own defaults by that name (its
    path inside the installed package says little to a reader); the data folder's own file
    when it was read beneath the chosen one."""
    from ..config import DEFAULTS_FILE
    if Path(cfg.source).resolve() == Path(DEFAULTS_FILE).resolve():
        return "软件包默认设置(未找到 toolkit.yaml)" if lang == "zh" else "package defaults (no toolkit.yaml found)"
    if cfg.data_source:
        under = _shown_path(cfg.data_source)
        return (f"{_shown_path(cfg.source)}(优先于数据文件夹的 {under})" if lang == "zh"
                else f"{_shown_path(cfg.source)}, over the data folder's {under}")
    return _shown_path(cfg.source)


def _shown_path(path) -> str:
    """A file as a page names it: relative to the working folder when inside it (toolkit.yaml,
    data/retail/toolkit.yaml), else in full, so that two files of one name are told apart."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def render_html(executed: Path, html: Path, header: dict | None = None, title: str = "") -> None:
    """One self-contained HTML file from an executed notebook: no code, no prompts,
    no interactive-only cells, only the cells of the report's language (tagged lang-zh /
    lang-en; untagged cells are shown in both); images are inline data URIs and nothing
    is fetched from another host.  ``header`` (from :func:`page_header`) sets the page's
    language and its header; ``title`` its <title>."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    nb = nbformat.read(str(executed), as_version=4)
    lang = (header or {}).get("lang", "en")
    other = "en" if lang == "zh" else "zh"
    tags = TagRemovePreprocessor(remove_cell_tags={INTERACTIVE_TAG, f"lang-{other}"}, enabled=True)
    nb, _ = tags.preprocess(nb, {})
    nb.metadata.pop("widgets", None)
    if title:
        nb.metadata["title"] = title
    from .tables import METRICS_MIME
    for cell in nb.cells:  # the recorded metrics are for machines: leave them out of the page
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if METRICS_MIME not in o.get("data", {})]
    exporter = HTMLExporter(template_name="toolkit_report", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True, language_code=LANG_CODE.get(lang, lang))
    body, _ = exporter.from_notebook_node(nb, resources={"toolkit_header": header or {}})
    # itables' <noscript> note ("is your notebook trusted?") is for notebook users: a reader whose
    # mail client blocks scripts sees the plain table beside it, and nothing about notebooks
    body = re.sub(r"<noscript>(?:(?!</noscript>).)*init_notebook_mode.*?</noscript>", "", body, flags=re.S)
    if lang == "zh":      # Chinese punctuation beside Chinese text: "新用户：下月" (zh_punctuation.py)
        from .zh_punctuation import page as zh_page
        body = zh_page(body)
    html.write_text(body, encoding="utf-8")


def log_run(out_dir: Path, entry: dict, progress=print) -> None:
    """Append one JSON line for a run to ``out_dir/run.log`` (a cron reader's record)."""
    try:
        with open(out_dir / "run.log", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
    except OSError as exc:   # the run's outcome stands; say that its record is missing
        progress(f"warning: could not append to {out_dir / 'run.log'}: {exc.strerror or exc}.")


def _error_of(nb_path: Path) -> str:
    """The failing cell's error from an executed notebook (ename: evalue)."""
    import nbformat
    try:
        nb = nbformat.read(str(nb_path), as_version=4)
    except Exception:  # noqa: BLE001 - the notebook may not have been written at all
        return "the notebook could not be read"
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                return f"{o.get('ename')}: {o.get('evalue')}"
    return "unknown error"


def render_month(data_dir, month: str, *, out_dir="reports", language: str | None = None, config: str | None = None,
                 churn_after: int | None = None, target: float | None = None, wait: float = 0.0,
                 cell_timeout: int = 1800, notebooks_dir=None, progress=print,
                 data_checks: dict | None = None, store=None, jobs: int | None = None,
                 data_digest: str | None = None, settings_key: str | None = None, engine: str | None = None) -> Path:
    """Render every report section for ``month`` into ``out_dir/month``.

    ``config`` is the configuration file the notebooks read (None: their own lookup, see
    toolkit.config); it is written to the run log.  ``data_checks`` (EventChecks.as_dict of the
    caller's store) goes to the run log, and its warning to the top of the month's page; ``store``
    (that store) gives the pages' data period without opening the data again.  ``jobs``: sections
    run at once (default: one per core, up to two; see :func:`report_jobs`).  ``data_digest``
    (``aggregates.build.data_digest``) is kept beside the report, so that ``--missing`` renders
    the month again when its data change.  ``engine`` (where the scans ran: duckdb, or spark and its
    master) goes to the run log.

    Returns the month's folder.  Raises ReportError (previous report untouched, failed
    notebook kept under ``out_dir/failed/``) when a section fails, and WriteError, naming the
    path and the cause, when the output cannot be written (disk full, read-only, permission).
    """
    import papermill as pm
    from .summary import link_next_month, write_month_index, write_top_index

    out_dir = Path(out_dir).resolve()
    notebooks = required_notebooks(notebooks_dir)
    check_dataset(out_dir, data_dir)
    params = {"data_dir": str(Path(data_dir).resolve()), "month": month, "interactive": False}
    for key, value in (("language", language), ("config", config and str(Path(config).resolve())),
                       ("churn_after", churn_after), ("target", target)):
        if value:
            params[key] = value
    started = time.perf_counter()
    entry = {"started": datetime.now().isoformat(timespec="seconds"), "month": month, "parameters": params,
             "config": str(Path(config).resolve()) if config else "package defaults",
             **({"engine": engine} if engine else {}), "sections": []}
    if data_checks:
        entry["data_checks"] = data_checks
    final = out_dir / month
    with ExitStack() as held:
        try:
            held.enter_context(month_lock(out_dir, month, wait, progress))
        except ReportError as exc:   # another run holds the month: a cron reader finds the refusal in run.log too
            if not isinstance(exc, WriteError):      # (a folder that cannot be written takes no log line either)
                entry.update(outcome="refused", seconds=round(time.perf_counter() - started, 2), error=str(exc))
                log_run(out_dir, entry, progress)
            raise
        reclaim_stale(out_dir, progress)
        header = page_header(data_dir, month, language=language, config=config, store=store, churn_after=churn_after)
        other = report_language(final)
        if other and other != header["lang"]:     # said before the run, while Ctrl-C still keeps the other one
            progress(f"note: this {header['lang']} report of {month} will replace the {other} one in {out_dir} when "
                     "it is done; give each language its own folder (--out reports/zh, --out reports/en) to keep both.")
        tmp = out_dir / f".tmp-{month}-{os.getpid()}"
        try:
            _run_sections(pm, notebooks, tmp, out_dir, month, params, entry, cell_timeout, progress, header, jobs)
            # the reader's note (what the numbers leave out); the files and fixes are in run.log
            said = (data_checks or {}).get("page_note_zh" if header["lang"] == "zh" else "page_note")
            notes = [said] if said else []
            notes += _section_notes(tmp)
            write_month_index(tmp, month, out_dir, header["lang"], header=header, notes=notes)
            if data_digest:      # the settings key beside it says why it changes, when it does
                (tmp / DIGEST_FILE).write_text(data_digest + "\n" + (f"{settings_key}\n" if settings_key else ""),
                                               encoding="utf-8")
            old = out_dir / f".old-{month}-{os.getpid()}"
            if final.exists():
                final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old, ignore_errors=True)
            link_next_month(out_dir, month)      # a later month rendered first gains its link back to this one
            _record_dataset(out_dir, data_dir)
            write_top_index(out_dir, header["lang"], dataset=dataset_label(data_dir))
            _clear_failed(out_dir, month)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, OSError):
                exc = write_error(exc, final)
            if isinstance(exc, KeyboardInterrupt):      # Ctrl-C, or a termination signal (cron, systemd, timeout)
                entry.update(outcome="stopped", seconds=round(time.perf_counter() - started, 2),
                             error="stopped (Ctrl-C or a termination signal) before it finished; the previous "
                                   "report is unchanged")
            else:
                entry.update(outcome="failed", seconds=round(time.perf_counter() - started, 2),
                             error=str(exc) or type(exc).__name__)
            log_run(out_dir, entry, progress)
            if isinstance(exc, WriteError):
                raise exc from None
            raise
    entry.update(outcome="ok", seconds=round(time.perf_counter() - started, 2))
    log_run(out_dir, entry, progress)
    progress(f"Report for {month}: {final / 'index.html'} ({entry['seconds']:.0f}s)")
    return final


def report_language(folder: Path) -> str | None:
    """The language ('zh' or 'en') of the month's report in ``folder``, from its summary page; None
    when there is none."""
    try:
        head = (Path(folder) / "index.html").read_text(encoding="utf-8")[:400]
    except OSError:
        return None
    m = re.search(r"<html lang='(zh|en)", head)
    return m.group(1) if m else None


def _section_notes(folder: Path) -> list[str]:
    """Warnings the sections recorded for the summary page (e.g. an estimated holiday calendar)."""
    from .tables import read_metrics
    notes = []
    for nb in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        for m in read_metrics(nb):
            notes += [n for n in m.get("notes", []) if n not in notes]
    return notes


def report_jobs(jobs: int | None, sections: int) -> int:
    """How many sections run at once: ``jobs``, or by default one per core up to two (each
    section is a kernel of its own, with its own DuckDB and its own memory_limit)."""
    if jobs is None:
        jobs = min(2, os.cpu_count() or 1)
    if int(jobs) < 1:
        raise ReportError(f"--jobs must be at least 1 (sections run at once), got {jobs}.")
    return max(1, min(int(jobs), sections))


def _run_sections(pm, notebooks, tmp, out_dir, month, params, entry, cell_timeout, progress, header,
                  jobs: int | None = None) -> None:
    """Run and render every section into ``tmp``, ``jobs`` at a time (each in its own kernel).
    Sections are independent: one failing stops those not started yet, lets the running ones
    finish, and raises the failure of the first failing section in section order."""
    _STOPPING.clear()
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    jobs = report_jobs(jobs, len(notebooks))
    results: dict[int, tuple[dict, BaseException | None]] = {}
    with _ctrl_c_stops_kernels():
        _run_all(pm, notebooks, tmp, out_dir, month, params, cell_timeout, progress, header, jobs, results)
    for i in sorted(results):
        entry["sections"].append(results[i][0])
    for i in sorted(results):
        if results[i][1] is not None:
            raise results[i][1]


@contextmanager
def _ctrl_c_stops_kernels():
    """While sections run, Ctrl-C (SIGINT) or a termination signal (SIGTERM: systemd, `timeout`,
    `kill`) first kills the sections' kernels, then stops the run as usual (KeyboardInterrupt:
    the temporary folder removed, the stop logged, the lock released): a kernel told to shut
    down in the middle of a cell, as papermill does when its run is interrupted, prints a
    traceback of its own."""
    import signal
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        _stop_running()
        raise KeyboardInterrupt

    before = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def _run_all(pm, notebooks, tmp, out_dir, month, params, cell_timeout, progress, header, jobs, results) -> None:
    """The sections run into ``results`` (index: (entry, error)), ``jobs`` at a time."""
    from concurrent.futures import ThreadPoolExecutor
    if jobs == 1:
        for i, nb in enumerate(notebooks, 1):
            results[i] = _run_section(pm, i, nb, len(notebooks), tmp, out_dir, month, params, cell_timeout,
                                      progress, header)
            if results[i][1] is not None:
                break
    else:
        pool = ThreadPoolExecutor(max_workers=jobs)
        try:
            futures = {i: pool.submit(_run_section, pm, i, nb, len(notebooks), tmp, out_dir, month, params,
                                      cell_timeout, progress, header) for i, nb in enumerate(notebooks, 1)}
            for i, fut in futures.items():
                results[i] = fut.result()
                if results[i][1] is not None:
                    for later in futures.values():
                        later.cancel()
                    for j, other in futures.items():   # the ones already running finish
                        if j > i and not other.cancelled():
                            results[j] = other.result()
                    break
        except KeyboardInterrupt:
            # Ctrl-C (the running sections' kernels are killed already): the sections not
            # started are dropped, rather than run before the run stops
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)


def _clear_failed(out_dir: Path, month: str) -> None:
    """A month rendered whole: the notebooks kept from its failed runs (reports/failed/) are
    about a report that no longer stands, and go (the folder too when empty)."""
    folder = out_dir / "failed"
    for kept in folder.glob(f"{month}_*.ipynb"):
        kept.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:       # absent, or other months' failures still in it
        pass


def _port_taken(exc: BaseException) -> bool:
    """Whether ``exc`` (or an error it came from) is a kernel's failure to start: a port it could
    not bind ("Address already in use", a clash with another process), or a kernel that died
    before it replied to papermill's first request (the same clash, said only on the kernel's own
    stderr: "Kernel died before replying to kernel_info").  No cell has run: not a fault of the
    section."""
    seen = 0
    while exc is not None and seen < 10:
        if "Address already in use" in str(exc) or "Kernel died before replying to kernel_info" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _run_section(pm, i, nb, total, tmp, out_dir, month, params, cell_timeout, progress, header):
    """Run and render one section: (its run-log entry, None) or (entry, the error to raise)."""
    from . import labels as L
    name = section_name(nb)
    progress(f"[{i}/{total}] {name}: running")
    t0 = time.perf_counter()
    executed = tmp / f"{nb.stem}.ipynb"
    try:
        for attempt in (1, 2):
            try:
                pm.execute_notebook(str(nb), str(executed), parameters=params, kernel_name="python3",
                                    progress_bar=False, cwd=os.getcwd(), execution_timeout=cell_timeout,
                                    extra_arguments=KERNEL_ARGS, kernel_manager_class=_kernel_manager_class())
                break
            except Exception as exc:
                if attempt == 2 or not _port_taken(exc) or _STOPPING.is_set():
                    raise
                # the kernel could not bind its ports (another process took one between their choice and its
                # start: seen with other kernels on the machine); nothing ran, so the section starts again
                progress(f"[{i}/{total}] {name}: its kernel's port was taken by another process; starting it again")
    except Exception as exc:  # papermill raises its own error types; the notebook holds the detail
        failed = {"section": name, "seconds": round(time.perf_counter() - t0, 2), "outcome": "failed"}
        if _STOPPING.is_set():        # its kernel was killed by Ctrl-C: the run stops, no failure to keep
            return {**failed, "outcome": "stopped"}, None
        if isinstance(exc, OSError) or isinstance(getattr(exc, "__context__", None), OSError):
            err = exc if isinstance(exc, OSError) else exc.__context__
            return {**failed, "error": str(err)}, err
        kept = out_dir / "failed" / f"{month}_{nb.stem}.ipynb"
        try:
            kept.parent.mkdir(exist_ok=True)
            if executed.exists():
                shutil.copy2(executed, kept)
        except OSError as copy_exc:   # e.g. the disk is full: the failure still gets its message
            kept.unlink(missing_ok=True)
            progress(f"warning: could not keep the failed notebook at {kept}: {copy_exc.strerror or copy_exc}.")
        detail = _error_of(kept) if kept.exists() else str(exc).strip().splitlines()[-1]
        from ..data.engine_errors import memory_message, out_of_memory
        if out_of_memory(detail):      # one line with the fix, not DuckDB's advice to SET memory_limit in SQL
            detail = memory_message(detail)
        where = f"The executed notebook with the failing cell is kept at {kept}" if kept.exists() else \
            "The executed notebook could not be kept"
        kept_report = (f"the previous report in {out_dir / month} is unchanged" if (out_dir / month).exists()
                       else f"nothing was written to {out_dir / month}")
        return {**failed, "error": detail}, ReportError(
            f"Section {name} failed for {month}: {detail.rstrip('.')}. {where}; {kept_report}.")
    t1 = time.perf_counter()
    render_html(executed, tmp / f"{nb.stem}.html", header, f"{L.section(name, header['lang'])} · {month}")
    t2 = time.perf_counter()
    progress(f"[{i}/{total}] {name}: done in {t2 - t0:.1f}s")
    return {"section": name, "execute_seconds": round(t1 - t0, 2), "render_seconds": round(t2 - t1, 2),
            "outcome": "ok"}, None
