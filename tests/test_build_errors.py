"""Every build-time error: one line, naming the file, exit 1, nothing written."""

from __future__ import annotations

import json

import pytest

from conftest import grafanalib_dashboard


def _fails(project, *expected: str, args=("build",)) -> str:
    result = project.run(*args)
    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.err
    for line in result.err.strip().splitlines():
        assert line.startswith("error: "), line
    for text in expected:
        assert text in result.err, result.err
    assert not (project.root / "provisioning").exists()
    return result.err


def test_import_error_names_file_and_line(project):
    project.write("dashboards/apps/bad.py", """
        from grafanalib.core import Dashboard
        x = 1
        dashboard = Dashboard(title="Bad", uid=missing_name)
    """)
    _fails(project, "error: dashboards/apps/bad.py:3: failed to import: NameError: name 'missing_name' is not defined")


def test_error_inside_a_helper_points_at_the_helper(project):
    project.write("dashboards/lib/helpers.py", "def panel():\n    return 1 / 0\n")
    project.write("dashboards/apps/uses.py", "from dashboards.lib.helpers import panel\ndashboard = panel()\n")
    _fails(project, "dashboards/lib/helpers.py:2: failed to import: ZeroDivisionError")


def test_syntax_error(project):
    project.write("dashboards/apps/bad.py", "dashboard = (\n")
    _fails(project, "dashboards/apps/bad.py:1: SyntaxError")


def test_debug_shows_the_traceback(project):
    import subprocess
    import sys

    project.write("dashboards/apps/bad.py", "raise ValueError('boom')\n")
    plain = subprocess.run([sys.executable, "-m", "dashgen", "build"], cwd=project.root, capture_output=True, text=True)
    debug = subprocess.run([sys.executable, "-m", "dashgen", "--debug", "build"], cwd=project.root,
                           capture_output=True, text=True)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "ValueError: boom" in debug.stderr


def test_debug_raises_through_main(project):
    from dashgen.cli import main
    from dashgen.errors import DashgenError

    project.write("dashboards/apps/bad.py", "raise ValueError('boom')\n")
    with pytest.raises(DashgenError):
        main(["--debug", "build"])


@pytest.mark.parametrize("source, message", [
    ("from grafanalib.core import Dashboard\ndashbaord = Dashboard(title='X', uid='x')\n",
     "defines a Dashboard as 'dashbaord'"),
    ("dashboards = []\n", "'dashboards' is empty"),
    ("dashboard = 42\n", "must be a grafanalib Dashboard or a dashboard dict, got int"),
    ("from grafanalib.core import TimeSeries\ndashboard = TimeSeries(title='p')\n", "got TimeSeries"),
    ("dashboard = {'panels': []}\n", "not a dashboard"),
    ("dashboards = 'x'\n", "'dashboards' must be a list"),
])
def test_module_that_defines_no_dashboard(project, source, message):
    project.write("dashboards/apps/bad.py", source)
    _fails(project, "dashboards/apps/bad.py: ", message)


def test_json_file_that_is_not_a_dashboard(project):
    project.write("dashboards/apps/list.json", "[1, 2]")
    _fails(project, "dashboards/apps/list.json: defines no dashboard")


def test_malformed_json(project):
    project.write("dashboards/apps/bad.json", '{"title": "x",\n "panels": [}\n')
    _fails(project, "dashboards/apps/bad.json:2: invalid JSON")


def test_a_to_json_data_that_raises_names_the_file(project):
    project.write("dashboards/apps/a.py", """
        from grafanalib.core import Dashboard, TimeSeries

        class Broken(TimeSeries):
            def to_json_data(self):
                raise AttributeError("nope")

        dashboard = Dashboard(title="A", uid="a", panels=[Broken(title="x")])
    """)
    _fails(project, "dashboards/apps/a.py: dashboard cannot be rendered as JSON: AttributeError: nope")


