"""Environments (issue 14) keep the promises of issue 17: a build of several trees locks
them all, writes all of them or none, refuses to empty one by accident, says which
environment an error arose in, keeps sources' output off stdout and their time limited,
and never writes a datasource secret or its hash into a tree.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import grafanalib_dashboard
from dashgen import lock, writer
from grafana_double import GrafanaDouble
from test_write_failures import Faults, _dashboard

DASHGEN = [sys.executable, "-m", "dashgen"]
TWO = "environments:\n  dev: {}\n  prod: {namespace: grafana}\n"
THREE = TWO + "  qa: {}\n"  # qa is taken out again below: its tree is retired


def _old(project) -> None:
    project.write("dashgen.yaml", THREE)
    project.write("dashboards/apps/a.json", _dashboard("a", "A"))
    project.write("dashboards/b.json", _dashboard("b", "B"))
    project.write("dashboards/gone/g.json", _dashboard("g", "G"))


def _new(project) -> None:
    """Every kind of change in both trees, and a third tree retired."""
    project.write("dashgen.yaml", TWO)
    project.write("dashboards/apps/a.json", _dashboard("a", "A", panels=2))
    (project.root / "dashboards/gone/g.json").unlink()
    (project.root / "dashboards/gone").rmdir()
    project.write("dashboards/fresh/c.json", _dashboard("c", "C"))


def _without_locks(tree: dict[str, bytes]) -> dict[str, bytes]:
    """A lock file whose removal failed is harmless (git-ignored, locked again next time)."""
    return {p: c for p, c in tree.items() if Path(p).name != lock.LOCK_FILE}


def _leftovers(project) -> list[str]:
    return [str(p) for p in (project.root / "provisioning").rglob(".dashgen-staging-*")]


@pytest.fixture
def trees(project, monkeypatch):
    """(old, new, calls): the three trees before, the two after, the filesystem calls in between."""
    _old(project)
    assert project.run("build").code == 0
    old = project.tree()
    assert {p.split("/")[0] for p in old} == {"dev", "prod", "qa"}
    _new(project)
    with monkeypatch.context() as m:
        faults = Faults(m, project.root / "provisioning", fail_at=None)
        result = project.run("build")
    assert result.code == 0, result.err
    assert "removed the tree of environment 'qa'" in result.out
    new = project.tree()
    assert {p.split("/")[0] for p in new} == {"dev", "prod"}
    assert old["dev/dashboards/Apps/a.json"] != new["dev/dashboards/Apps/a.json"]
    project.restore(old)
    return old, new, faults.count


STATE = (r"(provisioning/\w+/ is as it was|provisioning/dev/, provisioning/prod/ and provisioning/qa/ are as they were)"
         r" before this build")
ONE_LINE = re.compile(r"error: provisioning/\S*: cannot (write|delete): (No space left on device|Permission denied); "
                      + STATE + "\n")


def test_every_failing_call_of_a_build_of_environments_leaves_every_tree_as_it_was(project, monkeypatch, trees):
    old, new, calls = trees
    assert calls > 60  # three trees: staging, records, moves, removals
    for n in range(1, calls + 1):
        code = errno.EACCES if n % 3 == 0 else errno.ENOSPC
        with monkeypatch.context() as m:
            Faults(m, project.root / "provisioning", fail_at=n, code=code)
            result = project.run("build")
        tree = _without_locks(project.tree())
        if tree == new:  # only when the failing call came after the last move: cleaning up
            assert result.code == 0, (n, result.err)
            project.restore(old)
            continue
        assert result.code == 1, (n, result.err)
        assert ONE_LINE.fullmatch(result.err), (n, result.err)
        assert tree == old, (n, sorted(set(tree) ^ set(old)), [p for p in tree if tree[p] != old.get(p)])
        assert not _leftovers(project), n
    result = project.run("build")
    assert result.code == 0 and project.tree() == new


def _fail_in(monkeypatch, tree: str, error: BaseException) -> None:
    """The first move into ``provisioning/<tree>/`` fails: the trees applied before it are complete."""
    real, failed = os.replace, []

    def replace(src, dst):
        if not failed and f"provisioning/{tree}/" in str(dst) and writer.STAGING_PREFIX not in str(dst):
            failed.append(dst)
            raise error
        return real(src, dst)

    monkeypatch.setattr(writer.os, "replace", replace)


def test_a_failure_in_the_second_tree_undoes_the_first(project, monkeypatch, trees):
    old, new, _ = trees
    with monkeypatch.context() as m:
        _fail_in(m, "prod", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "x"))
        result = project.run("build")
    assert result.code == 1
    assert result.err == ("error: provisioning/prod/dashgen-files.json: cannot write: No space left on device; "
                          "provisioning/dev/, provisioning/prod/ and provisioning/qa/ are as they were before this "
                          "build\n")
    assert project.tree() == old  # dev had been written whole: it is back as it was
    assert not _leftovers(project)


def test_the_environment_of_a_write_error_is_in_the_json_document(project, monkeypatch, trees):
    with monkeypatch.context() as m:
        _fail_in(m, "prod", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "x"))
        result = project.run("build", "-o", "json")
    (error,) = json.loads(result.out)["errors"]
    assert error["environment"] == "prod" and error["path"] == "provisioning/prod/dashgen-files.json"


def test_ctrl_c_in_the_second_tree_undoes_the_first(project, monkeypatch, trees):
    old, new, _ = trees
    with monkeypatch.context() as m:
        _fail_in(m, "prod", KeyboardInterrupt())
        result = project.run("build")
    assert result.code == 130 and result.err.strip() == "interrupted"
    assert project.tree() == old
    assert not _leftovers(project)


def test_when_undoing_the_first_tree_fails_the_next_build_completes_it(project, monkeypatch, trees):
    """The move into prod fails, then so does everything in dev (the disk is gone): dev is
    left half undone, but its record lists both hashes, so no file counts as edited by hand."""
    old, new, _ = trees
    real = os.replace
    gone = {"dev": False}

    def replace(src, dst):
        if "provisioning/prod/" in str(dst) and writer.STAGING_PREFIX not in str(dst):
            gone["dev"] = True
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        if gone["dev"] and "provisioning/dev/dashboards" in str(dst):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        return real(src, dst)

    with monkeypatch.context() as m:
        m.setattr(writer.os, "replace", replace)
        result = project.run("build")
    assert result.code == 1 and len(result.err.splitlines()) == 1
    assert "undoing the build failed too" in result.err and "run dashgen build again" in result.err
    dev = json.loads(project.tree()["dev/" + writer.RECORD])
    assert "pending" in dev
    check = project.run("build", "--check")
    assert check.code == 2 and "edited by hand" not in check.err
    assert project.run("build").code == 0
    assert project.tree() == new


# ------------------------------------------------------------------ locks


def _two_orders(root: Path) -> None:
    """Two configs building the same two trees, listed in opposite orders, from different sources."""
    for name in ("a", "b"):
        for i in range(20):
            path = root / f"sources_{name}" / name / f"{name}{i}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_dashboard(f"{name}{i}", f"{name.upper()} {i}"))
    (root / "a.yaml").write_text("sources: sources_a\nenvironments:\n  dev: {}\n  prod: {}\n")
    (root / "b.yaml").write_text("sources: sources_b\nenvironments:\n  prod: {}\n  dev: {}\n")


def _tree(base: Path) -> dict[str, bytes]:
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def test_two_builds_of_the_same_environments_take_turns_and_never_deadlock(tmp_path):
    """Taking each tree's lock in the config's order, a dev-then-prod build and a
    prod-then-dev build would each hold one lock and wait for the other until one gave up."""
    _two_orders(tmp_path)
    out = tmp_path / "provisioning"
    expected = {}
    for name in ("a", "b"):
        done = subprocess.run([*DASHGEN, "--config", f"{name}.yaml", "build"], cwd=tmp_path, capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr
        expected[name] = _tree(out)
    assert set(expected["a"]) != set(expected["b"])
    for run in range(4):
        builds = [subprocess.Popen([*DASHGEN, "--config", f"{name}.yaml", "build"], cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
        outcomes = [(p.wait(timeout=60), *p.communicate()) for p in builds]
        for code, _stdout, stderr in outcomes:
            assert code == 0, (run, stderr)  # the second waits for the first: no lock held while waiting
        tree = _tree(out)
        assert tree in (expected["a"], expected["b"]), run  # one build's trees, both of them
        assert not [e for e in out.rglob(".dashgen*")], run


def test_writers_take_their_locks_in_one_order(tmp_path, monkeypatch):
    """Two builds listing the same trees in opposite orders, each pausing after every lock
    it takes: in the order given, each would hold one lock and wait for the other's."""
    monkeypatch.setattr(lock, "WAIT_SECONDS", 3.0)
    real = lock.OutputLock.acquire

    def slow(self):
        real(self)
        time.sleep(0.5)

    monkeypatch.setattr(lock.OutputLock, "acquire", slow)
    dev, prod = tmp_path / "provisioning/dev", tmp_path / "provisioning/prod"
    failures: list[BaseException] = []

    def build(order: list[Path], content: bytes) -> None:
        try:
            with contextlib.ExitStack() as stack:
                writers = writer.open_writers(stack, [(path, False, path.name) for path in order])
                for out in writers:
                    out.add("x.json", content)
                    out.review()
                writer.apply_all(writers)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=build, args=([dev, prod], b"1\n")),
               threading.Thread(target=build, args=([prod, dev], b"2\n"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert (dev / "x.json").read_bytes() == (prod / "x.json").read_bytes()  # both trees from the same build


def test_a_build_of_environments_waits_for_every_tree_it_writes(project, monkeypatch):
    project.write("dashgen.yaml", TWO)
    project.write("dashboards/a.json", _dashboard("a", "A"))
    assert project.run("build").code == 0
    before = project.tree()
    project.write("dashboards/b.json", _dashboard("b", "B"))
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.2)
    with lock.OutputLock(project.root / "provisioning/prod"):  # another build, writing prod only
        result = project.run("build")
    assert result.code == 1
    assert result.err == (f"error: provisioning/prod: another dashgen build is running (pid {os.getpid()}); "
                          "wait for it to finish, or stop it\n")
    assert project.tree() == before  # not even dev, whose lock was free


def test_retiring_a_tree_is_locked_undoable_and_announced(project, monkeypatch):
    project.write("dashgen.yaml", THREE)
    project.write("dashboards/a.json", _dashboard("a", "A"))
    assert project.run("build").code == 0
    before = project.tree()
    project.write("dashgen.yaml", TWO)  # qa taken out: its tree goes, without --allow-empty
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.2)
    with lock.OutputLock(project.root / "provisioning/qa"):
        result = project.run("build")
    assert result.code == 1 and "provisioning/qa: another dashgen build is running" in result.err
    assert project.tree() == before
    with monkeypatch.context() as m:
        _fail_in(m, "qa", OSError(errno.EACCES, os.strerror(errno.EACCES), "x"))
        result = project.run("build")
    assert result.code == 1 and result.err.startswith("error: provisioning/qa/dashgen-files.json: cannot write")
    assert project.tree() == before
    check = project.run("build", "--check", "-o", "json")
    (qa,) = [t for t in json.loads(check.out)["environments"] if t["retired"]]
    assert qa["environment"] == "qa" and "dashgen-files.json" in qa["removed"]
    result = project.run("build")
    assert result.code == 0, result.err
    assert "provisioning/qa/: removed the tree of environment 'qa', no longer in the config" in result.out
    assert not (project.root / "provisioning/qa").exists()


