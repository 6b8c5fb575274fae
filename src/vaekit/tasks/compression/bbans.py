"""Bits-back coding with ANS (BB-ANS, Townsend, Bird & Barber 2019) on constriction's ANS stack coder.

For a chunk of examples x (encoding; the coder is a stack, last in first out):

    1. pop   z ~ Q(z|x)        the latent buckets, decoded from the stack with the posterior's bucket masses:
                                this takes -log2 Q(z|x) bits off the stack (the bits we get back)
    2. push  x with p(x|z)     each data element with the likelihood's probabilities of its L values
    3. push  z with p(z)       each bucket with the prior's mass 1/K: P bits per latent dimension

so each chunk adds -log2 p(x|z) - log2 p(z) + log2 Q(z|x) bits: on average the -ELBO (with bucketed latents).
Decoding runs the chunks in reverse order, each in reverse: pop z with p(z), pop x with p(x|z), push z back with
Q(z|x), which restores the bits step 1 took. Chunks are batches for the networks; the schedule of chunk sizes is
fixed by (count, batch_size), so both sides run the networks on the same batches and get the same numbers.

The stack starts with a few seeded random words (the "clean bits" that the first pop needs). The first chunks are
small and grow with the stack ("the ramp": as many examples as the bits on the stack can pay the pop of, at
latent_bits per latent dimension), so each pop finds on the stack the bits earlier examples put there instead of
running dry (which would still decode exactly, but to a bad z and a longer code); then every chunk has batch_size
examples. The ramp is recorded in the file, since decoding cannot see the stack as encoding saw it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch.distributions import Independent, Normal

from vaekit.core.errors import DataError, VaekitError
from vaekit.tasks.compression.alphabet import from_symbols, level_probabilities
from vaekit.tasks.compression.latent_buckets import LatentBuckets


def _constriction():  # type: ignore[no-untyped-def]
    try:
        import constriction
    except ImportError:
        raise VaekitError("compress needs the constriction package (its ANS coder): pip install constriction") \
            from None
    return constriction.stream


def chunk_sizes(count: int, batch_size: int, ramp: list[int]) -> list[int]:
    """Sizes of the chunks coded in turn: the ramp's, then batch_size each, the last one what is left."""
    done = sum(ramp)
    sizes = list(ramp)
    while done < count:
        sizes.append(min(batch_size, count - done))
        done += sizes[-1]
    return sizes


def chunk_sizes_backwards(count: int, batch_size: int, ramp: list[int]) -> Iterator[int]:
    """chunk_sizes(count, batch_size, ramp) last first, as decoding takes them, one at a time: a header's count
    of a billion examples in chunks of one would otherwise be listed in full before the first is decoded."""
    full, last = divmod(count - sum(ramp), batch_size)
    if last:
        yield last
    for _ in range(full):
        yield batch_size
    yield from reversed(ramp)