@pytest.mark.parametrize("value", ["float('nan')", "float('inf')", "-float('inf')"])
def test_nan_or_infinity_in_a_dashboard_is_an_error_naming_the_file(project, value):
    project.write("dashboards/apps/a.py", f"""
        from grafanalib.core import Dashboard, TimeSeries

        dashboard = Dashboard(title="A", uid="a", panels=[TimeSeries(title="x", extraJson={{"max": {value}}})])
    """)
    _fails(project, "dashboards/apps/a.py: dashboard cannot be rendered as JSON: ValueError: ",
           "is not a JSON number")
    project.write("dashboards/apps/a.py", f"""
        dashboard = {{"title": "A", "uid": "a", "panels": [{{"type": "text", "max": {value}}}]}}
    """)
    _fails(project, "dashboards/apps/a.py: dashboard cannot be rendered as JSON: ValueError: Out of range float")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_in_a_json_dashboard_is_invalid_json(project, constant):
    project.write("dashboards/apps/a.json", '{"title": "A", "uid": "a", "panels": [{"type": "text", "max": ' + constant + '}]}')
    _fails(project, f"dashboards/apps/a.json: invalid JSON: {constant} is not a JSON number")


def test_nan_in_a_datasource_is_not_plain_json(project):
    project.write("dashboards/datasources.py", """
        datasources = [{"name": "P", "type": "prometheus", "uid": "p", "jsonData": {"x": float("nan")}}]
    """)
    _fails(project, "dashboards/datasources.py: an item of 'datasources' is not plain JSON data")


def test_duplicate_uid(project):
    project.write("dashboards/apps/a.py", grafanalib_dashboard("A", "same"))
    project.write("dashboards/other/b.py", grafanalib_dashboard("B", "same"))
    _fails(project, "dashboards/apps/a.py: uid 'same' is also used by dashboards/other/b.py")


@pytest.mark.parametrize("uid, message", [
    ("a" * 41, "is 41 characters; Grafana allows at most 40"),
    ("has space", "has characters Grafana rejects"),
    ("slash/uid", "has characters Grafana rejects"),
    ("abc\n", "has characters Grafana rejects"),
])
def test_uid_grafana_rejects(project, uid, message):
    project.write("dashboards/apps/a.py", grafanalib_dashboard("A", uid))
    _fails(project, "dashboards/apps/a.py: ", message)


def test_uids_that_differ_only_in_case_in_one_folder(project):
    # Their files, dashboards/Apps/Abc.json and abc.json, are one file on macOS and Windows.
    project.write("dashboards/apps/a.py", grafanalib_dashboard("A", "Abc"))
    project.write("dashboards/apps/b.py", grafanalib_dashboard("B", "abc"))
    _fails(project, "dashboards/apps/b.py: uid 'abc' and uid 'Abc' of dashboards/apps/a.py give file names that "
           "differ only in case")


def test_same_title_in_one_folder(project):
    project.write("dashboards/apps/a.py", grafanalib_dashboard("Same", "a"))
    project.write("dashboards/apps/b.json", json.dumps({"title": "same", "uid": "b", "panels": []}))
    project.write("dashboards/other/c.py", grafanalib_dashboard("Same", "c"))  # another folder: fine
    err = _fails(project, "title 'Same' is also used in folder 'Apps' by dashboards/apps/b.json")
    assert "other/c.py" not in err


def test_nested_directories_are_refused_for_dashboards(project):
    project.write("dashboards/a/b/deep.py", grafanalib_dashboard("Deep", "deep"))
    _fails(project, "dashboards/a/b/deep.py: dashboards may sit at most one directory deep")


def test_two_files_with_the_same_module_name(project):
    project.write("dashboards/my-team/a.py", grafanalib_dashboard("A", "a"))
    project.write("dashboards/my_team/a.py", grafanalib_dashboard("B", "b"))
    _fails(project, "module name 'dashboards.my_team.a' is also taken")


def test_all_errors_are_reported_together(project):
    project.write("dashboards/apps/a.py", "raise RuntimeError('one')\n")
    project.write("dashboards/apps/b.py", "raise RuntimeError('two')\n")
    err = _fails(project, "apps/a.py:1: failed to import: RuntimeError: one", "apps/b.py:1: failed to import: RuntimeError: two")
    assert len(err.strip().splitlines()) == 2


