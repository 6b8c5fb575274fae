"""The fixed token ids of text data, shared by the text loader, its vocabulary and the sequence likelihoods.

A text example is a float32 tensor (T,) of token ids (exact integers): the sentence's tokens, then EOS, then PAD up
to T = data.max_length + 1. BOS is never stored: the decoder prepends it. The real tokens of a batch are
x != PAD (EOS counts as a token, as in Bowman et al.'s per-word figures).

    from vaekit.data.text.tokens import PAD, UNK, BOS, EOS, SPECIAL, token_mask
    mask = token_mask(x)        # (B, T) bool: True on the sentence's tokens and its EOS
"""

from __future__ import annotations

import torch

PAD = 0
UNK = 1
BOS = 2
EOS = 3

# The vocabulary's first entries, in id order: vocabulary[PAD] == "<pad>" and so on.
SPECIAL: tuple[str, ...] = ("<pad>", "<unk>", "<s>", "</s>")


def token_mask(x: torch.Tensor) -> torch.Tensor:
    """True where x holds a real token (a word or the EOS that ends the sentence), False on padding."""
    return x != PAD
