"""The last good copy of a local node's state file, kept while the node runs.

anvil (``--state FILE --state-interval 1``) rewrites its state file in place every second; a
SIGKILL in the middle of a write leaves a prefix of the JSON document, and anvil then refuses to
start (``failed to parse json file``). :class:`chain_client.node.LocalNode` runs one keeper per
node (``python -m chain_client.statekeeper STATE GOOD PID``, in a session of its own): every
``interval`` seconds, when the state file changed, it reads it once, checks that the bytes are a
whole JSON document (msgspec skips every value but checks the syntax: ~20 ms for 20 MB) and
installs exactly those bytes as ``GOOD`` (a temporary file, then an atomic rename). A torn copy is
never installed, so ``GOOD`` is always a whole document, at most a save or two older than the
last complete one. Nor is a save whose head block (``best_block_number``) is below the good
copy's: a node that came up on an empty or older chain (its state file lost) must not overwrite
the only whole copy of the longer one. The keeper exits when the node's process is gone.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import msgspec

__all__ = ["keep", "keep_once", "process_alive", "state_complete", "state_head"]


class _Document(msgspec.Struct):
    """Any JSON object: every member but the head block number is skipped (its syntax still
    checked)."""

    best_block_number: int | str | None = None


_DECODER = msgspec.json.Decoder(_Document)

#: what :func:`_head` says of bytes that are not a whole document
_TORN = object()


def _head(data: bytes) -> int | None | object:
    """The head block number of a whole state document (``None``: not recorded), or
    :data:`_TORN`."""
    try:
        number = _DECODER.decode(data).best_block_number
    except msgspec.DecodeError:
        return _TORN
    if isinstance(number, str):
        try:
            return int(number, 0)
        except ValueError:
            return None
    return number


def state_complete(data: bytes) -> bool:
    """Whether ``data`` is a whole JSON object (not a prefix cut short by a kill)."""
    return _head(data) is not _TORN


def state_head(path: Path) -> int | None:
    """The head block number of the whole state document at ``path`` (``None``: unreadable,
    torn or not recorded)."""
    try:
        head = _head(path.read_bytes())
    except OSError:
        return None
    return head if isinstance(head, int) else None


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child still answers kill(0); look at its state
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


Signature = tuple[int, int]


def keep_once(state: Path, good: Path, last: Signature | None) -> Signature | None:
    """Copy ``state`` to ``good`` if it changed since ``last`` (mtime, size) and is whole;
    returns the signature of what was copied (else ``last``: try again next time)."""
    try:
        before = state.stat()
        signature = (before.st_mtime_ns, before.st_size)
        if signature == last:
            return last
        data = state.read_bytes()
    except OSError:
        return last
    head = _head(data)
    if head is _TORN:
        return last  # being written (or torn): the good copy stays as it is
    kept = state_head(good)
    if isinstance(head, int) and kept is not None and head < kept:
        return last  # a shorter chain than the good copy's (state lost): keep the longer one
    tmp = good.with_name(f"{good.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, good)
    return signature


def keep(state: Path, good: Path, pid: int, interval: float = 0.5) -> None:
    """Keep ``good`` current while process ``pid`` runs (one last look after it is gone: a
    graceful stop writes the final state)."""
    last: Signature | None = None
    while True:
        alive = process_alive(pid)
        last = keep_once(state, good, last)
        if not alive:
            return
        time.sleep(interval)


if __name__ == "__main__":
    keep(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
