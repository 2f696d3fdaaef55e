"""Crash-safe file writes, one implementation for every layer.

:func:`write_atomic` puts ``data`` at ``path`` so that a reader, or the machine after a crash or
a power cut, finds either the old file or the new one whole, never a part: the bytes go to a
new file of a random name beside ``path``, are flushed to disk, renamed over ``path`` in one
step, and the directory entry is flushed too. The rename is what makes it atomic; the two
fsyncs are what make it durable (without them a rename can reach the disk before the data, and
a crash then leaves an empty file under the new name).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["fsync_directory", "write_atomic", "write_temp"]


def fsync_directory(directory: Path) -> None:
    """Flush ``directory``'s entries (a file just created or renamed in it) to disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_temp(
    directory: Path, prefix: str, data: bytes, *, mode: int = 0o666, durable: bool = True
) -> Path:
    """``data`` in a new file of ``directory`` named ``prefix`` + a random part + ``.tmp``,
    never an existing file; flushed to disk unless ``durable`` is false. ``mode`` as for
    :func:`os.open` (the process umask applies); a failed write leaves no file behind."""
    path = directory / f"{prefix}{secrets.token_hex(8)}.tmp"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def write_atomic(path: Path, data: bytes, *, mode: int = 0o666, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` whole or not at all (see the module). ``mode`` 0o600 for a
    private file. ``durable=False`` skips both fsyncs: still atomic for readers, but a crash may
    leave the old file or an empty one, for files that can be made again."""
    tmp = write_temp(path.parent, f".{path.name}.", data, mode=mode, durable=durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_directory(path.parent)
