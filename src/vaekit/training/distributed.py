"""Training in several processes: torchrun starts them, torch.distributed joins them, DistributedDataParallel
shares their gradients.

    torchrun --nproc-per-node 2 -m vaekit train --data digits --out runs/two
    vaekit train --nproc 2 --data digits --out runs/two          # the same: vaekit starts torchrun for you

A run of W processes computes what one process computes with the same global batch B = train.batch_size:

- every process draws the same permutation of the training rows each epoch (the data generator is seeded and
  advanced alike everywhere, and used for nothing else), cuts it into global batches of B rows (the last one
  shorter) and takes its slice of each: process r the r-th of W near-equal parts (torch.tensor_split);
- the loss of a slice of b_r rows is its mean per-example loss; DDP's all-reduce adds the gradients weighted by
  b_r / B (a communication hook, below), so the summed gradient is that of the global batch's mean loss:

      sum_r (b_r / B) * grad mean_{i in slice r} l_i = grad (1/B) sum_{i in batch} l_i

  also when the slices are unequal. A process whose slice of the last batch is empty steps on a row it has seen
  with weight 0, so that it still takes part in the all-reduce;
- so the loss must be a batch mean of per-example terms: objectives declare it (`per_example`), and settings
  that act on the batch mean as a whole (free bits, a capacity target) are refused with several processes;
- the epoch's sums of the logged terms are added across processes (one all-reduce per epoch), validation is
  split by chunks of fixed rows, each with its own seed (training/validation.py), so its numbers do not depend on
  the number of processes;
- process 0 alone writes the run directory (config, metrics, checkpoints, TensorBoard, pictures, MLflow, the run
  lock) and prints; the others keep the same weights, optimizer and schedule state in step (with early stopping,
  the Run that train() returns in them holds the last epoch's weights; the run directory holds the best);
- a stop request (Ctrl-C, SIGTERM, which torchrun passes on) takes effect at the end of the epoch, once every
  process has seen it (AgreedStop): a step cannot stop alone while the others wait for it in an all-reduce.

Random streams with W > 1: the data generator is shared (above). The noise of the posterior samples, of dynamic
binarization and of dequantization is each process's own, re-seeded at the start of every epoch from
(seed, rank, optimizer steps so far) (`noise_seed`). The checkpoint holds the shared data generator and process 0's
noise; a run resumed with W > 1 processes re-derives each process's noise from (seed, rank, step), and one resumed
with a single process continues process 0's noise. Either way the resumed run is defined by the checkpoint and the
number of processes alone. With one process nothing changes: the streams of a one-process run are those of
before (random_streams.py), bit for bit.

Failures: settings that cannot work are refused on every process before they join (`check_processes`); the setup
after joining ends with one agreement (`together`), so an error in any process is printed once, by the lowest
process that had it, and every process exits with status 2. A process that loses its peers (one of them failed or
was killed) exits quietly: the peer printed the reason, and torchrun ends the rest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from vaekit.config import Config
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.core.registry import OBJECTIVES
from vaekit.training.auto_settings import MIN_BATCH
from vaekit.training.device import pick_device


class ElsewhereError(VaekitError):
    """Raised by the processes that are not the one to report an error, with the same message: the command line
    exits with status 2 without printing it again (cli/train.py)."""


@dataclass(frozen=True)
class Processes:
    """Where this process stands in its run: rank among world processes, local_rank among local_world on this
    machine. The default is a run of one process."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    local_world: int = 1

    @property
    def leader(self) -> bool:
        """Process 0 writes the run directory and prints."""
        return self.rank == 0

    @property
    def several(self) -> bool:
        return self.world > 1


def launched() -> Processes:
    """This process's place as torchrun's environment gives it (WORLD_SIZE, RANK, LOCAL_RANK,
    LOCAL_WORLD_SIZE); one process when they are not set."""
    def number(name: str, default: int) -> int:
        text = os.environ.get(name, "")
        try:
            return int(text) if text.strip() else default
        except ValueError:
            raise ConfigError(f"environment variable {name}={text!r} is not a number; start several processes "
                              "with torchrun or `vaekit train --nproc N`") from None

    world = number("WORLD_SIZE", 1)
    rank, local_rank = number("RANK", 0), number("LOCAL_RANK", 0)
    local_world = number("LOCAL_WORLD_SIZE", world)
    if world < 1 or not 0 <= rank < world or not 0 <= local_rank < local_world:
        raise ConfigError(f"RANK {rank}, LOCAL_RANK {local_rank} and WORLD_SIZE {world} do not describe a run; start "
                          "several processes with torchrun or `vaekit train --nproc N`")
    return Processes(rank, world, local_rank, local_world)


