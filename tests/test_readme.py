"""README.md's set-up commands (exactly two, CI runs the test one as written) and the tests it cites."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _command(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(rf"<!-- {marker} -->\n```\n(.+)\n```\n<!-- /{marker} -->", text)
    assert len(found) == 1, f"README.md needs exactly one {marker} block"
    return found[0]


def test_ci_runs_the_readme_test_command_word_for_word():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _command("test-command") in ci


def test_the_two_commands_install_and_run_what_they_say():
    build, test = _command("build-command"), _command("test-command")
    assert build.endswith("dashgen build") and "pip install ." in build
    assert test.endswith("pytest") and "prometheus" in test and "'.[test]'" in test


def test_the_tests_the_readme_cites_exist():
    """Every promise points at tests; a renamed or deleted test file must not leave it unbacked."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    cited = set(re.findall(r"`(tests/[\w/]+\.py)`", text))
    assert "tests/test_write_failures.py" in cited and "tests/test_secrets_never_shown.py" in cited
    assert [c for c in sorted(cited) if not (ROOT / c).is_file()] == []
