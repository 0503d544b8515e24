"""Kubernetes alerts: deployments short of ready replicas, crash-looping containers,
containers near their memory or CPU limit.

Raw expressions (no recording rules, which may not be installed). Every side is
aggregated with ``max by`` the object's identity: the scrape labels (``instance``,
``pod`` of kube-state-metrics, cAdvisor's container ``id``) change when an exporter
or a container restarts, and that must not reset an alert's ``for``; ``max`` also
de-duplicates when two kube-state-metrics replicas report the same object.
"""

from dashboards.alerts import common
from dashboards.lib.board import KUBERNETES_UID
from dashboards.lib.selectors import CADVISOR, KUBE_STATE_METRICS as KSM, series

# cAdvisor also reports the pod's cgroup (container="") and old runtimes' pause container (image="").
REAL_CONTAINER = ('container!=""', 'image!=""')
DASHBOARD = common.dashboard_url(KUBERNETES_UID, "$labels.namespace")
CONTAINER_NAME = "container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }}"


def usage_of_limit(usage: str, resource: str) -> str:
    """usage / limit per container, above 90%. A container without a limit has no
    kube_pod_container_resource_limits series, so it has no ratio and never fires;
    ``> 0`` keeps a zero limit from dividing into +Inf."""
    limit = series("kube_pod_container_resource_limits", KSM, f'resource="{resource}"')
    return f"""
        max by (namespace, pod, container) ({usage})
        / on (namespace, pod, container)
        max by (namespace, pod, container) ({limit} > 0)
        > 0.9
    """


rule_groups = [
    {
        "name": "kubernetes-apps",
        "rules": [
            common.alert(
                "DeploymentNotReady",
                # kubernetes-mixin's KubeDeploymentReplicasMismatch, on ready replicas; quiet
                # while a rollout is still updating replicas.
                f"""
                (
                  max by (namespace, deployment) ({series("kube_deployment_spec_replicas", KSM)})
                  >
                  max by (namespace, deployment) ({series("kube_deployment_status_replicas_ready", KSM)})
                )
                and on (namespace, deployment)
                (
                  max by (namespace, deployment) (changes({series("kube_deployment_status_replicas_updated", KSM)}[10m]))
                  == 0
                )
                """,
                wait="15m",
                severity="warning",
                summary="A Deployment has fewer ready replicas than desired.",
                description="""
                    Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had fewer ready replicas
                    than the {{ $value }} desired for more than {for}, and no rollout is in progress.
                    See why: kubectl -n {{ $labels.namespace }} describe deployment {{ $labels.deployment }}
                """,
                dashboard=DASHBOARD,
            ),
            common.alert(
                "PodCrashLooping",
                # kubernetes-mixin's KubePodCrashLooping: the waiting reason comes and goes between
                # restarts, max_over_time keeps it through the back-off.
                f"""
                max by (namespace, pod, container) (
                  max_over_time({series("kube_pod_container_status_waiting_reason", KSM, 'reason="CrashLoopBackOff"')}[5m])
                )
                >= 1
                """,
                wait="15m",
                severity="warning",
                summary="A container is crash looping.",
                description=f"""
                    The {CONTAINER_NAME} has been restarting in CrashLoopBackOff for more than {{for}}.
                    See why: kubectl -n {{{{ $labels.namespace }}}} logs {{{{ $labels.pod }}}} -c {{{{ $labels.container }}}} --previous
                """,
                dashboard=DASHBOARD,
            ),
        ],
    },
    {
        "name": "kubernetes-resources",
        "rules": [
            common.alert(
                "HighMemoryUsage",
                usage_of_limit(series("container_memory_working_set_bytes", CADVISOR, *REAL_CONTAINER), "memory"),
                wait="10m",
                severity="warning",
                summary="A container uses more than 90% of its memory limit.",
                description=f"""
                    The {CONTAINER_NAME} uses {{{{ $value | humanizePercentage }}}} of its memory limit
                    (working set); at the limit it is OOM-killed. Raise the limit or find what grows.
                """,
                dashboard=DASHBOARD,
            ),
            common.alert(
                "HighCPUUsage",
                usage_of_limit(
                    f"rate({series('container_cpu_usage_seconds_total', CADVISOR, *REAL_CONTAINER)}[5m])", "cpu"),
                wait="15m",
                severity="warning",
                summary="A container uses more than 90% of its CPU limit.",
                description=f"""
                    The {CONTAINER_NAME} uses {{{{ $value | humanizePercentage }}}} of its CPU limit;
                    at the limit it is throttled. Raise the limit or find what is busy.
                """,
                dashboard=DASHBOARD,
            ),
        ],
    },
]
