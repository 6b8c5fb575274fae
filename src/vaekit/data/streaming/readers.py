"""Readers of data too large to hold in memory: each cuts its source into blocks and reads one block at a time.

    reader = open_reader(Path("big.npy"))       # or a .parquet, a folder of images, a .tar or a folder of .tar shards
    reader.n, reader.shape, reader.kind         # 680000, (784,), "vector": from headers, nothing read yet
    x, y = reader.read(reader.blocks[0])        # float32 (m, *shape) as the in-memory loaders would give, labels
    x, y = reader.take(np.array([3, 70, 5000])) # chosen rows, in that order (a test split, a sample)

A block is a small picklable tuple (first row, row count, where), so a DataLoader worker process can be handed a
list of them. Blocks hold about BLOCK_BYTES of examples: a .npy is cut by rows, a Parquet file by its own row
groups, an image folder by files, a tar archive is one block per shard.

Conversions are those of the in-memory loaders (convert.as_examples for arrays, image_folder for pictures), so a
streamed example is bit for bit the example the in-memory path would hold. Every read error is a DataError with one
line naming the file.
"""

from __future__ import annotations

import io
import math
import os
import tokenize
from pathlib import Path
from typing import Any

import numpy as np

from vaekit.core.errors import DataError
from vaekit.data.common.convert import as_examples, as_labels
from vaekit.data.image.folder import PILLOW_ERRORS, _list_images
from vaekit.data.image.reading import folder_layout, probe, read_image

BLOCK_BYTES = 16 * 2**20  # rows read at a time: large enough for fast sequential reads, small beside memory
Block = tuple[int, int, Any]  # (first row, row count, where: a byte offset, a row group, a file slice, a shard)


