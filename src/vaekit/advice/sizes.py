"""The sizes training would choose for the advised settings on these data, said before any training: the same
settle_sizes the trainer calls (training/auto_settings.py), so the advice cannot drift from what a run does.

    sizes_line(advice.settings, data)   # "hidden 128, batch 128, 770 epochs with early stopping after 77 ..."
"""

from __future__ import annotations

import dataclasses
from typing import Any

from vaekit.config import SECTIONS, Config
from vaekit.data.dataset import Dataset
from vaekit.model.build import resolve_auto
from vaekit.parts import REGISTRIES, check_config
from vaekit.training.auto_settings import settle_sizes


def settings_config(settings: dict[str, Any]) -> Config:
    """The advised settings (by flag) as a checked Config: a ConfigError for a part that is not registered or a
    pairing the parts refuse."""
    sections: dict[str, dict[str, Any]] = {}
    # the advice names each setting by its flag (objective: objective.name), as vaekit train takes it
    flags = {(item.metadata.get("flag") or item.name).replace("-", "_"): (section, item.name)
             for section, kind in SECTIONS.items() for item in dataclasses.fields(kind)}
    for name, value in settings.items():
        section, field = flags[name]
        sections.setdefault(section, {})[field] = value
    return check_config(Config.from_dict(sections))


def sizes_line(settings: dict[str, Any], data: Dataset) -> str:
    """What training would settle for the "auto" sizes, as its notice says it ('' when nothing is auto)."""
    config = settings_config(settings)
    resolve_auto(config.model, data.kind, data.column_types, tuple(data.shape), data.within_unit_interval)
    reads_hidden = "hidden" in REGISTRIES["network"].get(config.model.network).reads or \
        config.model.class_latent != "none"
    line = settle_sizes(config, data.kind, tuple(data.shape), len(data.train_x), reads_hidden)
    if line and config.train.stop_on == "hidden-entries":  # the epochs are the first run's most, not the run's
        line = line.replace(" epochs with early stopping", " epochs at most for the first run, with early stopping")
    return line.removesuffix(" (set them to choose others)")
