"""Tar shards read whole into memory, for the commands that use a trained run's data (evaluate, score, report,
embed): the same reader as streamed training (tar_shards.TarShards, so the same conversions) and the same seeded
split (split.split_indices), so the test split here is the test split training validated on.

    data = load_shards(Path("shards/"), options)        # a folder of .tar shards, or one .tar file
    data.test_x                                          # the rows training held out, in the source's order

Data too large for memory are refused before anything is read, with the count and the size they would take.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vaekit.core import system
from vaekit.core.errors import DataError
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset
from vaekit.data.streaming.tar_shards import TarShards

GB = 2**30


def load_shards(shards: list[Path], options: LoadOptions, name: str) -> Dataset:
    """Every sample of `shards` (in shard and archive order) as one Dataset, split by options.seed as the streamed
    run was."""
    reader = TarShards(shards, name)
    memory = system.host_memory()
    need = reader.bytes_in_memory()
    if memory is not None and 2 * need > memory:  # the examples, and briefly their split copies
        raise DataError(f"{name} holds {reader.n:,} examples ({need / GB:.1f} GB as float32), too many to hold in "
                        f"this machine's memory ({memory / GB:.1f} GB) for this command; give a smaller sample of "
                        "the shards with --data")
    xs, ys = zip(*(reader.read(block) for block in reader.blocks), strict=True)
    x = np.concatenate(xs)
    y = np.concatenate(ys) if reader.labelled else None  # type: ignore[arg-type]
    train_x, test_x, train_y, test_y, rows = split_with_rows(x, y, options.split_fraction, options.seed)
    return Dataset.from_arrays(name, train_x, test_x, train_y, test_y, kind=reader.kind, source=reader.where,
                               rows=rows)
