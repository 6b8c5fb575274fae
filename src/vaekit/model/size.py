"""Refuse a run that cannot fit before anything is allocated: a model is first built on torch's "meta" device
(shapes, no memory), its training memory estimated, and compared with what the device has.

    need = training_bytes(config, data, schema)   # ~ bytes: weights, gradients, optimizer moments, data, a batch
    check_training_fits(config, data, schema, torch.device("cpu"))   # ConfigError naming both sizes in GB

The estimate is a lower bound (activations of hidden layers are left out), so a refusal is never a false alarm;
a run that passes and still runs out of memory fails at allocation, turned into the same kind of one-line error
by `allocation_error`.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from vaekit.config import Config, ModelConfig
from vaekit.core import system
from vaekit.core.errors import ConfigError
from vaekit.core.registry import OBJECTIVES
from vaekit.data import Dataset
from vaekit.model.build import build_model

FLOAT_BYTES = 4  # weights, gradients, optimizer state and data are float32
# copies of each parameter during training: weights and gradients, plus the optimizer's per-parameter state
COPIES = {"adam": 4, "adamw": 4, "rmsprop": 3, "sgd": 2}
GB = 1e9


def parameter_count(cfg: ModelConfig, shape: tuple[int, ...], kind: str, num_classes: int | None = None,
                    schema: tuple[list[str], list[Any]] | None = None, vocabulary_size: int | None = None
                    ) -> int | None:
    """Parameters and buffers of the model `build_model` would build, counted on the meta device (no memory);
    None when a part cannot be built there (the real build then has the last word)."""
    try:
        with torch.device("meta"):
            model = build_model(cfg, tuple(shape), kind, num_classes, schema, vocabulary_size)
    except ConfigError:
        raise  # parts that do not go together: the same error the real build would give, only sooner
    except Exception:  # noqa: BLE001  (a part that needs real memory to be built: skip the estimate)
        return None
    return sum(t.numel() for t in model.parameters()) + sum(t.numel() for t in model.buffers())


def training_bytes(config: Config, data: Dataset, parameters: int) -> int:
    """A lower bound on the bytes training needs: every parameter COPIES times, the data, and one batch's
    decoder output (the likelihood's parameters for each of batch x iw_samples examples)."""
    batch = min(config.train.batch_size, len(data.train_x))
    draws_setting = OBJECTIVES.get(config.objective.name).draws_setting  # IWAE's k
    draws = 1 if draws_setting is None else getattr(config.objective, draws_setting)
    elements = math.prod(data.shape)
    data_bytes = (len(data.train_x) + len(data.test_x)) * elements * FLOAT_BYTES
    batch_bytes = batch * draws * (elements + config.model.latent_dim) * FLOAT_BYTES
    return parameters * COPIES.get(config.train.optimizer, 4) * FLOAT_BYTES + data_bytes + batch_bytes


def device_memory(device: torch.device) -> tuple[int, str] | None:
    """(bytes, a name for them) of the memory a device has in all; None when it cannot be told."""
    if device.type == "cuda":
        _, total = torch.cuda.mem_get_info(device)
        return total, f"{torch.cuda.get_device_name(device)}'s memory"
    ram = system.host_memory()
    return None if ram is None else (ram, "this machine's memory")


def check_training_fits(config: Config, data: Dataset, schema: tuple[list[str], list[Any]] | None,
                        device: torch.device) -> None:
    """A ConfigError, with the sizes, when training this model on this device needs more memory than it has."""
    parameters = parameter_count(config.model, data.shape, data.kind, data.num_classes, schema,
                                 data.vocabulary_size)
    memory = device_memory(device)
    if parameters is None or memory is None:
        return
    need = training_bytes(config, data, parameters)
    have, where = memory
    if need > have:
        copies = COPIES.get(config.train.optimizer, 4)
        weights = parameters * copies * FLOAT_BYTES
        raise ConfigError(f"this run needs at least {need / GB:.1f} GB to train ({weights / GB:.1f} GB for "
                          f"{parameters:,} parameters kept {copies} times in float32, {(need - weights) / GB:.1f} "
                          f"GB for the data and one batch), more than the {have / GB:.1f} GB of {where}; choose "
                          "smaller sizes (--hidden, --latent-dim, --conv-channels, --prior-components, "
                          "--iw-samples, --batch-size)")


def check_output_fits(count: int, shape: tuple[int, ...], what: str) -> None:
    """A VaekitError when `count` examples of `shape` (float32) would not fit in this machine's memory."""
    need = count * math.prod(shape) * FLOAT_BYTES
    have = system.host_memory()
    if have is not None and need > have:
        raise ConfigError(f"{count:,} {what} of shape {tuple(shape)} need {need / GB:.1f} GB, more than the "
                          f"{have / GB:.1f} GB of this machine's memory; ask for fewer")


def allocation_error(error: BaseException) -> ConfigError | None:
    """The one-line error for an allocation that failed (out of memory), or None for any other error."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, (MemoryError, torch.OutOfMemoryError)) or (
            isinstance(error, RuntimeError) and "allocate" in message):
        return ConfigError(f"out of memory building the model ({message}); choose smaller sizes (--hidden, "
                           "--latent-dim, --conv-channels, --batch-size)")
    return None
