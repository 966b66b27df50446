"""autograder/references.py: which ilcourse names an answer uses beyond the reference solution."""

from __future__ import annotations

import copy

import nbformat

from autograder import CODE_ROOT
from autograder.references import aliases, ilcourse_names, unexpected_references

NB05 = "05_action_chunking"


def code_cells(*sources):
    return [nbformat.v4.new_code_cell(s) for s in sources]


def test_aliases_follow_every_import_form():
    bound = aliases(code_cells(
        "import torch\nimport ilcourse\nimport ilcourse.chunking as C\n",
        "from ilcourse.rollout import evaluate as ev, collect_demonstrations\nfrom ilcourse import nets\n",
        "from ilcourse.checks import *\nfrom . import local\n",
        "this is not python (",
    ))
    assert bound == {"ilcourse": "ilcourse", "C": "ilcourse.chunking", "ev": "ilcourse.rollout.evaluate",
                     "collect_demonstrations": "ilcourse.rollout.collect_demonstrations",
                     "nets": "ilcourse.nets"}


def test_names_are_resolved_and_only_the_longest_chains_kept():
    bound = {"C": "ilcourse.chunking", "ilcourse": "ilcourse"}
    code = ("import ilcourse.policies.mse as M\n"
            "def f(x):\n"
            "    y = C.relabel(x, None).obs.shape  # an attribute of a call's result is not a name\n"
            "    return ilcourse.data.Demonstrations, M.MSEPolicy, x.mean(1), torch.ones(3)\n")
    assert ilcourse_names(code, bound) == {"ilcourse.chunking.relabel", "ilcourse.data.Demonstrations",
                                           "ilcourse.policies.mse.MSEPolicy"}
    assert ilcourse_names("def f(x):\n    return x.sum(1)\n", bound) == set()
    # an import is a reference in itself, even unused or starred
    assert ilcourse_names("import ilcourse.nets\nfrom ilcourse.chunking import *\n", {}) == {
        "ilcourse.nets", "ilcourse.chunking"}
    assert ilcourse_names("def f(x)\n    return C.relabel(x)\n", bound) == set()  # syntax error


def _notebooks():
    src = nbformat.read(CODE_ROOT / "solutions" / NB05 / f"{NB05}.ipynb", as_version=4)
    rel = nbformat.read(CODE_ROOT / "notebooks" / NB05 / f"{NB05}.ipynb", as_version=4)
    return src, rel


def _answer(nb, grade_id):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def test_the_solution_itself_and_an_own_implementation_get_no_note():
    src, rel = _notebooks()
    assert unexpected_references(src, src, rel) == []
    own = copy.deepcopy(src)
    _answer(own, "temporal_ensemble").source = (
        "def temporal_ensemble(history, valid, m=0.01):\n"
        "    w = torch.exp(-m * torch.arange(history.shape[1] - 1, -1, -1.0)) * valid\n"
        "    return (w[..., None] * history).sum(1) / w.sum(1, keepdim=True)\n")
    assert unexpected_references(own, src, rel) == []


def test_an_answer_that_calls_its_reference_twin_is_noted():
    src, rel = _notebooks()
    sub = copy.deepcopy(src)
    _answer(sub, "temporal_ensemble").source = (
        "def temporal_ensemble(history, valid, m=0.01):\n    return C.temporal_ensemble(history, valid, m)\n")
    _answer(sub, "action_windows").source = (
        "from ilcourse.chunking import action_windows as _ref\n\n"
        "def action_windows(act, episode, chunk_size):\n    return _ref(act, episode, chunk_size)\n")
    notes = {n["grade_id"]: n["names"] for n in unexpected_references(sub, src, rel)}
    assert notes == {"temporal_ensemble": ["ilcourse.chunking.temporal_ensemble"],
                     "action_windows": ["ilcourse.chunking.action_windows"]}


def test_the_grade_table_shows_the_note():
    from autograder.report import Exercise, Result, table

    res = Result("05", 2, 2, [Exercise("temporal_ensemble", 2, 2, "passed")],
                 reference_uses=[{"grade_id": "temporal_ensemble", "names": ["ilcourse.chunking.temporal_ensemble"]}])
    text = table(res)
    assert "note: answer temporal_ensemble uses ilcourse.chunking.temporal_ensemble" in text
    assert res.to_json()["reference_uses"] == res.reference_uses
