"""What every command prints with: one console, and the one-line way to stop with an error.

The console prints text exactly as it is: rich's markup (``[bold]``), emoji codes
(``:smile:``) and its highlighting are off, since what a command prints comes from data
(names, values, messages quoting input) that may hold any of them. A style is given as
``style=`` or with ``rich.text.Text``, never inside the string."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

# Not on a terminal (a pipe, a log, CI): lines are not wrapped, so a printed command can
# be pasted and table cells are whole.
_LITERAL = {"markup": False, "emoji": False, "highlight": False}
console = Console(**_LITERAL) if sys.stdout.isatty() else Console(
    width=max(int(os.environ.get("COLUMNS") or 0), 1000), soft_wrap=True, **_LITERAL)


def exit_with(message: str) -> typer.Exit:
    """The exit (status 1) to raise after printing ``message`` in red."""
    console.print(message, style="red")
    return typer.Exit(1)
