"""A run's own random numbers, kept apart from the caller's.

torch.distributions draws rsample noise from torch's global generator, so without care a training run would
both change and depend on the random state of whatever code calls it (a callback, a notebook cell, another
model). RandomStreams gives the run a global state of its own, swapped in only while the run's code executes,
and a generator on the training device for shuffling and binarization. Both are saved in checkpoints, which is
what makes a resumed run end exactly where an uninterrupted one ends.

    streams = RandomStreams(seed=0, device=torch.device("cpu"))
    with streams.active():
        z = q.rsample()          # draws from the run's stream; the caller's torch.get_rng_state() is untouched
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


class RandomStreams:
    def __init__(self, seed: int, device: torch.device) -> None:
        self.device = device
        self.data = torch.Generator(device=device).manual_seed(seed)
        with torch.random.fork_rng(devices=self._cuda_devices()):
            torch.manual_seed(seed)
            self._torch = torch.get_rng_state()
            self._cuda = torch.cuda.get_rng_state(device) if device.type == "cuda" else None

    def _cuda_devices(self) -> list[torch.device]:
        return [self.device] if self.device.type == "cuda" else []

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Run a block on the run's global random state; the caller's state is back afterwards."""
        with torch.random.fork_rng(devices=self._cuda_devices()):
            torch.set_rng_state(self._torch)
            if self._cuda is not None:
                torch.cuda.set_rng_state(self._cuda, self.device)
            try:
                yield
            finally:
                self._torch = torch.get_rng_state()
                if self._cuda is not None:
                    self._cuda = torch.cuda.get_rng_state(self.device)

    def reseed_noise(self, seed: int) -> None:
        """Restart the run's global random state (posterior samples) from `seed`, the data generator untouched:
        each process's own noise in a run of several (training/distributed.py)."""
        with torch.random.fork_rng(devices=self._cuda_devices()):
            torch.manual_seed(seed)
            self._torch = torch.get_rng_state()
            self._cuda = torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None

    def state_dict(self) -> dict[str, torch.Tensor]:
        states = {"torch": self._torch.clone(), "data": self.data.get_state()}
        if self._cuda is not None:
            states["cuda"] = self._cuda.clone()
        return states

    def load_state_dict(self, states: dict[str, torch.Tensor]) -> None:
        self.data.set_state(states["data"])
        self._torch = states["torch"].clone()
        if self._cuda is not None and "cuda" in states:
            self._cuda = states["cuda"].clone()
