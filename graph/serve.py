"""Our own SPARQL endpoint: the local store, read-only, over the SPARQL 1.1 Protocol.

Other tools (YASGUI, Protégé, scripts) reach the graph at ``http://HOST:PORT/query``. The
server is the ``oxigraph`` package's (``oxigraph serve-read-only``, with the union of the named
graphs as the default graph, as ``govrule sparql`` queries it); we hold a reader's lock on the
version it serves, so a build's clean-up never deletes it, and when a build publishes a new
version the server is restarted on it (a second's gap), so the endpoint never serves a
half-built store and always catches up.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from .versions import Pointer

POLL = 2.0  # seconds between looks for a new version


def oxigraph_binary() -> str:
    """The ``oxigraph`` server command (from the PyPI package ``oxigraph``)."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise FileNotFoundError("the oxigraph server is not installed (pip install 'oxigraph>=0.5,<0.6')")
    return found


def _start(path: Path, host: str, port: int, timeout: float, cors: bool) -> subprocess.Popen:
    cmd = [oxigraph_binary(), "serve-read-only", "--location", str(path), "--bind", f"{host}:{port}",
           "--union-default-graph", "--timeout-s", str(int(max(1, timeout)))]
    if cors:
        cmd.append("--cors")
    err = tempfile.TemporaryFile("w+", encoding="utf-8")  # a file, not a pipe: a chatty server never blocks
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=_die_with_parent)
    proc.errors = err
    return proc


def _die_with_parent() -> None:
    """In the child: SIGTERM it when we die, however we die (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _errors(proc: subprocess.Popen) -> str:
    proc.errors.seek(0)
    return " ".join(proc.errors.read().split())[-300:]


def _ready(host: str, port: int, proc: subprocess.Popen, wait: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise OSError(f"the SPARQL server stopped at start (exit {proc.returncode}): {_errors(proc)}")
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/query?query=ASK%7B%7D", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise OSError(f"the SPARQL server did not answer on {host}:{port} within {wait:g} s")


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve(store_dir: str | Path, host: str = "127.0.0.1", port: int = 7878, timeout: float = 60.0,
          cors: bool = False, log: Callable[[str], None] = print, stop: Callable[[], bool] = lambda: False) -> None:
    """Serve ``store_dir`` until interrupted (or ``stop()`` is true), following new versions."""
    pointer = Pointer(Path(store_dir) / "oxigraph")
    proc, lock, path = None, None, None

    def terminated(signum, frame):  # SIGTERM (a service manager, kill): stop the server too
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminated) if threading.current_thread() is threading.main_thread() \
        else None
    try:
        while not stop():
            current = pointer.current()
            if current is None and path is None:
                raise FileNotFoundError(f"no graph store in {store_dir} (build one first)")
            if current is not None and current != path:
                _stop(proc)
                if lock is not None:
                    lock.close()
                path, lock = pointer.open_reader()
                proc = _start(path, host, port, timeout, cors)
                _ready(host, port, proc)
                log(f"SPARQL endpoint (read-only) on http://{host}:{port}/query — serving {path.name}")
            elif proc is not None and proc.poll() is not None:
                raise OSError(f"the SPARQL server stopped (exit {proc.returncode}): {_errors(proc)}")
            time.sleep(POLL)
    finally:
        _stop(proc)
        if lock is not None:
            lock.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
