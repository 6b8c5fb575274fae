"""The arithmetic of a training step: float32, bfloat16 autocast, or float16 autocast with a gradient scaler.

fp16 has five exponent bits: small gradients underflow to zero. The scaler multiplies the loss by a large factor
S before the backward pass and divides the gradients by S before the update; a step whose scaled gradients
overflowed (inf or NaN) is skipped and S halves, and after `growth_interval` good steps S doubles:

    g = (1/S) * d(S * loss)/dw,    S <- S/2 on overflow (step skipped),  S <- 2S after 2000 clean steps

    arithmetic = Arithmetic(train_precision("fp16", device), device)
    with arithmetic.autocast:
        loss = ...
    arithmetic.scaler.scale(loss).backward()
"""

from __future__ import annotations

from typing import Any

import torch

from vaekit.core.notices import notice

# autocast's type for each mixed precision; fp32 has none
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}




def train_precision(precision: str, device: torch.device) -> str:
    """The precision a run trains in on `device`: fp16 needs a CUDA GPU (its scaler and fast float16 matrix
    products); elsewhere the run trains in fp32, with a notice. (A CPU has no fast float16 arithmetic: fp16
    autocast there is slower than fp32, so falling back loses nothing; bf16 is the CPU's fast mixed precision.)"""
    if precision == "fp16" and device.type != "cuda":
        notice(f"--precision fp16 needs a CUDA GPU; training on {device.type} in fp32 instead "
               "(--precision bf16 is the fast mixed precision on a CPU)")
        return "fp32"
    return precision


class Arithmetic:
    """The autocast context and the gradient scaler (a pass-through unless fp16) of one run."""

    def __init__(self, precision: str, device: torch.device) -> None:
        dtype = DTYPES.get(precision)
        self.precision = precision
        self.autocast = torch.autocast(device.type, dtype=dtype or torch.bfloat16, enabled=dtype is not None)
        # disabled, scale() returns the loss, unscale_() does nothing and step() is optimizer.step()
        self.scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")

    def state_dict(self) -> dict[str, Any]:
        """The scaler's scale and growth counter (plain numbers, JSON in the checkpoint); {} when not scaling."""
        return self.scaler.state_dict() if self.scaler.is_enabled() else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state and self.scaler.is_enabled():  # an fp32 checkpoint resumed in fp16 starts a fresh scale
            self.scaler.load_state_dict(state)
