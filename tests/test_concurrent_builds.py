"""One build at a time per output directory (issue 17, finding 3).

Two `dashgen build` processes writing the same output used to delete each other's staging
directory (``internal error (FileNotFoundError ... .dashgen-staging-...)``) and could leave
a mix of both trees. Now the writer holds an advisory lock on the output directory, a
staging directory is removed only by its owner or once its owner is dead, and neither
the staging directories nor the lock file are ever committed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from dashgen import writer

REPO = Path(__file__).resolve().parents[1]
DASHGEN = [sys.executable, "-m", "dashgen"]


def _dashboard(uid: str, title: str) -> str:
    return json.dumps({"title": title, "uid": uid, "panels": [], "schemaVersion": 39, "editable": False}) + "\n"


def _two_projects(root: Path) -> None:
    """Configs writing the same output from different sources: 30 dashboards each."""
    for name in ("a", "b", "c"):
        for i in range(30):
            path = root / f"sources_{name}" / name / f"{name}{i}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_dashboard(f"{name}{i}", f"{name.upper()} {i}"))
        (root / f"{name}.yaml").write_text(f"sources: sources_{name}\noutput: provisioning\n")


def _tree(base: Path) -> dict[str, bytes]:
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def _entries(base: Path) -> set[str]:
    return {str(p.relative_to(base)) for p in base.rglob("*")}


def _build(root: Path, config: str) -> subprocess.Popen:
    return subprocess.Popen([*DASHGEN, "--config", config, "build"], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_builds_at_once_leave_one_whole_tree(tmp_path):
    _two_projects(tmp_path)
    out = tmp_path / "provisioning"
    expected = {}
    for name in ("a", "b"):  # each alone first: the two trees a build may leave
        done = subprocess.run([*DASHGEN, "--config", f"{name}.yaml", "build"], cwd=tmp_path, capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr
        expected[name] = _tree(out)
        shutil.rmtree(out)
    assert expected["a"] != expected["b"]

    for run in range(20):
        shutil.rmtree(out, ignore_errors=True)
        if run % 2:  # from nothing, or from a tree both builds replace whole
            subprocess.run([*DASHGEN, "--config", "c.yaml", "build"], cwd=tmp_path, check=True, capture_output=True)
        builds = [_build(tmp_path, "a.yaml"), _build(tmp_path, "b.yaml")]
        outcomes = [(p.wait(timeout=60), *p.communicate()) for p in builds]
        for code, _stdout, stderr in outcomes:
            if code == 0:
                assert "error" not in stderr, stderr
            else:  # the loser waited and gave up: one clean line, no internal error
                assert code == 1
                lines = stderr.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith("error: ") and "another dashgen build is running" \
                    in lines[0], stderr
        assert any(code == 0 for code, _, _ in outcomes), outcomes
        tree = _tree(out)
        assert tree in (expected["a"], expected["b"]), (run, sorted(set(tree) ^ set(expected["a"]))[:5], outcomes)
        assert "pending" not in json.loads(tree[writer.RECORD])
        assert not [e for e in _entries(out) if e.startswith(".dashgen")], run  # no staging, no lock file


def test_a_build_waits_for_the_lock_then_says_who_holds_it(project, monkeypatch):
    from dashgen import lock

    project.write("dashboards/a.json", _dashboard("a", "A"))
    assert project.run("build").code == 0
    before = project.tree()
    project.write("dashboards/b.json", _dashboard("b", "B"))
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
    with lock.OutputLock(project.root / "provisioning"):  # another build, in this process
        started = time.monotonic()
        result = project.run("build")
        waited = time.monotonic() - started
    assert result.code == 1
    assert result.err == (f"error: provisioning: another dashgen build is running (pid {os.getpid()}); "
                          "wait for it to finish, or stop it\n")
    assert waited >= 0.3
    assert project.tree() == before  # nothing written while the other held the lock
    result = project.run("build")  # the lock is gone with its holder
    assert result.code == 0, result.err
    assert "dashboards/b.json" in project.tree()


def test_build_check_reads_while_no_build_writes(project, monkeypatch):
    from dashgen import lock

    project.write("dashboards/a.json", _dashboard("a", "A"))
    assert project.run("build").code == 0
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.2)
    with lock.OutputLock(project.root / "provisioning"):
        result = project.run("build", "--check")
    assert result.code == 1 and "another dashgen build is running" in result.err
    with lock.OutputLock(project.root / "provisioning", shared=True):  # two checks at once are fine
        assert project.run("build", "--check").code == 0
    assert lock.LOCK_FILE not in _entries(project.root / "provisioning")


def test_the_first_build_creates_the_output_directory_only_if_it_succeeds(project):
    project.write("dashboards/a.json", '{"title": "A", "uid": "a", "panels": [}')  # invalid JSON
    assert project.run("build").code == 1
    assert not (project.root / "provisioning").exists()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_staging_is_removed_only_when_its_owner_is_dead(project):
    project.write("dashboards/a.json", _dashboard("a", "A"))
    assert project.run("build").code == 0
    out = project.root / "provisioning"
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = out / f"{writer.STAGING_PREFIX}{_dead_pid()}-0"
        living = out / f"{writer.STAGING_PREFIX}{alive.pid}-0"
        for staging in (dead, living):
            (staging / "dashboards").mkdir(parents=True)
            (staging / "dashboards/x.json").write_text("{}\n")
        project.write("dashboards/b.json", _dashboard("b", "B"))
        result = project.run("build")
        assert result.code == 0, result.err
        assert not dead.exists()  # killed with -9 mid-build: its leftovers go
        assert (living / "dashboards/x.json").read_text() == "{}\n"  # its owner may still use it
    finally:
        alive.kill()
        alive.wait()


def test_sigterm_during_a_build_leaves_no_staging_and_the_old_tree(project, monkeypatch):
    project.write("dashboards/a.json", _dashboard("a", "A"))
    assert project.run("build").code == 0
    old = project.tree()
    project.write("dashboards/a.json", _dashboard("a", "A2"))
    project.write("dashboards/b.json", _dashboard("b", "B"))
    real, calls = os.replace, [0]

    def replace(src, dst):  # `kill <pid>` arrives between two moves
        calls[0] += 1
        if calls[0] == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return real(src, dst)

    def not_handled(signum, frame):  # without a handler in main(), SIGTERM would end pytest itself
        raise AssertionError("dashgen did not handle SIGTERM")

    monkeypatch.setattr(writer.os, "replace", replace)
    before = signal.signal(signal.SIGTERM, not_handled)
    try:
        result = project.run("build")
        assert signal.getsignal(signal.SIGTERM) == not_handled  # main() puts the handler back
    finally:
        signal.signal(signal.SIGTERM, before)
        monkeypatch.undo()
    assert result.code == 128 + signal.SIGTERM
    assert result.err.strip().splitlines()[-1] == "terminated"
    assert not [e for e in _entries(project.root / "provisioning") if e.startswith(".dashgen")]
    assert project.tree() == old  # rolled back
    assert project.run("build").code == 0
    assert project.run("build", "--check").code == 0


def test_staging_lock_and_caches_are_ignored_by_git():
    paths = [f"provisioning/{writer.STAGING_PREFIX}123-0/dashboards/x.json", "provisioning/.dashgen-lock",
             "dashboards/lib/__pycache__/panels.cpython-311.pyc"]
    done = subprocess.run(["git", "check-ignore", "--no-index", "--verbose", *paths], cwd=REPO, capture_output=True,
                          text=True)
    ignored = [line.split("\t", 1)[1] for line in done.stdout.splitlines()]
    assert ignored == paths, done.stdout + done.stderr
