"""The 面试自测 page in Chromium, every off-site request refused (and counted as a failure).

    TCPKIT_SITE=_build/html .venv/bin/pytest tests/e2e/test_drill.py -m browser

draw, reveal, mark 会/不会, reload keeps progress, 只抽没掌握的, filter by part,
the URL hash restores a question, numeric answers right and wrong (worked
solution shown), a 390 px wide phone, the theme's dark mode, Chinese UI.
Screenshots go to tests/artifacts/drill_*.png.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from .conftest import screenshot_on_failure, write_artifact

pytestmark = pytest.mark.browser

PAGE = "book/drill.html"
CJK = re.compile(r"[\u4e00-\u9fff]")
IMPLICIT = {"/favicon.ico"}


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in ("http", "https", "ws", "wss") or parts.hostname in ("127.0.0.1", "localhost")


class Drill:
    """One browser context on the drill page; records off-site requests, JS errors and failed loads."""

    def __init__(self, browser: Any, base: str, *, viewport: dict[str, int] | None = None,
                 init_script: str | None = None) -> None:
        self.base = base
        self.problems: list[str] = []
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        self.context.route(lambda u: not _is_local(u), self._block)
        if init_script:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.problems.append(f"JavaScript exception: {exc}"))
        self.page.on("console", self._console)
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)
        self.page.on("dialog", lambda d: d.accept())

    def _block(self, route: Any) -> None:
        self.problems.append(f"request to a non-local host: {route.request.url}")
        route.abort("blockedbyclient")

    def _console(self, msg: Any) -> None:
        if msg.type == "error" and urlsplit((msg.location or {}).get("url", "")).path not in IMPLICIT:
            self.problems.append(f"console error: {msg.text[:300]}")

    def _failed(self, request: Any) -> None:
        if _is_local(request.url) and urlsplit(request.url).path not in IMPLICIT:
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and urlsplit(response.url).path not in IMPLICIT:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, hash_: str = "") -> None:
        self.page.goto(self.base + PAGE + hash_, wait_until="load")
        self.ready()

    def ready(self) -> None:
        self.page.wait_for_selector('#tcpkit-drill[data-state="ready"]', timeout=15_000)

    # -- helpers -----------------------------------------------------------
    def data(self) -> dict[str, Any]:
        return self.page.evaluate("() => window.TCPKIT_DRILL")  # type: ignore[no-any-return]

    def current(self) -> str:
        return self.page.get_attribute(".td-card", "data-id") or ""

    def hash(self) -> dict[str, str]:
        h = self.page.evaluate("() => location.hash").lstrip("#")
        return dict(kv.split("=", 1) for kv in h.split("&") if "=" in kv)

    def marks(self) -> dict[str, str]:
        raw = self.page.evaluate("() => localStorage.getItem('tcpkit-drill:v1')")
        return json.loads(raw)["marks"] if raw else {}

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def drill(browser: Any, site_url: str, request: pytest.FixtureRequest) -> Any:
    made: list[Drill] = []

    def make(**kw: Any) -> Drill:
        d = Drill(browser, site_url, **kw)
        made.append(d)
        return d

    yield make
    for d in made:
        screenshot_on_failure(request, d.page, "drill")
        problems = d.problems
        d.close()
        assert not problems, "\n".join(problems)


def test_draw_reveal_mark_and_reload_keeps_progress(drill: Any) -> None:
    d = drill()
    d.open()
    data = d.data()
    qid = d.current()
    q = next(x for x in data["questions"] if x["id"] == qid)
    assert d.page.inner_text(".td-title") == q["title"]
    answer = d.page.locator(".td-answer")
    assert not answer.is_visible()                                       # folded
    assert d.page.inner_text(".td-reveal") == "显示答案"
    d.page.click(".td-reveal")
    assert answer.is_visible()
    assert d.page.inner_text(".td-reveal") == "收起答案"
    body = d.page.inner_text(".td-answer-body")
    assert len(body) > 10 and CJK.search(body)
    # the full-section link leads to the chapter and its heading
    href = d.page.get_attribute(".td-more", "href")
    assert href and not href.startswith("http"), href
    d.page.click(".td-know")
    assert d.page.get_attribute(".td-know", "aria-pressed") == "true"
    assert d.marks() == {qid: "ok"}
    assert "会 1" in d.page.inner_text(".td-progress")
    # a different question, marked 不会
    d.page.click(".td-draw")
    other = d.current()
    assert other != qid
    d.page.click(".td-dont")
    assert d.marks() == {qid: "ok", other: "no"}
    # reload: same question (from the hash), both marks still there
    d.page.reload(wait_until="load")
    d.ready()
    assert d.current() == other
    assert d.page.get_attribute(".td-dont", "aria-pressed") == "true"
    assert d.marks() == {qid: "ok", other: "no"}
    assert "会 1，不会 1" in d.page.inner_text(".td-progress")
    # the link really opens the section
    d.page.click(".td-reveal")
    d.page.click(".td-more")
    d.page.wait_for_load_state("load")
    target = next(x for x in data["questions"] if x["id"] == other)
    assert target["title"] in d.page.inner_text("main")
    frag = urlsplit(d.page.url).fragment
    if frag:
        assert d.page.locator(f"#{frag}").count() == 1


def test_only_unmastered_draws_unmarked_and_no(drill: Any) -> None:
    d = drill()
    d.open()
    data = d.data()
    part = max(data["parts"], key=lambda p: sum(q["part"] == p for q in data["questions"]))
    ids = [q["id"] for q in data["questions"] if q["part"] == part]
    assert len(ids) >= 4
    keep_unmarked, keep_no = ids[0], ids[1]
    marks = {i: "ok" for i in ids[2:]}
    marks[keep_no] = "no"
    d.page.evaluate("m => localStorage.setItem('tcpkit-drill:v1', JSON.stringify({marks: m}))", marks)
    d.page.goto(d.base + PAGE + "#mode=qa&part=" + quote(part) + "&only=1", wait_until="load")
    d.page.reload(wait_until="load")
    d.ready()
    assert d.page.is_checked(".td-only")
    seen = set()
    for _ in range(12):
        d.page.click(".td-draw")
        seen.add(d.current())
    assert seen == {keep_unmarked, keep_no}
    # marking both as 会 empties the pool
    for _ in range(2):
        d.page.click(".td-know")
        d.page.click(".td-draw")
    assert d.page.locator(".td-empty").is_visible()
    assert "都标成“会”了" in d.page.inner_text(".td-empty")
    # unchecking brings the whole part back
    d.page.uncheck(".td-only")
    assert d.current() in ids
    # 清除全部进度 (confirmed) forgets every mark
    d.page.click(".td-reset")
    assert d.marks() == {}
    assert f"会 0，不会 0，未标记 {len(ids)}" in d.page.inner_text(".td-progress")


def test_filter_by_part(drill: Any) -> None:
    d = drill()
    d.open()
    data = d.data()
    options = d.page.eval_on_selector_all(".td-scope option", "os => os.map(o => o.value)")
    assert options == [""] + data["parts"]
    part = data["parts"][2]
    d.page.select_option(".td-scope", part)
    assert d.hash().get("part") == quote(part)
    for _ in range(8):
        q = next(x for x in data["questions"] if x["id"] == d.current())
        assert q["part"] == part
        assert d.page.inner_text(".td-meta").startswith(part)
        d.page.click(".td-draw")
    n = sum(1 for x in data["questions"] if x["part"] == part)
    assert f"本范围共 {n} 题" in d.page.inner_text(".td-progress")


def test_hash_restores_the_state(drill: Any) -> None:
    d = drill()
    d.open()
    data = d.data()
    q = data["questions"][-1]
    e = drill()
    e.open(f"#mode=qa&part={quote(q['part'])}&only=1&q={q['id']}&open=1")
    assert e.current() == q["id"]
    assert e.page.inner_text(".td-title") == q["title"]
    assert e.page.locator(".td-answer").is_visible()
    assert e.page.input_value(".td-scope") == q["part"]
    assert e.page.is_checked(".td-only")
    n = data["numeric"][200]
    e.open(f"#mode=num&kind={n['kind']}&q={n['id']}")
    assert e.current() == n["id"]
    assert e.page.get_attribute(".td-tab-num", "aria-selected") == "true"
    assert e.page.input_value(".td-scope") == n["kind"]
    # a broken hash falls back to a fresh draw instead of an error
    e.open("#q=nope&part=%E4%B8%8D&mode=zz")
    assert e.current() in {x["id"] for x in data["questions"]}


def _numeric(d: Drill, qid: str) -> dict[str, Any]:
    d.open(f"#mode=num&q={qid}")
    return next(x for x in d.data()["numeric"] if x["id"] == qid)


def test_numeric_right_and_wrong(drill: Any) -> None:
    d = drill()
    d.open()
    pool = d.data()["numeric"]
    kinds = {}
    for x in pool:
        kinds.setdefault(x["kind"], x["id"])
    assert set(kinds) == {"rto", "syn", "cwnd", "cookie", "ports"}
    for kind, qid in kinds.items():
        q = _numeric(d, qid)
        inputs = d.page.locator(".td-input")
        assert inputs.count() == len(q["fields"])
        # empty: asks for a number, nothing marked
        d.page.click(".td-check")
        assert "请先填写答案" in d.page.inner_text(".td-verdict")
        # right (inside the tolerance)
        for i, f in enumerate(q["fields"]):
            inputs.nth(i).fill(repr(f["answer"] + 0.9 * f["tol"]))
        d.page.click(".td-check")
        assert d.page.inner_text(".td-verdict") == "回答正确！", kind
        assert not d.page.locator(".td-solution").is_visible()
        assert d.marks()[qid] == "ok"
        # wrong: the worked solution appears, with every step
        inputs.nth(0).fill(repr(q["fields"][0]["answer"] + q["fields"][0]["tol"] + 1.5))
        d.page.click(".td-check")
        assert d.page.inner_text(".td-verdict").startswith("不对"), kind
        assert d.page.locator(".td-solution").is_visible()
        assert d.page.locator(".td-solution li").count() == len(q["steps"])
        assert "正确答案" in d.page.inner_text(".td-field-result >> nth=0")
        assert d.marks()[qid] == "no"
        assert d.page.get_attribute(".td-dont", "aria-pressed") == "true"
        if kind == "rto":
            write_artifact("drill_numeric_wrong.png", d.page.screenshot(full_page=True))
    # hexadecimal and full-width digits are numbers too
    cookie = _numeric(d, kinds["cookie"])
    d.page.locator(".td-input").nth(0).fill(hex(int(cookie["fields"][0]["answer"])))
    d.page.locator(".td-input").nth(1).fill(
        str(int(cookie["fields"][1]["answer"])).translate({ord(c): 0xFF10 + int(c) for c in "0123456789"}))
    d.page.click(".td-check")
    assert d.page.inner_text(".td-verdict") == "回答正确！"


def _layout(d: Drill) -> dict[str, Any]:
    return d.page.evaluate("""() => {
      const vw = document.documentElement.clientWidth;
      const over = [];
      for (const e of document.querySelectorAll('#tcpkit-drill *')) {
        const b = e.getBoundingClientRect();
        if (b.width && (b.right > vw + 1 || b.left < -1)) over.push(e.className || e.tagName);
      }
      return {vw, scroll: document.documentElement.scrollWidth, over};
    }""")


def test_phone_width_390(drill: Any) -> None:
    d = drill(viewport={"width": 390, "height": 844})
    d.open()
    data = d.data()
    longest = max(data["questions"], key=lambda q: len(q["title"]))
    d.open(f"#q={longest['id']}&open=1")
    lay = _layout(d)
    assert lay["scroll"] <= 390 and lay["over"] == [], lay
    for sel in (".td-draw", ".td-reveal", ".td-know", ".td-dont", ".td-scope"):
        box = d.page.locator(sel).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 32, (sel, box)
    write_artifact("drill_390_qa.png", d.page.screenshot(full_page=True))
    cw = next(x for x in data["numeric"] if x["kind"] == "cwnd")
    d.open(f"#q={cw['id']}&open=1")
    lay = _layout(d)
    assert lay["scroll"] <= 390 and lay["over"] == [], lay
    d.page.locator(".td-input").nth(0).click()
    write_artifact("drill_390_numeric.png", d.page.screenshot(full_page=True))


def _luminance(rgb: str) -> float:
    nums = [float(x) for x in re.findall(r"[\d.]+", rgb)[:3]]

    def ch(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (ch(c) for c in nums)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _colours(d: Drill) -> dict[str, str]:
    return d.page.evaluate("""() => {
      const s = e => getComputedStyle(document.querySelector(e));
      return {theme: document.documentElement.dataset.theme, card: s('.td-card').backgroundColor,
              title: s('.td-title').color, answer: s('.td-answer-body').color, button: s('.td-know').color,
              buttonBg: s('.td-know').backgroundColor};
    }""")


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_dark_mode(drill: Any) -> None:
    light = drill()
    light.open("#open=1")
    lc = _colours(light)
    assert lc["theme"] == "light" and _luminance(lc["card"]) > 0.5
    # the theme's own switch stores its choice in localStorage ("mode"/"theme"); start in dark
    dark = drill(init_script="localStorage.setItem('mode','dark'); localStorage.setItem('theme','dark');")
    dark.open("#open=1")
    dc = _colours(dark)
    assert dc["theme"] == "dark", dc
    assert _luminance(dc["card"]) < 0.1, dc
    for k in ("title", "answer"):
        assert _contrast(dc[k], dc["card"]) >= 4.5, (k, dc)
    assert _contrast(dc["button"], dc["buttonBg"]) >= 4.5, dc
    write_artifact("drill_dark.png", dark.page.screenshot(full_page=False))


def test_every_ui_string_is_chinese(drill: Any) -> None:
    d = drill()
    d.open("#open=1")
    texts = d.page.eval_on_selector_all(
        "#tcpkit-drill button, #tcpkit-drill label, #tcpkit-drill option, .td-progress, .td-status",
        "es => es.map(e => e.innerText.trim()).filter(Boolean)")
    num = next(x for x in d.data()["numeric"] if x["kind"] == "syn")
    d.open(f"#q={num['id']}")
    texts += d.page.eval_on_selector_all("#tcpkit-drill button, #tcpkit-drill label",
                                         "es => es.map(e => e.innerText.trim()).filter(Boolean)")
    assert texts
    english = [t for t in texts if not CJK.search(t)]
    assert english == []
