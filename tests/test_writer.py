"""writer.py: the output directory is only ever changed inside, and only in files dashgen owns."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import grafanalib_dashboard
from dashgen import writer
from dashgen.errors import DashgenError
from dashgen.writer import OutputWriter


@pytest.mark.parametrize("path", [
    "../outside.yaml", "kubernetes/../../outside.yaml", "{tmp}/outside.yaml", "", "a//b.yaml", "./a.yaml",
    "kubernetes/", "a\0b",
])
def test_add_refuses_paths_outside_the_output(tmp_path, path):
    out = tmp_path / "provisioning"
    path = path.replace("{tmp}", str(tmp_path))  # absolute
    with OutputWriter(out) as writer, pytest.raises(DashgenError, match="not a plain path inside the output"):
        writer.add(path, b"x\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_add_refuses_a_path_through_a_symlink_leading_out(tmp_path):
    out, elsewhere = tmp_path / "provisioning", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "kubernetes").symlink_to(elsewhere)
    with OutputWriter(out) as writer:
        with pytest.raises(DashgenError, match="not a plain path inside the output"):
            writer.add("kubernetes/x.yaml", b"x\n")
        writer.add("dashboards/x.json", b"{}\n")
        writer.finish()
    assert list(elsewhere.iterdir()) == []
    assert (out / "dashboards/x.json").read_bytes() == b"{}\n"


# ------------------------------------------------------------- interrupted writes

def _project(project, panels: int) -> None:
    for i, folder in enumerate(("gitops", "kubernetes", "apps")):
        project.write(f"dashboards/{folder}/d{i}.py", grafanalib_dashboard(f"D{i}", f"d{i}", panels=panels))
    project.write("dashboards/apps/gone.py", grafanalib_dashboard("Gone", "gone"))


def _interrupt_replace_at(monkeypatch, *calls: int) -> None:
    real, count = os.replace, [0]

    def replace(src, dst):
        count[0] += 1
        if count[0] in calls:
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(writer.os, "replace", replace)


@pytest.mark.parametrize("interrupts", [(2,), (4,), (7,), (4, 6)])
def test_an_interrupted_write_is_completed_by_the_next_build(project, monkeypatch, interrupts):
    _project(project, panels=1)
    assert project.run("build").code == 0
    _project(project, panels=2)  # every dashboard's JSON and ConfigMap change
    (project.root / "dashboards/apps/gone.py").unlink()
    project.write("dashboards/apps/new.py", grafanalib_dashboard("New", "new"))
    for n in interrupts:  # the first n-1 replaces (the record first) happen, then ^C
        with monkeypatch.context() as m:
            _interrupt_replace_at(m, n)
            assert project.run("build").code != 0

    check = project.run("build", "--check")
    assert check.code == 2 and "edited by hand" not in check.err
    result = project.run("build")
    assert result.code == 0, result.err
    assert "edited by hand" not in result.err and "warning" not in result.err
    assert project.run("build", "--check").code == 0
    completed = project.tree()
    assert "pending" not in json.loads(completed[writer.RECORD])
    shutil.rmtree(project.root / "provisioning")
    assert project.run("build").code == 0
    assert project.tree() == completed  # exactly what an uninterrupted build writes


def test_record_keeps_both_hashes_while_files_move(project, monkeypatch):
    _project(project, panels=1)
    assert project.run("build").code == 0
    before = json.loads((project.root / "provisioning" / writer.RECORD).read_text())["files"]
    _project(project, panels=2)
    with monkeypatch.context() as m:
        # The record was written, no file moved, and the process dies (kill -9): every later
        # replace fails, so the build cannot put the old record back either.
        _interrupt_replace_at(m, *range(2, 100))
        project.run("build")
    record = json.loads((project.root / "provisioning" / writer.RECORD).read_text())
    assert record["files"] == before
    changed = "dashboards/Gitops/d0.json"
    assert record["pending"][changed] != before[changed]
    assert set(record["pending"]) < set(before)


# ------------------------------------------------------------------ hand edits

def test_a_hand_edited_file_whose_source_is_gone_is_reported_before_it_is_deleted(project):
    _project(project, panels=1)
    assert project.run("build").code == 0
    edited = project.root / "provisioning/dashboards/Apps/gone.json"
    edited.write_text('{"mine": true}\n')
    untouched = "kubernetes/dashboards/grafana-dashboard-gone.yaml"
    (project.root / "dashboards/apps/gone.py").unlink()

    check = project.run("build", "--check")
    assert check.code == 2
    assert ("warning: provisioning/dashboards/Apps/gone.json was edited by hand; build would delete it "
            "(its source is gone)") in check.err
    assert untouched not in check.err
    doc = json.loads(project.run("build", "--check", "-o", "json").out)
    assert doc["edited_by_hand"] == ["dashboards/Apps/gone.json"]
    assert set(doc["removed"]) == {"dashboards/Apps/gone.json", untouched}

    result = project.run("build")
    assert result.code == 0
    assert "warning: provisioning/dashboards/Apps/gone.json was edited by hand; deleted (its source is gone)" in result.err
    assert result.err.count("edited by hand") == 1
    assert not edited.exists()


def _sha(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


def test_files_a_worker_staged_are_applied_as_added_ones(tmp_path):
    """The build's workers stage files themselves (stage_file) and the writer takes them by hash."""
    out = tmp_path / "provisioning"
    with OutputWriter(out) as w:
        w.add("dashboards/same.json", b"same\n")
        w.add("dashboards/old.json", b"old\n")
        w.finish()
    with OutputWriter(out) as w:
        stage = w.stage_dir()
        files = {"dashboards/same.json": b"same\n", "dashboards/old.json": b"new\n", "dashboards/a/b.json": b"b\n"}
        staged = {path: writer.stage_file(stage, out, path, content) for path, content in files.items()}
        assert staged == {"dashboards/same.json": False, "dashboards/old.json": True, "dashboards/a/b.json": True}
        for path, content in files.items():
            w.add_staged(path, _sha(content), staged[path])
        changes = w.finish()
    assert "dashboards/a/b.json" in changes.added and "dashboards/old.json" in changes.changed
    assert "dashboards/same.json" in changes.unchanged
    assert {p: (out / p).read_bytes() for p in files} == files
    assert not list(out.glob(".dashgen-stag*"))


