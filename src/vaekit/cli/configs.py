"""`vaekit configs [NAME]`: the configs that ship with vaekit, usable by name from any directory
(`vaekit train --config NAME`)."""

from __future__ import annotations

import click

from vaekit.config.files import describe_named, named_configs
from vaekit.core.errors import VaekitError


@click.command(context_settings={"max_content_width": 110})
@click.argument("name", required=False)
def configs(name: str | None) -> None:
    """List the configs that ship with vaekit, or print one: each trains a model the docs describe, and
    `vaekit train --config NAME` takes it by name (flags override its settings).

    \b
    Examples:
      vaekit configs
      vaekit configs vade
      vaekit train --config vade --epochs 10 --out runs/vade
    """
    named = named_configs()
    if name is None:
        width = max(len(key) for key in named)
        for key, path in named.items():
            click.echo(f"{key:<{width}}  {describe_named(path)}")
        click.echo("\nvaekit configs NAME prints one; vaekit train --config NAME trains it")
        return
    if name not in named:
        raise VaekitError(f"no named config {name!r}; the named ones: {', '.join(named)}")
    click.echo(named[name].read_text(), nl=False)


COMMANDS = [configs]
