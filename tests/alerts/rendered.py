"""Build this repository's sources and hand the rendered alerting rules to promtool.

The promtool unit tests in this directory (``*.test.yaml``) carry no ``rule_files``:
:func:`run_promtool_tests` adds the rule groups exactly as ``dashgen build`` wrote them
into the PrometheusRule objects, so the tests exercise what ships, not a copy. A test
file may hold ``dashgen_values:``, settings to build the rules with (``values:`` of
dashgen.yaml); it is removed before promtool reads the file.
"""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent


@dataclasses.dataclass
class Rendered:
    output: Path  # the build's output directory
    objects: dict[str, dict[str, Any]]  # kubernetes/<file> -> object

    def of_kind(self, kind: str) -> dict[str, dict[str, Any]]:
        return {path: obj for path, obj in self.objects.items() if obj.get("kind") == kind}

    @property
    def rule_groups(self) -> list[dict[str, Any]]:
        return [g for obj in self.of_kind("PrometheusRule").values() for g in obj["spec"]["groups"]]

    @property
    def alerts(self) -> dict[str, dict[str, Any]]:
        return {r["alert"]: r for g in self.rule_groups for r in g["rules"] if "alert" in r}

    def write_rule_files(self, directory: Path) -> list[str]:
        """Each PrometheusRule's spec as a Prometheus rule file; returns the file names."""
        names = []
        for path, obj in sorted(self.of_kind("PrometheusRule").items()):
            name = Path(path).stem + ".rules.yaml"
            (directory / name).write_text(yaml.safe_dump(obj["spec"], sort_keys=False), encoding="utf-8")
            names.append(name)
        return names


def render_repo(out: Path, *, values: dict[str, Any] | None = None, **overrides: Any) -> Rendered:
    """``dashgen build`` of this repository (its dashgen.yaml, plus ``values``/overrides) into ``out``."""
    from dashgen import config as config_mod
    from dashgen.build import build

    cfg = config_mod.load(REPO / "dashgen.yaml")
    cfg = dataclasses.replace(cfg, output=str(out), values={**cfg.values, **(values or {})}, **overrides)
    build(cfg)
    objects = {}
    for path in sorted((out / "kubernetes").rglob("*.yaml")):
        objects[str(path.relative_to(out))] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Rendered(out, objects)


def load_test(test_file: Path) -> dict[str, Any]:
    return yaml.safe_load(test_file.read_text(encoding="utf-8"))


def values_of(test_file: Path) -> dict[str, Any]:
    return load_test(test_file).get("dashgen_values") or {}


def run_promtool_tests(promtool: str, rule_files_dir: Path, rule_files: list[str], test_file: Path,
                       workdir: Path) -> subprocess.CompletedProcess:
    """``promtool test rules`` on ``test_file`` with the rule files found in ``rule_files_dir``."""
    doc = load_test(test_file)
    doc.pop("dashgen_values", None)
    doc["rule_files"] = [str((rule_files_dir / f).resolve()) for f in rule_files]
    target = workdir / test_file.name
    target.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return subprocess.run([promtool, "test", "rules", str(target)], capture_output=True, text=True, timeout=300)


def promtool_test_files() -> list[Path]:
    return sorted(TESTS.glob("*.test.yaml"))
