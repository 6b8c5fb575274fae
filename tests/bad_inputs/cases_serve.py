"""`vaekit serve`: refused before it loads a model or listens: another machine's reach without a token, a run
directory that is not there, names that clash or do not match the runs."""

from __future__ import annotations

import sys

from bad_inputs.case import Case, Workspace


def _no_token(w: Workspace) -> None:
    w.monkeypatch.delenv("VAEKIT_TOKEN", raising=False)


def _no_fastapi(w: Workspace) -> None:
    w.monkeypatch.setitem(sys.modules, "fastapi", None)  # as where the serve extra is not installed


CASES = [
    Case("serve-without-fastapi", r"vaekit serve needs FastAPI and uvicorn: pip install vaekit\[serve\]",
         ["serve", "{run}"], setup=_no_fastapi),
    Case("serve-open-host-without-token", r"--host 0\.0\.0\.0 lets other machines in: give an API token with --token "
         r"or \$VAEKIT_TOKEN", ["serve", "{run}", "--host", "0.0.0.0"], setup=_no_token),
    Case("serve-public-address-without-token", r"--host 192\.168\.1\.5 lets other machines in",
         ["serve", "{run}", "--host", "192.168.1.5"], setup=_no_token),
    Case("serve-missing-run", r"run directory .*nothing does not exist", ["serve", "{root}/nothing"]),
    Case("serve-names-do-not-match-runs", r"give one --name per run, in order: 1 run\(s\) and 2 name\(s\)",
         ["serve", "{run}", "--name", "a", "--name", "b"]),
    Case("serve-two-runs-one-name", r"two runs share the name 'a': name each with --name",
         ["serve", "{run}", "{run}", "--name", "a", "--name", "a"]),
    Case("serve-zero-workers", r"--workers must be at least 1, got 0", ["serve", "{run}", "--workers", "0"]),
    Case("serve-absurd-workers", r"--workers must be at most 64, got 1000: each loads its own copy of the runs",
         ["serve", "{run}", "--workers", "1000"]),
    Case("serve-name-not-url-safe", r"run name 'a/b' must be letters, digits",
         ["serve", "{run}", "--name", "a/b"]),
    Case("serve-batch-window-negative", r"--batch-window must be between 0 and 1000 milliseconds",
         ["serve", "{run}", "--batch-window", "-1"]),
]
