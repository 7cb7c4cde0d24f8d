"""The set-up files agree: environment.yml mirrors pyproject.toml's pins; .ci/run calls the README's test command."""
import re
import tomllib

import yaml

from conftest import ROOT


def _pins(specs):
    out = {}
    for s in specs:
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(>=\s*[\w.]+)?", s)
        out[m.group(1).lower().replace("_", "-")] = (m.group(2) or "").replace(" ", "")
    return out


def test_environment_yml_mirrors_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = py["project"]["optional-dependencies"]
    deps = _pins(py["project"]["dependencies"] + extras["dev"] + extras["spark"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = _pins([d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))])
    assert conda == deps
    pip_part = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip_part
    assert "conda-forge" in env["channels"]
    assert any(d.startswith("python>=3.11") for d in env["dependencies"] if isinstance(d, str))


def test_every_dependency_has_a_lower_bound():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for spec in py["project"]["dependencies"]:
        assert ">=" in spec, f"{spec} has no lower bound"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make report" in readme
    assert [l for l in ci.splitlines() if l.strip() and not l.startswith("#")][-1].strip() == "make test"


def test_the_readme_lists_every_command_with_every_option():
    """Each command of the CLI has its row in the README's table naming every option it takes
    (a newcomer met `validate --timezone` in an example and not in the table)."""
    from toolkit.cli import main
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in readme.splitlines():
        m = re.match(r"\| `toolkit ([a-z-]+)", line)
        if m:
            rows.setdefault(m.group(1), line)
    missing = {name: [o for p in cmd.params for o in getattr(p, "opts", []) if o.startswith("--") and o not in rows.get(name, "")]
               for name, cmd in main.commands.items()}
    assert not {k: v for k, v in missing.items() if v}, missing


def test_sql_lives_in_sql_files():
    from toolkit import queries
    names = [p.stem for p in queries.SQL_DIR.glob("*.sql")]
    assert "health_events" in names
    for n in names:
        head = queries.load(n).lstrip()
        assert head.startswith("--"), f"{n}.sql must open with a comment saying what it returns"


def test_the_readme_names_every_state_and_rate_before_using_them():
    """A newcomer met "seven states" and "the four rates" in the command table, and dormant nowhere
    in the README: its terms table names each state (key and Chinese name as the pages write them)
    and each rate before the command table."""
    from toolkit.analyses.lifecycle import STATE_ZH, STATES
    from toolkit.report import labels as L
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    terms = readme.split("## The terms, in one place")[1].split("## What you get")[0]
    assert readme.index("## The terms, in one place") < readme.index("| command | what it does |")
    for key in STATES:
        assert f"| {key} | {STATE_ZH[key]} |" in terms, key
    for rate in ("retention_old", "retention_new", "wake_rate", "return_rate"):
        assert L.rate(rate, "en") in terms, rate
