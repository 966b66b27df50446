"""Packaging: what the wheel declares and carries, and that it grades from a clean venv.

Fast tier: every third-party module the grader imports is declared (core dependency or the
``grader`` extra), the distribution is not PyPI's unrelated ``autograder``, package data is
declared. Slow tier (one test): build the wheel from the repository, check its contents (no
mutant catalogue, no solutions, no notebooks, no tests), install it with ``[grader]`` into a
fresh virtual environment (pins from requirements.txt as constraints), and grade the fixture
assignment there twice, with ``python -m autograder grade`` and through
``container/entrypoint.sh`` exactly as the image runs it.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import CODE_ROOT

PYPROJECT = tomllib.loads((CODE_ROOT / "pyproject.toml").read_text())
FIXTURES = Path(__file__).parent / "grader_fixtures"
FIXTURE_ID = "00_fixture"
# import name -> distribution, where they differ or come through another declared distribution
DISTRIBUTION = {"IPython": "ipykernel", "jupyter_client": "jupyter_client", "yaml": "pyyaml"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _third_party_imports(package: Path) -> set[str]:
    mods = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods.add(node.module.split(".")[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m not in ("autograder", "ilcourse")}


def test_grader_dependencies_are_declared():
    project = PYPROJECT["project"]
    assert project["name"] == "ilcourse" and project["name"] != "autograder"  # PyPI's autograder is another project
    core = {_name(r) for r in project["dependencies"]}
    grader = {_name(r) for r in project["optional-dependencies"]["grader"]}
    missing = {m for m in _third_party_imports(CODE_ROOT / "autograder")
               if _name(DISTRIBUTION.get(m, m)) not in core | grader}
    assert not missing, f"the grader imports {sorted(missing)}: declare them in the grader extra"
    assert {"nbgrader", "nbformat", "nbclient", "ipykernel"} <= grader
    # the learner's install does not pull the grader's stack
    assert not {"nbgrader", "nbclient"} & core
    # the extra's pins agree with requirements.txt where it pins exactly
    pins = dict(line.split("==") for line in (CODE_ROOT / "requirements.txt").read_text().split() if "==" in line)
    for req in project["optional-dependencies"]["grader"]:
        if "==" in req:
            name, version = req.split("==")
            assert pins.get(name) == version, req


def test_package_data_and_layout_are_declared():
    tool = PYPROJECT["tool"]["setuptools"]
    assert tool["packages"]["find"]["include"] == ["ilcourse*", "autograder*"]
    assert "README.md" in tool["package-data"]["autograder"]
    assert PYPROJECT["project"]["scripts"]["ilcourse-grade"] == "autograder.platforms.container:main"
    # every folder of the two packages is a package (find_packages skips folders without __init__)
    for pkg in ("ilcourse", "autograder"):
        for folder in (CODE_ROOT / pkg).rglob("*"):
            if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py")):
                assert (folder / "__init__.py").is_file(), folder


@pytest.fixture(scope="module")
def fixture_course(tmp_path_factory) -> Path:
    from autograder import course

    root = tmp_path_factory.mktemp("course")
    shutil.copytree(FIXTURES / "solutions", root / "solutions")
    course.release(root, [FIXTURE_ID])
    return root


def _correct(root: Path, dest: Path) -> Path:
    import nbformat

    nb = nbformat.read(root / "notebooks" / FIXTURE_ID / f"{FIXTURE_ID}.ipynb", as_version=4)
    src = nbformat.read(root / "solutions" / FIXTURE_ID / f"{FIXTURE_ID}.ipynb", as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in src.cells}
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code":
            c.source = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", by_id[gid].source)
    dest.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest / f"{FIXTURE_ID}.ipynb")
    return dest / f"{FIXTURE_ID}.ipynb"


@pytest.mark.slow
def test_wheel_installs_in_a_clean_venv_and_grades(fixture_course, tmp_path):
    from autograder.platforms.gradescope import build_wheel

    wheel = build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        texts = {n: zf.read(n).decode(errors="replace") for n in names if n.endswith(".py")}
        entry_points = zf.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"ilcourse", "autograder", "-".join(wheel.name.split("-")[:2]) + ".dist-info"}, tops
    assert "autograder/README.md" in names and "autograder/mutants/__init__.py" in names  # the runner
    assert {"ilcourse/envs/__init__.py", "ilcourse/policies/__init__.py", "ilcourse/lab.py"} <= set(names)
    # no mutant catalogue (complete alternative solutions), no solution or notebook anywhere
    assert not any(n.endswith(".ipynb") for n in names)
    assert not [n for n, t in texts.items() if re.search(r"^MUTANTS\s*=", t, re.M)]
    assert "ilcourse-grade = autograder.platforms.container:main" in entry_points

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(line for line in (CODE_ROOT / "requirements.txt").read_text().splitlines()
                                     if line.strip() and not line.startswith(("#", "-e", "./"))))
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-compile", "-c", str(constraints),
                    f"{wheel}[grader]"], check=True, timeout=600)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    where = subprocess.run([str(py), "-c", "import autograder, ilcourse; print(autograder.__file__, ilcourse.__file__)"],
                           capture_output=True, text=True, env=env, cwd="/", check=True).stdout
    assert str(CODE_ROOT) not in where and str(env_dir) in where  # the installed copies, not the repo's

    notebook = _correct(fixture_course, tmp_path / "submission")
    cli = [str(py), "-m", "autograder", "--course-root", str(fixture_course), "grade", str(notebook), "--json",
           "--feedback", str(tmp_path / "feedback.html")]
    image = [str(CODE_ROOT / "container" / "entrypoint.sh"), str(notebook)]
    image_env = dict(env, ILCOURSE_VENV=str(env_dir), ILCOURSE_ROOT=str(fixture_course))
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda a: subprocess.run(a[0], capture_output=True, text=True, env=a[1], cwd="/",
                                                      timeout=600), [(cli, env), (image, image_env)]))
    for run in runs:
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    graded = json.loads(runs[0].stdout)
    assert (graded["score"], graded["max_score"]) == (6.0, 6.0), graded
    outcome = json.loads(runs[1].stdout)
    assert outcome["graded"] and outcome["result"]["score"] == 6.0, outcome
    assert isinstance(outcome["result"]["sandboxed"], bool)
