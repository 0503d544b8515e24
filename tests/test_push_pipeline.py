"""The pipelined push, over real HTTP against the test double: reads start while the sources
load, nothing is written before every source has loaded and passed its checks, and what was
read ahead is not read again."""

from __future__ import annotations

import json
import threading
import time

import pytest

from conftest import grafanalib_dashboard
from grafana_double import GrafanaDouble

pytestmark = pytest.mark.usefixtures("fast_backoff")  # retries wait milliseconds


def write_boards(project, n: int = 3) -> list[str]:
    uids = [f"board-{i}" for i in range(n)]
    for i, uid in enumerate(uids):
        project.write(f"dashboards/team/{uid}.py", grafanalib_dashboard(f"Board {i}", uid))
    return uids


def waits_for(flag, seen) -> str:
    """A source that loads only once ``flag`` exists (up to 10 s), writing to ``seen`` whether it did."""
    return f"""
        import pathlib, time
        from grafanalib.core import Dashboard

        flag, seen = pathlib.Path({str(flag)!r}), pathlib.Path({str(seen)!r})
        deadline = time.monotonic() + 10
        while not flag.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.write_text("reads seen while loading" if flag.exists() else "no read while loading")
        dashboard = Dashboard(title="Waits", uid="waits", editable=False)
    """


def watch(double: GrafanaDouble, path: str, flag) -> threading.Thread:
    """Create ``flag`` as soon as the double has answered a request for ``path``."""

    def run():
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if any(r.path == path and r.status == 200 for r in list(double.requests)):
                flag.write_text("")
                return
            time.sleep(0.005)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_broken_source_writes_nothing_though_reads_overlapped_loading(project, double, tmp_path):
    uids = write_boards(project)
    assert project.run("push").code == 0
    double.reset_log()
    project.write("dashboards/team/board-0.py", grafanalib_dashboard("Board 0 changed", "board-0", panels=2))
    flag, seen = tmp_path / "read", tmp_path / "seen"
    # the read-ahead reads the dashboards dashgen owns: board-0's GET is answered while this source still loads
    thread = watch(double, "/api/dashboards/uid/board-0", flag)
    project.write("dashboards/a_waits.py", waits_for(flag, seen))
    project.write("dashboards/z_broken.py", "raise RuntimeError('this source is broken')\n")
    result = project.run("push")
    thread.join()
    assert result.code == 1, result.out + result.err
    assert "z_broken.py" in result.err and "this source is broken" in result.err
    assert "Traceback" not in result.err
    assert seen.read_text() == "reads seen while loading"
    assert double.writes() == 0
    assert {r.method for r in double.requests} == {"GET"}
    read = {r.path for r in double.requests}
    assert {"/api/health", "/api/search"} <= read and {f"/api/dashboards/uid/{u}" for u in uids} <= read
    assert double.dashboard(1, "board-0")["title"] == "Board 0"


def test_failing_check_writes_nothing_though_reads_overlapped_loading(project, double, tmp_path):
    write_boards(project)
    flag, seen = tmp_path / "read", tmp_path / "seen"
    thread = watch(double, "/api/search", flag)
    project.write("dashboards/a_waits.py", waits_for(flag, seen))
    # the same uid twice: loads, then fails the checks
    project.write("dashboards/z_twice.py", grafanalib_dashboard("Twice", "board-1"))
    result = project.run("push")
    thread.join()
    assert result.code == 1 and "board-1" in result.err
    assert seen.read_text() == "reads seen while loading"
    assert double.writes() == 0 and not double.dashboards(1)


def test_re_push_reads_each_dashboard_once_and_writes_nothing(project, double):
    uids = write_boards(project, 5)
    assert project.run("push").code == 0
    double.reset_log()
    result = project.run("push", "-o", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["targets"][0]["writes"] == 0 and double.writes() == 0
    assert doc["targets"][0]["summary"]["unchanged"] == 6  # the folder and five dashboards
    paths = [r.path for r in double.requests]
    assert sorted(p for p in paths if p.startswith("/api/dashboards/uid/")) == sorted(
        f"/api/dashboards/uid/{u}" for u in uids
    )
    assert paths.count("/api/search") == 1 and paths.count("/api/folders/dashgen-team") == 1


def test_a_changed_dashboard_read_ahead_is_still_updated(project, double):
    write_boards(project)
    assert project.run("push").code == 0
    project.write("dashboards/team/board-2.py", grafanalib_dashboard("Board 2", "board-2", panels=3))
    double.reset_log()
    result = project.run("push", "-o", "json")
    doc = json.loads(result.out)
    assert result.code == 0 and doc["targets"][0]["summary"]["update"] == 1
    assert len(double.dashboard(1, "board-2")["panels"]) == 3 and double.writes() == 1


def test_a_failed_read_ahead_of_a_dashboard_not_pushed_does_not_fail_the_push(project, double):
    write_boards(project)
    assert project.run("push").code == 0
    (project.root / "dashboards/team/board-2.py").unlink()  # still tagged in Grafana: an orphan
    double.reset_log()
    double.fail_next(10, status=500, paths=["/api/dashboards/uid/board-2"])
    result = project.run("push", "--retries", "0", "-o", "json")
    assert result.code == 0, result.out + result.err
    doc = json.loads(result.out)
    assert doc["targets"][0]["summary"]["orphan"] == 1 and double.writes() == 0
    assert any(r.path == "/api/dashboards/uid/board-2" and r.status == 500 for r in double.requests)


def test_a_failed_read_ahead_of_a_pushed_dashboard_is_read_again(project, double):
    write_boards(project)
    assert project.run("push").code == 0
    double.reset_log()
    double.fail_next(1, status=500, paths=["/api/dashboards/uid/board-1"])
    result = project.run("push", "--retries", "0", "-o", "json")
    assert result.code == 0, result.out + result.err
    assert json.loads(result.out)["targets"][0]["summary"]["unchanged"] == 4
    reads = [r.status for r in double.requests if r.path == "/api/dashboards/uid/board-1"]
    assert reads == [500, 200] and double.writes() == 0


def test_editor_without_datasource_rights_pushes_dashboards(project, monkeypatch):
    token = "glsa_EditorTokenEditorTokenEditorToke_0a1b2c3d"
    with GrafanaDouble(tokens={token: {"org_id": 1, "role": "Editor"}}) as d:
        monkeypatch.setenv("GRAFANA_URL", d.url)
        monkeypatch.setenv("GRAFANA_TOKEN", token)
        write_boards(project)
        result = project.run("push")
        assert result.code == 0, result.out + result.err
        assert len(d.dashboards(1)) == 3


def test_selection_bounds_what_is_read_ahead(project, double):
    write_boards(project, 4)
    assert project.run("push").code == 0
    double.reset_log()
    assert project.run("push", "--uid", "board-1").code == 0
    assert [r.path for r in double.requests if r.path.startswith("/api/dashboards/uid/")] == [
        "/api/dashboards/uid/board-1"
    ]
    double.reset_log()
    assert project.run("push", "--path", "dashboards/team/board-2.py").code == 0
    assert [r.path for r in double.requests if r.path.startswith("/api/dashboards/uid/")] == [
        "/api/dashboards/uid/board-2"
    ]
    assert double.writes() == 0
