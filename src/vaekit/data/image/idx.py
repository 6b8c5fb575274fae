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
from typing import IO

import numpy as np

from vaekit.core.errors import DataError
from vaekit.core.schema import check_memory

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
    """The array stored in an IDX file (gzip detected from the content), in native byte order. The header is read
    and checked first, and the size it declares against memory, so a crafted header (or a gzip bomb: a small file
    that decompresses to gigabytes) is refused before its values are read."""
    path = Path(path)
    with _opened(path) as file:
        head = _read(file, path, 4)
        if len(head) < 4:
            raise DataError(f"{path} is not an IDX file: it has {len(head)} bytes, fewer than the 4-byte header")
        zero_a, zero_b, type_code, ndim = head
        if zero_a != 0 or zero_b != 0:
            raise DataError(f"{path} is not an IDX file: its magic number starts with {head[:2].hex()}, not 0000")
        if type_code not in IDX_TYPES:
            known = ", ".join(f"0x{code:02X}" for code in IDX_TYPES)
            raise DataError(f"{path} has unknown IDX type code 0x{type_code:02X}; expected one of {known}")
        if ndim == 0:
            raise DataError(f"{path} is not a usable IDX file: its header declares 0 dimensions")
        sizes = _read(file, path, 4 * ndim)
        if len(sizes) < 4 * ndim:
            raise DataError(f"{path} is truncated: its {ndim}-dimension header needs {4 + 4 * ndim} bytes, "
                            f"the file has {4 + len(sizes)}")
        dims = struct.unpack(f">{ndim}I", sizes)
        dtype = IDX_TYPES[type_code]
        count = int(np.prod(dims, dtype=object))  # Python integers: 4 dimensions of 2**32 do not overflow
        expected = count * dtype.itemsize
        check_memory(2 * expected, f"{path}'s header (shape {dims}, {dtype.itemsize}-byte values)",
                     "use a smaller file; download it again if it should be MNIST's")  # the bytes and the array
        try:  # reserved, not yet touched: the pages fill as the values are read
            values = np.empty(count, dtype=dtype)
        except MemoryError:
            raise DataError(f"{path}'s header declares shape {dims}: {expected:,} bytes that cannot be allocated "
                            "here; use a smaller file") from None
        got = _read_into(file, path, memoryview(values).cast("B"))  # in blocks: what the file holds, no more
        # what follows (a file with extra bytes is not what its header says), read far enough to meet a damaged
        # gzip stream's end but no further: a bomb's gigabytes after the values are never decompressed
        extra = _read(file, path, 1 << 20) if got == expected else b""
    if got != expected or extra:
        problem = "truncated" if got < expected else "corrupt (it has extra bytes)"
        shown = f"{got:,}" if got < expected else "more"
        raise DataError(f"{path} is {problem}: its header says shape {dims}, {expected:,} bytes of data, "
                        f"but it holds {shown}; download it again")
    # native byte order (a copy only where the file's big-endian order differs)
    return values.reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def _opened(path: Path) -> IO[bytes]:
    """The file's bytes as a stream: decompressed on the fly where it starts with gzip's magic bytes."""
    try:
        with open(path, "rb") as file:
            gzipped = file.read(2) == GZIP_MAGIC
        return gzip.open(path, "rb") if gzipped else open(path, "rb")
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None


BLOCK = 16 << 20  # bytes read at a time: a header that lies about its size costs at most this much more


def _read_into(file: IO[bytes], path: Path, view: memoryview) -> int:
    """Fill `view` from the file a block at a time; the bytes read (fewer where the file ends first)."""
    done = 0
    while done < len(view):
        try:
            got = file.readinto(view[done:done + BLOCK])
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise DataError(f"{path} is a damaged gzip file ({error}); download it again") from None
        except OSError as error:
            raise DataError(f"cannot read {path}: {error.strerror or error}") from None
        if not got:
            break
        done += got
    return done


def _read(file: IO[bytes], path: Path, size: int) -> bytes:
    try:
        return file.read(size)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise DataError(f"{path} is a damaged gzip file ({error}); download it again") from None
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
