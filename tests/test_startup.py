"""Start-up cost: `import vaekit` and `vaekit --help` load no heavy library, and the lazy command table agrees with
the command modules (a value test on sys.modules, not a timing test)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest

import vaekit
from vaekit.cli import COMMANDS, main

SRC = Path(vaekit.__file__).resolve().parents[1]
HEAVY = ["matplotlib", "sklearn", "pandas", "pyarrow", "scipy", "tensorboard", "mlflow", "constriction", "librosa",
         "soundfile"]


def _loaded_after(code: str) -> dict[str, bool]:
    """Which HEAVY modules (and torch) a new interpreter has loaded after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY + ['torch']!r}}}))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_vaekit_loads_neither_torch_nor_any_heavy_library() -> None:
    loaded = _loaded_after("import vaekit")
    assert not any(loaded.values()), loaded


def test_vaekit_help_lists_every_command_without_importing_them() -> None:
    code = ("import sys\nfrom vaekit.cli import main\nsys.argv = ['vaekit', '--help']\n"
            "try:\n    main()\nexcept SystemExit as done:\n    assert done.code == 0\n")
    loaded = _loaded_after(code)
    assert not any(loaded.values()), loaded


def test_training_imports_no_table_figure_or_estimator_library_before_it_needs_one() -> None:
    # the training loop and the train command's module: what a run imports before its first epoch
    loaded = _loaded_after("import vaekit.training.loop, vaekit.cli.train, vaekit.tasks.evaluation, vaekit.data")
    assert loaded["torch"]
    assert not any(loaded[name] for name in HEAVY), loaded


def test_the_lazy_names_of_vaekit_are_the_objects_of_their_modules() -> None:
    from vaekit.config import Config
    from vaekit.training.loop import train

    assert vaekit.Config is Config and vaekit.train is train
    assert set(vaekit.__all__) <= set(dir(vaekit))
    for name in vaekit.__all__:
        assert getattr(vaekit, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        vaekit.nonexistent  # noqa: B018


def _command_modules() -> dict[str, click.Command]:
    """Every command that the modules under vaekit/cli define in their COMMANDS, by name."""
    found: dict[str, click.Command] = {}
    for path in sorted((SRC / "vaekit" / "cli").glob("*.py")):
        module = importlib.import_module(f"vaekit.cli.{path.stem}")
        if path.stem != "__init__":
            for command in getattr(module, "COMMANDS", []):
                found[command.name] = command
    return found


def test_the_command_table_names_each_command_with_its_own_module_and_first_sentence() -> None:
    commands = _command_modules()
    assert set(COMMANDS) == set(commands)
    for name, (module, text) in COMMANDS.items():
        assert commands[name] in importlib.import_module(f"vaekit.cli.{module}").COMMANDS
        assert text == commands[name].get_short_help_str(10_000), name


def test_help_is_what_click_prints_for_a_group_holding_every_command() -> None:
    from click.testing import CliRunner

    eager = click.Group(main.name, help=main.help, params=main.params, context_settings=main.context_settings,
                        commands=list(_command_modules().values()))
    lazy, expected = CliRunner().invoke(main, ["--help"]), CliRunner().invoke(eager, ["--help"])
    assert lazy.exit_code == 0 and lazy.output == expected.output
    assert "Commands:" in lazy.output and "train " in lazy.output


def test_a_command_runs_from_its_lazily_loaded_module(tmp_path: Path) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["info", str(tmp_path / "missing")])
    assert result.exit_code == 2 and result.output.startswith("error: ")
    assert main.get_command(click.Context(main), "nonexistent") is None


def test_unit_pixels_are_exactly_numpys_division_by_255() -> None:
    from vaekit.data.image.pixels import unit_pixels

    images = np.arange(256, dtype=np.uint8).repeat(3).reshape(-1, 1, 4, 4)[:, :, :, :3]  # strided, writable
    expected = images.astype(np.float32) / 255
    for array in (images, np.frombuffer(images.tobytes(), np.uint8).reshape(images.shape)):  # and read-only
        pixels = unit_pixels(array)
        assert pixels.dtype == np.float32 and pixels.shape == images.shape
        np.testing.assert_array_equal(pixels, expected)
    assert unit_pixels(images[:0]).shape == (0, 1, 4, 3)


def test_the_process_collects_garbage_rarely_and_freezes_at_exit_but_calls_from_python_do_not() -> None:
    code = ("import gc, sys\nfrom click.testing import CliRunner\nfrom vaekit.cli import main\n"
            "before = gc.get_threshold()\nCliRunner().invoke(main, ['--help'])\n"
            "assert gc.get_threshold() == before and gc.get_freeze_count() == 0, 'a call from Python changed gc'\n"
            "sys.argv = ['vaekit', '--help']\n"
            "try:\n    main()\nexcept SystemExit as done:\n    assert done.code == 0\n"
            "assert gc.get_threshold() == (50_000, 20, 100), gc.get_threshold()\n"
            "assert gc.get_freeze_count() > 0\n")
    loaded = _loaded_after(code)
    assert not any(loaded.values())


def test_the_digits_are_scikit_learns_without_importing_it() -> None:
    from sklearn.datasets import load_digits as sklearn_digits

    from vaekit.data.image.digits import _digits_table

    table, bunch = _digits_table(), sklearn_digits()
    assert table.shape == (1797, 65)
    np.testing.assert_array_equal(table[:, :-1], bunch.data)
    np.testing.assert_array_equal(table[:, -1], bunch.target)
    data = vaekit.load_dataset("digits")
    assert (len(data.train_x), len(data.test_x)) == (1617, 180) and float(data.train_x.max()) == 1.0
    loaded = _loaded_after("import vaekit\nvaekit.load_dataset('digits')")
    assert loaded["torch"] and not loaded["sklearn"]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1.5, -0.5])
def test_the_one_pass_data_checks_find_any_bad_value(bad: float) -> None:
    import torch
    from torch.distributions import constraints

    from vaekit.data.dataset import all_finite
    from vaekit.training.data_checks import _inside_interval

    x = torch.rand(1000, 1, 4, 4)
    assert all_finite(x) and _inside_interval(constraints.unit_interval, x) and _inside_interval(constraints.real, x)
    x[537, 0, 2, 1] = bad
    assert all_finite(x) == (abs(bad) < float("inf"))
    assert not _inside_interval(constraints.unit_interval, x)
    assert _inside_interval(constraints.real, x) == (abs(bad) < float("inf"))
    # a support that is not an interval (discrete levels) is left to the full check
    assert not _inside_interval(constraints.nonnegative_integer, torch.zeros(3))
