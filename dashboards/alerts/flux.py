"""Flux alerts: reconcilers (Kustomization, HelmRelease) and sources that fail.

The per-object state is ``gotk_resource_info`` (kube-state-metrics with the Flux
custom-resource-state config, dashboards/scraping/flux.py) or, with
``values.flux.resource_metric: flux_resource_info``, the Flux Operator's metric.

``ready``, ``revision`` and ``suspended`` are labels, so every change is a new series.
Each alert is therefore aggregated to the object's identity (namespace, name, kind) and
asks two questions: did the object report Ready=False at some point in the last 30
minutes, and is it still not Ready=True now? A retry that shows Ready=Unknown for a
while, or a new revision, keeps the alert (and its ``for``) going; an object that is
only Unknown, during a long reconciliation with health checks, never fires; an object
that becomes Ready, is suspended or is deleted resolves at once.
"""

from dashboards.alerts import common
from dashboards.lib.board import FLUX_UID
from dashboards.lib.flux import RESOURCE
from dashboards.lib.selectors import series

METRIC, KIND = RESOURCE.name, RESOURCE.kind_label
NOT_SUSPENDED = 'suspended!~"(?i)true"'  # KSM says true/false, the Flux Operator True/False
FAILED_WITHIN = "30m"  # longer than a retry stays Ready=Unknown (health checks time out at the interval)


def failing(*kinds: str) -> str:
    kind = f'{KIND}="{kinds[0]}"' if len(kinds) == 1 else f'{KIND}=~"{"|".join(kinds)}"'
    by = f"exported_namespace, name, {KIND}"
    failed = series(METRIC, kind, 'ready="False"', NOT_SUSPENDED)
    not_ready_now = series(METRIC, kind, 'ready!="True"', NOT_SUSPENDED)
    # namespace = the object's namespace, so Alertmanager groups and routes Flux alerts
    # like the others (the metric's own namespace label is the exporter's).
    return f"""
        label_replace(
          max by ({by}) (max_over_time({failed}[{FAILED_WITHIN}]))
          and on ({by})
          max by ({by}) ({not_ready_now}),
          "namespace", "$1", "exported_namespace", "(.*)"
        )
    """


def described(what: str) -> str:
    obj = f"{{{{ $labels.{KIND} }}}} {{{{ $labels.exported_namespace }}}}/{{{{ $labels.name }}}}"
    return (f"{obj} {what} (Ready=False) and has not been Ready for {{for}}. "
            f"See why: flux events -n {{{{ $labels.exported_namespace }}}} --for {{{{ $labels.{KIND} }}}}/{{{{ $labels.name }}}}")


DASHBOARD = common.dashboard_url(FLUX_UID, "$labels.exported_namespace")

rule_groups = [
    {
        "name": "flux",
        "rules": [
            common.alert(
                "FluxReconciliationFailed",
                failing("Kustomization", "HelmRelease"),
                wait="15m",
                severity="critical",
                summary="A Flux Kustomization or HelmRelease fails to reconcile.",
                description=described("failed to reconcile"),
                dashboard=DASHBOARD,
            ),
            common.alert(
                "FluxGitRepositorySyncFailed",
                failing("GitRepository"),
                wait="15m",
                severity="warning",
                summary="A Flux GitRepository fails to fetch from Git.",
                description=described("failed to fetch its artifact"),
                dashboard=DASHBOARD,
            ),
            common.alert(
                "FluxSourceSyncFailed",
                failing("OCIRepository", "HelmRepository", "Bucket"),
                wait="15m",
                severity="warning",
                summary="A Flux OCIRepository, HelmRepository or Bucket fails to fetch.",
                description=described("failed to fetch its artifact"),
                dashboard=DASHBOARD,
            ),
        ],
    },
]
