"""Environments: one repository built into one tree per cluster, pushed per environment."""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import string
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import grafanalib_dashboard
from crds import validator_for
from grafana_double import GrafanaDouble

REPO = Path(__file__).resolve().parent.parent
ENVS = ("dev", "staging", "prod")
URLS = {e: f"http://prometheus-{e}.monitoring:9090" for e in ENVS}
CADVISOR = {"dev": 'job="kubelet", metrics_path="/metrics/cadvisor"', "staging": 'job="cadvisor"',
            "prod": 'job="cadvisor", cluster="prod-eu"'}
FLEET = f"""
folders: {{gitops: GitOps, kubernetes: Kubernetes, empulse: EmPulse}}
values:
  alerts: {{grafana_url: https://grafana.example.com}}
output:
  operator:
    instance_selector: {{matchLabels: {{dashboards: grafana}}}}
    resync_period: 10m
environments:
  dev:
    values: {{datasources: {{prometheus: {{url: "{URLS['dev']}"}}}}}}
  staging:
    values:
      datasources: {{prometheus: {{url: "{URLS['staging']}"}}}}
      selectors: {{cadvisor: '{CADVISOR['staging']}'}}
    output: {{kinds: [operator]}}
  prod:
    namespace: grafana
    values:
      datasources: {{prometheus: {{url: "{URLS['prod']}"}}}}
      selectors: {{cadvisor: '{CADVISOR['prod']}'}}
    output:
      kinds: [sidecar, operator]
      operator: {{instance_selector: {{matchLabels: {{dashboards: grafana-prod}}}}}}
"""


def _repository(project, config: str = FLEET) -> None:
    """The shipped sources, with ``config`` as dashgen.yaml."""
    shutil.rmtree(project.root / "dashboards")
    shutil.copytree(REPO / "dashboards", project.root / "dashboards",
                    ignore=shutil.ignore_patterns("__pycache__"))
    project.write("dashgen.yaml", config)


