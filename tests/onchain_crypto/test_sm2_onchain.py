"""``SM2Verifier`` against sm_crypto (OpenSSL): same verdict for valid and hostile signatures."""

from __future__ import annotations

import re
import secrets
import statistics

import pytest
from eth_abi import decode as abi_decode
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

import sm_crypto
from chain_client.compile import REPO_ROOT, load_artifact
from sm_crypto import curve

from . import sm2_ref
from .corpus import DEFAULT_ID, Case, hostile_cases, i2b, openssl_accepts, valid_case

pytestmark = pytest.mark.anvil

SM2_SOL = REPO_ROOT / "contracts" / "crypto" / "SM2.sol"


def onchain_accepts(verifier: Contract, case: Case) -> bool:
    _, xy, message, sig, id = case
    x, y = xy[:32], xy[32:]
    za = sm_crypto.z_value(sm_crypto.PublicKey.from_bytes(xy), id)
    return bool(verifier.functions.verify(x, y, za, message, sig[:32], sig[32:]).call())


def revert_selector(exc: ContractLogicError) -> bytes:
    data = exc.data
    assert isinstance(data, str), data
    return bytes.fromhex(data[2:10])


def error_selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


# --- constants and tables -----------------------------------------------------------------


def test_curve_constants_match_sm_crypto() -> None:
    text = SM2_SOL.read_text()
    for name in ("P", "A", "B", "N", "GX", "GY"):
        match = re.search(rf"uint256 internal constant {name} = (0x[0-9A-Fa-f]+);", text)
        assert match, name
        assert int(match.group(1), 16) == getattr(curve, name), name


def test_fixed_base_table_matches_reference() -> None:
    match = re.search(r'bytes internal constant G_TABLE = hex"([0-9a-f]+)";', SM2_SOL.read_text())
    assert match
    assert bytes.fromhex(match.group(1)) == sm2_ref.comb_table(sm2_ref.G)


def test_deployed_size_within_eip170() -> None:
    for name in ("SM2Verifier", "SM3Hasher"):
        size = (len(load_artifact(name)["deployedBytecode"]) - 2) // 2
        assert 0 < size <= 24_576, (name, size)


# --- keys and Z_A -------------------------------------------------------------------------


def test_is_on_curve(sm2_verifier: Contract) -> None:
    fn = sm2_verifier.functions.isOnCurve
    assert fn(i2b(curve.GX), i2b(curve.GY)).call() is True
    xy = sm_crypto.PrivateKey.generate().public_key.xy
    assert fn(xy[:32], xy[32:]).call() is True
    y = int.from_bytes(xy[32:], "big")
    assert fn(xy[:32], i2b(P_MINUS(y))).call() is True  # -Q is on the curve too
    for x_, y_ in [
        (0, 0),
        (curve.GX, curve.GY + 1),
        (curve.GX + curve.P, curve.GY),
        (curve.GX, curve.GY + curve.P),
        (curve.P, 0),
        (2**256 - 1, 2**256 - 1),
    ]:
        if x_ < 2**256 and y_ < 2**256:
            assert fn(i2b(x_), i2b(y_)).call() is False, (x_, y_)


def P_MINUS(y: int) -> int:  # noqa: N802 - reads as the formula
    return curve.P - y


@pytest.mark.parametrize("id", [DEFAULT_ID, b"", b"ALICE123@YAHOO.COM", b"\xff" * 200, b"i" * 8191])
def test_compute_z_matches_sm_crypto(sm2_verifier: Contract, id: bytes) -> None:
    pub = sm_crypto.PrivateKey.generate().public_key
    got = sm2_verifier.functions.computeZ(pub.xy[:32], pub.xy[32:], id).call()
    if len(id) <= sm_crypto.MAX_ID_SIZE:
        assert got == sm_crypto.z_value(pub, id)
    else:  # sm_crypto stops at 8190 bytes; the standard's ENTL allows 8191
        entl = (8 * len(id)).to_bytes(2, "big")
        curve_bytes = b"".join(i2b(v) for v in (curve.A, curve.B, curve.GX, curve.GY))
        assert got == sm_crypto.sm3(entl + id + curve_bytes + pub.xy)


def test_compute_z_rejects_long_id_and_off_curve_key(sm2_verifier: Contract) -> None:
    xy = sm_crypto.PrivateKey.generate().public_key.xy
    with pytest.raises(ContractLogicError) as info:
        sm2_verifier.functions.computeZ(xy[:32], xy[32:], b"i" * 8192).call()
    assert revert_selector(info.value) == error_selector("SM2IdTooLong(uint256,uint256)")
    assert abi_decode(["uint256", "uint256"], bytes.fromhex(str(info.value.data)[10:])) == (
        8192,
        8191,
    )
    bad_y = i2b(int.from_bytes(xy[32:], "big") ^ 1)
    with pytest.raises(ContractLogicError) as info:
        sm2_verifier.functions.computeZ(xy[:32], bad_y, DEFAULT_ID).call()
    assert revert_selector(info.value) == error_selector("SM2InvalidPublicKey(bytes32,bytes32)")


