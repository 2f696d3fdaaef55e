"""Fastest tier of :func:`~catalog.load_catalog`: validate the canonical bytes themselves.

A catalog that ``orjson`` parsed is canonicalised in one ``orjson.dumps(..., OPT_SORT_KEYS)``
call. In those bytes every object's keys come in sorted order and every value is written in
exactly one way, so "the document is valid" becomes "the bytes match a regular expression":
:data:`HEAD` (the top-level members before ``resources``), :data:`RESOURCE` once per resource
and :data:`TAIL`. The resource expression also encodes the cross-field rules that are regular:
the share and open conditions / legal bases (the sorted keys of each group are adjacent),
``share_method`` unless 不予共享, and the resource code's prefix (a back-reference to
``classification.code``, which sorts first). The rest is checked on the captured groups: the
publish date is a calendar date, related codes are distinct and not the resource's own, codes
are unique in the catalog, a declared catalog names no declared digest.

``catalog/_canon.c`` has the same scan in C (``scan``), which :data:`scan_canonical` is when the
package was built with it: the same grammar hand-written, about 5x faster than the expressions.

This tier is *sufficient, not complete*: whatever it accepts the model accepts (so the bytes
are also "plain", hence the exact RFC 8785 bytes), but it declines some valid documents, e.g.
a text over 200 (long text: 4,000) UTF-8 *bytes* that still has at most 200 code points, or any
string that needs an escape (then the input has a backslash, and only the exact path can
rule out duplicate keys anyway). Declined documents go to the exact tiers, which decide. The
leaves come out as slices of the canonical bytes: JCS writes each member independently, so the
bytes of ``resources[i]`` inside the document are its own canonical bytes.
``tests/catalog/test_scan.py`` checks soundness against the model on generated and mutated
documents, and that the slices equal ``rfc8785.dumps``.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from enum import Enum
from functools import lru_cache
from operator import itemgetter

from ._model import (
    CLASSIFICATION_CODE_PATTERN,
    DATE_PATTERN,
    DIGEST_PATTERN,
    MAX_ITEMS,
    MAX_RESOURCES,
    PROJECT_CODE_PATTERN,
    PROVIDER_CODE_PATTERN,
    RESOURCE_CODE_PATTERN,
    SCHEMA_ID,
    CatalogKind,
    DataType,
    OpenType,
    ShareType,
    UpdateCycle,
)

__all__ = [
    "HEAD",
    "RESOURCE",
    "TAIL",
    "scan_canonical",
    "scan_canonical_c",
    "scan_canonical_py",
    "scanned_head",
]


def _inner(pattern: str) -> bytes:
    """A model pattern (``^...$``) without its anchors, to embed between quotes; its optional
    groups ``(X)?`` written ``(?:X|)``, which means the same and matches faster."""
    assert pattern.startswith("^") and pattern.endswith("$"), pattern
    body = pattern[1:-1]
    assert "^" not in body.replace("[^", "") and "$" not in body and "\\" not in body, pattern
    assert body.count("(") == body.count(")?") and "(?" not in body, pattern
    return body.replace("(", "(?:").replace(")?", "|)").encode("ascii")


def _text(limit: int) -> bytes:
    # 1..limit bytes up to the closing quote, so 1..limit code points; the bytes hold no escape
    # (no backslash at all, checked first) and orjson writes no raw control character
    return rb'"[^"]{1,%d}+"' % limit


def _enum(values: list[str] | type[Enum]) -> bytes:
    names = [str(v.value) if isinstance(v, Enum) else v for v in values]
    return b'"(?:' + b"|".join(re.escape(n.encode()) for n in names) + b')"'


def _lit(value: str) -> bytes:
    return b'"' + re.escape(value.encode()) + b'"'


def _opt(key: bytes, value: bytes) -> bytes:
    """An optional member; ``(?:X|)`` rather than ``(?:X)?``: the same, but no repeat context."""
    return rb'(?:,"' + key + rb'":' + value + rb"|)"


TEXT = _text(200)
LONG = _text(4000)
NULL_TEXT = rb"(?:null|" + TEXT + rb")"
INT_1_TO_1M = rb"(?:[1-9][0-9]{0,5}+|1000000)"  # the model's ge=1, le=1_000_000
CODE = b'"' + _inner(RESOURCE_CODE_PATTERN) + b'"'

# the expressions are laid out as the JSON they match
# fmt: off
ITEM = (rb'\{"data_type":' + _enum(DataType) + _opt(b"length", rb"(?:null|" + INT_1_TO_1M + b")")
        + rb',"name":' + TEXT + rb"\}")
CLASSIFICATION = (rb'\{"catalogue":' + TEXT + rb',"category":' + TEXT
                  + rb',"code":"(?P<cc>' + _inner(CLASSIFICATION_CODE_PATTERN) + rb')","item":'
                  + TEXT + _opt(b"sub_item", NULL_TEXT) + rb"\}")

# condition present (not null) exactly for the conditional kind, legal basis exactly for "none"
OPEN = b"(?:" + b"|".join([
    _opt(b"open_condition", b"null") + _opt(b"open_legal_basis", b"null")
    + rb',"open_type":' + _lit(OpenType.UNCONDITIONAL),
    rb',"open_condition":' + LONG + _opt(b"open_legal_basis", b"null")
    + rb',"open_type":' + _lit(OpenType.CONDITIONAL),
    _opt(b"open_condition", b"null") + rb',"open_legal_basis":' + LONG
    + rb',"open_type":' + _lit(OpenType.NONE),
]) + b")"
# the same for sharing, and a share method unless 不予共享
SHARE = b"(?:" + b"|".join([
    _opt(b"share_condition", b"null") + _opt(b"share_legal_basis", b"null")
    + rb',"share_method":' + TEXT + rb',"share_type":' + _lit(ShareType.UNCONDITIONAL),
    rb',"share_condition":' + LONG + _opt(b"share_legal_basis", b"null")
    + rb',"share_method":' + TEXT + rb',"share_type":' + _lit(ShareType.CONDITIONAL),
    _opt(b"share_condition", b"null") + rb',"share_legal_basis":' + LONG
    + _opt(b"share_method", NULL_TEXT) + rb',"share_type":' + _lit(ShareType.NONE),
]) + b")"

#: one resource, keys in sorted order; groups: ``code``, ``date``, ``related``
RESOURCE = re.compile(
    rb'\{"classification":' + CLASSIFICATION
    + rb',"code":"(?P<code>(?P=cc)/[0-9]{6})"'
    + rb',"format":' + TEXT
    + rb',"items":\[' + ITEM + rb"(?:," + ITEM + rb"){0,%d}+\]" % (MAX_ITEMS - 1)
    + rb',"name":' + TEXT
    + OPEN
    + rb',"provider":' + TEXT
    + rb',"provider_code":"' + _inner(PROVIDER_CODE_PATTERN) + b'"'
    + _opt(b"publish_date", rb'(?:null|"(?P<date>' + _inner(DATE_PATTERN) + rb')")')
    + _opt(b"related_codes", rb"\[(?P<related>" + CODE + rb"(?:," + CODE + rb"){0,999})?\]")
    + SHARE
    + rb',"summary":' + LONG
    + rb',"update_cycle":' + _enum(UpdateCycle)
    + rb"\}"
)
#: the top-level members that sort before ``resources``, up to its ``[``
HEAD = re.compile(
    rb'\{(?:"declared_digest":(?:null|"(?P<digest>' + _inner(DIGEST_PATTERN) + rb')"),)?'
    + rb'"kind":"(?P<kind>' + b"|".join(k.value.encode() for k in CatalogKind) + b')"'
    + rb',"project_code":"(?P<project>' + _inner(PROJECT_CODE_PATTERN) + b')"'  # ≤ 23 < 32 chars
    + _opt(b"project_name", NULL_TEXT)
    + rb',"resources":\['
)
#: from the ``]`` closing ``resources`` to the end
TAIL = re.compile(
    rb'\],"schema":' + _lit(SCHEMA_ID) + _opt(b"unit", NULL_TEXT)
    + rb',"version":' + INT_1_TO_1M + rb"\}"
)
# fmt: on
_DECLARED = CatalogKind.DECLARED.value.encode()
_whole, _code, _date, _related = (itemgetter(g) for g in (0, "code", "date", "related"))


@lru_cache(maxsize=4096)
def _calendar_date(text: bytes) -> bool:
    try:
        _dt.date.fromisoformat(text.decode("ascii"))
    except ValueError:
        return False
    return True


def scan_canonical_py(canonical: bytes) -> list[bytes] | None:
    """The canonical bytes of each resource (the leaves) when this tier can prove the document
    in ``canonical`` valid; ``None`` when it cannot (the document may still be valid).

    ``canonical`` is ``orjson.dumps(document, option=OPT_SORT_KEYS)`` of a parsed document.
    The resources are found by ``finditer`` (one C loop); joined by commas they must be exactly
    the text between :data:`HEAD` and :data:`TAIL`, so nothing between them went unchecked.
    """
    if b"\\" in canonical:  # an escape: leave it to the exact tiers
        return None
    head = HEAD.match(canonical)
    if head is None or (head["digest"] is not None and head["kind"] == _DECLARED):
        return None
    start = end = head.end()
    found = list(RESOURCE.finditer(canonical, start))
    leaves: list[bytes] = list(map(_whole, found))
    if found:
        end = found[-1].end()
        if (
            len(found) > MAX_RESOURCES
            or b",".join(leaves) != canonical[start:end]
            or len(set(map(_code, found))) != len(found)
        ):
            return None
        dates = set(map(_date, found))
        dates.discard(None)
        if not all(map(_calendar_date, dates)):
            return None
        if any(map(_related, found)):
            for m in found:
                related = m["related"]
                if related is not None:
                    listed = related.split(b",")
                    if b'"' + m["code"] + b'"' in listed or len(set(listed)) != len(listed):
                        return None
    if TAIL.fullmatch(canonical, end) is None:
        return None
    return leaves


try:  # the same scan in C (catalog/_canon.c: ``scan``), when the package was built with it
    from ._canon import scan as _scan_c
except ImportError:  # pragma: no cover - built without a C compiler
    _scan_c = None  # type: ignore[assignment]

scan_canonical_c: Callable[[bytes], list[bytes] | None] | None = _scan_c
#: the scan the tiers use: the C one when built, else :func:`scan_canonical_py`. Both decide
#: alike: tests/catalog/test_scan.py puts every document it scans through both and compares.
scan_canonical: Callable[[bytes], list[bytes] | None] = scan_canonical_c or scan_canonical_py


def scanned_head(canonical: bytes) -> tuple[str, str, int]:
    """``(project_code, kind, version)`` of canonical bytes that :func:`scan_canonical` accepted.

    The version is the integer after the last ``"version":``: the text of a member name, which
    no string can hold (a string holds no ``"``, there being no escape), so it is :data:`TAIL`'s.
    """
    head = HEAD.match(canonical)
    assert head is not None, "scanned_head needs bytes scan_canonical accepted"
    version = canonical[canonical.rindex(b'"version":') + 10 : -1]
    return head["project"].decode("ascii"), head["kind"].decode("ascii"), int(version)
