"""Shared fixtures: tiny hand-made data directories and one generated sample per session."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_USERS = 20_000


def write_table(folder: Path, name: str, rows, fmt: str = "parquet") -> Path:
    """Write a small table in the event-store layout; rows is a DataFrame or list of dicts."""
    folder.mkdir(parents=True, exist_ok=True)
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    if fmt == "parquet":
        path = folder / f"{name}.parquet"
        df.to_parquet(path, index=False)
    elif fmt == "csv":
        path = folder / f"{name}.csv"
        df.to_csv(path, index=False)
    elif fmt == "csv.gz":
        path = folder / f"{name}.csv.gz"
        df.to_csv(path, index=False, compression="gzip")
    else:
        raise ValueError(fmt)
    return path


def events(rows):
    """[(user, 'YYYY-MM-DD HH:MM:SS', name), ...] -> events frame with naive timestamps."""
    return pd.DataFrame({"user_id": [r[0] for r in rows],
                         "event_time": pd.to_datetime([r[1] for r in rows]),
                         "event_name": [r[2] for r in rows]})


@pytest.fixture
def tiny_dir(tmp_path):
    d = tmp_path / "tiny"
    write_table(d, "events", events([
        (1, "2025-01-05 10:00:00", "app_open"),
        (1, "2025-02-03 09:00:00", "remote_unlock"),
        (2, "2025-02-10 12:00:00", "article_view"),
        (2, "2025-02-10 12:00:00", "article_view"),   # exact duplicate
        (3, "2025-03-01 08:00:00", "mystery_click"),  # not in feature_map
        (3, "2099-01-01 00:00:00", "app_open"),       # in the future
    ]))
    write_table(d, "users", pd.DataFrame({"user_id": [1, 2, 3],
                                          "registered_at": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-03-01"]),
                                          "nickname": ["a", "b", "c"]}))
    write_table(d, "feature_map", [{"event_name": "remote_unlock", "category": "car_control"},
                                   {"event_name": "article_view", "category": "content"},
                                   {"event_name": "app_open", "category": None}], fmt="csv")
    return d


def run_cli(*args, cwd=None, check=False):
    """Run the installed `toolkit` command in a subprocess; returns CompletedProcess."""
    proc = subprocess.run([sys.executable, "-m", "toolkit", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"toolkit {args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def small_sample(tmp_path_factory, name: str, *, users: int, months: int, seed: int):
    """A small generated data set ending 2026-10 in a new temporary folder (one Parquet file per
    month in events/), for a module's fixture."""
    from toolkit.data.sample import generate_sample
    out = tmp_path_factory.mktemp(name) / "data"
    generate_sample(out, users=users, months=months, end="2026-10", seed=seed)
    return out


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    """A generated sample (20,000 users, 24 months to 2026-10), shared by the tests that read planted effects."""
    from toolkit.data.sample import generate_sample
    d = tmp_path_factory.mktemp("sample")
    generate_sample(d, users=SAMPLE_USERS, months=24, end="2026-10", seed=11)
    return d


@pytest.fixture(scope="session")
def truth(sample_dir):
    return json.loads((sample_dir / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def rendered_reports(sample_dir, tmp_path_factory):
    """The sample's latest month rendered once in English and once in Chinese: {lang: (folder, process)}."""
    out = {}
    for lang in ("en", "zh"):
        folder = tmp_path_factory.mktemp(f"reports-{lang}")
        proc = run_cli("report", sample_dir, "--out", folder, "--lang", lang)
        assert proc.returncode == 0, proc.stderr
        out[lang] = (folder, proc)
    return out


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright, one per test module; skips
    with what to install when Chromium is missing."""
    import shutil
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Chromium is not installed: `make install` installs it with apt when run as root; "
                    "otherwise install the chromium package to run the browser tests.")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()
