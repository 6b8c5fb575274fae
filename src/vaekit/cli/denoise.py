"""`vaekit denoise`: the likelihood mean at the posterior mean of noisy inputs, in their order, with their ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np
import torch

from vaekit.cli.counts import at_least, seed_check
from vaekit.cli.outputs import (
    DATA,
    DEVICE,
    RUN,
    SPLIT,
    _columns,
    _open,
    _values,
    data_labels,
)
from vaekit.cli.verdict_record import keep_verdict
from vaekit.core.errors import VaekitError
from vaekit.data.writers import (
    IMAGE_SUFFIXES,
    TABLE_SUFFIXES,
    check_outputs_apart,
    save_array_with_ids,
    save_batch,
    save_table,
)
from vaekit.model.size import check_picture_fits

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from vaekit.plots.example_figures import Draw
    from vaekit.runs.run import Run

SUFFIXES = (*IMAGE_SUFFIXES, ".npy", *TABLE_SUFFIXES)
PICTURE_COUNT = 64  # a picture shows this many examples unless -n says otherwise: a grid of thousands says nothing
PER_ROW = 16


@click.command()
@RUN
@DATA
@SPLIT
@click.option("--out", required=True, help="output .png (noisy inputs above denoised outputs), .npy (ids beside "
              "it in NAME-ids.npy), .csv or .parquet (column id, then one column per data dimension)")
@click.option("--add-noise", "noise", default=None, metavar="KIND:LEVEL",
              help="corrupt the (clean) data first, to see the effect: gaussian:SIGMA, salt_pepper:P, mask:P or "
              "replace:P, kept in the likelihood's data support")
@click.option("--noise", "known", default=None, metavar="KIND:LEVEL",
              help="the noise the inputs carry (gaussian:SIGMA, salt_pepper:P or mask:P): the output is then the "
              "posterior mean of the clean input under the model and that noise, which keeps what the noise left "
              "(salt_pepper: every value it cannot have written) where the decoder's mean would blur it; none: the "
              "decoder's mean [default: the --add-noise noise where it is one of these, else none]")
@click.option("--seed", default=0, show_default=True, help="seed of --add-noise and of --noise gaussian's draws",
              callback=seed_check)
@click.option("--noisy-out", default=None, help="also write the inputs --add-noise made (.png, .npy, .csv, .parquet)")
@click.option("-n", "--count", type=int, default=None, callback=at_least(1),
              help=f"only the first N examples [default: all; a picture shows the first {PICTURE_COUNT}]")
@DEVICE
def denoise(run: str, source: str | None, split: str | None, out: str, noise: str | None, known: str | None,
            seed: int, noisy_out: str | None, count: int | None, device: str) -> None:
    """Denoise examples: encode each noisy input and decode the posterior mean (as reconstruct does), in the
    data's order, with its ids. Knowing the noise (--noise), it writes the posterior mean of the clean input under
    the model and that noise instead. A run trained with --objective denoising learned to remove the noise.

    \b
    Example:
      vaekit train --data fashion-mnist --objective denoising --corruption gaussian --corruption-level 0.3 \\
        --out runs/denoiser
      vaekit denoise runs/denoiser --data noisy.npy --noise gaussian:0.3 --out clean.npy
      vaekit denoise runs/denoiser --add-noise salt_pepper:0.1 --noisy-out noisy.png --out clean.png
    """
    from vaekit.plots.example_figures import denoising_figure
    from vaekit.plots.image_rows import paired_rows
    from vaekit.tasks.denoising import add_noise
    from vaekit.tasks.denoising import denoise as denoise_examples
    from vaekit.tasks.outputs import select_data

    paths = [Path(out)] + ([Path(noisy_out)] if noisy_out else [])
    if noisy_out and noise is None:
        raise VaekitError("--noisy-out writes the inputs that --add-noise makes; give --add-noise KIND:LEVEL too "
                          "(without it the inputs are --data as it is)")
    if noise is not None:
        from vaekit.data.corruption import parse_noise

        parse_noise(noise)  # a malformed --add-noise is refused before the model and the data are read
    known = _known_noise(known, noise)  # and a --noise that cannot be worked out, too
    # every file the call writes (an .npy's ids beside it too) apart from the others, before any is written
    check_outputs_apart({"--out": Path(out), "--noisy-out": Path(noisy_out) if noisy_out else None})
    for path in paths:  # before the work, not after it
        if path.suffix.lower() not in SUFFIXES:
            raise VaekitError(f"{path}: choose an output ending in .png, .npy, .csv or .parquet")
    opened = _open(run, device)
    model = opened.model
    for path in paths:
        if path.suffix.lower() in IMAGE_SUFFIXES and not model.is_image:
            raise VaekitError(f"{path}: this run models vectors, not images; write .npy, .csv or .parquet")
    chosen = select_data(opened, source, split)
    picture = Path(out).suffix.lower() in IMAGE_SUFFIXES
    shown = count or (PICTURE_COUNT if picture else len(chosen.x))
    x, ids = chosen.x[:shown], chosen.ids[:shown]
    if picture:  # rows of noisy inputs, their denoised outputs and, where known, the clean ones
        parts = "noisy, denoised and clean examples" if noise is not None else "inputs and denoised examples"
        check_picture_fits(len(x) * (3 if noise is not None else 2), f"tiles ({parts})", f"-n {shown}",
                           tile_shape=model.data_shape)
    if noisy_out and Path(noisy_out).suffix.lower() in IMAGE_SUFFIXES:
        check_picture_fits(len(x), "noisy inputs", f"-n {shown}", tile_shape=model.data_shape)
    labels = data_labels(model, chosen.y, shown)
    noisy = add_noise(model, x, noise, seed) if noise is not None else x
    clean = denoise_examples(model, noisy, labels, noise=known, seed=seed)
    names = [f"id {identity}" for identity in ids]
    _write(Path(out), clean, ids, opened, lambda draw: denoising_figure(
        draw, noisy, clean, x if noise is not None else None, min(PER_ROW, len(x)), noise, names))
    if noisy_out:
        _write(Path(noisy_out), noisy, ids, opened, lambda draw: draw(
            paired_rows([("noisy", noisy)], min(PER_ROW, len(x)), names),
            f"{len(noisy)} inputs made noisy with {noise}"))
    also = f" and the noisy inputs to {noisy_out}" if noisy_out else ""
    how = f"knowing the noise {known}" if known else "the decoder's mean"
    click.echo(f"wrote {len(clean)} denoised examples ({how}) to {out}{also}")
    if noise is not None:  # the clean inputs are known: the simple methods beside the run
        _baselines(run, opened, chosen, source is None, x, noisy, clean, seed, noise, known)


def _known_noise(known: str | None, added: str | None) -> str | None:
    """The noise to denoise under: --noise as given (none: none), else the one --add-noise makes where its
    posterior is worked out (tasks/known_noise.py), else none (the decoder's mean)."""
    from vaekit.tasks.known_noise import check_known, undoable

    if known is not None:
        if known.strip().lower() == "none":
            return None
        check_known(known)
        return known
    return undoable(added)


def _baselines(run: str, opened: Run, chosen: Any, own: bool, x: torch.Tensor, noisy: torch.Tensor,
               clean: torch.Tensor, seed: int, noise: str, known: str | None) -> None:
    """PSNR against the clean inputs of the run's output, of a 3x3 median filter (images) and of a PCA
    reconstruction fitted on the run's clean training split, and the verdict."""
    from vaekit.tasks.baselines.denoising import denoising_baselines, peak_of, psnr
    from vaekit.tasks.baselines.fitting import compared_rows, training_split
    from vaekit.tasks.baselines.verdict import comparison_lines, figure, verdict

    train = training_split(opened, chosen, own)
    keep, left_out = compared_rows(train, chosen, count=len(x))
    if left_out is not None:  # only the rows the run did not train on are compared
        click.echo(left_out)
        rows = torch.from_numpy(keep)
        if not bool(rows.any()):
            return
        x, noisy, clean = x[rows], noisy[rows], clean[rows]
    image = opened.model.is_image
    peak = peak_of(train.x, image)
    found = {name: psnr(x, values, peak) for name, values in
             denoising_baselines(train.x, noisy, image, seed).items()}
    click.echo(f"PSNR in dB against the clean inputs (peak {figure(peak)}; the noisy inputs: "
               f"{figure(psnr(x, noisy, peak))}), baselines fitted on the run's {len(train.x)} training rows:")
    found_verdict = verdict("PSNR", psnr(x, clean, peak), found)
    for line in comparison_lines(found_verdict, "the run"):
        click.echo(line)
    how = f"--noise {known}" if known else "the decoder's mean"
    keep_verdict(run, "denoise", found_verdict, chosen, len(x), f"--add-noise {noise}, {how}, seed {seed}")
    if found_verdict.winner != "vaekit":
        click.echo(_losing_hint(opened, noise, known))


# what the hint's advice gave, by the noise measured (BENCHMARKS.md, "Restoring images of three sets"): quoted
# for a noise of the same kind, whatever its level
MEASURED = {
    "gaussian:0.3": ("on 2,000 MNIST digits with gaussian 0.3 noise: 15.9 dB trained on the noise, 17.3 dB so "
                     "trained and knowing the noise, PCA 17.2"),
    "salt_pepper:0.1": ("on the 8x8 digits with salt_pepper 0.1 noise: 16.7 dB trained on the noise, 20.3 dB so "
                        "trained and knowing the noise, PCA 16.8"),
}


def _losing_hint(opened: Run, noise: str, known: str | None) -> str:
    """What to try when the run lost to a simple method on `noise` (KIND:LEVEL): training on noise, denoising
    knowing the noise (where it was asked not to), and a search scored by denoising this very noise on validation
    rows (vaekit tune --criterion denoising:KIND:LEVEL)."""
    from vaekit.tasks.known_noise import KNOWN

    kind = noise.split(":")[0]
    search = (f"vaekit tune --data {opened.config.data.source} --objective {_denoising_objectives()[0]} "
              f"--corruption {kind} --likelihood gaussian --criterion denoising:{noise} --minutes 5")
    measured = [text for spec, text in MEASURED.items() if spec.partition(":")[0] == kind]
    figures = f" ({measured[0]}; BENCHMARKS.md)" if measured else ""
    knowing = (f"; denoising knowing the noise (--noise {noise}) keeps what the noise left"
               if known is None and kind in KNOWN else "")
    if not _trained_on_noise(opened):
        return (f"hint: this run was trained on clean inputs; a run trained to remove noise restores better "
                f"(--objective {' or '.join(_denoising_objectives())} --corruption KIND --corruption-level LEVEL, "
                f"for images with --likelihood gaussian){knowing}, and a search scored by this noise chooses the "
                f"settings that remove it best: {search}{figures}")
    return f"hint: a search scored by this noise chooses the settings that remove it best: {search}{knowing}{figures}"


def _denoising_objectives() -> list[str]:
    """The objectives that train on corrupted inputs: those that read the corruption setting."""
    from vaekit.parts import registry

    objectives = registry("objective")
    return [name for name in objectives.names() if "corruption" in objectives.get(name).honours]


def _trained_on_noise(opened: Run) -> bool:
    objective = opened.config.objective
    return objective.name in _denoising_objectives() and objective.corruption != "none"


def _write(path: Path, values: torch.Tensor, ids: np.ndarray, run: Run, figure: Callable[[Draw], Figure]) -> None:
    """`values` in order: a picture (`figure`, given how the run's kind of data is drawn, makes it), an array
    with its ids beside it, or a table whose first column is the id."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        from vaekit.plots.save import save_figure
        from vaekit.tasks.images import example_drawer

        draw = example_drawer(run.data_info["kind"], run.data_info)
        if draw is None:  # a kind drawn its own way
            save_batch(path, values, ncol=min(PER_ROW, len(values)))
        else:
            save_figure(figure(draw), path)
    elif suffix == ".npy":
        save_array_with_ids(path, values.numpy(), ids)
    else:
        save_table(path, values.reshape(len(values), -1).numpy(), _columns(run), column_values=_values(run),
                   ids=ids)


COMMANDS = [denoise]
