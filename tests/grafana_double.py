"""A test double of Grafana's HTTP API (10.4 / 11.x), served over real HTTP.

The contract is /work/shared/reference/grafana-api.md ("the doc"); section numbers in the
comments refer to it.  The double is a real ``ThreadingHTTPServer`` on 127.0.0.1 (port 0),
speaking HTTP/1.1 with Content-Length and keep-alive, so the real CLI and ``grafana-client``
can be pointed at ``GrafanaDouble.url``.  Standard library only.

    with GrafanaDouble() as g:                      # default: one Admin token + admin/admin
        api = GrafanaApi.from_url(g.url, credential=g.token)
        api.dashboard.update_dashboard({"dashboard": {"title": "x", "uid": "x"}})
        assert g.dashboard(1, "x")["version"] == 1

Constructor: ``GrafanaDouble(tokens=None, users=None, *, title_rule="11.3+", version=None,
commit=..., edition="Open Source", hide_version=False, min_refresh_interval="5s",
max_folder_depth=8, host="127.0.0.1", port=0)``

- ``tokens={"glsa_...": {"org_id": 1, "role": "Admin"|"Editor"|"Viewer"|"None",
  "login": "sa-1-dashgen", "expired": False, "revoked": False}}`` (Bearer, or basic
  ``api_key:<token>``).
- ``users={"admin": {"password": "pw", "role": "Admin", "orgs": [1, 2]}}``; ``orgs`` may
  also be ``{org_id: role}``; the first org is the default one.
- ``title_rule``: ``"pre-11.3"`` (unique titles per folder: 412 name-exists / 400
  name-match / folder 409) or ``"11.3+"`` (duplicates allowed).  ``version`` defaults to
  11.2.0 / 11.3.0 accordingly.

Attributes: ``url``, ``port``, ``token`` (first token), ``version``, ``health_failing``
(settable), ``requests`` (list of ``RequestRecord(method, path, status, org_id)``; status is
None for dropped connections, org_id None before auth), ``request_details`` (same plus query
and parsed request body).

Control methods (Python, not HTTP): ``start()/stop()``, ``set_latency(s)``,
``fail_next(n, status=503, paths=None, retry_after=None)`` (5xx or 429),
``drop_next(n, paths=None)``, ``clear_faults()``, ``writes()``, ``reset_log()``, ``reset()``,
``dashboard(org, uid)``, ``dashboard_record(org, uid)``, ``dashboards(org)``,
``folder(org, uid)``, ``folders(org)``, ``datasource(org, uid)``, ``datasources(org)``,
``add_dashboard(org, dash, folder_uid=None, user="admin", message="")``,
``provision_dashboard(org, dash, folder_uid=None, allow_ui_updates=False, external_id="")``,
``add_folder(org, title, uid=None, parent_uid=None)``,
``add_datasource(org, name=..., type=..., read_only=True, ...)``,
``edit_dashboard_as_user(org, uid, mutate_fn, user="admin", message="")``,
``delete_dashboard_as_user(org, uid)``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import random
import re
import socket
import threading
import time
import unicodedata
import uuid
from collections import namedtuple
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["GrafanaDouble", "RequestRecord", "slugify", "generate_uid"]

JSON_CT = "application/json; charset=UTF-8"
UID_RE = re.compile(r"^[a-zA-Z0-9\-_]*$")
MAX_UID_LEN = 40
MAX_TITLE_LEN = 5000
MAX_MESSAGE_LEN = 500
SEARCH_MAX_LIMIT = 5000
SEARCH_DEFAULT_LIMIT = 1000
ZERO_TIME = "0001-01-01T00:00:00Z"
ROLES = {"None": 0, "Viewer": 1, "Editor": 2, "Admin": 3}

RequestRecord = namedtuple("RequestRecord", "method path status org_id")
Identity = namedtuple("Identity", "login role org_id kind")


# ---------------------------------------------------------------------------------------------
# small helpers


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slugify(title: str) -> str:
    """Lowercase, non-alphanumerics turned into '-', collapsed and trimmed (§2.5)."""
    s = unicodedata.normalize("NFKD", (title or "").strip())
    s = s.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def generate_uid() -> str:
    """Newest ``util.GenerateShortUID`` format: a letter plus parts of a UUID (24 chars)."""
    u = str(uuid.uuid4())
    return random.choice("abcdefghijklmnopqrstuvwxyz") + u[0:8] + u[9:13] + u[19:22] + u[28:]


def _go_json(obj, indent=None) -> bytes:
    """JSON as Go's encoding/json writes it: compact, UTF-8, with <, >, & escaped."""
    if indent:
        text = json.dumps(obj, ensure_ascii=False, indent=indent)
    else:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text.encode("utf-8")


_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0,
             "m": 60.0, "h": 3600.0}
_GTIME_UNITS = {"d": 86400.0, "w": 7 * 86400.0, "M": 30 * 86400.0, "y": 365 * 86400.0}


def parse_duration(text: str) -> float:
    """Grafana ``gtime.ParseDuration``: ``<n>[dwMy]`` or a Go duration ("1h30m", "500ms")."""
    m = re.fullmatch(r"(\d+)([dwMy])", text)
    if m:
        return int(m.group(1)) * _GTIME_UNITS[m.group(2)]
    s = text
    sign = 1.0
    if s[:1] in "+-":
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(f"invalid duration {text!r}")
    total = 0.0
    pos = 0
    part = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
    while pos < len(s):
        m = part.match(s, pos)
        if not m:
            raise ValueError(f"invalid duration {text!r}")
        total += float(m.group(1)) * _GO_UNITS[m.group(2)]
        pos = m.end()
    return sign * total


class _Reply(Exception):
    """Raised by handlers to answer with a status and a JSON body."""

    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _legacy(status, message, err=False):
    """§0.1 ``response.Error``: {"message"} (+ "traceID" when an error is passed)."""
    body = {"message": message}
    if err:
        body["traceID"] = ""
    return _Reply(status, body)


def _status_err(status, status_str, message):
    """§0.2 ``DashboardErr.Body()``: {"status","message"}, no traceID."""
    return _Reply(status, {"status": status_str, "message": message})


def _errutil(status, message_id, message):
    """§0.3 structured error."""
    return _Reply(status, {"extra": None, "message": message, "messageId": message_id,
                           "statusCode": status, "traceID": ""})


def _rbac_denied(permission):
    """§8.3 RBAC middleware denial."""
    return _Reply(403, {
        "title": "Access denied",
        "message": "You'll need additional permissions to perform this action. "
                   f"Permissions needed: {permission}",
        "accessErrorId": "ACE" + "".join(random.choice("0123456789") for _ in range(10)),
    })


def _bad_request_data():
    return _legacy(400, "bad request data", err=True)


_MISSING = object()


def _field(obj, key, kind, default=None):
    """Read a typed field the way Go's JSON binding does: wrong type -> 400 bad request data."""
    v = obj.get(key, _MISSING)
    if v is _MISSING or v is None:
        return default
    if kind == "str" and isinstance(v, str):
        return v
    if kind == "bool" and isinstance(v, bool):
        return v
    if kind == "int" and isinstance(v, int) and not isinstance(v, bool):
        return v
    if kind == "int" and isinstance(v, float) and v.is_integer():
        return int(v)
    if kind == "strmap" and isinstance(v, dict) and all(
            isinstance(x, str) or x is None for x in v.values()):
        return {k: (x or "") for k, x in v.items()}
    if kind == "any":
        return v
    raise _bad_request_data()