@pytest.mark.parametrize("fn", ["verify", "verifyDigest", "precompute"])
def test_off_curve_keys_revert_with_named_error(sm2_verifier: Contract, fn: str) -> None:
    key = sm_crypto.PrivateKey.generate()
    xy, sig = key.public_key.xy, key.sign_raw(b"m")
    for x, y in [
        (xy[:32], i2b(int.from_bytes(xy[32:], "big") ^ 4)),
        (i2b(0), i2b(0)),
        (i2b(curve.GX + curve.P), i2b(curve.GY)),
    ]:
        args: tuple[bytes, ...]
        if fn == "verify":
            args = (x, y, bytes(32), b"m", sig[:32], sig[32:])
        elif fn == "verifyDigest":
            args = (x, y, bytes(32), sig[:32], sig[32:])
        else:
            args = (x, y)
        with pytest.raises(ContractLogicError) as info:
            getattr(sm2_verifier.functions, fn)(*args).call()
        assert revert_selector(info.value) == error_selector("SM2InvalidPublicKey(bytes32,bytes32)")
        assert openssl_accepts(x + y, b"m", sig, DEFAULT_ID) is False


# --- differential verdicts ---------------------------------------------------------------


def test_random_valid_signatures_and_their_hostile_variants(sm2_verifier: Contract) -> None:
    """Many random keys/messages/IDs; each valid signature plus its hostile corpus."""
    checked = accepted = 0
    mismatches: list[str] = []
    for _ in range(20):
        case = valid_case()
        for variant in [case, *hostile_cases(case)]:
            want = openssl_accepts(*variant[1:])
            got = onchain_accepts(sm2_verifier, variant)
            checked += 1
            accepted += got
            if got != want:
                mismatches.append(f"{variant[0]}: chain {got}, openssl {want}")
    assert mismatches == []
    assert accepted >= 20  # every valid case was accepted, so the suite can tell them apart
    assert checked > 500


def test_many_random_keys(sm2_verifier: Contract) -> None:
    wrong = []
    for _ in range(100):
        case = valid_case()
        if not onchain_accepts(sm2_verifier, case):
            wrong.append(case)
        # the same signature with one random bit of the message flipped must fail
        bad = ("flip",) + case[1:2] + (case[2] + b"\x01",) + case[3:]
        if onchain_accepts(sm2_verifier, bad):  # type: ignore[arg-type]
            wrong.append(bad)  # type: ignore[arg-type]
    assert wrong == []


@pytest.mark.parametrize("scalar", [1, 2, curve.N - 2, 2**64, 2**192 + 1])
def test_small_and_structured_private_keys(sm2_verifier: Contract, scalar: int) -> None:
    """Keys G, 2G, -2G, 2^64·G…, whose tables overlap G's, signed by OpenSSL."""
    key = sm_crypto.PrivateKey.unsafe_from_scalar(scalar)
    xy = key.public_key.xy
    for _ in range(8):
        message = secrets.token_bytes(8)
        sig = key.sign_raw(message)
        assert onchain_accepts(sm2_verifier, ("edge", xy, message, sig, DEFAULT_ID)) is True
        assert onchain_accepts(sm2_verifier, ("edge", xy, message + b"!", sig, DEFAULT_ID)) is False


def _top_index(k: int) -> int:
    return sum(((k >> (64 * j + 63)) & 1) << j for j in range(4))


@pytest.mark.parametrize("multiple", [1, -1, 2, -2])
def test_exceptional_additions_in_the_comb(sm2_verifier: Contract, multiple: int) -> None:
    """Key ±G or ±2G and scalars s, t with the same top comb index: at the very first step the
    accumulator T_G[k] meets T_P[k] = ±T_G[k] (a doubling, or the point at infinity, which the
    mixed addition must handle). Digests are made to fit, so the verdict must be `true`."""
    pub = sm2_ref.mul(multiple % curve.N, sm2_ref.G)
    assert pub is not None
    x, y = i2b(pub[0]), i2b(pub[1])
    fn = sm2_verifier.functions.verifyDigest
    for _ in range(6):
        s = secrets.randbelow(curve.N - 1) + 1
        if _top_index(s) == 0:
            continue
        mask = sum(1 << (64 * j + 63) for j in range(4))
        t = (secrets.randbelow(2**255) & ~mask) | (s & mask)
        if not 0 < t < curve.N or (t - s) % curve.N == 0:
            continue
        assert _top_index(s) == _top_index(t) != 0
        e, r, s = sm2_ref.digest_signature_for(s, t, pub)
        assert sm2_ref.verify_digest(e, r, s, pub) is True
        assert fn(x, y, i2b(e), i2b(r), i2b(s)).call() is True
        assert fn(x, y, i2b(e ^ 1), i2b(r), i2b(s)).call() is False


