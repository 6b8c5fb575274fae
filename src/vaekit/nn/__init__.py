"""Plain nn.Module networks. Importing this package registers them."""

from vaekit.nn import conv, mlp, resnet, sequence, spectrogram  # noqa: F401
