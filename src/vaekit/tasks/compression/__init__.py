"""Lossless compression with a trained VAE: bits-back coding with ANS (BB-ANS, Townsend, Bird & Barber 2019).

    data = vaekit.tasks.compression.compress(model, x, seed=0)   # bytes of a .vkz file
    x_back = vaekit.tasks.compression.decompress(model, data)    # exactly x
    bits = vaekit.tasks.compression.neg_elbo_bits(model, x)      # (N,) what each example should cost, in bits

One idea per file: latent_buckets (the latent discretisation), alphabet (the data's discrete values and their
probabilities under p(x|z)), bbans (the coding chain on constriction's ANS coder), coding_model (the deterministic
CPU copy both sides run), file_format (the .vkz bytes), header (what a .vkz header may hold, checked field by field
before decoding: anyone can sign a file again), elbo_bits (the -ELBO it is measured against), api.
"""

from vaekit.tasks.compression.api import compress, decompress, decompress_with_header, read_header, weights_sha256
from vaekit.tasks.compression.elbo_bits import neg_elbo_bits

__all__ = ["compress", "decompress", "decompress_with_header", "neg_elbo_bits", "read_header", "weights_sha256"]
