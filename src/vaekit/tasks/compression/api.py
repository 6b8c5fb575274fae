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

from vaekit.config.fields import check_seed
from vaekit.core.errors import DataError, VaekitError
from vaekit.core.schema import check_memory
from vaekit.data.common.fingerprint import tensors_sha256
from vaekit.model.input_checks import as_data
from vaekit.tasks.compression import bbans
from vaekit.tasks.compression.alphabet import alphabet_size, from_symbols, to_symbols
from vaekit.tasks.compression.coding_model import THREADS, coding_model
from vaekit.tasks.compression.file_format import pack, unpack
from vaekit.tasks.compression.header import DTYPES, MAX_BATCH, MAX_ID_CHARS, MAX_LATENT_BITS
from vaekit.tasks.compression.latent_buckets import LatentBuckets

LATENT_BITS = 10           # 1024 buckets per latent dimension: the discretisation costs well under a bit per example
TABLE_ENTRIES = 1 << 22    # probabilities per chunk (32 MiB of float64), which sets the default batch size
# what decompress holds per data element at most: the symbols (int32), the examples (float32) and their bytes
# hashed (float32)
OUTPUT_BYTES = 12


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
    if isinstance(latent_bits, bool) or not isinstance(latent_bits, int) or not 1 <= latent_bits <= MAX_LATENT_BITS:
        raise VaekitError(f"latent_bits must be between 1 and {MAX_LATENT_BITS}, got {latent_bits}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or not 1 <= batch_size <= MAX_BATCH):
        raise VaekitError(f"batch_size must be between 1 and {MAX_BATCH}, got {batch_size}")
    if dtype not in DTYPES:  # what decompress writes the values back as: a numeric dtype
        raise VaekitError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    check_seed("seed", seed)  # one range for every seed vaekit takes (a numpy integer is one too)
    x = as_data(x, model, move=False).to("cpu", torch.float32)
    if ids is not None and len(ids) != len(x):
        raise VaekitError(f"ids must be one per example: {len(ids)} ids for {len(x)} examples")
    with coding_model(model) as cpu_model:
        levels = alphabet_size(cpu_model)
        symbols = to_symbols(x, levels)
        bbans.check_latents(cpu_model, x)
        batch = batch_size or default_batch_size(cpu_model, levels, latent_bits)
        check_memory(bbans.chunk_bytes(batch, cpu_model.latent_dim, math.prod(model.data_shape), levels,
                                       latent_bits),
                     f"coding {batch} examples at a time with {2 ** latent_bits:,} buckets a latent dimension",
                     "choose a smaller batch_size or latent_bits")
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
    split: a list would add some 6 bytes per example, 11% of a binarized Fashion-MNIST file), else the list:
    of whole numbers (int64), or of names (anything else, as text, as the table reader keeps such ids)."""
    if ids is None:
        return None
    values = np.asarray(ids)
    whole = values.dtype.kind == "i" or values.dtype.kind == "u" and (not count or values.max() < 2 ** 63)
    if whole and np.array_equal(values, values[0] + np.arange(count)):
        return None if int(values[0]) == 0 else {"first": int(values[0])}
    if not whole:
        values = values.astype(str)
        if count and max(map(len, values)) > MAX_ID_CHARS:
            raise VaekitError(f"ids must be at most {MAX_ID_CHARS} characters long, got one of "
                              f"{max(map(len, values)):,}")
    return values.tolist()


def header_ids(header: dict[str, Any]) -> np.ndarray:
    """The examples' ids that a .vkz header records (row numbers where it records none); the header is one
    `read_header` or `decompress_with_header` gave, so its ids are a list of count whole numbers or names."""
    ids, count = header["ids"], header["count"]
    if ids is None:
        return np.arange(count)
    if isinstance(ids, dict):
        return int(ids["first"]) + np.arange(count)
    return np.asarray(ids)


def read_header(data: bytes, where: str = "the data") -> dict[str, Any]:
    """The header of .vkz bytes (checked as decompress checks them)."""
    return unpack(data, where)[0]


def _check_against_model(header: dict[str, Any], model: torch.nn.Module, where: str) -> None:
    """The header's fields that the model decides (the checksum says nothing of them: anyone can sign a header):
    the levels of its likelihood, the initial words its latents need, and the memory the output and one chunk's
    tables take on this machine, all before anything is allocated."""
    coder, count, elements = header["coder"], header["count"], math.prod(model.data_shape)
    levels = alphabet_size(model)
    if header["levels"] != levels:
        raise DataError(f"{where}: field levels is {header['levels']}, but this model codes {levels} levels a data "
                        "element; use the file vaekit compress wrote with this run")
    initial = bbans.initial_word_count(model.latent_dim, coder["latent_bits"])
    if coder["initial_words"] != initial:
        raise DataError(f"{where}: field coder.initial_words is {coder['initial_words']}, but this model's "
                        f"{model.latent_dim} latent dimensions at coder.latent_bits {coder['latent_bits']} take "
                        f"{initial}; use the file vaekit compress wrote with this run")
    check_memory(count * elements * OUTPUT_BYTES, f"{where}: field count ({count:,} examples of shape "
                 f"{list(model.data_shape)})", "use the file vaekit compress wrote")
    check_memory(bbans.chunk_bytes(coder["batch_size"], model.latent_dim, elements, levels, coder["latent_bits"]),
                 f"{where}: fields coder.batch_size ({coder['batch_size']}) and coder.latent_bits "
                 f"({coder['latent_bits']})", "use the file vaekit compress wrote")


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
    if header["weights_sha256"] != weights_sha256(model):
        raise DataError(f"{where} was compressed with another model (weights SHA-256 "
                        f"{header['weights_sha256'][:12]}..., this model's {weights_sha256(model)[:12]}...); "
                        "decompress it with the run that compressed it")
    if tuple(header["shape"]) != tuple(model.data_shape):
        raise DataError(f"{where} holds examples of shape {header['shape']}, this model takes "
                        f"{list(model.data_shape)}")
    coder = header["coder"]
    with coding_model(model) as cpu_model:
        _check_against_model(header, cpu_model, where)
        symbols, left = bbans.decode(cpu_model, words, header["count"], tuple(model.data_shape), header["levels"],
                                     LatentBuckets(coder["latent_bits"]), coder["batch_size"], coder["ramp"], where)
    x = from_symbols(symbols, header["levels"])
    initial = bbans.initial_words(coder["seed"], model.latent_dim, coder["latent_bits"])
    if not np.array_equal(left, initial) or tensors_sha256(x) != header["data_sha256"]:
        same = coder["torch"] == torch.__version__ and coder["version"] == _version("constriction")
        if same:  # then the networks gave the same numbers: the header was changed and signed again
            raise DataError(f"decompressing {where} did not give back the examples that were compressed (their "
                            "SHA-256 differs), with the torch and constriction versions that wrote it: its fields "
                            "count or coder do not describe its payload; use the file vaekit compress wrote")
        raise VaekitError(f"decompressing {where} did not give back the examples that were compressed (their "
                          f"SHA-256 differs): it was written with torch {coder['torch']} and constriction "
                          f"{coder['version']}, this is torch {torch.__version__} and constriction "
                          f"{_version('constriction')}; decompress with the versions that compressed it")
    return x, header
