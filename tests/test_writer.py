"""writer.py: the output directory is only ever changed inside, and only in files dashgen owns."""

from __future__ import annotations

import pytest

from dashgen.errors import DashgenError
from dashgen.writer import OutputWriter


@pytest.mark.parametrize("path", [
    "../outside.yaml", "kubernetes/../../outside.yaml", "{tmp}/outside.yaml", "", "a//b.yaml", "./a.yaml",
    "kubernetes/", "a\0b",
])
def test_add_refuses_paths_outside_the_output(tmp_path, path):
    out = tmp_path / "provisioning"
    path = path.replace("{tmp}", str(tmp_path))  # absolute
    with OutputWriter(out) as writer, pytest.raises(DashgenError, match="not a plain path inside the output"):
        writer.add(path, b"x\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_add_refuses_a_path_through_a_symlink_leading_out(tmp_path):
    out, elsewhere = tmp_path / "provisioning", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "kubernetes").symlink_to(elsewhere)
    with OutputWriter(out) as writer:
        with pytest.raises(DashgenError, match="not a plain path inside the output"):
            writer.add("kubernetes/x.yaml", b"x\n")
        writer.add("dashboards/x.json", b"{}\n")
        writer.finish()
    assert list(elsewhere.iterdir()) == []
    assert (out / "dashboards/x.json").read_bytes() == b"{}\n"
