"""The Python API checks what it is given (vaekit.model.input_checks): misuse is a one-line VaekitError naming what was
expected; numpy arrays and other dtypes are converted and give the same results as the float32 tensor."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import vaekit
from vaekit.config import ModelConfig
from vaekit.core.errors import VaekitError
from vaekit.model.build import build_model
from vaekit.tasks.outputs import embed

SHAPE = (1, 8, 8)


def _model(likelihood: str = "bernoulli", **settings) -> vaekit.VAE:
    torch.manual_seed(0)
    return build_model(ModelConfig(latent_dim=2, hidden=[16], likelihood=likelihood, **settings), SHAPE).eval()


def _x(n: int = 4) -> torch.Tensor:
    return torch.rand(n, *SHAPE, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("call, message", [
    (lambda m: m.elbo(_x() * 5), r"bernoulli likelihood needs data in \[0, 1\], but x spans \[0\.\d+, 4\.\d+\]"),
    (lambda m: m.elbo(torch.full((2, *SHAPE), float("nan"))), r"has 128 NaN values"),
    (lambda m: m.reconstruct(_x().masked_fill(_x() > 0.5, float("inf"))), r"infinite"),
    (lambda m: m.elbo((_x() * 255).to(torch.uint8)), r"integer pixels 0\.\.255\? divide by 255"),
    (lambda m: m.encode(_x().reshape(4, 64)), r"x must have shape \(N, 1, 8, 8\).*got \(4, 64\)"),
    (lambda m: m.encode(_x()[0]), r"x must have shape \(N, 1, 8, 8\).*got \(1, 8, 8\)"),
    (lambda m: m.encode(_x()[:0]), r"N >= 1"),
    (lambda m: m.encode([[0.0]]), r"torch tensor or a numpy array, got list"),
    (lambda m: m.encode(np.array([["a"]])), r"must hold numbers"),
    (lambda m: m.encode(_x().to(torch.complex64)), r"complex"),
    (lambda m: m.decode(torch.zeros(4, 3)), r"z must have shape \(\.\.\., 2\).*got \(4, 3\)"),
    (lambda m: m.decode(torch.tensor(0.0)), r"z must have shape \(\.\.\., 2\)"),
    (lambda m: m.sample(-1), r"n must be at least 1, got -1"),
    (lambda m: m.sample(0), r"n must be at least 1"),
    (lambda m: m.sample(2.5), r"n must be a whole number"),
    (lambda m: m.sample(True), r"n must be at least 1"),
    (lambda m: embed(m, np.full((2, *SHAPE), np.nan)), r"NaN"),
    (lambda m: vaekit.evaluate(m, torch.rand(3, 1, 28, 28), k=2), r"x must have shape \(N, 1, 8, 8\)"),
])
def test_each_misuse_is_one_line_naming_what_is_expected(call, message) -> None:
    with pytest.raises(VaekitError, match=message) as raised:
        call(_model())
    assert "\n" not in str(raised.value)


def test_a_discrete_likelihood_refuses_values_off_its_levels() -> None:
    model = _model("categorical")
    with pytest.raises(VaekitError, match=r"categorical likelihood needs data in \[0, 1\] on the 8-bit levels"):
        model.elbo(_x())
    model.elbo((_x() * 255).round() / 255)  # on the levels: accepted


def test_a_gaussian_model_takes_any_finite_values_but_not_nan() -> None:
    model = _model("gaussian")
    assert torch.isfinite(model.elbo(_x() * 100 - 50).negative_elbo).all()
    with pytest.raises(VaekitError, match="gaussian likelihood needs data in the real numbers"):
        model.elbo(_x().masked_fill(_x() > 0.9, float("nan")))


@pytest.mark.parametrize("convert", [
    lambda x: x.numpy(),                       # numpy float32
    lambda x: x.double(),                      # float64 tensor
    lambda x: x.numpy().astype(np.float64),    # numpy float64
])
def test_numpy_and_float64_inputs_give_the_float32_results(convert) -> None:
    model, x = _model(), _x()
    expected_q, got_q = model.encode(x), model.encode(convert(x))
    assert got_q.mean.dtype == torch.float32
    torch.testing.assert_close(got_q.mean, expected_q.mean, rtol=0, atol=0)
    torch.testing.assert_close(model.reconstruct(convert(x)), model.reconstruct(x), rtol=0, atol=0)
    torch.testing.assert_close(embed(model, convert(x)), embed(model, x), rtol=0, atol=0)
    torch.manual_seed(5)
    expected = model.elbo(x).negative_elbo
    torch.manual_seed(5)
    torch.testing.assert_close(model.elbo(convert(x)).negative_elbo, expected, rtol=0, atol=0)
    z = expected_q.mean.detach()
    torch.testing.assert_close(model.decode(z.numpy()).mean, model.decode(z).mean, rtol=0, atol=0)


def test_binary_integer_pixels_are_accepted_for_bernoulli() -> None:
    model, x = _model(), torch.bernoulli(_x())
    torch.testing.assert_close(model.reconstruct(x.to(torch.uint8)), model.reconstruct(x), rtol=0, atol=0)
    torch.testing.assert_close(model.reconstruct(x.bool()), model.reconstruct(x), rtol=0, atol=0)


def test_a_float64_model_computes_in_float64() -> None:
    model = _model().double()
    assert model.encode(_x()).mean.dtype == torch.float64  # float32 inputs follow the model, not the reverse


def test_the_checks_cost_no_reduction_in_encode_and_decode(monkeypatch) -> None:
    """encode and decode (what a training step calls) read metadata only: no .all() over the values."""
    model, x = _model(), _x()
    calls = []
    original = torch.Tensor.all
    monkeypatch.setattr(torch.Tensor, "all", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    model.decode(model.encode(x).rsample())
    assert calls == []
    model.elbo(x)
    assert len(calls) == 1  # the entry point: one reduction over the values


def test_a_conditional_model_checks_its_inputs_too() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(latent_dim=2, hidden=[16], conditional=True), SHAPE, num_classes=3).eval()
    y = torch.tensor([0, 1, 2, 0])
    assert model.elbo(_x().numpy(), y=y).negative_elbo.shape == (4,)
    with pytest.raises(VaekitError, match=r"spans"):
        model.elbo(_x() * 3, y=y)
    with pytest.raises(VaekitError, match=r"x must have shape"):
        model.given(y).encode(_x().reshape(4, 64))


def test_a_hand_built_likelihood_must_declare_what_it_supports() -> None:
    """VAE(...) with your own modules: a likelihood that is not a vaekit Likelihood, or a posterior that is not a
    vaekit Posterior, is refused at once, by name."""
    parts = build_model(ModelConfig(latent_dim=2, hidden=[16]), SHAPE)
    with pytest.raises(VaekitError, match=r"Identity must subclass vaekit\.likelihoods\.base\.Likelihood"):
        vaekit.VAE(parts.encoder, parts.posterior, parts.prior_module, parts.decoder, torch.nn.Identity(), SHAPE, 2)
    with pytest.raises(VaekitError, match=r"Linear must subclass vaekit\.posteriors\.base\.Posterior"):
        vaekit.VAE(parts.encoder, torch.nn.Linear(2, 2), parts.prior_module, parts.decoder, parts.likelihood, SHAPE, 2)
