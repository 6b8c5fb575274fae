"""The scikit-learn style embedder on an array with real low-dimensional structure."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from vaekit import VAEEmbedder
from vaekit.core.errors import VaekitError


def test_fit_transform_inverse_transform_on_a_table() -> None:
    x = load_digits().data.astype(np.float32) / 16
    embedder = VAEEmbedder(latent_dim=3, epochs=20, hidden=[64], batch_size=32, seed=0)
    codes = embedder.fit_transform(x)
    assert codes.shape == (len(x), 3) and np.isfinite(codes).all()
    back = embedder.inverse_transform(codes)
    assert back.shape == x.shape
    # a 3-D code reconstructs far better than predicting every pixel's mean; these pixels in [0, 1] get the
    # continuous Bernoulli, whose mean of a blank pixel is not 0 (about 0.1 to 0.2), so not as far as a Gaussian
    error = ((back - x) ** 2).mean()
    baseline = ((x - x.mean(0)) ** 2).mean()
    assert error < 0.7 * baseline
    np.testing.assert_allclose(embedder.transform(x[:10]), codes[:10], atol=1e-5)


def test_errors() -> None:
    with pytest.raises(VaekitError, match="not fitted"):
        VAEEmbedder().transform(np.zeros((2, 3)))
    with pytest.raises(VaekitError, match="no setting 'depth'"):
        VAEEmbedder(depth=3).fit(np.zeros((10, 3)))
    x = np.random.default_rng(0).random((20, 4))
    x[3, 1] = np.nan
    with pytest.raises(VaekitError, match="NaN"):
        VAEEmbedder(epochs=1).fit(x)


def test_scikit_learn_can_clone_and_set_parameters() -> None:
    from sklearn.base import clone

    embedder = VAEEmbedder(latent_dim=4, epochs=3, hidden=[8], beta=2.0)
    copy = clone(embedder)
    assert copy.get_params() == embedder.get_params() and copy is not embedder
    copy.set_params(latent_dim=5, beta=0.5)
    assert copy.latent_dim == 5 and copy.settings["beta"] == 0.5 and embedder.settings["beta"] == 2.0
