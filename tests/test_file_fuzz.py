"""Fuzzing the readers of files from strangers (issue 22): .vkz files (random and hand-crafted headers signed again
with a correct SHA-256, byte flips, truncations, nesting), .npy and .npz files (headers declaring any shape and
dtype, in a file or a zip member) and vocabulary.json. Every call must give a valid result or a VaekitError of one
line: never another exception, never a hang (an alarm), never an allocation beyond the memory check (the readers
are told the machine has 512 MB, the .vkz reader 2 MB: see VKZ_MACHINE; all under an address-space limit of the
process's size + 2 GB).

The cases are drawn the same way on every run (derandomize), so a failure here is one anyone can reproduce;
bench/fuzz_files.py draws many more from the same strategies, at random, and reports the cases, time and memory.

    with bounded():                     # the limit, the alarm and the small machine, for one call
        outcome(lambda: decompress(model, data))
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import signal
import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vaekit
from vaekit.core import system
from vaekit.core.errors import VaekitError
from vaekit.data.common.options import LoadOptions
from vaekit.data.sources.arrays import load_array_file
from vaekit.data.text.vocabulary import FORMAT, read_vocabulary
from vaekit.tasks.compression import compress
from vaekit.tasks.compression.api import decompress_with_header, header_ids
from vaekit.tasks.compression.file_format import signed, unpack

HEADROOM = 2 * 1024 ** 3     # the address space a call may add
MACHINE = 512 * 1024 ** 2    # the memory the readers are told this machine has
# decompress works in proportion to the header's count, which only memory bounds (a crafted count decodes as long
# as that many examples take, then the examples' SHA-256 refuses them): told 2 MB, the .vkz reader takes at most
# some 10,000 examples of the small model, a few seconds
VKZ_MACHINE = 2 * 1024 ** 2
CALL_SECONDS = 20            # a call that takes longer has hung
SPECIAL = ["<pad>", "<unk>", "<s>", "</s>"]
FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


class Hung(BaseException):
    """A call outlived CALL_SECONDS (a BaseException, so that no reader's except clause takes it)."""


def _virtual_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


@contextlib.contextmanager
def bounded(machine: int = MACHINE) -> Iterator[None]:
    """For the body: an address-space limit of the current size + HEADROOM, an alarm after CALL_SECONDS, and
    system.host_memory() saying `machine`; all restored after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _virtual_size() + HEADROOM
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    memory = system.host_memory

    def hung(*_: Any) -> None:
        raise Hung(f"a call took more than {CALL_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, hung)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    system.host_memory = lambda: machine
    signal.alarm(CALL_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        system.host_memory = memory
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.signal(signal.SIGALRM, previous)


def outcome(call: Callable[[], Any], machine: int = MACHINE) -> Any:
    """What `call` returns, or None when it raised a one-line VaekitError; any other exception propagates."""
    with bounded(machine):
        try:
            return call()
        except VaekitError as error:
            assert "\n" not in str(error) and str(error), repr(str(error))
            return None


# --- values ----------------------------------------------------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70), st.floats(), st.text(max_size=12))
EDGES = st.sampled_from([0, 1, -1, 2, 3, 4, 7, 8, 255, 256, 257, 2 ** 16, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32,
                         2 ** 63, 10 ** 9, 10 ** 18, 0.5, 1e308, float("nan"), float("inf"), "", "bogus", "<U5",
                         "object", "float32", "uint8", "bool", [], {}, [10 ** 9], [1, 2, 3], [0], {"first": 10 ** 18},
                         {"first": -1}, [[1]], "0" * 64])
JSON = st.recursive(SCALARS | EDGES, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)
DELETE = "<delete>"  # an edit that removes the field


# --- .vkz ------------------------------------------------------------------------------------------------------------

def small_model() -> tuple[torch.nn.Module, bytes]:
    """An untrained Bernoulli model of 4x4 binary images and 12 examples compressed with it (a ramp, then
    chunks of 8): each decode is quick, and every part of the header is in use."""
    torch.manual_seed(0)
    model = vaekit.build_model(vaekit.ModelConfig(latent_dim=2, hidden=[8]), (1, 4, 4)).eval()
    x = (torch.rand(12, 1, 4, 4, generator=torch.Generator().manual_seed(1)) < 0.3).float()
    return model, compress(model, x, batch_size=8, ids=np.arange(100, 112) * 2)


FIELDS = [("format",), ("weights_sha256",), ("shape",), ("count",), ("levels",), ("dtype",), ("ids",),
          ("data_sha256",), ("coder",), ("words",), ("extra",),
          *[("coder", key) for key in ("library", "coder", "version", "latent_bits", "batch_size", "ramp", "seed",
                                       "initial_words", "threads", "torch", "extra")]]

# the fields that steer decoding, and values near valid ones, so that edits reach the model checks and the coder
NEAR = {("count",): st.integers(-1, 40) | st.integers(0, 2 ** 31),
        ("ids",): st.none() | st.lists(st.integers(-2, 2 ** 63), max_size=14) | st.fixed_dictionaries(
            {"first": st.integers(-5, 2 ** 63)}) | st.lists(st.text(max_size=5), min_size=12, max_size=12),
        ("words",): st.integers(-1, 20), ("levels",): st.integers(0, 300),
        ("coder", "latent_bits"): st.integers(-1, 20), ("coder", "batch_size"): st.integers(-1, 300),
        ("coder", "ramp"): st.lists(st.integers(-1, 10), max_size=6), ("coder", "seed"): st.integers(-1, 2 ** 64),
        ("coder", "initial_words"): st.integers(-1, 6)}


@st.composite
def edited_headers(draw: st.DrawFn, base: bytes) -> bytes:
    """`base` with one to three header fields set to drawn values or removed, and maybe its payload cut or
    changed, signed again."""
    header, words = unpack(base)
    payload = words.astype("<u4").tobytes()
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 2)):  # two in three: a decoding field, set near a valid value
            path = draw(st.sampled_from(list(NEAR)))
            value = draw(NEAR[path])
        else:
            path, value = draw(st.sampled_from(FIELDS)), draw(JSON | st.just(DELETE))
        section = header if len(path) == 1 else header.get("coder")
        if not isinstance(section, dict):
            continue
        if value == DELETE:
            section.pop(path[-1], None)
        else:
            section[path[-1]] = value
    if draw(st.booleans()):  # a payload of its own, its length announced or not
        payload = draw(st.sampled_from([payload[:4 * draw(st.integers(0, len(words)))], draw(st.binary(max_size=64)),
                                        payload + draw(st.binary(max_size=16))]))
        if draw(st.booleans()) and isinstance(header, dict):
            header["words"] = len(payload) // 4
    return signed(json.dumps(header, allow_nan=True).encode(), payload)


def _flipped(draw: st.DrawFn, data: bytes) -> bytes:
    changed = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        changed[draw(st.integers(0, len(changed) - 1))] ^= draw(st.integers(1, 255))
    return bytes(changed)


@st.composite
def damaged_files(draw: st.DrawFn, base: bytes) -> bytes:
    """`base` cut short, with bytes flipped (signed again or not), with a header text of random bytes or deep
    nesting (signed), or with another version or header length in its prefix."""
    header, words = unpack(base)
    payload = words.astype("<u4").tobytes()
    kind = draw(st.sampled_from(["cut", "flip", "flip-signed", "text", "nested", "prefix"]))
    if kind == "cut":
        return base[:draw(st.integers(0, len(base)))]
    if kind == "flip":  # the checksum no longer matches
        return _flipped(draw, base)
    if kind == "flip-signed":  # in the header text or the payload, signed again
        text_length = len(base) - 14 - 32 - len(payload)
        content = _flipped(draw, base[14:-32])
        return signed(content[:text_length], content[text_length:])
    if kind == "text":
        return signed(draw(st.binary(max_size=300) | st.text(max_size=300).map(str.encode)), payload)
    if kind == "nested":
        depth = draw(st.integers(1, 30_000))
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        inner = json.dumps(header).encode() if draw(st.booleans()) else b"1"
        return signed(opener * depth + inner + closer * draw(st.integers(0, depth)), payload)
    version, length = draw(st.integers(0, 2 ** 16 - 1)), draw(st.integers(0, 2 ** 32 - 1))
    body = base[:8] + struct.pack("<HI", version, length) + base[14:-32]
    return signed(body[14:], b"", version) if draw(st.booleans()) else body + base[-32:]


def decompressed(model: torch.nn.Module, data: bytes) -> bool:
    """decompress, and what the CLI then reads of the header, on any bytes: whether they gave examples."""
    result = outcome(lambda: decompress_with_header(model, data, "fuzz.vkz"), VKZ_MACHINE)
    if result is not None:
        x, header = result
        assert x.shape == (header["count"], *model.data_shape)
        assert len(header_ids(header)) == header["count"] and np.dtype(header["dtype"]).kind in "biuf"
    return result is not None


@pytest.fixture(scope="module")
def coded() -> tuple[torch.nn.Module, bytes]:
    return small_model()


@FUZZ
@given(data=st.data())
def test_vkz_headers_edited_and_signed_again(coded: tuple, data: st.DataObject) -> None:
    model, base = coded
    decompressed(model, data.draw(edited_headers(base)))


@FUZZ
@given(data=st.data())
def test_vkz_files_cut_flipped_nested_or_foreign(coded: tuple, data: st.DataObject) -> None:
    model, base = coded
    decompressed(model, data.draw(damaged_files(base)))


# --- .npy and .npz -----------------------------------------------------------------------------------------------

DESCRS = st.sampled_from(["<f4", "<f8", "|u1", "<i8", "|b1", "<f2", ">f4", "<c8", "|O", "O", "<U5", "|S3", "|V0",
                          "|V8", "<M8[s]", "<m8[s]", [("a", "<f4")], [("a", "O")], "bogus", 5, None])
SHAPES = st.one_of(st.lists(st.integers(0, 12), min_size=1, max_size=4).map(tuple),
                   st.lists(st.integers(-3, 2 ** 40), max_size=4).map(tuple), JSON)


@st.composite
def npy_bytes(draw: st.DrawFn) -> bytes:
    """A .npy file of a drawn header (any descr, shape and order, or random text) and version, and a body."""
    fields = {"descr": draw(DESCRS), "fortran_order": draw(st.booleans() | JSON), "shape": draw(SHAPES)}
    for key in draw(st.lists(st.sampled_from(["descr", "fortran_order", "shape"]), max_size=1)):
        del fields[key]
    if draw(st.integers(0, 2)) == 0:  # what np.save writes, maybe cut or flipped: the checks past the header
        saved = io.BytesIO()
        shape = [draw(st.integers(0, 6)), *draw(st.lists(st.integers(1, 4), max_size=3))]
        dtype = draw(st.sampled_from(["<f4", "<f8", "|u1", "<i8", "|b1", "<f2", ">f4", "<c8", "<U3"]))
        np.save(saved, np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape).astype(dtype))
        content = saved.getvalue()
        return _flipped(draw, content) if draw(st.integers(0, 3)) == 0 else content
    text = repr(fields) if draw(st.integers(0, 9)) else draw(st.text(max_size=80))
    text += " " * draw(st.integers(0, 64)) + "\n"
    version = draw(st.sampled_from([(1, 0), (2, 0), (3, 0), (0, 0), (1, 7)]))
    length = struct.pack("<H" if version[0] == 1 else "<I", len(text.encode()))
    body = bytes(draw(st.integers(0, 1024))) if draw(st.booleans()) else draw(st.binary(max_size=1024))
    return b"\x93NUMPY" + bytes(version) + length + text.encode() + body


@st.composite
def array_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes): a drawn .npy file, or one or two of them in a .npz (stored or deflated), maybe cut."""
    if draw(st.booleans()):
        content, suffix = draw(npy_bytes()), ".npy"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))) as zf:
            for name in draw(st.lists(st.sampled_from(["x", "y", "x_train", "x_test", "images", "labels", "q"]),
                                      min_size=1, max_size=3, unique=True)):
                zf.writestr(f"{name}.npy", draw(npy_bytes()))
        content, suffix = buffer.getvalue(), ".npz"
    if draw(st.integers(0, 5)) == 0:
        content = content[:draw(st.integers(0, len(content)))]
    return suffix, content


