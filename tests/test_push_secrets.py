"""A rotated datasource secret is pushed (issue 17, finding 2).

Push compared only the names of ``secureJsonData`` keys (Grafana never returns the values),
so ``LOKI_PASS=old dashgen push; LOKI_PASS=new dashgen push`` made no write and diff said
Grafana matched. Now push records, in the datasource's ``jsonData`` (where Grafana keeps
dashgen's record, readable back), a salted slow hash of each secret value it wrote, never
the value; a value that hashes differently is a planned update. ``--force-secrets``
rewrites them all.
"""

from __future__ import annotations

import json

import pytest

from grafana_double import GrafanaDouble

SOURCES = """
    datasources = [
        {"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki:3100", "access": "proxy",
         "basicAuth": True, "basicAuthUser": "grafana", "jsonData": {"maxLines": 1000},
         "secureJsonData": {"basicAuthPassword": "${LOKI_PASS}", "httpHeaderValue1": "${LOKI_HEADER}"}},
        {"name": "Prometheus", "type": "prometheus", "uid": "prom", "url": "http://prometheus:9090",
         "access": "proxy"},
    ]
"""
OLD, NEW, HEADER = "old-Loki-Pass-0001", "new-Loki-Pass-0002", "Bearer header-Value-0003"


@pytest.fixture
def grafana(project, monkeypatch):
    for name in ("GRAFANA_USER", "GRAFANA_PASSWORD", "DASHGEN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    with GrafanaDouble() as double:
        monkeypatch.setenv("GRAFANA_URL", double.url)
        monkeypatch.setenv("GRAFANA_TOKEN", double.token)
        monkeypatch.setenv("LOKI_HEADER", HEADER)
        project.write("dashboards/datasources.py", SOURCES)
        yield double


def _writes(double) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in double.requests if r.method != "GET"]


def test_a_rotated_secret_is_a_planned_update_and_is_pushed(project, grafana, monkeypatch):
    monkeypatch.setenv("LOKI_PASS", OLD)
    assert project.run("push").code == 0
    assert grafana.datasource(1, "loki")["secureJsonData"]["basicAuthPassword"] == OLD
    grafana.reset_log()
    assert project.run("push").code == 0
    assert _writes(grafana) == []  # the same value: nothing to write

    monkeypatch.setenv("LOKI_PASS", NEW)
    diff = project.run("diff")
    assert diff.code == 2, diff.out
    assert "secureJsonData.basicAuthPassword (another value than dashgen last pushed)" in diff.out
    assert "httpHeaderValue1" not in diff.out  # that one did not change
    plan = json.loads(project.run("diff", "-o", "json").out)
    (loki,) = [a for t in plan["targets"] for a in t["actions"] if a["uid"] == "loki"]
    assert loki["op"] == "update"

    grafana.reset_log()
    result = project.run("push")
    assert result.code == 0, result.err
    assert _writes(grafana) == [("PUT", "/api/datasources/uid/loki")]
    stored = grafana.datasource(1, "loki")
    assert stored["secureJsonData"] == {"basicAuthPassword": NEW, "httpHeaderValue1": HEADER}
    assert stored["jsonData"]["maxLines"] == 1000
    grafana.reset_log()
    assert project.run("push").code == 0 and _writes(grafana) == []
    assert project.run("diff").code == 0


def test_the_record_holds_hashes_never_values(project, grafana, monkeypatch):
    monkeypatch.setenv("LOKI_PASS", OLD)
    assert project.run("push").code == 0
    stored = json.dumps(grafana.datasource(1, "loki")["jsonData"])
    assert OLD not in stored and HEADER not in stored and "header-Value" not in stored
    record = grafana.datasource(1, "loki")["jsonData"]["dashgenSecrets"]
    assert sorted(record) == ["basicAuthPassword", "httpHeaderValue1"]
    assert all(v.startswith("pbkdf2_sha256$") for v in record.values())
    assert record["basicAuthPassword"] != record["httpHeaderValue1"]
    for args in (["diff"], ["diff", "-o", "json"], ["push", "--dry-run", "-v"]):
        result = project.run(*args)
        assert OLD not in result.out + result.err and "dashgenSecrets" not in result.out


def test_a_secret_pushed_without_a_record_is_written_once(project, grafana, monkeypatch):
    """Pushed by an older dashgen, or set by hand: no hash to compare with, so push writes it
    once and records it; from then on it compares."""
    monkeypatch.setenv("LOKI_PASS", OLD)
    assert project.run("push").code == 0
    grafana.datasource(1, "loki")  # what is stored; now forget the record, as before this change
    ds = grafana._org(1).datasources["loki"]
    del ds["jsonData"]["dashgenSecrets"]
    diff = project.run("diff")
    assert diff.code == 2 and "no record of what dashgen pushed" in diff.out
    grafana.reset_log()
    assert project.run("push").code == 0 and len(_writes(grafana)) == 1
    grafana.reset_log()
    assert project.run("push").code == 0 and _writes(grafana) == []


def test_without_the_variable_diff_cannot_compare_and_says_so(project, grafana, monkeypatch):
    monkeypatch.setenv("LOKI_PASS", OLD)
    assert project.run("push").code == 0
    monkeypatch.delenv("LOKI_PASS")
    diff = project.run("diff", "-v")
    assert diff.code == 0
    assert "secureJsonData.basicAuthPassword not compared: $LOKI_PASS is not set" in diff.out


def test_force_secrets_rewrites_every_secret(project, grafana, monkeypatch):
    monkeypatch.setenv("LOKI_PASS", OLD)
    assert project.run("push").code == 0
    grafana.reset_log()
    result = project.run("push", "--force-secrets")
    assert result.code == 0, result.err
    assert _writes(grafana) == [("PUT", "/api/datasources/uid/loki")]  # prom has no secret: untouched
    assert "--force-secrets" in result.out
