"""The RUN argument of every command that opens a run directory, honouring the run's lock in one place.

    RUN = click.argument("run", type=RunDirectory())                # reads: refused while another writes it
    RUN = click.argument("run", type=RunDirectory(writes=True))     # writes: holds the lock for the command

A writer (evaluate, report) holds the lock from parsing until its command ends (click closes it with the command's
context), so no training can start under it; a reader is refused, naming the writer, while one is at work. A RUN
that is not a directory passes through unchanged: the command says what is wrong with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vaekit.core.errors import VaekitError
from vaekit.runs.directory import CONFIG_FILE
from vaekit.runs.lock import check_not_busy, claim_run


def command_name(ctx: click.Context) -> str:
    """`vaekit plot latent`, whatever name the program was started under."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["vaekit", *reversed(names)])


class RunDirectory(click.ParamType):
    name = "run"

    def __init__(self, writes: bool = False) -> None:
        self.writes = writes

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not str(value).strip():  # Path("") is the current directory: never what was meant
            raise VaekitError("the run directory is empty (\"\"); name a run, for example runs/demo")
        path = Path(value)
        if ctx is None or ctx.resilient_parsing or not path.is_dir():
            return value
        if self.writes and (path / CONFIG_FILE).is_file():  # not a run: the command says so, and writes nothing
            ctx.with_resource(claim_run(path, command_name(ctx)))
        elif not self.writes:
            check_not_busy(path)
        return value
