"""The likelihood corrected for input complexity (Serra et al. 2020, "Input complexity and out-of-distribution
detection with likelihood-based generative models"), in bits:

    S(x) = -log2 p(x) - L(x)

-log2 p(x) is the importance-weighted estimate of the `iw` score (k samples) in bits, nats / ln 2, of the model's
likelihood of the data as it scores them. L(x) is the length in bits of a lossless code of the image: the PNG file
(Pillow, compress_level 9, optimize) of the 8-bit image round(255 x), grey, grey and alpha, RGB or RGBA (1 to 4
channels, what a PNG holds), headers included (a constant
that shifts every score alike). A simple image (a plain background, a few strokes) compresses well and a model
gives it a high likelihood for that reason alone; subtracting L(x) leaves what the model explains beyond what a
generic compressor does. S is a code length difference when p(x) is a probability of the 8-bit image (the
discretized logistic and categorical likelihoods); for a Bernoulli likelihood on grey levels or a density it is the
same comparison up to a constant per data set, which does not change a ranking.
"""

from __future__ import annotations

import io
import math

import numpy as np
import torch
from PIL import Image

from vaekit.core.registry import SCORES
from vaekit.tasks.scoring.chunk import Chunk
from vaekit.tasks.scoring.kind import ScoreKind


def png_bits(images: torch.Tensor) -> torch.Tensor:
    """(B,) float64: the size in bits of each image (B, C, H, W) in [0, 1], C 1 to 4 (grey, grey and alpha, RGB,
    RGBA), saved as an 8-bit PNG at maximum compression."""
    pixels = np.rint(images.detach().cpu().clamp(0, 1).numpy() * 255).astype(np.uint8)
    sizes = []
    for image in pixels:
        picture = Image.fromarray(image[0]) if image.shape[0] == 1 else \
            Image.fromarray(np.ascontiguousarray(image.transpose(1, 2, 0)))  # Pillow reads LA, RGB or RGBA
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG", optimize=True, compress_level=9)
        sizes.append(8 * buffer.tell())
    return torch.tensor(sizes, dtype=torch.float64)


@SCORES.register("complexity")
class ComplexityCorrected(ScoreKind):
    reads_likelihood = True  # log p(x), or a bound on it
    images_only = True

    def __call__(self, chunk: Chunk) -> torch.Tensor:
        return -chunk.bound(chunk.k).log_likelihood / math.log(2) - png_bits(chunk.x)
