"""Every bad input and fault in tests/bad_inputs/cases_*.py: exit status 2 (or a VaekitError from the Python API),
one line of error naming the remedy, no file in the workspace changed, and memory bounded: each case runs under an
address-space limit a few GB above what the test process already maps (bounded_memory), so a crafted size that
vaekit trusts fails here with MemoryError instead of passing on a machine with memory to spare."""

from __future__ import annotations

import importlib
import pkgutil
import re
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

import bad_inputs
from bad_inputs.case import Case, Workspace, bounded_memory, copy_run, snapshot
from vaekit.cli import main
from vaekit.core.errors import VaekitError

CASES: list[Case] = [
    case
    for module in pkgutil.iter_modules(bad_inputs.__path__)
    if module.name.startswith("cases_")
    for case in importlib.import_module(f"bad_inputs.{module.name}").CASES
]


def test_case_ids_are_unique_and_there_are_enough() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(ids) >= 60, f"only {len(ids)} cases: the issue asks for at least 60 across the areas"
    areas = {module.name for module in pkgutil.iter_modules(bad_inputs.__path__) if module.name.startswith("cases_")}
    assert {"cases_data", "cases_settings", "cases_rundir", "cases_outputs", "cases_controls"} <= areas


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input(case: Case, digits_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = Workspace(tmp_path, copy_run(digits_run, tmp_path / "run"), monkeypatch)
    monkeypatch.chdir(tmp_path)
    if case.setup is not None:
        case.setup(workspace)
    before = snapshot(tmp_path, case.changes)
    if case.api is not None:
        with pytest.raises(VaekitError) as raised, bounded_memory():
            case.api(workspace)
        line = str(raised.value)
        assert "\n" not in line, line
    else:
        with bounded_memory():
            result = CliRunner().invoke(main, case.command(workspace))
        trace = "".join(traceback.format_exception(result.exc_info[1])) if result.exc_info else ""
        assert result.exit_code == 2, f"exit {result.exit_code}\n{result.output}\n{trace}"
        assert "Traceback" not in result.output
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, result.stderr
        line = errors[0]
    assert re.search(case.message, line), line
    assert snapshot(tmp_path, case.changes) == before, "a failed command changed files"


def test_a_case_cannot_map_more_than_its_share() -> None:
    import numpy as np

    from bad_inputs.case import CASE_MEMORY

    with bounded_memory(), pytest.raises(MemoryError):
        np.empty(2 * CASE_MEMORY, dtype=np.uint8)  # reserving the pages is enough to be refused
    np.empty(2 * CASE_MEMORY, dtype=np.uint8)  # and the limit is gone after
