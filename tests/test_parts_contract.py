"""Every registered part and every objective, on tiny shapes: gradients flow to every parameter, the loss is
finite, and save -> load gives identical outputs. A new part is covered the moment it is registered."""

from __future__ import annotations

import dataclasses
import re

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file
from torch.distributions import constraints

from vaekit.cli import main
from vaekit.config import Config, ModelConfig, ObjectiveConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import LIKELIHOODS, NETWORKS, OBJECTIVES, POSTERIORS, PRIORS
from vaekit.core.seeded import SeededPosterior, SeededPrior
from vaekit.likelihoods.base import Likelihood, support_text
from vaekit.model.build import build_model
from vaekit.objectives.settings import CORRUPTION, PRETRAIN, SHARED
from vaekit.parts import check_config
from vaekit.priors.discrete_code import discrete_posterior
from vaekit.runs.directory import save_weights

IMAGE, VECTOR = (1, 28, 28), (7,)
# sequences (nn/sequence.py, likelihoods/autoregressive*.py): token ids (T,) of a vocabulary of VOCABULARY ids, and
# series (T, C + 1) whose last channel marks the real steps
TOKENS, SERIES, VOCABULARY = (6,), (6, 3), 9

CODES = {"codebook_size": 3, "code_dim": 1}  # discrete codes of latent_dim 3: vq 3 x 1 numbers, gumbel 1 x 3 classes


# a mixed table of the VECTOR shape: three continuous, two binary and two categorical (3 values) columns
SCHEMA = (["continuous"] * 3 + ["binary"] * 2 + ["categorical"] * 2, [None] * 3 + [[0, 1]] * 2 + [["a", "b", "c"]] * 2)


def _reads_sequences(network: str) -> bool:
    return getattr(NETWORKS.get(network), "reads_sequences", False)


def _shape(network: str, likelihood: str) -> tuple[int, ...]:
    """The example shape a case's parts take: tokens or series for an autoregressive likelihood, images for the
    image networks, vectors otherwise."""
    part = LIKELIHOODS.get(likelihood)
    if part.autoregressive:
        return TOKENS if part.needs_vocabulary else SERIES
    return IMAGE if network in ("conv", "resnet", "spectrogram") else VECTOR


def _kind(shape: tuple[int, ...], likelihood: str) -> str:
    if LIKELIHOODS.get(likelihood).autoregressive:
        return "text" if LIKELIHOODS.get(likelihood).needs_vocabulary else "series"
    return "image" if len(shape) == 3 else "vector"


def _sequences(shape: tuple[int, ...], likelihood: str, generator: torch.Generator) -> torch.Tensor:
    """Six sentences (words 4..V-1, EOS, PAD) or series (values, then 0 with mask 0) of lengths 1..T."""
    lengths = torch.tensor([1, 2, 3, 4, 5, 6]).clamp(max=shape[0])
    real = torch.arange(shape[0])[None, :] < lengths[:, None]
    if LIKELIHOODS.get(likelihood).needs_vocabulary:
        words = torch.randint(4, VOCABULARY, (6, *shape), generator=generator)
        ends = real & ~(torch.arange(shape[0])[None, :] < (lengths - 1)[:, None])
        return torch.where(ends, 3, torch.where(real, words, 0)).float()
    values = torch.randn(6, shape[0], shape[1] - 1, generator=generator) * real[..., None]
    return torch.cat([values, real[..., None].float()], dim=-1)


def _data(shape: tuple[int, ...], likelihood: str) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    if LIKELIHOODS.get(likelihood).autoregressive:
        return _sequences(shape, likelihood, generator)
    x = torch.rand(6, *shape, generator=generator)
    if likelihood == "mixed":
        x[:, 3:5] = torch.bernoulli(x[:, 3:5], generator=generator)
        x[:, 5:] = torch.randint(0, 3, (6, 2), generator=generator).float()
    levels = LIKELIHOODS.get(likelihood).levels
    if levels is not None:  # a discrete likelihood's data lie on its levels (model.reconstruct checks the support)
        x = (x * (levels - 1)).round() / (levels - 1)
    return torch.bernoulli(x, generator=generator) if likelihood == "bernoulli" else x


