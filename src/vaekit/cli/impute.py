"""`vaekit impute | inpaint`: fill in missing values of tables and arrays, or masked pixels of images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np
import torch

from vaekit.cli.closing import say_done
from vaekit.cli.counts import at_least, seed_check
from vaekit.cli.outputs import DATA, DEVICE, RUN, SPLIT, _open, data_labels
from vaekit.cli.verdict_record import keep_verdict
from vaekit.core.errors import VaekitError
from vaekit.core.io import atomic_path
from vaekit.core.progress import say_stage
from vaekit.data.corruption import HIDING
from vaekit.data.writers import save_table
from vaekit.model.size import check_output_fits, check_picture_fits

METHOD = click.option("--method", type=click.Choice(["importance", "gibbs", "metropolis", "encoder"]), default=None,
                      help="importance resampling (MIWAE), pseudo-Gibbs, Metropolis-within-Gibbs (exact target "
                      "whatever the encoder), or the encoder alone (a run trained with --corruption hide, which "
                      "learned to fill in) [default: encoder for such a run, importance for the others]")
K = click.option("--k", "k", type=int, default=None, callback=at_least(1),
                 help="importance samples (importance; default 1000), chains averaged (gibbs, metropolis; "
                 "default 100) or codes averaged (encoder; default 100)")
ITERATIONS = click.option("--iterations", default=100, show_default=True, callback=at_least(0),
                          help="sweeps of the gibbs and metropolis chains")
SEED = click.option("--seed", default=0, show_default=True, help="seed of the draws: the same seed repeats a result",
                    callback=seed_check)


@click.command()
@RUN
@DATA
@SPLIT
@click.option("--out", required=True, help="output .csv or .parquet (a table's columns, values and ids), or .npy")
@METHOD
@click.option("--draws", default=1, show_default=True, callback=at_least(1),
              help="1: one imputation, the conditional mean (the most probable value of a binary or categorical "
              "column); N > 1: N draws from p(x_miss | x_obs) for multiple imputation, written one after the other "
              "in one table with a column `draw` (0..N-1), each draw every row in order, or as a .npy array "
              "(N, examples, ...)")
@K
@ITERATIONS
@SEED
@click.option("--check", "check", type=float, default=None, metavar="FRACTION",
              help="also hide this fraction of the observed values (0.2: a fifth), impute them (one imputation) and "
              "score them against the values hidden, beside the column mean (mode for categories), an "
              "IterativeImputer and a KNNImputer fitted on the run's training split: RMSE, accuracy and a verdict, "
              "printed and written to OUT's name with .check.json")
@click.option("--check-seed", type=int, default=None, help="seed of the values --check hides [default: --seed]",
              callback=seed_check)
@click.option("--keep-in-range/--no-keep-in-range", default=True, show_default=True,
              help="a table's or an array's filled-in values stay within the range each column took in the run's "
              "training rows, as VAEImputer's do (runs trained before vaekit recorded the ranges: not clipped)")
@DEVICE
def impute(run: str, source: str | None, split: str | None, out: str, method: str | None, draws: int, k: int | None,
           iterations: int, seed: int, check: float | None, check_seed: int | None, keep_in_range: bool,
           device: str) -> None:
    """Fill in the missing values (empty cells, NaN) of a table or an array with a trained run.

    Observed values are written back unchanged; rows keep their order and ids, columns their names, types and
    category values. Any run can impute; one trained with --missing model (its encoder reads which values are
    observed) needs fewer draws.

    \b
    Example:
      vaekit train --data with-gaps.csv --stop-on hidden-entries --out runs/gaps   # epochs that fill in best
      vaekit impute runs/gaps --data with-gaps.csv --out filled.csv
      vaekit impute runs/gaps --data with-gaps.csv --draws 5 --out draws.csv
      vaekit impute runs/gaps --data with-gaps.csv --check 0.2 --out filled.csv   # + filled.check.json
    """
    from vaekit.tasks.imputation import DEFAULT_K, method_for
    from vaekit.tasks.imputation import impute as impute_values
    from vaekit.tasks.imputation.ranges import keep_in_ranges
    from vaekit.tasks.outputs import select_data

    path = Path(out)
    if path.suffix.lower() not in (".npy", ".csv", ".parquet"):  # before the work, not after it
        raise VaekitError(f"{path}: choose an output ending in .csv, .parquet or .npy")
    if check is not None and not 0 < check < 1:  # before the work, as every refusal
        raise VaekitError(f"--check must be a fraction of the observed values between 0 and 1 (0.2 hides a fifth), "
                          f"got {check}")
    opened = _open(run, device)
    model = opened.model
    method = method or method_for(opened.config)
    chosen = select_data(opened, source, split, missing=True)
    labels = data_labels(model, chosen.y)
    compared = None
    if check is not None:  # its refusals, before the work
        from vaekit.tasks.baselines.fitting import compared_rows, training_split
        from vaekit.tasks.baselines.imputation import hide_entries

        train = training_split(opened, chosen, source is None, missing=True)
        keep, left_out = compared_rows(train, chosen)
        if not keep.any():
            raise VaekitError(f"--check: {left_out}")
        hide_entries(chosen.x[torch.from_numpy(keep)], check, seed if check_seed is None else check_seed)
        compared = (train, keep, left_out)
    if path.suffix.lower() != ".npy":  # a table's values pass through text (float64, then 32 characters each)
        check_output_fits(draws * len(chosen.x), model.data_shape, "imputed rows written as a table",
                          f"--draws {draws}", TABLE_COPIES)
    missing = int(torch.isnan(chosen.x).sum())
    say_stage(f"impute: {missing} missing values in {len(chosen.x)} examples by {method} "
              f"({k or DEFAULT_K[method]} {DRAWN[method]} each)")
    # refused, naming the row and column, before the work (a value far outside the training data) or after it
    # (an imputed value that is not a number): never a file with empty cells and a line saying it was filled
    filled = impute_values(model, chosen.x, method=method, draws=draws, k=k, iterations=iterations, seed=seed,
                           y=labels, columns=opened.data_info.get("columns"), ids=list(chosen.ids))
    ranges = opened.data_info.get("column_ranges") if keep_in_range else None
    filled = keep_in_ranges(filled, chosen.x, ranges)
    if path.suffix.lower() == ".npy":
        with atomic_path(path) as tmp, tmp.open("wb") as handle:
            np.save(handle, filled.numpy())
    else:
        config, info = opened.config, opened.data_info
        source_table = _source_table(chosen.data.source)
        # float32 numbers written as float32 prints them (197.33456, not 197.33456420898438)
        imputed = filled.reshape(draws, len(chosen.x), -1).numpy().astype(str).astype(np.float64)
        values = _with_source_values(imputed,
                                     source_table, chosen, info)
        extra: dict[str, Any] = {}
        if chosen.y is not None and config.data.label_column and info.get("class_names"):
            extra[config.data.label_column] = np.tile(np.asarray(info["class_names"], dtype=object)[chosen.y], draws)
        if draws > 1:
            extra = {"draw": np.repeat(np.arange(draws), len(chosen.x)), **extra}
        save_table(path, values.reshape(-1, values.shape[-1]), info.get("columns"), extra,
                   column_values=info.get("column_values"), ids=np.tile(chosen.ids, draws),
                   dtypes=None if source_table is None else source_table.dtypes.to_dict())
    click.echo(f"filled {missing} missing values in {len(chosen.x)} examples ({method}"
               f"{f', {draws} draws' if draws > 1 else ''}) and wrote {path}")
    if check is not None:
        say_stage("impute --check: hiding observed values, imputing them, and the baselines (column mean, "
                  "IterativeImputer, KNNImputer) on the same entries")
        _check(run, chosen, compared, labels, path, check, seed if check_seed is None else check_seed,
               {"method": method, "k": k, "iterations": iterations, "seed": seed}, opened, ranges)
    else:
        say_done([], [f"vaekit impute {run}{'' if source is None else f' --data {source}'} --check 0.2 --out "
                      f"{path}   # how well: hides a fifth of the known values, beside the column mean, "
                      "IterativeImputer and KNNImputer"])


def _check(run: str, chosen: Any, compared: Any, labels: torch.Tensor | None, path: Path, fraction: float,
           check_seed: int, settings: dict[str, Any], opened: Any, ranges: list[list[float]] | None) -> None:
    """--check: the run's imputation of hidden observed values beside the simple methods' (fitted on the run's
    training split), on the rows it did not train on (`compared`: the training split, which rows, and the line
    saying what was left out), printed and written to OUT's name with .check.json."""
    from vaekit.core.io import write_json
    from vaekit.tasks.baselines.imputation_check import check_imputation
    from vaekit.tasks.baselines.verdict import comparison_lines, verdict

    train, keep, left_out = compared
    if left_out is not None:
        click.echo(left_out)
    rows = torch.from_numpy(keep)
    kinds = opened.data_info.get("column_types") or None
    found = check_imputation(opened.model, chosen.x[rows], train.x, fraction, check_seed, kinds,
                             None if labels is None else labels[rows], settings, ranges)
    written = path.with_name(f"{path.stem}.check.json")
    write_json(written, found)
    click.echo(f"check: {found['hidden_entries']} observed values hidden ({fraction:g}, seed {check_seed}) and "
               f"imputed; baselines fitted on the run's {found['training_rows']} training rows:")
    for key, result in found["verdicts"].items():
        figures = {name: figures[key] for name, figures in found["baselines"].items()}
        shown = verdict(result["metric"], result["vaekit"], figures, result["higher_is_better"],
                        about="categorical entries" if key == "accuracy" else None)  # as check_imputation words it
        click.echo("\n".join(comparison_lines(shown, "the run")[:-1]))
        click.echo(result["verdict"])
        keep_verdict(run, f"impute --check ({key})", shown, chosen, int(keep.sum()),
                     f"--check {fraction:g}, seed {check_seed}")
    click.echo(f"wrote {written} (RMSE in {found['rmse_units']})")


