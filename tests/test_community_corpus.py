"""dashgen import --grafana-com over real dashboards: each real exported dashboard on this machine
is published on the grafana.com double and vendored, as a user would vendor it from grafana.com.

Every one either vendors (inputs filled, migrated, recorded) and then passes build's checks except
for what really breaks it (never a style rule, which is a warning on a vendored dashboard), or
stops with one line and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest

import corpus_data
from dashgen import config as config_mod
from dashgen.build import load_checked
from dashgen.community import import_dashboards
from dashgen.dashboard.document import read_document
from dashgen.dashboard.walk import templating_list
from dashgen.errors import DashgenError
from dashgen.lint.project import AUTHORING_RULES
from dashgen.migrate import angular_panels
from grafana_com_double import GrafanaComDouble

FOUND, ABSENT = corpus_data.real_dashboards()
EXPORTS = []
for real in FOUND:
    try:
        document = read_document(real.path.read_text(encoding="utf-8"), str(real.path))
    except (DashgenError, UnicodeDecodeError):
        continue
    model = document.dashboards[0] if document.dashboards else None
    if document.kind == "dashboard" and isinstance(model, dict) and "title" in model:
        EXPORTS.append(real)  # what grafana.com serves: an exported dashboard, no wrapper


@pytest.fixture(scope="module")
def gcom():
    with GrafanaComDouble() as double:
        yield double


def test_real_exports_are_on_this_machine():
    if not any(r.id.startswith("debian-") for r in EXPORTS):
        message = "; ".join(ABSENT) or "no exported dashboards found"
        if corpus_data.in_ci():
            pytest.fail(f"CI=true and the real dashboards are missing: {message}", pytrace=False)
        pytest.skip(message)


@pytest.mark.parametrize("real", EXPORTS, ids=[r.id for r in EXPORTS])
def test_a_real_export_vendors_and_builds_or_stops_in_one_line(real, gcom, tmp_path):
    content = real.path.read_bytes()
    model = json.loads(content)
    plugins = sorted({i.get("pluginId") for i in model.get("__inputs") or []
                      if isinstance(i, dict) and i.get("type") == "datasource" and i.get("pluginId")})
    sources = tmp_path / "dashboards"
    sources.mkdir()
    entries = [{"name": p, "type": p, "uid": re.sub(r"[^a-z0-9-]", "-", p), "access": "proxy",
                "url": "http://example:1"} for p in plugins]
    (sources / "datasources.py").write_text(f"datasources = {entries!r}\n")
    dashboard_id = 20000 + EXPORTS.index(real)
    gcom.publish(dashboard_id, content, name=real.id)
    config = config_mod.load(root=tmp_path)

    try:
        [planned] = import_dashboards(config, [str(dashboard_id)], url=gcom.url, folder="community")
    except DashgenError as exc:  # one line, nothing written
        assert "\n" not in str(exc) and str(exc).startswith(f"grafana.com dashboard {dashboard_id} revision 1: ")
        assert sorted(p.name for p in sources.rglob("*")) == ["datasources.py"]
        return

    text = planned.target.read_text()
    vendored = json.loads(text)
    # every input is filled: a token left is a reference to one of the dashboard's own variables
    # (canonical.py sends a datasource input to the dashboard's datasource variable of its type)
    variables = {v.get("name") for v in templating_list(vendored)}
    for name in [i["name"] for i in model.get("__inputs") or [] if isinstance(i, dict) and "name" in i]:
        assert "${" + name + "}" not in text or name in variables, name
    assert "__inputs" not in vendored and vendored["schemaVersion"] >= 39
    assert angular_panels(vendored) == []
    assert planned.origin.sha256 == hashlib.sha256(content).hexdigest()
    assert planned.record.is_file()

    try:
        resources, _ = load_checked(config)
    except DashgenError as exc:  # what breaks the dashboard itself, never its author's style
        rules = set(re.findall(r": ([a-z-]+-rule): ", str(exc)))
        assert rules and not rules & AUTHORING_RULES, str(exc)[:500]
        return
    [board] = resources.dashboards
    assert board.origin == planned.origin
