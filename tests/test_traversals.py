"""Latent traversals: what each swept dimension decodes to, the swept values, the KL order, and the pictures
`vaekit plot traversals` and training write (a grid of the computed pixel size for images, a chart for tables)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image
from torch import nn
from torch.distributions import Independent, Normal

from conftest import invoke
from test_ppca import LinearDecoder
from vaekit.core.seeded import DiagonalNormal
from vaekit.likelihoods.gaussian import GaussianLikelihood
from vaekit.model.vae import VAE
from vaekit.plots.traversals import save_traversals
from vaekit.posteriors.base import Posterior
from vaekit.priors.mixture import MixturePrior
from vaekit.priors.standard_normal import StandardNormalPrior
from vaekit.tasks.traversals import dimension_order, traversals

D, d = 6, 3


class GivenPosterior(Posterior):
    """q(z|x) = N(x[:, :d] * gain + shift, diag(scale^2)): each dimension's KL known in closed form."""

    def __init__(self, gain: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> None:
        super().__init__()
        self.gain, self.shift, self.scale = gain, shift, scale

    def forward(self, x: torch.Tensor) -> Independent:
        mean = x[:, :d] * self.gain + self.shift
        return DiagonalNormal(Normal(mean, self.scale.expand_as(mean)), 1)


def _model(prior: nn.Module | None = None, gain=(1.0, 1.0, 1.0), shift=(0.0, 0.0, 0.0), scale=(1.0, 1.0, 1.0)
           ) -> tuple[VAE, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    weight, bias = torch.randn(D, d, generator=generator), torch.randn(D, generator=generator)
    posterior = GivenPosterior(torch.tensor(gain), torch.tensor(shift), torch.tensor(scale))
    model = VAE(nn.Identity(), posterior, prior or StandardNormalPrior(d), LinearDecoder(weight, bias),
                GaussianLikelihood((D,), "fixed", 0.5), (D,), d)
    return model, weight, bias


def _data(n: int = 5) -> torch.Tensor:
    return torch.randn(n, D, generator=torch.Generator().manual_seed(1))


def test_each_row_decodes_the_code_with_only_its_dimension_replaced() -> None:
    model, weight, bias = _model()
    x = _data(2)
    result = traversals(model, x, dims=[2, 0], steps=5, spread=2.0)
    assert result.decoded.shape == (2, 2, 5, D)
    codes = x[:, :d]
    for i in range(2):
        for r, j in enumerate([2, 0]):
            for s, value in enumerate([-2.0, -1.0, 0.0, 1.0, 2.0]):
                z = codes[i].clone()
                z[j] = value
                torch.testing.assert_close(result.decoded[i, r, s], weight @ z + bias)
            # what changes along a row is exactly column j of the linear decoder times the step
            steps = result.decoded[i, r, 1:] - result.decoded[i, r, :-1]
            torch.testing.assert_close(steps, weight[:, j].expand(4, D).clone(), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(result.reconstructions[i], weight @ codes[i] + bias)


def test_a_dimension_the_decoder_ignores_decodes_to_the_reconstruction_all_along() -> None:
    model, weight, _ = _model()
    weight[:, 1] = 0.0
    result = traversals(model, _data(1), steps=7)
    row = result.decoded[0, 1]
    torch.testing.assert_close(row, result.reconstructions[0].expand(7, D).clone())
    assert float((result.decoded[0, 0, -1] - result.decoded[0, 0, 0]).abs().max()) > 1.0


def test_the_sweep_covers_the_promised_values_of_the_prior() -> None:
    model, _, _ = _model()
    result = traversals(model, _data(1), steps=7, spread=3.0)
    torch.testing.assert_close(result.values, torch.linspace(-3, 3, 7).expand(d, 7).clone())
    torch.testing.assert_close(result.offsets, torch.linspace(-3, 3, 7))
    # a mixture prior: its marginal mean +- 2 marginal standard deviations, computed by hand from the components
    prior = MixturePrior(d, components=3)
    loc = torch.tensor([[-2.0, 0.0, 1.0], [0.0, 4.0, 1.0], [2.0, 1.0, 1.0]])
    scales = torch.tensor([[0.5, 1.0, 2.0], [0.5, 1.0, 2.0], [0.5, 1.0, 2.0]])
    with torch.no_grad():
        prior.means.copy_(loc)
        prior.log_scales.copy_(scales.log())
        prior.logits.copy_(torch.tensor([0.0, math.log(2.0), 0.0]))  # weights 1/4, 1/2, 1/4
    weights = torch.tensor([0.25, 0.5, 0.25])
    mean = weights @ loc
    std = (weights @ (scales**2 + loc**2) - mean**2).sqrt()
    model, _, _ = _model(prior)
    result = traversals(model, _data(1), steps=5, spread=2.0)
    expected = mean[:, None] + torch.linspace(-2, 2, 5) * std[:, None]
    torch.testing.assert_close(result.values, expected)
    assert abs(float(std[2]) - 2.0) < 1e-5 and abs(float(mean[1]) - 2.25) < 1e-5  # 0.5 * 4 + 0.25 * 1


def test_dimensions_are_ordered_by_their_kl_with_collapsed_ones_last() -> None:
    # dim 0: mean x (varies), scale 1; dim 1: mean 3 + 2x, scale 0.2; dim 2: mean 0, scale 1 (collapsed, KL 0)
    model, _, _ = _model(gain=(1.0, 2.0, 0.0), shift=(0.0, 3.0, 0.0), scale=(1.0, 0.2, 1.0))
    x = torch.randn(4000, D, generator=torch.Generator().manual_seed(2))
    order = dimension_order(model, x)
    mean = x[:, :d] * torch.tensor([1.0, 2.0, 0.0]) + torch.tensor([0.0, 3.0, 0.0])
    scale = torch.tensor([1.0, 0.2, 1.0])
    kl = (0.5 * (mean**2 + scale**2 - 1) - torch.log(scale)).double().mean(0)  # KL(N(m, s^2) || N(0, 1))
    torch.testing.assert_close(order.kl, kl)
    assert order.dims == [1, 0, 2]
    assert order.collapsed.tolist() == [False, False, True]
    assert order.top(2) == [1, 0] and order.top(skip_collapsed=True) == [1, 0]
    assert order.label(1) == f"z1 KL {float(kl[1]):.2f}" and order.label(2).endswith("(collapsed)")


def test_a_conditional_vae_needs_the_label() -> None:
    from vaekit.config import ModelConfig
    from vaekit.core.errors import VaekitError
    from vaekit.model.build import build_model

    model = build_model(ModelConfig(latent_dim=2, hidden=[16], conditional=True), (1, 8, 8), "image",
                        num_classes=3).eval()
    x = torch.rand(2, 1, 8, 8)
    with pytest.raises(VaekitError, match="conditional VAE: a traversal needs the example's label"):
        traversals(model, x)
    result = traversals(model, x, steps=3, y=torch.tensor([0, 2]))
    assert result.decoded.shape == (2, 2, 3, 1, 8, 8)
    # the class changes the decoded images: the same codes in another class decode differently
    other = traversals(model, x, steps=3, y=torch.tensor([1, 1]))
    assert not torch.allclose(result.decoded, other.decoded)


def test_plot_traversals_writes_a_grid_of_the_computed_size(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("plot", "traversals", digits_run, "--steps", "5", "--example", "3",
                          "--out", tmp_path / "t.png")
    assert code == 0, output
    assert "2 latent dimensions, 5 steps" in output
    # 8x8 digits enlarged 4x by image_grid (32 px + 1 px gaps), drawn at 2 screen pixels per pixel; margins of
    # 120 (labels) + 10 px across and 40 (title) + 30 (values) px down, and 12 px for each further line of a
    # title wrapped to the picture's width (6 px a character: two lines at this width)
    with Image.open(tmp_path / "t.png") as picture:
        assert picture.size == (120 + (5 * 33 + 1) * 2 + 10, 40 + 12 + (2 * 33 + 1) * 2 + 30)


def test_training_writes_traversals_and_the_command_rewrites_them_in_the_run(digits_run: Path, tmp_path: Path
                                                                             ) -> None:
    run = shutil.copytree(digits_run, tmp_path / "run")
    with Image.open(run / "traversals.png") as picture:  # training's: 2 dimensions, 9 steps
        assert picture.size == (120 + (9 * 33 + 1) * 2 + 10, 40 + (2 * 33 + 1) * 2 + 30)
    code, output = invoke("plot", "traversals", run, "--steps", "3", "--dims", "1")
    assert code == 0, output
    with Image.open(run / "traversals.png") as picture:  # a title of two lines at this width
        assert picture.size == (120 + (3 * 33 + 1) * 2 + 10, 40 + 12 + (1 * 33 + 1) * 2 + 30)
    from vaekit.report import write_report

    evaluation = {"neg_elbo": 1.0, "distortion": 1.0, "rate": 0.0, "neg_log_likelihood": 1.0, "k": 1,
                  "bits_per_dim": 0.1, "active_units": 2, "latent_dim": 2, "reconstruction_mse": 0.1,
                  "kl_per_dim": [0.5, 0.2], "posterior_mean_variance": [1.0, 1.0], "active_threshold": 0.01,
                  "protocol": "test", "split": "test", "examples": 1, "seed": 0}
    page = write_report(run, evaluation).read_text()
    assert '<section id="traversals"><h2>Latent traversals</h2><img alt="traversals.png"' in page


def test_a_table_run_gets_a_chart_per_column(tmp_path: Path) -> None:
    from sklearn.datasets import load_wine

    from vaekit.runs.run import load

    table = tmp_path / "wine.csv"
    load_wine(as_frame=True).frame.to_csv(table, index=False)
    run = tmp_path / "wine"
    code, output = invoke("train", "--data", table, "--label-column", "target", "--latent-dim", "2", "--hidden",
                          "16", "--epochs", "2", "--out", run, "--quiet")
    assert code == 0, output
    assert (run / "traversals.png").is_file()
    code, output = invoke("plot", "traversals", run, "--example", "4", "--steps", "4", "--range", "2",
                          "--out", tmp_path / "chart.png")
    assert code == 0, output
    with Image.open(tmp_path / "chart.png") as picture:
        assert picture.format == "PNG" and picture.size[0] > 800 and picture.size[1] > 600  # 13 panels
    model = load(run)
    import pandas as pd

    x = torch.tensor(pd.read_csv(table).drop(columns="target").to_numpy(), dtype=torch.float32)
    result = traversals(model, x[:1], steps=4, spread=2.0)
    assert result.decoded.shape == (1, 2, 4, 13)
    torch.testing.assert_close(result.offsets, torch.tensor([-2.0, -2 / 3, 2 / 3, 2.0]))
    # through the Python API: a chart also for the vectors of a hand-built model, with named columns
    model, _, _ = _model()
    path = save_traversals(traversals(model, _data(2), steps=3), tmp_path / "hand.png",
                           columns=[f"c{i}" for i in range(D)])
    with Image.open(path) as picture:
        assert picture.size[0] > 600 and picture.size[1] > 400  # 6 panels, 3 by 2
