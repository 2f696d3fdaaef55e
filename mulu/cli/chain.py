"""Chain commands: ``node``, ``dev``, ``member``, ``project`` and ``catalog anchor``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chain_client.types import CatalogKind, ProposalKind, Role, State, encode_code
from mulu.errors import InvalidInput

from ._context import console, emit, options, styled

if TYPE_CHECKING:
    from chain_client.journal import Journal
    from chain_client.ledger import TxResult

    from ._session import Session

__all__ = ["register"]


# web3 and eth-account take seconds to import: load them only when a chain command runs, so
# `mulu sm3` and `mulu catalog hash` start fast.
def _session(ctx: typer.Context) -> Session:
    from ._session import Session

    return Session(ctx)


def read_file(path: Path) -> bytes:
    from ._session import read_file as _read

    return _read(path)


def read_password(**kwargs: Any) -> bytes:
    from ._session import read_password as _read

    return _read(**kwargs)


def store_document(home: Path, data: bytes, suffix: str = "") -> tuple[bytes, Path]:
    from ._session import store_document as _store

    return _store(home, data, suffix)


node_app = typer.Typer(help="Run the local chain node (anvil) of this home.", no_args_is_help=True)
dev_app = typer.Typer(help="Local development helpers (local node only).", no_args_is_help=True)
member_app = typer.Typer(help="Members and M-of-N governance.", no_args_is_help=True)
project_app = typer.Typer(
    help="The project library (项目库): status, history, transitions.", no_args_is_help=True
)

DAY = 86_400
_LAST_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last a date can show


def register(app: typer.Typer) -> None:
    app.add_typer(node_app, name="node")
    app.add_typer(dev_app, name="dev")
    app.add_typer(member_app, name="member")
    app.add_typer(project_app, name="project")
    try:
        from .catalog import catalog_app
    except ImportError:  # the catalog group not there yet: make our own
        catalog_app = typer.Typer(help="Data catalogs.", no_args_is_help=True)
        app.add_typer(catalog_app, name="catalog")
    catalog_app.command("anchor")(catalog_anchor)


def _ts(value: int) -> str | None:
    if not value:
        return None
    return dt.datetime.fromtimestamp(value, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _tx_out(
    ctx: typer.Context, what: str, result: TxResult, extra: dict[str, Any] | None = None
) -> None:
    data = {"action": what, **(extra or {}), **result.to_json()}
    emit(
        ctx,
        data,
        lambda: console.print(
            f"{what}: tx {result.tx_hash} in block {result.block_number} (gas {result.gas_used:,})"
        ),
    )


# -- node ---------------------------------------------------------------------------------------


@node_app.command("start")
def node_start(
    ctx: typer.Context,
    port: Annotated[
        int | None,
        typer.Option(help="TCP port (default: the last one, else a free one).", min=1, max=65535),
    ] = None,
    block_time: Annotated[
        float | None, typer.Option(help="Seconds per block (default: one block per transaction).")
    ] = None,
) -> None:
    """Start the local anvil node; its state lives in $MULU_HOME/chain and survives kill -9."""
    info = _session(ctx).node.start(port=port, block_time=block_time)

    def human() -> None:
        if info.restored_state:
            console.print(styled("yellow", info.restored_state), markup=True)
        console.print(f"node running: {info.url} (pid {info.pid})")

    emit(ctx, info.to_json(), human)


@node_app.command("stop")
def node_stop(ctx: typer.Context) -> None:
    """Stop the local node gracefully (its state is saved)."""
    stopped = _session(ctx).node.stop()
    emit(
        ctx,
        {"stopped": stopped},
        lambda: console.print("node stopped" if stopped else "no node was running"),
    )


@node_app.command("status")
def node_status(ctx: typer.Context) -> None:
    """Is the local node running, at which block, and is the ledger deployed?"""
    session = _session(ctx)
    info = session.node.info()
    data: dict[str, Any] = {"running": info is not None, "node": info.to_json() if info else None}
    if info is not None:
        data["block_number"] = session.chain.block_number()
        data["chain_id"] = session.chain.chain_id
    if session.deployment_path.is_file():
        data["deployment"] = (
            session.ledger.deployment.to_json() if info else str(session.deployment_path)
        )

    def human() -> None:
        if info is None:
            console.print("no local node running (mulu node start)")
            return
        console.print(
            f"node {info.url} pid {info.pid}: chain {data['chain_id']}, block {data['block_number']}"
        )
        deployment = data.get("deployment")
        if isinstance(deployment, dict):
            for name, address in deployment["addresses"].items():
                console.print(f"  {name:<15} {address}")

    emit(ctx, data, human)


# -- dev ----------------------------------------------------------------------------------------


@dev_app.command("bootstrap")
def dev_bootstrap_cmd(
    ctx: typer.Context,
    onchain_sm2: Annotated[
        bool,
        typer.Option(
            "--onchain-sm2",
            help="Deploy the SM2 verifier too: every 确权 is verified by the contract.",
        ),
    ] = False,
) -> None:
    """Create dev identities, fund them, deploy, and admit every member through governance.

    Identities: eitb drc finance (governors, threshold 2), crypto sector unit1 unit2 platform
    auditor. Password: $MULU_DEV_PASSWORD or a prompt. Running it again changes nothing.
    """
    session = _session(ctx)
    if not session.is_local:
        raise InvalidInput("dev bootstrap works on the local node only (start it: mulu node start)")
    password = read_password(dev=True, confirm=not session.identities.names())
    from chain_client.bootstrap import dev_bootstrap

    quiet = options(ctx).json
    report = dev_bootstrap(
        session.chain,
        session.home,
        password,
        progress=(lambda m: None) if quiet else console.print,
        onchain_sm2=onchain_sm2,
    )
    assert report.deployment is not None
    data = {
        "changed": report.changed,
        "created_identities": report.created_identities,
        "deployed": report.deployed,
        "admitted": report.admitted,
        "deployment": report.deployment.to_json(),
        "identities": {n: session.identities.get(n).to_json() for n in session.identities.names()},
    }

    def human() -> None:
        console.print("bootstrap: " + ("done" if report.changed else "nothing to do, all in place"))
        for name, address in report.deployment.addresses.items():  # type: ignore[union-attr]
            console.print(f"  {name:<15} {address}")

    emit(ctx, data, human)


@dev_app.command("advance-time")
def dev_advance_time(
    ctx: typer.Context,
    days: Annotated[float, typer.Argument(help="Days to move block time forward.")],
) -> None:
    """Move the local chain's block time forward (local node only)."""
    import math

    from mulu.errors import MuluError

    if not math.isfinite(days) or days < 0:
        raise InvalidInput(f"days {days}: want a finite number >= 0")
    session = _session(ctx)
    if not session.is_local:
        raise InvalidInput("advance-time works on the local node only")
    seconds = int(days * DAY)
    before = session.chain.timestamp()
    if before + seconds > _LAST_TIMESTAMP:
        raise InvalidInput(
            f"days {days:g}: would move block time past 9999-12-31 "
            f"(at most {(_LAST_TIMESTAMP - before) // DAY} days from {_ts(before)})"
        )
    now = session.chain.advance_time(seconds)
    if now < before + seconds:  # the node refused (its JSON-RPC error is not raised yet)
        raise MuluError(
            f"the node did not move block time by {seconds} s: it is {_ts(now)} "
            f"({now - before} s later)"
        )
    emit(
        ctx,
        {"timestamp": now, "time": _ts(now)},
        lambda: console.print(f"block time now {_ts(now)}"),
    )


