"""Training a model to fill in what it does not see (objective.corruption: hide) and filling in with its encoder
alone (impute's method encoder): the corruption's masks, the config it implies, early stopping on its own bound,
the method against its closed form, and the commands that choose the method from the run."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import vaekit
from conftest import invoke
from test_imputation import _model, _with_gaps
from vaekit.config import Config
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.data.corruption import corrupt, hide
from vaekit.tasks.imputation import impute, method_for

HIDE = ["--objective", "denoising", "--corruption", "hide", "--corruption-level", "0.5"]


def _seeded(seed: int = 1) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_hide_makes_a_share_p_of_a_vector_missing_and_leaves_the_rest() -> None:
    x = torch.rand(400, 64, generator=_seeded(0))
    hidden = hide(x, 0.3, _seeded())
    missing = torch.isnan(hidden)
    assert missing.float().mean().item() == pytest.approx(0.3, abs=0.01)  # 25,600 entries: sd < 0.003
    assert torch.equal(hidden[~missing], x[~missing])
    assert torch.equal(missing, torch.isnan(corrupt(x, "hide", 0.3, generator=_seeded())))  # by name, the same


def _family(missing: torch.Tensor, height: int, width: int) -> str:
    """Which of hide's three masks an image's (H, W) mask is: a half, the rectangle of the level, or pixels."""
    halves = {"upper": (slice(None, height // 2), slice(None)), "lower": (slice(height // 2, None), slice(None)),
              "left": (slice(None), slice(None, width // 2)), "right": (slice(None), slice(width // 2, None))}
    for name, where in halves.items():
        half = torch.zeros_like(missing)
        half[where] = True
        if torch.equal(missing, half):
            return name
    rows, cols = missing.any(1).nonzero().flatten(), missing.any(0).nonzero().flatten()
    box = missing[rows.min():rows.max() + 1, cols.min():cols.max() + 1] if len(rows) else missing
    return "rectangle" if len(rows) and bool(box.all()) and int(missing.sum()) == box.numel() else "pixels"


def test_hide_hides_a_half_a_rectangle_or_pixels_of_each_image_the_same_in_every_channel() -> None:
    x = torch.rand(900, 3, 8, 8, generator=_seeded(0))
    missing = torch.isnan(hide(x, 0.5, _seeded()))
    assert torch.equal(missing, missing[:, :1].expand_as(missing))  # every channel alike
    families = [_family(image[0], 8, 8) for image in missing]
    counts = {name: families.count(name) for name in set(families)}
    # a third each (a rectangle of 6x6 = 0.5 of the area, rounded); the halves a quarter of their third each
    assert counts["pixels"] == pytest.approx(300, abs=60) and counts["rectangle"] == pytest.approx(300, abs=60)
    assert all(counts[half] == pytest.approx(75, abs=35) for half in ("upper", "lower", "left", "right"))
    rectangles = [image[0] for image, name in zip(missing, families) if name == "rectangle"]
    assert {int(mask.sum()) for mask in rectangles} == {36}
    assert torch.equal(missing, torch.isnan(hide(x, 0.5, _seeded())))  # the same generator, the same masks


def test_hide_makes_a_model_of_missing_values_and_other_corruptions_of_one_are_still_refused() -> None:
    config = Config.from_dict({"objective": {"name": "denoising", "corruption": "hide", "corruption_level": 0.4}})
    assert config.data.missing == "model" and config.model.encoder_mask
    assert method_for(config) == "encoder" and method_for(Config()) == "importance"
    with pytest.raises(ConfigError, match="would fill the missing entries with made-up values"):
        Config.from_dict({"data": {"missing": "model"},
                          "objective": {"name": "denoising", "corruption": "mask", "corruption_level": 0.4}})
    with pytest.raises(ConfigError, match="fraction p of entries corrupted: it must be in"):
        Config.from_dict({"objective": {"name": "denoising", "corruption": "hide", "corruption_level": 1.5}})


def test_the_encoder_method_averages_the_decoded_codes_of_q_of_the_observed_part() -> None:
    """The masked PPCA model's q(z | x_obs) has a closed-form mean m and its decoder is linear, so the encoder's
    fill-in, the mean of W z_j + b over z_j ~ q, tends to W m + b with many draws."""
    model, x, weight, bias = _model()
    gaps = _with_gaps(x)[:50]
    missing = torch.isnan(gaps)
    filled = impute(model, gaps, method="encoder", k=20000, seed=0)
    inputs = torch.cat([torch.where(missing, 0.0, gaps), (~missing).double()], dim=-1)
    expected = model.posterior(inputs).mean @ weight.T + bias
    assert torch.allclose(filled[missing], expected[missing], atol=0.02)
    assert torch.equal(filled[~missing], gaps[~missing])
    draws = impute(model, gaps, method="encoder", draws=3, seed=0)
    assert draws.shape == (3, *gaps.shape) and not bool(torch.isnan(draws).any())
    assert not torch.equal(draws[0], draws[1])  # each draw its own code and its own p(x|z) sample


def test_the_encoder_method_refuses_a_model_that_does_not_read_the_mask(digits_run) -> None:
    gaps = torch.rand(3, 1, 8, 8)
    gaps[:, :, 4:] = float("nan")
    with pytest.raises(VaekitError, match="method encoder trusts q\\(z \\| x_obs\\) alone.*--corruption hide"):
        impute(vaekit.load(digits_run), gaps, method="encoder")


@pytest.fixture(scope="module")
def hide_run(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    run = tmp_path_factory.mktemp("runs") / "hide"
    code, output = invoke("train", "--data", "digits", *HIDE, "--hidden", "64", "--latent-dim", "8", "--epochs",
                          "12", "--early-stopping", "3", "--batch-size", "64", "--seed", "0", "--out", run)
    assert code == 0, output
    return run, output


def test_a_run_trained_with_entries_hidden_stops_on_its_own_validation_bound(hide_run) -> None:
    run, output = hide_run
    metrics = vaekit.Run.open(run).metrics
    losses = [row["val_loss"] for row in metrics]
    assert all(np.isfinite(losses))
    best = int(np.argmin(losses))
    assert all(row["best_epoch"] == metrics[best]["epoch"] for row in metrics[best:])
    assert "validation -ELBO with entries hidden" in output
    if best != len(metrics) - 1:  # the summary names the epoch kept by the figure that chose it
        assert f"best epoch {metrics[best]['epoch']} (-ELBO with entries hidden {losses[best]:.2f} nats" in output
    assert f"vaekit inpaint {run} --mask lower-half -n 16 --out inpainted.png" in output  # what to run next
    config = json.loads((run / "config.json").read_text())["config"]
    assert config["data"]["missing"] == "model" and config["model"]["encoder_mask"] is True


def test_inpaint_and_impute_fill_in_with_the_encoder_for_such_a_run(hide_run, tmp_path) -> None:
    run, _ = hide_run
    code, output = invoke("inpaint", run, "--mask", "lower-half", "-n", "20", "--out", tmp_path / "i.png")
    assert code == 0, output
    assert "pixels of 20 images (encoder)" in output
    by_encoder = np.load(tmp_path / "i.npy")
    code, output = invoke("inpaint", run, "--mask", "lower-half", "-n", "20", "--method", "importance",
                          "--out", tmp_path / "j.png")
    assert code == 0 and "(importance)" in output, output
    assert not np.array_equal(by_encoder, np.load(tmp_path / "j.npy"))
    gaps = np.load(tmp_path / "i.npy")
    gaps[np.random.default_rng(0).random(gaps.shape) < 0.3] = np.nan  # some of each pixel's 20 values missing
    np.save(tmp_path / "gaps.npy", gaps)
    code, output = invoke("impute", run, "--data", tmp_path / "gaps.npy", "--out", tmp_path / "filled.npy")
    assert code == 0, output
    assert "by encoder (100 code draws each)" in output and not np.isnan(np.load(tmp_path / "filled.npy")).any()


def test_inpaint_advises_training_to_fill_in_where_a_baseline_wins(digits_run, hide_run, tmp_path) -> None:
    """A run of whole images that loses is pointed to --corruption hide; a run trained to fill in, to the search."""
    code, output = invoke("inpaint", digits_run, "--mask", "lower-half", "-n", "60", "--out", tmp_path / "a.png")
    assert code == 0 and "verdict: the baseline wins" in output, output
    assert "hint: this run learned whole images; a run trained to fill in holes fills them better: vaekit train " \
           "--data digits --objective denoising --corruption hide --corruption-level 0.5" in output
    code, output = invoke("inpaint", hide_run[0], "--mask", "lower-half", "-n", "60", "--out", tmp_path / "b.png")
    assert code == 0 and "verdict: the baseline wins" in output, output  # 12 epochs of a small network
    assert "vaekit tune --data digits --objective denoising --corruption hide --criterion inpainting:lower-half" \
           in output


def test_the_denoising_objective_stops_on_its_own_bound_only_with_entries_hidden() -> None:
    from vaekit.config import ObjectiveConfig
    from vaekit.objectives.denoising import Denoising
    from vaekit.objectives.elbo import ELBO

    hiding = ObjectiveConfig(name="denoising", corruption="hide", corruption_level=0.5)
    assert Denoising.stops_on_own_bound(hiding) and Denoising(hiding).own_bound == "ELBO with entries hidden"
    masking = ObjectiveConfig(name="denoising", corruption="mask", corruption_level=0.5)
    assert not Denoising.stops_on_own_bound(masking) and Denoising(masking).own_bound is None
    assert not ELBO.stops_on_own_bound(ObjectiveConfig())
