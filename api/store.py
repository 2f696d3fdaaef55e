"""The document store: files named by their SM3 digest, accepted only when the ledger vouches.

A catalog is accepted when ``isAnchored(code, kind, version, digest, root, count)`` holds on
chain; it is stored as its canonical bytes (so the file's SM3 is its name). Any other document
(review opinion, progress report, change evidence) is accepted when its SM3 is referenced by a
ledger event. So uploads need no authentication and nothing can be swapped: a name is a digest.

Files are ``<digest hex><suffix>`` (``.json`` for catalogs, as ``mulu catalog anchor`` writes
them). Writes are atomic (temporary file, fsync, hard link, which refuses to replace) and a
stored file is never overwritten, unless it is damaged (its SM3 is not its name): then the
vouched-for upload replaces it (atomic rename). Reading a damaged file is
:class:`StoredDocumentCorrupt` (a server-side fault, 500), never taken for the client's error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import catalog
import sm_crypto
from chain_client.ledger import Ledger
from mulu.errors import InvalidInput, MuluError
from mulu.files import fsync_directory, write_temp

from .errors import BadParameter, BodyTooLarge, NotAnchored, NotFound

__all__ = ["DocumentStore", "Stored", "StoredDocumentCorrupt", "parse_digest"]

_HEX64 = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


def parse_digest(value: str) -> bytes:
    """A 32-byte digest from 64 hex digits (``0x`` optional); :class:`BadParameter` otherwise."""
    if not isinstance(value, str) or not _HEX64.match(value):
        raise BadParameter(f"digest {value[:80]!r}: want 64 hex digits")
    return bytes.fromhex(value[-64:])


class StoredDocumentCorrupt(MuluError):
    """A stored file's content does not match its name (SM3 digest): damaged on disk."""

    def __init__(self, path: Path, why: str) -> None:
        self.path = path
        super().__init__(f"stored document {path.name} is corrupt: {why}")


@dataclass(frozen=True)
class Stored:
    """The outcome of :meth:`DocumentStore.put`."""

    digest: bytes
    path: Path
    created: bool
    catalog: catalog.Catalog | None = None


class DocumentStore:
    """Content-addressed documents under ``directory``."""

    def __init__(self, directory: Path, *, max_bytes: int = catalog.DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._writes = 0  # files this store created

    def stamp(self) -> tuple[int, int]:
        """Changes whenever a document is added: by this store (a count) or by anyone else (the
        directory's modification time), so an answer that says what is stored can be cached."""
        try:
            mtime = os.stat(self.directory).st_mtime_ns
        except FileNotFoundError:
            mtime = 0
        return self._writes, mtime

    def find(self, digest: bytes) -> Path | None:
        """The stored file of ``digest`` (any suffix), or ``None``."""
        name = digest.hex()
        exact = self.directory / name
        if exact.is_file():
            return exact
        if not self.directory.is_dir():
            return None
        for path in sorted(self.directory.glob(name + ".*")):
            if path.is_file() and not path.name.endswith(".tmp"):
                return path
        return None

    def get(self, digest: bytes) -> bytes:
        """The stored bytes of ``digest``, checked against it (:class:`StoredDocumentCorrupt`)."""
        path = self.find(digest)
        if path is None:
            raise NotFound(f"no stored document with digest {digest.hex()}")
        data = path.read_bytes()
        got = sm_crypto.sm3(data)
        if got != digest:
            raise StoredDocumentCorrupt(path, f"its SM3 is {got.hex()}")
        return data

    def get_catalog(self, digest: bytes) -> catalog.Catalog:
        """The stored catalog of ``digest``, re-parsed and checked against its name."""
        data = self.get(digest)
        try:
            cat = catalog.load_catalog(data, max_bytes=max(self.max_bytes, 1 << 26))
        except catalog.CatalogError as exc:  # stored, so once valid: the file is at fault
            path = self.find(digest) or self.directory / digest.hex()
            raise StoredDocumentCorrupt(path, f"not a valid catalog: {exc}") from None
        if cat.digest != digest:  # the bytes match, but are not the canonical form
            path = self.find(digest) or self.directory / digest.hex()
            raise StoredDocumentCorrupt(
                path, f"not canonical (its canonical SM3 is {cat.digest.hex()})"
            )
        return cat

    def _intact(self, path: Path, digest: bytes) -> bool:
        try:
            return sm_crypto.sm3(path.read_bytes()) == digest
        except FileNotFoundError:
            return False

    def put(
        self,
        data: bytes,
        ledger: Ledger,
        *,
        referenced: Callable[[bytes], bool] = lambda _d: False,
        suffix: str = "",
    ) -> Stored:
        """Store ``data`` if the ledger vouches for it (module docstring); never overwrite.

        ``referenced(digest)`` says whether an event references a non-catalog document.
        Raises :class:`NotAnchored`, :class:`catalog.CatalogInvalid`, :class:`BodyTooLarge`.
        """
        if len(data) > self.max_bytes:
            raise BodyTooLarge(len(data), self.max_bytes)
        raw_digest = sm_crypto.sm3(data)
        if referenced(raw_digest):
            return self._write(raw_digest, data, suffix or ".bin")
        try:
            cat = catalog.load_catalog(data, max_bytes=self.max_bytes)
        except catalog.CatalogInvalid:
            if _looks_like_catalog(data):
                raise
            raise NotAnchored(
                f"document {raw_digest.hex()} is neither an anchored catalog nor referenced by "
                "any indexed ledger event (opinionDigest, reportDigest, evidenceDigest)"
            ) from None
        anchored = ledger.is_anchored(
            cat.project_code,
            cat.kind.value,
            cat.version,
            cat.digest,
            cat.merkle_root,
            cat.resource_count,
        )
        if not anchored:
            raise NotAnchored(
                f"catalog {cat.project_code} {cat.kind.value} v{cat.version} "
                f"(digest {cat.digest.hex()}, root {cat.merkle_root.hex()}, "
                f"{cat.resource_count} resources) is not anchored on the ledger"
            )
        stored = self._write(cat.digest, cat.canonical, ".json")
        return Stored(stored.digest, stored.path, stored.created, cat)

    def _write(self, digest: bytes, data: bytes, suffix: str) -> Stored:
        existing = self.find(digest)
        # a stored file is kept, unless it is damaged and ``data`` is what its name says
        if existing is not None and (
            self._intact(existing, digest) or sm_crypto.sm3(data) != digest
        ):
            return Stored(digest, existing, False)
        if not re.fullmatch(r"(\.[A-Za-z0-9]{1,8})?", suffix):
            raise InvalidInput(f"document suffix {suffix!r}: want '.' and 1-8 letters or digits")
        self.directory.mkdir(parents=True, exist_ok=True)
        path = existing or self.directory / (digest.hex() + suffix)
        tmp = write_temp(self.directory, f".{digest.hex()}.", data)
        try:
            if existing is not None:
                os.replace(tmp, path)  # atomic: a damaged copy is repaired, never half-written
                created = True
            else:
                os.link(tmp, path)  # atomic, and refuses to replace an existing file
                created = True
        except FileExistsError:
            created = False  # someone stored it meanwhile; same digest, same bytes
        finally:
            tmp.unlink(missing_ok=True)
        if created:
            self._writes += 1
            fsync_directory(self.directory)
        return Stored(digest, path, created)


def _looks_like_catalog(data: bytes) -> bool:
    return b'"schema"' in data[:4096] and b"mulu.catalog" in data[:4096]
