"""8-bit pixels as float32 values k/255, for the loaders of image data sets (MNIST-like IDX files, CIFAR-10).

    pixels = unit_pixels(images)   # uint8 (N, ...) -> float32 (N, ...) in [0, 1], as images.astype(np.float32) / 255
"""

from __future__ import annotations

import numpy as np
import torch


def unit_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 images as float32 in [0, 1], bit for bit what images.astype(np.float32) / 255 gives.

    Converted by torch, not numpy: numpy asks the kernel for transparent huge pages for every large array
    (madvise), and where the kernel then compacts memory to find them (defrag: madvise) a fresh 188 MB array
    (MNIST's train images) can take half a second to fault in; torch's allocator does not ask, and the same
    conversion takes about 0.05 s. The array shares the tensor's memory (no copy)."""
    # a read-only array (np.frombuffer's) is copied first, as its uint8 bytes: a tensor must be writable
    source = torch.from_numpy(images) if images.flags.writeable else torch.tensor(images)
    return source.to(torch.float32).div_(255).numpy()
