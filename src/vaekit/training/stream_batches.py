"""The batch source of streamed data (vaekit.data.streamed): blocks read from disk by DataLoader worker processes,
shuffled through a buffer, batched in the workers and copied to the training device.

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

from vaekit.data.streamed import StreamedData
from vaekit.errors import ConfigError, DataError
from vaekit.training.batches import Batch

FULL, REST, ERROR = 0, 1, 2  # what a worker sends: a full batch, its last partial batch, or a DataError's line


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
        loader = DataLoader(rows, batch_size=None, num_workers=self.workers, pin_memory=cuda,
                            prefetch_factor=4 if self.workers else None)
        start, rest = 0, []
        for kind, x, y in loader:
            if kind == ERROR:
                raise DataError(x)  # a worker's DataError, as its one line
            if kind == REST:
                rest.append((x, y))
                continue
            yield start, x.to(self.device, non_blocking=cuda), None if y is None else y.to(self.device)
            start += len(x)
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
        pool_x: np.ndarray | None = None
        pool_y: np.ndarray | None = None
        try:
            for index in order:
                x, y = self._training_rows(blocks[index])
                pool_x = x if pool_x is None else np.concatenate([pool_x, x])
                pool_y = y if pool_y is None or y is None else np.concatenate([pool_y, y])
                sent = max(0, (len(pool_x) - keep) // self.batch_size) * self.batch_size
                if sent:  # a random `sent` rows of the pool leave it, in batches; the others stay
                    picked = rng.permutation(len(pool_x))
                    yield from self._batches(pool_x[picked[:sent]], None if pool_y is None else pool_y[picked[:sent]])
                    pool_x = pool_x[picked[sent:]]
                    pool_y = None if pool_y is None else pool_y[picked[sent:]]
        except DataError as error:
            yield ERROR, str(error), None
            return
        if pool_x is not None and len(pool_x):
            picked = rng.permutation(len(pool_x))
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
        for first in range(0, len(x), self.batch_size):
            part = torch.from_numpy(np.ascontiguousarray(x[first:first + self.batch_size]))
            labels = None if y is None else torch.from_numpy(np.ascontiguousarray(y[first:first + self.batch_size]))
            yield (FULL if len(part) == self.batch_size else REST), part, labels