def _escaped(text: str) -> list[str]:
    return [text, json.dumps(text)[1:-1]]  # as written in YAML and as inside JSON


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """The shipped sources built with three environments (once for the module)."""
    root = tmp_path_factory.mktemp("fleet")
    shutil.copytree(REPO / "dashboards", root / "dashboards", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "dashgen.yaml").write_text(FLEET)
    proc = subprocess.run([str(Path(os.sys.executable).parent / "dashgen"), "build", "-o", "json"], cwd=root,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return root, json.loads(proc.stdout)


def _tree(base: Path) -> dict[str, bytes]:
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------- trees


def test_three_environments_build_into_three_trees(fleet):
    root, doc = fleet
    assert sorted(p.name for p in (root / "provisioning").iterdir()) == sorted(ENVS)
    assert [t["environment"] for t in doc["environments"]] == list(ENVS)
    for tree in doc["environments"]:
        assert tree["output"].endswith(f"provisioning/{tree['environment']}") and tree["written"]
        files = _tree(root / "provisioning" / tree["environment"])
        assert "kustomization.yaml" in files and "dashgen-files.json" in files
        owned = json.loads(files["dashgen-files.json"])["files"]
        assert set(owned) == set(files) - {"dashgen-files.json"}
        listed = yaml.safe_load(files["kustomization.yaml"])["resources"]
        assert listed == sorted(p for p in files if p.startswith("kubernetes/"))
    kinds = {e: {p.split("/")[1] for p in _tree(root / "provisioning" / e) if p.startswith("kubernetes/")
                 and p.count("/") > 1} for e in ENVS}
    assert kinds == {"dev": {"dashboards"}, "staging": {"grafana-operator"},
                     "prod": {"dashboards", "grafana-operator"}}


def test_each_tree_builds_with_kubectl_kustomize(fleet):
    kubectl = shutil.which("kubectl")
    if not kubectl:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl not installed")
        pytest.skip("kubectl not installed: install it (https://kubernetes.io/docs/tasks/tools/) to run this check")
    root, _ = fleet
    for env in ENVS:
        proc = subprocess.run([kubectl, "kustomize", f"provisioning/{env}"], cwd=root, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        objects = [o for o in yaml.safe_load_all(proc.stdout) if o]
        assert {o["metadata"].get("namespace") for o in objects} == {"grafana" if env == "prod" else "monitoring"}


def test_two_environments_differ_exactly_in_the_values_given(fleet):
    """dev's tree with staging's values put in is staging's tree, byte for byte, where both render
    the same file (dev has ConfigMaps, staging grafana-operator objects: the kustomizations list
    those, as output.kinds says)."""
    root, _ = fleet
    dev, staging = _tree(root / "provisioning/dev"), _tree(root / "provisioning/staging")
    common = (set(dev) & set(staging)) - {"dashgen-files.json", "kustomization.yaml"}
    assert {p for p in common if p.startswith("dashboards/")} == {p for p in dev if p.startswith("dashboards/")}
    changed = 0
    for path in sorted(common):
        text = dev[path].decode()
        for value in ("url", "cadvisor"):
            old, new = (URLS, CADVISOR)[value == "cadvisor"]["dev"], (URLS, CADVISOR)[value == "cadvisor"]["staging"]
            for o, n in zip(_escaped(old), _escaped(new)):
                text = text.replace(o, n)
        assert text == staging[path].decode(), path
        changed += dev[path] != staging[path]
    assert changed >= 4  # the datasources, the dashboards reading container_* metrics, the alert rules


def test_the_operator_objects_of_the_trees_validate_and_carry_the_sidecar_json(fleet):
    validator = validator_for(REPO)
    root, _ = fleet
    for env in ("staging", "prod"):
        base = root / "provisioning" / env
        for path in sorted((base / "kubernetes/grafana-operator").glob("*.yaml")):
            obj = yaml.safe_load(path.read_text())
            assert validator.errors(obj) == [], path
            selector = obj["spec"]["instanceSelector"]["matchLabels"]["dashboards"]
            assert selector == ("grafana-prod" if env == "prod" else "grafana")
            if obj["kind"] != "GrafanaDashboard":
                continue
            sidecar = next((base / "dashboards").rglob(f"{obj['spec']['uid']}.json")).read_text()
            if env == "staging":
                assert obj["spec"]["json"] == sidecar
            else:
                ref = obj["spec"]["configMapRef"]
                cm = yaml.safe_load((base / f"kubernetes/dashboards/{ref['name']}.yaml").read_text())
                assert cm["data"][ref["key"]] == sidecar


def test_without_environments_the_output_is_the_committed_one(project):
    """No environments: the same files, byte for byte, as the provisioning/ in git."""
    _repository(project, (REPO / "dashgen.yaml").read_text())
    shutil.copytree(REPO / "provisioning", project.root / "provisioning")
    result = project.run("build", "--check")
    assert result.code == 0, result.out + result.err
    assert "is up to date" in result.out


def test_check_reports_per_environment(project):
    _repository(project)
    first = project.run("build", "--check", "-o", "json")
    assert first.code == 2
    doc = json.loads(first.out)
    assert [t["environment"] for t in doc["environments"]] == list(ENVS) and not doc["up_to_date"]
    assert not (project.root / "provisioning").exists()
    assert project.run("build").code == 0
    project.write("dashgen.yaml", FLEET.replace(URLS["prod"], "http://prometheus-prod.other:9090"))
    again = project.run("build", "--check")
    assert again.code == 2
    assert "provisioning/dev/ is up to date" in again.out and "provisioning/prod/ is out of date" in again.out


def test_env_builds_one_environment(project):
    _repository(project)
    result = project.run("build", "--env", "staging")
    assert result.code == 0, result.err
    assert sorted(p.name for p in (project.root / "provisioning").iterdir()) == ["staging"]


# ----------------------------------------------------------------------- errors


def _fails_writing_nothing(project, *args) -> str:
    before = _tree(project.root) if project.root.exists() else {}
    result = project.run(*args)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert _tree(project.root) == before
    return lines[0]


def test_an_unknown_environment_is_one_line_and_writes_nothing(project):
    _repository(project)
    line = _fails_writing_nothing(project, "build", "--env", "qa")
    assert line == "error: dashgen.yaml: no environment 'qa' (environments: dev, prod, staging)"


def test_a_value_no_environment_provides_is_one_line_naming_source_and_environment(project):
    # A source that needs cluster.name, which only dev sets.
    _repository(project, FLEET.replace(
        f'    values: {{datasources: {{prometheus: {{url: "{URLS["dev"]}"}}}}}}',
        f'    values: {{cluster: {{name: dev-1}}, datasources: {{prometheus: {{url: "{URLS["dev"]}"}}}}}}'))
    project.write("dashboards/cluster_name.py", """
        import dashgen

        CLUSTER = dashgen.setting("cluster.name")
        manifests = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cluster-name"},
                      "data": {"name": CLUSTER}}]
    """)
    line = _fails_writing_nothing(project, "build")
    assert line == ("error: dashboards/cluster_name.py:3: reads 'values.cluster.name', which neither values: nor "
                    "environments.staging.values in dashgen.yaml sets (it has no default)")
    assert project.run("build", "--env", "dev").code == 0  # dev provides it


def test_an_excluded_folder_another_dashboard_links_to_is_one_line(project):
    _repository(project, FLEET.replace("    output: {kinds: [operator]}",
                                       "    output: {kinds: [operator]}\n    folders: {exclude: [empulse]}"))
    line = _fails_writing_nothing(project, "build")
    assert line.startswith("error: dashgen.yaml: environment 'staging' excludes folder 'empulse', but ")
    assert "links to its dashboard 'empulse-music'" in line


def test_an_excluded_folder_nothing_links_to_is_left_out(project):
    project.write("dashboards/team/a.py", grafanalib_dashboard("A", "team-a"))
    project.write("dashboards/other/b.py", grafanalib_dashboard("B", "other-b"))
    project.write("dashgen.yaml", "environments:\n  dev: {folders: {exclude: [other]}}\n  prod: {}\n")
    assert project.run("build").code == 0
    assert set(_tree(project.root / "provisioning/dev/dashboards")) == {"Team/team-a.json"}
    assert set(_tree(project.root / "provisioning/prod/dashboards")) == {"Team/team-a.json", "Other/other-b.json"}
    project.write("dashgen.yaml", "environments:\n  dev: {folders: {include: [tema]}}\n")
    line = _fails_writing_nothing(project, "build")
    assert line == "error: dashgen.yaml: key 'environments.dev.folders.include': no folder 'tema' (folders: other, team)"


def test_config_errors_of_environments(project):
    project.write("dashboards/team/a.py", grafanalib_dashboard("A", "team-a"))
    for config, message in [
        ("environments: {Prod: {}}", "key 'environments.Prod': environment names are lowercase"),
        ("environments: {prod: {output: {kinds: [operator]}}}",
         "key 'environments.prod.output.operator.instance_selector': required with kind operator"),
        ("environments: {prod: {output: {path: elsewhere}}}", "key 'environments.prod.output.path'"),
        ("environments: {prod: {alertmanager: {group_wait: 5}}}",
         "key 'environments.prod.alertmanager.group_wait': expected a string"),
        ("environments: {prod: {}}\ntargets: {g: {url: 'http://g', environment: dev}}",
         "key 'targets.g.environment': no environment 'dev' (environments: prod)"),
    ]:
        project.write("dashgen.yaml", config)
        line = _fails_writing_nothing(project, "build")
        assert line.startswith(f"error: dashgen.yaml: {message}"), line


# -------------------------------------------------------------------- migration


def test_switching_to_environments_removes_the_old_tree_and_nothing_else(project):
    project.write("dashboards/team/a.py", grafanalib_dashboard("A", "team-a"))
    assert project.run("build").code == 0
    old = set(json.loads((project.root / "provisioning/dashgen-files.json").read_text())["files"])
    project.write("provisioning/README.md", "notes kept by hand\n")
    project.write("provisioning/dashboards/Team/team-a.json", "{}\n")  # an owned file edited by hand
    project.write("dashgen.yaml", "environments: {dev: {}, prod: {}}\n")
    check = project.run("build", "--check")
    assert check.code == 2 and "would remove the tree of the layout before environments" in check.out
    result = project.run("build")
    assert result.code == 0, result.err
    assert "provisioning/: removed the tree of the layout before environments" in result.out
    assert "provisioning/dashboards/Team/team-a.json was edited by hand; deleted (nothing builds it)" in result.err
    files = set(_tree(project.root / "provisioning"))
    assert not any(p in files for p in old) and "dashgen-files.json" not in files
    assert "README.md" in files and "dev/kustomization.yaml" in files and "prod/kustomization.yaml" in files
    # An environment taken out of the config: its tree goes, announced.
    project.write("dashgen.yaml", "environments: {dev: {}}\n")
    result = project.run("build")
    assert "removed the tree of environment 'prod'" in result.out
    assert sorted(p.name for p in (project.root / "provisioning").iterdir()) == ["README.md", "dev"]
    assert project.run("build", "--check").code == 0


# ------------------------------------------------------------------------ secrets


def _secret_project(root: Path) -> Path:
    (root / "dashboards/team").mkdir(parents=True)
    (root / "dashboards/team/a.py").write_text(grafanalib_dashboard("A", "team-a"))
    (root / "dashboards/datasources.py").write_text(
        'datasources = [{"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki:3100",\n'
        '  "basicAuth": True, "basicAuthUser": "grafana",\n'
        '  "secureJsonData": {"basicAuthPassword": "${LOKI_PASSWORD}"}}]\n'
    )
    (root / "dashgen.yaml").write_text(
        "output: {kinds: [sidecar, operator], operator: {instance_selector: {matchLabels: {a: b}}}}\n"
        "environments: {dev: {}, prod: {output: {kinds: [operator]}}}\n"
    )
    return root


def _build_tree(root: Path) -> dict[str, bytes]:
    from dashgen import config as config_mod
    from dashgen.build import build_environments

    build_environments(config_mod.load(root=root))
    return _tree(root / "provisioning")


@pytest.fixture(scope="module")
def without_secret(tmp_path_factory) -> dict[str, bytes]:
    """The trees built with LOKI_PASSWORD unset."""
    saved = os.environ.pop("LOKI_PASSWORD", None)
    try:
        return _build_tree(_secret_project(tmp_path_factory.mktemp("baseline")))
    finally:
        if saved is not None:
            os.environ["LOKI_PASSWORD"] = saved


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=st.text(alphabet=string.ascii_letters + string.digits + "+/_-=!", min_size=16, max_size=40))
def test_no_secret_value_is_in_any_tree(tmp_path_factory, monkeypatch, without_secret, secret):
    """With the secret set in the environment (as for push), every tree is byte for byte what it is
    without it: no secret value can be in the output, only the reference to the Secret."""
    monkeypatch.setenv("LOKI_PASSWORD", secret)
    written = _build_tree(_secret_project(tmp_path_factory.mktemp("secrets")))
    assert written == without_secret and len(written) > 10
    if not any(secret.encode() in content for content in without_secret.values()):
        assert not any(secret.encode() in content for content in written.values())
    for env in ("dev", "prod"):
        path = f"{env}/kubernetes/grafana-operator/grafanadatasource-dashgen-datasource-loki.yaml"
        ds = yaml.safe_load(written[path])
        assert ds["spec"]["valuesFrom"][0]["valueFrom"]["secretKeyRef"] == {
            "name": "grafana-datasource-secrets",
            "key": "LOKI_PASSWORD",
        }
        assert ds["spec"]["datasource"]["secureJsonData"] == {"basicAuthPassword": "${LOKI_PASSWORD}"}


def test_a_large_dashboard_is_gzip_json_that_decodes_to_the_sidecar_json(project):
    panels = "\n".join(f"    {{'type': 'text', 'id': {i}, 'title': 'T{i}', 'gridPos': {{'h': 2, 'w': 24, 'x': 0, "
                       f"'y': {2 * i}}}, 'options': {{'mode': 'markdown', 'content': 'x' * 400}}}}," for i in range(1, 700))
    project.write("dashboards/big/big.py", f"dashboard = {{'title': 'Big', 'uid': 'big', 'panels': [\n{panels}\n]}}\n")
    project.write("dashgen.yaml", "output: {kinds: [sidecar, operator], operator: {instance_selector: {matchLabels: "
                                  "{a: b}}}}\nenvironments: {dev: {output: {kinds: [operator]}}}\n")
    assert project.run("build").code == 0
    base = project.root / "provisioning/dev"
    obj = yaml.safe_load((base / "kubernetes/grafana-operator/grafanadashboard-dashgen-big.yaml").read_text())
    sidecar = (base / "dashboards/Big/big.json").read_text()
    assert "json" not in obj["spec"]
    assert gzip.decompress(base64.b64decode(obj["spec"]["gzipJson"], validate=True)).decode() == sidecar


# ------------------------------------------------------------------- push / diff


def test_push_and_diff_work_on_the_named_environment(project, monkeypatch):
    project.write("dashboards/team/a.py", grafanalib_dashboard("A", "team-a"))
    project.write("dashboards/datasources.py", """
        import dashgen

        datasources = [{"name": "Prometheus", "type": "prometheus", "uid": "prometheus", "access": "proxy",
                        "url": dashgen.setting("prometheus_url")}]
    """)
    with GrafanaDouble() as dev, GrafanaDouble() as prod:
        monkeypatch.setenv("DEV_TOKEN", dev.token)
        monkeypatch.setenv("PROD_TOKEN", prod.token)
        project.write("dashgen.yaml", f"""
            environments:
              dev: {{values: {{prometheus_url: "http://prometheus-dev:9090"}}}}
              prod: {{values: {{prometheus_url: "http://prometheus-prod:9090"}}}}
            targets:
              dev: {{url: "{dev.url}", token_env: DEV_TOKEN, environment: dev}}
              prod: {{url: "{prod.url}", token_env: PROD_TOKEN, environment: prod}}
        """)
        result = project.run("push", "--all-targets", "-o", "json")
        assert result.code == 0, result.err
        doc = json.loads(result.out)
        assert [(t["target"], t["environment"]) for t in doc["targets"]] == [("dev", "dev"), ("prod", "prod")]
        urls = {name: [d["url"] for d in g.datasources(1).values()] for name, g in (("dev", dev), ("prod", prod))}
        assert urls == {"dev": ["http://prometheus-dev:9090"], "prod": ["http://prometheus-prod:9090"]}
        text = project.run("diff", "--target", "dev")
        assert text.code == 0 and ", environment dev" in text.out.splitlines()[0]
        same = project.run("diff", "--target", "prod", "--env", "prod", "-o", "json")
        assert same.code == 0 and json.loads(same.out)["targets"][0]["environment"] == "prod"
        wrong = project.run("diff", "--target", "prod", "--env", "dev")
        assert wrong.code == 1
        assert wrong.err.strip() == "error: target 'prod' runs environment 'prod' (targets.prod.environment), not 'dev'"
        monkeypatch.setenv("GRAFANA_URL", dev.url)
        monkeypatch.setenv("GRAFANA_TOKEN", dev.token)
        unnamed = project.run("diff")
        assert unnamed.code == 1 and "name one with --env NAME" in unnamed.err
        crossed = project.run("diff", "--env", "prod")  # dev's Grafana against prod's sources: the URL differs
        assert crossed.code == 2


def test_lint_verify_and_preview_take_the_environment(project):
    project.write("dashboards/team/a.py", grafanalib_dashboard("A", "team-a"))
    project.write("dashboards/cluster_name.py", """
        import dashgen

        manifests = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cluster-name"},
                      "data": {"name": dashgen.setting("cluster.name")}}]
    """)
    project.write("dashgen.yaml", "environments:\n  dev: {values: {cluster: {name: dev-1}}}\n"
                                  "  prod: {values: {cluster: {name: prod-1}}}\n")
    assert project.run("lint").code == 0  # every environment, each finding once
    assert project.run("lint", "--env", "prod").code == 0
    for command in ("verify", "preview"):
        result = project.run(command, "--env", "qa", "--prometheus-url", "http://127.0.0.1:9")
        assert result.code == 1
        assert result.err.strip() == "error: dashgen.yaml: no environment 'qa' (environments: dev, prod)"


def test_a_rebuild_passes_the_crds_update_rules(project):
    """The CRDs' transition rules (immutable uid and instanceSelector...) hold between one build
    and the next, when dashboards and values change."""
    validator = validator_for(REPO)
    _repository(project)
    assert project.run("build", "--env", "prod").code == 0
    base = project.root / "provisioning/prod/kubernetes/grafana-operator"
    before = {p.name: yaml.safe_load(p.read_text()) for p in base.glob("*.yaml")}
    project.write("dashgen.yaml", FLEET.replace(URLS["prod"], "http://thanos-query.monitoring:9090")
                  .replace("resync_period: 10m", "resync_period: 5m"))
    flux = project.root / "dashboards/gitops/flux.py"
    flux.write_text(flux.read_text().replace('"Flux objects', '"All Flux objects', 1))
    assert project.run("build", "--env", "prod").code == 0
    after = {p.name: yaml.safe_load(p.read_text()) for p in base.glob("*.yaml")}
    assert set(after) == set(before) and after != before
    for name, obj in after.items():
        assert validator.errors(obj, before[name]) == [], name


def test_operator_output_without_environments(project):
    project.write("dashboards/team/a.py", grafanalib_dashboard("A", "team-a"))
    project.write("dashgen.yaml", "output:\n  path: out\n  kinds: [operator]\n"
                                  "  operator: {instance_selector: {matchLabels: {team: a}}, allow_cross_namespace_import: true}\n")
    assert project.run("build").code == 0
    files = _tree(project.root / "out")
    assert yaml.safe_load(files["kustomization.yaml"])["resources"] == [
        "kubernetes/grafana-operator/grafanadashboard-dashgen-team-a.yaml",
        "kubernetes/grafana-operator/grafanafolder-dashgen-team.yaml"]
    board = yaml.safe_load(files["kubernetes/grafana-operator/grafanadashboard-dashgen-team-a.yaml"])
    assert board["spec"]["allowCrossNamespaceImport"] is True and board["spec"]["folderRef"] == "dashgen-team"
    assert not any(p.startswith("kubernetes/dashboards/") for p in files)


def test_a_setting_without_default_needs_a_value_without_environments_too(project):
    project.write("dashboards/cluster_name.py", """
        import dashgen

        manifests = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cluster-name"},
                      "data": {"name": dashgen.setting("cluster.name")}}]
    """)
    line = _fails_writing_nothing(project, "build")
    assert line == ("error: dashboards/cluster_name.py:4: reads 'values.cluster.name', which values: in dashgen.yaml "
                    "does not set (it has no default)")
    project.write("dashgen.yaml", "values: {cluster: {name: one}}\n")
    assert project.run("build").code == 0
