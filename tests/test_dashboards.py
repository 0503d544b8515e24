"""The three dashboards as built from this repository's sources (dashboards/), checked on the JSON.

Checks what Grafana 11/12 needs and what the issue promises: a unit and a description on
every panel, current panel types only, the datasource variable everywhere, $__rate_interval
in every rate, counts that read 0, stable uids and links, clean lint, the Flux Operator
switch and the HTTP presets, and a reproducible, committed build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from dashgen.cli import main
from dashgen.dashboard.promql import analyze
from dashgen.lint import has_failures, lint_dashboard

REPO = Path(__file__).resolve().parents[1]
UIDS = {"flux-gitops": "GitOps", "kubernetes-cluster": "Kubernetes", "empulse-music": "EmPulse"}
CURRENT_TYPES = {"timeseries", "stat", "table", "bargauge", "gauge", "state-timeline", "heatmap"}
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
INVENTED = re.compile(r"flux_\w+_condition|flux_kustomization_reconcile_duration_seconds|gotk_reconcile_condition"
                      r"|gotk_suspend_status")


def run(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def build(tmp_path: Path, name: str = "out", **values) -> Path:
    """Build the repository's sources into ``tmp_path/name`` with ``values`` merged into dashgen.yaml's."""
    cfg = yaml.safe_load((REPO / "dashgen.yaml").read_text())
    cfg["sources"] = str(REPO / "dashboards")
    cfg["output"] = str(tmp_path / name)
    for key, value in values.items():
        node = cfg.setdefault("values", {})
        *parents, leaf = key.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert run("-c", str(path), "build") == 0
    return tmp_path / name


def models(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((out / "dashboards").glob("*/*.json"))}


def panels(model: dict):
    for p in model["panels"]:
        if p["type"] != "row":
            yield p
        yield from (q for q in p.get("panels", []))


def exprs(model: dict) -> list[str]:
    return [t["expr"] for p in panels(model) for t in p.get("targets", [])]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("dashboards"))


@pytest.fixture(scope="module")
def boards(built) -> dict[str, dict]:
    return models(built)


def test_build_emits_the_three_dashboards_in_their_folders_and_the_datasources(built):
    found = {p.stem: p.parent.name for p in (built / "dashboards").glob("*/*.json")}
    assert found == UIDS
    doc = yaml.safe_load((built / "grafana/datasources/dashgen.yaml").read_text())
    by_uid = {d["uid"]: d for d in doc["datasources"]}
    assert by_uid["prometheus"]["name"] == "Prometheus" and by_uid["prometheus"]["type"] == "prometheus"
    assert by_uid["prometheus"]["url"] == "http://kube-prometheus-stack-prometheus.monitoring:9090"
    assert by_uid["prometheus"]["jsonData"]["timeInterval"] == "30s"
    assert by_uid["alertmanager"]["type"] == "alertmanager" and by_uid["alertmanager"]["name"] == "Alertmanager"
    # kube-prometheus-stack's sidecar provisions its own default Prometheus: never claim the default
    assert not any(d.get("isDefault") for d in doc["datasources"])


def test_datasource_urls_are_configurable(tmp_path):
    out = build(tmp_path, datasources__prometheus__url="http://prometheus-operated.monitoring:9090",
                datasources__alertmanager__url="http://alertmanager-operated.monitoring:9093")
    doc = yaml.safe_load((out / "grafana/datasources/dashgen.yaml").read_text())
    assert [d["url"] for d in doc["datasources"]] == ["http://prometheus-operated.monitoring:9090",
                                                      "http://alertmanager-operated.monitoring:9093"]


def test_every_panel_has_a_unit_and_a_description(boards):
    missing = [(uid, p["title"]) for uid, m in boards.items() for p in panels(m)
               if not p.get("description", "").strip() or not p.get("fieldConfig", {}).get("defaults", {}).get("unit")]
    assert missing == []


def test_only_current_panel_types(boards):
    types = {p["type"] for m in boards.values() for p in panels(m)}
    assert types <= CURRENT_TYPES
    assert {"timeseries", "stat", "table", "bargauge", "gauge", "state-timeline", "heatmap"} <= types


def test_panels_and_queries_use_the_datasource_variable(boards):
    for uid, m in boards.items():
        first = m["templating"]["list"][0]
        assert (first["name"], first["type"], first["query"]) == ("datasource", "datasource", "prometheus"), uid
        for p in panels(m):
            assert p["datasource"] == DATASOURCE, (uid, p["title"])
            for t in p["targets"]:
                assert t["datasource"] == DATASOURCE, (uid, p["title"])


def test_query_variables_cascade_and_refresh_with_the_time_range(boards):
    for uid, m in boards.items():
        qvars = [v for v in m["templating"]["list"] if v["type"] == "query"]
        assert len(qvars) >= 2, uid
        for v in qvars:
            assert v["query"].startswith("label_values("), (uid, v["name"])
            assert v["refresh"] == 2, (uid, v["name"])
        names = [v["name"] for v in qvars]
        # each later variable is filtered by an earlier one (at least one cascade per dashboard)
        assert any(f"${earlier}" in v["query"] for i, v in enumerate(qvars) for earlier in names[:i]), uid


def test_every_rate_uses_rate_interval(boards):
    for uid, m in boards.items():
        for expr in exprs(m):
            a = analyze(expr)
            assert a.ok, (uid, expr, a.error)
            for s in a.selectors:
                ps = s.parents
                if len(ps) >= 2 and ps[-1][0] == "matrix" and ps[-2][0] == "call" and ps[-2][1] in ("rate", "irate"):
                    assert s.range_var == "__rate_interval", (uid, expr)


def test_queries_are_saved_as_grafana_11_saves_them(boards):
    for uid, m in boards.items():
        for p in panels(m):
            for t in p["targets"]:
                assert "intervalFactor" not in t and "step" not in t, (uid, p["title"])
                # Exactly one of instant and range (instant: false is the default, elided).
                assert t.get("instant", False) is not t.get("range", False), (uid, p["title"])
            if p["type"] in ("stat", "gauge", "bargauge", "table"):
                assert all(t["instant"] for t in p["targets"]), (uid, p["title"])
            if p["type"] == "table":
                assert all(t["format"] == "table" for t in p["targets"]), (uid, p["title"])
            if p["type"] in ("timeseries", "state-timeline", "heatmap"):
                assert all(t["range"] for t in p["targets"]), (uid, p["title"])
            if p["type"] == "timeseries":
                assert p["maxDataPoints"] >= 200, (uid, p["title"])  # not grafanalib's 100
            if p["type"] == "heatmap":
                assert all(t["format"] == "heatmap" for t in p["targets"]) and p["options"]["calculate"] is False
            if p["type"] == "stat":
                steps = p["fieldConfig"]["defaults"]["thresholds"]["steps"]
                assert isinstance(steps, list) and "noValue" not in p["fieldConfig"]["defaults"]
            if p["type"] in ("bargauge", "gauge"):
                assert "fieldOptions" not in p["options"] and "reduceOptions" in p["options"]


def test_counts_read_zero_instead_of_no_data(boards):
    counts = [(uid, p["title"], t["expr"]) for uid, m in boards.items() for p in panels(m) if p["type"] == "stat"
              for t in p["targets"] if t["expr"].startswith(("count(", "round(sum(increase"))]
    assert len(counts) >= 10
    assert [c for c in counts if not c[2].endswith("or vector(0)")] == []


def test_stable_uids_and_links_between_the_three(boards):
    assert set(boards) == set(UIDS)
    for uid, m in boards.items():
        assert m["uid"] == uid
        urls = {link["url"] for link in m["links"]}
        assert urls == {f"/d/{other}" for other in UIDS if other != uid}
        assert all(link["keepTime"] for link in m["links"])


def test_panels_do_not_overlap_and_ids_are_unique(boards):
    for uid, m in boards.items():
        cells = set()
        ids = [p["id"] for p in m["panels"]]
        assert len(ids) == len(set(ids)), uid
        for p in m["panels"]:
            g = p["gridPos"]
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    assert (x, y) not in cells, (uid, p["title"])
                    cells.add((x, y))
            assert g["x"] + g["w"] <= 24


def test_lint_is_clean_in_strict_mode(boards):
    for uid, m in boards.items():
        findings = lint_dashboard(m, name=uid)
        assert not has_failures(findings, strict=True), [f"{f.rule}: {f.panel}: {f.message}" for f in findings]


def test_no_invented_flux_metric_anywhere(built):
    texts = [p.read_text() for p in built.rglob("*") if p.is_file()]
    texts += [p.read_text() for p in (REPO / "dashboards").rglob("*.py")]
    assert all(not INVENTED.search(t) for t in texts)


def test_flux_object_state_from_kube_state_metrics_by_default(boards):
    flux = " ".join(exprs(boards["flux-gitops"]))
    assert "gotk_resource_info{customresource_kind=~" in flux and 'suspended="true"' in flux
    assert "flux_resource_info" not in flux


def test_flux_operator_switch(tmp_path):
    m = models(build(tmp_path, flux__resource_metric="flux_resource_info"))["flux-gitops"]
    flux = " ".join(exprs(m) + [v["query"] for v in m["templating"]["list"]])
    assert "flux_resource_info{kind=~" in flux and "label_values(flux_resource_info{" in flux
    assert 'suspended="True"' in flux  # the operator capitalises it
    assert "gotk_resource_info" not in flux and "customresource_kind" not in flux
    # the readiness tables show the operator's kind label
    table = next(p for p in panels(m) if p["title"] == "Reconcilers" and p["type"] == "table")
    assert table["transformations"][0]["options"]["renameByName"]["kind"] == "Kind"


def test_unknown_switch_value_is_an_error_naming_the_key(tmp_path, capsys):
    cfg = {"sources": str(REPO / "dashboards"), "output": str(tmp_path / "o"),
           "values": {"flux": {"resource_metric": "flux_kustomization_condition"}}}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    assert run("-c", str(tmp_path / "c.yaml"), "build") == 1
    assert "values.flux.resource_metric" in capsys.readouterr().err


@pytest.mark.parametrize("preset, present, absent", [
    ("fastapi", ['status="5xx"', "http_request_duration_highr_seconds_bucket", "http_requests_inprogress"],
     ["code=~", "http_response_status_code"]),
    ("promhttp", ['code=~"5.."', "http_request_duration_seconds_bucket", "http_requests_in_flight"],
     ['status="5xx"', "highr"]),
    ("otel", ['http_response_status_code=~"5.."', "http_server_request_duration_seconds_count",
              "http_server_request_duration_seconds_bucket", "by (http_route)", "http_server_active_requests"],
     ["http_requests_total", 'status="5xx"']),
])
def test_http_presets(tmp_path, preset, present, absent):
    m = models(build(tmp_path, empulse__http_preset=preset))["empulse-music"]
    text = " ".join(exprs(m) + [v["query"] for v in m["templating"]["list"]])
    assert [p for p in present if p not in text] == []
    assert [a for a in absent if a in text] == []


def test_building_twice_gives_identical_output(tmp_path):
    a, b = build(tmp_path, "a"), build(tmp_path, "b")
    files_a = {p.relative_to(a): p.read_bytes() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b): p.read_bytes() for p in b.rglob("*") if p.is_file()}
    # dashgen-files.json may name the output directory; everything else must be byte-identical
    assert files_a.keys() == files_b.keys()
    assert {k: v for k, v in files_a.items()} == files_b


def test_committed_provisioning_is_up_to_date(monkeypatch):
    monkeypatch.chdir(REPO)
    assert run("build", "--check") == 0