def check_processes(config: Config, world: int, local_world: int | None = None) -> None:
    """Refuse, with one line, what cannot train in `world` processes (`local_world` on this machine). Runs in
    every process before they join, and in `vaekit train --nproc` before torchrun starts."""
    if world < 1:
        raise ConfigError(f"--nproc must be at least 1, got {world}")
    if world == 1:
        return
    name, objective = config.objective.name, config.objective
    if not OBJECTIVES.get(name).per_example:
        raise ConfigError(f"objective {name} uses the whole batch in its loss of each example, which a process's "
                          f"slice of the batch does not have; train it in one process (leave out --nproc)")
    if objective.free_bits > 0 or objective.capacity > 0:
        raise ConfigError("free bits and a capacity act on the KL of the whole batch, which a process's slice of "
                          "the batch does not have; with several processes set free_bits and capacity to 0")
    batch = config.train.batch_size
    if (MIN_BATCH if batch == "auto" else batch) < world:  # auto is at least MIN_BATCH, on the smallest data
        said = f"batch_size auto (as small as {MIN_BATCH} on small data)" if batch == "auto" else f"batch_size {batch}"
        raise ConfigError(f"{said} is smaller than the {world} processes, each of which takes a slice of every "
                          f"batch; use a batch_size of at least {world}")
    process_device(config.train.device, Processes(0, world, 0, local_world or world))


def process_device(name: str, processes: Processes) -> torch.device:
    """The device of this process: cuda:LOCAL_RANK where the run is on CUDA (device auto with a GPU, or cuda),
    else the CPU. One process keeps the device as named."""
    if not processes.several:
        return pick_device(name)
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"unknown device {name!r}; use auto, cpu or cuda") from None
    if device.type == "cpu":
        return device
    if device.type != "cuda":
        raise ConfigError(f"several processes train on cpu or cuda devices, not {device.type}; use --device cpu")
    if device.index is not None:
        raise ConfigError(f"with several processes each one takes the GPU of its local rank (cuda:LOCAL_RANK); "
                          f"use --device cuda, not {name}")
    count = torch.cuda.device_count()
    if processes.local_world > count:
        remedy = f"use --nproc {count} or --device cpu" if count else "use --device cpu"
        raise ConfigError(f"{processes.local_world} processes on this machine need a GPU each, but it has {count}; "
                          f"{remedy}")
    return torch.device("cuda", processes.local_rank)


@contextlib.contextmanager
def joined(processes: Processes, device: torch.device) -> Iterator[None]:
    """The process group of a run of several processes for the block (nccl on CUDA, gloo on the CPU), set up from
    torchrun's environment and taken down after; a group the caller made already is used as it is."""
    if not processes.several or dist.is_initialized():
        yield
        return
    if device.type == "cuda":
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        dist.init_process_group("gloo")
    try:
        yield
    except BaseException:
        dist.destroy_process_group()
        raise
    # every process reaches the teardown before any takes its group down: a process that left first while the
    # other was still in gloo's last exchange aborted it ("terminate called without an active exception", about
    # 1 run in 10 on a loaded 2-core machine); on an error the processes agreed to stop (`together`), so no barrier
    dist.barrier()
    dist.destroy_process_group()


@contextlib.contextmanager
def alike(processes: Processes) -> Iterator[None]:
    """A block of checks every process makes alike before they join (settings, the environment, this machine's
    GPUs): its error is printed by the first process of each machine; the others raise ElsewhereError."""
    try:
        yield
    except VaekitError as error:
        if processes.local_rank == 0 or isinstance(error, ElsewhereError):
            raise
        raise ElsewhereError(str(error)) from None


@contextlib.contextmanager
def together(processes: Processes, device: torch.device) -> Iterator[None]:
    """A block every process runs, ending in one agreement: when it raised in some processes, the lowest of them
    raises its error and the others raise ElsewhereError, so the message is printed once and every process
    stops; when it raised nowhere, all go on. Nothing inside may use collective operations."""
    if not processes.several:
        yield
        return
    error: BaseException | None = None
    try:
        yield
    except (VaekitError, OSError, RuntimeError, MemoryError) as raised:
        error = raised
    flag = torch.tensor([processes.rank if error is not None else processes.world], device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MIN)
    first = int(flag)
    if first == processes.world:
        return
    if error is not None and first == processes.rank:
        raise error
    raise ElsewhereError(f"process {first} of {processes.world} failed{'' if error is None else f': {error}'}")


def raise_once(error: VaekitError, processes: Processes) -> None:
    """An error that every process meets alike (a diverged loss, found from reduced numbers): process 0 raises
    it, the others ElsewhereError, so it is printed once."""
    if processes.leader:
        raise error
    raise ElsewhereError(str(error)) from None


def add_across(tensor: torch.Tensor, processes: Processes) -> torch.Tensor:
    """The tensor summed over the processes, in place (itself with one process)."""
    if processes.several:
        dist.all_reduce(tensor)
    return tensor


def max_across(tensor: torch.Tensor, processes: Processes) -> torch.Tensor:
    if processes.several:
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return tensor