@pytest.mark.parametrize("config, message", [
    ("nmespace: x\n", "unknown key 'nmespace' (did you mean 'namespace'?"),
    ("sidecar: {dashboard_labels: {grafana_dashboard: 1}}\n", "key 'sidecar.dashboard_labels.grafana_dashboard': expected a string"),
    ("sidecar: {folder_anotation: x}\n", "unknown key 'sidecar.folder_anotation'"),
    ("labels: [a]\n", "key 'labels': expected a mapping, got a list"),
    ("namespace: Not_Valid\n", "namespace 'Not_Valid' is not a valid Kubernetes namespace name"),
    ('namespace: "monitoring\\n"\n', "namespace 'monitoring\\n' is not a valid Kubernetes namespace name"),
    ('labels: {"team\\n": x}\n', "label key 'team\\n' is not valid"),
    ('labels: {team: "x\\n"}\n', "label value 'x\\n' (of team) is not valid"),
    ('targets: {prod: {url: "https://g.example.com", token_env: "TOKEN\\n"}}\n',
     "key 'targets.prod.token_env': expected the name of an environment variable"),
    ("labels: {'bad key!': x}\n", "label key 'bad key!' is not valid"),
    ("folders: {apps: General}\n", "folder title 'General' cannot be used"),
    ("values: {apps: {unused: 1}}\n", "key 'values.apps.unused' is not read by any source"),
    ("namespace: [\n", "invalid YAML"),
])
def test_config_errors_name_the_key(project, config, message):
    project.write("dashboards/apps/a.py", grafanalib_dashboard("A", "a"))
    project.write("dashgen.yaml", config)
    _fails(project, "dashgen.yaml", message)


@pytest.mark.parametrize("config, message", [
    ("values: {refresh: 5}\n", "conf/other.yaml: key 'values.refresh': expected str"),
    ("values: {apps: {unused: 1}}\n", "conf/other.yaml: key 'values.apps.unused' is not read by any source"),
    ("namespace: Not_Valid\n", "conf/other.yaml: namespace 'Not_Valid' is not a valid Kubernetes namespace name"),
    ("alertmanager: {routes: {critical: [pager]}}\n", "conf/other.yaml: alertmanager.routes and"),
    ("folders: {apps: General, more: {title: More, uid: same}, other: {title: Other, uid: same}}\n",
     "set another in conf/other.yaml folders.apps"),
    ("folders: {more: {title: More, uid: same}, other: {title: Other, uid: same}}\n",
     "conf/other.yaml: directories more, other share folder uid 'same'"),
])
def test_messages_name_the_config_file_in_use(project, config, message):
    project.write("dashboards/apps/a.py", grafanalib_dashboard("A", "a", extra="import dashgen; dashgen.setting('refresh', '30s')"))
    project.write("dashboards/more/b.py", grafanalib_dashboard("B", "b"))
    project.write("dashboards/other/c.py", grafanalib_dashboard("C", "c"))
    project.write("conf/other.yaml", "sources: ../dashboards\noutput: ../provisioning\n" + config)
    err = _fails(project, message, args=("--config", "conf/other.yaml", "build"))
    assert "dashgen.yaml" not in err


def test_setting_with_the_wrong_type(project):
    project.write("dashboards/apps/a.py", """
        import dashgen
        from grafanalib.core import Dashboard
        dashboard = Dashboard(title="A", uid="a", refresh=dashgen.setting("refresh", "30s", choices=["30s", "1m"]))
    """)
    project.write("dashgen.yaml", "values: {refresh: 5}\n")
    _fails(project, "key 'values.refresh': expected str")
    project.write("dashgen.yaml", "values: {refresh: 5s}\n")
    _fails(project, "key 'values.refresh': expected one of 30s, 1m, got '5s'")


def test_datasource_with_a_literal_secret(project):
    project.write("dashboards/datasources.py", """
        datasources = [{"name": "P", "type": "prometheus", "uid": "p", "url": "http://p",
                        "secureJsonData": {"basicAuthPassword": "hunter2"}}]
    """)
    err = _fails(project, "secureJsonData.basicAuthPassword must be an environment reference")
    assert "hunter2" not in err


