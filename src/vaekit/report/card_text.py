"""The prose of a model card (report/card.py writes the header): data, model and objective, training, evaluation,
intended use, known limits and how to load. Each limit is stated only where it applies to this run."""

from __future__ import annotations

from typing import Any

from vaekit.parts import registry
from vaekit.report.verdicts_section import kept_lines
from vaekit.runs.run import Run

SMALL_DATA = 5000  # fewer training examples than this: a model of them says little about the population

# evaluation.json's fields that are settings of the measurement or sizes, not results
_NOT_METRICS = {"examples", "k", "seed", "latent_dim", "active_threshold", "dequantization_levels"}


def evaluation_metrics(evaluation: dict[str, Any]) -> dict[str, float]:
    """The scalar results of an evaluation.json, by name: a {"mean", "se"} entry gives its mean, a number itself;
    the baselines' numbers, lists (KL per dimension) and texts are left out (the card shows the model's own)."""
    found: dict[str, float] = {}
    for name, value in evaluation.items():
        if name in _NOT_METRICS or name.startswith("baseline_"):
            continue
        if isinstance(value, dict) and isinstance(value.get("mean"), int | float):
            found[name] = value["mean"]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found[name] = value
    return found


def _data(data: dict[str, Any]) -> str:
    shape = " x ".join(str(size) for size in data.get("shape") or []) or "unknown"
    classes = data.get("class_names")
    labels = f", labels of {len(classes)} classes (not used by an unconditional VAE)" if classes else ""
    return (f"## Data\n\n- source: `{data.get('source')}` ({data.get('location')})\n- kind: {data.get('kind')}, "
            f"each example of shape {shape}{labels}\n- rows: {data.get('n_train')} for training (a share of them "
            f"for validation), {data.get('n_test')} held out for testing\n- fingerprint of the data: "
            f"`{data.get('fingerprint')}` (vaekit checks it when the same data are read again)\n")


def _model(run: Run, data: dict[str, Any]) -> str:
    model, objective = run.config.model, run.config.objective
    beta = f" with beta {objective.beta}" if objective.beta != 1.0 else ""
    return (f"## Model and objective\n\n- encoder and decoder: {model.network} network, a {model.latent_dim}-"
            f"dimensional latent code, posterior {model.posterior}, prior {model.prior}\n- likelihood p(x|z): "
            f"{data.get('likelihood')}\n- objective: {objective.name}{beta} (the full settings are in config.json)\n")


def _training(run: Run) -> str:
    train = run.config.train
    rows = run.metrics
    text = f"## Training\n\n- {train.epochs} epochs asked, batch size {train.batch_size}, learning rate {train.lr}, " \
           f"optimizer {train.optimizer}, seed {train.seed}\n"
    if rows:
        last = rows[-1]
        text += (f"- after epoch {int(last['epoch'])}: validation -ELBO {last['val_neg_elbo']:.3f} nats = "
                 f"distortion {last['val_distortion']:.3f} + rate {last['val_rate']:.3f}\n")
    return text


def _evaluation(evaluation: dict[str, Any] | None, missing: str) -> str:
    if evaluation is None:
        return f"## Evaluation\n\nNot in this card: {missing}.\n"
    lines = [f"- {name}: {value:.4g}" for name, value in evaluation_metrics(evaluation).items()]
    verdicts = [v["verdict"] for v in (evaluation.get("verdicts") or {}).values()
                if isinstance(v, dict) and isinstance(v.get("verdict"), str)]
    return (f"## Evaluation\n\nOn the {evaluation.get('split')} split ({evaluation.get('examples')} examples). "
            f"Protocol: {evaluation.get('protocol')}.\n\n" + "\n".join(lines) + "\n"
            + ("\nAgainst baselines on the same rows:\n\n" + "\n".join(f"- {v}" for v in verdicts) + "\n"
               if verdicts else ""))


def _kept_verdicts(run: Run) -> str:
    """The verdicts commands kept in the run (RUN/verdicts.json) for its current weights, one line each; stale ones
    (measured on weights the run no longer has) are left out."""
    lines = kept_lines(run.path)
    if not lines:
        return ""
    return "## Against the simple baselines\n\nWhat the commands measured, each beside the simple method a user " \
           "would try first, fitted on the run's training split:\n\n" + "\n".join(lines) + "\n"


def _limits(run: Run, data: dict[str, Any]) -> str:
    limits = ["A VAE's likelihood is not a reliable out-of-distribution detector: models of images often give "
              "higher likelihood to simpler data they never saw (a model of clothing photos scores digits as more "
              "likely). Use `vaekit score` with a corrected kind (`--kind likelihood_ratio` against a "
              "background run, or `complexity` for images) and check on known outliers before trusting an "
              "anomaly threshold."]
    likelihood = str(data.get("likelihood"))
    if likelihood in registry("likelihood") and registry("likelihood").get(likelihood).cross_entropy_of_levels \
            and run.config.data.binarize == "none":  # the likelihood says so itself (Bernoulli on grey levels)
        limits.append(f"The {likelihood} likelihood is applied to grey levels in [0, 1]: its -log p(x) is a "
                      "cross-entropy, not a normalised density, and compares only with numbers computed the same way.")
    n_train = data.get("n_train")
    if isinstance(n_train, int) and n_train < SMALL_DATA:
        limits.append(f"Trained on {n_train} examples: the model describes this sample, not a population; codes "
                      "and samples may not generalise to other data of the same kind.")
    limits.append("The model knows only the data above: inputs of another shape, scale or preprocessing are "
                  "refused or, if they fit the shape, scored as though they were like the training data.")
    return "## Known limits\n\n" + "\n".join(f"- {limit}" for limit in limits) + "\n"


def prose(run: Run, name: str, evaluation: dict[str, Any] | None, missing: str) -> str:
    """The card's body in Markdown, below its YAML header."""
    data = (run.record or {}).get("data", {})
    intended = ("## Intended use\n\nEncoding examples like the training data into codes (`vaekit embed`), sampling "
                "new ones (`vaekit sample`), reconstruction and anomaly scores (`vaekit score`) for data of the same "
                "source and preprocessing; research and teaching. Not for decisions about people without an "
                "evaluation on their own data.\n")
    where = f"hf://{name}" if "/" in name else "path/to/run"  # a Hub repository's name is user/name
    loading = (f"## How to load\n\n```python\nimport vaekit\nmodel = vaekit.load(\"{where}\")   # a Hub "
               "repository (hf://user/name) or a run directory\nx = model.sample(16)\n```\n\nThe run directory's files "
               "(config.json, model.safetensors, metrics.csv, evaluation.json) are the model; vaekit checks their "
               "fingerprints when it opens them.\n")
    return "\n".join(part for part in [f"# {name}\n\nA variational autoencoder trained with vaekit.\n", _data(data),
                      _model(run, data), _training(run), _evaluation(evaluation, missing), _kept_verdicts(run),
                      intended, _limits(run, data), loading] if part)
