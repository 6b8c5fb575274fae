"""Files from strangers are checked against a declared schema before anything is built from them (issue 22): the
.vkz header (re-signed, since anyone can recompute its SHA-256), .npy and .npz headers, Parquet metadata and
vocabulary.json each give one line naming the field, and the checker itself (core/schema.py) does what it says."""

from __future__ import annotations

import json
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import vaekit
from vaekit.core import system
from vaekit.core.errors import DataError, VaekitError
from vaekit.core.schema import Field, check, json_depth, loads
from vaekit.data.common.npy_header import check_array_file
from vaekit.data.common.options import LoadOptions
from vaekit.data.sources.arrays import load_array_file
from vaekit.data.table.reader import load_table
from vaekit.data.text.vocabulary import MAX_TOKEN_CHARS, build_vocabulary, read_vocabulary
from vaekit.tasks.compression import compress, decompress
from vaekit.tasks.compression.file_format import signed, unpack

SPECIAL = ["<pad>", "<unk>", "<s>", "</s>"]


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message, message
    return message


# --- the checker ---------------------------------------------------------------------------------------------------

def test_json_depth_counts_brackets_outside_strings_without_recursion() -> None:
    assert json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert json_depth(b'["[[[", "\\"[{", 2]') == 1  # brackets inside strings, escaped quotes included
    assert json_depth(b"7") == 0
    assert json_depth(b"[" * 200_000) == 200_000  # json.loads would raise RecursionError long before


def test_loads_refuses_nesting_repeated_keys_and_non_utf8_in_one_line() -> None:
    assert loads(b'{"a": [1, 2]}', "f", depth=2) == {"a": [1, 2]}
    with pytest.raises(DataError, match=r"^f nests 100,000 levels deep, at most 2 are allowed") as error:
        loads(b"[" * 100_000 + b"]" * 100_000, "f", depth=2)
    one_line(error)
    with pytest.raises(DataError, match=r"f is not valid JSON \(it repeats the key 'a'\)"):
        loads(b'{"a": 1, "a": 2}', "f", depth=2)
    with pytest.raises(DataError, match="f is not UTF-8 text"):
        loads(b'"\xff"', "f", depth=2)
    with pytest.raises(DataError, match=r"f is not valid JSON \(Exceeds the limit"):
        loads(b"1" * 5000, "f", depth=2)


SCHEMA = {"count": Field(int, low=1, high=10), "rate": Field(float, low=0.0, high=1.0),
          "kind": Field(str, choices=("a", "b")),
          "coder": Field(dict, fields={"ramp": Field(list, size=(0, 3), items=Field(int, low=1))})}
GOOD = {"count": 3, "rate": 0.5, "kind": "a", "coder": {"ramp": [1, 2]}}


@pytest.mark.parametrize("change, message", [
    ({"count": float("nan")}, r"f: field count must be a whole number from 1 to 10, got nan"),
    ({"count": "3"}, r"field count must be a whole number from 1 to 10, got '3'"),
    ({"count": True}, r"field count must be a whole number from 1 to 10, got True"),
    ({"count": 11}, r"field count must be a whole number from 1 to 10, got 11"),
    ({"rate": float("inf")}, r"field rate must be a number from 0.0 to 1.0, got inf"),
    ({"kind": "c"}, r"field kind must be one of 'a', 'b'; got 'c'"),
    ({"coder": {"ramp": [1, 0]}}, r"field coder.ramp\[1\] must be a whole number of at least 1, got 0"),
    ({"coder": {"ramp": [1] * 4}}, r"field coder.ramp must hold 0 to 3 entries, got 4"),
    ({"coder": {"ramp": [], "more": 1}}, r"field coder.more is not one this format has \(it has coder.ramp\)"),
    ({"coder": []}, r"field coder must be an object, got \[\]"),
    ({"extra": 1}, r"field extra is not one this format has"),
])
def test_check_names_the_field_and_what_it_must_be(change: dict[str, Any], message: str) -> None:
    with pytest.raises(DataError, match=message) as error:
        check({**GOOD, **change}, SCHEMA, "f")
    one_line(error)


