"""The train section: epochs, batches, optimizer, device and arithmetic, early stopping, schedules, MLflow."""

from __future__ import annotations

from dataclasses import dataclass

from vaekit.config.fields import check_seed, setting
from vaekit.core.errors import ConfigError


@dataclass
class TrainConfig:
    epochs: int | str = setting("auto", "number of passes over the training data; auto: chosen for the data's size "
                                "(about 10,000 optimizer steps, 10 to 1000 epochs) when training starts, with early "
                                "stopping, and written to config.json", choices=("auto",))
    batch_size: int | str = setting("auto", "examples per step; auto: chosen for the data's size when training "
                                    "starts (a tenth of the training rows, 16 to 128), and written to config.json",
                                    choices=("auto",))
    lr: float = setting(1e-3, "learning rate")
    optimizer: str = setting("adam", "optimizer", choices=("adam", "adamw", "rmsprop", "sgd"))
    weight_decay: float = setting(0.0, "weight decay")
    grad_clip: float = setting(0.0, "clip the gradient norm to this value (0: off)")
    seed: int = setting(0, "random seed: the same seed repeats a CPU run bit for bit")
    device: str = setting("auto", "device: auto (cuda if present), cpu, cuda, cuda:1, mps")
    precision: str = setting("fp32", "network arithmetic in training: fp32, or bf16 (mixed precision: the networks' "
                              "matrix products in bfloat16; distributions, losses and weights in float32; faster "
                              "on CPUs and GPUs with native bfloat16, see BENCHMARKS.md), or fp16 (float16 with a "
                              "gradient scaler, for GPUs without fast bfloat16; on a CPU it trains in fp32 with a "
                              "notice)", choices=("fp32", "bf16", "fp16"))
    compile: bool = setting(False, "compile the training step with torch.compile (compiled code cached on disk "
                             "under ~/.cache/vaekit/compile, so a second run skips most of the compiling; on CUDA "
                             "also CUDA graphs); falls back with a notice where it cannot")
    early_stopping: int | str = setting("auto", "early stopping: stop when the validation -ELBO has not improved "
                                         "by more than min_delta for this many epochs; model.safetensors then holds "
                                         "the best epoch's weights (0: off; model-best.safetensors is kept either "
                                         "way); auto: on, with a patience of a tenth of the epochs (at least 10), "
                                         "when epochs is auto too, off when epochs is set",
                                         choices=("auto",))
    min_delta: float = setting(0.0, "nats by which the validation -ELBO must fall to count as an improvement")
    stop_on: str = setting("validation-elbo", "what chooses the epochs: validation-elbo (the -ELBO of validation "
                           "rows, as early_stopping says), or hidden-entries, for imputing: a first run hides a fifth "
                           "of the training rows' observed entries, trains on the rest and fills them in after each "
                           "epoch (early stopping on that error), then the run trains on every entry for the epochs "
                           "that filled them in best (sets missing: model; config.json records the count)",
                           choices=("validation-elbo", "hidden-entries"))
    lr_schedule: str = setting("none", "learning-rate schedule, stepped each epoch: none, cosine (to 0 over the "
                                "epochs), step (times lr_gamma every lr_step_epochs) or plateau (times lr_gamma "
                                "when the validation -ELBO, or the bound early stopping follows, stalls for "
                                "lr_patience epochs)",
                                choices=("none", "cosine", "step", "plateau"))
    lr_step_epochs: int = setting(10, "step schedule: epochs between learning-rate drops")
    lr_gamma: float = setting(0.1, "step and plateau schedules: factor in (0, 1) applied at each drop")
    lr_patience: int = setting(3, "plateau schedule: epochs without improvement before a drop")
    mlflow: bool = setting(False, "also log params and per-epoch metrics to MLflow (pip install 'vaekit[mlflow]')")
    mlflow_uri: str = setting("", "MLflow tracking URI, or a folder for a local store (FOLDER/mlflow.db); "
                               "default: $MLFLOW_TRACKING_URI, else ./mlflow.db")
    mlflow_experiment: str = setting("vaekit", "MLflow experiment the run is logged under")
    wandb: bool = setting(False, "also log the config and per-epoch metrics to Weights & Biases (pip install "
                          "'vaekit[wandb]')")
    wandb_project: str = setting("vaekit", "Weights & Biases project the run is logged under")
    wandb_mode: str = setting("auto", "Weights & Biases mode: online, offline (files in RUN/wandb, synced later "
                              "with `wandb sync`) or auto (W&B's own choice: $WANDB_MODE, else online when logged "
                              "in)", choices=("auto", "online", "offline"))

    def validate(self) -> None:
        if self.epochs != "auto" and (isinstance(self.epochs, str) or self.epochs < 1):
            raise ConfigError(f"epochs must be at least 1, or auto; got {self.epochs}")
        if self.batch_size != "auto" and (isinstance(self.batch_size, str) or self.batch_size < 1):
            raise ConfigError(f"batch_size must be at least 1, or auto; got {self.batch_size}")
        if not self.lr > 0:
            raise ConfigError(f"lr must be positive, got {self.lr}")
        for name in ("weight_decay", "grad_clip"):  # one message names the one that is wrong
            if not getattr(self, name) >= 0:
                raise ConfigError(f"{name} must be zero or positive, got {getattr(self, name)}")
        check_seed("seed", self.seed)
        _check_controls(self)


def _check_controls(cfg: TrainConfig) -> None:
    """Early stopping, learning-rate schedule and MLflow settings (training/early_stopping.py, lr_schedules.py,
    mlflow_log.py use them)."""
    if cfg.early_stopping != "auto" and (isinstance(cfg.early_stopping, str) or cfg.early_stopping < 0):
        raise ConfigError(f"early_stopping must be 0 (off), a number of epochs or auto; got {cfg.early_stopping}")
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
    if cfg.wandb and not cfg.wandb_project.strip():
        raise ConfigError("wandb_project must name a project, got an empty name")


def check_heeded(cfg: TrainConfig) -> None:
    """A ConfigError for a setting changed from its default although the option it modifies is off, so that it
    would be silently ignored (--min-delta without early stopping, --lr-gamma without a step or plateau schedule).
    A run directory is loaded without this check (parts.check_config), as it was written before it."""
    defaults = TrainConfig()
    stopping = cfg.early_stopping != 0 and not (cfg.early_stopping == "auto" and cfg.epochs != "auto")
    modifiers = {  # setting: (is the option it modifies on, how to turn it on)
        "min_delta": (stopping, "--early-stopping N (train.early_stopping), or leave epochs at auto"),
        "lr_gamma": (cfg.lr_schedule in ("step", "plateau"), "--lr-schedule step or plateau"),
        "lr_step_epochs": (cfg.lr_schedule == "step", "--lr-schedule step"),
        "lr_patience": (cfg.lr_schedule == "plateau", "--lr-schedule plateau"),
        "mlflow_experiment": (cfg.mlflow, "--mlflow"),
        "wandb_project": (cfg.wandb, "--wandb"),
        "wandb_mode": (cfg.wandb, "--wandb"),
    }
    for name, (on, remedy) in modifiers.items():
        if not on and getattr(cfg, name) != getattr(defaults, name):
            raise ConfigError(f"{name} is set to {getattr(cfg, name)} but the option it modifies is off, so it "
                              f"would be ignored; add {remedy}, or leave {name} out")


# the tracking stores MLflow reaches by URI scheme (a plain folder path is turned into a file: URI)
MLFLOW_SCHEMES = ("file", "sqlite", "postgresql", "mysql", "mssql", "http", "https", "databricks")
