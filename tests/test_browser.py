"""What a learner sees: every notebook under Run All in JupyterLab, in a real (headless) browser.

One ``jupyter lab`` server (started as the README says, on a throw-away copy of ``notebooks/``
and ``solutions/`` so autosave cannot touch the repository) and Debian's Chromium driven by
Playwright. For every solution and every release: open it, Run All, save, then check

* solutions: no cell raises;
* releases: only autograded cells (answers to write and their checks) raise, and Run All goes
  on past them (they carry ``raises-exception``), so every figure and widget of the lesson
  appears (at least as many figures as the solution shows outside its exercise cells);
* every widget renders (no "Error displaying widget", nothing left "Loading widget"), and each
  slider or dropdown, moved one step, redraws the figure it drives;
* the browser console shows no error coming from the course's outputs, and nothing is
  requested from beyond the local server;
* figures are shown at >= 80% of their size at 1280 x 720 (their text stays >= 9 px), and no
  code cell needs a horizontal scrollbar there.

``test_a_broken_widget_is_caught`` shows once that the widget checks fail when they should.
The whole module is skipped (with the reason) without Chromium or Playwright; CI installs
Debian's ``chromium`` as root, like bubblewrap.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder.learner_view import is_autograded_code

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TOKEN = "ilcourse-browser-test"
RUN_ALL_TIMEOUT = 600  # seconds per notebook; the slowest takes ~60 s on 2 cores
WIDGET_REDRAW_TIMEOUT = 60

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")]


def course_notebooks() -> list[str]:
    """Paths relative to the repository: every solution and every release."""
    found = sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("notebooks/*/*.ipynb"))
    return [str(p.relative_to(ROOT)) for p in found if ".ipynb_checkpoints" not in p.parts]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, path: str):
    with urllib.request.urlopen(f"{base}{path}?token={TOKEN}", timeout=10) as r:
        return json.load(r)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A running ``jupyter lab`` on a copy of the course; yields (base URL, its root folder)."""
    root = tmp_path_factory.mktemp("lab")
    for folder in ("notebooks", "solutions"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # nbgrader's server extensions read the course's configuration from their working folder,
    # as they do at the repository root (its autograder import comes from PYTHONPATH below).
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    # Render every cell (JupyterLab 4 renders only the visible ones by default), so the DOM
    # holds the whole notebook in file order.
    settings = root / ".settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = free_port()
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(root / ".settings"), PYTHONPATH=str(ROOT),
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    env.pop("ILCOURSE_STRICT", None)  # a learner's kernel: lab.expect compares, it does not assert
    log = open(root / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.token={TOKEN}", "--ServerApp.allow_root=True", f"--ServerApp.root_dir={root}"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                api(base, "/api/status")
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"jupyter lab did not start:\n{(root / 'server.log').read_text()[-3000:]}") from None
                time.sleep(0.5)
        yield base, root
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
        yield b
        b.close()


# -- driving JupyterLab -----------------------------------------------------------------------------
CELL_STATE_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => ({
    code: c.classList.contains('jp-CodeCell'),
    prompt: ((c.querySelector('.jp-InputArea-prompt') || {}).textContent || '').trim(),
}))"""


def open_notebook(page, base: str, rel: str) -> None:
    # Start the notebook's session first, so JupyterLab attaches to it instead of asking.
    body = json.dumps({"path": rel, "type": "notebook", "name": "", "kernel": {"name": "python3"}}).encode()
    req = urllib.request.Request(f"{base}/api/sessions?token={TOKEN}", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=60)
    # A workspace of its own, reset: JupyterLab would otherwise reopen earlier notebooks.
    workspace = re.sub(r"\W", "-", rel)
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{rel}?token={TOKEN}&reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    # JupyterLab may still ask which kernel to use (a fresh profile has no preference): the
    # learner would pick the notebook's own, Python 3.
    try:
        page.wait_for_selector(".jp-Dialog", timeout=5_000)
    except playwright_api.TimeoutError:
        pass
    for dialog in page.locator(".jp-Dialog").all():
        if "Select Kernel" in dialog.inner_text():
            dialog.locator("select").select_option(label="Python 3 (ipykernel)")
            dialog.get_by_role("button", name="Select", exact=True).click()
    # the kernel is ready when the toolbar's status says so
    page.wait_for_function(
        """() => { const s = document.querySelector('.jp-Notebook-ExecutionIndicator');
                   return s && s.getAttribute('data-status') === 'idle'; }""", timeout=120_000)


def dialogs(page) -> list[str]:
    """Text of any modal dialog JupyterLab shows (none is expected)."""
    return page.evaluate("() => [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText.slice(0, 300))")


def menu(page, top: str, item: str) -> None:
    """Click ``top`` in the menu bar, then the entry labelled exactly ``item``."""
    shown = dialogs(page)
    assert not shown, f"JupyterLab shows a dialog: {shown}"
    page.get_by_role("menuitem", name=top, exact=True).click()
    label = page.locator(".lm-Menu-itemLabel").filter(has_text=re.compile(f"^{re.escape(item)}$"))
    label.first.click()


def run_all(page, base: str) -> None:
    """Run All and wait until the last code cell has run (or execution stopped for good).

    A running cell's prompt stays "[ ]:" in JupyterLab 4, so "busy" comes from the toolbar's
    execution indicator and the server's kernel state.
    """
    menu(page, "Run", "Run All Cells")
    start, last_change, previous = time.time(), time.time(), None
    while True:
        time.sleep(1.0)
        prompts = [c["prompt"] for c in page.evaluate(CELL_STATE_JS) if c["code"]]
        status = page.evaluate(
            "() => (document.querySelector('.jp-Notebook-ExecutionIndicator') || {getAttribute: () => 'none'})"
            ".getAttribute('data-status')")
        busy = status != "idle" or any(k["execution_state"] != "idle" for k in api(base, "/api/kernels"))
        if busy or prompts != previous:
            previous, last_change = prompts, time.time()
        if not busy and prompts and re.fullmatch(r"\[\d+\]:", prompts[-1]):
            return
        if time.time() - last_change > 20:
            return  # idle for 20 s before the end: Run All stopped; the checks below say where
        if time.time() - start > RUN_ALL_TIMEOUT:
            raise AssertionError(f"Run All did not finish in {RUN_ALL_TIMEOUT} s; prompts: {prompts}")


def save_and_read(page, root: Path, rel: str) -> nbformat.NotebookNode:
    before = (root / rel).stat().st_mtime_ns
    menu(page, "File", "Save Notebook")
    deadline = time.time() + 30
    while (root / rel).stat().st_mtime_ns == before and time.time() < deadline:
        time.sleep(0.2)
    # Jupyter writes the file in place (its backup aside): it can be empty or half-written for
    # a moment after its mtime changes.
    while True:
        try:
            return nbformat.read(root / rel, as_version=4)
        except (ValueError, nbformat.reader.NotJSONError):  # JSONDecodeError is a ValueError
            if time.time() > deadline:
                raise
            time.sleep(0.2)


WIDGET_PROBLEMS_JS = """() => {
    const nb = document.querySelector('.jp-Notebook');
    const found = ['Error displaying widget', 'Loading widget', 'Model not found', 'Click to show javascript error']
        .filter(t => nb.innerText.includes(t));
    const broken = nb.querySelectorAll('.jupyter-widgets-error-widget').length;
    return broken ? found.concat([`${broken} widget(s) failed to render`]) : found;
}"""


def cell_images(page, index: int) -> list[str]:
    return page.evaluate(
        """(i) => [...document.querySelectorAll('.jp-Notebook .jp-Cell')[i].querySelectorAll('.jp-OutputArea img')]
                    .map(img => img.src.slice(-200))""", index)


def check_controls(page, index: int) -> list[str]:
    """Move every slider and dropdown of cell ``index`` one step; each must change its figure."""
    problems = []
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    controls = [("slider", h) for h in cell.locator(".widget-slider .noUi-handle").all()]
    controls += [("dropdown", s) for s in cell.locator(".widget-dropdown select").all()]
    for kind, control in controls:
        before = cell_images(page, index)
        if kind == "slider":
            control.focus()
            value = control.get_attribute("aria-valuenow")
            control.press("ArrowRight")
            if control.get_attribute("aria-valuenow") == value:  # at the right end: go left
                control.press("ArrowLeft")
        else:
            options = control.locator("option").all_text_contents()
            current = control.input_value()
            values = control.evaluate("s => [...s.options].map(o => o.value)")
            if len(options) > 1:
                control.select_option(next(v for v in values if v != current))
        deadline = time.time() + WIDGET_REDRAW_TIMEOUT
        while cell_images(page, index) in (before, []) and time.time() < deadline:
            time.sleep(0.25)
        after = cell_images(page, index)
        if after == before or not after:
            shown = cell.locator(".jp-OutputArea").first.inner_text()[-500:]
            problems.append(f"cell {index}: moving a {kind} did not redraw its figure within "
                            f"{WIDGET_REDRAW_TIMEOUT} s; the cell shows: {shown!r}")
    return problems


# Displayed width / natural width of every figure, at 1280 x 720 with the file browser open.
# Figures are drawn at 100 dpi with fonts of 8 pt or more (11 px): shown at >= 0.8 of their
# size their text stays >= 9 px on screen.
MIN_FIGURE_SCALE = 0.8
FIGURE_SCALES_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].flatMap((c, i) =>
    [...c.querySelectorAll('.jp-OutputArea img')].filter(img => img.naturalWidth > 0)
        .map(img => ({cell: i, natural: img.naturalWidth, shown: img.getBoundingClientRect().width})))"""


