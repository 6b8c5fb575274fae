"""`vaekit score RUN`: per-example anomaly and out-of-distribution scores, written with the examples' ids."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np
import torch

from vaekit.cli.counts import at_least, importance_samples, seed_check
from vaekit.cli.outputs import DATA, DEVICE, SPLIT, _open, data_labels
from vaekit.cli.run_argument import RunDirectory
from vaekit.cli.verdict_record import keep_verdict
from vaekit.core.errors import VaekitError
from vaekit.core.progress import say_stage
from vaekit.data.writers import save_array_with_ids, save_table

if TYPE_CHECKING:
    from vaekit.config import Config

SCORES_FILE = "scores.csv"  # the report page shows its histograms
SUFFIXES = (".csv", ".parquet", ".npy")


def _scored_data(config: Config, x: torch.Tensor) -> torch.Tensor:
    """The examples as the model learned them: binarized once (seeded by the split seed) when the run trained on
    binarized data, as `vaekit evaluate` scores them."""
    if config.data.binarize == "none":
        return x
    from vaekit.training.data_prep import binarize

    return binarize(x, torch.Generator().manual_seed(config.data.split_seed))  # a missing pixel stays missing


def _write(path: Path, names: list[str], scores: dict[str, torch.Tensor], ids: np.ndarray,
           y: torch.Tensor | None, extra: dict[str, np.ndarray]) -> None:
    """The scores (then p-values and alarms, in `extra`'s order) with the rows' ids and labels."""
    if path.suffix.lower() == ".npy":  # one float array, its columns in that order
        values = np.stack([scores[name].numpy() for name in names] + list(extra.values()), axis=1)
        save_array_with_ids(path, values, ids, None if y is None else y.numpy())
        return
    p_values = [name for name in extra if not name.endswith(" alarm")]
    values = np.stack([scores[name].numpy() for name in names] + [extra[name] for name in p_values], axis=1)
    columns = {name: extra[name].astype(np.int64) for name in extra if name.endswith(" alarm")}  # 0 or 1
    save_table(path, values, [*names, *p_values], {**columns, **({} if y is None else {"label": y.numpy()})},
               ids=ids)


def _calibration_data(opened, source: str) -> tuple[torch.Tensor, torch.Tensor | None]:  # type: ignore[no-untyped-def]
    """The calibration examples as the model reads them, and their labels for a conditional model: the run's test
    split for `test`, else `source` whole."""
    from vaekit.tasks.outputs import select_data

    if source != "test" and _same_source(source, opened.config.data.source):
        # its training rows were trained on: their scores are lower than new normal rows', so the cut would be too
        # low and the false alarms more than asked
        raise VaekitError(f"--calibration {source} is the data this run trained on; calibrate on normal rows it never "
                          "saw: --calibration test (the run's test split) or another file")
    chosen = select_data(opened, None, "test") if source == "test" else select_data(opened, source, None)
    return _scored_data(opened.config, chosen.x), data_labels(opened.model, chosen.y)


def _same_source(source: str, trained: str) -> bool:
    """Whether a calibration source names the run's own data (one file or folder, or one named data set)."""
    if source == trained:
        return True
    first, second = Path(source).expanduser(), Path(trained).expanduser()
    return first.exists() and second.exists() and first.resolve() == second.resolve()


def _conformal(model: torch.nn.Module, normal: tuple[torch.Tensor, torch.Tensor | None], names: list[str],
               scores: dict[str, torch.Tensor], alarm_rate: float | None, settings: dict) -> dict[str, np.ndarray]:
    """{"KIND p-value": (N,), "KIND alarm": (N,) 0/1 with an alarm rate} from the calibration rows' scores
    (split conformal: tasks/scoring/conformal.py), scored with the same `settings` as the rows (the seed one past
    theirs, so that a calibration row's draws are not a scored row's); the thresholds are printed."""
    from vaekit.tasks.scoring import score_many
    from vaekit.tasks.scoring.conformal import alarm_threshold

    x, y = normal
    say_stage(f"score: the {len(x)} calibration rows, for p-values" + (" and alarms" if alarm_rate else ""))
    reference = score_many(model, x, names, y=y, **settings)
    columns: dict[str, np.ndarray] = {}
    for name in names:
        values = scores[name].numpy()
        if alarm_rate is None:
            from vaekit.tasks.scoring.conformal import Calibration

            calibration = Calibration.of(reference[name].numpy(), name)
        else:
            threshold, calibration = alarm_threshold(reference[name].numpy(), alarm_rate, name)
            columns[f"{name} alarm"] = (values > threshold).astype(np.float64)
            click.echo(f"{name}: alarm above {threshold:.6g}, the conformal cut of {len(x)} calibration rows at "
                       f"a {alarm_rate:g} false-alarm rate; {int(columns[f'{name} alarm'].sum())} of {len(values)} "
                       "scored rows are alarms")
        columns[f"{name} p-value"] = calibration.p_values(values)
    return {key: columns[key] for key in sorted(columns, key=lambda key: (key.endswith("alarm"), key))}


@click.command()
@click.argument("run", type=RunDirectory())
@click.option("--kind", "kinds", default=None, help="score kinds, separated by commas: elbo, iw, reconstruction, "
              "rate, complexity (images), likelihood_ratio (with --background) [default: every kind that applies to "
              "the run's data: no reconstruction for text, no complexity for audio]")
@click.option("--k", default=100, show_default=True, help="importance samples of iw, complexity and "
              "likelihood_ratio", callback=importance_samples)
@click.option("--samples", default=1, show_default=True, help="posterior draws of the elbo score",
              callback=importance_samples)
@click.option("--seed", default=0, show_default=True, help="seed of the draws (each example's own, so the batch "
              "size does not change the scores)", callback=seed_check)
@click.option("--batch-size", default=100, show_default=True, help="examples per chunk (does not change the scores)",
              callback=at_least(1))
@click.option("--background", type=RunDirectory(), default=None,
              help="run of a background model, for the likelihood_ratio score")
@click.option("--out", default=None, help="output .csv or .parquet (columns id, one per kind, label), or .npy "
              "(an (N, kinds) array in --kind order; ids in NAME-ids.npy, labels in NAME-labels.npy) "
              f"[default: RUN/{SCORES_FILE}, which the report shows]")
@click.option("--anomalous-classes", "anomalous", default=None, metavar="CLASSES",
              help="labels that mark the anomalous rows, separated by commas (class numbers, or a table's label "
              "values), to measure each score's AUROC beside PCA reconstruction error and an IsolationForest "
              "fitted on the run's training split [default: with labels that are all 0 or 1, 1 is anomalous]")
@click.option("--map", "maps", is_flag=True, help="also write where each score comes from: each entry's share "
              "(pixel, column, time step) of the elbo, iw and reconstruction scores, as OUT-map-KIND.npy (images) or "
              ".csv (tables, series) with a picture of the most anomalous examples")
@click.option("--calibration", default=None, metavar="DATA", help="normal examples the model was not trained on "
              "(a file or data set read as the run reads its data; `test`: the run's test split), whose scores give "
              "each scored row a conformal p-value (a 'KIND p-value' column) and --alarm-rate its threshold")
@click.option("--alarm-rate", default=None, type=float, metavar="RATE", help="flag rows as alarms at a stated "
              "false-alarm rate (0.01: at most 1%% of normal rows, in expectation over the calibration draw; split "
              "conformal): a 'KIND alarm' column; needs --calibration")
@DATA
@SPLIT
@DEVICE
def score(run: str, kinds: str | None, k: int, samples: int, seed: int, batch_size: int, background: str | None,
          out: str | None, anomalous: str | None, maps: bool, calibration: str | None, alarm_rate: float | None,
          source: str | None, split: str | None, device: str) -> None:
    """Score each example, higher = more anomalous: -ELBO, -log p(x), reconstruction error, rate, the
    complexity-corrected likelihood (images) or the likelihood ratio against a background model.

    The rows keep the data's order, with each example's id (a table's index, an image folder's file name, or its
    row number). Which to use: iw for anomalies of the same kind of data; complexity (images) or
    likelihood_ratio for out-of-distribution data, where the plain likelihood prefers simple inputs.

    \b
    Example:
      vaekit score runs/fashion --kind iw,complexity --k 100 --out scores.csv
      vaekit score runs/fashion --data mnist --split test --kind likelihood_ratio --background runs/bg --out o.npy
      vaekit score runs/digits                      # every kind, -> runs/digits/scores.csv
      vaekit score runs/digits --anomalous-classes 5,6,7,8,9   # AUROC of each kind, beside PCA, IsolationForest
      vaekit score runs/fashion --kind iw --map    # + scores-map-iw.npy and .png: each pixel's share
      vaekit score runs/sensors --data new.csv --calibration normal.csv --alarm-rate 0.01   # p-values, alarms
    """
    from vaekit.runs.directory import CONFIG_FILE
    from vaekit.runs.lock import claim_run

    path = Path(out) if out is not None else Path(run) / SCORES_FILE
    if path.suffix.lower() not in SUFFIXES:  # before the work, not after it
        raise VaekitError(f"{path}: choose an output ending in .csv, .parquet or .npy")
    # scores written into the run: its lock for the whole command, so that a second `vaekit score` on the run is
    # refused at once (naming this one) instead of computing for minutes and then replacing this one's scores.csv
    # (a folder that is no run is not claimed: opening it says what is wrong, and leaves no lock file in it)
    into_run = out is None and (Path(run) / CONFIG_FILE).is_file()
    with claim_run(run, "vaekit score", hint="wait for it to finish, or give --out to write the scores elsewhere") \
            if into_run else contextlib.nullcontext():
        _score(run, kinds, k, samples, seed, batch_size, background, path, anomalous, maps,
               (calibration, alarm_rate), source, split, device)


def _score(run: str, kinds: str | None, k: int, samples: int, seed: int, batch_size: int, background: str | None,
           path: Path, anomalous: str | None, maps: bool, alarms: tuple[str | None, float | None],
           source: str | None, split: str | None, device: str) -> None:
    from vaekit.tasks.outputs import select_data
    from vaekit.tasks.scoring import parse_kinds, score_many
    from vaekit.tasks.scoring.kind import check_kind, default_kinds, pairing_warning

    opened = _open(run, device)
    model = opened.model
    other = _open(background, device).model if background is not None else None
    names = parse_kinds(kinds) if kinds is not None else default_kinds(model, other)
    parts = [check_kind(name, model, other) for name in names]
    mapped = _map_kinds(model, kinds, names) if maps else []  # refused before the work
    if other is not None and not any(part.needs_background for part in parts):
        # refused rather than ignored, as the objectives refuse settings they would not read
        raise VaekitError(f"--background is read only by the likelihood_ratio score, not by {','.join(names)}; "
                          "add likelihood_ratio to --kind or leave out --background")
    calibration_source, alarm_rate = alarms
    if alarm_rate is not None:
        from vaekit.tasks.scoring.conformal import check_alarm_rate

        check_alarm_rate(alarm_rate)
        if calibration_source is None:
            raise VaekitError("--alarm-rate needs calibration data: --calibration DATA, normal examples the model was "
                              "not trained on (or --calibration test, the run's own test split)")
    chosen = select_data(opened, source, split)
    marked = _anomalous_rows(chosen.y, anomalous, opened.data_info.get("class_names"))  # refused before the work
    if calibration_source == "test" and source is None and split in (None, "test"):
        raise VaekitError("--calibration test calibrates on the run's test split, which is also the split scored here: "
                          "each row would be its own reference; score other rows (--data, or --split train) or "
                          "calibrate on other normal rows")
    normal = None if calibration_source is None else _calibration_data(opened, calibration_source)
    x = _scored_data(opened.config, chosen.x)
    if source is not None or other is not None:  # scoring other data, or against another model: OOD detection
        said = pairing_warning(names, model, x)
        if said is not None:
            click.echo(f"warning: {said}", err=True)
    scores = score_many(model, x, names, k=k, samples=samples, seed=seed, batch_size=batch_size, background=other,
                        y=data_labels(model, chosen.y), progress=True)
    extra = {} if normal is None else _conformal(model, normal, names, scores, alarm_rate,
                                                dict(k=k, samples=samples, seed=seed + 1, batch_size=batch_size,
                                                     background=other))
    _write(path, names, scores, chosen.ids, chosen.y, extra)
    click.echo(f"wrote {', '.join(names)} scores of {len(x)} examples to {path}")
    if mapped:
        _write_maps(opened, model, x, chosen, path, mapped, scores, k, samples, seed, batch_size)
    if marked is not None:
        say_stage("score: the baselines (PCA reconstruction error, IsolationForest) on the same rows")
        _baselines(run, opened, chosen, source is None, x, marked, scores, anomalous, seed)
    elif _windowed(chosen.data) and not mapped:
        click.echo("these are the scores of windows (ids RECORDING@START); --map also gives each time step's score, "
                   "folded from the windows covering it")
    elif chosen.y is not None:
        click.echo("the rows have labels: give --anomalous-classes to measure each score's AUROC "
                   "beside PCA reconstruction error and an IsolationForest")


def _windowed(data) -> bool:  # type: ignore[no-untyped-def]
    """Whether the examples are windows cut from long recordings (--window), not whole series."""
    return data.windows is not None and data.windows.window > 0


def _map_kinds(model: torch.nn.Module, asked: str | None, names: list[str]) -> list[str]:
    """The kinds --map draws: every kind asked (each must split over entries), or those of the defaults that do."""
    from vaekit.tasks.scoring.maps import check_map_kind, map_kinds

    if asked is None:
        found = map_kinds(model)
        if not found:
            raise VaekitError(f"no score of this run splits over its entries ({type(model.likelihood).__name__}): "
                              "--map has nothing to draw")
        return found
    for name in names:
        check_map_kind(name, model)
    return names


def _write_maps(opened, model: torch.nn.Module, x: torch.Tensor,  # type: ignore[no-untyped-def]
                chosen, path: Path, kinds: list[str], scores: dict[str, torch.Tensor], k: int, samples: int,
                seed: int, batch_size: int) -> None:
    from vaekit.cli.score_maps import write_map, write_points
    from vaekit.tasks.scoring.maps import score_map

    found: dict[str, torch.Tensor] = {}
    for kind in kinds:
        say_stage(f"score: the {kind} map (each entry's share)")
        found[kind] = score_map(model, x, kind, k=k, samples=samples, seed=seed, batch_size=batch_size,
                                y=data_labels(model, chosen.y))
        ranked = scores[kind] if kind in scores else found[kind].flatten(1).nansum(1)
        written = write_map(path, kind, found[kind], ranked, x, chosen.ids, opened.data_info)
        click.echo(f"wrote the {kind} map of {len(x)} examples to {', '.join(map(str, written))}")
    if _windowed(chosen.data):  # windows of long recordings: each step's score, from its windows
        points = write_points(path, chosen.data, chosen.split, found)
        click.echo(f"wrote each recording's point scores ({', '.join(found)}) to {points}")


def _anomalous_rows(y: torch.Tensor | None, anomalous: str | None, names: list | None) -> np.ndarray | None:
    """Which scored rows are anomalous: labels among --anomalous-classes (class numbers or label values), or
    label 1 of labels that are all 0 or 1; None without labels to read it from."""
    from vaekit.tasks.baselines.anomaly import anomalous_rows

    if y is None:
        if anomalous is not None:
            raise VaekitError("--anomalous-classes marks anomalous rows by their labels, but these rows have none; "
                              "score labelled data (a named data set, or a table with --label-column)")
        return None
    classes = None
    if anomalous is not None:
        known = [str(name) for name in names or []]
        classes = []
        for token in (part.strip() for part in anomalous.split(",")):
            if token in known:
                classes.append(known.index(token))
            elif token.lstrip("-").isdigit():
                classes.append(int(token))
            else:
                raise VaekitError(f"--anomalous-classes takes class numbers (or label values) separated by commas; "
                                  f"{token!r} is neither")
    marked = anomalous_rows(y.numpy(), classes)
    if marked is None or not (marked.all() or not marked.any()):
        return marked
    if anomalous is None:  # 0/1 labels all alike: nothing to rank, and nothing the user asked for
        return None
    raise VaekitError(f"--anomalous-classes {anomalous} marks {'every' if marked.all() else 'none'} of the "
                      f"{len(marked)} scored rows; an AUROC needs both normal and anomalous rows: choose classes "
                      "that some rows have")


def _baselines(run: str, opened, chosen, own: bool, x: torch.Tensor,  # type: ignore[no-untyped-def]
               marked: np.ndarray,
               scores: dict[str, torch.Tensor], anomalous: str | None, seed: int) -> None:
    """Each score kind's AUROC beside PCA reconstruction error and an IsolationForest fitted on the run's
    training split (as the model saw it) and scored on the same rows, and a verdict for each kind."""
    from vaekit.tasks.baselines.anomaly import anomaly_scores, auroc
    from vaekit.tasks.baselines.fitting import compared_rows, training_split
    from vaekit.tasks.baselines.verdict import figure, verdict

    train = training_split(opened, chosen, own)
    keep, left_out = compared_rows(train, chosen)
    if left_out is not None:  # only the rows the run did not train on are compared
        click.echo(left_out)
        rows = torch.from_numpy(keep)
        x, marked, scores = x[rows], marked[keep], {name: values[rows] for name, values in scores.items()}
        if len(np.unique(marked)) < 2:  # AUROC needs both kinds of rows (none left: the line above says so)
            if len(marked):
                click.echo(f"no comparison: the {len(marked)} rows left are all "
                           f"{'anomalous' if marked.any() else 'normal'}, and AUROC needs both kinds")
            return
    found = {name: auroc(marked, values) for name, values in
             anomaly_scores(_scored_data(opened.config, train.x), x, seed).items()}
    which = f"classes {anomalous}" if anomalous is not None else "label 1"
    click.echo(f"AUROC against the labels ({which} anomalous: {int(marked.sum())} of {len(marked)} rows), baselines "
               f"fitted on the run's {len(train.x)} training rows:")
    rows = {**{f"vaekit {name}": auroc(marked, values.numpy()) for name, values in scores.items()}, **found}
    width = max(len(name) for name in rows)
    for name, value in rows.items():
        click.echo(f"  {name:<{width}}  AUROC {figure(value)}")
    for name in scores:
        found_verdict = verdict("AUROC", rows[f"vaekit {name}"], found, about=name)
        click.echo(found_verdict.line)
        keep_verdict(run, f"score ({name})", found_verdict, chosen, setting=f"{which} anomalous")


COMMANDS = [score]
