"""What advice reads of a data set: its kind, size, shape, labels, missing values and what its values are.

    profile = profile_of(load_dataset("digits"))
    profile.values     # "binary", "unit" (in [0, 1]), "8-bit" (k / 255) or "real"
    profile.describe() # "1617 training images of 1x8x8, grey levels in [0, 1], 10 classes"
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vaekit.data.dataset import Dataset

VALUE_SAMPLE = 20_000  # rows read to tell what the values are: plenty, and quick for any data set


@dataclass(frozen=True)
class DataProfile:
    source: str
    kind: str  # image, vector, text, series, audio (vaekit.data.kinds)
    shape: tuple[int, ...]
    rows: int  # training rows
    classes: int | None  # distinct labels, None without labels
    missing: bool
    values: str  # binary, unit, 8-bit or real
    column_types: tuple[str, ...] | None = None

    @property
    def small(self) -> bool:
        """Few enough rows that the settings matter more than the size of the network (bench/untuned_data.py's
        data sets have 124 to 1,257 training rows)."""
        return self.rows < 2_000

    def describe(self) -> str:
        size = "x".join(map(str, self.shape))
        noun = {"image": "images", "vector": "rows", "text": "sentences", "audio": "recordings",
                "series": "series"}.get(self.kind, "examples")
        what = {"binary": "binary values (0 or 1)", "unit": "grey levels in [0, 1]", "8-bit": "8-bit levels",
                "real": "real numbers"}[self.values] if self.kind in ("image", "vector") else f"{self.kind} data"
        parts = [f"{self.rows} training {noun} of {size}", what]
        if self.column_types:
            counts = {kind: self.column_types.count(kind) for kind in dict.fromkeys(self.column_types)}
            parts.append(", ".join(f"{n} {kind}" for kind, n in counts.items()) + " columns")
        if self.classes is not None:
            parts.append(f"{self.classes} classes")
        if self.missing:
            parts.append("missing values")
        return ", ".join(parts)


def profile_of(data: Dataset) -> DataProfile:
    x = data.train_x[:VALUE_SAMPLE]
    labels = data.train_y
    classes = None if labels is None else int(len(labels[labels >= 0].unique())) or None
    return DataProfile(source=data.source, kind=data.kind, shape=tuple(data.shape), rows=len(data.train_x),
                       classes=classes, missing=bool(torch.isnan(x).any()) if x.is_floating_point() else False,
                       values=_values(x), column_types=None if data.column_types is None else
                       tuple(data.column_types))


def _values(x: torch.Tensor) -> str:
    seen = x[~torch.isnan(x)] if x.is_floating_point() else x
    if seen.numel() == 0:
        return "real"
    if bool(((seen == 0) | (seen == 1)).all()):
        return "binary"
    if float(seen.min()) < 0 or float(seen.max()) > 1:
        return "real"
    levels = seen.double() * 255
    return "8-bit" if bool((levels - levels.round()).abs().max() < 1e-4) else "unit"
