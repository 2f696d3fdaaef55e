"""``mulu catalog``: validate, hash, prove, verify proofs, diff, schema, templates, import.

Thin: every command reads its files through :mod:`catalog`'s ``read_*`` helpers, calls the
library and prints. Errors are the library's (``CatalogInvalid`` exit 2, ``ProofInvalid`` /
``RootMismatch`` / ``DiffInvalid`` exit 1); ``main()`` maps them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from catalog import (
    DEFAULT_MAX_BYTES,
    CatalogInvalid,
    CatalogModel,
    InclusionProof,
    ProofInvalid,
    catalog_from_document,
    csv_template,
    diff_catalogs,
    import_csv,
    import_xlsx,
    parse_json,
    read_catalog,
    read_limited,
    verify_inclusion,
    xlsx_template,
)
from mulu.errors import InvalidInput
from mulu.files import write_atomic

from ._context import console, emit, styled


def write_output(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (:func:`mulu.files.write_atomic`);
    :class:`InvalidInput` naming the path and why when it cannot be."""
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None


__all__ = ["catalog_app", "register"]

catalog_app = typer.Typer(
    help="Data catalogs (数据目录): validate, digest, Merkle proofs, diffs, templates.",
    no_args_is_help=True,
)

MaxBytes = Annotated[
    int,
    typer.Option("--max-bytes", help="Refuse larger files before reading them.", show_default=True),
]


def register(app: typer.Typer) -> None:
    """Attach the ``catalog`` group to the root app."""
    app.add_typer(catalog_app, name="catalog")


