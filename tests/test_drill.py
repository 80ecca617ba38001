"""The 面试自测 page: question extraction (tools/drill.py) and the numeric pool (tools/drill_numeric.py).

* pure helpers (question rule, link rebasing, _toc.yml parts, first paragraph);
* a tiny Sphinx project built with the extension: questions, first-paragraph HTML,
  links rewritten for the drill page, assets only on the drill page, incremental
  rebuild still complete, byte-identical output on two builds;
* the numeric pool: size, ids, determinism, and every answer recomputed here
  with independent arithmetic (RFC 6298, tcp_write_timeout, Reno/NewReno rounds,
  SYN-cookie decoding, ports / hold time);
* against the built book (marker ``book``): every seed question is in the pool,
  every answer and link resolves.
"""

from __future__ import annotations

import json
import math
import re
import sys
import zlib
from pathlib import Path

import pytest
import yaml
from docutils.core import publish_doctree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import drill  # noqa: E402
from drill_numeric import KINDS, cwnd_rounds, numeric_pool, pool_counts  # noqa: E402

SEED_HEADINGS = (Path(__file__).with_name("seed_headings.txt")).read_text(encoding="utf-8").splitlines()


# ---------------------------------------------------------------------------
# pure helpers
# ---------------------------------------------------------------------------
def test_question_rule():
    assert drill.is_question("什么是 TCP？")
    assert drill.is_question("Why? ")
    assert not drill.is_question("三次握手")
    assert not drill.is_question("面试怎么答")
    assert drill.is_question("TIME-WAIT 是什么，这种状态是怎么出现的", drill.EXTRA_TITLES)
    assert not drill.is_question("TIME-WAIT 是什么，这种状态是怎么出现的")


def test_every_seed_question_matches_the_rule():
    parts = {"基本概念", "TCP 连接", "TCP 传输", "UDP"}
    questions = [h for h in SEED_HEADINGS if h not in parts]
    assert len(questions) == 72
    missed = [h for h in questions if not drill.is_question(h, drill.EXTRA_TITLES)]
    assert missed == []


def test_question_id_is_stable_and_distinct():
    a = drill.question_id("book/x", "什么是 TCP？")
    assert a == drill.question_id("book/x", " 什么是  TCP？ ")
    assert a != drill.question_id("book/y", "什么是 TCP？")
    assert re.fullmatch(r"[0-9a-f]{12}", a)


@pytest.mark.parametrize("uri, frm, to, want", [
    ("#sec", "book/connection/handshake.html", "book/drill.html", "connection/handshake.html#sec"),
    ("teardown.html#x", "book/connection/handshake.html", "book/drill.html", "connection/teardown.html#x"),
    ("../../_images/a.png", "book/connection/handshake.html", "book/drill.html", "../_images/a.png"),
    ("../basics/index.html", "book/connection/handshake.html", "book/drill.html", "basics/index.html"),
    ("https://www.rfc-editor.org/rfc/rfc9293", "book/a.html", "book/drill.html",
     "https://www.rfc-editor.org/rfc/rfc9293"),
    ("mailto:x@example.org", "book/a.html", "book/drill.html", "mailto:x@example.org"),
    ("#a", "book/a.html", "book/a.html", "a.html#a"),
])
def test_rebase_uri(uri, frm, to, want):
    assert drill.rebase_uri(uri, frm, to) == want


def test_toc_parts_of_the_real_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = drill.toc_parts(toc)
    assert parts["book/basics/index"] == "基本概念"
    assert parts["book/connection/handshake"] == "TCP 连接"   # a section under a chapter
    assert parts["book/udp/quic"] == "UDP 与 QUIC"
    assert "book/intro" not in parts                           # the root is in no part
    captions = [p["caption"] for p in toc["parts"]]
    assert set(parts.values()) == set(captions)


def test_first_paragraph_stops_at_the_first_subsection():
    doc = publish_doctree(
        "Title\n=====\n\nQ one?\n------\n\n.. note:: boxed\n\nFirst *answer*.\n\nSecond.\n\n"
        "Q two?\n------\n\nSub\n~~~\n\nnested only\n",
        settings_overrides={"report_level": 5},
    )
    secs = [s for s in doc.findall(drill.nodes.section)]
    by_title = {s[0].astext(): s for s in secs}
    assert drill.first_paragraph(by_title["Q one?"]).astext() == "First answer."
    assert drill.first_paragraph(by_title["Q two?"]) is None
    assert drill.answer_nodes(by_title["Q two?"]) == []


