"""Values found wrong by an audit of issue 9's commands (scores, denoising, compression), each kept fixed."""

from __future__ import annotations

import torch

from vaekit.config import ModelConfig
from vaekit.model.vae import build_model
from vaekit.tasks.scoring import score_many


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


def test_consecutive_ids_are_stored_as_their_first_and_come_back(digits_run) -> None:  # type: ignore[no-untyped-def]
    """A named data set's test split has ids a..a+N-1 (60000..69999 for Fashion-MNIST): a list of them made the
    header 11% of a compressed file; the first id says it all, and decompress gives every id back."""
    import numpy as np

    import vaekit
    from vaekit.tasks.compression import compress
    from vaekit.tasks.compression.api import header_ids, read_header

    model = vaekit.load(digits_run)
    x = (vaekit.load_dataset("digits").test_x[:40] > 0.5).float()
    ranged = read_header(compress(model, x, ids=np.arange(500, 540)))
    listed = read_header(compress(model, x, ids=np.arange(40) * 3))
    plain = read_header(compress(model, x, ids=np.arange(40)))
    named = read_header(compress(model, x, ids=np.array([f"a{i}.png" for i in range(40)])))
    assert ranged["ids"] == {"first": 500} and np.array_equal(header_ids(ranged), np.arange(500, 540))
    assert np.array_equal(header_ids(listed), np.arange(40) * 3) and plain["ids"] is None
    assert np.array_equal(header_ids(plain), np.arange(40)) and header_ids(named)[3] == "a3.png"
