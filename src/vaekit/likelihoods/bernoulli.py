"""Bernoulli likelihood on logits: binary cross-entropy in its fused, numerically stable form."""

from __future__ import annotations

from torch.distributions import Bernoulli

from vaekit.core.registry import LIKELIHOODS
from vaekit.likelihoods.logits import LogitLikelihood


@LIKELIHOODS.register("bernoulli")
class BernoulliLikelihood(LogitLikelihood):
    """p(x|z) = prod_i Bernoulli(x_i; sigmoid(logit_i)).

    Also used on grey levels in [0, 1], as the classic VAE does: log_prob is then -BCE(logits, x), which is not a
    normalised density for non-binary x (so validation of the {0, 1} support is switched off on purpose; the
    trainer checks that the data lie in [0, 1]).
    """

    distribution = Bernoulli
    density = False  # a probability of 0/1 values, or a cross-entropy of grey levels: dequantization does not apply
    cross_entropy_of_levels = True  # on grey levels: the scores' pairing warning (tasks/scoring/kind.py) asks

    @classmethod
    def scores(cls, binary: bool) -> str:
        return ("exact discrete log-likelihood of binary data" if binary else
                "Bernoulli cross-entropy of grey levels in [0, 1]: the classic VAE's objective, not a normalised "
                "density; comparable only with numbers computed the same way")
