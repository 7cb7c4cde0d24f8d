"""The analyst's JupyterLab, for real: a JupyterLab server from the virtual environment
on a free local port with a token, each notebook opened in headless Chromium and run
through the UI, every widget control changed and its chart seen to change; saving
strips the outputs.  The notebooks are copies in a folder of their own next to a
toolkit.yaml (as an analyst would keep them), so the configuration is found from
the kernel's working folder.  Screenshots go to tests/artifacts/lab/."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts" / "lab"
JUPYTER = Path(sys.executable).parent / "jupyter"
TOKEN = "toolkit-lab-test"
HASHES = """async () => Promise.all(Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .widget-image')).map(async img => {
        if (!img.src) return '';
        const buf = await (await fetch(img.src)).arrayBuffer();
        const d = await crypto.subtle.digest('SHA-256', buf);
        return Array.from(new Uint8Array(d)).map(b => b.toString(16).padStart(2, '0')).join('');
    }))"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _jupyter_lab(folder, cwd, *options):
    """The base URL of a JupyterLab of the environment started in ``cwd`` with ``options``, on a
    free local port with the test token, its config, runtime files and log under ``folder``;
    stopped on leaving."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "TOOLKIT_CONFIG"}
    env.update(JUPYTER_CONFIG_DIR=str(folder / "config"), JUPYTER_RUNTIME_DIR=str(folder / "runtime"),
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    log = open(folder / "server.log", "w")
    proc = subprocess.Popen([str(JUPYTER), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--port={port}",
                             "--port-retries=0", f"--IdentityProvider.token={TOKEN}", *options,
                             *(["--allow-root"] if os.geteuid() == 0 else [])],
                            cwd=str(cwd), env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"JupyterLab exited: {(folder / 'server.log').read_text()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def lab(sample_dir, tmp_path_factory):
    """(base URL, folder served) of a running JupyterLab on copies of the report notebooks."""
    if not JUPYTER.exists():
        pytest.fail(f"{JUPYTER} is missing: jupyterlab is a dependency, run `make install`.")
    root = tmp_path_factory.mktemp("lab")
    work = root / "analysis"
    work.mkdir()
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.*")):
        shutil.copy2(nb, work / nb.name)
    shutil.copy2(ROOT / "jupytext.toml", work / "jupytext.toml")
    (work / "toolkit.yaml").write_text(f"data_dir: {sample_dir}\nlanguage: zh\n", encoding="utf-8")
    settings = root / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # every cell stays in the page (no windowing), so the test can read each output
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    news = root / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)  # no news pop-up over the charts in the screenshots
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false",
                                                                      "checkForUpdates": False}))
    with _jupyter_lab(root, root, f"--ServerApp.root_dir={work}", f"--LabApp.user_settings_dir={root / 'settings'}",
                      f"--LabApp.workspaces_dir={root / 'workspaces'}",
                      "--ContentsManager.pre_save_hook=toolkit.lab.strip_outputs") as base:
        yield base, work



def _hashes(page):
    return page.evaluate(HASHES)


def _wait_changed(page, before, indexes, timeout=90):
    """Wait until the images at ``indexes`` differ from ``before``; returns the new hashes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = _hashes(page)
        if len(now) == len(before) and all(now[i] and now[i] != before[i] for i in indexes):
            time.sleep(0.5)
            return _hashes(page)
        page.wait_for_timeout(500)
    raise AssertionError(f"charts {indexes} did not change within {timeout}s: {before} -> {_hashes(page)}")


