"""Typed, validated settings for every part of a run, saved to and loaded from JSON.

Unknown keys and wrong types are rejected with one clear line (never a dict that answers None for a typo)::

    cfg = Config.from_dict({"model": {"latent_dim": 2}, "train": {"epochs": 5}})
    cfg.model.latent_dim        # 2
    Config.from_dict(cfg.to_dict()) == cfg
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaekit.corruption import CORRUPTIONS, check_corruption
from vaekit.errors import ConfigError


def _setting(default: Any, help: str, flag: str | None = None, choices: tuple[str, ...] | None = None,
             part: str | None = None) -> Any:
    """A dataclass field that carries its command-line help, flag name and allowed values. `part` names the kind of
    part the setting chooses ("likelihood", ...): its allowed values are the registered names of that kind (and
    `choices`, such as "auto"), looked up when a config is read (vaekit.parts), so they are never listed here."""
    meta = {"help": help, "flag": flag, "choices": choices, "part": part}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class DataConfig:
    source: str = _setting("digits", "dataset name (digits, mnist, fashion-mnist, kmnist, cifar10, sprites, "
                           "dsprites, fortunes, fsdd; settings after a colon: sprites:n=20000,size=32,seed=0) or a "
                           "path to .npy/.npz/IDX/CSV/Parquet, a .txt file (one sentence a line), a folder of images, "
                           "of .txt files or of .wav recordings", flag="data")
    data_dir: str | None = _setting(None, "folder to look for (and download) dataset files")
    download: bool = _setting(True, "download a missing named dataset from its official mirror")
    binarize: str = _setting("none", "binarize pixels: none, dynamic (resampled each epoch) or static (once, seeded)",
                             choices=("none", "dynamic", "static"))
    dequantize: bool = _setting(False, "uniform dequantization: add U[0, 1) noise to discrete pixels (8-bit or other "
                                "evenly spaced levels), redrawn every batch, for continuous likelihoods")
    test_fraction: float = _setting(0.1, "fraction held out for test when the data has no split of its own")
    label_column: str | None = _setting(None, "table column holding class labels (CSV/Parquet)")
    column_types: str | None = _setting(None, "table column types that override the inferred ones, e.g. "
                                        "\"sex:binary,age:continuous\" (continuous, binary, categorical)")
    text_column: str | None = _setting(None, "text: the table column (CSV/Parquet) holding one sentence or document "
                                       "per row")
    lowercase: bool = _setting(True, "text: lowercase before splitting into words and punctuation")
    min_count: int = _setting(2, "text: keep tokens seen at least this often in the training split; the rest read "
                              "as <unk>")
    max_vocabulary: int = _setting(0, "text: at most this many tokens in the vocabulary, the 4 special ones "
                                   "included (0: no limit)")
    max_length: int = _setting(0, "text: tokens per sentence at most (end of sentence not counted); a longer line "
                               "is an error unless truncate (0: the longest line of the data)")
    truncate: bool = _setting(False, "text: cut lines longer than max_length instead of refusing them")
    vocabulary: str | None = _setting(None, "text: a vocabulary.json to use instead of building one on the "
                                      "training split (a run's own vocabulary is used for any reload of its data)")
    split_seed: int = _setting(0, "seed of the train/test split for data that has no split of its own")
    labels_per_class: int = _setting(0, "semi-supervised learning: keep this many labels per class of the training "
                                     "split, drawn with split_seed, and mark the rest unlabelled (-1); 0 keeps "
                                     "every label")
    missing: str = _setting("refuse", "missing values (NaN entries, empty table cells): refuse them, or model them "
                            "(MIWAE: the likelihood scores observed entries only and the encoder sees which are "
                            "observed; sets model.encoder_mask)", choices=("refuse", "model"))
    streaming: str = _setting("auto", "read the training data from disk in batches instead of holding it in memory: "
                              "on, off, or auto (on when the data would take more than a quarter of this "
                              "machine's memory); .npy, .parquet, image folders, tar shards and IDX data sets",
                              choices=("auto", "on", "off"))
    workers: int = _setting(2, "streaming: worker processes that read and shuffle the data (0: in the training "
                            "process)")
    shuffle_buffer: int = _setting(10_000, "streaming: examples each epoch's shuffle draws from at a time (more: a "
                                   "better shuffle, more memory)")
    # audio (a folder of .wav recordings, fsdd): how recordings become log-mel spectrograms (data/spectrogram.py)
    sample_rate: int = _setting(0, "audio: sample rate in Hz the recordings are resampled to (0: their own, the most "
                                "common one)")
    n_fft: int = _setting(512, "audio: samples per spectrogram window (Hann)")
    hop_length: int = _setting(128, "audio: samples between spectrogram frames")
    n_mels: int = _setting(40, "audio: mel bands of the log-mel spectrogram")
    mel_floor: float = _setting(1e-6, "audio: the smallest mel power; the log-mel spectrogram is ln max(floor, power)")
    max_seconds: float = _setting(0.0, "audio: recordings longer than this are cut to it, said once (0: none is "
                                  "cut; the examples are as long as the longest recording)")

    def validate(self) -> None:
        if not 0.0 < self.test_fraction < 1.0:
            raise ConfigError(f"test_fraction must be between 0 and 1, got {self.test_fraction}")
        _check_seed("split_seed", self.split_seed)
        if self.labels_per_class < 0:
            raise ConfigError(f"labels_per_class must be 0 (every label) or a count, got {self.labels_per_class}")
        if self.dequantize and self.binarize != "none":
            raise ConfigError("dequantize and binarize exclude each other: binarized pixels are already discrete "
                              "data for a Bernoulli likelihood")
        from vaekit.data.text_options import text_options

        text_options(self)  # the text settings' own checks
        if self.workers < 0 or self.shuffle_buffer < 1:
            raise ConfigError(f"data.workers must be 0 or more and data.shuffle_buffer at least 1, got "
                              f"{self.workers} and {self.shuffle_buffer}")
        from vaekit.data.spectrogram import settings_of

        settings_of(self)  # the audio settings, checked together (a ConfigError naming what is wrong)


@dataclass
class ModelConfig:
    latent_dim: int = _setting(20, "size of the latent code z")
    network: str = _setting("mlp", "encoder/decoder network", part="network")
    hidden: list[int] = _setting([400], "MLP hidden widths, encoder order (the decoder mirrors them), e.g. 512,256")
    activation: str = _setting("relu", "hidden activation", choices=("relu", "gelu", "tanh", "elu", "leaky_relu",
                                                                     "silu"))
    conv_channels: list[int] = _setting([32, 64, 128, 256], "conv channels per stride-2 stage")
    cell: str = _setting("gru", "sequences: the recurrent cell of the rnn encoder and of the autoregressive decoder",
                         choices=("gru", "lstm"))
    rnn_hidden: int = _setting(256, "sequences: width of the recurrent state (encoder and decoder)")
    embedding_dim: int = _setting(128, "text: width of the token embeddings")
    word_dropout: float = _setting(0.0, "text: share of the decoder's input tokens replaced by <unk> while training "
                                   "(Bowman et al. 2016); 1 gives the decoder none of its earlier tokens")
    latent_inputs: bool = _setting(True, "autoregressive decoders: z joins every step's input beside setting the "
                                   "initial state (off: the initial state only, as in Bowman et al.)")
    language_model: bool = _setting(False, "the autoregressive decoder alone, without a latent code (rate 0, -ELBO "
                                    "= -log p(x)): the baseline that tells whether a text VAE uses its code")
    posterior: str = _setting("diagonal_gaussian", "posterior q(z|x) (ladder goes with prior: ladder)",
                              part="posterior")
    flow_steps: int = _setting(4, "flow steps of a planar or iaf posterior")
    codebook_size: int = _setting(16, "vq and gumbel_softmax posteriors: K, the codes (classes) each of the M code "
                                  "positions takes; the uniform prior's rate is M log K")
    code_dim: int = _setting(4, "vq: D, the size of one code vector; latent_dim = M * D (gumbel_softmax: "
                             "latent_dim = M * K, the M one-hots side by side)")
    commitment: float = _setting(0.25, "vq: weight beta of the commitment loss ||z_e - sg(e)||^2 (van den Oord et al. "
                                 "2017)")
    ema_decay: float = _setting(0.99, "vq: decay of the exponential moving averages that update the codebook")
    dead_code_steps: int = _setting(20, "vq: a code that no example used for this many training steps restarts at a "
                                    "random encoder output of the batch (0: never)")
    temperature: float = _setting(1.0, "gumbel_softmax: temperature of the relaxed one-hot samples in training")
    code_prior_hidden: int = _setting(64, "vq and gumbel_softmax: GRU width of the prior over codes that vaekit "
                                      "fit-prior fits after training")
    latent_layers: list[int] = _setting([], "ladder: sizes of the stochastic layers, bottom first, adding up to "
                                        "latent_dim (empty: latent_dim split in two)")
    prior: str = _setting("standard_normal", "prior p(z) (ladder goes with posterior: ladder)", part="prior")
    conditional: bool = _setting(False, "a conditional VAE (Sohn et al. 2015): class labels condition the encoder "
                                 "and decoder")
    conditional_prior: bool = _setting(False, "conditional VAE: a learned Gaussian prior per class, p(z|y)")
    class_latent: str = _setting("none", "a categorical latent class y with a classifier q(y|x): m2 (Kingma et al. "
                                 "2014: q(z|x,y), p(x|z,y); labels where given, the class summed out where a label "
                                 "is -1) or gmvae (a clustering model: p(z|y) a learned Gaussian per class, p(x|z) "
                                 "not reading y, trained without labels, prior_components classes); both train with "
                                 "objective m2", choices=("none", "m2", "gmvae"))
    prior_components: int = _setting(10, "mixture components (mixture prior) or pseudo-inputs (vamp prior)")
    likelihood: str = _setting("auto", "likelihood p(x|z); auto: bernoulli for images, gaussian for vectors, mixed "
                               "for tables with binary or categorical columns", choices=("auto",), part="likelihood")
    gaussian_scale: str = _setting("per_dim", "scale of the gaussian or laplace likelihood: fixed, global (one "
                                   "learned) or per_dim (learned per data dimension)",
                                   choices=("fixed", "global", "per_dim"))
    logistic_components: int = _setting(5, "discretized_logistic: mixture components per data element")
    residual_blocks: int = _setting(1, "resnet: residual blocks per resolution stage")
    fixed_scale: float = _setting(1.0, "initial (or, for gaussian_scale=fixed, the) scale of the gaussian or laplace")
    encoder_mask: bool = _setting(False, "the encoder reads the observed-entries mask beside the data (missing "
                                  "entries as 0) and the likelihood scores observed entries only; set by "
                                  "data.missing: model, recorded so that the run loads again")
    standardize: str = _setting("auto", "model standardized data, reported in the data's units: on, off, or auto "
                                "(on for a gaussian or laplace likelihood on vectors and spectrograms)",
                                choices=("auto", "on", "off"))

    def validate(self) -> None:
        if self.latent_dim < 1:
            raise ConfigError(f"latent_dim must be at least 1, got {self.latent_dim}")
        if not self.hidden or any(width < 1 for width in self.hidden):
            raise ConfigError(f"hidden must be one or more positive widths, got {self.hidden}")
        if not self.conv_channels or any(width < 1 for width in self.conv_channels):
            raise ConfigError(f"conv_channels must be positive, got {self.conv_channels}")
        if self.rnn_hidden < 1 or self.embedding_dim < 1:
            raise ConfigError(f"rnn_hidden and embedding_dim must be at least 1, got {self.rnn_hidden} and "
                              f"{self.embedding_dim}")
        if not 0.0 <= self.word_dropout <= 1.0:
            raise ConfigError(f"word_dropout is a share of tokens, between 0 and 1; got {self.word_dropout}")
        if not self.fixed_scale > 0:
            raise ConfigError(f"fixed_scale must be positive, got {self.fixed_scale}")
        if self.logistic_components < 1 or self.residual_blocks < 1:
            raise ConfigError("logistic_components and residual_blocks must be at least 1")
        if self.conditional_prior and not self.conditional:
            raise ConfigError("conditional_prior needs conditional: true")
        if self.flow_steps < 1:
            raise ConfigError(f"flow_steps must be at least 1, got {self.flow_steps}")
        if self.codebook_size < 2:
            raise ConfigError(f"codebook_size must be at least 2 (one code carries no information: log 1 = 0), got "
                              f"{self.codebook_size}")
        if self.code_dim < 1 or self.dead_code_steps < 0 or self.code_prior_hidden < 1:
            raise ConfigError("code_dim and code_prior_hidden must be at least 1 and dead_code_steps 0 or more")
        if not (self.commitment >= 0 and 0 <= self.ema_decay < 1 and self.temperature > 0):
            raise ConfigError(f"commitment must be 0 or more, ema_decay in [0, 1) and temperature positive, got "
                              f"{self.commitment}, {self.ema_decay} and {self.temperature}")
        if self.prior_components < 1:
            raise ConfigError(f"prior_components must be at least 1, got {self.prior_components}")
        if self.class_latent != "none" and (self.conditional or self.conditional_prior):
            raise ConfigError(f"class_latent {self.class_latent} makes the class a latent variable with its own "
                              "q(z|x,y) and labels; leave conditional and conditional_prior off")


@dataclass
class ObjectiveConfig:
    name: str = _setting("elbo", "training objective", flag="objective", part="objective")
    beta: float = _setting(1.0, "weight of the KL term (beta-VAE when > 1)")
    warmup_epochs: float = _setting(0.0, "epochs over which beta rises linearly from 0 (0: no warm-up)")
    free_bits: float = _setting(0.0, "free bits: nats per latent dimension below which the KL is not penalised")
    kl: str = _setting("auto", "KL estimate: analytic, mc (Monte Carlo), or auto (analytic when available)",
                       choices=("auto", "analytic", "mc"))
    beta_schedule: str = _setting("linear", "how beta moves: linear (warm-up over warmup_epochs, then constant) or "
                                  "cyclical (Fu et al. 2019: `cycles` ramps from 0, each over `cycle_ramp` of its "
                                  "cycle)", choices=("linear", "cyclical"))
    cycles: int = _setting(4, "cyclical schedule: number of cycles over the run")
    cycle_ramp: float = _setting(0.5, "cyclical schedule: fraction of each cycle over which beta rises from 0")
    capacity: float = _setting(0.0, "capacity C in nats (Burgess et al. 2018): the loss is distortion + "
                               "beta * |KL - C|, C rising from 0 over capacity_epochs (0: off)")
    capacity_epochs: float = _setting(0.0, "epochs over which the capacity rises to its value (0: at once)")
    iw_samples: int = _setting(5, "iwae: importance samples k per example")
    pretrain_epochs: int = _setting(0, "vade: epochs of training the networks as an autoencoder first; the mixture "
                                    "prior is then fitted to the training codes (0: no pretraining)")
    mi_weight: float = _setting(1.0, "beta_tcvae: weight of the index-code mutual information (beta weighs the "
                                "total correlation)")
    dim_kl_weight: float = _setting(1.0, "beta_tcvae: weight of the dimension-wise KL")
    tc_estimator: str = _setting("stratified", "beta_tcvae: estimator of q(z), stratified (unbiased minibatch "
                                 "weights) or mws (minibatch-weighted as the paper prints it; overstates the TC by "
                                 "up to (d - 1) log N)", choices=("stratified", "mws"))
    mmd_weight: float = _setting(100.0, "info_vae: weight of MMD(q(z), p(z)) added to the ELBO's terms")
    mmd_kernel: str = _setting("imq", "info_vae: MMD kernel, rbf or imq (inverse multiquadric)",
                               choices=("rbf", "imq"))
    classifier_weight: float = _setting(0.1, "m2: weight of the classifier's -log q(y|x) on labelled rows, "
                                        "alpha = classifier_weight * N / N_labelled per labelled row (Kingma et al. "
                                        "2014 use 0.1)")
    tc_weight: float = _setting(35.0, "factor_vae: weight gamma of the total correlation, estimated by a "
                                "discriminator of q(z) against dimension-permuted codes (Kim and Mnih 2018)")
    discriminator_lr: float = _setting(1e-4, "factor_vae: learning rate of the discriminator's own Adam optimizer")
    discriminator_hidden: list[int] = _setting([1000] * 6, "factor_vae: hidden widths of the discriminator MLP "
                                               "(the paper's: six layers of 1000)")
    corruption: str = _setting("none", "denoising: corruption of the encoder's inputs, c(x~|x): none, gaussian "
                               "(x + sigma * noise, clamped to the data support), salt_pepper (a fraction p set to "
                               "the support's low or high end), mask (a fraction p set to 0) or replace (a fraction "
                               "p replaced by uniform values, Ren et al. 2019)",
                               choices=("none", *CORRUPTIONS))
    corruption_level: float = _setting(0.1, "denoising: sigma of gaussian, or the fraction p of the others")
    denoising_target: str = _setting("clean", "denoising: what p(x|z) scores, the clean x (Im et al. 2017) or the "
                                     "corrupted x~ (a model of perturbed data: Ren et al.'s background model)",
                                     choices=("clean", "corrupted"))

    def validate(self) -> None:
        if not self.beta >= 0:
            raise ConfigError(f"beta must be zero or positive, got {self.beta}")
        if not self.warmup_epochs >= 0:
            raise ConfigError(f"warmup_epochs must be zero or positive, got {self.warmup_epochs}")
        if not self.free_bits >= 0:
            raise ConfigError(f"free_bits must be zero or positive, got {self.free_bits}")
        if self.cycles < 1 or not 0 < self.cycle_ramp <= 1:
            raise ConfigError(f"cycles must be at least 1 and cycle_ramp in (0, 1], got {self.cycles} and "
                              f"{self.cycle_ramp}")
        if not self.capacity >= 0 or not self.capacity_epochs >= 0:
            raise ConfigError("capacity and capacity_epochs must be zero or positive")
        if self.pretrain_epochs < 0:
            raise ConfigError(f"pretrain_epochs must be zero or positive, got {self.pretrain_epochs}")
        if self.iw_samples < 1:
            raise ConfigError(f"iw_samples must be at least 1, got {self.iw_samples}")
        if not (self.mi_weight >= 0 and self.dim_kl_weight >= 0 and self.mmd_weight >= 0):
            raise ConfigError("mi_weight, dim_kl_weight and mmd_weight must be zero or positive")
        if not self.classifier_weight >= 0:
            raise ConfigError(f"classifier_weight must be zero or positive, got {self.classifier_weight}")
        if not (self.tc_weight >= 0 and self.discriminator_lr > 0):
            raise ConfigError(f"tc_weight must be zero or positive and discriminator_lr positive, got {self.tc_weight} "
                              f"and {self.discriminator_lr}")
        if not self.discriminator_hidden or any(width < 1 for width in self.discriminator_hidden):
            raise ConfigError(f"discriminator_hidden must be one or more positive widths, got "
                              f"{self.discriminator_hidden}")
        check_corruption(self.corruption, self.corruption_level)
        from vaekit.objectives.settings import check_honoured  # here, not at the top: the objectives import this

        check_honoured(self)  # a shared setting the objective would ignore is refused, naming those that read it


@dataclass
class TrainConfig:
    epochs: int = _setting(10, "number of passes over the training data")
    batch_size: int = _setting(128, "examples per step")
    lr: float = _setting(1e-3, "learning rate")
    optimizer: str = _setting("adam", "optimizer", choices=("adam", "adamw", "rmsprop", "sgd"))
    weight_decay: float = _setting(0.0, "weight decay")
    grad_clip: float = _setting(0.0, "clip the gradient norm to this value (0: off)")
    seed: int = _setting(0, "random seed: the same seed repeats a CPU run bit for bit")
    device: str = _setting("auto", "device: auto (cuda if present), cpu, cuda, cuda:1, mps")
    precision: str = _setting("fp32", "network arithmetic in training: fp32, or bf16 (mixed precision: the networks' "
                              "matrix products in bfloat16; distributions, losses and weights in float32; faster "
                              "on CPUs and GPUs with native bfloat16, see BENCHMARKS.md), or fp16 (float16 with a "
                              "gradient scaler, for GPUs without fast bfloat16; on a CPU it trains in fp32 with a "
                              "notice)", choices=("fp32", "bf16", "fp16"))
    compile: bool = _setting(False, "compile the training step with torch.compile (compiled code cached on disk "
                             "under ~/.cache/vaekit/compile, so a second run skips most of the compiling; on CUDA "
                             "also CUDA graphs); falls back with a notice where it cannot")
    early_stopping: int = _setting(0, "early stopping: stop when the validation -ELBO has not improved by more than "
                                   "min_delta for this many epochs; model.safetensors then holds the best epoch's "
                                   "weights (0: off; model-best.safetensors is kept either way)")
    min_delta: float = _setting(0.0, "nats by which the validation -ELBO must fall to count as an improvement")
    lr_schedule: str = _setting("none", "learning-rate schedule, stepped each epoch: none, cosine (to 0 over the "
                                "epochs), step (times lr_gamma every lr_step_epochs) or plateau (times lr_gamma "
                                "when the validation -ELBO stalls for lr_patience epochs)",
                                choices=("none", "cosine", "step", "plateau"))
    lr_step_epochs: int = _setting(10, "step schedule: epochs between learning-rate drops")
    lr_gamma: float = _setting(0.1, "step and plateau schedules: factor in (0, 1) applied at each drop")
    lr_patience: int = _setting(3, "plateau schedule: epochs without improvement before a drop")
    mlflow: bool = _setting(False, "also log params and per-epoch metrics to MLflow (pip install 'vaekit[mlflow]')")
    mlflow_uri: str = _setting("", "MLflow tracking URI, or a folder for a local store (FOLDER/mlflow.db); "
                               "default: $MLFLOW_TRACKING_URI, else ./mlflow.db")
    mlflow_experiment: str = _setting("vaekit", "MLflow experiment the run is logged under")

    def validate(self) -> None:
        if self.epochs < 1:
            raise ConfigError(f"epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {self.batch_size}")
        if not self.lr > 0:
            raise ConfigError(f"lr must be positive, got {self.lr}")
        if not self.weight_decay >= 0 or not self.grad_clip >= 0:
            raise ConfigError("weight_decay and grad_clip must be zero or positive")
        _check_seed("seed", self.seed)
        _check_controls(self)


SECTIONS: dict[str, type] = {
    "data": DataConfig,
    "model": ModelConfig,
    "objective": ObjectiveConfig,
    "train": TrainConfig,
}


@dataclass
class Config:
    """Every setting of a run, in four sections."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def validate(self) -> Config:
        for name in SECTIONS:
            getattr(self, name).validate()
        if self.data.missing == "model":  # the model's own record of it: a run's model is built from its model section
            self.model.encoder_mask = True
        if (self.model.class_latent != "none") != (self.objective.name == "m2"):
            raise ConfigError("a class latent (model.class_latent m2 or gmvae) trains with objective m2, and objective "
                              "m2 needs one: set both --class-latent and --objective m2")
        if self.model.encoder_mask and self.objective.corruption != "none":
            # a corruption writes values over the missing entries, which the encoder would then take as observed
            raise ConfigError(f"corruption: {self.objective.corruption} would fill the missing entries with made-up "
                              "values; a model of data with missing values (data.missing: model) trains without a "
                              "corruption")
        from vaekit.posteriors.discrete import check_code_settings  # here: the parts import this module

        check_code_settings(self)  # a discrete code's prior, objective and sizes go together
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        if not isinstance(values, dict):
            raise ConfigError(f"a config must be a mapping of sections, got {type(values).__name__}")
        _reject_unknown(values, SECTIONS, "")
        sections = {name: _section_from_dict(SECTIONS[name], values.get(name, {}), name) for name in SECTIONS}
        return cls(**sections).validate()

    def with_overrides(self, overrides: dict[str, dict[str, Any]]) -> Config:
        """A copy with {section: {key: value}} replaced, checked like from_dict."""
        merged = self.to_dict()
        _reject_unknown(overrides, SECTIONS, "")
        for section, values in overrides.items():
            _reject_unknown(values, {f.name: f for f in dataclasses.fields(SECTIONS[section])}, f"{section}.")
            merged[section].update(values)
        return Config.from_dict(merged)


