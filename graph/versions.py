"""Versioned folders behind an atomic pointer, a build lock and reader locks.

Why: a store must never be seen half-written, and a build killed at any moment (SIGKILL
included) must leave the previous store usable. So a build writes a new folder beside the
current one and publishes it by replacing one relative symlink (``rename`` is atomic); a
published folder is never written again, so readers can hold it open through any number of
builds.

    STORE/oxigraph -> oxigraph.versions/20250101T120000-123-ab12cd   (the pointer)
    STORE/oxigraph.versions/<name>          a version (published, or a build's staging copy)
    STORE/oxigraph.versions/<name>.lock     readers hold a shared flock on it while they use it
    STORE/oxigraph.versions/<name>.base     a resumable staging copy: the version it started
                                            from and the build it belongs to
    STORE/.lock                             builds hold an exclusive flock on it

flock locks belong to open files, so the kernel releases them when the holder dies: a killed
build never leaves a stale lock behind. Only stdlib here: the SPARQL child process imports it.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import shutil
import threading
import time
from pathlib import Path

LOCK_FILE = ".lock"
_held: dict[str, tuple[object, int]] = {}  # store lock path → (open file, depth): re-entrant per process
_held_guard = threading.Lock()


class StoreBusy(RuntimeError):
    """Another process is building (or writing) this store."""


@contextlib.contextmanager
def store_lock(store_dir: str | Path, what: str = "build"):
    """Exclusive lock on a store for a build; re-entrant within one process (a build that
    calls another building function keeps the lock). Raises ``StoreBusy`` at once, naming
    the holder, when another process has it."""
    store = Path(store_dir)
    store.mkdir(parents=True, exist_ok=True)
    path = str((store / LOCK_FILE).resolve())
    with _held_guard:
        if path in _held:
            f, depth = _held[path]
            _held[path] = (f, depth + 1)
            reentered = True
        else:
            reentered = False
    if not reentered:
        f = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                f.close()
                raise
            f.seek(0)
            holder = f.read().strip()
            f.close()
            try:
                info = json.loads(holder)
                who = f"{info.get('what', 'build')} by pid {info.get('pid')} since {info.get('since')}"
            except ValueError:
                who = "another process"
            raise StoreBusy(f"{store}: another build is running ({who}); try again when it has finished") from None
        f.seek(0)
        f.truncate()
        f.write(json.dumps({"pid": os.getpid(), "what": what, "since": time.strftime("%Y-%m-%dT%H:%M:%S")}))
        f.flush()
        with _held_guard:
            _held[path] = (f, 1)
    try:
        yield
    finally:
        with _held_guard:
            f, depth = _held[path]
            if depth > 1:
                _held[path] = (f, depth - 1)
            else:
                del _held[path]
                f.close()  # releases the flock


def holds_lock(store_dir: str | Path) -> bool:
    """Whether this process holds the build lock of ``store_dir``."""
    return str((Path(store_dir) / LOCK_FILE).resolve()) in _held


def _fsync(path: Path, directory: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_tree(folder: Path, skip: tuple[str, ...] = ()) -> None:
    """Make a folder's files durable before it is published (a power cut, not only a kill);
    files ending in ``skip`` are left alone (RocksDB syncs its table files itself)."""
    for root, _, files in os.walk(folder):
        for name in files:
            if not name.endswith(skip) and not name.startswith(("LOG", "LOCK")):
                _fsync(Path(root, name))
        _fsync(Path(root), directory=True)


class Pointer:
    """The versions of one folder (``link``): which is current, new ones, publishing, clean-up."""

    def __init__(self, link: str | Path):
        self.link = Path(link)
        self.dir = self.link.with_name(self.link.name + ".versions")

    # -- reading
    def current(self) -> Path | None:
        """The folder the pointer names (a legacy real folder counts), or None when there is none."""
        if self.link.is_symlink():
            target = self.link.parent / os.readlink(self.link)
            return target if target.is_dir() else None
        if self.link.is_dir():
            return self.link  # a store from before versioning: adopted by the next build
        adopted = sorted(self.dir.glob("*-legacy")) if self.dir.is_dir() else []
        if adopted:  # killed between moving a legacy folder and pointing at it
            with contextlib.suppress(OSError):
                self._point(adopted[-1])
            return adopted[-1]
        return None

    def is_versioned(self) -> bool:
        return self.link.is_symlink()

    def open_reader(self):
        """(current version, lock file to keep open while it is used), or (None, None). The
        shared lock keeps clean-up from deleting the folder; if clean-up won the race, the
        pointer is read again (it then names a newer version)."""
        for _ in range(50):
            cur = self.current()
            if cur is None:
                return None, None
            if cur == self.link:  # legacy, unversioned
                return cur, None
            lock_path = self._lock_path(cur)
            try:
                f = open(lock_path, "a+b")
            except OSError:  # read-only media: nothing can clean it up under us either
                return cur, None
            try:
                fcntl.flock(f, fcntl.LOCK_SH)
                if cur.is_dir() and os.path.samestat(os.fstat(f.fileno()), os.stat(lock_path)):
                    return cur, f
            except OSError:
                pass
            f.close()
            time.sleep(0.01)
        raise OSError(f"{self.link}: the store keeps changing under the reader")

    # -- writing
    def new_version(self, suffix: str = "") -> Path:
        """A fresh path (not created) for a version being built."""
        self.dir.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}{suffix}"
        return self.dir / name

    def _lock_path(self, version: Path) -> Path:
        return version.with_name(version.name + ".lock")

    def marker(self, version: Path) -> Path:
        return version.with_name(version.name + ".base")

    def mark_resumable(self, version: Path, base: Path | None, key: str) -> None:
        """Record that ``version`` is a staging copy of ``base`` made by the build ``key``: if the
        build dies, the same build run again continues in it instead of starting over."""
        tmp = self.marker(version).with_suffix(".part")
        tmp.write_text(json.dumps({"base": base.name if base else None, "key": key}), encoding="utf-8")
        os.replace(tmp, self.marker(version))

    def resumable(self, key: str) -> Path | None:
        """A staging copy left by a killed run of the build ``key`` on top of the current version."""
        if not self.dir.is_dir():
            return None
        cur = self.current()
        base = cur.name if cur is not None else None
        for m in sorted(self.dir.glob("*.base"), reverse=True):
            try:
                info = json.loads(m.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            version = m.with_suffix("")
            if info.get("key") == key and info.get("base") == base and version.is_dir():
                return version
        return None

    def discard(self, version: Path) -> None:
        shutil.rmtree(version, ignore_errors=True)
        for extra in (self.marker(version), self._lock_path(version)):
            extra.unlink(missing_ok=True)

    def _point(self, version: Path) -> None:
        tmp = self.link.with_name(f".{self.link.name}.swap-{os.getpid()}")
        tmp.unlink(missing_ok=True)
        os.symlink(os.path.relpath(version, self.link.parent), tmp)
        os.replace(tmp, self.link)
        _fsync(self.link.parent, directory=True)

    def publish(self, version: Path, synced: tuple[str, ...] = ()) -> None:
        """Make ``version`` current in one atomic step, after making its files durable (those
        ending in ``synced`` already are)."""
        fsync_tree(version, synced)
        self.marker(version).unlink(missing_ok=True)
        self._lock_path(version).touch()
        if self.link.is_dir() and not self.link.is_symlink():  # adopt a pre-versioning folder
            legacy = self.new_version("-legacy")
            os.rename(self.link, legacy)
        self._point(version)

    def gc(self, keep_resumable: bool = True) -> list[str]:
        """Delete versions nobody uses: not current, no reader lock, not the newest resumable
        staging copy of the current version. Call it under the store lock. Returns what was
        removed."""
        removed: list[str] = []
        for stale in self.link.parent.glob(f".{self.link.name}.swap-*"):
            stale.unlink(missing_ok=True)
        if not self.dir.is_dir():
            return removed
        cur = self.current()
        base = cur.name if cur is not None else None
        entries = sorted(self.dir.iterdir())
        resumable = None
        for p in reversed(entries):  # names start with the time they were made: newest first
            m = self.marker(p)
            if keep_resumable and p.is_dir() and m.exists():
                try:
                    if json.loads(m.read_text(encoding="utf-8")).get("base") == base:
                        resumable = p
                        break
                except (OSError, ValueError):
                    pass
        for p in entries:
            if not p.is_dir() or p == cur or p == resumable:
                continue
            lock_path = self._lock_path(p)
            try:
                f = open(lock_path, "a+b")
            except OSError:
                continue
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                continue  # a reader still has it open
            try:
                shutil.rmtree(p, ignore_errors=True)
                self.marker(p).unlink(missing_ok=True)
                lock_path.unlink(missing_ok=True)
            finally:
                f.close()
            removed.append(p.name)
        for p in self.dir.iterdir():  # files left by builds that died: pending data, orphan locks
            if p.is_dir():
                continue
            owner = p.with_name(p.name.split(".", 1)[0])
            if owner.is_dir() or owner == cur:
                continue
            if p.suffix == ".lock":
                try:
                    with open(p, "a+b") as f:
                        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        p.unlink(missing_ok=True)
                except OSError:
                    continue
            else:
                p.unlink(missing_ok=True)
        return removed

    def staging(self) -> list[Path]:
        """Version folders that are not current (staging copies of unfinished builds, old
        versions still held by readers)."""
        if not self.dir.is_dir():
            return []
        cur = self.current()
        return [p for p in sorted(self.dir.iterdir()) if p.is_dir() and p != cur]
