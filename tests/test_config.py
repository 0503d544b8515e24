"""config.py: what load() carries besides the keys of the file."""

from __future__ import annotations

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
