"""The VQ-VAE posterior (posteriors/vector_quantized.py) against hand computations: the straight-through gradient,
the commitment loss, the moving-average codebook, dead-code restarts, the rate M log K, and the codebook usage and
perplexity that training logs."""

from __future__ import annotations

import csv
import math

import pytest
import torch

from vaekit.config import Config
from vaekit.core.errors import ConfigError
from vaekit.core.registry import OBJECTIVES
from vaekit.model.build import build_model
from vaekit.parts import check_config
from vaekit.posteriors.vector_quantized import (
    LAPLACE_EPSILON,
    QuantizedCode,
    VectorQuantizedPosterior,
    ema_update,
    restart_dead_codes,
)
from vaekit.priors.codes import CodesPrior, nearest_codes, usage_and_perplexity
from vaekit.training.loop import train

VQ = {"posterior": "vq", "prior": "codes", "latent_dim": 8, "code_dim": 2, "codebook_size": 5, "hidden": [16]}


def _prior(codebook: list[list[float]]) -> CodesPrior:
    prior = CodesPrior(positions=1, codes=len(codebook), code_dim=len(codebook[0]))
    prior.codebook.copy_(torch.tensor(codebook))
    prior.code_sum.copy_(torch.tensor(codebook))
    prior.cluster_size.fill_(1.0)
    prior.initialised.fill_(True)
    return prior


def test_the_straight_through_gradient_reaches_z_e_unchanged() -> None:
    torch.manual_seed(0)
    z_e = torch.randn(4, 3, 2, requires_grad=True)
    codebook = torch.randn(6, 2)
    indices = nearest_codes(z_e.detach(), codebook)
    codes = codebook[indices]
    weights = torch.randn(4, 6)

    def loss_of(z: torch.Tensor) -> torch.Tensor:  # any nonlinear function of the decoder's input
        return (weights * z).sum() + z.pow(3).sum()

    q = QuantizedCode(z_e, codes, indices, commitment=0.0)
    torch.testing.assert_close(q.rsample(), codes.flatten(-2))  # the value is z_q (z_e + (z_q - z_e), rounded)
    loss_of(q.rsample()).backward()
    z_q = codes.flatten(-2).clone().requires_grad_(True)
    loss_of(z_q).backward()
    torch.testing.assert_close(z_e.grad.flatten(-2), z_q.grad)  # d loss / d z_e = d loss / d z_q
    at_z_e = z_e.detach().flatten(-2).requires_grad_(True)
    loss_of(at_z_e).backward()
    assert not torch.allclose(z_e.grad.flatten(-2), at_z_e.grad)  # the gradient at z_q, not at z_e


def test_the_commitment_loss_is_its_weight_times_the_squared_distance_and_moves_z_e_only() -> None:
    z_e = torch.tensor([[[1.0, 2.0], [0.0, -1.0]]], requires_grad=True)
    codes = torch.tensor([[[1.5, 2.0], [0.0, 1.0]]], requires_grad=True)
    q = QuantizedCode(z_e, codes, torch.tensor([[0, 1]]), commitment=0.25)
    torch.testing.assert_close(q.commitment_loss, torch.tensor([0.25 * (0.5**2 + 2.0**2)]))
    q.commitment_loss.sum().backward()
    torch.testing.assert_close(z_e.grad, 0.25 * 2 * (z_e - codes).detach())
    assert codes.grad is None  # sg(e): the codebook moves by moving averages, not by this loss


def test_the_moving_average_update_matches_a_hand_computation() -> None:
    prior = _prior([[0.0], [10.0]])
    z_e = torch.tensor([[1.0], [2.0], [9.0]])
    ema_update(prior, z_e, torch.tensor([0, 0, 1]), decay=0.5)
    n = torch.tensor([0.5 * 1 + 0.5 * 2, 0.5 * 1 + 0.5 * 1])  # N_j <- gamma N_j + (1 - gamma) n_j
    m = torch.tensor([0.5 * 0 + 0.5 * 3, 0.5 * 10 + 0.5 * 9])  # m_j <- gamma m_j + (1 - gamma) s_j
    smoothed = (n + LAPLACE_EPSILON) / (n.sum() + 2 * LAPLACE_EPSILON) * n.sum()
    torch.testing.assert_close(prior.cluster_size, n)
    torch.testing.assert_close(prior.code_sum, m.unsqueeze(-1))
    torch.testing.assert_close(prior.codebook, (m / smoothed).unsqueeze(-1))
    torch.testing.assert_close(prior.codebook, torch.tensor([[1.0], [9.5]]), rtol=0, atol=1e-4)


