"""`vaekit sample | reconstruct | embed | interpolate`: use a trained run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np
import torch

from vaekit.cli.counts import at_least, seed_check
from vaekit.cli.decoding import BEAM_WIDTH, DECODE, DEFAULT_BEAM_WIDTH, decoder
from vaekit.cli.prior_choice import PRIOR, trained_prior
from vaekit.cli.run_argument import RunDirectory
from vaekit.core.errors import VaekitError
from vaekit.data.writers import IMAGE_SUFFIXES, save_array_with_ids, save_table
from vaekit.model.size import check_decoded_fits, check_picture_fits

if TYPE_CHECKING:
    from vaekit.runs.run import Run

RUN = click.argument("run", type=RunDirectory())
DEVICE = click.option("--device", default="cpu", show_default=True, help="device to run the model on")
DATA = click.option("--data", "source", help="data to use instead of the run's own (same example shape), whole and "
                    "in its own order")
SPLIT = click.option("--split", type=click.Choice(["test", "train", "all"]), default=None,
                     help="part of the data: test (default), train, or all in the data's original order; of the run's "
                     "own data, or of --data where it has a split of its own (a named data set, x_train/x_test); "
                     "--data without one (a file) is used whole")
PER_ROW = 8  # examples in a row of a picture of reconstructions
GIVEN = click.option("--given", default=None, help="tables: draw rows under conditions, \"cut=Ideal,color=E\" "
                     "(the same for every row; name=null asks for a null) or a .csv/.parquet of conditions, one row "
                     "per sample (blank cells free)")
CONSTRAINTS = click.option("--constraints", type=click.Path(), default=None,
                           help="tables: a JSON file of rules every row keeps (inequalities, ranges, fixed "
                           "combinations, Python functions); kept by rejection, the acceptance rate printed")
LABEL = click.option("--label", type=int, default=None,
                     help="class to draw, for a conditional VAE (default: every class in turn)")


def sample_labels(model, count: int, label: int | None) -> torch.Tensor | None:  # type: ignore[no-untyped-def]
    """The labels a conditional VAE samples: --label, or the classes in turn; None for other models."""
    if model.num_classes is None:
        if label is not None:
            raise VaekitError("--label is for a conditional VAE; this run is not conditional")
        return None
    if label is not None and not 0 <= label < model.num_classes:
        raise VaekitError(f"--label must be between 0 and {model.num_classes - 1}, got {label}")
    return torch.full((count,), label) if label is not None else torch.arange(count) % model.num_classes


def data_labels(model, y: torch.Tensor | None, count: int | None = None):  # type: ignore[no-untyped-def]
    """The data's labels when the model is conditional (an error if the data have none), else None."""
    if model.num_classes is None:
        return None
    if y is None:
        raise VaekitError("this run is a conditional VAE: it needs labelled data")
    return y[:count]


def _open(run: str, device: str) -> Run:
    """The run in directory `run`, opened once (config.json read and checked), with its model loaded on `device`
    (run.model): what every command below passes on instead of the path."""
    from vaekit.runs.run import Run
    from vaekit.training.device import pick_device

    chosen = pick_device(device)
    opened = Run.open(run)
    opened.load_model(chosen)
    return opened


def _columns(run: Run) -> list[str] | None:
    return run.data_info.get("columns")


def _info(run: Run) -> dict:
    """The run's data description (config.json's "data") with "run_dir" added: what a kind needs to write its
    examples (data/kinds.py)."""
    return {**run.data_info, "run_dir": run.path}


def _kind(run: Run):  # type: ignore[no-untyped-def]
    """The run's kind of data (data/kinds.py): how its outputs are named and written."""
    from vaekit.data.kinds import data_kind

    return data_kind(run.data_info["kind"])


def _values(run: Run) -> list | None:
    """What the codes of a table's binary and categorical columns stand for (None for other data)."""
    return run.data_info.get("column_values")


def _drawer(run: Run, path: Path):  # type: ignore[no-untyped-def]
    """How a picture output (.png, .jpg) of this run's examples is drawn, labelled (tasks.images); None when the
    path is not a picture or the kind writes its own (series panels, or an error for vectors and text)."""
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    from vaekit.tasks.images import example_drawer

    return example_drawer(run.data_info["kind"], run.data_info)