def test_check_passes_a_good_value_and_refuses_a_missing_field() -> None:
    assert check(GOOD, SCHEMA, "f") is GOOD
    assert check({**GOOD, "rate": 1}, SCHEMA, "f")["rate"] == 1  # a whole number is a number
    with pytest.raises(DataError, match="f: field kind is missing"):
        check({key: value for key, value in GOOD.items() if key != "kind"}, SCHEMA, "f")
    with pytest.raises(DataError, match=r"f: its content must be a JSON object, got \[1\]"):
        check([1], SCHEMA, "f")


# --- .vkz headers, re-signed as a stranger would ---------------------------------------------------------------

@pytest.fixture(scope="module")
def coded() -> tuple[torch.nn.Module, torch.Tensor, bytes]:
    """A small untrained Bernoulli model, 30 binary examples and their .vkz bytes (chunks of 4 after a ramp)."""
    torch.manual_seed(0)
    model = vaekit.build_model(vaekit.ModelConfig(latent_dim=2, hidden=[8]), (1, 4, 4)).eval()
    x = (torch.rand(30, 1, 4, 4, generator=torch.Generator().manual_seed(1)) < 0.3).float()
    return model, x, compress(model, x, batch_size=4)


DELETE = object()  # a field value that removes the field


def resigned(data: bytes, text: bytes | None = None, payload: bytes | None = None, **fields: Any) -> bytes:
    """`data` with header fields replaced (coder_x for coder.x; DELETE removes a field) or its header text or
    payload replaced, signed again with a correct SHA-256."""
    header, words = unpack(data)
    for name, value in fields.items():
        section, key = (header["coder"], name[6:]) if name.startswith("coder_") else (header, name)
        if value is DELETE:
            del section[key]
        else:
            section[key] = value
    text = json.dumps(header).encode() if text is None else text
    return signed(text, words.astype("<u4").tobytes() if payload is None else payload)


VKZ_CASES = [  # the failures seen (issue 22), each now one line naming its field
    (dict(text=b"[" * 50_000 + b"]" * 50_000), r"f\.vkz: its header nests 50,000 levels deep, at most 3"),
    (dict(count=float("nan")), r"field count must be a whole number from 1 to 2,147,483,647, got nan"),
    (dict(count="30"), r"field count must be a whole number .* got '30'"),
    (dict(count=10 ** 9), r"field count \(1,000,000,000 examples of shape \[1, 4, 4\]\) would need 192\.0 GB, more "
                          r"than the 1\.0 GB"),
    (dict(payload=b"\x01\x00\x00\x00"), r"its payload runs out with 30 of the 30 examples of field count still "
                                        r"to decode"),
    (dict(coder_batch_size=0), r"field coder\.batch_size must be a whole number from 1 to 256, got 0"),
    (dict(coder_latent_bits=0), r"field coder\.latent_bits must be a whole number from 1 to 16, got 0"),
    (dict(coder_latent_bits=40), r"field coder\.latent_bits must be a whole number from 1 to 16, got 40"),
    (dict(levels=1), r"field levels must be a whole number from 2 to 65,536, got 1"),
    (dict(levels=10 ** 8), r"field levels must be a whole number from 2 to 65,536, got 100000000"),
    (dict(levels=256), r"field levels is 256, but this model codes 2 levels"),
    (dict(coder_ramp=[10 ** 9]), r"field coder\.ramp\[0\] must be a whole number from 1 to 255, got 1000000000"),
    (dict(coder_ramp=[4]), r"field coder\.ramp holds a chunk of 4 examples, but its chunks are smaller than "
                           r"coder\.batch_size \(4\)"),
    (dict(coder_ramp=[3] * 11), r"field coder\.ramp adds up to 33 examples, more than the 30 of field count"),
    (dict(dtype="bogus"), r"field dtype must be one of 'bool', .*; got 'bogus'"),
    (dict(dtype="<U5"), r"field dtype must be one of .*; got '<U5'"),
    (dict(dtype="object"), r"field dtype must be one of .*; got 'object'"),
    (dict(ids=[1, 2, 3]), r"field ids holds 3 ids for the 30 examples of field count"),
    (dict(ids=[[1]] * 30), r"field ids\[0\] must be a whole number or text.*, got \[1\]"),
    (dict(ids={"first": 2 ** 70}), r"field ids\.first must be a whole number from"),
    (dict(extra=1), r"field extra is not one this format has"),
    (dict(shape=DELETE), r"field shape is missing"),
    (dict(coder_initial_words=9), r"field coder\.initial_words is 9, but this model's 2 latent dimensions"),
    (dict(coder_seed=-1), r"field coder\.seed must be a whole number from 0 to"),
    (dict(words=3), r"field words says the payload is 3 words, but the file holds"),
    (dict(payload=b"\x01\x00\x00\x00" * 3 + bytes(4)), r"its payload ends in a zero word"),
    (dict(text=b'{"count": 1, "count": 2}'), r"its header is not valid JSON \(it repeats the key 'count'\)"),
    (dict(text=b"\xff\xfe"), r"its header is not UTF-8 text"),
]


