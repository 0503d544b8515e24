"""Finding prometheus/promtool for tests: skip locally, fail in CI.

    from prom.binaries import require_prometheus_binaries, promtool_path

    def test_rules():
        subprocess.run([promtool_path(), "test", "rules", "tests.yml"], check=True)

If a binary is missing the test is SKIPPED with install instructions, except
when the environment variable ``CI`` is ``true`` (or ``1``): then it FAILS, so
CI can never go green by skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest

from .server import INSTALL_HINT

BINARIES = ("prometheus", "promtool")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def require_prometheus_binaries(*names: str) -> dict[str, str]:
    """Return {name: path} for ``names`` (default: prometheus and promtool), or
    skip the calling test (fail it when CI=true) if any is missing from PATH."""
    names = names or BINARIES
    found = {n: shutil.which(n) for n in names}
    missing = [n for n, p in found.items() if not p]
    if missing:
        msg = f"{' and '.join(missing)} not found on PATH: {INSTALL_HINT}"
        if in_ci():
            pytest.fail(f"CI=true and {msg}", pytrace=False)
        pytest.skip(msg)
    return {n: p for n, p in found.items() if p}


def promtool_path() -> str:
    """Path of promtool (skips / fails like :func:`require_prometheus_binaries`)."""
    return require_prometheus_binaries("promtool")["promtool"]


def prometheus_path() -> str:
    return require_prometheus_binaries("prometheus")["prometheus"]


CHROMIUM_HINT = "sudo apt-get install chromium (or set DASHGEN_CHROMIUM to a Chrome or Chromium binary)"


def require_chromium() -> str:
    """Path of the headless browser ``dashgen preview --png`` uses; skips (fails when CI=true) without one."""
    from dashgen.preview.chromium import find

    path = find()
    if not path:
        msg = f"chromium not found: {CHROMIUM_HINT}"
        if in_ci():
            pytest.fail(f"CI=true and {msg}", pytrace=False)
        pytest.skip(msg)
    return path
