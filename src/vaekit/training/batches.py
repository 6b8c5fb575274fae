"""Where an epoch's training batches come from: rows of tensors already on the training device.

Every epoch draws a fresh permutation from the run's data stream and cuts it into batches; a batch is the rows'
inputs and (for a conditional or semi-supervised model) their labels. The epoch itself (training/epoch.py) does
not know where the rows live, so another source (a stream from disk, one process's shard of the permutation)
only has to yield the same (start, x, y) triples.

    source = DeviceBatches(tensors.train_x, tensors.train_y, batch_size=128)
    for start, x, y in source.epoch(generator):
        ...
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch

Batch = tuple[int, torch.Tensor, "torch.Tensor | None"]  # (offset of the batch in the epoch, inputs, labels)


class DeviceBatches:
    """Batches of a fresh permutation of tensors held on the training device: no copy crosses to the host and
    nothing waits for the device inside an epoch."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor | None, batch_size: int) -> None:
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self) -> int:
        """The number of examples an epoch visits."""
        return len(self.x)

    @property
    def steps(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def epoch(self, generator: torch.Generator) -> Iterator[Batch]:
        n = len(self.x)
        order = torch.randperm(n, generator=generator, device=self.x.device)
        for start in range(0, n, self.batch_size):
            # index_select copies whole rows; about twice as fast as x[index] for a batch of images
            rows = order[start:start + self.batch_size]
            yield start, self.x.index_select(0, rows), None if self.y is None else self.y.index_select(0, rows)
