"""A source that hangs stops the build with an error naming it (issue 17, finding 8).

A source module that loops or waits forever used to hang the build with nothing naming the
file. Now each source file has ``sources_timeout`` seconds (dashgen.yaml, default 60) to
load; then the build stops with one line naming the file and where it was running.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from conftest import grafanalib_dashboard

DASHGEN = [sys.executable, "-m", "dashgen"]


def _build(project, timeout: float = 30) -> subprocess.CompletedProcess:
    """A real process, so a hang fails the test after ``timeout`` instead of hanging it."""
    return subprocess.run([*DASHGEN, "build"], cwd=project.root, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    "body, line",
    [
        ("n = 0\n\nwhile True: n += 1  # noqa\n", 3),
        ("import time\n\ntime.sleep(600)\n", 3),
        ("import time\n\ntry:\n    time.sleep(600)\nexcept Exception:\n    pass\n", 4),  # not swallowed
    ],
    ids=["busy loop", "sleep", "except Exception"],
)
def test_a_source_over_the_time_limit_is_an_error_naming_it(project, body, line):
    project.write("dashgen.yaml", "sources_timeout: 0.5\n")
    project.write("dashboards/apps/ok.py", grafanalib_dashboard("OK", "ok"))
    project.write("dashboards/apps/slow.py", body)
    started = time.monotonic()
    result = _build(project)
    assert time.monotonic() - started < 15
    assert result.returncode == 1
    assert result.stderr == (
        f"error: dashboards/apps/slow.py:{line}: still running after 0.5 s (sources_timeout in dashgen.yaml); "
        "a source must finish loading by then: make it faster or raise the limit\n"
    )
    assert not (project.root / "provisioning").exists()


def test_a_helper_that_hangs_is_named_with_the_source_importing_it(project):
    project.write("dashgen.yaml", "sources_timeout: 0.5\n")
    project.write("dashboards/lib/__init__.py", "")
    project.write("dashboards/lib/wait.py", "import time\n\n\ndef forever():\n    time.sleep(600)\n\n\nforever()\n")
    project.write("dashboards/apps/uses.py", "from dashboards.lib import wait  # noqa\n")
    result = _build(project)
    assert result.returncode == 1
    assert result.stderr == (
        "error: dashboards/apps/uses.py: still running after 0.5 s (sources_timeout in dashgen.yaml), in "
        "dashboards/lib/wait.py:5; a source must finish loading by then: make it faster or raise the limit\n"
    )


def test_the_limit_is_per_file_and_leaves_no_alarm_behind(project):
    import grafanalib.core  # noqa: F401 - imported before: its first import is not what is timed here

    project.write("dashgen.yaml", "sources_timeout: 1\n")
    for i in range(3):  # 0.4 s each: 1.2 s in all, over the limit, but no file is
        project.write(f"dashboards/apps/d{i}.py", grafanalib_dashboard(f"D{i}", f"d{i}", extra="import time; "
                                                                         "time.sleep(0.4)"))
    before = signal.getsignal(signal.SIGALRM)
    result = project.run("build")
    assert result.code == 0, result.err
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == before


def test_sources_timeout_defaults_to_60_seconds_and_must_be_positive(project):
    from dashgen import config

    assert config.Config().sources_timeout == 60
    project.write("dashgen.yaml", "sources_timeout: 0\n")
    result = project.run("build")
    assert result.code == 1
    assert result.err == (
        "error: dashgen.yaml: key 'sources_timeout': expected seconds, more than 0 and at most 86400, got 0\n"
    )
