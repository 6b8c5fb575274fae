"""The pictures every run directory holds, written from a trained model and its test data."""

from __future__ import annotations

from pathlib import Path

import torch

from vaekit.config import Config
from vaekit.core.errors import VaekitError
from vaekit.core.json_file import read_json
from vaekit.data.kinds import data_kind
from vaekit.model.vae import VAE
from vaekit.parts import REGISTRIES
from vaekit.tasks.outputs import embed

TRAVERSED_DIMS = 10  # rows of traversals.png: the dimensions with the largest KL
EXAMPLES = 32  # reconstructed test examples and prior samples a run keeps


def write_pictures(model: VAE, test_x: torch.Tensor, test_y: torch.Tensor | None, run_dir: Path,
                   metrics: list[dict[str, float]], class_names: list[str] | None = None,
                   max_points: int = 10_000, columns: list[str] | None = None) -> list[Path]:
    """reconstructions.png, samples.png, latent.png, manifold.png (image data only), traversals.png (of the first
    test example; `columns` name a table's columns) and loss.png; for a kind that is not drawn (text), its
    reconstructions and samples as the kind writes them (reconstructions.tsv, samples.txt), latent.png and
    loss.png."""
    # matplotlib is imported here, at the end of a run that draws pictures, not when training starts
    from vaekit.plots import latent_directions, save_latent_scatter, save_loss_curves, save_traversals
    from vaekit.plots.spectrograms import SpectrogramScale
    from vaekit.tasks.images import save_manifold, save_reconstructions, save_samples, spectrogram_scale
    from vaekit.tasks.traversals import dimension_order, traversals

    was_training = model.training
    model.eval()
    pictured = data_kind(model.data_kind).pictured
    info = _data_info(run_dir)
    written = [save_reconstructions(model, test_x[:EXAMPLES], run_dir / "reconstructions.png",
                                    y=None if test_y is None else test_y[:EXAMPLES], info=info),
               save_samples(model, run_dir / "samples.png", class_names=class_names, info=info)] if pictured else \
        _examples_as_kind(model, test_x, test_y, run_dir)
    if model.has_code:  # a language model's codes are all the prior's mean: a picture of one dot
        means = embed(model, test_x[:max_points], y=test_y[:max_points] if model.num_classes is not None else None)
        labels = None if test_y is None else test_y[:max_points]
        written.append(save_latent_scatter(means, labels, run_dir / "latent.png", class_names))
    if model.is_image and model.has_code:
        written.append(save_manifold(model, latent_directions(means.cpu()), run_dir / "manifold.png",
                                     class_names=class_names))
    if pictured:
        labels = test_y[:2000] if model.num_classes is not None else None
        order = dimension_order(model, test_x[:2000], labels)
        result = traversals(model, test_x[:1], order.top(TRAVERSED_DIMS), y=None if labels is None else labels[:1])
        # a spectrogram's tiles over the decoded values' own range (a grey image would clip log-mel values to
        # black): no floor, which would squeeze what the sweep changes into a few colours
        spectrogram = None if spectrogram_scale(model.data_kind) is None else SpectrogramScale()
        written.append(save_traversals(result, run_dir / "traversals.png", order, columns, spectrogram,
                                       (info or {}).get("column_values")))
    if metrics:
        written.append(save_loss_curves(metrics, run_dir / "loss.png", _own_bound(run_dir)))
    model.train(was_training)
    return written


def _data_info(run_dir: Path) -> dict | None:
    """The data description the run recorded (config.json's "data", written when training started): an audio
    run's spectrogram settings give its pictures a time axis in seconds and the floor of their colour scale.
    None where there is none to read (the pictures then fall back on the values' own range)."""
    try:
        return read_json(run_dir / "config.json").get("data")
    except (OSError, ValueError, AttributeError):
        return None


def _own_bound(run_dir: Path) -> str | None:
    """The bound the run's objective trains where it is not the ELBO (objectives/base.py own_bound): the loss
    curves show it first. None where config.json cannot say."""
    try:
        settings = Config.from_dict(read_json(run_dir / "config.json")["config"]).objective
        return REGISTRIES["objective"].get(settings.name).bound_of(settings)
    except (OSError, ValueError, KeyError, TypeError, VaekitError):
        return None


@torch.no_grad()
def _examples_as_kind(model: VAE, test_x: torch.Tensor, test_y: torch.Tensor | None, run_dir: Path) -> list[Path]:
    """The first test examples' reconstructions beside them, and prior samples (seed 0; a conditional model's of
    each class in turn), written by the data kind."""
    kind = data_kind(model.data_kind)
    x = test_x[:EXAMPLES]
    conditional = model.num_classes is not None
    recon = model.reconstruct(x.to(model.device), y=test_y[:EXAMPLES] if conditional else None).cpu()
    labels = torch.arange(EXAMPLES) % model.num_classes if conditional else None
    samples = model.sample(EXAMPLES, generator=torch.Generator(device=model.device).manual_seed(0),
                           labels=labels).cpu()
    info = {"run_dir": run_dir}
    written = [kind.save(run_dir / kind.default_output("reconstructions"), recon, info, inputs=x)]
    if kind.synthesized:  # synthetic rows: drawn as `vaekit sample` draws them, not the likelihood's mode
        from vaekit.data.table.kind import run_metadata
        from vaekit.data.writers import write_frame
        from vaekit.tasks.synthesis.calibration import read_calibration
        from vaekit.tasks.synthesis.sampling import synthesize

        metadata = run_metadata(info)
        drawn = synthesize(model, metadata, EXAMPLES, calibration=read_calibration(run_dir, metadata, model))
        return [*written, write_frame(run_dir / kind.default_output("samples"), drawn.frame)]
    return [*written, kind.save(run_dir / kind.default_output("samples"), samples, info)]