# ----------------------------------------------------------- empty sources


def _team_only(project) -> dict[str, bytes]:
    """dev and prod ship the only folder; nothing else in the sources."""
    project.write("dashgen.yaml", TWO)
    project.write("dashboards/team/a.json", _dashboard("a", "A"))
    assert project.run("build").code == 0
    return project.tree()


def test_an_environment_left_with_nothing_is_refused_and_nothing_is_written(project):
    before = _team_only(project)
    project.write("dashboards/team/b.json", _dashboard("b", "B"))  # dev would change too
    project.write("dashgen.yaml", TWO.replace("prod: {namespace: grafana}",
                                              "prod: {namespace: grafana, folders: {exclude: [team]}}"))
    doomed = json.loads(project.run("build", "--check", "--allow-empty", "-o", "json").out)
    (prod,) = [t for t in doomed["environments"] if t["environment"] == "prod"]
    result = project.run("build")
    assert result.code == 1
    assert result.err == (
        f"error: environment 'prod' ships nothing from {project.root / 'dashboards'} (no dashboard, datasource, "
        f"rule group or manifest), but this build would delete {len(prod['removed'])} of the files "
        "provisioning/prod/dashgen-files.json lists; check environments.prod.folders, and that this is the sources "
        "directory (an uninitialised git submodule? a sparse checkout? the wrong working directory?), or pass "
        "--allow-empty to delete them\n")
    assert project.tree() == before
    document = json.loads(project.run("build", "-o", "json").out)
    assert [e["environment"] for e in document["errors"]] == ["prod"]
    result = project.run("build", "--allow-empty")
    assert result.code == 0, result.err
    after = project.tree()
    assert "prod/dashboards/Team/a.json" not in after and "dev/dashboards/Team/b.json" in after


