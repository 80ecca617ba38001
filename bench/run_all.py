"""Run every benchmark in bench/ and print ONE table, targets beside the figures.

    .venv/bin/python bench/run_all.py            # all modules, including the book builds (minutes)
    .venv/bin/python bench/run_all.py --no-book  # skip bench_book's two full builds (import time still runs)
    .venv/bin/python bench/run_all.py --only congestion,udp

Every ``bench/bench_*.py`` defines ``run() -> list[Row]`` (see ``bench/_util.py``).
A module that fails to import or to run becomes an ERROR row; the table is
still printed. Exit status: 0 if every row met its target, 1 otherwise
(``--no-fail`` always exits 0). The table is also written to
``bench/results/latest.txt`` and ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
if str(HERE.parent) not in sys.path:
    sys.path.insert(1, str(HERE.parent))

from _util import Row  # noqa: E402


def modules() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def _error_row(module: str, stage: str, exc: BaseException) -> Row:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return Row(f"{module}: {stage} FAILED: {last}"[:160], math.nan, "", "runs without error", False)


def run_module(name: str, *, book: bool) -> tuple[list[Any], float]:
    t0 = time.perf_counter()
    try:
        mod = importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001 - a broken module is a row, not a crash
        if isinstance(exc, KeyboardInterrupt):
            raise
        return [_error_row(name, "import", exc)], time.perf_counter() - t0
    try:
        if name == "bench_book":
            rows = list(mod.run(build=book))
        else:
            rows = list(mod.run())
        if not rows:
            rows = [Row(f"{name}: run() returned no rows", math.nan, "", "at least one row", False)]
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        traceback.print_exc(file=sys.stderr)
        rows = [_error_row(name, "run()", exc)]
    return rows, time.perf_counter() - t0


def _fmt_value(r: Any) -> str:
    v = getattr(r, "value", math.nan)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "ERROR" if "FAILED" in r.name else "-"
    return f"{v:,.1f} {r.unit}" if abs(v) < 1e4 else f"{v:,.0f} {r.unit}"


def table(results: list[tuple[str, Any]]) -> str:
    w = max([60] + [len(r.name) for _, r in results])
    w = min(w, 90)
    head = f"{'module':<12} {'measurement':<{w}} {'median':>14} {'p95':>9}  {'target':<24} ok"
    lines = [head, "-" * len(head)]
    for mod, r in results:
        p95 = f"{r.p95:.1f}" if getattr(r, "p95", None) is not None else "-"
        name = r.name if len(r.name) <= w else r.name[: w - 1] + "…"
        lines.append(f"{mod.removeprefix('bench_'):<12} {name:<{w}} {_fmt_value(r):>14} {p95:>9}  "
                     f"{r.target:<24} {'yes' if r.ok else 'NO'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-book", action="store_true", help="skip the clean/cached book builds (they take minutes)")
    ap.add_argument("--only", default="", help="comma-separated module names (congestion,udp or bench_udp)")
    ap.add_argument("--no-fail", action="store_true", help="exit 0 even if some rows miss their target")
    args = ap.parse_args(argv)

    names = modules()
    if args.only:
        want = {n if n.startswith("bench_") else f"bench_{n}" for n in args.only.split(",") if n}
        unknown = want - set(names)
        if unknown:
            print(f"no such benchmark module(s): {sorted(unknown)}; have {names}", file=sys.stderr)
            return 2
        names = [n for n in names if n in want]

    results: list[tuple[str, Any]] = []
    durations: dict[str, float] = {}
    for name in names:
        print(f"[bench] {name} …", file=sys.stderr, flush=True)
        rows, dt = run_module(name, book=not args.no_book)
        durations[name] = dt
        results += [(name, r) for r in rows]

    text = table(results)
    misses = [(m, r) for m, r in results if not r.ok]
    out = [text, ""]
    if misses:
        out.append(f"{len(misses)} of {len(results)} rows miss their target:")
        out += [f"  - [{m.removeprefix('bench_')}] {r.name}: {_fmt_value(r)} (target {r.target})" for m, r in misses]
    else:
        out.append(f"all {len(results)} rows meet their target")
    out.append("module run time: " + ", ".join(f"{k.removeprefix('bench_')} {v:.0f} s" for k, v in durations.items()))
    report = "\n".join(out)
    print(report)

    res = HERE / "results"
    res.mkdir(exist_ok=True)
    (res / "latest.txt").write_text(report + "\n", encoding="utf-8")
    rows_json = [{"module": m, "name": r.name, "value": None if isinstance(r.value, float) and math.isnan(r.value) else r.value,
                  "unit": r.unit, "p95": getattr(r, "p95", None), "target": r.target, "ok": bool(r.ok)} for m, r in results]
    (res / "latest.json").write_text(json.dumps({"rows": rows_json, "module_seconds": durations},
                                                ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0 if (args.no_fail or not misses) else 1


if __name__ == "__main__":
    sys.exit(main())
