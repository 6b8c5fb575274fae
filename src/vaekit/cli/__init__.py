"""The `vaekit` command. Each sub-command lives in its own module; errors become one line and exit status 2."""

from __future__ import annotations

import sys
import warnings

import click

from vaekit.errors import VaekitError


class _Group(click.Group):
    """Turns vaekit's input errors into `error: ...` on stderr and exit status 2, with no traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        # warnings (a posterior collapse, say) print as one line, like errors; this process is ours to set up
        warnings.formatwarning = lambda message, *args, **kwargs: f"warning: {message}\n"
        try:
            return super().invoke(ctx)
        except VaekitError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
        except OSError as error:  # the operating system refused: a full or read-only disk, a folder for a file
            from vaekit.io import write_error

            where = error.filename if error.filename is not None else "a file"
            click.echo(f"error: {write_error(error, where, 'use')}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:  # outside training (which saves and exits 130 itself): loading, plotting
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="vaekit")
def main() -> None:
    """vaekit: train Variational Autoencoders and look at what they learned.

    \b
    Example:
      vaekit train --data digits --latent-dim 2 --epochs 30 --out runs/digits
      vaekit plot manifold runs/digits
    """


def _register() -> None:
    from vaekit.cli import cluster, compress, denoise, evaluate, impute, info, outputs, plot, predict, score, train

    for module in (train, outputs, plot, info, evaluate, score, impute, denoise, compress, cluster, predict):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