def loaded(folder: Path, drawn: tuple[str, bytes]) -> bool:
    """load_array_file of drawn (suffix, bytes) written in `folder`: whether they gave a data set."""
    suffix, content = drawn
    path = folder / f"fuzz{suffix}"
    path.write_bytes(content)
    data = outcome(lambda: load_array_file(path, LoadOptions()))
    assert data is None or len(data.train_x) + len(data.test_x) >= 1
    return data is not None


@FUZZ
@given(drawn=array_files())
def test_array_files_with_any_header(tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, bytes]) -> None:
    loaded(tmp_path_factory.getbasetemp(), drawn)


# --- vocabulary.json -------------------------------------------------------------------------------------------------

TOKENS = st.text(min_size=1, max_size=12) | st.sampled_from([*SPECIAL, "", " ", "a b", "x" * 1001]) | JSON


@st.composite
def vocabularies(draw: st.DrawFn) -> bytes:
    """A vocabulary.json: vaekit's form with tokens drawn and shuffled, special tokens moved or repeated; any
    JSON value; random bytes; or deep nesting."""
    kind = draw(st.sampled_from(["tokens", "tokens", "json", "bytes", "nested"]))
    if kind == "json":
        return json.dumps(draw(JSON), allow_nan=True).encode()
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "nested":
        return b"[" * draw(st.integers(1, 30_000)) + b'"<pad>"'
    tokens = [*SPECIAL, *draw(st.lists(TOKENS, max_size=8))]
    if draw(st.booleans()):
        tokens = draw(st.permutations(tokens))
    saved: dict[str, Any] = {"tokens": tokens}
    for key, value in (("format", FORMAT), ("version", 1)):
        if draw(st.booleans()):
            saved[key] = draw(st.just(value) | JSON)
    return json.dumps(saved, allow_nan=True).encode()


