"""The live widgets in JupyterLab, as a Binder reader uses them (Chromium + a real Lab server).

    .venv/bin/pytest tests/e2e/test_jupyterlab.py -m browser

One JupyterLab server (127.0.0.1, random port and token, a temporary config
dir holding jupytext's "open .md as notebook" override, autosave off) serves a
temporary COPY of ``book/`` (``TCPKIT_LAB_BOOK`` overrides the source folder), so
nothing a test does can write into the repository. Every page that displays an
explorer (found in the chapter sources by ``tests/chapter_widgets.py``, so a new
chapter widget is covered without editing this file) is opened as a notebook
and run; the page must show exactly that many explorers. Then EVERY enabled
slider of every explorer is moved one step with the keyboard (→, or ← at the
maximum) and the figure (the ``<img>`` bytes) must change with no error shown.
The time from the key press to the new image in the page is recorded per
chapter (median, p95, every run) in ``tests/artifacts/lab_timings.json``.
A bad value typed into a text control must show the tcpkit error message,
leave the kernel alive, and the next good value must work (``BAD_INPUT``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, screenshot_on_failure, write_artifact

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Poke:
    """How to change one control of one explorer on a page.

    kind   "slider": focus the slider handle and press the key ``values[i]`` (default ArrowRight);
           "text": type ``values[i]`` into the number/text box and press Enter;
           "dropdown": choose the option whose label is ``values[i]``.
           Change number i uses ``values[i % len(values)]``: give text boxes distinct values.
    label  the control's description as shown (a substring is enough); "" = the first
           control of that kind in the explorer.
    explorer  which explorer on the page, in page order (0 = the first).
    times  how many changes to make and time.
    """

    kind: str
    label: str = ""
    values: tuple[str, ...] = ("ArrowRight",)
    explorer: int = 0
    times: int = 3


def _chapter_pages() -> dict[str, int]:
    """``book/<chapter>.md`` → how many explorers the chapter displays (from the chapter sources)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from chapter_widgets import chapter_widgets

    pages: dict[str, int] = {}
    for cw in chapter_widgets():
        rel = f"book/{cw.chapter}.md"
        pages[rel] = pages.get(rel, 0) + 1
    return pages


PAGES = _chapter_pages()

# A text control whose value is checked by a tcpkit validator: bad value, then a good one.
BAD_INPUT: dict[str, tuple[Poke, Poke]] = {
    "book/connection/faults.md": (Poke("text", "keepalive_probes", ("-3",)),       # keepalive_explorer
                                  Poke("text", "keepalive_probes", ("5",))),
}

RUN_ALL_TIMEOUT_S = 300
CHANGE_TIMEOUT_S = 30

_TIMINGS: dict[str, list[float]] = {}


# -- the JupyterLab server ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _venv_bin(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else name


