"""Likelihoods p(x|z): decoder outputs -> a torch Distribution whose event dimensions are the data dimensions.

Each likelihood module declares `params_per_element` (how many decoder outputs it reads per data element) and
turns the decoder's (..., P, *data_shape) tensor into a Distribution. Importing registers them.
"""

from vaekit.likelihoods import bernoulli, categorical, continuous_bernoulli, discretized_logistic, gaussian, mixed  # noqa: F401
