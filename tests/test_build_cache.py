"""The build cache never changes what a build gives: same files, warnings and errors as a cold build.

A cached build runs only the sources whose bytes, or the bytes of a local module they
import, changed; an entry that is damaged is ignored; a broken source still writes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import grafanalib_dashboard
from dashgen.build import build
from dashgen.config import load as load_config
from dashgen.errors import DashgenError, DashgenErrors

# ----------------------------------------------------------------- a project to edit


def _helper(panels: int, note: str = "") -> str:
    return f'print("ran lib.common")\nPANELS = {panels}\nNOTE = {note!r}\n'


def _app(name: str, version: int, *, helper: bool) -> str:
    """A dashboard module; ``helper``: its panel count comes from dashboards/lib/common.py."""
    panels = "common.PANELS" if helper else "2"
    note = " + common.NOTE" if helper else ""
    return textwrap.dedent(f"""
        import dashgen
        {"from dashboards.lib import common" if helper else ""}

        print("ran {name}")
        SUFFIX = dashgen.setting("suffix", "")
        dashboard = {{
            "title": "App {name} v{version}" + SUFFIX,
            "uid": "app-{name}",
            "editable": False,
            "templating": {{"list": [{{"name": "datasource", "type": "datasource", "query": "prometheus"}}]}},
            "panels": [
                {{
                    "id": i + 1,
                    "type": "timeseries",
                    "title": f"Panel {{i}}",
                    "description": "Requests per second."{note},
                    "datasource": {{"type": "prometheus", "uid": "${{datasource}}"}},
                    "fieldConfig": {{"defaults": {{"unit": "reqps"}}, "overrides": []}},
                    "gridPos": {{"h": 8, "w": 12, "x": 0, "y": i * 8}},
                    "targets": [{{"refId": "A", "expr": "sum(rate(http_requests_total[$__rate_interval]))"}}],
                }}
                for i in range({panels} + {version % 3})
            ],
        }}
    """).lstrip()


def _json_dashboard(version: int) -> str:
    """An exported dashboard with an ``__inputs`` datasource: canonical form reads the sources' datasources."""
    return json.dumps(
        {
            "__inputs": [{"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus"}],
            "title": f"Exported v{version}",
            "uid": "exported",
            "editable": False,
            "schemaVersion": 39,
            "panels": [
                {
                    "id": 1,
                    "type": "timeseries",
                    "title": "Up",
                    "description": "Targets up.",
                    "datasource": {"type": "prometheus", "uid": "${DS_PROM}"},
                    "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                    "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                    "targets": [{"refId": "A", "expr": "sum(up)"}],
                }
            ],
        },
        indent=2,
    )


def _datasources(uid: str) -> str:
    return (
        'print("ran datasources")\n'
        f'datasources = [{{"name": "Prometheus", "type": "prometheus", "uid": "{uid}", '
        '"url": "http://prometheus:9090", "access": "proxy", "isDefault": True}]\n'
    )


def _config(suffix: str, kinds: str = "[sidecar, operator]") -> str:
    values = f"values:\n  suffix: {suffix!r}\n" if suffix else ""
    operator = "  operator:\n    instance_selector: {matchLabels: {dashboards: grafana}}\n"
    return f"output:\n  kinds: {kinds}\n{operator}{values}"