@dataclass
class Lab:
    base: str
    token: str
    root: Path
    proc: subprocess.Popen[bytes]
    log: Path

    def api(self, method: str, path: str) -> Any:
        req = urllib.request.Request(f"{self.base}api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        for s in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{s['id']}")
        for k in self.api("GET", "kernels"):
            self.api("DELETE", f"kernels/{k['id']}")

    def url(self, rel: str) -> str:
        return f"{self.base}lab/tree/{rel}?reset&token={self.token}"


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    tmp = Path(tempfile.mkdtemp(prefix="tcpkit-e2e-lab-"))
    src = Path(os.environ.get("TCPKIT_LAB_BOOK", ROOT / "book")).resolve()
    root = tmp / "root"
    shutil.copytree(src, root / "book", ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints", "__pycache__"))
    env = dict(os.environ)
    env.update(JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               IPYTHONDIR=str(tmp / "ipython"), JUPYTER_PLATFORM_DIRS="1")
    # what postBuild does on Binder: make .md open as a notebook
    subprocess.run([_venv_bin("jupytext-config"), "set-default-viewer"], env=env, check=True, capture_output=True)
    overrides = tmp / "config" / "labconfig" / "default_setting_overrides.json"
    settings = json.loads(overrides.read_text(encoding="utf-8"))
    assert settings["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["markdown"] == "Jupytext Notebook"
    # never write a chapter back (the copy is throw-away anyway)
    settings["@jupyterlab/docmanager-extension:plugin"]["autosave"] = False
    overrides.write_text(json.dumps(settings, indent=2), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp / "lab.log"
    cmd = [_venv_bin("jupyter-lab"), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", "--ServerApp.password=", "--LabApp.expose_app_in_browser=True",
           f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0", "--LabApp.extension_manager=readonly",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}/", token, root, proc, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}", pytrace=False)
            try:
                server.api("GET", "status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer in 90 s:\n{log.read_text(errors='replace')[-3000:]}", pytrace=False)
                time.sleep(0.5)
        yield server
    finally:
        try:
            server.shutdown_kernels()
        except Exception:
            pass
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the process group of the server we started
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def _report_timings() -> Iterator[None]:
    yield
    if _TIMINGS:
        allx = [x for xs in _TIMINGS.values() for x in xs]
        summary = {"unit": "ms, key press → new image in the page (every enabled slider moved one step)",
                   "median_ms": round(statistics.median(allx), 1), "p95_ms": round(_p95(allx), 1),
                   "max_ms": round(max(allx), 1),
                   "per_page": {k: {"sliders": len(v), "median_ms": round(statistics.median(v), 1),
                                    "p95_ms": round(_p95(v), 1), "runs_ms": [round(x, 1) for x in v]}
                                for k, v in sorted(_TIMINGS.items())}}
        write_artifact("lab_timings.json", summary)
        print("\nJupyterLab interactions (key → new image):")
        for k, v in summary["per_page"].items():
            print(f"  {k:<40} {v['sliders']:>3} sliders  median {v['median_ms']:>7.1f} ms  p95 {v['p95_ms']:>7.1f} ms")


def _p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


# -- driving the notebook -------------------------------------------------------

_KERNEL_STATUS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k ? k.status : null;
}"""

_NOTEBOOK_PROBLEMS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')) {
    const mime = el.getAttribute('data-mime-type') || '';
    if (mime.includes('stderr') || mime.includes('error')) out.push(mime + ': ' + el.innerText.slice(0, 400));
  }
  return out;
}"""

# Record the first keydown and the first change of the image's src, in page time.
_ARM = """(img) => new Promise(async (resolve) => {
  const buf = await (await fetch(img.src)).arrayBuffer();
  const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', buf)))
                      .map(b => b.toString(16).padStart(2, '0')).join('');
  const t = {t0: null, t1: null, src0: img.src, sha0: digest};
  window.__tcpkit = t;
  const onKey = () => { if (t.t0 === null) t.t0 = performance.now(); };
  document.addEventListener('keydown', onKey, true);
  const mo = new MutationObserver(() => {
    if (t.t1 === null && img.src !== t.src0) { t.t1 = performance.now(); mo.disconnect();
      document.removeEventListener('keydown', onKey, true); }
  });
  mo.observe(img, {attributes: true, attributeFilter: ['src']});
  resolve(digest);
})"""

_NEW_DIGEST = """async (img) => {
  const buf = await (await fetch(img.src)).arrayBuffer();
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', buf)))
              .map(b => b.toString(16).padStart(2, '0')).join('');
}"""


def open_and_run(page: Any, lab: Lab, rel: str) -> None:
    assert (lab.root / rel).is_file(), f"{rel} is not in the book"
    page.goto(lab.url(rel), wait_until="domcontentloaded", timeout=60_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
    try:
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    except Exception:
        editors = page.locator(".jp-FileEditor").count()
        pytest.fail(f"{rel} did not open as a notebook (file editors open: {editors}); "
                    "is jupytext's default-viewer override in effect?", pytrace=False)
    page.wait_for_function(f"() => ({_KERNEL_STATUS})() === 'idle'", timeout=120_000)
    ok = page.evaluate(f"""async () => {{
        const r = await Promise.race([
          window.jupyterapp.commands.execute('notebook:run-all-cells'),
          new Promise(res => setTimeout(() => res('timeout'), {RUN_ALL_TIMEOUT_S * 1000}))]);
        return r;
    }}""")
    assert ok is not False and ok != "timeout", f"{rel}: run-all-cells did not finish cleanly ({ok!r})"
    page.wait_for_function(f"() => ({_KERNEL_STATUS})() === 'idle'", timeout=RUN_ALL_TIMEOUT_S * 1000)
    problems = page.evaluate(_NOTEBOOK_PROBLEMS)
    assert not problems, f"{rel}: cell errors or stderr after run-all:\n" + "\n".join(problems)


def explorer(page: Any, n: int) -> Any:
    boxes = page.locator(".jp-Notebook .widget-vbox:has(> img.widget-image)")
    boxes.first.wait_for(state="attached", timeout=60_000)
    count = boxes.count()
    assert count > n, f"only {count} tcpkit explorer(s) rendered in the notebook, wanted #{n}"
    box = boxes.nth(n)
    box.scroll_into_view_if_needed()
    return box


_KIND = {
    "slider": ".widget-slider",
    "text": ".widget-text",
    "dropdown": ".widget-dropdown",
}


def control(box: Any, poke: Poke) -> Any:
    loc = box.locator(_KIND[poke.kind])
    if poke.label:
        loc = loc.filter(has=box.page.locator(".widget-label", has_text=poke.label))
    assert loc.count() > 0, f"no {poke.kind} control labelled {poke.label!r} in the explorer"
    return loc.first


def poke_once(page: Any, box: Any, poke: Poke, i: int = 0) -> tuple[float, str, str]:
    """Make change number ``i``; return (ms from key to new image, old sha, new sha)."""
    value = poke.values[i % len(poke.values)]
    img = box.locator(":scope > img.widget-image")
    handle = img.element_handle()
    sha0 = page.evaluate(_ARM, handle)
    ctl = control(box, poke)
    if poke.kind == "slider":
        knob = ctl.locator(".noUi-handle")
        knob.focus()
        page.keyboard.press(value)
    elif poke.kind == "text":
        field = ctl.locator("input")
        field.fill(value)
        field.press("Enter")
    elif poke.kind == "dropdown":
        t0 = page.evaluate("() => performance.now()")
        ctl.locator("select").select_option(label=value)
        page.evaluate("(t) => { window.__tcpkit.t0 = t; }", t0)
    else:  # pragma: no cover - table error
        raise ValueError(poke.kind)
    page.wait_for_function("() => window.__tcpkit.t1 !== null", timeout=CHANGE_TIMEOUT_S * 1000)
    t0, t1 = page.evaluate("() => [window.__tcpkit.t0, window.__tcpkit.t1]")
    sha1 = page.evaluate(_NEW_DIGEST, handle)
    return t1 - t0, sha0, sha1


@pytest.fixture
def lab_page(browser: Any, lab: Lab, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        screenshot_on_failure(request, page, "lab")
        context.close()
        lab.shutdown_kernels()  # free the CPU for the next page


_SLIDER_STATE = """(slider) => {
  const h = slider.querySelector('.noUi-handle');
  const target = slider.querySelector('.noUi-target');
  return {disabled: !!(target && target.hasAttribute('disabled')) || slider.classList.contains('mod-disabled'),
          now: Number(h.getAttribute('aria-valuenow')), max: Number(h.getAttribute('aria-valuemax'))};
}"""


# Like _ARM, for the whole explorer: the first change of the image OR of the text under it.
_ARM_BOX = """(box) => new Promise(async (resolve) => {
  const img = box.querySelector(':scope > img.widget-image');
  const text = () => box.lastElementChild.innerText;
  const t = {t0: null, t1: null, src0: img.src, text0: text()};
  window.__tcpkit = t;
  const onKey = () => { if (t.t0 === null) t.t0 = performance.now(); };
  document.addEventListener('keydown', onKey, true);
  const mo = new MutationObserver(() => {
    if (t.t1 === null && (img.src !== t.src0 || text() !== t.text0)) { t.t1 = performance.now(); mo.disconnect();
      document.removeEventListener('keydown', onKey, true); }
  });
  mo.observe(box, {attributes: true, attributeFilter: ['src'], subtree: true, childList: true, characterData: true});
  resolve(t.text0);
})"""


def move_slider(page: Any, box: Any, slider: Any) -> tuple[float, bool] | None:
    """Move ``slider`` one step (→, or ← at its maximum): (ms to the new image or text, figure changed?).

    None if the slider is disabled (the explorer's note says why)."""
    state = slider.evaluate(_SLIDER_STATE)
    if state["disabled"]:
        return None
    img = box.locator(":scope > img.widget-image").element_handle()
    sha0 = page.evaluate(_NEW_DIGEST, img)
    page.evaluate(_ARM_BOX, box.element_handle())
    slider.locator(".noUi-handle").focus()
    page.keyboard.press("ArrowLeft" if state["now"] >= state["max"] else "ArrowRight")
    page.wait_for_function("() => window.__tcpkit.t1 !== null", timeout=CHANGE_TIMEOUT_S * 1000)
    t0, t1 = page.evaluate("() => [window.__tcpkit.t0, window.__tcpkit.t1]")
    return t1 - t0, page.evaluate(_NEW_DIGEST, img) != sha0


@pytest.mark.parametrize("rel", sorted(PAGES))
def test_every_slider_answers_in_jupyterlab(lab: Lab, lab_page: Any, rel: str) -> None:
    page = lab_page
    open_and_run(page, lab, rel)
    boxes = page.locator(".jp-Notebook .widget-vbox:has(> img.widget-image)")
    boxes.first.wait_for(state="attached", timeout=60_000)
    assert boxes.count() == PAGES[rel], f"{rel}: {boxes.count()} explorers rendered, the chapter displays {PAGES[rel]}"
    times: list[float] = []
    for n in range(PAGES[rel]):
        box = explorer(page, n)
        sliders = box.locator(".widget-slider")
        for i in range(sliders.count()):
            slider = sliders.nth(i)
            label = slider.locator(".widget-label").first.inner_text()
            try:
                moved = move_slider(page, box, slider)
            except Exception as exc:  # the wait timed out: neither the figure nor the text changed
                shown = box.evaluate("(b) => b.innerText")[-600:]
                pytest.fail(f"{rel}: explorer #{n}, slider {label!r}: no new figure or text ({exc}); "
                            f"the explorer shows: {shown}", pytrace=False)
            if moved is None:
                continue
            ms, _figure_changed = moved   # the figure or the text under it answered (else: timeout above)
            errs = box.locator(".tcpkit-error")
            assert errs.count() == 0, f"{rel}: the explorer shows an error: {errs.first.inner_text()}"
            times.append(ms)
            page.wait_for_function(f"() => ({_KERNEL_STATUS})() === 'idle'", timeout=CHANGE_TIMEOUT_S * 1000)
    assert times, f"{rel}: no enabled slider to move"
    _TIMINGS[rel] = times
    problems = page.evaluate(_NOTEBOOK_PROBLEMS)
    assert not problems, f"{rel}: errors or stderr after the interaction:\n" + "\n".join(problems)


@pytest.mark.parametrize("rel", sorted(BAD_INPUT))
def test_bad_input_shows_message_and_kernel_survives(lab: Lab, lab_page: Any, rel: str) -> None:
    bad, good = BAD_INPUT[rel]
    page = lab_page
    open_and_run(page, lab, rel)
    box = explorer(page, bad.explorer)
    img = box.locator(":scope > img.widget-image")
    src_before = img.get_attribute("src")
    field = control(box, bad).locator("input")
    field.fill(bad.values[0])
    field.press("Enter")
    err = box.locator(".tcpkit-error")
    err.first.wait_for(state="visible", timeout=CHANGE_TIMEOUT_S * 1000)
    text = err.first.inner_text()
    assert bad.values[0].lstrip("-+") in text and "must" in text, f"{rel}: the error message does not explain: {text!r}"
    page.wait_for_function(f"() => ({_KERNEL_STATUS})() === 'idle'", timeout=CHANGE_TIMEOUT_S * 1000)
    assert page.evaluate(_KERNEL_STATUS) == "idle", "the kernel did not survive the bad input"
    assert img.get_attribute("src") == src_before, "the figure changed on bad input (the last good one must stay)"
    ms, sha0, sha1 = poke_once(page, box, good)
    assert sha1 != sha0, f"{rel}: the good value {good.values[0]!r} after the bad one did not redraw"
    assert box.locator(".tcpkit-error").count() == 0, "the error message stayed after a good value"
    problems = page.evaluate(_NOTEBOOK_PROBLEMS)
    assert not problems, f"{rel}: errors or stderr (a traceback instead of the message?):\n" + "\n".join(problems)
