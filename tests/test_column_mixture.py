"""The "mixture" column type of mixed tables: a per-column mixture of Gaussians whose weights, means and scales come
from the decoder (likelihoods/column_mixture.py). Its density against scipy, in the data's own units; its samples,
gradients, missing entries and saved state; a table declared with it, trained, saved and reloaded; and a bimodal,
skewed table whose marginals it follows where one Gaussian per column cannot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats
from scipy.special import logsumexp

from conftest import invoke
from vaekit.core.errors import DataError
from vaekit.data import LoadOptions, load_dataset, table_dataset
from vaekit.likelihoods import column_mixture
from vaekit.likelihoods.column_mixture import MIN_LOG_SCALE, MIXTURE_COMPONENTS, PARAMS_PER_COLUMN
from vaekit.likelihoods.mixed import MixedLikelihood
from vaekit.likelihoods.observed import ObservedEntries

M = MIXTURE_COMPONENTS


def _reference(params: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log sum_m w_m N(y; mu_m, sigma_m) with numpy and scipy, the log-scales under the same soft floor."""
    logits, means, raw = np.split(params, 3, axis=-1)
    log_scales = MIN_LOG_SCALE + np.logaddexp(0.0, raw - MIN_LOG_SCALE)
    log_weights = logits - logsumexp(logits, axis=-1, keepdims=True)
    return logsumexp(log_weights + stats.norm.logpdf(y[..., None], means, np.exp(log_scales)), axis=-1)


def _table(shift: float = 10.0, scale: float = 2.0) -> MixedLikelihood:
    """continuous, mixture, categorical (3 values), mixture; the number columns standardized by shift, scale."""
    likelihood = MixedLikelihood(["continuous", "mixture", "categorical", "mixture"], [None, None, ["a", "b", "c"],
                                                                                      None]).double()
    with torch.no_grad():
        likelihood.shift.fill_(shift)
        likelihood.scale.fill_(scale)
    return likelihood


def test_log_prob_is_the_mixture_density_computed_by_scipy() -> None:
    generator = torch.Generator().manual_seed(0)
    params = torch.randn(6, 4, 3 * M, generator=generator, dtype=torch.float64) * 2
    params[0, 0, 2 * M:] = -30.0  # log-scales far under the floor: finite, at the floor
    y = torch.randn(6, 4, generator=generator, dtype=torch.float64) * 3
    expected = _reference(params.numpy(), y.numpy())
    np.testing.assert_allclose(column_mixture.log_prob(params, y).numpy(), expected, rtol=1e-10)
    assert np.isfinite(expected).all()
    # broadcasting: values (5, 6, 4) against mixtures (6, 4)
    many = torch.randn(5, 6, 4, generator=generator, dtype=torch.float64)
    np.testing.assert_allclose(column_mixture.log_prob(params, many).numpy(), _reference(params.numpy(), many.numpy()),
                               rtol=1e-10)


