"""The pure parts of push/diff: plan details, retry timing, redaction, target resolution."""

from __future__ import annotations

import time

import pytest

from dashgen import config as config_module
from dashgen import http, redact
from dashgen.canonical import canonical
from dashgen.credentials import Credentials
from dashgen.errors import DashgenError
from dashgen.grafana import client, health, plan, targets
from dashgen.grafana.live import LatestVersion, LiveDashboard, LiveState, SearchHit
from dashgen.grafana.select import Selected
from dashgen.resources import GENERAL, Dashboard, Folder

MARKER = "managed-by:dashgen"


def _dash(uid="a", title="A", folder=GENERAL, **extra):
    # Loaded dashboards are in the canonical form: the plan compares them with the live one in it.
    model = canonical({"uid": uid, "title": title, "panels": [], **extra})
    return Dashboard(model, folder, f"dashboards/{uid}.py")


def _selected(*boards):
    return Selected(list(boards), [], sorted({d.folder for d in boards if d.folder.key}, key=lambda f: f.key),
                    {d.uid for d in boards})


def _live(d: Dashboard, model=None, *, folder_uid=None, version: LatestVersion | None = None):
    stored = dict(model if model is not None else plan.desired_dashboard(d, MARKER), id=7, version=3)
    state = LiveState()
    state.dashboards[d.uid] = LiveDashboard(stored, d.folder.uid if folder_uid is None else folder_uid, False)
    state.hits[d.uid] = SearchHit(d.uid, d.title, d.folder.uid if folder_uid is None else folder_uid, "",
                            list(stored.get("tags", [])))
    if version is not None:
        state.versions[d.uid] = version
    return state


def _one(state, d, **kw):
    (action,) = [a for a in plan.make(_selected(d), state, marker=MARKER, prune=False, unique_titles=False,
                                      **kw).actions if a.kind == "dashboard"]
    return action


def test_unchanged_ignores_id_and_version_and_key_order():
    d = _dash(tags=["x"])
    model = dict(reversed(list(plan.desired_dashboard(d, MARKER).items())))
    assert _one(_live(d, model), d).op == "unchanged"


def test_drift_needs_the_latest_version_to_tell():
    d = _dash()
    pushed = plan.desired_dashboard(d, MARKER)
    edited = dict(pushed, title="B")
    by_dashgen = LatestVersion(3, plan.version_message(d.source, "0" * 12), "sa", "t")
    assert plan.dashboards_to_explain(_selected(d), _live(d, edited), MARKER) == ["a"]
    # dashgen wrote what is live: the source changed
    fp = plan.normalise.fingerprint(edited)
    a = _one(_live(d, edited, version=LatestVersion(3, plan.version_message(d.source, fp), "sa", "t")), d)
    assert (a.op, a.drift, a.reason) == ("update", "", "changed in the sources")
    # dashgen's message, other content: changed through the API keeping the message
    a = _one(_live(d, edited, version=by_dashgen), d)
    assert "changed in Grafana" in a.drift
    # someone else saved last
    a = _one(_live(d, edited, version=LatestVersion(4, "", "bob", "2024-01-01")), d)
    assert a.drift == "changed in Grafana by bob at 2024-01-01 (version 4) since dashgen pushed it"
    # not dashgen's at all (no marker): not drift, a conflict; taken over only with adopt
    foreign = _live(d, {"uid": "a", "title": "A", "panels": []}, version=LatestVersion(1, "", "bob", ""))
    a = _one(foreign, d)
    assert not a.drift and a.op == "conflict" and "without the 'managed-by:dashgen' tag (saved by bob" in a.reason
    assert "--adopt" in a.hint and not a.takeover
    a = _one(foreign, d, adopt=True)
    assert not a.drift and a.op == "update" and "saved by bob" in a.takeover
    # last pushed by dashgen, but without today's tag: the hint asks about a changed marker_tag
    renamed = _live(d, {"uid": "a", "title": "A", "panels": [], "tags": ["managed-by:old"]},
                    version=LatestVersion(2, plan.version_message(d.source, "0" * 12), "sa", ""))
    a = _one(renamed, d)
    assert a.op == "conflict" and "push.marker_tag" in a.hint


def test_folder_move_is_an_update():
    f = Folder("ops", "Ops", "dashgen-ops")
    d = _dash(folder=f)
    a = _one(_live(d, folder_uid=""), d)
    assert a.op == "update" and "in folder 'General' in Grafana" in a.reason