def _run_all(page, stem):
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", timeout=60_000)
    # the kernel has started and is idle (status bar: "Python 3 (ipykernel) | Idle")
    page.wait_for_function("() => Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))"
                           ".some(e => /\\| Idle/.test(e.textContent))", timeout=120_000)
    page.click(".lm-MenuBar-item:has-text('Run')")
    page.click(".lm-Menu-item:has(.lm-Menu-itemLabel:text-is('Run All Cells'))")
    try:
        page.wait_for_function("""() => {
            const prompts = Array.from(document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')).map(p => p.textContent);
            return prompts.length > 0 && prompts.every(t => /\\[\\d+\\]/.test(t));
        }""", timeout=300_000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{stem}-timeout.png"))
        raise
    errors = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        )).map(e => e.innerText).filter(t => /Traceback|Error|Exception/.test(t))""")
    assert not errors, f"{stem}: a cell shows an error: {errors[0][:1500]}"


CONTROLS = {  # notebook: [(kind, index among its kind, images that must change)]
    # the lifecycle explorer (month, churn window; images 0-4), then the segment explorer (the users column to
    # break down by, the rate; images 5-6)
    "01_lifecycle": [("select", 0, [0, 1, 2, 3, 4]), ("slider", 0, [0, 2, 3, 4]), ("select", 1, [5, 6]),
                     ("select", 2, [5])],
    "02_periods": [("select", 0, [0]), ("select", 1, [1])],
    "03_preferences": [("select", 0, [0]), ("select", 1, [0])],
    # the contact list: value tier, state, primary tag, lowest probability (its one chart, image 0)
    "04_value_risk": [("select", 0, [0]), ("select", 1, [0]), ("select", 2, [0]), ("slider", 0, [0])],
}


def _change(page, kind, index):
    scope = ".jp-NotebookPanel:not(.lm-mod-hidden)"
    if kind == "select":
        sel = page.locator(f"{scope} .widget-dropdown select").nth(index)
        sel.scroll_into_view_if_needed()
        options = sel.locator("option").all_inner_texts()
        current = sel.evaluate("s => s.selectedIndex")
        sel.select_option(index=(current + len(options) // 2) % len(options))  # well inside the range
        return options
    handle = page.locator(f"{scope} .widget-slider .noUi-handle").nth(index)
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press("ArrowRight")
    return []


@pytest.mark.parametrize("stem", list(CONTROLS))
def test_notebook_runs_and_widgets_redraw_in_jupyterlab(lab, browser, stem):
    base, work = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/lab/tree/{stem}.ipynb?token={TOKEN}&reset", timeout=120_000)
        _run_all(page, stem)
        page.screenshot(path=str(ARTIFACTS / f"{stem}-ran.png"))
        widget = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-vbox").last
        widget.scroll_into_view_if_needed()
        before = _hashes(page)
        assert before and all(before), f"{stem}: the explorer shows no chart"
        widget.screenshot(path=str(ARTIFACTS / f"{stem}-widgets.png"))
        labels = page.evaluate("""() => Array.from(document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .widget-label')).filter(l => l.offsetParent)
            .map(l => [l.textContent, l.scrollWidth <= l.clientWidth + 1])""")
        assert labels and all(whole for _, whole in labels), f"{stem}: labels cut: {labels}"
        for step, (kind, index, images) in enumerate(CONTROLS[stem]):
            options = _change(page, kind, index)
            assert "(all)" not in options and "car_control" not in options, options
            before = _wait_changed(page, before, images)
            widget.screenshot(path=str(ARTIFACTS / f"{stem}-changed-{step}-{kind}{index}.png"))
        page.keyboard.press("Control+s")
        page.wait_for_function("() => !document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) "
                               ".jp-mod-dirty')", timeout=30_000)
        time.sleep(1)
        saved = json.loads((work / f"{stem}.ipynb").read_text(encoding="utf-8"))
        code = [c for c in saved["cells"] if c["cell_type"] == "code"]
        assert code and not [c for c in code if c["outputs"] or c["execution_count"]], "saved with outputs"
        assert "widgets" not in saved["metadata"] and "language_info" not in saved["metadata"]
        assert saved["metadata"] == json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())["metadata"]
        import jupytext
        pair = jupytext.read(work / f"{stem}.py")
        assert [c.source for c in pair.cells] == [c["source"] if isinstance(c["source"], str)
                                                  else "".join(c["source"]) for c in saved["cells"]]
    finally:
        page.close()


def test_the_readme_section_names_what_works():
    """`make lab` is a listed target that serves notebooks/ with the save hook; the README says so."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Notebooks in JupyterLab", 1)[1].split("\n## ", 1)[0]
    assert "make lab" in section and "jupytext --sync notebooks/*.py" in section
    assert "--allow-root" in section.split("**Your own data.**", 1)[1], "its command stops as root without it"
    assert "make lab" in readme.split("## What you get", 1)[0], "named next to the two set-up commands"
    listed = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "make lab" in listed
    dry = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "jupyter lab --ServerApp.root_dir=notebooks --ContentsManager.pre_save_hook=toolkit.lab.strip_outputs" \
        in dry.replace("\\\n", " ").replace("  ", " ")


