"""Where the state of Flux objects comes from (``values.flux.resource_metric``).

* ``gotk_resource_info`` (default): kube-state-metrics with the Flux custom-resource-state
  config of fluxcd/flux2-monitoring-example. Kind label ``customresource_kind``;
  ``suspended`` is ``"true"``/``"false"``.
* ``flux_resource_info``: the ControlPlane Flux Operator's own metric. Kind label ``kind``;
  ``suspended`` is ``"True"``/``"False"``.

Both carry ``name``, ``exported_namespace`` (the object's namespace) and ``ready``
(``True``/``False``/``Unknown``, the Ready condition) plus ``revision``.
"""

from __future__ import annotations

from dataclasses import dataclass

import dashgen

RECONCILER_KINDS = ("Kustomization", "HelmRelease")
SOURCE_KINDS = ("GitRepository", "OCIRepository", "HelmRepository", "Bucket")


@dataclass(frozen=True)
class ResourceMetric:
    name: str
    kind_label: str
    suspended_true: str  # the value of the suspended label for a suspended object
    source_address: str  # the label with a source's URL


METRICS = {
    "gotk_resource_info": ResourceMetric("gotk_resource_info", "customresource_kind", "true", "url"),
    "flux_resource_info": ResourceMetric("flux_resource_info", "kind", "True", "url"),
}

RESOURCE = METRICS[dashgen.setting("flux.resource_metric", "gotk_resource_info", choices=sorted(METRICS))]
NAMESPACE = dashgen.setting("flux.namespace", "flux-system")


def kinds(names) -> str:
    return "|".join(names)