def test_version_message_fits_grafanas_limit_and_keeps_the_hash():
    message = plan.version_message("dashboards/" + "x" * 600 + ".py", "0123456789ab")
    assert len(message) <= 500
    assert plan.recorded_fingerprint(message) == "0123456789ab"
    assert plan.recorded_fingerprint("Restored from version 3") is None


def test_marker_is_added_once():
    d = _dash(tags=[MARKER, "b"])
    assert plan.desired_dashboard(d, MARKER)["tags"] == [MARKER, "b"]
    assert d.model["tags"] == [MARKER, "b"]  # the source is not modified


def test_title_conflict_only_before_11_3():
    d = _dash("new", "Same")
    state = LiveState(hits={"other": SearchHit("other", "same", "", "", [])})
    before = plan.make(_selected(d), state, marker=MARKER, prune=False, unique_titles=True).actions[0]
    assert before.op == "conflict" and "other" in before.reason
    after = plan.make(_selected(d), state, marker=MARKER, prune=False, unique_titles=False).actions[0]
    assert after.op == "create"


def test_orphans_and_deletes_only_with_the_marker():
    d = _dash()
    state = LiveState(hits={"gone": SearchHit("gone", "Gone", "", "", [MARKER]), "theirs": SearchHit("theirs", "T", "", "", ["x"])})
    kept = plan.make(_selected(d), state, marker=MARKER, prune=False, unique_titles=False)
    assert [(a.uid, a.op) for a in kept.of("orphan", "delete")] == [("gone", "orphan")]
    assert not any(a.op == "orphan" for a in kept.actions if a.differs)
    pruned = plan.make(_selected(d), state, marker=MARKER, prune=True, unique_titles=False)
    assert [(a.uid, a.op) for a in pruned.of("orphan", "delete")] == [("gone", "delete")]


def test_backoff_grows_and_is_jittered_and_capped(monkeypatch):
    monkeypatch.setattr(http, "BACKOFF_BASE", 0.5)
    monkeypatch.setattr(http, "BACKOFF_CAP", 8.0)
    for attempt, ceiling in ((1, 0.5), (2, 1.0), (3, 2.0), (6, 8.0), (9, 8.0)):
        samples = {http.backoff(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= s <= ceiling for s in samples) and len(samples) > 1


def test_retry_after_header_forms():
    class R:
        def __init__(self, value):
            self.headers = {"Retry-After": value} if value is not None else {}

    retry = http.retry(4)
    assert retry.get_retry_after(R("3")) == 3.0
    assert retry.get_retry_after(R(None)) is None and retry.get_retry_after(R("soon")) is None
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 5))
    assert 3 <= retry.get_retry_after(R(when)) <= 6


def test_redaction():
    redact.register("tok_secret_value")
    redact.register_basic("admin", "hunter22")
    text = "x tok_secret_value https://admin:hunter22@g.example.com/ YWRtaW46aHVudGVyMjI= hunter22"
    assert redact.scrub(text) == "x *** https://***@g.example.com/ *** ***"
    assert redact.url("http://u:p@h:3000/x") == "http://***@h:3000/x"


def _config(**targets_):
    return config_module.from_mapping({"targets": targets_} if targets_ else {})


def test_where_precedence():
    env = {"GRAFANA_URL": "http://env:3000", "GRAFANA_TOKEN": "t1234"}
    flags = targets.ConnectionFlags
    (c,) = targets.resolve(_config(), flags(grafana_url="https://flag/grafana/"), env)
    assert c.url == "https://flag/grafana" and c.credentials.describe == "GRAFANA_TOKEN"
    (c,) = targets.resolve(_config(only={"url": "http://only"}), flags(), env)
    assert c.url == "http://env:3000"  # GRAFANA_URL before the only target
    (c,) = targets.resolve(_config(only={"url": "http://only", "org_id": 3}), flags(), {"GRAFANA_TOKEN": "t1234"})
    assert (c.name, c.url, c.org_id) == ("only", "http://only", 3)
    (c,) = targets.resolve(_config(only={"url": "http://only", "org_id": 3}), flags(org_id=4), {"GRAFANA_TOKEN": "t1234"})
    assert c.org_id == 4
    with pytest.raises(DashgenError, match="not both"):
        targets.resolve(_config(a={"url": "http://a"}), flags(grafana_url="http://x", targets=("a",)), env)