def _make_project(root: Path) -> None:
    files = {
        "dashgen.yaml": _config(""),
        "dashboards/lib/__init__.py": "",
        "dashboards/lib/common.py": _helper(2),
        "dashboards/apps/a.py": _app("a", 0, helper=True),
        "dashboards/apps/b.py": _app("b", 0, helper=True),
        "dashboards/apps/c.py": _app("c", 0, helper=False),
        "dashboards/datasources.py": _datasources("prom"),
        "dashboards/exported/exported.json": _json_dashboard(0),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def _tree(base: Path) -> dict[str, bytes]:
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def _outcome(config, **kwargs) -> tuple:
    """What a build gives: its warnings, notes and counts, or its error messages."""
    try:
        result = build(config, **kwargs)
    except DashgenErrors as exc:
        return ("errors", sorted(str(e) for e in exc.errors))
    except DashgenError as exc:
        return ("errors", [str(exc)])
    return ("built", [str(w) for w in result.warnings], result.notes, result.counts)


def _both(root: Path) -> None:
    """A cached build into provisioning/ and a cold one into cold/ agree, byte for byte."""
    config = load_config(root=root)
    cached = _outcome(config)
    cold_config = dataclasses.replace(config, output=dataclasses.replace(config.output, path="cold"))
    cold = _outcome(cold_config, use_cache=False)
    assert cached == cold
    assert _tree(root / "provisioning") == _tree(root / "cold")


# ------------------------------------------------------------------- the property

NAMES = ("a", "b", "c", "d")

edits = st.one_of(
    st.tuples(st.just("helper"), st.integers(1, 4), st.sampled_from(["", " (shared)"])),
    st.tuples(st.just("source"), st.sampled_from(NAMES), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("config"), st.sampled_from(["", " (prod)", " (dev)"]), st.sampled_from(["sidecar", "operator"])),
    st.tuples(st.just("delete"), st.sampled_from(NAMES)),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("datasource"), st.sampled_from(["prom", "prometheus", "mimir"])),
    st.tuples(st.just("json"), st.integers(0, 3)),
    st.tuples(st.just("break"), st.sampled_from(NAMES)),
    st.tuples(st.just("damage"), st.integers(0, 20)),
)


def _apply(root: Path, edit: tuple, cache: Path) -> None:
    kind, *args = edit
    apps = root / "dashboards" / "apps"
    if kind == "helper":
        (root / "dashboards/lib/common.py").write_text(_helper(args[0], args[1]))
    elif kind == "source":
        name, version, helper = args
        (apps / f"{name}.py").write_text(_app(name, version, helper=helper))
    elif kind == "config":
        suffix, kinds = args
        (root / "dashgen.yaml").write_text(_config(suffix, f"[{kinds}]"))
    elif kind == "delete":
        (apps / f"{args[0]}.py").unlink(missing_ok=True)
    elif kind == "rename":
        if (apps / f"{args[0]}.py").exists():
            (apps / f"{args[0]}.py").rename(apps / f"{args[1]}.py")
    elif kind == "datasource":
        (root / "dashboards/datasources.py").write_text(_datasources(args[0]))
    elif kind == "json":
        (root / "dashboards/exported/exported.json").write_text(_json_dashboard(args[0]))
    elif kind == "break":
        (apps / f"{args[0]}.py").write_text("dashboard = (\n")
    elif kind == "damage":
        entries = sorted((cache / "entries").glob("*.json")) if (cache / "entries").is_dir() else []
        if entries:
            entry = entries[args[0] % len(entries)]
            entry.write_bytes(entry.read_bytes()[: args[0] * 7])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(edits, min_size=1, max_size=6))
def test_a_cached_build_gives_what_a_cold_build_gives(steps):
    with tempfile.TemporaryDirectory() as tmp:
        root, cache = Path(tmp) / "project", Path(tmp) / "cache"
        root.mkdir()
        _make_project(root)
        previous = os.environ.get("DASHGEN_CACHE_DIR")
        os.environ["DASHGEN_CACHE_DIR"] = str(cache)
        try:
            _both(root)
            for step in steps:
                _apply(root, step, cache)
                _both(root)
        finally:
            if previous is None:
                del os.environ["DASHGEN_CACHE_DIR"]
            else:
                os.environ["DASHGEN_CACHE_DIR"] = previous


# ---------------------------------------------------------------- what is run again


def _ran(err: str) -> set[str]:
    return {line.removeprefix("ran ") for line in err.splitlines() if line.startswith("ran ")}


def _cache_dir(project, monkeypatch) -> Path:
    cache = project.root.parent / "build-cache"
    monkeypatch.setenv("DASHGEN_CACHE_DIR", str(cache))
    return cache


