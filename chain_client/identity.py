"""Identities under ``$MULU_HOME/identities/NAME/``: an Ethereum key and an SM2 key, both encrypted.

- ``eth.json``: the Ethereum account as a Web3 Secret Storage (keystore v3) file, scrypt-encrypted;
- ``sm2.pem``: the SM2 private key as password-encrypted PKCS#8 (``openssl pkey`` reads it);
- ``identity.json``: the public part (name, address, SM2 public key), readable without a password.

Private keys are never written unencrypted and never logged. Passwords come from the caller
(the CLI prompts, or reads the variable named by ``--password-env`` / ``MULU_PASSWORD``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eth_account import Account
from eth_account.signers.local import LocalAccount

from mulu.errors import InvalidInput, MuluError
from mulu.files import write_atomic

if TYPE_CHECKING:  # imported where keys are unlocked (the SM2 backend loads on first use)
    import sm_crypto

__all__ = ["Identity", "IdentityError", "IdentityStore", "UnlockedIdentity"]

_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
#: scrypt cost for keystores (2**15: ~0.1 s to unlock here; the keystore default 2**18 takes ~1 s)
SCRYPT_N = 2**15


class IdentityError(MuluError):
    """An identity is missing, or its password is wrong."""


@dataclass(frozen=True)
class Identity:
    """The public part of an identity."""

    name: str
    address: str
    sm2_public_key: bytes  # 64 bytes x‖y

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "address": self.address,
            "sm2_public_key": self.sm2_public_key.hex(),
        }


@dataclass(frozen=True)
class UnlockedIdentity:
    """An identity with its keys decrypted in memory (never persisted in this form)."""

    identity: Identity
    account: LocalAccount
    sm2_key: sm_crypto.PrivateKey

    def __repr__(self) -> str:  # never show key material
        return f"UnlockedIdentity({self.identity.name!r}, {self.identity.address})"


class IdentityStore:
    """The identities of one mulu home."""

    def __init__(self, home: Path | str) -> None:
        self.dir = Path(home) / "identities"

    def _path(self, name: str) -> Path:
        if not _NAME_RE.match(name):
            raise InvalidInput(
                f"identity name {name!r}: use lower-case letters, digits, '-' or '_'"
            )
        return self.dir / name

    def names(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        return sorted(p.name for p in self.dir.iterdir() if (p / "identity.json").is_file())

    def exists(self, name: str) -> bool:
        return (self._path(name) / "identity.json").is_file()

    def get(self, name: str) -> Identity:
        path = self._path(name) / "identity.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            known = ", ".join(self.names()) or "none"
            raise IdentityError(f"no identity {name!r} under {self.dir} (known: {known})") from None
        return Identity(data["name"], data["address"], bytes.fromhex(data["sm2_public_key"]))

    def by_address(self, address: str) -> Identity | None:
        for name in self.names():
            identity = self.get(name)
            if identity.address.lower() == address.lower():
                return identity
        return None

    def create(self, name: str, password: bytes) -> Identity:
        """Create ``name`` with fresh keys (from ``os.urandom``); refuses to overwrite."""
        import sm_crypto

        if not password:
            raise InvalidInput("an identity needs a non-empty password")
        path = self._path(name)
        if (path / "identity.json").exists():
            raise IdentityError(f"identity {name!r} already exists")
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        account: LocalAccount = Account.create()
        keystore = Account.encrypt(
            account.key, password.decode(), kdf="scrypt", iterations=SCRYPT_N
        )
        sm2 = sm_crypto.PrivateKey.generate()
        _write_private(path / "eth.json", json.dumps(keystore).encode())
        _write_private(path / "sm2.pem", sm2.to_pem(password))
        identity = Identity(name, account.address, sm2.public_key.xy)
        # identity.json last: its presence means the identity is complete
        _write_private(path / "identity.json", json.dumps(identity.to_json(), indent=1).encode())
        return identity

    def unlock(self, name: str, password: bytes) -> UnlockedIdentity:
        """Decrypt both keys of ``name``; :class:`IdentityError` on a wrong password."""
        import sm_crypto

        identity = self.get(name)
        path = self._path(name)
        keystore = json.loads((path / "eth.json").read_text(encoding="utf-8"))
        try:
            key = Account.decrypt(keystore, password.decode())
        except ValueError as exc:
            raise IdentityError(f"wrong password for identity {name!r}") from exc
        account: LocalAccount = Account.from_key(key)
        sm2 = sm_crypto.PrivateKey.from_pem((path / "sm2.pem").read_bytes(), password)
        if account.address != identity.address or sm2.public_key.xy != identity.sm2_public_key:
            raise IdentityError(f"identity {name!r}: keys do not match identity.json")
        return UnlockedIdentity(identity, account, sm2)


def _write_private(path: Path, data: bytes) -> None:
    """Write atomically and durably with mode 0600."""
    write_atomic(path, data, mode=0o600)
