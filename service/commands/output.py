"""What every command prints with: one console, and the one-line way to stop with an error."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

# Not on a terminal (a pipe, a log, CI): lines are not wrapped, so a printed command can
# be pasted and table cells are whole.
console = Console() if sys.stdout.isatty() else Console(width=max(int(os.environ.get("COLUMNS") or 0), 1000),
                                                         soft_wrap=True)


def exit_with(message: str) -> typer.Exit:
    """The exit (status 1) to raise after printing ``message`` in red."""
    console.print(f"[red]{message}[/]")
    return typer.Exit(1)
