"""The sequence parts by their values: padding never changes a score or a code, the token decoder is a proper
distribution (checked by enumerating every sentence), beam search finds the most probable sentence, word dropout
acts in training only, and a language model's rate is exactly 0 with -ELBO = IW = -log p(x)."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from vaekit.config import ModelConfig, ObjectiveConfig
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.data.text.tokens import EOS, PAD, UNK
from vaekit.likelihoods import autoregressive_base
from vaekit.model.build import build_model
from vaekit.objectives.elbo import ELBO
from vaekit.tasks.evaluation.importance import importance_weighted_bound

V = 6  # the 4 special tokens and two words, 4 and 5


def _text_model(length: int, network: str = "rnn", cell: str = "gru", seed: int = 0, **settings):  # type: ignore[no-untyped-def]
    torch.manual_seed(seed)
    cfg = ModelConfig(latent_dim=3, network=network, cell=cell, rnn_hidden=8, embedding_dim=5, conv_channels=[6, 6],
                      **settings)
    model = build_model(cfg, (length,), "text", vocabulary_size=V)
    with torch.no_grad():  # larger weights than the default initialisation: distributions far from uniform
        for parameter in model.likelihood.parameters():
            parameter.mul_(3.0)
    return model.eval()


def _sentences(length: int) -> list[list[int]]:
    """Every sentence of at most length - 1 tokens among UNK and the two words, each followed by EOS."""
    words = [UNK, 4, 5]
    return [[*body, EOS] for n in range(length) for body in itertools.product(words, repeat=n)]


def _by_steps(model, z: torch.Tensor, x: torch.Tensor, read_unk: bool = False) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """log p(x|z) as the sum of the decoder's step-by-step log-probabilities of x's real tokens, each step reading
    the previous token of x (or UNK, `read_unk`: what word dropout 1 gives the decoder)."""
    context = model.decoder(z)
    likelihood, targets = model.likelihood, x.long()
    state, previous, total = likelihood.start(context), torch.full((len(x),), 2), torch.zeros(len(x))
    for t in range(x.shape[1]):
        log_probs, state = likelihood.step(previous, state, t, context)
        total += torch.where(targets[:, t] != PAD, log_probs.gather(1, targets[:, t:t + 1])[:, 0], 0.0)
        previous = torch.full((len(x),), UNK) if read_unk else targets[:, t]
    return total


def _padded(sentences: list[list[int]], length: int) -> torch.Tensor:
    return torch.tensor([s + [PAD] * (length - len(s)) for s in sentences], dtype=torch.float32)


@pytest.mark.parametrize("network, cell", [("rnn", "gru"), ("rnn", "lstm"), ("conv1d", "gru"), ("conv1d", "lstm")])
def test_padding_changes_neither_the_code_nor_the_score(network, cell) -> None:
    short, long = _text_model(6, network, cell), _text_model(11, network, cell)
    weights = {name: value for name, value in short.state_dict().items() if not name.startswith("data_")}
    long.load_state_dict(weights, strict=False)  # no weight depends on T (data_shift/scale, unused, have T's shape)
    sentences = [[4, 5, 3], [5, 1, 4, 4, 3], [3]]  # shorter than 6 - 1 tokens: no length cut-off applies to them
    x_short, x_long = _padded(sentences, 6), _padded(sentences, 11)
    with torch.no_grad():
        torch.testing.assert_close(short.encoder(x_short), long.encoder(x_long))
        z = torch.randn(3, 3, generator=torch.Generator().manual_seed(1))
        torch.testing.assert_close(short.decode(z).log_prob(x_short), long.decode(z).log_prob(x_long))
        # the score of a sentence does not depend on the other sentences of its batch (their lengths)
        alone = short.decode(z[1:2]).log_prob(x_short[1:2])
        torch.testing.assert_close(alone, short.decode(z).log_prob(x_short)[1:2])


def test_series_padding_values_are_never_read() -> None:
    torch.manual_seed(0)
    for network in ("rnn", "conv1d"):
        model = build_model(ModelConfig(latent_dim=3, network=network, rnn_hidden=8, conv_channels=[6, 6]), (7, 3),
                            "series").eval()
        x = torch.randn(4, 7, 3)
        x[..., -1] = 1.0
        x[0, 3:], x[1, 1:] = 0.0, 0.0  # lengths 3 and 1: padding is 0 with mask 0
        garbage = x.clone()
        garbage[0, 3:, :-1], garbage[1, 1:, :-1] = 50.0, -7.0  # values where the mask says padding
        with torch.no_grad():
            torch.testing.assert_close(model.encoder(x), model.encoder(garbage))
            z = torch.randn(4, 3)
            torch.testing.assert_close(model.decode(z).log_prob(x), model.decode(z).log_prob(garbage))
            assert not torch.equal(model.decode(z).log_prob(x)[2:], model.decode(z).log_prob(x + 0.1)[2:])


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_the_token_decoder_is_a_distribution_over_every_sentence(cell) -> None:
    """T = 4: the 1 + 3 + 9 + 27 sentences of 0..3 words then EOS have probabilities that add up to 1, and each
    log_prob (teacher forcing, one fused call) is the sum of the step log-probabilities of the decoder's steps."""
    length = 4
    model = _text_model(length, cell=cell)
    sentences = _sentences(length)
    assert len(sentences) == 40
    x = _padded(sentences, length)
    z = torch.randn(2, 1, 3, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        log_p = model.decode(z).log_prob(x)  # (2, 40): each z against every sentence
        torch.testing.assert_close(log_p.double().exp().sum(-1), torch.ones(2, dtype=torch.float64))
        torch.testing.assert_close(log_p[0], _by_steps(model, z[0].expand(len(x), 3), x))
        # a sentence with no EOS within T, or a word after PAD, is outside the support: probability 0
        assert model.decode(z[0]).log_prob(torch.tensor([[4.0, 4.0, 4.0, 4.0]])).item() == -math.inf


def test_greedy_is_beam_search_of_width_one_and_beam_finds_the_most_probable_sentence() -> None:
    length = 4
    model = _text_model(length, seed=7)
    x = _padded(_sentences(length), length)
    z = torch.randn(6, 3, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        px = model.decode(z)
        greedy = px.decode("greedy")
        torch.testing.assert_close(px.decode("beam", beam_width=1), greedy, rtol=0, atol=0)
        torch.testing.assert_close(px.mean, greedy, rtol=0, atol=0)
        # the most probable sentence by enumeration; a beam as wide as the 13 prefixes of 0..2 words is exact
        log_p = model.decode(z[:, None]).log_prob(x)  # (6, 40)
        best = x[log_p.argmax(-1)]
        torch.testing.assert_close(px.decode("beam", beam_width=13), best, rtol=0, atol=0)
        # a beam never does worse than greedy decoding, and greedy was beaten for some z here
        beam3 = px.decode("beam", beam_width=3)
        assert bool((px.log_prob(beam3) >= px.log_prob(greedy) - 1e-6).all())
        assert bool((px.log_prob(best) > px.log_prob(greedy) + 1e-6).any())
        # decoded sentences end with EOS, then PAD
        for row in torch.cat([greedy, beam3, px.sample()]).long().tolist():
            end = row.index(EOS)
            assert all(token not in (PAD, EOS, 2) for token in row[:end]) and all(t == PAD for t in row[end + 1:])


def test_sampling_is_ancestral_and_repeatable_with_a_generator() -> None:
    length = 3
    model = _text_model(length, seed=5)
    z = torch.randn(1, 3, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        px = model.decode(z.expand(4000, 3))
        draws = px.decode("sample", generator=torch.Generator().manual_seed(7))
        again = px.decode("sample", generator=torch.Generator().manual_seed(7))
        torch.testing.assert_close(draws, again, rtol=0, atol=0)
        sentences = _padded(_sentences(length), length)
        expected = model.decode(z).log_prob(sentences).exp()
        frequency = (draws[:, None, :] == sentences[None]).all(-1).float().mean(0)
        assert float((frequency - expected).abs().max()) < 0.03  # 4000 draws: a standard error below 0.008
        assert px.sample((2,)).shape == (2, 4000, length)
        with pytest.raises(VaekitError, match="unknown decoding strategy 'nucleus'"):
            px.decode("nucleus")


def test_word_dropout_acts_while_training_only() -> None:
    x = _padded([[4, 5, 4, 5, 3], [5, 3]], 6)
    dropped = _text_model(6, word_dropout=0.5)
    plain = _text_model(6)
    z = torch.randn(2, 3, generator=torch.Generator().manual_seed(8))
    with torch.no_grad():
        evaluation = dropped.decode(z).log_prob(x)
        torch.testing.assert_close(evaluation, plain.decode(z).log_prob(x))
        torch.testing.assert_close(evaluation, dropped.decode(z).log_prob(x))  # no randomness in eval mode
        dropped.train()
        scores = torch.stack([dropped.decode(z).log_prob(x) for _ in range(20)])
        assert scores[:, 0].unique().numel() > 1  # a different share of the inputs dropped each time
        # word_dropout 1: every input after BOS is UNK, so the score is that of the sentence read from UNKs
        every = _text_model(6, word_dropout=1.0).train()
        read_from_unk = every.likelihood.score(every.decoder(z), x)
        every.eval()
        torch.testing.assert_close(read_from_unk, _by_steps(every, z, x, read_unk=True))


def test_a_language_model_has_rate_zero_and_its_bounds_are_its_exact_likelihood() -> None:
    model = _text_model(5, language_model=True).train()
    assert not list(model.encoder.parameters()) and not list(model.posterior.parameters())
    x = _padded([[4, 5, 3], [5, 5, 4, 3], [3]], 5)
    out = ELBO(ObjectiveConfig())(model, x)
    assert torch.equal(out.rate, torch.zeros(3))
    out.loss.backward()
    assert all(p.grad is not None for p in model.likelihood.parameters())
    model.eval()
    with torch.no_grad():  # p(x|z) does not depend on z: the exact log p(x)
        exact = model.decode(torch.randn(3, 3)).log_prob(x)
        torch.testing.assert_close(model.decode(torch.zeros(3, 3)).log_prob(x), exact)
    estimate = importance_weighted_bound(model, x, k=7)
    torch.testing.assert_close(estimate.rate, torch.zeros(3, dtype=torch.float64))
    torch.testing.assert_close(estimate.log_likelihood, exact.double(), rtol=1e-6, atol=1e-5)
    torch.testing.assert_close(estimate.elbo, exact.double(), rtol=1e-6, atol=1e-5)


def test_a_language_model_or_a_sequence_network_needs_its_partner() -> None:
    with pytest.raises(ConfigError, match="language_model is the autoregressive decoder without a latent code"):
        build_model(ModelConfig(language_model=True), (7,), "vector")
    with pytest.raises(ConfigError, match="the rnn network and the gaussian likelihood do not go together"):
        build_model(ModelConfig(network="rnn"), (7,), "vector")
    with pytest.raises(ConfigError, match="the mlp network and the autoregressive likelihood do not go together"):
        build_model(ModelConfig(network="mlp"), (7,), "text", vocabulary_size=V)
    with pytest.raises(ConfigError, match="the autoregressive likelihood models tokens: it needs text data"):
        build_model(ModelConfig(network="rnn", likelihood="autoregressive"), (1, 8, 8), "image")
    with pytest.raises(ConfigError, match="language model .* leave prior: standard_normal"):
        build_model(ModelConfig(network="rnn", language_model=True, prior="mixture"), (7,), "text", vocabulary_size=V)


def test_scores_in_chunks_equal_scores_in_one_go(monkeypatch) -> None:
    model = _text_model(5, cell="lstm")
    x = _padded([[4, 5, 3], [5, 3]], 5)
    z = torch.randn(9, 2, 3, generator=torch.Generator().manual_seed(9))
    with torch.no_grad():
        whole = model.decode(z).log_prob(x)
        monkeypatch.setattr(autoregressive_base, "CHUNK_OUTPUTS", 2 * 5 * V)  # two rows a chunk
        torch.testing.assert_close(model.decode(z).log_prob(x), whole)


def test_series_decoding_keeps_the_mask_and_its_scores_match_the_steps() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(latent_dim=2, network="rnn", rnn_hidden=8, cell="lstm"), (6, 2), "series").eval()
    z = torch.randn(5, 2)
    with torch.no_grad():
        px = model.decode(z)
        for series in (px.mean, px.sample(), px.decode("sample", generator=torch.Generator().manual_seed(0),
                                                       temperature=0.5)):
            mask = series[..., -1]
            assert series.shape == (5, 6, 2) and mask[:, 0].eq(1).all()
            assert bool((mask[:, 1:] <= mask[:, :-1]).all())  # the real steps come first
            assert bool((series[..., 0][mask == 0] == 0).all())
            assert torch.isfinite(px.log_prob(series)).all()
        draw = px.decode("sample", generator=torch.Generator().manual_seed(3))
        torch.testing.assert_close(draw, px.decode("sample", generator=torch.Generator().manual_seed(3)))
        with pytest.raises(VaekitError, match="a real-valued series decodes greedy or sample"):
            px.decode("beam")
        # the length model is a distribution: P(n = 1) + ... + P(n = T) = 1, read from the teacher-forced scores
        # of one fixed series at each length, less the values' density
        x = torch.zeros(1, 6, 2)
        totals = []
        for n in range(1, 7):
            x_n = x.clone()
            x_n[0, :n, -1] = 1.0
            totals.append(model.decode(z[:1]).log_prob(x_n))
        lengths = torch.stack(totals).squeeze(-1)
        # values are all 0 here, so each log_prob = length term + sum of the first n value densities at 0
        likelihood = model.likelihood
        context = model.decoder(z[:1])
        outputs, _ = likelihood.run(torch.cat([likelihood._inputs(torch.zeros(1, 1, 1), True),
                                               likelihood._inputs(torch.zeros(1, 5, 1), False)], 1), context,
                                    likelihood.start(context))
        mean, scale, _ = likelihood._heads(outputs)
        densities = torch.distributions.Normal(mean, scale).log_prob(torch.zeros(1)).sum(-1)[0]  # (6,)
        length_terms = lengths - torch.cumsum(densities, 0)
        torch.testing.assert_close(length_terms.double().exp().sum(), torch.tensor(1.0, dtype=torch.float64))



def test_greedy_series_end_at_the_median_length_and_are_written_with_nan_after_it(tmp_path) -> None:
    """A decoder that gives each step 0.8 to go on: P(length > t) = 0.8^t, whose median length is 4. The
    step-by-step choice (0.8 > 1/2 at every step) went on to the full T, so no sampled series ever ended."""
    import numpy as np

    from vaekit.data.kinds import data_kind

    torch.manual_seed(0)
    model = build_model(ModelConfig(latent_dim=2, network="rnn", rnn_hidden=8), (8, 2), "series").eval()
    with torch.no_grad():  # the going-on head: weights 0, bias logit(0.8)
        model.likelihood.output.weight[-1] = 0.0
        model.likelihood.output.bias[-1] = math.log(0.8 / 0.2)
    samples = model.sample(5, generator=torch.Generator().manual_seed(0))  # what `vaekit sample` decodes
    assert samples[..., -1].sum(1).tolist() == [4.0] * 5
    written = np.load(data_kind("series").save(tmp_path / "samples.npy", samples, {}))
    assert written.shape == (5, 8, 1)
    assert not np.isnan(written[:, :4]).any() and np.isnan(written[:, 4:]).all()  # NaN after each end


def test_the_going_on_head_starts_at_the_training_series_share_of_steps_that_go_on() -> None:
    model = build_model(ModelConfig(latent_dim=2, network="rnn", rnn_hidden=8), (5, 2), "series")
    x = torch.zeros(2, 5, 2)
    x[0, :5, -1] = 1.0  # 4 steps scored, all go on
    x[1, :2, -1] = 1.0  # 2 scored (after steps 0 and 1), one goes on
    model.likelihood.fit_data(x)
    share = (5 + 1) / (6 + 2)
    assert float(model.likelihood.output.bias[-1]) == pytest.approx(math.log(share / (1 - share)))

def test_token_ids_beyond_the_vocabulary_are_refused_in_one_line() -> None:
    """An id of V or more would index past the embedding; the API checks the ids against this run's V."""
    model = _text_model(4)
    vocabulary = model.likelihood.vocabulary_size
    good = _padded([[4, 5]], 4)
    assert torch.isfinite(model.elbo(good).negative_elbo).all()
    bad = good.clone()
    bad[0, 0] = vocabulary
    with pytest.raises(VaekitError, match=rf"needs data in token ids \(whole numbers 0\.\.{vocabulary - 1} of this "
                                          r"run's vocabulary\)"):
        model.elbo(bad)
