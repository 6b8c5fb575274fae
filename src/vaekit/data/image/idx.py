"""Read IDX files, the format of MNIST, Fashion-MNIST and KMNIST, gzipped or not.

    images = read_idx("train-images-idx3-ubyte.gz")   # uint8 array (60000, 28, 28)

The format: two zero bytes, a type code, the number of dimensions, then each dimension as a big-endian
uint32, then the values in C order. Reading checks every part of that, so a truncated download or a file
of another kind fails with a DataError that names it instead of a reshape error later.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from vaekit.core.errors import DataError

# Type code -> element type. IDX stores multi-byte values big-endian.
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | Path) -> np.ndarray:
    """The array stored in an IDX file (gzip detected from the content), in native byte order."""
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DataError(f"{path} is not an IDX file: it has {len(raw)} bytes, fewer than the 4-byte header")
    zero_a, zero_b, type_code, ndim = raw[:4]
    if zero_a != 0 or zero_b != 0:
        raise DataError(f"{path} is not an IDX file: its magic number starts with {raw[:2].hex()}, not 0000")
    if type_code not in IDX_TYPES:
        known = ", ".join(f"0x{code:02X}" for code in IDX_TYPES)
        raise DataError(f"{path} has unknown IDX type code 0x{type_code:02X}; expected one of {known}")
    if ndim == 0:
        raise DataError(f"{path} is not a usable IDX file: its header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} is truncated: its {ndim}-dimension header needs {header} bytes, "
                        f"the file has {len(raw)}")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = IDX_TYPES[type_code]
    count = int(np.prod(dims, dtype=np.int64))
    expected, actual = count * dtype.itemsize, len(raw) - header
    if actual != expected:
        problem = "truncated" if actual < expected else "corrupt (it has extra bytes)"
        raise DataError(f"{path} is {problem}: its header says shape {dims}, {expected} bytes of data, "
                        f"but it holds {actual}; download it again")
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(dims)
    # astype copies into native byte order, which also makes the array writable (frombuffer's is not).
    return array.astype(dtype.newbyteorder("="))


def _read_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            raw = file.read()
        if raw[:2] == GZIP_MAGIC:
            return gzip.decompress(raw)
        return raw
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise DataError(f"{path} is a damaged gzip file ({error}); download it again") from None
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
