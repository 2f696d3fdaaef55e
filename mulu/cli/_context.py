"""Global CLI options shared by every command, and the one output helper."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["Options", "emit", "options", "console", "err_console", "styled"]

# no markup unless a call asks for it: the text printed holds paths, resource names and error
# messages that may contain "[...]" (a "[/]" in a file name raised MarkupError, a traceback)
console = Console(highlight=False, soft_wrap=True, markup=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def styled(style: str, text: object) -> str:
    """``text`` in ``style`` as console markup, its own brackets escaped; print the result with
    ``markup=True``."""
    return f"[{style}]{escape(str(text))}[/]"


@dataclass
class Options:
    """What the global flags set: ``--home``, ``--rpc``, ``--as``, ``--json``, ``--verbose``."""

    home: Path
    rpc: str | None
    identity: str | None
    json: bool
    verbose: bool


def default_home() -> Path:
    return Path(os.environ.get("MULU_HOME") or Path.home() / ".mulu").expanduser()


def options(ctx: typer.Context) -> Options:
    """The global options, wherever the command sits in the tree."""
    root = ctx.find_root()
    obj = root.obj
    if isinstance(obj, Options):
        return obj
    return Options(default_home(), os.environ.get("MULU_RPC_URL"), None, False, False)


def emit(ctx: typer.Context, data: Any, human: Callable[[], None] | None = None) -> None:
    """Print ``data`` as one JSON document with ``--json``; otherwise call ``human`` (or print it)."""
    if options(ctx).json or human is None:
        if options(ctx).json:
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            typer.echo(
                data
                if isinstance(data, str)
                else json.dumps(data, ensure_ascii=False, indent=2, default=str)
            )
        return
    human()
