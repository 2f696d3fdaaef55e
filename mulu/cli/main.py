"""Entry point of the ``mulu`` CLI: global options, sub-command groups, one error handler.

Exit codes: 0 done; 1 refused by a rule; 2 bad input; 3 chain unreachable.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from typer._click.exceptions import ClickException  # typer vendors click

from mulu.errors import MuluError

from . import _context

app = typer.Typer(
    name="mulu",
    help="目录链 ledger: data catalogs and lifecycle of Beijing government IT projects, on chain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _global(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="MULU_HOME",
            help="State directory (keys, chain, documents).",
            show_default="~/.mulu",
        ),
    ] = None,
    rpc: Annotated[
        str | None,
        typer.Option(
            "--rpc", envvar="MULU_RPC_URL", help="JSON-RPC URL; default: the local node of --home."
        ),
    ] = None,
    identity: Annotated[
        str | None, typer.Option("--as", help="Identity (under --home) that signs transactions.")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON document on stdout.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks on errors.")
    ] = False,
) -> None:
    ctx.obj = _context.Options(
        home=(home or _context.default_home()).expanduser(),
        rpc=rpc,
        identity=identity,
        json=json_output,
        verbose=verbose,
    )


def _register() -> None:
    """Attach the command groups; each lives in its own module."""
    import importlib

    for name in ("sm", "catalog", "chain", "steps", "service"):
        try:
            module = importlib.import_module(f"mulu.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"mulu.cli.{name}":
                continue
            raise
        module.register(app)


_register()


def main() -> None:
    """Run the CLI; turn the project's errors into a message and an exit code."""
    verbose = "--verbose" in sys.argv or "-v" in sys.argv
    try:
        app(standalone_mode=False)
    except MuluError as exc:
        if verbose:
            raise
        name = type(exc).__name__
        _context.err_console.print(
            f"{_context.styled('bold red', name)}: {escape(str(exc))}", markup=True
        )
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        _context.err_console.print("aborted")
        raise SystemExit(1) from None
    except SystemExit:
        raise
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except ClickException as exc:  # usage errors: unknown option, value out of range, ...
        exc.show()
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
