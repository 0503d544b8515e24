"""The corpus of real public Grafana dashboards, for tests to parametrize over.

``tests/corpus/MANIFEST.yaml`` lists every file: where it comes from (repository, path,
commit, licence) and what it is (shape, schemaVersion, Angular panel types, rows layout).
The dashboard files themselves are third-party data and are not committed to this
repository (tests/corpus/README.md says why and where they live); :func:`corpus_dir`
finds them. :func:`describe` computes the manifest's facts from a file, so a test can
check the manifest against the files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TESTS = Path(__file__).parent
MANIFEST = TESTS / "corpus" / "MANIFEST.yaml"
SHARED_CORPUS = TESTS.parent.parent / "shared" / "corpus"  # shared/ beside the clone (CI, developers)

SHAPES = ("export", "export-with-inputs", "api-body", "configmap", "resource")

# Panel types Grafana renders with AngularJS and migrates on load once Angular is off
# (graph→timeseries, singlestat→stat, table-old→table, piechart, worldmap→geomap,
# discrete→state-timeline). A core "table" panel that still carries the pre-7.0 "styles"
# is the old Angular table; it is reported as "table(styles)".
ANGULAR_TYPES = frozenset(
    {
        "graph",
        "singlestat",
        "grafana-singlestat-panel",
        "table-old",
        "grafana-piechart-panel",
        "grafana-worldmap-panel",
        "natel-discrete-panel",
    }
)
OLD_TABLE = "table(styles)"


@dataclass(frozen=True)
class Entry:
    """One corpus file as the manifest records it."""

    path: str  # relative to the corpus directory
    title: str
    repository: str
    repo_path: str
    commit: str
    source_url: str
    license: str
    shape: str
    schema_version: int | list[int] | None
    angular_panels: list[str]
    rows_layout: bool
    has_inputs: bool
    dashboards: int
    notes: str

    @property
    def origin(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def id(self) -> str:
        return self.path


def entries() -> list[Entry]:
    """Every manifest entry, in manifest order."""
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return [Entry(**item) for item in data["files"]]


def corpus_dir() -> Path | None:
    """Where the corpus files are, or None when they are not on this machine.

    ``DASHGEN_CORPUS`` wins; then ``tests/corpus/`` itself (a local copy laid next to the
    manifest); then ``shared/corpus`` beside the repository.
    """
    candidates = []
    if os.environ.get("DASHGEN_CORPUS"):
        candidates.append(Path(os.environ["DASHGEN_CORPUS"]))
    candidates += [MANIFEST.parent, SHARED_CORPUS]
    first = entries()[0].path
    for candidate in candidates:
        if (candidate / first).is_file():
            return candidate
    return None


def load(path: Path) -> list[Any]:
    """The documents in a corpus file: one for JSON, every document for YAML."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return [json.loads(text)]
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def _configmaps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc.get("kind") == "ConfigMapList":
        return [item for item in doc.get("items") or [] if item.get("kind") == "ConfigMap"]
    return [doc] if doc.get("kind") == "ConfigMap" else []