class _RequestDetail(dict):
    """A logged request. Its ``body`` is parsed from the raw bytes when first read: few are
    read, and parsing every one cost the double a quarter of its CPU per saved dashboard."""

    def __init__(self, raw: bytes, **fields):
        super().__init__(fields)
        self._raw = raw

    def __missing__(self, key):
        if key != "body":
            raise KeyError(key)
        try:
            body = json.loads(self._raw) if self._raw.strip() else None
        except ValueError:
            body = self._raw
        self["body"] = body
        return body

    def get(self, key, default=None):
        return self[key] if key == "body" else super().get(key, default)


def _must_int(v) -> int:
    """simplejson ``MustInt``: numbers convert, anything else is 0."""
    if isinstance(v, bool):
        return 0
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    return 0


def _must_str(v) -> str:
    return v if isinstance(v, str) else ""


def _qs_first(query, key, default=None):
    vals = query.get(key)
    return vals[0] if vals else default


def _qs_int(query, key, default):
    v = _qs_first(query, key)
    if v is None or v == "":
        return default
    try:
        return int(v)
    except ValueError:
        return default


# ---------------------------------------------------------------------------------------------
# the store


class _Org:
    def __init__(self, org_id):
        self.org_id = org_id
        self.dashboards = {}   # uid -> dict record
        self.folders = {}      # uid -> dict record
        self.datasources = {}  # uid -> dict record