# Code cells whose lines run past the cell's right edge (a horizontal scrollbar): lab-config/
# turns line wrapping on, so at 1280 px (about 107 characters) none should.
WIDE_CODE_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].flatMap((c, i) => {
    const s = c.classList.contains('jp-CodeCell') && c.querySelector('.cm-scroller');
    return s && s.scrollWidth > s.clientWidth + 1 ? [i] : []; })"""


COURSE_CONSOLE_NOISE = (
    # JupyterLab logs these on any page; they do not come from the course's outputs.
    "favicon", "Failed to load resource: the server responded with a status of 404",
)


def shut_down_kernels(base: str) -> None:
    for kernel in api(base, "/api/kernels"):
        req = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}?token={TOKEN}", method="DELETE")
        urllib.request.urlopen(req, timeout=30)


def learner_run(browser, lab, rel: str) -> dict:
    """Open ``rel`` in a fresh page, Run All, save; report what a learner would have seen."""
    base, root = lab
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    outside: list[str] = []  # requests that leave the machine (a CDN stylesheet, a badge image)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None)
    try:
        open_notebook(page, base, rel)
        run_all(page, base)
        page.wait_for_timeout(2000)  # let widgets finish their first render
        widget_problems = page.evaluate(WIDGET_PROBLEMS_JS)
        nb = save_and_read(page, root, rel)
        widget_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
            "application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.outputs)]
        control_problems = [p for i in widget_cells for p in check_controls(page, i)]
        rendered = page.evaluate("() => document.querySelectorAll('.jp-Notebook .jupyter-widgets').length")
        page.evaluate("() => document.querySelectorAll('.jp-Notebook .jp-OutputArea img').forEach(i => i.scrollIntoView())")
        figures = page.evaluate(FIGURE_SCALES_JS)
        wide_cells = page.evaluate(WIDE_CODE_JS)
    finally:
        page.close()
        shut_down_kernels(base)  # one kernel at a time on a small machine
    console = [m for m in console if not any(n in m for n in COURSE_CONSOLE_NOISE)]
    return dict(nb=nb, widget_problems=widget_problems, control_problems=control_problems,
                widget_cells=widget_cells, rendered_widgets=rendered, console=console, figures=figures,
                outside=outside, wide_cells=wide_cells)


def errors_by_cell(nb) -> dict[int, str]:
    out = {}
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.output_type == "error":
                out[i] = f"{o.ename}: {o.evalue}"[:200]
    return out


def count_images(cells) -> int:
    return sum("image/png" in o.get("data", {}) for c in cells if c.cell_type == "code" for o in c.outputs)


SOLUTION_RUNS: dict[str, dict] = {}  # assignment -> what its solution showed (solutions run first)


@pytest.mark.parametrize("rel", course_notebooks())
def test_run_all_in_jupyterlab(browser, lab, rel):
    seen = learner_run(browser, lab, rel)
    nb = seen["nb"]
    assignment = Path(rel).parent.name
    errors = errors_by_cell(nb)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    assert all(nb.cells[i].get("execution_count") for i in code), (
        f"Run All stopped: cells never ran: {[i for i in code if not nb.cells[i].get('execution_count')]}; errors: {errors}")
    if rel.startswith("solutions/"):
        assert not errors, f"cells raised in the solution: {errors}"
        assert seen["widget_cells"] or count_images(nb.cells) > 0, "the solution shows no figure and no widget"
        SOLUTION_RUNS[assignment] = seen
    else:
        outside = {i: e for i, e in errors.items() if not is_autograded_code(nb.cells[i])}
        assert not outside, f"cells other than exercises and their checks raised: {outside}"
        solution = SOLUTION_RUNS.get(assignment)
        if solution is not None:  # (when run alone, a release is only checked for errors and widgets)
            lesson_images = count_images([c for c in solution["nb"].cells if not is_autograded_code(c)])
            assert count_images(nb.cells) >= lesson_images, (
                f"{count_images(nb.cells)} figures under Run All; the solution shows {lesson_images} outside its exercises")
            assert len(seen["widget_cells"]) >= len(solution["widget_cells"]), (
                f"widgets in {len(seen['widget_cells'])} cells; the solution has {len(solution['widget_cells'])}")
    assert not seen["widget_problems"], f"widgets failed to render: {seen['widget_problems']}"
    assert not seen["widget_cells"] or seen["rendered_widgets"] > 0, "widget outputs exist but none rendered"
    assert not seen["control_problems"], "\n".join(seen["control_problems"])
    assert not seen["console"], f"browser console errors: {seen['console'][:5]}"
    assert not seen["outside"], f"requests beyond the local server (nothing may need a network): {seen['outside'][:5]}"
    assert not seen["wide_cells"], f"code cells wider than the notebook at 1280 px: {seen['wide_cells']}"
    small = [f for f in seen["figures"] if f["shown"] < MIN_FIGURE_SCALE * f["natural"]]
    assert not small, ("figures shrunk below their readable size (cell, natural px, shown px): "
                       f"{[(f['cell'], f['natural'], round(f['shown'])) for f in small]}")


def test_a_broken_widget_is_caught(browser, lab):
    """The checks above fail on a widget that cannot render and on a slider that redraws nothing."""
    _, root = lab
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import ipywidgets as w, traitlets\n"
            "class Broken(w.DOMWidget):\n"
            "    _view_name = traitlets.Unicode('NoSuchView').tag(sync=True)\n"
            "    _view_module = traitlets.Unicode('no-such-module').tag(sync=True)\n"
            "Broken()"),
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\n"
            "def show(x=1):\n"
            "    plt.plot([0, 1], [0, 1]); plt.show()  # ignores x: nothing changes\n"
            "w.interact(show, x=w.IntSlider(1, 0, 5))"),
    ]
    nbformat.write(nb, root / "broken.ipynb")
    seen = learner_run(browser, lab, "broken.ipynb")
    assert seen["widget_problems"], "a widget whose view does not exist was not reported"
    assert any("did not redraw" in p for p in seen["control_problems"]), seen["control_problems"]


# -- nbgrader as a learner meets it ------------------------------------------------------------------
def test_learner_sees_no_instructor_panels(browser, lab):
    """The Nbgrader menu offers the Assignment List only, which works; nbgrader finds the course.

    lab-config/ (installed by requirements.txt) hides Formgrader, Course List and Create
    Assignment; the root nbgrader_config.py gives the Assignment List an exchange to read.
    """
    base, root = lab
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{base}/lab/workspaces/panels/tree/notebooks?token={TOKEN}&reset")
        page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
        page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
        items = [i.strip() for i in page.locator(".lm-Menu-itemLabel:visible").all_inner_texts() if i.strip()]
        assert items == ["Assignment List"], (
            f"the Nbgrader menu offers {items}: is lab-config/ installed (pip install -r requirements.txt)?")
        page.locator(".lm-Menu-itemLabel").filter(has_text=re.compile("^Assignment List$")).first.click()
        page.get_by_text("There are no assignments to fetch.").wait_for(timeout=30_000)
        shown = page.locator(".jp-MainAreaWidget:visible").last.inner_text()
        assert "Error" not in shown and "error" not in shown, f"the Assignment List shows: {shown[:400]!r}"
        sidebar = page.evaluate("() => [...document.querySelectorAll('.lm-TabBar-tab')].map(t => t.innerText)")
        assert not any("Create Assignment" in s for s in sidebar), "the Create Assignment panel is offered"
    finally:
        page.close()
    assert not console, f"browser console errors: {console[:5]}"
    log = (root / "server.log").read_text()
    assert "No nbgrader_config.py file found" not in log
    assert "autograder.validate_dialog | extension was successfully loaded" in log, log[-3000:]


def test_validate_reports_are_readable(browser, lab):
    """Validate on an untouched release: every failure shows at most four lines of source and its error.

    nbgrader alone prints each failing check cell's whole source (up to 128 lines) first.
    """
    base, root = lab
    rel = "notebooks/09_history/09_history.ipynb"
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        open_notebook(page, base, rel)
        page.get_by_role("button", name="Validate").first.click()
        page.wait_for_selector("#validation-message", timeout=RUN_ALL_TIMEOUT * 1000)
        report = page.evaluate("""() => {
            const m = document.querySelector('#validation-message');
            const view = m.closest('.jp-Dialog-body') || m.parentElement;
            const pres = [...m.querySelectorAll('pre')].map(p => ({text: p.innerText,
                top: p.getBoundingClientRect().top - view.getBoundingClientRect().top}));
            return {text: m.innerText, height: view.getBoundingClientRect().height, pres};
        }""")
    finally:
        page.close()
        shut_down_kernels(base)
    nb = nbformat.read(root / rel, as_version=4)
    checks = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    failed = report["text"].count("The following cell failed:")
    assert failed >= len(checks), f"{failed} failures reported for {len(checks)} check cells: {report['text'][:500]}"
    sources, errors = report["pres"][0::2], report["pres"][1::2]
    assert all(len(s["text"].splitlines()) <= 4 for s in sources), [s["text"][:300] for s in sources]
    assert errors and errors[0]["top"] < report["height"], "the first error is not visible without scrolling"
    assert not any("File /" in e["text"] for e in errors), "library frames are shown"