def test_training_forward_passes_update_the_codebook_and_others_do_not() -> None:
    torch.manual_seed(0)
    prior = _prior([[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]])
    posterior = VectorQuantizedPosterior(4, positions=2, code_dim=2, ema_decay=0.9, dead_code_steps=0)
    features = torch.randn(8, 4)
    before = prior.codebook.clone()
    posterior.eval()
    posterior(features, prior)
    posterior.train()
    with torch.no_grad():  # the trainer's dry run and validation: no gradients, no update
        posterior(features, prior)
    torch.testing.assert_close(prior.codebook, before, rtol=0, atol=0)
    q = posterior(features, prior)
    expected = _prior(before.tolist())
    z_e = posterior.head(features).detach().unflatten(-1, (2, 2))
    ema_update(expected, z_e, q.indices, 0.9)
    torch.testing.assert_close(prior.codebook, expected.codebook)
    assert int(prior.usage.sum()) == 8 * 2  # every position of the batch counted once


def test_a_code_unused_for_long_enough_restarts_at_an_encoder_output() -> None:
    torch.manual_seed(0)
    prior = _prior([[0.0], [1.0], [100.0]])
    z_e = torch.tensor([[0.1], [0.9], [0.2]])
    indices = torch.tensor([0, 1, 0])
    assert restart_dead_codes(prior, z_e, indices, after_steps=2) == 0  # code 2 idle for one step only
    assert prior.idle_steps.tolist() == [0.0, 0.0, 1.0]
    assert restart_dead_codes(prior, z_e, indices, after_steps=2) == 1
    assert float(prior.codebook[2]) in z_e.flatten().tolist()  # a vector of the batch
    assert float(prior.code_sum[2]) == float(prior.codebook[2]) and float(prior.cluster_size[2]) == 1.0
    assert prior.idle_steps.tolist() == [0.0, 0.0, 0.0]
    torch.testing.assert_close(prior.codebook[:2], torch.tensor([[0.0], [1.0]]))  # the used codes stay


def test_the_first_training_batch_sets_the_codes_to_its_encoder_outputs() -> None:
    torch.manual_seed(0)
    prior = CodesPrior(positions=2, codes=3, code_dim=2)
    posterior = VectorQuantizedPosterior(4, positions=2, code_dim=2, ema_decay=0.0, dead_code_steps=0)
    features = torch.randn(5, 4)
    z_e = posterior.head(features).detach().reshape(-1, 2)
    q = posterior(features, prior)
    assert bool(prior.initialised)
    # with decay 0 each used code is the mean of the vectors that chose it; each started at one of them
    for code in q.indices.flatten().unique():
        chosen = z_e[q.indices.flatten() == code]
        torch.testing.assert_close(prior.codebook[code], chosen.mean(0), rtol=1e-4, atol=1e-4)


def test_the_rate_is_m_log_k_and_the_loss_adds_the_commitment() -> None:
    torch.manual_seed(0)
    cfg = Config.from_dict({"model": VQ, "objective": {"name": "vq"}})
    model = build_model(cfg.model, (7,), "vector")
    x = torch.rand(6, 7)
    out = OBJECTIVES.get("vq")(cfg.objective)(model, x)
    torch.testing.assert_close(out.rate, torch.full((6,), 4 * math.log(5)))  # M = 8 / 2 positions, K = 5
    model.eval()  # the codebook moved in the step above: score the eval-mode code again
    again = OBJECTIVES.get("vq")(cfg.objective)(model, x)
    q = model.encode(x)
    torch.testing.assert_close(again.loss, again.distortion.mean() + q.commitment_loss.mean())
    torch.testing.assert_close(again.extras["commitment"], q.commitment_loss.mean())


