"""A connection to one chain: web3 over a URL or in process, signing, nonces, typed reverts.

This is the one seam to the chain (web3.py's provider): :meth:`Chain.connect` for any standard
JSON-RPC endpoint (anvil, Besu, GoQuorum) and :meth:`Chain.in_process` for eth-tester/py-evm. All
higher layers (deploy, :class:`chain_client.ledger.Ledger`) only use :class:`Chain`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from web3 import EthereumTesterProvider, HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import TimeExhausted
from web3.types import Nonce, RPCEndpoint, TxParams, TxReceipt, Wei

from mulu.errors import ChainUnavailable, InvalidInput, MuluError

from .compile import load_artifact
from .errors import UnknownRevert, decode_revert, revert_data_from_exception

__all__ = ["Chain", "FeeTooLow", "TransactionFailedError", "is_fee_refusal"]

T = TypeVar("T")

#: extra gas on top of the estimate (estimates are exact on anvil and eth-tester; nodes that
#: change state between estimate and inclusion need a margin)
GAS_MARGIN_NUM, GAS_MARGIN_DEN, GAS_MARGIN_ADD = 6, 5, 20_000


class TransactionFailedError(MuluError):
    """A transaction was mined but failed, and the revert could not be reproduced."""


class FeeTooLow(MuluError):
    """The node refused a transaction for its fee (below the block's base fee, or below the
    node's minimum): not an outage. Price again from the latest block and send again."""


#: how nodes word a refusal for the fee (anvil, geth, Besu, GoQuorum, Nethermind)
_FEE_REFUSALS = (
    "less than block base fee",
    "fee cap less than",
    "feecap",
    "underpriced",
    "gas price too low",
    "gas price below",
    "below minimum",
    "max fee per gas less than",
    "gasprice is less than",
)


def is_fee_refusal(message: str) -> bool:
    """Whether a node's refusal of a transaction is about its fee (re-price and resend)."""
    text = message.lower()
    return any(pattern in text for pattern in _FEE_REFUSALS)


#: the fee cap above the latest base fee: 2× covers six full blocks of EIP-1559's 12.5% rise
BASE_FEE_HEADROOM = 2
#: sends of one transaction re-priced after a fee refusal before :class:`FeeTooLow` is raised
FEE_ATTEMPTS = 4


class _Nonces:
    """Per-account next nonce, handed out under a lock so many transactions can be in flight."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, int] = {}

    def take(self, w3: Web3, address: str) -> int:
        with self._lock:
            if address not in self._next:
                self._next[address] = w3.eth.get_transaction_count(address, "pending")  # type: ignore[arg-type]
            nonce = self._next[address]
            self._next[address] = nonce + 1
            return nonce

    def forget(self, address: str) -> None:
        """Re-read the nonce from the node next time (after a rejected send)."""
        with self._lock:
            self._next.pop(address, None)


class Chain:
    """One chain connection. Use :meth:`connect` or :meth:`in_process`."""

    def __init__(self, w3: Web3, *, url: str | None = None) -> None:
        self.w3 = w3
        self.url = url
        self._nonces = _Nonces()
        self._chain_id: int | None = None

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def connect(cls, url: str, *, timeout: float = 30.0) -> Chain:
        """Connect to a JSON-RPC endpoint; :class:`ChainUnavailable` when it does not answer."""
        w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": timeout}))
        chain = cls(w3, url=url)
        chain.chain_id  # noqa: B018 (probe the endpoint now, with a clear error)
        return chain

    @classmethod
    def in_process(cls) -> Chain:
        """A fresh in-process chain (eth-tester + py-evm) for fast tests."""
        return cls(Web3(EthereumTesterProvider()))

    @property
    def is_tester(self) -> bool:
        return isinstance(self.w3.provider, EthereumTesterProvider)

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self.rpc(lambda: int(self.w3.eth.chain_id))
        return self._chain_id

    # -- error translation --------------------------------------------------------------------

    def rpc(self, fn: Callable[[], T]) -> T:
        """Run one node call, turning transport failures and reverts into mulu errors."""
        with self.translate():
            return fn()

    @contextmanager
    def translate(self) -> Iterator[None]:
        try:
            yield
        except MuluError:
            raise
        except (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError) as exc:
            raise ChainUnavailable(f"chain unreachable at {self.url}: {exc}") from exc
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
        ) as exc:
            raise InvalidInput(f"not a usable JSON-RPC URL {self.url!r}: {exc}") from exc
        except requests.RequestException as exc:  # an HTTP error status: a proxy, a node restarting
            raise ChainUnavailable(f"chain at {self.url} answered with an error: {exc}") from exc
        except Exception as exc:
            data = revert_data_from_exception(exc)
            if data is not None:
                raise decode_revert(data) from exc
            if _is_revert(exc):
                raise UnknownRevert({"reason": str(exc)}) from exc
            raise

    # -- reading ------------------------------------------------------------------------------

    def contract(self, name: str, address: str) -> Contract:
        """A web3 contract object for artifact ``name`` at ``address``."""
        abi = load_artifact(name)["abi"]
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)

    def call(
        self, fn: ContractFunction, *, block: int | str = "latest", sender: str | None = None
    ) -> Any:
        """``eth_call`` of a view (or a dry run of a write), with typed reverts."""
        params = {"from": sender} if sender else {}
        return self.rpc(lambda: fn.call(params, block_identifier=block))  # type: ignore[arg-type]

    def block_number(self) -> int:
        return self.rpc(lambda: int(self.w3.eth.block_number))

    def timestamp(self, block: int | str = "latest") -> int:
        return self.rpc(lambda: int(self.w3.eth.get_block(block)["timestamp"]))  # type: ignore[arg-type]

    # -- writing ------------------------------------------------------------------------------

    def fees(self) -> TxParams:
        """Fee fields for a transaction sent now, read from the node every time (a price read
        once goes stale: under load the EIP-1559 base fee rises up to 12.5% per block).

        A chain with a base fee (EIP-1559, anvil, Besu/GoQuorum with London): a type-2
        transaction, ``maxFeePerGas`` = 2 × the latest base fee + the node's suggested tip, so
        it stays valid while the base fee rises for a few blocks (only base fee + tip is paid).
        A chain without one (a base fee of 0 or none: free-gas Besu/GoQuorum networks, pre-London
        nodes): a legacy ``gasPrice`` of ``eth_gasPrice`` (0 on free-gas networks)."""
        block = self.rpc(lambda: self.w3.eth.get_block("latest"))
        base = int(block.get("baseFeePerGas") or 0)
        if base <= 0:
            return {"gasPrice": Wei(self.rpc(lambda: int(self.w3.eth.gas_price)))}
        try:
            tip = self.rpc(lambda: int(self.w3.eth.max_priority_fee))
        except ChainUnavailable:
            raise
        except Exception:  # noqa: BLE001 (a node without eth_maxPriorityFeePerGas: no tip)
            tip = 0
        return {
            "maxFeePerGas": Wei(BASE_FEE_HEADROOM * base + tip),
            "maxPriorityFeePerGas": Wei(tip),
        }

    def gas_price(self) -> int:
        """The fee cap per gas a transaction sent now offers (:meth:`fees`)."""
        fees = self.fees()
        return int(fees.get("maxFeePerGas", fees.get("gasPrice", 0)))

    def sign(
        self,
        signer: LocalAccount,
        fn: ContractFunction | ContractConstructor,
        *,
        gas: int | None = None,
    ) -> tuple[bytes, str]:
        """Estimate (which surfaces a revert as its typed error), then sign. Returns (raw, hash)."""
        address = signer.address
        if gas is None:
            estimate = self.rpc(lambda: int(fn.estimate_gas({"from": address})))
            gas = estimate * GAS_MARGIN_NUM // GAS_MARGIN_DEN + GAS_MARGIN_ADD
        nonce = self._nonces.take(self.w3, address)
        params: TxParams = {
            "from": address,
            "nonce": Nonce(nonce),
            "gas": gas,
            "chainId": self.chain_id,
            **self.fees(),
        }
        tx = fn.build_transaction(params)
        # web3 builds a TxParams TypedDict; eth-account types the same dict as dict[str, ...]
        signed = signer.sign_transaction(cast(dict[str, Any], tx))
        return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()

    def forget_nonce(self, address: str) -> None:
        """Re-read ``address``'s nonce from the node next time (after sending around this class)."""
        self._nonces.forget(address)

    def send_raw(self, signer: LocalAccount, raw: bytes) -> str:
        """Send a signed transaction; a refusal for its fee raises :class:`FeeTooLow`."""
        try:
            return self.rpc(lambda: "0x" + bytes(self.w3.eth.send_raw_transaction(raw)).hex())
        except Exception as exc:
            self._nonces.forget(signer.address)
            if not isinstance(exc, MuluError) and is_fee_refusal(str(exc)):
                raise FeeTooLow(f"the node refused the transaction's fee: {exc}") from exc
            raise

    def wait(self, tx_hash: str, *, timeout: float = 120.0) -> TxReceipt:
        with self.translate():
            try:
                return self.w3.eth.wait_for_transaction_receipt(
                    HexStr(tx_hash), timeout=timeout, poll_latency=0.05
                )
            except TimeExhausted as exc:
                # typed here, inside translate: its message holds the hash, which the revert
                # decoder would otherwise take for revert data (UnknownRevert)
                raise ChainUnavailable(f"no receipt for {tx_hash} within {timeout:.0f} s") from exc

    def transact(
        self,
        signer: LocalAccount,
        fn: ContractFunction | ContractConstructor,
        *,
        gas: int | None = None,
    ) -> TxReceipt:
        """Send ``fn`` from ``signer`` and wait; a revert raises its typed error, nothing changes.
        A refusal for the fee is priced again from the latest block and sent again
        (:data:`FEE_ATTEMPTS` sends in all)."""
        for attempt in range(1, FEE_ATTEMPTS + 1):
            raw, _ = self.sign(signer, fn, gas=gas)
            try:
                tx_hash = self.send_raw(signer, raw)
                break
            except FeeTooLow:
                if attempt == FEE_ATTEMPTS:
                    raise
        try:
            receipt = self.wait(tx_hash)
        except Exception:
            # no receipt: the node may have lost blocks (restarted from older state) and our
            # cached nonce be in its future; read it from the node next time
            self._nonces.forget(signer.address)
            raise
        if receipt["status"] != 1:
            block = int(receipt["blockNumber"])
            if isinstance(fn, ContractConstructor):
                # a constructor has no address to replay an eth_call against
                raise TransactionFailedError(f"deployment failed in block {block}")
            self._raise_replayed(signer.address, fn, block)
        return receipt

    def _raise_replayed(self, sender: str, fn: ContractFunction, block: int) -> None:
        """Re-run a failed transaction as a call on the state before its block to name the error.

        The call carries the failed block's number and time (``eth_call`` block overrides, where
        the node supports them), so a time rule that failed at that block fails the same way.
        """
        parent = max(block - 1, 0)
        if not self.is_tester:
            header = self.rpc(lambda: self.w3.eth.get_block(block))
            call = {"from": sender, "to": fn.address, "data": fn._encode_transaction_data()}
            overrides = {"number": hex(block), "time": hex(int(header["timestamp"]))}
            with self.translate():
                try:
                    answer = self.w3.provider.make_request(
                        RPCEndpoint("eth_call"), [call, hex(parent), {}, overrides]
                    )
                except ValueError:
                    answer = {}
            error = answer.get("error") if isinstance(answer, dict) else None
            data = error.get("data") if isinstance(error, dict) else None
            if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
                raise decode_revert(bytes.fromhex(data[2:]))
        self.call(fn, block=parent, sender=sender)
        raise TransactionFailedError(
            f"transaction failed in block {block} (revert not reproducible)"
        )

    def deploy(self, signer: LocalAccount, name: str, *args: Any) -> Contract:
        """Deploy artifact ``name`` with constructor ``args``; returns the contract object."""
        artifact = load_artifact(name)
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        receipt = self.transact(signer, factory.constructor(*args))
        address = receipt["contractAddress"]
        if not address:
            raise TransactionFailedError(f"deployment of {name} returned no address")
        return self.contract(name, address)

    # -- local development helpers ------------------------------------------------------------

    def _dev_request(self, method: str, params: list[Any]) -> Any:
        """A node-specific request (``evm_*``, ``anvil_*``); its ``result``, or
        :class:`InvalidInput` naming what the node refused (an answer with ``error`` is not a
        success: anvil answers ``evm_increaseTime`` of 10¹⁵ s that way and moves nothing)."""
        answer = self.rpc(lambda: self.w3.provider.make_request(RPCEndpoint(method), params))
        error = answer.get("error") if isinstance(answer, dict) else None
        if error:
            message = error.get("message", error) if isinstance(error, dict) else error
            raise InvalidInput(f"the node refused {method}{params}: {message}")
        return answer.get("result") if isinstance(answer, dict) else answer

    def fund(self, address: str, wei: int) -> None:
        """Give ``address`` a balance (local node or in-process chain only)."""
        if self.is_tester:
            source = self.w3.eth.accounts[0]
            tx = self.w3.eth.send_transaction({"from": source, "to": address, "value": Wei(wei)})
            self.wait("0x" + bytes(tx).hex())
            return
        self._dev_request("anvil_setBalance", [address, hex(wei)])

    def advance_time(self, seconds: int) -> int:
        """Move block time forward by ``seconds`` and mine a block; returns the new timestamp."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        if self.is_tester:
            tester = self.w3.provider.ethereum_tester  # type: ignore[attr-defined]
            tester.time_travel(self.timestamp() + seconds)
            tester.mine_blocks(1)
        else:
            self._dev_request("evm_increaseTime", [seconds])
            self._dev_request("evm_mine", [])
        return self.timestamp()

    def set_next_timestamp(self, timestamp: int) -> None:
        """Make the next block (the next transaction's) carry ``timestamp`` exactly; local node
        or in-process chain only."""
        if timestamp <= self.timestamp():
            raise ValueError("time only moves forward")
        if self.is_tester:
            self.w3.provider.ethereum_tester.time_travel(timestamp)  # type: ignore[attr-defined]
        else:
            self._dev_request("evm_setNextBlockTimestamp", [timestamp])

    def snapshot(self) -> object:
        """Snapshot the chain state (local node or in-process chain only)."""
        if self.is_tester:
            return self.w3.provider.ethereum_tester.take_snapshot()  # type: ignore[attr-defined]
        return self._dev_request("evm_snapshot", [])

    def revert_to(self, snapshot: object) -> None:
        """Go back to ``snapshot``; nonces are re-read afterwards."""
        if self.is_tester:
            self.w3.provider.ethereum_tester.revert_to_snapshot(snapshot)  # type: ignore[attr-defined]
        else:
            self._dev_request("evm_revert", [snapshot])
        self._nonces = _Nonces()

    @staticmethod
    def new_account() -> LocalAccount:
        """A fresh Ethereum account from ``os.urandom`` (via eth-account)."""
        account: LocalAccount = Account.create()  # eth-account's combomethod is untyped (Any)
        return account

    def wait_until_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.block_number()
                return
            except ChainUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def _is_revert(exc: Exception) -> bool:
    name = type(exc).__name__
    return name in {"TransactionFailed", "ContractLogicError"} or "revert" in str(exc).lower()