def test_x1_at_least_n_uses_the_second_candidate(sm2_verifier: Contract) -> None:
    """(e + x1) mod n = r with n <= x1 < p: the check X = (c + n)·Z² must fire. The key is made
    to fit: R = lift(x1) and P = t⁻¹(R - [s]G), so [s]G + [t]P = R."""
    x1 = curve.N + secrets.randbelow(curve.P - curve.N)
    point = sm2_ref.lift_x(x1)
    while point is None:
        x1 = curve.N + secrets.randbelow(curve.P - curve.N)
        point = sm2_ref.lift_x(x1)
    s = secrets.randbelow(curve.N - 1) + 1
    t = secrets.randbelow(curve.N - 1) + 1
    pub = sm2_ref.mul(
        pow(t, -1, curve.N), sm2_ref.add(point, sm2_ref.neg(sm2_ref.mul(s, sm2_ref.G)))
    )
    assert pub is not None
    e, r, s = sm2_ref.digest_signature_for(s, t, pub)
    assert sm2_ref.verify_digest(e, r, s, pub) is True
    fn = sm2_verifier.functions.verifyDigest
    x, y = i2b(pub[0]), i2b(pub[1])
    assert fn(x, y, i2b(e), i2b(r), i2b(s)).call() is True
    # x1 = c + n here (c = (r - e) mod n): a verifier comparing x1 with c alone says false
    assert (r - e) % curve.N + curve.N == x1
    assert fn(x, y, i2b(e ^ 1), i2b(r), i2b(s)).call() is False


# --- precomputed keys ----------------------------------------------------------------------


def test_precompute_stores_table_once_and_keeps_verdicts(w3: Web3, sm2_verifier: Contract) -> None:
    key = sm_crypto.PrivateKey.generate()
    xy = key.public_key.xy
    x, y = xy[:32], xy[32:]
    cases = [valid_case(key) for _ in range(3)]
    variants = [v for c in cases for v in [c, *hostile_cases(c)]]
    before = [onchain_accepts(sm2_verifier, v) for v in variants]
    assert sm2_verifier.functions.isPrecomputed(x, y).call() is False
    gas_before = sm2_verifier.functions.verifyDigest(x, y, bytes(32), i2b(1), i2b(1)).estimate_gas()

    tx = sm2_verifier.functions.precompute(x, y).transact({"from": w3.eth.accounts[0]})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    events = sm2_verifier.events.SM2KeyPrecomputed().process_receipt(receipt)
    assert len(events) == 1
    assert events[0]["args"]["keyHash"] == keccak(xy)
    holder = events[0]["args"]["table"]
    code = bytes(w3.eth.get_code(holder))
    assert code == b"\x00" + sm2_ref.comb_table(
        (int.from_bytes(x, "big"), int.from_bytes(y, "big"))
    )
    assert sm2_verifier.functions.isPrecomputed(x, y).call() is True

    again = w3.eth.wait_for_transaction_receipt(
        sm2_verifier.functions.precompute(x, y).transact({"from": w3.eth.accounts[0]})
    )
    assert sm2_verifier.events.SM2KeyPrecomputed().process_receipt(again) == ()

    after = [onchain_accepts(sm2_verifier, v) for v in variants]
    want = [openssl_accepts(*v[1:]) for v in variants]
    assert before == want
    assert after == want
    gas_after = sm2_verifier.functions.verifyDigest(x, y, bytes(32), i2b(1), i2b(1)).estimate_gas()
    assert gas_after < gas_before - 50_000


# --- gas -------------------------------------------------------------------------------


def test_verification_gas_within_budget(sm2_verifier: Contract) -> None:
    gases = []
    for _ in range(5):
        _, xy, message, sig, id = valid_case()
        za = sm_crypto.z_value(sm_crypto.PublicKey.from_bytes(xy), id)
        call = sm2_verifier.functions.verify(xy[:32], xy[32:], za, message[:32], sig[:32], sig[32:])
        gases.append(call.estimate_gas())
    assert statistics.median(gases) < 400_000  # the bar is 1,000,000


def test_reference_is_sane() -> None:
    """The reference itself accepts OpenSSL signatures (so the checks above compare like with like)."""
    _, xy, message, sig, id = valid_case()
    pub = sm_crypto.PublicKey.from_bytes(xy)
    e = int.from_bytes(sm_crypto.message_digest(pub, message, id), "big")
    point = (int.from_bytes(xy[:32], "big"), int.from_bytes(xy[32:], "big"))
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    assert sm2_ref.verify_digest(e, r, s, point) is True
    assert sm2_ref.verify_digest(e ^ 1, r, s, point) is False
