"""``mulu sm3`` and ``mulu sm2 ...``: SM3 digests and SM2 keys and signatures at the command line.

Hex on the edges, bytes inside. ``sm2 verify`` exits 0 (valid), 1 (invalid) or 2 (malformed
input: undecodable key, signature or hex). Passwords come from a prompt or ``--password-env``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

import sm_crypto
from mulu.errors import InvalidInput

from ._context import emit

__all__ = ["register"]

_CHUNK = 1 << 20
_DEFAULT_ID = sm_crypto.DEFAULT_ID.decode()

sm2_app = typer.Typer(help="SM2 keys and signatures (GB/T 32918, OpenSSL).", no_args_is_help=True)

PasswordEnv = Annotated[
    str | None,
    typer.Option(
        "--password-env",
        metavar="VAR",
        help="Read the key password from this environment variable instead of a prompt.",
    ),
]
IdOption = Annotated[
    str,
    typer.Option("--id", help="Signer ID (UTF-8).", show_default=True),
]


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


def _password(env: str | None, *, confirm: bool) -> bytes:
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise InvalidInput(f"environment variable {env} is unset or empty")
        return _utf8(value, f"the password in ${env}")
    value = typer.prompt("Key password", hide_input=True, confirmation_prompt=confirm)
    return _utf8(str(value), "the password typed")


def _utf8(text: str, what: str) -> bytes:
    """``text`` as UTF-8, or :class:`InvalidInput` naming ``what`` only: bytes that are not UTF-8
    (arguments, environment) arrive as lone surrogates, and the message must not echo a secret."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{what} is not valid UTF-8 text") from None


def _load_private(path: Path, env: str | None) -> sm_crypto.PrivateKey:
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
    return sm_crypto.PrivateKey.from_pem(pem, _password(env, confirm=False))


def _unhex(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text.strip().removeprefix("0x"))
    except ValueError as exc:
        raise sm_crypto.MalformedSignature(f"{what} is not hex: {exc}") from exc


def _load_public(value: str) -> sm_crypto.PublicKey:
    path = Path(value)
    if path.is_file():
        data = path.read_bytes()
        if b"-----BEGIN" in data:
            return sm_crypto.PublicKey.from_pem(data)
        value = data.decode("ascii", "replace")
    try:
        raw = bytes.fromhex(value.strip().removeprefix("0x"))
    except ValueError as exc:
        raise sm_crypto.InvalidKey(
            "--public-key is neither a PEM file nor hex (04‖x‖y or x‖y)"
        ) from exc
    return sm_crypto.PublicKey.from_bytes(raw)


def sm3_command(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="File to hash; '-' reads stdin.")],
) -> None:
    """Print the SM3 digest (hex) of FILE."""
    h = sm_crypto.new()
    try:
        stream = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}") from exc
    with stream:
        while chunk := stream.read(_CHUNK):
            h.update(chunk)
    digest = h.hexdigest()
    emit(ctx, {"sm3": digest, "file": file}, lambda: typer.echo(digest))


@sm2_app.command("keygen")
def keygen(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Where to write the encrypted PKCS#8 PEM.")],
    password_env: PasswordEnv = None,
) -> None:
    """Generate an SM2 key; write it encrypted (PKCS#8, AES-256) to --out."""
    if out.exists():
        raise InvalidInput(f"{out} exists; refusing to overwrite a key")
    password = _password(password_env, confirm=True)
    key = sm_crypto.PrivateKey.generate()
    pem = key.to_pem(password)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        out.unlink(missing_ok=True)  # no half-written key left behind
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}") from None
    public = key.public_key.to_bytes().hex()
    emit(ctx, {"key": str(out), "public_key": public}, lambda: typer.echo(public))


@sm2_app.command("pubkey")
def pubkey(
    ctx: typer.Context,
    key: Annotated[Path, typer.Argument(help="Encrypted PKCS#8 PEM private key.")],
    password_env: PasswordEnv = None,
) -> None:
    """Print the public key (04‖x‖y hex) of KEY."""
    public = _load_private(key, password_env).public_key.to_bytes().hex()
    emit(ctx, {"public_key": public}, lambda: typer.echo(public))