def test_datasource_secret_reference_with_a_trailing_newline(project):
    project.write("dashboards/datasources.py", """
        datasources = [{"name": "P", "type": "prometheus", "uid": "p", "url": "http://p",
                        "secureJsonData": {"basicAuthPassword": "${DS_PASSWORD}\\n"}}]
    """)
    _fails(project, "secureJsonData.basicAuthPassword must be an environment reference")


def test_datasource_duplicates_and_two_defaults(project):
    project.write("dashboards/datasources.py", """
        datasources = [
            {"name": "P", "type": "prometheus", "uid": "p", "isDefault": True},
            {"name": "P", "type": "prometheus", "uid": "q", "isDefault": True},
            {"name": "R", "uid": "bad uid"},
        ]
    """)
    _fails(project, "datasource name 'P' is also defined", "more than one datasource has isDefault",
           "datasource 'R' needs a 'type'", "datasource uid 'bad uid' is not valid")


def test_manifest_errors(project):
    project.write("dashboards/monitors.py", """
        manifests = [
            {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor", "metadata": {"name": "Bad_Name"}},
            {"kind": "PodMonitor", "metadata": {"name": "x"}},
        ]
    """)
    _fails(project, "PodMonitor name 'Bad_Name' is not a valid Kubernetes name", "needs 'apiVersion' and 'kind'")


@pytest.mark.parametrize("kind", ["../../../outside", "Pod/Monitor", "Pod Monitor", "1Pod", "PodMonitor\n"])
def test_manifest_kind_must_be_a_kind(project, kind):
    project.write("dashboards/monitors.py", f"""
        manifests = [{{"apiVersion": "v1", "kind": {kind!r}, "metadata": {{"name": "x"}}}}]
    """)
    _fails(project, f"dashboards/monitors.py: kind {kind!r} is not a Kubernetes kind")
    assert not list(project.root.parent.glob("*outside*"))


def test_missing_sources_directory(project):
    project.write("dashgen.yaml", "sources: nowhere\n")
    _fails(project, "nowhere: sources directory not found")


def _big_dashboard(project, uid: str, size: int) -> None:
    blob = "x" * size
    project.write(f"dashboards/apps/{uid}.json", json.dumps(
        {"title": uid, "uid": uid, "panels": [{"type": "text", "title": "t", "options": {"content": blob}}]}))


def test_configmap_over_one_mebibyte_is_an_error(project):
    _big_dashboard(project, "huge", 1024 * 1024 + 10)
    _fails(project, "dashboards/apps/huge.json: ConfigMap grafana-dashboard-huge holds", "over Kubernetes' 1 MiB limit")


def test_configmap_over_the_annotation_limit_is_a_warning(project):
    _big_dashboard(project, "large", 300_000)
    result = project.run("build")
    assert result.code == 0
    assert "warning: dashboards/apps/large.json: ConfigMap grafana-dashboard-large is" in result.err
    assert "server-side" in result.err
    _big_dashboard(project, "large", 200_000)
    assert "warning" not in project.run("build").err


def test_a_failing_helper_is_reported_once(project):
    project.write("dashboards/lib/helpers.py", "raise RuntimeError('broken helper')\n")
    project.write("dashboards/apps/a.py", "from dashboards.lib import helpers\n")
    project.write("dashboards/apps/b.py", "from dashboards.lib import helpers\n")
    err = _fails(project, "dashboards/lib/helpers.py:1: failed to import: RuntimeError: broken helper")
    assert err.count("broken helper") == 1


def test_a_bad_setting_read_by_a_helper_is_a_config_error(project):
    project.write("dashboards/lib/settings.py", "import dashgen\nMODE = dashgen.setting('mode', 'a', choices=['a', 'b'])\n")
    project.write("dashboards/apps/a.py", "from dashboards.lib.settings import MODE\n")
    project.write("dashgen.yaml", "values: {mode: c}\n")
    err = _fails(project, "error: dashgen.yaml: key 'values.mode': expected one of a, b, got 'c'")
    assert "failed to import" not in err and err.count("values.mode") == 1
