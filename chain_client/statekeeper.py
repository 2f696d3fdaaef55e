"""The last good copy of a local node's state file, kept while the node runs.

anvil (``--state FILE --state-interval 1``) rewrites its state file in place every second; a
SIGKILL in the middle of a write leaves a prefix of the JSON document, and anvil then refuses to
start (``failed to parse json file``). :class:`chain_client.node.LocalNode` runs one keeper per
node (``python -m chain_client.statekeeper STATE GOOD PID``, in a session of its own): every
``interval`` seconds, when the state file changed, it reads it once, checks that the bytes are a
whole JSON document (msgspec skips every value but checks the syntax: ~20 ms for 20 MB) and
installs exactly those bytes as ``GOOD`` (a temporary file, then an atomic rename). A torn copy is
never installed, so ``GOOD`` is always a whole document, at most a save or two older than the
last complete one. The keeper exits when the node's process is gone.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import msgspec

__all__ = ["keep", "keep_once", "process_alive", "state_complete"]


class _Document(msgspec.Struct):
    """Any JSON object: every member is skipped (its syntax still checked)."""


_DECODER = msgspec.json.Decoder(_Document)


def state_complete(data: bytes) -> bool:
    """Whether ``data`` is a whole JSON object (not a prefix cut short by a kill)."""
    try:
        _DECODER.decode(data)
    except msgspec.DecodeError:
        return False
    return True


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
    if not state_complete(data):
        return last  # being written (or torn): the good copy stays as it is
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
