"""Many SM3 digests per call: ``sm3_each`` / ``sm3_chunks`` in C (``sm_crypto/_sm3bulk.c``, over
OpenSSL's SM3) and in Python (the fallback where it is not built), and the Merkle tree on them.

Both are checked against an independent reference, ``hashlib.new("sm3", prefix + m)`` per
message: no messages, empty messages and prefixes, random lengths, the lengths around SM3's
padding boundaries, 2 MiB in one message, 10,000 messages; ``chunks`` against slices; the same
TypeError / ValueError for bad arguments; eight threads at once, one of them mutating the list
being hashed; and for the C module, ``bind`` refusing what is not hashlib's libcrypto, a
RuntimeError before binding, no reference or memory growth over many calls. Trees of 0 to 200
random leaves built with the bulk functions equal, level by level, those built without them.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.machinery
import os
import re
import secrets
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from conftest import NO_HASHLIB_SM3

import sm_crypto
from catalog import SM3_HASHER, MerkleTree, verify_inclusion
from catalog._merkle import LogHasher
from sm_crypto import _sm3

Each = Callable[[bytes, Any], bytes]
Chunks = Callable[[bytes, bytes, Any], bytes]


def _c_module() -> Any:
    """The C module, which must be built and bound (as ``catalog._canon`` must be built)."""
    assert _sm3.SM3_BULK == "c", "sm_crypto._sm3bulk is not built (make setup builds it)"
    from sm_crypto import _sm3bulk

    return _sm3bulk


@pytest.fixture(params=["c", "python"])
def bulk(request: pytest.FixtureRequest) -> tuple[Each, Chunks]:
    """Each test runs with the C module and with the Python loops that stand in for it."""
    if request.param == "c":
        c = _c_module()
        return c.each, c.chunks
    return _sm3._each_py, _sm3._chunks_py


def ref(prefix: bytes, messages: Sequence[bytes]) -> bytes:
    return b"".join(hashlib.new("sm3", prefix + m).digest() for m in messages)


def rand(n: int) -> bytes:
    return os.urandom(n)


PREFIXES = [b"", b"\x00", b"\x01", bytes(range(70))]


def test_public_names() -> None:
    assert _sm3.SM3_BULK in ("c", "python")
    assert sm_crypto.sm3_each is _sm3.sm3_each and sm_crypto.sm3_chunks is _sm3.sm3_chunks
    assert {"sm3_each", "sm3_chunks", "SM3_BULK"} <= set(_sm3.__all__)
    c = _c_module()
    assert (sm_crypto.sm3_each, sm_crypto.sm3_chunks) == (c.each, c.chunks)
    assert c.DIGEST_SIZE == 32


# --- each -------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES, ids=["empty", "00", "01", "70 bytes"])
def test_each_no_messages_and_empty_messages(bulk: tuple[Each, Chunks], prefix: bytes) -> None:
    each, _ = bulk
    assert each(prefix, []) == each(prefix, ()) == b""
    assert each(prefix, [b""]) == hashlib.new("sm3", prefix).digest()
    assert each(prefix, (b"", b"", b"")) == ref(prefix, [b""] * 3)


def test_each_random_messages(bulk: tuple[Each, Chunks]) -> None:
    each, _ = bulk
    for n in range(1, 71):
        messages = [rand(secrets.randbelow(3001)) for _ in range(n)]
        prefix = rand(secrets.randbelow(3))
        want = ref(prefix, messages)
        assert each(prefix, messages) == want, (n, prefix)
        assert each(prefix, tuple(messages)) == want


def test_each_padding_boundaries(bulk: tuple[Each, Chunks]) -> None:
    """One block holds 55 bytes of message; 56..64 need a second; the prefix counts too."""
    each, _ = bulk
    messages = [rand(n) for n in (55, 56, 63, 64, 65)]
    for prefix in PREFIXES:
        assert each(prefix, messages) == ref(prefix, messages)
        totals = [
            rand(total - len(prefix))
            for total in (55, 56, 63, 64, 65, 119, 120, 127, 128, 129)
            if total >= len(prefix)
        ]
        assert each(prefix, totals) == ref(prefix, totals)


def test_each_2mib_message(bulk: tuple[Each, Chunks]) -> None:
    each, _ = bulk
    big = rand(2 * 1024 * 1024)
    assert each(b"\x00", [big]) == hashlib.new("sm3", b"\x00" + big).digest()
    assert each(b"", [b"a", big, b""]) == ref(b"", [b"a", big, b""])


def test_each_10000_messages(bulk: tuple[Each, Chunks]) -> None:
    each, _ = bulk
    messages = [rand(secrets.randbelow(101)) for _ in range(10_000)]
    got = each(b"\x00", messages)
    assert len(got) == 320_000
    assert got == ref(b"\x00", messages)


class _Bytes(bytes):
    pass


@pytest.mark.parametrize(
    ("prefix", "messages", "words"),
    [
        (b"", "abc", "messages must be a list or tuple, not str"),
        (b"", b"abc", "messages must be a list or tuple, not bytes"),
        (b"", 5, "messages must be a list or tuple, not int"),
        (b"", None, "not NoneType"),
        (b"", iter([b"a"]), "not list_iterator"),
        (b"", {b"a": 1}, "not dict"),
        (b"", [b"a", bytearray(b"b")], "messages[1] must be bytes, not bytearray"),
        (b"", (b"a", b"b", "c"), "messages[2] must be bytes, not str"),
        (b"", [memoryview(b"a")], "messages[0] must be bytes, not memoryview"),
        (b"", [_Bytes(b"a")], "messages[0] must be bytes, not _Bytes"),
        (b"", [None], "messages[0] must be bytes, not NoneType"),
        ("", [b"a"], "prefix must be bytes, not str"),
        (bytearray(), [b"a"], "prefix must be bytes, not bytearray"),
    ],
)
def test_each_type_errors(
    bulk: tuple[Each, Chunks], prefix: Any, messages: Any, words: str
) -> None:
    each, _ = bulk
    with pytest.raises(TypeError, match=re.escape(words)):
        each(prefix, messages)


def test_wrong_argument_counts(bulk: tuple[Each, Chunks]) -> None:
    each, chunks = bulk
    with pytest.raises(TypeError):
        each(b"")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        each(b"", [], [])  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        chunks(b"", b"")  # type: ignore[call-arg]


# --- chunks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 32, 64, 65, 1000])
def test_chunks(bulk: tuple[Each, Chunks], size: int) -> None:
    each, chunks = bulk
    for prefix in PREFIXES:
        for count in (0, 1, 2, 7, 100):
            data = rand(count * size)
            pieces = [data[k * size : (k + 1) * size] for k in range(count)]
            want = ref(prefix, pieces)
            assert chunks(prefix, data, size) == want, (size, count)
            assert each(prefix, pieces) == want


@pytest.mark.parametrize(
    ("data", "size", "words"),
    [
        (b"", 0, "size must be positive, got 0"),
        (b"abcd", 0, "size must be positive, got 0"),
        (b"abcd", -1, "size must be positive, got -1"),
        (b"abcd", -(2**70), None),
        (b"abcd", 2**70, None),
        (b"abc", 2, "data is 3 bytes, not a multiple of size 2"),
        (bytes(65), 64, "data is 65 bytes, not a multiple of size 64"),
        (bytes(63), 64, "data is 63 bytes, not a multiple of size 64"),
    ],
)
def test_chunks_bad_sizes(
    bulk: tuple[Each, Chunks], data: bytes, size: int, words: str | None
) -> None:
    _, chunks = bulk
    with pytest.raises(ValueError, match=words):
        chunks(b"\x01", data, size)


@pytest.mark.parametrize(
    ("prefix", "data", "size", "words"),
    [
        ("", b"ab", 1, "prefix must be bytes, not str"),
        (b"", "ab", 1, "data must be bytes, not str"),
        (b"", bytearray(b"ab"), 1, "data must be bytes, not bytearray"),
        (b"", memoryview(b"ab"), 1, "data must be bytes, not memoryview"),
        (b"", b"ab", 1.0, "size must be an int, not float"),
        (b"", b"ab", "1", "size must be an int, not str"),
        (b"", b"ab", None, "size must be an int, not NoneType"),
    ],
)
def test_chunks_type_errors(
    bulk: tuple[Each, Chunks], prefix: Any, data: Any, size: Any, words: str
) -> None:
    _, chunks = bulk
    with pytest.raises(TypeError, match=words):
        chunks(prefix, data, size)


# --- threads ----------------------------------------------------------------------------------


def test_eight_threads_at_once(bulk: tuple[Each, Chunks]) -> None:
    """Each thread hashes its own messages while the others hash theirs; a ninth keeps
    replacing the items of a shared list, whose hash must be that of one state or the other."""
    each, chunks = bulk
    inputs = [[rand(secrets.randbelow(2000)) for _ in range(50)] for _ in range(8)]
    wants = [ref(b"\x00", ms) for ms in inputs]
    blobs = [b"".join(hashlib.new("sm3", m).digest() for m in ms[:32]) for ms in inputs]
    level_wants = [ref(b"\x01", [b[k : k + 64] for k in range(0, len(b), 64)]) for b in blobs]
    state_a = [rand(100) for _ in range(40)]
    state_b = [rand(300) for _ in range(40)]
    shared = list(state_a)
    shared_wants = {ref(b"\x00", state_a), ref(b"\x00", state_b)}
    barrier = threading.Barrier(9)
    stop = threading.Event()
    errors: list[BaseException] = []

    def hash_own(i: int) -> None:
        try:
            barrier.wait()
            for _ in range(40):
                assert each(b"\x00", inputs[i]) == wants[i]
                assert chunks(b"\x01", blobs[i], 64) == level_wants[i]
                assert each(b"\x00", shared) in shared_wants
        except BaseException as exc:
            errors.append(exc)

    def mutate() -> None:
        barrier.wait()
        while not stop.is_set():
            shared[:] = state_b
            shared[:] = state_a

    threads = [threading.Thread(target=hash_own, args=(i,)) for i in range(8)]
    mutator = threading.Thread(target=mutate)
    for t in [*threads, mutator]:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    mutator.join()
    assert not errors, errors


# --- which one is used -----------------------------------------------------------------------

_WHICH = (
    "import sm_crypto._sm3 as m\n"
    "from catalog import MerkleTree\n"
    "leaves = [bytes([i]) * i for i in range(37)]\n"
    "print(m.SM3_SOURCE, m.SM3_BULK, m.sm3_each is m._each_py, m.sm3_chunks is m._chunks_py,\n"
    "      m.sm3_each(b'\\x00', [b'abc']).hex(), MerkleTree(leaves).root.hex())\n"
)


@pytest.mark.parametrize(
    ("setup", "want"),
    [
        ("", ["hashlib", "c", "False", "False"]),
        (
            "import sys; sys.modules['sm_crypto._sm3bulk'] = None\n",
            ["hashlib", "python", "True", "True"],
        ),
        (NO_HASHLIB_SM3, ["cryptography", "python", "True", "True"]),
    ],
    ids=["built", "not built", "no SM3 in hashlib"],
)
def test_the_python_loops_stand_in(setup: str, want: list[str]) -> None:
    """Without the module, or without hashlib's SM3 to bind to, the Python loops are used,
    with the same results."""
    _c_module()
    out = subprocess.run(
        [sys.executable, "-c", setup + _WHICH],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    leaves = [bytes([i]) * i for i in range(37)]
    assert out == [
        *want,
        hashlib.new("sm3", b"\x00abc").hexdigest(),
        MerkleTree(leaves, LogHasher("sm3", sm_crypto.new)).root.hex(),
    ]


# --- the C module: binding, reference counts, memory ------------------------------------------


def test_bind_refuses_what_is_not_hashlib_s_libcrypto() -> None:
    c = _c_module()
    import _hashlib

    from catalog import _canon

    assert c.bind("/nonexistent/_hashlib.so") is False
    assert c.bind("") is False
    assert c.bind(_hashlib.__file__ + "\0x") is False
    assert c.bind("\ud800") is False  # not encodable, even with surrogateescape
    assert c.bind(_canon.__file__) is False  # loaded, but neither it nor libc has EVP
    if "_testcapi" not in sys.modules:  # RTLD_NOLOAD: nothing new is loaded
        suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
        not_loaded = os.path.join(os.path.dirname(_hashlib.__file__), "_testcapi" + suffix)
        assert os.path.exists(not_loaded)
        assert c.bind(not_loaded) is False
        assert "_testcapi" not in sys.modules
    with pytest.raises(TypeError):
        c.bind(b"/x")
    assert c.bind(_hashlib.__file__) is True  # again: the first binding is kept
    assert c.each(b"\x00", [b"abc"]) == hashlib.new("sm3", b"\x00abc").digest()


def test_unbound_module_raises_runtime_error() -> None:
    """Loaded on its own in a fresh process (sm_crypto not imported, so not bound yet)."""
    c = _c_module()
    code = (
        "import importlib.machinery, importlib.util, sys\n"
        f"loader = importlib.machinery.ExtensionFileLoader('_sm3bulk', {c.__file__!r})\n"
        "spec = importlib.util.spec_from_loader('_sm3bulk', loader)\n"
        "m = importlib.util.module_from_spec(spec)\n"
        "for call in (lambda: m.each(b'', []), lambda: m.chunks(b'', b'', 1)):\n"
        "    try:\n"
        "        call()\n"
        "    except RuntimeError as e:\n"
        "        print(e)\n"
        "assert 'sm_crypto' not in sys.modules\n"
        "import _hashlib, hashlib\n"
        "assert m.bind(_hashlib.__file__) is True\n"
        "assert m.each(b'', [b'abc']) == hashlib.new('sm3', b'abc').digest()\n"
        "print('bound')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.splitlines()
    assert out == [
        "each(): OpenSSL's SM3 is not bound (call bind() first)",
        "chunks(): OpenSSL's SM3 is not bound (call bind() first)",
        "bound",
    ]


def test_reference_counts_unchanged() -> None:
    """The arguments are not kept (nor released), results are new objects only the caller
    holds; errors neither."""
    c = _c_module()
    prefix = rand(3)
    messages = [rand(secrets.randbelow(200)) for _ in range(20)]
    as_tuple = tuple(messages)
    data = rand(64 * 10)
    bad = [b"a", bytearray(b"b")]
    objects = [prefix, messages, as_tuple, data, bad, *messages, *bad]
    for _ in range(10):  # warm up
        c.each(prefix, messages)
    before = [sys.getrefcount(o) for o in objects]
    got = b""
    for _ in range(2_000):
        got = c.each(prefix, messages)
        got = c.each(prefix, as_tuple)
        got = c.chunks(prefix, data, 64)
        with pytest.raises(TypeError):
            c.each(prefix, bad)
        with pytest.raises(ValueError):
            c.chunks(prefix, data, 7)
    assert [sys.getrefcount(o) for o in objects] == before
    assert sys.getrefcount(got) == 2  # the local and getrefcount's argument
    assert got == ref(prefix, [data[k : k + 64] for k in range(0, len(data), 64)])


def test_repeated_calls_do_not_leak() -> None:
    c = _c_module()
    messages = [rand(secrets.randbelow(500)) for _ in range(50)]
    data = rand(64 * 50)
    bad = [b"a"] * 40 + [bytearray()]
    for _ in range(100):  # warm up
        c.each(b"\x00", messages)
    gc.collect()
    # only what is allocated from this file's lines: threads left by other tests in this
    # worker allocate meanwhile too
    mine = [tracemalloc.Filter(True, __file__)]
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot().filter_traces(mine)
        for _ in range(2_000):
            c.each(b"\x00", messages)
            c.each(b"\x00", tuple(messages))
            c.chunks(b"\x01", data, 64)
            try:
                c.each(b"\x00", bad)
            except TypeError:
                pass
        gc.collect()
        after = tracemalloc.take_snapshot().filter_traces(mine)
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # a leaked result, tuple copy or pointer array per call would be 800 KB or more
    assert grown < 100 * 1024, grown


# --- the Merkle tree --------------------------------------------------------------------------

PLAIN_SM3 = LogHasher("sm3", sm_crypto.new)  # the loops, no bulk functions
PY_BULK_SM3 = LogHasher("sm3", sm_crypto.new, each=_sm3._each_py, chunks=_sm3._chunks_py)


def test_sm3_hasher_uses_the_bulk_functions() -> None:
    assert SM3_HASHER._each is sm_crypto.sm3_each
    assert SM3_HASHER._chunks is sm_crypto.sm3_chunks


def test_trees_with_and_without_bulk_functions_are_identical() -> None:
    leaves = [rand(secrets.randbelow(300)) for _ in range(200)]
    for n in range(201):
        tree = MerkleTree(leaves[:n], SM3_HASHER)
        plain = MerkleTree(leaves[:n], PLAIN_SM3)
        assert tree._levels == plain._levels, n
        assert MerkleTree(tuple(leaves[:n]), PY_BULK_SM3)._levels == plain._levels, n
        assert tree.root == plain.root
        for i in range(n):
            proof = tree.inclusion_proof(i, leaf=leaves[i])
            assert proof == plain.inclusion_proof(i, leaf=leaves[i])
            verify_inclusion(proof, plain.root, tree_size=n)


class _Leaves(Sequence[bytes]):
    """A sequence that is neither a list nor a tuple."""

    def __init__(self, items: list[bytes]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i: Any) -> Any:
        return self._items[i]


def test_leaves_that_are_not_exactly_bytes_take_the_loop() -> None:
    leaves = [rand(secrets.randbelow(100)) for _ in range(37)]
    want = MerkleTree(leaves, PLAIN_SM3)._levels
    mixed: list[Any] = list(leaves)
    mixed[3], mixed[20], mixed[36] = bytearray(mixed[3]), memoryview(mixed[20]), _Bytes(mixed[36])
    for hasher in (SM3_HASHER, PY_BULK_SM3):
        assert MerkleTree(mixed, hasher)._levels == want
        assert MerkleTree(_Leaves(leaves), hasher)._levels == want
        with pytest.raises(TypeError):
            MerkleTree([*leaves, "text"], hasher)  # type: ignore[list-item]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5, 8, 9, 17])
def test_hash_level_carries_the_odd_node(count: int) -> None:
    level = rand(32 * count)
    want = PLAIN_SM3.hash_level(level)
    for hasher in (SM3_HASHER, PY_BULK_SM3):
        got = hasher.hash_level(level)
        assert got == want
        assert hasher.hash_level(bytearray(level)) == want  # not bytes: the loop
        if count % 2:
            assert got[-32:] == level[-32:]