def _cases() -> list[tuple[str, str, str, str, str]]:
    """(network, posterior, prior, likelihood, objective): every part at least once, with defaults elsewhere."""
    default = ("mlp", "diagonal_gaussian", "standard_normal", "bernoulli", "elbo")
    cases = {default}
    for slot, names in enumerate((NETWORKS.names(), POSTERIORS.names(), PRIORS.names(), LIKELIHOODS.names(),
                                  OBJECTIVES.names())):
        for name in names:
            case = list(default)
            case[slot] = name
            cases.add(tuple(case))
    for prior in PRIORS.names():  # priors meet every objective: the KL has no closed form for some pairs
        for objective in OBJECTIVES.names():
            cases.add(("mlp", "diagonal_gaussian", prior, "gaussian", objective))
    for posterior in ("vq", "gumbel_softmax"):  # discrete codes through an image network too
        cases.add(("conv", posterior, "codes", "bernoulli", "vq" if posterior == "vq" else "elbo"))
    for objective in OBJECTIVES.names():  # iwae decodes (k, B, d) latents: image networks must take them
        cases.add(("conv", "diagonal_gaussian", "vamp", "bernoulli", objective))
        cases.add(("conv", "ladder", "ladder", "bernoulli", objective))
        cases.add(("mlp", "diagonal_gaussian", "standard_normal", "mixed", objective))  # (k, B) parameters
        for posterior in POSTERIORS.names():  # flows and ladders score only the samples they drew
            cases.add(("mlp", posterior, "standard_normal", "bernoulli", objective))
    for network in filter(_reads_sequences, NETWORKS.names()):  # sequence networks with each sequence likelihood
        for likelihood in (name for name in LIKELIHOODS.names() if LIKELIHOODS.get(name).autoregressive):
            for objective in ("elbo", "iwae"):  # iwae decodes (k, B, d) latents into (k, B) sequence scores
                cases.add((network, "diagonal_gaussian", "standard_normal", likelihood, objective))
    return sorted({_pair_ladders(case) for case in cases} - {None})  # pairing may give a case twice


def _needs_class_latent(objective: str) -> bool:
    """Whether the objective declares that it needs a model with a class latent (M2)."""
    return getattr(OBJECTIVES.get(objective), "class_latent", False)


def _pair_ladders(case: tuple[str, ...]) -> tuple[str, ...] | None:
    """A ladder posterior needs the ladder prior and the reverse; the ladder's code is not one Gaussian, so
    beta-TCVAE (which needs a diagonal Gaussian posterior) does not take it; vade needs a prior with a cluster
    variable."""
    network, posterior, prior, likelihood, objective = case
    if _reads_sequences(network) != LIKELIHOODS.get(likelihood).autoregressive:
        # a sequence network reads sequences for an autoregressive likelihood, and that likelihood needs one
        network, likelihood = ("rnn", likelihood) if LIKELIHOODS.get(likelihood).autoregressive else \
            (network, "autoregressive")
        case = (network, posterior, prior, likelihood, objective)
    if LIKELIHOODS.get(likelihood).autoregressive and (prior == "vamp" or _needs_class_latent(objective)):
        return None  # pseudo-inputs of token ids mean nothing; sequence networks take no class labels
    if likelihood == "mixed" and network != "mlp":  # tables are vectors
        return None
    discrete = discrete_posterior(posterior)  # a discrete code takes the codes prior and the objectives it names
    if discrete is not None:
        return (network, posterior, "codes", likelihood, objective) if objective in discrete.objectives else None
    if prior == "codes" or objective == "vq":  # a prior over codes, or the VQ-VAE's objective, with a continuous code
        return None
    if objective == "beta_tcvae" and posterior != "diagonal_gaussian":  # its estimator needs Gaussian posteriors
        return None
    if objective == "vade":  # VaDE's cluster is the mixture prior's component, q(z|x) one diagonal Gaussian
        if not PRIORS.get(prior).cluster_variable or posterior != "diagonal_gaussian":
            return None
    if _needs_class_latent(objective) and (posterior, prior) != ("diagonal_gaussian", "standard_normal"):
        return None  # a class latent sets p(z) itself and takes a Gaussian posterior head per class
    if "ladder" in (posterior, prior):
        if objective == "beta_tcvae":
            return None
        return (network, "ladder", "ladder", likelihood, objective)
    return case


