"""Tests of the Grafana test double, over real HTTP.

Exact status codes and bodies are checked with plain ``urllib``/``http.client``; the real
``grafana_client`` library is used to prove it drives the double the way it drives Grafana.
Section numbers refer to /work/shared/reference/grafana-api.md.
"""

import base64
import http.client
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import niquests
import pytest
from grafana_client import GrafanaApi
from grafana_client.client import (
    GrafanaBadInputError,
    GrafanaClientError,
    GrafanaException,
    GrafanaServerError,
    GrafanaTimeoutError,
    GrafanaUnauthorizedError,
)

from grafana_double import GrafanaDouble

ADMIN = "glsa_AdminAdminAdminAdminAdminAdminAd_11111111"
EDITOR = "glsa_EditorEditorEditorEditorEditorEd_22222222"
VIEWER = "glsa_ViewerViewerViewerViewerViewerVi_33333333"
ADMIN2 = "glsa_OrgTwoOrgTwoOrgTwoOrgTwoOrgTwoOr_44444444"
EXPIRED = "glsa_ExpiredExpiredExpiredExpiredExpi_55555555"

TOKENS = {
    ADMIN: {"org_id": 1, "role": "Admin", "login": "sa-1-admin"},
    EDITOR: {"org_id": 1, "role": "Editor", "login": "sa-1-editor"},
    VIEWER: {"org_id": 1, "role": "Viewer", "login": "sa-1-viewer"},
    ADMIN2: {"org_id": 2, "role": "Admin", "login": "sa-2-admin"},
    EXPIRED: {"org_id": 1, "role": "Admin", "expired": True},
}
USERS = {
    "admin": {"password": "s3cret", "role": "Admin", "orgs": [1, 2]},
    "olga": {"password": "pw", "orgs": {1: "Viewer"}},
}
UID_RE = re.compile(r"^[a-zA-Z0-9\-_]+$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


# --------------------------------------------------------------------------- fixtures, helpers


def make_double(**kw):
    return GrafanaDouble(tokens=TOKENS, users=USERS, **kw)


@pytest.fixture
def g():
    with make_double() as d:
        yield d


@pytest.fixture
def g_pre():
    with make_double(title_rule="pre-11.3") as d:
        yield d


@pytest.fixture
def api(g):
    a = GrafanaApi.from_url(g.url, credential=ADMIN, timeout=5)
    yield a
    a.client.s.close()


def client_for(double, credential, org=None, timeout=5):
    parsed = urllib.request.urlparse(double.url)
    return GrafanaApi(credential, host=parsed.hostname, port=parsed.port, protocol="http",
                      organization_id=org, timeout=timeout)


def call(double, method, path, body=None, token=ADMIN, basic=None, org=None, raw=None,
         headers=None):
    """One request with urllib; returns (status, parsed body or text, headers)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(double.url + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if basic is not None:
        req.add_header("Authorization",
                       "Basic " + base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode())
    elif token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    if org is not None:
        req.add_header("X-Grafana-Org-Id", str(org))
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            status, text, hdrs = resp.status, resp.read().decode(), resp.headers
    except urllib.error.HTTPError as e:
        status, text, hdrs = e.code, e.read().decode(), e.headers
    try:
        return status, json.loads(text), hdrs
    except ValueError:
        return status, text, hdrs


def save(double, dashboard, token=ADMIN, org=None, **extra):
    body = {"dashboard": dashboard}
    body.update(extra)
    return call(double, "POST", "/api/dashboards/db", body, token=token, org=org)


def assert_rbac_denied(status, body, permission):
    assert status == 403
    assert set(body) == {"title", "message", "accessErrorId"}
    assert body["title"] == "Access denied"
    assert body["message"].endswith(f"Permissions needed: {permission}")
    assert re.fullmatch(r"ACE\d{10}", body["accessErrorId"])


# ================================================================================ health §1


def test_health_needs_no_auth_and_is_pretty_printed(g):
    req = urllib.request.Request(g.url + "/api/health")
    with urllib.request.urlopen(req, timeout=5) as resp:
        text = resp.read().decode()
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/json; charset=UTF-8"
    body = json.loads(text)
    assert body == {"commit": g.commit, "database": "ok", "version": g.version}
    assert text == json.dumps(body, indent=2)  # 2-space MarshalIndent


def test_health_failing_switch_gives_503(g):
    g.health_failing = True
    status, body, _ = call(g, "GET", "/api/health", token=None)
    assert status == 503
    assert body["database"] == "failing"
    assert body["version"] == g.version
    g.health_failing = False
    assert call(g, "GET", "/api/health", token=None)[0] == 200


def test_health_head_and_hide_version():
    with make_double(hide_version=True) as d:
        status, body, _ = call(d, "GET", "/api/health", token=None)
        assert status == 200 and body == {"database": "ok"}
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5)
        conn.request("HEAD", "/api/health")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == b""
        assert int(resp.headers["Content-Length"]) > 0
        conn.close()
        # frontend settings hide the version from anonymous callers only
        _, anon, _ = call(d, "GET", "/api/frontend/settings", token=None)
        _, signed, _ = call(d, "GET", "/api/frontend/settings", token=ADMIN)
        assert anon["buildInfo"]["version"] == ""
        assert signed["buildInfo"]["version"] == d.version


def test_healthz_is_plain_ok(g):
    with urllib.request.urlopen(g.url + "/healthz", timeout=5) as resp:
        assert resp.status == 200
        assert resp.read() == b"Ok"
        assert resp.headers["Content-Type"].startswith("text/plain")


def test_client_health_check_reads_frontend_settings_build_info():
    with make_double(version="10.4.2") as d:
        api = client_for(d, ADMIN)
        info = api.health.check()
        assert info["version"] == "10.4.2"
        assert api.version == "10.4.2"
        assert d.requests[-1].path == "/api/frontend/settings"


def test_default_version_follows_title_rule():
    assert GrafanaDouble(title_rule="pre-11.3").version < "11.3"
    assert GrafanaDouble().version >= "11.3"
    with pytest.raises(ValueError):
        GrafanaDouble(title_rule="11.2")


# ================================================================================== auth §8


def test_no_credentials_gives_errutil_401(g):
    status, body, _ = call(g, "GET", "/api/search", token=None)
    assert status == 401
    assert body == {"extra": None, "message": "Unauthorized", "messageId": "auth.unauthorized",
                    "statusCode": 401, "traceID": ""}


@pytest.mark.parametrize("token,message_id,message", [
    ("glsa_nope_00000000", "api-key.invalid", "Invalid API key"),
    (EXPIRED, "api-key.expired", "Expired API key"),
])
def test_bad_token_gives_errutil_401(g, token, message_id, message):
    status, body, _ = call(g, "GET", "/api/search", token=token)
    assert status == 401
    assert body == {"extra": None, "message": message, "messageId": message_id,
                    "statusCode": 401, "traceID": ""}


def test_bad_basic_password_and_unknown_user(g):
    for creds in (("admin", "wrong"), ("nobody", "s3cret")):
        status, body, _ = call(g, "GET", "/api/search", basic=creds)
        assert status == 401
        assert body["messageId"] == "password-auth.failed"
        assert body["statusCode"] == 401


def test_basic_auth_and_api_key_basic_user_work(g):
    assert call(g, "GET", "/api/search", basic=("admin", "s3cret"))[0] == 200
    assert call(g, "GET", "/api/search", basic=("api_key", ADMIN))[0] == 200
    assert call(g, "GET", "/api/search", basic=("api_key", "glsa_bad_1"))[0] == 401


def test_token_for_another_org_is_organization_mismatch(g):
    status, body, _ = call(g, "GET", "/api/search", token=ADMIN, org=2)
    assert status == 401
    assert body["messageId"] == "api-key.organization-mismatch"
    assert body["message"] == "API key does not belong to the requested organization"
    assert call(g, "GET", "/api/search", token=ADMIN2, org=2)[0] == 200
    assert call(g, "GET", "/api/search", token=ADMIN, org=1)[0] == 200


def test_viewer_cannot_save_or_delete_but_can_read(g):
    status, body, _ = save(g, {"title": "x"}, token=VIEWER)
    assert_rbac_denied(status, body, "dashboards:create")
    assert g.dashboards(1) == {}
    g.add_dashboard(1, {"uid": "d1", "title": "D1"})
    assert call(g, "GET", "/api/dashboards/uid/d1", token=VIEWER)[0] == 200
    assert call(g, "GET", "/api/search", token=VIEWER)[1][0]["uid"] == "d1"
    assert call(g, "GET", "/api/search?permission=Edit", token=VIEWER)[1] == []
    assert len(call(g, "GET", "/api/search?permission=Edit", token=EDITOR)[1]) == 1
    status, body, _ = call(g, "DELETE", "/api/dashboards/uid/d1", token=VIEWER)
    assert_rbac_denied(status, body, "dashboards:delete")
    status, body, _ = call(g, "POST", "/api/folders", {"title": "F"}, token=VIEWER)
    assert_rbac_denied(status, body, "folders:create")
    _, body, _ = call(g, "GET", "/api/dashboards/uid/d1", token=VIEWER)
    assert body["meta"]["canSave"] is False and body["meta"]["canEdit"] is False


def test_editor_saves_dashboards_but_cannot_write_datasources(g):
    assert save(g, {"title": "by editor"}, token=EDITOR)[0] == 200
    assert call(g, "POST", "/api/folders", {"title": "F"}, token=EDITOR)[0] == 200
    status, body, _ = call(g, "POST", "/api/datasources",
                           {"name": "p", "type": "prometheus", "access": "proxy"}, token=EDITOR)
    assert_rbac_denied(status, body, "datasources:create")
    g.add_datasource(1, name="prov", uid="prov", read_only=False)
    status, body, _ = call(g, "PUT", "/api/datasources/uid/prov",
                           {"name": "p", "type": "prometheus", "access": "proxy"}, token=EDITOR)
    assert_rbac_denied(status, body, "datasources:write")
    status, body, _ = call(g, "DELETE", "/api/datasources/uid/prov", token=EDITOR)
    assert_rbac_denied(status, body, "datasources:delete")
    assert call(g, "GET", "/api/datasources", token=EDITOR)[0] == 200
    assert g.datasource(1, "prov")["name"] == "prov"


def test_basic_user_outside_the_requested_org_gets_no_permissions(g):
    g.add_dashboard(2, {"uid": "two", "title": "Org two"})
    status, body, _ = call(g, "POST", "/api/dashboards/db", {"dashboard": {"title": "x"}},
                           basic=("olga", "pw"), org=2)
    assert_rbac_denied(status, body, "dashboards:create")
    status, body, _ = call(g, "GET", "/api/dashboards/uid/two", basic=("olga", "pw"), org=2)
    assert status == 403
    assert call(g, "GET", "/api/search", basic=("olga", "pw"), org=2)[1] == []
    # the admin user is a member of org 2, and without the header works in its default org 1
    assert call(g, "GET", "/api/dashboards/uid/two", basic=("admin", "s3cret"), org=2)[0] == 200
    assert call(g, "GET", "/api/dashboards/uid/two", basic=("admin", "s3cret"))[0] == 404


def test_client_library_maps_auth_errors():
    with make_double() as d:
        with pytest.raises(GrafanaUnauthorizedError) as e:
            client_for(d, "glsa_wrong_1").search.search_dashboards()
        assert e.value.status_code == 401
        with pytest.raises(GrafanaClientError) as e:
            client_for(d, VIEWER).dashboard.update_dashboard({"dashboard": {"title": "x"}})
        assert e.value.status_code == 403
        assert e.value.response["title"] == "Access denied"
        with pytest.raises(GrafanaUnauthorizedError):
            client_for(d, ADMIN, org=2).search.search_dashboards()


# ========================================================================= org isolation §8.4


def test_org_isolation_same_uid_in_two_orgs(g):
    assert save(g, {"uid": "same", "title": "In one"})[1]["version"] == 1
    assert save(g, {"uid": "same", "title": "In two"}, token=ADMIN2)[1]["version"] == 1
    assert g.dashboard(1, "same")["title"] == "In one"
    assert g.dashboard(2, "same")["title"] == "In two"
    api2 = client_for(g, ("admin", "s3cret"), org=2)
    assert api2.dashboard.get_dashboard("same")["dashboard"]["title"] == "In two"
    assert [h["title"] for h in api2.search.search_dashboards()] == ["In two"]
    g.add_datasource(2, name="only-in-two", uid="ds2")
    assert call(g, "GET", "/api/datasources/uid/ds2")[0] == 404
    assert call(g, "GET", "/api/datasources/uid/ds2", token=ADMIN2)[0] == 200
    assert g.requests[-1].org_id == 2


# ===================================================================== dashboard save §2.3


@pytest.mark.parametrize("title", ["", "   ", None, 42])
def test_save_empty_title(g, title):
    dash = {} if title is None else {"title": title}
    status, body, _ = save(g, dash)
    assert status == 400
    assert body == {"status": "empty-name", "message": "Dashboard title cannot be empty"}


def test_save_title_too_long(g):
    assert save(g, {"title": "t" * 5000})[0] == 200
    status, body, _ = save(g, {"title": "t" * 5001})
    assert status == 400 and body["status"] == "title-too-long"


def test_save_uid_validation_and_order(g):
    status, body, _ = save(g, {"title": "x", "uid": "bad uid!"})
    assert (status, body) == (400, {"message": "uid contains illegal characters"})
    status, body, _ = save(g, {"title": "x", "uid": "a" * 41})
    assert (status, body) == (400, {"message": "uid too long, max 40 characters"})
    # the character check runs before the length check
    status, body, _ = save(g, {"title": "x", "uid": "!" * 41})
    assert body == {"message": "uid contains illegal characters"}
    assert save(g, {"title": "x", "uid": "a-Z_0" + "a" * 35})[0] == 200


def test_save_unknown_folder_uid_and_folder_that_is_a_dashboard(g):
    status, body, _ = save(g, {"title": "x"}, folderUid="nope")
    assert (status, body) == (400, {"message": "folder not found"})
    g.add_dashboard(1, {"uid": "dash", "title": "D"})
    status, body, _ = save(g, {"title": "x"}, folderUid="dash")
    assert status == 404 and body == {"status": "not-found", "message": "Folder not found"}
    status, body, _ = save(g, {"title": "x"}, folderId=9999)
    assert (status, body) == (400, {"message": "folder not found"})


def test_save_unknown_id_is_404(g):
    status, body, _ = save(g, {"title": "x", "id": 12345})
    assert (status, body) == (404, {"status": "not-found", "message": "Dashboard not found"})


def test_save_id_of_one_and_uid_of_another(g):
    a = save(g, {"uid": "a", "title": "A"})[1]
    save(g, {"uid": "b", "title": "B"})
    status, body, _ = save(g, {"id": a["id"], "uid": "b", "title": "A", "version": 1})
    assert (status, body) == (400, {"message": "A dashboard with the same uid already exists"})


def test_save_by_id_without_uid_updates_that_dashboard(g):
    a = save(g, {"uid": "a", "title": "A"})[1]
    status, body, _ = save(g, {"id": a["id"], "title": "A2", "version": 1})
    assert status == 200 and body["uid"] == "a" and body["version"] == 2


def test_version_mismatch_rules(g):
    save(g, {"uid": "v", "title": "V"})
    save(g, {"uid": "v", "title": "V", "version": 1})  # -> version 2
    for stale in ({"version": 1}, {}, {"version": 7}):
        status, body, _ = save(g, {"uid": "v", "title": "V", **stale})
        assert status == 412
        assert body == {"status": "version-mismatch",
                        "message": "The dashboard has been changed by someone else"}
    assert g.dashboard(1, "v")["version"] == 2
    # same version without overwrite: accepted
    assert save(g, {"uid": "v", "title": "V", "version": 2}, overwrite=False)[1]["version"] == 3
    # overwrite beats any stale/missing version
    assert save(g, {"uid": "v", "title": "V"}, overwrite=True)[1]["version"] == 4


def test_unknown_uid_with_version_creates(g):
    status, body, _ = save(g, {"uid": "fresh", "title": "Fresh", "version": 17})
    assert status == 200 and body["version"] == 1
    assert g.dashboard(1, "fresh")["version"] == 1


def test_message_stored_and_limited(g):
    save(g, {"uid": "m", "title": "M"}, message="first")
    save(g, {"uid": "m", "title": "M", "version": 1}, message="x" * 500)
    status, body, _ = save(g, {"uid": "m", "title": "M", "version": 2}, message="x" * 501)
    assert (status, body) == (400, {"message": "message too long, max 500 characters"})
    assert g.dashboard_record(1, "m")["messages"] == ["first", "x" * 500]


def test_is_folder_and_bad_bodies(g):
    status, body, _ = save(g, {"title": "x"}, isFolder=True)
    assert (status, body) == (400, {"message": "Use folders endpoint for saving folders."})
    for raw in (b"{not json", b"[1,2]", b'"text"', b'{"dashboard":{"title":"x"},"overwrite":"yes"}',
                b'{"dashboard":{"title":"x"},"folderUid":3}', b'{"dashboard":{"title":NaN}}'):
        status, body, _ = call(g, "POST", "/api/dashboards/db", raw=raw)
        assert (status, body) == (400, {"message": "bad request data", "traceID": ""}), raw
    assert g.dashboards(1) == {}


def test_provisioned_dashboard_cannot_be_saved_or_deleted(g):
    stored = g.provision_dashboard(1, {"uid": "prov", "title": "Provisioned"},
                                   external_id="team/prov.json")
    for dash in ({"uid": "prov", "title": "P", "version": 1},
                 {"id": stored["id"], "title": "P", "version": 1}):
        status, body, _ = save(g, dash)
        assert (status, body) == (400, {"message": "Cannot save provisioned dashboard"})
        assert save(g, dash, overwrite=True)[0] == 400
    status, body, _ = call(g, "DELETE", "/api/dashboards/uid/prov")
    assert (status, body) == (400, {"message": "provisioned dashboard cannot be deleted"})
    meta = call(g, "GET", "/api/dashboards/uid/prov")[1]["meta"]
    assert meta["provisioned"] is True
    assert meta["provisionedExternalId"] == "team/prov.json"
    assert meta["createdBy"] == "Anonymous"
    assert g.dashboard(1, "prov")["version"] == 1


def test_provisioned_with_ui_updates_allowed_saves(g):
    g.provision_dashboard(1, {"uid": "p2", "title": "P2"}, allow_ui_updates=True)
    assert save(g, {"uid": "p2", "title": "P2", "version": 1})[1]["version"] == 2
    assert call(g, "GET", "/api/dashboards/uid/p2")[1]["meta"]["provisioned"] is False


def test_title_rule_pre_11_3(g_pre):
    g = g_pre
    g.add_folder(1, "Ops", uid="ops")
    assert save(g, {"uid": "one", "title": "Same Title"})[0] == 200
    status, body, _ = save(g, {"uid": "two", "title": "same title"})
    assert status == 412
    assert body == {"status": "name-exists",
                    "message": "A dashboard with the same name in the folder already exists"}
    # another folder is fine
    assert save(g, {"uid": "two", "title": "Same Title"}, folderUid="ops")[0] == 200
    # same title as a root folder
    status, body, _ = save(g, {"uid": "three", "title": "Ops"})
    assert (status, body) == (400, {"status": "name-match",
                                    "message": "Dashboard name cannot be the same as folder"})
    # overwrite takes over the existing dashboard's id, uid and version
    status, body, _ = save(g, {"uid": "four", "title": "Same Title"}, overwrite=True)
    assert status == 200 and body["uid"] == "one" and body["version"] == 2
    assert g.dashboard(1, "four") is None
    # re-saving the same dashboard under its own title is not a clash
    assert save(g, {"uid": "one", "title": "Same Title", "version": 2})[0] == 200


def test_title_rule_11_3_allows_duplicates(g):
    assert save(g, {"title": "Dup"})[0] == 200
    assert save(g, {"title": "Dup"})[0] == 200
    hits = call(g, "GET", "/api/search?query=Dup")[1]
    assert len(hits) == 2 and hits[0]["uid"] != hits[1]["uid"]
    g.add_folder(1, "Ops", uid="ops")
    assert save(g, {"title": "Ops"})[0] == 200


def test_short_refresh_is_raised_to_min_interval(g):
    save(g, {"uid": "r1", "title": "R1", "refresh": "1s"})
    save(g, {"uid": "r2", "title": "R2", "refresh": "1m"})
    save(g, {"uid": "r3", "title": "R3", "refresh": "garbage"})
    save(g, {"uid": "r4", "title": "R4", "refresh": ""})
    assert g.dashboard(1, "r1")["refresh"] == "5s"
    assert g.dashboard(1, "r2")["refresh"] == "1m"
    assert g.dashboard(1, "r3")["refresh"] == "5s"
    assert g.dashboard(1, "r4")["refresh"] == ""
    with make_double(min_refresh_interval="1m") as d:
        save(d, {"uid": "r", "title": "R", "refresh": "30s"})
        assert d.dashboard(1, "r")["refresh"] == "1m"


# ==================================================================== save semantics §2.4/2.5


def test_create_response_and_stored_json(g):
    status, body, hdrs = save(g, {"id": None, "uid": None, "title": "Production Overview",
                                  "panels": [{"id": 1}]})
    assert status == 200
    assert hdrs["Content-Type"] == "application/json; charset=UTF-8"
    assert set(body) == {"id", "uid", "url", "status", "version", "slug", "folderUid"}
    assert body["status"] == "success" and body["version"] == 1
    assert body["slug"] == "production-overview"
    assert UID_RE.match(body["uid"]) and len(body["uid"]) <= 40
    assert body["url"] == f"/d/{body['uid']}/production-overview"
    assert body["folderUid"] == ""
    stored = g.dashboard(1, body["uid"])
    assert (stored["id"], stored["uid"], stored["version"]) == (body["id"], body["uid"], 1)
    assert stored["panels"] == [{"id": 1}]
    assert "schemaVersion" not in stored
    other = save(g, {"title": "Second", "schemaVersion": 39})[1]
    assert other["id"] != body["id"] and other["uid"] != body["uid"]
    assert g.dashboard(1, other["uid"])["schemaVersion"] == 39


def test_client_sent_id_is_replaced_on_update(g):
    first = save(g, {"uid": "u", "title": "U"})[1]
    body = save(g, {"uid": "u", "title": "U2", "version": 1})[1]
    assert body["id"] == first["id"] and body["version"] == 2
    assert g.dashboard(1, "u")["title"] == "U2"
    assert g.dashboard_record(1, "u")["version"] == 2


def test_folder_placement_and_absent_folder_moves_to_root(g):
    folder = g.add_folder(1, "Team A", uid="team-a")
    body = save(g, {"uid": "fd", "title": "In folder"}, folderUid="team-a")[1]
    assert body["folderUid"] == "team-a"
    meta = call(g, "GET", "/api/dashboards/uid/fd")[1]["meta"]
    assert meta["folderUid"] == "team-a" and meta["folderTitle"] == "Team A"
    assert meta["folderId"] == folder["id"]
    assert meta["folderUrl"] == "/dashboards/f/team-a/team-a"
    # update without folderUid/folderId -> General
    body = save(g, {"uid": "fd", "title": "In folder", "version": 1})[1]
    assert body["folderUid"] == ""
    meta = call(g, "GET", "/api/dashboards/uid/fd")[1]["meta"]
    assert (meta["folderUid"], meta["folderTitle"], meta["folderId"], meta["folderUrl"]) == \
        ("", "General", 0, "")
    # the deprecated folderId still works, folderUid wins over it
    assert save(g, {"uid": "fd", "title": "x", "version": 2}, folderId=folder["id"])[1][
        "folderUid"] == "team-a"
    g.add_folder(1, "Team B", uid="team-b")
    assert save(g, {"uid": "fd", "title": "x", "version": 3}, folderId=folder["id"],
                folderUid="team-b")[1]["folderUid"] == "team-b"


# ============================================================================ GET/DELETE §3/4


def test_get_dashboard_meta(g):
    save(g, {"uid": "m1", "title": "Meta One", "tags": ["x"]}, token=EDITOR)
    status, body, _ = call(g, "GET", "/api/dashboards/uid/m1")
    assert status == 200
    assert set(body) == {"dashboard", "meta"}
    meta = body["meta"]
    for key in ("type", "canSave", "canEdit", "canAdmin", "canStar", "slug", "url", "expires",
                "created", "updated", "updatedBy", "createdBy", "version", "hasAcl",
                "isFolder", "folderId", "folderUid", "folderTitle", "folderUrl",
                "provisioned", "provisionedExternalId", "annotationsPermissions"):
        assert key in meta, key
    assert meta["type"] == "db" and meta["isFolder"] is False
    assert meta["slug"] == "meta-one" and meta["url"] == "/d/m1/meta-one"
    assert meta["expires"] == "0001-01-01T00:00:00Z"
    assert RFC3339.match(meta["created"]) and RFC3339.match(meta["updated"])
    assert meta["createdBy"] == meta["updatedBy"] == "sa-1-editor"
    assert meta["version"] == 1 and body["dashboard"]["version"] == 1
    assert meta["folderTitle"] == "General" and meta["provisioned"] is False
    assert body["dashboard"]["tags"] == ["x"]


def test_get_missing_dashboard(g):
    status, body, _ = call(g, "GET", "/api/dashboards/uid/missing")
    assert (status, body) == (404, {"message": "Dashboard not found", "traceID": ""})


def test_edit_as_user_bumps_version_and_updated_by(g):
    save(g, {"uid": "e", "title": "E"})
    g.edit_dashboard_as_user(1, "e", lambda d: d.update(description="hand edit"),
                             message="ui edit")
    meta = call(g, "GET", "/api/dashboards/uid/e")[1]["meta"]
    assert meta["version"] == 2
    assert meta["updatedBy"] == "admin" and meta["createdBy"] == "sa-1-admin"
    assert g.dashboard(1, "e")["description"] == "hand edit"
    # the pusher's stale version now conflicts
    assert save(g, {"uid": "e", "title": "E", "version": 1})[0] == 412


def test_delete_dashboard(g):
    save(g, {"uid": "del", "title": "Production Overview"})
    status, body, _ = call(g, "DELETE", "/api/dashboards/uid/del")
    assert status == 200
    assert body == {"title": "Production Overview",
                    "message": "Dashboard Production Overview deleted", "uid": "del"}
    assert call(g, "GET", "/api/dashboards/uid/del")[0] == 404
    status, body, _ = call(g, "DELETE", "/api/dashboards/uid/del")
    assert (status, body) == (404, {"message": "Dashboard not found", "traceID": ""})
    g.add_folder(1, "F", uid="f")
    status, body, _ = call(g, "DELETE", "/api/dashboards/uid/f")
    assert (status, body) == (400, {"message": "Use folders endpoint for deleting folders."})


def test_versions_newest_first_with_messages(g, api):
    save(g, {"uid": "h", "title": "H"}, message="create")
    save(g, {"uid": "h", "title": "H", "version": 1}, message="second")
    g.edit_dashboard_as_user(1, "h", lambda d: None, message="ui")
    body = api.dashboard_versions.get_dashboard_versions_by_uid("h")
    assert body["continueToken"] == ""
    assert [(v["version"], v["message"]) for v in body["versions"]] == \
        [(3, "ui"), (2, "second"), (1, "create")]
    assert body["versions"][0]["createdBy"] == "admin"
    assert body["versions"][2]["parentVersion"] == 0
    one = api.dashboard_versions.get_dashboard_version_by_uid("h", 1)
    assert one["data"]["version"] == 1 and one["message"] == "create"
    assert call(g, "GET", "/api/dashboards/uid/nope/versions")[0] == 404


# ================================================================================ search §5


@pytest.fixture
def seeded(g):
    g.add_folder(1, "zeta folder", uid="zf")
    g.add_folder(1, "Alpha Folder", uid="af")
    g.add_dashboard(1, {"uid": "d-b", "title": "beta", "tags": ["prod", "app"]})
    g.add_dashboard(1, {"uid": "d-a", "title": "Alpha dash", "tags": ["prod"]}, folder_uid="af")
    g.add_dashboard(1, {"uid": "d-c", "title": "Gamma", "tags": []}, folder_uid="zf")
    g.add_dashboard(1, {"uid": "d-d", "title": "delta"})
    return g


def test_search_order_and_hit_shape(seeded):
    status, hits, _ = call(seeded, "GET", "/api/search")
    assert status == 200
    assert [h["title"] for h in hits] == ["Alpha Folder", "zeta folder", "Alpha dash", "beta",
                                         "delta", "Gamma"]
    folder = hits[0]
    assert folder["type"] == "dash-folder" and folder["url"] == "/dashboards/f/af/alpha-folder"
    assert folder["tags"] == [] and "folderUid" not in folder
    root = next(h for h in hits if h["uid"] == "d-b")
    assert root["tags"] == ["app", "prod"]  # sorted
    assert root["uri"] == "db/beta" and root["url"] == "/d/d-b/beta" and root["slug"] == "beta"
    assert root["isStarred"] is False and root["sortMeta"] == 0
    for key in ("folderId", "folderUid", "folderTitle", "folderUrl"):
        assert key not in root
    inside = next(h for h in hits if h["uid"] == "d-a")
    assert inside["folderUid"] == "af" and inside["folderTitle"] == "Alpha Folder"
    assert inside["folderUrl"] == "/dashboards/f/af/alpha-folder"
    assert inside["folderId"] == seeded.folder(1, "af")["id"]


def test_search_filters(seeded):
    def uids(qs):
        status, hits, _ = call(seeded, "GET", "/api/search" + qs)
        assert status == 200
        return sorted(h["uid"] for h in hits)

    assert uids("?query=ALPHA") == ["af", "d-a"]
    assert uids("?tag=prod") == ["d-a", "d-b"]
    assert uids("?tag=prod&tag=app") == ["d-b"]
    assert uids("?type=dash-db") == ["d-a", "d-b", "d-c", "d-d"]
    assert uids("?type=dash-folder") == ["af", "zf"]
    assert uids("?dashboardUIDs=d-a&dashboardUIDs=d-d") == ["d-a", "d-d"]
    assert uids("?folderUIDs=general&type=dash-db") == ["d-b", "d-d"]
    assert uids("?folderUIDs=af") == ["d-a"]
    assert uids("?folderUIDs=af&folderUIDs=zf") == ["d-a", "d-c"]
    assert uids("?folderIds=0&type=dash-db") == ["d-b", "d-d"]
    assert uids("?query=nothing-matches") == []
    status, body, _ = call(seeded, "GET", "/api/search?dashboardIds=1&dashboardUIDs=d-a")
    assert (status, body) == (400, {"message": "search supports UIDs or IDs, not both"})


def test_search_sort_and_paging(seeded):
    hits = call(seeded, "GET", "/api/search?sort=alpha-desc")[1]
    titles = [h["title"] for h in hits]
    assert titles == sorted(titles, key=str.lower, reverse=True)
    page1 = call(seeded, "GET", "/api/search?limit=4&page=1")[1]
    page2 = call(seeded, "GET", "/api/search?limit=4&page=2")[1]
    assert len(page1) == 4 and len(page2) == 2
    assert {h["uid"] for h in page1} | {h["uid"] for h in page2} == \
        {"af", "zf", "d-a", "d-b", "d-c", "d-d"}


def test_search_limit_default_and_maximum(g):
    for i in range(1001):
        g.add_dashboard(1, {"uid": f"n{i:04d}", "title": f"n{i:04d}"})
    assert len(call(g, "GET", "/api/search")[1]) == 1000
    assert len(call(g, "GET", "/api/search?page=2")[1]) == 1
    assert len(call(g, "GET", "/api/search?limit=5000")[1]) == 1001
    status, body, _ = call(g, "GET", "/api/search?limit=5001")
    assert status == 422
    assert body == {"message": "Limit is above maximum allowed (5000), use page parameter to "
                               "access hits beyond limit"}


def test_client_search_parameters(seeded):
    api = client_for(seeded, ADMIN)
    assert [h["uid"] for h in api.search.search_dashboards(tag=["prod", "app"])] == ["d-b"]
    assert [h["uid"] for h in api.search.search_dashboards(folder_uids=["zf"])] == ["d-c"]
    assert [h["uid"] for h in api.search.search_dashboards(query="gam", type_="dash-db")] == \
        ["d-c"]
    with pytest.raises(GrafanaClientError) as e:
        api.search.search_dashboards(limit=6000)
    assert e.value.status_code == 422


# =============================================================================== folders §6


def test_folder_create_get_and_list(g):
    status, body, _ = call(g, "POST", "/api/folders", {"uid": "ops", "title": "Ops"})
    assert status == 200
    for key in ("id", "uid", "title", "url", "hasAcl", "canSave", "canEdit", "canAdmin",
                "canDelete", "createdBy", "created", "updatedBy", "updated", "version"):
        assert key in body, key
    assert body["version"] == 1 and body["url"] == "/dashboards/f/ops/ops"
    assert body["createdBy"] == "sa-1-admin" and "parentUid" not in body
    assert call(g, "GET", "/api/folders/ops")[1] == body
    status, gen, _ = call(g, "POST", "/api/folders", {"title": "Generated"})
    assert UID_RE.match(gen["uid"]) and gen["id"] != body["id"]
    call(g, "POST", "/api/folders", {"uid": "child", "title": "Child", "parentUid": "ops"})
    root = call(g, "GET", "/api/folders")[1]
    assert root == [{"id": gen["id"], "uid": gen["uid"], "title": "Generated"},
                    {"id": body["id"], "uid": "ops", "title": "Ops"}]
    children = call(g, "GET", "/api/folders?parentUid=ops")[1]
    assert [(c["uid"], c["parentUid"]) for c in children] == [("child", "ops")]
    child = call(g, "GET", "/api/folders/child")[1]
    assert child["parentUid"] == "ops" and [p["uid"] for p in child["parents"]] == ["ops"]
    status, body, _ = call(g, "GET", "/api/folders?parentUid=nope")
    assert status == 404


def test_folder_not_found(g):
    for method in ("GET", "PUT", "DELETE"):
        body = {"title": "x", "version": 1} if method == "PUT" else None
        status, resp, _ = call(g, method, "/api/folders/missing", body)
        assert (status, resp) == (404, {"status": "not-found", "message": "folder not found"})


def test_folder_create_validation(g):
    call(g, "POST", "/api/folders", {"uid": "taken", "title": "Taken"})
    cases = [
        ({"uid": "taken", "title": "Other"}, 412,
         {"status": "version-mismatch", "message": "the folder has been changed by someone else"}),
        ({"uid": "General", "title": "x"}, 400, {"message": "invalid uid for folder provided"}),
        ({"title": "general"}, 400, {"message": "A folder with that name already exists"}),
        ({"title": "  "}, 400, {"message": "folder title cannot be empty"}),
        ({"uid": "bad uid", "title": "x"}, 400, {"message": "uid contains illegal characters"}),
        ({"uid": "a" * 41, "title": "x"}, 400, {"message": "uid too long, max 40 characters"}),
    ]
    for req, status, body in cases:
        assert call(g, "POST", "/api/folders", req)[:2] == (status, body), req
    assert list(g.folders(1)) == ["taken"]
    # 11.3+: duplicate titles are fine
    assert call(g, "POST", "/api/folders", {"title": "Taken"})[0] == 200


def test_folder_title_clash_pre_11_3(g_pre):
    call(g_pre, "POST", "/api/folders", {"uid": "a", "title": "Shared"})
    g_pre.add_dashboard(1, {"uid": "d", "title": "Dash Name"})
    for title in ("Shared", "Dash Name"):
        status, body, _ = call(g_pre, "POST", "/api/folders", {"title": title})
        assert status == 409
        assert body == {"message": "a folder or dashboard in the general folder with the same "
                                   "name already exists"}
    assert call(g_pre, "POST", "/api/folders", {"title": "Shared", "parentUid": "a"})[0] == 200


def test_folder_update_versions(g):
    call(g, "POST", "/api/folders", {"uid": "f", "title": "F"})
    for body in ({"title": "F2"}, {"title": "F2", "version": 5}):
        status, resp, _ = call(g, "PUT", "/api/folders/f", body)
        assert (status, resp) == (412, {"status": "version-mismatch",
                                        "message": "the folder has been changed by someone else"})
    status, resp, _ = call(g, "PUT", "/api/folders/f", {"title": "F2", "version": 1})
    assert status == 200 and resp["version"] == 2 and resp["title"] == "F2"
    status, resp, _ = call(g, "PUT", "/api/folders/f", {"title": "F3", "overwrite": True})
    assert status == 200 and resp["version"] == 3
    assert call(g, "PUT", "/api/folders/f", {"title": "", "version": 3})[0] == 400
    assert g.folder(1, "f")["title"] == "F3"


def test_folder_delete_removes_its_dashboards_and_subfolders(g):
    g.add_folder(1, "Parent", uid="p")
    g.add_folder(1, "Kid", uid="k", parent_uid="p")
    g.add_dashboard(1, {"uid": "in-p", "title": "a"}, folder_uid="p")
    g.add_dashboard(1, {"uid": "in-k", "title": "b"}, folder_uid="k")
    g.add_dashboard(1, {"uid": "root", "title": "c"})
    status, body, _ = call(g, "DELETE", "/api/folders/p")
    assert (status, body) == (200, {"message": "Folder deleted"})
    assert set(g.dashboards(1)) == {"root"} and g.folders(1) == {}


def test_folder_max_depth(g):
    parent = None
    for i in range(8):  # eight levels: l0 (root) ... l7
        g.add_folder(1, f"L{i}", uid=f"l{i}", parent_uid=parent)
        parent = f"l{i}"
    status, body, _ = call(g, "POST", "/api/folders", {"title": "too deep", "parentUid": "l7"})
    assert status == 400 and body["messageId"] == "folder.maximum-depth-reached"
    assert call(g, "POST", "/api/folders", {"title": "ok", "parentUid": "l6"})[0] == 200


def test_client_folder_roundtrip(g, api):
    created = api.folder.create_folder("Team", uid="team")
    assert api.folder.get_folder("team")["title"] == "Team"
    with pytest.raises(GrafanaClientError) as e:
        api.folder.create_folder("Again", uid="team")
    assert e.value.status_code == 412
    updated = api.folder.update_folder("team", title="Team 2", version=created["version"])
    assert updated["version"] == 2
    assert [f["uid"] for f in api.folder.get_all_folders()] == ["team"]
    assert api.folder.delete_folder("team") == {"message": "Folder deleted"}
    with pytest.raises(GrafanaClientError) as e:
        api.folder.get_folder("team")
    assert e.value.status_code == 404


# =========================================================================== datasources §7


def ds_body(**kw):
    body = {"name": "prom", "type": "prometheus", "access": "proxy", "url": "http://prom:9090"}
    body.update(kw)
    return body


def test_datasource_create_and_default_rules(g):
    status, body, _ = call(g, "POST", "/api/datasources",
                           ds_body(secureJsonData={"basicAuthPassword": "hunter2"}))
    assert status == 200
    assert set(body) == {"datasource", "id", "message", "name"}
    assert body["message"] == "Datasource added" and body["name"] == "prom"
    ds = body["datasource"]
    assert ds["id"] == body["id"] and ds["version"] == 1 and ds["isDefault"] is True
    assert ds["readOnly"] is False and ds["secureJsonFields"] == {"basicAuthPassword": True}
    assert "secureJsonData" not in ds and "hunter2" not in json.dumps(body)
    second = call(g, "POST", "/api/datasources", ds_body(name="loki", type="loki"))[1]
    assert second["datasource"]["isDefault"] is False
    third = call(g, "POST", "/api/datasources", ds_body(name="new-default", isDefault=True))[1]
    assert third["datasource"]["isDefault"] is True
    defaults = [d["name"] for d in g.datasources(1).values() if d["isDefault"]]
    assert defaults == ["new-default"]


def test_datasource_create_conflicts_and_validation(g):
    call(g, "POST", "/api/datasources", ds_body(uid="p1"))
    status, body, _ = call(g, "POST", "/api/datasources", ds_body(uid="p2"))
    assert (status, body) == (409, {"message": "data source with the same name already exists",
                                    "traceID": ""})
    status, body, _ = call(g, "POST", "/api/datasources", ds_body(name="other", uid="p1"))
    assert (status, body) == (409, {"message": "data source with the same uid already exists",
                                    "traceID": ""})
    for bad in (ds_body(type=""), {"name": "x", "access": "proxy"}, ds_body(basicAuth="yes")):
        assert call(g, "POST", "/api/datasources", bad)[:2] == \
            (400, {"message": "bad request data", "traceID": ""}), bad
    assert call(g, "POST", "/api/datasources", ds_body(name="u", url="http://h:99999"))[0] == 400
    status, body, _ = call(g, "POST", "/api/datasources", ds_body(name="u", uid="bad uid"))
    assert status == 400 and body["messageId"] == "datasource.uidInvalid"
    # empty name: generated from the type
    body = call(g, "POST", "/api/datasources", ds_body(name="", type="loki"))[1]
    body2 = call(g, "POST", "/api/datasources", ds_body(name="", type="loki"))[1]
    assert (body["name"], body2["name"]) == ("loki", "loki-1")
    assert len(g.datasources(1)) == 3


def test_datasource_list_sorted_with_list_item_fields(g):
    for name in ("beta", "Alpha", "gamma"):
        call(g, "POST", "/api/datasources", ds_body(name=name))
    status, items, _ = call(g, "GET", "/api/datasources")
    assert [d["name"] for d in items] == ["Alpha", "beta", "gamma"]
    assert set(items[0]) == {"id", "orgId", "uid", "name", "type", "typeName", "typeLogoUrl",
                             "access", "url", "user", "database", "basicAuth", "isDefault",
                             "jsonData", "readOnly"}
    assert items[0]["typeName"] == "prometheus"


def test_datasource_get_by_uid_name_id(g):
    created = call(g, "POST", "/api/datasources", ds_body(uid="p", name="My Prom"))[1]
    by_uid = call(g, "GET", "/api/datasources/uid/p")[1]
    assert call(g, "GET", "/api/datasources/name/My%20Prom")[1] == by_uid
    assert call(g, "GET", f"/api/datasources/{created['id']}")[1] == by_uid
    assert call(g, "GET", "/api/datasources/id/My%20Prom")[1] == {"id": created["id"]}
    for path in ("/api/datasources/uid/nope", "/api/datasources/name/nope",
                 "/api/datasources/999"):
        assert call(g, "GET", path)[:2] == (404, {"message": "Data source not found"}), path


def test_datasource_update_rules(g):
    call(g, "POST", "/api/datasources", ds_body(uid="p", secureJsonData={"token": "t0p"}))
    call(g, "POST", "/api/datasources", ds_body(uid="l", name="loki", type="loki"))
    g.add_datasource(1, name="provisioned", uid="ro", read_only=True)
    status, body, _ = call(g, "PUT", "/api/datasources/uid/p",
                           ds_body(url="http://new:9090", jsonData={"timeInterval": "30s"}))
    assert status == 200
    assert body["message"] == "Datasource updated" and body["name"] == "prom"
    assert body["datasource"]["version"] == 2 and body["datasource"]["url"] == "http://new:9090"
    # secrets not sent are kept, never returned
    assert body["datasource"]["secureJsonFields"] == {"token": True}
    assert g.datasource(1, "p")["secureJsonData"] == {"token": "t0p"}
    # explicit version: stored becomes version + 1; an older one conflicts
    assert call(g, "PUT", "/api/datasources/uid/p", ds_body(version=2))[1]["datasource"][
        "version"] == 3
    status, body, _ = call(g, "PUT", "/api/datasources/uid/p", ds_body(version=1))
    assert status == 409
    assert body["message"] == ("Datasource has already been updated by someone else. "
                               "Please reload and try again")
    status, body, _ = call(g, "PUT", "/api/datasources/uid/p", ds_body(name="loki"))
    assert status == 409 and body["message"] == (
        "Failed to update datasource: data source with the same name already exists")
    status, body, _ = call(g, "PUT", "/api/datasources/uid/ro", ds_body(name="provisioned"))
    assert (status, body) == (403, {"message": "Cannot update read-only data source"})
    status, body, _ = call(g, "PUT", "/api/datasources/uid/nope", ds_body())
    assert (status, body) == (404, {"message": "Data source not found"})
    assert call(g, "PUT", "/api/datasources/uid/p", {"type": "prometheus"})[0] == 400
    assert g.datasource(1, "p")["version"] == 3 and g.datasource(1, "ro")["version"] == 1


def test_datasource_delete(g):
    created = call(g, "POST", "/api/datasources", ds_body(uid="p"))[1]
    g.add_datasource(1, name="ro", uid="ro")
    assert call(g, "DELETE", "/api/datasources/uid/ro")[:2] == \
        (403, {"message": "Cannot delete read-only data source"})
    assert call(g, "DELETE", "/api/datasources/uid/p")[:2] == \
        (200, {"message": "Data source deleted", "id": created["id"]})
    assert call(g, "DELETE", "/api/datasources/uid/p")[0] == 404
    assert call(g, "GET", "/api/datasources/uid/ro")[1]["readOnly"] is True


def test_client_datasource_roundtrip(g, api):
    res = api.datasource.create_datasource(ds_body(uid="prom", isDefault=True))
    assert res["message"] == "Datasource added"
    ds = api.datasource.get_datasource_by_uid("prom")
    assert ds["name"] == "prom" and ds["isDefault"] is True
    ds["url"] = "http://elsewhere:9090"
    upd = api.datasource.update_datasource_by_uid("prom", ds)
    assert upd["datasource"]["version"] == 2 and upd["datasource"]["url"] == ds["url"]
    with pytest.raises(GrafanaClientError) as e:
        api.datasource.create_datasource(ds_body(uid="other"))
    assert e.value.status_code == 409
    g.add_datasource(1, name="ro", uid="ro")
    with pytest.raises(GrafanaClientError) as e:
        api.datasource.update_datasource_by_uid("ro", ds_body(name="ro"))
    assert e.value.status_code == 403
    api.datasource.delete_datasource_by_uid("prom")
    with pytest.raises(GrafanaClientError) as e:
        api.datasource.get_datasource_by_uid("prom")
    assert e.value.status_code == 404


# ========================================================================= client dashboards


def test_client_dashboard_roundtrip(g, api):
    res = api.dashboard.update_dashboard({"dashboard": {"uid": "c1", "title": "Client"},
                                          "message": "from client"})
    assert res["version"] == 1
    got = api.dashboard.get_dashboard("c1")
    got["dashboard"]["title"] = "Client 2"
    # re-posting the GET response: folder taken from meta, version from the JSON
    res = api.dashboard.update_dashboard(got)
    assert res["version"] == 2
    with pytest.raises(GrafanaClientError) as e:
        api.dashboard.update_dashboard({"dashboard": {"uid": "c1", "title": "x", "version": 1}})
    assert e.value.status_code == 412 and e.value.response["status"] == "version-mismatch"
    with pytest.raises(GrafanaBadInputError) as e:
        api.dashboard.update_dashboard({"dashboard": {"title": ""}})
    assert e.value.response["status"] == "empty-name"
    assert [h["uid"] for h in api.search.search_dashboards()] == ["c1"]
    assert api.dashboard.delete_dashboard("c1")["uid"] == "c1"
    with pytest.raises(GrafanaClientError) as e:
        api.dashboard.get_dashboard("c1")
    assert e.value.status_code == 404


# =========================================================================== routing, plumbing


def test_unknown_route_and_method(g):
    assert call(g, "GET", "/api/nope")[:2] == (404, {"message": "Not found"})
    assert call(g, "PATCH", "/api/dashboards/db", {})[:2] == (404, {"message": "Not found"})
    assert call(g, "GET", "/api/nope", token=None)[0] == 401


def test_keep_alive_connection_serves_many_requests(g):
    conn = http.client.HTTPConnection("127.0.0.1", g.port, timeout=5)
    for i in range(5):
        body = json.dumps({"dashboard": {"title": f"k{i}"}})
        conn.request("POST", "/api/dashboards/db", body=body,
                     headers={"Authorization": f"Bearer {ADMIN}",
                              "Content-Type": "application/json"})
        resp = conn.getresponse()
        assert resp.status == 200
        assert int(resp.headers["Content-Length"]) == len(resp.read())
        # a GET with a body (grafana-client sends query args this way) must not desync
        conn.request("GET", "/api/search", body="limit=1",
                     headers={"Authorization": f"Bearer {ADMIN}"})
        resp = conn.getresponse()
        assert resp.status == 200 and len(json.loads(resp.read())) == i + 1
    conn.close()


def test_keep_alive_requests_do_not_stall_like_go_net_http(g, api):
    """Grafana (Go) answers keep-alive requests without Nagle/delayed-ACK stalls (~40 ms)."""
    api.search.search_dashboards()
    times = []
    for i in range(15):
        t0 = time.perf_counter()
        api.dashboard.update_dashboard({"dashboard": {"uid": f"n{i}", "title": f"N {i}"}})
        times.append(time.perf_counter() - t0)
    assert sorted(times)[len(times) // 2] < 0.02


def test_dashboard_saves_and_reads_do_not_deepcopy(g, api, monkeypatch):
    """copy.deepcopy of a 16 KB dashboard costs ~5 ms of CPU under the GIL: a double that did
    it on every save and read could not serve concurrent clients faster than ~100/s."""
    import grafana_double

    calls = []
    real = grafana_double.copy.deepcopy
    monkeypatch.setattr(grafana_double.copy, "deepcopy", lambda *a, **k: calls.append(1) or real(*a, **k))
    panels = [{"id": i, "type": "timeseries", "title": f"p{i}", "targets": [{"expr": "up", "refId": "A"}]}
              for i in range(40)]
    api.dashboard.update_dashboard({"dashboard": {"uid": "big", "title": "Big", "panels": panels}})
    api.dashboard.update_dashboard({"dashboard": {"uid": "big", "title": "Big", "panels": panels[:3]},
                                    "overwrite": True})
    got = api.dashboard.get_dashboard("big")
    assert calls == []
    assert got["dashboard"]["panels"] == panels[:3] and got["meta"]["version"] == 2
    assert [v["version"] for v in api.client.GET("/dashboards/uid/big/versions")["versions"]] == [2, 1]


def test_request_log_and_writes(g):
    save(g, {"title": "a"})
    save(g, {"title": ""})                      # handler answered 400: still a write attempt
    save(g, {"title": "b"}, token=VIEWER)       # denied by RBAC: never reached the handler
    call(g, "GET", "/api/search")
    call(g, "GET", "/api/search", token=None)   # 401
    assert g.writes() == 2
    assert [(r.method, r.path, r.status, r.org_id) for r in g.requests] == [
        ("POST", "/api/dashboards/db", 200, 1), ("POST", "/api/dashboards/db", 400, 1),
        ("POST", "/api/dashboards/db", 403, 1), ("GET", "/api/search", 200, 1),
        ("GET", "/api/search", 401, None)]
    assert g.request_details[0]["body"] == {"dashboard": {"title": "a"}}
    assert g.request_details[1].get("body") == {"dashboard": {"title": ""}}  # parsed on .get too
    assert g.request_details[3]["body"] is None  # no body
    call(g, "POST", "/api/dashboards/db", raw=b"not json")
    assert g.request_details[-1]["body"] == b"not json"  # kept as sent
    g.reset_log()
    assert g.requests == [] and g.writes() == 0


# ============================================================================== fault switches


def test_latency_slows_requests_and_client_times_out(g):
    g.set_latency(0.3)
    t0 = time.monotonic()
    assert call(g, "GET", "/api/health", token=None)[0] == 200
    assert time.monotonic() - t0 >= 0.3
    with pytest.raises(GrafanaTimeoutError):
        client_for(g, ADMIN, timeout=0.1).search.search_dashboards()
    g.set_latency(0)
    t0 = time.monotonic()
    call(g, "GET", "/api/health", token=None)
    assert time.monotonic() - t0 < 0.25


def test_5xx_burst_then_success(g, api):
    g.fail_next(2, status=503)
    for _ in range(2):
        with pytest.raises(GrafanaServerError) as e:
            api.dashboard.update_dashboard({"dashboard": {"uid": "r", "title": "R"}})
        assert e.value.status_code == 503
    assert api.dashboard.update_dashboard({"dashboard": {"uid": "r", "title": "R"}})[
        "version"] == 1
    assert [r.status for r in g.requests] == [503, 503, 200]
    assert g.writes() == 1 and g.dashboard(1, "r")["version"] == 1
    status, body, _ = (g.fail_next(1, status=500), call(g, "GET", "/api/search"))[1]
    assert (status, body) == (500, {"message": "Internal Server Error", "traceID": ""})


def test_fail_next_only_matching_paths(g):
    g.fail_next(1, status=502, paths=["/api/dashboards/db"])
    assert call(g, "GET", "/api/search")[0] == 200
    assert save(g, {"title": "x"})[0] == 502
    assert save(g, {"title": "x"})[0] == 200
    with pytest.raises(ValueError):
        g.fail_next(1, status=404)


def test_429_with_retry_after(g, api):
    g.fail_next(1, status=429, retry_after=2)
    status, body, hdrs = call(g, "GET", "/api/search")
    assert (status, body) == (429, {"message": "Too Many Requests"})
    assert hdrs["Retry-After"] == "2"
    g.fail_next(1, status=429)
    with pytest.raises(GrafanaClientError) as e:
        api.search.search_dashboards()
    assert e.value.status_code == 429
    assert api.search.search_dashboards() == []


def test_dropped_connection_is_a_connection_error(g, api):
    assert api.search.search_dashboards() == []  # a pooled keep-alive connection exists
    g.drop_next(1)
    with pytest.raises(niquests.exceptions.ConnectionError) as e:
        api.dashboard.update_dashboard({"dashboard": {"uid": "x", "title": "X"}})
    assert not isinstance(e.value, GrafanaException)
    assert g.dashboard(1, "x") is None and g.writes() == 0
    assert g.requests[-1] == ("POST", "/api/dashboards/db", None, None)
    assert api.dashboard.update_dashboard({"dashboard": {"uid": "x", "title": "X"}})[
        "version"] == 1
    g.drop_next(1, paths="/api/search")
    with pytest.raises((urllib.error.URLError, http.client.RemoteDisconnected, ConnectionError)):
        urllib.request.urlopen(urllib.request.Request(
            g.url + "/api/search", headers={"Authorization": f"Bearer {ADMIN}"}), timeout=5)
    assert call(g, "GET", "/api/search")[0] == 200


# ================================================================================= concurrency


def test_fifty_parallel_saves_and_updates(g, api):
    def create(i):
        return api.dashboard.update_dashboard({"dashboard": {"uid": f"p{i}", "title": f"P{i}"}})

    def update(i):
        return api.dashboard.update_dashboard(
            {"dashboard": {"uid": f"p{i}", "title": f"P{i}!", "version": 1}})

    with ThreadPoolExecutor(max_workers=16) as pool:
        created = list(pool.map(create, range(50)))
        updated = list(pool.map(update, range(50)))
    assert all(r["version"] == 1 for r in created)
    assert all(r["version"] == 2 for r in updated)
    assert len({r["id"] for r in created}) == 50
    assert [r["id"] for r in created] == [r["id"] for r in updated]
    assert len(g.dashboards(1)) == 50
    assert all(g.dashboard(1, f"p{i}")["title"] == f"P{i}!" for i in range(50))
    assert g.writes() == 100


def test_racing_saves_of_one_dashboard_one_wins(g):
    """Concurrent saves with the same base version: exactly one wins, the rest get 412.
    A tiny switch interval makes the interpreter preempt handlers constantly, so a missing
    store lock would let several check-then-write sequences interleave."""
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for rnd in range(30):
            uid = f"race{rnd}"
            g.add_dashboard(1, {"uid": uid, "title": "Race"})
            barrier = threading.Barrier(12)

            def attempt(i, uid=uid, barrier=barrier):
                barrier.wait()
                return save(g, {"uid": uid, "title": f"R{i}", "version": 1})[0]

            with ThreadPoolExecutor(max_workers=12) as pool:
                statuses = sorted(pool.map(attempt, range(12)))
            assert statuses == [200] + [412] * 11, (rnd, statuses)
            assert g.dashboard(1, uid)["version"] == 2
            assert len(g.dashboard_record(1, uid)["messages"]) == 2
    finally:
        sys.setswitchinterval(old_interval)


def test_stop_is_prompt_with_idle_keepalive_connections():
    d = make_double().start()
    api = client_for(d, ADMIN)
    api.search.search_dashboards()
    t0 = time.monotonic()
    d.stop()
    assert time.monotonic() - t0 < 2
    with pytest.raises(niquests.exceptions.ConnectionError):
        api.search.search_dashboards()


def test_reset_forgets_state(g):
    save(g, {"uid": "a", "title": "A"})
    g.fail_next(5)
    g.health_failing = True
    g.reset()
    assert g.dashboards(1) == {} and g.requests == [] and g.writes() == 0
    assert call(g, "GET", "/api/health", token=None)[0] == 200
    assert save(g, {"uid": "a", "title": "A"})[1]["version"] == 1
