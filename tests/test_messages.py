"""Messages a user could misread: the posterior-collapse warning (judged only on settled epochs, taken back when
the run recovers) and progress bars (drawn only on a terminal; plain per-epoch lines in logs and pipes)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

import vaekit
from vaekit.cli import main
from vaekit.config import ObjectiveConfig
from vaekit.training import loop
from vaekit.training.health import CollapseWatch, PosteriorCollapseWarning, beta_warming_up


@pytest.fixture(autouse=True)
def no_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop, "write_pictures", lambda *args, **kwargs: [])


def _row(epoch: int, active: int, beta: float = 1.0) -> dict[str, float]:
    return {"epoch": epoch, "val_active_units": active, "val_rate": 0.0 if active == 0 else 1.5, "beta": beta}


def _watch(rows: list[dict[str, float]], warming: bool = False) -> tuple[CollapseWatch, list[str]]:
    watch = CollapseWatch(latent_dim=20)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for row in rows:
            watch.check(row, warming, last_epoch=row is rows[-1])
    return watch, [str(w.message) for w in caught if w.category is PosteriorCollapseWarning]


def test_early_epochs_are_not_judged_and_a_recovered_run_never_warns() -> None:
    # collapsed in epochs 1-4 (as digits runs are), active from epoch 5 on: no warning, nothing to take back
    watch, said = _watch([_row(e, 0 if e < 5 else 20) for e in range(1, 11)])
    assert said == [] and watch.final(_row(10, 20)) == ""


def test_a_collapse_past_the_first_epochs_warns_once_and_is_taken_back_when_it_passes() -> None:
    # judged from epoch 6 on: 6, 7, 8 collapsed make the streak of 3
    watch, said = _watch([_row(e, 0 if e < 9 else 12) for e in range(1, 13)])
    assert len(said) == 1 and said[0].startswith("posterior collapse at epoch 8: 0 of 20 latent units active")
    assert watch.final(_row(12, 12)) == ("the posterior recovered from the collapse warned of at epoch 8: 12 of 20 "
                                         "latent units active at epoch 12")
    watch, said = _watch([_row(e, 0) for e in range(1, 13)])  # collapsed to the end: one warning, no recovery
    assert len(said) == 1 and watch.final(_row(12, 0)) == ""


def test_the_final_state_is_judged_but_not_during_warm_up() -> None:
    _, said = _watch([_row(1, 0), _row(2, 0)])  # a short run that ends collapsed: said, with the hint
    assert len(said) == 1 and "at epoch 2" in said[0] and "this early, more epochs may get it out" in said[0]
    _, said = _watch([_row(e, 0, beta=e / 20) for e in range(1, 11)], warming=True)
    assert said == []


def test_warm_up_is_a_kl_weight_below_its_setting_or_a_capacity_still_rising() -> None:
    plain = ObjectiveConfig()
    assert not beta_warming_up(plain, _row(1, 0, beta=1.0))
    assert beta_warming_up(ObjectiveConfig(warmup_epochs=5), _row(3, 0, beta=0.6))
    assert not beta_warming_up(ObjectiveConfig(beta=4.0, warmup_epochs=2), _row(3, 0, beta=4.0))
    capacity = ObjectiveConfig(capacity=10.0, capacity_epochs=8)
    assert beta_warming_up(capacity, _row(5, 0)) and not beta_warming_up(capacity, _row(8, 0))


def test_a_default_digits_run_does_not_cry_collapse(tmp_path) -> None:
    """The issue's case: `vaekit train --data digits` warned "the decoder ignores z" and ended with 20 of 20 units
    active. Every setting at its default but the epochs, the 10 that were the default then (auto epochs on digits
    are hundreds, too long for a test); the hidden widths are the data's auto ones."""
    result = CliRunner().invoke(main, ["train", "--data", "digits", "--epochs", "10", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and "ignores z" not in result.output
    active = int(re.search(r"epoch 10: validation -ELBO [\d.]+ nats, (\d+) of 20 latent units active",
                           result.output).group(1))
    assert active > 0


def test_a_run_forced_to_collapse_warns_exactly_once(tmp_path) -> None:
    config = vaekit.Config.from_dict({"model": {"latent_dim": 3, "hidden": [32]}, "objective": {"beta": 200.0},
                                      "train": {"epochs": 8, "batch_size": 200}})
    with pytest.warns(PosteriorCollapseWarning) as caught:
        run = vaekit.train(config, tmp_path / "run", progress=False)
    said = [str(w.message) for w in caught if w.category is PosteriorCollapseWarning]
    assert len(said) == 1 and said[0].startswith("posterior collapse at epoch 8: 0 of 3 latent units active")
    assert all(row["val_active_units"] == 0 for row in run.metrics)


def test_a_run_whose_output_is_not_a_terminal_writes_plain_lines(tmp_path) -> None:
    result = CliRunner().invoke(main, ["train", "--epochs", "2", "--hidden", "32", "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output and "it/s" not in result.output
    assert [line.split(":")[0] for line in result.output.splitlines() if line.startswith("epoch")] == \
        ["epoch 1", "epoch 2"]
    # a real process with pipes for its output, as in CI or `vaekit train ... > log`
    env = {**os.environ, "PYTHONPATH": str(Path(vaekit.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-m", "vaekit", "train", "--epochs", "2", "--hidden", "32", "--out",
                           str(tmp_path / "b")], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stdout + done.stderr and "\x1b" not in done.stdout + done.stderr
    assert len([line for line in done.stdout.splitlines() if line.startswith("epoch ")]) == 2


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_is_drawn(tmp_path, monkeypatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    vaekit.train({"model": {"hidden": [32]}, "train": {"epochs": 1}}, tmp_path / "run", progress=True)
    assert "\r" in terminal.getvalue() and "epoch 1/1" in terminal.getvalue()


def test_the_collapse_warning_suggests_only_settings_the_objective_reads() -> None:
    from vaekit.core.registry import OBJECTIVES
    from vaekit.training.health import collapse_remedies

    assert collapse_remedies(OBJECTIVES.get("elbo").honours) == "--warmup-epochs, --free-bits or a smaller --beta"
    # iwae refuses --free-bits (it has no single KL term for it to act on), so the warning must not suggest it
    assert collapse_remedies(OBJECTIVES.get("iwae").honours) == "--warmup-epochs or a smaller --beta"
    assert collapse_remedies(frozenset()) == "another objective"
