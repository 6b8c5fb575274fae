"""What a trained model is used for: latent codes, reconstructions, samples, interpolations, on a run's data.

    model = vaekit.load("runs/demo")
    chosen = select_data("runs/demo")                    # the run's own test split (a path, or an open Run)
    path = interpolate(model, chosen.x[0], chosen.x[1], steps=10)   # (10, *shape) decoded between the codes
    held = select_data("runs/demo", "held.npz")         # another file: whole, in file order, with its ids

Data given in place of the run's own is used whole and in its own order: a train/test split drawn here would
shuffle it and drop most of it. Only data with a split of its own (a named data set, an .npz with
x_train/x_test) can be asked for one part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.distributions import Distribution

from vaekit.config import Config
from vaekit.config.data import image_size
from vaekit.core.errors import DataError, VaekitError
from vaekit.data import Dataset, load_dataset
from vaekit.data.audio.spectrogram import settings_of
from vaekit.data.common.partial_labels import keep_labels_per_class
from vaekit.data.table.reader import ID_FIRST, TABLE_SUFFIXES, align_columns
from vaekit.data.text.options import text_options
from vaekit.model.input_checks import as_checked_data
from vaekit.model.size import check_output_fits
from vaekit.model.vae import VAE, rsample
from vaekit.runs.run import Run


@dataclass(frozen=True, eq=False)
class Selection:
    """The examples a command works on, in order: x, labels y (or None) and ids, the `split` of `data` they are
    ("train", "test" or "all") and `source`, the data as named (the run's own, or the one given instead)."""

    data: Dataset
    split: str
    x: torch.Tensor
    y: torch.Tensor | None
    ids: np.ndarray
    source: str


def select_data(run: Run | str | Path, source: str | None = None, split: str | None = None,
                missing: bool | None = None) -> Selection:
    """The examples of the run's own data (split "test" unless `split` says "train" or "all", which is in the
    source's order), or of `source` instead: its test split where it has a split of its own (a named data set),
    else whole, in its order.
    `missing` keeps NaN entries (True: imputation) or refuses them (False); None: as the run's data.missing says.
    A path is opened here (as is the Run that training returns); a command passes the Run it opened."""
    if not isinstance(run, Run) or run.data_info is None:
        run = Run.open(str(run))
    config, info = run.config, run.data_info
    # run_dir: where a text run keeps the vocabulary every reload of its data uses
    data = load_config_data(config, source, {**info, "run_dir": run.path}, missing)
    if list(data.shape) != list(info["shape"]):
        raise VaekitError(f"this data has examples of shape {list(data.shape)} but the model in {run} takes "
                          f"{info['shape']}")
    if split not in (None, "train", "test", "all"):
        raise VaekitError(f"split must be train, test or all, got {split!r}")
    if source is not None and split in ("train", "test") and not data.own_split:
        raise VaekitError(f"{source} has no train/test split of its own, so it is used whole, in its order; leave "
                          f"out --split {split} (a split applies to the run's own data or a named data set)")
    # data with a train/test split of its own (a named data set, an .npz with x_test) is read as the run's own is:
    # its test split unless --split says otherwise; a file without one, whole
    split = split or ("test" if source is None or data.own_split else "all")
    x, y, ids = data.examples(split)
    return Selection(data, split, x, y, ids, source or config.data.source)


def run_data(run: Run | str | Path, source: str | None = None, split: str | None = None
             ) -> tuple[Dataset, torch.Tensor, torch.Tensor | None]:
    """(dataset, x, y) of select_data: the run's own split ("test" by default), or `source` whole and in order."""
    chosen = select_data(run, source, split)
    return chosen.data, chosen.x, chosen.y


def load_config_data(config: Config, source: str | None = None, run_info: dict[str, Any] | None = None,
                     missing: bool | None = None) -> Dataset:
    """The data set a config names (or `source` instead), split as the config says. For an existing run
    (`run_info`, its config.json "data"), a table is coded as the run coded it: with the run's own column values
    (a file that lacks a category does not shift the codes), or, for runs from before typed tables, as numeric
    columns only. Missing values are kept as NaN when `missing` says so (default: the config's data.missing)."""
    cfg = config.data
    legacy = run_info is not None and run_info.get("kind") == "vector" and "column_types" not in run_info
    types = cfg.column_types
    if run_info is not None and run_info.get("column_types") and run_info.get("columns"):
        # the run's own types, so a file where a column holds fewer values still reads as the run read it
        types = ",".join(f"{name}:{kind}" for name, kind in zip(run_info["columns"], run_info["column_types"]))
    if source is not None and (types or cfg.label_column) and Path(source).suffix.lower() not in TABLE_SUFFIXES:
        # else load_dataset blames the run's own column settings, as if the user had set them
        columns = ", ".join((run_info or {}).get("columns") or []) or "its columns"
        raise DataError(f"{source} is not a .csv or .parquet table, but this run was trained on a table ({columns}); "
                        "give the data as a table with the same columns")
    # a run from before table ids took a CSV's unnamed index column as a feature: read the table as it did
    # (or one whose first column was named id: it was a feature then, and stays one for this run)
    metadata = cfg.metadata
    if run_info is not None and run_info.get("metadata") and run_info.get("run_dir") is not None:
        metadata = str(Path(run_info["run_dir"]) / run_info["metadata"])  # the run's own, checked against the data
        types = None  # the metadata types the columns
    index_ids = not set(ID_FIRST) & set((run_info or {}).get("columns") or [])
    data = load_dataset(source or cfg.source, cfg.data_dir, cfg.download, cfg.test_fraction, seed=cfg.split_seed,
                        label_column=cfg.label_column, column_types=types, numeric_only=legacy, index_ids=index_ids,
                        missing=cfg.missing == "model" if missing is None else missing,
                        text=text_options(cfg, run_info), spectrogram=settings_of(cfg, run_info), metadata=metadata,
                        resize=image_size("resize", cfg.resize), crop=image_size("crop", cfg.crop), window=cfg.window,
                        stride=cfg.stride or (max(1, cfg.window // 2) if cfg.window else 0),
                        whole=source is not None)  # other data: read whole (one example will do), not split to train on
    if run_info is not None and run_info.get("column_values") and data.column_values is not None:
        data = align_columns(data, run_info["columns"], run_info["column_values"])
    if cfg.labels_per_class and source is None:  # the run's own data as it trained on it; other data whole
        data = keep_labels_per_class(data, cfg.labels_per_class, cfg.split_seed)
    return data


@torch.no_grad()
def embed(model: VAE, x: torch.Tensor, sample: bool = False, generator: torch.Generator | None = None,
          batch_size: int = 1000, y: torch.Tensor | None = None) -> torch.Tensor:
    """(N, d) posterior means (or one posterior sample each), in batches; labels y for a conditional VAE."""
    x = as_checked_data(x, model, move=False)  # batches go to the model's device one at a time
    codes = []
    for start in range(0, len(x), batch_size):
        labels = None if y is None else y[start:start + batch_size].to(model.device)
        q = model.encode(x[start:start + batch_size].to(model.device), labels)
        codes.append(rsample(q, generator) if sample else q.mean)
    found = torch.cat(codes).cpu()
    check_finite_outputs(found, "latent codes")
    return found


def check_finite_outputs(values: torch.Tensor, what: str) -> None:
    """A model whose finite weights still overflow (weights of 1e30, say) gives NaN outputs; say so instead of
    writing them out or failing later inside a metric."""
    bad = int((~torch.isfinite(values)).flatten(1).any(1).sum()) if values.dim() > 1 else int(
        (~torch.isfinite(values)).sum())
    if bad:
        raise VaekitError(f"the model gives NaN or infinite {what} for {bad} of {len(values)} examples: its weights "
                          "overflow (a diverged or damaged model); train it again or resume from an earlier "
                          "checkpoint")


@torch.no_grad()
def interpolate(model: VAE, x_from: torch.Tensor, x_to: torch.Tensor, steps: int = 10,
                spherical: bool = False, y_from: int | None = None, y_to: int | None = None,
                decode: Callable[[Distribution], torch.Tensor] | None = None) -> torch.Tensor:
    """(steps, *shape) likelihood means decoded along the path between the posterior means of two inputs, or what
    `decode` reads from each p(x|z) (text: a decoding strategy; the sentences are Bowman et al.'s homotopy).

    Linear by default; spherical (slerp) keeps the codes at a typical distance from the origin under N(0, I).
    A conditional VAE encodes each end with its label and decodes the whole path in the first one's class.
    """
    if steps < 2:
        raise VaekitError(f"an interpolation needs at least 2 steps, got {steps}")
    check_output_fits(steps, model.data_shape, "interpolation steps", f"steps={steps}")  # before decoding them
    labels = None if y_from is None else torch.tensor([y_from, y_to if y_to is not None else y_from])
    ends = model.encode(torch.stack([x_from, x_to]).to(model.device), labels).mean
    t = torch.linspace(0, 1, steps, device=ends.device)[:, None]
    if spherical:
        a, b = ends[0], ends[1]
        omega = torch.arccos((a @ b / (a.norm() * b.norm())).clamp(-1 + 1e-7, 1 - 1e-7))
        z = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
    else:
        z = (1 - t) * ends[0] + t * ends[1]
    px = model.decode(z, None if labels is None else labels[:1].expand(steps))
    return (px.mean if decode is None else decode(px)).cpu()