# -- members ------------------------------------------------------------------------------------


def _member_json(session: Session, account: str) -> dict[str, Any]:
    info = session.ledger.member(account)
    roles = [r.value for r in Role if session.ledger.has_role(r, account)]
    return {
        "account": account,
        "identity": session.name_of(account),
        "name": info.get("name"),
        "active": bool(info.get("active")),
        "roles": roles,
        "keys": [
            {
                "x_y": "0x" + (bytes(k["x"]) + bytes(k["y"])).hex(),
                "valid_from_block": int(k["validFromBlock"]),
                "valid_until_block": int(k["validUntilBlock"]) or None,
            }
            for k in info["keys"]
        ],
    }


@member_app.command("list")
def member_list(ctx: typer.Context) -> None:
    """Every member: organisation, roles, active flag and SM2 key history."""
    session = _session(ctx)
    members = [_member_json(session, a) for a in session.ledger.member_accounts()]

    def human() -> None:
        for m in members:
            flag = "" if m["active"] else " (revoked)"
            console.print(
                f"{m['identity']:<10} {m['account']} {'+'.join(m['roles']) or '-'}{flag}  {m['name']}"
            )

    emit(ctx, {"members": members, "threshold": session.ledger.threshold()}, human)


@member_app.command("show")
def member_show(
    ctx: typer.Context, who: Annotated[str, typer.Argument(help="Identity name or 0x address.")]
) -> None:
    """One member with its key history."""
    session = _session(ctx)
    emit(ctx, _member_json(session, session.resolve_account(who)))