def _source_table(location: str) -> Any:
    """The table file the data came from, as pandas reads it (None for other data)."""
    import pandas as pd

    path = Path(location)
    if not path.is_file() or path.suffix.lower() not in (".csv", ".parquet"):
        return None
    return pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)


def _with_source_values(values: np.ndarray, table: Any, chosen: Any, info: dict[str, Any]) -> np.ndarray:
    """(draws, N, D) imputed tables with the observed numbers of continuous columns taken from the file itself,
    in float64: the data went through float32, which would round a number with more digits."""
    columns, column_values = info.get("columns") or [], info.get("column_values") or []
    if table is None or len(table) != len(chosen.data.train_x) + len(chosen.data.test_x):
        return values
    train_rows, test_rows = chosen.data.rows()
    positions = {"train": train_rows, "test": test_rows}.get(chosen.split, np.arange(len(table)))
    for j, (name, known) in enumerate(zip(columns, column_values)):
        if known is None and name in table and np.issubdtype(table[name].dtype, np.number):
            original = table[name].to_numpy(dtype=np.float64, na_value=np.nan)[positions]
            values[:, :, j] = np.where(np.isnan(original), values[:, :, j], original)
    return values


@click.command()
@RUN
@DATA
@SPLIT
@click.option("--mask", "mask_spec", required=True,
              help="missing pixels: lower-half, upper-half, left-half, right-half, center, random:P (each pixel "
              "missing with probability P, seeded by --seed), or a .npy (1 = missing) or .png (non-black = missing) "
              "file of shape (H, W), (C, H, W) or (N, C, H, W)")