def test_a_changed_helper_runs_exactly_its_dependants_again(project, monkeypatch):
    _cache_dir(project, monkeypatch)
    _make_project(project.root)
    first = project.run("build")
    assert first.code == 0, first.err
    assert _ran(first.err) == {"lib.common", "a", "b", "c", "datasources"}
    again = project.run("build")
    assert again.code == 0 and _ran(again.err) == set()
    assert "(0 added, 0 changed, 0 removed" in again.out

    (project.root / "dashboards/lib/common.py").write_text(_helper(3))
    changed = project.run("build")
    assert changed.code == 0, changed.err
    assert _ran(changed.err) == {"lib.common", "a", "b"}  # c and the datasources do not import it
    assert "(0 added, 5 changed, 0 removed" in changed.out  # a and b: their JSON and ConfigMap; the record
    built = project.tree()
    assert project.run("build", "--no-cache").code == 0
    assert project.tree() == built


def test_a_helper_imported_through_another_helper_is_a_dependency(project, monkeypatch):
    _cache_dir(project, monkeypatch)
    project.write("dashboards/lib/__init__.py", "")
    project.write("dashboards/lib/deep.py", "TITLE = 'one'\n")
    project.write("dashboards/lib/shallow.py", "from dashboards.lib.deep import TITLE\n")
    project.write(
        "dashboards/apps/x.py",
        grafanalib_dashboard("X", "x", extra="from dashboards.lib.shallow import TITLE; print('ran x')"),
    )
    assert project.run("build").code == 0
    project.write("dashboards/lib/deep.py", "TITLE = 'two'\n")
    result = project.run("build")
    assert result.code == 0 and _ran(result.err) == {"x"}


def test_a_changed_datasource_makes_every_dashboard_again(project, monkeypatch):
    _cache_dir(project, monkeypatch)
    _make_project(project.root)
    assert project.run("build").code == 0
    (project.root / "dashboards/datasources.py").write_text(_datasources("mimir"))
    assert project.run("build").code == 0
    exported = json.loads(next((project.root / "provisioning/dashboards").rglob("exported.json")).read_text())
    assert exported["panels"][0]["datasource"]["uid"] == "mimir"
    built = project.tree()
    assert project.run("build", "--no-cache").code == 0
    assert project.tree() == built


# ------------------------------------------------------------- damage and failures


def test_a_damaged_entry_is_ignored_and_written_again(project, monkeypatch):
    cache = _cache_dir(project, monkeypatch)
    _make_project(project.root)
    assert project.run("build").code == 0
    built = project.tree()
    entries = sorted((cache / "entries").glob("*.json"))
    assert entries
    entries[0].write_bytes(entries[0].read_bytes()[:40])  # truncated
    for entry in entries[1:]:
        data = bytearray(entry.read_bytes())
        data[-3] ^= 1  # one bit flipped
        entry.write_bytes(bytes(data))
    result = project.run("build")
    assert result.code == 0, result.err
    assert _ran(result.err) == {"lib.common", "a", "b", "c", "datasources"}
    assert project.tree() == built
    assert _ran(project.run("build").err) == set()  # the entries were written again


def test_a_damaged_blob_is_never_trusted(project, monkeypatch):
    cache = _cache_dir(project, monkeypatch)
    _make_project(project.root)
    assert project.run("build").code == 0
    built = project.tree()
    for blob in (cache / "blobs").rglob("*"):
        if blob.is_file():
            blob.write_bytes(b'{"title": "not this"}')
    shutil.rmtree(project.root / "provisioning" / "dashboards")  # the files must be made again
    (project.root / "dashboards/datasources.py").write_text(_datasources("mimir"))  # and the models too
    (project.root / "dashboards/datasources.py").write_text(_datasources("prom"))
    result = project.run("build")
    assert result.code == 0, result.err
    assert project.tree() == built


