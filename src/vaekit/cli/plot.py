"""`vaekit plot latent | manifold | reconstructions | samples | traversals RUN`."""

from __future__ import annotations

from pathlib import Path

import click

from vaekit.cli.counts import at_least, seed_check
from vaekit.cli.outputs import DATA, DEVICE, LABEL, RUN, SPLIT, _columns, _open, _values, data_labels, sample_labels
from vaekit.core.errors import VaekitError
from vaekit.model.size import check_output_fits, check_picture_fits

OUT = click.option("--out", default=None, help="output picture [default: RUN/<kind>.png]")


@click.group()
def plot() -> None:
    """Draw a figure of a trained run.

    \b
    Examples:
      vaekit plot latent runs/digits --split all
      vaekit plot manifold runs/digits --out manifold.png
      vaekit plot traversals runs/digits --example 3
    """


@plot.command()
@RUN
@OUT
@DATA
@SPLIT
@DEVICE
def latent(run: str, out: str | None, source: str | None, split: str, device: str) -> None:
    """Posterior means coloured by label (PCA to 2-D when the latent has more than 2 dimensions).

    \b
    Example:
      vaekit plot latent runs/digits --split all --out latent-all.png
    """
    from vaekit.plots import save_latent_scatter
    from vaekit.tasks.outputs import embed, run_data

    opened = _open(run, device)
    model = opened.model
    data, x, y = run_data(opened, source, split)
    path = save_latent_scatter(embed(model, x, y=data_labels(model, y)), y, out or Path(run) / "latent.png",
                               data.class_names)
    click.echo(f"wrote {path}")


@plot.command()
@RUN
@OUT
@click.option("--steps", default=15, show_default=True, help="images per side", callback=at_least(2))
@click.option("--label", type=int, default=None, help="class to draw it in, for a conditional VAE (default 0)")
@DATA
@DEVICE
def manifold(run: str, out: str | None, steps: int, label: int | None, source: str | None, device: str) -> None:
    """Images decoded on a grid of normal quantiles along the two leading latent directions.

    \b
    Example:
      vaekit plot manifold runs/digits --steps 20 --out manifold-20.png
    """
    from vaekit.plots import latent_directions
    from vaekit.tasks.images import save_manifold
    from vaekit.tasks.outputs import embed, run_data

    opened = _open(run, device)
    model = opened.model
    if not model.is_image:
        raise VaekitError("a manifold picture needs image data; this run's data are vectors")
    check_picture_fits(steps * steps, "manifold images", f"--steps {steps}", per_row=steps,
                       tile_shape=model.data_shape)  # before the work
    _, x, y = run_data(opened, source)  # the test split, or --data whole
    sample_labels(model, 1, label)  # checks --label against the model
    check_output_fits(steps * steps, model.data_shape, "manifold images", f"--steps {steps}")
    path = save_manifold(model, latent_directions(embed(model, x, y=data_labels(model, y))),
                         out or Path(run) / "manifold.png", steps, label, opened.data_info.get("class_names"))
    click.echo(f"wrote {path}")


@plot.command()
@RUN
@OUT
@click.option("-n", "--count", default=32, show_default=True, callback=at_least(1))
@DATA
@SPLIT
@DEVICE
def reconstructions(run: str, out: str | None, count: int, source: str | None, split: str, device: str) -> None:
    """Inputs above their reconstructions.

    \b
    Example:
      vaekit plot reconstructions runs/digits -n 16 --split train
    """
    from vaekit.tasks.images import save_reconstructions
    from vaekit.tasks.outputs import run_data

    opened = _open(run, device)
    model = opened.model
    _, x, y = run_data(opened, source, split)
    # inputs above their reconstructions: two tiles an example shown
    check_picture_fits(2 * min(count, len(x)), "tiles (inputs and their reconstructions)", f"-n {count}",
                       tile_shape=model.data_shape)
    path = save_reconstructions(model, x[:count], out or Path(run) / "reconstructions.png",
                                y=data_labels(model, y, count), info=opened.data_info)
    click.echo(f"wrote {path}")


@plot.command()
@RUN
@OUT
@click.option("-n", "--count", default=64, show_default=True, callback=at_least(1))
@click.option("--seed", default=0, show_default=True, callback=seed_check)
@LABEL
@DEVICE
def samples(run: str, out: str | None, count: int, seed: int, label: int | None, device: str) -> None:
    """Decoded draws from the prior (a conditional VAE: one row per class, or --label's class).

    \b
    Example:
      vaekit plot samples runs/digits -n 100 --seed 2 --out samples-100.png
    """
    from vaekit.tasks.images import save_samples

    opened = _open(run, device)
    model = opened.model
    check_picture_fits(count, "samples", f"-n {count}", tile_shape=model.data_shape)  # before the work
    sample_labels(model, 1, label)  # checks --label against the model
    check_output_fits(count, model.data_shape, "samples", f"-n {count}")
    path = save_samples(model, out or Path(run) / "samples.png", count, seed, label=label,
                        class_names=opened.data_info.get("class_names"), info=opened.data_info)
    click.echo(f"wrote {path}")