def test_a_worker_never_stages_outside_and_the_writer_refuses_the_path(tmp_path):
    out = tmp_path / "provisioning"
    with OutputWriter(out) as w:
        stage = w.stage_dir()
        assert writer.stage_file(stage, out, "../outside.json", b"x\n") is False
        with pytest.raises(DashgenError, match="not a plain path inside the output"):
            w.add_staged("../outside.json", _sha(b"x\n"), False)
    assert set(p.name for p in tmp_path.iterdir()) <= {"provisioning"}


def test_a_file_changed_after_a_worker_found_it_current_is_an_error_not_a_lost_write(tmp_path):
    out = tmp_path / "provisioning"
    with OutputWriter(out) as w:
        w.add("dashboards/x.json", b"x\n")
        w.finish()
    with OutputWriter(out) as w:
        assert writer.stage_file(w.stage_dir(), out, "dashboards/x.json", b"x\n") is False
        (out / "dashboards/x.json").write_bytes(b"edited\n")  # by hand, while the build runs
        with pytest.raises(DashgenError, match="changed while dashgen built; build again"):
            w.add_staged("dashboards/x.json", _sha(b"x\n"), False)


def test_checking_stages_nothing(tmp_path):
    out = tmp_path / "provisioning"
    with OutputWriter(out, check=True) as w:
        assert w.stage_dir() is None
        assert writer.stage_file(None, out, "dashboards/x.json", b"x\n") is False
        w.add_staged("dashboards/x.json", _sha(b"x\n"), False)
        assert "dashboards/x.json" in w.review().added
    assert not out.exists() or not any(out.rglob("*.json"))
