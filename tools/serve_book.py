"""Serve the built book (``_build/html``) on 127.0.0.1 only.

    .venv/bin/python tools/serve_book.py [SITE_DIR] [--port 8000]

Used by the browser tests (``tests/e2e``) through :func:`serve`, which picks a
free port (``port=0``) and serves from a background thread. The server binds to
the loopback address only and serves files, nothing else.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A file handler that does not print one log line per request."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".woff2": "font/woff2",
        ".ipynb": "application/json",
        ".md": "text/markdown; charset=utf-8",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@contextlib.contextmanager
def serve(site: Path | str, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``site`` in a daemon thread; yield its base URL (ending in ``/``).

    Parameters
    ----------
    site : path
        The folder to serve (the built HTML book).
    host : str
        Address to bind; the default loopback address keeps it private.
    port : int
        TCP port; 0 picks a free one.
    """
    site = Path(site).resolve()
    if not (site / "index.html").is_file() and not any(site.glob("*.html")):
        raise FileNotFoundError(f"{site} holds no HTML: build the book first (make book)")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="serve_book", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", nargs="?", default=str(ROOT / "_build" / "html"))
    ap.add_argument("--port", type=int, default=8000)
    args = ap.parse_args()
    with serve(args.site, port=args.port) as url:
        print(f"serving {args.site} at {url}  (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
