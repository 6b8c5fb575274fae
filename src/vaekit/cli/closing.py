"""How a command ends: the files it wrote, and the commands worth running next, on stderr (stdout may be data).

    say_done(["runs/vq/model.safetensors", "runs/vq/code-prior.json"],
             [f"vaekit sample runs/vq -n 64 --out samples.png", "vaekit evaluate runs/vq"])
    # wrote runs/vq/model.safetensors, runs/vq/code-prior.json
    # next: vaekit sample runs/vq -n 64 --out samples.png
    #       vaekit evaluate runs/vq
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click


def say_done(written: Sequence[str | Path], then: Sequence[str] = ()) -> None:
    if written:
        click.echo("wrote " + ", ".join(str(path) for path in written), err=True)
    for number, command in enumerate(then):
        click.echo(("next: " if number == 0 else "      ") + command, err=True)
