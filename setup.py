"""Ship the report notebooks (and the default scene rules they read) inside the package.

The notebooks live in notebooks/ at the top of the repository (where JupyterLab
opens them), the scene rules in data/; a built wheel or a non-editable install
carries copies in toolkit/notebooks/ and toolkit/shipped/, where toolkit.report.runner and
toolkit.analyses.scenes look first.  Everything else is in pyproject.toml.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_notebooks(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads notebooks/ in place
            return
        target = Path(self.build_lib) / "toolkit" / "notebooks"
        target.mkdir(parents=True, exist_ok=True)
        for nb in sorted((HERE / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            self.copy_file(str(nb), str(target / nb.name))
        data = Path(self.build_lib) / "toolkit" / "shipped"
        data.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(HERE / "data" / "scene_rules.csv"), str(data / "scene_rules.csv"))


setup(cmdclass={"build_py": build_py_with_notebooks})
