"""Building a VAE from its configuration: every part looked up by name in its registry, "auto" settings settled
by what the data kind declares, and the combinations that cannot work refused in one line.

    model = build_model(ModelConfig(latent_dim=2), data_shape=(1, 28, 28), data_kind="image")
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

# importing the part packages registers every part under its name
import vaekit.data.kinds as kinds
import vaekit.likelihoods  # noqa: F401
import vaekit.nn  # noqa: F401
import vaekit.posteriors  # noqa: F401
import vaekit.priors  # noqa: F401
from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import LIKELIHOODS, NETWORKS, POSTERIORS, PRIORS
from vaekit.model.auto_width import auto_hidden
from vaekit.model.class_latent import ClassLatent
from vaekit.model.conditioning import LabelConditioning
from vaekit.model.vae import VAE
from vaekit.nn.sequence_language_model import language_model_parts


def resolve_likelihood(cfg: ModelConfig, data_kind: str, column_types: list[str] | None = None,
                       unit_interval: bool = False) -> str:
    """The likelihood name: as configured, or for "auto" the one the data kind declares (vaekit.data.kinds) for
    data whose values all lie in [0, 1] (`unit_interval`) or not."""
    if cfg.likelihood != "auto":
        return cfg.likelihood
    return kinds.data_kind(data_kind).likelihood(column_types, unit_interval)


def resolve_network(cfg: ModelConfig, data_kind: str, data_shape: tuple[int, ...] | None = None) -> str:
    """The network name: as configured, or for "auto" the one the data kind declares for examples of this shape
    (rnn for text, conv for images larger than 64x64, say)."""
    return kinds.data_kind(data_kind).network_for(data_shape) if cfg.network == "auto" else cfg.network


def resolve_auto(cfg: ModelConfig, data_kind: str, column_types: list[str] | None = None,
                 data_shape: tuple[int, ...] | None = None, unit_interval: bool = False) -> None:
    """Settle the model's "auto" settings (network, likelihood, standardize) for this data, in place: training
    resolves them once and config.json records what the run was built with. `unit_interval`: every value of the
    data lies in [0, 1] (Dataset.within_unit_interval)."""
    cfg.network = resolve_network(cfg, data_kind, data_shape)
    cfg.standardize = "on" if resolve_standardize(cfg, data_kind, column_types, unit_interval) else "off"
    cfg.likelihood = resolve_likelihood(cfg, data_kind, column_types, unit_interval)


def resolve_standardize(cfg: ModelConfig, data_kind: str, column_types: list[str] | None = None,
                        unit_interval: bool = False) -> bool:
    """Standardize for "auto" when a location-scale likelihood (Gaussian, Laplace) models data in arbitrary units
    (tables, spectrograms: the kinds that declare `standardized`), never for images or for likelihoods on [0, 1]."""
    location_scale = LIKELIHOODS.get(resolve_likelihood(cfg, data_kind, column_types, unit_interval)).location_scale
    if cfg.standardize == "on" and not location_scale:
        names = " or ".join(n for n in LIKELIHOODS.names() if LIKELIHOODS.get(n).location_scale)
        raise ConfigError(f"standardize: on needs the {names} likelihood (a likelihood on [0, 1] has no units to "
                          "standardize)")
    if cfg.standardize != "auto":
        return cfg.standardize == "on"
    return kinds.data_kind(data_kind).standardized and location_scale


def build_model(cfg: ModelConfig, data_shape: tuple[int, ...], data_kind: str = "image",
                num_classes: int | None = None, schema: tuple[list[str], list[Any]] | None = None,
                vocabulary_size: int | None = None) -> VAE:
    """Compose a VAE from its configuration; every part is looked up by name in the registry. A conditional VAE
    (cfg.conditional) needs the number of classes; the mixed likelihood, the table's (column types, values); a
    likelihood over tokens, the vocabulary's size."""
    if cfg.hidden == "auto":  # training settles it by the data's rows first; here only the shape is known
        cfg = dataclasses.replace(cfg, hidden=auto_hidden(tuple(data_shape)))
    likelihood_cls = LIKELIHOODS.get(resolve_likelihood(cfg, data_kind, schema[0] if schema else None))
    if likelihood_cls.needs_vocabulary:
        if not vocabulary_size:
            raise ConfigError(f"the {cfg.likelihood} likelihood models tokens: it needs text data (a vocabulary)")
        likelihood = likelihood_cls.from_config(tuple(data_shape), cfg, vocabulary_size=vocabulary_size)
    elif likelihood_cls.needs_schema:
        likelihood = likelihood_cls.from_config(tuple(data_shape), cfg, schema=schema)
    else:
        likelihood = likelihood_cls.from_config(tuple(data_shape), cfg)
    labels = 0
    if cfg.class_latent != "none":
        labels = _class_count(cfg, num_classes)
    if cfg.conditional:
        if not num_classes or num_classes < 2:
            raise ConfigError("a conditional VAE needs labelled data with at least two classes")
        if PRIORS.get(cfg.prior).refuses_labels:
            takers = " or ".join(n for n in PRIORS.names() if not PRIORS.get(n).refuses_labels)
            raise ConfigError(f"the {cfg.prior} prior's {PRIORS.get(cfg.prior).refuses_labels}; a conditional VAE "
                              f"takes another prior: {takers}")
        if cfg.conditional_prior and not PRIORS.get(cfg.prior).class_prior_replaces:
            raise ConfigError("conditional_prior replaces the prior by one Gaussian per class: use it with "
                              f"prior: {_priors_that('class_prior_replaces')}")
        labels = num_classes
    network_name = resolve_network(cfg, data_kind, tuple(data_shape))
    network = NETWORKS.get(network_name)
    input_width = likelihood.encoder_input_width()
    if input_width is not None and not network.reads_codes:  # a mixed table: the encoder reads one-hot codes
        readers = ", ".join(n for n in NETWORKS.names() if NETWORKS.get(n).reads_codes)
        raise ConfigError(f"the mixed likelihood models tables: use network: {readers}")
    inputs = (input_width or data_shape[0], *data_shape[1:])
    if cfg.encoder_mask:  # the encoder reads the observed-entries mask beside the data: twice the channels or width
        inputs = (inputs[0] + data_shape[0], *inputs[1:])
    # the label's one-hot code joins the decoder's input and the posterior's features
    decoder_labels = labels if cfg.class_latent in ("none", "m2") else 0  # a GMVAE's decoder reads z alone
    if likelihood.autoregressive != network.reads_sequences:  # nn/sequence.py
        raise ConfigError(f"the {network_name} network and the {resolve_likelihood(cfg, data_kind)} likelihood do not "
                          "go together: an autoregressive likelihood (sequences) takes network rnn or conv1d, "
                          "and those networks take an autoregressive likelihood")
    if cfg.language_model and not likelihood.autoregressive:
        raise ConfigError("language_model is the autoregressive decoder without a latent code: it needs text or "
                          "series data and an autoregressive likelihood")
    encoder, feature_dim, decoder = network(
        tuple(data_shape), cfg.latent_dim + decoder_labels, likelihood.params_per_element, cfg,
        encoder_input=inputs if inputs != tuple(data_shape) else None)
    feature_dim += labels
    posterior_cls, prior_cls = POSTERIORS.get(cfg.posterior), PRIORS.get(cfg.prior)
    if posterior_cls.prior not in (None, cfg.prior) or prior_cls.posterior not in (None, cfg.posterior):
        pair = (cfg.posterior, posterior_cls.prior) if posterior_cls.prior else (prior_cls.posterior, cfg.prior)
        raise ConfigError(f"posterior {pair[0]} and prior {pair[1]} go together (they share the top-down path): "
                          f"set both posterior: {pair[0]} and prior: {pair[1]}")
    posterior = POSTERIORS.get(cfg.posterior).from_config(feature_dim, cfg)
    if cfg.language_model:  # no latent code: q(z|x) = p(z), the rate exactly 0 (nn/sequence_language_model.py)
        encoder, posterior = language_model_parts(cfg, tuple(data_shape))
    prior = PRIORS.get(cfg.prior).from_config(cfg, tuple(data_shape))
    per_class_prior = cfg.conditional_prior or cfg.class_latent == "gmvae"
    conditioning = LabelConditioning(labels, cfg.latent_dim, per_class_prior, in_decoder=decoder_labels > 0) \
        if labels else None
    class_latent = None if cfg.class_latent == "none" else \
        ClassLatent(cfg.class_latent, labels, inputs, cfg.hidden, cfg.activation)
    if cfg.class_latent == "gmvae":  # clusters apart from the start (the run's seed): equal means would stay equal
        with torch.no_grad():
            conditioning.prior_table.weight[:, :cfg.latent_dim].normal_()
    return VAE(encoder, posterior, prior, decoder, likelihood, tuple(data_shape), cfg.latent_dim,
               resolve_standardize(cfg, data_kind, schema[0] if schema else None), conditioning, cfg.encoder_mask,
               class_latent, data_kind)


def _class_count(cfg: ModelConfig, num_classes: int | None) -> int:
    """K of a class latent: the data's classes for M2, prior_components clusters for a GMVAE."""
    if not (POSTERIORS.get(cfg.posterior).class_latent and PRIORS.get(cfg.prior).class_prior_replaces):
        takers = ", ".join(n for n in POSTERIORS.names() if POSTERIORS.get(n).class_latent)
        raise ConfigError(f"class_latent {cfg.class_latent} takes posterior: {takers} and prior: "
                          f"{_priors_that('class_prior_replaces')} (its p(z) is set by the class variable)")
    if cfg.class_latent == "gmvae":
        if cfg.prior_components < 2:
            raise ConfigError("a GMVAE needs prior_components of at least 2 clusters")
        return cfg.prior_components
    if not num_classes or num_classes < 2:
        raise ConfigError("class_latent m2 needs labelled data (labels for some rows, -1 for the rest) with at "
                          "least two classes")
    return num_classes


def _priors_that(declaration: str) -> str:
    """The registered priors that declare `declaration` true, for a message."""
    return " or ".join(name for name in PRIORS.names() if getattr(PRIORS.get(name), declaration))
