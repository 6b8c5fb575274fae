"""The Gumbel-softmax posterior (posteriors/gumbel_softmax.py): its KL to the uniform prior against the formula,
relaxed draws in training and hard ones in eval mode, and a model that trains with the ELBO."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Categorical, RelaxedOneHotCategorical, kl_divergence

from vaekit.config import Config
from vaekit.core.errors import ConfigError
from vaekit.model.build import build_model
from vaekit.objectives.kl import kl_terms
from vaekit.parts import check_config
from vaekit.posteriors.gumbel_softmax import GumbelSoftmaxPosterior, RelaxedCodes
from vaekit.priors.codes import CodesPrior
from vaekit.training.loop import train

GUMBEL = {"posterior": "gumbel_softmax", "prior": "codes", "latent_dim": 12, "codebook_size": 4, "hidden": [16]}


def _logits() -> torch.Tensor:
    return torch.tensor([[[2.0, 0.0, -1.0, 0.5], [0.0, 0.0, 0.0, 0.0], [-3.0, 1.0, 1.0, 0.0]]])  # B=1, M=3, K=4


def test_the_kl_to_the_uniform_prior_is_the_hand_formula() -> None:
    logits = _logits()
    q = RelaxedCodes(logits, temperature=0.5, hard=False)
    p = CodesPrior(positions=3, codes=4)()
    probs = torch.softmax(logits, -1)
    by_hand = (probs * torch.log(probs * 4)).sum((-2, -1))  # sum_m sum_k q log(q K)
    torch.testing.assert_close(kl_divergence(q, p), by_hand)
    torch.testing.assert_close(by_hand[0, ...], torch.stack([  # = sum_m (log K - H(q_m))
        math.log(4) - Categorical(logits=row).entropy() for row in logits[0]]).sum())
    rate, per_dim = kl_terms(q, p, q.rsample(), "auto")
    torch.testing.assert_close(rate, by_hand)
    assert per_dim is None


def test_a_monte_carlo_kl_estimates_the_same_categorical_kl() -> None:
    q = RelaxedCodes(_logits(), temperature=0.5, hard=False)
    p = CodesPrior(positions=3, codes=4)()
    z = q.rsample_seeded(torch.Size([20000]), torch.Generator().manual_seed(0))
    estimate = (q.log_prob(z) - p.log_prob(z)).mean()
    assert float(estimate) == pytest.approx(float(kl_divergence(q, p)[0]), abs=0.03)


def test_relaxed_draws_in_training_and_hard_ones_in_eval_mode() -> None:
    logits = _logits()
    noise = torch.randn(5, 1, 12, generator=torch.Generator().manual_seed(1))
    relaxed, log_q = RelaxedCodes(logits, 0.5, hard=False).reparameterize(noise)
    hard, log_q_hard = RelaxedCodes(logits, 0.5, hard=True).reparameterize(noise)
    blocks = relaxed.unflatten(-1, (3, 4))
    torch.testing.assert_close(blocks.sum(-1), torch.ones(5, 1, 3))  # each position a point of the simplex
    assert ((blocks > 0) & (blocks < 1)).all()
    assert set(hard.unique().tolist()) == {0.0, 1.0}
    torch.testing.assert_close(hard.unflatten(-1, (3, 4)).argmax(-1), blocks.argmax(-1))  # the same draw
    torch.testing.assert_close(log_q, log_q_hard)
    # near zero temperature the relaxed draw becomes the hard one
    cold, _ = RelaxedCodes(logits, 1e-3, hard=False).reparameterize(noise)
    torch.testing.assert_close(cold, hard, rtol=0, atol=1e-4)


def test_draws_are_torch_relaxed_one_hot_categorical_draws() -> None:
    """With the uniforms torch's RelaxedOneHotCategorical.rsample draws, turned into our normal noise, the draws
    agree."""
    logits = _logits()
    reference = RelaxedOneHotCategorical(torch.tensor(0.7), logits=logits)
    torch.manual_seed(5)
    uniform = torch.rand(1, 3, 4)
    torch.manual_seed(5)
    by_torch = reference.rsample()
    noise = torch.distributions.Normal(0.0, 1.0).icdf(uniform.double()).float().flatten(-2)
    ours, _ = RelaxedCodes(logits, 0.7, hard=False).reparameterize(noise)
    torch.testing.assert_close(ours, by_torch.flatten(-2), rtol=1e-4, atol=1e-5)


def test_the_codes_drawn_follow_q() -> None:
    q = RelaxedCodes(_logits().expand(4000, 3, 4), 1.0, hard=True)
    codes = q.code_indices(torch.Generator().manual_seed(0))
    frequencies = torch.stack([torch.bincount(codes[:, m], minlength=4) for m in range(3)]).float() / 4000
    torch.testing.assert_close(frequencies, q.probs[0], rtol=0, atol=0.03)


def test_the_posterior_counts_its_most_probable_codes_in_training() -> None:
    prior = CodesPrior(positions=3, codes=4)
    posterior = GumbelSoftmaxPosterior(5, positions=3, codes=4)
    q = posterior(torch.randn(7, 5), prior)
    assert int(prior.usage.sum()) == 21 and not q.hard
    posterior.eval()
    assert posterior(torch.randn(7, 5), prior).hard and int(prior.usage.sum()) == 21


def test_a_gumbel_softmax_vae_trains_with_the_elbo_and_logs_usage(tmp_path) -> None:
    run = train({"data": {"source": "digits"}, "model": GUMBEL,
                 "objective": {"warmup_epochs": 1.0}, "train": {"epochs": 2}},
                tmp_path / "run", progress=False, pictures=False)
    last = run.metrics[-1]
    assert 0 < last["val_rate"] <= 3 * math.log(4) + 1e-5  # the KL of 3 categoricals of 4 classes to uniform
    assert 0 < last["train_codebook_usage"] <= 1 and 1 <= last["train_codebook_perplexity"] <= 4
    assert last["val_neg_elbo"] < run.metrics[0]["val_neg_elbo"] + 5
    model = run.model
    samples = model.sample(4, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (4, 1, 8, 8)
    z = model.prior.sample(torch.Size([3]))
    assert set(z.unique().tolist()) <= {0.0, 1.0} and z.sum(-1).tolist() == [3.0, 3.0, 3.0]


def test_a_gumbel_softmax_code_needs_whole_categoricals_and_an_objective_that_serves_it() -> None:
    with pytest.raises(ConfigError, match=r"latent_dim \(10\) must be a multiple of 4"):
        check_config(Config.from_dict({"model": {**GUMBEL, "latent_dim": 10}}))
    with pytest.raises(ConfigError, match="trains with objective elbo or denoising, not iwae"):
        check_config(Config.from_dict({"model": GUMBEL, "objective": {"name": "iwae"}}))
    with pytest.raises(ConfigError, match="temperature must be positive, got 0.0"):
        check_config(Config.from_dict({"model": {**GUMBEL, "temperature": 0.0}}))
    model = build_model(Config.from_dict({"model": GUMBEL}).model, (7,), "vector")
    assert model.latent_dim == 12 and model.prior.event_shape == (12,)
