"""The memory check: refuse work that cannot fit before anything is allocated. A model is first built on torch's
"meta" device (shapes, no memory), its training memory estimated, and compared with what the device has; a
command's counts (samples, steps, draws) are sized the same way, as arrays and as pictures, before the work.

    parameters, outputs = model_sizes(config.model, data.shape, data.kind)   # outputs: the decoder's per element
    need = training_bytes(config, data, parameters, outputs)   # weights, gradients, optimizer moments, data, a batch
    check_training_fits(config, data, schema, torch.device("cpu"))   # ConfigError naming both sizes in GB
    check_output_fits(count, model.data_shape, "samples", f"-n {count}")        # "-n 10000000: ... need 2.6 GB"
    check_picture_fits(count, "samples", f"-n {count}", tile_shape=model.data_shape)   # at most 4096 tiles

The estimates are lower bounds (activations of hidden layers are left out), so a refusal is never a false alarm;
a run that passes and still runs out of memory fails at allocation, turned into the same kind of one-line error
by `allocation_error`. Tests stand in a smaller machine by patching `vaekit.core.system.host_memory`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch

from vaekit.config import Config, ModelConfig
from vaekit.core import system
from vaekit.core.errors import ConfigError
from vaekit.core.registry import OBJECTIVES
from vaekit.data import Dataset
from vaekit.model.build import build_model
from vaekit.plots import bounds

if TYPE_CHECKING:
    from vaekit.model.vae import VAE

FLOAT_BYTES = 4  # weights, gradients, optimizer state and data are float32
# copies of each parameter during training: weights and gradients, plus the optimizer's per-parameter state
COPIES = {"adam": 4, "adamw": 4, "rmsprop": 3, "sgd": 2}
GB = 1e9


def parameter_count(cfg: ModelConfig, shape: tuple[int, ...], kind: str, num_classes: int | None = None,
                    schema: tuple[list[str], list[Any]] | None = None, vocabulary_size: int | None = None
                    ) -> int | None:
    """Parameters and buffers of the model `build_model` would build, counted on the meta device (no memory);
    None when a part cannot be built there (the real build then has the last word)."""
    sizes = model_sizes(cfg, shape, kind, num_classes, schema, vocabulary_size)
    return None if sizes is None else sizes[0]


def model_sizes(cfg: ModelConfig, shape: tuple[int, ...], kind: str, num_classes: int | None = None,
                schema: tuple[list[str], list[Any]] | None = None, vocabulary_size: int | None = None
                ) -> tuple[int, int] | None:
    """(parameters and buffers, decoder outputs per data element) of the model `build_model` would build, on the
    meta device. The second is the likelihood's declared `params_per_element`: 1 for a Bernoulli pixel, 256 for
    a categorical one, V for a token of a V-word vocabulary (its logits), which is what makes a text model's
    batch large. None when a part cannot be built there."""
    try:
        with torch.device("meta"):
            model = build_model(cfg, tuple(shape), kind, num_classes, schema, vocabulary_size)
    except ConfigError:
        raise  # parts that do not go together: the same error the real build would give, only sooner
    except Exception:  # noqa: BLE001  (a part that needs real memory to be built: skip the estimate)
        return None
    count = sum(t.numel() for t in model.parameters()) + sum(t.numel() for t in model.buffers())
    return count, int(model.likelihood.params_per_element)


def training_bytes(config: Config, data: Dataset, parameters: int, outputs_per_element: int = 1) -> int:
    """A lower bound on the bytes training needs: every parameter COPIES times, the data, and one batch's
    decoder output (the likelihood's parameters, `outputs_per_element` per data element, for each of
    batch x iw_samples examples). For text that output is length x vocabulary logits per example: a 1,000,000-token
    max_length or a 2,000,000-word vocabulary is what made training runs be killed before this counted it."""
    batch = min(config.train.batch_size, len(data.train_x))
    draws_setting = OBJECTIVES.get(config.objective.name).draws_setting  # IWAE's k
    draws = 1 if draws_setting is None else getattr(config.objective, draws_setting)
    elements = math.prod(data.shape)
    data_bytes = (len(data.train_x) + len(data.test_x)) * elements * FLOAT_BYTES
    batch_bytes = batch * draws * (elements * outputs_per_element + config.model.latent_dim) * FLOAT_BYTES
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
    sizes = model_sizes(config.model, data.shape, data.kind, data.num_classes, schema, data.vocabulary_size)
    memory = device_memory(device)
    if sizes is None or memory is None:
        return
    parameters, outputs = sizes
    need = training_bytes(config, data, parameters, outputs)
    have, where = memory
    if need > have:
        copies = COPIES.get(config.train.optimizer, 4)
        weights = parameters * copies * FLOAT_BYTES
        raise ConfigError(f"this run needs at least {need / GB:.1f} GB to train ({weights / GB:.1f} GB for "
                          f"{parameters:,} parameters kept {copies} times in float32, {(need - weights) / GB:.1f} "
                          f"GB for the data and one batch{_text_sizes(data, outputs)}), more than the "
                          f"{have / GB:.1f} GB of {where}; choose smaller sizes (--hidden, --latent-dim, "
                          "--conv-channels, --prior-components, --iw-samples, --batch-size"
                          f"{', --max-length, --min-count, --max-vocabulary' if data.vocabulary_size else ''})")


def _text_sizes(data: Dataset, outputs: int) -> str:
    """For text: the sizes that make a batch large, said beside the total (a length x vocabulary of logits)."""
    if not data.vocabulary_size:
        return ""
    return (f": {math.prod(data.shape):,} tokens a sentence x {outputs:,} logits each (the vocabulary) per "
            "example")


def output_bytes(count: int, shape: tuple[int, ...], copies: int = 1) -> int:
    """Bytes of `count` float32 examples of `shape`, `copies` times (a decoder's outputs per element, say)."""
    return count * math.prod(shape) * copies * FLOAT_BYTES


def check_output_fits(count: int, shape: tuple[int, ...], what: str, option: str | None = None,
                      copies: int = 1) -> None:
    """A ConfigError when `count` examples of `shape` (float32, `copies` floats per element: a text model's
    logits) would not fit in this machine's memory; `option` (the flag that asked for them, "--steps 100000")
    starts the line.

        check_output_fits(count, model.data_shape, "samples", f"-n {count}")
    """
    need = output_bytes(count, shape, copies)
    have = system.host_memory()
    if have is not None and need > have:
        asked = f"{option}: " if option else ""
        per = f" ({copies:,} floats an element)" if copies > 1 else ""
        raise ConfigError(f"{asked}{count:,} {what} of shape {tuple(shape)}{per} need {need / GB:.1f} GB, more than "
                          f"the {have / GB:.1f} GB of this machine's memory; ask for fewer")


DECODE_COPIES = 3  # an example while it is decoded: the decoder's output, the values read from it, the copy returned


def decoding_bytes(model: VAE, beam: int = 1) -> int:
    """About the memory decoding one example takes (a VAE's likelihood declares its outputs per element,
    `params_per_element`, and whether it decodes token by token, `needs_vocabulary`): the example DECODE_COPIES
    times, and the decoder's outputs: for a text model V logits a step for each of `beam` prefixes (DECODE_COPIES
    times: logits, log-probabilities, the choice) and the int64 ids, for the others every element's outputs and
    their mean. The decoder's hidden states are left out: check_decoded_fits keeps half the memory for them."""
    elements = math.prod(model.data_shape)
    outputs = max(1, int(model.likelihood.params_per_element))
    if type(model.likelihood).needs_vocabulary:  # one token at a time: a step's logits, not the sentence's
        decoder = (outputs * DECODE_COPIES + 2 * elements) * beam
    else:
        decoder = elements * outputs * 2
    return (elements * DECODE_COPIES + decoder) * FLOAT_BYTES


def check_decoded_fits(model: VAE, count: int, what: str, option: str, beam: int = 1) -> None:
    """A ConfigError, before decoding, when `count` examples would take more than half of this machine's memory
    while they are decoded (decoding_bytes each, `beam` prefixes for a beam search; the other half for the
    decoder's hidden states, the model and the rest); `option` names the flag that asked. Measured: `vaekit sample
    -n 100000000` of an 8-token, 13-word text run was killed on a 25 GB machine; this estimate says 31.6 GB.

        check_decoded_fits(model, count, "samples", f"-n {count}")
    """
    each = decoding_bytes(model, beam)
    need, have = count * each, system.host_memory()
    if have is not None and need > have / 2:
        raise ConfigError(f"{option}: {count:,} {what} need about {need / GB:.1f} GB to decode ({each:,} bytes each: "
                          f"the examples of shape {tuple(model.data_shape)} and the decoder's outputs), more than "
                          f"half of the {have / GB:.1f} GB of this machine's memory; ask for fewer")


def check_picture_fits(tiles: int, what: str, option: str, per_row: int | None = None,
                       tile_shape: tuple[int, ...] | None = None) -> None:
    """A ConfigError, before any work, when a picture of `tiles` tiles of `tile_shape` (`per_row` of them in its
    widest row) is past what a picture shows (plots/bounds.py: at most 4096 tiles, rows at most 32,768 pixels
    wide) or what this machine's memory can draw (about 100 bytes a drawn pixel: 10^6 samples asked 100 GB of a
    picture); `option` names the flag ("-n 1000000").

        check_picture_fits(count, "samples", f"-n {count}", tile_shape=model.data_shape)     # a square grid
        check_picture_fits(steps + 2, "interpolation steps", f"--steps {steps}", per_row=steps + 2)
    """
    have = system.host_memory()
    most = bounds.most_tiles(have, tile_shape)
    if tiles > most:
        memory = "" if have is None else f" (about {bounds.picture_bytes(tiles, tile_shape) / GB:.1f} GB to draw; " \
            f"this machine has {have / GB:.1f} GB)"
        raise ConfigError(f"{option}: a picture of {tiles:,} {what} is too large{memory}: a picture shows at most "
                          f"{most:,}; ask for fewer, or write .npy for more")
    widest = bounds.most_per_row(tile_shape)
    if per_row is not None and per_row > widest:
        raise ConfigError(f"{option}: a picture row of {per_row:,} {what} is too wide: a row shows at most "
                          f"{widest:,}; ask for fewer, or write .npy for more")


def allocation_error(error: BaseException) -> ConfigError | None:
    """The one-line error for an allocation that failed (out of memory), or None for any other error."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, (MemoryError, torch.OutOfMemoryError)) or (
            isinstance(error, RuntimeError) and "allocate" in message):
        return ConfigError(f"out of memory building the model ({message}); choose smaller sizes (--hidden, "
                           "--latent-dim, --conv-channels, --batch-size)")
    return None