@member_app.command("propose")
def member_propose(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="admit | set-roles | rotate-key | revoke")],
    who: Annotated[str, typer.Argument(help="Identity name or 0x address of the member.")],
    name: Annotated[str, typer.Option(help="Organisation name (admit).")] = "",
    roles: Annotated[
        str,
        typer.Option(
            help="Comma-separated roles (admit, set-roles), e.g. UNIT or GOVERNOR,REVIEWER."
        ),
    ] = "",
    key: Annotated[
        str,
        typer.Option(
            help="SM2 public key hex, 04‖x‖y or x‖y (admit, rotate-key); default: the identity's."
        ),
    ] = "",
) -> None:
    """Propose a membership change (a GOVERNOR signs; its approval counts)."""
    session = _session(ctx)
    try:
        proposal_kind = ProposalKind[kind.upper().replace("-", "_")]
    except KeyError:
        raise InvalidInput(
            f"proposal kind {kind!r}: admit, set-roles, rotate-key or revoke"
        ) from None
    account = session.resolve_account(who)
    role_list = [Role.parse(r) for r in roles.split(",") if r.strip()]
    sm2_key = b""
    if proposal_kind in (ProposalKind.ADMIT, ProposalKind.ROTATE_KEY):
        if key:
            import sm_crypto

            try:
                raw_key = bytes.fromhex(key.removeprefix("0x"))
            except ValueError:
                raise InvalidInput(
                    f"--key {key[:140]!r}: want hex digits (04‖x‖y or x‖y)"
                ) from None
            sm2_key = sm_crypto.PublicKey.from_bytes(raw_key).xy
        else:
            ident = session.identities.by_address(account)
            if ident is None:
                raise InvalidInput("--key is needed for an account without a local identity")
            sm2_key = ident.sm2_public_key
    signer = session.signer(Role.GOVERNOR)
    proposal_id, result = session.ledger.propose(
        signer, proposal_kind, account, name=name, roles=role_list, sm2_key=sm2_key
    )
    _tx_out(
        ctx, f"proposal {proposal_id} ({proposal_kind.name})", result, {"proposal_id": proposal_id}
    )


@member_app.command("approve")
def member_approve(
    ctx: typer.Context, proposal_id: Annotated[int, typer.Argument(help="Proposal id.")]
) -> None:
    """Approve a proposal (a GOVERNOR signs)."""
    session = _session(ctx)
    if not options(ctx).identity:
        raise InvalidInput("say which governor approves with --as NAME")
    _tx_out(
        ctx,
        f"approved proposal {proposal_id}",
        session.ledger.approve(session.signer(Role.GOVERNOR), proposal_id),
    )


@member_app.command("execute")
def member_execute(
    ctx: typer.Context, proposal_id: Annotated[int, typer.Argument(help="Proposal id.")]
) -> None:
    """Execute a proposal that has enough approvals (a GOVERNOR signs)."""
    session = _session(ctx)
    if not options(ctx).identity:
        raise InvalidInput("say which governor executes with --as NAME")
    _tx_out(
        ctx,
        f"executed proposal {proposal_id}",
        session.ledger.execute(session.signer(Role.GOVERNOR), proposal_id),
    )


