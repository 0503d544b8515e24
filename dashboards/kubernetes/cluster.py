"""Kubernetes cluster: nodes, workloads, rollouts, resource use and commitment, network, services.

Raw expressions only (no kubernetes-mixin recording rules, which may not be installed).
Needs kube-state-metrics, cAdvisor (through the kubelet) and node-exporter; the job
selectors are ``values.selectors`` in dashgen.yaml.
"""

from dashboards.lib import board, variables
from dashboards.lib.panels import (
    GREEN, MERGE, ORANGE, RED, bargauge, field_unit, gauge, instant, organize, override, query,
    state_timeline, stat, table, thresholds, timeseries, value_mappings,
)
from dashboards.lib.selectors import cadvisor, ksm, node_exporter

NS = 'namespace=~"$namespace"'
DEP = 'deployment=~"$deployment"'
READY = 'condition="Ready"'
AVAILABLE = 'condition="Available"'
TRUE = 'status="true"'
PRESSURE = 'condition=~"MemoryPressure|DiskPressure|PIDPressure"'
PRESSURE_OR_NETWORK = 'condition=~"MemoryPressure|DiskPressure|PIDPressure|NetworkUnavailable"'
LOAD_BALANCER = 'type="LoadBalancer"'
IDLE = 'mode="idle"'


def active_pods(*matchers: str) -> str:
    """Pods that hold their resources: Pending or Running (not Succeeded/Failed), as kubernetes-mixin counts them."""
    selector = ksm(*matchers, 'phase=~"Pending|Running"')
    return f"max by (namespace, pod) (kube_pod_status_phase{selector} == 1)"


CONTAINERS = cadvisor(NS, 'container!=""', 'image!=""')

overview = [
    stat("Nodes ready", description="Nodes whose Ready condition is true (kube-state-metrics).",
         unit="none", w=3, color_mode="none",
         targets=[instant(f'sum(kube_node_status_condition{ksm(READY, TRUE)}) '
                          "or vector(0)")]),
    stat("Nodes not ready", description=(
        "Nodes whose Ready condition is false or unknown: the kubelet stopped reporting or reports a problem. "
        "Their pods are evicted after the toleration period."),
        unit="none", w=3, color_mode="background", steps=thresholds(GREEN, (1, RED)),
        targets=[instant(f'count(kube_node_status_condition{ksm(READY, TRUE)} == 0) '
                         "or vector(0)")]),
    stat("Nodes under pressure", description=(
        "Nodes reporting MemoryPressure, DiskPressure or PIDPressure: the kubelet starts evicting pods there."),
        unit="none", w=3, color_mode="background", steps=thresholds(GREEN, (1, ORANGE)),
        targets=[instant("count(max by (node) (kube_node_status_condition"
                         f'{ksm(PRESSURE, TRUE)}) == 1) '
                         "or vector(0)")]),
    stat("Deployments not ready", description=(
        "Deployments in the selected namespaces with fewer ready replicas than desired: a rollout in progress, "
        "a crash loop or pods that cannot be scheduled."),
        unit="none", w=3, color_mode="background", steps=thresholds(GREEN, (1, RED)),
        targets=[instant(f"count(kube_deployment_spec_replicas{ksm(NS, DEP)} "
                         f"> kube_deployment_status_replicas_ready{ksm(NS, DEP)}) or vector(0)")]),
    stat("Container restarts", description=(
        "Container restarts in the selected namespaces during the time range "
        "(kube_pod_container_status_restarts_total)."),
        unit="none", w=3, color_mode="background", steps=thresholds(GREEN, (1, ORANGE)),
        targets=[instant(f"round(sum(increase(kube_pod_container_status_restarts_total{ksm(NS)}[$__range]))) "
                         "or vector(0)")]),
    stat("LoadBalancers pending", description=(
        "Services of type LoadBalancer without an ingress address yet: the cloud or MetalLB has not assigned one."),
        unit="none", w=3, color_mode="background", steps=thresholds(GREEN, (1, ORANGE)),
        targets=[instant(f'count(kube_service_spec_type{ksm(NS, LOAD_BALANCER)} '
                         f"unless on (namespace, service) kube_service_status_load_balancer_ingress{ksm(NS)}) "
                         "or vector(0)")]),
    stat("CPU utilisation", description="Share of all nodes' CPU time not idle (node-exporter node_cpu_seconds_total).",
         unit="percentunit", w=3, decimals=1, steps=thresholds(GREEN, (0.7, ORANGE), (0.9, RED)),
         targets=[instant(f'1 - avg(rate(node_cpu_seconds_total{node_exporter(IDLE)}[$__rate_interval]))')]),
    stat("Memory utilisation", description=(
        "Share of all nodes' memory not available to new processes (node-exporter MemAvailable / MemTotal)."),
        unit="percentunit", w=3, decimals=1, steps=thresholds(GREEN, (0.7, ORANGE), (0.9, RED)),
        targets=[instant(f"1 - sum(node_memory_MemAvailable_bytes{node_exporter()}) "
                         f"/ sum(node_memory_MemTotal_bytes{node_exporter()})")]),
]


