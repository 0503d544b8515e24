"""The Grafana the push tests run against: the test double, or a real instance.

``GrafanaHandle`` inspects and changes Grafana through its HTTP API with plain ``urllib``
(independent of the code under test), so the same test body works against both. With
the real instance every test uses its own suffix (``sfx``) in uids, folder names and the
ownership tag, and cleans up what it made; ``double`` is None there, so fault injection
and request counting are only for tests that take the ``double`` fixture.

Real Grafana: set ``DASHGEN_TEST_GRAFANA_URL`` and ``DASHGEN_TEST_GRAFANA_TOKEN`` (an Admin
service-account token of a throwaway instance); see the README.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid

REAL_URL_ENV = "DASHGEN_TEST_GRAFANA_URL"
REAL_TOKEN_ENV = "DASHGEN_TEST_GRAFANA_TOKEN"
DEFAULT_MARKER = "managed-by:dashgen"


class GrafanaHandle:
    def __init__(self, url: str, token: str, *, double=None, sfx: str = "", marker: str = DEFAULT_MARKER):
        self.url = url.rstrip("/")
        self.token = token
        self.double = double
        self.sfx = sfx
        self.marker = marker
        self._made_folders: set[str] = set()
        self._made_datasources: set[str] = set()

    @property
    def real(self) -> bool:
        return self.double is None

    # ------------------------------------------------------------------------------ HTTP

    def call(self, method: str, path: str, body=None, *, token: str | None = None, org: int | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token or self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if org is not None:
            req.add_header("X-Grafana-Org-Id", str(org))
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, text = resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    # ------------------------------------------------------------------------- inspection

    def dashboard(self, uid: str, org: int | None = None):
        """``{"dashboard", "meta"}`` or None."""
        status, body = self.call("GET", f"/api/dashboards/uid/{urllib.parse.quote(uid)}", org=org)
        return body if status == 200 else None

    def version(self, uid: str) -> int | None:
        d = self.dashboard(uid)
        return d["meta"]["version"] if d else None

    def latest_message(self, uid: str) -> str:
        status, body = self.call("GET", f"/api/dashboards/uid/{uid}/versions?limit=1")
        versions = body.get("versions") if isinstance(body, dict) else body
        return versions[0]["message"] if status == 200 and versions else ""

    def folder(self, uid: str):
        status, body = self.call("GET", f"/api/folders/{uid}")
        return body if status == 200 else None

    def datasource(self, uid: str):
        status, body = self.call("GET", f"/api/datasources/uid/{uid}")
        return body if status == 200 else None

    def writes(self) -> int | None:
        return self.double.writes() if self.double else None

    # --------------------------------------------------------------------------- changes

    def save_as_user(self, model: dict, folder_uid: str = "", message: str = "") -> dict:
        """Save a dashboard the way the UI does (no dashgen message)."""
        body = {"dashboard": model, "overwrite": True, "message": message}
        if folder_uid:
            body["folderUid"] = folder_uid
        status, answer = self.call("POST", "/api/dashboards/db", body)
        assert status == 200, answer
        return answer

    def edit_as_user(self, uid: str, mutate) -> None:
        current = self.dashboard(uid)
        model = current["dashboard"]
        mutate(model)
        self.save_as_user(model, current["meta"].get("folderUid", ""))

    def made(self, *, folders=(), datasources=()) -> None:
        """Remember objects a test made, for clean-up on a real instance."""
        self._made_folders.update(folders)
        self._made_datasources.update(datasources)

    def cleanup(self) -> None:
        if not self.real:
            return
        # everything this test made carries its suffix in the uid, or its own ownership tag
        status, hits = self.call("GET", "/api/search?" + urllib.parse.urlencode({"type": "dash-db", "limit": 5000}))
        for hit in hits if status == 200 else []:
            if hit["uid"].endswith(self.sfx) or self.marker in hit.get("tags", []):
                self.call("DELETE", f"/api/dashboards/uid/{hit['uid']}")
        for uid in self._made_folders:
            self.call("DELETE", f"/api/folders/{uid}")
        for uid in self._made_datasources:
            self.call("DELETE", f"/api/datasources/uid/{uid}")


def real_settings():
    url, token = os.environ.get(REAL_URL_ENV), os.environ.get(REAL_TOKEN_ENV)
    return (url, token) if url and token else None


def real_handle(url: str, token: str) -> GrafanaHandle:
    sfx = "-" + uuid.uuid4().hex[:6]
    return GrafanaHandle(url, token, sfx=sfx, marker=f"managed-by:dashgen-test{sfx}")
