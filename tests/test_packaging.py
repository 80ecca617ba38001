"""One source for dependencies: requirements.txt (Binder) agrees with pyproject.toml."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT
from packaging.requirements import Requirement
from packaging.version import Version


def pins(path):
    out = {}
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and line != "." and not line.startswith("-"):
            r = Requirement(line)
            out[r.name.lower().replace("_", "-")] = r
    return out


def test_binder_requirements_satisfy_the_package_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    binder = pins("requirements.txt")
    for dep in project["dependencies"]:
        r = Requirement(dep)
        name = r.name.lower().replace("_", "-")
        assert name in binder, f"{name} is a tcpkit dependency but Binder's requirements.txt does not pin it"
        (pinned,) = [s.version for s in binder[name].specifier if s.operator == "=="]
        assert Version(pinned) in r.specifier, f"{name}=={pinned} violates pyproject's {r.specifier}"


def test_binder_installs_tcpkit_from_this_repo_and_no_build_tools():
    lines = [ln.split("#")[0].strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    assert "." in lines
    binder = pins("requirements.txt")
    assert not {"jupyter-book", "sphinx", "pytest", "playwright"} & set(binder)
    assert all(any(s.operator == "==" for s in r.specifier) for r in binder.values())


def test_runtime_and_postbuild_for_binder():
    assert re.fullmatch(r"python-3\.1[1-3]\n?", (ROOT / "runtime.txt").read_text())
    post = (ROOT / "postBuild").read_text()
    assert post.startswith("#!/bin/bash") and "set -e" in post and "jupytext-config set-default-viewer" in post


def test_dev_requirements_pin_jupyter_book_1x():
    dev = pins("requirements-dev.txt")
    (v,) = [s.version for s in dev["jupyter-book"].specifier]
    assert Version("1.0.4.post1") <= Version(v) < Version("2")


# -- layering: the models do no I/O; the live lab's socket doctests carry the kernel marker ----------

#: Modules a model (anything in tcpkit outside lab/, plot/, widgets/) must not import.
IO_OR_VIEW = {"socket", "threading", "subprocess", "select", "selectors", "tcpkit.lab", "tcpkit.plot",
              "tcpkit.widgets", "matplotlib", "ipywidgets", "myst_nb", "IPython"}


def _imports(path):
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = pkg.rsplit(".", node.level - 1)[0] if node.level else ""
            mod = ".".join(p for p in (base, node.module) if p)
            yield mod
            yield from (f"{mod}.{a.name}" for a in node.names)


def test_models_import_no_io_and_no_view():
    models = [p for p in sorted((ROOT / "tcpkit").rglob("*.py"))
              if p.relative_to(ROOT / "tcpkit").parts[0] not in ("lab", "plot", "widgets", "book_glue.py")]
    assert len(models) > 20
    bad = [(str(p.relative_to(ROOT)), name) for p in models for name in _imports(p)
           if name in IO_OR_VIEW or any(name.startswith(m + ".") for m in IO_OR_VIEW)]
    assert bad == []


def test_socket_doctests_of_the_lab_carry_the_kernel_marker():
    import subprocess
    import sys

    def collected(marker):
        out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", marker,
                              "-p", "no:randomly", "tcpkit/lab"], cwd=ROOT, capture_output=True, text=True).stdout
        return {ln.split("::")[0] for ln in out.splitlines() if "::" in ln}

    live, pure = collected("kernel"), collected("not kernel")
    assert {"tcpkit/lab/experiments.py", "tcpkit/lab/ports.py"} <= live
    assert {"tcpkit/lab/proc.py", "tcpkit/lab/predict.py"} <= pure
    assert not live & pure