def test_answer_takes_the_list_a_colon_announces():
    doc = publish_doctree("Q?\n==\n\nThree ways:\n\n- one\n- two\n\nMore.\n\nR?\n==\n\nDone.\n\n- not this\n",
                          settings_overrides={"report_level": 5})
    secs = {s[0].astext(): s for s in doc.findall(drill.nodes.section)}
    got = drill.answer_nodes(secs["Q?"])
    assert [type(n).__name__ for n in got] == ["paragraph", "bullet_list"]
    assert got[1].astext() == "one\n\ntwo"
    assert [type(n).__name__ for n in drill.answer_nodes(secs["R?"])] == ["paragraph"]


# ---------------------------------------------------------------------------
# a tiny Sphinx project
# ---------------------------------------------------------------------------
_CONF = """
import sys
sys.path.insert(0, {tools!r})
extensions = ["drill"]
language = "zh_CN"
tcpkit_drill_toc = "_toc.yml"
"""
_INDEX = """
Root
====

.. toctree::

   ch1
   sub/ch2
   drill
"""
_CH1 = """
第一章
======

.. _target:

什么是 A？
----------

A 是 **第一** 个答案，见 :ref:`other` 和 [#f1]_ ，还有 `RFC <https://www.rfc-editor.org/rfc/rfc9293>`_ 。

第二段不是答案。

子节：怎么算？
~~~~~~~~~~~~~~

子节的答案。

不是问题
--------

普通段落。

子节：怎么算？
~~~~~~~~~~~~~~

同名的另一节。

.. [#f1] 脚注。
"""
_CH2 = """
第二章？
========

章首段就是答案。

.. _other:

为什么 B?
---------

B 的答案链接回 :ref:`target`。
"""
_DRILL = """
面试自测
========

.. tcpkit-drill::
"""
_TOC = """
format: jb-book
root: index
parts:
  - caption: 甲部
    chapters:
      - file: ch1
  - caption: 乙部
    chapters:
      - file: sub/ch2
  - caption: 自测
    chapters:
      - file: drill
"""


