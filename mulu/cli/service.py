"""``mulu serve`` (index + API), ``mulu audit`` (independent verification), ``mulu demo``."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from mulu.errors import InvalidInput

from ._context import console, emit, err_console, options, styled


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("audit")(audit)
    app.command("demo")(demo)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
) -> None:
    """Run the index (following the chain into $MULU_HOME/index.db) and the HTTP API."""
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    opts = options(ctx)
    # rpc_url only when given: an absent keyword leaves MULU_RPC_URL in charge
    overrides: dict[str, Any] = {"rpc_url": opts.rpc} if opts.rpc else {}
    settings = Settings(home=opts.home, **overrides)
    sock = _listen(host, port)  # before anything starts: a port in use is a clear error
    app = create_app(settings)
    base = f"http://{host}:{port}"
    err_console.print(f"mulu API on {base}  (docs {base}/docs, health {base}/health)")
    err_console.print(f"index: {settings.db_url}; documents: {settings.documents}")
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    server.run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (as uvicorn binds it); :class:`InvalidInput` when the
    address cannot be had (in use, not local, permission), naming it and why."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(f"--host {host!r}: cannot resolve it: {exc}") from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise InvalidInput(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def _human_report(report: Any) -> None:
    mark = (
        styled("green", "clean")
        if report.clean
        else styled("red", f"{len(report.findings)} finding(s)")
    )
    head = (
        f"{report.code}  {report.state_zh} {report.state}  block {report.block_number}  "
        f"{report.events} events, {report.anchors} anchors: "
    )
    console.print(escape(head) + mark, markup=True)
    checked = ", ".join(f"{k} {v}" for k, v in report.checked.items())
    console.print(f"  checked: {checked}")
    for f in report.findings:
        where = f" (block {f.block_number}, tx {f.tx_hash})" if f.block_number else ""
        console.print(
            f"  {styled('red', '✗ ' + f.check)}: {escape(f.message + where)}", markup=True
        )
    for f in report.notices:
        console.print(f"  {styled('yellow', '! ' + f.check)}: {escape(f.message)}", markup=True)


def audit(
    ctx: typer.Context,
    code: Annotated[str | None, typer.Argument(help="Project code (or --all).")] = None,
    all_projects: Annotated[bool, typer.Option("--all", help="Audit every project.")] = False,
    documents: Annotated[
        Path | None,
        typer.Option(help="Directory of documents by digest; default $MULU_HOME/documents."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON report on stdout.")] = False,
    holidays: Annotated[
        list[Path] | None,
        typer.Option(
            "--holidays",
            help="A year's published holiday arrangement (schema mulu.holidays/v1, as for "
            "`project calendar`), to cross-check rectification deadlines in a year "
            "chinese_calendar does not know. Repeatable.",
        ),
    ] = None,
) -> None:
    """Verify projects from the chain and the documents alone: every transition legal in order,
    by the right role, on time; every anchor's document present with the anchored digest, root
    and count. Exit 0 clean, 1 findings."""
    from api.audit import audit_project
    from chain_client import workdays

    from ._session import Session

    if bool(code) == all_projects:
        raise InvalidInput("give a project CODE or --all (not both)")
    arrangements = workdays.arrangements_by_year(
        workdays.read_arrangement(p) for p in holidays or []
    ).values()
    session = Session(ctx)
    docs = documents or session.home / "documents"
    as_json = json_output or options(ctx).json
    if all_projects:
        codes = session.ledger.project_codes()
        from rich.progress import Progress

        reports = []
        with Progress(console=err_console, transient=True, disable=as_json) as bar:
            task = bar.add_task("auditing", total=len(codes))
            for c in codes:
                reports.append(audit_project(session.ledger, c, docs, arrangements=arrangements))
                bar.advance(task)
    else:
        assert code is not None
        reports = [audit_project(session.ledger, code, docs, arrangements=arrangements)]
    clean = all(r.clean for r in reports)
    data = {
        "clean": clean,
        "projects": len(reports),
        "findings": sum(len(r.findings) for r in reports),
        "reports": [r.to_json() for r in reports],
    }
    if as_json:
        emit_ctx_json(data)
    else:
        for r in reports:
            _human_report(r)
        console.print(
            f"{len(reports)} project(s) audited: "
            + ("clean" if clean else f"{data['findings']} finding(s)")
        )
    if not clean:
        raise SystemExit(1)  # findings: exit 1 (typer.Exit is not seen by main() outside click)


def emit_ctx_json(data: Any) -> None:
    import json

    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def demo(ctx: typer.Context) -> None:
    """Seed the local chain (after `mulu dev bootstrap`) with a realistic scenario: projects in
    every state, Chinese names, catalogs of 20-29 resources, one blocked at a gate, one overdue.
    Idempotent: what exists is kept."""
    from ._demo import seed_demo
    from ._session import Session

    session = Session(ctx)
    if not session.is_local:
        raise InvalidInput(
            "mulu demo seeds the local node only (mulu node start; mulu dev bootstrap)"
        )
    quiet = options(ctx).json
    data = seed_demo(session, (lambda _m: None) if quiet else console.print)

    def human() -> None:
        for p in data["projects"]:
            note = f"  — {p['note']}" if p["note"] else ""
            console.print(f"  {p['code']}  {p['state_zh']} {p['state']:<19} {p['name']}{note}")

    emit(ctx, data, human)