def commitment(resource: str, kind: str) -> str:
    res = f'resource="{resource}"'
    # no container with a limit at all is 0% committed, not "No data"
    return (f"(sum(kube_pod_container_resource_{kind}{ksm(res)} "
            f"* on (namespace, pod) group_left () {active_pods()}) or vector(0)) "
            f"/ sum(kube_node_status_allocatable{ksm(res)})")


def by_node_name(expr: str) -> str:
    """Label a per-instance node-exporter result with the node's name (node_uname_info's nodename)."""
    return f"({expr}) * on (instance) group_left (nodename) max by (instance, nodename) (node_uname_info{node_exporter()})"


capacity = [
    gauge("Requests and limits commitment", description=(
        "CPU and memory requested (and limited) by running and pending pods, as a share of what the nodes can "
        "allocate. Requests above 100% leave pods unschedulable; limits above 100% are overcommitment."),
        unit="percentunit", w=16, h=7, min=0, max=1.5, steps=thresholds(GREEN, (0.8, ORANGE), (1, RED)),
        targets=[instant(commitment("cpu", "requests"), "CPU requests"),
                 instant(commitment("cpu", "limits"), "CPU limits"),
                 instant(commitment("memory", "requests"), "Memory requests"),
                 instant(commitment("memory", "limits"), "Memory limits")]),
    bargauge("Pods by phase", description=(
        "Pods in the selected namespaces by phase (kube_pod_status_phase). Pending pods wait for scheduling or "
        "images; Failed and Unknown need a look."),
        unit="none", w=8, h=7,
        targets=[instant(f"sum by (phase) (kube_pod_status_phase{ksm(NS)})", "{{phase}}")]),
]

nodes = [
    state_timeline("Node readiness", description=(
        "Each node's Ready condition over time: green while the kubelet reports Ready, red otherwise."),
        unit="none", w=12, h=8,
        mappings=value_mappings({"1": ("Ready", GREEN), "0": ("Not ready", RED)}),
        targets=[query(f'max by (node) (kube_node_status_condition{ksm(READY, TRUE)})',
                       "{{node}}")]),
    timeseries("Nodes under pressure", description=(
        "Number of nodes reporting each pressure condition (and NetworkUnavailable). Any value above zero "
        "means evictions or scheduling limits on those nodes."),
        unit="none", w=12, h=8, decimals=0,
        targets=[query("sum by (condition) (kube_node_status_condition"
                       f'{ksm(PRESSURE_OR_NETWORK, TRUE)})',
                       "{{condition}}")]),
    timeseries("Node CPU utilisation", description="Share of each node's CPU time not idle (node-exporter).",
               unit="percentunit", w=12, h=8, min=0, max=1,
               targets=[query(by_node_name("1 - avg by (instance) (rate(node_cpu_seconds_total"
                                           f"{node_exporter(IDLE)}[$__rate_interval]))"), "{{nodename}}")]),
    timeseries("Node memory utilisation", description=(
        "Share of each node's memory not available to new processes (node-exporter MemAvailable / MemTotal)."),
        unit="percentunit", w=12, h=8, min=0, max=1,
        targets=[query(by_node_name(f"1 - sum by (instance) (node_memory_MemAvailable_bytes{node_exporter()}) "
                                    f"/ sum by (instance) (node_memory_MemTotal_bytes{node_exporter()})"),
                       "{{nodename}}")]),
]

