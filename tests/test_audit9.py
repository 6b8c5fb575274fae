"""Values found wrong by an audit of issue 9's commands (scores, denoising, compression), each kept fixed."""

from __future__ import annotations

import torch

from vaekit.config import ModelConfig
from vaekit.model import build_model
from vaekit.scoring import score_many


def test_reconstruction_score_of_a_missing_values_run_leaves_missing_entries_out() -> None:
    """A run trained with --missing model scores data with gaps: the reconstruction error sums the observed
    entries (it was NaN for every row with a gap, and the command blamed diverged weights)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(latent_dim=2, hidden=[8], encoder_mask=True, likelihood="gaussian"), (4,),
                        "vector")
    x = torch.tensor([[0.5, float("nan"), 2.0, -1.0], [1.0, 0.0, float("nan"), float("nan")]])
    scores = score_many(model, x, "reconstruction,elbo,iw", k=4)
    assert all(torch.isfinite(values).all() for values in scores.values())
    with torch.no_grad():
        recon = model.decode(model.encode(x).mean).mean
    observed = ~torch.isnan(x)
    expected = torch.where(observed, (x - recon) ** 2, torch.zeros(())).sum(1).double()
    assert torch.allclose(scores["reconstruction"], expected)