def test_who_precedence_and_errors(tmp_path):
    flags = targets.ConnectionFlags
    url = "http://g"
    token_file = tmp_path / "t"
    token_file.write_text("from-file-123\n")
    env = {"GRAFANA_TOKEN": "from-env-123", "GRAFANA_USER": "u", "GRAFANA_PASSWORD": "p123"}
    (c,) = targets.resolve(_config(), flags(grafana_url=url, token_file=str(token_file)), env)
    assert c.credentials.token == "from-file-123"
    (c,) = targets.resolve(_config(), flags(grafana_url=url), env)
    assert c.credentials.token == "from-env-123"
    (c,) = targets.resolve(_config(), flags(grafana_url=url), {"GRAFANA_USER": "u", "GRAFANA_PASSWORD": "p123"})
    assert (c.credentials.kind, c.credentials.user) == ("basic", "u")
    with pytest.raises(DashgenError, match="GRAFANA_PASSWORD is not set"):
        targets.resolve(_config(), flags(grafana_url=url), {"GRAFANA_USER": "u"})
    with pytest.raises(DashgenError, match="cannot read token file"):
        targets.resolve(_config(), flags(grafana_url=url, token_file=str(tmp_path / "nope")), {})
    with pytest.raises(DashgenError, match="CA certificate file not found"):
        targets.resolve(_config(), flags(grafana_url=url, ca_cert=str(tmp_path / "ca.pem")), env)
    # credentials in the URL are refused (they would be in argv), and the message does not repeat them
    for url_with_creds, env_ in (("http://a:b-pass@g", {}), ("http://a:b-pass@g", env), ("https://a@g:3000/x", env)):
        with pytest.raises(DashgenError, match=r"--grafana-url must not contain credentials") as exc:
            targets.resolve(_config(), flags(grafana_url=url_with_creds), env_)
        assert "b-pass" not in str(exc.value) and "a@" not in str(exc.value) and "GRAFANA_TOKEN" in str(exc.value)
    with pytest.raises(DashgenError, match=r"^GRAFANA_URL must not contain credentials") as exc:
        targets.resolve(_config(), flags(), {"GRAFANA_URL": "https://a:b-pass@g", **env})
    assert "b-pass" not in str(exc.value)


def test_versions_and_title_rule():
    assert health.parse_version("11.2.3") == (11, 2) and health.parse_version("v12.0.0-pre") == (12, 0)
    assert health.ServerInfo("11.2.0").unique_titles and not health.ServerInfo("11.3.1").unique_titles
    assert health.ServerInfo(None).unique_titles  # hidden: be careful


@pytest.mark.parametrize("kind, status, grafana_status, message, expected", [
    ("dashboard", 412, "version-mismatch", "The dashboard has been changed by someone else", "run dashgen push again"),
    ("dashboard", 412, "plugin-dashboard", "The dashboard belongs to plugin x.", "belongs to a plugin"),
    ("dashboard", 400, "", "Cannot save provisioned dashboard", "file provisioning or the Grafana sidecar"),
    ("dashboard", 400, "", "provisioned dashboard cannot be deleted", "remove it there"),
    ("dashboard", 400, "", "folder not found", "creates folders first"),
    ("dashboard", 403, "", "Access denied to save dashboard", "needs the Editor role"),
    ("datasource", 403, "", "You'll need additional permissions", "needs the Admin role"),
    ("datasource", 403, "", "Cannot update read-only data source", "provisioned (read-only)"),
    ("dashboard", 403, "", "Quota reached", "quota"),
    ("datasource", 409, "", "data source with the same name already exists", "already has this name"),
    ("dashboard", 429, "", "Too Many Requests", "lower --concurrency"),
    ("dashboard", 503, "", "Service Unavailable", "even after retries"),
    ("dashboard", None, "", "cannot reach Grafana at http://g: connection refused (tried 5 times)", "run dashgen push"),
])
def test_failure_hints(kind, status, grafana_status, message, expected):
    from dashgen.grafana.apply import hint_for

    action = plan.Action(kind, "update", "u", "T")
    err = client.ApiError(message, status=status, grafana_status=grafana_status)
    assert expected in hint_for(action, err)


@pytest.mark.parametrize("url, api_url", [
    ("https://g.example.com/grafana", "https://g.example.com/grafana/api"),
    ("http://g:3000", "http://g:3000/api"),
    ("http://[::1]:3000/a/b", "http://[::1]:3000/a/b/api"),
])
def test_api_url_keeps_sub_path_and_ipv6(url, api_url):
    creds = Credentials("token", "GRAFANA_TOKEN", token="t-123")
    api = client.Grafana(client.Connection("", url, creds)).api()
    assert api.client.url == api_url
    assert isinstance(api.client.s.adapters["https://"].max_retries, http.Retry)
    assert api.client.s.headers["User-Agent"].startswith("dashgen/")