deployment_value = "sum by (namespace, deployment) ({metric}{sel})"
workloads = [
    table("Deployments", description=(
        "Desired, ready and up-to-date replicas of each Deployment; 'Not ready' is desired minus ready. "
        "Deployments short of replicas sort first."),
        unit="none", w=12, h=9, sort_by="Not ready", desc=True,
        targets=[instant(deployment_value.format(metric="kube_deployment_spec_replicas", sel=ksm(NS, DEP)), table=True),
                 instant(deployment_value.format(metric="kube_deployment_status_replicas_ready", sel=ksm(NS, DEP)),
                         table=True),
                 instant(deployment_value.format(metric="kube_deployment_status_replicas_updated", sel=ksm(NS, DEP)),
                         table=True),
                 instant(f"{deployment_value.format(metric='kube_deployment_spec_replicas', sel=ksm(NS, DEP))} - "
                         f"{deployment_value.format(metric='kube_deployment_status_replicas_ready', sel=ksm(NS, DEP))}",
                         table=True)],
        transformations=[MERGE, organize({"namespace": "Namespace", "deployment": "Deployment", "Value #A": "Desired",
                                          "Value #B": "Ready", "Value #C": "Up to date", "Value #D": "Not ready"},
                                         exclude=("Time",))],
        overrides=[override("Not ready", ("custom.cellOptions", {"type": "color-text"}),
                            ("thresholds", thresholds(GREEN, (1, RED))), ("color", {"mode": "thresholds"}))]),
    state_timeline("Deployment availability", description=(
        "Each Deployment's Available condition over time: red while fewer than the minimum replicas are available, "
        "for example during a bad rollout or its rollback."),
        unit="none", w=12, h=9,
        mappings=value_mappings({"1": ("Available", GREEN), "0": ("Unavailable", RED)}),
        targets=[query("max by (namespace, deployment) (kube_deployment_status_condition"
                       f'{ksm(NS, DEP, AVAILABLE, TRUE)})',
                       "{{namespace}}/{{deployment}}")]),
    timeseries("Replicas not ready (rollouts and rollbacks)", description=(
        "kube_deployment_spec_replicas - kube_deployment_status_replicas_ready per Deployment: the gap opens while "
        "a rollout or a rollback replaces pods and stays open when new pods never become ready."),
        unit="none", w=12, h=8, decimals=0,
        targets=[query(f"kube_deployment_spec_replicas{ksm(NS, DEP)} - kube_deployment_status_replicas_ready{ksm(NS, DEP)}",
                       "{{namespace}}/{{deployment}}")]),
    timeseries("Deployment condition changes (1h)", description=(
        "changes(kube_deployment_status_condition[1h]): how often each Deployment's conditions (Available, "
        "Progressing, ReplicaFailure) flipped in the last hour. Repeated flips mean rollouts that fail and roll back."),
        unit="none", w=12, h=8, decimals=0,
        targets=[query("sum by (namespace, deployment, condition) (changes(kube_deployment_status_condition"
                       f'{ksm(NS, DEP, TRUE)}[1h]))',
                       "{{namespace}}/{{deployment}} {{condition}}")]),
    timeseries("Container restarts", description=(
        "Restarts per pod within each rate window, for the ten pods restarting most. A steady line is a crash loop."),
        unit="none", w=12, h=8,
        targets=[query("topk(10, sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total"
                       f"{ksm(NS)}[$__rate_interval])))", "{{namespace}}/{{pod}}")]),
    table("Most restarted containers", description=(
        "The ten containers that restarted most during the time range."),
        unit="none", w=12, h=8, sort_by="Restarts", desc=True,
        targets=[instant("topk(10, round(sum by (namespace, pod, container) (increase("
                         f"kube_pod_container_status_restarts_total{ksm(NS)}[$__range]))))", table=True)],
        transformations=[organize({"namespace": "Namespace", "pod": "Pod", "container": "Container",
                                   "Value": "Restarts"}, exclude=("Time",))]),
]


def by_namespace(resource: str, kind: str) -> str:
    res = f'resource="{resource}"'
    return (f"sum by (namespace) (kube_pod_container_resource_{kind}{ksm(NS, res)} "
            f"* on (namespace, pod) group_left () {active_pods(NS)})")


cpu_usage = f"sum by (namespace) (rate(container_cpu_usage_seconds_total{CONTAINERS}[$__rate_interval]))"
memory_usage = f"sum by (namespace) (container_memory_working_set_bytes{CONTAINERS})"
QUOTA_COLUMNS = {"namespace": "Namespace", "Value #A": "Usage", "Value #B": "Requests", "Value #C": "Limits",
                 "Value #D": "Usage / requests", "Value #E": "Usage / limits"}
RATIO_STEPS = thresholds(GREEN, (0.8, ORANGE), (1, RED))