# -- projects -----------------------------------------------------------------------------------

_TIME_FIELDS = (
    "createdAt", "reviewStartedAt", "cryptoApprovedAt", "opinionPassedAt", "opinionExpiresAt",
    "fundedAt", "constructionStartedAt", "constructionDeadline", "acceptedAt",
    "commissionAppliedAt", "operationAt", "terminatedAt",
)  # fmt: skip


def project_json(session: Session, code: str) -> dict[str, Any]:
    info = session.ledger.project(code)
    state: State = info["state"]
    data: dict[str, Any] = {
        "code": code,
        "state": state.name,
        "state_zh": state.zh,
        "unit": info.get("unit"),
        "unit_identity": session.name_of(str(info.get("unit"))),
    }
    for key, value in info.items():
        if key in ("state", "code", "unit"):
            continue
        if isinstance(value, bytes):
            value = "0x" + value.hex()
        data[key] = value
        if key in _TIME_FIELDS and isinstance(value, int):
            data[key + "_time"] = _ts(value)
    if state is State.UNDER_CONSTRUCTION:
        data["progress"] = session.ledger.progress_status(code)
    data["block_number"] = session.chain.block_number()
    return data


@project_app.command("create")
def project_create(
    ctx: typer.Context,
    code: Annotated[
        str, typer.Argument(help="Unified project code (统一编码), ≤ 32 ASCII characters.")
    ],
    name: Annotated[str, typer.Option(help="Project name.")],
    unit: Annotated[str, typer.Option(help="The owning unit: identity name or 0x address.")],
) -> None:
    """Admit a project to the library as 储备 RESERVE (a REVIEWER signs)."""
    session = _session(ctx)
    result = session.ledger.create_project(
        session.signer(Role.REVIEWER), code, session.resolve_account(unit), name
    )
    _tx_out(
        ctx, f"created {code} (储备 RESERVE)", result, {"code": code, "state": State.RESERVE.name}
    )


@project_app.command("status")
def project_status(
    ctx: typer.Context, code: Annotated[str, typer.Argument(help="Project code.")]
) -> None:
    """The project's state, unit, timestamps and deadlines, as the chain has them."""
    session = _session(ctx)
    data = project_json(session, code)

    def human() -> None:
        console.print(f"{code}  {data['state_zh']} {data['state']}  unit {data['unit_identity']}")
        for key in _TIME_FIELDS:
            if data.get(key + "_time"):
                console.print(f"  {key:<22} {data[key + '_time']}")
        if "progress" in data:
            console.print(f"  progress               {data['progress']}")

    emit(ctx, data, human)


@project_app.command("history")
def project_history(
    ctx: typer.Context, code: Annotated[str, typer.Argument(help="Project code.")]
) -> None:
    """Every event of the project (transitions and catalog anchors), oldest first."""
    session = _session(ctx)
    events = session.ledger.history(code)

    def human() -> None:
        for ev in events:
            args = {k: v for k, v in ev.to_json()["args"].items() if k not in ("code",)}
            console.print(f"block {ev.block_number:>6}  {ev.name:<24} {args}")

    emit(ctx, {"code": code, "events": [e.to_json() for e in events]}, human)


CodeArg = Annotated[str, typer.Argument(help="Project code.")]


def _step(
    ctx: typer.Context,
    code: str,
    what: str,
    method: str,
    role: Role | None,
    *args: Any,
    document: _Document | None = None,
) -> None:
    """One transition; ``document`` (its digest the last argument) is kept once it is on chain."""
    encode_code(code)  # bad input is refused before anything else happens
    session = _session(ctx)
    signer = session.signer(role, unit_of=None if role else code)
    if document is not None:
        args = (*args, document.digest)
    result: TxResult = getattr(session.ledger, method)(signer, code, *args)
    if document is not None:
        document.keep(ctx)
    _tx_out(
        ctx, f"{code}: {what}", result, {"code": code, "state": session.ledger.state(code).name}
    )