def _shape_and_dashboards(docs: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    first = docs[0]
    maps = [cm for doc in docs if isinstance(doc, dict) for cm in _configmaps(doc)]
    if maps:
        models = [
            json.loads(value)
            for cm in maps
            for key, value in sorted((cm.get("data") or {}).items())
            if key.endswith(".json")
        ]
        return "configmap", models
    if isinstance(first, dict) and first.get("kind") == "Dashboard" and isinstance(first.get("spec"), dict):
        return "resource", [doc["spec"] for doc in docs]
    if isinstance(first, dict) and isinstance(first.get("dashboard"), dict):
        return "api-body", [first["dashboard"]]
    if isinstance(first, dict) and "__inputs" in first:
        return "export-with-inputs", [first]
    return "export", [first]


def panels(model: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel of a dashboard: top level, inside collapsed rows, inside old ``rows``."""
    found: list[dict[str, Any]] = []
    for panel in model.get("panels") or []:
        found.append(panel)
        found += panel.get("panels") or []
    for row in model.get("rows") or []:
        found += row.get("panels") or []
    return found


def angular_panels(model: dict[str, Any]) -> set[str]:
    kinds = set()
    for panel in panels(model):
        kind = panel.get("type")
        if kind in ANGULAR_TYPES:
            kinds.add(kind)
        elif kind == "table" and "styles" in panel:
            kinds.add(OLD_TABLE)
    return kinds


def describe(path: Path) -> dict[str, Any]:
    """The manifest's computed facts about one corpus file."""
    docs = load(path)
    shape, models = _shape_and_dashboards(docs)
    versions = sorted({m["schemaVersion"] for m in models if "schemaVersion" in m})
    if len(models) == 1:
        version: int | list[int] | None = models[0].get("schemaVersion")
    else:
        version = versions
    return {
        "title": models[0].get("title") if len(models) == 1 else f"{len(models)} dashboards",
        "shape": shape,
        "schema_version": version,
        "angular_panels": sorted(set().union(*(angular_panels(m) for m in models))),
        "rows_layout": any(bool(m.get("rows")) for m in models),
        "has_inputs": any("__inputs" in m for m in models),
        "dashboards": len(models),
    }


# ------------------------------------------------------------------ Debian's packages
#
# The files above are not committed, so a fresh clone (CI) has them only when shared/corpus
# exists. Debian packages real dashboards too, and a test machine can always fetch a
# package as it fetches Prometheus: these are downloaded with `apt-get download` (nothing is
# installed) and unpacked into a cache. Their licences are in each package's copyright file.

DEBIAN_DASHBOARDS = {
    # package: (licence of the dashboards, paths inside the package)
    "ceph-grafana-dashboards": ("LGPL-2.1-or-later OR LGPL-3.0-only", [
        f"etc/grafana/dashboards/ceph-dashboard/{name}.json" for name in (
            "ceph-cluster", "cephfs-overview", "host-details", "hosts-overview", "osd-device-details",
            "osds-overview", "pool-detail", "pool-overview", "radosgw-detail", "radosgw-overview",
            "radosgw-sync-overview", "rbd-details", "rbd-overview")]),
    "prometheus-elasticsearch-exporter": ("Apache-2.0", [
        "usr/share/doc/prometheus-elasticsearch-exporter/examples/grafana/dashboard.json"]),
    "prometheus-redis-exporter": ("MIT", [
        "usr/share/doc/prometheus-redis-exporter/examples/grafana_prometheus_redis_dashboard.json",
        "usr/share/doc/prometheus-redis-exporter/examples/grafana_prometheus_redis_dashboard_exporter_version_0.3x.json"]),
    "prometheus-smokeping-prober": ("Apache-2.0", [
        "usr/share/doc/prometheus-smokeping-prober/examples/dashboard.json"]),
    "prometheus-squid-exporter": ("MIT", [
        "usr/share/doc/prometheus-squid-exporter/examples/squid-sample-dashboard.json"]),
}
DEBIAN_CACHE = TESTS.parent / ".pytest_cache" / "dashgen-debian-dashboards"


@dataclass(frozen=True)
class RealDashboard:
    """A file of real dashboards nobody here wrote, wherever it came from."""

    id: str  # "<origin>/<file>": a stable test id
    path: Path
    license: str
    origin: str  # repository or Debian package (with version)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def debian_dir() -> tuple[Path | None, str]:
    """Unpack the packages of :data:`DEBIAN_DASHBOARDS` once; (directory, why not) .

    Returns ``(None, reason)`` when apt-get cannot fetch them (not Debian, offline).
    ``DASHGEN_DEBIAN_DASHBOARDS`` points at an unpacked tree instead.
    """
    import shutil
    import subprocess
    import tempfile

    root = Path(os.environ.get("DASHGEN_DEBIAN_DASHBOARDS") or DEBIAN_CACHE)
    missing = [pkg for pkg in DEBIAN_DASHBOARDS if not (root / pkg / "VERSION").is_file()]
    if missing and not (shutil.which("apt-get") and shutil.which("dpkg-deb")):
        return None, "apt-get and dpkg-deb are needed to fetch Debian's packaged dashboards"
    for pkg in missing:
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(["apt-get", "download", "-q", pkg], cwd=tmp, capture_output=True, text=True)
            debs = list(Path(tmp).glob(f"{pkg}_*.deb"))
            if done.returncode != 0 or len(debs) != 1:
                reason = (done.stderr.strip().splitlines() or ["no .deb"])[-1]
                return None, f"apt-get download {pkg} failed ({reason}); run apt-get update first"
            target = root / pkg
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(target)], check=True)
            version = subprocess.run(["dpkg-deb", "-f", str(debs[0]), "Version"], check=True,
                                     capture_output=True, text=True).stdout.strip()
            (target / "VERSION").write_text(version + "\n", encoding="utf-8")
    return root, ""


def real_dashboards() -> tuple[list[RealDashboard], list[str]]:
    """Every real dashboard file on this machine, and why some sources are absent.

    Debian's packaged dashboards are always fetched (in CI a failure to fetch them is an
    error for the caller to raise); the manifest's files join when :func:`corpus_dir`
    finds them.
    """
    found: list[RealDashboard] = []
    absent: list[str] = []
    root, why = debian_dir()
    if root is None:
        absent.append(why)
    else:
        for pkg, (licence, paths) in DEBIAN_DASHBOARDS.items():
            version = (root / pkg / "VERSION").read_text(encoding="utf-8").strip()
            for rel in paths:
                found.append(RealDashboard(f"debian-{pkg}/{Path(rel).name}", root / pkg / rel, licence,
                                           f"Debian package {pkg} {version}"))
    corpus = corpus_dir()
    if corpus is None:
        absent.append("the manifest's corpus files are not on this machine (tests/corpus/README.md)")
    else:
        found += [RealDashboard(e.path, corpus / e.path, e.license, e.repository) for e in entries()]
    return found, absent