@pytest.mark.parametrize("network, posterior, prior, likelihood, objective", _cases())
def test_every_part_trains_a_step_and_saves_and_loads(tmp_path, network, posterior, prior, likelihood,
                                                      objective) -> None:
    torch.manual_seed(0)
    shape = _shape(network, likelihood)
    class_latent = _needs_class_latent(objective)  # M2: a class latent with 3 classes, some rows unlabelled
    cfg = ModelConfig(latent_dim=3, latent_layers=[2, 1] if prior == "ladder" else [], network=network,
                      hidden=[16], conv_channels=[4, 8], posterior=posterior,
                      prior=prior, likelihood=likelihood, prior_components=4,
                      class_latent="m2" if class_latent else "none", **CODES)
    schema = SCHEMA if likelihood == "mixed" else None
    vocabulary = VOCABULARY if LIKELIHOODS.get(likelihood).needs_vocabulary else None
    model = build_model(cfg, shape, _kind(shape, likelihood), schema=schema,
                        num_classes=3 if class_latent else None, vocabulary_size=vocabulary)
    x = _data(shape, likelihood)
    labels = (torch.arange(len(x)) % 4 - 1) if class_latent else None
    loss_fn = OBJECTIVES.get(objective)(ObjectiveConfig(name=objective, iw_samples=3), dataset_size=60)
    out = loss_fn(model.given(labels), x, beta=1.0)
    assert out.loss.ndim == 0 and torch.isfinite(out.loss)
    assert out.distortion.shape == out.rate.shape == (len(x),)
    assert all(torch.isfinite(v) for v in out.extras.values())
    out.loss.backward()
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
    assert any(float(p.grad.abs().sum()) > 0 for p in model.parameters() if p.grad is not None)

    save_weights(model, tmp_path / "model.safetensors")
    again = build_model(cfg, shape, _kind(shape, likelihood), schema=schema,
                        num_classes=3 if class_latent else None, vocabulary_size=vocabulary)
    again.load_state_dict(load_file(str(tmp_path / "model.safetensors")))
    model.eval(), again.eval()
    with torch.no_grad():
        torch.testing.assert_close(model.reconstruct(x), again.reconstruct(x), rtol=0, atol=0)
        z = torch.randn(5, 3)
        torch.testing.assert_close(model.prior.log_prob(z), again.prior.log_prob(z), rtol=0, atol=0)
        generator = [torch.Generator().manual_seed(1) for _ in range(2)]
        torch.testing.assert_close(model.sample(4, generator[0]), again.sample(4, generator[1]), rtol=0, atol=0)


def _built_in(registry) -> list[str]:
    """The names vaekit itself registers (tests register parts of their own, e.g. test_health's objective)."""
    return [name for name in registry.names() if registry.get(name).__module__.startswith("vaekit.")]


@pytest.mark.parametrize("name", LIKELIHOODS.names())
def test_every_likelihood_declares_what_it_supports(name) -> None:
    part = LIKELIHOODS.get(name)
    assert issubclass(part, Likelihood)
    assert isinstance(part.data_support, constraints.Constraint)
    assert isinstance(part.density, bool) and isinstance(part.location_scale, bool)
    assert isinstance(part.needs_schema, bool)
    assert part.levels is None or (isinstance(part.levels, int) and part.levels >= 2 and not part.density)
    assert support_text(part.data_support)  # an error message can say what the data must be
    shape = VECTOR if name == "mixed" else _shape("conv", name)
    x = _data(shape, name)
    assert bool(part.data_support.check(x).all()), "the contract test's data must lie in the declared support"


