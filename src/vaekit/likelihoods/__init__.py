"""Likelihoods p(x|z): decoder outputs -> a torch Distribution whose event dimensions are the data dimensions.

Each likelihood module declares `params_per_element` (how many decoder outputs it reads per data element) and
turns the decoder's (..., P, *data_shape) tensor into a Distribution. Importing registers them. The
autoregressive ones (sequences) read a context made of z instead and run their recurrent decoder themselves.
"""

from vaekit.likelihoods import (  # noqa: F401
    autoregressive,
    autoregressive_gaussian,
    bernoulli,
    categorical,
    continuous_bernoulli,
    discretized_logistic,
    gaussian,
    mixed,
)
