"""`vaekit evaluate RUN` and `vaekit compare RUN...`."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click
import torch

from vaekit.cli.outputs import DATA, DEVICE, _load
from vaekit.cli.run_argument import RunDirectory
from vaekit.errors import VaekitError

EVALUATION_FILE = "evaluation.json"
WRITTEN_RUN = click.argument("run", type=RunDirectory(writes=True))  # evaluate and report write into it
ROWS = [("negative ELBO (nats)", "neg_elbo"), ("  distortion", "distortion"), ("  rate (KL)", "rate"),
        ("-log p(x), IW estimate (nats)", "neg_log_likelihood"), ("  in bits per dimension", "bits_per_dim"),
        ("dequantization levels", "dequantization_levels")]


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value['mean']:.3f} ± {value['se']:.3f}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def _table(columns: list[tuple[str, dict[str, Any]]]) -> str:
    rows = [*ROWS, ("active units", "active_units"), ("latent dimensions", "latent_dim"),
            ("reconstruction MSE", "reconstruction_mse"), ("linear probe accuracy", "linear_probe_accuracy"),
            ("Frechet distance (own features)", "frechet_distance"),
            ("examples", "examples"), ("k", "k")]
    width = max(len(label) for label, _ in rows)
    lines = [" " * width + "".join(f"  {name[-22:]:>22}" for name, _ in columns)]
    for label, key in rows:
        lines.append(f"{label:<{width}}" + "".join(f"  {_cell(r.get(key)):>22}" for _, r in columns))
    return "\n".join(lines)


def _evaluate_run(run: str, k: int, batch_size: int, seed: int, split: str, source: str | None,
                  device: str, dequantize: str = "auto") -> dict[str, Any]:
    from vaekit.evaluation import evaluate as evaluate_model
    from vaekit.inference import load_config_data
    from vaekit.io import write_json
    from vaekit.run_dir import read_run_config
    from vaekit.training.data_prep import prepare

    config, info = read_run_config(run)
    model = _load(run, device)
    data = load_config_data(config, source, info)
    if list(data.shape) != list(info["shape"]):
        raise VaekitError(f"this data has examples of shape {list(data.shape)}; the model takes {info['shape']}")
    if config.data.binarize != "none":  # score the data the model learned: binarized as training did
        binarized = prepare(data, config.data, torch.device("cpu"))
        data = dataclasses.replace(data, train_x=binarized.train_x, test_x=binarized.test_x)
    results = evaluate_model(model, data, k, batch_size, seed, split, info.get("likelihood"), progress=True,
                             dequantize={"auto": None, "on": True, "off": False}[dequantize])
    results["data"] = source or config.data.source
    write_json(Path(run) / EVALUATION_FILE, results)
    return results


@click.command()
@WRITTEN_RUN
@click.option("--k", default=5000, show_default=True, help="importance samples per example")
@click.option("--batch-size", default=100, show_default=True, help="examples per batch (does not change results)")
@click.option("--seed", default=0, show_default=True, help="seed of the importance samples")
@click.option("--split", type=click.Choice(["test", "train"]), default="test", show_default=True)
@click.option("--dequantize", type=click.Choice(["auto", "on", "off"]), default="auto", show_default=True,
              help="uniform dequantization of discrete pixels; auto: for continuous likelihoods on discrete data")
@DATA
@DEVICE
def evaluate(run: str, k: int, batch_size: int, seed: int, split: str, source: str | None, dequantize: str,
             device: str) -> None:
    """Evaluate a run: ELBO, importance-weighted -log p(x), active units, KL per dimension, reconstruction error
    and a linear probe; writes RUN/evaluation.json.

    \b
    Example:
      vaekit evaluate runs/digits --k 1000
    """
    results = _evaluate_run(run, k, batch_size, seed, split, source, device, dequantize)
    click.echo(_table([(Path(run).name, results)]))
    click.echo(f"protocol: {results['protocol']}")
    click.echo(f"wrote {Path(run) / EVALUATION_FILE}")


@click.command()
@WRITTEN_RUN
@click.option("--k", default=1000, show_default=True, help="importance samples, when the run has no evaluation yet")
@DEVICE
def report(run: str, k: int, device: str) -> None:
    """Write RUN/report.html: metrics, curves, pictures, KL per dimension, config and environment in one
    self-contained page (evaluating the run first when it has no evaluation.json).

    \b
    Example:
      vaekit report runs/digits && xdg-open runs/digits/report.html
    """
    from vaekit.report import write_report
    from vaekit.run_dir import read_run_config

    read_run_config(run)
    evaluation = None
    if not (Path(run) / EVALUATION_FILE).is_file():
        evaluation = _evaluate_run(run, k, 100, 0, "test", None, device)
    click.echo(f"wrote {write_report(run, evaluation)}")


@click.command()
@click.argument("runs", nargs=-1, required=True, type=RunDirectory())
def compare(runs: tuple[str, ...]) -> None:
    """Print the evaluations of several runs side by side.

    \b
    Example:
      vaekit compare runs/vae runs/beta4
    """
    columns = []
    for run in runs:
        path = Path(run) / EVALUATION_FILE
        if not path.is_file():
            raise VaekitError(f"{run} has no {EVALUATION_FILE}; run `vaekit evaluate {run}` first")
        try:
            columns.append((run, json.loads(path.read_text())))
        except json.JSONDecodeError as error:
            raise VaekitError(f"{path} is corrupt ({error})") from None
    click.echo(_table(columns))


COMMANDS = [evaluate, report, compare]