def test_likelihood_declarations_say_what_the_names_used_to() -> None:
    """The facts the trainer and the evaluation once read from lists of names."""
    assert {n for n in LIKELIHOODS.names() if LIKELIHOODS.get(n).location_scale} == {"gaussian", "laplace"}
    assert {n for n in LIKELIHOODS.names() if LIKELIHOODS.get(n).levels} == {"categorical", "discretized_logistic"}
    assert {n for n in LIKELIHOODS.names() if LIKELIHOODS.get(n).density} == {"gaussian", "laplace",
                                                                             "continuous_bernoulli",
                                                                             "autoregressive_gaussian"}
    assert LIKELIHOODS.get("bernoulli").data_support.check(torch.tensor([0.0, 0.5, 1.0])).all()
    assert not LIKELIHOODS.get("bernoulli").data_support.check(torch.tensor(1.5))


@pytest.mark.parametrize("posterior", POSTERIORS.names())
def test_every_posterior_draws_with_a_generator_and_scores_its_draws(posterior) -> None:
    torch.manual_seed(0)
    ladder = posterior == "ladder"
    prior = "ladder" if ladder else "codes" if discrete_posterior(posterior) else "standard_normal"
    cfg = ModelConfig(latent_dim=3, latent_layers=[2, 1] if ladder else [], hidden=[16], posterior=posterior,
                      prior=prior, **CODES)
    model = build_model(cfg, VECTOR, "vector")
    q = model.encode(_data(VECTOR, "gaussian"))
    assert isinstance(q, SeededPosterior)
    draws = [q.rsample_seeded(torch.Size([2]), torch.Generator().manual_seed(3)) for _ in range(2)]
    assert draws[0].shape == (2, 6, 3)
    torch.testing.assert_close(draws[0], draws[1], rtol=0, atol=0)
    noise = torch.randn(2, 6, 3, generator=torch.Generator().manual_seed(3))
    z, log_q = q.reparameterize(noise)
    torch.testing.assert_close(z, draws[0], rtol=0, atol=0)  # the same noise, the same draw
    torch.testing.assert_close(log_q, q.log_prob(z))  # its own score of the draw is q's log-density


@pytest.mark.parametrize("prior", PRIORS.names())
def test_every_prior_draws_with_a_generator(prior) -> None:
    torch.manual_seed(0)
    ladder = prior == "ladder"
    posterior = "ladder" if ladder else "vq" if prior == "codes" else "diagonal_gaussian"
    cfg = ModelConfig(latent_dim=3, latent_layers=[2, 1] if ladder else [], hidden=[16], prior=prior,
                      posterior=posterior, prior_components=4, **CODES)
    p = build_model(cfg, VECTOR, "vector").prior
    assert isinstance(p, SeededPrior)
    draws = [p.rsample_seeded(torch.Size([5]), torch.Generator().manual_seed(2)) for _ in range(2)]
    assert draws[0].shape == (5, 3) and torch.isfinite(p.log_prob(draws[0])).all()
    torch.testing.assert_close(draws[0], draws[1], rtol=0, atol=0)


@pytest.mark.parametrize("objective", OBJECTIVES.names())
def test_every_objective_declares_the_settings_it_reads(objective) -> None:
    honours = OBJECTIVES.get(objective).honours
    fields = {item.name for item in dataclasses.fields(ObjectiveConfig)}
    # every objective weighs its rate with beta, but the VQ-VAE's, whose rate M log K is a constant
    assert honours <= fields and ("beta" in honours) != (objective == "vq")
    for setting in sorted(SHARED - honours):  # a shared setting it would ignore is refused, naming the readers
        value = {"beta": 2.0, "warmup_epochs": 1.0, "beta_schedule": "cyclical", "cycles": 2, "cycle_ramp": 0.25,
                 "free_bits": 1.0, "capacity": 5.0, "capacity_epochs": 2.0, "corruption": "gaussian",
                 "corruption_level": 0.5, "denoising_target": "corrupted", "kl": "mc", "pretrain_epochs": 2,
                 "classifier_weight": 1.0}[setting]
        reader = ("denoising" if setting in CORRUPTION else "vade" if setting in PRETRAIN
                  else "m2" if setting == "classifier_weight" else "elbo")
        with pytest.raises(ConfigError, match=rf"{setting} is not read by the {objective} objective.*{reader}"):
            check_config(Config.from_dict({"objective": {"name": objective, setting: value}}))


