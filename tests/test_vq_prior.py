"""The prior over codes fitted after training (priors/code_autoregressive.py, priors/code_fit.py, vaekit
fit-prior): a distribution over the K^M codes (checked by enumerating them), fitted to the training codes, saved in
the run and drawn from by `vaekit sample`."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from conftest import invoke
from vaekit.priors.code_autoregressive import CodeGRU
from vaekit.priors.codes import CodesPrior
from vaekit.runs.run import load
from vaekit.tasks.code_prior_fit import encode_codes, fit_code_prior
from vaekit.training.loop import train

VQ_RUN = {"data": {"source": "digits"},
          "model": {"posterior": "vq", "prior": "codes", "latent_dim": 8, "code_dim": 2, "codebook_size": 6,
                    "hidden": [32]},
          "objective": {"name": "vq"}, "train": {"epochs": 3, "batch_size": 64}}


@pytest.fixture(scope="module")
def vq_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("vq") / "run"
    train(VQ_RUN, path, progress=False, pictures=False)
    return path


def _every_code(positions: int, codes: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product(range(codes), repeat=positions)))


def test_the_autoregressive_prior_sums_to_one_over_every_code() -> None:
    torch.manual_seed(0)
    net = CodeGRU(codes=3, hidden=8)
    every = _every_code(3, 3)  # all 27 codes of 3 positions
    total = torch.logsumexp(net.log_prob(every), 0)
    torch.testing.assert_close(total, torch.tensor(0.0), rtol=0, atol=1e-5)
    # the per-position conditionals are distributions too, and the joint is their product
    torch.testing.assert_close(net.log_probs(every).exp().sum(-1), torch.ones(27, 3))


def test_the_codes_prior_scores_every_code_uniform_or_fitted() -> None:
    torch.manual_seed(0)
    prior = CodesPrior(positions=2, codes=4, code_dim=3, hidden=8)
    every = _every_code(2, 4)
    z = prior().lookup(every)
    torch.testing.assert_close(prior().log_prob(z), torch.full((16,), -2 * math.log(4)))  # uniform: -M log K
    prior.fitted.fill_(True)
    log_p = prior().log_prob(z)  # each z is looked up again to its code, then scored by the net
    torch.testing.assert_close(log_p, prior.autoregressive.log_prob(every))
    torch.testing.assert_close(torch.logsumexp(log_p, 0), torch.tensor(0.0), rtol=0, atol=1e-5)


def test_ancestral_samples_follow_the_autoregressive_probabilities() -> None:
    torch.manual_seed(1)
    net = CodeGRU(codes=3, hidden=8)
    draws = net.sample(30000, 2, torch.Generator().manual_seed(0))
    frequencies = torch.bincount(draws[:, 0] * 3 + draws[:, 1], minlength=9).float() / len(draws)
    torch.testing.assert_close(frequencies, net.log_prob(_every_code(2, 3)).exp(), rtol=0, atol=0.015)
    again = net.sample(30000, 2, torch.Generator().manual_seed(0))
    torch.testing.assert_close(again, draws, rtol=0, atol=0)  # repeatable with a generator


def test_fitting_learns_the_training_codes_and_sampling_draws_from_it(vq_run: Path) -> None:
    from vaekit.tasks.outputs import select_data

    model = load(vq_run)
    train_x, test_x = select_data(vq_run, None, "train").x, select_data(vq_run, None, "test").x
    assert not model.prior.fitted
    report = fit_code_prior(model, train_x, test_x, epochs=5)
    assert report["uniform_bits"] == pytest.approx(4 * math.log2(6))
    assert report["train_bits"] < report["uniform_bits"] - 1 and report["test_bits"] < report["uniform_bits"]
    assert model.prior.fitted
    # the rate under the fitted prior is -log p(k(x)): on the training split, the fit's own bits
    codes = encode_codes(model, train_x)
    rate = model.elbo(train_x[:500]).rate
    torch.testing.assert_close(rate, -model.prior.index_log_prob(codes[:500]))
    assert float(rate.mean()) / math.log(2) == pytest.approx(
        float(-model.prior.index_log_prob(codes).mean()) / math.log(2) * 1, rel=0.15)
    # samples: codes from the net, looked up in the codebook; repeatable
    first = model.sample(6, torch.Generator().manual_seed(3))
    torch.testing.assert_close(first, model.sample(6, torch.Generator().manual_seed(3)), rtol=0, atol=0)
    drawn = model.prior.sample_indices(torch.Size([20000]), torch.Generator().manual_seed(0))
    first_position = model.prior.index_log_probs(codes[:1])[0, 0].exp()  # p(k_1), the same for every code
    frequencies = torch.bincount(drawn[:, 0], minlength=6).float() / len(drawn)
    torch.testing.assert_close(frequencies, first_position, rtol=0, atol=0.015)


def test_fit_prior_command_saves_the_prior_in_the_run(vq_run: Path, tmp_path: Path) -> None:
    import shutil

    run = shutil.copytree(vq_run, tmp_path / "run")
    code, output = invoke("fit-prior", run, "--epochs", "2")
    assert code == 0, output
    assert "bits per example (uniform prior: 10.3)" in output
    # a line as each stage starts and per epoch (471 s of silence before), then the files and what to run next
    assert "encoding" in output and "prior epoch 1 of 2: -log2 p(code)" in output and "prior epoch 2 of 2" in output
    assert f"wrote {run / 'model.safetensors'}, {run / 'code-prior.json'}" in output
    assert f"next: vaekit sample {run} -n 64" in output
    report = json.loads((run / "code-prior.json").read_text())
    assert report["epochs"] == 2 and report["test_bits"] < report["uniform_bits"]
    assert bool(load_file(str(run / "model.safetensors"))["prior_module.fitted"])
    assert not bool(load_file(str(run / "model-best.safetensors"))["prior_module.fitted"])
    model = load(run)
    assert model.prior.fitted
    code, output = invoke("sample", run, "-n", "8", "--out", tmp_path / "s.npy")
    assert code == 0, output
    assert (tmp_path / "s.npy").is_file()
    code, output = invoke("fit-prior", "--help")
    assert code == 0 and "Example:" in output and "vaekit fit-prior runs/vq" in output


def test_a_gumbel_softmax_run_fits_the_prior_too(tmp_path: Path) -> None:
    path = tmp_path / "run"
    run = train({"data": {"source": "digits"},
                 "model": {"posterior": "gumbel_softmax", "prior": "codes", "latent_dim": 12, "codebook_size": 4,
                           "hidden": [32]}, "train": {"epochs": 2}}, path, progress=False, pictures=False)
    from vaekit.tasks.outputs import select_data

    report = fit_code_prior(run.model, select_data(path, None, "train").x, epochs=2)
    assert report["train_bits"] < report["uniform_bits"] == pytest.approx(3 * 2.0)
    out = run.model.elbo(select_data(path, None, "test").x[:50])
    assert torch.isfinite(out.rate).all() and (out.rate >= -1e-5).all()  # the KL to the fitted prior, one draw


def test_a_fit_repeats_with_its_seed_and_leaves_the_callers_random_state(vq_run: Path) -> None:
    from vaekit.tasks.outputs import select_data

    model = load(vq_run)
    x = select_data(vq_run, None, "train").x[:400]
    torch.manual_seed(11)
    expected_next = torch.rand(3)
    torch.manual_seed(11)
    first = fit_code_prior(model, x, epochs=1, seed=4)
    torch.testing.assert_close(torch.rand(3), expected_next, rtol=0, atol=0)
    assert fit_code_prior(model, x, epochs=1, seed=4) == first
    assert fit_code_prior(model, x, epochs=1, seed=5) != first