def test_grafana_client_still_keeps_its_session_where_dashgen_replaces_it():
    """dashgen swaps grafana-client's private session (GrafanaClient.s) for one that retries. If this
    fails, a grafana-client upgrade moved it: update dashgen.grafana.client._session."""
    import niquests
    from grafana_client import GrafanaApi

    api = GrafanaApi("t-123", host="g.example.com")
    assert isinstance(vars(api.client).get("s"), niquests.Session), (
        "grafana-client no longer keeps its niquests session in GrafanaClient.s; dashgen's retries depend on it")
    session = http.session(retries=0, timeout=1)
    client._install_session(api, session)
    assert client._session(api) is session and session.headers["User-Agent"] == api.client.user_agent


def test_a_changed_grafana_client_stops_dashgen_with_a_clear_message(project, monkeypatch):
    """GrafanaClient.__getattr__ answers any missing attribute, so a renamed ``s`` must be caught, not used."""
    from grafana_client.client import GrafanaClient

    init = GrafanaClient.__init__

    def renamed(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.session = vars(self).pop("s")

    monkeypatch.setattr(GrafanaClient, "__init__", renamed)
    creds = Credentials("token", "GRAFANA_TOKEN", token="t-123")
    with pytest.raises(DashgenError, match=r"grafana-client .* does not keep its niquests session in GrafanaClient\.s"):
        client.Grafana(client.Connection("", "http://g:3000", creds)).api()
    monkeypatch.setenv("GRAFANA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("GRAFANA_TOKEN", "t-123")
    project.write("dashboards/x.json", '{"uid": "x", "title": "X", "panels": [], "schemaVersion": 39}')
    result = project.run("push")
    assert result.code == 1 and "error: grafana-client" in result.err and "internal error" not in result.err


# ------------------------------------------------------------------------------- cli.main


def _command(monkeypatch, fn):
    """Add ``dashgen boom`` running ``fn``, for the duration of a test."""
    import click

    from dashgen import cli

    monkeypatch.setitem(cli.cli.commands, "boom", click.command("boom")(fn))


def test_every_command_scrubs_url_credentials_from_errors(project, monkeypatch):
    import sys

    def fail():
        raise DashgenError("cannot fetch http://alice:s3cret-pw@example.com/x")

    _command(monkeypatch, fail)
    # whether or not push/diff ran before in this process
    monkeypatch.delitem(sys.modules, "dashgen.redact", raising=False)
    result = project.run("boom")
    assert result.code == 1 and result.err == "error: cannot fetch http://***@example.com/x\n"

    def bug():
        raise RuntimeError("https://bob:pw-Secret@example.com")

    _command(monkeypatch, bug)
    result = project.run("boom")
    assert result.code == 1 and "pw-Secret" not in result.err and "https://***@example.com" in result.err


def test_ctrl_c_prints_interrupted_and_exits_130(project, monkeypatch):
    def interrupted():
        raise KeyboardInterrupt

    _command(monkeypatch, interrupted)
    result = project.run("boom")
    assert result.code == 130 and result.err.strip() == "interrupted"


def test_exit_codes_are_defined_once():
    """errors.py holds the exit codes (neutral ground: cli and the pipelines import them); nowhere else."""
    import ast
    from pathlib import Path

    import dashgen

    owners = []
    for path in sorted(Path(dashgen.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets_ = node.targets if isinstance(node, ast.Assign) else []
            names = [n.id for t in targets_ for n in ast.walk(t) if isinstance(n, ast.Name)]
            if any(name.startswith("EXIT_") for name in names):
                owners.append(path.name)
    assert set(owners) == {"errors.py"}


def test_refusing_credentials_in_the_url_keeps_the_message_whole(project, monkeypatch):
    """The refused password is not registered for redaction: "pass" would mangle "pass --token-file"."""
    monkeypatch.setenv("GRAFANA_TOKEN", "t-123")
    monkeypatch.delenv("GRAFANA_URL", raising=False)
    result = project.run("push", "--grafana-url", "https://user:pass@grafana.example.com")
    assert result.code == 1
    assert result.err == ("error: --grafana-url must not contain credentials (user:password@): they would show in "
                          "process lists and shell history; set GRAFANA_TOKEN (or pass --token-file FILE), or "
                          "GRAFANA_USER and GRAFANA_PASSWORD\n")