@catalog_app.command("validate")
def validate(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Catalog JSON file.")],
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Check a catalog against schema mulu.catalog/v1 and its cross-field rules."""
    cat = read_catalog(file, max_bytes=max_bytes)
    data = {"valid": True, "file": str(file), **cat.summary()}
    emit(
        ctx,
        data,
        lambda: console.print(
            styled("green", "valid")
            + escape(
                f": {cat.project_code} {cat.kind.value} ({cat.kind.label}) "
                f"v{cat.version}, {cat.resource_count} resources"
            ),
            markup=True,
        ),
    )


@catalog_app.command("hash")
def hash_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Catalog JSON file.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Print the SM3 digest of the canonical (RFC 8785) bytes and the Merkle root."""
    cat = read_catalog(file, max_bytes=max_bytes)
    data = cat.summary()
    if json_out:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    emit(
        ctx,
        data,
        lambda: typer.echo(f"digest      {data['digest']}\nmerkle_root {data['merkle_root']}"),
    )


@catalog_app.command("prove")
def prove(
    file: Annotated[Path, typer.Argument(help="Catalog JSON file.")],
    resource_code: Annotated[str, typer.Argument(help="信息资源代码, e.g. 101001/000001.")],
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Print the inclusion proof (JSON) of one resource in the catalog's Merkle root."""
    cat = read_catalog(file, max_bytes=max_bytes)
    typer.echo(json.dumps(cat.prove(resource_code).to_json(), ensure_ascii=False, indent=2))


@catalog_app.command("verify-proof")
def verify_proof(
    ctx: typer.Context,
    proof_file: Annotated[Path, typer.Argument(help="Proof JSON (from `mulu catalog prove`).")],
    root: Annotated[str, typer.Option("--root", help="Trusted (anchored) Merkle root, hex.")],
    size: Annotated[
        int | None,
        typer.Option("--size", help="Trusted tree size (anchored resource count), if known."),
    ] = None,
) -> None:
    """Verify an inclusion proof against a trusted root: exit 0 valid, 1 invalid, 2 a malformed
    --root."""
    try:  # the trusted root is the caller's input, not part of the proof: bad input, exit 2
        trusted = bytes.fromhex(root.removeprefix("0x"))
    except ValueError:
        raise InvalidInput(
            f"--root {root[:140]!r}: not hex (want 32 bytes, 64 hex digits)"
        ) from None
    if len(trusted) != 32:
        raise InvalidInput(f"--root: {len(trusted)} bytes, want 32 (64 hex digits)")
    try:
        data = parse_json(read_limited(proof_file))
    except CatalogInvalid as exc:
        raise ProofInvalid(f"{proof_file}: {exc}") from None
    proof = InclusionProof.from_json(data)
    verify_inclusion(proof, trusted, tree_size=size)
    out = {
        "valid": True,
        "leaf_index": proof.leaf_index,
        "tree_size": proof.tree_size,
        "root": trusted.hex(),
        "resource_code": proof.resource_code,
    }
    emit(
        ctx,
        out,
        lambda: console.print(
            styled("green", "valid")
            + escape(
                f": leaf {proof.leaf_index} of {proof.tree_size}"
                + (f" ({proof.resource_code})" if proof.resource_code else "")
                + f" in root {root}"
            ),
            markup=True,
        ),
    )


@catalog_app.command("diff")
def diff(
    ctx: typer.Context,
    old: Annotated[Path, typer.Argument(help="Old catalog (normally the declared one).")],
    new: Annotated[Path, typer.Argument(help="New catalog (normally the acceptance one).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the proven diff JSON.")] = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Resources added, removed and changed, the change ratio (art. 16) and the diff digest."""
    a = read_catalog(old, max_bytes=max_bytes)
    b = read_catalog(new, max_bytes=max_bytes)
    d = diff_catalogs(a, b)
    if json_out:
        typer.echo(json.dumps(d.to_json(), ensure_ascii=False, indent=2))
        return

    def human() -> None:
        console.print(
            f"{a.project_code}: {a.kind.value} v{a.version} → {b.kind.value} v{b.version}"
        )
        for code in d.added:
            name = escape(str(b.resource(code).get("name", "")))
            console.print(f"  {styled('green', '+ ' + code)} {name}", markup=True)
        for code in d.removed:
            name = escape(str(a.resource(code).get("name", "")))
            console.print(f"  {styled('red', '- ' + code)} {name}", markup=True)
        for change in d.changed:
            console.print(f"  {styled('yellow', '~ ' + change['code'])}", markup=True)
            for c in change["changes"]:
                console.print(f"      {c['path']}: {_short(c.get('old'))} → {_short(c.get('new'))}")
        path = "备案 filing" if d.ratio_bp <= 1500 else "变更审批 change approval"
        console.print(
            f"unchanged {d.unchanged_count}; change ratio {d.ratio_bp} bp "
            f"({d.ratio_bp / 100:.2f} %, art. 16 → {path})"
        )
        console.print(f"diff digest {d.digest.hex()}")

    summary = {k: v for k, v in d.to_json().items() if k != "proofs"}
    summary["digest"] = d.digest.hex()
    emit(ctx, summary, human)


def _short(value: Any) -> str:
    if value is None:
        return "∅"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


@catalog_app.command("schema")
def schema() -> None:
    """Print the JSON Schema of mulu.catalog/v1."""
    typer.echo(
        json.dumps(CatalogModel.model_json_schema(by_alias=True), ensure_ascii=False, indent=2)
    )


@catalog_app.command("template")
def template(
    ctx: typer.Context,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Write an XLSX template here.")
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write a CSV template here.")
    ] = None,
) -> None:
    """Write the fill-in templates (Chinese headers) agencies use."""
    if xlsx is None and csv_path is None:
        raise InvalidInput("an output option is required: give --xlsx OUT and/or --csv OUT")
    written = []
    if xlsx is not None:
        write_output(xlsx, xlsx_template())
        written.append(str(xlsx))
    if csv_path is not None:
        write_output(csv_path, csv_template())
        written.append(str(csv_path))
    emit(ctx, {"written": written}, lambda: console.print("wrote " + ", ".join(written)))


@catalog_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Filled-in template (.xlsx or .csv).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Catalog JSON to write.")],
    project_code: Annotated[
        str | None, typer.Option("--project-code", help="项目统一编码.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="declared (申报) / acceptance (验收).")
    ] = None,
    version: Annotated[int | None, typer.Option("--version", help="Catalog version (≥ 1).")] = None,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Turn a filled-in CSV/XLSX template into a validated catalog JSON file."""
    data = read_limited(file, max_bytes=max_bytes)
    overrides = {"project_code": project_code, "kind": kind, "version": version}
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        document = import_xlsx(data, **overrides)
    else:
        document = import_csv(data, sheet=file.name, **overrides)
    cat = catalog_from_document(document)
    write_output(output, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode())
    emit(
        ctx,
        {"output": str(output), **cat.summary()},
        lambda: console.print(
            f"wrote {output}: {cat.resource_count} resources, digest {cat.digest.hex()}"
        ),
    )