def quota_table(title: str, description: str, unit: str, usage: str, resource: str):
    return table(title, description=description, unit=unit, w=12, h=9, sort_by="Usage", desc=True,
                 targets=[instant(usage, table=True),
                          instant(by_namespace(resource, "requests"), table=True),
                          instant(by_namespace(resource, "limits"), table=True),
                          instant(f"{usage} / {by_namespace(resource, 'requests')}", table=True),
                          instant(f"{usage} / {by_namespace(resource, 'limits')}", table=True)],
                 transformations=[MERGE, organize(QUOTA_COLUMNS, exclude=("Time",))],
                 overrides=[field_unit(name, "percentunit", ("custom.cellOptions", {"type": "color-text"}),
                                       ("thresholds", RATIO_STEPS), ("color", {"mode": "thresholds"}))
                            for name in ("Usage / requests", "Usage / limits")])


resources = [
    timeseries("CPU usage by namespace", description=(
        "CPU used by the containers of each namespace, in cores (cAdvisor container_cpu_usage_seconds_total)."),
        unit="short", w=12, h=8, stack=True, fill=30,
        targets=[query(cpu_usage, "{{namespace}}")]),
    timeseries("Memory usage by namespace", description=(
        "Working-set memory of the containers of each namespace (cAdvisor container_memory_working_set_bytes): "
        "what counts against memory limits and eviction."),
        unit="bytes", w=12, h=8, stack=True, fill=30,
        targets=[query(memory_usage, "{{namespace}}")]),
    quota_table("CPU by namespace", (
        "CPU usage now, requests and limits of running and pending pods (cores), and usage as a share of them. "
        "Usage far below requests wastes capacity; usage above requests competes for spare CPU."),
        "short", cpu_usage, "cpu"),
    quota_table("Memory by namespace", (
        "Working-set memory now, requests and limits of running and pending pods, and usage as a share of them. "
        "Usage near limits means OOM kills are close."),
        "bytes", memory_usage, "memory"),
]

network = [
    timeseries("Receive bandwidth by namespace", description=(
        "Bytes per second received by the pods of each namespace (cAdvisor, pod network interfaces)."),
        unit="Bps", w=8, h=8,
        targets=[query(f"sum by (namespace) (rate(container_network_receive_bytes_total{cadvisor(NS)}[$__rate_interval]))",
                       "{{namespace}}")]),
    timeseries("Transmit bandwidth by namespace", description=(
        "Bytes per second sent by the pods of each namespace (cAdvisor, pod network interfaces)."),
        unit="Bps", w=8, h=8,
        targets=[query(f"sum by (namespace) (rate(container_network_transmit_bytes_total{cadvisor(NS)}[$__rate_interval]))",
                       "{{namespace}}")]),
    timeseries("Dropped packets by namespace", description=(
        "Packets per second dropped on the pods' interfaces, received and sent together. Drops point at "
        "saturated nodes or network policies."),
        unit="pps", w=8, h=8,
        targets=[query("sum by (namespace) (rate(container_network_receive_packets_dropped_total"
                       f"{cadvisor(NS)}[$__rate_interval])) + sum by (namespace) (rate("
                       f"container_network_transmit_packets_dropped_total{cadvisor(NS)}[$__rate_interval]))",
                       "{{namespace}}")]),
]

services = [
    table("Services and LoadBalancer ingress", description=(
        "Every Service with its type and, for LoadBalancers, the ingress IP or hostname the load balancer got "
        "(kube_service_status_load_balancer_ingress). A LoadBalancer without an address is still pending."),
        unit="none", w=24, h=8, sort_by="Type", desc=True,
        targets=[instant(f"max by (namespace, service, ip, hostname) (kube_service_status_load_balancer_ingress{ksm(NS)}) "
                         f"* on (namespace, service) group_left (type) max by (namespace, service, type) "
                         f"(kube_service_spec_type{ksm(NS)}) "
                         f"or on (namespace, service) max by (namespace, service, type) (kube_service_spec_type{ksm(NS)})",
                         table=True)],
        transformations=[organize({"namespace": "Namespace", "service": "Service", "type": "Type", "ip": "IP",
                                   "hostname": "Hostname"})]),
]

dashboard = board.make(
    board.KUBERNETES_UID,
    description="Nodes, workloads and rollouts, CPU and memory against requests and limits, network and services.",
    variables_=[
        variables.label_values("namespace", "Namespace", f"label_values(kube_namespace_status_phase{ksm()}, namespace)"),
        variables.label_values("deployment", "Deployment",
                               f"label_values(kube_deployment_spec_replicas{ksm(NS)}, deployment)"),
    ],
    panels=board.layout(
        (None, overview),
        ("Capacity", capacity),
        ("Nodes", nodes),
        ("Workloads and rollouts", workloads),
        ("CPU and memory", resources),
        ("Network", network),
        ("Services", services),
    ),
)