def _save_figure(fig, path: Path) -> Path:  # type: ignore[no-untyped-def]
    from vaekit.plots.save import save_figure

    return save_figure(fig, path)


def example_name(index: int, ids: np.ndarray) -> str:
    """`example 3` (the index in the split or --data), with its id on a second line where it differs."""
    identity = str(ids[index])
    return f"example {index}" + ("" if identity == str(index) else f"\nid {identity}")


def _beam(decode: str | None, beam_width: int | None) -> int:
    """The prefixes a decoding keeps per example: a beam search's width, else one."""
    return (beam_width or DEFAULT_BEAM_WIDTH) if decode == "beam" else 1


def check_finite_outputs(values: torch.Tensor, what: str) -> None:
    """The answer is refused rather than written with holes (tasks.outputs.check_finite_outputs)."""
    from vaekit.tasks.outputs import check_finite_outputs as check

    if values.is_floating_point():
        check(values, what)


@click.command()
@RUN
@click.option("-n", "--count", default=64, show_default=True, help="how many samples", callback=at_least(1))
@click.option("--seed", default=0, show_default=True, help="seed of the prior draws",
              callback=seed_check)
@click.option("--draw", is_flag=True, help="draw x ~ p(x|z) instead of the likelihood mean")
@LABEL
@click.option("--out", default=None, help="output .png, .npy, .csv or .parquet, or .txt for text [default: "
              "RUN/samples.png, samples.csv for tables, samples.txt for text, a folder RUN/samples of .wav files "
              "for audio]")
@DECODE
@BEAM_WIDTH
@GIVEN
@CONSTRAINTS
@PRIOR
@DEVICE
def sample(run: str, count: int, seed: int, draw: bool, label: int | None, out: str | None, decode: str | None,
           beam_width: int | None, given: str | None, constraints: str | None, prior_choice: str | None,
           device: str) -> None:
    """Decode draws from the prior: new examples (of class --label, for a conditional VAE).

    For text, sentences, one a line (--decode chooses how they are read from p(x|z)).

    \b
    Example:
      vaekit sample runs/digits -n 100 --seed 1 --out new-digits.png   # z from vaekit fit-prior's fit, if any
      vaekit sample runs/cvae --label 3 -n 16
      vaekit sample runs/fortunes -n 10 --decode beam --beam-width 5   # -> runs/fortunes/samples.txt
      vaekit sample runs/diamonds -n 500 --given "cut=Ideal,color=E" --constraints rules.json --out ideal.csv
    """
    opened = _open(run, device)
    model = opened.model
    kind = _kind(opened)
    path = Path(out or Path(run) / kind.default_output("samples"))
    if kind.synthesized:  # a table read with its metadata: rows drawn, under conditions and rules
        from vaekit.cli.synthetic import sample_table

        return sample_table(opened, count, seed, given, constraints, path)
    if given is not None or constraints is not None:
        raise VaekitError("--given and --constraints are for a run on a table read with its metadata "
                          "(vaekit train --metadata auto); this run's data are not")
    drawer = _drawer(opened, path)
    if drawer is not None:  # a picture (the default output of images is one): before the work
        check_picture_fits(count, "samples", f"-n {count}", tile_shape=model.data_shape)
    check_decoded_fits(model, count, "samples", f"-n {count}", _beam(decode, beam_width))
    generator = torch.Generator(device=model.device).manual_seed(seed)
    if draw and decode is not None:  # both say how x is read from p(x|z)
        raise VaekitError("--draw and --decode both choose how sentences are read from p(x|z); --decode sample "
                          "draws each token in turn, so give one of them")
    labels = sample_labels(model, count, label)
    samples = model.sample(count, generator=generator, mean=not draw, labels=labels,
                           decode=decoder(model, decode, beam_width, seed),
                           trained_prior=trained_prior(model, prior_choice))
    check_finite_outputs(samples, "samples")
    per_row = int(np.ceil(np.sqrt(count)))
    if drawer is not None:
        from vaekit.plots.example_figures import samples_figure
        from vaekit.tasks.images import class_names_of

        what = "drawn from p(x|z) at random points z of the prior" if draw else \
            "decoded (the mean of p(x|z)) at random points z of the prior"
        _save_figure(samples_figure(drawer, samples.cpu(), per_row, labels,
                                    class_names_of(model, opened.data_info.get("class_names")), what), path)
    else:
        path = kind.save(path, samples, _info(opened), ncol=per_row)
    click.echo(f"wrote {count} samples to {path}")


