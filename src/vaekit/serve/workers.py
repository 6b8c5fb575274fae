"""`vaekit serve --workers N`: N server processes on one port (uvicorn's workers), each with its own copy of the
runs and a share of the cores for torch.

    settings = WorkerSettings(runs={"digits": "runs/digits"}, token=None, max_bytes=16 * 2**20, window_s=0.005,
                              device="cpu", threads=1)
    os.environ[SETTINGS_VARIABLE] = settings.as_json()
    uvicorn.run(FACTORY, factory=True, workers=2)    # each worker calls app_from_environment()

Why processes: torch splits one model call over its threads, and while the HTTP work of the other requests takes a
core, that call waits for its descheduled thread. Workers with one thread each score different requests side by
side instead (bench/serve_load.py measures both). Each worker loads its own copy of the models: memory grows with N.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

SETTINGS_VARIABLE = "VAEKIT_SERVE_WORKER"  # the settings every worker process reads (JSON)
FACTORY = "vaekit.serve.workers:app_from_environment"


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker process needs to build the same app: the runs by name, the service's settings, the device
    and the torch threads of each worker."""

    runs: dict[str, str]
    token: str | None
    max_bytes: int
    window_s: float
    device: str
    threads: int

    def as_json(self) -> str:
        return json.dumps(asdict(self))


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """The cores shared out between the workers, at least one thread each."""
    return max(1, (cores or os.cpu_count() or 1) // workers)


def app_from_environment() -> Any:
    """The app of one worker process, from the settings the `vaekit serve` process put in its environment."""
    import torch

    from vaekit.runs.run import Run
    from vaekit.serve import create_app

    settings = WorkerSettings(**json.loads(os.environ[SETTINGS_VARIABLE]))
    torch.set_num_threads(settings.threads)
    runs = {}
    for name, path in settings.runs.items():
        runs[name] = Run.open(path)
        runs[name].load_model(settings.device)
    return create_app(runs, token=settings.token, max_bytes=settings.max_bytes, window_s=settings.window_s)
