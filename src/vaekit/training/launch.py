"""`vaekit train --nproc N`: torchrun started for the user, on this machine, with the same arguments.

    exit_status = start_torchrun(2, ["--data", "digits", "--out", "runs/two"])

This is torch.distributed.run (the `torchrun` command) called in this process: torchrun starts the N processes
of `python -m vaekit train ARGUMENTS`, gives them their ranks and a rendezvous on this machine (--standalone), and
ends them all when one fails; vaekit manages no process itself.
"""

from __future__ import annotations

import logging
import os
import signal
import sys


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
    options = get_args_parser().parse_args(["--standalone", f"--nproc-per-node={nproc}", "--module", "vaekit",
                                            "train", *arguments])
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
    return 0