def load_config_file(path: str | Path) -> Config:
    """Read a YAML (.yaml/.yml), TOML (.toml) or JSON config file with sections data/model/objective/train."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        text = path.read_text()
        if path.suffix in (".yaml", ".yml"):
            values = _load_yaml(text, path) or {}
        elif path.suffix == ".toml":
            values = tomllib.loads(text)
        elif path.suffix == ".json":
            values = json.loads(text, object_pairs_hook=lambda pairs: _unique_keys(pairs, path))
        else:
            raise ConfigError(f"config file {path} must end in .yaml, .yml, .toml or .json")
    except ConfigError:
        raise
    except Exception as error:  # the parsers' own error types differ; all mean "not readable"
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(f"cannot parse config file {path}: {first_line}") from None
    if isinstance(values, dict) and "config" in values and "versions" in values:
        values = values["config"]  # a run's config.json can be used as a config file
    return Config.from_dict(values)


def _check_controls(cfg: TrainConfig) -> None:
    """Early stopping, learning-rate schedule and MLflow settings (training/early_stopping.py, lr_schedules.py,
    mlflow_log.py use them)."""
    if cfg.early_stopping < 0:
        raise ConfigError(f"early_stopping must be 0 (off) or a number of epochs, got {cfg.early_stopping}")
    if not cfg.min_delta >= 0:
        raise ConfigError(f"min_delta must be zero or positive nats, got {cfg.min_delta}")
    if cfg.lr_step_epochs < 1:
        raise ConfigError(f"lr_step_epochs must be at least 1, got {cfg.lr_step_epochs}")
    if not 0 < cfg.lr_gamma < 1:
        raise ConfigError(f"lr_gamma must be between 0 and 1 (the factor of each learning-rate drop), got "
                          f"{cfg.lr_gamma}")
    if cfg.lr_patience < 0:
        raise ConfigError(f"lr_patience must be zero or positive, got {cfg.lr_patience}")
    if cfg.mlflow_uri and not cfg.mlflow:
        raise ConfigError("mlflow_uri is set but MLflow logging is off; add --mlflow (train.mlflow: true)")
    scheme = cfg.mlflow_uri.split(":", 1)[0].lower() if ":" in cfg.mlflow_uri else ""
    if len(scheme) > 1 and scheme not in MLFLOW_SCHEMES:  # one letter: a Windows drive, so a folder
        raise ConfigError(f"mlflow_uri {cfg.mlflow_uri!r} is neither a folder nor a URI MLflow can use "
                          f"({', '.join(f'{s}:' for s in MLFLOW_SCHEMES)})")
    if cfg.mlflow and not cfg.mlflow_experiment.strip():
        raise ConfigError("mlflow_experiment must name an experiment, got an empty name")


# the tracking stores MLflow reaches by URI scheme (a plain folder path is turned into a file: URI)
MLFLOW_SCHEMES = ("file", "sqlite", "postgresql", "mysql", "mssql", "http", "https", "databricks")
def _unique_keys(pairs: list[tuple[str, Any]], path: Path) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json.loads keeps the last silently)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ConfigError(f"{path} gives the key {key!r} twice in one object; keep one of them")
        found[key] = value
    return found


def _load_yaml(text: str, path: Path) -> Any:
    """YAML as safe_load reads it, but a key given twice in one mapping is an error: safe_load keeps the last
    silently, so `beta: 1` ... `beta: 4` would train with whichever came last without a word."""
    import yaml

    class _UniqueKeyLoader(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                raise ConfigError(f"{path} gives the key {key!r} twice in one mapping (again on line "
                                  f"{key_node.start_mark.line + 1}); keep one of them")
            seen.add(key)
        return loader.construct_mapping(node)

    _UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506  (a SafeLoader subclass)


def _check_seed(name: str, value: int) -> None:
    if not 0 <= value < 2**63:
        raise ConfigError(f"{name} must be between 0 and 2**63 - 1, got {value}")


def _reject_unknown(values: dict[str, Any], known: dict[str, Any], prefix: str) -> None:
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(str(key), list(known), n=1)
            hint = f"; did you mean {prefix}{close[0]}?" if close else f"; known: {', '.join(known)}"
            raise ConfigError(f"unknown setting {prefix}{key}{hint}")


def _section_from_dict(kind: type, values: Any, section: str) -> Any:
    if not isinstance(values, dict):
        raise ConfigError(f"config section {section} must be a mapping, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(kind)}
    _reject_unknown(values, fields, f"{section}.")
    hints = typing.get_type_hints(kind)
    checked = {key: coerce(value, hints[key], f"{section}.{key}") for key, value in values.items()}
    for key, value in checked.items():
        choices, part = fields[key].metadata.get("choices"), fields[key].metadata.get("part")
        if part is not None:
            from vaekit.parts import check_choice  # here, not at the top: the parts import this module

            check_choice(part, value, choices or ())
        elif choices and value not in choices:
            raise ConfigError(f"{section}.{key} must be one of {', '.join(choices)}; got {value!r}")
    return kind(**checked)


def _number(value: Any, parse: type, accepted: tuple[type, ...], name: str, noun: str) -> Any:
    """A number given as one (booleans refused) or as text that parses as one (from a flag or a file)."""
    if isinstance(value, str):
        try:
            value = parse(value)
        except ValueError:
            raise ConfigError(f"{name} must be {noun}, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, accepted):
        raise ConfigError(f"{name} must be {noun}, got {value!r}")
    return value


def coerce(value: Any, hint: Any, name: str) -> Any:
    """Check (and where lossless, convert) a value to the type a setting declares."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return coerce(value, inner, name)
    if typing.get_origin(hint) is list:
        if isinstance(value, str):
            value = [part for part in value.replace(" ", "").split(",") if part]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{name} must be a list, got {value!r}")
        return [coerce(item, args[0], name) for item in value]
    if hint is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
            return value.lower() in ("true", "yes", "1")
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, got {value!r}")
        return value
    if hint is int:
        return _number(value, int, (int,), name, "an integer")
    if hint is float:
        value = float(_number(value, float, (int, float), name, "a number"))
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(f"{name} must be a finite number, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be a string, got {value!r}")
        return value
    raise TypeError(f"no coercion for {hint}")
