"""Posteriors q(z|x): encoder features -> a torch Distribution over z. Importing registers them."""

from vaekit.posteriors import diagonal_gaussian, flows, gumbel_softmax, ladder, vector_quantized  # noqa: F401
