"""The in-memory dataset every loader returns: train and test tensors, labels, and where they came from.

    ds = load_dataset("digits")
    ds.train_x.shape   # torch.Size([1617, 1, 8, 8]), float32 in [0, 1]
    ds.shape           # (1, 8, 8): one example
    ds.summary()       # 'digits: 1617 train / 180 test, image (1, 8, 8), 10 classes'

Datasets this size fit in memory, so the trainer moves the tensors to its device once and indexes them by a
shuffled permutation; there is no per-item ``__getitem__`` on purpose.

A data set split here by a seeded permutation remembers where each example sat in the source (`train_rows`,
`test_rows`), so that its examples can be handed back whole and in the source's order, with their ids:

    x, y, ids = ds.examples("all")   # every example in file order; ids: a table's index, file names, row numbers
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from vaekit.core.errors import DataError
from vaekit.data.kinds import data_kind, kind_names

# said after "remove or fill them first" wherever missing values are refused
MISSING_HINT = ", or model them as missing values with --missing model (data.missing: model)"

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
    # The position in the source of each train and test example (None: the source has a split of its own, and
    # its order is train then test). Kept so that "all" is the source's order, not the split's.
    train_rows: np.ndarray | None = field(default=None, repr=False)
    test_rows: np.ndarray | None = field(default=None, repr=False)
    # Each example's id, in the source's order: a table's index, an image folder's file names (None: row numbers)
    ids: np.ndarray | None = field(default=None, repr=False)
    # whether train and test are the source's own split (a file's x_train/x_test, MNIST's official split, the
    # digits' fixed one), rather than one drawn here from data that came whole
    own_split: bool = True
    # NaN entries are missing values to model (data.missing: model); otherwise they are refused
    missing: bool = False
    # the known generative factors of each example (N, K) float32, for disentanglement metrics (procedural
    # sprites, dSprites), kept row for row with train_x and test_x; factor_names names the K columns
    train_factors: torch.Tensor | None = field(default=None, repr=False)
    test_factors: torch.Tensor | None = field(default=None, repr=False)
    factor_names: list[str] | None = None
    # text: the tokens the ids 0..V-1 of the examples stand for (built on the training split, data/kinds.py)
    vocabulary: list[str] | None = None
    # audio: the log-mel settings the examples were made with, resolved (data/spectrogram.py SpectrogramSettings)
    spectrogram: Any = None
    # a table read with its column metadata (data.metadata; data/table/metadata.py): its JSON form, which the run
    # keeps as metadata.json and every sampled table is written back through
    table_metadata: dict[str, Any] | None = field(default=None, repr=False)
    # a part of another data set (a validation split carved from its training split, data/validation.py): that
    # data set's fingerprint, which a run records, so that its own data reload as the data it came from
    source_fingerprint: str | None = field(default=None, repr=False)
    # series: where each example of examples("all") came from (its recording and start step) and each recording's
    # length, id and timestamps (data/series/windows.py SeriesWindows), so that scores of windows fold back onto
    # time steps (tasks/scoring/points.py)
    windows: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Checked here, not in each loader, so that no Dataset can exist with NaNs, mismatched labels or
        # an empty training split, whoever builds it. The test split is empty only for data read whole
        # (LoadOptions.whole: a file given in place of a run's own); training refuses such data.
        where = self.source
        if self.kind not in kind_names():  # each kind is a registered part (data/kinds.py)
            raise DataError(f"dataset kind must be one of {', '.join(kind_names())}, got {self.kind!r}")
        for split, x in (("train", self.train_x), ("test", self.test_x)):
            if x.dtype != torch.float32 or x.ndim < 2:
                raise DataError(f"{split} data in {where} must be a float32 tensor (N, ...), got {x.dtype} "
                                f"{tuple(x.shape)}")
            if len(x) == 0 and split == "train":
                raise DataError(f"the {split} split of {where} is empty; it needs at least one example")
            if not all_finite(x) and (not self.missing or bool(torch.isinf(x).any())):
                raise DataError(f"data in {where} contains {'infinite' if self.missing else 'NaN or infinite'} "
                                f"values; remove or fill them first{'' if self.missing else MISSING_HINT}")
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
            # -1 marks an unlabelled row (semi-supervised learning); the trainer takes it only for a model that
            # sums the class out
            if len(y) and (int(y.min()) < -1 or int(y.max()) >= MAX_CLASSES):
                low, high = int(y.min()), int(y.max())
                bad = low if low < -1 else high
                raise DataError(f"{split} labels in {where} include {bad}; class labels are indices 0..K-1 "
                                "(-1: unlabelled) "
                                f"(the class count is the largest label + 1, here {high + 1:,}), K at most "
                                f"{MAX_CLASSES:,}: renumber the classes 0, 1, 2, ...")
        self._check_factors()
        total = len(self.train_x) + len(self.test_x)
        if (self.train_rows is None) != (self.test_rows is None):
            raise DataError(f"{where} has source rows for one split only; give both or neither")
        if self.train_rows is not None:
            rows = np.concatenate([self.train_rows, self.test_rows])
            if len(self.train_rows) != len(self.train_x) or len(self.test_rows) != len(self.test_x) or \
                    not np.array_equal(np.sort(rows), np.arange(total)):
                raise DataError(f"the source rows of {where} must number its train and test examples 0..{total - 1}, "
                                "each once")
        if self.ids is not None:
            if len(self.ids) != total:
                raise DataError(f"{where} has {len(self.ids)} ids for {total} examples; give one id per example")
            duplicated = _first_duplicate(self.ids)
            if duplicated is not None:
                raise DataError(f"the id {duplicated!r} occurs more than once in {where}; ids must be unique")
        if self.missing:
            self._check_observed()

    def _check_factors(self) -> None:
        if self.train_factors is None and self.test_factors is None and self.factor_names is None:
            return
        if self.train_factors is None or self.test_factors is None or self.factor_names is None:
            raise DataError(f"{self.source} has factors for part of it only; give train_factors, test_factors and "
                            "factor_names together, or none of them")
        for split, x, factors in (("train", self.train_x, self.train_factors),
                                  ("test", self.test_x, self.test_factors)):
            if factors.dtype != torch.float32 or factors.shape != (len(x), len(self.factor_names)):
                raise DataError(f"{split} factors in {self.source} must be float32 of shape "
                                f"({len(x)}, {len(self.factor_names)}), got {factors.dtype} {tuple(factors.shape)}")
            if not bool(torch.isfinite(factors).all()):
                raise DataError(f"{split} factors in {self.source} contain NaN or infinite values")

    @property
    def has_factors(self) -> bool:
        """Whether each example carries its known generative factors (disentanglement metrics need them)."""
        return self.train_factors is not None

    def factors(self, split: str = "all") -> torch.Tensor:
        """(N, K) factors of the examples of `split`, row for row with examples(split); a DataError when the data
        carry none."""
        if self.train_factors is None or self.test_factors is None:
            raise DataError(f"{self.name} carries no generative factors (disentanglement metrics need data that "
                            "do, such as the sprites data set or dSprites)")
        if split == "train":
            return self.train_factors
        if split == "test":
            return self.test_factors
        if split != "all":
            raise DataError(f"split must be train, test or all, got {split!r}")
        train_rows, test_rows = self.rows()
        order = torch.from_numpy(np.argsort(np.concatenate([train_rows, test_rows]), kind="stable"))
        return torch.cat([self.train_factors, self.test_factors])[order]

    def _check_observed(self) -> None:
        """With missing values kept, every example and every dimension (a table's column, an image's pixel) needs
        at least one observed value: there is nothing to learn from, or to condition on, otherwise."""
        x, _, ids = self.examples("all")
        observed = ~torch.isnan(x)
        empty_rows = ~observed.flatten(1).any(1)
        if bool(empty_rows.any()):
            row = int(empty_rows.nonzero()[0])
            found = ids[row].item() if isinstance(ids[row], np.generic) else ids[row]  # 'p7', not np.str_('p7')
            which = f"id {found!r}" if self.ids is not None else f"data row {row + 1}"
            raise DataError(f"every value of the example at {which} of {self.source} is missing "
                            f"({int(empty_rows.sum())} such examples); drop them")
        empty_dims = ~observed.any(0)
        if bool(empty_dims.any()) and not data_kind(self.kind).padded:  # padding frames may all be padding
            index = tuple(int(i) for i in empty_dims.nonzero()[0])
            which = (f"column {self.columns[index[0]]!r}" if self.columns and len(index) == 1
                     else f"dimension {index if len(index) > 1 else index[0]}")
            raise DataError(f"every value of {which} in {self.source} is missing ({int(empty_dims.sum())} such "
                            "dimensions); drop it")

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one example, e.g. (1, 28, 28) or (D,)."""
        return tuple(self.train_x.shape[1:])

    @property
    def within_unit_interval(self) -> bool:
        """Whether every value of both splits (NaN, a missing value, left out) lies in [0, 1]: pixel intensities
        or shares, which a likelihood on [0, 1] models as they are (model.build.resolve_likelihood)."""
        for x in (self.train_x, self.test_x):
            seen = x[~torch.isnan(x)] if x.is_floating_point() else x
            if len(seen) and not (float(seen.min()) >= 0.0 and float(seen.max()) <= 1.0):
                return False
        return True

    @property
    def vocabulary_size(self) -> int | None:
        """V for token data (ids 0..V-1), None for other data."""
        return None if self.vocabulary is None else len(self.vocabulary)

    @property
    def num_classes(self) -> int | None:
        """The number of classes, or None for unlabelled data."""
        if self.train_y is None or self.test_y is None:
            return None
        if self.class_names is not None:
            return len(self.class_names)
        return int(torch.cat([self.train_y, self.test_y]).max()) + 1  # the test split may be empty (read whole)

    def examples(self, split: str = "all") -> tuple[torch.Tensor, torch.Tensor | None, np.ndarray]:
        """(x, y, ids) of the "train" or "test" split, or "all" of them in the source's order. ids are the
        examples' ids (a table's index, an image folder's file names) or, without any, their row numbers in the
        source (0-based)."""
        train_rows, test_rows = self.rows()
        ids = self.ids if self.ids is not None else np.arange(len(train_rows) + len(test_rows))
        if split == "train":
            return self.train_x, self.train_y, ids[train_rows]
        if split == "test":
            return self.test_x, self.test_y, ids[test_rows]
        if split != "all":
            raise DataError(f"split must be train, test or all, got {split!r}")
        # the inverse of the split: example i of train+test goes back to source row rows[i]
        order = torch.from_numpy(np.argsort(np.concatenate([train_rows, test_rows]), kind="stable"))
        x = torch.cat([self.train_x, self.test_x])[order]
        y = None if self.train_y is None or self.test_y is None else torch.cat([self.train_y, self.test_y])[order]
        return x, y, ids

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The source positions of the train and test examples (train then test for a source's own split)."""
        if self.train_rows is not None and self.test_rows is not None:
            return np.asarray(self.train_rows, dtype=np.int64), np.asarray(self.test_rows, dtype=np.int64)
        n_train = len(self.train_x)
        return np.arange(n_train), n_train + np.arange(len(self.test_x))

    def summary(self, counts: tuple[int, int] | None = None) -> str:
        """One line for logs: name, split sizes, kind, shape and class count. `counts`: the (train, test) sizes of
        the whole data, when this Dataset holds only a sample of them (streamed data: training/data_source.py),
        so that the line never reports the sample's sizes as the data's."""
        n_train, n_test = (len(self.train_x), len(self.test_x)) if counts is None else counts
        classes = f", {self.num_classes} classes" if self.num_classes is not None else ", unlabelled"
        return f"{self.name}: {n_train} train / {n_test} test, {self.kind} {self.shape}{classes}"

    @classmethod
    def from_arrays(cls, name: str, train_x: np.ndarray, test_x: np.ndarray, train_y: np.ndarray | None,
                    test_y: np.ndarray | None, kind: str, source: str, class_names: list[str] | None = None,
                    columns: list[str] | None = None, column_types: list[str] | None = None,
                    column_values: list[list[Any] | None] | None = None, rows: tuple[np.ndarray, np.ndarray] |
                    None = None, ids: np.ndarray | None = None, own_split: bool | None = None,
                    missing: bool = False, factors: tuple[np.ndarray, np.ndarray] | None = None,
                    factor_names: list[str] | None = None, table_metadata: dict[str, Any] | None = None) -> Dataset:
        """Build a Dataset from numpy arrays already scaled as they should be (images in [0, 1]). `rows` are the
        source positions of the train and test examples when they were split here (then `own_split` defaults to
        False); `ids` the examples' ids in the source's order; `factors` the (train, test) generative factors, one
        row per example, named by `factor_names`."""
        return cls(name=name, train_x=_tensor(train_x, np.float32), test_x=_tensor(test_x, np.float32),
                   train_y=None if train_y is None else _tensor(train_y, np.int64),
                   test_y=None if test_y is None else _tensor(test_y, np.int64),
                   kind=kind, source=source, class_names=class_names, columns=columns,
                   column_types=column_types, column_values=column_values,
                   train_rows=None if rows is None else np.asarray(rows[0], dtype=np.int64),
                   test_rows=None if rows is None else np.asarray(rows[1], dtype=np.int64),
                   ids=None if ids is None else np.asarray(ids),
                   own_split=rows is None if own_split is None else own_split, missing=missing,
                   train_factors=None if factors is None else _tensor(factors[0], np.float32),
                   test_factors=None if factors is None else _tensor(factors[1], np.float32),
                   factor_names=factor_names, table_metadata=table_metadata)


def all_finite(x: torch.Tensor) -> bool:
    """Whether every value of a float tensor is finite (an empty one: True), from its minimum and maximum: one
    pass that allocates nothing (a NaN anywhere makes both NaN, an infinity makes one infinite), where
    isfinite(x).all() writes a mask as large as the data (47 million values for MNIST)."""
    if x.numel() == 0:
        return True
    low, high = torch.aminmax(x)
    return bool(torch.isfinite(low) & torch.isfinite(high))


def _tensor(array: np.ndarray, dtype: type) -> torch.Tensor:
    array = np.asarray(array, dtype=dtype)
    # torch.from_numpy shares memory; a read-only or strided array (np.frombuffer, a transpose) is copied
    # so the tensor is contiguous and safe to write.
    if not array.flags.writeable or not array.flags.c_contiguous:
        array = np.array(array, order="C", copy=True)
    return torch.from_numpy(array)


def _first_duplicate(ids: np.ndarray) -> Any:
    values, counts = np.unique(np.asarray(ids), return_counts=True)
    repeated = values[counts > 1]
    return None if len(repeated) == 0 else repeated[0].item()