def any_across(flag: bool, processes: Processes, device: torch.device) -> bool:
    """Whether `flag` holds in any process (a stop request that reached only some of them)."""
    if not processes.several:
        return flag
    return bool(max_across(torch.tensor([int(flag)], device=device), processes))


def noise_seed(seed: int, rank: int, step: int, stream: str = "noise") -> int:
    """The seed of process `rank`'s `stream` from optimizer step `step` on ("noise": posterior samples, "data":
    binarization and dequantization): a hash of the four, so that another seed, rank, step or stream gives an
    unrelated stream."""
    digest = hashlib.sha256(f"vaekit/{stream}/{seed}/{rank}/{step}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


def share_weights(module: torch.nn.Module, processes: Processes) -> None:
    """Process 0's parameters and buffers in every process (after a step each process took alone, such as
    VaDE's mixture fit, so that tiny numerical differences cannot make the copies drift apart)."""
    if processes.several:
        for tensor in [*module.parameters(), *module.buffers()]:
            dist.broadcast(tensor.data, src=0)


class _ObjectiveCall(torch.nn.Module):
    """DDP hooks the gradients of the module whose forward it runs; vaekit's objectives call the model's
    encode/decode, not its forward, so the objective's whole call is this module's forward."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, objective: Callable[..., Any], *args: Any) -> Any:
        out = objective(*args)
        # every parameter in the loss's graph, with gradient 0 where the objective did not read it (VaDE's
        # pretraining leaves the mixture prior out): DDP then need not search the graph for unused parameters
        untouched = sum(parameter.reshape(-1)[:1].sum() for parameter in self.model.parameters())
        return dataclasses.replace(out, loss=out.loss + 0.0 * untouched)


@dataclass
class _Weight:
    value: float = 1.0


def _weighted_sum(weight, bucket):  # type: ignore[no-untyped-def]  # DDP checks real annotations, not strings
    """DDP's all-reduce of one bucket of gradients (a dist.GradBucket), each process's weighted by b_r / B (DDP's
    own hook averages, which is right only for equal slices); returns the Future of the summed bucket."""
    buffer = bucket.buffer()
    buffer.mul_(weight.value)
    return dist.all_reduce(buffer, async_op=True).get_future().then(lambda done: done.value()[0])


def check_shareable(model: torch.nn.Module) -> None:
    """Refuse a model with batch normalisation: its batch statistics would be each process's slice's (no network
    of vaekit's has it today; nn/resnet.py normalises each example on its own)."""
    if any(isinstance(part, torch.nn.modules.batchnorm._BatchNorm) for part in model.modules()):
        raise ConfigError("this model has batch normalisation, whose statistics would be each process's own; train "
                          "it in one process (leave out --nproc)")
    if any(getattr(part, "moving_averages", False) for part in model.modules()):  # a vq codebook (priors/codes.py)
        raise ConfigError("this model's codebook follows moving averages of the batches, which would be each "
                          "process's own; train it in one process (leave out --nproc)")


class SharedGradients:
    """The model under DistributedDataParallel: `objective(fn)` is fn run through DDP, so the backward pass of its
    loss all-reduces the gradients, weighted by `weigh(rows, batch_rows)` of the coming step.

        shared = SharedGradients(model, processes, device)
        shared.weigh(len(x), global_batch_rows)
        out = train_step(shared.objective(objective), view, x, beta, capacity)
    """

    def __init__(self, model: torch.nn.Module, processes: Processes, device: torch.device) -> None:
        check_shareable(model)
        self.processes, self.weight = processes, _Weight()
        # forward_sync_buffers off: buffers (standardization) are set before training and never change
        self.ddp = torch.nn.parallel.DistributedDataParallel(
            _ObjectiveCall(model), device_ids=[device.index] if device.type == "cuda" else None,
            forward_sync_buffers=False)
        self.ddp.register_comm_hook(self.weight, _weighted_sum)

    def weigh(self, rows: int, batch_rows: int) -> None:
        self.weight.value = rows / batch_rows

    def objective(self, objective: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *args: self.ddp(objective, *args)


class AgreedStop:
    """A stop request (Ctrl-C, SIGTERM) in a run of several processes: the epoch's steps cannot stop on their own
    (the others would wait for them in the next all-reduce), so a request takes effect at the end of the epoch,
    once all processes agree that one arrived. `stop` stays False inside the epoch."""

    def __init__(self, local: Any, processes: Processes, device: torch.device) -> None:
        self.local, self.processes, self.device, self.stop = local, processes, device, False

    @property
    def signal(self) -> int | None:
        return self.local.signal

    def agree(self) -> bool:
        """Called by every process at the same point: whether any of them was asked to stop."""
        return any_across(self.local.stop, self.processes, self.device)


def global_rows(batch_size: int, examples: int, start: int) -> int:
    """Rows of the global batch that starts at `start` of an epoch of `examples`: batch_size but for the last."""
    return min(batch_size, examples - start)