def test_the_table_scores_a_mixture_column_in_its_own_units() -> None:
    likelihood = _table(shift=10.0, scale=2.0)
    assert likelihood.params_per_element == PARAMS_PER_COLUMN == 3 * M
    params = torch.randn(4, PARAMS_PER_COLUMN, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    x = torch.tensor([[11.0, 9.0, 2.0, 14.0], [9.0, 10.5, 0.0, 3.0], [10.0, 30.0, 1.0, 10.0], [8.0, 7.0, 2.0, 12.0]],
                     dtype=torch.float64)
    scores = likelihood(params).entry_log_prob(x).detach().numpy()
    for column in (1, 3):  # the mixture in data units: means 10 + 2 mu, standard deviations 2 sigma
        logits, means, raw = np.split(params[:, :, column].numpy(), 3, axis=-1)
        sigma = np.exp(MIN_LOG_SCALE + np.logaddexp(0.0, raw - MIN_LOG_SCALE))
        weights = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        density = (weights * stats.norm.pdf(x[:, column, None].numpy(), 10 + 2 * means, 2 * sigma)).sum(-1)
        np.testing.assert_allclose(scores[:, column], np.log(density), rtol=1e-10)
    np.testing.assert_allclose(scores[:, 0], stats.norm.logpdf(x[:, 0], 10 + 2 * params[:, 0, 0].numpy(), 2.0),
                               rtol=1e-10)
    np.testing.assert_allclose(scores[:, 2], torch.log_softmax(params[:, :3, 2], -1)[torch.arange(4),
                               x[:, 2].long()].numpy(), rtol=1e-10)
    np.testing.assert_allclose(likelihood(params).log_prob(x).detach().numpy(), scores.sum(-1), rtol=1e-12)


def test_identical_components_are_the_one_gaussian() -> None:
    generator = torch.Generator().manual_seed(2)
    mean, log_scale = torch.randn(8, 1, generator=generator).double(), torch.randn(8, 1, generator=generator).double()
    logits = torch.randn(8, M, generator=generator).double()  # any weights: the components are the same
    params = torch.cat([logits, mean.expand(8, M), log_scale.expand(8, M)], dim=-1)
    y = torch.randn(8, generator=generator).double() * 2
    floored = MIN_LOG_SCALE + torch.nn.functional.softplus(log_scale.squeeze(-1) - MIN_LOG_SCALE)
    expected = stats.norm.logpdf(y.numpy(), mean.squeeze(-1).numpy(), floored.exp().numpy())
    np.testing.assert_allclose(column_mixture.log_prob(params, y).numpy(), expected, rtol=1e-10)
    torch.testing.assert_close(column_mixture.mean(params), mean.squeeze(-1))
    # one component of overwhelming weight is that component's Gaussian
    params = torch.randn(8, 3 * M, generator=generator).double()
    params[:, :M] = torch.tensor([60.0] + [0.0] * (M - 1))
    only = MIN_LOG_SCALE + torch.nn.functional.softplus(params[:, 2 * M] - MIN_LOG_SCALE)
    np.testing.assert_allclose(column_mixture.log_prob(params, y).numpy(),
                               stats.norm.logpdf(y.numpy(), params[:, M].numpy(), only.exp().numpy()), rtol=1e-10)


def test_draws_have_the_mixtures_mean_and_variance() -> None:
    likelihood = _table(shift=-5.0, scale=3.0)
    one = torch.randn(PARAMS_PER_COLUMN, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    px = likelihood(one.expand(40_000, PARAMS_PER_COLUMN, 4))
    with torch.random.fork_rng():
        torch.manual_seed(0)
        draws = px.sample()
    mean = px.mean[0]
    for column in (1, 3):
        log_weights, means, log_scales = column_mixture.components(one[:, column])
        weights = log_weights.exp()
        second = (weights * (means ** 2 + (2 * log_scales).exp())).sum()
        sd = 3.0 * float((second - column_mixture.mean(one[:, column]) ** 2).sqrt())
        assert abs(float(mean[column]) - (-5.0 + 3.0 * float(column_mixture.mean(one[:, column])))) < 1e-12
        assert abs(float(draws[:, column].mean()) - float(mean[column])) < 4 * sd / 200  # 4 standard errors
        assert abs(float(draws[:, column].std()) / sd - 1) < 0.03
    assert set(draws[:, 2].tolist()) <= {0.0, 1.0, 2.0}
    # weighted_mean over z draws: sum_j w_j E[x | z_j] for the number columns
    params = torch.randn(3, 2, PARAMS_PER_COLUMN, 4, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    weights = torch.softmax(torch.randn(3, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64), 0)
    filled = likelihood.weighted_mean(likelihood(params), weights)
    means = likelihood(params).mean
    torch.testing.assert_close(filled[:, [0, 1, 3]], (weights[..., None] * means[..., [0, 1, 3]]).sum(0))


def test_gradients_reach_weights_means_and_scales_even_under_the_floor() -> None:
    likelihood = _table()
    params = torch.randn(5, PARAMS_PER_COLUMN, 4, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    params[:, 2 * M:3 * M, 1] = -12.0  # under the floor of the log-scales
    params.requires_grad_(True)
    x = torch.tensor([[10.0, 10.0, 1.0, 12.0]], dtype=torch.float64).expand(5, 4)
    likelihood(params).log_prob(x).sum().backward()
    grad = params.grad
    assert torch.isfinite(grad).all()
    for column in (1, 3):
        for block in range(3):  # logits, means, log-scales: each gets a gradient
            assert grad[:, block * M:(block + 1) * M, column].abs().sum() > 0, (column, block)
    assert grad[:, 1:, 0].abs().sum() == 0  # a continuous column reads row 0 only


def test_missing_entries_are_left_out_and_give_no_nan_gradient() -> None:
    likelihood = _table()
    params = torch.randn(3, PARAMS_PER_COLUMN, 4, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    params.requires_grad_(True)
    x = torch.tensor([[11.0, float("nan"), 2.0, 9.0], [9.0, 12.0, 0.0, float("nan")], [10.0, 8.0, 1.0, 10.0]],
                     dtype=torch.float64)
    observed = ~torch.isnan(x)
    scored = ObservedEntries(likelihood(params)).log_prob(x)
    full = likelihood(params).entry_log_prob(torch.nan_to_num(x, nan=0.0))
    torch.testing.assert_close(scored, (full * observed).sum(-1))
    scored.sum().backward()
    assert torch.isfinite(params.grad).all()
    assert params.grad[0, :, 1].abs().sum() == 0 and params.grad[1, :, 3].abs().sum() == 0
    # fit_data standardizes a mixture column over its observed values; the encoder sees it after the continuous ones
    fresh = MixedLikelihood(["mixture", "continuous", "binary"], [None, None, ["n", "y"]])
    data = torch.tensor([[1.0, 5.0, 0.0], [float("nan"), 7.0, 1.0], [3.0, 9.0, 1.0]])
    fresh.fit_data(data)
    torch.testing.assert_close(fresh.shift, torch.tensor([7.0, 2.0]))  # continuous, then mixture
    torch.testing.assert_close(fresh.scale, torch.tensor([2.0, 2 ** 0.5]))
    inputs = fresh.encoder_inputs(torch.tensor([[3.0, 9.0, 1.0]]))
    torch.testing.assert_close(inputs, torch.tensor([[1.0, 2 ** -0.5, 1.0]]))
    assert fresh.input_width == 3 and fresh.input_mask(torch.tensor([[False, True, True]])).tolist() == \
        [[True, False, True]]


def test_state_round_trips_and_tables_without_mixtures_keep_their_layout() -> None:
    likelihood = _table(shift=3.0, scale=0.5)
    saved = likelihood.state_dict()
    assert saved["shift"].shape == (3,) and saved["log_scale"].shape == (1,)  # 1 continuous, 2 mixture columns
    loaded = MixedLikelihood(likelihood.types, [None, None, ["a", "b", "c"], None]).double()
    loaded.load_state_dict(saved)
    params = torch.randn(2, PARAMS_PER_COLUMN, 4, generator=torch.Generator().manual_seed(8), dtype=torch.float64)
    x = torch.tensor([[3.0, 2.5, 1.0, 4.0], [2.0, 3.0, 2.0, 3.5]], dtype=torch.float64)
    torch.testing.assert_close(loaded(params).log_prob(x), likelihood(params).log_prob(x), rtol=0, atol=0)
    torch.testing.assert_close(loaded(params).mean, likelihood(params).mean, rtol=0, atol=0)
    # no mixture column: the parameters per element, the inputs and the saved state are those of before mixtures
    old = MixedLikelihood(["continuous", "binary", "categorical"], [None, ["n", "y"], ["a", "b", "c"]])
    assert old.params_per_element == 3 and old.input_width == 5
    assert {k: tuple(v.shape) for k, v in old.state_dict().items()} == {"log_scale": (1,), "shift": (1,),
                                                                       "scale": (1,)}
    wide = MixedLikelihood(["mixture", "categorical"], [None, [str(i) for i in range(20)]])
    assert wide.params_per_element == 20  # the larger of 3M and K


def test_a_column_can_be_declared_a_mixture_and_a_run_saves_and_reloads_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"price": rng.lognormal(3.0, 1.0, 200), "colour": rng.choice(["red", "blue"], 200),
                          "rooms": rng.integers(1, 6, 200)})
    path = tmp_path / "houses.csv"
    frame.to_csv(path, index=False)
    data = load_dataset(str(path), column_types="price:mixture,rooms:mixture")
    assert data.column_types == ["mixture", "binary", "mixture"] and data.column_values[0] is None
    with pytest.raises(DataError, match="not numeric, so it cannot be mixture"):
        load_dataset(str(path), column_types="colour:mixture")
    with pytest.raises(DataError, match="choose continuous, mixture, binary or categorical"):
        load_dataset(str(path), column_types="price:gaussian")
    run = tmp_path / "run"
    code, output = invoke("train", "--data", path, "--column-types", "price:mixture", "--latent-dim", "2",
                          "--hidden", "16", "--epochs", "2", "--batch-size", "64", "--out", run, "--quiet")
    assert code == 0, output
    import vaekit

    model = vaekit.load(run)
    assert model.likelihood.types == ["mixture", "binary", "continuous"]
    assert model.likelihood.params_per_element == PARAMS_PER_COLUMN
    code, output = invoke("sample", run, "-n", "50", "--draw", "--out", tmp_path / "samples.csv")
    assert code == 0, output
    samples = pd.read_csv(tmp_path / "samples.csv")
    assert list(samples.columns) == ["price", "colour", "rooms"] and set(samples["colour"]) <= {"red", "blue"}
    assert np.isfinite(samples["price"]).all()
    code, output = invoke("evaluate", run, "--k", "4")
    assert code == 0 and "Gaussian-mixture" in output, output


def test_mixture_columns_follow_a_bimodal_and_a_skewed_marginal_where_one_gaussian_cannot(tmp_path: Path) -> None:
    import vaekit

    rng = np.random.default_rng(0)
    n = 1500
    frame = pd.DataFrame({"bimodal": np.where(rng.random(n) < 0.4, rng.normal(-3, 0.5, n), rng.normal(3, 0.7, n)),
                          "skewed": rng.lognormal(0.0, 0.9, n)})
    distance = {}
    for kind in ("continuous", "mixture"):
        data = table_dataset(frame, LoadOptions(column_types=f"bimodal:{kind},skewed:{kind}"))
        run = vaekit.train({"model": {"latent_dim": 2, "hidden": [32], "likelihood": "mixed"},
                            "train": {"epochs": 20, "batch_size": 128, "seed": 0}}, tmp_path / kind, data=data,
                           progress=False, pictures=False)
        with torch.random.fork_rng():
            torch.manual_seed(1)
            drawn = run.model.sample(4000, mean=False).numpy()
        distance[kind] = np.array([stats.ks_2samp(drawn[:, j], frame.iloc[:, j]).statistic for j in range(2)])
        if kind == "mixture":  # the saved run gives the same p(x|z)
            z = torch.randn(5, 2, generator=torch.Generator().manual_seed(2))
            torch.testing.assert_close(vaekit.load(tmp_path / kind).decode(z).mean, run.model.decode(z).mean)
    # measured when written: continuous about (0.25, 0.20), mixture about (0.03, 0.04)
    assert (distance["mixture"] < 0.1).all(), distance
    assert (distance["mixture"] < distance["continuous"] / 2).all(), distance
