"""What a .vkz header may hold, by format version, checked field by field before anything is built from it.

The trailing SHA-256 only says the file was not damaged: anyone can write a header and sign it again. So every
field is checked against its declared type and bounds, and the fields against each other (ids against count, the
ramp against batch_size); `api` then checks them against the model that decodes them (weights, shape, levels,
initial words) and against this machine's memory. A header that fails gets one line naming its field.

What no check can bound is the time a crafted count takes: examples can cost almost nothing (the same image
again and again), so a small payload may hold many, and a payload that was not written for its header decodes
to garbage only the examples' SHA-256 refuses, at the end. Decoding works in proportion to the declared count,
as encoding that many examples did; the memory check of the output is what bounds the count.

    header = check_header(json_header, version=1, where="x.vkz")   # DataError: "x.vkz: field count must be ..."
"""

from __future__ import annotations

from typing import Any

from vaekit.core.errors import DataError
from vaekit.core.schema import Field, check

FORMAT_NAME = "vaekit BB-ANS (Townsend, Bird & Barber 2019)"
MAX_BATCH = 256            # examples per chunk: more would not speed the networks up, only grow the tables
MAX_LATENT_BITS = 16       # 65,536 buckets a latent dimension: finer buckets gain nothing measurable
MAX_COUNT = 2 ** 31 - 1    # examples in one file (torch indexes them with int64, but no data set comes near)
MAX_ID_CHARS = 4096        # an id is a row number or a file's name (PATH_MAX)
INT64 = (-2 ** 63, 2 ** 63 - 1)
# the dtypes the CLI writes the values back in: the numeric dtypes of a .npy file (never an object or string dtype,
# which np.save would pickle or which could not hold the values)
DTYPES = ("bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float16", "float32",
          "float64")
DEPTH = 3                  # the header's nesting: the header, its coder, the coder's ramp

_SHA256 = Field(str, pattern="[0-9a-f]{64}")
_TEXT = Field(str, size=(0, 64))
_V1 = {
    "format": Field(str, choices=(FORMAT_NAME,)),
    "weights_sha256": _SHA256,
    "shape": Field(list, size=(1, 8), items=Field(int, low=1, high=2 ** 31 - 1)),
    "count": Field(int, low=1, high=MAX_COUNT),
    "levels": Field(int, low=2, high=2 ** 16),
    "dtype": Field(str, choices=DTYPES),
    # null: the row numbers 0..N-1; {"first": a}: a..a+N-1; else one id (a whole number or a name) per example
    "ids": Field((list, dict, type(None)), size=(1, MAX_COUNT),
                 items=Field((int, str), low=INT64[0], high=INT64[1], size=(0, MAX_ID_CHARS)),
                 fields={"first": Field(int, low=INT64[0], high=INT64[1] - MAX_COUNT)}),
    "data_sha256": _SHA256,
    "coder": Field(dict, fields={
        "library": Field(str, choices=("constriction",)),
        "coder": Field(str, choices=("stack.AnsCoder",)),
        "version": _TEXT,
        "latent_bits": Field(int, low=1, high=MAX_LATENT_BITS),
        "batch_size": Field(int, low=1, high=MAX_BATCH),
        "ramp": Field(list, size=(0, MAX_COUNT), items=Field(int, low=1, high=MAX_BATCH - 1)),
        "seed": Field(int, low=0, high=2 ** 64 - 1),
        "initial_words": Field(int, low=1, high=2 ** 20),
        "threads": Field(int, low=1, high=1024),
        "torch": _TEXT,
    }),
    "words": Field(int, low=0, high=2 ** 32),  # the payload's length in 32-bit words
}
HEADERS = {1: _V1}  # format version -> what its header may hold


def check_header(header: Any, version: int, where: str) -> dict[str, Any]:
    """The header when every field is as format `version` declares it and the fields agree with each other; else
    a one-line DataError naming the field."""
    check(header, HEADERS[version], where)
    count, coder = header["count"], header["coder"]
    ids = header["ids"]
    if isinstance(ids, list) and len(ids) != count:
        raise DataError(f"{where}: field ids holds {len(ids):,} ids for the {count:,} examples of field count; use "
                        "the file vaekit compress wrote")
    ramp, batch = coder["ramp"], coder["batch_size"]
    if any(size >= batch for size in ramp):  # the ramp's chunks are the ones smaller than a full batch
        raise DataError(f"{where}: field coder.ramp holds a chunk of {max(ramp):,} examples, but its chunks are "
                        f"smaller than coder.batch_size ({batch}); use the file vaekit compress wrote")
    if sum(ramp) > count:
        raise DataError(f"{where}: field coder.ramp adds up to {sum(ramp):,} examples, more than the {count:,} of "
                        "field count; use the file vaekit compress wrote")
    return header
