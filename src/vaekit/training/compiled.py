"""The training step's forward pass and loss through torch.compile, its compiled code cached on disk.

torch.compile traces `objective(view, x, beta, capacity)` into one graph (TorchDynamo), AOTAutograd derives the
backward graph from it, and Inductor turns both into fused kernels (C++ on a CPU, Triton on a GPU). The optimizer
step stays outside: fused Adam is one kernel already. Inductor's FX-graph and AOTAutograd caches keep the compiled
kernels under a vaekit folder (~/.cache/vaekit/compile, or $VAEKIT_CACHE/compile), so a second run of the same
configuration only re-traces (seconds) instead of generating and compiling code again.

Shapes are static (dynamic=False): the last batch of an epoch is smaller when the batch size does not divide the
data, and gets its own graph once, so every graph has fixed shapes. On CUDA that is what CUDA graphs need
(mode="reduce-overhead": the step's kernels replayed as one graph, no launch overhead per kernel); there are then
two graphs, the full batch's and the last batch's.

    loss = CompiledLoss(device)
    out = loss(objective, view, x, beta, capacity)   # the ObjectiveOutput, as objective(...) would give it

Random draws (the reparameterisation's noise) come from Inductor's own generator, seeded from torch's global one:
a compiled run repeats itself exactly for a seed, but its draws are not the uncompiled run's.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import torch

from vaekit.core.notices import notice
from vaekit.objectives import ObjectiveOutput


def compile_cache_dir() -> Path:
    """Where compiled kernels are kept between runs: the compile folder of vaekit's cache ($VAEKIT_CACHE, else
    ~/.cache/vaekit), beside the other things vaekit caches."""
    return Path(os.environ.get("VAEKIT_CACHE", Path.home() / ".cache" / "vaekit")) / "compile"


def compile_unavailable(device: torch.device) -> str | None:
    """Why torch.compile cannot compile the step on `device` here, or None when it can."""
    if not hasattr(torch, "compile") or not hasattr(torch, "compiler"):
        return f"torch {torch.__version__} has no torch.compile (it needs torch 2.1 or later)"
    if device.type == "cpu":
        names = [os.environ["CXX"]] if os.environ.get("CXX") else ["g++", "clang++", "c++"]
        if sys.platform == "win32":
            names = ["cl"]
        if not any(shutil.which(name) for name in names):
            return f"torch.compile on a CPU needs a C++ compiler ({' or '.join(names)}), and none is on the PATH"
        return None
    if device.type == "cuda":
        return None if importlib.util.find_spec("triton") else "torch.compile on CUDA needs Triton (pip install triton)"
    return f"torch.compile is not used on {device.type} devices"


def _use_cache_dir() -> None:
    """Inductor's cache in vaekit's folder, unless the user named one (TORCHINDUCTOR_CACHE_DIR). Importing
    torch._dynamo may already have set the variable to Inductor's default (a temporary folder, emptied on
    reboot): that one is replaced. Inductor reads the variable whenever it opens its cache."""
    try:
        from torch._inductor.runtime.cache_dir_utils import default_cache_dir

        default = os.path.abspath(default_cache_dir())
    except ImportError:  # an older torch keeps it elsewhere: only an unset variable is vaekit's to set
        default = None
    if os.environ.get("TORCHINDUCTOR_CACHE_DIR") in (None, "", default):
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(compile_cache_dir())


def _terms(objective: Any, view: Any, x: torch.Tensor, beta: float, capacity: float) -> tuple[Any, ...]:
    """The objective's tensors as a tuple: what the compiled graph returns."""
    out = objective(view, x, beta, capacity)
    return out.loss, out.distortion, out.rate, out.kl_per_dim, out.extras


class CompiledLoss:
    """objective(view, x, beta, capacity) compiled, static shapes, CUDA graphs on a GPU. A call that fails to
    compile (an objective TorchDynamo cannot trace) prints a notice and runs uncompiled from then on."""

    def __init__(self, device: torch.device) -> None:
        _use_cache_dir()
        # CUDA graphs need static shapes (dynamic=False) and a step marker (torch 2.2 and later)
        self.cuda_graphs = device.type == "cuda" and hasattr(torch.compiler, "cudagraph_mark_step_begin")
        self.function: Any = torch.compile(_terms, dynamic=False,
                                           mode="reduce-overhead" if self.cuda_graphs else None)
        self.failed = False
        # beta and the capacity move every step of a warm-up: as Python numbers each new value would be a new
        # graph; as 0-d tensors on the device (updated in place, no copy from the host) they are graph inputs
        self.beta = torch.zeros((), device=device)
        self.capacity = torch.zeros((), device=device)

    def __call__(self, objective: Any, view: Any, x: torch.Tensor, beta: float, capacity: float) -> ObjectiveOutput:
        if self.failed:
            return objective(view, x, beta, capacity)
        if self.cuda_graphs:  # the previous step's graph outputs are done with: their memory may be reused
            torch.compiler.cudagraph_mark_step_begin()
        self.beta.fill_(beta)
        self.capacity.fill_(capacity)
        try:
            loss, distortion, rate, kl_per_dim, extras = self.function(objective, view, x, self.beta, self.capacity)
        except Exception as error:  # noqa: BLE001 - any compiler failure: say so in one line, train uncompiled
            self.give_up(error)
            return objective(view, x, beta, capacity)
        return ObjectiveOutput(loss, distortion, rate, kl_per_dim, beta, dict(extras))

    def give_up(self, error: Exception) -> None:
        """One notice line for a compiler failure; the calls from now on run uncompiled."""
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        notice(f"torch.compile could not compile the training step ({type(error).__name__}: {first[:200]}); "
               "training without --compile")
        self.failed = True
