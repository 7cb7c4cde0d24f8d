"""JupyterLab settings of the project (used by ``make lab``).

``strip_outputs`` is a Jupyter server pre-save hook: a notebook saved in
JupyterLab is written without outputs, execution counts or widget state, so
the ``.ipynb`` files in git stay as clean as their ``py:percent`` pairs
(jupytext, configured by ``jupytext.toml``, writes the pair on the same save).
``strip_project_outputs`` does the same for the project's own notebooks in any
Jupyter server of the project's environment, however it was started.
"""
from __future__ import annotations

from pathlib import Path


def strip_outputs(model, path=None, contents_manager=None, **kwargs):
    """Remove outputs, execution counts, widget state and the kernel's language_info (which a
    run adds: the Python version would show in git) from a notebook model in place."""
    if not model or model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    nb.get("metadata", {}).pop("widgets", None)
    nb.get("metadata", {}).pop("language_info", None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)


# The source checkout's notebooks folder, when the toolkit runs from one (an editable install):
# the notebooks that git tracks, whose saves must not carry outputs whichever way JupyterLab
# was started.
_CHECKOUT = Path(__file__).resolve().parents[1]
PROJECT_NOTEBOOKS = _CHECKOUT / "notebooks" if (_CHECKOUT / "jupytext.toml").is_file() else None


def strip_project_outputs(model, path=None, contents_manager=None, **kwargs):
    """The pre-save hook of every Jupyter server started from the project's virtual
    environment (``make install`` writes it into the environment's Jupyter configuration):
    a save of one of the project's own notebooks (``notebooks/`` of the checkout) is
    stripped as ``strip_outputs`` does, so a JupyterLab started by hand, not by
    ``make lab``, does not put outputs into git; a notebook anywhere else (an analyst's
    copy) keeps its outputs."""
    if PROJECT_NOTEBOOKS is None or path is None or contents_manager is None:
        return
    root = getattr(contents_manager, "root_dir", None)
    if not root:
        return
    saved = Path(root, str(path).lstrip("/")).resolve()
    if saved.parent == PROJECT_NOTEBOOKS.resolve():
        strip_outputs(model, path, contents_manager)
