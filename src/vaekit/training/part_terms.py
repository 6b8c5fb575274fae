"""Numbers a part logs once per training epoch, declared by the part itself: a module with `epoch_terms()` (the
prior over discrete codes: codebook_usage, codebook_perplexity) is asked at the end of each epoch, and its terms
join the epoch's row as train_<name> (metrics.csv, TensorBoard's objective/<name>).

    class CodesPrior(nn.Module):
        def epoch_terms(self) -> dict[str, float]: ...   # read what this epoch counted, and start a new count
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from torch import nn


@runtime_checkable
class LogsEpochTerms(Protocol):
    def epoch_terms(self) -> dict[str, float]:
        """This epoch's numbers by name; counting starts again after the call."""
        ...


def epoch_terms(model: nn.Module) -> dict[str, float]:
    """{"train_<name>": value} from every part of the model that declares epoch terms."""
    terms: dict[str, float] = {}
    for module in model.modules():
        if isinstance(module, LogsEpochTerms):
            terms.update({f"train_{name}": value for name, value in module.epoch_terms().items()})
    return terms