@pytest.mark.parametrize("fields, message", VKZ_CASES, ids=[message[:40] for _, message in VKZ_CASES])
def test_a_resigned_header_is_refused_naming_its_field(coded: tuple, fields: dict[str, Any], message: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    model, _, data = coded
    monkeypatch.setattr(system, "host_memory", lambda: 10 ** 9)
    if "payload" in fields:  # a payload of its own: the header announces its length
        fields["words"] = len(fields["payload"]) // 4
    with pytest.raises(DataError, match=message) as error:
        decompress(model, resigned(data, **fields), "f.vkz")
    one_line(error)


def test_a_changed_ramp_that_still_parses_is_refused_without_blaming_versions(coded: tuple) -> None:
    """Fields that pass every check but do not describe the payload decode to other examples: the SHA-256 of
    the examples says so, and with the same torch and constriction it blames the header, not the versions."""
    model, _, data = coded
    with pytest.raises(DataError, match=r"its fields count or coder do not describe its payload"):
        decompress(model, resigned(data, coder_ramp=[1, 1]), "f.vkz")


def test_chunk_tables_beyond_memory_are_refused_in_compress_and_decompress(coded: tuple,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Finer latent buckets grow the posterior's table (2^latent_bits a dimension): checked before it is built."""
    model, x, data = coded
    monkeypatch.setattr(system, "host_memory", lambda: 10 ** 6)
    with pytest.raises(DataError, match=r"f\.vkz: fields coder\.batch_size \(4\) and coder\.latent_bits \(16\) would "
                                        r"need 21\.0 MB, more than the 1\.0 MB of this machine's memory"):
        decompress(model, resigned(data, coder_latent_bits=16), "f.vkz")
    with pytest.raises(DataError, match=r"coding 4 examples at a time with 65,536 buckets a latent dimension would "
                                        r"need 21\.0 MB.*; choose a smaller batch_size or latent_bits"):
        compress(model, x, latent_bits=16, batch_size=4)


def test_compress_refuses_what_decompress_would_and_round_trips_what_it_writes(coded: tuple) -> None:
    model, x, data = coded
    assert torch.equal(decompress(model, data), x) and torch.equal(decompress(model, memoryview(data)), x)
    names = np.array([f"img{i}.png" for i in range(30)])
    assert torch.equal(decompress(model, compress(model, x, ids=names, dtype="uint8")), x)
    with pytest.raises(VaekitError, match="batch_size must be between 1 and 256, got 257"):
        compress(model, x, batch_size=257)
    with pytest.raises(VaekitError, match="dtype must be one of bool, .*, got 'object'"):
        compress(model, x, dtype="object")
    with pytest.raises(VaekitError, match="latent_bits must be between 1 and 16, got 40"):
        compress(model, x, latent_bits=40)


# --- .npy and .npz headers -------------------------------------------------------------------------------------

def npy_bytes(shape: str, descr: str = "<f4", body: int = 1100, version: tuple[int, int] = (1, 0)) -> bytes:
    """A .npy file whose header says what it is told to, followed by `body` zero bytes."""
    header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape}, }}"
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    length = struct.pack("<H", len(header)) if version[0] == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes(version) + length + header.encode() + bytes(body)