def initial_word_count(latent_dim: int, latent_bits: int) -> int:
    """How many words the stack starts with: enough for the first pop of one example's latents (at most
    latent_bits each, usually fewer), plus two. They are the whole set's fixed overhead."""
    return -(-latent_dim * latent_bits // 32) + 2


def initial_words(seed: int, latent_dim: int, latent_bits: int) -> np.ndarray:
    """The seeded random words the stack starts with (initial_word_count of them)."""
    count = initial_word_count(latent_dim, latent_bits)
    words = np.random.default_rng(seed).integers(0, 2 ** 32, count, dtype=np.uint64).astype(np.uint32)
    words[-1] |= 1  # the coder's data must not end in a zero word
    return words


def check_latents(model: torch.nn.Module, x: torch.Tensor) -> None:
    """BB-ANS here buckets the latents by their mass under N(0, I) and reads q(z|x) as a diagonal Gaussian."""
    if model.num_classes is not None:
        raise VaekitError("compress does not handle a conditional VAE (its codes would need the labels too); use an "
                          "unconditional run")
    q = model.encode(x[:1])
    prior = model.prior
    diagonal = isinstance(q, Independent) and isinstance(q.base_dist, Normal) and q.event_shape == (model.latent_dim,)
    standard = (isinstance(prior, Independent) and isinstance(prior.base_dist, Normal)
                and bool((prior.base_dist.loc == 0).all()) and bool((prior.base_dist.scale == 1).all()))
    if not (diagonal and standard):
        raise VaekitError("compress supports a diagonal Gaussian posterior with the standard normal prior "
                          f"(posterior: diagonal_gaussian, prior: standard_normal); this model's posterior is a "
                          f"{type(q).__name__} and its prior a {type(prior).__name__}")


def _posterior_masses(model: torch.nn.Module, x: torch.Tensor, buckets: LatentBuckets) -> np.ndarray:
    q = model.encode(x)
    return buckets.posterior_masses(q.base_dist.loc, q.base_dist.scale).numpy()


def _latents(index: np.ndarray, rows: int, buckets: LatentBuckets) -> torch.Tensor:
    return buckets.centres[torch.from_numpy(index.astype(np.int64))].reshape(rows, -1).to(torch.float32)


def _push_chunk(coder, family, prior, model: torch.nn.Module, chunk: torch.Tensor, levels: int,  # type: ignore[no-untyped-def]
                buckets: LatentBuckets) -> None:
    """One BB-ANS step for a chunk of symbols (m, *data_shape): pop z with Q, push x with p(x|z), push z with p(z)."""
    masses = _posterior_masses(model, from_symbols(chunk, levels), buckets)
    index = coder.decode(family, masses)                                       # pop z with Q(z|x)
    px = model.decode(_latents(index, len(chunk), buckets))
    coder.encode_reverse(chunk.reshape(-1).numpy(), family, level_probabilities(px, levels).numpy())
    coder.encode_reverse(index, prior)                                         # push z with p(z)


def encode(model: torch.nn.Module, symbols: torch.Tensor, levels: int, buckets: LatentBuckets, batch_size: int,
           words: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """(the stack's words after coding every example, the ramp): symbols (N, *data_shape) int32, on top of
    `words`."""
    stream = _constriction()
    coder = stream.stack.AnsCoder(words.copy())
    family = stream.model.Categorical(perfect=False)
    prior = stream.model.Uniform(buckets.count)
    pop_bits = model.latent_dim * buckets.bits  # what one example's pop takes (more only for rare buckets)
    ramp: list[int] = []
    start, ramping = 0, True
    while start < len(symbols):
        size = min(len(symbols) - start, batch_size)
        if ramping:  # no more examples than the stack's bits can pay the pop of
            size = min(size, max(1, coder.num_valid_bits() // pop_bits))
            ramping = size < batch_size
            if ramping:
                ramp.append(size)
        _push_chunk(coder, family, prior, model, symbols[start:start + size], levels, buckets)
        start += size
    return coder.get_compressed(), ramp


def chunk_bytes(batch_size: int, latent_dim: int, elements: int, levels: int, latent_bits: int) -> int:
    """What coding one chunk of batch_size examples allocates at most, in bytes: the larger of its two float64
    probability tables (levels for each data element; 2^latent_bits buckets for each latent dimension, which
    LatentBuckets.posterior_masses builds from about five arrays of that size)."""
    return batch_size * max(elements * levels * 8 * 2, latent_dim * (2 ** latent_bits + 1) * 8 * 5)


def decode(model: torch.nn.Module, words: np.ndarray, count: int, data_shape: tuple[int, ...], levels: int,
           buckets: LatentBuckets, batch_size: int, ramp: list[int], where: str = "the data"
           ) -> tuple[torch.Tensor, np.ndarray]:
    """(symbols (count, *data_shape) int32, the words left on the stack: the initial words when all is well).

    The output is allocated once, as declared (the caller checked it against memory), and filled chunk by chunk:
    nothing grows with the payload. Each chunk's encoding ended by pushing its z with the prior, latent_bits per
    dimension, so a stack that holds fewer bits than that before a chunk is decoded was not written for this
    count and these settings: it is refused there, instead of decoding zeros from an empty stack. (A payload
    that was not written for its header can also keep refilling itself with the bits that pushing z back with
    Q(z|x) returns; it then decodes the declared count, no more, and the examples' SHA-256 refuses it.)"""
    stream = _constriction()
    if len(words) and words[-1] == 0:  # the coder itself would refuse it with a ValueError
        raise DataError(f"{where}: its payload ends in a zero word, which the ANS coder never writes; use the "
                        "file vaekit compress wrote")
    coder = stream.stack.AnsCoder(words.copy())
    family = stream.model.Categorical(perfect=False)
    prior = stream.model.Uniform(buckets.count)
    latent_dim = model.latent_dim
    symbols = torch.empty((count, *data_shape), dtype=torch.int32)
    end = count
    for size in chunk_sizes_backwards(count, batch_size, ramp):
        if coder.num_valid_bits() < size * latent_dim * buckets.bits:
            raise DataError(f"{where}: its payload runs out with {end:,} of the {count:,} examples of field count "
                            "still to decode: the header does not describe this payload; use the file vaekit "
                            "compress wrote")
        index = coder.decode(prior, size * latent_dim)                         # pop z with p(z)
        px = model.decode(_latents(index, size, buckets))
        table = level_probabilities(px, levels).numpy()
        chunk = torch.from_numpy(coder.decode(family, table)).reshape(size, *data_shape)   # pop x with p(x|z)
        masses = _posterior_masses(model, from_symbols(chunk, levels), buckets)
        coder.encode_reverse(index, family, masses)                            # push z back with Q(z|x)
        symbols[end - size:end] = chunk
        end -= size
    return symbols, coder.get_compressed()
