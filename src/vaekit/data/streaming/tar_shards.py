"""Tar archives of examples (WebDataset-style shards: one file per example, grouped by their shared name, a label
beside it), read one shard at a time, as the streamed training data's blocks. See readers.py for the interface.

Every member comes from someone else: its size (from the tar header) is checked against this machine's memory
before it is read, and a .npy member's header (shape, dtype) against the member's own size before an array is
made, so a 1 KB member that declares 10^9 examples is refused from its header, never allocated.
"""

from __future__ import annotations

import io
import math
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from vaekit.core import system
from vaekit.core.errors import DataError
from vaekit.data.common.convert import as_examples
from vaekit.data.common.npy_header import read_npy_header
from vaekit.data.image.folder import IMAGE_SUFFIXES, PILLOW_ERRORS
from vaekit.data.streaming.readers import Block, RowReader, _image, _scaled


class TarShards(RowReader):
    """WebDataset-style shards: tar archives whose members are grouped by key (the path up to the first dot of the
    file name), each sample one image (.png/.jpg/.jpeg) or array (.npy) and optionally a class label (.cls, a
    number as text). One block per shard. Before training, every shard's member names are listed (headers only)
    and its first sample is decoded, so that a damaged shard or a shape that differs between shards fails at
    once; later samples are checked as they are read."""

    def __init__(self, shards: list[Path], where: str) -> None:
        self.shards, self.where = shards, where
        self.blocks, start, first = [], 0, None
        self.mode: str | None = None
        for shard in shards:
            samples = self._samples(shard)
            if not samples:
                continue
            x, y = self._decode(shard, samples[0], None)
            if first is None:
                first = (x.shape, y is not None, shard)
                self.mode = "L" if x.shape[0] == 1 else "RGB"
            elif (x.shape, y is not None) != first[:2]:
                what = "shape" if x.shape != first[0] else "labels"
                raise DataError(f"the samples of {shard} differ in {what} from those of {first[2]} "
                                f"({x.shape} vs {first[0]}{', labelled or not' if what == 'labels' else ''}); "
                                "every shard must hold one kind of sample")
            self.blocks.append((start, len(samples), shard))
            start += len(samples)
        if first is None:
            raise DataError(f"{where} holds no samples (.png, .jpg, .jpeg or .npy members) in its tar shards")
        self.n, self.labelled = start, first[1]
        self.shape = first[0]
        self.kind = "vector" if len(self.shape) == 1 else "image"

    @staticmethod
    def _samples(shard: Path) -> list[str]:
        """The sample keys of a shard in archive order (headers only: data is skipped over)."""
        keys: dict[str, None] = {}
        for _, member in _members(shard):
            keys.setdefault(_key(member.name)[0], None)
        return list(keys)

    def _decode(self, shard: Path, key: str, fields: dict[str, bytes] | None) -> tuple[np.ndarray, int | None]:
        if fields is None:  # the first sample only: read the archive up to it
            fields = next(iter(_grouped(shard)))[1]
        where = f"sample {key!r} of {shard}"
        label = None
        if "cls" in fields:
            try:
                label = int(fields["cls"].decode().strip())
            except (UnicodeDecodeError, ValueError):
                raise DataError(f"the .cls label of {where} is not a whole number") from None
        if "npy" in fields:
            x, _ = as_examples(npy_member(fields["npy"], where)[None], where)
            return x[0], label
        image = next((fields[ext] for ext in ("png", "jpg", "jpeg") if ext in fields), None)
        if image is None:
            raise DataError(f"{where} has no .png, .jpg, .jpeg or .npy member (it has {', '.join(fields)})")
        # the first image decides grayscale or RGB, as ImageFolderRows does
        mode = self.mode or ("L" if _is_gray(image) else "RGB")
        return _scaled(_image(image, mode, None, where)[None], mode)[0], label

    def read(self, block: Block) -> tuple[np.ndarray, np.ndarray | None]:
        start, count, shard = block
        xs, ys = [], []
        for key, fields in _grouped(shard):
            x, y = self._decode(shard, key, fields)
            if x.shape != self.shape or (y is not None) != self.labelled:
                label = "" if y is not None else ", no label,"
                raise DataError(f"sample {key!r} of {shard} has shape {x.shape}{label} but the data's samples have "
                                f"{self.shape}; every sample must have one shape")
            xs.append(x)
            ys.append(y)
        if len(xs) != count:
            raise DataError(f"tar shard {shard} changed while training: it holds {len(xs)} samples, not {count}")
        return np.stack(xs), (np.array(ys, dtype=np.int64) if self.labelled else None)


