/* 面试自测: one question at a time, answer folded, marks in localStorage, state in the URL hash.
 * Data: window.TCPKIT_DRILL (written at build time by tools/drill.py). No network, no libraries.
 * Hash: #mode=qa|num & part=<part caption> & kind=<numeric kind> & only=1 & q=<id> & open=1
 */
(function () {
  "use strict";
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  function start() {
    var STORE = "tcpkit-drill:v1";
    var data = window.TCPKIT_DRILL;
    var root = document.getElementById("tcpkit-drill");
    if (!root || !data) { return; }

    // ---------------------------------------------------------------- progress
    function load() {
      try {
        var v = JSON.parse(window.localStorage.getItem(STORE) || "{}");
        if (v && typeof v.marks === "object" && v.marks) { return v; }
      } catch (e) { /* unreadable or blocked storage: start empty */ }
      return { marks: {} };
    }
    var progress = load();
    function save() {
      try { window.localStorage.setItem(STORE, JSON.stringify(progress)); } catch (e) { /* private mode */ }
    }
    function mark(id) { return progress.marks[id] || ""; }

    // ---------------------------------------------------------------- state
    var byId = {};
    data.questions.forEach(function (q) { byId[q.id] = q; });
    data.numeric.forEach(function (q) { byId[q.id] = q; });
    var parts = data.parts.filter(function (p) {
      return data.questions.some(function (q) { return q.part === p; });
    });
    var state = { mode: "qa", part: "", kind: "", only: false, q: "", open: false };

    function parseHash() {
      var s = { mode: "qa", part: "", kind: "", only: false, q: "", open: false };
      var h = window.location.hash.replace(/^#/, "");
      h.split("&").forEach(function (kv) {
        var i = kv.indexOf("=");
        if (i < 0) { return; }
        var k = kv.slice(0, i), v;
        try { v = decodeURIComponent(kv.slice(i + 1)); } catch (e) { return; }
        if (k === "mode" && (v === "qa" || v === "num")) { s.mode = v; }
        else if (k === "part" && parts.indexOf(v) >= 0) { s.part = v; }
        else if (k === "kind" && Object.prototype.hasOwnProperty.call(data.kinds, v)) { s.kind = v; }
        else if (k === "only") { s.only = v === "1"; }
        else if (k === "q" && byId[v]) { s.q = v; }
        else if (k === "open") { s.open = v === "1"; }
      });
      if (s.q) { s.mode = byId[s.q].kind ? "num" : "qa"; }
      return s;
    }
    function writeHash() {
      var kv = ["mode=" + state.mode];
      if (state.mode === "qa" && state.part) { kv.push("part=" + encodeURIComponent(state.part)); }
      if (state.mode === "num" && state.kind) { kv.push("kind=" + encodeURIComponent(state.kind)); }
      if (state.only) { kv.push("only=1"); }
      if (state.q) { kv.push("q=" + encodeURIComponent(state.q)); }
      if (state.open) { kv.push("open=1"); }
      var url = window.location.pathname + window.location.search + "#" + kv.join("&");
      window.history.replaceState(null, "", url);
    }

    function scope() {
      if (state.mode === "qa") {
        return data.questions.filter(function (q) { return !state.part || q.part === state.part; });
      }
      return data.numeric.filter(function (q) { return !state.kind || q.kind === state.kind; });
    }
    function pool() {
      return scope().filter(function (q) { return !state.only || mark(q.id) !== "ok"; });
    }
    function draw() {
      var p = pool();
      if (p.length > 1 && state.q) { p = p.filter(function (q) { return q.id !== state.q; }); }
      state.q = p.length ? p[Math.floor(Math.random() * p.length)].id : "";
      state.open = false;
      writeHash();
      render();
    }

    // ---------------------------------------------------------------- DOM helpers
    function el(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) { e.className = cls; }
      if (text !== undefined) { e.textContent = text; }
      return e;
    }
    function button(cls, text) {
      var b = el("button", cls, text);
      b.type = "button";
      return b;
    }

    // ---------------------------------------------------------------- skeleton
    root.textContent = "";
    var tabs = el("div", "td-tabs");
    tabs.setAttribute("role", "tablist");
    var tabQa = button("td-tab td-tab-qa", "问答题（" + data.questions.length + "）");
    var tabNum = button("td-tab td-tab-num", "计算题（" + data.numeric.length + "）");
    [tabQa, tabNum].forEach(function (t) { t.setAttribute("role", "tab"); tabs.appendChild(t); });

    var controls = el("div", "td-controls");
    var scopeLabel = el("label", "td-scope-label");
    var scopeText = el("span", "", "范围");
    var scopeSel = el("select", "td-scope");
    scopeLabel.appendChild(scopeText);
    scopeLabel.appendChild(scopeSel);
    var onlyLabel = el("label", "td-only-label");
    var only = el("input", "td-only");
    only.type = "checkbox";
    onlyLabel.appendChild(only);
    onlyLabel.appendChild(el("span", "", "只抽没掌握的"));
    var drawBtn = button("td-draw", "抽一题");
    controls.appendChild(scopeLabel);
    controls.appendChild(onlyLabel);
    controls.appendChild(drawBtn);

    var progressLine = el("p", "td-progress");
    progressLine.setAttribute("aria-live", "polite");
    var card = el("div", "td-card");
    var empty = el("p", "td-empty");
    var footer = el("div", "td-footer");
    var resetBtn = button("td-reset", "清除全部进度");
    footer.appendChild(resetBtn);
    [tabs, controls, progressLine, card, empty, footer].forEach(function (n) { root.appendChild(n); });

    function fillScope() {
      scopeSel.textContent = "";
      var all = el("option", "", state.mode === "qa" ? "全部部分" : "全部题型");
      all.value = "";
      scopeSel.appendChild(all);
      if (state.mode === "qa") {
        parts.forEach(function (p) {
          var n = data.questions.filter(function (q) { return q.part === p; }).length;
          var o = el("option", "", p + "（" + n + "）");
          o.value = p;
          scopeSel.appendChild(o);
        });
        scopeSel.value = state.part;
      } else {
        Object.keys(data.kinds).forEach(function (k) {
          var n = data.numeric.filter(function (q) { return q.kind === k; }).length;
          var o = el("option", "", data.kinds[k] + "（" + n + "）");
          o.value = k;
          scopeSel.appendChild(o);
        });
        scopeSel.value = state.kind;
      }
      scopeText.textContent = state.mode === "qa" ? "部分" : "题型";
    }

    // ---------------------------------------------------------------- card
    var STATUS = { ok: "会", no: "不会", "": "未标记" };
    function markRow(q) {
      var row = el("div", "td-row td-mark");
      var know = button("td-know", "会");
      var dont = button("td-dont", "不会");
      var status = el("span", "td-status");
      function paint() {
        var m = mark(q.id);
        know.setAttribute("aria-pressed", String(m === "ok"));
        dont.setAttribute("aria-pressed", String(m === "no"));
        status.textContent = "当前：" + STATUS[m];
      }
      know.addEventListener("click", function () { setMark(q.id, "ok"); paint(); });
      dont.addEventListener("click", function () { setMark(q.id, "no"); paint(); });
      paint();
      row.appendChild(know);
      row.appendChild(dont);
      row.appendChild(status);
      var next = button("td-next", "下一题");
      next.addEventListener("click", draw);
      row.appendChild(next);
      return row;
    }
    function setMark(id, m) {
      progress.marks[id] = m;
      save();
      renderProgress();
    }

    function qaCard(q) {
      card.appendChild(el("p", "td-meta", q.part + " · " + q.chapter));
      card.appendChild(el("h2", "td-title", q.title));
      var reveal = button("td-reveal", "");
      var answer = el("div", "td-answer");
      answer.id = "td-answer";
      reveal.setAttribute("aria-controls", "td-answer");
      var body = el("div", "td-answer-body");
      body.innerHTML = q.html || "<p>（这一节没有可摘录的首段，请阅读全文。）</p>";
      answer.appendChild(body);
      var more = el("a", "td-more", "阅读全文：" + q.chapter + " › " + q.title);
      more.href = q.url;
      answer.appendChild(el("p", "")).appendChild(more);
      function paint() {
        answer.hidden = !state.open;
        reveal.textContent = state.open ? "收起答案" : "显示答案";
        reveal.setAttribute("aria-expanded", String(state.open));
        if (state.open && window.MathJax && window.MathJax.typesetPromise) {
          window.MathJax.typesetPromise([answer]).catch(function () { /* raw TeX stays readable */ });
        }
      }
      reveal.addEventListener("click", function () { state.open = !state.open; writeHash(); paint(); });
      paint();
      card.appendChild(reveal);
      card.appendChild(answer);
      card.appendChild(markRow(q));
    }

    function parseNumber(s) {
      s = String(s).trim().replace(/[\uff10-\uff19]/g, function (c) {
        return String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48);
      }).replace(/[\uff0e\u3002]/g, ".").replace(/[\s_]/g, "");
      if (/^0x[0-9a-f]+$/i.test(s)) { return parseInt(s, 16); }
      if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) { return parseFloat(s); }
      return NaN;
    }
    function fmt(x) {
      var r = Math.round(x * 10000) / 10000;
      return String(r);
    }

    function numCard(q) {
      card.appendChild(el("p", "td-meta", "计算题 · " + q.kind_label));
      card.appendChild(el("p", "td-title td-stem", q.q));
      var form = el("form", "td-form");
      var fields = el("div", "td-fields");
      var inputs = q.fields.map(function (f, i) {
        var lab = el("label", "");
        lab.appendChild(el("span", "", f.label + "："));
        var inp = el("input", "td-input");
        inp.type = "text";
        inp.setAttribute("inputmode", "decimal");
        inp.setAttribute("autocomplete", "off");
        inp.name = "f" + i;
        lab.appendChild(inp);
        if (f.unit) { lab.appendChild(el("span", "", f.unit)); }
        var res = el("span", "td-field-result");
        lab.appendChild(res);
        fields.appendChild(lab);
        return { input: inp, res: res, field: f };
      });
      form.appendChild(fields);
      var check = el("button", "td-check", "检查答案");
      check.type = "submit";
      var show = button("td-show-solution", "看解答");
      var row = el("div", "td-row");
      row.appendChild(check);
      row.appendChild(show);
      form.appendChild(row);
      var verdict = el("p", "td-verdict");
      verdict.setAttribute("aria-live", "polite");
      var sol = el("div", "td-solution");
      sol.appendChild(el("p", "", "解答："));
      var ol = el("ol", "");
      q.steps.forEach(function (s) { ol.appendChild(el("li", "", s)); });
      sol.appendChild(ol);
      sol.appendChild(el("p", "td-src", "出处：" + q.src));
      function paint() {
        sol.hidden = !state.open;
        show.textContent = state.open ? "收起解答" : "看解答";
      }
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var allRight = true, bad = false;
        inputs.forEach(function (it) {
          var x = parseNumber(it.input.value);
          if (isNaN(x)) { bad = true; allRight = false; it.res.textContent = "请输入数字"; it.res.className = "td-field-result td-no"; return; }
          var ok = Math.abs(x - it.field.answer) <= it.field.tol + 1e-9;
          if (!ok) { allRight = false; }
          it.res.textContent = ok ? "✓" : "✗ 正确答案 " + fmt(it.field.answer) + (it.field.unit ? " " + it.field.unit : "");
          it.res.className = "td-field-result " + (ok ? "td-ok" : "td-no");
        });
        if (bad && inputs.every(function (it) { return isNaN(parseNumber(it.input.value)); })) {
          verdict.textContent = "请先填写答案（数字，可以带小数点）。";
          verdict.className = "td-verdict";
          return;
        }
        if (allRight) {
          verdict.textContent = "回答正确！";
          verdict.className = "td-verdict td-right";
          setMark(q.id, "ok");
        } else {
          verdict.textContent = "不对，看看下面的解答。";
          verdict.className = "td-verdict td-wrong";
          setMark(q.id, "no");
          state.open = true;
          writeHash();
        }
        paint();
        var m = card.querySelector(".td-mark");
        if (m) { card.replaceChild(markRow(q), m); }
      });
      show.addEventListener("click", function () { state.open = !state.open; writeHash(); paint(); });
      paint();
      card.appendChild(form);
      card.appendChild(verdict);
      card.appendChild(sol);
      card.appendChild(markRow(q));
    }

    // ---------------------------------------------------------------- render
    function renderProgress() {
      var s = scope(), ok = 0, no = 0;
      s.forEach(function (q) { var m = mark(q.id); if (m === "ok") { ok++; } else if (m === "no") { no++; } });
      progressLine.textContent = "本范围共 " + s.length + " 题：会 " + ok + "，不会 " + no + "，未标记 " + (s.length - ok - no) + "。";
    }
    function render() {
      tabQa.setAttribute("aria-selected", String(state.mode === "qa"));
      tabNum.setAttribute("aria-selected", String(state.mode === "num"));
      fillScope();
      only.checked = state.only;
      renderProgress();
      card.textContent = "";
      var q = state.q ? byId[state.q] : null;
      if (q && (q.kind ? "num" : "qa") !== state.mode) { q = null; }
      empty.hidden = true;
      if (!q) {
        card.hidden = true;
        card.removeAttribute("data-id");
        empty.hidden = false;
        empty.textContent = pool().length
          ? "点“抽一题”开始。"
          : "这个范围里的题都标成“会”了。换个范围，或取消“只抽没掌握的”。";
        root.setAttribute("data-state", "ready");
        return;
      }
      card.hidden = false;
      card.setAttribute("data-id", q.id);
      if (state.mode === "qa") { qaCard(q); } else { numCard(q); }
      root.setAttribute("data-state", "ready");
    }

    // ---------------------------------------------------------------- events
    tabQa.addEventListener("click", function () { if (state.mode !== "qa") { state.mode = "qa"; state.q = ""; draw(); } });
    tabNum.addEventListener("click", function () { if (state.mode !== "num") { state.mode = "num"; state.q = ""; draw(); } });
    scopeSel.addEventListener("change", function () {
      if (state.mode === "qa") { state.part = scopeSel.value; } else { state.kind = scopeSel.value; }
      draw();
    });
    only.addEventListener("change", function () { state.only = only.checked; draw(); });
    drawBtn.addEventListener("click", draw);
    resetBtn.addEventListener("click", function () {
      if (window.confirm("确定清除全部“会/不会”标记吗？")) {
        progress = { marks: {} };
        save();
        render();
      }
    });
    window.addEventListener("hashchange", function () {
      state = parseHash();
      if (!state.q) { draw(); } else { render(); }
    });

    state = parseHash();
    if (!state.q) { draw(); } else { render(); }
  }
})();
