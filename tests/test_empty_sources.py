"""A build that finds no sources never deletes the whole output (issue 17, finding 4).

An uninitialised submodule, a sparse checkout or the wrong working directory used to build
"0 dashboards", delete every owned file including kustomization.yaml, and exit 0: with
Flux pruning, the cluster lost every dashboard, rule and monitor.
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import grafanalib_dashboard


def _built(project) -> dict[str, bytes]:
    project.write("dashboards/gitops/flux.py", grafanalib_dashboard("Flux", "flux"))
    project.write("dashboards/datasources.py", """
        datasources = [{"name": "Prometheus", "uid": "prometheus", "type": "prometheus",
                        "url": "http://prometheus:9090", "access": "proxy", "isDefault": True}]
    """)
    project.write("provisioning/README.md", "not dashgen's\n")
    result = project.run("build")
    assert result.code == 0, result.err
    return project.tree()


def _empty_sources(project, keep: str | None = None) -> None:
    root = project.root / "dashboards"
    shutil.rmtree(root)
    root.mkdir()  # what an uninitialised submodule looks like
    if keep:
        project.write(keep, "X = 1\n")


@pytest.mark.parametrize("keep", [None, "dashboards/lib/__init__.py"], ids=["empty", "helpers only"])
@pytest.mark.parametrize("check", [False, True], ids=["build", "check"])
def test_no_sources_with_owned_files_is_an_error_naming_the_directory(project, keep, check):
    before = _built(project)
    _empty_sources(project, keep)
    doomed = json.loads(project.run("build", "--check", "--allow-empty", "-o", "json").out)["removed"]
    assert "kustomization.yaml" in doomed and "dashboards/Gitops/flux.json" in doomed
    result = project.run("build", *(["--check"] if check else []))
    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        f"error: found no sources in {project.root / 'dashboards'} (no dashboard, datasource, rule group or "
        f"manifest), but this build would delete {len(doomed)} of the files provisioning/dashgen-files.json lists; check "
        "that this is the sources directory (an uninitialised git submodule? a sparse checkout? the wrong working "
        "directory?), or pass --allow-empty to delete them\n")
    assert project.tree() == before


def test_allow_empty_deletes_what_dashgen_owns(project):
    before = _built(project)
    _empty_sources(project)
    result = project.run("build", "--allow-empty")
    assert result.code == 0, result.err
    after = project.tree()
    assert after["README.md"] == before["README.md"]  # never dashgen's
    assert not any(p.startswith(("dashboards/", "kubernetes/dashboards/")) for p in after)
    assert project.run("build", "--check").code == 0  # now up to date: nothing left to refuse


def test_a_new_project_with_no_sources_builds(project):
    result = project.run("build")  # nothing is owned yet, so nothing would be deleted
    assert result.code == 0, result.err
    assert "built 0 dashboards" in result.out
