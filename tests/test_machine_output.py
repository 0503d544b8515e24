"""``-o json`` is one JSON document on stdout, whatever happens (issue 17, finding 6).

Anything a source printed while it was imported landed on stdout and broke the JSON of
build, lint, push and diff; and on failure ``-o json`` printed nothing on stdout at all.
Now a source's output goes to stderr (Python's ``print``, writes to file descriptor 1, and
child processes alike), and every outcome of a command given ``-o json``, errors included,
is exactly one JSON document on stdout with the errors in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import grafanalib_dashboard
from grafana_double import GrafanaDouble

DASHGEN = [sys.executable, "-m", "dashgen"]

NOISY = """
import os, subprocess, sys
print("print from the source")
sys.stdout.write("sys.stdout from the source\\n")
sys.stdout.flush()
os.write(1, b"fd 1 from the source\\n")
subprocess.run(["echo", "a child process of the source"], check=True)
""" + grafanalib_dashboard("Noisy", "noisy")
SAID = ["print from the source", "sys.stdout from the source", "fd 1 from the source",
        "a child process of the source"]


def _dashgen(project, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*DASHGEN, *args], cwd=project.root, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def _one_document(stdout: str):
    return json.loads(stdout)  # raises on anything else: a second document, stray text


@pytest.fixture
def grafana():
    with GrafanaDouble() as double:
        yield {"GRAFANA_URL": double.url, "GRAFANA_TOKEN": double.token}


@pytest.mark.parametrize("command", [["build"], ["build", "--check"], ["lint"], ["push"], ["diff"]])
def test_what_a_source_prints_goes_to_stderr(project, grafana, command):
    project.write("dashboards/apps/noisy.py", NOISY)
    done = _dashgen(project, *command, "-o", "json", env=grafana)
    assert done.returncode in (0, 2), done.stderr
    _one_document(done.stdout)
    for line in SAID:
        assert line in done.stderr
        assert line not in done.stdout


def test_what_a_source_prints_goes_to_stderr_in_process_too(project):
    project.write("dashboards/apps/noisy.py", NOISY)
    result = project.run("build", "-o", "json")
    assert result.code == 0, result.err
    assert _one_document(result.out)["counts"]["dashboards"] == 1
    assert "print from the source" in result.err


def _error_document(stdout: str, command: str) -> list[dict]:
    doc = _one_document(stdout)
    assert doc["command"] == command and doc["ok"] is False
    return doc["errors"]


BROKEN = "import nothing_such_module\n"


@pytest.mark.parametrize("command", [["build"], ["build", "--check"], ["lint"], ["push"], ["diff"]])
def test_a_failed_command_still_prints_one_document_with_the_errors(project, grafana, command):
    project.write("dashboards/apps/ok.py", grafanalib_dashboard("OK", "ok"))
    project.write("dashboards/apps/broken.py", BROKEN)
    project.write("dashboards/apps/also.json", "{")
    done = _dashgen(project, *command, "-o", "json", env=grafana)
    assert done.returncode == 1
    errors = _error_document(done.stdout, command[0])
    assert errors == [
        {"environment": None, "path": "dashboards/apps/also.json", "line": 1,
         "message": "invalid JSON: Expecting property name enclosed in double quotes (column 2)",
         "text": "dashboards/apps/also.json:1: invalid JSON: Expecting property name enclosed in double quotes "
                 "(column 2)"},
        {"environment": None, "path": "dashboards/apps/broken.py", "line": 1,
         "message": "failed to import: ModuleNotFoundError: No module named 'nothing_such_module'",
         "text": "dashboards/apps/broken.py:1: failed to import: ModuleNotFoundError: No module named "
                 "'nothing_such_module'"},
    ]
    assert [f"error: {e['text']}" for e in errors] == done.stderr.splitlines()  # the same lines, for people


def test_verify_errors_are_a_document_too(project):
    project.write("dashboards/apps/ok.py", grafanalib_dashboard("OK", "ok"))
    done = _dashgen(project, "verify", "--prometheus-url", "http://127.0.0.1:9", "--from", "now", "--to", "now-1h",
                    "-o", "json")
    assert done.returncode == 1
    assert _error_document(done.stdout, "verify") == [
        {"environment": None, "path": None, "line": None, "message": "--from must be before --to",
         "text": "--from must be before --to"}
    ]


def test_a_usage_error_with_json_output_is_a_document(project):
    done = _dashgen(project, "lint", "--strict", "--no-such-option", "-o", "json")
    assert done.returncode == 1
    (error,) = _error_document(done.stdout, "lint")
    assert "No such option" in error["message"] and "--no-such-option" in error["message"]


def test_a_config_error_is_a_document(project):
    project.write("dashgen.yaml", "sources_dir: dashboards\n")
    done = _dashgen(project, "build", "-o", "json")
    assert done.returncode == 1
    (error,) = _error_document(done.stdout, "build")
    assert error["path"] == "dashgen.yaml" and error["message"].startswith("unknown key 'sources_dir'")


def test_text_output_keeps_stdout_free_of_errors(project):
    project.write("dashboards/apps/broken.py", BROKEN)
    done = _dashgen(project, "build")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: dashboards/apps/broken.py:1: failed to import")
