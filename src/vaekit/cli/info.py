"""`vaekit info RUN`: what a run is and how it ended."""

from __future__ import annotations

import json

import click

from vaekit.runs.lock import writer_of

# info reads only files that are replaced whole, so it may look at a run while it trains: it says so instead
RUN = click.argument("run", type=click.Path())


@click.command()
@RUN
@click.option("--json", "as_json", is_flag=True, help="print the config and final metrics as JSON")
def info(run: str, as_json: bool) -> None:
    """Print a run's settings, data, versions and final metrics.

    \b
    Example:
      vaekit info runs/digits
    """
    from vaekit.cli.best_epoch import kept_epoch
    from vaekit.runs.directory import MODEL_FILE
    from vaekit.runs.run import Run

    opened = Run.open(run)  # checks the directory is a run
    saved = opened.record
    metrics = opened.metrics
    final = metrics[-1] if metrics else None
    if as_json:
        click.echo(json.dumps({**saved, "final_metrics": final}, indent=2))
        return
    data = saved["data"]
    click.echo(f"run {run}")
    writer = writer_of(run)
    if writer is not None:
        click.echo(f"  being written by {writer}: what follows is its last saved state")
    click.echo(f"  data: {data['source']} ({data['location']}), {data['kind']} {data['shape']}, "
               f"{data['n_train']} train / {data['n_test']} test, likelihood {data['likelihood']}")
    for section, values in saved["config"].items():
        click.echo(f"  {section}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    versions = saved.get("versions")  # informative only: a damaged entry is shown as such, not a crash
    click.echo("  versions: " + (", ".join(f"{k} {v}" for k, v in versions.items()) if isinstance(versions, dict)
                                 else "not recorded"))
    trained = saved.get("trained_with")  # runs from before it was recorded have none
    if isinstance(trained, dict):
        processes = trained.get("processes")
        click.echo(f"  trained with: {processes} process{'es' if processes != 1 else ''} on {trained.get('device')}, "
                   f"{trained.get('precision')} arithmetic")
        chosen = trained.get("epochs_chosen")  # stop_on: hidden-entries (training/hidden_entries.py)
        if isinstance(chosen, dict):
            click.echo(f"  epochs chosen on {chosen.get('entries_hidden')} hidden entries: the first run's best epoch "
                       f"{chosen.get('best_epoch')} of {chosen.get('epochs_tried')} (error {chosen.get('error')}), "
                       "then trained again on every entry")
    click.echo(f"  model: {'present' if (opened.path / MODEL_FILE).is_file() else 'MISSING'}")  # hf://: its snapshot
    if final:
        click.echo(f"  after epoch {final['epoch']} ({final['step']} steps): train -ELBO "
                   f"{final['train_neg_elbo']:.3f}, validation -ELBO {final['val_neg_elbo']:.3f} = distortion "
                   f"{final['val_distortion']:.3f} + rate {final['val_rate']:.3f} nats")
        kept = kept_epoch(opened)  # the epoch early stopping kept, where it is not the last (metrics.csv says)
        if kept:
            click.echo("  " + kept.removeprefix("; "))
    else:
        click.echo("  no completed epoch yet")


COMMANDS = [info]
