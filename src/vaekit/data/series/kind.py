"""The data kind "series": real-valued time series (T, C + 1), the last channel marking the real steps
(vaekit.data.series.reader). Outputs are written in the file form, the padding as NaN again.

    kind = data_kind("series")
    kind.default_output("samples")                 # 'samples.npy': (N, T, C), NaN after each series' end
    kind.save(Path("samples.csv"), batch, info)    # a long table: id, x0..x{C-1}, step; real steps only
    kind.save(Path("recon.csv"), recon, info, inputs=x)   # inputs and reconstructions, told apart by "source"
    kind.save(Path("recon.png"), recon, info, inputs=x)   # a panel per series, the inputs dashed beneath
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.core.io import atomic_path
from vaekit.core.registry import DATA_KINDS
from vaekit.data.kinds import DataKind
from vaekit.data.series.reader import with_nan_padding
from vaekit.data.writers import save_table


def _long_table(batch: torch.Tensor, ids: np.ndarray, source: str | None = None
                ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(values of the real steps (M, C), each step's example id (M,), extra columns step[, source]) of a batch
    (N, T, C + 1) whose examples have `ids`."""
    array = batch.detach().cpu().numpy()
    example, step = np.nonzero(array[..., -1] > 0.5)
    extra: dict[str, np.ndarray] = {"step": step}
    if source is not None:
        extra["source"] = np.full(len(example), source)
    return array[example, step, :-1], np.asarray(ids)[example], extra


@DATA_KINDS.register("series")
class SeriesKind(DataKind):
    """Time series (T, C + 1): outputs are .npy arrays (N, T, C) with NaN padding, long CSV tables or pictures."""

    name = "series"
    network = "rnn"
    example_ndim = 2
    default_suffix = ".npy"
    shape_text = "(T, C + 1)"
    pictured = False  # a run's samples and reconstructions are written by `save`: samples.npy, reconstructions.csv

    def likelihood(self, column_types: list[str] | None = None, unit_interval: bool = False) -> str:
        return "autoregressive_gaussian"  # each step a Gaussian given the earlier steps and z, with a length

    def entry_map(self, terms: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """(B, T): a time step's share (its channels summed, the mask channel left out), NaN on the padding."""
        steps = terms[..., :-1].sum(-1) if terms.dim() == 3 else terms
        return torch.where(x[..., -1].cpu() > 0.5, steps, torch.full((), float("nan"), dtype=steps.dtype))

    def values(self, batch: torch.Tensor) -> Any:
        return with_nan_padding(batch.detach().cpu().numpy())  # (N, T, C), NaN after each series' end

    def default_output(self, stem: str) -> str:
        # a reconstruction beside its input: the long table has room for both (a "source" column)
        return f"{stem}.csv" if stem == "reconstructions" else f"{stem}{self.default_suffix}"

    def save(self, path: Path, batch: torch.Tensor, info: dict[str, Any], ncol: int = 8,
             inputs: torch.Tensor | None = None) -> Path:
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".npy":  # the batch alone, as the loader reads it
            with atomic_path(path) as tmp, tmp.open("wb") as handle:
                np.save(handle, with_nan_padding(batch.detach().cpu().numpy()))
            return path
        if suffix == ".png":  # a panel per series; reconstructions over their inputs
            from vaekit.plots.series import save_series_picture  # here: it imports matplotlib, for pictures only

            return save_series_picture(path, batch, ncol, inputs)
        if suffix != ".csv":
            raise VaekitError(f"{path}: choose an output ending in .npy, .csv or .png for series")
        # each row is one real step of one example, named by the example's id (its position where none is known)
        ids = np.asarray(info["ids"]) if info.get("ids") is not None else np.arange(len(batch))
        values, row_ids, extra = _long_table(batch, ids, None if inputs is None else "output")
        if inputs is not None:
            before, before_ids, before_extra = _long_table(inputs, ids, "input")
            values, row_ids = np.concatenate([before, values]), np.concatenate([before_ids, row_ids])
            extra = {key: np.concatenate([before_extra[key], extra[key]]) for key in extra}
        return save_table(path, values, [f"x{i}" for i in range(values.shape[1])], extra=extra, ids=row_ids)
