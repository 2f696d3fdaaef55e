"""Local node management: one anvil per ``$MULU_HOME``, with state that survives ``kill -9``.

The node keeps its state in ``$MULU_HOME/chain/state.json`` (``--state FILE --state-interval 1``:
anvil rewrites the file every second, so a SIGKILL loses at most the last second; the client's
journal re-sends what was lost and the contracts make re-sending idempotent). What the running
node is (pid, port, URL) is written to ``$MULU_HOME/chain/node.json``.

anvil rewrites the file in place, so a SIGKILL during a write leaves it torn, and anvil then
refuses to start (``failed to parse json file``). A keeper process (:mod:`chain_client.statekeeper`)
runs beside the node and keeps ``state.good.json``, the last save that is a whole document; when
anvil refuses its state file, the torn one is kept as ``state.unreadable-<time>.json`` and the
node starts from the good copy (a save or two older: the journal re-sends what it lacks), saying
so in :attr:`NodeInfo.restored_state`. The restore never leaves the home without a state file:
the torn file is copied aside, the good copy copied to a temporary file beside it and renamed
over ``state.json`` (a crash in between leaves the torn file, and the next start restores again);
a home whose ``state.json`` is gone but whose good copy is there starts from the good copy too.

One node per home: ``start`` takes an exclusive ``flock`` on ``$MULU_HOME/chain/node.lock`` and
hands it to anvil (an inherited descriptor), so the lock lives as long as the node; a second
``start`` meanwhile returns the running node, or fails with :class:`NodeError` when none comes
up (it never runs a second anvil on the same state file).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from mulu.errors import ChainUnavailable, MuluError
from mulu.files import write_atomic

from .compile import REPO_ROOT
from .statekeeper import process_alive

#: The ``Popen`` of every node and keeper this process started, until it is reaped. They outlive
#: the call that starts them (``mulu node start`` returns with the node running), and a ``Popen``
#: dropped while its process runs warns (``ResourceWarning``); stop and kill reap through here.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}

__all__ = ["LocalNode", "NodeBinaryMissing", "NodeError", "NodeInfo", "find_anvil", "free_port"]


class NodeError(MuluError):
    """The local node could not be started, stopped or reached."""


class NodeBinaryMissing(NodeError):
    """No anvil executable was found."""


@dataclass(frozen=True)
class NodeInfo:
    """A running local node."""

    pid: int
    port: int
    url: str
    block_time: float | None
    state_file: str
    #: set when the state file was unreadable and the last good copy was loaded instead
    restored_state: str | None = None
    #: the process keeping ``state.good.json`` (:mod:`chain_client.statekeeper`)
    keeper_pid: int | None = None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def find_anvil() -> str:
    """Path of the anvil binary: ``$MULU_ANVIL``, the repo's ``node_modules``, then ``PATH``."""
    # prefer the platform binary npm installed over the `.bin/anvil` Node.js wrapper: the
    # wrapper costs a Node start-up and does not pass SIGKILL on to the real node
    native = sorted((REPO_ROOT / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil"))
    candidates = [
        os.environ.get("MULU_ANVIL"),
        *(str(p) for p in native),
        str(REPO_ROOT / "node_modules" / ".bin" / "anvil"),
        shutil.which("anvil"),
    ]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise NodeBinaryMissing(
        "anvil not found: run `npm ci` in the repository (npm package @foundry-rs/anvil), "
        "or set MULU_ANVIL to the binary"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rpc_ready(url: str, timeout: float = 1.0) -> bool:
    """True when ``url`` answers ``eth_blockNumber``."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return "result" in json.loads(response.read())
    except (OSError, urllib.error.URLError, ValueError):
        return False


class LocalNode:
    """The anvil node of one mulu home (``$MULU_HOME/chain``)."""

    def __init__(self, home: Path | str) -> None:
        self.home = Path(home)
        self.dir = self.home / "chain"
        self.state_file = self.dir / "state.json"
        #: the last whole save of the state file (restored when anvil refuses a torn one)
        self.good_state_file = self.dir / "state.good.json"
        self.info_file = self.dir / "node.json"
        self.log_file = self.dir / "anvil.log"
        self.port_file = self.dir / "port"
        #: held (flock) by the start that launches the node, then by the node (module docstring)
        self.lock_file = self.dir / "node.lock"

    def info(self) -> NodeInfo | None:
        """The running node, or ``None`` (a stale ``node.json`` is removed)."""
        try:
            data = json.loads(self.info_file.read_text(encoding="utf-8"))
            info = NodeInfo(**data)
        except (OSError, ValueError, TypeError):
            return None
        if not process_alive(info.pid):
            self.info_file.unlink(missing_ok=True)
            return None
        return info

    def url(self) -> str:
        """The URL of the running node; :class:`ChainUnavailable` when none runs."""
        info = self.info()
        if info is None:
            raise ChainUnavailable(f"no local node runs for {self.home}: run `mulu node start`")
        return info.url

    def start(
        self,
        port: int | None = None,
        block_time: float | None = None,
        *,
        timeout: float = 20.0,
        extra_args: list[str] | None = None,
    ) -> NodeInfo:
        """Start anvil (or return the one already running) and wait until it answers. When
        anvil refuses the state file (torn by a kill during its write), start from the last good
        copy (module docstring)."""
        running = self.info()
        if running is not None:
            return running
        self.dir.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return self._wait_for_other_start(timeout)
            running = self.info()  # started by whoever held the lock a moment ago
            if running is not None:
                return running
            return self._start_locked(lock, port, block_time, timeout, extra_args)
        finally:
            os.close(lock)  # the node keeps its inherited copy (and with it the lock)

    def _wait_for_other_start(self, timeout: float) -> NodeInfo:
        """Another process holds the node lock: its node, once it answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            running = self.info()
            if running is not None and rpc_ready(running.url, timeout=0.5):
                return running
            time.sleep(0.1)
        raise NodeError(
            f"another process holds {self.lock_file} (a `mulu node start` in progress, or a node "
            f"of this home that is not answering) and no node answered within {timeout:.0f} s; "
            "not starting a second node on the same state file"
        )

    def _start_locked(
        self,
        lock: int,
        port: int | None,
        block_time: float | None,
        timeout: float,
        extra_args: list[str] | None,
    ) -> NodeInfo:
        port = port or self._last_port() or free_port()
        restored = None
        if not self.state_file.exists() and self.good_state_file.exists():
            # the state file is gone (lost, or a crash of an older restore between its steps):
            # an empty chain now would be taken for the real one
            self._install_good_copy()
            restored = (
                f"{self.state_file.name} was missing; started from the last good copy, "
                f"{self.good_state_file.name}"
            )
            self._log(restored)
        while True:
            try:
                info = self._launch(port, block_time, timeout, extra_args, restored, lock)
            except NodeError as exc:
                if restored is not None or not self._state_refused(str(exc)):
                    raise
                if not self.good_state_file.exists():
                    raise NodeError(f"{exc} (and no earlier good state to restore)") from exc
                torn = self.dir / f"state.unreadable-{time.strftime('%Y%m%dT%H%M%S')}.json"
                shutil.copyfile(self.state_file, torn)  # a copy: state.json is never missing
                self._install_good_copy()
                restored = (
                    f"{self.state_file.name} was unreadable (kept as {torn.name}); started from "
                    f"the last good copy, {self.good_state_file.name}"
                )
                self._log(restored)
                continue
            return info

    def _install_good_copy(self) -> None:
        """``state.good.json`` over ``state.json`` in one rename (a temporary copy beside it)."""
        tmp = self.dir / f"{self.state_file.name}.{os.getpid()}.restore.tmp"
        try:
            shutil.copyfile(self.good_state_file, tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.state_file)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _log(self, message: str) -> None:
        with open(self.log_file, "a", encoding="utf-8") as log:
            log.write(f"mulu: {message}\n")

    @staticmethod
    def _state_refused(message: str) -> bool:
        """anvil exited because it could not read its ``--state`` file."""
        text = message.lower()
        return "--state" in text and ("parse" in text or "read" in text or "load" in text)

    def _launch(
        self,
        port: int,
        block_time: float | None,
        timeout: float,
        extra_args: list[str] | None,
        restored: str | None,
        lock: int,
    ) -> NodeInfo:
        binary = find_anvil()
        args = [
            binary,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--state",
            str(self.state_file),
            "--state-interval",
            "1",
            "--silent",
        ]
        if block_time:
            args += ["--block-time", str(block_time)]
        args += extra_args or []
        logged = self.log_file.stat().st_size if self.log_file.exists() else 0
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(  # noqa: S603 (fixed argv)
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                pass_fds=(lock,),  # the node lock lives as long as the node
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                with open(self.log_file, "rb") as log:  # what this anvil wrote
                    log.seek(logged)
                    tail = log.read().decode(errors="replace")[-2000:]
                raise NodeError(f"anvil exited with {proc.returncode}: {tail.strip()}")
            if rpc_ready(url, timeout=0.5):
                keeper = subprocess.Popen(  # noqa: S603 (fixed argv)
                    [
                        sys.executable,
                        "-m",
                        "chain_client.statekeeper",
                        str(self.state_file),
                        str(self.good_state_file),
                        str(proc.pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
                _CHILDREN[proc.pid] = proc
                _CHILDREN[keeper.pid] = keeper
                info = NodeInfo(
                    proc.pid, port, url, block_time, str(self.state_file), restored, keeper.pid
                )
                _write_atomically(self.info_file, json.dumps(info.to_json()).encode())
                _write_atomically(self.port_file, str(port).encode())
                return info
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        raise NodeError(f"anvil did not answer on {url} within {timeout:.0f} s")

    def _last_port(self) -> int | None:
        """The port the node last ran on, when it is free again (so URLs stay stable)."""
        try:
            port = int(self.port_file.read_text(encoding="ascii"))
        except (OSError, ValueError):
            return None
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return None
        return port

    def stop(self, *, timeout: float = 10.0) -> bool:
        """Stop the node gracefully (SIGTERM, which makes anvil write its state). True if it ran."""
        info = self.info()
        if info is None:
            return False
        self._signal(info.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process_alive(info.pid):
            time.sleep(0.05)
        if process_alive(info.pid):
            self._signal(info.pid, signal.SIGKILL)
        self._reap(info.pid)
        if info.keeper_pid is not None:  # it copies the final state and exits; wait for that
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline and process_alive(info.keeper_pid):
                self._reap(info.keeper_pid)
                time.sleep(0.05)
            self._signal(info.keeper_pid, signal.SIGTERM)
            self._reap(info.keeper_pid)
        self.info_file.unlink(missing_ok=True)
        return True

    def kill(self) -> None:
        """SIGKILL the node (crash simulation): only what anvil saved in the last second survives."""
        info = self.info()
        if info is None:
            return
        # the npm `anvil` is a Node.js wrapper that spawns the real binary: SIGKILL cannot be
        # forwarded, so kill the whole process group (the node runs in a session of its own)
        for pid in (info.pid, info.keeper_pid):  # the crash takes the keeper down too
            if pid is None:
                continue
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self._signal(pid, signal.SIGKILL)
        deadline = time.monotonic() + 2.0
        while info.keeper_pid is not None and process_alive(info.keeper_pid):
            self._reap(info.keeper_pid)
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        while process_alive(info.pid):
            self._reap(info.pid)
            time.sleep(0.02)
        deadline = time.monotonic() + 5.0
        while rpc_ready(info.url, timeout=0.2) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.info_file.unlink(missing_ok=True)

    @staticmethod
    def _signal(pid: int, sig: signal.Signals) -> None:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass

    @staticmethod
    def _reap(pid: int) -> None:
        child = _CHILDREN.get(pid)
        if child is not None:  # started here: its Popen reaps it (and then no longer warns)
            if child.poll() is not None:
                del _CHILDREN[pid]
            return
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def _write_atomically(path: Path, data: bytes) -> None:
    """``data`` as ``path``: a temporary file beside it, then one rename (a reader sees the old
    file or the new one, never a part)."""
    write_atomic(path, data)
