"""A prior over continuous codes fitted after training (`vaekit fit-prior --method gmm | vae`), kept in the run:

    run_dir / latent-prior.safetensors   # its tensors: a mixture's weights, means and covariances, or a second VAE's
    run_dir / latent-prior.json          # its method, the settings that rebuild it, the fingerprint of the weights
                                         # it was fitted to, and the fit's report

    save_latent_prior(run_dir, model, prior, report)        # fit-prior: both files, their fingerprints in config.json
    prior = read_latent_prior(run_dir, record, model)       # Run.load_model: checked, then model.sampling_prior
    forget_latent_prior(run_dir)                            # training resumed: the codes move, the fit is removed

No pickle: tensors in safetensors, the rest in JSON. config.json records both files' fingerprints and
latent-prior.json the fingerprint of model.safetensors's weights, so a file edited, copied from another run, or left
behind by weights that changed since is refused in one line instead of used. A prior is rebuilt by the part that
its method names (METHODS), which says itself what it saves (tensors, settings) and how it is read (from_saved).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch.distributions import Distribution

from vaekit.core.errors import VaekitError
from vaekit.core.io import atomic_path, write_json
from vaekit.core.json_file import read_json
from vaekit.data.common.fingerprint import tensors_sha256
from vaekit.priors.fitted_mixture import FittedMixture
from vaekit.priors.second_stage import SecondStagePrior
from vaekit.runs.files import CONFIG_FILE, LATENT_PRIOR, LATENT_PRIOR_REPORT, MODEL_FILE
from vaekit.runs.fingerprints import FINGERPRINTS, json_sha256, recorded

METHODS: dict[str, Any] = {part.method: part for part in (FittedMixture, SecondStagePrior)}


def _sha256(tensors: dict[str, torch.Tensor]) -> str:
    return f"sha256:{tensors_sha256(*(tensors[name] for name in sorted(tensors)))}"


def weights_sha256(model: torch.nn.Module) -> str:
    """The fingerprint of a model's weights and buffers, in name order: what a fitted prior was fitted to."""
    return _sha256(model.state_dict())


def save_latent_prior(run_dir: str | Path, model: torch.nn.Module, prior: Any, report: dict[str, Any]) -> None:
    """Writes the prior's tensors and latent-prior.json (method, settings, the weights' fingerprint, `report`), then
    records both files' fingerprints in config.json (fit-prior, holding the run's lock)."""
    run_dir = Path(run_dir)
    tensors = {name: value.detach().cpu().contiguous() for name, value in prior.tensors().items()}
    with atomic_path(run_dir / LATENT_PRIOR) as tmp:
        save_file(tensors, str(tmp))
    written = {"method": prior.method, "settings": prior.settings(), "weights": weights_sha256(model),
               "report": report}
    write_json(run_dir / LATENT_PRIOR_REPORT, written)
    path = run_dir / CONFIG_FILE
    record = _read(path)
    record[FINGERPRINTS] = {**recorded(record, path), LATENT_PRIOR: _sha256(tensors),
                            LATENT_PRIOR_REPORT: json_sha256(_read(run_dir / LATENT_PRIOR_REPORT))}
    write_json(path, record)


def _read(path: Path) -> Any:
    try:
        return read_json(path)
    except OSError as error:
        raise VaekitError(f"{path} is unreadable ({type(error).__name__}: {error})") from None


def read_latent_prior(run_dir: str | Path, record: dict[str, Any], model: torch.nn.Module) -> Distribution | None:
    """The run's fitted prior over continuous codes, checked against config.json (`record`) and the model's
    weights; None when fit-prior fitted none. A VaekitError names a file that is missing, not recorded, edited or
    fitted to other weights."""
    run_dir = Path(run_dir)
    found = recorded(record, run_dir / CONFIG_FILE)
    names = (LATENT_PRIOR, LATENT_PRIOR_REPORT)
    if not any(name in found or (run_dir / name).is_file() for name in names):
        return None
    again = f"fit it again (vaekit fit-prior {run_dir}), or delete {LATENT_PRIOR} and {LATENT_PRIOR_REPORT}"
    for name in names:
        if not (run_dir / name).is_file():
            raise VaekitError(f"{run_dir / name} is missing, though {CONFIG_FILE} records it: restore it, or {again}")
        if name not in found:
            raise VaekitError(f"{run_dir / name} is not recorded in {CONFIG_FILE} (not fitted to this run): {again}")
    try:
        tensors = load_file(str(run_dir / LATENT_PRIOR))
    except (SafetensorError, OSError) as error:
        raise VaekitError(f"{run_dir / LATENT_PRIOR} is unreadable ({' '.join(str(error).split())[:120]}): "
                          f"{again}") from None
    saved = _read(run_dir / LATENT_PRIOR_REPORT)
    for name, fingerprint in ((LATENT_PRIOR, _sha256(tensors)), (LATENT_PRIOR_REPORT, json_sha256(saved))):
        if fingerprint != found[name]:
            raise VaekitError(f"{run_dir / name} does not match the run's fingerprint in {CONFIG_FILE} (edited or "
                              f"from another run): restore the run's own, or {again}")
    if saved.get("weights") != weights_sha256(model):
        raise VaekitError(f"{run_dir / LATENT_PRIOR} was fitted to other weights than {MODEL_FILE} holds now: "
                          f"{again}")
    part = METHODS.get(saved.get("method"))  # type: ignore[arg-type]
    if part is None or not isinstance(saved.get("settings"), dict):
        raise VaekitError(f"{run_dir / LATENT_PRIOR_REPORT} names no method vaekit knows "
                          f"({', '.join(METHODS)}) with its settings: {again}")
    prior = part.from_saved(tensors, saved["settings"])
    if prior.event_shape != (model.latent_dim,):
        raise VaekitError(f"{run_dir / LATENT_PRIOR} is a prior over {tuple(prior.event_shape)} codes, and this "
                          f"run's have {model.latent_dim} dimensions: {again}")
    return prior


def forget_latent_prior(run_dir: str | Path) -> bool:
    """Removes the fitted prior of a run whose training resumes (its codes move away from those it was fitted
    to); True when there was one. Training rewrites config.json, and its fingerprints with it."""
    removed = False
    for name in (LATENT_PRIOR, LATENT_PRIOR_REPORT):
        path = Path(run_dir) / name
        if path.is_file():
            path.unlink()
            removed = True
    return removed
