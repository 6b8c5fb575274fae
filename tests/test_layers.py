"""The house's floors: each layer imports only from the layers below it, no package has an import cycle, and no
source file grows past the length one person reads in a sitting. The layers are declared once, in pyproject.toml
([tool.importlinter]); `lint-imports` prints every import that breaks them."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "vaekit"
MAX_LINES = 350


def test_every_layer_imports_only_from_the_layers_below_it_and_nothing_imports_in_a_circle(capsys) -> None:
    lint = pytest.importorskip("importlinter.cli", reason="import-linter is a dev dependency (pip install -e .[dev])")
    status = lint.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    report = capsys.readouterr().out
    assert status == 0, report[report.find("Broken contracts"):]
    assert "layers KEPT" in report and "no cycles KEPT" in report


def test_the_layer_contract_names_every_top_level_package() -> None:
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]["layers"]
    named = {name.strip() for layer in declared for name in layer.replace("|", ":").split(":")}
    packages = {f"vaekit.{path.stem if path.suffix else path.name}" for path in SOURCE.iterdir()
                if (path.is_dir() and (path / "__init__.py").exists()) or path.suffix == ".py"}
    # the package's own front door (lazy public names), `python -m vaekit`, and the parts index (a module)
    outside = packages - named - {"vaekit.__init__", "vaekit.__main__"}
    assert not outside, f"modules outside every layer: {sorted(outside)}; add each to [tool.importlinter] in pyproject"


def test_no_source_file_is_longer_than_a_sitting() -> None:
    long = {str(path.relative_to(SOURCE)): count for path in SOURCE.rglob("*.py")
            if (count := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"files over {MAX_LINES} lines: {long}"