@pytest.mark.parametrize("wrong, said", [('month: str = "2030-01"', "month 2030-01 is outside the data"),
                                         ('data_dir: str = "nosuch"', "No data to analyse: the data folder")])
def test_a_wrong_parameter_stops_run_all_with_one_paragraph(lab, browser, wrong, said):
    """The parameters cell edited to a month the data do not hold, then Run All on the kernel of
    a run that worked: the error shows as its message (no traceback) and the cells after it do
    not run (they would show the previous run's charts under the error)."""
    base, work = lab
    nb = json.loads((work / "01_lifecycle.ipynb").read_text(encoding="utf-8"))
    params = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    source = "".join(params["source"]) if isinstance(params["source"], list) else params["source"]
    good = work / "wrong_month.ipynb"
    good.write_text(json.dumps(nb), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/lab/tree/wrong_month.ipynb?token={TOKEN}&reset", timeout=120_000)
        _run_all(page, "wrong_month")                  # a run that works first
        counts = page.evaluate(PROMPTS)
        cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").first
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(source.replace(wrong.split("=")[0] + '= ""', wrong))
        page.click(".lm-MenuBar-item:has-text('Run')")
        page.click(".lm-Menu-item:has(.lm-Menu-itemLabel:text-is('Run All Cells'))")
        page.wait_for_function("() => Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))"
                               ".some(e => /\\| Idle/.test(e.textContent))", timeout=120_000)
        page.wait_for_timeout(3000)
        page.screenshot(path=str(ARTIFACTS / "wrong_month-run-all.png"))
        after = page.evaluate(PROMPTS)
        ran = [i for i, (a, b) in enumerate(zip(counts, after)) if b != a and re.search(r"\[\d+\]", b)]
        assert ran == [0, 1], f"cells run again after the error: {ran} ({counts} -> {after})"
        shown = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").nth(1).inner_text()
        assert said in shown and "Traceback" not in shown, shown[:2000]
    finally:
        page.close()


PROMPTS = """() => Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')).map(p => p.textContent)"""


def test_a_jupyterlab_started_by_hand_saves_the_projects_notebooks_without_outputs(tmp_path):
    """`jupyter lab` started from the environment without `make lab`'s options (as an
    analyst does from the project folder): saving one of the project's notebooks with outputs
    writes it stripped (and its py:percent pair), while a notebook in the analyst's own folder
    keeps its outputs.  The project's files are restored whatever happens."""
    ipynb, pair = ROOT / "notebooks" / "01_lifecycle.ipynb", ROOT / "notebooks" / "01_lifecycle.py"
    originals = {p: p.read_bytes() for p in (ipynb, pair)}

    def call(base, method, rel, body=None):
        req = urllib.request.Request(f"{base}/api/contents/{rel}?token={TOKEN}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    try:
        with _jupyter_lab(tmp_path, ROOT, "--ServerApp.root_dir=/") as base:
            output = {"output_type": "stream", "name": "stdout", "text": "a result\n"}
            own = tmp_path / "mine"
            own.mkdir()
            for target in (ipynb, own / "01_lifecycle.ipynb"):
                model = call(base, "GET", str(ipynb.relative_to("/")))
                cell = next(c for c in model["content"]["cells"] if c["cell_type"] == "code")
                cell["outputs"], cell["execution_count"] = [output], 1
                call(base, "PUT", str(target.relative_to("/")),
                     {"type": "notebook", "format": "json", "content": model["content"]})
            saved = json.loads(ipynb.read_text(encoding="utf-8"))
            code = [c for c in saved["cells"] if c["cell_type"] == "code"]
            assert not [c for c in code if c["outputs"] or c["execution_count"]], "the project's notebook kept outputs"
            kept = json.loads((own / "01_lifecycle.ipynb").read_text(encoding="utf-8"))
            outputs = [c["outputs"] for c in kept["cells"] if c.get("outputs")]
            assert len(outputs) == 1 and "a result" in json.dumps(outputs), "the analyst's copy lost its outputs"
    finally:
        for p, data in originals.items():
            p.write_bytes(data)
