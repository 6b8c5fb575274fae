"""report.html: a run's metrics, curves, pictures, latent diagnostics, config and environment in one file.

Every image is embedded as a data URI and there is no script or external resource, so the file opens anywhere,
offline, and can be mailed or archived as it is.

    write_report("runs/digits")   # -> runs/digits/report.html
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from vaekit.core.errors import VaekitError
from vaekit.core.io import write_text
from vaekit.core.json_file import read_json
from vaekit.plots.kl_chart import save_kl_per_dimension
from vaekit.plots.save import save_figure
from vaekit.report.verdicts_section import verdicts_section
from vaekit.runs.directory import CONFIG_FILE, METRICS_FILE
from vaekit.tasks.evaluation.disentanglement import LABELS as DISENTANGLEMENT_LABELS
from vaekit.tasks.evaluation.estimates import estimate_text, number_text
from vaekit.tasks.evaluation.provenance import stale_reason
from vaekit.training.metrics_log import read_metrics

PICTURES = [("curves", "Training curves", "loss.png"), ("reconstructions", "Reconstructions", "reconstructions.png"),
            ("samples", "Samples from the prior", "samples.png"), ("latent", "Latent space", "latent.png"),
            ("manifold", "Latent manifold", "manifold.png"), ("traversals", "Latent traversals", "traversals.png")]
STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:0}section{margin:2em 0}table{border-collapse:collapse}td,th{padding:.3em .8em;
border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;border:1px solid #eee}pre{background:#f6f6f6;padding:1em;overflow:auto}.note{color:#666}
.verdict{font-weight:bold}.stale{background:#fdecea;border:2px solid #b3261e;padding:.6em 1em;font-weight:bold}"""


def _image(path: Path) -> str:
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.name)}" src="data:image/png;base64,{encoded}">'


def _kl_chart(evaluation: dict[str, Any], path: Path) -> Path:
    # an undefined entry (null in evaluation.json) is drawn as no bar and never counts as active
    kl = [math.nan if value is None else value for value in evaluation["kl_per_dim"]]
    threshold = evaluation["active_threshold"]
    active = [value is not None and value > threshold for value in evaluation["posterior_mean_variance"]]
    return save_kl_per_dimension(kl, active, path, split=f"{evaluation.get('split', 'test')} split")


def _score_charts(run_dir: Path) -> str | None:
    """One small histogram per score kind of RUN/scores.csv (written by `vaekit score`), or None without one."""
    import pandas as pd

    path = run_dir / "scores.csv"
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as error:
        return f"<p class=stale>{html.escape(f'{path.name} is damaged ({error}); run `vaekit score` again')}</p>"
    kinds = [c for c in table.columns if c not in ("id", "label") and pd.api.types.is_numeric_dtype(table[c])]
    figures = []
    for kind in kinds:
        fig = Figure(figsize=(3.2, 2.2))
        axes = fig.add_subplot(111)
        axes.hist(table[kind].dropna(), bins=40, color="tab:blue")
        axes.set_title(f"{kind} (higher = more anomalous)", fontsize=8)
        axes.set_ylabel("examples", fontsize=8)
        axes.tick_params(labelsize=7)
        figures.append(_image(save_figure(fig, run_dir / f"scores-{kind}.png")))
    # the per-entry maps `vaekit score --map` wrote beside the scores: where in the examples each score comes from
    maps = [f"<p class=note>{html.escape(found.name)}: where each example's score comes from, per entry (`vaekit "
            f"score --map`).</p>{_image(found)}" for found in sorted(run_dir.glob(f"{path.stem}-map-*.png"))]
    return (f"<p class=note>{len(table)} examples scored by `vaekit score` ({html.escape(path.name)}).</p>"
            + "".join(figures) + "".join(maps))


