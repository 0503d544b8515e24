"""grafana-operator v5 objects (``grafana.integreatly.org/v1beta1``): a GrafanaFolder per folder,
a GrafanaDashboard per dashboard, a GrafanaDatasource per datasource.

The operator reconciles each object into every Grafana its ``instanceSelector`` matches,
again every ``resyncPeriod``. What the objects hold follows the operator's code:

- Dashboard content is the sidecar's JSON text: inline ``json``; ``gzipJson`` (a Go
  ``[]byte``: base64 of the gzip stream in YAML, read with ``gzip.NewReader``) when the
  object would come near the size limits; or ``configMapRef`` to the sidecar ConfigMap when
  both kinds are rendered, so the JSON is stored once.
- A dashboard vendored from grafana.com is, with ``output.operator.grafana_com: reference``,
  ``grafanaCom: {id, revision}`` plus ``datasources`` for its ``__inputs``: the operator
  downloads the pinned revision itself.
- Datasource secrets are never values. ``secureJsonData`` keeps the ``${VAR}`` reference of
  the sources, and ``valuesFrom`` points ``secureJsonData.<field>`` at key ``VAR`` of a
  Secret: the operator reads that key and replaces ``${VAR}`` (the secret key's name) in the
  field with its value, as Grafana expands ``${VAR}`` from its environment for the sidecar.
- Flux's post-build substitution is switched off on every object, so ``${...}`` reaches
  the operator unchanged.

Pure functions of the resources and the settings; build.py writes what they return.
"""

from __future__ import annotations

import base64
import gzip
import re
from typing import Any

from ..config import Config, OperatorOutput
from ..errors import DashgenError
from ..formats import dump_yaml
from ..names import ENV_REF_RE, dashboard_configmap_name, dashboard_file_name, kubernetes_name, object_bytes
from ..resources import Dashboard, Datasource, Folder, GrafanaComOrigin, Resources
from .kubernetes import DIRECTORY as KUBERNETES_DIRECTORY
from .kubernetes import MANAGED_BY, NO_SUBSTITUTE, SOURCE_ANNOTATION

API_VERSION = "grafana.integreatly.org/v1beta1"
DIRECTORY = f"{KUBERNETES_DIRECTORY}/grafana-operator"
# Inline JSON up to here; above it gzipJson. Client-side 'kubectl apply' keeps the whole object
# in an annotation, and the API server limits all annotations to 256 KiB together
# (ANNOTATIONS_MAX_BYTES): this leaves room for the other annotations.
GZIP_ABOVE_BYTES = 200 * 1024
# etcd's default request limit (--max-request-bytes, 1.5 MiB): no object is stored above it.
OBJECT_MAX_BYTES = 1536 * 1024
# The properties of spec.datasource in the GrafanaDatasource CRD; the API server drops any other.
DATASOURCE_FIELDS = frozenset(
    {
        "access",
        "basicAuth",
        "basicAuthUser",
        "database",
        "editable",
        "isDefault",
        "jsonData",
        "name",
        "secureJsonData",
        "type",
        "url",
        "user",
    }
)
# 'uid' moves to spec.uid (spec.datasource.uid is deprecated); 'orgId' "has no effect" (CRD).
DATASOURCE_MOVED = ("uid", "orgId")
VALUES_FROM_MAX = 99  # spec.valuesFrom maxItems
_FIELD_RE = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")  # a plain step of the operator's JSONPath


# ------------------------------------------------------------------------------- names
# Names follow the Grafana uid, which the CRDs make immutable: a new uid is a new object.


def folder_name(folder: Folder) -> str:
    """The GrafanaFolder of a folder: its uid (``dashgen-gitops`` by default)."""
    return kubernetes_name(folder.uid)


def dashboard_name(uid: str) -> str:
    """The GrafanaDashboard of dashboard ``uid``."""
    return kubernetes_name(uid, "dashgen-")


def datasource_name(ds: Datasource) -> str:
    """The GrafanaDatasource of a datasource, from its uid; one without a uid by its name
    (under another prefix: giving it a uid later makes a new object, as spec.uid requires)."""
    if ds.uid:
        return kubernetes_name(ds.uid, "dashgen-datasource-")
    return kubernetes_name(ds.name, "dashgen-datasource-name-")


def path(obj: dict[str, Any]) -> str:
    return f"{DIRECTORY}/{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"


def dashboard_path(d: Dashboard) -> str:
    """Where the GrafanaDashboard of ``d`` is written (``path`` of its object)."""
    return f"{DIRECTORY}/grafanadashboard-{dashboard_name(d.uid)}.yaml"


# ----------------------------------------------------------------------------- objects


def folder_object(folder: Folder, config: Config, settings: OperatorOutput) -> dict[str, Any]:
    spec: dict[str, Any] = {"uid": folder.uid, "title": folder.title}
    if folder.parent_uid:
        spec["parentFolderUID"] = folder.parent_uid
    return _object("GrafanaFolder", folder_name(folder), f"{config.sources}/{folder.key}", spec, config, settings)


