"""SM2 over the system OpenSSL 3 libcrypto, through ctypes (see OpenSSL's SM2(7) page).

Every sign and verify sets the digest (SM3) and the signer ID explicitly with
``EVP_PKEY_CTX_set1_id``: OpenSSL 3.0 otherwise uses an *empty* ID. Parsed ``EVP_PKEY`` objects
and the fetched SM3 ``EVP_MD`` are kept for the life of a key; each call uses its own short-lived
``EVP_MD_CTX`` / ``EVP_PKEY_CTX`` pair, so keys can be shared between threads (ctypes releases the
GIL around each call). After a failure the thread's OpenSSL error queue is drained into the
raised error; it is also cleared before each operation so stale entries never leak into a message.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from ctypes import POINTER, byref, c_char_p, c_int, c_long, c_size_t, c_ulong, c_void_p
from typing import Any

from ._encoding import SPKI_PREFIX, pem_decode
from ._errors import BackendError, BackendUnavailable, InvalidKey

__all__ = ["OpenSSLBackend", "load_libcrypto"]

_PEM_CB = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_int, c_void_p)
_BIO_CTRL_INFO = 3
_SIG_MAX = 80  # DER of two 33-byte INTEGERs is 72
_MAX_CACHED_IDS = 8  # contexts cached per key, thread and operation


def load_libcrypto() -> ctypes.CDLL:
    """The OpenSSL 3 libcrypto (``$MULU_LIBCRYPTO`` overrides the search)."""
    path = os.environ.get("MULU_LIBCRYPTO") or ctypes.util.find_library("crypto")
    if not path:
        raise BackendUnavailable("SM2 needs OpenSSL 3's libcrypto, and none was found")
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        raise BackendUnavailable(f"cannot load libcrypto from {path!r}: {exc}") from exc
    try:
        lib.OpenSSL_version_num.restype = c_ulong
        version = lib.OpenSSL_version_num()
    except AttributeError as exc:
        raise BackendUnavailable(f"{path!r} is not OpenSSL's libcrypto") from exc
    if version < 0x30000000:
        raise BackendUnavailable(f"SM2 needs OpenSSL >= 3.0; {path!r} is version {version:#x}")
    _declare(lib)
    return lib


def _declare(lib: ctypes.CDLL) -> None:
    """Set argtypes/restype once: prototypes are reused by every call."""
    sigs: dict[str, tuple[Any, list[Any]]] = {
        "ERR_get_error": (c_ulong, []),
        "ERR_clear_error": (None, []),
        "ERR_error_string_n": (None, [c_ulong, c_char_p, c_size_t]),
        "EVP_PKEY_CTX_new_from_name": (c_void_p, [c_void_p, c_char_p, c_char_p]),
        "EVP_PKEY_CTX_new_from_pkey": (c_void_p, [c_void_p, c_void_p, c_char_p]),
        "EVP_PKEY_CTX_free": (None, [c_void_p]),
        "EVP_PKEY_keygen_init": (c_int, [c_void_p]),
        "EVP_PKEY_generate": (c_int, [c_void_p, POINTER(c_void_p)]),
        "EVP_PKEY_free": (None, [c_void_p]),
        "EVP_PKEY_is_a": (c_int, [c_void_p, c_char_p]),
        "EVP_PKEY_get_octet_string_param": (
            c_int,
            [c_void_p, c_char_p, c_char_p, c_size_t, POINTER(c_size_t)],
        ),
        "EVP_PKEY_CTX_set1_id": (c_int, [c_void_p, c_char_p, c_int]),
        "EVP_MD_fetch": (c_void_p, [c_void_p, c_char_p, c_char_p]),
        "EVP_MD_CTX_new": (c_void_p, []),
        "EVP_MD_CTX_free": (None, [c_void_p]),
        "EVP_MD_CTX_set_pkey_ctx": (None, [c_void_p, c_void_p]),
        "EVP_DigestSignInit": (c_int, [c_void_p, c_void_p, c_void_p, c_void_p, c_void_p]),
        "EVP_DigestSign": (c_int, [c_void_p, c_char_p, POINTER(c_size_t), c_char_p, c_size_t]),
        "EVP_DigestVerifyInit": (c_int, [c_void_p, c_void_p, c_void_p, c_void_p, c_void_p]),
        "EVP_DigestVerify": (c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t]),
        "EVP_aes_256_cbc": (c_void_p, []),
        "d2i_PUBKEY": (c_void_p, [c_void_p, POINTER(c_char_p), c_long]),
        "d2i_AutoPrivateKey": (c_void_p, [c_void_p, POINTER(c_char_p), c_long]),
        "BIO_new_mem_buf": (c_void_p, [c_char_p, c_int]),
        "BIO_s_mem": (c_void_p, []),
        "BIO_new": (c_void_p, [c_void_p]),
        "BIO_free": (c_int, [c_void_p]),
        "BIO_ctrl": (c_long, [c_void_p, c_int, c_long, c_void_p]),
        "PEM_read_bio_PrivateKey": (c_void_p, [c_void_p, c_void_p, _PEM_CB, c_void_p]),
        "PEM_write_bio_PKCS8PrivateKey": (
            c_int,
            [c_void_p, c_void_p, c_void_p, c_char_p, c_int, c_void_p, c_void_p],
        ),
    }
    for name, (restype, argtypes) in sigs.items():
        try:
            fn = getattr(lib, name)
        except AttributeError as exc:
            raise BackendUnavailable(
                f"libcrypto lacks {name}: OpenSSL 3.0 or later needed"
            ) from exc
        fn.restype = restype
        fn.argtypes = argtypes


class _Ctx:
    """One ``EVP_MD_CTX`` with its own ``EVP_PKEY_CTX`` (signer ID set), used by one thread."""

    __slots__ = ("_md_free", "_pctx_free", "md", "pctx")

    def __init__(self, md: int, pctx: int, md_free: Any, pctx_free: Any) -> None:
        self.md, self.pctx = md, pctx
        self._md_free, self._pctx_free = md_free, pctx_free

    def __del__(self) -> None:
        md_free, self._md_free = self._md_free, None
        if md_free is not None:
            md_free(self.md)  # EVP_MD_CTX_set_pkey_ctx: the MD_CTX does not own the PKEY_CTX
            self._pctx_free(self.pctx)


class _PKey:
    """Owns one ``EVP_PKEY *``; freed when the last Python reference goes.

    ``contexts`` is thread-local: each thread keeps its own sign / verify contexts per signer ID
    (as ``openssl speed`` does, re-initialised before each use), because creating them costs
    about a third of a signature. A context is never shared between threads.
    """

    __slots__ = ("__weakref__", "_free", "contexts", "ptr")

    def __init__(self, ptr: int, free: Any) -> None:
        self.ptr = ptr
        self._free = free
        self.contexts = threading.local()

    def __del__(self) -> None:
        free, self._free = self._free, None
        if free is not None and self.ptr:
            free(self.ptr)

    def __repr__(self) -> str:
        return "<EVP_PKEY>"


class OpenSSLBackend:
    """SM2 on OpenSSL 3 libcrypto (see the module docstring)."""

    name = "openssl"

    def __init__(self, lib: ctypes.CDLL | None = None) -> None:
        self._lib = lib = lib if lib is not None else load_libcrypto()
        self._md = lib.EVP_MD_fetch(None, b"SM3", None)
        if not self._md:
            raise BackendUnavailable(
                "this OpenSSL has no SM3 digest (built with no-sm3?): " + "; ".join(self._drain())
            )
        # Bind hot functions once: attribute look-ups on a CDLL are not free.
        self._md_ctx_new = lib.EVP_MD_CTX_new
        self._md_ctx_free = lib.EVP_MD_CTX_free
        self._pctx_new = lib.EVP_PKEY_CTX_new_from_pkey
        self._pctx_free = lib.EVP_PKEY_CTX_free
        self._set1_id = lib.EVP_PKEY_CTX_set1_id
        self._set_pctx = lib.EVP_MD_CTX_set_pkey_ctx
        self._sign_init = lib.EVP_DigestSignInit
        self._sign = lib.EVP_DigestSign
        self._verify_init = lib.EVP_DigestVerifyInit
        self._verify = lib.EVP_DigestVerify
        self._clear = lib.ERR_clear_error
        try:
            self.generate()
        except BackendError as exc:
            raise BackendUnavailable(
                f"this OpenSSL cannot generate SM2 keys (built with no-sm2?): {exc}"
            ) from exc

    # -- errors -------------------------------------------------------------------------------

    def _drain(self) -> tuple[str, ...]:
        lib = self._lib
        out: list[str] = []
        buf = ctypes.create_string_buffer(256)
        while code := lib.ERR_get_error():
            lib.ERR_error_string_n(code, buf, len(buf))
            out.append(buf.value.decode("ascii", "replace"))
        return tuple(out)

    def _error(self, what: str) -> BackendError:
        return BackendError(f"OpenSSL failed to {what}", self._drain())

    def _wrap(self, ptr: int | None, what: str) -> _PKey:
        if not ptr:
            raise self._error(what)
        key = _PKey(ptr, self._lib.EVP_PKEY_free)
        if self._lib.EVP_PKEY_is_a(ptr, b"SM2") != 1:
            raise InvalidKey("the key is not an SM2 key (wrong algorithm or curve)")
        return key

    # -- keys ---------------------------------------------------------------------------------

    def generate(self) -> _PKey:
        lib = self._lib
        self._clear()
        ctx = lib.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
        if not ctx:
            raise self._error("create an SM2 key generation context")
        try:
            out = c_void_p()
            if lib.EVP_PKEY_keygen_init(ctx) != 1 or lib.EVP_PKEY_generate(ctx, byref(out)) != 1:
                raise self._error("generate an SM2 key")
            return self._wrap(out.value, "generate an SM2 key")
        finally:
            lib.EVP_PKEY_CTX_free(ctx)

    def _d2i(self, fn: Any, der: bytes, what: str) -> _PKey:
        self._clear()
        buf = ctypes.create_string_buffer(der, len(der))
        pp = c_char_p(ctypes.addressof(buf))
        ptr = fn(None, byref(pp), len(der))
        try:
            if not ptr:
                raise InvalidKey(f"OpenSSL cannot decode the {what}: {'; '.join(self._drain())}")
            return self._wrap(ptr, f"decode the {what}")
        finally:
            ctypes.memset(buf, 0, len(der))

    def private_from_scalar(self, d: int) -> _PKey:
        # PKCS#8 PrivateKeyInfo { 0, {id-ecPublicKey, SM2}, ECPrivateKey { 1, d } } in memory
        # only; OpenSSL derives the public point when ECPrivateKey carries none.
        ec = b"\x30\x25\x02\x01\x01\x04\x20" + d.to_bytes(32, "big")
        der = b"\x30\x41\x02\x01\x00" + SPKI_PREFIX[2:23] + b"\x04\x27" + ec
        return self._d2i(self._lib.d2i_AutoPrivateKey, der, "private key")

    def private_from_pem(self, pem: bytes, password: bytes) -> _PKey:
        pem_decode(pem, "ENCRYPTED PRIVATE KEY")  # refuse anything but encrypted PKCS#8
        lib = self._lib
        self._clear()
        called = False

        def _cb(buf: int, size: int, rwflag: int, u: int) -> int:
            nonlocal called
            called = True
            if len(password) > size:
                return -1
            ctypes.memmove(buf, password, len(password))
            return len(password)

        cb = _PEM_CB(_cb)
        bio = lib.BIO_new_mem_buf(pem, len(pem))
        if not bio:
            raise self._error("create a memory BIO")
        try:
            ptr = lib.PEM_read_bio_PrivateKey(bio, None, cb, None)
        finally:
            lib.BIO_free(bio)
        if not ptr:
            errors = self._drain()
            raise InvalidKey(
                "cannot decrypt the private key: wrong password or corrupt PEM"
                f" ({'; '.join(errors) or 'no OpenSSL detail'})"
            )
        return self._wrap(ptr, "read the private key")

    def private_to_pem(self, key: object, password: bytes) -> bytes:
        assert isinstance(key, _PKey)
        lib = self._lib
        self._clear()
        bio = lib.BIO_new(lib.BIO_s_mem())
        if not bio:
            raise self._error("create a memory BIO")
        try:
            ok = lib.PEM_write_bio_PKCS8PrivateKey(
                bio, key.ptr, lib.EVP_aes_256_cbc(), password, len(password), None, None
            )
            if ok != 1:
                raise self._error("write the encrypted private key")
            data = c_char_p()
            n = lib.BIO_ctrl(bio, _BIO_CTRL_INFO, 0, byref(data))
            return ctypes.string_at(data, n)
        finally:
            lib.BIO_free(bio)

    def public_point(self, key: object) -> bytes:
        assert isinstance(key, _PKey)
        buf = ctypes.create_string_buffer(65)
        n = c_size_t()
        self._clear()
        ok = self._lib.EVP_PKEY_get_octet_string_param(key.ptr, b"pub", buf, 65, byref(n))
        if ok != 1 or n.value != 65:
            raise self._error("read the public point")
        return buf.raw

    def public_from_point(self, point: bytes) -> _PKey:
        return self._d2i(self._lib.d2i_PUBKEY, SPKI_PREFIX + point, "public key")

    # -- sign / verify ------------------------------------------------------------------------

    def _context(self, key: _PKey, id: bytes, verify: bool) -> _Ctx:
        """This thread's context for ``(key, id, operation)``, initialised for one use."""
        cache: dict[tuple[bool, bytes], _Ctx] | None = getattr(key.contexts, "cache", None)
        if cache is None:
            cache = key.contexts.cache = {}
        ctx = cache.get((verify, id))
        if ctx is None:
            ctx = self._new_context(key, id)
            if len(cache) >= _MAX_CACHED_IDS:
                cache.clear()
            cache[(verify, id)] = ctx
        init = self._verify_init if verify else self._sign_init
        if init(ctx.md, None, self._md, None, key.ptr) != 1:
            del cache[(verify, id)]
            raise self._error("initialise SM2 with SM3")
        return ctx

    def _forget(self, key: _PKey, id: bytes, verify: bool) -> None:
        """Drop a context after a failure: a fresh one is made for the next call."""
        cache = getattr(key.contexts, "cache", {})
        cache.pop((verify, id), None)

    def _new_context(self, key: _PKey, id: bytes) -> _Ctx:
        md_ctx = self._md_ctx_new()
        pctx = self._pctx_new(None, key.ptr, None)
        ctx = _Ctx(md_ctx, pctx, self._md_ctx_free, self._pctx_free)  # frees on any exit
        if not md_ctx or not pctx:
            raise self._error("allocate a signing context")
        # Set before init: OpenSSL caches the ID and applies it at every (re-)initialisation.
        if self._set1_id(pctx, id, len(id)) != 1:
            raise self._error("set the SM2 signer ID")
        self._set_pctx(md_ctx, pctx)
        return ctx

    def sign(self, key: object, message: bytes, id: bytes) -> bytes:
        assert isinstance(key, _PKey)
        self._clear()
        ctx = self._context(key, id, False)
        sig = ctypes.create_string_buffer(_SIG_MAX)
        n = c_size_t(_SIG_MAX)
        if self._sign(ctx.md, sig, byref(n), message, len(message)) != 1:
            self._forget(key, id, False)
            raise self._error("sign")
        return sig.raw[: n.value]

    def verify(self, key: object, der: bytes, message: bytes, id: bytes) -> bool:
        assert isinstance(key, _PKey)
        self._clear()
        ctx = self._context(key, id, True)
        ok = self._verify(ctx.md, der, len(der), message, len(message))
        if ok != 1:
            self._forget(key, id, True)
            self._clear()  # a failed verify leaves entries; drop them, the answer is "invalid"
        return bool(ok == 1)
