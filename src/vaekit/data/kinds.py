"""What each kind of data is, as a part: the shape of one example, where an output goes by default, how a batch of
examples is written to a file, and what a run records about the data. Code elsewhere asks the kind instead of
branching on its name, so a new kind of data (text, audio) registers one class and every command writes it.

    kind = data_kind("image")
    kind.example_ndim                                   # 3: one example is (C, H, W)
    kind.default_output("samples")                      # 'samples.png'
    kind.save(Path("new.png"), samples, info)           # a grid picture (or .npy, by the suffix)
    kind.save(Path("recon.png"), recon, info, inputs=x) # inputs above their reconstructions

`info` is the "data" section of the run's config.json (read_run_config), with "run_dir" added where a run is at
hand: a kind keeps there what it needs to write its examples (a table's column names, a text's vocabulary file).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, ClassVar

import torch

from vaekit.core.registry import DATA_KINDS
from vaekit.data.writers import IMAGE_SUFFIXES, save_batch, table_frame
from vaekit.plots.grid import image_grid

# Modules that register further kinds (text, audio); imported on the first lookup, so that importing a Dataset
# does not import every kind's readers.
KIND_MODULES: tuple[str, ...] = ("vaekit.data.text.kind", "vaekit.data.series.kind", "vaekit.data.audio.kind",
                                 "vaekit.data.table.kind")


class DataKind:
    """One kind of data. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    example_ndim: ClassVar[int]  # axes of one example: 3 for (C, H, W), 1 for (D,)
    default_suffix: ClassVar[str]  # the file type of an output written without --out
    shape_text: ClassVar[str]  # one example's shape in words, for errors
    # whether its examples can be drawn (the run's samples.png, reconstructions.png, traversals.png); a kind that
    # cannot (text) gets its samples and reconstructions written by `save` instead
    pictured: ClassVar[bool] = True
    # examples of different lengths padded with NaN (audio frames): the model reads the mask and scores the
    # real entries only (model.encoder_mask), and a position may be padding in every example of a data set
    padded: ClassVar[bool] = False
    # values in arbitrary units (a table's, log-mel powers): a location-scale likelihood models them standardized
    # unless model.standardize says otherwise
    standardized: ClassVar[bool] = False
    # the network that reads it when model.network is auto (vaekit.nn's registered names)
    network: ClassVar[str] = "mlp"
    # its values are measurements on a scale, so a difference of two values means something (a reconstruction's
    # squared error); token ids are not: they name words
    values_are_measures: ClassVar[bool] = True
    # its examples are pictures (C, H, W) of values in [0, 1], as a PNG holds them (the complexity score compresses
    # them); a spectrogram's log powers are not
    unit_pictures: ClassVar[bool] = False
    # its samples are synthetic rows (a table read with its metadata): drawn x ~ p(x|z), and may be asked for under
    # conditions and rules (vaekit.tasks.synthesis; `vaekit sample --given --constraints`)
    synthesized: ClassVar[bool] = False

    def likelihood(self, column_types: list[str] | None = None, unit_interval: bool = False) -> str:
        """The likelihood that models it when model.likelihood is auto (vaekit.likelihoods' registered names);
        `column_types` are a table's (continuous, binary, categorical); `unit_interval`: every value of the data
        lies in [0, 1]."""
        return "gaussian"

    def network_for(self, shape: tuple[int, ...] | None) -> str:
        """The network for model.network auto, given one example's shape (None: not known yet): `network` here."""
        return self.network

    def default_output(self, stem: str) -> str:
        """The file name an output called `stem` ("samples", "reconstructions") gets in the run directory."""
        return f"{stem}{self.default_suffix}"

    def save(self, path: Path, batch: torch.Tensor, info: dict[str, Any], ncol: int = 8,
             inputs: torch.Tensor | None = None) -> Path:
        """Write a batch of examples (N, *shape) to `path`; `inputs` (N, *shape), given, are the examples the
        batch reconstructs, written beside them where the file type can show both (a picture: above them)."""
        if inputs is not None and Path(path).suffix.lower() in IMAGE_SUFFIXES:
            batch = torch.cat([inputs.to(batch.device), batch])
        return save_batch(path, batch, ncol=ncol, columns=info.get("columns"),
                          column_values=info.get("column_values"))

    def frame(self, batch: torch.Tensor, info: dict[str, Any]) -> Any:
        """The examples (N, *shape) as rows of a pandas DataFrame in the data's own columns and values, for a kind
        whose examples are table rows; None for the others (pictures, series, text)."""
        return None

    def values(self, batch: torch.Tensor) -> Any:
        """The examples (N, *shape) as a numpy array in the form a user reads them (a series' file form, its
        padding NaN); here as they are."""
        return batch.detach().cpu().numpy()

    def picture(self, batch: torch.Tensor, ncol: int, inputs: torch.Tensor | None = None) -> Any:
        """The examples (N, *shape) as one RGB array (tiles of `ncol` columns) for a run's pictures; `inputs`,
        given, above the batch that reconstructs them. A grid of images here."""
        return image_grid(batch if inputs is None else torch.cat([inputs.to(batch.device), batch]), ncol)

    def entry_map(self, terms: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """A score map from each entry's share of a score, terms (B, *terms) of examples x (B, *shape): one value
        per thing a user points at (a pixel, a column, a time step); NaN where nothing was scored. Here the terms
        as they are (a table's columns, a vector's entries)."""
        return terms

    def run_info(self, data: Any) -> dict[str, Any]:
        """Facts about the data (a Dataset) that the run's config.json keeps beside the shape and kind, as JSON
        values; what `save` and a reload of the data need later."""
        return {}

    def write_run_files(self, run_dir: Path, data: Any) -> None:
        """Files the run directory keeps about the data beside config.json (written atomically), such as a
        vocabulary; nothing for images and vectors."""

    def run_file_contents(self, run_dir: Path, info: dict[str, Any]) -> dict[str, Any]:
        """{file name: what in it the run depends on, as a JSON value} of the files write_run_files wrote, read
        back from `run_dir` (a text's tokens in id order): the run records their fingerprints and refuses a file
        that no longer matches (runs/fingerprints.py). `info` is config.json's "data"."""
        return {}


LARGEST_MLP_IMAGE = 64 * 64  # pixels of the largest image the network auto reads with an MLP


@DATA_KINDS.register("image")
class ImageKind(DataKind):
    """Channels-first pictures (C, H, W) with values in [0, 1]: outputs are grid pictures."""

    name = "image"
    example_ndim = 3
    default_suffix = ".png"
    shape_text = "(C, H, W)"
    unit_pictures = True

    def likelihood(self, column_types: list[str] | None = None, unit_interval: bool = False) -> str:
        return "bernoulli"  # grey levels in [0, 1] as probabilities: the classic VAE's binary cross-entropy

    def network_for(self, shape: tuple[int, ...] | None) -> str:
        """conv for images larger than 64x64 pixels (a user's photos): an MLP's first layer would take every pixel
        of every channel, tens of millions of weights that see no neighbourhood; mlp up to 64x64, where it is the
        measured default (Fashion-MNIST, sprites)."""
        if shape is not None and len(shape) == 3 and shape[1] * shape[2] > LARGEST_MLP_IMAGE:
            return "conv"
        return self.network

    def entry_map(self, terms: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """(B, H, W): a pixel's channels summed (NaN where every channel is missing)."""
        return _sum_observed(terms, dim=-3) if terms.dim() == 4 else terms


def _sum_observed(terms: torch.Tensor, dim: int) -> torch.Tensor:
    """terms summed over `dim`, NaN ones left out, and NaN where all of them are."""
    missing = torch.isnan(terms).all(dim)
    return torch.where(missing, torch.full((), float("nan"), dtype=terms.dtype), terms.nansum(dim))


@DATA_KINDS.register("vector")
class VectorKind(DataKind):
    """Rows of numbers (D,), such as a table's: outputs are CSV tables with the data's column names."""

    name = "vector"
    example_ndim = 1
    default_suffix = ".csv"
    shape_text = "(D,)"
    standardized = True

    def likelihood(self, column_types: list[str] | None = None, unit_interval: bool = False) -> str:
        """A table with binary or categorical columns: each column its own distribution. Numbers that all lie in
        [0, 1] (pixel intensities, shares): the continuous Bernoulli, the density on [0, 1], on the values as
        they are. Where each number is only a measure in its column's units: a Gaussian of the standardized
        columns. On rows of 8x8 digit pixels the Gaussian of standardized columns spends the code on pixels
        that are nearly always blank; k-means on its codes found 0.48 of the digits, on the continuous
        Bernoulli's 0.79 (k-means on the pixels 0.78; BENCHMARKS.md, issue 20)."""
        if column_types and set(column_types) != {"continuous"}:
            return "mixed"
        return "continuous_bernoulli" if unit_interval else "gaussian"

    def frame(self, batch: torch.Tensor, info: dict[str, Any]) -> Any:
        return table_frame(batch.detach().cpu().numpy(), info.get("columns"), info.get("column_values"))


def data_kind(name: str) -> DataKind:
    """The registered kind called `name` (a ConfigError listing the kinds for another name)."""
    for module in KIND_MODULES:
        importlib.import_module(module)
    return DATA_KINDS.get(name)()


def kind_names() -> list[str]:
    """Every registered kind's name."""
    for module in KIND_MODULES:
        importlib.import_module(module)
    return DATA_KINDS.names()
