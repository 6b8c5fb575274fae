"""The 8-bit likelihoods (discretized logistic mixture, 256-way categorical) against brute force and scipy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from vaekit.config import ModelConfig
from vaekit.core.registry import LIKELIHOODS
from vaekit.likelihoods.categorical import Categorical256, Categorical256Likelihood
from vaekit.likelihoods.discretized_logistic import DiscretizedLogisticLikelihood, DiscretizedLogisticMixture

SHAPE = (2, 3, 2)
LEVELS = torch.arange(256, dtype=torch.float64) / 255
DTYPES = [torch.float32, torch.float64]


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _logistic_params(components: int, batch: tuple[int, ...] = (1,), seed: int = 0,
                     dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """(..., 3K, *SHAPE): logits ~ 2 N(0, 1), means ~ N(0, 1) (some outside [-1, 1]), log scales ~ 2 N(0, 1) - 2
    (from about -7, clamped, to wider than the data range), so edges, tails and fallback bins all occur."""
    g = _generator(seed)
    shape = (*batch, components, *SHAPE)
    logits = 2 * torch.randn(shape, generator=g, dtype=torch.float64)
    loc = torch.randn(shape, generator=g, dtype=torch.float64)
    log_scale = 2 * torch.randn(shape, generator=g, dtype=torch.float64) - 2
    return torch.cat([logits, loc, log_scale], -1 - len(SHAPE)).to(dtype)


def _all_levels(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """(256, *shape): every level for every data element."""
    return LEVELS.to(dtype).reshape(-1, *[1] * len(shape)).expand(256, *shape)


def _element_probs(px: torch.distributions.Independent) -> torch.Tensor:
    """(256, *batch, *SHAPE): the probability of every level for every element, from the per-element log_prob."""
    base = px.base_dist
    levels = LEVELS.to(base.mean.dtype).reshape(-1, *[1] * len(base.batch_shape))
    return base.log_prob(levels).exp()


def _scipy_log_prob(level: int, logits: np.ndarray, loc: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Mixture mass of one level's bin from scipy's logistic CDF, mixture axis first, lowest/highest bins open."""
    centre = 2 * level / 255 - 1
    upper = 1.0 if level == 255 else stats.logistic.cdf(centre + 1 / 255, loc, scale)
    lower = 0.0 if level == 0 else stats.logistic.cdf(centre - 1 / 255, loc, scale)
    weights = np.exp(logits - logits.max(0)) / np.exp(logits - logits.max(0)).sum(0)
    return np.log((weights * (upper - lower)).sum(0))


# --- discretized logistic mixture ---


def test_registered_with_params_per_element_from_config() -> None:
    likelihood = LIKELIHOODS.get("discretized_logistic").from_config(SHAPE, ModelConfig(logistic_components=3))
    assert isinstance(likelihood, DiscretizedLogisticLikelihood)
    assert likelihood.params_per_element == 9
    assert DiscretizedLogisticLikelihood(SHAPE).params_per_element == 15  # an instance attribute, default K = 5
    assert LIKELIHOODS.get("categorical").from_config(SHAPE, ModelConfig()).params_per_element == 256


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("components", [1, 3])
def test_logistic_probabilities_over_all_levels_sum_to_one(components: int, dtype: torch.dtype) -> None:
    px = DiscretizedLogisticLikelihood(SHAPE, components)(_logistic_params(components, (4,), seed=components,
                                                                           dtype=dtype))
    probs = _element_probs(px)
    assert probs.shape == (256, 4, *SHAPE) and probs.dtype == dtype
    torch.testing.assert_close(probs.sum(0).double(), torch.ones(4, *SHAPE, dtype=torch.float64), atol=1e-4, rtol=0)


