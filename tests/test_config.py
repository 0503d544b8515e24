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
