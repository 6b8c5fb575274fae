"""Typed, validated settings for every part of a run, saved to and loaded from JSON: pure data, importing no part.

    from vaekit.config import Config, load_config_file
    cfg = Config.from_dict({"model": {"latent_dim": 2}, "train": {"epochs": 5}})
    cfg = load_config_file("configs/vae.yaml")
"""

from vaekit.config.data import DataConfig
from vaekit.config.fields import coerce, setting
from vaekit.config.files import load_config_file
from vaekit.config.model import ModelConfig
from vaekit.config.objective import ObjectiveConfig
from vaekit.config.run import SECTIONS, Config
from vaekit.config.train import MLFLOW_SCHEMES, TrainConfig

__all__ = ["MLFLOW_SCHEMES", "SECTIONS", "Config", "DataConfig", "ModelConfig", "ObjectiveConfig", "TrainConfig",
           "coerce", "load_config_file", "setting"]
