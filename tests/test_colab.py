"""Google Colab: every notebook can be opened there and sets itself up.

Every notebook (solution and release) has an "Open in Colab" link in its title cell and, as its
first code cell, ``COLAB_CELL``: under Colab only, it pip-installs the course at a pinned tag and
switches on Colab's custom widget manager (ipywidgets 8 renders there only with it). Elsewhere
it does nothing.

The real Colab cannot be reached from here. ``test_colab_cell_in_a_fresh_environment`` plays
Colab: a fresh virtual environment that sees this environment's packages (torch, numpy,
ipykernel... as Colab preinstalls its own) but not the course, a stand-in ``google.colab``
imported at kernel start (as Colab does), and ``ILCOURSE_SOURCE`` pointing the install at this
checkout instead of the tag. The first cell must install the course, enable the widget manager,
and the release must then run top to bottom (its exercises raising, as under Run All).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import nbformat
import pytest

from autograder.learner_view import is_autograded_code

ROOT = Path(__file__).resolve().parents[1]
REPO = "ilcourse/ilcourse"  # where the course is published (github.com/<REPO>)
TAG = "v0.3.0"  # the release the Colab cell installs; pyproject.toml's version

COLAB_CELL = f'''\
# Google Colab only (elsewhere this cell does nothing): install the course at a pinned release
# and switch on Colab's widget manager, which the sliders of this notebook need there.
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    COURSE = os.environ.get("ILCOURSE_SOURCE", "git+https://github.com/{REPO}@{TAG}")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", COURSE], check=True)
    from google.colab import output

    output.enable_custom_widget_manager()'''


def colab_url(rel: str) -> str:
    return f"https://colab.research.google.com/github/{REPO}/blob/{TAG}/{rel}"


def all_notebooks() -> list[Path]:
    return sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("notebooks/*/*.ipynb"))


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_notebook_has_the_colab_cell_and_link(path):
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source == COLAB_CELL, "the first code cell must be the Colab set-up cell (tests/test_colab.py)"
    assert not is_autograded_code(first_code)
    release = "notebooks/" + str(path.relative_to(ROOT)).split("/", 1)[1]
    assert colab_url(release) in nb.cells[0].source, f"the title cell must link {colab_url(release)}"


def test_the_readme_links_every_release_in_colab():
    readme = (ROOT / "README.md").read_text()
    for path in sorted(ROOT.glob("notebooks/*/*.ipynb")):
        assert colab_url(str(path.relative_to(ROOT))) in readme, f"README: no Colab link for {path.name}"


def test_the_pinned_tag_is_the_package_version():
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert TAG == f"v{version}"
    # the notebooks call library code of this version: the package says which one it is
    import ilcourse
    assert ilcourse.__version__ == version
    lab_config = (ROOT / "lab-config" / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', lab_config, re.M).group(1) == version


STAND_IN = '''\
"""A stand-in for Colab's google.colab.output: records that the widget manager was enabled."""
import os


def enable_custom_widget_manager():
    open(os.environ["COLAB_STAND_IN_MARKER"], "w").write("enabled")
'''


@pytest.mark.slow
def test_colab_cell_in_a_fresh_environment(tmp_path):
    venv = tmp_path / "colab-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    # Colab's preinstalled packages: this environment's site-packages as a plain path entry, so
    # its .pth files (the editable install of the course among them) are NOT processed.
    (site / "colab_preinstalled.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # a developer's PYTHONPATH is not Colab's
    probe = subprocess.run([str(python), "-c", "import ilcourse"], capture_output=True, text=True, cwd=tmp_path, env=clean)
    assert probe.returncode != 0, "the stand-in environment must not see the course before the cell installs it"
    # google.colab, imported when the kernel starts, as on Colab
    fake = tmp_path / "fake"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "colab" / "__init__.py").write_text("")
    (fake / "google" / "colab" / "output.py").write_text(STAND_IN)
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text(f"import sys\nsys.path.insert(0, {str(fake)!r})\nimport google.colab\n")
    kernels = tmp_path / "jupyter" / "kernels" / "colab"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "stand-in Colab", "language": "python"}))
    # pip builds a local project in place (build/, *.egg-info): give it a copy of the course
    source = tmp_path / "course"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".grading", ".venv", "build", "*.egg-info", "__pycache__", ".ipynb_checkpoints"))
    marker = tmp_path / "widget-manager"
    env = dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython"), JUPYTER_PATH=str(tmp_path / "jupyter"),
               ILCOURSE_SOURCE=str(source), COLAB_STAND_IN_MARKER=str(marker), PIP_DISABLE_PIP_VERSION_CHECK="1",
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    env.pop("PYTHONPATH", None)
    env.pop("ILCOURSE_STRICT", None)
    release = ROOT / "notebooks" / "01_l2_averaging" / "01_l2_averaging.ipynb"
    script = textwrap.dedent(f"""
        import nbformat
        from nbclient import NotebookClient
        nb = nbformat.read({str(release)!r}, as_version=4)
        NotebookClient(nb, kernel_name="colab", timeout=600, resources={{"metadata": {{"path": {str(tmp_path)!r}}}}}).execute()
        nbformat.write(nb, {str(tmp_path / 'ran.ipynb')!r})
    """)
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stderr[-3000:]
    assert marker.read_text() == "enabled", "the cell did not enable Colab's widget manager"
    installed = subprocess.run([str(python), "-c", "import ilcourse, sys; print(ilcourse.__file__)"],
                               capture_output=True, text=True, cwd=tmp_path)
    assert installed.returncode == 0 and "colab-venv" in installed.stdout, installed.stdout + installed.stderr
    nb = nbformat.read(tmp_path / "ran.ipynb", as_version=4)
    errors = [i for i, c in enumerate(nb.cells) for o in c.get("outputs", []) if o.output_type == "error"]
    assert all(is_autograded_code(nb.cells[i]) for i in errors), f"non-exercise cells raised: {errors}"
    assert any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
