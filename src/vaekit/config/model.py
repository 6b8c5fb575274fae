"""The model section: the latent size and the parts (network, posterior, prior, likelihood) with their sizes."""

from __future__ import annotations

from dataclasses import dataclass

from vaekit.config.fields import setting
from vaekit.config.ranges import AT_LEAST_ONE, POSITIVE, ZERO_OR_MORE, Range, check_ranges
from vaekit.core.errors import ConfigError


@dataclass
class ModelConfig:
    latent_dim: int = setting(20, "size of the latent code z")
    network: str = setting("auto", "encoder/decoder network; auto: the data kind's own (mlp for images, tables and "
                           "audio, rnn for text and series)", choices=("auto",), part="network")
    hidden: list[int] | str = setting("auto", "MLP hidden widths, encoder order (the decoder mirrors them), e.g. "
                                      "512,256; auto: one layer, twice an example's numbers rounded up to a power "
                                      "of two, 64 to 400 (at most 128 under 1,000 training rows), chosen when "
                                      "training starts and written to config.json", choices=("auto",))
    activation: str = setting("relu", "hidden activation", choices=("relu", "gelu", "tanh", "elu", "leaky_relu",
                                                                     "silu"))
    conv_channels: list[int] = setting([32, 64, 128, 256], "conv channels per stride-2 stage")
    cell: str = setting("gru", "sequences: the recurrent cell of the rnn encoder and of the autoregressive decoder",
                         choices=("gru", "lstm"))
    rnn_hidden: int = setting(256, "sequences: width of the recurrent state (encoder and decoder)")
    embedding_dim: int = setting(128, "text: width of the token embeddings")
    word_dropout: float = setting(0.0, "text: share of the decoder's input tokens replaced by <unk> while training "
                                   "(Bowman et al. 2016); 1 gives the decoder none of its earlier tokens")
    latent_inputs: bool = setting(True, "autoregressive decoders: z joins every step's input beside setting the "
                                   "initial state (off: the initial state only, as in Bowman et al.)")
    language_model: bool = setting(False, "the autoregressive decoder alone, without a latent code (rate 0, -ELBO "
                                    "= -log p(x)): the baseline that tells whether a text VAE uses its code")
    posterior: str = setting("diagonal_gaussian", "posterior q(z|x) (ladder goes with prior: ladder)",
                              part="posterior")
    flow_steps: int = setting(4, "flow steps of a planar or iaf posterior")
    codebook_size: int = setting(16, "vq and gumbel_softmax posteriors: K, the codes (classes) each of the M code "
                                  "positions takes; the uniform prior's rate is M log K")
    code_dim: int = setting(4, "vq: D, the size of one code vector; latent_dim = M * D (gumbel_softmax: "
                             "latent_dim = M * K, the M one-hots side by side)")
    commitment: float = setting(0.25, "vq: weight beta of the commitment loss ||z_e - sg(e)||^2 (van den Oord et al. "
                                 "2017)")
    ema_decay: float = setting(0.99, "vq: decay of the exponential moving averages that update the codebook")
    dead_code_steps: int = setting(20, "vq: a code that no example used for this many training steps restarts at a "
                                    "random encoder output of the batch (0: never)")
    temperature: float = setting(1.0, "gumbel_softmax: temperature of the relaxed one-hot samples in training")
    code_prior_hidden: int = setting(64, "vq and gumbel_softmax: GRU width of the prior over codes that vaekit "
                                      "fit-prior fits after training")
    latent_layers: list[int] = setting([], "ladder: sizes of the stochastic layers, bottom first, adding up to "
                                        "latent_dim (empty: latent_dim split in two)")
    prior: str = setting("standard_normal", "prior p(z) (ladder goes with posterior: ladder)", part="prior")
    conditional: bool = setting(False, "a conditional VAE (Sohn et al. 2015): class labels condition the encoder "
                                 "and decoder")
    conditional_prior: bool = setting(False, "conditional VAE: a learned Gaussian prior per class, p(z|y)")
    class_latent: str = setting("none", "a categorical latent class y with a classifier q(y|x): m2 (Kingma et al. "
                                 "2014: q(z|x,y), p(x|z,y); labels where given, the class summed out where a label "
                                 "is -1) or gmvae (a clustering model: p(z|y) a learned Gaussian per class, p(x|z) "
                                 "not reading y, trained without labels, prior_components classes); both train with "
                                 "objective m2", choices=("none", "m2", "gmvae"))
    prior_components: int = setting(10, "mixture components (mixture prior) or pseudo-inputs (vamp prior)")
    likelihood: str = setting("auto", "likelihood p(x|z); auto: bernoulli for images, continuous_bernoulli for vectors "
                               "whose every value lies in [0, 1], gaussian for other vectors, mixed for tables with "
                               "binary or categorical columns", choices=("auto",), part="likelihood")
    gaussian_scale: str = setting("per_dim", "scale of the gaussian or laplace likelihood: fixed, global (one "
                                   "learned) or per_dim (learned per data dimension)",
                                   choices=("fixed", "global", "per_dim"))
    logistic_components: int = setting(5, "discretized_logistic: mixture components per data element")
    residual_blocks: int = setting(1, "resnet: residual blocks per resolution stage")
    fixed_scale: float = setting(1.0, "initial (or, for gaussian_scale=fixed, the) scale of the gaussian or laplace")
    encoder_mask: bool = setting(False, "the encoder reads the observed-entries mask beside the data (missing "
                                  "entries as 0) and the likelihood scores observed entries only; set by "
                                  "data.missing: model, recorded so that the run loads again")
    standardize: str = setting("auto", "model standardized data, reported in the data's units: on, off, or auto "
                                "(on for a gaussian or laplace likelihood on vectors and spectrograms)",
                                choices=("auto", "on", "off"))

    def validate(self) -> None:
        if self.latent_dim < 1:
            raise ConfigError(f"latent_dim must be at least 1, got {self.latent_dim}")
        if self.hidden != "auto" and (isinstance(self.hidden, str) or not self.hidden or
                                      any(width < 1 for width in self.hidden)):
            raise ConfigError(f"hidden must be one or more positive widths, or auto; got {self.hidden}")
        if not self.conv_channels or any(width < 1 for width in self.conv_channels):
            raise ConfigError(f"conv_channels must be positive, got {self.conv_channels}")
        check_ranges(self, {"rnn_hidden": AT_LEAST_ONE, "embedding_dim": AT_LEAST_ONE,
                            "logistic_components": AT_LEAST_ONE, "residual_blocks": AT_LEAST_ONE,
                            "code_dim": AT_LEAST_ONE, "code_prior_hidden": AT_LEAST_ONE,
                            "dead_code_steps": ZERO_OR_MORE, "commitment": ZERO_OR_MORE,
                            "ema_decay": Range(0, 1, high_open=True), "temperature": POSITIVE})
        if not 0.0 <= self.word_dropout <= 1.0:
            raise ConfigError(f"word_dropout is a share of tokens, between 0 and 1; got {self.word_dropout}")
        if not self.fixed_scale > 0:
            raise ConfigError(f"fixed_scale must be positive, got {self.fixed_scale}")
        if self.conditional_prior and not self.conditional:
            raise ConfigError("conditional_prior needs conditional: true")
        if self.flow_steps < 1:
            raise ConfigError(f"flow_steps must be at least 1, got {self.flow_steps}")
        if self.codebook_size < 2:
            raise ConfigError(f"codebook_size must be at least 2 (one code carries no information: log 1 = 0), got "
                              f"{self.codebook_size}")
        if self.prior_components < 1:
            raise ConfigError(f"prior_components must be at least 1, got {self.prior_components}")
        if self.class_latent != "none" and (self.conditional or self.conditional_prior):
            raise ConfigError(f"class_latent {self.class_latent} makes the class a latent variable with its own "
                              "q(z|x,y) and labels; leave conditional and conditional_prior off")
