"""Dashboard-level rules: the JSON shape, title, uid, size and editability."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...dashboard.walk import as_dict, as_list, kind_name, text
from ...names import ANNOTATIONS_MAX_BYTES, CONFIGMAP_MAX_BYTES, UID_MAX, UID_RE, configmap_size_problem
from ..context import D, DashboardCtx, hit, short
from ..registry import Hit, register


@register(
    "dashboard-json-rule",
    D,
    "error",
    "The dashboard is a JSON object and panels, rows, templating.list, targets and gridPos have "
    "the JSON types Grafana expects; panels have a type. Error: Grafana ignores or rejects the rest.",
)
def dashboard_json_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    m = ctx.model
    fix = "fix the dashboard JSON; Grafana ignores or rejects values of the wrong type"
    for key in ("panels", "rows"):
        val = m.get(key)
        if val is not None and not isinstance(val, list):
            yield hit(None, f"'{key}' is {kind_name(val)}, not a list", fix)
        for i, p in enumerate(as_list(val)):
            if not isinstance(p, dict):
                yield hit(None, f"{key}[{i}] is {kind_name(p)}, not an object", fix)
            elif key == "rows":
                inner = p.get("panels")
                if inner is not None and not isinstance(inner, list):
                    yield hit(None, f"rows[{i}].panels is {kind_name(inner)}, not a list", fix)
                for j, q in enumerate(as_list(inner)):
                    if not isinstance(q, dict):
                        yield hit(None, f"rows[{i}].panels[{j}] is {kind_name(q)}, not an object", fix)
            else:
                inner = p.get("panels")
                if inner is not None and not isinstance(inner, list):
                    yield hit(None, f"panels[{i}].panels is {kind_name(inner)}, not a list", fix)
                for j, q in enumerate(as_list(inner)):
                    if not isinstance(q, dict):
                        yield hit(None, f"panels[{i}].panels[{j}] is {kind_name(q)}, not an object", fix)
    tmpl = m.get("templating")
    if tmpl is not None and not isinstance(tmpl, dict):
        yield hit(None, f"'templating' is {kind_name(tmpl)}, not an object", fix)
    lst = as_dict(tmpl).get("list")
    if lst is not None and not isinstance(lst, list):
        yield hit(None, f"'templating.list' is {kind_name(lst)}, not a list", fix)
    for i, v in enumerate(as_list(lst)):
        if not isinstance(v, dict):
            yield hit(None, f"templating.list[{i}] is {kind_name(v)}, not an object", fix)
        elif not isinstance(v.get("name"), str) or not v["name"]:
            yield hit(None, f"templating.list[{i}] has no name", "give the variable a name")
    for p in ctx.panels:
        if p.library_ref:
            continue
        if p.type is None:
            yield hit(p, f"{p.path} has no panel type", "set 'type' (e.g. timeseries, stat, table, row)")
        targets, grid = p.panel.get("targets"), p.panel.get("gridPos")
        if targets is not None and not isinstance(targets, list):
            yield hit(p, f"{p.path}.targets is {kind_name(targets)}, not a list", fix)
        if grid is not None and not isinstance(grid, dict):
            yield hit(p, f"{p.path}.gridPos is {kind_name(grid)}, not an object", fix)


@register(
    "dashboard-title-rule",
    D,
    "error",
    "The dashboard has a non-empty title of at most 5000 characters. Error: Grafana refuses to save others.",
)
def dashboard_title_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    title = ctx.model.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        yield hit(None, "the dashboard has no title (Grafana: 'Dashboard title cannot be empty')", "set a title")
    elif text(title) is None:
        yield hit(None, f"the dashboard title is {kind_name(title)}, not a string", "set the title to a string")
    elif len(text(title) or "") > 5000:
        yield hit(None, "the dashboard title is longer than 5000 characters", "shorten the title")


@register(
    "dashboard-uid-rule",
    D,
    "error",
    "The dashboard's uid is one Grafana accepts: at most 40 characters, only [a-zA-Z0-9_-]. Error: Grafana "
    "rejects others. A missing uid is a warning: build derives one from the path, an import makes a random one.",
)
def dashboard_uid_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    uid = ctx.model.get("uid")
    if uid is None or uid == "":
        yield hit(
            None,
            "the dashboard has no uid, so Grafana generates a random one and links break on every import",
            "set a stable uid (e.g. derived from the file name, as kubernetes-mixin does with md5)",
            severity="warning",
        )
        return
    if not isinstance(uid, str):
        yield hit(None, f"the dashboard uid is {kind_name(uid)}, not a string", "set uid to a string of [a-zA-Z0-9_-]")
        return
    if not UID_RE.match(uid):
        bad = "".join(sorted({c for c in uid if not re.match(r"[a-zA-Z0-9_-]", c)}))
        yield hit(
            None,
            f"uid {uid!r} contains characters Grafana rejects ({bad!r}): 'uid contains illegal characters'",
            "use only letters, digits, '-' and '_'",
        )
    if len(uid) > UID_MAX:
        yield hit(
            None,
            f"uid {short(uid, 50)!r} is {len(uid)} characters; Grafana rejects more than {UID_MAX}",
            f"shorten the uid to {UID_MAX} characters or fewer",
        )


@register(
    "dashboard-configmap-size-rule",
    D,
    "error",
    "The dashboard fits a ConfigMap: error above 1 MiB (Kubernetes' limit), warning above 262144 bytes "
    "(client-side kubectl apply's last-applied annotation; server-side apply, used by Flux, is fine). "
    "Error: Kubernetes rejects the ConfigMap.",
)
def dashboard_configmap_size_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    size, whole = ctx.configmap_bytes, ctx.configmap_object_bytes
    if isinstance(size, bool) or not isinstance(size, (int, float)):
        return
    if isinstance(whole, bool) or not isinstance(whole, (int, float)):
        whole = None
    problem = configmap_size_problem(size, whole)
    if problem == "error":
        yield hit(
            None,
            f"the dashboard ConfigMap holds {int(size)} bytes; "
            f"Kubernetes rejects ConfigMaps over {CONFIGMAP_MAX_BYTES} bytes (1 MiB)",
            "split the dashboard, drop unused panels/fields, "
            "or deliver it another way (grafana-operator gzipJson, API push)",
            severity="error",
        )
    elif problem == "warning" and whole is not None:
        yield hit(
            None,
            f"the dashboard ConfigMap is {int(whole)} bytes; "
            f"client-side 'kubectl apply' fails above {ANNOTATIONS_MAX_BYTES} bytes "
            "(last-applied-configuration annotation)",
            "apply with server-side apply (Flux does) or kubectl create/replace; or shrink the dashboard",
            severity="warning",
        )


@register(
    "uneditable-dashboard",
    D,
    "warning",
    "The dashboard sets editable: false (it is provisioned from git; UI edits would be lost). Warning: "
    "it does not break anything.",
)
def uneditable_dashboard(ctx: DashboardCtx) -> Iterator[Hit]:
    if ctx.model.get("editable") is True:
        yield hit(
            None, "the dashboard is editable", "set editable: false (changes belong in git, not in the Grafana UI)"
        )
