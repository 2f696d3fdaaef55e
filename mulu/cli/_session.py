"""What chain commands share: the connection, the deployment, identities and passwords."""

from __future__ import annotations

import getpass
import os
import sys
from functools import cached_property
from pathlib import Path

import typer
from eth_account.signers.local import LocalAccount

import sm_crypto
from chain_client.chain import Chain
from chain_client.deploy import Deployment
from chain_client.identity import IdentityError, IdentityStore, UnlockedIdentity
from chain_client.ledger import Ledger
from chain_client.node import LocalNode
from chain_client.types import Role
from mulu.errors import InvalidInput, MuluError
from mulu.files import write_atomic

from ._context import Options, options

__all__ = ["Session", "read_password", "store_document"]


def read_password(*, env: str | None = None, confirm: bool = False, dev: bool = False) -> bytes:
    """A password from ``$env``, ``$MULU_PASSWORD`` (``$MULU_DEV_PASSWORD`` for dev), or a prompt."""
    for name in (env, "MULU_DEV_PASSWORD" if dev else None, "MULU_PASSWORD"):
        if name and os.environ.get(name):
            return _password_bytes(os.environ[name], f"${name}")
    if env:
        raise InvalidInput(f"environment variable {env} is not set")
    if not sys.stdin.isatty():
        raise InvalidInput(
            "a password is needed: set MULU_PASSWORD"
            + (" or MULU_DEV_PASSWORD" if dev else "")
            + " (no terminal to prompt on)"
        )
    first = getpass.getpass("password: ")
    if confirm and getpass.getpass("password (again): ") != first:
        raise InvalidInput("the passwords differ")
    return _password_bytes(first, "the password typed")


def _password_bytes(password: str, where: str) -> bytes:
    """``password`` as UTF-8; :class:`InvalidInput` naming only ``where`` when it is not text
    (bytes that are not UTF-8 arrive as lone surrogates). The message holds no part of it."""
    try:
        return password.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{where} is not valid UTF-8 text") from None


def store_document(home: Path, data: bytes, suffix: str = "") -> tuple[bytes, Path]:
    """Keep ``data`` under ``$MULU_HOME/documents/`` named by its SM3 digest.

    Crash-safe: written to a temporary file of its own (random name), fsynced, then renamed over
    the name atomically, and the directory fsynced. A file already there is left alone when it
    holds exactly these bytes, and replaced when it does not (a torn or damaged copy: its SM3
    is not its name).
    """
    digest = sm_crypto.sm3(data)
    directory = home / "documents"
    path = directory / (digest.hex() + suffix)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if _holds(path, digest):
            return digest, path
        write_atomic(path, data)
    except OSError as exc:  # not bad input (it may follow a transaction that went through)
        raise MuluError(f"cannot store {path}: {exc.strerror or exc}") from None
    return digest, path


def _holds(path: Path, digest: bytes) -> bool:
    """Does ``path`` exist and hold bytes whose SM3 is ``digest``?"""
    try:
        with path.open("rb") as fh:
            h = sm_crypto.new()
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except FileNotFoundError:
        return False
    return h.digest() == digest


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


class Session:
    """Lazily opened chain, deployment, ledger and identities for one CLI invocation."""

    def __init__(self, ctx: typer.Context) -> None:
        self.opts: Options = options(ctx)
        self.home = self.opts.home
        self.identities = IdentityStore(self.home)
        self._unlocked: dict[str, UnlockedIdentity] = {}

    @property
    def node(self) -> LocalNode:
        return LocalNode(self.home)

    @property
    def rpc_url(self) -> str:
        return self.opts.rpc or self.node.url()

    @property
    def is_local(self) -> bool:
        info = self.node.info()
        return info is not None and (self.opts.rpc is None or self.opts.rpc == info.url)

    @cached_property
    def chain(self) -> Chain:
        return Chain.connect(self.rpc_url)

    @property
    def deployment_path(self) -> Path:
        return self.home / "deployment.json"

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.chain, Deployment.load(self.deployment_path))

    def unlock(self, name: str) -> UnlockedIdentity:
        if name not in self._unlocked:
            self.identities.get(name)  # clear error before asking for a password
            self._unlocked[name] = self.identities.unlock(name, read_password(dev=True))
        return self._unlocked[name]

    def signer(self, role: Role | None = None, *, unit_of: str | None = None) -> LocalAccount:
        """The account that signs: ``--as NAME``, else the one local identity that fits the rule.

        ``role``: an identity holding it on chain; ``unit_of``: the project's registered unit.
        """
        if self.opts.identity:
            return self.unlock(self.opts.identity).account
        candidates = []
        if unit_of is not None:
            unit = str(self.ledger.project(unit_of)["unit"]).lower()
            candidates = [
                n for n in self.identities.names() if self.identities.get(n).address.lower() == unit
            ]
        elif role is not None:
            candidates = [
                n
                for n in self.identities.names()
                if self.ledger.has_role(role, self.identities.get(n).address)
            ]
        if len(candidates) != 1:
            what = f"the unit of {unit_of}" if unit_of else f"a {role.value if role else ''} member"
            found = ", ".join(candidates) or "none"
            raise IdentityError(
                f"say which identity signs with --as NAME ({what}; local candidates: {found})"
            )
        return self.unlock(candidates[0]).account

    def resolve_account(self, who: str) -> str:
        """An identity name or a 0x address → checksummed address."""
        if who.startswith("0x") and len(who) == 42:
            from web3 import Web3

            if not all(c in "0123456789abcdefABCDEF" for c in who[2:]):
                raise InvalidInput(f"account {who!r}: want 0x and 40 hex digits, or an identity")
            return str(Web3.to_checksum_address(who))
        return self.identities.get(who).address

    def name_of(self, address: str) -> str:
        ident = self.identities.by_address(address)
        return ident.name if ident else address