@plot.command()
@RUN
@click.option("--out", default=None, help="output .png [default: RUN/traversals.png, which the report shows]")
@click.option("--example", default=0, show_default=True, callback=at_least(0),
              help="index of the example in the split (in --data: its row number) whose code the others keep")
@click.option("--dims", default=10, show_default=True, callback=at_least(1),
              help="how many latent dimensions, those with the largest mean KL first")
@click.option("--steps", default=9, show_default=True, callback=at_least(2), help="values per dimension")
@click.option("--range", "spread", default=3.0, show_default=True,
              help="sweep each dimension over the prior's mean +- RANGE standard deviations")
@click.option("--hide-collapsed", is_flag=True, help="leave out collapsed (inactive) dimensions instead of "
              "showing them last")
@DATA
@SPLIT
@DEVICE
def traversals(run: str, out: str | None, example: int, dims: int, steps: int, spread: float, hide_collapsed: bool,
               source: str | None, split: str | None, device: str) -> None:
    """Decode each latent dimension swept over the prior's range while the others stay at one example's code;
    dimensions in order of their mean KL over the data (at most 2000 examples), largest first. Images: a grid,
    one row per dimension; tables: a line chart per column.

    \b
    Example:
      vaekit plot traversals runs/digits --example 3 --dims 6 --steps 11
      vaekit plot traversals runs/wine --range 2 --out wine-traversals.png
    """
    from vaekit.plots.spectrograms import SpectrogramScale
    from vaekit.plots.traversals import save_traversals
    from vaekit.runs.lock import claim_run
    from vaekit.tasks.images import spectrogram_scale
    from vaekit.tasks.outputs import select_data
    from vaekit.tasks.traversals import dimension_order
    from vaekit.tasks.traversals import traversals as traverse

    path = Path(out) if out is not None else Path(run) / "traversals.png"
    if path.suffix.lower() != ".png":  # before the work, not after it
        raise VaekitError(f"{path}: the traversal picture is a .png; choose an output ending in .png")
    if not (spread > 0 and spread < float("inf")):
        raise VaekitError(f"--range must be a positive number of prior standard deviations, got {spread}")
    opened = _open(run, device)
    model = opened.model
    # at most this many rows: the latent's dimensions; sized before the dimensions are ordered (the work)
    rows = min(dims, model.latent_dim)
    check_output_fits(rows * steps, model.data_shape, "traversal images", f"--dims {dims} --steps {steps}",
                      max(1, int(model.likelihood.params_per_element)))  # the decoder's outputs for each
    if model.is_image:  # a grid of tiles; a table's traversals are a chart of lines
        check_picture_fits(rows * steps, "traversal images", f"--dims {dims} --steps {steps}", per_row=steps,
                           tile_shape=model.data_shape)
    chosen = select_data(opened, source, split)
    if not 0 <= example < len(chosen.x):
        where = f"the {chosen.split} split" if source is None else chosen.source
        raise VaekitError(f"--example {example} is out of range: {where} has {len(chosen.x)} examples")
    labels = data_labels(model, chosen.y)
    order = dimension_order(model, chosen.x[:ORDER_EXAMPLES], None if labels is None else labels[:ORDER_EXAMPLES])
    shown = order.top(dims, skip_collapsed=hide_collapsed)
    result = traverse(model, chosen.x[example:example + 1], shown, steps, spread,
                      None if labels is None else labels[example:example + 1])
    columns = None if model.is_image else _columns(opened)
    # spectrograms over the decoded values' own range, as the run's traversals.png (tasks.run_pictures)
    spectrogram = None if spectrogram_scale(model.data_kind) is None else SpectrogramScale()
    if out is None:  # into the run: one writer at a time
        with claim_run(run, "vaekit plot traversals"):
            save_traversals(result, path, order, columns, spectrogram, _values(opened))
    else:
        save_traversals(result, path, order, columns, spectrogram, _values(opened))
    click.echo(f"wrote traversals of {len(shown)} latent dimensions, {steps} steps each, to {path}")


ORDER_EXAMPLES = 2000  # examples that measure each dimension's KL: plenty for a mean, quick on a CPU
COMMANDS = [plot]