@dataclass(frozen=True)
class _Document:
    """A document read and hashed (SM3) for a transaction, kept under $MULU_HOME/documents only
    once the transaction went through: refused or malformed input stores nothing."""

    data: bytes
    suffix: str
    digest: bytes

    def keep(self, ctx: typer.Context) -> None:
        store_document(options(ctx).home, self.data, self.suffix)


def _document(path: Path) -> _Document:
    import sm_crypto

    data = read_file(path)
    return _Document(data, path.suffix, sm_crypto.sm3(data))


@project_app.command("review-start")
def project_review_start(ctx: typer.Context, code: CodeArg) -> None:
    """储备 → 在审: accept the technical review application (REVIEWER; declared catalog anchored)."""
    _step(ctx, code, "review started (在审 UNDER_REVIEW)", "start_review", Role.REVIEWER)


@project_app.command("crypto-approve")
def project_crypto_approve(ctx: typer.Context, code: CodeArg) -> None:
    """Cryptography / 信创 sign-off during review (CRYPTO)."""
    _step(ctx, code, "crypto sign-off recorded", "approve_crypto", Role.CRYPTO)


@project_app.command("review-pass")
def project_review_pass(
    ctx: typer.Context,
    code: CodeArg,
    opinion: Annotated[Path, typer.Option(help="The review opinion document.")],
) -> None:
    """Pass the technical review with its opinion (REVIEWER; needs the CRYPTO sign-off). Valid 365 days."""
    _step(ctx, code, "review passed", "pass_review", Role.REVIEWER, document=_document(opinion))


@project_app.command("review-extend")
def project_review_extend(
    ctx: typer.Context,
    code: CodeArg,
    days: Annotated[int, typer.Option(help="1-183 days.", min=0, max=2**32 - 1)],
) -> None:
    """Extend an expired review opinion once, by at most 183 days (REVIEWER)."""
    _step(
        ctx, code, f"review opinion extended by {days} days", "extend_review", Role.REVIEWER, days
    )


@project_app.command("fund")
def project_fund(
    ctx: typer.Context,
    code: CodeArg,
    period_days: Annotated[
        int, typer.Option(help="Construction period in days.", min=0, max=2**32 - 1)
    ],
) -> None:
    """在审 → 待建: approve investment and set the construction period (FUNDER; opinion valid)."""
    _step(ctx, code, "funded (待建 APPROVED)", "fund", Role.FUNDER, period_days)


@project_app.command("start-construction")
def project_start_construction(ctx: typer.Context, code: CodeArg) -> None:
    """待建 → 在建: procurement done / construction started (the project's UNIT)."""
    _step(ctx, code, "construction started (在建 UNDER_CONSTRUCTION)", "start_construction", None)


@project_app.command("progress")
def project_progress(
    ctx: typer.Context,
    code: CodeArg,
    report: Annotated[Path, typer.Option(help="The progress report.")],
) -> None:
    """Quarterly progress report while 在建 (the project's UNIT)."""
    _step(ctx, code, "progress reported", "report_progress", None, document=_document(report))


@project_app.command("accept")
def project_accept(ctx: typer.Context, code: CodeArg) -> None:
    """Acceptance (验收) inside 在建 (the project's UNIT).

    The chain refuses unless every resource of the latest acceptance catalog has done all five
    steps; this command also refuses while a resource's last refresh (更新) is older than its
    update cycle, which the chain cannot see. The declared → acceptance change ratio and the
    diff's digest are computed here from the anchored documents under $MULU_HOME/documents and
    recorded; a change up to 1500 bp (15%) must have been filed first (`project change`), a
    larger one approved by a REVIEWER.
    """
    from catalog import RECORDED_RATIO_LIMIT_BP
    from chain_client.steps import Steps, acceptance_diff

    encode_code(code)
    session = _session(ctx)
    diff = acceptance_diff(session.ledger, session.home / "documents", code)
    Steps(session.ledger).require_fresh(code, session.home / "documents")
    # the ratio is recorded in basis points, capped at 100% (the contract's range)
    ratio = min(diff.ratio_bp, RECORDED_RATIO_LIMIT_BP)
    signer = session.signer(unit_of=code)
    result = session.ledger.accept(signer, code, ratio_bp=ratio, diff_digest=diff.digest)
    store_document(session.home, diff.canonical, ".diff.json")  # kept once on chain
    _tx_out(
        ctx,
        f"{code}: accepted (验收), change ratio {ratio / 100:.2f}%",
        result,
        {
            "code": code,
            "state": session.ledger.state(code).name,
            "ratio_bp": ratio,
            "diff_digest": diff.digest.hex(),
        },
    )


