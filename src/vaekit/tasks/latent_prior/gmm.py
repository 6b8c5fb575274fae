"""A Gaussian mixture with full covariances fitted to codes (scikit-learn's EM, seeded): the fitted prior of
`vaekit fit-prior --method gmm`, and the latent mixture a table synthesizer samples from (tasks/synthesis/
calibration.py).

    fitted = fit_gaussian_mixture(codes, components=10, seed=0)   # {"weights", "means", "covariances"}, float64
"""

from __future__ import annotations

import numpy as np

from vaekit.core.errors import VaekitError

# added to each covariance's diagonal: codes of a VAE whose unused dimensions collapse onto the posterior mean 0
# have a near-singular covariance, which EM would otherwise shrink to a spike
REG_COVAR = 1e-4


def fit_gaussian_mixture(codes: np.ndarray, components: int, seed: int = 0, reg_covar: float = REG_COVAR
                         ) -> dict[str, np.ndarray]:
    """Weights (K,), means (K, d) and covariances (K, d, d) of a K-component mixture fitted to codes (N, d) by EM
    from k-means starts (random_state=seed); a VaekitError for fewer codes than components or codes not finite."""
    from sklearn.mixture import GaussianMixture  # scikit-learn loads in a second: only a fit pays for it

    codes = np.asarray(codes, dtype=np.float64)
    if components < 1:
        raise VaekitError(f"a Gaussian mixture needs at least 1 component, got {components}")
    if len(codes) < max(2, components):
        raise VaekitError(f"{len(codes)} codes are too few for a mixture of {components} components: give fewer "
                          "components or more training examples")
    if not np.isfinite(codes).all():
        raise VaekitError("the codes hold NaN or infinite values: the model's weights overflow; train it again")
    mixture = GaussianMixture(components, covariance_type="full", reg_covar=reg_covar, random_state=seed).fit(codes)
    return {"weights": mixture.weights_, "means": mixture.means_, "covariances": mixture.covariances_}