def test_a_broken_source_writes_nothing_with_the_cache_warm(project, monkeypatch):
    _cache_dir(project, monkeypatch)
    _make_project(project.root)
    assert project.run("build").code == 0
    before = _tree(project.root)
    (project.root / "dashboards/apps/b.py").write_text("dashboard = (\n")
    after_edit = _tree(project.root)
    result = project.run("build")
    assert result.code == 1
    assert result.err.strip().splitlines() == ["error: dashboards/apps/b.py:1: SyntaxError: '(' was never closed"]
    assert _tree(project.root) == after_edit != before
    assert project.run("build", "--check").code == 1


def test_lint_errors_come_back_from_the_cache(project, monkeypatch):
    _cache_dir(project, monkeypatch)
    project.write("dashboards/apps/bad.py", grafanalib_dashboard("Bad", "bad").replace("[$__rate_interval]", "[$__rate_interval"))
    first = project.run("build")
    second = project.run("build")
    assert first.code == second.code == 1
    assert first.err == second.err and "error: dashboards/apps/bad.py" in first.err
    assert not (project.root / "provisioning").exists()


def test_check_uses_the_cache(project, monkeypatch):
    _cache_dir(project, monkeypatch)
    _make_project(project.root)
    assert project.run("build").code == 0
    result = project.run("build", "--check")
    assert result.code == 0 and _ran(result.err) == set()
    (project.root / "dashboards/apps/c.py").write_text(_app("c", 1, helper=True))
    result = project.run("build", "--check")
    assert result.code == 2 and _ran(result.err) == {"c", "lib.common"}  # c imports the helper now


def test_the_cache_is_at_the_project_root_by_default(project, monkeypatch):
    monkeypatch.delenv("DASHGEN_CACHE_DIR")
    project.write("dashboards/apps/x.py", grafanalib_dashboard("X", "x"))
    assert project.run("build").code == 0
    assert (project.root / ".dashgen-cache" / "entries").is_dir()
    shutil.rmtree(project.root / ".dashgen-cache")
    assert project.run("build", "--no-cache").code == 0
    assert not (project.root / ".dashgen-cache").exists()


