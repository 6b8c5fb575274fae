"""A decompressed copy of a compressed data file, written on its first read, so that later runs memory-map it.

    images = cached_idx(Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    # first call: gunzip and parse (about a second), save ~/.cache/vaekit/decompressed/<name>-<key>.npy
    # later calls: np.load(..., mmap_mode="r") of that file: nothing is read until it is used

The key is the source's absolute path, size and modification time, so a replaced file gets a new copy (the old
one stays until the cache is cleared; each is the size of the data). The copy is written through
io.atomic_path: two runs starting together each write a whole file, and neither reads a half-written one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from vaekit.core.io import WriteError, atomic_path
from vaekit.data.common.locate import cache_dir
from vaekit.data.image.idx import read_idx


def cached_idx(path: Path) -> np.ndarray:
    """The array of an IDX file; a gzipped one is decompressed once into the cache and memory-mapped after."""
    if path.suffix.lower() != ".gz":
        return read_idx(path)  # already uncompressed: reading it is as fast as reading a copy
    copy = cache_path(path)
    if copy.is_file():
        try:
            return np.load(copy, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError):
            pass  # a damaged copy (a full disk, say): decompress again and replace it
    array = read_idx(path)
    try:
        with atomic_path(copy) as tmp, open(tmp, "wb") as file:
            np.save(file, array, allow_pickle=False)
    except (OSError, WriteError):
        return array  # a cache that cannot be written (read-only home) only costs time
    return array


def cache_path(path: Path) -> Path:
    """Where the decompressed copy of `path` is kept."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return cache_dir() / "decompressed" / f"{path.name.removesuffix('.gz')}-{key}.npy"
