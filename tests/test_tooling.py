"""The tools people expect, run by the test command: ruff (lint and format) and mypy, clean.

Configured in pyproject.toml and installed by the ``test`` extra; a missing tool is a failure
that says to install it, never a skip.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(tool: str, *args: str) -> None:
    if importlib.util.find_spec(tool) is None:
        pytest.fail(f"{tool} is not installed: pip install -e '.[test]'")
    proc = subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, f"{tool} {' '.join(args)}:\n{proc.stdout}{proc.stderr}"


def test_ruff_check():
    _run("ruff", "check", "gen", "tests", "bench")


def test_ruff_format():
    _run("ruff", "format", "--check", "gen")


def test_mypy():
    _run("mypy")  # files and settings: [tool.mypy] in pyproject.toml
