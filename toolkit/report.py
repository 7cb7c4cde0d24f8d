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
import json
import os
import shutil
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from .errors import ReportError

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
INTERACTIVE_TAG = "interactive-only"


def report_notebooks() -> list[Path]:
    """The report sections, in order: notebooks/NN_*.ipynb."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def section_name(nb: Path) -> str:
    return nb.stem.split("_", 1)[1]


@contextmanager
def month_lock(out_dir: Path, month: str, wait: float = 0.0):
    """An exclusive lock for one month's output; waits up to ``wait`` seconds, then fails clearly."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f".{month}.lock"
    fh = open(path, "a+")
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
    fh.truncate()
    fh.write(f"pid {os.getpid()} since {datetime.now():%Y-%m-%d %H:%M:%S}")
    fh.flush()
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


TEMPLATES = Path(__file__).resolve().parent / "templates"
LANG_CODE = {"zh": "zh", "en": "en"}   # ISO 639-1, as nbconvert takes it
# the kernel's start-up warnings (e.g. "running over TCP without encryption": the kernel is local)
# are for developers, not for the terminal or cron.log of a report run
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


def page_header(data_dir, month: str, *, language: str | None = None, config=None) -> dict:
    """What the header of every page says: the data set, its period, the configuration file used,
    the report month and the generation time, in the report language."""
    from . import labels as L
    from .config import load_config
    from .store import open_store
    cfg = load_config(config, data_dir=str(data_dir), language=language or None)
    lang = cfg.language
    try:
        first, last = open_store(cfg.data_dir, timezone=cfg.timezone).con.execute(
            "SELECT min(event_time), max(event_time) FROM events").fetchone()
    except Exception:  # noqa: BLE001 - unreadable data: the first section fails with the clear message
        first = last = None
    period = f"{first:%Y-%m-%d} – {last:%Y-%m-%d}" if first is not None else ""
    return {"lang": lang, "back": L.t("back", lang), "all_months": L.t("all_months", lang),
            "fields": [(L.t("dataset", lang), Path(cfg.data_dir).name), (L.t("period", lang), period),
                       (L.t("report_month", lang), month),
                       (L.t("generated", lang), datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
                       (L.t("config", lang), Path(cfg.source).name)]}


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
    from .report_tables import METRICS_MIME
    for cell in nb.cells:  # the recorded metrics are for machines: leave them out of the page
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if METRICS_MIME not in o.get("data", {})]
    exporter = HTMLExporter(template_name="toolkit_report", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True, language_code=LANG_CODE.get(lang, lang))
    body, _ = exporter.from_notebook_node(nb, resources={"toolkit_header": header or {}})
    html.write_text(body, encoding="utf-8")


def _log(out_dir: Path, entry: dict) -> None:
    with open(out_dir / "run.log", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")


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
                 cell_timeout: int = 1800, progress=print) -> Path:
    """Render every report section for ``month`` into ``out_dir/month``.

    Returns the month's folder.  Raises ReportError (previous report untouched,
    failed notebook kept under ``out_dir/failed/``) when a section fails.
    """
    import papermill as pm
    from .summary import write_month_index, write_top_index

    out_dir = Path(out_dir).resolve()
    notebooks = report_notebooks()
    if not notebooks:
        raise ReportError(f"No report notebooks in {NOTEBOOK_DIR}.")
    params = {"data_dir": str(Path(data_dir).resolve()), "month": month, "interactive": False}
    for key, value in (("language", language), ("config", config and str(Path(config).resolve())),
                       ("churn_after", churn_after), ("target", target)):
        if value:
            params[key] = value
    started = time.perf_counter()
    entry = {"started": datetime.now().isoformat(timespec="seconds"), "month": month, "parameters": params,
             "sections": []}
    with month_lock(out_dir, month, wait):
        tmp = out_dir / f".tmp-{month}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            from . import labels as L
            header = page_header(data_dir, month, language=language, config=config)
            for i, nb in enumerate(notebooks, 1):
                name = section_name(nb)
                progress(f"[{i}/{len(notebooks)}] {name}: running")
                t0 = time.perf_counter()
                executed = tmp / f"{nb.stem}.ipynb"
                try:
                    pm.execute_notebook(str(nb), str(executed), parameters=params, kernel_name="python3",
                                        progress_bar=False, cwd=os.getcwd(),
                                        execution_timeout=cell_timeout, extra_arguments=KERNEL_ARGS)
                except Exception as exc:  # papermill raises its own error types; the notebook holds the detail
                    failed_dir = out_dir / "failed"
                    failed_dir.mkdir(exist_ok=True)
                    kept = failed_dir / f"{month}-{nb.stem}.ipynb"
                    if executed.exists():
                        shutil.copy2(executed, kept)
                    detail = _error_of(kept) if kept.exists() else str(exc).strip().splitlines()[-1]
                    entry["sections"].append({"section": name, "seconds": round(time.perf_counter() - t0, 2),
                                              "outcome": "failed", "error": detail})
                    raise ReportError(f"Section {name} failed for {month}: {detail}. The executed notebook with the "
                                      f"failing cell is kept at {kept}; the previous report in {out_dir / month} "
                                      "is unchanged.") from None
                t1 = time.perf_counter()
                render_html(executed, tmp / f"{nb.stem}.html", header,
                            f"{L.section(name, header['lang'])} · {month}")
                t2 = time.perf_counter()
                entry["sections"].append({"section": name, "execute_seconds": round(t1 - t0, 2),
                                          "render_seconds": round(t2 - t1, 2), "outcome": "ok"})
                progress(f"[{i}/{len(notebooks)}] {name}: done in {t2 - t0:.1f}s")
            write_month_index(tmp, month, out_dir, header["lang"], header)
            final = out_dir / month
            old = out_dir / f".old-{month}-{os.getpid()}"
            if final.exists():
                final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old, ignore_errors=True)
            write_top_index(out_dir, header["lang"])
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            entry.update(outcome="failed", seconds=round(time.perf_counter() - started, 2),
                         error=str(exc) or type(exc).__name__)
            _log(out_dir, entry)
            raise
    entry.update(outcome="ok", seconds=round(time.perf_counter() - started, 2))
    _log(out_dir, entry)
    progress(f"Report for {month}: {final / 'index.html'} ({entry['seconds']:.0f}s)")
    return final
