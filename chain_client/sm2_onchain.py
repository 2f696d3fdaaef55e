"""SM2 verification by a deployed ``ISM2Verifier`` contract, through ``eth_call`` (no transaction).

The verdict is the contract's: e = SM3(Z_A ‖ M) and the curve arithmetic run in the EVM
(``contracts/crypto/SM2Verifier.sol``), or in a chain's SM2 precompile behind an adapter.
An off-curve key surfaces as ``chain_client.errors.SM2InvalidPublicKey``, an over-long signer ID
as ``SM2IdTooLong`` (both :class:`~chain_client.errors.ContractError`).
"""

from __future__ import annotations

from typing import NamedTuple

from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from .compile import load_artifact
from .errors import decode_revert, revert_data_from_exception

__all__ = ["DEFAULT_ID", "OnchainVerdict", "deploy_verifier", "verify_onchain", "verifier"]

#: The signer ID GB/T 32918 and GM/T 0009 recommend when none is agreed.
DEFAULT_ID = b"1234567812345678"


class OnchainVerdict(NamedTuple):
    """What the verifier contract answered, and what an ``eth_call`` of it costs."""

    valid: bool
    #: ``eth_estimateGas`` of the ``verify`` call: what it would cost inside a transaction,
    #: including the 21,000 base and the calldata
    gas_used: int


def verifier(w3: Web3, address: str) -> Contract:
    """The ``ISM2Verifier`` at ``address``."""
    abi = load_artifact("ISM2Verifier")["abi"]
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)


def deploy_verifier(w3: Web3, sender: str | None = None) -> ChecksumAddress:
    """Deploy the pure-Solidity ``SM2Verifier`` from ``sender`` (default: the node's first
    account, which the node must be able to sign for) and return its address."""
    artifact = load_artifact("SM2Verifier")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx = factory.constructor().transact({"from": sender or w3.eth.accounts[0]})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    if receipt["status"] != 1 or receipt["contractAddress"] is None:
        raise RuntimeError(f"deploying SM2Verifier failed (tx {tx.hex()})")
    return receipt["contractAddress"]


def _split(what: str, data: bytes, sizes: tuple[int, ...]) -> tuple[bytes, bytes]:
    if len(data) == 65 and data[0] == 4 and 65 in sizes:
        data = data[1:]
    if len(data) != 64:
        want = " or ".join(str(s) for s in sizes)
        raise ValueError(f"{what} must be {want} bytes, got {len(data)}")
    return data[:32], data[32:]


def verify_onchain(
    w3: Web3,
    address: str,
    public_key: bytes,
    message: bytes,
    signature: bytes,
    id: bytes = DEFAULT_ID,
) -> OnchainVerdict:
    """Verify ``signature`` (raw ``r‖s``, 64 bytes) of ``message`` by ``public_key`` (``x‖y`` or
    ``04‖x‖y``) under signer ``id`` with the verifier at ``address``: Z_A and the verdict both
    come from the contract (two ``eth_call``), the gas from ``eth_estimateGas``.

    Raises ``ValueError`` for wrong sizes, and the contract's typed error (``SM2InvalidPublicKey``,
    ``SM2IdTooLong``) when it reverts.
    """
    x, y = _split("public key", public_key, (64, 65))
    r, s = _split("signature", signature, (64,))
    contract = verifier(w3, address)
    try:
        za = contract.functions.computeZ(x, y, id).call()
        call = contract.functions.verify(x, y, za, message, r, s)
        valid = bool(call.call())
        gas = int(call.estimate_gas())
    except ContractLogicError as exc:
        data = revert_data_from_exception(exc)
        if data is None:
            raise
        raise decode_revert(data) from exc
    return OnchainVerdict(valid, gas)
