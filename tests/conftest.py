"""Shared fixtures: throwaway dashgen projects and running the real CLI in-process."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # helpers in tests/ import as top-level modules
pytest_plugins = ["prom.fixtures"]


@pytest.fixture(autouse=True)
def _build_cache_outside_projects(tmp_path_factory, monkeypatch):
    """Builds keep their cache in a directory of their own, so tests that compare a project's
    whole tree see only sources and output (the cache's own tests set it where they want)."""
    monkeypatch.setenv("DASHGEN_CACHE_DIR", str(tmp_path_factory.mktemp("dashgen-cache")))


@dataclass
class Result:
    code: int
    out: str
    err: str


class Project:
    """A dashgen project in a temporary directory."""

    def __init__(self, root: Path, capsys, monkeypatch):
        self.root = root
        self._capsys = capsys
        monkeypatch.chdir(root)
        (root / "dashboards").mkdir()

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def run(self, *args: str) -> Result:
        """Run ``dashgen ARGS`` through the real entry point; return exit code and output."""
        from dashgen.cli import main

        self._capsys.readouterr()
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def tree(self, rel: str = "provisioning") -> dict[str, bytes]:
        base = self.root / rel
        return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}

    def restore(self, tree: dict[str, bytes], rel: str = "provisioning") -> None:
        """Put back exactly what :meth:`tree` returned, removing everything else under ``rel``."""
        out = self.root / rel
        for path in sorted(out.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        for name, content in tree.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(content)


@pytest.fixture
def project(tmp_path, capsys, monkeypatch) -> Project:
    return Project(tmp_path, capsys, monkeypatch)


def grafanalib_dashboard(title: str, uid: str, *, panels: int = 1, extra: str = "") -> str:
    """Source of a small grafanalib dashboard module that lints clean."""
    return textwrap.dedent(f"""
        from grafanalib.core import Dashboard, GridPos, Target, Template, Templating, TimeSeries

        {extra}
        dashboard = Dashboard(
            title={title!r},
            uid={uid!r},
            editable=False,
            templating=Templating(list=[Template(name="datasource", type="datasource", query="prometheus")]),
            panels=[
                TimeSeries(
                    title=f"Panel {{i}}",
                    description="Requests per second.",
                    unit="reqps",
                    dataSource={{"type": "prometheus", "uid": "${{datasource}}"}},
                    targets=[Target(expr='sum(rate(http_requests_total[$__rate_interval]))', legendFormat="{{{{job}}}}")],
                    gridPos=GridPos(h=8, w=12, x=(i % 2) * 12, y=(i // 2) * 8),
                )
                for i in range({panels})
            ],
        )
    """)


@pytest.fixture
def fast_backoff(monkeypatch):
    """Retries that wait milliseconds, not seconds (tests of push's retries)."""
    from dashgen import http

    monkeypatch.setattr(http, "BACKOFF_BASE", 0.01)
    monkeypatch.setattr(http, "BACKOFF_CAP", 0.05)


@pytest.fixture
def double(monkeypatch):
    """The Grafana test double on loopback, named by GRAFANA_URL and GRAFANA_TOKEN as a user's shell would."""
    from grafana_double import GrafanaDouble

    for name in ("GRAFANA_USER", "GRAFANA_PASSWORD", "DASHGEN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    with GrafanaDouble() as d:
        monkeypatch.setenv("GRAFANA_URL", d.url)
        monkeypatch.setenv("GRAFANA_TOKEN", d.token)
        yield d
