"""The sizes a run gets when they are left "auto": the MLP's hidden widths (model/auto_width.py), the batch, the
epochs and early stopping, settled once for the data when training starts, written to config.json (so a resumed or
loaded run reads them, never guesses again) and said in one notice line:

    line = settle_sizes(config, "vector", (30,), rows=455, reads_hidden=True)
    # 'settings for 455 rows of 30 columns: hidden 64, batch 46, 1000 epochs with early stopping after 100 epochs
    #  without improvement (set them to choose others)'; config.model.hidden == [64], config.train.batch_size == 46

Epochs are counted in optimizer steps, because that is what a network needs to fit: TARGET_STEPS steps, which is
many epochs of a small table (500 rows are 4 steps an epoch) and few of a large image set (60,000 images: 469). So
that a long run costs time but not quality, auto epochs come with early stopping on the validation -ELBO and the
best epoch's weights kept (training/early_stopping.py). MAX_EPOCHS bounds a CPU run on tiny data, where each epoch
also validates and writes a checkpoint; MIN_EPOCHS keeps the old default for data of over a million examples.

The batch is what lets those steps fit within MAX_EPOCHS: a tenth of the rows, within [MIN_BATCH, MAX_BATCH]. With
the old fixed batch of 128 a table of 50 to 250 rows made one or two steps an epoch, so MAX_EPOCHS cut its run at
1,000 to 2,000 steps and early stopping's patience at 100 to 200: a one-class detector of 63 crabs stopped early, on a
plateau, on two seeds of five (AUROC 0.61; 0.90 to 0.91 on the others), where a batch of 16
trained each seed tried to 0.99 or more (BENCHMARKS.md, "The batch sized by the rows"). Data of 1,280 rows or more
keep 128.
"""

from __future__ import annotations

import math

from vaekit.config import Config
from vaekit.model.auto_width import auto_hidden

# bench/default_sizes.py: the best held-out -ELBO came after 1,300 to 3,200 steps on tables of 142 and 455 rows
# and after 3,700 to 5,000 (still falling) on 1,300 digits; 10,000 leaves room, and early stopping ends it sooner
TARGET_STEPS = 10_000
MIN_EPOCHS, MAX_EPOCHS = 10, 1000
MIN_PATIENCE = 10      # epochs without improvement before stopping: a tenth of the epochs, at least this
STEPS_PER_EPOCH = math.ceil(TARGET_STEPS / MAX_EPOCHS)  # 10: fewer, and MAX_EPOCHS cuts a run short of its steps
MIN_BATCH, MAX_BATCH = 16, 128  # MAX_BATCH: the fixed default before; MIN_BATCH keeps a step's gradient an average


def auto_batch(rows: int) -> int:
    """The batch for `rows` training examples: a tenth of them (STEPS_PER_EPOCH steps an epoch), within [MIN_BATCH,
    MAX_BATCH]. auto_batch(50) == 16, auto_batch(455) == 46, auto_batch(60_000) == 128."""
    return max(MIN_BATCH, min(MAX_BATCH, math.ceil(rows / STEPS_PER_EPOCH)))


def auto_epochs(rows: int, batch_size: int, pretrain_epochs: int = 0) -> int:
    """Epochs that make about TARGET_STEPS optimizer steps over `rows` examples, within [MIN_EPOCHS, MAX_EPOCHS];
    and more than an objective's pretraining epochs (VaDE's), which the run needs room after."""
    steps_per_epoch = math.ceil(rows / batch_size)
    epochs = min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(TARGET_STEPS / steps_per_epoch)))
    return max(epochs, pretrain_epochs + MIN_EPOCHS)


def auto_patience(epochs: int) -> int:
    """Early stopping's patience for a run of `epochs`: a tenth of them, at least MIN_PATIENCE."""
    return max(MIN_PATIENCE, epochs // 10)


def settle_sizes(config: Config, data_kind: str, data_shape: tuple[int, ...], rows: int, reads_hidden: bool) -> str:
    """Replace the "auto" hidden widths, batch, epochs and early stopping of `config` (in place) by the values for
    `rows` training examples of `data_shape`; returns the notice line saying what was chosen ('' when nothing was
    auto).
    `reads_hidden`: whether the model reads model.hidden (an MLP, a class latent's classifier); a network that does
    not (conv, rnn) leaves it "auto", unread, as the config check expects."""
    model, train = config.model, config.train
    chosen = []
    if model.hidden == "auto" and reads_hidden:
        model.hidden = auto_hidden(data_shape, rows)
        chosen.append(f"hidden {','.join(map(str, model.hidden))}")
    if train.batch_size == "auto":  # before the epochs, which count its steps
        train.batch_size = auto_batch(rows)
        chosen.append(f"batch {train.batch_size}")
    epochs_auto = train.epochs == "auto"
    if epochs_auto:
        train.epochs = auto_epochs(rows, train.batch_size, config.objective.pretrain_epochs)
    if train.early_stopping == "auto":
        # with epochs chosen here, a run stops where the validation -ELBO does; epochs the user set are all trained
        train.early_stopping = auto_patience(train.epochs) if epochs_auto else 0
    if epochs_auto:
        stopping = (f" with early stopping after {train.early_stopping} epochs without improvement"
                    if train.early_stopping else " without early stopping")
        chosen.append(f"{train.epochs} epochs{stopping}")
    if not chosen:
        return ""
    return f"settings for {describe(data_kind, data_shape, rows)}: {', '.join(chosen)} (set them to choose others)"


def describe(data_kind: str, data_shape: tuple[int, ...], rows: int) -> str:
    """'455 rows of 30 columns', '1617 images of 1x8x8', '800 examples of 40x120', for the notice."""
    if data_kind == "vector" and len(data_shape) == 1:
        return f"{rows} rows of {data_shape[0]} columns"
    noun = "images" if data_kind == "image" else "examples"
    return f"{rows} {noun} of {'x'.join(map(str, data_shape))}"
