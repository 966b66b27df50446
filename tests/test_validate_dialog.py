"""The learner's JupyterLab: lab-config/ and the readable Validate report (autograder.validate_dialog).

The browser test (tests/test_browser.py) checks both in JupyterLab; these check the pieces.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from autograder.validate_dialog import readable, short_source, short_traceback

ROOT = Path(__file__).resolve().parents[1]
LAB_CONFIG = ROOT / "lab-config"
ESC = "\x1b"

# An IPython traceback as nbgrader's Validator joins it: check cell, library frame, learner's cell, error.
TRACEBACK = "\n".join([
    f"{ESC}[31m-----{ESC}[39m",
    f"{ESC}[31mNotImplementedError{ESC}[39m    Traceback (most recent call last)",
    f"{ESC}[36mCell{ESC}[39m In[5], line 4\n      3 x = 1\n----> 4 check_not_mutated(f, x)\n",
    f"{ESC}[36mFile {ESC}[39m/site/ilcourse/checks.py:114, in check_not_mutated(fn)\n--> 114 result = fn(x)\n",
    f"{ESC}[36mCell{ESC}[39m In[4], line 10, in f(x)\n      9 # YOUR CODE HERE\n---> 10 raise NotImplementedError()\n",
    f"{ESC}[31mNotImplementedError{ESC}[39m: ",
])


def test_a_long_source_becomes_its_first_line_and_a_count():
    source = "with lab.checks('f', f):\n" + "\n".join(f"    check_{i}()" for i in range(40))
    assert short_source(source) == "with lab.checks('f', f):\n    ... (one of the cell's 41 lines)"
    helper_first = "import torch\ndef _reference(x):\n    return x\n\n\nwith lab.checks('g', g):\n    check(g)\n"
    assert short_source(helper_first) == "with lab.checks('g', g):\n    ... (one of the cell's 7 lines)"
    only_helpers = "def only_helpers():\n" + "    pass\n" * 4
    assert short_source(only_helpers) == "def only_helpers():\n    ... (one of the cell's 5 lines)"
    assert short_source("_c = check_choice(\n    answer,\n    ['A', 'B'],\n)") == "_c = check_choice(\n    answer,\n    ['A', 'B'],\n)"
    assert short_source("Because the\nlamp is\nthe previous action.").startswith("Because the\n")  # markdown
    assert short_source("\n  answer = 'B'\n") == "answer = 'B'"
    assert short_source("a = 1\nb = 2") == "a = 1\nb = 2"


def test_library_frames_are_dropped_and_the_cells_and_error_kept():
    short = short_traceback(TRACEBACK)
    assert "checks.py" not in short and "1 frame(s) in library code not shown" in short
    assert "In[5], line 4" in short and "In[4], line 10" in short and "----> 4" in short
    assert short.rstrip().endswith(f"{ESC}[31mNotImplementedError{ESC}[39m:")
    only_cells = TRACEBACK.replace(TRACEBACK.split("\n\n")[1] + "\n\n", "")
    assert short_traceback(only_cells) == only_cells  # nothing to drop: unchanged
    assert short_traceback("You did not provide a response.") == "You did not provide a response."


def test_readable_shortens_every_report_and_passes_errors_through():
    long = "def _helper():\n" + "    pass\n" * 30
    response = {"success": True, "value": {
        "failed": [{"source": long, "error": "<html>", "raw_error": TRACEBACK},
                   {"source": "YOUR ANSWER HERE", "error": "You did not provide a response.",
                    "raw_error": "You did not provide a response."}]}}
    shown = readable(response)["value"]["failed"]
    assert shown[0]["source"] == "def _helper():\n    ... (one of the cell's 31 lines)"
    assert "checks.py" not in shown[0]["raw_error"] and "checks.py" not in shown[0]["error"]
    assert "NotImplementedError" in shown[0]["error"] and ESC not in shown[0]["error"]  # html, not ANSI
    assert shown[1] == response["value"]["failed"][1]
    changed = readable({"success": True, "value": {"changed": [{"source": long}]}})
    assert changed["value"]["changed"] == [{"source": "def _helper():\n    ... (one of the cell's 31 lines)"}]
    assert readable({"success": True, "value": {}}) == {"success": True, "value": {}}  # all passed
    failure = {"success": False, "value": "Traceback ...\nSchemaTooOldError"}
    assert readable(failure) == failure


def test_lab_config_hides_the_instructor_panels_wraps_code_and_swaps_validate():
    project = tomllib.loads((LAB_CONFIG / "pyproject.toml").read_text())
    data_files = project["tool"]["setuptools"]["data-files"]
    page = json.loads((LAB_CONFIG / data_files["etc/jupyter/labconfig/page_config.d"][0]).read_text())
    assert page["disabledExtensions"] == {f"@jupyter/nbgrader:{name}": True
                                          for name in ("formgrader", "course-list", "create-assignment")}
    overrides = json.loads((LAB_CONFIG / data_files["share/jupyter/lab/settings/overrides.d"][0]).read_text())
    assert overrides["@jupyterlab/notebook-extension:tracker"]["codeCellConfig"]["lineWrap"] is True
    (server_file,) = data_files["etc/jupyter/jupyter_server_config.d"]
    # .d files are merged in name order: this one must come after nbgrader's own nbgrader.json
    assert sorted([server_file, "nbgrader.json"])[-1] == server_file
    extensions = json.loads((LAB_CONFIG / server_file).read_text())["ServerApp"]["jpserver_extensions"]
    assert extensions == {"nbgrader.server_extensions.validate_assignment": False, "autograder.validate_dialog": True}
    import autograder.validate_dialog as extension
    assert extension._jupyter_server_extension_points() == [{"module": "autograder.validate_dialog"}]
    assert "./lab-config" in (ROOT / "requirements.txt").read_text().split()
