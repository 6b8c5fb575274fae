"""The batch source of streamed data (vaekit.training.data_source): blocks read from disk by DataLoader worker
processes, shuffled through a buffer, batched in the workers and copied to the training device.

    source = StreamBatches(stream, batch_size=128, device=torch.device("cuda"), workers=2, shuffle_buffer=10_000)
    for start, x, y in source.epoch(generator):    # the interface of training/batches.py's DeviceBatches
        ...

Each epoch draws one seed from the run's data generator (so a checkpoint, which saves that generator, resumes
the same epochs). From it come the order of the blocks, dealt round-robin to the workers, and each worker's
shuffle: a worker adds a block's training rows to a pool, and while the pool holds more than its share of
data.shuffle_buffer, sends out a full batch of rows drawn at random from it. At the end of the epoch the workers'
partial batches are joined in the training process, so an epoch has ceil(N / batch_size) batches, as in memory.

Memory stays bounded: each worker holds one block (about 16 MB) and its pool (shuffle_buffer / workers rows), and
the loader a few batches in flight. The order is reproducible for the same seed, data, batch size, shuffle_buffer
and workers (a different number of workers deals the blocks differently, so it is a different order); it is not
the in-memory path's torch.randperm order, and a shuffle buffer smaller than the data mixes rows within a window
of blocks only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from vaekit.core.errors import ConfigError, DataError
from vaekit.training.batches import Batch
from vaekit.training.data_source import StreamedData

FULL, REST, ERROR = 0, 1, 2  # what a worker sends: whole batches, its last partial batch, or a DataError's line
CHUNK_BATCHES = 8  # whole batches per message from a worker


class StreamBatches:
    """Batches of streamed rows, `x` on `device` (through pinned memory on CUDA)."""

    def __init__(self, stream: StreamedData, batch_size: int, device: torch.device, workers: int = 2,
                 shuffle_buffer: int = 10_000, rank: int = 0, world: int = 1) -> None:
        if world != 1:
            raise ConfigError("streamed data train in one process for now; train with --streaming off to use "
                              "several processes")
        self.stream, self.batch_size, self.device = stream, batch_size, device
        self.workers, self.shuffle_buffer = workers, shuffle_buffer

    def __len__(self) -> int:
        return len(self.stream)

    @property
    def steps(self) -> int:
        return math.ceil(len(self.stream) / self.batch_size)

    def epoch(self, generator: torch.Generator) -> Iterator[Batch]:
        seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device))
        rows = _ShuffledRows(self.stream, seed, self.batch_size, self.shuffle_buffer)
        cuda = self.device.type == "cuda"
        # the loader's own generator: without one it draws its workers' base seed from the global random state,
        # which is the run's (rsample noise), and a streamed run would no longer match an in-memory one
        loader = DataLoader(rows, batch_size=None, num_workers=self.workers, pin_memory=cuda,
                            prefetch_factor=4 if self.workers else None,
                            generator=torch.Generator().manual_seed(seed))
        start, rest = 0, []
        for kind, x, y in loader:
            if kind == ERROR:
                raise DataError(x)  # a worker's DataError, as its one line
            if kind == REST:
                rest.append((x, y))
                continue
            for first in range(0, len(x), self.batch_size):  # views of the chunk, one batch each
                yield (start, x[first:first + self.batch_size].to(self.device, non_blocking=cuda),
                       None if y is None else y[first:first + self.batch_size].to(self.device))
                start += min(self.batch_size, len(x) - first)
        if rest:  # the workers' last partial batches, joined into full ones and one partial
            x = torch.cat([part[0] for part in rest])
            y = None if rest[0][1] is None else torch.cat([part[1] for part in rest])
            for first in range(0, len(x), self.batch_size):
                yield (start, x[first:first + self.batch_size].to(self.device),
                       None if y is None else y[first:first + self.batch_size].to(self.device))
                start += len(x[first:first + self.batch_size])


class _ShuffledRows(IterableDataset):
    """One epoch of one worker: its blocks in the epoch's order, through its shuffle pool, in batches."""

    def __init__(self, stream: StreamedData, seed: int, batch_size: int, shuffle_buffer: int) -> None:
        self.stream, self.seed, self.batch_size, self.shuffle_buffer = stream, seed, batch_size, shuffle_buffer

    def __iter__(self) -> Iterator[tuple[int, Any, Any]]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        blocks = self.stream.reader.blocks
        order = np.random.default_rng(self.seed).permutation(len(blocks))[worker::workers]
        rng = np.random.default_rng([self.seed, worker + 1])  # each worker's own draws, from the epoch's seed
        keep = max(1, self.shuffle_buffer // workers)
        pool_x: np.ndarray | None = None  # the pool: rows [0, size) of arrays allocated once, at the first block
        pool_y: np.ndarray | None = None
        size = 0
        try:
            for index in order:
                x, y = self._training_rows(blocks[index])
                if pool_x is None:
                    room = keep + self.batch_size + max(block[1] for block in blocks)
                    pool_x = np.empty((room, *x.shape[1:]), dtype=x.dtype)
                    pool_y = None if y is None else np.empty(room, dtype=y.dtype)
                pool_x[size:size + len(x)] = x
                if pool_y is not None and y is not None:
                    pool_y[size:size + len(y)] = y
                size += len(x)
                sent = max(0, (size - keep) // self.batch_size) * self.batch_size
                if sent:  # `sent` random rows of the pool leave it, in batches
                    picked = rng.permutation(size)[:sent]
                    yield from self._batches(pool_x[picked], None if pool_y is None else pool_y[picked])
                    # the rows left close up: those past the new end move into the holes before it
                    left = np.ones(size, dtype=bool)
                    left[picked] = False
                    size -= sent
                    holes = picked[picked < size]
                    tail = np.flatnonzero(left[size:]) + size
                    pool_x[holes] = pool_x[tail]
                    if pool_y is not None:
                        pool_y[holes] = pool_y[tail]
        except DataError as error:
            yield ERROR, str(error), None
            return
        if size:
            picked = rng.permutation(size)
            yield from self._batches(pool_x[picked], None if pool_y is None else pool_y[picked])

    def _training_rows(self, block: tuple[int, int, Any]) -> tuple[np.ndarray, np.ndarray | None]:
        start, count, _ = block
        x, y = self.stream.reader.read(block)
        if self.stream.train_mask is not None:  # a split made here: the test rows stay out
            inside = self.stream.train_mask[start:start + count]
            x, y = x[inside], None if y is None else y[inside]
        classes = self.stream.num_classes
        if y is not None and classes is not None and len(y) and int(y.max()) >= classes:
            raise DataError(f"{self.stream.reader.where} has label {int(y.max())} at rows {start + 1}.."
                            f"{start + count}, but the classes of its sample and test split number {classes}; "
                            "give every class in the test split, or train with --streaming off")
        return x, y

    def _batches(self, x: np.ndarray, y: np.ndarray | None) -> Iterator[tuple[int, Any, Any]]:
        """Whole batches, CHUNK_BATCHES to a message (fewer, larger messages between processes), then the
        partial batch left over."""
        whole = len(x) // self.batch_size * self.batch_size
        chunk = CHUNK_BATCHES * self.batch_size
        for first in range(0, len(x), chunk):
            last = min(first + chunk, whole) if first < whole else len(x)
            yield ((FULL if first < whole else REST), torch.from_numpy(np.ascontiguousarray(x[first:last])),
                   None if y is None else torch.from_numpy(np.ascontiguousarray(y[first:last])))
            if last == whole and whole < len(x):
                yield REST, torch.from_numpy(np.ascontiguousarray(x[whole:])), \
                    None if y is None else torch.from_numpy(np.ascontiguousarray(y[whole:]))
                return
