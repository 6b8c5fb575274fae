"""`vaekit card RUN`: write the run's model card (README.md with a Hugging Face style YAML header)."""

from __future__ import annotations

import click

from vaekit.cli.run_argument import RunDirectory


@click.command()
@click.argument("run", type=RunDirectory(writes=True))  # README.md goes into the run: no training under it
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="where to write the card [default: RUN/README.md]")
@click.option("--name", default=None, help="the model's name in the card, e.g. the Hub repository user/name "
                                           "[default: the run directory's name]")
def card(run: str, out: str | None, name: str | None) -> None:
    """Write RUN/README.md, the run's model card: a YAML header in the Hugging Face style (library, tags, the data
    and its fingerprints, the metrics of RUN/evaluation.json with their protocol) and prose on the data, the
    objective, training, intended use, known limits and how to load it. Run `vaekit evaluate RUN` first for
    metrics in the card.

    \b
    Example:
      vaekit evaluate runs/digits
      vaekit card runs/digits                     # -> runs/digits/README.md
      vaekit card runs/digits --name me/digits-vae --out card.md
    """
    from vaekit.report.card import write_card

    path = write_card(run, out, name)
    click.echo(f"model card written to {path}")


COMMANDS = [card]