def _metrics_table(evaluation: dict[str, Any], final: dict[str, float] | None, stale: str | None = None) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, dict):  # a mean and its standard error
            return estimate_text(value)
        return html.escape(number_text(value))  # undefined (null in evaluation.json, NaN in memory): n/a

    rows = [("negative ELBO (nats per example)", evaluation["neg_elbo"]),
            ("distortion -log p(x|z)", evaluation["distortion"]), ("rate KL(q || p)", evaluation["rate"]),
            (f"-log p(x), importance-weighted, k = {evaluation['k']}", evaluation["neg_log_likelihood"]),
            ("bits per dimension", evaluation["bits_per_dim"]),
            ("active units", f"{evaluation['active_units']} of {evaluation['latent_dim']}"),
            ("reconstruction MSE", evaluation["reconstruction_mse"])]
    if "linear_probe_accuracy" in evaluation:
        rows.append(("linear probe accuracy", evaluation["linear_probe_accuracy"]))
    if "baseline_logistic_regression_accuracy" in evaluation:  # the simple method beside it (tasks/baselines)
        rows.append(("baseline: logistic regression on the inputs, accuracy",
                     evaluation["baseline_logistic_regression_accuracy"]))
    for metric, name in (("accuracy", "accuracy (best one-to-one matching)"), ("nmi", "NMI"), ("ari", "ARI")):
        for key, what in (("cluster", "clusters of q(c|x)"), ("kmeans", "k-means clusters of the codes"),
                          ("baseline_kmeans_inputs", "baseline: k-means clusters of the inputs")):
            if f"{key}_{metric}" in evaluation:
                rows.append((f"{what}: {name}", evaluation[f"{key}_{metric}"]))
    if "frechet_distance" in evaluation:
        rows.append(("Frechet distance in vaekit's classifier features (not Inception FID)",
                     evaluation["frechet_distance"]))
    rows += [(label, evaluation[key]) for key, label in DISENTANGLEMENT_LABELS.items() if key in evaluation]
    if final is not None:
        rows.append(("epochs trained", final["epoch"]))
    body = "".join(f"<tr><th>{html.escape(label)}</th><td class=n>{cell(value)}</td></tr>" for label, value in rows)
    data = f" of {evaluation['data']}" if "data" in evaluation else ""
    where = html.escape(f"On the {evaluation['split']} split{data}, {evaluation['examples']} examples, seed "
                        f"{evaluation['seed']}. Protocol: {evaluation['protocol']}")
    measured = ""
    if "weights_sha256" in evaluation:
        measured = html.escape(f" Weights measured: model.safetensors with SHA-256 {evaluation['weights_sha256']}; "
                               f"data SHA-256 {evaluation.get('data_sha256', 'not recorded')}.")
    # a stale evaluation is never shown as the run's current numbers without saying so, first and loudly
    warning = "" if stale is None else f"<p class=stale>Stale: {html.escape(stale)}</p>"
    verdicts = "".join(f"<p class=verdict>{html.escape(found['verdict'])}</p>"
                       for found in evaluation.get("verdicts", {}).values() if isinstance(found, dict))
    return f"{warning}<table>{body}</table>{verdicts}<p class=note>{where}{measured}</p>"


def _study_section(run_dir: Path) -> str | None:
    """For the best trial of a `vaekit tune` study (STUDY/trials/NNNN, beside STUDY/tune.json): the verdict, the
    settings found, and the study's history and importance pictures; None for any other run."""
    study = run_dir.resolve().parent.parent
    if run_dir.resolve().parent.name != "trials" or not (study / "tune.json").is_file():
        return None
    summary = read_json(study / "tune.json")
    rows = "".join(f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
                   for name, value in summary.get("best_settings", {}).items())
    pictures = "".join(_image(study / name) for name in ("history.png", "importance.png") if (study / name).is_file())
    return (f"<p>{html.escape(summary.get('verdict', ''))} (on the validation split carved from the training split; "
            f"the figures above are the test split's)</p><table>{rows}</table>{pictures}")


SYNTHETIC_ROWS = [("quality score (SDMetrics' shapes and pair trends)", "quality_score"),
                  ("column shapes", "column_shapes"), ("column pair trends", "column_pair_trends"),
                  ("data validity", "data_validity"), ("DCR baseline protection", "dcr_baseline_protection"),
                  ("DCR overfitting protection", "dcr_overfitting_protection")]


