"""dashgen build: loading, output layout, reproducibility, --check and ownership."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import grafanalib_dashboard
from dashgen.canonical import SCHEMA_VERSION

DATASOURCES = """
    datasources = [
        {"name": "Prometheus", "type": "prometheus", "uid": "prometheus",
         "url": "http://prometheus-operated.monitoring:9090", "access": "proxy"},
    ]
"""


def _basic(project):
    project.write("dashboards/gitops/flux.py", grafanalib_dashboard("Flux", "flux", panels=3))
    project.write("dashboards/kubernetes/cluster.py", grafanalib_dashboard("Cluster", "cluster"))
    project.write("dashboards/datasources.py", DATASOURCES)
    project.write("dashboards/lib/helpers.py", "def nothing():\n    return 1\n")


def test_build_writes_the_documented_layout(project):
    _basic(project)
    project.write("dashgen.yaml", "folders: {gitops: GitOps}\n")
    result = project.run("build")
    assert result.code == 0, result.err
    files = set(project.tree())
    assert files == {
        "dashboards/GitOps/flux.json",
        "dashboards/Kubernetes/cluster.json",
        "grafana/datasources/dashgen.yaml",
        "grafana/dashboards/dashgen.yaml",
        "kubernetes/dashboards/grafana-dashboard-flux.yaml",
        "kubernetes/dashboards/grafana-dashboard-cluster.yaml",
        "kubernetes/dashgen-grafana-datasources.yaml",
        "kustomization.yaml",
        "dashgen-files.json",
    }
    assert "2 dashboards in 2 folders, 1 datasources" in result.out


def test_dashboard_json_is_canonical(project):
    _basic(project)
    assert project.run("build").code == 0
    raw = (project.root / "provisioning/dashboards/Gitops/flux.json").read_bytes()
    model = json.loads(raw)
    assert raw == (json.dumps(model, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    for volatile in ("id", "version", "iteration"):
        assert volatile not in model
    assert model["schemaVersion"] == SCHEMA_VERSION
    assert [p["id"] for p in model["panels"]] == [1, 2, 3]
    # grafanalib's nulls and Angular-era keys are gone; refIds are filled in.
    assert "null" not in raw.decode()
    for key in ("rows", "style", "hideControls", "sharedCrosshair"):
        assert key not in model
    target = model["panels"][0]["targets"][0]
    assert target["refId"] == "A" and "step" not in target and "query" not in target


def test_second_build_changes_no_byte(project):
    _basic(project)
    assert project.run("build").code == 0
    before = project.tree()
    mtimes = {p: os.stat(project.root / "provisioning" / p).st_mtime_ns for p in before}
    result = project.run("build")
    assert result.code == 0
    assert "0 added, 0 changed, 0 removed" in result.out
    assert project.tree() == before
    assert {p: os.stat(project.root / "provisioning" / p).st_mtime_ns for p in before} == mtimes


def test_output_is_identical_across_processes_and_hash_seeds(project):
    _basic(project)
    outputs = []
    for seed, out in (("1", "out-a"), ("4242", "out-b")):
        project.write("dashgen.yaml", f"output: {out}\n")
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-m", "dashgen", "build"], cwd=project.root, env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        outputs.append(project.tree(out))
    assert outputs[0] == outputs[1]


def test_check_reports_changes_and_writes_nothing(project):
    _basic(project)
    result = project.run("build", "--check")
    assert result.code == 2
    assert "+ dashboards/Gitops/flux.json" in result.out
    assert not (project.root / "provisioning").exists()

    assert project.run("build").code == 0
    assert project.run("build", "--check").code == 0

    before = project.tree()
    project.write("dashboards/gitops/flux.py", grafanalib_dashboard("Flux", "flux", panels=4))
    (project.root / "dashboards/kubernetes/cluster.py").unlink()
    project.write("dashboards/new.json", json.dumps({"title": "New", "uid": "new", "panels": []}))
    result = project.run("build", "--check", "--output", "json")
    assert result.code == 2
    doc = json.loads(result.out)
    assert doc["up_to_date"] is False
    assert "dashboards/new.json" in doc["added"]
    assert "dashboards/Gitops/flux.json" in doc["changed"]
    assert set(doc["removed"]) == {"dashboards/Kubernetes/cluster.json",
                                   "kubernetes/dashboards/grafana-dashboard-cluster.yaml"}
    assert project.tree() == before


def test_removed_dashboard_disappears_and_foreign_files_stay(project):
    _basic(project)
    assert project.run("build").code == 0
    foreign = {
        "README.md": b"# hand-written\n",
        "kubernetes/extra.yaml": b"kind: ConfigMap\n",
        "dashboards/Kubernetes/notes.txt": b"keep me\n",
    }
    for rel, content in foreign.items():
        (project.root / "provisioning" / rel).write_bytes(content)
    (project.root / "dashboards/kubernetes/cluster.py").unlink()
    assert project.run("build").code == 0
    tree = project.tree()
    assert "dashboards/Kubernetes/cluster.json" not in tree
    assert "kubernetes/dashboards/grafana-dashboard-cluster.yaml" not in tree
    assert "grafana-dashboard-cluster" not in tree["kustomization.yaml"].decode()
    for rel, content in foreign.items():
        assert tree[rel] == content
    record = json.loads(tree["dashgen-files.json"])["files"]
    assert set(record) == set(tree) - set(foreign) - {"dashgen-files.json"}


def test_empty_directories_of_removed_files_are_pruned(project):
    _basic(project)
    assert project.run("build").code == 0
    (project.root / "dashboards/kubernetes/cluster.py").unlink()
    assert project.run("build").code == 0
    assert not (project.root / "provisioning/dashboards/Kubernetes").exists()


def test_foreign_file_at_a_generated_path_is_refused_and_untouched(project):
    _basic(project)
    target = project.root / "provisioning/dashboards/Gitops/flux.json"
    target.parent.mkdir(parents=True)
    target.write_text("mine\n")
    result = project.run("build")
    assert result.code == 1
    assert "did not write" in result.err and "flux.json" in result.err
    assert target.read_text() == "mine\n"
    assert not (project.root / "provisioning/dashgen-files.json").exists()


def test_failed_build_leaves_previous_output_exactly(project):
    _basic(project)
    assert project.run("build").code == 0
    before = project.tree()
    project.write("dashboards/gitops/flux.py", grafanalib_dashboard("Flux", "flux", panels=5))
    project.write("dashboards/broken.py", "raise RuntimeError('boom')\n")
    result = project.run("build")
    assert result.code == 1
    assert project.tree() == before
    assert not list((project.root / "provisioning").glob(".dashgen-staging-*"))


def test_hand_edited_output_is_overwritten_with_a_warning(project):
    _basic(project)
    assert project.run("build").code == 0
    path = project.root / "provisioning/dashboards/Gitops/flux.json"
    original = path.read_bytes()
    path.write_text("{}\n")
    result = project.run("build")
    assert result.code == 0
    assert "edited by hand" in result.err
    assert path.read_bytes() == original


def test_damaged_or_hostile_record_is_an_error(project):
    _basic(project)
    assert project.run("build").code == 0
    record = project.root / "provisioning/dashgen-files.json"
    outside = project.root / "precious.txt"
    outside.write_text("do not delete\n")
    record.write_text(json.dumps({"files": {"../precious.txt": "0" * 64}}))
    (project.root / "dashboards/kubernetes/cluster.py").unlink()
    result = project.run("build")
    assert result.code == 1 and "outside the output directory" in result.err
    assert outside.read_text() == "do not delete\n"
    record.write_text("not json")
    assert "damaged" in project.run("build").err


def test_json_dashboards_go_the_same_way(project):
    ds = {"type": "prometheus", "uid": "${datasource}"}
    exported = {
        "id": 42, "uid": "exported", "title": "Exported", "version": 17, "schemaVersion": 41, "editable": False,
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
        "panels": [{"id": 1, "type": "stat", "title": "Up", "description": "Targets up.", "datasource": ds,
                    "fieldConfig": {"defaults": {"unit": "short"}},
                    "targets": [{"expr": "sum(up)", "refId": "A", "datasource": ds}]}],
    }
    project.write("dashboards/apps/exported.json", json.dumps(exported))
    # The body of GET /api/dashboards/uid/<uid>, saved as it is, works too.
    project.write("dashboards/apps/saved.json",
                  json.dumps({"dashboard": {**exported, "uid": "saved", "title": "Saved"}, "meta": {"version": 3}}))
    # So does a dashboard.grafana.app resource (Grafana 12's API, gcx, Grizzly).
    project.write("dashboards/apps/resource.json", json.dumps({
        "apiVersion": "dashboard.grafana.app/v1beta1", "kind": "Dashboard", "metadata": {"name": "resource"},
        "spec": {**exported, "uid": "resource", "title": "Resource"}}))
    assert project.run("build").code == 0
    assert project.run("lint", "--strict", "dashboards/apps/resource.json").code == 0
    model = json.loads((project.root / "provisioning/dashboards/Apps/exported.json").read_text())
    assert "id" not in model and "version" not in model
    assert model["schemaVersion"] == SCHEMA_VERSION  # the schema steps 41 -> 42 ran; nothing else changed
    assert model["panels"] == exported["panels"]
    assert json.loads((project.root / "provisioning/dashboards/Apps/saved.json").read_text())["title"] == "Saved"
    assert json.loads((project.root / "provisioning/dashboards/Apps/resource.json").read_text())["panels"] == exported["panels"]


def test_module_with_a_list_of_dashboards_and_dicts(project):
    project.write("dashboards/team/many.py", """
        from grafanalib.core import Dashboard
        dashboards = [
            Dashboard(title="One", uid="one"),
            {"title": "Two", "uid": "two", "panels": []},
        ]
    """)
    assert project.run("build").code == 0
    assert {"dashboards/Team/one.json", "dashboards/Team/two.json"} <= set(project.tree())


def test_any_file_and_directory_name_works(project):
    # grafanalib's own naming (x.dashboard.py) and directories that are not identifiers.
    project.write("dashboards/my-team/svc.dashboard.py", grafanalib_dashboard("Svc", "svc"))
    assert project.run("build").code == 0
    assert (project.root / "provisioning/dashboards/My Team/svc.json").exists()


def test_folder_titles_and_uids_from_config(project):
    project.write("dashboards/empulse/app.py", grafanalib_dashboard("App", "app"))
    project.write("dashgen.yaml", "folders:\n  empulse: {title: EmPulse Music, uid: empulse}\n")
    assert project.run("build").code == 0
    cm = yaml.safe_load((project.root / "provisioning/kubernetes/dashboards/grafana-dashboard-app.yaml").read_text())
    assert cm["metadata"]["annotations"]["grafana_folder"] == "EmPulse Music"
    assert (project.root / "provisioning/dashboards/EmPulse Music/app.json").exists()


def test_setting_reads_values_from_config(project):
    project.write("dashboards/a.py", """
        import dashgen
        from grafanalib.core import Dashboard
        dashboard = Dashboard(title=dashgen.setting("app.title", "Default"), uid="a")
    """)
    assert project.run("build").code == 0
    assert json.loads((project.root / "provisioning/dashboards/a.json").read_text())["title"] == "Default"
    project.write("dashgen.yaml", "values:\n  app:\n    title: Configured\n")
    assert project.run("build").code == 0
    assert json.loads((project.root / "provisioning/dashboards/a.json").read_text())["title"] == "Configured"


def test_config_file_option_and_output_dir(project):
    _basic(project)
    project.write("conf/other.yaml", "output: ../rendered\nsources: ../dashboards\n")
    assert project.run("--config", "conf/other.yaml", "build").code == 0
    assert (project.root / "rendered/kustomization.yaml").exists()
    missing = project.run("--config", "nope.yaml", "build")
    assert missing.code == 1 and "nope.yaml: config file not found" in missing.err


def test_generated_kubernetes_objects_are_valid(project):
    _basic(project)
    project.write("dashgen.yaml", "labels: {team: platform}\nnamespace: observability\n")
    assert project.run("build").code == 0
    from dashgen.names import ANNOTATIONS_MAX_BYTES, CONFIGMAP_MAX_BYTES, DNS_SUBDOMAIN_RE, is_qualified_name

    out = project.root / "provisioning"
    kustomization = yaml.safe_load((out / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {str(p.relative_to(out)) for p in (out / "kubernetes").rglob("*.yaml")}
    assert listed == on_disk
    names = set()
    for rel in sorted(listed):
        obj = yaml.safe_load((out / rel).read_text())
        meta = obj["metadata"]
        assert obj["apiVersion"] == "v1" and obj["kind"] == "ConfigMap"
        assert DNS_SUBDOMAIN_RE.match(meta["name"]) and len(meta["name"]) <= 253
        assert meta["namespace"] == "observability"
        assert meta["labels"]["team"] == "platform"
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "dashgen"
        assert meta["annotations"]["kustomize.toolkit.fluxcd.io/substitute"] == "disabled"
        assert all(is_qualified_name(k) for k in {**meta["labels"], **meta["annotations"]})
        assert sum(len(v.encode()) for v in obj["data"].values()) <= CONFIGMAP_MAX_BYTES
        assert len(json.dumps(obj, separators=(",", ":")).encode()) <= ANNOTATIONS_MAX_BYTES
        names.add(meta["name"])
        if meta["name"].startswith("grafana-dashboard-"):
            uid = meta["name"].removeprefix("grafana-dashboard-")
            assert meta["labels"]["grafana_dashboard"] == "1"
            assert list(obj["data"]) == [f"{uid}.json"]
            # The ConfigMap carries exactly the canonical JSON file.
            folder = meta["annotations"]["grafana_folder"]
            assert obj["data"][f"{uid}.json"] == (out / "dashboards" / folder / f"{uid}.json").read_text()
        else:
            assert meta["labels"]["grafana_datasource"] == "1"
            ds = yaml.safe_load(obj["data"]["dashgen-datasources.yaml"])
            assert ds["datasources"][0]["uid"] == "prometheus"
    assert names == {"grafana-dashboard-flux", "grafana-dashboard-cluster", "dashgen-grafana-datasources"}


def test_kubectl_kustomize_builds_the_output(project):
    import shutil

    import pytest

    kubectl = shutil.which("kubectl")
    if not kubectl:
        pytest.skip("kubectl not installed: install it (https://kubernetes.io/docs/tasks/tools/) to run this check")
    _basic(project)
    assert project.run("build").code == 0
    proc = subprocess.run([kubectl, "kustomize", "provisioning"], cwd=project.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    kinds = [(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(proc.stdout)]
    assert ("ConfigMap", "grafana-dashboard-flux") in kinds and len(kinds) == 3


def test_grafana_provisioning_files(project):
    _basic(project)
    project.write("dashgen.yaml", "grafana: {dashboards_path: /dash}\n")
    assert project.run("build").code == 0
    provider = yaml.safe_load((project.root / "provisioning/grafana/dashboards/dashgen.yaml").read_text())
    assert provider["apiVersion"] == 1
    (p,) = provider["providers"]
    assert p["options"] == {"path": "/dash", "foldersFromFilesStructure": True}
    assert "folder" not in p and "folderUid" not in p  # not allowed with foldersFromFilesStructure
    ds = yaml.safe_load((project.root / "provisioning/grafana/datasources/dashgen.yaml").read_text())
    assert ds["apiVersion"] == 1 and ds["datasources"][0]["name"] == "Prometheus"


@pytest.mark.parametrize("args", [["--help"], ["build"], ["lint"]])
def test_commands_without_http_import_no_http_library(project, args):
    """Import only what a command uses: the HTTP layer (niquests, urllib3, grafana-client) is push/diff/verify's."""
    _basic(project)
    code = ("import sys; from dashgen.cli import main\n"
            f"try: main({args!r})\nexcept SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('grafana_client', 'niquests', 'requests', 'urllib3') or m in ('dashgen.http', 'dashgen.grafana.client')))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_pre_commit_hook_runs_build_check():
    hooks = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "dashgen-build-check"]
    assert hook["entry"].split()[:3] == ["dashgen", "build", "--check"]
    assert hook["pass_filenames"] is False


def test_progress_bar_on_a_terminal_for_large_builds_only(project, monkeypatch):
    import sys

    from dashgen import cli

    project.write("dashboards/apps/a.py", grafanalib_dashboard("A", "a"))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    small = project.run("build")
    assert small.code == 0 and "loading sources" not in small.err
    monkeypatch.setattr(cli, "PROGRESS_FROM", 1)
    large = project.run("build", "--check")
    assert "loading sources" in large.err and "100%" in large.err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    piped = project.run("build", "--check")
    assert "loading sources" not in piped.err