def test_free_bits_and_capacity_are_read_by_the_elbo_like_objectives_only() -> None:
    readers = {name for name in _built_in(OBJECTIVES) if {"free_bits", "capacity"} <= OBJECTIVES.get(name).honours}
    # the denoising bound is the ELBO of a corrupted code; factor_vae adds its TC term to the ELBO
    assert readers == {"elbo", "info_vae", "denoising", "factor_vae"}
    Config.from_dict({"objective": {"name": "info_vae", "free_bits": 0.5}})  # accepted
    Config.from_dict({"objective": {"name": "iwae", "beta": 2.0, "warmup_epochs": 3}})  # the schedule applies


def test_every_registered_name_is_listed_in_train_help() -> None:
    result = CliRunner().invoke(main, ["train", "--help-all"], terminal_width=400)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for flag, registry in (("--network", NETWORKS), ("--posterior", POSTERIORS), ("--prior", PRIORS),
                           ("--likelihood", LIKELIHOODS), ("--objective", OBJECTIVES)):
        listed = re.search(rf"{flag} \S+ .*?choices: ([\w, ]+)", text)
        assert listed is not None, flag
        assert set(_built_in(registry)) <= set(listed.group(1).replace(",", " ").split()), flag
    assert "choices: auto, autoregressive, autoregressive_gaussian, bernoulli, categorical" in text


def test_an_unknown_part_name_is_refused_when_the_config_is_read() -> None:
    for section, key, kind in (("model", "network", "network"), ("model", "posterior", "posterior"),
                               ("model", "prior", "prior"), ("model", "likelihood", "likelihood"),
                               ("objective", "name", "objective")):
        with pytest.raises(ConfigError, match=rf"unknown {kind} 'nonsense'; choose one of: "):
            check_config(Config.from_dict({section: {key: "nonsense"}}))


@pytest.mark.parametrize("name", PRIORS.names())
def test_every_prior_declares_whether_it_has_a_cluster_variable(name) -> None:
    part = PRIORS.get(name)
    assert isinstance(part.cluster_variable, bool)
    if part.cluster_variable:  # VAE.class_posterior and the vade objective read p(c|z) from it
        model = build_model(ModelConfig(latent_dim=3, hidden=[16], prior=name, prior_components=4), VECTOR, "vector")
        probs = model.class_posterior(torch.rand(5, *VECTOR)).probs
        torch.testing.assert_close(probs.sum(-1), torch.ones(5))


def test_every_part_carries_the_declarations_of_its_kind() -> None:
    """Code elsewhere asks a part (a declared attribute) instead of naming it: each kind has its base of
    declarations, and every registered part has them."""
    from vaekit.objectives.base import Objective
    from vaekit.posteriors.base import Posterior
    from vaekit.priors.base import Prior

    model_settings = {item.name for item in dataclasses.fields(ModelConfig)}
    for name in OBJECTIVES.names():
        assert issubclass(OBJECTIVES.get(name), Objective), name
    for name in PRIORS.names():
        assert issubclass(PRIORS.get(name), Prior), name
    for name in LIKELIHOODS.names():
        assert issubclass(LIKELIHOODS.get(name), Likelihood) and LIKELIHOODS.get(name).reads <= model_settings, name
    for name in POSTERIORS.names():
        part = POSTERIORS.get(name)
        for declared in ("reads", "class_latent", "prior", "needs_prior"):
            assert declared in dir(part) and declared in dir(Posterior), (name, declared)
        assert part.reads <= model_settings, name
    for name in NETWORKS.names():
        part = NETWORKS.get(name)
        assert part.reads <= model_settings and isinstance(part.reads_sequences, bool), name
        assert isinstance(part.reads_codes, bool), name
