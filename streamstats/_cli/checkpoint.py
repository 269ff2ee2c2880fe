"""The files of a resumable run: checkpoints written atomically and safely, outputs
locked against a second run, and what ties a checkpoint to its input and outputs.

A checkpoint is only worth something if it still describes the files it names. It
therefore stores, besides the offsets, a fingerprint of each file: the SHA-256 of
the last bytes before the offset (input) or before the committed size (output,
rejects). Resuming re-reads those bytes and refuses when they differ: a rotated,
replaced or truncated input, an output that was removed, shortened or swapped.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Any

__all__ = ["TAIL_BYTES", "CheckpointError", "FileLocked", "write_checkpoint",
           "read_checkpoint", "tail_digest", "read_at", "open_locked", "same_file", "is_regular",
           "remove_stale_temporaries"]

#: the bytes before an offset whose hash stands for the file up to it
TAIL_BYTES = 1 << 16
VERSION = 2
_SUFFIX = ".streamstats-tmp"

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs are not guarded there
    fcntl = None  # type: ignore[assignment]


class CheckpointError(ValueError):
    """A checkpoint that cannot be used (damaged, of another version or command)."""


class FileLocked(OSError):
    """Another run holds the file."""


def tail_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_at(f: IO[bytes], offset: int, size: int) -> bytes:
    """``size`` bytes at ``offset`` without moving the file's position (``pread``,
    safe beside a reader thread; a seek and a read for in-memory files)."""
    try:
        return os.pread(f.fileno(), size, offset)
    except (AttributeError, io.UnsupportedOperation, OSError):
        here = f.tell()
        try:
            f.seek(offset)
            return f.read(size)
        finally:
            f.seek(here)


def write_checkpoint(path: Path, data: dict[str, Any]) -> None:
    """Atomically: a new temporary file of a random name in the same folder
    (created exclusively, so a planted file or link is never written through),
    fsync, rename over ``path``, fsync of the folder. A failed write leaves no
    temporary file behind."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_SUFFIX)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"version": VERSION, **data}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def remove_stale_temporaries(path: Path) -> None:
    """Temporary files a killed run left beside the checkpoint ``path`` (only our
    own regular files: never a link)."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if name.startswith(f".{path.name}.") and name.endswith(_SUFFIX):
            full = path.parent / name
            try:
                info = os.lstat(full)
                mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
                if stat.S_ISREG(info.st_mode) and mine:
                    os.unlink(full)
            except OSError:
                pass


def read_checkpoint(path: Path) -> dict[str, Any] | None:
    """The checkpoint at ``path`` (None when there is none yet)."""
    if not path.exists():
        return None
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} is not a file")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"checkpoint {path} is damaged ({exc}): remove it to start "
                              "over") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"checkpoint {path} is not a checkpoint of streamstats smooth: "
                              "remove it to start over")
    if data.get("version") != VERSION:
        raise CheckpointError(f"checkpoint {path} is of version {data.get('version')!r}, "
                              f"this streamstats writes version {VERSION}: remove it to start "
                              "over")
    return data


def open_locked(path: str | Path, what: str, shown: str | Path | None = None) -> IO[bytes]:
    """``path`` opened for reading and writing, created if need be, never
    truncated here, and locked exclusively: a second run on the same file fails at
    once instead of writing over this one. ``shown``: the file to name in the
    message (default ``path``)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    f = os.fdopen(fd, "r+b")
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            raise FileLocked(f"{what} {shown or path} is in use by another streamstats run "
                             "(an overlapping job?): wait for it to finish") from None
    return f


def is_regular(f: IO[bytes]) -> bool:
    return stat.S_ISREG(os.fstat(f.fileno()).st_mode)


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one regular file (links included), or would."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino) and stat.S_ISREG(sa.st_mode)
