"""Fixtures for the browser tests: Chromium through Playwright, the built site on 127.0.0.1.

Environment:

* ``TCPKIT_SITE``   the built HTML book (default ``_build/html``); build it first (``make book``).
* ``TCPKIT_CHROMIUM`` the Chromium binary (default ``/usr/bin/chromium``, Debian's ``chromium``
  package; Playwright's own browser download is not used).

A missing Chromium or a missing site is a test FAILURE with the command that fixes it, never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
INSTALL_HINT = (
    "Chromium is needed for the browser tests. Install it with `sudo .ci/install-system.sh` "
    "(Debian/Ubuntu: `apt-get update && apt-get install -y chromium fonts-noto-cjk`), "
    "or point TCPKIT_CHROMIUM at a Chromium binary. Playwright's own browser download is not used."
)

if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))


def site_dir() -> Path:
    """The built HTML site the static tests look at."""
    return Path(os.environ.get("TCPKIT_SITE", ROOT / "_build" / "html")).resolve()


def chromium_path() -> str:
    exe = os.environ.get("TCPKIT_CHROMIUM", "/usr/bin/chromium")
    found = shutil.which(exe) if not os.path.isabs(exe) else (exe if os.access(exe, os.X_OK) else None)
    if not found:
        pytest.fail(f"{exe} not found. {INSTALL_HINT}", pytrace=False)
    return found


def book_config() -> dict[str, Any]:
    import yaml

    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def write_artifact(name: str, data: Any) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    exe = chromium_path()
    try:
        b = playwright_instance.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
    except Exception as exc:  # a broken install: still a failure with the hint
        pytest.fail(f"could not start {exe}: {exc}\n{INSTALL_HINT}", pytrace=False)
    yield b
    b.close()


@pytest.fixture(scope="session")
def site() -> Path:
    path = site_dir()
    if not (path / "index.html").is_file():
        pytest.fail(f"no built book at {path} (TCPKIT_SITE): run `make book` first, "
                    "or set TCPKIT_SITE to a built _build/html", pytrace=False)
    return path


@pytest.fixture(scope="session")
def site_url(site: Path) -> Iterator[str]:
    from serve_book import serve

    with serve(site) as url:
        yield url


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """Keep each phase's report on the item, so fixtures can screenshot a failed test."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def failed(request: pytest.FixtureRequest) -> bool:
    rep = getattr(request.node, "rep_call", None)
    return bool(rep is not None and rep.failed)


def screenshot_on_failure(request: pytest.FixtureRequest, page: Any, prefix: str) -> None:
    if failed(request):
        import re

        name = re.sub(r"[^\w.-]+", "_", request.node.name)[:120]
        try:
            write_artifact(f"{prefix}_FAILED_{name}.png", page.screenshot(full_page=False))
        except Exception:
            pass
