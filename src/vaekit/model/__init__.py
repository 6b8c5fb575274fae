"""The model floor: the VAE module (encode, decode, prior, sample), its builder from a ModelConfig, the checks of
what the Python API is given, its size before allocation, conditioning and the class latent. No scoring, no I/O.

    from vaekit.model import VAE, build_model
    model = build_model(ModelConfig(latent_dim=2), (1, 28, 28), "image")
"""

from vaekit.model.build import build_model
from vaekit.model.vae import VAE

__all__ = ["VAE", "build_model"]