@sm2_app.command("sign")
def sign(
    ctx: typer.Context,
    key: Annotated[Path, typer.Argument(help="Encrypted PKCS#8 PEM private key.")],
    file: Annotated[str, typer.Argument(help="File to sign; '-' reads stdin.")],
    id: IdOption = _DEFAULT_ID,
    raw: Annotated[bool, typer.Option("--raw", help="Print raw r‖s (64 bytes), not DER.")] = False,
    password_env: PasswordEnv = None,
) -> None:
    """Print the SM2 signature (hex; DER unless --raw) of FILE."""
    private = _load_private(key, password_env)
    message = _read_input(file)
    signer_id = _utf8(id, "--id")
    sig = private.sign_raw(message, id=signer_id) if raw else private.sign(message, id=signer_id)
    emit(
        ctx,
        {"signature": sig.hex(), "format": "raw" if raw else "der"},
        lambda: typer.echo(sig.hex()),
    )


@sm2_app.command("verify")
def verify(
    ctx: typer.Context,
    public_key: Annotated[
        str, typer.Option("--public-key", help="04‖x‖y or x‖y hex, or a PEM / hex file.")
    ],
    signature: Annotated[str, typer.Option("--signature", help="DER or raw r‖s, hex.")],
    file: Annotated[str, typer.Argument(help="Signed file; '-' reads stdin.")],
    id: IdOption = _DEFAULT_ID,
    on_chain: Annotated[
        bool,
        typer.Option(
            "--on-chain",
            help="Verify with the deployed SM2 verifier contract (eth_call) and print its gas.",
        ),
    ] = False,
    verifier: Annotated[
        str | None,
        typer.Option(help="Verifier address (default: SM2Verifier of $MULU_HOME/deployment.json)."),
    ] = None,
) -> None:
    """Verify; exit 0 valid, 1 invalid, 2 malformed input."""
    signer_id = _utf8(id, "--id")
    key = _load_public(public_key)
    sig = _unhex(signature, "--signature")
    message = _read_input(file)
    if on_chain:
        _verify_on_chain(ctx, key, sig, message, signer_id, verifier)
        return
    try:
        key.verify(sig, message, id=signer_id)
    except sm_crypto.MalformedSignatureError as exc:
        # Undecodable: exit 2. Re-raise the decoding cause (a MalformedSignature, InvalidInput).
        raise (exc.__cause__ if isinstance(exc.__cause__, InvalidInput) else exc) from None
    emit(ctx, {"valid": True}, lambda: typer.echo("valid"))


def _verify_on_chain(
    ctx: typer.Context,
    key: sm_crypto.PublicKey,
    sig: bytes,
    message: bytes,
    signer_id: bytes,
    address: str | None,
) -> None:
    """The same verdict, computed by the contract: GB/T 32918.2 in Solidity, via eth_call."""
    from chain_client.sm2_onchain import verify_onchain

    from ._session import Session

    raw = sig if len(sig) == 64 else sm_crypto.signature_to_raw(sig)  # malformed DER: exit 2
    session = Session(ctx)
    if address is None:
        from chain_client.deploy import Deployment

        deployment = Deployment.load(session.deployment_path)
        address = deployment.addresses.get("SM2Verifier")
        if address is None:
            raise InvalidInput(
                "this deployment has no SM2Verifier: pass --verifier ADDRESS "
                "(or bootstrap a fresh home with `mulu dev bootstrap --onchain-sm2`)"
            )
    verdict = session.chain.rpc(
        lambda: verify_onchain(session.chain.w3, address, key.xy, message, raw, signer_id)
    )
    data = {"valid": verdict.valid, "gas_used": verdict.gas_used, "verifier": address}
    if not verdict.valid:
        raise sm_crypto.InvalidSignature(
            f"signature invalid (on-chain verifier {address}, gas {verdict.gas_used:,})"
        )
    emit(ctx, data, lambda: typer.echo(f"valid (on chain, gas {verdict.gas_used:,})"))


def register(app: typer.Typer) -> None:
    """Attach ``sm3`` and the ``sm2`` group to the root CLI."""
    app.command("sm3")(sm3_command)
    app.add_typer(sm2_app, name="sm2")