class GrafanaDouble:
    """A Grafana look-alike HTTP server.  See the module docstring and ``tests/README`` notes."""

    DEFAULT_TOKEN = "glsa_dashgenTestDoubleToken0000000000_0a1b2c3d"
    DEFAULT_USER = ("admin", "admin")

    def __init__(self, tokens=None, users=None, *, title_rule="11.3+", version=None,
                 commit="d9b2bd2e5a", edition="Open Source", hide_version=False,
                 min_refresh_interval="5s", max_folder_depth=8, host="127.0.0.1", port=0):
        if title_rule not in ("pre-11.3", "11.3+"):
            raise ValueError("title_rule must be 'pre-11.3' or '11.3+'")
        if tokens is None and users is None:
            tokens = {self.DEFAULT_TOKEN: {"org_id": 1, "role": "Admin"}}
            users = {self.DEFAULT_USER[0]: {"password": self.DEFAULT_USER[1],
                                            "role": "Admin", "orgs": [1]}}
        self.tokens = {}
        for tok, info in (tokens or {}).items():
            info = dict(info)
            info.setdefault("org_id", 1)
            info.setdefault("role", "Admin")
            info.setdefault("login", f"sa-{info['org_id']}-dashgen")
            self._check_role(info["role"])
            self.tokens[tok] = info
        self.users = {}
        for login, info in (users or {}).items():
            info = dict(info)
            orgs = info.get("orgs", [1])
            role = info.get("role", "Admin")
            if isinstance(orgs, dict):
                org_roles = {int(k): v for k, v in orgs.items()}
            else:
                org_roles = {int(o): role for o in orgs}
            for r in org_roles.values():
                self._check_role(r)
            info["org_roles"] = org_roles
            info.setdefault("default_org", next(iter(org_roles), 1))
            self.users[login] = info
        self.token = next(iter(self.tokens), None)
        self.title_rule = title_rule
        self.version = version or ("11.2.0" if title_rule == "pre-11.3" else "11.3.0")
        self.commit = commit
        self.edition = edition
        self.hide_version = hide_version
        self.min_refresh_interval = min_refresh_interval
        self.max_folder_depth = max_folder_depth
        self.health_failing = False
        self.requests: list[RequestRecord] = []
        self.request_details: list[dict] = []
        self._host = host
        self._port = port
        self._lock = threading.RLock()
        self._orgs: dict[int, _Org] = {}
        self._next_id = 1          # dashboards and folders share the dashboard table ids
        self._next_ds_id = 1
        self._next_version_id = 1
        self._latency = 0.0
        self._fail_rules: list[dict] = []
        self._drop_rules: list[dict] = []
        self._writes = 0
        self._server = None
        self._thread = None
        self._connections = set()

    @staticmethod
    def _check_role(role):
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; use one of {sorted(ROLES)}")

    # ----------------------------------------------------------------------------- lifecycle

    def start(self):
        if self._server is not None:
            return self
        double = self

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256
            allow_reuse_address = True

            def process_request(self, request, client_address):
                with double._lock:
                    double._connections.add(request)
                super().process_request(request, client_address)

            def shutdown_request(self, request):
                with double._lock:
                    double._connections.discard(request)
                super().shutdown_request(request)

        self._server = Server((self._host, self._port), _Handler)
        self._server.double = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02},
                                        name="grafana-double", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            conns = list(self._connections)
            self._connections.clear()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass
        self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("GrafanaDouble is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    # ----------------------------------------------------------------------- fault switches

    def set_latency(self, seconds: float):
        """Sleep this long before answering every request (0 to switch off)."""
        self._latency = float(seconds)

    def fail_next(self, n: int, status: int = 503, paths=None, retry_after=None):
        """The next ``n`` requests whose path starts with one of ``paths`` (all when None) get
        ``status`` with a Grafana-like JSON body, without reaching any handler."""
        if not (status == 429 or 500 <= status <= 599):
            raise ValueError("fail_next supports 429 and 5xx statuses")
        if n <= 0:
            return
        with self._lock:
            self._fail_rules.append({"n": int(n), "status": status, "paths": _paths(paths),
                                     "retry_after": retry_after})

    def drop_next(self, n: int, paths=None):
        """The next ``n`` matching requests are read and then the connection is closed with no
        response at all (the client sees a connection error)."""
        if n <= 0:
            return
        with self._lock:
            self._drop_rules.append({"n": int(n), "paths": _paths(paths)})

    def clear_faults(self):
        with self._lock:
            self._fail_rules.clear()
            self._drop_rules.clear()
            self._latency = 0.0

    def _take(self, rules, path):
        if not rules:  # no fault set: most requests, and the lock is contended
            return None
        with self._lock:
            for rule in rules:
                if rule["paths"] is None or any(path.startswith(p) for p in rule["paths"]):
                    rule["n"] -= 1
                    if rule["n"] <= 0:
                        rules.remove(rule)
                    return rule
        return None

    # ---------------------------------------------------------------------------- request log

    def writes(self) -> int:
        """Number of non-GET/HEAD requests that passed auth and RBAC and reached a handler."""
        with self._lock:
            return self._writes

    def reset_log(self):
        with self._lock:
            self.requests.clear()
            self.request_details.clear()
            self._writes = 0

    def reset(self):
        """Forget every org's content, faults, the request log and the health switch."""
        with self._lock:
            self._orgs.clear()
            self._fail_rules.clear()
            self._drop_rules.clear()
            self._latency = 0.0
            self.health_failing = False
        self.reset_log()

    def _log(self, method, path, query, status, org_id, raw):
        detail = _RequestDetail(raw, method=method, path=path, query=query, status=status,
                                org_id=org_id)
        with self._lock:
            self.requests.append(RequestRecord(method, path, status, org_id))
            self.request_details.append(detail)

    # -------------------------------------------------------------------- store inspection

    def _org(self, org_id) -> _Org:
        org = self._orgs.get(org_id)
        if org is None:
            org = self._orgs[org_id] = _Org(org_id)
        return org

    def dashboard(self, org_id, uid):
        """The stored dashboard JSON (a copy), or None."""
        with self._lock:
            d = self._org(org_id).dashboards.get(uid)
            return copy.deepcopy(d["data"]) if d else None

    def dashboard_record(self, org_id, uid):
        """Stored metadata: id, uid, title, version, folder_uid, created/updated(_by), ..."""
        with self._lock:
            d = self._org(org_id).dashboards.get(uid)
            if not d:
                return None
            rec = {k: copy.deepcopy(v) for k, v in d.items() if k not in ("data", "versions")}
            rec["messages"] = [v["message"] for v in d["versions"]]
            return rec

    def dashboards(self, org_id):
        with self._lock:
            return {uid: copy.deepcopy(d["data"]) for uid, d in self._org(org_id).dashboards.items()}

    def folder(self, org_id, uid):
        with self._lock:
            f = self._org(org_id).folders.get(uid)
            return copy.deepcopy(f) if f else None

    def folders(self, org_id):
        with self._lock:
            return copy.deepcopy(self._org(org_id).folders)

    def datasource(self, org_id, uid):
        """The stored datasource including ``secureJsonData`` (which the API never returns)."""
        with self._lock:
            ds = self._org(org_id).datasources.get(uid)
            return copy.deepcopy(ds) if ds else None

    def datasources(self, org_id):
        with self._lock:
            return copy.deepcopy(self._org(org_id).datasources)

    # ------------------------------------------------------------------------- store seeding

    def provision_dashboard(self, org_id, dashboard, folder_uid=None, *,
                            allow_ui_updates=False, external_id=""):
        """Store ``dashboard`` as provisioning would (always overwrites; createdBy Anonymous).
        With ``allow_ui_updates=False`` the API refuses to save or delete it."""
        with self._lock:
            org = self._org(org_id)
            data = copy.deepcopy(dashboard)
            uid = _must_str(data.get("uid")) or generate_uid()
            if folder_uid and folder_uid not in org.folders:
                raise KeyError(f"folder {folder_uid!r} does not exist in org {org_id}")
            existing = org.dashboards.get(uid)
            rec = self._write_dashboard(org, existing, data, uid, folder_uid or "",
                                        "Anonymous", "")
            rec["provisioned"] = {"allow_ui_updates": bool(allow_ui_updates),
                                  "external_id": external_id}
            return copy.deepcopy(rec["data"])

    def add_dashboard(self, org_id, dashboard, folder_uid=None, user="admin", message=""):
        """Store ``dashboard`` as if ``user`` had saved it (no API validation; version rules
        of §2.4: a new uid gets version 1, an existing one version + 1)."""
        with self._lock:
            org = self._org(org_id)
            data = copy.deepcopy(dashboard)
            uid = _must_str(data.get("uid")) or generate_uid()
            if folder_uid and folder_uid not in org.folders:
                raise KeyError(f"folder {folder_uid!r} does not exist in org {org_id}")
            rec = self._write_dashboard(org, org.dashboards.get(uid), data, uid,
                                        folder_uid or "", user, message)
            return copy.deepcopy(rec["data"])

    def add_folder(self, org_id, title, uid=None, parent_uid=None, user="admin"):
        with self._lock:
            org = self._org(org_id)
            if parent_uid and parent_uid not in org.folders:
                raise KeyError(f"parent folder {parent_uid!r} does not exist")
            f = self._new_folder(org, uid or generate_uid(), title, parent_uid or "", "", user)
            return copy.deepcopy(f)

    def add_datasource(self, org_id=1, *, name, type="prometheus", uid=None, url="",
                       access="proxy", read_only=True, is_default=None, json_data=None,
                       secure_json_data=None, **extra):
        """Add a datasource directly; ``read_only=True`` mimics a provisioned one (§7.7)."""
        with self._lock:
            org = self._org(org_id)
            ds = {"name": name, "type": type, "access": access, "url": url,
                  "uid": uid or generate_uid(), "isDefault": is_default,
                  "jsonData": json_data if json_data is not None else {},
                  "secureJsonData": dict(secure_json_data or {}),
                  "user": extra.pop("user", ""), "database": extra.pop("database", ""),
                  "basicAuth": extra.pop("basic_auth", False),
                  "basicAuthUser": extra.pop("basic_auth_user", ""),
                  "withCredentials": extra.pop("with_credentials", False),
                  "apiVersion": extra.pop("api_version", "")}
            if extra:
                raise TypeError(f"unknown arguments: {sorted(extra)}")
            rec = self._insert_datasource(org, ds, read_only=read_only)
            return self._ds_dto(rec)

    def edit_dashboard_as_user(self, org_id, uid, mutate_fn, user="admin", message=""):
        """Simulate a UI save by ``user``: ``mutate_fn`` gets a copy of the stored JSON and
        returns the new JSON (or mutates it in place and returns None).  Bumps the version."""
        with self._lock:
            org = self._org(org_id)
            existing = org.dashboards[uid]
            data = copy.deepcopy(existing["data"])
            out = mutate_fn(data)
            if out is not None:
                data = out
            rec = self._write_dashboard(org, existing, data, uid, existing["folder_uid"],
                                        user, message)
            return copy.deepcopy(rec["data"])

    def delete_dashboard_as_user(self, org_id, uid):
        with self._lock:
            del self._org(org_id).dashboards[uid]

    # =========================================================================== dispatching

    def _handle(self, method, path, query, headers, raw, state):
        """Returns (status, body_obj_or_bytes, extra_headers).  ``state`` collects org_id."""
        if path == "/api/health" and method in ("GET", "HEAD"):
            return self._health()
        if path == "/healthz" and method in ("GET", "HEAD"):
            return 200, b"Ok", {"Content-Type": "text/plain; charset=utf-8"}
        if path == "/api/frontend/settings" and method in ("GET", "HEAD"):
            return self._frontend_settings(headers, query)

        if not path.startswith("/api/"):
            raise _legacy(404, "Not found")
        ident = self._authenticate(headers, query)
        state["org_id"] = ident.org_id
        route = _match_route(method, path)
        if route is None:
            raise _legacy(404, "Not found")
        name, params = route
        perm = _PERMISSIONS.get(name)
        if perm and ROLES[ident.role] < ROLES[perm[1]]:
            raise _rbac_denied(perm[0])
        if method not in ("GET", "HEAD"):
            with self._lock:
                self._writes += 1
        with self._lock:
            return getattr(self, "_h_" + name)(ident, params, query, raw)

    # ---------------------------------------------------------------------- health, settings

    def _health(self):
        body = {"database": "failing" if self.health_failing else "ok"}
        if not self.hide_version:
            body["commit"] = self.commit
            body["version"] = self.version
        body = dict(sorted(body.items()))
        return (503 if self.health_failing else 200), _go_json(body, indent=2), {}

    def _frontend_settings(self, headers, query):
        signed_in = True
        try:
            self._authenticate(headers, query)
        except _Reply:
            signed_in = False
        hide = self.hide_version and not signed_in
        build = {"version": "" if hide else self.version, "commit": "" if hide else self.commit,
                 "edition": self.edition, "env": "production", "hideVersion": hide,
                 "latestVersion": "", "hasUpdate": False, "buildstamp": 0 if hide else 1700000000}
        return 200, {"appSubUrl": "", "appUrl": "http://localhost:3000/", "buildInfo": build,
                     "featureToggles": {"nestedFolders": True}}, {}

    # ------------------------------------------------------------------------------ auth §8

    def _authenticate(self, headers, query) -> Identity:
        req_org = _parse_org(headers.get("X-Grafana-Org-Id")) or _parse_org(
            _qs_first(query, "targetOrgId"))
        auth = headers.get("Authorization") or ""
        scheme, _, cred = auth.strip().partition(" ")
        scheme = scheme.lower()
        cred = cred.strip()
        if not auth.strip() or scheme not in ("bearer", "basic") or not cred:
            raise _errutil(401, "auth.unauthorized", "Unauthorized")
        if scheme == "bearer":
            return self._token_identity(cred, req_org)
        try:
            decoded = base64.b64decode(cred, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _errutil(401, "basic-auth.invalid-credentials", "Invalid username or password") from None
        login, sep, password = decoded.partition(":")
        if not sep:
            raise _errutil(401, "basic-auth.invalid-credentials", "Invalid username or password")
        if login == "api_key":
            return self._token_identity(password, req_org)
        user = self.users.get(login)
        if user is None or user.get("password") != password:
            raise _errutil(401, "password-auth.failed", "Invalid username or password")
        org_id = req_org or user["default_org"]
        # Not a member of the requested org: authenticated, but without any permission in it
        # (Grafana maps the identity to org -1), so RBAC-protected routes answer 403 (§8.4).
        role = user["org_roles"].get(org_id, "None")
        return Identity(login, role, org_id, "user")

    def _token_identity(self, token, req_org) -> Identity:
        info = self.tokens.get(token)
        if info is None:
            raise _errutil(401, "api-key.invalid", "Invalid API key")
        if info.get("expired"):
            raise _errutil(401, "api-key.expired", "Expired API key")
        if info.get("revoked"):
            raise _errutil(401, "api-key.revoked", "Revoked API key")
        if req_org and req_org != info["org_id"]:
            raise _errutil(401, "api-key.organization-mismatch",
                           "API key does not belong to the requested organization")
        return Identity(info["login"], info["role"], info["org_id"], "token")

    # ======================================================================== dashboards §2–4

    def _folder_chain(self, org, uid):
        chain = []
        while uid:
            f = org.folders.get(uid)
            if f is None:
                break
            chain.append(f)
            uid = f["parent_uid"]
        return chain  # nearest first

    def _find_dash_by_id(self, org, dash_id):
        for d in org.dashboards.values():
            if d["id"] == dash_id:
                return d
        return None

    def _find_folder_by_id(self, org, folder_id):
        for f in org.folders.values():
            if f["id"] == folder_id:
                return f
        return None

    def _slug_clash(self, org, parent_uid, slug, exclude_id):
        """Pre-11.3 title uniqueness: an item with the same slug under the same parent."""
        for f in org.folders.values():
            if f["parent_uid"] == parent_uid and slugify(f["title"]) == slug \
                    and f["id"] != exclude_id:
                return f, True
        for d in org.dashboards.values():
            if d["folder_uid"] == parent_uid and slugify(d["title"]) == slug \
                    and d["id"] != exclude_id:
                return d, False
        return None, False

    def _h_save_dashboard(self, ident, params, query, raw):
        cmd = _json_object(raw)
        dash_json = _field(cmd, "dashboard", "any")
        folder_uid_arg = _field(cmd, "folderUid", "str")
        folder_id_arg = _field(cmd, "folderId", "int", 0)
        overwrite = _field(cmd, "overwrite", "bool", False)
        message = _field(cmd, "message", "str", "")
        is_folder = _field(cmd, "isFolder", "bool", False)
        if is_folder:
            raise _legacy(400, "Use folders endpoint for saving folders.")
        # freshly parsed from this request's body: nothing else holds it, no copy needed
        data = dash_json if isinstance(dash_json, dict) else {}
        org = self._org(ident.org_id)

        # §2.2 NewDashboardFromJson
        # "update" when id is a number or uid is a string; only then is "version" read.
        title = _must_str(data.get("title")).strip()
        uid = _must_str(data.get("uid"))
        dash_id = _must_int(data.get("id"))
        raw_id, raw_uid = data.get("id"), data.get("uid")
        update = (isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool)) \
            or isinstance(raw_uid, str)
        version = _must_int(data.get("version")) if update else 0

        # §2.3 validation order
        if not title:
            raise _status_err(400, "empty-name", "Dashboard title cannot be empty")
        if len(title) > MAX_TITLE_LEN:
            raise _status_err(400, "title-too-long",
                              "Dashboard title cannot contain more than 5 000 characters")
        if not UID_RE.match(uid):
            raise _legacy(400, "uid contains illegal characters")
        if len(uid) > MAX_UID_LEN:
            raise _legacy(400, "uid too long, max 40 characters")
        if len(message) > MAX_MESSAGE_LEN:
            raise _legacy(400, "message too long, max 500 characters")
        self._apply_min_refresh(data)

        # step 6: folder lookup; folderUid overrides folderId
        if folder_uid_arg:
            if folder_uid_arg not in org.folders:
                if folder_uid_arg in org.dashboards:
                    raise _status_err(404, "not-found", "Folder not found")
                raise _legacy(400, "folder not found")
            folder_uid = folder_uid_arg
        elif folder_id_arg:
            f = self._find_folder_by_id(org, folder_id_arg)
            if f is None:
                if self._find_dash_by_id(org, folder_id_arg):
                    raise _status_err(404, "not-found", "Folder not found")
                raise _legacy(400, "folder not found")
            folder_uid = f["uid"]
        else:
            folder_uid = ""

        # step 7: ValidateDashboardBeforeSave
        existing = None
        by_id = None
        if dash_id > 0:
            by_id = self._find_dash_by_id(org, dash_id)
            if by_id is None:
                if self._find_folder_by_id(org, dash_id):
                    raise _legacy(400, "Dashboard cannot be changed to a folder")
                raise _status_err(404, "not-found", "Dashboard not found")
            if not uid:
                uid = by_id["uid"]
        by_uid = org.dashboards.get(uid) if uid else None
        if uid and by_uid is None and uid in org.folders:
            raise _legacy(400, "Dashboard cannot be changed to a folder")
        if by_id is not None and by_uid is not None and by_id["id"] != by_uid["id"]:
            raise _legacy(400, "A dashboard with the same uid already exists")
        existing = by_id or by_uid
        if existing is not None:
            if version != existing["version"]:
                if overwrite:
                    version = existing["version"]
                else:
                    raise _status_err(412, "version-mismatch",
                                      "The dashboard has been changed by someone else")
        if self.title_rule == "pre-11.3":
            clash, clash_is_folder = self._slug_clash(
                org, folder_uid, slugify(title), existing["id"] if existing else None)
            if clash is not None:
                if clash_is_folder:
                    raise _status_err(400, "name-match",
                                      "Dashboard name cannot be the same as folder")
                if not overwrite:
                    raise _status_err(412, "name-exists",
                                      "A dashboard with the same name in the folder "
                                      "already exists")
                existing = clash
                uid = clash["uid"]
        # step 8: provisioned
        if existing is not None and existing.get("provisioned") \
                and not existing["provisioned"]["allow_ui_updates"]:
            raise _legacy(400, "Cannot save provisioned dashboard")

        if not uid:
            uid = generate_uid()
        rec = self._write_dashboard(org, existing, data, uid, folder_uid, ident.login, message)
        slug = slugify(rec["title"])
        return 200, {"id": rec["id"], "slug": slug, "status": "success", "uid": rec["uid"],
                     "url": f"/d/{rec['uid']}/{slug}", "version": rec["version"],
                     "folderUid": rec["folder_uid"]}, {}

    def _apply_min_refresh(self, data):
        """§2.3 step 5: a too-short (or unparsable) refresh is silently raised to the minimum."""
        refresh = data.get("refresh")
        if not self.min_refresh_interval or not isinstance(refresh, str) or refresh == "":
            return
        try:
            too_short = parse_duration(refresh) < parse_duration(self.min_refresh_interval)
        except ValueError:
            too_short = True
        if too_short:
            data["refresh"] = self.min_refresh_interval

    def _write_dashboard(self, org, existing, data, uid, folder_uid, login, message):
        """§2.4: create (version 1) or update (version + 1); write id/uid/version back."""
        now = _now()
        if existing is None:
            rec = {"id": self._next_id, "uid": uid, "version": 1, "created": now,
                   "created_by": login, "provisioned": None, "versions": []}
            self._next_id += 1
        else:
            rec = existing
            if existing["uid"] != uid:  # an update by id may change the uid (§2.3 step 7)
                del org.dashboards[existing["uid"]]
                rec["uid"] = uid
            rec["version"] = existing["version"] + 1
        data["id"] = rec["id"]
        data["uid"] = uid
        data["version"] = rec["version"]
        rec.update(title=_must_str(data.get("title")).strip(), data=data,
                   folder_uid=folder_uid or "", updated=now, updated_by=login)
        rec["versions"].append({"id": self._next_version_id, "version": rec["version"],
                                "created": now, "createdBy": login, "message": message,
                                # as text: a third of a copy's CPU, decoded when read
                                "text": json.dumps(data)})
        self._next_version_id += 1
        org.dashboards[uid] = rec
        return rec

    def _can(self, ident, min_role):
        return ROLES[ident.role] >= ROLES[min_role]

    def _h_get_dashboard(self, ident, params, query, raw):
        org = self._org(ident.org_id)
        d = org.dashboards.get(params["uid"])
        if d is None:
            raise _legacy(404, "Dashboard not found", err=True)
        slug = slugify(d["title"])
        folder = org.folders.get(d["folder_uid"]) if d["folder_uid"] else None
        prov = d.get("provisioned")
        editor = self._can(ident, "Editor")
        meta = {
            "type": "db", "canSave": editor, "canEdit": editor,
            "canAdmin": self._can(ident, "Admin"), "canStar": True, "canDelete": editor,
            "slug": slug, "url": f"/d/{d['uid']}/{slug}", "expires": ZERO_TIME,
            "created": d["created"], "updated": d["updated"], "updatedBy": d["updated_by"],
            "createdBy": d["created_by"], "version": d["version"], "hasAcl": False,
            "isFolder": False, "folderId": folder["id"] if folder else 0,
            "folderUid": folder["uid"] if folder else "",
            "folderTitle": folder["title"] if folder else "General",
            "folderUrl": f"/dashboards/f/{folder['uid']}/{slugify(folder['title'])}"
            if folder else "",
            "provisioned": bool(prov) and not prov["allow_ui_updates"],
            "provisionedExternalId": prov["external_id"] if prov else "",
            "annotationsPermissions": {
                "dashboard": {"canAdd": editor, "canEdit": editor, "canDelete": editor},
                "organization": {"canAdd": editor, "canEdit": editor, "canDelete": editor}},
            "isSnapshot": False,
        }
        # encoded here, under the lock, so no copy is needed: a shallow one carries the version
        dashboard = dict(d["data"], version=d["version"])
        return 200, _go_json({"dashboard": dashboard, "meta": meta}), {}

    def _h_delete_dashboard(self, ident, params, query, raw):
        org = self._org(ident.org_id)
        uid = params["uid"]
        d = org.dashboards.get(uid)
        if d is None:
            if uid in org.folders:
                raise _legacy(400, "Use folders endpoint for deleting folders.")
            raise _legacy(404, "Dashboard not found", err=True)
        prov = d.get("provisioned")
        if prov and not prov["allow_ui_updates"]:
            raise _legacy(400, "provisioned dashboard cannot be deleted")
        del org.dashboards[uid]
        return 200, {"title": d["title"], "message": f"Dashboard {d['title']} deleted",
                     "uid": uid}, {}

    def _h_dashboard_versions(self, ident, params, query, raw):
        d = self._org(ident.org_id).dashboards.get(params["uid"])
        if d is None:
            raise _legacy(404, "Dashboard not found", err=True)
        limit = _qs_int(query, "limit", 1000)
        if limit <= 0:
            limit = 1000
        start = max(_qs_int(query, "start", 0), 0)
        versions = [self._version_dto(d, v) for v in reversed(d["versions"])]
        return 200, {"continueToken": "", "versions": versions[start:start + limit]}, {}

    def _h_dashboard_version(self, ident, params, query, raw):
        d = self._org(ident.org_id).dashboards.get(params["uid"])
        if d is None:
            raise _legacy(404, "Dashboard not found", err=True)
        try:
            wanted = int(params["version"])
        except ValueError:
            raise _legacy(400, "bad request data", err=True) from None
        for v in d["versions"]:
            if v["version"] == wanted:
                dto = self._version_dto(d, v)
                dto["data"] = json.loads(v["text"])
                return 200, dto, {}
        raise _legacy(404, f"Dashboard version not found for dashboardId: {d['id']}", err=True)

    @staticmethod
    def _version_dto(d, v):
        return {"id": v["id"], "dashboardId": d["id"], "uid": d["uid"],
                "parentVersion": max(v["version"] - 1, 0), "restoredFrom": 0,
                "version": v["version"], "created": v["created"], "createdBy": v["createdBy"],
                "message": v["message"]}

    # ============================================================================ search §5

    def _h_search(self, ident, params, query, raw):
        limit = _qs_int(query, "limit", 0)
        if limit > SEARCH_MAX_LIMIT:
            raise _legacy(422, "Limit is above maximum allowed (5000), use page parameter "
                               "to access hits beyond limit")
        if limit <= 0:
            limit = SEARCH_DEFAULT_LIMIT
        page = _qs_int(query, "page", 1)
        if page <= 0:
            page = 1
        dash_ids = [v for v in query.get("dashboardIds", []) if v != ""]
        dash_uids = [v for v in query.get("dashboardUIDs", []) + query.get("dashboardUID", [])
                     if v != ""]
        folder_ids = query.get("folderIds", [])
        folder_uids = query.get("folderUIDs", [])
        if (dash_ids and dash_uids) or (folder_ids and folder_uids):
            raise _legacy(400, "search supports UIDs or IDs, not both")
        if ident.role == "None" or ((_qs_first(query, "permission") or "").lower() == "edit"
                                    and not self._can(ident, "Editor")):
            return 200, [], {}  # results are filtered by what the caller may view/edit
        org = self._org(ident.org_id)
        text = (_qs_first(query, "query") or "").lower()
        tags = [t for t in query.get("tag", []) if t != ""]
        kind = _qs_first(query, "type") or ""
        sort = _qs_first(query, "sort") or ""

        parent_filter = None
        if folder_uids:
            parent_filter = {"" if u in ("general", "") else u for u in folder_uids}
        elif folder_ids:
            parent_filter = set()
            for fid in folder_ids:
                try:
                    fid = int(fid)
                except ValueError:
                    continue
                if fid == 0:
                    parent_filter.add("")
                else:
                    f = self._find_folder_by_id(org, fid)
                    if f:
                        parent_filter.add(f["uid"])
        id_filter = None
        if dash_ids:
            id_filter = set()
            for v in dash_ids:
                try:
                    id_filter.add(int(v))
                except ValueError:
                    pass

        hits = []
        if kind != "dash-db" and not tags:
            for f in org.folders.values():
                hits.append(("dash-folder", f, f["parent_uid"], []))
        if kind != "dash-folder":
            for d in org.dashboards.values():
                raw_tags = d["data"].get("tags")
                dtags = sorted(t for t in raw_tags if isinstance(t, str)) \
                    if isinstance(raw_tags, list) else []
                hits.append(("dash-db", d, d["folder_uid"], dtags))

        out = []
        for typ, item, parent, item_tags in hits:
            if text and text not in item["title"].lower():
                continue
            if tags and not all(t in item_tags for t in tags):
                continue
            if dash_uids and item["uid"] not in dash_uids:
                continue
            if id_filter is not None and item["id"] not in id_filter:
                continue
            if parent_filter is not None and parent not in parent_filter:
                continue
            out.append(self._hit(org, typ, item, parent, item_tags))

        if sort == "alpha-desc":
            out.sort(key=lambda h: h["title"].lower(), reverse=True)
        elif sort == "alpha-asc":
            out.sort(key=lambda h: h["title"].lower())
        else:
            out.sort(key=lambda h: (0 if h["type"] == "dash-folder" else 1, h["title"].lower()))
        start = (page - 1) * limit
        return 200, out[start:start + limit], {}

    def _hit(self, org, typ, item, parent, tags):
        slug = slugify(item["title"])
        url = f"/d/{item['uid']}/{slug}" if typ == "dash-db" \
            else f"/dashboards/f/{item['uid']}/{slug}"
        hit = {"id": item["id"], "uid": item["uid"], "title": item["title"],
               "uri": f"db/{slug}", "url": url, "slug": slug, "type": typ, "tags": tags,
               "isStarred": False, "sortMeta": 0}
        pf = org.folders.get(parent) if parent else None
        if pf is not None:
            hit.update(folderId=pf["id"], folderUid=pf["uid"], folderTitle=pf["title"],
                       folderUrl=f"/dashboards/f/{pf['uid']}/{slugify(pf['title'])}")
        return hit

    # =========================================================================== folders §6

    def _folder_dto(self, org, f, ident=None, with_parents=True):
        editor = ident is None or self._can(ident, "Editor")
        dto = {"id": f["id"], "uid": f["uid"], "title": f["title"],
               "url": f"/dashboards/f/{f['uid']}/{slugify(f['title'])}", "hasAcl": False,
               "canSave": editor, "canEdit": editor,
               "canAdmin": ident is None or self._can(ident, "Admin"), "canDelete": editor,
               "createdBy": f["created_by"], "created": f["created"],
               "updatedBy": f["updated_by"], "updated": f["updated"], "version": f["version"]}
        if f["parent_uid"]:
            dto["parentUid"] = f["parent_uid"]
            if with_parents:
                chain = self._folder_chain(org, f["parent_uid"])
                dto["parents"] = [self._folder_dto(org, p, ident, with_parents=False)
                                  for p in reversed(chain)]
        return dto

    def _folder_not_found(self):
        return _status_err(404, "not-found", "folder not found")

    def _h_list_folders(self, ident, params, query, raw):
        org = self._org(ident.org_id)
        parent = _qs_first(query, "parentUid") or ""
        if parent and parent not in org.folders:
            raise self._folder_not_found()
        limit = _qs_int(query, "limit", 1000)
        if limit <= 0:
            limit = 1000
        page = max(_qs_int(query, "page", 1), 1)
        items = sorted((f for f in org.folders.values() if f["parent_uid"] == parent),
                       key=lambda f: f["title"].lower())
        out = []
        for f in items[(page - 1) * limit:page * limit]:
            item = {"id": f["id"], "uid": f["uid"], "title": f["title"]}
            if f["parent_uid"]:
                item["parentUid"] = f["parent_uid"]
            out.append(item)
        return 200, out, {}

    def _h_get_folder(self, ident, params, query, raw):
        org = self._org(ident.org_id)
        f = org.folders.get(params["uid"])
        if f is None:
            raise self._folder_not_found()
        return 200, self._folder_dto(org, f, ident), {}

    def _h_get_folder_by_id(self, ident, params, query, raw):
        org = self._org(ident.org_id)
        try:
            f = self._find_folder_by_id(org, int(params["id"]))
        except ValueError:
            f = None
        if f is None:
            raise self._folder_not_found()
        return 200, self._folder_dto(org, f, ident), {}

    def _check_folder_title(self, org, title, parent_uid, exclude_id):
        if title.strip().lower() == "general":
            raise _legacy(400, "A folder with that name already exists")
        if self.title_rule == "pre-11.3":
            clash, _ = self._slug_clash(org, parent_uid, slugify(title), exclude_id)
            if clash is not None:
                raise _legacy(409, "a folder or dashboard in the general folder with the same "
                                   "name already exists")

    def _h_create_folder(self, ident, params, query, raw):
        cmd = _json_object(raw)
        uid = _field(cmd, "uid", "str", "")
        title = _field(cmd, "title", "str", "")
        description = _field(cmd, "description", "str", "")
        parent_uid = _field(cmd, "parentUid", "str", "")
        org = self._org(ident.org_id)
        if not title.strip():
            raise _legacy(400, "folder title cannot be empty")
        if not UID_RE.match(uid):
            raise _legacy(400, "uid contains illegal characters")
        if len(uid) > MAX_UID_LEN:
            raise _legacy(400, "uid too long, max 40 characters")
        if uid.lower() == "general":
            raise _legacy(400, "invalid uid for folder provided")
        if parent_uid:
            if parent_uid not in org.folders:
                raise self._folder_not_found()
            if len(self._folder_chain(org, parent_uid)) >= self.max_folder_depth:
                raise _errutil(400, "folder.maximum-depth-reached",
                               "Maximum nested folder depth reached")
        if uid and uid in org.folders:
            raise _status_err(412, "version-mismatch",
                              "the folder has been changed by someone else")
        if uid and uid in org.dashboards:
            raise _legacy(400, "Dashboard cannot be changed to a folder")
        self._check_folder_title(org, title, parent_uid, None)
        f = self._new_folder(org, uid or generate_uid(), title, parent_uid, description,
                             ident.login)
        return 200, self._folder_dto(org, f, ident), {}

    def _new_folder(self, org, uid, title, parent_uid, description, login):
        now = _now()
        f = {"id": self._next_id, "uid": uid, "title": title, "description": description,
             "parent_uid": parent_uid or "", "version": 1, "created": now, "updated": now,
             "created_by": login, "updated_by": login}
        self._next_id += 1
        org.folders[uid] = f
        return f

    def _h_update_folder(self, ident, params, query, raw):
        cmd = _json_object(raw)
        title = _field(cmd, "title", "str")
        description = _field(cmd, "description", "str")
        version = _field(cmd, "version", "int", 0)
        overwrite = _field(cmd, "overwrite", "bool", False)
        org = self._org(ident.org_id)
        f = org.folders.get(params["uid"])
        if f is None:
            raise self._folder_not_found()
        if title is not None and not title.strip():
            raise _legacy(400, "folder title cannot be empty")
        if not overwrite and version != f["version"]:
            raise _status_err(412, "version-mismatch",
                              "the folder has been changed by someone else")
        if title is not None and title != f["title"]:
            self._check_folder_title(org, title, f["parent_uid"], f["id"])
        if title is not None:
            f["title"] = title
        if description is not None:
            f["description"] = description
        f["version"] += 1
        f["updated"] = _now()
        f["updated_by"] = ident.login
        return 200, self._folder_dto(org, f, ident), {}

    def _h_move_folder(self, ident, params, query, raw):
        cmd = _json_object(raw)
        parent_uid = _field(cmd, "parentUid", "str", "")
        org = self._org(ident.org_id)
        f = org.folders.get(params["uid"])
        if f is None:
            raise self._folder_not_found()
        if parent_uid:
            if parent_uid not in org.folders:
                raise self._folder_not_found()
            if any(p["uid"] == f["uid"] for p in self._folder_chain(org, parent_uid)):
                raise _legacy(400, "Folder cannot be moved into itself or a descendant")
        f["parent_uid"] = parent_uid
        f["version"] += 1
        f["updated"] = _now()
        f["updated_by"] = ident.login
        return 200, self._folder_dto(org, f, ident), {}

    def _h_delete_folder(self, ident, params, query, raw):
        org = self._org(ident.org_id)
        f = org.folders.get(params["uid"])
        if f is None:
            raise self._folder_not_found()
        doomed = {f["uid"]}
        grew = True
        while grew:
            grew = False
            for g in org.folders.values():
                if g["parent_uid"] in doomed and g["uid"] not in doomed:
                    doomed.add(g["uid"])
                    grew = True
        for uid in [u for u, d in org.dashboards.items() if d["folder_uid"] in doomed]:
            del org.dashboards[uid]
        for uid in doomed:
            del org.folders[uid]
        return 200, {"message": "Folder deleted"}, {}

    # ======================================================================= datasources §7

    def _insert_datasource(self, org, ds, read_only=False):
        now = _now()
        is_default = bool(ds.get("isDefault"))
        if not org.datasources:
            is_default = True  # the first datasource in an org becomes the default
        if is_default:
            for other in org.datasources.values():
                other["isDefault"] = False
        rec = {"id": self._next_ds_id, "orgId": org.org_id, "uid": ds["uid"],
               "name": ds["name"], "type": ds["type"], "access": ds.get("access") or "proxy",
               "url": ds.get("url") or "", "user": ds.get("user") or "",
               "database": ds.get("database") or "", "basicAuth": bool(ds.get("basicAuth")),
               "basicAuthUser": ds.get("basicAuthUser") or "",
               "withCredentials": bool(ds.get("withCredentials")), "isDefault": is_default,
               "jsonData": ds.get("jsonData") if ds.get("jsonData") is not None else {},
               "secureJsonData": dict(ds.get("secureJsonData") or {}), "version": 1,
               "readOnly": bool(read_only), "apiVersion": ds.get("apiVersion") or "",
               "created": now, "updated": now}
        self._next_ds_id += 1
        org.datasources[rec["uid"]] = rec
        return rec

    @staticmethod
    def _ds_dto(ds):
        dto = {"id": ds["id"], "uid": ds["uid"], "orgId": ds["orgId"], "name": ds["name"],
               "type": ds["type"], "typeLogoUrl": "public/img/icn-datasource.svg",
               "access": ds["access"], "url": ds["url"], "user": ds["user"],
               "database": ds["database"], "basicAuth": ds["basicAuth"],
               "basicAuthUser": ds["basicAuthUser"], "withCredentials": ds["withCredentials"],
               "isDefault": ds["isDefault"], "jsonData": copy.deepcopy(ds["jsonData"]),
               "secureJsonFields": {k: True for k in ds["secureJsonData"]},
               "version": ds["version"], "readOnly": ds["readOnly"]}
        if ds.get("apiVersion"):
            dto["apiVersion"] = ds["apiVersion"]
        return dto

    @staticmethod
    def _ds_list_item(ds):
        return {"id": ds["id"], "orgId": ds["orgId"], "uid": ds["uid"], "name": ds["name"],
                "type": ds["type"], "typeName": ds["type"],
                "typeLogoUrl": "public/img/icn-datasource.svg", "access": ds["access"],
                "url": ds["url"], "user": ds["user"], "database": ds["database"],
                "basicAuth": ds["basicAuth"], "isDefault": ds["isDefault"],
                "jsonData": copy.deepcopy(ds["jsonData"]), "readOnly": ds["readOnly"]}

    def _h_list_datasources(self, ident, params, query, raw):
        org = self._org(ident.org_id)
        items = sorted(org.datasources.values(), key=lambda d: d["name"].lower())
        return 200, [self._ds_list_item(d) for d in items], {}

    def _lookup_ds(self, org, params):
        if "uid" in params:
            ds = org.datasources.get(params["uid"])
        elif "name" in params:
            ds = next((d for d in org.datasources.values() if d["name"] == params["name"]), None)
        else:
            try:
                wanted = int(params["id"])
            except ValueError:
                raise _legacy(400, "id is invalid", err=True) from None
            ds = next((d for d in org.datasources.values() if d["id"] == wanted), None)
        if ds is None:
            raise _legacy(404, "Data source not found")
        return ds

    def _h_get_datasource(self, ident, params, query, raw):
        return 200, self._ds_dto(self._lookup_ds(self._org(ident.org_id), params)), {}

    def _h_get_datasource_id(self, ident, params, query, raw):
        return 200, {"id": self._lookup_ds(self._org(ident.org_id), params)["id"]}, {}

    def _read_ds_command(self, raw, update):
        cmd = _json_object(raw)
        out = {
            "name": _field(cmd, "name", "str", ""), "type": _field(cmd, "type", "str", ""),
            "access": _field(cmd, "access", "str", ""), "url": _field(cmd, "url", "str", ""),
            "user": _field(cmd, "user", "str", ""), "database": _field(cmd, "database", "str", ""),
            "basicAuth": _field(cmd, "basicAuth", "bool", False),
            "basicAuthUser": _field(cmd, "basicAuthUser", "str", ""),
            "withCredentials": _field(cmd, "withCredentials", "bool", False),
            "isDefault": _field(cmd, "isDefault", "bool", False),
            "jsonData": _field(cmd, "jsonData", "any"),
            "secureJsonData": _field(cmd, "secureJsonData", "strmap", {}),
            "uid": _field(cmd, "uid", "str", ""),
            "apiVersion": _field(cmd, "apiVersion", "str", ""),
            "version": _field(cmd, "version", "int", 0),
        }
        # binding:"Required" (type and access; name too on update) -> bind error
        required = ("name", "type", "access") if update else ("type", "access")
        if any(not out[k] for k in required):
            raise _bad_request_data()
        return out

    def _h_add_datasource(self, ident, params, query, raw):
        cmd = self._read_ds_command(raw, update=False)
        org = self._org(ident.org_id)
        _validate_ds_url(cmd["url"])
        if cmd["uid"] and (not UID_RE.match(cmd["uid"]) or len(cmd["uid"]) > MAX_UID_LEN):
            raise _errutil(400, "datasource.uidInvalid", "Invalid datasource UID.")
        if not cmd["name"]:
            names = {d["name"] for d in org.datasources.values()}
            name, n = cmd["type"], 1
            while name in names:
                name = f"{cmd['type']}-{n}"
                n += 1
            cmd["name"] = name
        if any(d["name"] == cmd["name"] for d in org.datasources.values()):
            raise _legacy(409, "data source with the same name already exists", err=True)
        if cmd["uid"] and cmd["uid"] in org.datasources:
            raise _legacy(409, "data source with the same uid already exists", err=True)
        cmd["uid"] = cmd["uid"] or generate_uid()
        rec = self._insert_datasource(org, cmd)
        return 200, {"datasource": self._ds_dto(rec), "id": rec["id"],
                     "message": "Datasource added", "name": rec["name"]}, {}

    def _h_update_datasource(self, ident, params, query, raw):
        cmd = self._read_ds_command(raw, update=True)
        _validate_ds_url(cmd["url"])
        org = self._org(ident.org_id)
        ds = self._lookup_ds(org, params)
        if ds["readOnly"]:
            raise _legacy(403, "Cannot update read-only data source")
        new_uid = cmd["uid"] or ds["uid"]
        if new_uid != ds["uid"]:
            if not UID_RE.match(new_uid) or len(new_uid) > MAX_UID_LEN:
                raise _errutil(400, "datasource.uidInvalid", "Invalid datasource UID.")
            if new_uid in org.datasources:
                raise _legacy(409, "Failed to update datasource: data source with the same "
                                   "uid already exists", err=True)
        if any(d["name"] == cmd["name"] and d["id"] != ds["id"]
               for d in org.datasources.values()):
            raise _legacy(409, "Failed to update datasource: data source with the same name "
                               "already exists", err=True)
        if cmd["version"] and ds["version"] > cmd["version"]:
            raise _legacy(409, "Datasource has already been updated by someone else. "
                               "Please reload and try again", err=True)
        if cmd["isDefault"]:
            for other in org.datasources.values():
                other["isDefault"] = False
        secure = dict(ds["secureJsonData"])
        secure.update(cmd["secureJsonData"])
        ds.update(name=cmd["name"], type=cmd["type"], access=cmd["access"], url=cmd["url"],
                  user=cmd["user"], database=cmd["database"], basicAuth=cmd["basicAuth"],
                  basicAuthUser=cmd["basicAuthUser"], withCredentials=cmd["withCredentials"],
                  isDefault=cmd["isDefault"],
                  jsonData=cmd["jsonData"] if cmd["jsonData"] is not None else {},
                  secureJsonData=secure, apiVersion=cmd["apiVersion"], updated=_now(),
                  version=(cmd["version"] + 1) if cmd["version"] else ds["version"] + 1)
        if new_uid != ds["uid"]:
            del org.datasources[ds["uid"]]
            ds["uid"] = new_uid
            org.datasources[new_uid] = ds
        return 200, {"message": "Datasource updated", "id": ds["id"], "name": cmd["name"],
                     "datasource": self._ds_dto(ds)}, {}

    def _h_delete_datasource(self, ident, params, query, raw):
        org = self._org(ident.org_id)
        ds = self._lookup_ds(org, params)
        if ds["readOnly"]:
            raise _legacy(403, "Cannot delete read-only data source")
        del org.datasources[ds["uid"]]
        if "id" in params:
            return 200, {"message": "Data source deleted"}, {}
        return 200, {"message": "Data source deleted", "id": ds["id"]}, {}


# ---------------------------------------------------------------------------------------------
# routing


_ROUTES = [
    ("POST", r"/api/dashboards/db", "save_dashboard"),
    ("GET", r"/api/dashboards/uid/(?P<uid>[^/]+)/versions", "dashboard_versions"),
    ("GET", r"/api/dashboards/uid/(?P<uid>[^/]+)/versions/(?P<version>[^/]+)",
     "dashboard_version"),
    ("GET", r"/api/dashboards/uid/(?P<uid>[^/]+)", "get_dashboard"),
    ("DELETE", r"/api/dashboards/uid/(?P<uid>[^/]+)", "delete_dashboard"),
    ("GET", r"/api/search", "search"),
    ("GET", r"/api/folders", "list_folders"),
    ("POST", r"/api/folders", "create_folder"),
    ("GET", r"/api/folders/id/(?P<id>[^/]+)", "get_folder_by_id"),
    ("POST", r"/api/folders/(?P<uid>[^/]+)/move", "move_folder"),
    ("GET", r"/api/folders/(?P<uid>[^/]+)", "get_folder"),
    ("PUT", r"/api/folders/(?P<uid>[^/]+)", "update_folder"),
    ("DELETE", r"/api/folders/(?P<uid>[^/]+)", "delete_folder"),
    ("GET", r"/api/datasources", "list_datasources"),
    ("POST", r"/api/datasources", "add_datasource"),
    ("GET", r"/api/datasources/uid/(?P<uid>[^/]+)", "get_datasource"),
    ("PUT", r"/api/datasources/uid/(?P<uid>[^/]+)", "update_datasource"),
    ("DELETE", r"/api/datasources/uid/(?P<uid>[^/]+)", "delete_datasource"),
    ("GET", r"/api/datasources/name/(?P<name>[^/]+)", "get_datasource"),
    ("DELETE", r"/api/datasources/name/(?P<name>[^/]+)", "delete_datasource"),
    ("GET", r"/api/datasources/id/(?P<name>[^/]+)", "get_datasource_id"),
    ("GET", r"/api/datasources/(?P<id>[^/]+)", "get_datasource"),
    ("PUT", r"/api/datasources/(?P<id>[^/]+)", "update_datasource"),
    ("DELETE", r"/api/datasources/(?P<id>[^/]+)", "delete_datasource"),
]
_COMPILED = [(m, re.compile(p + r"\Z"), n) for m, p, n in _ROUTES]

# route -> (permission text for the RBAC denial, minimum org role)   (§8.3)
_PERMISSIONS = {
    "save_dashboard": ("dashboards:create", "Editor"),
    "get_dashboard": ("dashboards:read", "Viewer"),
    "dashboard_versions": ("dashboards:read", "Viewer"),
    "dashboard_version": ("dashboards:read", "Viewer"),
    "delete_dashboard": ("dashboards:delete", "Editor"),
    "list_folders": ("folders:read", "Viewer"),
    "get_folder": ("folders:read", "Viewer"),
    "get_folder_by_id": ("folders:read", "Viewer"),
    "create_folder": ("folders:create", "Editor"),
    "update_folder": ("folders:write", "Editor"),
    "move_folder": ("folders:write", "Editor"),
    "delete_folder": ("folders:delete", "Editor"),
    "list_datasources": ("datasources:read", "Viewer"),
    "get_datasource": ("datasources:read", "Viewer"),
    "get_datasource_id": ("datasources:read", "Viewer"),
    "add_datasource": ("datasources:create", "Admin"),
    "update_datasource": ("datasources:write", "Admin"),
    "delete_datasource": ("datasources:delete", "Admin"),
}


def _match_route(method, path):
    if method == "HEAD":
        method = "GET"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    for m, rx, name in _COMPILED:
        if m != method:
            continue
        match = rx.match(path)
        if match:
            return name, {k: unquote(v) for k, v in match.groupdict().items()}
    return None


def _paths(paths):
    if paths is None:
        return None
    if isinstance(paths, str):
        return (paths,)
    return tuple(paths)


def _parse_org(value):
    try:
        v = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return v if v > 0 else None


def _reject_constant(name):
    raise ValueError(f"invalid JSON constant {name}")


def _json_object(raw: bytes) -> dict:
    """Go ``web.Bind``: empty body/``null`` bind to an empty command, non-objects fail."""
    if not raw.strip():
        return {}
    try:
        obj = json.loads(raw.decode("utf-8", errors="replace"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise _bad_request_data() from None
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        raise _bad_request_data()
    return obj


def _validate_ds_url(url):
    """``datasource.ValidateURL``: Go's url.Parse rejects control characters, spaces in the
    host, bad %-escapes and unbalanced IPv6 brackets."""
    if not url:
        return
    bad = (any(ord(c) < 0x20 or ord(c) == 0x7f for c in url)
           or re.search(r"%(?![0-9a-fA-F]{2})", url)
           or url.count("[") != url.count("]"))
    if not bad:
        try:
            parts = urlsplit(url if "://" in url else "http://" + url)
            bad = " " in (parts.netloc or "")
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError:
            bad = True
    if bad:
        raise _legacy(400, "Validation error, invalid URL", err=True)


# ---------------------------------------------------------------------------------------------
# HTTP plumbing


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Grafana"
    sys_version = ""
    timeout = 60

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def setup(self):
        super().setup()
        # Go's net/http (Grafana) sets TCP_NODELAY on every connection.  Without it the
        # headers and the body, written separately, meet the client's delayed ACK and
        # every keep-alive request stalls for ~40 ms, which no real Grafana does.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self):
        double: GrafanaDouble = self.server.double
        method = self.command
        split = urlsplit(self.path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if double._latency > 0:
            time.sleep(double._latency)

        if double._take(double._drop_rules, path) is not None:
            double._log(method, path, query, None, None, b"")
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return

        state = {"org_id": None}
        headers = {}
        fault = double._take(double._fail_rules, path)
        if fault is not None:
            status = fault["status"]
            body = {"message": _REASONS.get(status, "Internal Server Error")}
            if status >= 500:
                body["traceID"] = ""
            if fault["retry_after"] is not None:
                headers["Retry-After"] = str(fault["retry_after"])
        else:
            try:
                status, body, headers = double._handle(method, path, query, self.headers,
                                                       raw, state)
            except _Reply as r:
                status, body, headers = r.status, r.body, r.headers
            except Exception as exc:  # a bug in the double: answer like Grafana, keep serving
                status, body, headers = 500, {"message": "Internal Server Error",
                                              "traceID": "", "doubleError": repr(exc)}, {}
        double._log(method, path, query, status, state["org_id"], raw)
        self._send(status, body, headers, head_only=(method == "HEAD"))

    def _send(self, status, body, headers, head_only):
        payload = body if isinstance(body, bytes) else _go_json(body)
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", headers.pop("Content-Type", JSON_CT))
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head_only:
            self.wfile.write(payload)


_REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}
