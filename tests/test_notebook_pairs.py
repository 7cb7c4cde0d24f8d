"""Notebooks stay clean in git: every .ipynb is paired with its py:percent file by the
repository's jupytext.toml, carries no outputs, and `jupytext --sync` on a fresh copy
changes nothing; a save from JupyterLab (``make lab``) strips the outputs."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from toolkit.lab import strip_outputs

JUPYTEXT = Path(sys.executable).parent / "jupytext"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_pairing_is_configured_for_the_repository():
    from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file
    path = find_jupytext_configuration_file(str(ROOT / "notebooks"))
    assert Path(path) == ROOT / "jupytext.toml"
    formats = load_jupytext_configuration_file(path).formats
    assert formats in ("ipynb,py:percent", ["ipynb,py:percent"]), formats


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_outputs_counts_or_widget_state_in_git(nb):
    content = nbformat.read(str(nb), as_version=4)
    assert (ROOT / "notebooks" / f"{nb.stem}.py").exists(), f"{nb.name} has no py:percent pair"
    dirty = [i for i, c in enumerate(content.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{nb.name} carries outputs in cells {dirty}: open it with `make lab` and save, or run " \
                      "`jupyter nbconvert --clear-output --inplace`"
    assert "widgets" not in content.metadata, f"{nb.name} carries widget state"


def _normalised(folder):
    """Every file's text, without the jupytext version line (another jupytext release writes its own)."""
    return {p.name: "\n".join(l for l in p.read_text(encoding="utf-8").splitlines()
                              if "jupytext_version" not in l)
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("newer", ["ipynb", "py"])
def test_sync_on_a_fresh_copy_changes_nothing(tmp_path, newer):
    """Whichever file of a pair a checkout happens to write last, syncing leaves both as they are in git."""
    copy = tmp_path / "notebooks"
    copy.mkdir()
    shutil.copy2(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    for p in (ROOT / "notebooks").iterdir():
        if p.suffix in (".ipynb", ".py"):
            shutil.copyfile(p, copy / p.name)
    for p in copy.glob(f"*.{newer}"):
        os.utime(p, (p.stat().st_atime + 60, p.stat().st_mtime + 60))
    before = _normalised(copy)
    proc = subprocess.run([str(JUPYTEXT), "--sync", *map(str, sorted(copy.glob("*.py")))], capture_output=True,
                          text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    after = _normalised(copy)
    changed = [n for n in before if before[n] != after[n]]
    assert not changed, f"`jupytext --sync` changes {changed}: run it on notebooks/*.py and commit the result"


def test_the_save_hook_strips_outputs_and_leaves_text_files_alone():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("1 + 1")])
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=3)]
    nb.cells[1].execution_count = 3
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    model = {"type": "notebook", "content": nb}
    strip_outputs(model=model, path="x.ipynb", contents_manager=None)
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None and "widgets" not in nb.metadata
    assert nb.cells[1].source == "1 + 1" and nb.cells[0].source == "# t"
    text = {"type": "file", "content": "# %%\n1 + 1\n"}
    strip_outputs(model=text, path="x.py", contents_manager=None)
    assert text["content"] == "# %%\n1 + 1\n"
