"""`vaekit plot latent | manifold | reconstructions | samples RUN`."""

from __future__ import annotations

from pathlib import Path

import click

from vaekit.cli.outputs import DATA, DEVICE, LABEL, RUN, SPLIT, _load, data_labels, sample_labels
from vaekit.errors import VaekitError

OUT = click.option("--out", default=None, help="output picture [default: RUN/<kind>.png]")


@click.group()
def plot() -> None:
    """Draw a figure of a trained run.

    \b
    Examples:
      vaekit plot latent runs/digits --split all
      vaekit plot manifold runs/digits --out manifold.png
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
    from vaekit.inference import embed, run_data
    from vaekit.plots import save_latent_scatter

    model = _load(run, device)
    data, x, y = run_data(run, source, split)
    path = save_latent_scatter(embed(model, x, y=data_labels(model, y)), y, out or Path(run) / "latent.png",
                               data.class_names)
    click.echo(f"wrote {path}")


@plot.command()
@RUN
@OUT
@click.option("--steps", default=15, show_default=True, help="images per side")
@click.option("--label", type=int, default=None, help="class to draw it in, for a conditional VAE (default 0)")
@DATA
@DEVICE
def manifold(run: str, out: str | None, steps: int, label: int | None, source: str | None, device: str) -> None:
    """Images decoded on a grid of normal quantiles along the two leading latent directions.

    \b
    Example:
      vaekit plot manifold runs/digits --steps 20 --out manifold-20.png
    """
    from vaekit.inference import embed, run_data
    from vaekit.plots import latent_directions, save_manifold

    model = _load(run, device)
    if not model.is_image:
        raise VaekitError("a manifold picture needs image data; this run's data are vectors")
    _, x, y = run_data(run, source)  # the test split, or --data whole
    sample_labels(model, 1, label)  # checks --label against the model
    path = save_manifold(model, latent_directions(embed(model, x, y=data_labels(model, y))),
                         out or Path(run) / "manifold.png", steps, label)
    click.echo(f"wrote {path}")


@plot.command()
@RUN
@OUT
@click.option("-n", "--count", default=32, show_default=True)
@DATA
@SPLIT
@DEVICE
def reconstructions(run: str, out: str | None, count: int, source: str | None, split: str, device: str) -> None:
    """Inputs above their reconstructions.

    \b
    Example:
      vaekit plot reconstructions runs/digits -n 16 --split train
    """
    from vaekit.inference import run_data
    from vaekit.plots import save_reconstructions

    model = _load(run, device)
    _, x, y = run_data(run, source, split)
    path = save_reconstructions(model, x[:count], out or Path(run) / "reconstructions.png",
                                y=data_labels(model, y, count))
    click.echo(f"wrote {path}")


@plot.command()
@RUN
@OUT
@click.option("-n", "--count", default=64, show_default=True)
@click.option("--seed", default=0, show_default=True)
@LABEL
@DEVICE
def samples(run: str, out: str | None, count: int, seed: int, label: int | None, device: str) -> None:
    """Decoded draws from the prior (a conditional VAE: one row per class, or --label's class).

    \b
    Example:
      vaekit plot samples runs/digits -n 100 --seed 2 --out samples-100.png
    """
    from vaekit.plots import save_samples

    model = _load(run, device)
    sample_labels(model, 1, label)  # checks --label against the model
    click.echo(f"wrote {save_samples(model, out or Path(run) / 'samples.png', count, seed, label=label)}")


COMMANDS = [plot]