@click.command()
@RUN
@click.option("-n", "--count", default=32, show_default=True, help="how many examples from the start of the split",
              callback=at_least(1))
@click.option("--out", default=None, help="output .png (inputs above reconstructions), .npy, .csv or .parquet; "
              "for text .tsv (id, input, output) or .txt (outputs) [default: RUN/reconstructions.png, .csv for "
              "tables, .tsv for text, a folder of .wav files for audio]")
@DATA
@SPLIT
@DECODE
@BEAM_WIDTH
@DEVICE
def reconstruct(run: str, count: int, out: str | None, source: str | None, split: str, decode: str | None,
                beam_width: int | None, device: str) -> None:
    """Encode examples and decode them again (at the posterior mean).

    \b
    Example:
      vaekit reconstruct runs/digits -n 16 --out recon.png
      vaekit reconstruct runs/fortunes -n 20 --decode beam   # -> runs/fortunes/reconstructions.tsv
    """
    from vaekit.tasks.outputs import select_data

    opened = _open(run, device)
    model = opened.model
    chosen = select_data(opened, source, split)
    x, y = chosen.x[:count], chosen.y
    kind = _kind(opened)
    path = Path(out or Path(run) / kind.default_output("reconstructions"))
    drawer = _drawer(opened, path)
    if drawer is not None:  # each input above its reconstruction: two tiles an example
        check_picture_fits(2 * len(x), "tiles (inputs and their reconstructions)", f"-n {count}",
                           tile_shape=model.data_shape)
    check_decoded_fits(model, len(x), "reconstructions", f"-n {count}", _beam(decode, beam_width))
    recon = model.reconstruct(x.to(model.device), y=data_labels(model, y, count),
                              decode=decoder(model, decode, beam_width)).cpu()
    check_finite_outputs(recon, "reconstructions")
    if drawer is not None:
        from vaekit.plots.example_figures import reconstructions_figure

        names = [f"id {identity}" for identity in chosen.ids[:count]]
        _save_figure(reconstructions_figure(drawer, x, recon, PER_ROW, names, kind.padded), path)
    else:
        info = {**_info(opened), "ids": chosen.ids[:count]}  # a text's table names each input by its id
        path = kind.save(path, recon, info, inputs=x)
    click.echo(f"wrote {len(x)} reconstructions to {path}")


@click.command()
@RUN
@click.option("--out", required=True, help="output .npy (codes; ids and labels beside it in NAME-ids.npy and "
              "NAME-labels.npy), .csv or .parquet (columns id, z0.. and label)")
@click.option("--sample", "draw", is_flag=True, help="one posterior sample per example instead of the mean")
@click.option("--seed", default=0, show_default=True, help="seed of the posterior samples",
              callback=seed_check)
