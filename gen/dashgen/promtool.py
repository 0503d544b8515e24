"""``promtool check rules`` on the rendered rule groups, when promtool is installed.

Each source file's groups are written as one rule file, exactly as they go into its
PrometheusRule's ``spec``, and checked in one promtool run. Without promtool the build
still works (the lint engine has parsed every expression with promql-parser); the
caller says what was skipped.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .formats import dump_yaml

INSTALL_HINT = "install Debian's prometheus package (sudo apt-get install prometheus) to get it"
TIMEOUT = 120


@dataclass
class Result:
    errors: list[tuple[str, str]] = field(default_factory=list)  # (source, message)
    note: str | None = None  # set when the check was skipped or could not run
    files: int = 0


def find() -> str | None:
    """promtool's path: $DASHGEN_PROMTOOL if set (empty disables the check), else PATH."""
    import shutil

    configured = os.environ.get("DASHGEN_PROMTOOL")
    if configured is not None:
        return configured or None
    return shutil.which("promtool")


def check_rules(files: dict[str, dict[str, Any]]) -> Result:
    """Check ``{source: {"groups": [...]}}``; errors are reported per source file."""
    result = Result(files=len(files))
    if not files:
        return result
    promtool = find()
    what = f"'promtool check rules' on the rule groups of {len(files)} file{'s' if len(files) != 1 else ''}"
    if promtool is None:
        result.note = (
            f"promtool not found: skipped {what} (expressions were parsed with promql-parser only); {INSTALL_HINT}"
        )
        return result
    import subprocess  # here, not at the top: builds without rules never start a process
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dashgen-promtool-") as tmp:
        paths: dict[str, str] = {}
        for i, (source, doc) in enumerate(sorted(files.items())):
            path = Path(tmp) / f"rules-{i}.yaml"
            path.write_text(dump_yaml(doc), encoding="utf-8")
            paths[str(path)] = source
        try:
            proc = subprocess.run(
                [promtool, "check", "rules", *paths],
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                env={**os.environ, "NO_COLOR": "1"},
            )
        except (OSError, subprocess.SubprocessError) as exc:
            result.note = f"could not run {promtool}: {exc}; skipped {what}"
            return result
        if proc.returncode == 0:
            return result
        result.errors = _errors(proc.stderr + "\n" + proc.stdout, paths)
        if not result.errors:  # promtool failed without naming a file: say what it printed
            first = next((ln.strip() for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()), "")
            result.errors = [(sorted(files)[0], f"promtool check rules failed: {first}")]
    return result


def _errors(output: str, paths: dict[str, str]) -> list[tuple[str, str]]:
    """promtool prints each problem as ``FILE: line:col: message`` (on stderr, after ``FAILED:``)."""
    errors: list[tuple[str, str]] = []
    for raw in output.splitlines():
        line = raw.strip()
        for path, source in paths.items():
            if line.startswith(path + ":"):
                # Drop promtool's line:col: they point into the rendered file, not the source.
                message = re.sub(r"^\d+:\d+:\s*", "", line[len(path) + 1 :].strip())
                errors.append((source, f"promtool check rules: {message}"))
                break
    return errors