@project_app.command("commission-apply")
def project_commission_apply(ctx: typer.Context, code: CodeArg) -> None:
    """Apply for commissioning, within 6 months of acceptance (the project's UNIT)."""
    _step(ctx, code, "commissioning applied for", "apply_commission", None)


@project_app.command("commission")
def project_commission(ctx: typer.Context, code: CodeArg) -> None:
    """在建 → 运维: commissioning review passed (REVIEWER)."""
    _step(ctx, code, "commissioned (运维 OPERATION)", "commission", Role.REVIEWER)


@project_app.command("self-evaluate")
def project_self_evaluate(
    ctx: typer.Context,
    code: CodeArg,
    report: Annotated[Path, typer.Option(help="The self-evaluation report.")],
) -> None:
    """Performance self-evaluation, 12-15 months after going into operation (the project's UNIT)."""
    _step(
        ctx,
        code,
        "self-evaluation submitted",
        "submit_self_evaluation",
        None,
        document=_document(report),
    )


@project_app.command("evaluate")
def project_evaluate(
    ctx: typer.Context,
    code: CodeArg,
    report: Annotated[Path, typer.Option(help="The performance evaluation report.")],
) -> None:
    """Record EITB's performance evaluation report (REVIEWER; project in 运维 OPERATION). The
    contract sets the rectification deadline: 60 working days (art. 31), by the calendar on chain
    (`mulu project calendar`)."""
    encode_code(code)
    document = _document(report)
    session = _session(ctx)
    signer = session.signer(Role.REVIEWER, unit_of=None)
    result: TxResult = session.ledger.record_evaluation_report(signer, code, document.digest)
    document.keep(ctx)
    due = int(session.ledger.evaluation(code)["rectificationDueAt"])
    _tx_out(
        ctx,
        f"{code}: evaluation report recorded; rectification plan due {_beijing(due)}",
        result,
        {"code": code, "rectification_due_at": due},
    )


@project_app.command("rectify")
def project_rectify(
    ctx: typer.Context,
    code: CodeArg,
    plan: Annotated[Path, typer.Option(help="The rectification plan.")],
) -> None:
    """Submit the rectification plan for the latest evaluation report, within its 60 working
    days (the project's UNIT)."""
    _step(
        ctx,
        code,
        "rectification plan submitted",
        "submit_rectification_plan",
        None,
        document=_document(plan),
    )


