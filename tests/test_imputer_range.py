"""VAEImputer keeps each filled-in value inside the range its column took in the rows given to fit."""

from __future__ import annotations

import numpy as np

from vaekit import VAEImputer


def _gappy() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4)).astype(np.float32)
    x[:, 3] = 0.0
    x[:2, 3] = 0.01  # a nearly constant column, where a Gaussian decoder can stray far outside the data
    x[rng.random(x.shape) < 0.3] = np.nan
    x[:, 0] = rng.normal(size=120)  # every row keeps an observed value
    return x


def test_fill_ins_stay_in_each_columns_observed_range() -> None:
    x = _gappy()
    imputer = VAEImputer(latent_dim=2, hidden=(16,), epochs=3, k=20).fit(x)
    assert np.allclose(imputer.data_min_, np.nanmin(x, axis=0))
    assert np.allclose(imputer.data_max_, np.nanmax(x, axis=0))
    queries = x.copy()
    queries[:, 3] = np.nan
    filled = imputer.transform(queries)
    assert (filled >= imputer.data_min_).all()
    assert (filled <= imputer.data_max_).all()
    unclipped = VAEImputer(latent_dim=2, hidden=(16,), epochs=3, k=20, keep_in_range=False).fit(x)
    raw = unclipped.transform(queries)
    # the same seed trains the same model: clipping is the only difference, and it moves some fill-ins
    assert np.array_equal(np.clip(raw, imputer.data_min_, imputer.data_max_), filled)
    assert not np.array_equal(raw, filled)
