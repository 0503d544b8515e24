"""config.py: what load() carries besides the keys of the file."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path

from dashgen import config


def test_config_knows_the_file_it_came_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert config.load().file == "dashgen.yaml"  # no file: the default name
    Path("dashgen.yaml").write_text("namespace: a\n")
    assert config.load().file == "dashgen.yaml"
    Path("conf").mkdir()
    Path("conf/other.yaml").write_text("namespace: b\n")
    loaded = config.load("conf/other.yaml")
    assert (loaded.file, loaded.root, loaded.namespace) == ("conf/other.yaml", Path("conf"), "b")


REPO = Path(__file__).resolve().parent.parent


def test_the_repositorys_alerts_link_to_its_grafana_not_localhost():
    url = config.load(REPO / "dashgen.yaml").values["alerts"]["grafana_url"]
    assert url.startswith("https://") and "localhost" not in url
    links = [line.split("dashboard_url:", 1)[1].strip()
             for path in sorted((REPO / "provisioning/kubernetes").glob("prometheusrule-*.yaml"))
             for line in path.read_text(encoding="utf-8").splitlines() if "dashboard_url:" in line]
    assert links and all(link.startswith(f"{url}/d/") for link in links)


# ----------------------------------------------------------------- docs/config.md

DOC = (REPO / "docs/config.md").read_text(encoding="utf-8")
KEYS_SECTION, _, REST = DOC.partition("## `values:` read by the shipped sources")
VALUES_SECTION = REST.partition("## Environment")[0]


def _key_paths(tp: type, prefix: str = ""):
    """Every key of dashgen.yaml as the docs write it: ``targets.<name>.url``, ``folders.<dir>.uid``."""
    hints = typing.get_type_hints(tp)
    for f in dataclasses.fields(tp):
        if f.metadata.get("internal"):
            continue
        path = prefix + f.metadata.get("key", f.name)
        hint = hints[f.name]
        if typing.get_origin(hint) in (typing.Union, types.UnionType):
            hint = next(a for a in typing.get_args(hint) if a is not type(None))
        if typing.get_origin(hint) is dict and dataclasses.is_dataclass(typing.get_args(hint)[1]):
            placeholder = "<dir>" if path == "folders" else "<name>"
            yield from _key_paths(typing.get_args(hint)[1], f"{path}.{placeholder}.")
        elif dataclasses.is_dataclass(hint) and hint is not config.SecretRef:
            yield from _key_paths(hint, f"{path}.")
        else:
            yield path


def test_docs_describe_every_key_of_dashgen_yaml():
    paths = list(_key_paths(config.Config))
    assert "alertmanager.receivers.<name>.email.from" in paths and "targets.<name>.ca_cert" in paths
    missing = [p for p in paths if not re.search(rf"`{re.escape(p)}[`.]", KEYS_SECTION)]
    assert missing == []


def test_docs_describe_exactly_the_values_the_shipped_sources_read():
    read = {m.group(1) for path in (REPO / "dashboards").rglob("*.py")
            for m in re.finditer(r"""dashgen\.setting\(\s*["']([\w.]+)["']""", path.read_text(encoding="utf-8"))}
    documented = set(re.findall(r"^\| `([^`]+)` \|", VALUES_SECTION, flags=re.M))
    assert "alerts.grafana_url" in read
    assert documented == read
