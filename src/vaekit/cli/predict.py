"""`vaekit predict RUN`: the class of every example under a model with a class latent (M2, GMVAE), q(y|x)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import click
import torch

from vaekit.cli.outputs import DATA, DEVICE, SPLIT, _open
from vaekit.cli.run_argument import RunDirectory
from vaekit.cli.verdict_record import keep_verdict
from vaekit.core.errors import VaekitError

if TYPE_CHECKING:
    from vaekit.model.vae import VAE
    from vaekit.runs.run import Run
    from vaekit.tasks.outputs import Selection

SUFFIXES = (".csv", ".parquet")


@click.command()
@click.argument("run", type=RunDirectory())
@click.option("--out", required=True, help="output .csv or .parquet: columns id, class (its name where the labels "
              "had names), probability (of that class) and p_<class> for every class")
@click.option("--ensemble", "members", multiple=True, type=RunDirectory(),
              help="another M2 run of the same data and classes, trained with another --seed (repeat it for more): "
                   "q(y|x) is the mean over RUN and these, a deep ensemble, as VAEClassifier's on small data")
@DATA
@SPLIT
@DEVICE
def predict(run: str, out: str, members: tuple[str, ...], source: str | None, split: str | None,
            device: str) -> None:
    """Classify examples with the run's classifier q(y|x) (a run trained with --class-latent m2 or gmvae).

    The rows keep the data's order and ids. Where the data have labels (-1: unlabelled rows, left out), the
    accuracy on them is printed; for a GMVAE, whose clusters have no names, score clusters with `vaekit cluster`.

    \b
    Example:
      vaekit train --data fashion-mnist --class-latent m2 --objective m2 --labels-per-class 10 --out runs/m2
      vaekit predict runs/m2 --out predictions.csv
      vaekit predict runs/m2 --data new-images.npz --out new-predictions.csv
      vaekit predict runs/m2 --ensemble runs/m2-seed1 --ensemble runs/m2-seed2 --out predictions.csv
    """
    import numpy as np

    from vaekit.data.writers import save_table
    from vaekit.tasks.class_predictions import accuracy, check_labels, ensemble_probabilities
    from vaekit.tasks.outputs import select_data

    path = Path(out)
    if path.suffix.lower() not in SUFFIXES:  # before the work, not after it
        raise VaekitError(f"{path}: choose an output ending in .csv or .parquet")
    opened = _open(run, device)
    model = opened.model
    if model.class_latent is None:
        # a VaDE run's clusters are unnamed: `vaekit cluster` gives them; predict names classes
        raise VaekitError("this run has no cluster variable that is a class (no classifier q(y|x)): train one with "
                          "--class-latent m2 --objective m2, or use vaekit cluster for a mixture prior's clusters")
    models = [model, *(_member(opened, run, other, device) for other in members)]
    chosen = select_data(opened, source, split)
    if chosen.y is not None and model.class_latent.observed:  # checked before the work
        check_labels(chosen.y, model.class_latent.num_classes, chosen.source)
    probs = ensemble_probabilities(models, chosen.x)
    # a table's labels have names (class_names); a GMVAE's clusters and numbered classes are numbers
    known = opened.data_info.get("class_names") if model.class_latent.observed else None
    named = bool(known) and len(known) == probs.shape[1]
    names = [str(name) for name in known] if named else [str(k) for k in range(probs.shape[1])]
    best = probs.argmax(1).numpy()
    columns = {"class": np.asarray(names, dtype=object)[best] if named else best,
               "probability": probs.max(1).values.numpy(),
               **{f"p_{name}": probs[:, k].numpy() for k, name in enumerate(names)}}
    save_table(path, np.zeros((len(best), 0), dtype=np.float32), [], columns, ids=chosen.ids)
    runs = f" (the mean q(y|x) of {len(models)} runs)" if len(models) > 1 else ""
    click.echo(f"wrote the classes of {len(best)} examples to {path}{runs}")
    if chosen.y is not None and model.class_latent.observed:
        found = accuracy(probs, chosen.y)
        if not math.isnan(found):
            click.echo(f"accuracy on the {int((chosen.y >= 0).sum())} labelled examples: {found:.4f}")
            _baselines(run, opened, chosen, source is None, probs, len(models))


def _member(opened: Run, run: str, other: str, device: str) -> VAE:
    """The model of run `other`, checked to be another seed of `run`: an M2 of the same data and classes (a GMVAE's
    clusters are numbered by each run its own way, so they do not average)."""
    if not opened.model.class_latent.observed:
        raise VaekitError(f"--ensemble averages the classes of M2 runs; {run} is a GMVAE, whose clusters each run "
                          "numbers its own way")
    member = _open(other, device)
    latent = member.model.class_latent
    if latent is None or not latent.observed or latent.num_classes != opened.model.class_latent.num_classes:
        raise VaekitError(f"--ensemble {other}: not an M2 run of the {opened.model.class_latent.num_classes} "
                          f"classes of {run}; train it as {run} was, with another --seed")
    if member.data_info.get("fingerprint") != opened.data_info.get("fingerprint") or \
            member.data_info.get("class_names") != opened.data_info.get("class_names"):
        raise VaekitError(f"--ensemble {other}: trained on other data than {run}; an ensemble's runs differ only "
                          "in --seed")
    return member.model


def _baselines(run: str, opened: Run, chosen: Selection, own: bool, probs: torch.Tensor, runs: int) -> None:
    """A logistic regression on the run's labelled training inputs and LabelSpreading on all its training rows
    (labelled and not), scored on the same labelled rows (those the run did not train on): printed beside the
    run's accuracy `probs` gives there (the mean of `runs` runs' q(y|x)), with the verdict."""
    from vaekit.tasks.baselines.classification import classification_baselines
    from vaekit.tasks.baselines.fitting import compared_rows, training_split
    from vaekit.tasks.baselines.verdict import comparison_lines, verdict
    from vaekit.tasks.class_predictions import accuracy

    train = training_split(opened, chosen, own)
    if train.y is None:
        return
    keep, left_out = compared_rows(train, chosen)
    if left_out is not None:
        click.echo(left_out)
    rows = torch.from_numpy(keep)
    x, y = chosen.x[rows], chosen.y[rows]
    if not bool((y >= 0).any()):
        if left_out is not None and len(y):  # said, so that a missing comparison is not taken for a silent failure
            click.echo(f"no comparison: none of the {len(y)} rows left has a label")
        return
    labelled = int((train.y >= 0).sum())
    click.echo(f"baselines, fitted on the run's {len(train.y)} training rows ({labelled} labelled):")
    found_verdict = verdict("accuracy", accuracy(probs[rows], y), classification_baselines(train.x, train.y, x, y))
    for line in comparison_lines(found_verdict, "q(y|x)" if runs == 1 else f"mean q(y|x) of {runs} runs"):
        click.echo(line)
    if runs == 1:  # RUN/verdicts.json keeps what the run answers alone, not an ensemble it is one member of
        keep_verdict(run, "predict", found_verdict, chosen, int((y >= 0).sum()))


COMMANDS = [predict]
