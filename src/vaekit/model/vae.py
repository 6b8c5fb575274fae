"""The one VAE: a composition of encoder network, posterior, prior, decoder network and likelihood.

    model = build_model(ModelConfig(latent_dim=2), data_shape=(1, 28, 28), data_kind="image")
    q = model.encode(x)            # q(z|x), a torch Distribution
    px = model.decode(q.rsample()) # p(x|z), a Distribution whose event dims are the data dims
    model.prior                    # p(z)
    model.sample(16, generator=torch.Generator().manual_seed(0))
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.distributions import Categorical, Distribution

# importing the part packages registers every part under its name
import vaekit.likelihoods  # noqa: F401
import vaekit.nn  # noqa: F401
import vaekit.posteriors  # noqa: F401
import vaekit.priors  # noqa: F401
from vaekit.config import ObjectiveConfig
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.likelihoods.affine import AffineDistribution
from vaekit.likelihoods.base import Likelihood, observed_moments
from vaekit.likelihoods.observed import ObservedEntries
from vaekit.model.class_latent import ClassLatent
from vaekit.model.conditioning import ConditionedVAE, LabelConditioning
from vaekit.model.input_checks import as_checked_data, as_data, as_latent, check_count
from vaekit.objectives.elbo import ELBO
from vaekit.objectives.m2 import class_bound
from vaekit.objectives.output import ObjectiveOutput
from vaekit.posteriors.base import Posterior


def _float32(like: torch.Tensor) -> torch.autocast:
    """Distributions are built in float32 even when the trainer runs the networks in bfloat16 (train.precision):
    a log-density summed over hundreds of data dimensions needs more than bfloat16's three significant digits,
    and posterior heads, flows and priors are too small to gain from it."""
    return torch.autocast(like.device.type, enabled=False)


def _widen(features: torch.Tensor) -> torch.Tensor:
    """bfloat16 or float16 network outputs as float32; float32 and float64 (a model.double()) as they are."""
    return features.float() if features.dtype in (torch.bfloat16, torch.float16) else features


class VAE(nn.Module):
    """Inference (encode) and generation (decode, prior) as separate steps; objectives combine them."""

    def __init__(self, encoder: nn.Module, posterior: nn.Module, prior: nn.Module, decoder: nn.Module,
                 likelihood: nn.Module, data_shape: tuple[int, ...], latent_dim: int,
                 standardize: bool = False, conditioning: LabelConditioning | None = None,
                 encoder_mask: bool = False, class_latent: ClassLatent | None = None, data_kind: str | None = None
                 ) -> None:
        super().__init__()
        if not isinstance(likelihood, Likelihood):  # what it declares is read by encode, the checks and the trainer
            raise ConfigError(f"the likelihood {type(likelihood).__name__} must subclass "
                              "vaekit.likelihoods.base.Likelihood, which declares its data support and the rest")
        if not isinstance(posterior, Posterior):  # encode asks it what it needs (the prior module, say)
            raise ConfigError(f"the posterior {type(posterior).__name__} must subclass "
                              "vaekit.posteriors.base.Posterior, which declares what it needs and reads")
        self.encoder = encoder
        self.posterior = posterior
        self.prior_module = prior
        self.decoder = decoder
        self.likelihood = likelihood
        self.data_shape = tuple(data_shape)
        self.latent_dim = latent_dim
        # Standardization for data in arbitrary units (tables): the networks see (x - shift) / scale and p(x|z)
        # is mapped back to the data's units. The trainer sets the statistics from the training split; they are
        # saved with the weights.
        self.standardize = standardize
        self.register_buffer("data_shift", torch.zeros(data_shape))
        self.register_buffer("data_scale", torch.ones(data_shape))
        self.conditioning = conditioning  # a CVAE's labels: one-hot inputs and the per-class prior
        # missing values (MIWAE): NaN entries are missing; the encoder reads the data with them set to 0 beside the
        # 0/1 mask of observed entries, and p(x|z) scores observed entries only (likelihoods/observed.py)
        self.encoder_mask = encoder_mask
        # M2 or GMVAE: a categorical class y with a classifier q(y|x) beside the encoder (vaekit.model.class_latent)
        self.class_latent = class_latent
        # the kind of data (data/kinds.py: image, vector, ...), which says how outputs are written; by the shape
        # where the builder did not say
        self.data_kind = data_kind or ("image" if len(self.data_shape) == 3 else "vector")
        # a distribution over z fitted after training to the codes of real data (vaekit fit-prior --method gmm|vae;
        # runs/latent_prior.py), which sample() draws from instead of p(z); not a part: p(z) still trains and scores
        self.sampling_prior: Distribution | None = None

    @property
    def num_classes(self) -> int | None:
        """The number of classes a conditional VAE takes; None for an unconditional one."""
        return None if self.conditioning is None else self.conditioning.num_classes

    def given(self, y: torch.Tensor | None) -> VAE | ConditionedVAE:
        """The model with labels y bound (a CVAE), or the model itself when it is unconditional. A GMVAE's
        clusters are not the data's labels: it binds none."""
        if self.class_latent is not None and not self.class_latent.observed:
            y = None
        return self if self.conditioning is None else ConditionedVAE(self, y)

    def encode_classes(self, x: torch.Tensor) -> tuple[Distribution, Categorical]:
        """(q(z|x, y) for every class y at once, batch (K, B); q(y|x), batch (B,)) for a model with a class latent:
        the encoder and the classifier read x once, only the posterior's head runs K times."""
        if self.class_latent is None or self.conditioning is None:
            raise VaekitError("this run has no cluster variable: train one with --class-latent m2 or gmvae "
                              "(--objective m2)")
        inputs = self._encoder_inputs(as_data(x, self))
        features = self.encoder(inputs)
        with _float32(features):
            features = _widen(features)
            k, batch = self.class_latent.num_classes, features.shape[0]
            codes = torch.eye(k, dtype=features.dtype, device=features.device)[:, None, :].expand(k, batch, k)
            both = torch.cat([features.expand(k, *features.shape), codes], dim=-1)
            return self.posterior(both), self.class_latent.posterior(inputs)

    def _encoder_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """What the encoder network (and a classifier) reads: standardized, masked or one-hot coded data."""
        if self.standardize:
            x = (x - self.data_shift) / self.data_scale
        if self.encoder_mask:
            return self._with_mask(x)
        return self.likelihood.encoder_inputs(x)  # the data themselves, or a mixed table's one-hot columns

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> Distribution:
        """q(z|x) for a batch x of shape (B, *data_shape); q(z|x, y) for a conditional VAE (labels (B,)).
        A numpy array, another dtype or device is converted (checks.as_data: metadata only, no sync)."""
        x = self._encoder_inputs(as_data(x, self))
        features = self.encoder(x)
        with _float32(features):
            features = _widen(features)
            if self.class_latent is not None:  # where no class is given, the classifier's most probable one
                y = self.class_latent.fill(y, x)
            if self.conditioning is not None:
                features = torch.cat([features, self.conditioning.one_hot(y, features)], dim=-1)
            if self.posterior.needs_prior:  # a ladder's inference shares the prior's top-down path (posteriors/base.py)
                return self.posterior(features, self.prior_module)
            return self.posterior(features)

    def _with_mask(self, x: torch.Tensor) -> torch.Tensor:
        """Encoder inputs of data with missing (NaN) entries: the inputs with missing entries at 0 (the mean, for
        standardized data), then the 0/1 mask of observed entries (channels doubled for images, width for
        vectors)."""
        observed = ~torch.isnan(x)
        filled = torch.where(observed, x, torch.zeros((), dtype=x.dtype, device=x.device))
        inputs = self.likelihood.encoder_inputs(filled) * self.likelihood.input_mask(observed).to(x.dtype)
        return torch.cat([inputs, observed.to(x.dtype)], dim=-len(self.data_shape))

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> Distribution:
        """p(x|z) for latents of shape (..., d); p(x|z, y) for a conditional VAE (labels (B,) for z (..., B, d))."""
        z = as_latent(z, self)
        if self.conditioning is not None and self.conditioning.in_decoder:
            z = torch.cat([z, self.conditioning.one_hot(y, z)], dim=-1)
        params = self.decoder(z)
        with _float32(params):
            px = self.likelihood(_widen(params))
        if self.standardize:
            px = AffineDistribution(px, self.data_shift, self.data_scale)
        return ObservedEntries(px) if self.encoder_mask else px

    @torch.no_grad()
    def set_standardization(self, x: torch.Tensor) -> None:
        """Take shift and scale from data (N, *data_shape): the mean and standard deviation of each dimension
        over its observed values (1 where a dimension is constant)."""
        shift, std = observed_moments(x)  # missing (NaN) entries left out
        self.data_shift.copy_(shift)
        self.data_scale.copy_(torch.where(std > 1e-8, std, torch.ones_like(std)))

    @property
    def prior(self) -> Distribution:
        """p(z). Priors that depend on the encoder (the VampPrior) receive it; a GMVAE's is the mixture of its
        per-class Gaussians with equal weights, sum_y p(y) p(z|y)."""
        if self.class_latent is not None and self.conditioning is not None and \
                self.conditioning.prior_table is not None:
            return self.conditioning.mixture(self.data_shift)
        return self.prior_module(self.encode)

    def prior_given(self, y: torch.Tensor | None) -> Distribution:
        """p(z|y) for a CVAE with a conditional prior (a batch of Gaussians, one per label), else p(z)."""
        if self.conditioning is not None and self.conditioning.prior_table is not None:
            if y is None:
                if self.class_latent is not None:  # a GMVAE: the cluster summed out
                    return self.prior
                raise VaekitError("this model has a conditional prior: give the class labels too")
            return self.conditioning.prior(y, self.data_shift)
        return self.prior

    @property
    def has_cluster_variable(self) -> bool:
        """Whether the model has a categorical latent variable c (a cluster or a class) that class_posterior
        gives: a classifier q(y|x) (M2, GMVAE) or the component of a mixture prior (VaDE), as the prior declares."""
        return self.class_latent is not None or self.prior_module.cluster_variable

    def class_posterior(self, x: torch.Tensor, y: torch.Tensor | None = None) -> Categorical:
        """q(c|x) for a batch x: a Categorical with batch shape (B,) over the model's clusters.

        For a class latent (M2, GMVAE) it is the classifier q(y|x). For a mixture prior (VaDE) it is VaDE's gamma,
        q(c|x) = p(c|z) = p(c) p(z|c) / sum_c' p(c') p(z|c'), taken
        at the posterior mean z = E[z|x] rather than at a draw: the assignment is then deterministic, repeatable
        without a seed and does not change with the batch, and the mean is the most probable code of a Gaussian
        posterior (VaDE's own code assigns at the mean too). Training (objectives/vade.py) takes it at the draw.

        >>> model.class_posterior(x).probs.argmax(-1)   # each example's cluster
        """
        if not self.has_cluster_variable:
            prior = type(self.prior_module).__name__
            raise VaekitError(f"this run has no cluster variable: its prior ({prior}) has no categorical latent; "
                              "train with --prior mixture --objective vade or --class-latent m2|gmvae --objective "
                              "m2, or cluster its codes with --method kmeans")
        if self.class_latent is not None:
            return self.class_latent.posterior(self._encoder_inputs(as_data(x, self)))
        q = self.encode(x, y)
        with _float32(q.mean):
            return self.prior_module.cluster_posterior(q.mean)

    @property
    def has_code(self) -> bool:
        """Whether z says anything of x, as the posterior declares: False for a language model (q(z|x) = p(z))."""
        return self.posterior.carries_code

    @property
    def is_image(self) -> bool:
        """True for (C, H, W) images, False for vectors."""
        return len(self.data_shape) == 3

    @property
    def device(self) -> torch.device:
        return self.data_shift.device  # a buffer every VAE has, even one whose parts hold no parameters

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, mean: bool = True,
               labels: torch.Tensor | None = None, decode: Callable[[Distribution], torch.Tensor] | None = None,
               trained_prior: bool = False) -> torch.Tensor:
        """n new examples: z ~ p(z) decoded to the likelihood's mean (mean=True) or to a draw x ~ p(x|z), or read
        from p(x|z) by `decode` (text: px -> px.decode("beam", beam_width=5)).
        A conditional VAE needs `labels` (n,): z ~ p(z|y), x ~ p(x|z, y).
        z comes from `sampling_prior` where one was fitted after training, unless trained_prior=True."""
        n = check_count(n)
        if self.conditioning is not None and labels is None and self.class_latent is None:
            raise VaekitError("this model is conditional (a CVAE): give the labels to sample (--label)")
        if labels is not None and (labels.shape != (n,) or labels.is_floating_point()):
            raise VaekitError(f"labels must be {n} integers, one per sample; got {labels.dtype} "
                              f"{tuple(labels.shape)}")
        if self.class_latent is not None:  # no class given (none, or -1): y ~ p(y), uniform
            drawn = torch.randint(self.class_latent.num_classes, (n,), generator=generator,
                                  device=generator.device if generator is not None else self.device)
            labels = drawn if labels is None else torch.where(labels.to(drawn.device) < 0, drawn,
                                                              labels.to(drawn.device))
        if self.conditioning is not None:
            prior = self.prior_given(labels)
        else:
            prior = self.prior if self.sampling_prior is None or trained_prior else self.sampling_prior
        # one Gaussian per label: one draw from each; a single prior: n draws
        z = prior.rsample_seeded(torch.Size() if prior.batch_shape else torch.Size([n]), generator)
        px = self.decode(z, labels)
        if decode is not None:
            return decode(px)
        return px.mean if mean else px.sample()

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, sample_posterior: bool = False,
                    generator: torch.Generator | None = None, y: torch.Tensor | None = None,
                    decode: Callable[[Distribution], torch.Tensor] | None = None) -> torch.Tensor:
        """The likelihood mean of p(x|z) at the posterior mean (or at a posterior sample), or what `decode` reads
        from p(x|z) (text: a decoding strategy); labels y for a CVAE."""
        x = as_checked_data(x, self)
        if self.class_latent is not None and self.class_latent.in_decoder:  # M2 decodes with the class too
            y = self.class_latent.fill(y, self._encoder_inputs(x))
        q = self.encode(x, y)
        z = rsample(q, generator) if sample_posterior else q.mean
        px = self.decode(z, y)
        return px.mean if decode is None else decode(px)

    def elbo(self, x: torch.Tensor, beta: float = 1.0, kl: str = "auto", y: torch.Tensor | None = None
             ) -> ObjectiveOutput:
        """Per-example distortion, rate and -ELBO (nats) of a batch, with one posterior sample."""
        x = as_checked_data(x, self)
        if self.class_latent is not None:  # the class summed out where no label is given (objectives/m2.py)
            return class_bound(self, x, y, beta, kl)
        return ELBO(ObjectiveConfig(beta=beta, kl=kl))(self.given(y), x, beta)


def rsample(q: Distribution, generator: torch.Generator | None = None) -> torch.Tensor:
    """A reparameterized sample, repeatable with a generator: every posterior distribution draws with one
    itself (vaekit.core.seeded)."""
    if generator is None:
        return q.rsample()
    return q.rsample_seeded(torch.Size(), generator)
