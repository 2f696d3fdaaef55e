"""Contract reverts as typed Python exceptions, identical on anvil and on eth-tester.

Every custom error declared in the committed artifacts becomes a subclass of
:class:`ContractError` with the Solidity name (``chain_client.errors.ProjectInvalidTransition``),
built when this module is imported. A revert is decoded from its raw data, whichever backend
produced it, so the same exception with the same decoded arguments surfaces everywhere::

    MuluError
    └── RuleViolation
        └── ContractError                  any revert of our contracts
            ├── <SolidityErrorName>        one per custom error in contracts/artifacts/
            ├── ContractPanic              Panic(uint256): an assertion or arithmetic failure
            └── UnknownRevert              data that matches no known error
    └── ChainUnavailable                   (mulu.errors) the endpoint cannot be reached
"""

from __future__ import annotations

import ast
import json
import re
from enum import Enum
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from mulu.errors import RuleViolation

from .compile import ARTIFACTS_DIR

__all__ = [
    "ContractError",
    "ContractPanic",
    "UnknownRevert",
    "decode_revert",
    "error_class",
    "revert_data_from_exception",
]


class ContractError(RuleViolation):
    """A contract reverted with a named error; ``args_dict`` holds its decoded arguments."""

    error_name: str = "ContractError"
    signature: str = ""
    #: what the error means (the NatSpec of the Solidity error), for humans
    meaning: str = ""

    def __init__(self, args: dict[str, Any] | None = None, data: bytes = b"") -> None:
        self.args_dict: dict[str, Any] = dict(args or {})
        self.data = data
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.args_dict.items())
        text = f"{self.error_name}({shown})"
        if self.meaning:
            text += f": {self.meaning}"
        super().__init__(text)

    def __getattr__(self, name: str) -> Any:
        args = self.__dict__.get("args_dict", {})
        if name in args:
            return args[name]
        raise AttributeError(name)


class ContractPanic(ContractError):
    """Solidity ``Panic(uint256)``: failed assertion, arithmetic overflow, bad array index."""

    error_name = "Panic"
    signature = "Panic(uint256)"


class UnknownRevert(ContractError):
    """A revert whose data matches no error in the artifacts (or carries no data)."""

    error_name = "UnknownRevert"


def _show(value: Any) -> str:
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, bytes):
        from .types import Role

        role = Role.from_id(value) if len(value) == 32 else None
        if role is not None:
            return f"{role.value}_ROLE"
        if (
            len(value) == 32
            and value.rstrip(b"\0")
            and all(32 <= b < 127 for b in value.rstrip(b"\0"))
        ):
            return repr(value.rstrip(b"\0").decode("ascii"))
        return "0x" + value.hex()
    return repr(value)


