"""The time the classic MLP VAE's matrix products take alone: the floor no training loop can beat.

For each batch: the forward products of the five linear layers and, for backward, each layer's weight gradient
and (except the first) its input gradient, with the same shapes as training, on preallocated tensors, no autograd.
"""

from __future__ import annotations

import time

import torch


def matmul_epoch_seconds(n: int, batch_size: int, widths: tuple[int, ...] = (784, 400, 20), repeats: int = 3,
                         device: str = "cpu") -> float:
    """The best of `repeats` epochs of the products alone on `device` (a GPU is synchronised before each clock)."""
    data, hidden, latent = widths
    sync = torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)
    # (in, out) of each product: encoder 784->400, two heads 400->20, decoder 20->400, 400->784
    layers = [(data, hidden), (hidden, latent), (hidden, latent), (latent, hidden), (hidden, data)]
    weights = [torch.randn(out, inp, device=device) * 0.01 for inp, out in layers]
    sizes = {min(batch_size, n - start) for start in range(0, n, batch_size)}
    inputs_by_size = {b: [torch.randn(b, inp, device=device) for inp, _ in layers] for b in sizes}
    best = float("inf")
    for _ in range(repeats):
        sync()
        started = time.perf_counter()
        for start in range(0, n, batch_size):
            inputs = inputs_by_size[min(batch_size, n - start)]
            for index, (weight, x) in enumerate(zip(weights, inputs)):
                out = x @ weight.T                  # forward
                grad_out = out                      # stands in for dL/d(out): same shape
                _ = grad_out.T @ x                  # weight gradient
                if index != 0:
                    _ = grad_out @ weight           # input gradient (none needed for the data layer)
        sync()
        best = min(best, time.perf_counter() - started)
    return best
