"""pyproject.toml, uv.lock, environment.yml and the Makefile describe one environment."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from typing import Any

import yaml
from conftest import REPO
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

# The PyPI package that installs Quarto is called quarto-cli; conda-forge calls it quarto.
RENAMED = {"quarto-cli": "quarto"}


def name(requirement: str) -> str:
    base = re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return RENAMED.get(base, base)


def project() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def lock() -> dict[str, Any]:
    return tomllib.loads((REPO / "uv.lock").read_text())


def conda_dependencies() -> list[str]:
    """environment.yml's packages, those pip installs into the environment included (but pip itself)."""
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    listed = env["dependencies"]
    from_pip = [p for d in listed if isinstance(d, dict) for p in d.get("pip", [])]
    return [d for d in listed if isinstance(d, str) and d != "pip"] + from_pip


def locked_versions() -> dict[str, str]:
    """Each locked package's version on this machine: where the lock forks by platform or Python, the one
    whose resolution markers hold here."""
    return {
        p["name"]: p["version"]
        for p in lock()["package"]
        if not p.get("resolution-markers") or any(Marker(m).evaluate() for m in p["resolution-markers"])
    }


def extra_of(marker: str) -> str:
    """The extra a locked requirement belongs to ("" for the main dependencies), whatever platform marker the
    lock joins to it."""
    found = re.search(r"extra == '([^']+)'", marker)
    return found[1] if found else ""


def declared() -> set[tuple[str, SpecifierSet, str]]:
    """pyproject.toml's requirements as (name, versions, extra); "" for the main dependencies."""
    meta = project()
    extras = [("", meta["dependencies"]), *meta["optional-dependencies"].items()]
    return {
        (canonicalize_name(req.name), req.specifier, extra) for extra, reqs in extras for req in map(Requirement, reqs)
    }


def test_pyproject_and_environment_name_the_same_packages():
    meta = project()
    pip_names = {name(r) for r in meta["dependencies"]}
    for extra in meta["optional-dependencies"].values():
        pip_names |= {name(r) for r in extra}
    conda_names = {name(d) for d in conda_dependencies()} - {"python"}
    assert pip_names == conda_names
    assert "python=3.11" in conda_dependencies()


def test_lock_is_generated_from_pyproject():
    """`make lock` after every change to the dependencies: uv.lock records what it was resolved from."""
    meta = project()
    ours = next(p for p in lock()["package"] if p["name"] == meta["name"])
    recorded = {
        (d["name"], SpecifierSet(d.get("specifier", "")), extra_of(d.get("marker", "")))
        for d in ours["metadata"]["requires-dist"]
    }
    assert recorded == declared(), "uv.lock is out of date with pyproject.toml: run `make lock` and commit uv.lock"
    assert set(ours["metadata"]["provides-extras"]) == set(meta["optional-dependencies"])
    assert lock()["requires-python"] == meta["requires-python"]


def test_locked_versions_meet_pyproject():
    versions = locked_versions()
    for package, specifier, _ in declared():
        assert specifier.contains(versions[package], prereleases=True), (
            f"{package}{specifier}: locked {versions[package]}"
        )


def test_environment_pins_the_locked_versions():
    """A conda user gets the versions a pip user gets: every package both name is pinned to the lock's version."""
    versions = {RENAMED.get(n, n): v for n, v in locked_versions().items()}
    pins = dict(d.split("==") for d in conda_dependencies() if d != "python=3.11")
    assert {n: versions[n] for n in pins} == pins


def test_makefile_bootstraps_the_locked_uv():
    pinned = re.search(r"^UV_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert pinned and pinned[1] == locked_versions()["uv"]


def test_ci_and_pre_commit_run_every_check_on_all_code():
    """`make lint` is the one list of checks: ruff and ruff format on the code and the notebooks' code cells,
    mypy and nbstripout; actionlint and zizmor on the workflows, always (not only where installed)."""
    recipe = subprocess.run(["make", "-s", "-n", "lint"], cwd=REPO, check=True, capture_output=True, text=True)
    commands = [line.split(" -m ", 1)[1] for line in recipe.stdout.splitlines() if " -m " in line]
    checked = "analysis tests benchmarks"
    assert f"ruff check {checked} notebooks" in commands and f"ruff format --check {checked} notebooks" in commands
    mypy = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]
    assert "mypy" in commands and mypy["files"] == checked.split()
    assert "nbstripout --keep-id --verify notebooks/*.ipynb" in commands
    lines = recipe.stdout.splitlines()
    assert any(line.endswith("/bin/actionlint .github/workflows/*.yml") and "if " not in line for line in lines)
    assert any(line.endswith("/bin/zizmor --offline --persona pedantic .github/workflows/") for line in lines)
    assert re.search(r"^make lint$", (REPO / ".ci" / "run").read_text(), re.MULTILINE), ".ci/run must run make lint"
    hooks = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert [h["entry"] for h in hooks] == ["make lint"]


def fresh_python(code: str) -> subprocess.CompletedProcess[str]:
    """`code` run by a new Python process in the checkout: what it imports is what a report or kernel imports."""
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True, text=True)


def test_reading_notebooks_compiles_no_iri_grammars():
    """Where the package is imported first (every report, kernel and test process), nbformat still validates
    notebooks, without jsonschema's IRI checker and the Lark grammars it compiles on import (analysis/__init__.py)."""
    code = (
        "import sys, analysis, nbformat, nbclient, nbconvert;"
        " nbformat.validate(nbformat.read('notebooks/02-eda.ipynb', as_version=4));"
        " print(sorted(m for m in ('rfc3987_syntax', 'lark') if sys.modules.get(m)))"
    )
    shown = fresh_python(code)
    assert shown.stdout.strip() == "[]"


def test_scikit_learn_is_imported_only_to_fit_a_model():
    """The facts and every notebook import the package's model modules; scikit-learn (a second of CPU) loads
    only when a clustering or topic model is fitted, not in a kernel or report that fits none of them."""
    code = (
        "import sys, analysis.facts, analysis.clusters, analysis.cluster_null, analysis.lda, analysis.topic_null;"
        " print('sklearn' in sys.modules)"
    )
    shown = fresh_python(code)
    assert shown.stdout.strip() == "False"
