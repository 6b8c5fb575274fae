"""Every setting of a run in one object, four sections, saved to and loaded from JSON.

Unknown keys and wrong types are rejected with one clear line (never a dict that answers None for a typo)::

    cfg = Config.from_dict({"model": {"latent_dim": 2}, "train": {"epochs": 5}})
    cfg.model.latent_dim        # 2
    Config.from_dict(cfg.to_dict()) == cfg

The names of parts and the settings that go together are checked one layer up, where the parts are known:
vaekit.parts.check_config.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from vaekit.config.data import DataConfig
from vaekit.config.fields import reject_unknown, section_from_dict
from vaekit.config.model import ModelConfig
from vaekit.config.objective import ObjectiveConfig
from vaekit.config.train import TrainConfig
from vaekit.core.errors import ConfigError
from vaekit.data.corruption import HIDING

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
        if self.data.metadata is not None:  # a table's nulls are NaN in its number columns: left out of the score
            self.data.missing = "model"
        if self.train.stop_on == "hidden-entries":  # its first run trains with entries hidden: NaN to model
            self.data.missing = "model"
        if self.objective.corruption == HIDING:  # it trains on entries made missing: a model of missing values
            self.data.missing = "model"
        if self.data.missing == "model":  # the model's own record of it: a run's model is built from its model section
            self.model.encoder_mask = True
        if self.model.encoder_mask and self.objective.corruption not in ("none", HIDING):
            # a corruption writes values over the missing entries, which the encoder would then take as observed
            raise ConfigError(f"corruption: {self.objective.corruption} would fill the missing entries with made-up "
                              "values; a model of data with missing values (data.missing: model) trains without a "
                              "corruption but hide (which makes more entries missing)")
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        if not isinstance(values, dict):
            raise ConfigError(f"a config must be a mapping of sections, got {type(values).__name__}")
        reject_unknown(values, SECTIONS, "")
        sections = {name: section_from_dict(SECTIONS[name], values.get(name, {}), name) for name in SECTIONS}
        return cls(**sections).validate()

    def with_overrides(self, overrides: dict[str, dict[str, Any]]) -> Config:
        """A copy with {section: {key: value}} replaced, checked like from_dict."""
        merged = self.to_dict()
        reject_unknown(overrides, SECTIONS, "")
        for section, values in overrides.items():
            reject_unknown(values, {f.name: f for f in dataclasses.fields(SECTIONS[section])}, f"{section}.")
            merged[section].update(values)
        return Config.from_dict(merged)