@click.option("-n", "--count", default=32, show_default=True, callback=at_least(1),
              help="how many images from the start of the data")
@click.option("--out", default=None, help="output picture: rows of inputs (missing pixels in red), inpainted images "
              "and originals; the filled images go beside it as NAME.npy and the mask as NAME-mask.npy "
              "[default: RUN/inpainting.png]")
@METHOD
@K
@ITERATIONS
@SEED
@DEVICE
def inpaint(run: str, source: str | None, split: str | None, mask_spec: str, count: int, out: str | None,
            method: str | None, k: int | None, iterations: int, seed: int, device: str) -> None:
    """Fill in masked pixels of images with a trained run.

    \b
    Example:
      vaekit inpaint runs/fashion --data fashion-mnist --mask lower-half -n 16 --out inpainted.png
      vaekit inpaint runs/fashion --mask random:0.5 --method metropolis
    """
    from vaekit.plots.example_figures import inpainting_figure
    from vaekit.plots.save import save_figure
    from vaekit.tasks.images import example_drawer
    from vaekit.tasks.imputation import impute as impute_values
    from vaekit.tasks.imputation import method_for
    from vaekit.tasks.imputation.masks import image_mask
    from vaekit.tasks.outputs import select_data

    path = Path(out or Path(run) / "inpainting.png")
    if path.suffix.lower() != ".png":
        raise VaekitError(f"{path}: the inpainting picture is a .png (the arrays go beside it)")
    opened = _open(run, device)
    model = opened.model
    method = method or method_for(opened.config)
    if not model.is_image:
        raise VaekitError(f"{run} models vectors, not images; fill in a table's missing values with vaekit impute")
    if opened.data_info.get("kind") != "image":  # (C, H, W) spectrograms: their padding frames are missing too
        raise VaekitError(f"{run} models {opened.data_info.get('kind')} data, not images: inpaint's masks and "
                          "pictures are for images (a spectrogram's padding frames are already missing values)")
    chosen = select_data(opened, source, split)
    x = chosen.x[:count]
    # rows of masked inputs, inpainted images and originals: three tiles an image
    check_picture_fits(3 * len(x), "tiles (masked, inpainted and original images)", f"-n {count}",
                       tile_shape=model.data_shape)
    missing = image_mask(mask_spec, tuple(x.shape), seed)
    gaps = x.masked_fill(missing, float("nan"))
    filled = impute_values(model, gaps, method=method, k=k, iterations=iterations, seed=seed,
                           y=data_labels(model, chosen.y, count))
    draw = example_drawer("image")  # inpainting takes images only (checked above): drawn as tiles
    names = [f"id {identity}" for identity in chosen.ids[:count]]
    save_figure(inpainting_figure(draw, x, missing, filled, min(INPAINT_PER_ROW, len(x)), method, names), path)
    for name, array in ((f"{path.stem}.npy", filled.numpy()), (f"{path.stem}-mask.npy", missing.numpy())):
        with atomic_path(path.with_name(name)) as tmp, tmp.open("wb") as handle:
            np.save(handle, array)
    click.echo(f"inpainted {int(missing.sum())} pixels of {len(x)} images ({method}); wrote {path} and "
               f"{path.with_name(f'{path.stem}.npy')}")
    found_verdict = _inpainting_baselines(run, opened, chosen, source is None, x, gaps, filled, missing, seed,
                                          f"--mask {mask_spec}, {method}")
    if found_verdict is not None and found_verdict.winner == "baseline":
        click.echo(_inpainting_hint(opened.config, mask_spec))


