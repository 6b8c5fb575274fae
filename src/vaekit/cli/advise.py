"""`vaekit advise --data X --goal G`: the settings to start from for these data and this goal, with reasons."""

from __future__ import annotations

import click

from vaekit.advice.goals import GOALS


@click.command(context_settings={"max_content_width": 110})
@click.option("--data", "source", required=True, help="the data, as vaekit train takes it (a name, a file, a folder)")
@click.option("--goal", type=click.Choice(GOALS), default="generate", show_default=True,
              help="what the model is for")
@click.option("--label-column", default=None, help="a table's column of class labels (CSV/Parquet)")
def advise(source: str, goal: str, label_column: str | None) -> None:
    """Read the data's kind, size and values and print the settings to start from for a goal, the reason for
    each, the sizes training would choose, and the commands to run after training (each prints its baseline).

    \b
    Examples:
      vaekit advise --data digits --goal anomaly
      vaekit advise --data people.csv --label-column group --goal cluster
    """
    from vaekit.advice import advise as advise_for
    from vaekit.advice import profile_of
    from vaekit.advice.sizes import sizes_line
    from vaekit.config import Config
    from vaekit.tasks.outputs import load_config_data

    # read as it is, gaps and all: whether it has missing values is part of the advice (--missing model)
    data = load_config_data(Config.from_dict({"data": {"source": source, "label_column": label_column,
                                                       "missing": "model"}}))
    profile = profile_of(data)
    advice = advise_for(profile, goal)
    if label_column is not None:
        advice.settings = {"label_column": label_column, **advice.settings}
    click.echo(f"data: {source}: {profile.describe()}")
    click.echo(f"goal: {goal}")
    for line in advice.warnings:
        click.echo(f"warning: {line}", err=True)
    out = f"runs/{goal}"
    click.echo(f"\nstart from:\n  {advice.command(source, out)}")
    sizes = sizes_line(advice.settings, data)
    if advice.reasons or sizes:
        click.echo("\nwhy:")
        width = max((len(flag) for flag, _ in advice.reasons), default=0)
        for flag, why in advice.reasons:
            click.echo(f"  {flag:<{width}}  {why}")
        if sizes:
            click.echo(f"  {'(sizes)':<{width}}  {sizes}: chosen for these rows when training starts; set "
                       "--hidden or --epochs to choose others")
    if advice.then:
        click.echo("\nthen:")
        for command in advice.next_commands(source, out):
            click.echo("  " + command)


COMMANDS = [advise]
