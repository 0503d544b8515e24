"""No password is ever printed, however it is spelled (issue 17, finding 1).

A URL whose password held ``/``, ``#`` or ``?`` did not parse as a URL with credentials, so it
was called invalid and echoed whole (``GRAFANA_URL``, ``--grafana-url``,
``targets.<name>.url``; ``verify --prometheus-url`` failed with ``InvalidURL`` quoting part
of it); and a short secret was masked inside other words (a token ``tok`` turned "token"
into "***en", telling what the token is). Now a URL is checked for ``user:password@``
before anything parses it, with a test that does not care how malformed it is; every text
goes through one scrubber; secrets are masked as whole tokens only.
"""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashgen import redact
from grafana_double import GrafanaDouble

# Every character with a meaning in a URL, and the rest of ASCII punctuation and space.
SPECIAL = ":/?#[]@!$&'()*+,;=%" + "\"<>\\^`{|}~ -._"
PASSWORDS = st.builds(
    lambda before, core, after: (before + "Pw" + core + after, "Pw" + core),
    st.text(alphabet=SPECIAL + "ab", max_size=6),
    st.text(alphabet=string.digits, min_size=8, max_size=8),
    st.text(alphabet=SPECIAL + "yz", max_size=6),
)
ENV = ("GRAFANA_URL", "GRAFANA_TOKEN", "GRAFANA_USER", "GRAFANA_PASSWORD", "DASHGEN_PROMETHEUS_URL",
       "DASHGEN_PROMETHEUS_TOKEN", "DASHGEN_PROMETHEUS_USER", "DASHGEN_PROMETHEUS_PASSWORD", "DASHGEN_CONFIG")


def _runs(project, monkeypatch, password: str):
    """Every way a password can reach dashgen, through each command's error path."""
    grafana_url = f"https://admin:{password}@grafana.example.com"
    prometheus_url = f"http://admin:{password}@127.0.0.1:9"
    project.write("targets.yaml", "targets:\n  prod: {url: " + json.dumps(grafana_url) + "}\n")
    cases = [
        ({"GRAFANA_URL": grafana_url, "GRAFANA_TOKEN": "t0ken-value"}, ["diff"]),
        ({"GRAFANA_URL": grafana_url, "GRAFANA_TOKEN": "t0ken-value"}, ["push"]),
        ({"GRAFANA_TOKEN": "t0ken-value"}, ["diff", "--grafana-url", grafana_url]),
        ({"GRAFANA_TOKEN": "t0ken-value"}, ["push", "--dry-run", "--grafana-url", grafana_url]),
        ({"GRAFANA_TOKEN": "t0ken-value"}, ["--config", "targets.yaml", "diff"]),
        ({"GRAFANA_TOKEN": "t0ken-value"}, ["--config", "targets.yaml", "push", "--target", "prod"]),
        ({}, ["verify", "--prometheus-url", prometheus_url]),
        ({"DASHGEN_PROMETHEUS_URL": prometheus_url}, ["verify"]),
        ({}, ["preview", "--prometheus-url", prometheus_url]),
        # the password where it belongs, and the server unreachable: the error must not carry it
        ({"GRAFANA_URL": "http://127.0.0.1:9", "GRAFANA_USER": "admin", "GRAFANA_PASSWORD": password},
         ["push", "--retries", "0"]),
        ({"GRAFANA_URL": "http://127.0.0.1:9", "GRAFANA_TOKEN": password}, ["diff", "--retries", "0"]),
        ({"DASHGEN_PROMETHEUS_USER": "admin", "DASHGEN_PROMETHEUS_PASSWORD": password},
         ["verify", "--prometheus-url", "http://127.0.0.1:9", "--retries", "0"]),
    ]
    for env, args in cases:
        for output in ([], ["-o", "json"]):
            for name in ENV:
                monkeypatch.delenv(name, raising=False)
            for name, value in env.items():
                monkeypatch.setenv(name, value)
            result = project.run(*args, *output)
            yield args + output, result


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=PASSWORDS)
def test_no_password_reaches_any_output(project, monkeypatch, secret):
    password, core = secret
    project.write("dashboards/x.json", json.dumps({"uid": "x", "title": "X", "editable": False, "panels": [
        {"type": "stat", "title": "Up", "id": 1, "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "targets": [{"expr": "sum(up)", "refId": "A"}]}]}))
    for args, result in _runs(project, monkeypatch, password):
        assert result.code != 0, (args, result)
        escaped = json.dumps(password)[1:-1]  # how JSON output would spell it
        for text in (result.out, result.err):
            assert password not in text and escaped not in text and core not in text, (args, text)
        if "json" in args:
            json.loads(result.out)  # one document, the error in it


def test_a_password_with_a_slash_is_refused_not_echoed(project, monkeypatch):
    """The issue's reproduction, word for word."""
    monkeypatch.setenv("GRAFANA_TOKEN", "x")
    monkeypatch.setenv("GRAFANA_URL", "https://admin:Url/PwSECRET56@grafana.example.com")
    result = project.run("diff")
    assert result.code == 1
    assert result.err == ("error: GRAFANA_URL must not contain credentials (user:password@): they would show in "
                          "process lists and shell history; set GRAFANA_TOKEN (or pass --token-file FILE), or "
                          "GRAFANA_USER and GRAFANA_PASSWORD\n")


def test_secrets_are_masked_as_whole_tokens_only():
    redact.register("tok")
    assert redact.scrub("the token is tok; Bearer tok, tok.") == "the token is ***; Bearer ***, ***."
    assert redact.scrub("stock tokens tokyo") == "stock tokens tokyo"
    redact.register("#a-b!")
    assert redact.scrub("x#a-b!y and (#a-b!)") == "x***y and (***)"  # no word to be inside of


def test_a_short_token_does_not_mangle_the_messages(project, monkeypatch):
    with GrafanaDouble() as double:
        monkeypatch.setenv("GRAFANA_URL", double.url)
        monkeypatch.setenv("GRAFANA_TOKEN", "tok")
        result = project.run("diff")
    assert result.code == 1
    assert "(401)" in result.err and "the token" in result.err and "***en" not in result.err


def test_urls_in_any_text_lose_their_userinfo_however_malformed():
    for url in ("https://admin:Url/PwSECRET56@grafana.example.com", "http://u:p#w?x@h:3000/a",
                "http://u:p@ss@h", "https://a:b/c/d@h/e"):
        for text in (url, f"cannot reach {url}: refused", f"InvalidURL('{url}')", json.dumps({"url": url})):
            scrubbed = redact.scrub(text)
            assert "@" not in scrubbed.replace("***@", ""), scrubbed
            assert redact.has_userinfo(url)
    assert redact.scrub("see https://grafana.example.com/d/x?orgId=1") == "see https://grafana.example.com/d/x?orgId=1"
    assert not redact.has_userinfo("https://grafana.example.com/grafana")


def test_json_output_is_scrubbed_before_it_is_escaped():
    secret = 'pa"ss\\word-0042'
    redact.register(secret)
    dumped = json.dumps(redact.scrub_data({"message": f"Prometheus said: {secret}", "list": [secret]}))
    assert "word-0042" not in dumped and json.loads(dumped) == {"message": "Prometheus said: ***", "list": ["***"]}