def _synthetic_section(run_dir: Path) -> str | None:
    """`vaekit evaluate --synthetic`'s figures beside independent columns', and the marginals picture; None
    without synthetic-quality.json."""
    path = run_dir / "synthetic-quality.json"
    if not path.is_file():
        return None
    found = read_json(path)
    ours, theirs = found.get("vaekit") or {}, found.get("independent_columns") or {}

    def cell(value: Any) -> str:
        return "n/a" if not isinstance(value, (int, float)) else f"{value:.3f}"
    rows = "".join(f"<tr><th>{html.escape(name)}</th><td>{cell(ours.get(key))}</td><td>{cell(theirs.get(key))}</td>"
                   f"</tr>" for name, key in SYNTHETIC_ROWS)
    picture = _image(run_dir / "marginals.png") if (run_dir / "marginals.png").is_file() else ""
    return (f"<table><tr><th></th><th>vaekit</th><th>independent columns</th></tr>{rows}</table>"
            f"<p>{html.escape(str(found.get('verdict', '')))}</p>{picture}"
            f"<p class=note>{found.get('rows', '?')} synthetic rows against the training rows (holdout: the test "
            "split), seed " f"{html.escape(str(found.get('seed')))}: vaekit evaluate --synthetic</p>")


def write_report(run_dir: str | Path, evaluation: dict[str, Any] | None = None,
                 record: dict[str, Any] | None = None) -> Path:
    """Write run_dir/report.html from the run's files and its evaluation (evaluation.json unless given). An
    evaluation of other weights than the run's model.safetensors is marked stale at the top of the metrics.
    `record`: config.json as saved, when the caller has read it already (Run.record)."""
    run_dir = Path(run_dir)
    try:
        saved = read_json(run_dir / CONFIG_FILE) if record is None else record
        if evaluation is None:
            evaluation = read_json(run_dir / "evaluation.json")
        for key in ("neg_elbo", "kl_per_dim", "posterior_mean_variance", "active_threshold", "protocol"):
            evaluation[key]  # noqa: B018  (an evaluation from another version may lack what the page shows)
        saved["versions"], saved["config"], saved["data"]  # noqa: B018
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise VaekitError(f"cannot build a report from {run_dir}: config.json or evaluation.json is damaged or "
                          f"from another version ({type(error).__name__}: {error}); run `vaekit evaluate` "
                          "again") from None
    metrics = read_metrics(run_dir / METRICS_FILE)
    reason = stale_reason(run_dir, evaluation)
    stale = None if reason is None else (f"these numbers are not the current model's: {reason}. Run `vaekit "
                                         f"evaluate {run_dir}` (or `vaekit report {run_dir}`) to measure it again.")
    sections = [("metrics", "Metrics", _metrics_table(evaluation, metrics[-1] if metrics else None, stale))]
    for key, title, name in PICTURES:
        if (run_dir / name).is_file():
            sections.append((key, title, _image(run_dir / name)))
    chart = _kl_chart(evaluation, run_dir / "kl_per_dim.png")
    sections.append(("kl", "KL per latent dimension", _image(chart)))
    against = verdicts_section(run_dir)
    if against is not None:
        sections.append(("verdicts", "Against the simple baselines", against))
    study = _study_section(run_dir)
    if study is not None:
        sections.append(("study", "The settings search this run won", study))
    synthetic = _synthetic_section(run_dir)
    if synthetic is not None:
        sections.append(("synthetic", "Synthetic rows", synthetic))
    scores = _score_charts(run_dir)
    if scores is not None:
        sections.append(("scores", "Scores per example", scores))
    sections.append(("config", "Configuration", f"<pre>{html.escape(json.dumps(saved['config'], indent=2))}</pre>"))
    data = json.dumps({k: v for k, v in saved["data"].items() if k != "class_names"}, indent=2)
    sections.append(("data", "Data", f"<pre>{html.escape(data)}</pre>"))
    sections.append(("environment", "Environment",
                     f"<pre>{html.escape(json.dumps(saved['versions'], indent=2))}</pre>"))
    body = "\n".join(f'<section id="{key}"><h2>{title}</h2>{content}</section>' for key, title, content in sections)
    title = html.escape(f"vaekit report: {run_dir.name}")
    page = (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{title}</title>"
            f"<style>{STYLE}</style></head><body><h1>{title}</h1>"
            f"<p class=note>{html.escape(str(saved['data']['source']))}, {html.escape(str(saved['data']['kind']))} "
            f"{html.escape(str(saved['data']['shape']))}</p>\n{body}\n</body></html>\n")
    write_text(run_dir / "report.html", page)
    return run_dir / "report.html"
