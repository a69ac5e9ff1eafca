"""Throwaway SPARQL servers on loopback ports, for the remote-store tests and bench/remote_store.py:
Oxigraph's server (PyPI package ``oxigraph``) and Debian's Virtuoso (``virtuoso-opensource``),
each on a fresh database in a folder of the caller's. ``ServerMissing`` says which package is
not installed (the tests skip with that reason)."""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
VSP = Path("/var/lib/virtuoso-opensource-7/vsp")  # the HTTP server's root, from the Debian package
VIRTUOSO_USER = ("dba", "dba")  # a fresh database's administrator: the account updates need


PIDS: dict[str, int] = {}  # query URL → process id of each server running (a bench reads its memory)


class ServerMissing(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text(errors='replace')[-1500:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (even if not this path)
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no answer from {url} within {timeout:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def oxigraph_bin() -> str:
    found = Path(sys.executable).with_name("oxigraph")
    if not found.exists():
        raise ServerMissing("the oxigraph server (PyPI package oxigraph) is not installed")
    return str(found)


@contextlib.contextmanager
def oxigraph_server(folder: Path, union: bool = True):
    """Yields the query URL of ``oxigraph serve`` on a fresh database in ``folder``."""
    port = free_port()
    log = folder.with_suffix(".log")
    cmd = [oxigraph_bin(), "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd + (["--union-default-graph"] if union else []), stdout=open(log, "w"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_http(url + "?query=ASK%7B%7D", proc, log)
        PIDS[url] = proc.pid
        yield url
    finally:
        PIDS.pop(url, None)
        stop(proc)


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {vsp}
ServerThreads = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 600
"""


@contextlib.contextmanager
def virtuoso_server(folder: Path, memory_gb: float = 0.2):
    """Yields the authenticated query URL (``/sparql-auth``, Digest, ``VIRTUOSO_USER``) of a
    Virtuoso on a fresh database in ``folder``; ``memory_gb`` sizes its buffer pool (Virtuoso's
    rule of thumb: 85,000 8-kB buffers per GB)."""
    if not Path(VIRTUOSO).exists():
        raise ServerMissing("Debian's virtuoso-opensource is not installed (make test installs it with apt-get)")
    folder.mkdir(parents=True, exist_ok=True)
    http = free_port()
    buffers = max(10_000, int(85_000 * memory_gb))
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(
        d=folder, sql=free_port(), http=http, vsp=VSP if VSP.is_dir() else folder,
        buffers=buffers, dirty=buffers * 3 // 4))
    log = folder / "out.log"
    proc = subprocess.Popen([VIRTUOSO, "+configfile", str(folder / "virtuoso.ini"), "+foreground"], cwd=folder,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{http}/sparql-auth"
    try:
        wait_http(f"http://127.0.0.1:{http}/sparql?query=ASK%7B%7D", proc, log, timeout=180)
        PIDS[url] = proc.pid
        yield url
    finally:
        PIDS.pop(url, None)
        stop(proc)