def read(folder: Path, content: bytes, size: int | None) -> bool:
    """read_vocabulary of `content` written in `folder` (for a run of `size` tokens): whether it gave tokens."""
    path = folder / "vocabulary.json"
    path.write_bytes(content)
    tokens = outcome(lambda: read_vocabulary(path, size))
    if tokens is not None:
        assert tokens[:4] == SPECIAL and len(set(tokens)) == len(tokens) and all(isinstance(t, str) for t in tokens)
        assert size is None or len(tokens) == size
    return tokens is not None


@FUZZ
@given(content=vocabularies(), size=st.none() | st.integers(0, 12))
def test_vocabularies_of_any_content(tmp_path_factory: pytest.TempPathFactory, content: bytes,
                                     size: int | None) -> None:
    read(tmp_path_factory.getbasetemp(), content, size)


def test_the_guard_refuses_an_allocation_past_its_limit_and_restores_everything() -> None:
    """The bound the fuzzed calls run under is real: 3 GB is past the 2 GB of headroom."""
    limit, memory = resource.getrlimit(resource.RLIMIT_AS), system.host_memory
    with pytest.raises(MemoryError), bounded():
        assert system.host_memory() == MACHINE
        np.ones(3 * 1024 ** 3, dtype=np.uint8)
    assert resource.getrlimit(resource.RLIMIT_AS) == limit and system.host_memory is memory
