"""``mulu step``: the five acceptance steps per resource; ``mulu project gates``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chain_client.types import Role, Step, encode_code
from mulu.errors import InvalidInput

from ._context import console, emit, options

if TYPE_CHECKING:
    import catalog
    from chain_client.steps import Steps

    from ._session import Session

__all__ = ["register"]

step_app = typer.Typer(
    help="The five acceptance steps (入云 更新 上链 确权 对接) per resource of the acceptance catalog.",
    no_args_is_help=True,
)

CodeArg = Annotated[str, typer.Argument(help="Project code.")]
VersionOpt = Annotated[
    int | None, typer.Option(help="Acceptance-catalog version (default: the latest).")
]
ResourcesOpt = Annotated[str, typer.Option(help="'all' or comma-separated resource codes.")]


def register(app: typer.Typer) -> None:
    app.add_typer(step_app, name="step")
    from .chain import project_app

    project_app.command("gates")(project_gates)


def _session(ctx: typer.Context) -> Session:
    from ._session import Session

    return Session(ctx)


def _steps(session: Session) -> Steps:
    from chain_client.steps import Steps

    return Steps(session.ledger)


def _documents(session: Session) -> Path:
    return session.home / "documents"


def _select(doc: catalog.Catalog, resources: str) -> list[str]:
    if resources.strip().lower() == "all":
        return doc.codes
    wanted = [r.strip() for r in resources.split(",") if r.strip()]
    if not wanted:
        raise InvalidInput("--resources: 'all' or a comma-separated list of resource codes")
    unknown = [r for r in wanted if r not in set(doc.codes)]
    if unknown:
        raise InvalidInput(
            f"not in {doc.project_code} acceptance v{doc.version}: {', '.join(unknown)}"
        )
    return wanted


def _version(version: int | None) -> int | None:
    """``--version``: ``None`` (the latest) or 1 .. 2**32 - 1."""
    if version is not None and not 0 < version < 2**32:
        raise InvalidInput(f"--version {version}: versions start at 1 (at most {2**32 - 1})")
    return version


def _anchored_doc(
    session: Session, steps: Steps, code: str, version: int | None
) -> catalog.Catalog:
    from chain_client.steps import find_document

    anchor = steps.acceptance_anchor(code, _version(version))
    return find_document(_documents(session), bytes(anchor["digest"]), "acceptance catalog")


@step_app.command("confirm")
def step_confirm(
    ctx: typer.Context,
    code: CodeArg,
    step: Annotated[str, typer.Option(help="cloud | update | chain | ownership | interface")],
    resources: ResourcesOpt = "all",
    version: VersionOpt = None,
    refreshed_at: Annotated[
        str | None,
        typer.Option(help="update: last observed refresh, ISO 8601 (default: now, block time)."),
    ] = None,
) -> None:
    """Confirm one step for resources of the latest acceptance catalog, in one transaction.

    cloud, interface: a PLATFORM member signs. update: the PLATFORM (observed) or, with
    --as, the project's UNIT (reported). ownership: the project's UNIT signs the 确权
    message with its SM2 key and sends it. chain: satisfied by the anchor; checked here by proof.
    """
    encode_code(code)
    which = Step.parse(step)
    given_time = _parse_time(refreshed_at) if refreshed_at else None  # bad input first
    session = _session(ctx)
    steps = _steps(session)
    doc = _anchored_doc(session, steps, code, version)
    chosen = _select(doc, resources)
    indices = [doc.index_of(c) for c in chosen]
    data: dict[str, Any] = {
        "code": code,
        "version": doc.version,
        "step": which.value,
        "resources": len(chosen),
    }
    if which is Step.CHAIN:
        import catalog as catalog_mod

        for c in chosen:
            catalog_mod.verify_inclusion(
                doc.prove(c), doc.merkle_root, tree_size=doc.resource_count
            )
        data["satisfied_by"] = "anchor"
        emit(
            ctx,
            data,
            lambda: console.print(
                f"上链 chain: {len(chosen)} resources proven in the anchored root"
            ),
        )
        return
    if which is Step.OWNERSHIP:
        signer = session.signer(unit_of=code)
        ident = session.identities.by_address(signer.address)
        assert ident is not None
        key = session.unlock(ident.name).sm2_key
        conf = steps.sign_ownership(key, doc, chosen)
        result = steps.submit_ownership(signer, conf)
    elif which is Step.UPDATE:
        when = given_time if given_time is not None else session.chain.timestamp()
        result = steps.confirm_updates(
            session.signer(Role.PLATFORM), code, doc.version, indices, [when] * len(indices)
        )
        data["refreshed_at"] = when
    else:
        result = steps.confirm(session.signer(Role.PLATFORM), code, doc.version, which, indices)
    data.update(result.to_json())
    emit(
        ctx,
        data,
        lambda: console.print(
            f"{which.zh} {which.value}: {len(chosen)} resources of {code} v{doc.version} confirmed "
            f"(tx {result.tx_hash}, gas {result.gas_used:,})"
        ),
    )


def _parse_time(text: str) -> int:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"--refreshed-at {text!r}: use ISO 8601, e.g. 2026-11-28T09:00:00+08:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))  # Beijing time
    stamp = int(value.timestamp())
    if stamp < 0:  # the chain keeps an unsigned 64-bit Unix time
        raise InvalidInput(f"--refreshed-at {text!r}: before 1970-01-01T00:00:00Z")
    return stamp


@step_app.command("sign-ownership")
def step_sign_ownership(
    ctx: typer.Context,
    code: CodeArg,
    out: Annotated[
        Path, typer.Option("-o", "--out", help="Where to write the signed confirmation (JSON).")
    ],
    version: VersionOpt = None,
    resources: ResourcesOpt = "all",
) -> None:
    """Sign a 确权 offline with the unit's SM2 key (no chain access: uses deployment.json and the
    documents kept under $MULU_HOME/documents)."""
    from chain_client.deploy import Deployment
    from chain_client.ownership import sign_ownership

    encode_code(code)
    session = _session(ctx)
    deployment = Deployment.load(session.deployment_path)
    doc = _offline_doc(session, code, version)
    chosen = _select(doc, resources)
    name = options(ctx).identity
    if not name:  # offline there is no chain to ask which identity is the project's unit
        raise InvalidInput("offline signing needs --as NAME (the identity of the project's unit)")
    key = session.unlock(name).sm2_key
    contract = deployment.addresses.get("Confirmations") or deployment.addresses["CatalogLedger"]
    conf = sign_ownership(
        key,
        chain_id=deployment.chain_id,
        contract=contract,
        code=code,
        version=doc.version,
        digest=doc.digest,
        merkle_root=doc.merkle_root,
        resource_count=doc.resource_count,
        indices=[doc.index_of(c) for c in chosen],
        resource_codes=chosen,
    )
    from .catalog import write_output

    write_output(out, conf.dumps().encode("utf-8"))
    emit(
        ctx,
        {"written": str(out), **conf.to_json()},
        lambda: console.print(
            f"signed 确权 for {len(chosen)} resources of {code} v{doc.version} → {out}"
        ),
    )


def _offline_doc(session: Session, code: str, version: int | None) -> catalog.Catalog:
    """The highest (or given) acceptance version of ``code`` among the kept documents."""
    import catalog as catalog_mod

    _version(version)

    best = None
    for path in sorted(_documents(session).glob("*.json")):
        try:
            doc = catalog_mod.load_catalog(path.read_bytes())
        except catalog_mod.CatalogError:
            continue
        if doc.project_code != code or doc.kind.value != "acceptance":
            continue
        if version is not None and doc.version != version:
            continue
        if best is None or doc.version > best.version:
            best = doc
    if best is None:
        from chain_client.steps import DocumentMissing

        which = f"version {version}" if version else "any version"
        raise DocumentMissing(f"no acceptance catalog of {code} ({which}) in {_documents(session)}")
    return best


@step_app.command("submit")
def step_submit(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A confirmation written by sign-ownership.")],
) -> None:
    """Send a signed 确权 (from the unit's account, on any machine)."""
    from chain_client.ownership import OwnershipConfirmation

    from ._session import read_file

    conf = OwnershipConfirmation.loads(read_file(file))
    conf.verify()  # a bad file is refused before anything is sent
    session = _session(ctx)
    steps = _steps(session)
    result = steps.submit_ownership(session.signer(unit_of=conf.code), conf)
    emit(
        ctx,
        {
            "code": conf.code,
            "version": conf.version,
            "resources": len(conf.indices),
            **result.to_json(),
        },
        lambda: console.print(
            f"确权 submitted for {len(conf.indices)} resources (tx {result.tx_hash}, gas {result.gas_used:,})"
        ),
    )


@step_app.command("freshness")
def step_freshness(ctx: typer.Context, code: CodeArg, version: VersionOpt = None) -> None:
    """Resources whose last confirmed refresh (更新) is older than their update cycle allows."""
    session = _session(ctx)
    steps = _steps(session)
    doc = _anchored_doc(session, steps, code, version)
    stale = steps.stale_updates(code, doc.version, doc)

    def human() -> None:
        if not stale:
            console.print(f"{code} v{doc.version}: every resource refreshed within its cycle")
        for s in stale:
            console.print(
                f"  {s['resource_code']:<16} {s['update_cycle']:<4} last {s['last_refreshed'] or 'never'}"
            )

    emit(ctx, {"code": code, "version": doc.version, "stale": stale}, human)


def project_gates(ctx: typer.Context, code: CodeArg) -> None:
    """Acceptance and commissioning gates: what holds and what blocks, per step and resource."""
    encode_code(code)
    session = _session(ctx)
    report = _steps(session).gates(code, _documents(session))
    data = report.to_json()

    def human() -> None:
        console.print(
            f"{code}  {report.state.label}  acceptance catalog v{report.acceptance_version}, {report.resource_count} resources"
        )
        for step in Step:
            info = data["steps"][step.value]
            mark = (
                "✓" if info["confirmed"] >= report.resource_count and report.resource_count else "✗"
            )
            console.print(
                f"  {mark} {step.zh} {step.value:<9} {info['confirmed']}/{report.resource_count}"
            )
        for title, gate in (
            ("acceptance 验收", data["acceptance"]),
            ("commissioning 投入使用", data["commissioning"]),
        ):
            console.print(f"{title}: {'ready' if gate['ready'] else 'blocked'}")
            for b in gate["blockers"]:
                console.print(f"  - {b}")

    emit(ctx, data, human)
