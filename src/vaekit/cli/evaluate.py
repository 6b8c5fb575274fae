"""`vaekit evaluate RUN` and `vaekit compare RUN...`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import torch

from vaekit.cli.closing import say_done
from vaekit.cli.counts import at_least, importance_samples, seed_check
from vaekit.cli.outputs import DATA, DEVICE
from vaekit.cli.run_argument import RunDirectory
from vaekit.core.errors import VaekitError
from vaekit.core.json_file import read_json
from vaekit.tasks.evaluation.disentanglement import LABELS as DISENTANGLEMENT_LABELS
from vaekit.tasks.evaluation.estimates import estimate_text, number_text
from vaekit.tasks.evaluation.provenance import (
    EVALUATION_FILE,
    check_numbers,
    different_data,
    evaluation_path,
    stale_reason,
)

if TYPE_CHECKING:
    from vaekit.runs.run import Run

WRITTEN_RUN = click.argument("run", type=RunDirectory(writes=True))  # evaluate and report write into it
# every number with its unit or what it counts (nats per example: per sentence for text, per series for series)
ROWS = [("negative ELBO (nats per example)", "neg_elbo"), ("  distortion (nats)", "distortion"),
        ("  rate, KL (nats)", "rate"), ("-log p(x), IW estimate (nats)", "neg_log_likelihood"),
        ("  in bits per dimension", "bits_per_dim"),
        ("dequantization levels", "dequantization_levels")]

# clustering against the labels (evaluation/clustering.py): q(c|x) of a run with a cluster variable, k-means for any
CLUSTER_ROWS = [(f"{what} {name}", f"{key}_{metric}") for what, key in (("q(c|x) clusters", "cluster"),
                                                                        ("k-means on codes", "kmeans"))
                for name, metric in (("accuracy", "accuracy"), ("NMI", "nmi"), ("ARI", "ari"))]
# the simple methods beside them, on the raw inputs (tasks/baselines/evaluation.py)
PROBE_BASELINE = [("  baseline: logistic regression on inputs", "baseline_logistic_regression_accuracy")]
KMEANS_BASELINE = [(f"  baseline: k-means on inputs {name}", f"baseline_kmeans_inputs_{metric}")
                   for name, metric in (("accuracy", "accuracy"), ("NMI", "nmi"), ("ARI", "ari"))]


def _cell(evaluation: dict[str, Any], key: str) -> str:
    """The table's cell for `key` of one evaluation: "-" where it was not measured (a row only some columns have),
    n/a where it was measured and is undefined (null in evaluation.json, NaN in memory), as report.html shows it."""
    if key not in evaluation:
        return "-"
    value = evaluation[key]
    if isinstance(value, dict):  # a mean and its standard error
        return estimate_text(value)
    if key in PERCENT and number_text(value) != "n/a":  # 0.0019 would read as 0.0019 nats; it is +0.19%
        return f"{value:+.2%}"
    if isinstance(value, str) and len(value) > 22:  # a long data path: its end names it
        return "..." + value[-19:]
    return number_text(value)


# text runs (evaluation/sequence.py), shown when a column has them
TEXT_ROWS = [("-ELBO per token (nats)", "neg_elbo_per_token"),
             ("-log p(x) per token, IW (nats)", "neg_log_likelihood_per_token"),
             ("perplexity bound, exp(-ELBO per token)", "perplexity_bound"),
             ("perplexity, exp(IW -log p(x) per token)", "perplexity"),
             ("tokens per sentence (EOS counted)", "tokens_per_sentence"),
             ("greedy reconstruction: share of tokens right", "token_accuracy"),
             ("language model -log p(x) (nats)", "baseline_neg_log_likelihood"),
             ("  per token (nats)", "baseline_neg_log_likelihood_per_token"),
             ("  perplexity, exp(-log p(x) per token)", "baseline_perplexity"),
             ("-ELBO above the language model's -log p(x)", "neg_elbo_over_baseline"),
             ("IW -log p(x) above the language model's", "neg_log_likelihood_over_baseline")]
# relative excesses (evaluation.json keeps the fraction, 0.0019), shown as percentages: +0.19%
PERCENT = {"neg_elbo_over_baseline", "neg_log_likelihood_over_baseline"}


def _shown(rows: list[tuple[str, str]], columns: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str]]:
    """The rows that some column has (a baseline row is left out of an evaluation from before baselines)."""
    return [(label, key) for label, key in rows if any(key in r for _, r in columns)]


def _table(columns: list[tuple[str, dict[str, Any]]]) -> str:
    rows = [*ROWS, *((label, key) for label, key in TEXT_ROWS if any(key in r for _, r in columns)),
            ("active units", "active_units"), ("latent dimensions", "latent_dim"),
            ("reconstruction MSE", "reconstruction_mse"), ("linear probe accuracy", "linear_probe_accuracy"),
            *_shown(PROBE_BASELINE, columns), ("Frechet distance (own features)", "frechet_distance"),
            *CLUSTER_ROWS, *_shown(KMEANS_BASELINE, columns),
            *((label, key) for key, label in DISENTANGLEMENT_LABELS.items() if any(key in r for _, r in columns)),
            ("data", "data"), ("split", "split"), ("examples", "examples"), ("k", "k")]
    width = max(len(label) for label, _ in rows)
    lines = [" " * width + "".join(f"  {name[-22:]:>22}" for name, _ in columns)]
    for label, key in rows:
        lines.append(f"{label:<{width}}" + "".join(f"  {_cell(r, key):>22}" for _, r in columns))
    return "\n".join(lines)


def _evaluate_run(run: Run | str, k: int, batch_size: int, seed: int, split: str | None, source: str | None,
                  device: str, dequantize: str = "auto", out: str | None = None,
                  disentanglement: str = "auto", baseline: str | None = None) -> dict[str, Any]:
    """Evaluate and write the results where evaluation_path says (RUN/evaluation.json for the run's own test
    split only), with what they measured: the data, its fingerprint and the weights' hash; with the language model
    run `baseline` evaluated on the same sentences beside it (text). `run`: the Run a command opened, or its path."""
    from vaekit.core.io import write_json
    from vaekit.runs.run import Run
    from vaekit.tasks.evaluation import evaluate as evaluate_model
    from vaekit.tasks.evaluation.provenance import provenance
    from vaekit.tasks.outputs import select_data
    from vaekit.training.data_prep import prepare
    from vaekit.training.device import pick_device
    from vaekit.training.resume_checks import check_same_data

    opened = run if isinstance(run, Run) else Run.open(run)
    run, config, info = str(opened), opened.config, opened.data_info
    if baseline is not None and info.get("vocabulary_size") is None:  # before the long part
        raise VaekitError("--baseline compares a text run with a language model run; this run is not a text run")
    model = opened.load_model(pick_device(device))
    chosen = select_data(opened, source, split)
    if source is None:  # the run's own split, by name: only if it still holds what the run was trained on
        check_same_data(info, _as_trained(opened, chosen.data), Path(run), "restore it, or score the changed file "
                        "as other data with --data")
    path = evaluation_path(run, source, chosen.split, out)  # checked before the long part
    data = chosen.data
    if disentanglement == "on" and not data.has_factors:  # refused before the long part
        raise VaekitError(f"--disentanglement on needs data that carry their generative factors (such as --data "
                          f"sprites or dsprites); {data.name} has none")
    if config.data.binarize != "none":  # score the data the model learned: binarized as training did
        binarized = prepare(data, config.data, torch.device("cpu"))
        train_x = binarized.train_x
        if config.data.binarize == "dynamic" and chosen.split != "test":  # prepare leaves it grey for training
            train_x = torch.bernoulli(data.train_x, generator=torch.Generator().manual_seed(config.data.split_seed))
        data = dataclasses.replace(data, train_x=train_x, test_x=binarized.test_x)
    results = evaluate_model(model, data, k, batch_size, seed, chosen.split, info.get("likelihood"), progress=True,
                             dequantize={"auto": None, "on": True, "off": False}[dequantize],
                             disentanglement={"auto": None, "on": True, "off": False}[disentanglement])
    if "kmeans_accuracy" in results or "linear_probe_accuracy" in results:
        results.update(_simple_methods(opened, chosen, data, source, results, seed))
    if baseline is not None:
        results.update(_language_model(baseline, results, chosen, source, batch_size, seed, device))
    results.update(provenance(run, chosen.source, chosen.x, chosen.y))
    write_json(path, results)
    return results


def _as_trained(opened, data):  # type: ignore[no-untyped-def]
    """The data as training fingerprinted them: a streamed run recorded the fingerprint of its bounded samples
    (training/data_source.py), which differ from the whole data read here once there are more rows than those
    samples hold; the samples are drawn again, as training drew them, to compare."""
    if not opened.data_info.get("streamed"):
        return data
    from vaekit.training.data_source import SAMPLE_ROWS, VALIDATION_ROWS, load_training_data

    if len(data.train_x) <= SAMPLE_ROWS and len(data.test_x) <= VALIDATION_ROWS:
        return data  # the samples are the whole data: the same fingerprint
    config = opened.config.with_overrides({"data": {"streaming": "on"}})
    return load_training_data(config, run_info={**opened.data_info, "run_dir": opened.path})[0]


def _simple_methods(opened: Run, chosen: Any, data: Any, source: str | None, results: dict[str, Any],
                    seed: int) -> dict[str, Any]:
    """k-means and a logistic regression on the raw inputs beside the run's k-means on codes and linear probe,
    with their verdicts: fitted on the run's training split (as the model saw it, binarized where it was), scored
    on the rows evaluated."""
    from vaekit.tasks.baselines.evaluation import evaluation_baselines
    from vaekit.tasks.baselines.fitting import training_split

    x, y, _ = data.examples(chosen.split)
    if source is None:  # the run's own data, binarized as training did
        found = evaluation_baselines(results, x, y, data.train_x, data.train_y, seed)
        if chosen.split != "test" and found["verdicts"]:  # fair to both sides, yet not a held-out figure
            what = "the train split is" if chosen.split == "train" else "all the rows include"
            found["in_sample"] = (f"note: {what} the rows that the probe, k-means and the baselines were fitted "
                                  "on, so these accuracies are in-sample; the test split's (the default) are held out")
        return found
    train = training_split(opened)
    return evaluation_baselines(results, x, y, train.x, train.y, seed)


def _language_model(baseline: str, results: dict[str, Any], chosen: Any, source: str | None, batch_size: int,
                    seed: int, device: str) -> dict[str, Any]:
    """The language model run `baseline` evaluated on the sentences the VAE was (`chosen`), and the comparison.
    A model without a latent code has rate 0 and -ELBO = -log p(x) exactly, so one sample (k = 1) measures it."""
    from vaekit.runs.run import Run
    from vaekit.tasks.evaluation import evaluate as evaluate_model
    from vaekit.tasks.evaluation.sequence import compare_language_model
    from vaekit.tasks.outputs import select_data
    from vaekit.training.device import pick_device

    opened = Run.open(baseline)
    config, info = opened.config, opened.data_info
    lm = select_data(opened, source, chosen.split)
    if lm.x.shape != chosen.x.shape or not torch.equal(lm.x, chosen.x):
        raise VaekitError(f"the baseline {baseline} reads these sentences into other token ids (another vocabulary, "
                          "max_length or split); train it on the same data with the same text settings")
    model = opened.load_model(pick_device(device))
    k = 1 if config.model.language_model else 100
    scored = evaluate_model(model, lm.data, k, batch_size, seed, lm.split, info.get("likelihood"))
    return compare_language_model(results, scored, baseline)


@click.command()
@WRITTEN_RUN
@click.option("--k", default=5000, show_default=True, help="importance samples per example",
              callback=importance_samples)
@click.option("--batch-size", default=100, show_default=True, help="examples per batch (does not change results)",
              callback=at_least(1))
@click.option("--seed", default=0, show_default=True, help="seed of the importance samples", callback=seed_check)
@click.option("--split", type=click.Choice(["test", "train", "all"]), default=None,
              help="part of the run's own data: test (default), train or all; --data is scored whole unless it has a "
              "split of its own (a named data set, x_train/x_test)")
@click.option("--out", default=None, help="where to write the results (.json) [default: RUN/evaluation.json for the "
              "run's own test split, which compare and report show; RUN/evaluations/<data or split>.json otherwise]")
@click.option("--dequantize", type=click.Choice(["auto", "on", "off"]), default="auto", show_default=True,
              help="uniform dequantization of discrete pixels; auto: for continuous likelihoods on discrete data")
@click.option("--disentanglement", type=click.Choice(["auto", "on", "off"]), default="auto", show_default=True,
              help="MIG, FactorVAE score, DCI and SAP of the posterior means against the data's known factors; "
              "auto: when the data carry factors (sprites, dsprites)")
@click.option("--baseline", type=RunDirectory(), default=None,
              help="text: a language model run (train --language-model) on the same data, evaluated on the same "
              "sentences beside this run: its -log p(x) and perplexity, and how far this run's -ELBO lies above it")
@click.option("--synthetic", is_flag=True, help="tables read with their metadata: the quality of synthetic rows "
              "(SDMetrics' shapes, pair trends, validity, DCR privacy, machine-learning efficacy) beside independent "
              "columns, -> RUN/synthetic-quality.json and RUN/marginals.png")
@click.option("--target", default=None, help="--synthetic: the column machine-learning efficacy predicts [default: "
              "the last categorical column]")
@DATA
@DEVICE
def evaluate(run: str, k: int, batch_size: int, seed: int, split: str | None, out: str | None, source: str | None,
             dequantize: str, disentanglement: str, baseline: str | None, synthetic: bool, target: str | None,
             device: str) -> None:
    """Evaluate a run: ELBO, importance-weighted -log p(x), active units, KL per dimension, reconstruction error
    and a linear probe; on data with known generative factors (sprites, dsprites), the disentanglement metrics.

    On text, the numbers per token and the perplexities, and with --baseline a language model's beside them.

    The run's own test split is written to RUN/evaluation.json, the evaluation compare and report show. Data
    given with --data is scored whole (every row) and written to RUN/evaluations/<name>.json, as are other
    splits, so RUN/evaluation.json is never another data set's. Each records the data it measured (with a
    fingerprint) and the SHA-256 of the model.safetensors it measured, so a later resume makes it stale.

    \b
    Example:
      vaekit evaluate runs/digits --k 1000
      vaekit evaluate runs/digits --data held.npz      # -> runs/digits/evaluations/held.json
      vaekit evaluate runs/sprites --k 100             # MIG, FactorVAE score, DCI, SAP too
      vaekit evaluate runs/text-vae --k 100 --baseline runs/text-lm   # perplexities, rate, against the LM
      vaekit evaluate runs/males --synthetic             # synthetic rows against independent columns
    """
    if synthetic:
        from vaekit.cli.outputs import _open
        from vaekit.cli.synthetic import evaluate_table

        return evaluate_table(_open(run, device), seed, target)
    if target is not None:
        raise VaekitError("--target is for --synthetic (the column its machine-learning efficacy predicts)")
    results = _evaluate_run(run, k, batch_size, seed, split, source, device, dequantize, out, disentanglement,
                            baseline)
    click.echo(_table([(Path(run).name, results)]))
    for found in results.get("verdicts", {}).values():
        click.echo(found["verdict"])
    if "in_sample" in results:
        click.echo(results["in_sample"])
    click.echo(f"protocol: {results['protocol']}")
    click.echo(f"wrote {evaluation_path(run, source, results['split'], out)}")
    say_done([], [f"vaekit report {run}   # the numbers, curves and pictures in one page",
                  f"vaekit compare {run} OTHER_RUN   # beside another run's evaluation"])


@click.command()
@WRITTEN_RUN
@click.option("--k", default=1000, show_default=True,
              help="importance samples, when the run has no current evaluation",
              callback=importance_samples)
@DEVICE
def report(run: str, k: int, device: str) -> None:
    """Write RUN/report.html: metrics, curves, pictures, KL per dimension, config and environment in one
    self-contained page (evaluating the run first when it has no evaluation.json, or one made with other
    weights than its model.safetensors, e.g. before a resume).

    \b
    Example:
      vaekit report runs/digits && xdg-open runs/digits/report.html
    """
    from vaekit.report import write_report
    from vaekit.runs.run import Run

    opened = Run.open(run)
    evaluation = None
    path = Path(run) / EVALUATION_FILE
    reason = "there is none" if not path.is_file() else _stale(run, path)
    if reason is not None:
        click.echo(f"evaluating {run} on its test split with k = {k}: {reason}", err=True)
        evaluation = _evaluate_run(opened, k, 100, 0, "test", None, device)
    page = write_report(run, evaluation, opened.record)
    click.echo(f"wrote {page}")
    say_done([], [f"open {page} in a browser (it is one self-contained file)"])


@click.command()
@click.argument("runs", nargs=-1, required=True, type=RunDirectory())
def compare(runs: tuple[str, ...]) -> None:
    """Print the evaluations of several runs side by side (each RUN/evaluation.json: the run's own test split).

    An evaluation made with other weights than the run's model.safetensors (before a resume, say) is stale and
    refused: run `vaekit evaluate RUN` to refresh it. Runs evaluated on different data (digits beside
    Fashion-MNIST, or another split) are shown after a warning naming which measured which: their numbers do not
    compare.

    \b
    Example:
      vaekit compare runs/vae runs/beta4
    """
    columns = []
    for run in runs:
        path = Path(run) / EVALUATION_FILE
        if not path.is_file():
            raise VaekitError(f"{run} has no {EVALUATION_FILE}; run `vaekit evaluate {run}` first")
        evaluation = read_json(path)  # bounded in size and nesting; a DataError naming the file
        if not isinstance(evaluation, dict):
            raise VaekitError(f"{path} is corrupt (not a JSON object); run `vaekit evaluate {run}` again")
        check_numbers(path, evaluation, run)  # a NaN written in would show as n/a, as though measured so
        reason = stale_reason(run, evaluation)
        if reason is not None:
            raise VaekitError(f"{path} is stale: {reason}; run `vaekit evaluate {run}` to refresh it")
        columns.append((run, evaluation))
    mismatch = different_data(columns)
    if mismatch is not None:  # shown side by side all the same (exit 0), but never without saying so
        click.echo(f"warning: {mismatch}", err=True)
    click.echo(_table(columns))


def _stale(run: str, path: Path) -> str | None:
    """Why the evaluation at `path` cannot be shown as the run's current one (None: it can)."""
    try:
        evaluation = read_json(path)
    except VaekitError:
        return None  # the report says it is damaged, with its own message
    reason = stale_reason(run, evaluation) if isinstance(evaluation, dict) else None
    if reason is None:  # the report would show it: its numbers must be the ones vaekit wrote
        check_numbers(path, evaluation, run)
    return None if reason is None else f"{path} is stale: {reason}"


COMMANDS = [evaluate, report, compare]