@pytest.mark.parametrize("content, message", [
    (npy_bytes("(1000000000, 1, 8, 8)"), r"x\.npy is truncated: its header's shape \(1000000000, 1, 8, 8\) of "
                                         r"float32 needs 256,000,000,000 bytes, but 1,100 follow the header"),
    (npy_bytes("(5, 3)", "|O"), r"x\.npy holds Python objects, which vaekit never unpickles"),
    (npy_bytes("(-5, 3)"), r"x\.npy: its header's shape \(-5, 3\) has a negative extent"),
    (npy_bytes("(5, 'a')"), r"x\.npy has a damaged \.npy header \(shape is not valid"),
    (npy_bytes("(5,)", "bogus"), r"x\.npy has a damaged \.npy header \(descr is not a valid dtype"),
    (npy_bytes("(" * 300 + ")" * 300), r"x\.npy has a damaged \.npy header"),
    (npy_bytes("(5,)", version=(7, 0)), r"x\.npy is in \.npy format version 7\.0, which vaekit does not read"),
    (b"\x93NUMPY\x01", r"x\.npy has a damaged \.npy header"),
    (b"hello", r"x\.npy is not a NumPy \.npy or \.npz file"),
])
def test_npy_headers_are_checked_before_numpy_allocates(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "x.npy").write_bytes(content)
    with pytest.raises(DataError, match=message) as error:
        load_array_file(tmp_path / "x.npy", LoadOptions())
    one_line(error)


