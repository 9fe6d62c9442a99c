"""The house plan is a contract: ``lint-imports`` (import-linter, configured in
pyproject.toml) checks every import against the floors and the forbidden imports, and
names the contract a wrong import breaks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the tree's own packages, before the installed ones
    return subprocess.run([str(LINT), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120)


def test_every_import_keeps_the_house_plan():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for name in ("service", "bench"):
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _add_line(module: Path, line: str) -> None:
    module.write_text(module.read_text() + f"\n{line}\n")


def test_a_forbidden_import_fails_with_the_contract_it_breaks(tmp_path):
    tree = _copy(tmp_path)
    _add_line(tree / "service" / "domain" / "values.py", "from service.store import objects  # noqa")
    result = _lint(tree)
    assert result.returncode == 1, result.stdout
    assert "The domain is pure" in result.stdout and "BROKEN" in result.stdout
    assert "service.domain.values -> service.store.objects" in result.stdout


def test_an_import_of_the_app_or_a_circle_fails_too(tmp_path):
    tree = _copy(tmp_path)
    _add_line(tree / "service" / "api" / "deps.py", "import service.main  # noqa")
    _add_line(tree / "service" / "store" / "queries.py", "from service.store import database  # noqa")
    result = _lint(tree)
    assert result.returncode == 1, result.stdout
    assert "Only the CLI builds the app" in result.stdout
    assert "No import circle" in result.stdout