def test_worker_processes_make_what_one_process_makes(tmp_path, monkeypatch):
    import dashgen.build

    monkeypatch.setenv("DASHGEN_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "project"
    root.mkdir()
    _make_project(root)
    for i in range(12):
        (root / f"dashboards/apps/many{i}.py").write_text(_app(f"many{i}", i, helper=i % 2 == 0))
    config = load_config(root=root)
    alone_config = dataclasses.replace(config, output=dataclasses.replace(config.output, path="alone"))
    monkeypatch.setattr(dashgen.build, "PARALLEL_FROM", 10**9)
    alone = _outcome(alone_config, use_cache=False)
    monkeypatch.setattr(dashgen.build, "PARALLEL_FROM", 1)
    assert _outcome(config) == alone  # and the cache is filled from what the workers made
    assert _tree(root / "provisioning") == _tree(root / "alone")
    (root / "dashboards/datasources.py").write_text(_datasources("mimir"))  # every dashboard again, from the cache
    (root / "dashboards/apps/many3.py").write_text("dashboard = {'title': 'x', 'panels': [], 'uid': 'a/b'}\n")
    monkeypatch.setattr(dashgen.build, "PARALLEL_FROM", 10**9)
    alone = _outcome(alone_config, use_cache=False)
    monkeypatch.setattr(dashgen.build, "PARALLEL_FROM", 1)
    assert _outcome(config) == alone
    assert alone[0] == "errors"
    # The workers make dashboards as they load them, with the datasources of the files that assign
    # them (run first): a file that gives datasources another way makes them all again, here.
    (root / "dashboards/apps/many3.py").write_text(_app("many3", 3, helper=True))
    (root / "dashboards/lib/ds.py").write_text(_datasources("elsewhere").replace("datasources =", "DATASOURCES ="))
    (root / "dashboards/datasources.py").write_text("from dashboards.lib.ds import DATASOURCES as datasources\n")
    monkeypatch.setattr(dashgen.build, "PARALLEL_FROM", 10**9)
    alone = _outcome(alone_config, use_cache=False)
    monkeypatch.setattr(dashgen.build, "PARALLEL_FROM", 1)
    assert _outcome(config, use_cache=False) == alone
    assert alone[0] == "built", alone
    assert _tree(root / "provisioning") == _tree(root / "alone")
    assert b'"uid": "elsewhere"' in (root / "alone/dashboards/Exported/exported.json").read_bytes()
    (root / "dashboards/apps/many3.py").write_text("dashboard = (\n")  # an error while loading, in a worker
    (root / "dashboards/apps/many5.py").write_text("import dashgen\nX = dashgen.setting('nowhere')\n")
    monkeypatch.setattr(dashgen.build, "PARALLEL_FROM", 10**9)
    alone = _outcome(alone_config, use_cache=False)
    monkeypatch.setattr(dashgen.build, "PARALLEL_FROM", 1)
    assert _outcome(config) == alone
    assert len(alone[1]) == 2, alone


def test_push_with_the_cache_warm_writes_nothing_to_grafana_when_a_source_is_broken(project, monkeypatch):
    """The contract with push: whatever push takes from the cache, a broken source stops it before any write."""
    from grafana_double import GrafanaDouble

    _cache_dir(project, monkeypatch)
    project.write("dashboards/apps/x.py", grafanalib_dashboard("X", "x"))
    project.write("dashboards/apps/y.py", grafanalib_dashboard("Y", "y"))
    with GrafanaDouble() as grafana:
        monkeypatch.setenv("GRAFANA_URL", grafana.url)
        monkeypatch.setenv("GRAFANA_TOKEN", grafana.token)
        assert project.run("build").code == 0  # the cache warm
        assert project.run("push").code == 0
        project.write("dashboards/apps/y.py", grafanalib_dashboard("Y", "y", panels=2))
        project.write("dashboards/apps/x.py", "dashboard = (\n")
        grafana.reset_log()
        result = project.run("push")
        assert result.code == 1 and "dashboards/apps/x.py:1: SyntaxError" in result.err
        assert grafana.writes() == 0


def _plan(project, *args: str) -> tuple[int, list, list[str]]:
    """A push or diff's exit code, its planned actions (JSON diffs included) and what it warned of."""
    result = project.run(*args, "-o", "json")
    doc = json.loads(result.out) if result.out.strip() else {"targets": [{"actions": None}]}
    warned = [line for line in result.err.splitlines() if not line.startswith("ran ")]
    return result.code, doc["targets"][0]["actions"], warned


def test_push_and_diff_plan_with_the_cache_what_they_plan_without_it(project, monkeypatch):
    from grafana_double import GrafanaDouble

    _cache_dir(project, monkeypatch)
    _make_project(project.root)
    with GrafanaDouble() as grafana:
        monkeypatch.setenv("GRAFANA_URL", grafana.url)
        monkeypatch.setenv("GRAFANA_TOKEN", grafana.token)
        assert project.run("push").code == 0  # push writes no cache: nothing in it yet
        assert project.run("build").code == 0
        warm = project.run("diff")
        assert warm.code == 0 and _ran(warm.err) == set()  # every source from the cache
        cold = project.run("diff", "--no-cache")
        assert "exported.json: exported: template-datasource-rule" in warm.err  # a lint warning, from the entry
        assert warm.err == "".join(line for line in cold.err.splitlines(True) if not line.startswith("ran "))
        edits = [
            ("dashboards/apps/c.py", _app("c", 1, helper=False), {"c"}),  # one source
            ("dashboards/lib/common.py", _helper(3, " More."), {"c", "a", "b", "lib.common"}),  # a helper: a and b
            ("dashboards/datasources.py", _datasources("mimir"), {"c", "a", "b", "lib.common", "datasources"}),
        ]  # the last: every dashboard made canonical again, from what its source gave
        for path, text, runs in edits:
            (project.root / path).write_text(text)
            grafana.reset_log()
            for command in (["diff"], ["push", "--dry-run"]):
                cold = _plan(project, *command, "--no-cache")
                assert _ran(project.run(*command, "-o", "json").err) == runs
                assert _plan(project, *command) == cold
                assert cold[0] == (2 if command == ["diff"] else 0) and cold[1], cold
            assert grafana.writes() == 0
            if path.endswith("common.py"):  # (Grafana refuses a datasource's new uid: push before that edit)
                assert project.run("push").code == 0  # from the cache: what it wrote is what the sources give
                assert _plan(project, "diff", "--no-cache")[0] == 0


def test_lint_findings_of_cached_sources_still_fail_push(project, monkeypatch):
    from grafana_double import GrafanaDouble

    _cache_dir(project, monkeypatch)
    project.write("dashgen.yaml", "lint:\n  strict: true\n")
    project.write("dashboards/apps/x.py", grafanalib_dashboard("X", "x"))
    no_unit = grafanalib_dashboard("Y", "y").replace('unit="reqps",', "")  # a warning, an error with strict
    project.write("dashboards/apps/y.py", 'print("ran y")\n' + no_unit)
    with GrafanaDouble() as grafana:
        monkeypatch.setenv("GRAFANA_URL", grafana.url)
        monkeypatch.setenv("GRAFANA_TOKEN", grafana.token)
        built = project.run("build")
        assert built.code == 1 and "error: dashboards/apps/y.py" in built.err  # entries kept, still
        cold = project.run("push", "--no-cache")
        warm = project.run("push")
        assert _ran(cold.err) == {"y"} and _ran(warm.err) == set()
        assert warm.code == cold.code == 1 and "panel-units-rule" in warm.err
        assert warm.err == cold.err.replace("ran y\n", "")
        assert grafana.writes() == 0


def test_push_runs_a_source_whose_cached_models_are_damaged(project, monkeypatch):
    from grafana_double import GrafanaDouble

    cache = project.root / "own-cache"  # blobs of its own: damaged here, they must not trouble other tests
    monkeypatch.setenv("DASHGEN_CACHE_DIR", str(cache))
    _make_project(project.root)
    with GrafanaDouble() as grafana:
        monkeypatch.setenv("GRAFANA_URL", grafana.url)
        monkeypatch.setenv("GRAFANA_TOKEN", grafana.token)
        assert project.run("build").code == 0 and project.run("push").code == 0
        entry = json.loads(next(p for p in (cache / "entries").glob("*.json") if b'"dashboards/apps/c.py"' in p.read_bytes())
                           .read_bytes().partition(b"\n")[2])
        model = entry["dashboards"][0]["model"]
        (cache / "blobs" / model[:2] / model).write_bytes(b'{"title": "not this"}')
        grafana.reset_log()
        result = project.run("diff")
        assert result.code == 0 and _ran(result.err) == {"c"}, result.out + result.err
        assert grafana.writes() == 0 and _plan(project, "diff") == _plan(project, "diff", "--no-cache")


def test_a_build_without_the_cache_compresses_only_the_dashboards_it_keeps(tmp_path, monkeypatch):
    """A dashboard a worker made for good (no datasource could make it otherwise) is never
    compressed: nothing keeps it. One that reads the datasources is, to be made again."""
    import zlib

    from dashgen import sources
    from dashgen.build import _Stream
    from dashgen.writer import OutputWriter

    root = tmp_path / "project"
    root.mkdir()
    _make_project(root)
    (root / "dashboards/apps/made.py").write_text(grafanalib_dashboard("Made", "made"))
    config = load_config(root=root)
    compressed: list[bytes] = []
    compress = zlib.compress
    monkeypatch.setattr(zlib, "compress", lambda data, level=-1: compressed.append(data) or compress(data, level))
    with OutputWriter(config.output_dir, check=True) as out:
        stream = _Stream(config, out, None)
        stream._before_fork([])  # what the workers start with
        units, _ = sources.load_units(config, loaded=stream._loaded)
    kept = [raw for u in units for raw in u.raw]
    made = [u for u in units if u.dashboards and not u.raw]
    assert made and kept  # made.py's schema and datasources are set; the other apps' are not
    assert len(compressed) == len(kept)
