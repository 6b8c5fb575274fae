"""`vaekit train --nproc N`: torchrun started for the user, on this machine, with the same arguments.

    exit_status = start_torchrun(2, ["--data", "digits", "--out", "runs/two"])

This is torch.distributed.run (the `torchrun` command) called in this process: torchrun starts the N processes
of `python -m vaekit train ARGUMENTS`, gives them their ranks and a rendezvous on this machine (--standalone), and
ends them all when one fails; vaekit manages no process itself, but for two ties torchrun leaves loose: its workers
start in sessions of their own, so a launcher killed outright (kill -9, which torchrun cannot catch) would leave
them training as orphans; each worker therefore asks Linux to end it when the launcher ends (die_with_launcher).
And torchrun's per-worker log folders (a temporary folder left behind by every run) are not made: the workers'
output goes to this terminal, as without --nproc.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys

LAUNCHER = "VAEKIT_LAUNCHER_PID"  # set for the workers: the process that started them
_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): the signal this process gets when its parent ends


def start_torchrun(nproc: int, arguments: list[str]) -> int:
    """Run `vaekit train ARGUMENTS` in `nproc` processes under torchrun; returns the exit status (that of the
    process that failed first, 0 when all finished; 128 + N for a process ended by signal N)."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import get_args_parser, run

    # each process gets its share of the cores (torchrun would set 1 thread, and say so in a banner)
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    # the processes print their own one-line errors; torchrun's agent would add its log lines (its loggers set
    # their own levels when imported, so each one is quietened) and a failure table
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("torch.distributed"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    options = get_args_parser().parse_args(["--standalone", f"--nproc-per-node={nproc}", f"--log-dir={os.devnull}",
                                            "--module", "vaekit", "train", *arguments])
    os.environ[LAUNCHER] = str(os.getpid())  # for the workers only: taken away again below
    try:
        run(options)
    except ChildFailedError as failed:
        rank, failure = failed.get_first_failure()
        if failure.exitcode > 0:  # the process printed its own error
            return failure.exitcode
        # ended by a signal (killed, out of memory), it could say nothing itself
        name = signal.Signals(-failure.exitcode).name if -failure.exitcode in signal.valid_signals() else "a signal"
        print(f"error: process {rank} of {nproc} was ended by {name}; the run keeps its last finished epoch "
              "(resume it with --resume)", file=sys.stderr)
        return 128 - failure.exitcode
    except SignalException as stopped:
        return 128 + int(stopped.sigval)
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    finally:
        os.environ.pop(LAUNCHER, None)  # this process (a notebook, a test) may train in itself later
    return 0


def die_with_launcher() -> None:
    """In a worker that `start_torchrun` started: be killed when the launcher ends, however it ends (Linux's
    parent-death signal); a launcher already gone means this worker ends now. Elsewhere, nothing."""
    launcher = os.environ.get(LAUNCHER, "")
    if not launcher.isdigit() or int(launcher) == os.getpid() or not sys.platform.startswith("linux"):
        return  # not a worker (a process is never its own worker)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != int(launcher):  # it ended before the signal was asked for
        os._exit(128 + signal.SIGKILL)