def test_usage_and_perplexity_values() -> None:
    assert usage_and_perplexity(torch.tensor([3.0, 3.0, 3.0, 3.0])) == {"codebook_usage": 1.0,
                                                                       "codebook_perplexity": pytest.approx(4.0)}
    terms = usage_and_perplexity(torch.tensor([1.0, 3.0, 0.0, 0.0]))
    p = torch.tensor([0.25, 0.75])
    assert terms["codebook_usage"] == 0.5
    assert terms["codebook_perplexity"] == pytest.approx(float(torch.exp(-(p * p.log()).sum())))
    prior = CodesPrior(positions=2, codes=4, code_dim=1)
    prior.record(torch.tensor([[0, 1], [1, 1]]))
    assert prior.epoch_terms()["codebook_usage"] == 0.5
    assert prior.epoch_terms() == {}  # the count starts again after each epoch


def test_training_logs_usage_and_perplexity_and_the_constant_rate(tmp_path) -> None:
    run = train({"data": {"source": "digits"}, "model": {**VQ, "latent_dim": 16, "codebook_size": 8},
                 "objective": {"name": "vq"}, "train": {"epochs": 2, "batch_size": 128}},
                tmp_path / "run", progress=False, pictures=False)
    with open(tmp_path / "run" / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    for row in rows:
        assert 0 < float(row["train_codebook_usage"]) <= 1
        assert 1 <= float(row["train_codebook_perplexity"]) <= 8 + 1e-9
        assert float(row["val_rate"]) == pytest.approx(8 * math.log(8))  # M = 16 / 2, K = 8
        assert float(row["train_commitment"]) > 0
    assert float(rows[-1]["train_codebook_usage"]) >= 0.75  # data-dependent start and restarts keep codes in use
    assert run.metrics[-1]["train_codebook_usage"] == float(rows[-1]["train_codebook_usage"])
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "run" / "tensorboard"))
    events.Reload()
    logged = events.Scalars("objective/codebook_perplexity")
    assert [event.step for event in logged] == [1, 2]
    assert logged[-1].value == pytest.approx(float(rows[-1]["train_codebook_perplexity"]))


@pytest.mark.parametrize("settings, message", [
    ({"model": VQ}, r"vq posterior trains with objective vq, not elbo: add --objective vq"),
    ({"model": {**VQ, "prior": "standard_normal"}, "objective": {"name": "vq"}}, r"needs prior: codes"),
    ({"model": {**VQ, "latent_dim": 7}, "objective": {"name": "vq"}}, r"latent_dim \(7\) must be a multiple of 2"),
    ({"model": {**VQ, "codebook_size": 1}, "objective": {"name": "vq"}}, r"codebook_size must be at least 2"),
    ({"model": VQ, "objective": {"name": "vq", "beta": 4.0}}, r"beta is not read by the vq objective"),
    ({"model": VQ, "objective": {"name": "vq", "free_bits": 0.5}}, r"free_bits is not read by the vq objective"),
    ({"model": {"prior": "codes"}}, r"prior codes is a prior over discrete codes"),
])
def test_settings_that_do_not_go_with_a_vq_code_are_refused(settings, message) -> None:
    with pytest.raises(ConfigError, match=message):
        check_config(Config.from_dict(settings))


def test_the_vq_objective_refuses_a_continuous_code() -> None:
    cfg = Config.from_dict({"model": {"hidden": [16]}})
    model = build_model(cfg.model, (7,), "vector")
    with pytest.raises(ConfigError, match="the vq objective trains a VQ-VAE"):
        OBJECTIVES.get("vq")(cfg.objective)(model, torch.rand(3, 7))


def test_several_processes_are_refused_for_a_moving_average_codebook() -> None:
    from vaekit.training.distributed import check_shareable

    model = build_model(Config.from_dict({"model": VQ, "objective": {"name": "vq"}}).model, (7,), "vector")
    with pytest.raises(ConfigError, match="codebook follows moving averages .* train it in one process"):
        check_shareable(model)
    gumbel = {**VQ, "posterior": "gumbel_softmax", "latent_dim": 10}
    check_shareable(build_model(Config.from_dict({"model": gumbel}).model, (7,), "vector"))  # no moving averages