def test_an_empty_checkout_is_refused_for_every_environment(project):
    before = _team_only(project)
    (project.root / "dashboards/team/a.json").unlink()
    result = project.run("build")
    assert result.code == 1 and "error: found no sources in" in result.err
    assert "provisioning/dev/dashgen-files.json" in result.err
    assert project.tree() == before


# -------------------------------------------------------------------- lint


def test_lint_of_an_environment_fails_where_its_build_would(project):
    """dev leaves out the folder with a uid Grafana refuses: its build passes, and so does its lint."""
    project.write("dashgen.yaml", "environments:\n  dev: {folders: {exclude: [broken]}}\n  prod: {}\n")
    project.write("dashboards/apps/a.json", _dashboard("a", "A"))
    project.write("dashboards/broken/m.json", _dashboard("not a uid", "M"))
    for env, code in (("dev", 0), ("prod", 1)):
        build = project.run("build", "--check", "--env", env)
        lint = project.run("lint", "--env", env, "-o", "json")
        assert (build.code == 1) == (code == 1) and lint.code == code, (env, build.err, lint.out)
    lint = project.run("lint", "-o", "json")  # every environment: each finding once
    assert lint.code == 1
    errors = [f for f in json.loads(lint.out)["findings"] if f["severity"] == "error"]
    prod = json.loads(project.run("lint", "--env", "prod", "-o", "json").out)["findings"]
    assert {f["source"] for f in errors} == {"dashboards/broken/m.json"}
    assert len(errors) == len([f for f in prod if f["severity"] == "error"])
    project.write("dashgen.yaml", "environments:\n  dev: {folders: {include: [brokn]}}\n")
    build, lint = project.run("build"), project.run("lint", "-o", "json")
    assert build.code == lint.code == 1
    (error,) = json.loads(lint.out)["errors"]
    assert error["environment"] == "dev" and f"error: {error['text']}\n" == build.err


