"""compress and decompress: a data set of discrete examples to .vkz bytes and back, exactly.

    data = compress(model, x, seed=0)          # x: (N, *data_shape) binary or 8-bit values, as vaekit reads them
    x_back = decompress(model, data)           # float32, torch.equal(x_back, x)
    read_header(data)                          # count, shape, levels, ids, coder settings, ...

The file records the SHA-256 of the model's weights, so that decompressing with another model is refused (it would
decode garbage), and the SHA-256 of the examples, so that a decompression that does not give them back exactly
(another torch version summing in another order) says so instead of handing out wrong data.
"""

from __future__ import annotations

import hashlib
import math
from importlib import metadata
from typing import Any

import numpy as np
import torch

from vaekit.core.errors import DataError, VaekitError
from vaekit.data.common.fingerprint import tensors_sha256
from vaekit.model.input_checks import as_data
from vaekit.tasks.compression import bbans
from vaekit.tasks.compression.alphabet import alphabet_size, from_symbols, to_symbols
from vaekit.tasks.compression.coding_model import THREADS, coding_model
from vaekit.tasks.compression.file_format import pack, unpack
from vaekit.tasks.compression.latent_buckets import LatentBuckets

LATENT_BITS = 10           # 1024 buckets per latent dimension: the discretisation costs well under a bit per example
TABLE_ENTRIES = 1 << 22    # probabilities per chunk (32 MiB of float64), which sets the default batch size
MAX_BATCH = 256


def weights_sha256(model: torch.nn.Module) -> str:
    """The SHA-256 of the model's weights and buffers (names, dtypes, shapes and bytes, as float32 on the CPU)."""
    state = model.state_dict()
    names = hashlib.sha256("\n".join(state).encode()).hexdigest()
    return hashlib.sha256((names + tensors_sha256(*(t.float() for t in state.values()))).encode()).hexdigest()


def default_batch_size(model: torch.nn.Module, levels: int, latent_bits: int) -> int:
    """Examples per chunk so that one chunk's probability tables stay near TABLE_ENTRIES entries."""
    per_example = max(math.prod(model.data_shape) * levels, model.latent_dim * 2 ** latent_bits)
    return max(1, min(MAX_BATCH, TABLE_ENTRIES // per_example))


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def compress(model: torch.nn.Module, x: Any, seed: int = 0, latent_bits: int = LATENT_BITS,
             batch_size: int | None = None, ids: np.ndarray | list | None = None, dtype: str = "float32") -> bytes:
    """The .vkz bytes of x (N, *data_shape): binary data for a Bernoulli model, 8-bit levels k/255 for a 256-level
    likelihood. `seed` draws the initial words; `ids` (one per example) and `dtype` (how the CLI writes the values
    back) are stored in the header."""
    if not 1 <= latent_bits <= 16:
        raise VaekitError(f"latent_bits must be between 1 and 16, got {latent_bits}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:  # numpy's seeds are >= 0
        raise VaekitError(f"seed must be a whole number 0 or more, got {seed!r}")
    x = as_data(x, model, move=False).to("cpu", torch.float32)
    if ids is not None and len(ids) != len(x):
        raise VaekitError(f"ids must be one per example: {len(ids)} ids for {len(x)} examples")
    with coding_model(model) as cpu_model:
        levels = alphabet_size(cpu_model)
        symbols = to_symbols(x, levels)
        bbans.check_latents(cpu_model, x)
        batch = batch_size or default_batch_size(cpu_model, levels, latent_bits)
        if batch < 1:
            raise VaekitError(f"batch_size must be 1 or more, got {batch}")
        initial = bbans.initial_words(seed, cpu_model.latent_dim, latent_bits)
        words, ramp = bbans.encode(cpu_model, symbols, levels, LatentBuckets(latent_bits), batch, initial)
    header = {
        "format": "vaekit BB-ANS (Townsend, Bird & Barber 2019)",
        "weights_sha256": weights_sha256(model),
        "shape": list(model.data_shape), "count": len(x), "levels": levels, "dtype": dtype,
        "ids": _ids_entry(ids, len(x)),
        "data_sha256": tensors_sha256(x),
        "coder": {"library": "constriction", "coder": "stack.AnsCoder", "version": _version("constriction"),
                  "latent_bits": latent_bits, "batch_size": batch, "ramp": ramp, "seed": seed,
                  "initial_words": len(initial), "threads": THREADS, "torch": torch.__version__},
    }
    return pack(header, words)


def _ids_entry(ids: np.ndarray | list | None, count: int) -> Any:
    """The header's ids: None for 0..N-1, {"first": a} for the whole numbers a..a+N-1 (a named data set's test
    split: a list would add some 6 bytes per example, 11% of a binarized Fashion-MNIST file), else the list."""
    if ids is None:
        return None
    values = np.asarray(ids)
    if np.issubdtype(values.dtype, np.integer) and np.array_equal(values, values[0] + np.arange(count)):
        return None if int(values[0]) == 0 else {"first": int(values[0])}
    return values.tolist()


def header_ids(header: dict[str, Any]) -> np.ndarray:
    """The examples' ids that a .vkz header records (row numbers where it records none)."""
    ids, count = header.get("ids"), int(header["count"])
    if ids is None:
        return np.arange(count)
    if isinstance(ids, dict):
        return int(ids["first"]) + np.arange(count)
    return np.asarray(ids)


def read_header(data: bytes, where: str = "the data") -> dict[str, Any]:
    """The header of .vkz bytes (checked as decompress checks them)."""
    return unpack(data, where)[0]


def decompress(model: torch.nn.Module, data: bytes, where: str = "the data") -> torch.Tensor:
    """The examples (N, *data_shape) float32 that `compress` was given, exactly; refuses bytes that are not a .vkz
    file, are damaged or truncated, or were made with another model."""
    return decompress_with_header(model, data, where)[0]


def decompress_with_header(model: torch.nn.Module, data: bytes, where: str = "the data"
                           ) -> tuple[torch.Tensor, dict[str, Any]]:
    """(examples, header): `decompress` and what the file says about them (ids, dtype, coder settings)."""
    if not isinstance(data, bytes | bytearray | memoryview):  # a file name would be refused as a foreign file
        raise VaekitError(f"decompress takes the compressed bytes, got {type(data).__name__}; read a file with "
                          "pathlib.Path(name).read_bytes()")
    header, words = unpack(data, where)
    if header.get("weights_sha256") != weights_sha256(model):
        raise DataError(f"{where} was compressed with another model (weights SHA-256 "
                        f"{str(header.get('weights_sha256'))[:12]}..., this model's {weights_sha256(model)[:12]}...); "
                        "decompress it with the run that compressed it")
    if tuple(header["shape"]) != tuple(model.data_shape):
        raise DataError(f"{where} holds examples of shape {header['shape']}, this model takes "
                        f"{list(model.data_shape)}")
    coder = header["coder"]
    with coding_model(model) as cpu_model:
        symbols, left = bbans.decode(cpu_model, words, header["count"], tuple(model.data_shape), header["levels"],
                                     LatentBuckets(coder["latent_bits"]), coder["batch_size"], coder["ramp"])
    x = from_symbols(symbols, header["levels"])
    initial = bbans.initial_words(coder["seed"], model.latent_dim, coder["latent_bits"])
    if not np.array_equal(left, initial) or tensors_sha256(x) != header["data_sha256"]:
        raise VaekitError(f"decompressing {where} did not give back the examples that were compressed (their "
                          f"SHA-256 differs): it was written with torch {coder.get('torch')}, this is torch "
                          f"{torch.__version__}; decompress with the versions that compressed it")
    return x, header
