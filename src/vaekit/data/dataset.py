"""The in-memory dataset every loader returns: train and test tensors, labels, and where they came from.

    ds = load_dataset("digits")
    ds.train_x.shape   # torch.Size([1617, 1, 8, 8]), float32 in [0, 1]
    ds.shape           # (1, 8, 8): one example
    ds.summary()       # 'digits: 1617 train / 180 test, image (1, 8, 8), 10 classes'

Datasets this size fit in memory, so the trainer moves the tensors to its device once and indexes them by a
shuffled permutation; there is no per-item ``__getitem__`` on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from vaekit.errors import DataError

KINDS = ("image", "vector")
MAX_CLASSES = 100_000  # more classes than this are ids, not classes (ImageNet-21k has 21,841)


@dataclass(eq=False)  # == on tensors is elementwise, so a generated __eq__ would only raise
class Dataset:
    """Train and test examples as float32 CPU tensors of shape (N, *shape), checked when constructed.

    Images are channels-first (C, H, W) with values in [0, 1]; vectors are (D,).
    Labels are int64 (N,) or None.
    """

    name: str
    train_x: torch.Tensor = field(repr=False)
    test_x: torch.Tensor = field(repr=False)
    train_y: torch.Tensor | None = field(repr=False)
    test_y: torch.Tensor | None = field(repr=False)
    kind: str
    source: str
    class_names: list[str] | None = None
    columns: list[str] | None = None
    # tables: each column's type (continuous, binary, categorical) and, for the last two, the values its codes
    # 0..K-1 stand for
    column_types: list[str] | None = None
    column_values: list[list[Any] | None] | None = None

    def __post_init__(self) -> None:
        # Checked here, not in each loader, so that no Dataset can exist with NaNs, mismatched labels or
        # an empty split, whoever builds it.
        where = self.source
        if self.kind not in KINDS:
            raise DataError(f"dataset kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        for split, x in (("train", self.train_x), ("test", self.test_x)):
            if x.dtype != torch.float32 or x.ndim < 2:
                raise DataError(f"{split} data in {where} must be a float32 tensor (N, ...), got {x.dtype} "
                                f"{tuple(x.shape)}")
            if len(x) == 0:
                raise DataError(f"the {split} split of {where} is empty; it needs at least one example")
            if not bool(torch.isfinite(x).all()):
                raise DataError(f"data in {where} contains NaN or infinite values; remove or fill them first")
        if self.train_x.shape[1:] != self.test_x.shape[1:]:
            raise DataError(f"train and test examples in {where} differ in shape: "
                            f"{tuple(self.train_x.shape[1:])} vs {tuple(self.test_x.shape[1:])}")
        if (self.train_y is None) != (self.test_y is None):
            raise DataError(f"{where} has labels for one split only; label both train and test, or neither")
        for split, x, y in (("train", self.train_x, self.train_y), ("test", self.test_x, self.test_y)):
            if y is None:
                continue
            if y.dtype != torch.int64 or y.ndim != 1 or len(y) != len(x):
                raise DataError(f"{split} labels in {where} must be int64 of shape ({len(x)},), got "
                                f"{y.dtype} {tuple(y.shape)}")
            # the class count is the largest label + 1, and a conditional VAE builds one-hot codes and prior
            # tables that wide: labels are class indices 0..K-1, not ids
            if len(y) and (int(y.min()) < 0 or int(y.max()) >= MAX_CLASSES):
                low, high = int(y.min()), int(y.max())
                bad = low if low < 0 else high
                raise DataError(f"{split} labels in {where} include {bad}; class labels are indices 0..K-1 "
                                f"(the class count is the largest label + 1, here {high + 1:,}), K at most "
                                f"{MAX_CLASSES:,}: renumber the classes 0, 1, 2, ...")

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one example, e.g. (1, 28, 28) or (D,)."""
        return tuple(self.train_x.shape[1:])

    @property
    def num_classes(self) -> int | None:
        """The number of classes, or None for unlabelled data."""
        if self.train_y is None or self.test_y is None:
            return None
        if self.class_names is not None:
            return len(self.class_names)
        return int(max(self.train_y.max(), self.test_y.max())) + 1

    def summary(self) -> str:
        """One line for logs: name, split sizes, kind, shape and class count."""
        classes = f", {self.num_classes} classes" if self.num_classes is not None else ", unlabelled"
        return (f"{self.name}: {len(self.train_x)} train / {len(self.test_x)} test, {self.kind} {self.shape}"
                f"{classes}")

    @classmethod
    def from_arrays(cls, name: str, train_x: np.ndarray, test_x: np.ndarray, train_y: np.ndarray | None,
                    test_y: np.ndarray | None, kind: str, source: str, class_names: list[str] | None = None,
                    columns: list[str] | None = None, column_types: list[str] | None = None,
                    column_values: list[list[Any] | None] | None = None) -> Dataset:
        """Build a Dataset from numpy arrays already scaled as they should be (images in [0, 1])."""
        return cls(name=name, train_x=_tensor(train_x, np.float32), test_x=_tensor(test_x, np.float32),
                   train_y=None if train_y is None else _tensor(train_y, np.int64),
                   test_y=None if test_y is None else _tensor(test_y, np.int64),
                   kind=kind, source=source, class_names=class_names, columns=columns,
                   column_types=column_types, column_values=column_values)


def _tensor(array: np.ndarray, dtype: type) -> torch.Tensor:
    array = np.asarray(array, dtype=dtype)
    # torch.from_numpy shares memory; a read-only or strided array (np.frombuffer, a transpose) is copied
    # so the tensor is contiguous and safe to write.
    if not array.flags.writeable or not array.flags.c_contiguous:
        array = np.array(array, order="C", copy=True)
    return torch.from_numpy(array)
