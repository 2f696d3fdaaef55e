"""First tier of :func:`~catalog.load_catalog`: sort the members without decoding any string.

Parsing a catalog into Python objects decodes every string from UTF-8 (about 5,000 of them in
a 100-resource catalog), and serialising it encodes them all back; for mostly Chinese text that
round trip is most of the cost of canonicalisation. This tier skips it. ``msgspec`` decodes the
document into structs whose fields are the model's fields in sorted order and whose scalar
values are :class:`msgspec.Raw`: the exact bytes of each value token, undecoded. Encoding those
structs writes every object's members in sorted order and every value token verbatim, with no
whitespace: for a document with no escape and no float, that *is* its RFC 8785 text.

This tier decides nothing about validity. The bytes it makes go to :func:`scan_canonical`,
which accepts only a valid catalog written exactly as RFC 8785 writes it (so a ``Raw`` holding
``1.0``, ``-0``, an object or spaced array is refused there), and :func:`load_catalog` also
requires valid UTF-8 (``msgspec`` does not check the bytes of a string it leaves undecoded) and
no dropped duplicate member (``_same_members``, as for the ``orjson`` tier). Whatever fails any
of these goes to the next tiers, which decide and word the errors.

The structs are derived from the pydantic model, so a field added to the model is a field here.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

import msgspec
from msgspec import UNSET, Raw, UnsetType
from pydantic import BaseModel

from ._model import CatalogModel

__all__ = ["c_canonical", "raw_canonical", "struct_for"]

try:  # the same job in one C pass (catalog/_canon.c), when the package was built with it
    from ._canon import canonical as _c_canonical
except ImportError:  # pragma: no cover - built without a C compiler: this module's tier is used
    _c_canonical = None  # type: ignore[assignment]
c_canonical: Callable[[bytes], bytes | None] | None = _c_canonical


def _unwrap(annotation: Any) -> Any:
    """The type under ``Annotated[...]`` and ``X | None``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def _field_type(annotation: Any) -> Any:
    inner = _unwrap(annotation)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return struct_for(inner)
    if typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        return list[_field_type(item)]  # type: ignore[misc]
    return Raw


_STRUCTS: dict[type[BaseModel], type[msgspec.Struct]] = {}


def struct_for(model: type[BaseModel]) -> type[msgspec.Struct]:
    """The raw struct of ``model``: its JSON names in sorted order; a nested model is a struct,
    a list a list, anything else :class:`msgspec.Raw`; an optional field defaults to ``UNSET``
    (never written back, so an absent member stays absent)."""
    if model in _STRUCTS:
        return _STRUCTS[model]
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        kind = _field_type(info.annotation)
        fields.append((key, kind) if info.is_required() else (key, kind | UnsetType, UNSET))
    fields.sort(key=lambda f: f[0])  # ASCII names: code-point order is RFC 8785's order
    struct = msgspec.defstruct(
        f"Raw{model.__name__}", fields, kw_only=True, forbid_unknown_fields=True, gc=False
    )
    _STRUCTS[model] = struct
    return struct


_decode = msgspec.json.Decoder(struct_for(CatalogModel)).decode
_encode = msgspec.json.Encoder().encode


def raw_canonical(data: bytes) -> bytes | None:
    """The members of ``data`` sorted, values verbatim (RFC 8785 when the document is valid,
    has no escape and no float); ``None`` if ``data`` is not a JSON object of the catalog's
    shape (the next tiers say why)."""
    try:
        return _encode(_decode(data))
    except msgspec.DecodeError:  # also msgspec.ValidationError: a missing or unknown field
        return None
    except (RecursionError, UnicodeDecodeError):  # deep nesting in a value; a key not UTF-8
        return None
