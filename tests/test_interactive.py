"""Re-running and changing the notebooks as a reader does: in Lab, with parameters, on a conda env."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from conftest import REPO
from nbclient import NotebookClient

from analysis import build, captions, config, facts, notebooks, parameters

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def set_parameter(path: Path, name: str, value: str) -> None:
    """Change one assignment in a notebook's parameters cell, as a reader would in Lab."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if parameters.TAG in c.metadata.get("tags", []))
    lines = [f"{name} = {value}" if line.startswith(f"{name} =") else line for line in cell.source.splitlines()]
    assert lines != cell.source.splitlines(), f"{path.name} has no parameter {name}"
    cell.source = "\n".join(lines)
    nbformat.write(nb, path)


def test_notebooks_use_the_projects_own_kernel():
    for path in NOTEBOOKS:
        assert nbformat.read(path, as_version=4).metadata.kernelspec.name == notebooks.KERNEL, path.name


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.name)
def test_analysis_notebooks_open_with_one_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if parameters.TAG in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is next(c for c in nb.cells if c.cell_type == "code")
    assert parameters.of_notebook(nb), f"{path.name}: its parameters cell sets nothing"


def test_a_parameters_cell_holds_only_literal_assignments():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("n = len([1])", metadata={"tags": ["parameters"]})])
    with pytest.raises(parameters.ParameterError, match="x.ipynb: n in the parameters cell is not a literal"):
        parameters.of_notebook(nb, "x.ipynb")


@pytest.mark.integration
def test_changed_parameters_reach_captions_and_facts(recorded_snapshot, tmp_path, monkeypatch):
    """A reader changes a value in a notebook; the caption and the paper's fact follow it."""
    folder = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", folder)
    set_parameter(folder / "02-eda.ipynb", "min_repos", "20")
    set_parameter(folder / "03-modeling.ipynb", "lda_grid", "(3, 4)")
    nb = nbformat.read(folder / "02-eda.ipynb", as_version=4)
    parameters.fill_captions(nb, parameters.of_notebook(nb))
    assert "at least 20 repositories" in notebooks.labelled_cells(nb)["fig-languages"].source

    monkeypatch.setattr(config, "notebooks_dir", lambda: folder)
    monkeypatch.setenv(config.SNAPSHOT_ENV, str(recorded_snapshot))
    monkeypatch.setenv(config.PROCESSED_ENV, str(tmp_path / "processed"))
    stated = facts.compute(build.current())
    assert stated["min_repos"] == "20" and stated["lda_grid"] == "3, 4" and stated["lda_k"] in {"3", "4"}


def test_a_failing_notebook_is_named_with_its_cell(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("#| label: fig-boom\n1 / 0")]
    )
    nbformat.write(nb, tmp_path / "09-boom.ipynb")
    with pytest.raises(notebooks.NotebookError) as err:
        notebooks.execute(tmp_path / "09-boom.ipynb", tmp_path / "out.ipynb", {})
    assert str(err.value) == "09-boom.ipynb, cell fig-boom: ZeroDivisionError: division by zero"
    assert not (tmp_path / "out.ipynb").exists()


@pytest.mark.integration
@pytest.mark.notebooks
def test_notebooks_run_as_lab_runs_them(checkout_report, recorded_snapshot):
    """Kernel in notebooks/, SNAPSHOT relative to where `jupyter lab` was typed (the checkout). They read the
    checkout's tables, facts and models, which the checkout's report has just made current; two at a time."""
    env = {
        **{k: v for k, v in os.environ.items() if k != config.PROCESSED_ENV},
        config.SNAPSHOT_ENV: os.path.relpath(recorded_snapshot, REPO),
        "PWD": str(REPO),
    }

    def run(path: Path) -> None:
        nb = nbformat.read(path, as_version=4)
        resources = {"metadata": {"path": str(REPO / "notebooks")}}
        NotebookClient(nb, kernel_name=notebooks.KERNEL, timeout=600, resources=resources).execute(env=env)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, NOTEBOOKS))


def make_dry_run(*args: str, **env: str) -> str:
    """What `make` would run, without running it."""
    result = subprocess.run(
        ["make", "-n", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CONDA_DEFAULT_ENV": "", **env},
    )
    return result.stdout


def test_make_resolves_a_relative_snapshot_and_passes_lab_arguments():
    assert f'--snapshot "{(REPO / "../x").resolve()}"' in make_dry_run("report", "SNAPSHOT=../x")
    assert "--no-browser --port 8899" in make_dry_run("lab", "LAB_ARGS=--no-browser --port 8899")


def test_make_uses_an_active_conda_environment(tmp_path):
    commands = make_dry_run("report", CONDA_DEFAULT_ENV="mlops-ecosystem", CONDA_PREFIX=str(tmp_path))
    assert f"{tmp_path}/bin/python -m analysis report" in commands
    assert ".venv" not in commands and "-m venv" not in commands


def test_captions_show_under_outputs_in_jupyter_but_not_in_the_documents(tmp_path):
    """Lab shows a cell's caption (parameters filled in); `make report` leaves captions to Quarto."""
    source = '#| label: fig-x\n#| fig-cap: "At least {min_repos} repositories."\nmin_repos * 2'
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import analysis\nmin_repos = 7"), nbformat.v4.new_code_cell(source)]
    )
    with notebooks.environment({captions.OFF_ENV: ""}):
        NotebookClient(nb, kernel_name=notebooks.KERNEL, timeout=120).execute()
    shown = [o["data"].get("text/markdown") for o in nb.cells[1].outputs if o.get("output_type") == "display_data"]
    assert shown == ["*At least 7 repositories.*"]
    nbformat.write(nb, tmp_path / "01-x.ipynb")
    ran = notebooks.execute(tmp_path / "01-x.ipynb", tmp_path / "out.ipynb", {})
    assert not [o for o in ran.cells[1].outputs if o.get("output_type") == "display_data"]