def _inpainting_baselines(run: str, opened: Any, chosen: Any, own: bool, x: torch.Tensor, gaps: torch.Tensor,
                          filled: torch.Tensor, missing: torch.Tensor, seed: int, setting: str) -> Any:
    """PSNR over the masked pixels (whose true values are known) of the run's inpainting, the median of the
    observed neighbours, PCA and a KNNImputer fitted on the run's training split, on the images the run did not
    train on, and the verdict (returned; None where it trained on every one)."""
    from vaekit.tasks.baselines.denoising import inpainting_baselines, psnr
    from vaekit.tasks.baselines.fitting import compared_rows, training_split
    from vaekit.tasks.baselines.verdict import comparison_lines, verdict

    train = training_split(opened, chosen, own)
    keep, left_out = compared_rows(train, chosen, "images", count=len(x))
    if left_out is not None:  # only the images the run did not train on are compared
        click.echo(left_out)
        rows = torch.from_numpy(keep)
        if not bool(rows.any()):
            return None
        x, gaps, filled, missing = x[rows], gaps[rows], filled[rows], missing[rows]
    found = {name: psnr(x, values, where=missing)
             for name, values in inpainting_baselines(train.x, gaps, True, seed).items()}
    click.echo(f"PSNR in dB over the {int(missing.sum())} masked pixels (peak 1), baselines fitted on the run's "
               f"{len(train.x)} training images:")
    found_verdict = verdict("PSNR", psnr(x, filled, where=missing), found)
    for line in comparison_lines(found_verdict, "the run"):
        click.echo(line)
    keep_verdict(run, "inpaint", found_verdict, chosen, len(x), setting)
    return found_verdict


def _inpainting_hint(config: Any, mask_spec: str) -> str:
    """What to try when a simple method filled the holes better: a run trained to fill in holes (for a run trained
    on whole images), else a search scored by this very task, with what each gave on held-out images."""
    source = config.data.source
    if config.objective.corruption != HIDING:
        return (f"hint: this run learned whole images; a run trained to fill in holes fills them better: vaekit train "
                f"--data {source} --objective denoising --corruption hide --corruption-level 0.5 (inpaint then "
                f"fills in with its encoder; {HIDE_FIGURES}; BENCHMARKS.md)")
    return (f"hint: a search scored by this task keeps the settings that fill these holes best: vaekit tune --data "
            f"{source} --objective denoising --corruption hide --criterion inpainting:{mask_spec} --minutes 5 "
            f"({HIDE_FIGURES}; BENCHMARKS.md)")


# the lower halves of held-out images, bench/untuned_data.py --trained-on-noise (the VAE searched 5 minutes)
HIDE_FIGURES = ("lower halves of held-out images, trained to fill in, with the defaults and searched 5 minutes by "
                "this criterion, against KNNImputer: 12.7 and 13.3 dB against 14.3 on the 8x8 digits, 13.4 and 13.3 "
                "against 13.1 on 2,000 MNIST digits, 14.3 and 14.3 against 14.0 on 2,000 Fashion-MNIST images; "
                "trained on whole images, 12.6 to 12.6, 12.0 to 12.6 and 11.0 to 11.7")
DRAWN = {"importance": "importance samples", "gibbs": "chains", "metropolis": "chains", "encoder": "code draws"}
INPAINT_PER_ROW = 16  # images in a row of the inpainting picture
TABLE_COPIES = 40  # floats' worth of memory a value of a written table takes: float64, then a 32-character string
COMMANDS = [impute, inpaint]
