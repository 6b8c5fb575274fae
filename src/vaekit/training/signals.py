"""Stopping on a signal: Ctrl-C (SIGINT) or SIGTERM sets a flag the loop checks between steps, so a run stops on a
whole step, saves, and can be resumed."""

from __future__ import annotations

import signal
from typing import Any


class StopFlag:
    """Ctrl-C (SIGINT) or SIGTERM (what a scheduler or `docker stop` sends) sets a flag that the loop checks
    between steps, so it stops on a whole step and saves; a second signal interrupts at once. `signal` is the
    first signal received. With several processes (`patient`) a second signal is ignored: the same request often
    arrives twice (from a scheduler and from torchrun, which passes it on), and torchrun ends processes that do not
    stop in time itself."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, patient: bool = False) -> None:
        self.patient = patient
        self.stop = False
        self.signal: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopFlag:
        try:
            for number in self.SIGNALS:
                self._previous[number] = signal.signal(number, self._handle)
        except ValueError:  # not the main thread: leave signals alone
            pass
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.stop and self.patient:
            return
        if self.stop:
            raise KeyboardInterrupt
        self.stop, self.signal = True, signum

    def __exit__(self, *exc: Any) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)
