"""The headers of a .npy file, and of every array in a .npz archive, checked before np.load allocates what they
declare: np.load believes a header, so a 1.2 KB file that declares 10^9 examples asked for 238 GiB.

    check_array_file(Path("faces.npy"))     # [ArrayHeader(name='faces.npy', shape=(70000, 64, 64), dtype=uint8)]
    read_npy_header(stream, size, "x.npy")  # one array's header from an open stream of `size` bytes (a zip member,
                                            # a tar member)

Each array's declared bytes (shape x itemsize) must be there (a file shorter than its header says is truncated),
its dtype must hold no Python objects (they would be unpickled), and all of them, with the float32 copy vaekit
makes, must fit in this machine's memory. For a .npz the sizes come from the zip's listing (what each member
decompresses to: a zip bomb declares its size there too, and the reader stops at it). A failure is one DataError
line naming the file, the array and the field.
"""

from __future__ import annotations

import math
import tokenize
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy_format

from vaekit.core.errors import DataError
from vaekit.core.schema import check_memory

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"  # .npz files are zip archives
FLOAT_BYTES = 4  # vaekit holds examples as float32
_READERS = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
# what a broken header makes numpy's reader raise (its header is a Python literal, read with ast.literal_eval
# after a pass of the tokenize module for headers of numpy < 1.9)
_HEADER_ERRORS = (ValueError, TypeError, SyntaxError, RecursionError, EOFError, OSError, zipfile.BadZipFile,
                  tokenize.TokenError)


@dataclass(frozen=True)
class ArrayHeader:
    """What one .npy header declares: its array's name, shape and dtype, and the bytes its values take."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool = False

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def read_npy_header(stream: BinaryIO, size: int, where: str) -> ArrayHeader:
    """The header at the start of `stream` (`size` bytes in all, header included), when its values hold no Python
    objects and fit in those bytes; else a one-line DataError naming `where` and the field. (Which dtypes make
    examples or labels is for the reader of the values to say: as_examples, as_labels.)"""
    try:
        version = npy_format.read_magic(stream)
        reader = _READERS.get(version)
        if reader is None:  # 3.0 only adds UTF-8 names of structured fields, which vaekit does not read
            raise DataError(f"{where} is in .npy format version {version[0]}.{version[1]}, which vaekit does not read; "
                            "save it with numpy.save")
        shape, fortran_order, dtype = reader(stream)
        offset = stream.tell()
    except DataError:
        raise
    except _HEADER_ERRORS as error:
        reason = " ".join(str(error).split())[:160] or type(error).__name__
        raise DataError(f"{where} has a damaged .npy header ({reason}); save it again with numpy.save") from None
    if dtype.hasobject:
        raise DataError(f"{where} holds Python objects, which vaekit never unpickles (it could run code; its "
                        f"header's descr is {str(dtype)!r}); save plain numeric arrays")
    if any(extent < 0 for extent in shape):
        raise DataError(f"{where}: its header's shape {shape} has a negative extent; save it again with numpy.save")
    header = ArrayHeader(where, tuple(shape), dtype, bool(fortran_order))
    if size - offset < header.nbytes:
        raise DataError(f"{where} is truncated: its header's shape {header.shape} of {dtype} needs {header.nbytes:,} "
                        f"bytes, but {max(size - offset, 0):,} follow the header; copy the whole file again")
    return header


def _npy_headers(path: Path) -> list[ArrayHeader]:
    try:
        with open(path, "rb") as file:
            return [read_npy_header(file, path.stat().st_size, str(path))]
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None


def _npz_headers(path: Path, keys: Collection[str] | None) -> list[ArrayHeader]:
    """The header of every member (of those named `keys`, when given), read from the member's first bytes; its
    size from the zip's listing."""
    headers = []
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                key = member.filename.removesuffix(".npy")
                where = f"{path}[{key}]"
                if member.is_dir() or keys is not None and key not in keys:
                    continue
                with archive.open(member) as stream:
                    headers.append(read_npy_header(stream, member.file_size, where))
    except (OSError, EOFError, zipfile.BadZipFile, NotImplementedError, RuntimeError) as error:
        # RuntimeError: an encrypted member; NotImplementedError: a compression method zipfile lacks
        reason = " ".join(str(error).split())[:160] or type(error).__name__
        raise DataError(f"cannot read {path}: it is damaged ({reason})") from None
    return headers


def check_array_file(path: Path, keys: Collection[str] | None = None) -> list[ArrayHeader]:
    """The headers of a .npy file or of a .npz archive's arrays (those named `keys`, when only they are read:
    dSprites' file keeps a pickled member that is never read), each checked (no objects, all its bytes there),
    and their values, with vaekit's float32 copy, against this machine's memory; a one-line DataError if not."""
    try:
        with open(path, "rb") as file:
            magic = file.read(len(NPY_MAGIC))
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
    if magic.startswith(ZIP_MAGIC):
        headers = _npz_headers(path, keys)
    elif magic == NPY_MAGIC:
        headers = _npy_headers(path)
    else:  # np.load would report any content it does not recognise as "pickled data"
        raise DataError(f"{path} is not a NumPy .npy or .npz file (it does not start with their magic bytes)")
    need = sum(header.nbytes + math.prod(header.shape) * FLOAT_BYTES for header in headers)
    largest = max(headers, key=lambda header: header.nbytes, default=None)
    if largest is not None:
        check_memory(need, f"{largest.name}: its header's shape {largest.shape} of {largest.dtype}"
                     f"{' (with the other arrays)' if len(headers) > 1 else ''}",
                     "use a smaller file (fewer examples), or stream it (data.streaming: on)")
    return headers
