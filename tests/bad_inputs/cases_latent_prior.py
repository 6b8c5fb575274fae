"""A prior over continuous codes (vaekit fit-prior --method gmm | vae): settings it cannot take, and fitted files
that are edited, missing, unrecorded or fitted to other weights, which every opening of the run refuses."""

from __future__ import annotations

import json
from typing import Any

import torch
from safetensors.torch import load_file, save_file

import vaekit
from bad_inputs.case import Case, Workspace
from vaekit.config import ModelConfig
from vaekit.model.build import build_model
from vaekit.runs.latent_prior import save_latent_prior


def _fitted(w: Workspace) -> None:
    """The workspace's run with a mixture of 2 components fitted and saved, as fit-prior leaves it."""
    model = vaekit.load(w.run)
    fit = vaekit.fit_prior(model, vaekit.load_dataset("digits").train_x, method="gmm", components=2)
    save_latent_prior(w.run, model, fit.prior, fit.report)


def _edit_json(w: Workspace, name: str, change: Any) -> None:
    path = w.run / name
    value = json.loads(path.read_text())
    change(value)
    path.write_text(json.dumps(value))


def _report_edited(w: Workspace) -> None:
    _fitted(w)
    _edit_json(w, "latent-prior.json", lambda value: value["report"].update(train_log_p=99.0))


def _mixture_replaced(w: Workspace) -> None:
    _fitted(w)
    tensors = load_file(str(w.run / "latent-prior.safetensors"))
    save_file({**tensors, "means": tensors["means"] + 1.0}, str(w.run / "latent-prior.safetensors"))


def _not_recorded(w: Workspace) -> None:
    record = (w.run / "config.json").read_text()
    _fitted(w)
    (w.run / "config.json").write_text(record)  # as if the files were copied in from another run


def _weights_changed(w: Workspace) -> None:
    _fitted(w)
    weights = load_file(str(w.run / "model.safetensors"))
    name = next(key for key in sorted(weights) if key.startswith("decoder") and key.endswith("bias"))
    save_file({**weights, name: weights[name] + 0.5}, str(w.run / "model.safetensors"))


def _missing(w: Workspace) -> None:
    _fitted(w)
    (w.run / "latent-prior.safetensors").unlink()


def _vq_model() -> vaekit.VAE:
    config = ModelConfig(posterior="vq", prior="codes", latent_dim=4, code_dim=2, codebook_size=4, hidden=[8])
    return build_model(config, data_shape=(1, 8, 8), data_kind="image")


def _digits() -> torch.Tensor:
    return torch.rand(40, 1, 8, 8, generator=torch.Generator().manual_seed(0))


CASES = [
    Case("fit-prior-zero-components", r"--components must be at least 1", ["fit-prior", "{run}", "--components", "0"]),
    Case("fit-prior-components-of-a-vae", r"--components is the number of a Gaussian mixture's components: give it "
         r"with --method gmm", ["fit-prior", "{run}", "--method", "vae", "--components", "3"]),
    Case("fit-prior-unknown-method", r"Invalid value for '--method': 'kmeans' is not one of 'discrete', 'gmm', 'vae'",
         ["fit-prior", "{run}", "--method", "kmeans"]),
    Case("fit-prior-more-components-than-codes", r"codes are too few for a mixture of 5000 components: give fewer",
         ["fit-prior", "{run}", "--components", "5000"]),
    Case("fit-prior-vae-zero-lr", r"--lr must be positive", ["fit-prior", "{run}", "--method", "vae", "--lr", "0"]),
    Case("sample-fitted-prior-of-a-run-without", r"this run has no fitted prior: run vaekit fit-prior",
         ["sample", "{run}", "--prior", "fitted", "--out", "{root}/s.npy"]),
    Case("latent-prior-report-edited", r"latent-prior\.json does not match the run's fingerprint .* fit it again",
         ["sample", "{run}", "--out", "{root}/s.npy"], setup=_report_edited),
    Case("latent-prior-mixture-replaced", r"latent-prior\.safetensors does not match the run's fingerprint",
         ["sample", "{run}", "--prior", "trained", "--out", "{root}/s.npy"], setup=_mixture_replaced),
    Case("latent-prior-not-recorded", r"latent-prior\.safetensors is not recorded in config\.json",
         ["reconstruct", "{run}", "--out", "{root}/r.npy"], setup=_not_recorded),
    Case("latent-prior-fitted-to-other-weights", r"was fitted to other weights than model\.safetensors holds now",
         ["sample", "{run}", "--out", "{root}/s.npy"], setup=_weights_changed),
    Case("latent-prior-missing", r"latent-prior\.safetensors is missing, though config\.json records it",
         ["sample", "{run}", "--out", "{root}/s.npy"], setup=_missing),
    Case("api-fit-prior-unknown-method", r"method must be one of gmm, vae, got 'kmeans'",
         api=lambda w: vaekit.fit_prior(vaekit.load(w.run), _digits(), method="kmeans")),
    Case("api-fit-prior-zero-components", r"components must be a whole number of at least 1, got 0",
         api=lambda w: vaekit.fit_prior(vaekit.load(w.run), _digits(), components=0)),
    Case("api-fit-prior-of-a-discrete-code", r"this run's latent code is discrete: .* gmm and vae are for continuous",
         api=lambda w: vaekit.fit_prior(_vq_model(), _digits(), method="gmm")),
]