@project_app.command("calendar")
def project_calendar(
    ctx: typer.Context,
    start: Annotated[dt.datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First date.")],
    end: Annotated[dt.datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last date.")],
    provisional: Annotated[
        bool,
        typer.Option(help="Monday-Friday for years whose holiday arrangement is not known."),
    ] = False,
    holidays: Annotated[
        list[Path] | None,
        typer.Option(
            "--holidays",
            help="A year's published holiday arrangement (JSON: schema mulu.holidays/v1, year, "
            "holidays, workdays; see examples/holidays-2026.json), for a year chinese_calendar "
            "does not know yet. Repeatable.",
        ),
    ] = None,
) -> None:
    """Record the PRC working-day calendar (holidays and 调休) on chain for deadlines counted in
    working days (REVIEWER). Words already recorded with the same days are left alone; every
    word is computed (and any file checked) before the first is sent."""
    from chain_client import workdays

    arrangements = [workdays.read_arrangement(p) for p in holidays or []]
    words = workdays.words_covering(start.date(), end.date())
    if len(words) > 64:
        raise InvalidInput(f"--from/--to span {len(words)} calendar words; at most 64 at a time")
    planned = [
        (w, workdays.calendar_word(w, provisional=provisional, arrangements=arrangements))
        for w in words
    ]
    session = _session(ctx)
    signer = session.signer(Role.REVIEWER, unit_of=None)
    recorded, txs = [], []
    for w, bits in planned:
        if session.ledger.work_calendar(w) == bits:
            continue
        result = session.ledger.set_work_calendar(signer, w, bits)
        recorded.append(w)
        txs.append(result.tx_hash)
    first = workdays.day_date(words[0] * workdays.WORD_DAYS)
    last = workdays.day_date((words[-1] + 1) * workdays.WORD_DAYS - 1)
    emit(
        ctx,
        {
            "words": words,
            "recorded": recorded,
            "transactions": txs,
            "covers": [first.isoformat(), last.isoformat()],
        },
        lambda: console.print(
            f"calendar {first} .. {last}: {len(recorded)} word(s) recorded, "
            f"{len(words) - len(recorded)} already on chain"
        ),
    )


def _beijing(ts: int) -> str:
    from chain_client.workdays import to_datetime

    return to_datetime(ts).strftime("%Y-%m-%d %H:%M:%S CST")


@project_app.command("terminate")
def project_terminate(
    ctx: typer.Context, code: CodeArg, reason: Annotated[str, typer.Option(help="Why.")]
) -> None:
    """→ 终止 TERMINATED from any live state (REVIEWER)."""
    _step(ctx, code, "terminated (终止 TERMINATED)", "terminate", Role.REVIEWER, reason)


@project_app.command("change")
def project_change(
    ctx: typer.Context,
    code: CodeArg,
    ratio_bp: Annotated[
        int, typer.Option(help="Change ratio in basis points (1500 = 15%).", min=0, max=2**16 - 1)
    ],
    evidence: Annotated[Path, typer.Option(help="The evidence document (e.g. the catalog diff).")],
) -> None:
    """Record a change (art. 16): the UNIT files one of at most 15%; above that the REVIEWER approves."""
    encode_code(code)
    document = _document(evidence)
    session = _session(ctx)
    if options(ctx).identity:
        signer = session.signer()
    elif ratio_bp > 1500:
        signer = session.signer(Role.REVIEWER)
    else:
        signer = session.signer(unit_of=code)
    result = session.ledger.change(signer, code, ratio_bp, document.digest)
    document.keep(ctx)
    _tx_out(ctx, f"{code}: change of {ratio_bp / 100:.2f}% recorded", result, {"code": code})


# -- catalog anchor -----------------------------------------------------------------------------


def catalog_anchor(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(help="Catalog JSON document.")] = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help="Anchor every *.json catalog under DIR, exactly once (journal in "
            "$MULU_HOME/journal; run again to resume).",
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(help="Catalogs per anchorBatch transaction (with --batch).")
    ] = 100,
) -> None:
    """Anchor a catalog version on chain (the project's UNIT) and keep the document by digest."""
    if (file is None) == (batch is None):
        raise InvalidInput("give either FILE or --batch DIR")
    if batch is not None:
        _catalog_anchor_batch(ctx, batch, batch_size)
        return
    assert file is not None
    import catalog

    session = _session(ctx)
    doc = catalog.load_catalog(read_file(file))
    kind = CatalogKind.parse(str(doc.kind.value if hasattr(doc.kind, "value") else doc.kind))
    code = str(doc.project_code)
    version, count = int(doc.version), int(doc.resource_count)
    if session.ledger.is_anchored(code, kind, version, doc.digest, doc.merkle_root, count):
        result = None  # already on chain: nothing to send (the contract would also do nothing)
        if session.ledger.anchor_record(code, kind, version) is None:
            # in storage, but its CatalogAnchored is in no block (a node restored from a state
            # dump ahead of its blocks): announce it again, so the history records it
            result = session.ledger.restate_anchors(
                session.signer(unit_of=code),
                [(code, kind, version, doc.digest, doc.merkle_root, count)],
            )
    else:
        signer = session.signer(unit_of=code)
        result = session.ledger.anchor(
            signer, code, kind, version, doc.digest, doc.merkle_root, count
        )
    # kept only once anchored: the store holds no catalog the ledger refused (sign-ownership
    # signs what it finds there)
    _, stored = store_document(options(ctx).home, doc.canonical, ".json")
    data = {
        "project_code": code,
        "kind": kind.key,
        "version": int(doc.version),
        "digest": doc.digest.hex(),
        "merkle_root": doc.merkle_root.hex(),
        "resource_count": int(doc.resource_count),
        "created": result is not None and any(e.name == "CatalogAnchored" for e in result.events),
        "restated": result is not None
        and any(e.name == "CatalogAnchorRestated" for e in result.events),
        "stored_at": str(stored),
        **(result.to_json() if result else {"tx_hash": None}),
    }

    def human() -> None:
        state = (
            "anchored"
            if data["created"]
            else "already anchored; its event was in no block, restated (CatalogAnchorRestated)"
            if data["restated"]
            else "already anchored (nothing changed)"
        )
        console.print(f"{code} {kind.zh} v{data['version']}: {state}")
        console.print(f"  digest       {data['digest']}")
        console.print(f"  merkle_root  {data['merkle_root']}")
        console.print(f"  resources    {data['resource_count']}")
        if result is not None:
            console.print(
                f"  tx           {result.tx_hash} (block {result.block_number}, gas {result.gas_used:,})"
            )

    emit(ctx, data, human)
    return None


