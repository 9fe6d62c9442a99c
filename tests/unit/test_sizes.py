"""Small modules and short functions, as the house keeps them: no module of refgraph over
350 lines, no function over 60 (a longer one is split where it has a second job)."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "service"
MAX_MODULE_LINES = 350
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(SERVICE.rglob("*.py"))


def test_no_module_is_over_350_lines():
    long = {str(path.relative_to(SERVICE.parent)): n for path in _modules()
            if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, long


def test_no_function_is_over_60_lines():
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(SERVICE.parent)}:{node.lineno} {node.name}"] = lines
    assert not long, long
