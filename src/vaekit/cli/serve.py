"""`vaekit serve`: trained runs behind an HTTP service (vaekit.serve), until Ctrl-C."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import click

from vaekit.cli.counts import at_least
from vaekit.cli.outputs import DEVICE
from vaekit.cli.run_argument import RunDirectory
from vaekit.core.errors import VaekitError

MAX_WORKERS = 64  # server processes: each holds every run's model


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (127.0.0.1, ::1, localhost): no one else can reach it."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run_names(runs: tuple[str, ...], names: tuple[str, ...]) -> list[str]:
    """Each run's name in the URLs: --name in order, else its directory's name; distinct and URL-safe."""
    if names and len(names) != len(runs):
        raise VaekitError(f"give one --name per run, in order: {len(runs)} run(s) and {len(names)} name(s)")
    chosen = list(names) or [Path(run).resolve().name for run in runs]
    for name in chosen:
        if not name or not all(c.isalnum() or c in "-_." for c in name):
            raise VaekitError(f"run name {name!r} must be letters, digits, '-', '_' or '.': choose one with --name")
    if len(set(chosen)) != len(chosen):
        raise VaekitError(f"two runs share the name {next(n for n in chosen if chosen.count(n) > 1)!r}: name each "
                          "with --name")
    return chosen


@click.command()
@click.argument("runs", nargs=-1, required=True, type=RunDirectory())
@click.option("--name", "names", multiple=True, help="the name of each run in the URLs (/runs/NAME/score), one per "
              "run in order [default: each directory's name]")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on; anything but loopback needs --token")
@click.option("--port", default=8000, show_default=True, callback=at_least(0), help="port to listen on")
@click.option("--token", default=None, envvar="VAEKIT_TOKEN", show_envvar=True,
              help="API token: every request but /health and the docs must send Authorization: Bearer TOKEN")
@click.option("--max-bytes", default=16 * 2**20, show_default=True, callback=at_least(1),
              help="largest request body accepted (bigger ones get 413)")
@click.option("--batch-window", default=5.0, show_default=True, help="milliseconds a request waits for others to "
              "join it in one model call (encode, reconstruct, reconstruction scores)")
@click.option("--workers", default=1, show_default=True, callback=at_least(1), help="server processes on the port, "
              "each with its own copy of the runs and an equal share of the cores for torch (more requests at once; "
              "memory grows with them)")
@DEVICE
def serve(runs: tuple[str, ...], names: tuple[str, ...], host: str, port: int, token: str | None, max_bytes: int,
          batch_window: float, workers: int, device: str) -> None:
    """Serve trained runs over HTTP: encode, decode, sample, reconstruct, score (with per-entry maps) and impute.

    Bodies are JSON ({"x": [[...], ...]}) or .npy arrays (Content-Type: application/octet-stream); every input is
    checked against the run (shape, dtype, support, size), and a bad one gets a one-line JSON error with a 4xx
    status. GET /health, GET /runs (metadata) and the OpenAPI docs at /docs; the page at / is the explorer (the
    latent space, traversals, interpolations and your own examples scored, in the browser).

    \b
    Example:
      vaekit serve runs/digits --port 8000
      curl -s localhost:8000/score -H 'Content-Type: application/json' -d '{"x": [[0, 0.5, ...]], "kind": "iw"}'
      VAEKIT_TOKEN=secret vaekit serve runs/a runs/b --name a --name b --host 0.0.0.0
      vaekit serve runs/digits --workers 2     # two processes, one core each on a 2-core machine
    """
    from vaekit.serve import create_app, require_fastapi

    if not is_loopback(host) and not token:
        raise VaekitError(f"--host {host} lets other machines in: give an API token with --token or $VAEKIT_TOKEN "
                          "(or listen on 127.0.0.1)")
    if workers > MAX_WORKERS:
        raise VaekitError(f"--workers must be at most {MAX_WORKERS}, got {workers}: each loads its own copy of the "
                          "runs")
    if not 0 <= batch_window <= 1000:
        raise VaekitError(f"--batch-window must be between 0 and 1000 milliseconds, got {batch_window}")
    require_fastapi()
    chosen = run_names(runs, names)
    from vaekit.runs.run import Run
    from vaekit.training.device import pick_device

    where = pick_device(device)
    opened = {}
    for name, path in zip(chosen, runs):  # every run checked here, before any worker starts
        opened[name] = Run.open(path)
        opened[name].load_model(where)
    import uvicorn

    click.echo(f"serving {', '.join(chosen)} at http://{host}:{port}"
               f"{f' with {workers} worker processes' if workers > 1 else ''}: the explorer at /, the API's docs at "
               "/docs; Ctrl-C stops", err=True)
    if workers == 1:
        app = create_app(opened, token=token, max_bytes=max_bytes, window_s=batch_window / 1000)
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    from vaekit.serve.workers import FACTORY, SETTINGS_VARIABLE, WorkerSettings, threads_per_worker

    settings = WorkerSettings({name: str(run.path.resolve()) for name, run in opened.items()}, token, max_bytes,
                              batch_window / 1000, str(where), threads_per_worker(workers))
    os.environ[SETTINGS_VARIABLE] = settings.as_json()  # what each worker process builds its app from
    uvicorn.run(FACTORY, factory=True, workers=workers, host=host, port=port, log_level="warning")


COMMANDS = [serve]
