"""Monthly report runs: papermill executes each report notebook, nbconvert renders HTML."""
from __future__ import annotations

from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"


def report_notebooks() -> list[Path]:
    """The report sections, in order: notebooks/NN_*.ipynb."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
