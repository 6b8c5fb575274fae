"""A resume that cannot go on loses nothing of the run (issue 22): a checkpoint holding NaN or infinite weights is
refused before anything is written, and a resume that fails in its first new epoch leaves model.safetensors,
config.json (its epoch count) and the fit-prior report as they were."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

import vaekit
import vaekit.training.loop
from conftest import invoke
from vaekit.core.errors import VaekitError
from vaekit.runs.files import PRIOR_REPORT
from vaekit.training.checkpoint import load_checkpoint


def _hashes(run: Path) -> dict[str, str]:
    """Every file of the run but the TensorBoard log (a resume opens a new one) and the lock."""
    return {path.relative_to(run).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(run.rglob("*"))
            if path.is_file() and "tensorboard" not in path.parts and not path.name.endswith(".lock")}


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    """The safetensors file with change(name, tensor) applied to each tensor, its metadata kept."""
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata()
    tensors = load_file(str(path))
    for name, tensor in tensors.items():
        change(name, tensor)
    save_file(tensors, str(path), metadata=metadata)


def _validation_diverges(monkeypatch: pytest.MonkeyPatch, after: int = 0) -> None:
    """Validation returns NaN from its (after + 1)-th call on: the loss became NaN in that epoch."""
    real, calls = vaekit.training.loop.validate, []

    def validate(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) > after:
            return {"distortion": math.nan, "rate": math.nan}
        return real(*args, **kwargs)
    monkeypatch.setattr(vaekit.training.loop, "validate", validate)


@pytest.fixture
def run(digits_run: Path, tmp_path: Path) -> Path:
    """A copy of the trained digits run (8 epochs) whose model.safetensors is not its checkpoint's weights (as
    after fit-prior, or early stopping's best epoch), with a fit-prior report."""
    copy = Path(shutil.copytree(digits_run, tmp_path / "run"))
    _rewrite(copy / "model.safetensors", lambda name, tensor: tensor.mul_(1.01) if tensor.is_floating_point()
             else None)
    (copy / PRIOR_REPORT).write_text('{"fitted": "by hand"}\n')
    return copy


def test_a_checkpoint_of_nan_weights_is_refused_before_anything_is_written(run: Path) -> None:
    _rewrite(run / "checkpoint.safetensors", lambda name, tensor: tensor.fill_(math.nan)
             if tensor.is_floating_point() else None)
    before = _hashes(run)
    tensorboard = sorted((run / "tensorboard").iterdir())
    code, output = invoke("train", "--resume", run, "--epochs", "10", "--quiet")
    assert code == 2, output
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: checkpoint {run / 'checkpoint.safetensors'} holds NaN or infinite values (in "
                      "model.data_scale): it is damaged and cannot be resumed; restore the run's own "
                      "checkpoint.safetensors from a copy, or train a new run"], output
    assert _hashes(run) == before
    assert sorted((run / "tensorboard").iterdir()) == tensorboard


def test_optimizer_moments_of_infinity_are_refused_too(run: Path) -> None:
    _rewrite(run / "checkpoint.safetensors", lambda name, tensor: tensor.fill_(math.inf)
             if name.endswith("exp_avg_sq") else None)
    with pytest.raises(VaekitError, match=r"holds NaN or infinite values \(in optimizer\.\d+\.exp_avg_sq\)"):
        load_checkpoint(run / "checkpoint.safetensors")
    before = _hashes(run)
    with pytest.raises(VaekitError, match=r"checkpoint .* holds NaN or infinite values"):
        vaekit.resume(run, epochs=10, progress=False)
    assert _hashes(run) == before


def test_a_resume_that_diverges_in_its_first_new_epoch_leaves_the_run_as_it_was(
        run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _hashes(run)
    _validation_diverges(monkeypatch)
    with pytest.raises(VaekitError, match=r"NaN or infinite .*\(epoch 9\).*keeps the last good checkpoint \(epoch 8\)"):
        vaekit.resume(run, epochs=10, progress=False)
    assert _hashes(run) == before  # model.safetensors, config.json (8 epochs), the fit-prior report, the rest
    assert json.loads((run / "config.json").read_text())["config"]["train"]["epochs"] == 8


def test_a_resume_that_diverges_later_keeps_its_new_epochs(run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a new epoch is saved the run is the resumed one: config.json counts the epochs asked for, the
    fit-prior report (of the weights before) is gone, and the weights are the last good checkpoint's."""
    _validation_diverges(monkeypatch, after=1)
    with pytest.raises(VaekitError, match=r"\(epoch 10\).*keeps the last good checkpoint \(epoch 9\)"):
        vaekit.resume(run, epochs=12, progress=False)
    assert json.loads((run / "config.json").read_text())["config"]["train"]["epochs"] == 12
    assert not (run / PRIOR_REPORT).exists()
    state = load_checkpoint(run / "checkpoint.safetensors")
    assert state.epoch == 9
    weights = load_file(str(run / "model.safetensors"))
    assert weights.keys() == state.model.keys()
    assert all(torch.equal(weights[name], state.model[name]) for name in weights)
