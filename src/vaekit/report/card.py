"""A run's model card: RUN/README.md, a YAML header in the Hugging Face style and prose a reader needs before using
the model (what data, what objective, what it is for, what it cannot do, how to load it).

    path = write_card("runs/digits")                 # runs/digits/README.md, replaced whole
    text = model_card(Run.open("runs/digits"))       # the same text, not written

The header holds library_name: vaekit, tags (vae, the data kind, the likelihood, the network, the objective),
datasets (the data source) and under `vaekit:` the data's fingerprints from config.json; when the run has an
evaluation.json made with its current weights, its numbers go in `model-index`, with the protocol it records in
each metric's args (a stale evaluation is left out and the card says so: numbers of other weights would describe
another model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from vaekit.core.io import write_text
from vaekit.core.json_file import read_json
from vaekit.report.card_text import evaluation_metrics, prose
from vaekit.runs.run import Run
from vaekit.tasks.evaluation.provenance import EVALUATION_FILE, stale_reason

CARD_FILE = "README.md"

def read_evaluation(run: Run) -> tuple[dict[str, Any] | None, str]:
    """The run's evaluation.json when it measured the current weights, else None and a phrase saying why not."""
    path = run.path / EVALUATION_FILE
    if not path.is_file():
        return None, f"no {EVALUATION_FILE} yet (run `vaekit evaluate {run}`)"
    evaluation = read_json(path)
    if not isinstance(evaluation, dict):
        return None, f"{EVALUATION_FILE} is not a JSON object"
    stale = stale_reason(run.path, evaluation)
    if stale is not None:
        return None, f"{EVALUATION_FILE} is stale: {stale}"
    return evaluation, ""


def _tags(run: Run, data: dict[str, Any]) -> list[str]:
    model, objective = run.config.model, run.config.objective
    tags = ["vae", "variational-autoencoder", "pytorch", str(data.get("kind", "")), str(data.get("likelihood", "")),
            model.network, objective.name, f"prior-{model.prior}"]
    return list(dict.fromkeys(tag.replace("_", "-") for tag in tags if tag))


def _task(kind: str) -> dict[str, str]:
    # the Hub's task names: a VAE of images generates them; of other data its codes are its features
    if kind == "image":
        return {"type": "unconditional-image-generation", "name": "Unconditional image generation"}
    return {"type": "feature-extraction", "name": "Feature extraction"}


def card_header(run: Run, evaluation: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """The YAML header's fields (Hugging Face model card metadata, plus vaekit's own under `vaekit:`)."""
    record = run.record or {}
    data = record.get("data", {})
    source = str(data.get("source", "unknown"))
    header: dict[str, Any] = {
        "library_name": "vaekit", "tags": _tags(run, data), "datasets": [source],
        "vaekit": {"data_source": source, "data_location": data.get("location"),
                   "data_fingerprint": data.get("fingerprint"),
                   "config_data_fingerprint": (record.get("fingerprints") or {}).get("data"),
                   "kind": data.get("kind"), "shape": data.get("shape"), "likelihood": data.get("likelihood"),
                   "latent_dim": run.config.model.latent_dim, "objective": run.config.objective.name,
                   "version": (record.get("versions") or {}).get("vaekit")}}
    if evaluation is not None:
        split = str(evaluation.get("split", "test"))
        protocol = evaluation.get("protocol") or "not recorded"  # how -log p(x) was measured: each number's terms
        metrics = [{"type": metric, "value": value, "name": f"{metric} ({split} split)", "args": {"protocol": protocol}}
                   for metric, value in evaluation_metrics(evaluation).items()]
        header["model-index"] = [{"name": name, "results": [{
            "task": _task(str(data.get("kind"))),
            "dataset": {"type": source, "name": source, "split": split,
                        "args": {"fingerprint": evaluation.get("data_sha256")}},
            "metrics": metrics}]}]  # no `source`: the Hub wants a URL with it, and the run is the source
        header["vaekit"]["evaluation_protocol"] = evaluation.get("protocol")
        header["vaekit"]["weights_sha256"] = evaluation.get("weights_sha256")
    return header


def model_card(run: Run, name: str | None = None) -> str:
    """The text of the run's model card: `---`, the YAML header, `---`, then the prose. `name` is the model's
    name in the card (the Hub repository, say); the run directory's name by default."""
    name = name or run.path.resolve().name
    evaluation, missing = read_evaluation(run)
    header = yaml.safe_dump(card_header(run, evaluation, name), sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{header}---\n\n{prose(run, name, evaluation, missing)}"


def write_card(run_dir: str | Path, out: str | Path | None = None, name: str | None = None) -> Path:
    """Write the model card of the run in `run_dir` to `out` (RUN/README.md by default), replaced whole; returns
    the path written.

        write_card("runs/digits")                         # runs/digits/README.md
        write_card("runs/digits", "cards/digits.md", name="me/digits-vae")
    """
    run = Run.open(run_dir)
    path = Path(out) if out is not None else run.path / CARD_FILE
    write_text(path, model_card(run, name))
    return path
