"""Atomic file writes and safe local reads.

Every file the project writes goes to a temporary file in the target folder and is renamed over
the target only when complete, so a failure or a kill leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import socket
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kg.errors import DataError, UsageError

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w") -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing; rename it over ``path`` on success.

    :raises UsageError: when the target folder does not exist.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"folder does not exist: {folder}")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    binary = "b" in mode
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": "\n"})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    with atomic_open(path, "w") as fh:
        fh.write(text)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def local_path(value: str | os.PathLike, *, what: str = "file") -> Path:
    """Return ``value`` as a local path; URLs are refused (data is read from local paths only).

    :raises DataError: when ``value`` looks like a URL.
    """
    text = os.fspath(value)
    if _URL.match(text):
        raise DataError(f"{what} must be a local path, not a URL: {text}")
    return Path(text)


# --------------------------------------------------------------------------------------------
# Reading files a user names: regular files only, bounded


class FileRefused(DataError):
    """A file :func:`read_regular_file` would not read; ``reason`` is ``missing``,
    ``unreadable``, ``irregular`` (``kind`` says what it is) or ``too-large`` (``size`` bytes,
    at least)."""

    def __init__(self, message: str, *, where: str, reason: str, kind: str | None = None, size: int | None = None):
        super().__init__(message, where=where)
        self.reason = reason
        self.kind = kind
        self.size = size


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def read_regular_file(path: str | os.PathLike, *, limit: int, what: str = "file") -> bytes:
    """The bytes of ``path``, which must be a regular file of at most ``limit`` bytes.

    A FIFO, a device, a socket or a folder is refused from its ``stat`` before it is opened (a
    FIFO would block the open, ``/dev/zero`` would never end). The file is then opened with
    ``O_NONBLOCK`` and checked again on the open descriptor (``fstat``), so a path swapped for
    something else in between is refused too, and at most ``limit + 1`` bytes are read: a file
    that grew past the limit is refused rather than read whole.

    :raises FileRefused: (a :class:`~kg.errors.DataError`) naming the file, for a missing,
        unreadable, irregular or oversized file.
    """
    where = os.fspath(path)

    def refused(reason: str, message: str, **extra) -> FileRefused:
        return FileRefused(message, where=where, reason=reason, **extra)

    def irregular(mode: int) -> FileRefused:
        return refused("irregular", f"{what} is {_kind(mode)}, not a regular file", kind=_kind(mode))

    def too_large(size: int) -> FileRefused:
        return refused("too-large", f"{what} is {size / 2**20:.1f} MB; at most {limit / 2**20:g} MB is read",
                       size=size)

    try:
        info = os.stat(where)
    except FileNotFoundError:
        raise refused("missing", f"{what} not found") from None
    except OSError as exc:
        raise refused("unreadable", f"cannot read {what}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise irregular(info.st_mode)
    if info.st_size > limit:
        raise too_large(info.st_size)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(where, flags)
    except FileNotFoundError:
        raise refused("missing", f"{what} not found") from None
    except OSError as exc:
        raise refused("unreadable", f"cannot read {what}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped for something else since the stat
            raise irregular(info.st_mode)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise refused("unreadable", f"cannot read {what}: {exc.strerror}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew while it was read
        raise too_large(len(data))
    return data


def decode_text(data: bytes) -> str:
    """UTF-8 ``data`` with ``\\r\\n`` and ``\\r`` as ``\\n``, as ``Path.read_text`` reads a file.

    :raises UnicodeDecodeError: when ``data`` is not UTF-8.
    """
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------------------------
# Work folders owned by a process, and a folder replaced whole


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "surrogateescape")).hexdigest()[:8]


def make_work_folder(parent: str | os.PathLike, prefix: str) -> Path:
    """A new empty folder ``<prefix><pid>.<host>.<random>.part`` in ``parent``: its name says which
    process of which host owns it, so :func:`remove_dead_work_folders` can tell a folder left by a
    killed process from one still in use."""
    folder = Path(parent)
    for _ in range(100):
        path = folder / _work_name(prefix)
        try:
            os.mkdir(path, 0o777)  # less the umask, as any folder the user makes
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"cannot make a work folder in {folder}")  # pragma: no cover


def _work_name(prefix: str) -> str:
    return f"{prefix}{os.getpid()}.{_host_tag()}.{secrets.token_hex(4)}.part"


def process_running(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _dead_owner(name: str, prefix: str) -> bool:
    """Is ``name`` a work folder of ``prefix`` whose owner (a process of this host) is gone?"""
    if not (name.startswith(prefix) and name.endswith(".part")):
        return False
    parts = name[len(prefix):-len(".part")].split(".")
    if len(parts) != 3 or not parts[0].isdigit() or parts[1] != _host_tag():
        return False  # not made by make_work_folder, or by another host: not ours to judge
    pid = int(parts[0])
    return pid > 0 and pid != os.getpid() and not process_running(pid)


def remove_dead_work_folders(parent: str | os.PathLike, prefix: str) -> list[Path]:
    """Remove the work folders of ``prefix`` in ``parent`` (see :func:`make_work_folder`) whose
    process no longer runs (killed with SIGKILL, it could not remove its own). A folder of
    another host, or whose process runs (or whose number another process now has), is left
    alone. Returns the folders removed."""
    removed = []
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return removed
    for name in names:
        if _dead_owner(name, prefix):
            path = Path(parent) / name
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


#: Prefix of the work folder of a folder ``NAME`` replaced whole: ``.NAME.kg-build.``.
WORK_TAG = "kg-build"
#: Where the fallback (no atomic exchange) keeps the old folder during the swap: ``.NAME.kg-old.``.
ASIDE_TAG = "kg-old"


def _exchange(a: Path, b: Path) -> bool:
    """Swap the folders ``a`` and ``b`` in one step (Linux ``renameat2(RENAME_EXCHANGE)``).
    False when this system or file system cannot; :raises OSError: for any other failure."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _carry_over(old: Path, new: Path, owned: Callable[[str], bool]) -> None:
    """Hard-link into ``new`` every entry of ``old`` that ``owned`` does not claim (files the
    user keeps in the folder): the same files, no data copied, and ``old`` untouched."""
    for entry in sorted(os.listdir(old)):
        if owned(entry) or os.path.lexists(new / entry):
            continue
        source = old / entry
        if source.is_dir() and not source.is_symlink():
            shutil.copytree(source, new / entry, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(source, new / entry)


def _link_or_copy(source: str | os.PathLike, target: str | os.PathLike) -> None:
    if os.path.islink(source):
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        if not stat.S_ISREG(os.lstat(source).st_mode):
            raise
        shutil.copy2(source, target)


def _check_target(target: Path, shown: str) -> None:
    if target.parent == target:
        raise UsageError(f"the output folder cannot be the root folder: {shown}")
    cwd = Path.cwd().resolve()
    if target == cwd or target in cwd.parents:
        raise UsageError(f"the output folder {shown} is the current folder or holds it; kg build replaces the "
                         "output folder whole, so give a folder of its own (for example --out output)")
    if os.path.lexists(target):
        if not target.is_dir():
            raise UsageError(f"cannot create output folder {shown}: it exists and is not a folder")
        if os.path.ismount(target):
            raise UsageError(f"the output folder {shown} is a mount point; kg build replaces the output folder "
                             f"whole, so give a folder inside it (for example {shown}/build)")


@dataclass
class Replacement:
    """A folder being built to replace ``target`` whole: write into ``work``; ``old`` is the
    folder it replaces (None when there is none)."""

    target: Path
    work: Path
    old: Path | None


@contextlib.contextmanager
def replaced_folder(path: str | os.PathLike, *, owned: Callable[[str], bool]) -> Iterator[Replacement]:
    """Build a folder's new contents in a work folder beside it and swap it in whole.

    Yields a :class:`Replacement` whose ``work`` folder (``.NAME.kg-build.<pid>.<host>.<random>.part``
    in the same parent) is empty. When the block ends without an exception, the entries of the
    old folder that ``owned`` does not claim (files the user keeps there) are hard-linked into
    the work folder, which then takes the old folder's place in one ``renameat2(RENAME_EXCHANGE)``
    (Linux), and the old contents, now under the work folder's name, are removed. A process
    killed at any point leaves ``path`` wholly old or wholly new; what it leaves beside it is
    named with its process number and removed by the next call (:func:`remove_dead_work_folders`).

    Where the exchange is not available (not Linux, or a file system without it) the old folder
    is renamed aside (``.NAME.kg-old.<pid>...part``) and the new one renamed into place: a kill
    between the two renames leaves no folder at ``path``, and the next call renames the old one
    back before it starts. On an exception nothing at ``path`` changes and the work folder goes.

    :raises UsageError: when ``path`` is the root, the current folder or one that holds it, a
        mount point, or not a folder, or when its parent cannot be made or written.
    """
    shown = os.fspath(path)
    target = Path(os.path.realpath(path))
    _check_target(target, shown)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {shown}: {exc.strerror}") from None
    work_prefix = f".{target.name}.{WORK_TAG}."
    aside_prefix = f".{target.name}.{ASIDE_TAG}."
    _restore_aside(target, aside_prefix)
    remove_dead_work_folders(parent, aside_prefix)
    remove_dead_work_folders(parent, work_prefix)
    try:
        work = make_work_folder(parent, work_prefix)
    except OSError as exc:
        raise UsageError(f"cannot write beside the output folder {shown} (kg build makes its new contents there "
                         f"first): {exc.strerror}") from None
    try:
        old = target if target.is_dir() else None
        yield Replacement(target, work, old)
        try:
            if old is None:
                os.rename(work, target)
                _fsync_folder(parent)
                return
            _carry_over(old, work, owned)
            os.chmod(work, stat.S_IMODE(os.stat(old).st_mode))
            if _exchange(work, target):
                _fsync_folder(parent)
                shutil.rmtree(work, ignore_errors=True)  # the old contents, under the work name
                return
            aside = parent / _work_name(aside_prefix)
            os.rename(target, aside)
            try:
                os.rename(work, target)
            except OSError:
                os.rename(aside, target)
                raise
            _fsync_folder(parent)
            shutil.rmtree(aside, ignore_errors=True)
        except OSError as exc:
            raise UsageError(f"cannot replace the output folder {shown}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _restore_aside(target: Path, aside_prefix: str) -> None:
    """After a kill between the two renames of the fallback swap there is no folder at
    ``target`` and the old one is aside: put the newest such folder back."""
    if os.path.lexists(target):
        return
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    dead = [target.parent / n for n in names if _dead_owner(n, aside_prefix)]
    if dead:
        newest = max(dead, key=lambda p: p.stat().st_mtime)
        os.rename(newest, target)