def dashboard_object(
    d: Dashboard, text: str, config: Config, settings: OperatorOutput, *, configmap_ref: bool = False
) -> dict[str, Any]:
    """The GrafanaDashboard of ``d``, whose JSON is ``text`` (the sidecar's, byte for byte).

    With ``configmap_ref`` the content is the sidecar ConfigMap rendered beside it.
    """
    spec: dict[str, Any] = {"uid": d.uid}
    if d.folder.key:
        spec["folderRef"] = folder_name(d.folder)
    if settings.grafana_com == "reference" and d.origin is not None:
        spec.update(grafana_com_reference(d.origin))
        return _object("GrafanaDashboard", dashboard_name(d.uid), d.source, spec, config, settings)
    if configmap_ref:
        spec["configMapRef"] = {"name": dashboard_configmap_name(d.uid), "key": dashboard_file_name(d.uid)}
        return _object("GrafanaDashboard", dashboard_name(d.uid), d.source, spec, config, settings)
    obj = _object("GrafanaDashboard", dashboard_name(d.uid), d.source, {**spec, "json": text}, config, settings)
    if object_bytes(obj) <= GZIP_ABOVE_BYTES:
        return obj
    obj["spec"] = {**spec, "gzipJson": gzip_json(text), **_common_spec(settings)}
    size = object_bytes(obj)
    if size > OBJECT_MAX_BYTES:
        raise DashgenError(
            f"GrafanaDashboard {obj['metadata']['name']} is {size} bytes even with gzipJson, over "
            f"the {OBJECT_MAX_BYTES} bytes etcd stores; split the dashboard",
            path=d.source,
        )
    return obj


def grafana_com_reference(origin: GrafanaComOrigin) -> dict[str, Any]:
    """A vendored dashboard as the operator fetches it from grafana.com: ``grafanaCom`` with the
    pinned revision, and ``datasources`` mapping each ``${INPUT}`` to what import put in its
    place (the operator replaces ``${inputName}`` in the downloaded text with ``datasourceName``)."""
    spec: dict[str, Any] = {"grafanaCom": {"id": origin.id, "revision": origin.revision}}
    if origin.inputs:
        spec["datasources"] = [
            {"inputName": name, "datasourceName": value} for name, value in sorted(origin.inputs.items())
        ]
    return spec


def gzip_json(text: str) -> str:
    """``gzipJson`` as the operator reads it: base64 (standard, padded) of a gzip stream.

    ``mtime=0`` keeps the bytes the same from build to build.
    """
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


def datasource_object(ds: Datasource, config: Config, settings: OperatorOutput) -> dict[str, Any]:
    """The GrafanaDatasource of ``ds``; its secrets become ``valuesFrom`` Secret references."""
    model = dict(ds.model)
    uid = model.get("uid")
    for key in DATASOURCE_MOVED:
        model.pop(key, None)
    unknown = sorted(set(model) - DATASOURCE_FIELDS)
    if unknown:
        raise DashgenError(
            f"datasource '{ds.name}': {', '.join(unknown)} cannot be written to a GrafanaDatasource "
            f"(its spec.datasource has only {', '.join(sorted(DATASOURCE_FIELDS))}); "
            "move it under jsonData or drop it",
            path=ds.source,
        )
    values_from = []
    for field, ref in sorted((model.get("secureJsonData") or {}).items()):
        match = ENV_REF_RE.fullmatch(ref) if isinstance(ref, str) else None
        if match is None:  # checks.py refuses these before rendering; never write a value
            raise DashgenError(
                f"datasource '{ds.name}': secureJsonData.{field} must be a ${{VAR}} reference", path=ds.source
            )
        if not _FIELD_RE.fullmatch(field):
            raise DashgenError(
                f"datasource '{ds.name}': secureJsonData.{field} cannot be set by the operator's "
                "valuesFrom (a field name of letters, digits and '_' is needed)",
                path=ds.source,
            )
        key = match.group(1) or match.group(2)
        values_from.append(
            {
                "targetPath": f"secureJsonData.{field}",
                "valueFrom": {"secretKeyRef": {"name": settings.datasource_secret, "key": key}},
            }
        )
    if len(values_from) > VALUES_FROM_MAX:
        raise DashgenError(
            f"datasource '{ds.name}': {len(values_from)} secureJsonData fields; a GrafanaDatasource "
            f"takes at most {VALUES_FROM_MAX}",
            path=ds.source,
        )
    spec: dict[str, Any] = {"datasource": model}
    if uid:
        spec["uid"] = uid
    if values_from:
        spec["valuesFrom"] = values_from
    return _object("GrafanaDatasource", datasource_name(ds), ds.source, spec, config, settings)


def shared_objects(resources: Resources, config: Config, settings: OperatorOutput) -> list[dict[str, Any]]:
    """The GrafanaFolders and GrafanaDatasources (dashboards are rendered one at a time)."""
    objects = [folder_object(f, config, settings) for f in resources.folders]
    objects += [datasource_object(ds, config, settings) for ds in resources.datasources]
    return objects


def render_file(obj: dict[str, Any]) -> tuple[str, str]:
    return path(obj), dump_yaml(obj)


def _common_spec(settings: OperatorOutput) -> dict[str, Any]:
    if settings.instance_selector is None:  # config validation requires it with the operator kind
        raise DashgenError("output.operator.instance_selector is required to render grafana-operator objects")
    spec: dict[str, Any] = {"instanceSelector": settings.instance_selector.to_kubernetes()}
    if settings.resync_period:
        spec["resyncPeriod"] = settings.resync_period
    if settings.allow_cross_namespace_import:
        spec["allowCrossNamespaceImport"] = True
    return spec


def _object(
    kind: str, name: str, source: str, spec: dict[str, Any], config: Config, settings: OperatorOutput
) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": config.namespace,
            "labels": {**MANAGED_BY, **config.labels},
            "annotations": {SOURCE_ANNOTATION: source, **NO_SUBSTITUTE},
        },
        "spec": {**spec, **_common_spec(settings)},
    }