def test_npz_members_are_checked_from_the_zip_listing(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", npy_bytes("(100000000, 100)"))  # 40 GB declared, 1 KB stored
    with pytest.raises(DataError, match=r"bomb\.npz\[x\] is truncated: its header's shape \(100000000, 100\)"):
        load_array_file(tmp_path / "bomb.npz", LoadOptions())
    with zipfile.ZipFile(tmp_path / "text.npz", "w") as archive:
        archive.writestr("x.npy", b"not an array")
    with pytest.raises(DataError, match=r"text\.npz\[x\] has a damaged \.npy header"):
        load_array_file(tmp_path / "text.npz", LoadOptions())


def test_arrays_beyond_memory_are_refused_and_dsprites_metadata_is_not_read(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    np.save(tmp_path / "x.npy", np.zeros((1000, 250), np.float32))  # 1 MB, and 1 MB as float32
    assert check_array_file(tmp_path / "x.npy")[0].shape == (1000, 250)
    monkeypatch.setattr(system, "host_memory", lambda: 1_500_000)
    with pytest.raises(DataError, match=r"x\.npy: its header's shape \(1000, 250\) of float32 would need 2\.0 MB, "
                                        r"more than the 1\.5 MB of this machine's memory; use a smaller file"):
        load_array_file(tmp_path / "x.npy", LoadOptions())
    monkeypatch.undo()
    n = 20  # dSprites' file keeps a pickled metadata member: its loader never reads it, nor does the check
    np.savez(tmp_path / "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz", imgs=np.zeros((n, 8, 8), np.uint8),
             latents_values=np.ones((n, 6)), latents_classes=np.zeros((n, 6), np.int64),
             metadata=np.array([{"date": "April 2017"}], dtype=object))
    data = load_array_file(tmp_path / "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz", LoadOptions())
    assert len(data.train_x) + len(data.test_x) == n


# --- Parquet metadata -------------------------------------------------------------------------------------------

def test_parquet_metadata_is_checked_against_memory_before_reading(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(np.random.default_rng(0).random((2000, 5)), columns=list("abcde"))
    frame.to_parquet(tmp_path / "t.parquet")
    assert load_table(tmp_path / "t.parquet", LoadOptions()).shape == (5,)
    monkeypatch.setattr(system, "host_memory", lambda: 100_000)
    with pytest.raises(DataError, match=r"t\.parquet: its Parquet metadata's num_rows \(2,000\) and num_columns "
                                        r"\(5\) would need .* MB, more than .* memory; use a smaller table"):
        load_table(tmp_path / "t.parquet", LoadOptions())


# --- vocabulary.json --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    ("[" * 100_000, r"is corrupt: it nests 100,000 levels deep, where a vocabulary nests 2"),
    (json.dumps({"tokens": [SPECIAL]}), r"is corrupt: it nests 3 levels deep"),
    (json.dumps({"tokens": [*SPECIAL, "the", "cat", "the"]}), r"is corrupt: field tokens\[6\] repeats tokens\[4\] "
                                                              r"\('the'\); it must list distinct tokens"),
    (json.dumps({"tokens": ["<unk>", "<pad>", "<s>", "</s>"]}), r"field tokens\[0\] is '<unk>' where <pad> must be"),
    (json.dumps({"tokens": [*SPECIAL, ""]}), r"field tokens\[4\] must hold 1 to 1,000 characters, got 0"),
    (json.dumps({"tokens": [*SPECIAL, "a b"]}), r"field tokens\[4\] \('a b'\) holds white space"),
    (json.dumps({"tokens": [*SPECIAL, 7]}), r"field tokens\[4\] must be text, got 7"),
    (json.dumps({"tokens": [*SPECIAL, "x" * 1001]}), r"field tokens\[4\] must hold 1 to 1,000 characters, got 1,001"),
    (json.dumps({"tokens": SPECIAL[:2]}), r"field tokens must hold 4 to 16,777,216 entries, got 2"),
    (json.dumps({"tokens": SPECIAL, "counts": [1]}), r"field counts is not one this format has"),
    (json.dumps({"format": "other", "tokens": SPECIAL}), r"field format must be one of 'vaekit-vocabulary'"),
    (json.dumps({"version": 2, "tokens": SPECIAL}), r"field version must be one of 1; got 2"),
    (json.dumps(SPECIAL), r"its content must be a JSON object"),
    ("{not json", r"is corrupt \(JSONDecodeError"),
])
def test_a_vocabulary_is_read_against_its_schema(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "vocabulary.json").write_text(content)
    with pytest.raises(DataError, match=r"^the vocabulary .*vocabulary\.json is corrupt") as error:
        read_vocabulary(tmp_path / "vocabulary.json")
    assert re.search(message, one_line(error)), str(error.value)


def test_a_vocabulary_within_bounds_reads_back_and_long_tokens_are_not_kept(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "v.json").write_text(json.dumps({"format": "vaekit-vocabulary", "version": 1,
                                                 "tokens": [*SPECIAL, "the", "é", "x" * MAX_TOKEN_CHARS]}))
    assert read_vocabulary(tmp_path / "v.json", 7)[-2:] == ["é", "x" * MAX_TOKEN_CHARS]
    assert build_vocabulary([["a" * 2000, "b"]] * 3) == [*SPECIAL, "b"]  # the long one reads as UNK
    monkeypatch.setattr(system, "host_memory", lambda: 1000)
    with pytest.raises(DataError, match=r"v\.json \(1,111 bytes\) would need 0\.1 MB, more than"):
        read_vocabulary(tmp_path / "v.json")
