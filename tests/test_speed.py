"""Issue 11's speed options on one device: --precision fp16 (autocast float16 and a gradient scaler) and
--compile (torch.compile of the step, its kernels cached on disk), with their fallbacks where they cannot run."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import vaekit
from vaekit.config import Config
from vaekit.core.registry import OBJECTIVES
from vaekit.model.build import build_model
from vaekit.training.checkpoint import TrainingState, load_checkpoint, save_checkpoint
from vaekit.training.compiled import CompiledLoss, compile_unavailable
from vaekit.training.optimizers import make_optimizer
from vaekit.training.precision import Arithmetic
from vaekit.training.step import TrainStep

CPU = torch.device("cpu")


def _config(**train) -> vaekit.Config:
    return vaekit.Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 4, "hidden": [48]},
                                    "train": {"epochs": 2, "batch_size": 100, "seed": 7, **train}})


def _weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return load_file(str(run_dir / "model.safetensors"))


def _step(**train) -> tuple[torch.nn.Module, TrainStep, object]:
    config = Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 2, "hidden": [16]},
                               "train": train})
    torch.manual_seed(0)
    model = build_model(config.model, (1, 8, 8), "image")
    return model, TrainStep(model, make_optimizer(model, config.train), config.train, CPU), \
        OBJECTIVES.get("elbo")(config.objective)


def test_fp16_on_a_cpu_trains_in_fp32_with_a_one_line_notice(tmp_path, capsys) -> None:
    fp16 = vaekit.train(_config(epochs=1, precision="fp16"), tmp_path / "fp16", progress=False, pictures=False)
    notices = [line for line in capsys.readouterr().err.splitlines() if line.startswith("notice:")]
    assert notices == ["notice: --precision fp16 needs a CUDA GPU; training on cpu in fp32 instead "
                       "(--precision bf16 is the fast mixed precision on a CPU)"]
    fp32 = vaekit.train(_config(epochs=1), tmp_path / "fp32", progress=False, pictures=False)
    a, b = _weights(fp16.path), _weights(fp32.path)
    assert all(torch.equal(a[k], b[k]) for k in a)  # fp32 exactly
    assert load_checkpoint(fp16.path / "checkpoint.safetensors").scaler == {}  # no scaler to keep
    assert fp16.config.train.precision == "fp16"  # the run keeps what was asked for: a GPU resume uses it
    trained_with = json.loads((fp16.path / "config.json").read_text())["trained_with"]
    assert trained_with["precision"] == "fp32"  # and records the arithmetic it ran in


def test_the_fp16_scaler_skips_an_overflowing_step_and_its_state_survives_a_checkpoint(tmp_path) -> None:
    model, step, objective = _step()
    step.arithmetic = Arithmetic("fp16", CPU)  # the scaler works on a CPU too: its logic, not its speed
    x = torch.rand(32, 1, 8, 8)
    before = {k: v.clone() for k, v in model.state_dict().items()}

    def overflowing(view, x, beta, capacity):  # a loss whose scaled gradients overflow float32
        out = objective(view, x, beta, capacity)
        return dataclasses.replace(out, loss=out.loss * 1e36)

    step(overflowing, model, x, 1.0, 0.0)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # the update was skipped
    assert step.state_dict()["scale"] == 2.0 ** 16 / 2  # and the scale halved
    out = step(objective, model, x, 1.0, 0.0)
    assert torch.isfinite(out.loss)
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())  # this one updates
    assert step.state_dict()["_growth_tracker"] == 1
    state = TrainingState(1, 2, model.state_dict(), step.optimizer.state_dict(), {"torch": torch.get_rng_state()},
                          "cpu", scaler=step.state_dict())
    save_checkpoint(tmp_path / "c.safetensors", state)
    loaded = load_checkpoint(tmp_path / "c.safetensors").scaler
    assert loaded == step.state_dict()
    _, fresh, _ = _step()
    fresh.arithmetic = Arithmetic("fp16", CPU)
    fresh.load_state_dict(loaded)
    assert fresh.state_dict() == step.state_dict()


def test_without_a_cxx_compiler_compile_falls_back_with_a_notice(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    run = vaekit.train(_config(epochs=1, compile=True), tmp_path / "run", progress=False, pictures=False)
    err = capsys.readouterr().err
    assert f"notice: torch.compile on a CPU needs a C++ compiler ({tmp_path / 'no-such-compiler'})" in err
    assert "training without --compile" in err and "Traceback" not in err
    assert run.metrics[0]["compile_seconds"] == 0.0


def test_a_step_that_fails_to_compile_runs_uncompiled_with_a_notice(capsys) -> None:
    model, _, objective = _step()
    loss = CompiledLoss(CPU)

    def broken(*args):
        raise RuntimeError("backend exploded\nsecond line")

    loss.function = broken
    torch.manual_seed(1)
    out = loss(objective, model, torch.rand(4, 1, 8, 8), 1.0, 0.0)
    torch.manual_seed(1)
    eager = objective(model, torch.rand(4, 1, 8, 8), 1.0, 0.0)
    assert torch.equal(out.loss, eager.loss)
    assert capsys.readouterr().err == ("notice: torch.compile could not compile the training step (RuntimeError: "
                                       "backend exploded); training without --compile\n")
    assert loss.failed


@pytest.mark.slow
@pytest.mark.skipif(compile_unavailable(CPU) is not None, reason="torch.compile cannot compile here (no C++ compiler)")
def test_compiled_training_is_seeded_resumes_exactly_caches_kernels_and_saves_plain_weights(tmp_path,
                                                                                             monkeypatch) -> None:
    monkeypatch.setenv("VAEKIT_CACHE", str(tmp_path / "cache"))
    cache = tmp_path / "cache" / "compile"
    # unset, so that vaekit names Inductor's folder; set first, so that the test leaves it as it found it
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(cache))
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR")
    torch._dynamo.reset()
    graphs = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    # beta warms up over both epochs (a new value every step) and 1617 rows leave a last batch of 17
    config = _config(compile=True).with_overrides({"objective": {"warmup_epochs": 2}})
    whole = vaekit.train(config, tmp_path / "whole", progress=False, pictures=False)
    # one graph for the batch of 100, one for the last batch; beta is a graph input, not a reason to recompile
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] - graphs == 2
    assert whole.metrics[0]["compile_seconds"] > 0 and whole.metrics[1]["compile_seconds"] == 0
    assert any(path.is_file() for path in cache.rglob("*"))  # Inductor's kernels, kept for the next run
    vaekit.train(config.with_overrides({"train": {"epochs": 1}}), tmp_path / "split", progress=False, pictures=False)
    resumed = vaekit.resume(tmp_path / "split", epochs=2, progress=False)
    a, b = _weights(whole.path), _weights(resumed.path)
    assert all(torch.equal(a[k], b[k]) for k in a)  # seeded: the same weights, resumed or not
    plain = vaekit.train(_config(epochs=1), tmp_path / "plain", progress=False, pictures=False)
    assert set(_weights(plain.path)) == set(a)  # no `_orig_mod.` prefix: the weights load uncompiled
    model = vaekit.load(whole.path, "cpu")
    assert torch.isfinite(model.elbo(torch.rand(3, 1, 8, 8)).negative_elbo).all()
    assert whole.metrics[-1]["val_neg_elbo"] < whole.metrics[0]["val_neg_elbo"]


def test_speed_flags_are_in_the_train_help() -> None:
    from click.testing import CliRunner

    from vaekit.cli import main

    text = CliRunner().invoke(main, ["train", "--help-all"]).output
    assert "--precision" in text and "fp16" in text and "--compile" in text


class _FailingBackward(torch.autograd.Function):
    """The identity, whose backward pass fails as a backward graph that does not compile would."""

    @staticmethod
    def forward(ctx, t: torch.Tensor) -> torch.Tensor:
        return t.clone()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("backward compilation failed")


def test_a_backward_that_fails_to_compile_reruns_the_step_uncompiled(capsys) -> None:
    model, step, objective = _step(compile=True)

    def compiled(objective, view, x, beta, capacity):
        out = objective(view, x, float(beta), float(capacity))
        return _FailingBackward.apply(out.loss), out.distortion, out.rate, out.kl_per_dim, out.extras

    step.loss.function = compiled
    before = {k: v.clone() for k, v in model.state_dict().items()}
    out = step(objective, model, torch.rand(8, 1, 8, 8), 1.0, 0.0)
    assert torch.isfinite(out.loss) and step.loss.failed
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())  # the step was taken
    assert capsys.readouterr().err == ("notice: torch.compile could not compile the training step (RuntimeError: "
                                       "backward compilation failed); training without --compile\n")