class RowReader:
    """Rows of one source: `n` examples of `shape`, of `kind` "image" or "vector", with labels or not."""

    n: int
    shape: tuple[int, ...]
    kind: str
    labelled: bool = False
    class_names: list[str] | None = None
    columns: list[str] | None = None
    where: str
    blocks: list[Block]

    def read(self, block: Block) -> tuple[np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The examples at sorted source `rows`, reading only the blocks that hold any of them."""
        starts = np.array([block[0] for block in self.blocks])
        xs, ys = [], []
        for index in np.unique(np.searchsorted(starts, rows, side="right") - 1):
            start, count, _ = self.blocks[index]
            x, y = self.read(self.blocks[index])
            inside = rows[(rows >= start) & (rows < start + count)] - start
            xs.append(x[inside])
            ys.append(None if y is None else y[inside])
        x = np.concatenate(xs) if xs else np.zeros((0, *self.shape), np.float32)
        return x, (np.concatenate(ys) if self.labelled and ys else None)

    def bytes_in_memory(self) -> int:
        """What the in-memory path would hold: every example as float32."""
        return self.n * math.prod(self.shape) * 4


class NpyRows(RowReader):
    """A C-ordered .npy file, its header read through numpy's memory map (np.load(mmap_mode="r"): nothing else
    is read); blocks and rows are read with plain file reads, so the pages read leave the process's memory with
    them (a map keeps every page it touched counted as the process's). `labels` (small, in memory) go with the
    rows."""

    def __init__(self, path: Path, labels: np.ndarray | None = None, where: str | None = None) -> None:
        self.path, self.where = path, where or str(path)
        array = _memmap(path)
        if array.dtype.hasobject or array.dtype.fields or array.ndim < 2:
            raise DataError(f"{path} holds {array.dtype} {array.shape}; streaming reads numeric arrays of examples "
                            "(N, D), (N, H, W) or (N, H, W, C)")
        if not array.flags.c_contiguous:
            raise DataError(f"{path} is stored in Fortran order; save it C-ordered (np.ascontiguousarray) to "
                            "stream it")
        self.n, self.dtype, self.raw_shape, self.offset = len(array), array.dtype, array.shape[1:], array.offset
        first, self.kind = as_examples(np.array(array[:1]), self.where)
        self.shape = first.shape[1:]
        self.labels = labels
        self.labelled = labels is not None
        row_bytes = max(1, array.itemsize * math.prod(self.raw_shape))
        step = max(1, BLOCK_BYTES // row_bytes)
        self.row_bytes = row_bytes
        self.blocks = [(start, min(step, self.n - start), None) for start in range(0, self.n, step)]
        expected = self.offset + self.n * row_bytes
        size = path.stat().st_size
        if size < expected:
            raise DataError(f"{path} is truncated: its header says {self.n} rows of {self.raw_shape} {self.dtype} "
                            f"({expected} bytes) but the file has {size}")

    def read(self, block: Block) -> tuple[np.ndarray, np.ndarray | None]:
        start, count, _ = block
        with open(self.path, "rb") as file:
            file.seek(self.offset + start * self.row_bytes)
            raw = np.fromfile(file, dtype=self.dtype, count=count * math.prod(self.raw_shape))
        if len(raw) != count * math.prod(self.raw_shape):
            raise DataError(f"{self.path} is truncated at row {start + len(raw) // max(1, math.prod(self.raw_shape))}")
        raw = raw.reshape(count, *self.raw_shape)
        # float32 vectors are used as read (as_examples would only copy them); others convert as in memory
        x = raw if self.kind == "vector" and raw.dtype == np.float32 else as_examples(raw, self.where)[0]
        return x, None if self.labels is None else self.labels[start:start + count]

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        # row by row with positioned reads, not through the memory map: a map counts every page it touches as
        # this process's memory while it is open, and a sample spread over the file touches most of them
        elements = math.prod(self.raw_shape)
        raw = np.empty((len(rows), elements), dtype=self.dtype)
        with open(self.path, "rb") as file:
            descriptor = file.fileno()
            for index, row in enumerate(rows):
                data = os.pread(descriptor, self.row_bytes, self.offset + int(row) * self.row_bytes)
                if len(data) != self.row_bytes:
                    raise DataError(f"{self.path} is truncated at row {int(row)}")
                raw[index] = np.frombuffer(data, dtype=self.dtype)
        x, _ = as_examples(raw.reshape(len(rows), *self.raw_shape), self.where)
        return x, None if self.labels is None else self.labels[rows]


def _memmap(path: Path) -> np.ndarray:
    try:
        with open(path, "rb") as file:
            if file.read(6) != b"\x93NUMPY":
                raise DataError(f"{path} is not a NumPy .npy file (it does not start with its magic bytes)")
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except DataError:
        raise
    except (ValueError, OSError, EOFError, SyntaxError, tokenize.TokenError) as error:  # numpy parses it as Python
        raise DataError(f"cannot read {path}: its .npy header is damaged ({' '.join(str(error).split())})") from None


class ParquetRows(RowReader):
    """A Parquet file of numeric columns, read one row group at a time (pyarrow, the `parquet` extra). Every
    column but `label_column` is one dimension of a vector, as float32; text columns are refused (the in-memory
    path codes them as categories)."""

    def __init__(self, path: Path, label_column: str | None = None) -> None:
        import pyarrow as pa  # the `parquet` extra; tables.py says how to install it when it is missing

        self.path, self.where, self.label_column = path, str(path), label_column
        metadata = self._file().metadata
        schema = self._file().schema_arrow
        names = [name for name in schema.names if not name.startswith("__index_level_")]
        if label_column is not None and label_column not in names:
            raise DataError(f"{path} has no column {label_column!r}; its columns are {', '.join(names)}")
        self.columns = [name for name in names if name != label_column]
        for name in self.columns:
            kind = schema.field(name).type
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
                what = "text" if pa.types.is_string(kind) or pa.types.is_large_string(kind) else kind
                raise DataError(f"column {name!r} of {path} holds {what} values; streaming reads numeric columns "
                                "only: code it as numbers, or train with --streaming off (which codes it as a "
                                "category)")
        if not self.columns:
            raise DataError(f"{path} has no numeric columns to model")
        self.n, self.shape, self.kind = metadata.num_rows, (len(self.columns),), "vector"
        self.labelled = label_column is not None
        self.blocks, start = [], 0
        for group in range(metadata.num_row_groups):
            count = metadata.row_group(group).num_rows
            if count:
                self.blocks.append((start, count, group))
            start += count

    def _file(self) -> Any:
        import pyarrow.parquet as pq

        if getattr(self, "_handle", None) is None:
            try:
                self._handle = pq.ParquetFile(self.path)
            except (OSError, ValueError) as error:
                raise DataError(f"cannot read {self.path}: {' '.join(str(error).split())}") from None
        return self._handle

    def __getstate__(self) -> dict[str, Any]:  # a worker process opens the file itself
        return {**self.__dict__, "_handle": None}

    def read(self, block: Block) -> tuple[np.ndarray, np.ndarray | None]:
        start, count, group = block
        wanted = self.columns + ([self.label_column] if self.label_column else [])
        try:
            table = self._file().read_row_group(group, columns=wanted)
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read row group {group} of {self.path}: {' '.join(str(error).split())}") from None
        x = np.stack([table.column(name).to_numpy(zero_copy_only=False).astype(np.float32)
                      for name in self.columns], axis=1)
        if not np.isfinite(x).all():
            raise DataError(f"rows {start + 1}..{start + count} of {self.path} hold empty cells, NaN or infinite "
                            "values; fill them first, or train with --streaming off --missing model")
        y = None
        if self.label_column:
            y = as_labels(table.column(self.label_column).to_numpy(zero_copy_only=False), count,
                          f"{self.path}[{self.label_column}]")
        return x, y


class ImageFolderRows(RowReader):
    """A folder of PNG/JPEG/TIFF images (class subfolders or none), BLOCK_BYTES of files per block. Only the first
    image's header is read before training: its size is every image's (a different one is an error when read),
    and its layout (channels, 8 or 16 bits: data/image/reading.py) is every image's."""

    def __init__(self, folder: Path) -> None:
        self.where = str(folder)
        self.files, labels, self.class_names = _list_images(folder)
        self.labels = labels
        self.labelled = labels is not None
        first = probe(self.files[0])
        self.size, self.layout = first.size, folder_layout([first])
        self.n, self.kind, self.shape = len(self.files), "image", (self.layout.channels, self.size[1], self.size[0])
        step = max(1, BLOCK_BYTES // (4 * math.prod(self.shape)))
        self.blocks = [(start, min(step, self.n - start), None) for start in range(0, self.n, step)]

    def read(self, block: Block) -> tuple[np.ndarray, np.ndarray | None]:
        start, count, _ = block
        files = self.files[start:start + count]
        for file in files:
            if (size := probe(file).size) != self.size:
                raise DataError(f"image {file} is {size[0]}x{size[1]} but {self.files[0]} is {self.size[0]}x"
                                f"{self.size[1]}; every image must have one size (resize them first)")
        images = np.stack([read_image(file, self.layout) for file in files])
        return images, None if self.labels is None else self.labels[start:start + count]


def _image(data: Path | bytes, mode: str, size: tuple[int, int] | None, first: Any) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as image:
            if size is not None and image.size != size:
                raise DataError(f"image {first if isinstance(data, bytes) else data} is {image.size[0]}x"
                                f"{image.size[1]} but {first} is {size[0]}x{size[1]}; every image must have one "
                                "size (resize them first)")
            return np.asarray(image.convert(mode), dtype=np.uint8)
    except PILLOW_ERRORS as error:
        raise DataError(f"cannot read image {first if isinstance(data, bytes) else data}: "
                        f"{' '.join(str(error).split())}") from None


def _scaled(pixels: np.ndarray, mode: str) -> np.ndarray:
    # as image_folder.load_image_folder does it: channels first, float32 in [0, 1]
    images = (pixels[:, None] if mode == "L" else pixels.transpose(0, 3, 1, 2)).astype(np.float32)
    images /= 255
    return images
