"""`make report` finds Quarto, or installs the `quarto` extra itself, with a stand-in for `python -m pip`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analysis import report

# Stand-in for the venv's interpreter: `python -m pip install|uninstall ...` as pip would behave
# in the mode named by $FAKE_PIP; installing puts a `quarto` beside it, uninstalling removes it.
FAKE_PYTHON = """#!/bin/sh
here=$(dirname "$0")
echo "$*" >> "$here/pip.log"
case "$3 $FAKE_PIP" in
  "install works") printf '#!/bin/sh\\necho 1.10.18\\n' > "$here/quarto"; chmod +x "$here/quarto" ;;
  "install broken") printf '#!/bin/sh\\nexit 1\\n' > "$here/quarto"; chmod +x "$here/quarto" ;;
  "install fails") echo "ERROR: Could not build wheels for quarto-cli" >&2; exit 1 ;;
  "install hangs") sleep 5 ;;
  uninstall*) rm -f "$here/quarto" ;;
esac
"""


@pytest.fixture
def python(tmp_path, monkeypatch) -> Path:
    """A fake interpreter in a bin/ folder, with no real Quarto on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join(["/usr/bin", "/bin"]))
    return fake


def pip_calls(python: Path) -> list[str]:
    log = python.parent / "pip.log"
    return log.read_text().splitlines() if log.exists() else []


def test_the_version_bound_comes_from_pyproject():
    assert report.quarto_requirements() == ["quarto-cli>=1.5"]


def test_quarto_beside_the_interpreter_is_found(python):
    assert report.find_quarto(python) is None
    quarto = python.parent / "quarto"
    quarto.write_text("#!/bin/sh\n")
    quarto.chmod(0o755)
    assert report.find_quarto(python) == str(quarto)


def test_install_puts_a_working_quarto_beside_the_interpreter(python, monkeypatch):
    monkeypatch.setenv("FAKE_PIP", "works")
    quarto, reason = report.install_quarto(python)
    assert quarto == str(python.parent / "quarto") and reason == ""
    assert pip_calls(python) == ["-m pip install --quiet quarto-cli>=1.5"]


@pytest.mark.parametrize(
    "mode, why",
    [
        ("fails", "pip failed: ERROR: Could not build wheels for quarto-cli"),
        ("broken", "`quarto --version` does not run"),
        ("hangs", "pip did not finish within 1 s"),
    ],
)
def test_a_failed_install_says_why_and_leaves_nothing_behind(python, monkeypatch, mode, why):
    monkeypatch.setenv("FAKE_PIP", mode)
    monkeypatch.setattr(report, "PIP_TIMEOUT_S", 1)
    quarto, reason = report.install_quarto(python)
    assert quarto is None and why in reason
    assert pip_calls(python)[-1] == "-m pip uninstall --yes --quiet quarto-cli"
    assert report.find_quarto(python) is None