@pytest.mark.parametrize("components", [1, 3])
@pytest.mark.parametrize("level", [0, 1, 100, 128, 254, 255])
def test_logistic_log_prob_matches_scipy(components: int, level: int) -> None:
    # Moderate scales and means, so every component has more than 1e-5 on every bin (no PixelCNN++ fallback): the
    # result must then be the exact mixture mass, from the lowest bin (-inf, edge) to the highest (edge, +inf).
    g = _generator(10 + components)
    shape = (components, *SHAPE)
    logits = torch.randn(shape, generator=g, dtype=torch.float64)
    loc = 1.6 * torch.rand(shape, generator=g, dtype=torch.float64) - 0.8
    log_scale = 1.5 * torch.rand(shape, generator=g, dtype=torch.float64) - 1.0
    likelihood = DiscretizedLogisticLikelihood(SHAPE, components)
    x = torch.full(SHAPE, level / 255, dtype=torch.float64)
    expected = _scipy_log_prob(level, logits.numpy(), loc.numpy(), log_scale.exp().numpy())
    for dtype, rtol in [(torch.float64, 1e-10), (torch.float32, 1e-5)]:
        px = likelihood(torch.cat([logits, loc, log_scale]).to(dtype))
        got = px.base_dist.log_prob(x.to(dtype))
        np.testing.assert_allclose(got.double().numpy(), expected, rtol=rtol)
        np.testing.assert_allclose(px.log_prob(x.to(dtype)).item(), expected.sum(), rtol=rtol)


def test_logistic_tiny_bins_use_the_pixelcnn_fallback() -> None:
    # One narrow component far from the data: the bin's mass is far below 1e-5, and log_prob is the log density at
    # the bin centre plus log(bin width), finite even where the CDF difference underflows to 0.
    loc = torch.tensor([[-0.5], [0.9], [-0.9]], dtype=torch.float64)
    log_scale = torch.tensor([[-4.0], [-7.0], [-2.0]], dtype=torch.float64)
    level = torch.tensor([200, 10, 250])
    d = DiscretizedLogisticMixture(torch.zeros_like(loc), loc, log_scale)
    centre = 2 * level.double().numpy() / 255 - 1
    expected = stats.logistic.logpdf(centre, loc[:, 0].numpy(), log_scale[:, 0].exp().numpy()) + np.log(2 / 255)
    np.testing.assert_allclose(d.log_prob(level.double() / 255).numpy(), expected, rtol=1e-10)
    assert np.all(expected < np.log(1e-5))


