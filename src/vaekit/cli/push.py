"""`vaekit push RUN user/name`: upload a run directory, with its model card, to the Hugging Face Hub."""

from __future__ import annotations

import click

from vaekit.cli.run_argument import RunDirectory


@click.command()
@click.argument("run", type=RunDirectory(writes=True))  # may write RUN/README.md
@click.argument("repo")
@click.option("--token", default=None, help="a Hugging Face token with write access [default: HF_TOKEN or the "
                                            "saved login]")
@click.option("--private", is_flag=True, help="create the repository as private")
@click.option("--checkpoints", is_flag=True, help="upload the training checkpoint too (to resume elsewhere)")
def push(run: str, repo: str, token: str | None, private: bool, checkpoints: bool) -> None:
    """Upload RUN to the Hugging Face Hub model repository REPO (user/name), creating it if needed; writes the
    model card RUN/README.md first when there is none. Locks are never uploaded, the checkpoint only with
    --checkpoints. Needs huggingface_hub (pip install vaekit[hub]), a token and the network; load the model
    anywhere with vaekit.load("hf://user/name").

    \b
    Example:
      vaekit evaluate runs/digits && vaekit card runs/digits --name me/digits-vae
      vaekit push runs/digits me/digits-vae --token hf_xxx --private
    """
    from pathlib import Path

    from vaekit.report.card import CARD_FILE, write_card
    from vaekit.runs.hub import push_run, ready_to_push

    name, token = ready_to_push(repo, token)  # a bad name, no token, offline: refused before the card is written
    if not (Path(run) / CARD_FILE).is_file():
        write_card(run, name=name)
        click.echo(f"model card written to {Path(run) / CARD_FILE}")
    url = push_run(run, repo, token=token, private=private, checkpoints=checkpoints)
    click.echo(f"pushed {run} to https://huggingface.co/{name} ({url})")


COMMANDS = [push]
