"""The model as compress and decompress run it: a CPU copy in eval mode, one thread, deterministic algorithms.

BB-ANS is only invertible if decompress hands the coder exactly the probability tables compress did, so the
networks must give bit-identical outputs on both sides. On the CPU, with the same batches (the chunks are fixed by
the file's settings), the same thread count and eval mode (batch norm on its running statistics, no dropout),
PyTorch's kernels do: a GPU or another thread count could sum in another order and change the last bit.

    with coding_model(model) as cpu_model:
        q = cpu_model.encode(x)
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

import torch

THREADS = 1  # recorded in the file: a reduction split over more threads may sum in another order


@contextlib.contextmanager
def coding_model(model: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """A float32 CPU copy of `model` in eval mode, used under no_grad with THREADS threads and deterministic
    algorithms; the caller's model and torch's settings are left as they were."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    cpu_model = copy.deepcopy(model).to(device="cpu", dtype=torch.float32).eval()
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    try:
        with torch.no_grad():
            yield cpu_model
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