@pytest.mark.parametrize("dtype", DTYPES)
def test_logistic_log_prob_is_finite_with_extreme_parameters_and_has_gradients(dtype: torch.dtype) -> None:
    # means far outside [-1, 1], log scales far below the -7 clamp and far above 0: float32 CDF differences are 0 here
    values = torch.tensor([[-30.0, -0.3, 0.0, 0.5, 30.0]], dtype=dtype)
    params = torch.cat([values, values * 3, values.flip(-1)]).reshape(1, 15, 1).expand(6, 15, 1).contiguous()
    params = params + torch.linspace(-40, 40, 6, dtype=dtype).reshape(6, 1, 1) * (torch.arange(15) >= 10).reshape(15, 1)
    params.requires_grad_(True)
    x = torch.tensor([0, 1, 127, 128, 254, 255], dtype=dtype).reshape(6, 1) / 255
    log_prob = DiscretizedLogisticLikelihood((1,), 5)(params).log_prob(x)
    assert torch.isfinite(log_prob).all() and (log_prob <= 0).all()
    log_prob.sum().backward()
    assert torch.isfinite(params.grad).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_logistic_log_prob_broadcasts_over_leading_sample_dims(dtype: torch.dtype) -> None:
    params = _logistic_params(2, (5, 4), seed=3, dtype=dtype)  # (k=5, B=4, 6, *SHAPE)
    x = torch.randint(0, 256, (4, *SHAPE), generator=_generator(3)).to(dtype) / 255
    likelihood = DiscretizedLogisticLikelihood(SHAPE, 2)
    log_prob = likelihood(params).log_prob(x)
    assert log_prob.shape == (5, 4) and log_prob.dtype == dtype
    torch.testing.assert_close(log_prob[2], likelihood(params[2]).log_prob(x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_logistic_mean_is_within_one_level_of_the_brute_force_expectation(dtype: torch.dtype) -> None:
    px = DiscretizedLogisticLikelihood(SHAPE, 3)(_logistic_params(3, (8,), seed=4, dtype=dtype))
    probs = _element_probs(px).double()
    brute = (probs * _all_levels((8, *SHAPE), torch.float64)).sum(0)
    mean = px.mean
    assert mean.shape == (8, *SHAPE) and mean.dtype == dtype
    assert (mean >= 0).all() and (mean <= 1).all()
    assert (mean.double() - brute).abs().max() <= 1 / 255


def test_logistic_samples_are_on_the_grid_and_follow_the_probabilities() -> None:
    torch.manual_seed(0)
    # one element, a 3-component mixture with mass on both edges and in the interior
    logits, loc, log_scale = torch.tensor([[0.0, 0.5, -0.5]]), torch.tensor([[-0.9, 0.2, 1.1]]), torch.tensor(
        [[-2.5, -3.0, -2.0]])
    d = DiscretizedLogisticMixture(logits, loc, log_scale)
    samples = d.sample((50_000,))
    assert samples.shape == (50_000, 1) and samples.dtype == torch.float32
    levels = samples * 255
    torch.testing.assert_close(levels, levels.round(), atol=1e-4, rtol=0)
    assert samples.min() >= 0 and samples.max() <= 1
    histogram = torch.bincount(levels.round().long().flatten(), minlength=256).double() / len(samples)
    probs = d.log_prob(LEVELS.float().reshape(256, 1)).exp().double().flatten()
    assert 0.5 * (histogram - probs).abs().sum() < 0.03  # total variation; about 0.01 is expected at this size
    assert histogram[0] > 0.05 and histogram[255] > 0.05


def test_logistic_sample_shape_with_leading_dims() -> None:
    px = DiscretizedLogisticLikelihood(SHAPE, 2)(_logistic_params(2, (5, 4), seed=6, dtype=torch.float32))
    assert px.sample().shape == (5, 4, *SHAPE)
    assert px.sample((3,)).shape == (3, 5, 4, *SHAPE)


def test_logistic_gradient_flows_to_every_param_group() -> None:
    params = _logistic_params(3, (4,), seed=7).requires_grad_(True)
    x = torch.randint(0, 256, (4, *SHAPE), generator=_generator(7)).double() / 255
    DiscretizedLogisticLikelihood(SHAPE, 3)(params).log_prob(x).sum().backward()
    grad = params.grad
    assert torch.isfinite(grad).all()
    for group in grad.split(3, dim=1):  # logits, means, log scales
        assert group.abs().sum() > 0


def test_logistic_validation_rejects_off_grid_values() -> None:
    d = DiscretizedLogisticMixture(torch.zeros(2, 1), torch.zeros(2, 1), torch.zeros(2, 1), validate_args=True)
    d.log_prob(torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError):
        d.log_prob(torch.tensor([0.5, 1.0]))  # 0.5 is not k/255


# --- 256-way categorical ---


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_probabilities_are_the_softmax_of_the_logits(dtype: torch.dtype) -> None:
    params = 3 * torch.randn(4, 256, *SHAPE, generator=_generator(8), dtype=torch.float64)
    px = Categorical256Likelihood(SHAPE)(params.to(dtype))
    probs = _element_probs(px)                             # (256, 4, *SHAPE), the level axis first
    assert probs.dtype == dtype
    expected = torch.softmax(params, 1).movedim(1, 0)
    tol = 1e-12 if dtype == torch.float64 else 1e-6
    torch.testing.assert_close(probs.double(), expected, atol=tol, rtol=tol * 10)
    torch.testing.assert_close(probs.sum(0).double(), torch.ones(4, *SHAPE, dtype=torch.float64), atol=tol, rtol=0)


def test_categorical_log_prob_rounds_to_the_nearest_level_and_sums_over_data_dims() -> None:
    params = torch.randn(3, 256, *SHAPE, generator=_generator(9), dtype=torch.float64)
    level = torch.randint(0, 256, (3, *SHAPE), generator=_generator(9))
    expected = torch.log_softmax(params, 1).gather(1, level.unsqueeze(1)).squeeze(1).sum((1, 2, 3))
    px = Categorical256Likelihood(SHAPE)(params)
    torch.testing.assert_close(px.log_prob(level.double() / 255), expected)
    torch.testing.assert_close(px.log_prob(level.double() / 255 + 0.4 / 255), expected)  # nearest level
    assert px.log_prob(level.double() / 255).shape == (3,)


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_log_prob_broadcasts_over_leading_sample_dims(dtype: torch.dtype) -> None:
    params = torch.randn(5, 4, 256, *SHAPE, generator=_generator(10), dtype=dtype)
    x = torch.randint(0, 256, (4, *SHAPE), generator=_generator(10)).to(dtype) / 255
    likelihood = Categorical256Likelihood(SHAPE)
    log_prob = likelihood(params).log_prob(x)
    assert log_prob.shape == (5, 4) and log_prob.dtype == dtype
    torch.testing.assert_close(log_prob[3], likelihood(params[3]).log_prob(x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_mean_is_the_brute_force_expectation(dtype: torch.dtype) -> None:
    params = 4 * torch.randn(6, 256, *SHAPE, generator=_generator(11), dtype=dtype)
    px = Categorical256Likelihood(SHAPE)(params)
    probs = _element_probs(px).double()
    levels = _all_levels((6, *SHAPE), torch.float64)
    brute = (probs * levels).sum(0)
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    assert (px.mean >= 0).all() and (px.mean <= 1).all()
    torch.testing.assert_close(px.mean.double(), brute, atol=tol, rtol=0)
    torch.testing.assert_close(px.variance.double(), (probs * (levels - brute) ** 2).sum(0), atol=tol, rtol=0)


def test_categorical_edge_mean_stays_in_range() -> None:
    logits = torch.full((2, 256), -1e4)
    logits[0, 0] = logits[1, 255] = 1e4
    d = Categorical256(logits=logits)
    torch.testing.assert_close(d.mean, torch.tensor([0.0, 1.0]))
    torch.testing.assert_close(d.mode, torch.tensor([0.0, 1.0]))


def test_categorical_samples_are_on_the_grid_and_follow_the_probabilities() -> None:
    torch.manual_seed(1)
    logits = 2 * torch.randn(256, generator=_generator(12))
    d = Categorical256(logits=logits)
    samples = d.sample((40_000,))
    assert samples.shape == (40_000,) and samples.dtype == torch.float32
    assert samples.min() >= 0 and samples.max() <= 1
    levels = samples * 255
    torch.testing.assert_close(levels, levels.round(), atol=1e-4, rtol=0)
    histogram = torch.bincount(levels.round().long(), minlength=256).double() / len(samples)
    assert 0.5 * (histogram - torch.softmax(logits.double(), 0)).abs().sum() < 0.05
    px = Categorical256Likelihood(SHAPE)(torch.randn(5, 4, 256, *SHAPE))
    assert px.sample().shape == (5, 4, *SHAPE) and px.sample((2,)).shape == (2, 5, 4, *SHAPE)


def test_categorical_enumerate_support_and_validation() -> None:
    d = Categorical256(logits=torch.zeros(3, 256, dtype=torch.float64), validate_args=True)
    support = d.enumerate_support()
    assert support.shape == (256, 3)
    torch.testing.assert_close(support[:, 0], LEVELS)
    torch.testing.assert_close(d.log_prob(support), torch.full((256, 3), -np.log(256), dtype=torch.float64))
    with pytest.raises(ValueError):
        d.log_prob(torch.tensor([1.5, 0.0, 0.0]))


def test_categorical_gradient_flows_to_the_logits() -> None:
    params = torch.randn(4, 256, *SHAPE, generator=_generator(13), requires_grad=True)
    x = torch.randint(0, 256, (4, *SHAPE), generator=_generator(13)).float() / 255
    Categorical256Likelihood(SHAPE)(params).log_prob(x).sum().backward()
    grad = params.grad
    assert torch.isfinite(grad).all()
    # d log p / d logit_j = 1[j = level] - p_j: each element's gradient sums to 0 and is positive at the level only
    torch.testing.assert_close(grad.sum(1), torch.zeros(4, *SHAPE), atol=1e-6, rtol=0)
    assert ((grad > 0).sum(1) == 1).all()