@DATA
@SPLIT
@DEVICE
def embed(run: str, out: str, draw: bool, seed: int, source: str | None, split: str, device: str) -> None:
    """Write latent codes (posterior means) of a data split, or of --data whole, in order, with ids and labels.

    The rows keep the data's order. Each has an id: a table's index (an unnamed first column in a CSV), an image
    folder's file name, or else the row's number in the data (0-based).

    \b
    Example:
      vaekit embed runs/digits --split all --out codes.csv
      vaekit embed runs/digits --data held.npz --out held-codes.npy
    """
    from vaekit.tasks.outputs import embed as embed_codes
    from vaekit.tasks.outputs import select_data

    opened = _open(run, device)
    model = opened.model
    chosen = select_data(opened, source, split)
    x, y, ids = chosen.x, chosen.y, chosen.ids
    path = Path(out)
    if path.suffix.lower() not in (".npy", ".csv", ".parquet"):  # before the work, not after it
        raise VaekitError(f"{path}: choose an output ending in .npy, .csv or .parquet")
    generator = torch.Generator(device=model.device).manual_seed(seed)
    codes = embed_codes(model, x, sample=draw, generator=generator, y=data_labels(model, y)).numpy()
    if path.suffix.lower() == ".npy":
        save_array_with_ids(path, codes, ids, None if y is None else y.numpy())
    else:
        extra = {} if y is None else {"label": y.numpy()}
        save_table(path, codes, [f"z{i}" for i in range(codes.shape[1])], extra, ids=ids)
    click.echo(f"wrote {codes.shape[0]} codes of dimension {codes.shape[1]} to {path}")


@click.command()
@RUN
@click.option("--from", "index_from", default=0, show_default=True,
              help="index of the first example in the split (in --data: its row number)", callback=at_least(0))
@click.option("--to", "index_to", default=1, show_default=True, help="index of the second example",
              callback=at_least(0))
@click.option("--steps", default=10, show_default=True, help="points along the path, ends included",
              callback=at_least(2))
@click.option("--spherical", is_flag=True, help="spherical (slerp) instead of linear interpolation")
@click.option("--out", default=None, help="output .png, .npy, .csv or .parquet, or .txt for text [default: "
              "RUN/interpolation.png, .csv for tables, .txt for text, a folder of .wav files for audio]")
@DATA
@SPLIT
@DECODE
@BEAM_WIDTH
@DEVICE
def interpolate(run: str, index_from: int, index_to: int, steps: int, spherical: bool, out: str | None,
                source: str | None, split: str, decode: str | None, beam_width: int | None, device: str) -> None:
    """Decode the path between the latent codes of two examples.

    For text, the sentences along the path, one a line (the homotopies of Bowman et al. 2016).

    \b
    Example:
      vaekit interpolate runs/digits --from 3 --to 8 --steps 12 --out path.png
      vaekit interpolate runs/fortunes --from 0 --to 1 --steps 7   # -> runs/fortunes/interpolation.txt
    """
    from vaekit.tasks.outputs import interpolate as interpolate_codes
    from vaekit.tasks.outputs import select_data

    opened = _open(run, device)
    model = opened.model
    chosen = select_data(opened, source, split)
    x, y = chosen.x, chosen.y
    for index in (index_from, index_to):
        if not 0 <= index < len(x):
            where = f"the {chosen.split} split" if source is None else chosen.source
            raise VaekitError(f"example index {index} is out of range: {where} has {len(x)} examples")
    labels = data_labels(model, y)
    kind = _kind(opened)
    path = Path(out or Path(run) / kind.default_output("interpolation"))
    drawer = _drawer(opened, path)
    if drawer is not None:  # one row: the two inputs at the ends of the decoded path
        check_picture_fits(steps + 2, "interpolation steps", f"--steps {steps}", per_row=steps + 2,
                           tile_shape=model.data_shape)
    check_decoded_fits(model, steps, "interpolation steps", f"--steps {steps}",
                       _beam(decode, beam_width))
    ends = (None, None) if labels is None else (int(labels[index_from]), int(labels[index_to]))
    decoded = interpolate_codes(model, x[index_from], x[index_to], steps, spherical, *ends,
                                decode=decoder(model, decode, beam_width))
    check_finite_outputs(decoded, "interpolation steps")
    if drawer is not None:
        from vaekit.plots.example_figures import interpolation_figure

        _save_figure(interpolation_figure(drawer, decoded, x[index_from], x[index_to],
                                          example_name(index_from, chosen.ids), example_name(index_to, chosen.ids),
                                          spherical), path)
    else:
        path = kind.save(path, decoded, _info(opened), ncol=steps)
    click.echo(f"wrote a {steps}-step interpolation between examples {index_from} and {index_to} to {path}")


COMMANDS = [sample, reconstruct, embed, interpolate]