# -------------------------------------------------- sources, once per environment


NOISY = """
import os
print("print from the source")
os.write(1, b"fd 1 from the source\\n")
""" + grafanalib_dashboard("Noisy", "noisy")


def test_what_sources_print_goes_to_stderr_in_every_environment(project):
    project.write("dashgen.yaml", TWO)
    project.write("dashboards/apps/noisy.py", NOISY)
    done = subprocess.run([*DASHGEN, "build", "-o", "json"], cwd=project.root, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # one document
    assert [t["environment"] for t in document["environments"]] == ["dev", "prod"]
    assert done.stderr.count("print from the source") == 2 and done.stderr.count("fd 1 from the source") == 2


def test_the_time_limit_holds_in_every_environment(project):
    """dev reads a fast value, prod a slow one: the limit stops prod's load and names the file."""
    project.write("dashgen.yaml", "sources_timeout: 1\nvalues: {delay: 0}\nenvironments:\n  dev: {}\n"
                                  "  prod: {values: {delay: 30}}\n")
    project.write("dashboards/apps/slow.py", """
import time
import dashgen

time.sleep(dashgen.setting("delay"))
""" + grafanalib_dashboard("Slow", "slow"))
    started = time.monotonic()
    done = subprocess.run([*DASHGEN, "build", "-o", "json"], cwd=project.root, capture_output=True, text=True,
                          timeout=60)
    assert time.monotonic() - started < 20
    assert done.returncode == 1
    (error,) = json.loads(done.stdout)["errors"]
    assert error["environment"] == "prod" and error["path"] == "dashboards/apps/slow.py"
    assert "sources_timeout" in error["message"]
    assert not (project.root / "provisioning").exists()  # dev rendered fine, but nothing is written


# ----------------------------------------------------------------- secrets


DATASOURCES = """
datasources = [
    {"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki:3100", "access": "proxy",
     "basicAuth": True, "basicAuthUser": "grafana",
     "secureJsonData": {"basicAuthPassword": "${LOKI_PASS}"}},
]
"""
OLD, NEW = "old-Loki-Pass-0001", "new-Loki-Pass-0002"
OPERATOR = """
output:
  kinds: [sidecar, operator]
  operator: {instance_selector: {matchLabels: {dashboards: grafana}}}
"""


def test_operator_trees_hold_secret_references_never_values_or_hashes(project, monkeypatch):
    monkeypatch.setenv("LOKI_PASS", OLD)
    project.write("dashgen.yaml", OPERATOR + TWO)
    project.write("dashboards/datasources.py", DATASOURCES)
    project.write("dashboards/apps/a.json", _dashboard("a", "A"))
    with GrafanaDouble() as grafana:  # a push first: Grafana then holds the hash record
        monkeypatch.setenv("GRAFANA_URL", grafana.url)
        monkeypatch.setenv("GRAFANA_TOKEN", grafana.token)
        assert project.run("push", "--env", "prod").code == 0
        assert "dashgenSecrets" in grafana.datasource(1, "loki")["jsonData"]
    result = project.run("build")
    assert result.code == 0, result.err
    tree = project.tree()
    operator = [p for p in tree if b"kind: GrafanaDatasource" in tree[p]]
    assert sorted(p.split("/")[0] for p in operator) == ["dev", "prod"]
    for path in operator:
        assert b"valuesFrom" in tree[path] and b"LOKI_PASS" in tree[path]
    for path, content in tree.items():
        assert OLD.encode() not in content, path
        assert b"dashgenSecrets" not in content and b"pbkdf2" not in content, path


def test_push_of_an_environment_compares_secret_hashes(project, monkeypatch):
    project.write("dashgen.yaml", TWO)
    project.write("dashboards/datasources.py", DATASOURCES)
    with GrafanaDouble() as grafana:
        monkeypatch.setenv("GRAFANA_URL", grafana.url)
        monkeypatch.setenv("GRAFANA_TOKEN", grafana.token)
        monkeypatch.setenv("LOKI_PASS", OLD)
        assert project.run("push", "--env", "dev").code == 0
        assert project.run("diff", "--env", "dev").code == 0  # the same value: nothing differs
        monkeypatch.setenv("LOKI_PASS", NEW)
        diff = project.run("diff", "--env", "dev", "-o", "json")
        assert diff.code == 2
        (target,) = json.loads(diff.out)["targets"]
        assert target["environment"] == "dev"
        (loki,) = [a for a in target["actions"] if a["uid"] == "loki"]
        assert loki["op"] == "update"
        assert NEW not in diff.out + diff.err and OLD not in diff.out + diff.err
        assert project.run("push", "--env", "dev").code == 0
        assert grafana.datasource(1, "loki")["secureJsonData"]["basicAuthPassword"] == NEW
        assert project.run("diff", "--env", "dev").code == 0
