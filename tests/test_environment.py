"""pyproject.toml and environment.yml name the same packages."""
from __future__ import annotations

import re
import tomllib

import yaml
from conftest import REPO

# The PyPI package that installs Quarto is called quarto-cli; conda-forge calls it quarto.
RENAMED = {"quarto-cli": "quarto"}


def name(requirement: str) -> str:
    base = re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return RENAMED.get(base, base)


def test_pyproject_and_environment_name_the_same_packages():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_names = {name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        pip_names |= {name(r) for r in extra}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda_names = {name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python"}
    assert pip_names == conda_names
    assert "python=3.11" in env["dependencies"]