def npy_member(data: bytes, where: str) -> np.ndarray:
    """The array of a .npy member's bytes, its header checked first (data/common/npy_header.py: numbers only, an
    object array would be unpickled; the shape times the item size no more than the bytes that follow the header,
    as numpy allocates what the header declares before it reads a byte), then that it holds exactly those bytes."""
    buffer = io.BytesIO(data)
    header = read_npy_header(buffer, len(data), f"the .npy of {where}")
    if header.dtype.fields is not None:
        raise DataError(f"the .npy of {where} holds {header.dtype} values (records), not numbers; save the examples "
                        "as a numeric array")
    held = len(data) - buffer.tell()
    if header.nbytes != held:
        raise DataError(f"the .npy of {where} declares shape {header.shape} {header.dtype} ({header.nbytes:,} bytes) "
                        f"but holds {held:,} bytes of data: it is damaged or crafted")
    return np.frombuffer(data, dtype=header.dtype, count=math.prod(header.shape), offset=buffer.tell()).reshape(
        header.shape, order="F" if header.fortran_order else "C")


def check_member_size(member: tarfile.TarInfo, shard: Path) -> None:
    """A member larger than this machine's memory is refused from its tar header, before it is read."""
    memory = system.host_memory()
    if memory is not None and member.size > memory:
        raise DataError(f"member {member.name} of tar shard {shard} is {member.size:,} bytes, more than this "
                        f"machine's memory ({memory:,} bytes); a sample is one example")


def _is_gray(data: bytes) -> bool:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.mode == "L"
    except PILLOW_ERRORS:
        return False


def _key(name: str) -> tuple[str, str]:
    """WebDataset's split of a member name: "train/0001.seg.png" -> ("train/0001", "seg.png")."""
    folder, _, base = name.rpartition("/")
    stem, _, ext = base.partition(".")
    return (f"{folder}/{stem}" if folder else stem), ext.lower()


def _grouped(shard: Path) -> Any:
    """(key, {extension: bytes}) for each sample of a shard, in archive order."""
    key, fields = None, {}
    for archive, member in _members(shard):
        name, ext = _key(member.name)
        if name != key and key is not None:
            yield key, fields
            fields = {}
        key = name
        check_member_size(member, shard)
        try:
            handle = archive.extractfile(member)
            fields[ext] = handle.read() if handle is not None else b""
        except (tarfile.TarError, OSError, EOFError) as error:
            raise DataError(f"cannot read member {member.name} of tar shard {shard}: it is damaged or truncated "
                            f"({' '.join(str(error).split())})") from None
    if key is not None:
        yield key, fields


def _members(shard: Path) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
    """(archive, member) for each file member of a shard, in archive order, each checked to lie inside the file,
    and the archive checked to end as tar ends: a block of zeros after its last member. tarfile itself takes a
    header missing at the end of the file for the end of the archive, so a shard cut short (a copy stopped half
    way) would otherwise read as a shorter one, and train on fewer examples without a word."""
    archive: tarfile.TarFile | None = None
    size: int | None = None  # the file's bytes; None for a compressed archive, whose offsets are not the file's
    last = None
    try:
        with tarfile.open(shard) as archive:
            if isinstance(archive.fileobj, io.BufferedReader):
                size = os.fstat(archive.fileobj.fileno()).st_size
            for member in archive:
                end = member.offset_data + member.size
                if size is not None and end > size:
                    raise DataError(f"tar shard {shard} is truncated: its member {member.name} ends at byte {end:,} "
                                    f"but the file holds {size:,} bytes; copy or write the shard again")
                last = member
                if member.isfile():
                    yield archive, member
            archive.fileobj.seek(archive.offset)
            end_block = archive.fileobj.read(tarfile.BLOCKSIZE)  # zeros, or a header tarfile could not read
            if not end_block or end_block.count(tarfile.NUL) != len(end_block):  # zeros cut short lose nothing
                after = f"after its member {last.name}" if last is not None else "before its first member"
                raise DataError(f"tar shard {shard} is truncated: it ends {after} (byte {archive.offset:,}) without "
                                "the blocks of zeros that end a tar archive; copy or write the shard again")
    except (tarfile.TarError, OSError, EOFError) as error:
        if archive is not None and size is not None and archive.offset > size:  # tarfile went past the end
            raise DataError(f"tar shard {shard} is truncated: it holds {size:,} bytes, and its members need more; "
                            "copy or write the shard again") from None
        raise DataError(f"cannot read tar shard {shard}: it is damaged or truncated "
                        f"({' '.join(str(error).split())})") from None


def tar_shards(path: Path) -> list[Path] | None:
    """The shards a path names: a .tar file itself, or the .tar files of a folder (sorted); None otherwise."""
    if path.is_file() and path.suffix.lower() == ".tar":
        return [path]
    if path.is_dir():
        shards = sorted(p for p in path.iterdir() if p.suffix.lower() == ".tar" and p.is_file())
        if not shards:  # an image or text folder: not walked again here (every folder given as data asks)
            return None
        images = any(p.suffix.lower() in IMAGE_SUFFIXES for p in path.rglob("*"))
        return None if images else shards
    return None
