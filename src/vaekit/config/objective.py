"""The objective section: which bound is trained, with its weights, schedules and corruption."""

from __future__ import annotations

from dataclasses import dataclass

from vaekit.config.fields import setting
from vaekit.config.ranges import AT_LEAST_ONE, POSITIVE, ZERO_OR_MORE, Range, check_ranges
from vaekit.core.errors import ConfigError
from vaekit.data.corruption import CORRUPTIONS, check_corruption


@dataclass
class ObjectiveConfig:
    name: str = setting("elbo", "training objective", flag="objective", part="objective")
    beta: float = setting(1.0, "weight of the KL term (beta-VAE when > 1)")
    warmup_epochs: float = setting(0.0, "epochs over which beta rises linearly from 0 (0: no warm-up)")
    free_bits: float = setting(0.0, "free bits: nats per latent dimension below which the KL is not penalised")
    kl: str = setting("auto", "KL estimate: analytic, mc (Monte Carlo), or auto (analytic when available)",
                       choices=("auto", "analytic", "mc"))
    beta_schedule: str = setting("linear", "how beta moves: linear (warm-up over warmup_epochs, then constant) or "
                                  "cyclical (Fu et al. 2019: `cycles` ramps from 0, each over `cycle_ramp` of its "
                                  "cycle)", choices=("linear", "cyclical"))
    cycles: int = setting(4, "cyclical schedule: number of cycles over the run")
    cycle_ramp: float = setting(0.5, "cyclical schedule: fraction of each cycle over which beta rises from 0")
    capacity: float = setting(0.0, "capacity C in nats (Burgess et al. 2018): the loss is distortion + "
                               "beta * |KL - C|, C rising from 0 over capacity_epochs (0: off)")
    capacity_epochs: float = setting(0.0, "epochs over which the capacity rises to its value (0: at once)")
    iw_samples: int = setting(5, "iwae: importance samples k per example")
    pretrain_epochs: int = setting(0, "vade: epochs of training the networks as an autoencoder first; the mixture "
                                    "prior is then fitted to the training codes (0: no pretraining)")
    mi_weight: float = setting(1.0, "beta_tcvae: weight of the index-code mutual information (beta weighs the "
                                "total correlation)")
    dim_kl_weight: float = setting(1.0, "beta_tcvae: weight of the dimension-wise KL")
    tc_estimator: str = setting("stratified", "beta_tcvae: estimator of q(z), stratified (unbiased minibatch "
                                 "weights) or mws (minibatch-weighted as the paper prints it; overstates the TC by "
                                 "up to (d - 1) log N)", choices=("stratified", "mws"))
    mmd_weight: float = setting(100.0, "info_vae: weight of MMD(q(z), p(z)) added to the ELBO's terms")
    mmd_kernel: str = setting("imq", "info_vae: MMD kernel, rbf or imq (inverse multiquadric)",
                               choices=("rbf", "imq"))
    classifier_weight: float = setting(0.1, "m2: weight of the classifier's -log q(y|x) on labelled rows, "
                                        "alpha = classifier_weight * N / N_labelled per labelled row (Kingma et al. "
                                        "2014 use 0.1)")
    tc_weight: float = setting(35.0, "factor_vae: weight gamma of the total correlation, estimated by a "
                                "discriminator of q(z) against dimension-permuted codes (Kim and Mnih 2018)")
    discriminator_lr: float = setting(1e-4, "factor_vae: learning rate of the discriminator's own Adam optimizer")
    discriminator_hidden: list[int] = setting([1000] * 6, "factor_vae: hidden widths of the discriminator MLP "
                                               "(the paper's: six layers of 1000)")
    corruption: str = setting("none", "denoising: corruption of the encoder's inputs, c(x~|x): none, gaussian "
                               "(x + sigma * noise, clamped to the data support), salt_pepper (a fraction p set to "
                               "the support's low or high end), mask (a fraction p set to 0), replace (a fraction "
                               "p replaced by uniform values, Ren et al. 2019) or hide (a fraction p made missing, "
                               "as regions of images; for inpainting and imputation: sets data.missing: model)",
                               choices=("none", *CORRUPTIONS))
    corruption_level: float = setting(0.1, "denoising: sigma of gaussian, or the fraction p of the others")
    denoising_target: str = setting("clean", "denoising: what p(x|z) scores, the clean x (Im et al. 2017) or the "
                                     "corrupted x~ (a model of perturbed data: Ren et al.'s background model)",
                                     choices=("clean", "corrupted"))

    def validate(self) -> None:
        if not self.beta >= 0:
            raise ConfigError(f"beta must be zero or positive, got {self.beta}")
        if not self.warmup_epochs >= 0:
            raise ConfigError(f"warmup_epochs must be zero or positive, got {self.warmup_epochs}")
        if not self.free_bits >= 0:
            raise ConfigError(f"free_bits must be zero or positive, got {self.free_bits}")
        check_ranges(self, {"cycles": AT_LEAST_ONE, "cycle_ramp": Range(0, 1, low_open=True),
                            "capacity": ZERO_OR_MORE, "capacity_epochs": ZERO_OR_MORE,
                            "pretrain_epochs": ZERO_OR_MORE, "iw_samples": AT_LEAST_ONE,
                            "mi_weight": ZERO_OR_MORE, "dim_kl_weight": ZERO_OR_MORE, "mmd_weight": ZERO_OR_MORE,
                            "classifier_weight": ZERO_OR_MORE, "tc_weight": ZERO_OR_MORE,
                            "discriminator_lr": POSITIVE})
        if not self.discriminator_hidden or any(width < 1 for width in self.discriminator_hidden):
            raise ConfigError(f"discriminator_hidden must be one or more positive widths, got "
                              f"{self.discriminator_hidden}")
        check_corruption(self.corruption, self.corruption_level)