def _type_string(param: dict[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_type_string(c) for c in param["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _enum_for(internal_type: str) -> Any:
    """Converter to the Python enum of a Solidity enum argument (``enum IProjectLibrary.State``)."""
    from .types import CatalogKind, ProposalKind, State, Step

    name = internal_type.rsplit(".", 1)[-1]
    known: dict[str, Any] = {
        "State": State,
        "CatalogKind": CatalogKind,
        "ProposalKind": ProposalKind,
        "Step": lambda i: list(Step)[i],
    }
    return known.get(name) if internal_type.startswith("enum ") else None


@cache
def _registry() -> dict[bytes, tuple[type[ContractError], list[str], list[str], list[Any]]]:
    """selector → (error class, argument names, ABI types, enum converters), from every artifact."""
    registry: dict[bytes, tuple[type[ContractError], list[str], list[str], list[Any]]] = {}
    for path in sorted(ARTIFACTS_DIR.glob("*.json")):
        artifact = json.loads(path.read_text(encoding="utf-8"))
        docs = artifact.get("devdoc", {}).get("errors", {})
        userdocs = artifact.get("userdoc", {}).get("errors", {})
        for item in artifact["abi"]:
            if item.get("type") != "error":
                continue
            types = [_type_string(p) for p in item["inputs"]]
            signature = f"{item['name']}({','.join(types)})"
            selector = keccak(text=signature)[:4]
            if selector in registry:
                continue
            meaning = _meaning(userdocs.get(signature), docs.get(signature))
            cls = error_class(item["name"], signature, meaning)
            names = [p["name"] or f"arg{i}" for i, p in enumerate(item["inputs"])]
            enums = [_enum_for(p.get("internalType", "")) for p in item["inputs"]]
            registry[selector] = (cls, names, types, enums)
    return registry


def _meaning(*docs: Any) -> str:
    for doc in docs:
        if isinstance(doc, list):
            doc = doc[0] if doc else None
        if isinstance(doc, dict):
            text = doc.get("notice") or doc.get("details")
            if text:
                return " ".join(str(text).split())
    return ""


_classes: dict[str, type[ContractError]] = {}


def error_class(name: str, signature: str = "", meaning: str = "") -> type[ContractError]:
    """The exception class for Solidity error ``name`` (created on first use)."""
    cls = _classes.get(name)
    if cls is None and not signature:
        _registry()  # the artifacts may declare it, with its signature and meaning
        cls = _classes.get(name)
    if cls is None:
        cls = type(
            name,
            (ContractError,),
            {
                "error_name": name,
                "signature": signature,
                "meaning": meaning,
                "__module__": __name__,
                "__doc__": meaning or f"Solidity error {signature or name}.",
            },
        )
        _classes[name] = cls
    return cls


def decode_revert(data: bytes) -> ContractError:
    """Turn raw revert data into the matching typed exception (not raised)."""
    if len(data) < 4:
        return UnknownRevert({"data": data}, data)
    selector = data[:4]
    if selector == keccak(text="Panic(uint256)")[:4]:
        (code,) = abi_decode(["uint256"], data[4:])
        return ContractPanic({"code": hex(code)}, data)
    if selector == keccak(text="Error(string)")[:4]:
        (reason,) = abi_decode(["string"], data[4:])
        return UnknownRevert({"reason": reason}, data)
    entry = _registry().get(selector)
    if entry is None:
        return UnknownRevert({"selector": "0x" + selector.hex()}, data)
    cls, names, types, enums = entry
    values = [
        to_checksum_address(v) if t == "address" else e(v) if e is not None else v
        for t, e, v in zip(types, enums, abi_decode(types, data[4:]), strict=True)
    ]
    return cls(dict(zip(names, values, strict=True)), data)


_HEX_RE = re.compile(r"0x[0-9a-fA-F]{8,}")


def revert_data_from_exception(exc: BaseException) -> bytes | None:
    """The raw revert data carried by a web3 / eth-tester exception, if any.

    anvil (and any JSON-RPC node) gives web3 a ``ContractLogicError`` whose ``data`` is hex;
    eth-tester raises ``TransactionFailed("execution reverted: b'...'")`` with the bytes' repr.
    """
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    if isinstance(data, bytes):
        return data
    if isinstance(data, dict):  # some nodes nest it: {"data": "0x..."}
        inner = data.get("data")
        if isinstance(inner, str) and inner.startswith("0x"):
            return bytes.fromhex(inner[2:])
    for arg in exc.args:
        if isinstance(arg, bytes):
            return arg
        if not isinstance(arg, str):
            continue
        text = arg.removeprefix("execution reverted: ")
        if text.startswith(("b'", 'b"')):
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, bytes):
                return value
        match = _HEX_RE.search(arg)
        if match and len(match.group(0)) % 2 == 0:
            return bytes.fromhex(match.group(0)[2:])
    return None


def __getattr__(name: str) -> type[ContractError]:
    """``chain_client.errors.SomeSolidityError`` for every error in the artifacts."""
    _registry()
    cls = _classes.get(name)
    if cls is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return cls
