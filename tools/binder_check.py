"""Repeat Binder's (repo2docker's) install of this repository in a fresh venv, then check it.

    .venv/bin/python tools/binder_check.py [--worktree] [--keep] [--json report.json]

What repo2docker does for this repository (no ``binder/`` folder, root files),
and what this script repeats, in order:

1. ``runtime.txt`` (``python-3.11``) picks the interpreter: a fresh
   ``python3.11 -m venv`` here (repo2docker: the kernel env is the server env).
2. the repository content is the COMMITTED tree (repo2docker clones a ref):
   ``git archive HEAD``; ``--worktree`` copies the working tree instead.
3. ``pip install --no-cache-dir -r requirements.txt`` run in the repository folder.
4. a root ``pyproject.toml`` with ``[project]`` and ``[build-system]`` (or a
   ``setup.py``) and no binder folder: ``pip install --no-cache-dir .``.
5. ``postBuild`` is executed (``./postBuild``, cwd = the repository) with the
   venv first on PATH and ``HOME`` a fresh home, like the ``jovyan`` user.

Then it checks what a reader needs:

* ``jupyter labextension list`` shows ``@jupyter-widgets/jupyterlab-manager``
  enabled, and ipywidgets 8 / jupyterlab_widgets 3 are installed together;
* postBuild's ``jupytext-config set-default-viewer`` wrote
  ``$HOME/.jupyter/labconfig/default_setting_overrides.json`` and a JupyterLab
  started from that venv really serves it (the docmanager plugin's
  ``defaultViewers`` default for markdown is "Jupytext Notebook");
* every chapter in ``_toc.yml`` runs top to bottom (jupytext + nbclient inside
  that venv, its own ``python3`` kernel) with no error and no stderr (also not
  inside widget state).

Exit status 0 only if every check passed. Network: pip uses the configured
package index; the Lab server binds to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Runs inside the Binder venv: execute each chapter like a reader's "Run All".
EXECUTE = r"""
import json, sys, time
from pathlib import Path
import jupytext
from nbclient import NotebookClient

def widget_stderr(nb):
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    bad = []
    for mid, model in state.items():
        for out in model.get("state", {}).get("outputs", []) or []:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                bad.append(f"widget {mid} stderr: {out.get('text', '')[:300]}")
            if out.get("output_type") == "error":
                bad.append(f"widget {mid} error: {out.get('ename')}: {out.get('evalue')}")
    return bad

results = []
for page in sys.argv[1:]:
    page = Path(page)
    problems = []
    t0 = time.perf_counter()
    try:
        nb = jupytext.read(page)
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(page.parent)}}).execute()
    except Exception as exc:
        problems.append(f"execution failed: {type(exc).__name__}: {str(exc)[-1500:]}")
        nb = None
    if nb is not None:
        for i, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    problems.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    problems.append(f"cell {i} stderr: {out.get('text', '')[:300]}")
        problems += widget_stderr(nb)
    results.append({"page": str(page), "seconds": round(time.perf_counter() - t0, 2), "problems": problems})
    print(json.dumps(results[-1], ensure_ascii=False), flush=True)
"""


class Report:
    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self.problems: list[str] = []
        self.info: dict[str, Any] = {}

    def step(self, name: str, t0: float) -> None:
        self.steps[name] = round(time.perf_counter() - t0, 1)
        print(f"[binder] {name}: {self.steps[name]} s", flush=True)

    def fail(self, msg: str) -> None:
        print(f"[binder] PROBLEM: {msg}", flush=True)
        self.problems.append(msg)


def clean_env(venv: Path, home: Path) -> dict[str, str]:
    """The environment of the jovyan user: venv first on PATH, a fresh HOME, no Jupyter overrides."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "IPYTHON", "PYTHON", "VIRTUAL_ENV", "CONDA"))}
    env.update(HOME=str(home), PATH=f"{venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
               VIRTUAL_ENV=str(venv), PYTHONNOUSERSITE="1", MPLBACKEND="Agg")
    return env


def run(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    print(f"[binder] $ {' '.join(cmd)}", flush=True)
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def python_for(runtime: str) -> str:
    m = re.fullmatch(r"python-(\d+)\.(\d+)(?:[.-].*)?", runtime.strip())
    if not m:
        raise SystemExit(f"runtime.txt says {runtime!r}; repo2docker expects python-X.Y")
    exe = shutil.which(f"python{m.group(1)}.{m.group(2)}")
    if not exe:
        raise SystemExit(f"runtime.txt asks for {runtime}; python{m.group(1)}.{m.group(2)} is not installed here")
    return exe


def copy_repo(dest: Path, worktree: bool) -> str:
    dest.mkdir(parents=True)
    if worktree:
        files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split("\0")
        for f in filter(None, files):
            src = ROOT / f
            if src.is_file():
                (dest / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / f)
        return "working tree"
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryFile() as fh:
        subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, stdout=fh, check=True)
        fh.seek(0)
        with tarfile.open(fileobj=fh) as tar:
            tar.extractall(dest, filter="data")
    return rev