def _catalog_anchor_batch(ctx: typer.Context, directory: Path, batch_size: int) -> None:
    """``catalog anchor --batch DIR``: the pipeline of chain_client.pipeline, with progress;
    one run per journal (a second fails at once with JournalBusy)."""
    from chain_client.journal import Journal

    if not directory.is_dir():
        raise InvalidInput(f"--batch {directory}: not a directory")
    files = sorted(p for p in directory.rglob("*.json") if p.is_file())
    if not files:
        raise InvalidInput(f"--batch {directory}: no *.json catalogs found")
    opts = options(ctx)
    journal = Journal.of_home(opts.home)
    with journal.exclusive():  # JournalBusy at once when another run holds this journal
        _anchor_batch_locked(ctx, directory, batch_size, files, journal)


def _anchor_batch_locked(
    ctx: typer.Context, directory: Path, batch_size: int, files: list[Path], journal: Journal
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from chain_client.pipeline import AnchorPipeline, prepare

    from ._context import err_console

    session = _session(ctx)
    opts = options(ctx)
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True, disable=opts.json) as bar:
        loading = bar.add_task("prepare", total=len(files))
        items, unloadable = prepare(
            files, store=opts.home / "documents", progress=lambda n: bar.advance(loading, n)
        )
        codes = sorted({i.code for i in items})
        signer = session.signer(unit_of=codes[0]) if codes else None
        anchoring = bar.add_task("anchor", total=len(items))
        report = None
        if signer is not None:
            pipeline = AnchorPipeline(
                session.ledger,
                signer,
                journal,
                batch_size=batch_size,
                progress=lambda what, n: bar.advance(anchoring, n),
                log=lambda msg: err_console.print(styled("yellow", msg), markup=True),
            )
            report = pipeline.anchor(items)
    from chain_client.pipeline import PipelineReport

    report = report or PipelineReport()
    report.refused[:0] = unloadable
    data = {
        "directory": str(directory),
        "files": len(files),
        "journal": str(journal.path),
        **report.to_json(),
    }

    def human() -> None:
        console.print(
            f"{len(files)} file(s): {len(report.anchored)} anchored in {report.transactions} "
            f"transaction(s), {len(report.skipped)} skipped (already anchored), "
            f"{len(report.refused)} refused"
            + (f", {len(report.restated)} restated" if report.restated else "")
        )
        if report.anchored:
            console.print(
                f"  gas {report.gas_used:,} ({report.gas_used / len(report.anchored):,.0f} per catalog), {report.seconds:.1f} s"
            )
        for r in report.refused:
            console.print(f"  refused {r.source}: {r.error}")
        console.print(f"  journal {journal.path}")

    emit(ctx, data, human)
    if report.refused:  # the summary is out; exit like a refusal (click swallows typer.Exit here)
        raise SystemExit(1)
