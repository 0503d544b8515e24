"""main() as the `dashgen` program freezes what is left out of the garbage collector (the
process ends next); called with arguments, from Python, it leaves the collector alone."""

import gc
import subprocess
import sys

import pytest

from dashgen.cli import main


@pytest.fixture(autouse=True)
def _unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_program_freezes_what_is_left(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["dashgen", "--version"])
    main()
    assert "version" in capsys.readouterr().out
    assert gc.get_freeze_count() > 0


def test_a_call_from_python_does_not(capsys):
    main(["--version"])
    assert "version" in capsys.readouterr().out
    assert gc.get_freeze_count() == 0


def test_the_program_still_flushes_and_runs_exit_handlers(tmp_path):
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('exit handler ran', file=sys.stderr))\n"
        "sys.argv = ['dashgen', 'build', '--help']\n"
        "from dashgen.cli import main\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0
    assert "Usage: dashgen build" in proc.stdout
    assert "exit handler ran" in proc.stderr