def is_python_package(repo: Path) -> bool:
    if (repo / "setup.py").is_file():
        return True
    pp = repo / "pyproject.toml"
    if not pp.is_file():
        return False
    data = tomllib.loads(pp.read_text(encoding="utf-8"))
    return "project" in data and "build-system" in data


def toc_pages(repo: Path) -> list[Path]:
    import yaml

    toc = yaml.safe_load((repo / "_toc.yml").read_text(encoding="utf-8"))
    names: list[str] = [toc["root"]]

    def walk(entries: list[dict[str, Any]]) -> None:
        for e in entries or []:
            if "file" in e:
                names.append(e["file"])
            walk(e.get("sections", []))
            walk(e.get("chapters", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    pages = []
    for n in names:
        for ext in (".md", ".ipynb"):
            if (repo / f"{n}{ext}").is_file():
                pages.append(repo / f"{n}{ext}")
                break
    return pages


def is_notebook(page: Path) -> bool:
    if page.suffix == ".ipynb":
        return True
    head = page.read_text(encoding="utf-8")[:2000]
    return "kernelspec" in head or "format_name: myst" in head


def lab_default_viewer(venv: Path, repo: Path, env: dict[str, str], rep: Report) -> None:
    """Start JupyterLab from the Binder venv and read the docmanager settings it serves."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    cmd = [str(venv / "bin" / "jupyter-lab"), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0", "--LabApp.extension_manager=readonly",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = repo.parent / "lab.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=repo, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                rep.fail(f"jupyter lab from the Binder venv exited {proc.returncode}: {log.read_text(errors='replace')[-1500:]}")
                return
            try:
                req = urllib.request.Request(base + "lab/api/settings/@jupyterlab/docmanager-extension:plugin",
                                             headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(req, timeout=10) as r:
                    settings = json.loads(r.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    rep.fail("jupyter lab from the Binder venv did not answer in 90 s")
                    return
                time.sleep(0.5)
        viewers = settings.get("schema", {}).get("properties", {}).get("defaultViewers", {}).get("default", {})
        rep.info["lab_default_viewers"] = viewers
        for kind in ("markdown", "myst"):
            if viewers.get(kind) != "Jupytext Notebook":
                rep.fail(f"JupyterLab from the Binder venv does not open {kind} files as notebooks "
                         f"(defaultViewers={viewers}); postBuild must run `jupytext-config set-default-viewer`")
        factories = (settings.get("schema", {}).get("properties", {}))
        rep.info["lab_settings_keys"] = sorted(factories)[:20]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worktree", action="store_true", help="use the working tree, not the committed HEAD")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--no-execute", action="store_true", help="skip running the chapters")
    ap.add_argument("--json", type=Path, help="write the report here")
    args = ap.parse_args(argv)

    rep = Report()
    t_all = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="tcpkit-binder-"))
    repo, venv, home = tmp / "repo", tmp / "venv", tmp / "home"
    home.mkdir()
    try:
        t0 = time.perf_counter()
        rep.info["content"] = copy_repo(repo, args.worktree)
        rep.step("copy repository", t0)
        bdirs = [d for d in ("binder", ".binder") if (repo / d).is_dir()]
        if len(bdirs) > 1:
            rep.fail("both binder/ and .binder/ exist: repo2docker refuses that")
            return 1
        conf = repo / bdirs[0] if bdirs else repo
        rep.info["config_dir"] = str(conf.relative_to(repo)) or "."
        runtime = (conf / "runtime.txt").read_text(encoding="utf-8") if (conf / "runtime.txt").is_file() else "python-3.10"
        rep.info["runtime"] = runtime.strip()

        t0 = time.perf_counter()
        subprocess.run([python_for(runtime), "-m", "venv", str(venv)], check=True)
        env = clean_env(venv, home)
        rep.step("create venv", t0)
        pip = str(venv / "bin" / "pip")

        if (conf / "requirements.txt").is_file():
            t0 = time.perf_counter()
            p = run([pip, "install", "--no-cache-dir", "-r", str(conf / "requirements.txt")], cwd=repo, env=env)
            rep.step("pip install -r requirements.txt", t0)
            if p.returncode:
                rep.fail(f"pip install -r requirements.txt failed:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
                return 1
        if not bdirs and is_python_package(repo):
            t0 = time.perf_counter()
            p = run([pip, "install", "--no-cache-dir", "."], cwd=repo, env=env)
            rep.step("pip install .", t0)
            if p.returncode:
                rep.fail(f"pip install . failed:\n{p.stderr[-2000:]}")
                return 1
        post = conf / "postBuild"
        if post.is_file():
            t0 = time.perf_counter()
            post.chmod(0o755)
            p = run([f"./{post.relative_to(repo)}"], cwd=repo, env=env, timeout=900)
            rep.step("postBuild", t0)
            rep.info["postBuild_output"] = (p.stdout + p.stderr)[-1000:]
            if p.returncode:
                rep.fail(f"postBuild failed ({p.returncode}):\n{p.stdout[-1500:]}\n{p.stderr[-1500:]}")

        # -- checks ----------------------------------------------------------
        t0 = time.perf_counter()
        p = run([str(venv / "bin" / "jupyter"), "labextension", "list"], cwd=repo, env=env)
        listing = re.sub(r"\x1b\[[0-9;]*m", "", p.stdout + p.stderr)  # no colours
        rep.info["labextensions"] = [ln.strip() for ln in listing.splitlines() if "enabled" in ln]
        if not re.search(r"@jupyter-widgets/jupyterlab-manager\s+v?[\d.]+\s+enabled\s+OK", listing):
            rep.fail(f"@jupyter-widgets/jupyterlab-manager is not an enabled lab extension:\n{listing[-1500:]}")
        if not re.search(r"jupyterlab-jupytext\s+v?[\d.]+\s+enabled\s+OK", listing):
            rep.fail("the jupytext lab extension (jupyterlab-jupytext) is not enabled")
        p = run([str(venv / "bin" / "python"), "-c",
                 "import ipywidgets, jupyterlab_widgets, jupyterlab, jupytext, tcpkit, matplotlib;"
                 "print(ipywidgets.__version__, jupyterlab_widgets.__version__, jupyterlab.__version__, jupytext.__version__)"],
                cwd=home, env=env)
        if p.returncode:
            rep.fail(f"a reader's import fails in the Binder venv:\n{p.stderr[-1500:]}")
        else:
            ipyw, jlw, jl, jt = p.stdout.split()
            rep.info["versions"] = {"ipywidgets": ipyw, "jupyterlab_widgets": jlw, "jupyterlab": jl, "jupytext": jt}
            if not (ipyw.startswith("8.") and jlw.startswith("3.")):
                rep.fail(f"ipywidgets {ipyw} with jupyterlab_widgets {jlw}: they must be 8.x with 3.x")
        overrides = home / ".jupyter" / "labconfig" / "default_setting_overrides.json"
        rep.info["labconfig"] = str(overrides.relative_to(tmp))
        if not overrides.is_file():
            found = [str(f.relative_to(tmp)) for f in tmp.rglob("default_setting_overrides.json") if "site-packages" not in str(f)]
            rep.fail(f"postBuild did not write {overrides.relative_to(tmp)} (found: {found})")
        lab_default_viewer(venv, repo, env, rep)
        rep.step("checks: lab extensions, versions, jupytext default viewer", t0)

        if not args.no_execute:
            pages = [p for p in toc_pages(repo) if is_notebook(p)]
            rep.info["chapters"] = len(pages)
            t0 = time.perf_counter()
            p = subprocess.run([str(venv / "bin" / "python"), "-c", EXECUTE, *map(str, pages)], cwd=repo, env=env,
                               capture_output=True, text=True, timeout=7200)
            rep.step("execute every chapter", t0)
            per_page = []
            for line in p.stdout.splitlines():
                if line.startswith("{"):
                    r = json.loads(line)
                    r["page"] = str(Path(r["page"]).relative_to(repo))
                    per_page.append(r)
                    for prob in r["problems"]:
                        rep.fail(f"{r['page']}: {prob}")
            rep.info["chapter_seconds"] = {r["page"]: r["seconds"] for r in per_page}
            if p.returncode or len(per_page) != len(pages):
                rep.fail(f"the chapter runner stopped ({p.returncode}) after {len(per_page)}/{len(pages)} pages:\n"
                         f"{p.stderr[-2000:]}")
    finally:
        rep.steps["total"] = round(time.perf_counter() - t_all, 1)
        report = {"ok": not rep.problems, "steps_seconds": rep.steps, "problems": rep.problems, **rep.info}
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({k: report[k] for k in ("ok", "steps_seconds", "problems")}, ensure_ascii=False, indent=2))
        if args.keep:
            print(f"[binder] kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if not rep.problems else 1


if __name__ == "__main__":
    sys.exit(main())