def _project(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    (src / "conf.py").write_text(_CONF.format(tools=str(ROOT / "tools")), encoding="utf-8")
    (src / "sub").mkdir()
    for name, text in (("index", _INDEX), ("ch1", _CH1), ("sub/ch2", _CH2), ("drill", _DRILL)):
        (src / f"{name}.rst").write_text(text, encoding="utf-8")
    (src / "_toc.yml").write_text(_TOC, encoding="utf-8")
    return src


def _build(src: Path, out: Path) -> None:
    from sphinx.cmd.build import build_main

    assert build_main(["-b", "html", "-W", "-q", "-d", str(out / ".doctrees"), str(src), str(out)]) == 0


def _data(out: Path) -> dict:
    text = (out / "_static" / drill.DATA_JS).read_text(encoding="utf-8")
    assert text.startswith("window.TCPKIT_DRILL = ") and text.endswith(";\n")
    return json.loads(text[len("window.TCPKIT_DRILL = "):-2])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("drill")
    src = _project(tmp)
    out = tmp / "out"
    _build(src, out)
    return src, out


def test_tiny_questions_and_parts(tiny):
    _, out = tiny
    data = _data(out)
    titles = [q["title"] for q in data["questions"]]
    assert titles == ["什么是 A？", "子节：怎么算？", "子节：怎么算？", "第二章？", "为什么 B?"]
    assert data["parts"] == ["甲部", "乙部"]          # 自测 has no question
    assert [q["part"] for q in data["questions"]] == ["甲部", "甲部", "甲部", "乙部", "乙部"]
    assert {q["chapter"] for q in data["questions"]} == {"第一章", "第二章？"}
    assert len({q["id"] for q in data["questions"]}) == 5   # the same title twice: two ids
    assert data["questions"][2]["html"] == "<p>同名的另一节。</p>"


def test_tiny_answer_is_the_first_paragraph_with_working_links(tiny):
    _, out = tiny
    q = {q["title"]: q for q in _data(out)["questions"]}
    a = q["什么是 A？"]["html"]
    assert a.startswith("<p>") and "<strong>第一</strong>" in a
    assert "第二段" not in a
    assert 'href="https://www.rfc-editor.org/rfc/rfc9293"' in a
    hrefs = re.findall(r'href="([^"]+)"', a)
    # every relative link resolves from drill.html to a file and an id that exist
    for h in hrefs:
        if h.startswith("https://"):
            continue
        path, _, frag = h.partition("#")
        page = (out / path).read_text(encoding="utf-8")
        assert f'id="{frag}"' in page, h
    assert any(h.startswith("sub/ch2.html#") for h in hrefs)    # :ref:`other`
    assert any(h.startswith("ch1.html#") for h in hrefs)    # the footnote, now pointing at ch1
    assert 'id="' not in a                                   # no duplicate ids on the drill page
    assert q["第二章？"]["html"] == "<p>章首段就是答案。</p>"
    assert q["第二章？"]["url"] == "sub/ch2.html"
    b = q["为什么 B?"]
    assert 'href="../ch1.html#' not in b["html"] and 'href="ch1.html#' in b["html"]   # rebased from sub/
    path, _, frag = b["url"].partition("#")
    assert path == "sub/ch2.html" and f'id="{frag}"' in (out / path).read_text(encoding="utf-8")


def test_tiny_assets_only_on_the_drill_page(tiny):
    _, out = tiny
    page = (out / "drill.html").read_text(encoding="utf-8")
    crc = f'{zlib.crc32((out / "_static" / drill.DATA_JS).read_bytes()):08x}'
    assert f"{drill.DATA_JS}?v={crc}" in page          # written before the drill page's script tags
    assert 'id="tcpkit-drill"' in page
    for asset in (drill.DATA_JS, "tcpkit-drill.js", "tcpkit-drill.css"):
        assert asset in page
        assert asset not in (out / "ch1.html").read_text(encoding="utf-8")
        assert (out / "_static" / asset).is_file()
    assert "</script" not in (out / "_static" / drill.DATA_JS).read_text(encoding="utf-8")


def test_tiny_incremental_build_is_complete_and_builds_are_identical(tiny, tmp_path):
    src, out = tiny
    before = (out / "_static" / drill.DATA_JS).read_bytes()
    (src / "sub" / "ch2.rst").write_text(_CH2.replace("B 的答案", "B 的新答案"), encoding="utf-8")
    try:
        _build(src, out)   # only ch2 is rewritten; ch1's questions come from its pickled doctree
        data = _data(out)
        assert len(data["questions"]) == 5
        # the drill page was rewritten too, its script tag carries the new file's checksum
        crc = f'{zlib.crc32((out / "_static" / drill.DATA_JS).read_bytes()):08x}'
        assert f"{drill.DATA_JS}?v={crc}" in (out / "drill.html").read_text(encoding="utf-8")
        assert "B 的新答案" in next(q["html"] for q in data["questions"] if q["title"] == "为什么 B?")
    finally:
        (src / "sub" / "ch2.rst").write_text(_CH2, encoding="utf-8")
    other = tmp_path / "again"
    _build(src, other)
    assert (other / "_static" / drill.DATA_JS).read_bytes() == before


# ---------------------------------------------------------------------------
# numeric pool
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pool():
    return numeric_pool()


def _by_kind(pool, kind):
    return [p for p in pool if p["kind"] == kind]


def _answers(inst):
    return [f["answer"] for f in inst["fields"]]


def test_pool_size_ids_and_determinism(pool):
    assert len(pool) >= 200
    counts = pool_counts(pool)
    assert set(counts) == set(KINDS) and all(n >= 20 for n in counts.values())
    assert len({p["id"] for p in pool}) == len(pool)
    assert json.dumps(pool, sort_keys=True) == json.dumps(numeric_pool(), sort_keys=True)
    for p in pool:
        assert p["q"] and p["steps"] and p["fields"] and p["kind_label"] == KINDS[p["kind"]]
        for f in p["fields"]:
            assert math.isfinite(f["answer"]) and f["tol"] >= 0 and f["label"]
        assert re.search(r"[\u4e00-\u9fff]", p["q"])
    # the questions differ (not 300 copies of one)
    assert len({p["q"] for p in pool}) == len(pool)


def _rfc6298(rtts):
    srtt = var = None
    rto = 1.0
    for r in rtts:
        if srtt is None:
            srtt, var = r, r / 2
        else:
            var = 0.75 * var + 0.25 * abs(srtt - r)
            srtt = 0.875 * srtt + 0.125 * r
        rto = min(max(srtt + max(0.001, 4 * var), 1.0), 60.0)
    return rto


def test_rto_answers_recomputed(pool):
    rto = _by_kind(pool, "rto")
    rfc = [p for p in rto if p["params"]["flavor"] == "rfc6298"]
    lx = [p for p in rto if p["params"]["flavor"] == "linux"]
    assert len(rfc) >= 30 and len(lx) >= 20
    for p in rfc:
        want = _rfc6298([r / 1000 for r in p["params"]["rtts_ms"]])
        assert _answers(p)[0] == pytest.approx(want, abs=1e-6), p["id"]
    assert any(_answers(p)[0] > 1.0 for p in rfc) and any(_answers(p)[0] == 1.0 for p in rfc)
    for p in lx:
        rtts = [r / 1000 for r in p["params"]["rtts_ms"]]
        if len(rtts) == 1:   # first sample: RTO = m + max(2m, 200 ms) (tcp_rtt_estimator, __tcp_set_rto)
            assert _answers(p)[0] == pytest.approx(rtts[0] + max(2 * rtts[0], 0.2), abs=1e-6)
        assert _answers(p)[0] >= 0.2 + min(rtts) * 0.5


def _syn_give_up(n, linear):
    budget = (2 ** (n + 1) - 1) * 1.0 if n <= 6 else 127.0 + (n - 6) * 120.0
    rto, t, sent = 1.0, 0.0, 0
    while True:
        t += rto
        if sent >= n + linear or t >= budget:
            return t, sent
        sent += 1
        if sent > linear:
            rto = min(2 * rto, 120.0)


def test_syn_answers_recomputed(pool):
    syn = _by_kind(pool, "syn")
    for p in syn:
        t, sent = _syn_give_up(p["params"]["retries"], p["params"]["linear"])
        assert _answers(p) == [pytest.approx(t), sent], p["id"]
    classic6 = next(p for p in syn if p["params"] == {"retries": 6, "linear": 0})
    assert _answers(classic6) == [127.0, 6]      # ip-sysctl.rst: 127 s for tcp_syn_retries = 6
    new6 = next(p for p in syn if p["params"] == {"retries": 6, "linear": 4})
    assert _answers(new6) == [131.0, 10]          # Linux >= 6.5 defaults


def _reno_rounds(algo, cwnd, ss, rounds, events):
    for r in range(1, rounds + 1):
        ev = events.get(str(r))
        if ev is None:
            if cwnd < ss:
                acked = cwnd
                room = ss - cwnd
                if acked <= room:
                    cwnd += acked
                    continue
                cwnd, acked = ss, acked - room
                cwnd += acked / cwnd
            else:
                cwnd += 1
        elif ev[0] == "rto":
            ss, cwnd = max(cwnd / 2, 2), 1.0
        else:
            halvings = ev[1] if algo == "reno" else 1
            for _ in range(halvings):
                ss = max(cwnd / 2, 2)
                cwnd = ss
    return cwnd, ss


def test_cwnd_answers_recomputed(pool):
    cw = _by_kind(pool, "cwnd")
    algos = {p["params"]["algo"] for p in cw}
    assert algos == {"reno", "newreno", "cubic"}
    for p in cw:
        pr = p["params"]
        if pr["algo"] == "cubic":
            continue
        want = _reno_rounds(pr["algo"], float(pr["cwnd"]), float(pr["ssthresh"]), pr["rounds"], pr["events"])
        assert _answers(p) == [pytest.approx(want[0], abs=1e-6), pytest.approx(want[1], abs=1e-6)], p["id"]
    # several losses in one window: Reno halves once per loss, NewReno once per window
    multi = [p for p in cw if p["params"]["algo"] in ("reno", "newreno")
             and any(e[0] == "dup" and e[1] > 1 for e in p["params"]["events"].values())]
    assert len(multi) >= 10
    strict = 0
    for p in multi:
        pr = p["params"]
        events = {int(k): tuple(v) for k, v in pr["events"].items()}
        reno = cwnd_rounds("reno", pr["cwnd"], pr["ssthresh"], pr["rounds"], events)[-1][0]
        newreno = cwnd_rounds("newreno", pr["cwnd"], pr["ssthresh"], pr["rounds"], events)[-1][0]
        assert reno <= newreno + 1e-9, p["id"]
        strict += reno < newreno - 1e-9
    assert strict >= 5


def test_cubic_rounds_follow_rfc9438_shape(pool):
    for p in (x for x in _by_kind(pool, "cwnd") if x["params"]["algo"] == "cubic"):
        pr = p["params"]
        events = {int(k): tuple(v) for k, v in pr["events"].items()}
        hist = cwnd_rounds("cubic", pr["cwnd"], pr["ssthresh"], pr["rounds"], events)
        prev = (float(pr["cwnd"]), float(pr["ssthresh"]))
        for r, (c, s) in enumerate(hist, 1):
            ev = events.get(r)
            if ev and ev[0] == "dup":
                assert s == pytest.approx(max(0.7 * prev[0], 2)) and c == pytest.approx(s)   # §4.6
            elif ev:
                assert c == 1.0 and s == pytest.approx(max(0.7 * prev[0], 2))                # §4.8
            elif prev[0] >= prev[1]:
                assert prev[0] <= c <= 1.5 * prev[0] + 1e-9                                  # §4.4 clamp
            prev = (c, s)
        assert _answers(p) == [pytest.approx(hist[-1][0], abs=1e-6), pytest.approx(hist[-1][1], abs=1e-6)]


def test_cookie_answers_recomputed(pool):
    msstab = (536, 1300, 1440, 1460)
    ck = _by_kind(pool, "cookie")
    ages = set()
    for p in ck:
        pr = p["params"]
        stripped = (pr["cookie"] - pr["h0"] - pr["isn"]) % 2**32
        age = (pr["now"] - (stripped >> 24)) & 0xFF
        assert age in (0, 1)
        ages.add(age)
        h1 = pr["h1_now"] if age == 0 else pr["h1_prev"]
        idx = (stripped - h1) & 0xFFFFFF
        assert idx < 4
        assert _answers(p) == [pr["now"] - age, msstab[idx]], p["id"]
        assert f"{pr['cookie']:#010x}" in p["q"] and f"{pr['h0']:#010x}" in p["q"]
    assert ages == {0, 1}


def test_ports_answers_recomputed(pool):
    pts = _by_kind(pool, "ports")
    rate_qs = [p for p in pts if "dest" in p["params"]]
    time_qs = [p for p in pts if "rate" in p["params"]]
    assert len(rate_qs) >= 20 and len(time_qs) >= 10
    for p in rate_qs:
        pr = p["params"]
        reuse = pr["tw_reuse"] == 1 or (pr["tw_reuse"] == 2 and pr["loopback"])
        hold = pr["life"] + (1.0 if reuse else 60.0)
        want = (pr["hi"] - pr["lo"] + 1) * pr["dest"] / hold
        assert _answers(p)[0] == pytest.approx(want, abs=1e-5), p["id"]
    for p in time_qs:
        pr = p["params"]
        t = (pr["hi"] - pr["lo"] + 1) / pr["rate"]
        assert t < 60
        assert abs(_answers(p)[0] - t) <= p["fields"][0]["tol"], p["id"]   # a hand answer is accepted


# ---------------------------------------------------------------------------
# the built book
# ---------------------------------------------------------------------------
def _key(text: str) -> str:
    """Compare headings ignoring spaces, case and punctuation (the notes' typo 'tcptwreuse' included)."""
    return re.sub(r"[\W_]+", "", text).lower()


@pytest.mark.book
def test_built_book_has_every_seed_question(built_book):
    js = (built_book / "_static" / drill.DATA_JS).read_text(encoding="utf-8")
    data = json.loads(js[len("window.TCPKIT_DRILL = "):-2])
    have = {_key(q["title"]) for q in data["questions"]}
    parts = {"基本概念", "TCP 连接", "TCP 传输", "UDP"}
    missing = [h for h in SEED_HEADINGS if h not in parts and _key(h) not in have]
    assert missing == []
    assert len(data["questions"]) >= 72
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert set(data["parts"]) <= {p["caption"] for p in toc["parts"]}
    drill_dir = (built_book / "book").resolve()
    for q in data["questions"]:
        assert q["html"].startswith("<p>") and len(q["html"]) > 20, q["title"]
        path, _, frag = q["url"].partition("#")
        page = (drill_dir / path).resolve()
        assert page.is_file(), q["url"]
        if frag:
            assert f'id="{frag}"' in page.read_text(encoding="utf-8"), q["url"]
        for href in re.findall(r'href="([^"#:]+)[^"]*"', q["html"]):
            assert (drill_dir / href).resolve().is_file(), (q["title"], href)
    assert len(data["numeric"]) >= 200
    drill_page = (built_book / "book" / "drill.html").read_text(encoding="utf-8")
    assert drill.DATA_JS in drill_page and "面试自测" in drill_page
