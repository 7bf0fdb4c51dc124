"""Atomic file writes and safe local reads.

Every file the project writes goes to a temporary file in the target folder and is renamed over
the target only when complete, so a failure or a kill leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import DataError, UsageError

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
