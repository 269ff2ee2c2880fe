"""Smoothing a CSV stream in bounded chunks, per key, by time, resumable exactly.

The input is read in blocks of whole lines (so each block's byte offset and first
line number are known), split in C when its lines are plain (``_csvtext``, the usual
case) and parsed by pyarrow when not, converted and checked here (so a bad value
rejects its line, not the block), and fed to an :class:`~streamstats.OnlineSmoother`
as arrays. Each block's result is CSV text (written in C) whose bytes do not depend
on where the blocks fall (shortest round-trip floats), so a run resumed
from a checkpoint (input offset, smoother state, output bytes) writes exactly what an
uninterrupted run writes.

What the stream promises, whatever the blocks:

- A record is one physical line. A line that cannot be one record (an unbalanced
  quote, bytes that are not UTF-8, more than ``MAX_LINE_BYTES``) is a bad line of its
  own; it never takes the next lines with it.
- Which columns are smoothed is decided per column at its first value (a number:
  smoothed; text: passed through), so a column empty at the start is decided when
  its sensor first reports, not by the first block.
- Missing-value spellings (``NA``, ``null``, ``NaN``, ...) mean "missing" in the
  smoothed columns only; every other column is passed through byte for byte.
- Time stamps are read in one format for the whole stream (``timestamps``).
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pyarrow as pa

from .._core import _steps
from .._core.decay import is_duration
from .._pandas.frame import MISSING_KEY, CodedKeys, plain_key
from .._pandas.online import OnlineSmoother
from .._pandas.registry import PAIRWISE, STATS
from . import _csvtext, arrow
from .checkpoint import (
    TAIL_BYTES,
    CheckpointError,
    read_at,
    read_checkpoint,
    tail_digest,
    write_checkpoint,
)
from .timestamps import TimeFormatError, decide_format, parse_times, show_value

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["StreamOptions", "CsvStream", "Block", "Parsed", "DataError", "UsageError", "Rejected",
           "smooth_csv", "to_csv", "MAX_LINE_BYTES", "CHUNK_BYTES"]

_TIME = "__streamstats_time__"
#: a longer line is a bad line (an error under --on-bad-lines error)
MAX_LINE_BYTES = 64 << 20
#: the largest --chunk-size (a block is held in memory a few times over)
MAX_CHUNK_BYTES = 1 << 30
#: the default block: a block is held a few dozen times over in its parsed, smoothed and
#: formatted forms and the allocator's free lists (about 110 MB above the imports for
#: 1 MiB, 230 MB for 4 MiB), and larger ones are barely faster
CHUNK_BYTES = 1 << 20
#: pandas' missing-value spellings (read_csv's defaults), for the smoothed columns
NA_VALUES = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
             "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
             "nan", "null"]
_NA_SET = arrow.texts(NA_VALUES)
_NA_STRINGS = frozenset(NA_VALUES)
_HEAD_ROWS = 100
_NA_BYTES = tuple(v.encode() for v in NA_VALUES)
#: stamps tried per block to decide the time format (the others wait for a later block)
_TRIES = 100


class UsageError(Exception):
    """The command does not fit the files or the options (exit code 2)."""


class DataError(Exception):
    """The data stopped the run (exit code 1); the message names file, line, column."""


@dataclass
class Rejected:
    """A line left out: its number, why, and its text."""

    line: int
    reason: str
    text: str


@dataclass
class Block:
    """Whole lines of the input: ``data`` (bytes handed to the parser), the number
    of the first line, ``size`` (input bytes it covers: more than ``data`` when an
    over-long line was dropped), lines already rejected while reading, the last
    bytes it covers (for the input's fingerprint) and, after a rotation, the new
    file's header size (the stream restarts there)."""

    data: bytes
    line: int
    size: int
    rejected: list[Rejected] = field(default_factory=list)
    tail: bytes | None = None
    restart: int | None = None

    @cached_property
    def line_ends(self) -> int:
        """The line ends in ``data`` (counted once, by the reader)."""
        return _csvtext.line_ends(self.data)


@dataclass
class StreamOptions:
    """What to smooth and how (the accessor's options plus the stream's)."""

    beta: float | None = None
    alpha: float | None = None
    span: float | None = None
    com: float | None = None
    halflife: float | str | None = None
    stats: tuple[str, ...] = ("mean",)
    bias_correction: bool = True
    adjust: bool | None = None
    ignore_na: bool = False
    min_periods: int = 0
    time_column: str | None = None
    key_column: str | None = None
    columns: list[str] | None = None
    time_format: str | None = None
    on_bad_lines: str = "error"
    late: str = "error"
    chunk_size: int = CHUNK_BYTES

    def __post_init__(self) -> None:
        """Every option checked, and the smoother built once, before any file is
        touched."""
        self.stats = tuple(self.stats)
        for s in self.stats:
            if s not in STATS:
                raise UsageError(f"unknown statistic {s!r}: choose from {', '.join(STATS)}")
            if s in PAIRWISE:
                raise UsageError(f"--stats {s}: the command smooths each column on its own; "
                                 "for pairwise cov/corr use the Python API (df.ewa.cov)")
        if not self.stats or len(set(self.stats)) != len(self.stats):
            raise UsageError(f"--stats must name each statistic once, got {','.join(self.stats)}")
        if self.on_bad_lines not in ("error", "skip", "warn"):
            raise UsageError(f"on_bad_lines must be error, skip or warn, got {self.on_bad_lines!r}")
        if self.late not in ("error", "drop"):
            raise UsageError(f"late must be error or drop, got {self.late!r}")
        if not 1 <= self.chunk_size <= MAX_CHUNK_BYTES:
            raise UsageError(f"chunk_size must be 1 to {MAX_CHUNK_BYTES} bytes, got "
                             f"{self.chunk_size}")
        if self.columns is not None:
            if len(set(self.columns)) != len(self.columns) or not self.columns:
                raise UsageError(f"--columns must name each column once, got {self.columns}")
            for flag, col in (("--time-column", self.time_column),
                              ("--key-column", self.key_column)):
                if col is not None and col in self.columns:
                    raise UsageError(f"--columns names {col!r}, which is the {flag}")
        if self.time_column is not None and self.time_column == self.key_column:
            raise UsageError(f"{self.time_column!r} cannot be both --time-column and "
                             "--key-column")
        if self.time_format is not None and self.time_column is None:
            raise UsageError("--time-format needs --time-column")
        if is_duration(self.halflife) and self.time_column is None:
            raise UsageError(f"--halflife {self.halflife} is a duration: give --time-column "
                             "(or a number of rows)")
        self.smoother(["x"])  # the decay and the statistics' options

    def smoother(self, names: list[str]) -> OnlineSmoother:
        decay = {k: getattr(self, k) for k in ("beta", "alpha", "span", "com", "halflife")
                 if getattr(self, k) is not None}
        try:
            return OnlineSmoother(
                **decay, stats=self.stats, bias_correction=self.bias_correction,
                adjust=self.adjust, ignore_na=self.ignore_na, min_periods=self.min_periods,
                times=_TIME if self.time_column else None, by=self.key_column,
                columns=names)
        except (ValueError, TypeError) as exc:
            raise UsageError(str(exc)) from exc

    def fingerprint(self) -> dict[str, Any]:
        """What a checkpoint must agree with (not the chunk size)."""
        out = asdict(self)
        out.pop("chunk_size")
        out["stats"] = list(self.stats)
        return out


class Parsed(NamedTuple):
    """A block's :meth:`CsvStream.parse`: its rows, its malformed lines (number within
    the block, text), the lines that cannot be records (bad quotes, not UTF-8), where
    its lines are, and each row's key as a code into the block's distinct keys (-1:
    missing)."""

    table: pa.Table
    invalid: list[tuple[int, str]]
    broken: list[Rejected]
    lines: _LineIndex
    codes: np.ndarray
    uniques: list


@dataclass
class Counts:
    read: int = 0
    written: int = 0
    rejected: int = 0
    late: int = 0


@dataclass
class _Position:
    """Where the stream stands: bytes and lines of the input consumed."""

    offset: int = 0
    line: int = 1  # the number of the next line to read (line 1 is the header)
    counts: Counts = field(default_factory=Counts)


class CsvStream:
    """The engine behind ``streamstats smooth`` and :func:`smooth_csv`.

    ``read_header()`` reads the header; ``blocks()`` yields :class:`Block` s of whole
    lines; ``process(block)`` smooths one into an output table (:func:`to_csv` makes
    its CSV lines) and the lines it rejected; ``checkpoint_data()`` is what resumes
    it and ``check_input()`` what a resumed run checks first.

    ``leave_partial_line``: a last line without its line end is left for later (a
    logger may be writing it) rather than read as complete.
    """

    def __init__(self, source: IO[bytes], options: StreamOptions, name: str = "<stdin>",
                 state: dict[str, Any] | None = None, *, path: str | Path | None = None,
                 leave_partial_line: bool = False) -> None:
        self.source, self.options, self.name, self.path = source, options, name, path
        self.leave_partial_line = leave_partial_line
        self.header: list[str] = []  # read by read_header, or from the checkpoint
        self.header_size = 0
        self.kinds: dict[str, str | None] = {}  # candidate column -> number/text/None
        self.layout: list[tuple[str, str | None]] | None = None  # fixed with the header
        self.time_format: str | None = None
        self.smoother: OnlineSmoother | None = None
        self.position = _Position()
        self.tail = b""  # the last input bytes consumed
        self.partial_line: int | None = None  # the line left unfinished at the end
        self._recent = b""  # the last bytes read, to see a followed file rewritten
        self._after_header = b""  # what a restart read past the new file's header
        self.notes: list[str] = []  # what the caller should tell the user
        self.stop = False  # set by a signal handler: finish the block, then stop
        if state is not None:
            self._restore(state)

    # -- checkpoints -------------------------------------------------------------------
    def checkpoint_data(self) -> dict[str, Any]:
        return {
            "options": self.options.fingerprint(),
            "offset": self.position.offset,
            "line": self.position.line,
            "counts": asdict(self.position.counts),
            "header": self.header,
            "header_size": self.header_size,
            "kinds": self.kinds,
            "layout": self.layout,
            "time_format": self.time_format,
            "input_tail": {"bytes": len(self.tail), "sha256": tail_digest(self.tail)},
            "smoother": None if self.smoother is None else self.smoother.to_dict(),
        }

    def _restore(self, state: dict[str, Any]) -> None:
        if state.get("options") != self.options.fingerprint():
            raise UsageError("the checkpoint was written with other options: rerun the same "
                             "command, or remove the checkpoint to start over")
        try:
            counts = Counts(**state["counts"])
            for value in asdict(counts).values():
                if not isinstance(value, int) or value < 0:
                    raise ValueError("counts must be whole numbers >= 0")
            offset, line = state["offset"], state["line"]
            if not (isinstance(offset, int) and isinstance(line, int) and offset > 0
                    and line >= 2):
                raise ValueError(f"offset {offset!r} / line {line!r}")
            header = state["header"]
            if not (isinstance(header, list) and all(isinstance(c, str) for c in header)):
                raise ValueError("header")
            self.position = _Position(offset, line, counts)
            self.header, self.header_size = header, int(state["header_size"])
            self.kinds = dict(state["kinds"])
            self.layout = (None if state["layout"] is None
                           else [(c, s) for c, s in state["layout"]])
            self.time_format = state["time_format"]
            tail = state["input_tail"]
            self._expected_tail = (int(tail["bytes"]), str(tail["sha256"]))
            if state["smoother"] is not None:
                self.smoother = OnlineSmoother.from_dict(state["smoother"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CheckpointError(f"the checkpoint is damaged ({type(exc).__name__}: {exc}): "
                                  "remove it to start over") from None

    def check_input(self) -> None:
        """On resume: the input must still be the file the checkpoint read (same
        header, same bytes just before the offset, at least that long); a rotated,
        replaced or truncated file is refused. Leaves the source at the offset."""
        offset = self.position.offset
        size, digest = self._expected_tail
        start = max(0, offset - size)
        got = read_at(self.source, start, offset - start)
        if len(got) < offset - start:
            raise UsageError(f"{self.name} is shorter than where the checkpoint stopped "
                             f"(byte {offset}): it was truncated or rotated; remove the "
                             "checkpoint to start over")
        head = read_at(self.source, 0, self.header_size)
        if (_split_header(head.decode("utf-8-sig", "replace").rstrip("\r\n")) != self.header
                or tail_digest(got) != digest):
            raise UsageError(f"{self.name} is not the file the checkpoint was reading (its "
                             "header or the bytes before the checkpoint differ: rotated, "
                             "replaced or edited?); remove the checkpoint to start over")
        self.tail = got
        self._recent = got[-64:]
        self.source.seek(offset)

    # -- reading -----------------------------------------------------------------------
    def _read(self, size: int) -> bytes:
        """What the source has, up to ``size`` bytes, without waiting for more (a
        pipe returns what has arrived)."""
        read1 = getattr(self.source, "read1", None)
        return read1(size) if read1 is not None else self.source.read(size)

    def read_header(self) -> bytes:
        """The header line (the source is at the start); returns bytes read past it."""
        data = bytearray()
        while True:
            more = self._read(min(self.options.chunk_size, 1 << 16))
            data += more
            if not more or b"\n" in more:
                break
            if len(data) > MAX_LINE_BYTES:
                raise DataError(f"{self.name}, line 1: no line end in the first "
                                f"{MAX_LINE_BYTES} bytes (is this a CSV file?)")
        self._recent = bytes(data[-64:])
        line, newline, rest = bytes(data).partition(b"\n")
        self._set_header(line)
        self.header_size = len(line) + len(newline)
        self.position.offset = self.header_size
        self.position.line = 2
        self.tail = (line + newline)[-TAIL_BYTES:]
        return rest

    def _set_header(self, line: bytes) -> None:
        if not line.strip():
            raise DataError(f"{self.name}: the file is empty (no header line)")
        try:
            text = line.decode("utf-8-sig").rstrip("\r")
        except UnicodeDecodeError as exc:
            raise DataError(f"{self.name}, line 1: the header is not UTF-8 text (byte "
                            f"{exc.start}): convert the file to UTF-8") from None
        if "\r" in text:
            raise DataError(f"{self.name}, line 1: a carriage return inside the line: the "
                            "file ends its lines with CR alone; convert it (e.g. mac2unix)")
        try:
            header = _split_header(text)
        except csv.Error as exc:
            raise DataError(f"{self.name}, line 1: the header is not CSV ({exc})") from None
        if self.header and header != self.header:
            raise DataError(f"{self.name}: the new file's header {header} differs from the "
                            f"stream's {self.header}")
        self.header = header
        self._check_columns()

    def _check_columns(self) -> None:
        o, header = self.options, self.header
        if len(set(header)) != len(header):
            raise UsageError(f"{self.name}: the header repeats a column name: {header}")
        for flag, col in (("--time-column", o.time_column), ("--key-column", o.key_column)):
            if col is not None and col not in header:
                raise UsageError(f"{self.name}: {flag} {col!r} is not a column (header: "
                                 f"{', '.join(header)})")
        for col in o.columns or []:
            if col not in header:
                raise UsageError(f"{self.name}: --columns names {col!r}, which is not a column "
                                 f"(header: {', '.join(header)})")
        if not self.kinds:
            if o.columns is not None:
                self.kinds = {c: "number" for c in o.columns}
            else:
                self.kinds = {c: None for c in header if c not in (o.time_column, o.key_column)}
            if not self.kinds:
                raise UsageError(f"{self.name}: no column to smooth (only time and key columns)")

    def blocks(self, rest: bytes = b"", follow: bool = False, poll: float = 0.2
               ) -> Iterator[Block]:
        """Blocks of whole lines; with ``follow``, waits for more at the end until
        ``stop``, and starts over on a file that was truncated or replaced
        (rotation), as ``tail -F`` does."""
        line, pending = self.position.line, bytearray()
        data, idle = rest, False  # the bytes read past the header come first
        while True:
            if data:
                cut = data.rfind(b"\n") + 1
                if cut:  # the lines read to their end (one copy at most)
                    head = data if cut == len(data) else data[:cut]
                    block = Block(bytes(pending) + head if pending else head, line,
                                  len(pending) + cut)
                    pending = bytearray(data[cut:])
                    yield block
                    line += block.line_ends
                    if self.stop:
                        return
                    data = b""
                    continue
                pending += data
                if len(pending) > MAX_LINE_BYTES:
                    block, data = self._drop_long_line(pending, line)
                    pending = bytearray()
                    yield block
                    line += 1
                    continue
            restart = self._switched(idle) if follow else None
            if restart is not None:  # a new file (or the same one rewritten): its start
                if pending:
                    self.notes.append(f"{self.name}, line {line}: an unfinished last line "
                                      "was dropped when the file changed")
                yield restart
                line, pending, data = 2, bytearray(), self._after_header
                continue
            data = self._read(self.options.chunk_size)
            idle = not data
            if data:
                if follow:
                    self._recent = (self._recent + data)[-64:]
                continue
            if follow and not self.stop:
                time.sleep(poll)
                continue
            if pending:
                if self.leave_partial_line:
                    self.partial_line = line
                else:
                    yield Block(bytes(pending), line, len(pending))
            return

    def _drop_long_line(self, pending: bytearray, line: int) -> tuple[Block, bytes]:
        """A line longer than ``MAX_LINE_BYTES``: an error, or read to its end and
        given as a bad line (the block holds an empty line in its place); also
        returns the bytes read past its end."""
        if self.options.on_bad_lines == "error":
            raise DataError(f"{self.name}, line {line}: longer than {MAX_LINE_BYTES} bytes")
        reject = Rejected(line, f"longer than {MAX_LINE_BYTES} bytes",
                          bytes(pending[:60]).decode("utf-8", "replace") + "...")
        size, last = len(pending), bytes(pending[-TAIL_BYTES:])
        while True:
            data = self._read(self.options.chunk_size)
            end = data.find(b"\n")
            if not data or end >= 0:  # no line end at all: the rest is that line
                taken = data[: end + 1] if data else b""
                last = (last + taken)[-TAIL_BYTES:]
                return (Block(b"\n", line, size + len(taken), [reject], tail=last),
                        data[len(taken):])
            size += len(data)
            last = (last + data)[-TAIL_BYTES:]

    def _switched(self, idle: bool) -> Block | None:
        """When following a path: a file truncated under the reader (shorter than
        what was read, or other bytes where the last ones read were), or, once the
        old file is read to its end, a new file at the path (a rename rotation), is
        read again from its start, after its header (which must be the stream's).
        Returns the block that restarts the stream there, or None."""
        if self.path is None or (not self._recent and not idle):
            return None
        here = self.source.tell()
        if self._recent and (
                os.fstat(self.source.fileno()).st_size < here
                or read_at(self.source, here - len(self._recent), len(self._recent))
                != self._recent):
            why = "truncated"
        elif idle:
            try:
                now = os.stat(self.path)
            except OSError:
                return None  # between the rename and the new file: wait
            was = os.fstat(self.source.fileno())
            if (now.st_dev, now.st_ino) == (was.st_dev, was.st_ino) or now.st_size == 0:
                return None
            self.source.close()
            self.source = open(self.path, "rb")
            why = "replaced (rotated)"
        else:
            return None
        self.notes.append(f"{self.name} was {why}: reading the new file from its start")
        self.source.seek(0)
        self._after_header = self.read_header()
        return Block(b"", 2, self.header_size, tail=self.tail, restart=self.header_size)

    def parse(self, block: Block) -> Parsed:
        """The block's rows (smoothed columns known to be numbers as float64, the rest
        as text exactly as written), its malformed lines (number within the block,
        text), the lines that cannot be records at all (bad quotes, not UTF-8), where
        its lines are, and its rows' keys. Safe to run in another thread."""
        table, invalid, broken, lines = self._records(block)
        return Parsed(table, invalid, broken, lines, *self._keys(table))

    def _records(self, block: Block) -> tuple[pa.Table, list[tuple[int, str]], list[Rejected],
                                               _LineIndex]:
        data = block.data
        header = self.header
        numbers = {c for c, kind in self.kinds.items() if kind == "number"}
        table = self._split_plain(block, numbers)
        if table is not None:  # the usual block
            return table, [], [], _LineIndex(None, table.num_rows)
        lines = _LineIndex(data)
        if not lines.records:  # only blank lines
            return arrow.table([arrow.texts([])] * len(header), header), [], [], lines
        import pyarrow.compute as pc  # (the usual block needs none: see _first_value)

        table, invalid = _read_block(data, header, numbers)
        if table is None or any(pc.any(pc.is_inf(table.column(c))).as_py() for c in numbers):
            # a bad value among the numbers: as text, so that each is shown as written
            table, invalid = _read_block(data, header, set())
        if table is None or table.num_rows + len(invalid) != lines.records:
            # a quote or byte problem spilled over line ends: confine it to its line
            data, broken = lines.without_broken(data, block.line)
            table, invalid = _read_block(data, header, set())
            if table is None or table.num_rows + len(invalid) + len(broken) != lines.records:
                raise DataError(f"{self.name}, lines {block.line}-{lines.last(block.line)}: "
                                "cannot be split into records")
            return table, invalid, broken, lines
        return table, invalid, [], lines

    def _split_plain(self, block: Block, numbers: set[str]) -> pa.Table | None:
        """A block of plain lines split in C (``numbers``: the columns read as
        float64), or None for any other block."""
        plain = _csvtext.split(block.data, bytes(c in numbers for c in self.header),
                               _NA_BYTES, block.line_ends)
        return None if plain is None else _plain_table(plain, self.header)

    def process(self, block: Block, parsed: Any = None
                ) -> tuple[pa.Table | None, list[Rejected]]:
        """Smooth one block (``parsed``: its :meth:`parse`, if done already): the
        output rows as a table (None if none) and the lines it left out.

        The steps: the rows and their line numbers; the columns decided; the values
        and stamps checked (bad lines); late stamps; the smoother; the position."""
        if block.restart is not None:  # a new file after a rotation
            self.position.offset, self.position.line = block.restart, 2
            self.tail = block.tail or b""
            return None, []
        table, invalid, broken, index, codes, uniques = (
            parsed if parsed is not None else self.parse(block))
        lines = index.numbers(block.line, {n for n, _ in invalid}, table.num_rows)
        rejected = [*block.rejected, *broken]
        rejected += [Rejected(block.line + n - 1, f"expected {len(self.header)} fields, got "
                              f"{_field_count(text)}", text) for n, text in invalid]
        self.position.counts.read += table.num_rows + len(rejected)
        self._decide_kinds(table, lines)
        numbers = {c for c, kind in self.kinds.items() if kind == "number"}
        if index.starts is None and any(not pa.types.is_floating(table.column(c).type)
                                        for c in numbers):
            # split before a column was known to hold numbers (a first block): again, so
            # that they are read in C as in every later block (not by pyarrow.compute)
            resplit = self._split_plain(block, numbers)
            table = table if resplit is None else resplit
        if table.num_rows and self.smoother is None:
            self.smoother = self.options.smoother(
                [c for c, kind in self.kinds.items() if kind != "text"])
        smoothed: list[str] = self.smoother.params["columns"] if self.smoother else []
        texts = _Lines(block.data, block.line)
        values, times, bad = self._checked(table, smoothed, lines, texts, rejected)
        late = self._late(times, codes, uniques, ~bad)
        if late.any():
            self._refuse_or_drop_late(late, lines, codes, uniques, texts, rejected)
        keep = ~bad & ~late
        result = self._smoothed(values, times, codes, uniques, keep, block)
        counts = self.position.counts
        counts.rejected += sum(r.reason != "late time stamp" for r in rejected)
        counts.late += int(late.sum())
        counts.written += int(keep.sum())
        self.position.offset += block.size
        self.position.line = block.line + block.line_ends
        self.tail = _tail(self.tail, block)
        out = None if result is None else self._output_table(table, keep, result)
        return out, sorted(rejected, key=lambda r: r.line)

    def _checked(self, table: pa.Table, smoothed: list[str], lines: np.ndarray,
                 texts: _Lines, rejected: list[Rejected]
                 ) -> tuple[dict[str, np.ndarray], np.ndarray | None, np.ndarray]:
        """The values of the smoothed columns and the stamps, and which rows are bad
        lines (added to ``rejected``; with ``--on-bad-lines error`` the first stops
        the run)."""
        n = table.num_rows
        bad = np.zeros(n, dtype=bool)
        reasons: dict[int, str] = {}
        values = {}
        for col in smoothed:
            if self.kinds[col] == "number":
                x, why = _numbers(table.column(col), col)
                _mark(bad, reasons, why)
            else:  # text, or no value yet: missing
                x = np.full(n, np.nan)
            values[col] = x
        times = None
        if self.options.time_column and n:
            times, why = self._times(table.column(self.options.time_column), lines)
            _mark(bad, reasons, why)
        rejected += [Rejected(int(lines[i]), reasons[int(i)], texts[lines[i]])
                     for i in np.flatnonzero(bad)]
        if rejected and self.options.on_bad_lines == "error":
            first = min(rejected, key=lambda r: r.line)
            raise DataError(f"{self.name}, line {first.line}: {first.reason}")
        return values, times, bad

    def _refuse_or_drop_late(self, late: np.ndarray, lines: np.ndarray, codes: np.ndarray,
                             uniques: list, texts: _Lines, rejected: list[Rejected]) -> None:
        """``--late error``: stop at the first late stamp; ``drop``: reject them."""
        if self.options.late == "error":
            i = int(np.flatnonzero(late)[0])
            key = uniques[codes[i]] if codes[i] >= 0 else None
            who = f" for key {key!r}" if self.options.key_column else ""
            raise DataError(f"{self.name}, line {int(lines[i])}, column "
                            f"{self.options.time_column!r}: time stamp earlier than the "
                            f"last one{who}")
        rejected += [Rejected(int(lines[i]), "late time stamp", texts[lines[i]])
                     for i in np.flatnonzero(late)]

    def _smoothed(self, values: dict[str, np.ndarray], times: np.ndarray | None,
                  codes: np.ndarray, uniques: list, keep: np.ndarray, block: Block
                  ) -> dict[Any, np.ndarray] | None:
        """The kept rows through the smoother, by output column (None if no row is
        kept)."""
        if not keep.any():
            return None
        whole = bool(keep.all())
        keys = None
        if self.options.key_column:
            keys = CodedKeys(codes if whole else codes[keep], uniques)
        assert self.smoother is not None  # made for the first block with rows
        try:
            return self.smoother.update_arrays(
                {c: v if whole else v[keep] for c, v in values.items()}, keys=keys,
                times=None if times is None else times if whole else times[keep])
        except ValueError as exc:
            raise DataError(f"{self.name}, lines {block.line}-{_last_line(block)}: "
                            f"{exc}") from exc

    def _decide_kinds(self, table: pa.Table, lines: np.ndarray) -> None:
        """Each undecided column is decided at its first value: smoothed if it is a
        number, passed through if it is text."""
        for col, kind in self.kinds.items():
            if kind is not None or table.num_rows == 0:
                continue
            column = table.column(col)
            where = _first_value(column)
            if where < 0:
                continue
            value = column[where].as_py()
            try:
                float(value)
                self.kinds[col] = "number"
            except ValueError:
                self.kinds[col] = "text"
                if self.layout is not None and len(self.options.stats) > 1 and any(
                        c == col and s is not None for c, s in self.layout):
                    raise DataError(
                        f"{self.name}, line {int(lines[where])}, column {col!r}: "
                        f"{show_value(value)} is text, but the column had no value before and "
                        "its statistics are already in the output header: name the columns "
                        "to smooth with --columns") from None
                self.notes.append(f"column {col!r} is passed through as text (line "
                                  f"{int(lines[where])}: {show_value(value)} is not a number)")

    def _layout(self) -> list[tuple[str, str | None]]:
        """The output columns: (input column, statistic or None for text passed
        through), in the input's order; a column to smooth (or not decided yet)
        becomes one column per statistic. Fixed when the header is written."""
        if self.layout is None:
            stats = self.options.stats
            self.layout = [(c, s) for c in self.header
                           for s in (stats if self.kinds.get(c, "text") != "text" else (None,))]
        return self.layout

    def output_names(self) -> list[str]:
        """The output's column names (fixing the layout, if not yet)."""
        one = len(self.options.stats) == 1
        return [c if s is None or one else f"{c}_{s}" for c, s in self._layout()]

    def output_header(self) -> bytes:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow(self.output_names())
        return text.getvalue().encode()

    def _output_table(self, table: pa.Table, keep: np.ndarray,
                      result: dict[Any, np.ndarray]) -> pa.Table:
        rows = None if keep.all() else arrow.positions(keep)
        one = len(self.options.stats) == 1
        arrays = []
        for c, s in self._layout():
            if s is None or self.kinds.get(c) == "text":  # text: exactly as it came in
                column = table.column(c)
                arrays.append(column if rows is None else column.take(rows))
            else:  # NaN stays NaN (a missing value): the writer leaves it empty
                arrays.append(arrow.floats(result[c if one else (c, s)]))
        return arrow.table(arrays, [f"c{i}" for i in range(len(arrays))])

    def _times(self, column: pa.ChunkedArray, lines: np.ndarray
               ) -> tuple[np.ndarray, dict[int, str]]:
        import pyarrow.compute as pc

        name = self.options.time_column
        column = column.combine_chunks()
        if self.time_format is None:  # decided at the first stamp that is one
            present = pc.cast(pc.utf8_length(pc.utf8_trim_whitespace(column)), pa.bool_())
            for i in np.flatnonzero(arrow.to_numpy(present))[:_TRIES]:
                try:
                    self.time_format = decide_format(column[int(i)].as_py().strip(),
                                                     self.options.time_format)
                except TimeFormatError as exc:
                    raise UsageError(f"{self.name}, line {int(lines[i])}, column {name!r}: "
                                     f"{exc}") from None
                if self.time_format is not None:
                    first = column[int(i)].as_py().strip()
                    if self.time_format == "seconds" and abs(float(first)) > 1e11:
                        self.notes.append(
                            f"column {name!r}: time stamps are read as seconds, and "
                            f"{first} seconds is {float(first) / 3.15576e7:,.0f} years: "
                            "milliseconds? give --halflife in those units, or convert")
                    break
            if self.time_format is None:  # none yet: every row of the block is bad
                text = column.to_pylist()
                return np.zeros(len(column)), {
                    i: f"column {name!r}: {show_value(v)} is not a time stamp"
                    for i, v in enumerate(text)}
        values, why = parse_times(column, self.time_format)
        return values, {i: f"column {name!r}: {reason}" for i, reason in why.items()}

    def _keys(self, table: pa.Table) -> tuple[np.ndarray, list]:
        """Each row's key as a code into the block's distinct keys (-1: missing, an
        empty field); without a key column, one key for all."""
        if not self.options.key_column:
            return np.zeros(table.num_rows, dtype=np.intp), [()]
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(table.column(self.options.key_column)).combine_chunks()
        codes = arrow.to_numpy(encoded.indices).astype(np.intp)
        uniques = encoded.dictionary.to_pylist()
        if "" in uniques:  # an empty field: the missing key
            codes[codes == uniques.index("")] = -1
        return codes, uniques

    def _late(self, times: np.ndarray | None, codes: np.ndarray, uniques: list,
              keep: np.ndarray) -> np.ndarray:
        """Rows whose time stamp is earlier than the last one of their key."""
        if times is None or not keep.any():
            return np.zeros(len(keep), dtype=bool)
        t = times.view(np.int64) if times.dtype.kind == "M" else times
        if self.options.key_column:
            known = [*(plain_key(u) for u in uniques), MISSING_KEY]  # code -1: the last slot
        else:
            known = [()]
        last = self.smoother.last_times(known) if self.smoother is not None else None
        if last is None:
            low = np.iinfo(np.int64).min if t.dtype.kind == "i" else -np.inf
            last = np.full(len(known), low, dtype=t.dtype)
        return _late_rows(t, codes, last.astype(t.dtype), keep)


def _last_line(block: Block) -> int:
    return block.line + max(block.line_ends - 1, 0)


def _tail(tail: bytes, block: Block) -> bytes:
    if block.tail is not None:
        return (tail + block.tail)[-TAIL_BYTES:] if len(block.tail) < TAIL_BYTES else block.tail
    if len(block.data) >= TAIL_BYTES:
        return block.data[-TAIL_BYTES:]
    return (tail + block.data)[-TAIL_BYTES:]


def _read_block(data: bytes, header: list[str], numbers: set[str]
                ) -> tuple[pa.Table | None, list[tuple[int, str]]]:
    """Arrow's parse of a block (None if Arrow refuses it) and its rows with the
    wrong number of fields. Columns in ``numbers`` are read as float64 with the
    missing-value spellings; every other column as text, exactly as written."""
    import pyarrow.csv as pa_csv

    invalid: list[tuple[int, str]] = []

    def handler(row: Any) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    types = {c: pa.float64() if c in numbers else pa.string() for c in header}
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=header, use_threads=False,
                                            block_size=len(data) + 1),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=handler),
            convert_options=pa_csv.ConvertOptions(column_types=types, null_values=NA_VALUES,
                                                  strings_can_be_null=False,
                                                  quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None, []
    return table, invalid


def _plain_table(columns: list[Any], header: list[str]) -> pa.Table:
    """The table of a block split in C (``_csvtext.split``): float64 values, or the
    offsets and bytes of text, by column."""
    first = columns[0]
    rows = len(first) // 8 if isinstance(first, bytes) else len(first[0]) // 4 - 1
    arrays = [pa.Array.from_buffers(pa.float64(), rows, [None, pa.py_buffer(part)])
              if isinstance(part, bytes) else
              pa.Array.from_buffers(pa.string(), rows, [None, *map(pa.py_buffer, part)])
              for part in columns]
    return arrow.table(arrays, header)


class _LineIndex:
    """Where a block's lines start and end, and which of them hold a record (None
    for a block of ``rows`` records, one a line, as a block split in C is)."""

    def __init__(self, data: bytes | None, rows: int = 0) -> None:
        if data is None:
            self.starts, self.records = None, rows
            return
        raw = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(raw == 10)
        if len(ends) == 0 or ends[-1] != len(raw) - 1:
            ends = np.append(ends, len(raw))
        self.starts = np.concatenate([[0], ends[:-1] + 1])
        self.ends = ends
        length = ends - self.starts
        carriage = (length > 0) & (raw[np.maximum(ends - 1, 0)] == 13)
        self.empty = (length == 0) | ((length == 1) & carriage)
        self.records = int((~self.empty).sum())

    def numbers(self, first_line: int, invalid: set[int], rows: int) -> np.ndarray:
        """The file line number of each parsed row: the non-empty lines, less the
        invalid ones (numbered from 1 within the block)."""
        if rows == 0:
            return np.zeros(0, dtype=np.int64)
        if self.starts is None:
            return np.arange(first_line, first_line + rows)
        numbers = np.arange(1, len(self.starts) + 1)
        valid = ~self.empty
        if invalid:
            valid &= ~np.isin(numbers, list(invalid))
        return first_line - 1 + numbers[valid]

    def last(self, first_line: int) -> int:
        return first_line + (self.records if self.starts is None else len(self.starts)) - 1

    def without_broken(self, data: bytes, first_line: int) -> tuple[bytes, list[Rejected]]:
        """The block with every line that cannot be a record on its own (an
        unbalanced quote, not UTF-8) blanked, and those lines as rejects."""
        assert self.starts is not None  # (a block split in C has no such line)
        broken = []
        for i in np.flatnonzero(~self.empty):
            s, e = int(self.starts[i]), int(self.ends[i])
            raw = data[s:e]
            reason = None
            try:
                text = raw.decode("utf-8").rstrip("\r")
            except UnicodeDecodeError as exc:
                text = raw.decode("utf-8", "replace").rstrip("\r")
                reason = f"not UTF-8 text (byte {exc.start + 1} of the line)"
            if reason is None and '"' in text:
                try:
                    next(csv.reader([text], strict=True))
                except csv.Error as exc:
                    reason = f"a quote is not closed on its line ({exc})"
            if reason is not None:
                broken.append((s, e, Rejected(first_line + int(i), reason, text)))
        if not broken:
            return data, []
        # blank the broken lines, keeping every line end (so line numbers stay)
        pieces, at = [], 0
        for s, e, _ in broken:
            pieces.append(data[at:s])
            at = e
        pieces.append(data[at:])
        return b"".join(pieces), [r for _, _, r in broken]


def _late_rows(t: np.ndarray, codes: np.ndarray, last: np.ndarray, keep: np.ndarray
               ) -> np.ndarray:
    """Kept rows whose stamp is before their key's last one (``last`` per code, the
    missing key last; updated as rows go by)."""
    late = np.empty(t.shape[0], dtype=bool)
    _steps.late_rows(t, codes, last, keep, late)
    return late


def to_csv(table: pa.Table) -> bytes:
    """A block's output rows as CSV lines: floats in their shortest round-trip form
    (plain for 1e-6 <= |x| < 1e10, else with an exponent, as Arrow's writer has it),
    a missing value as an empty field, text exactly as it came in (quoted only when
    it must be: a comma, a quote or a line end in it); a row of one empty field is
    written ``""``. Written in C (``_csvtext``), without the GIL."""
    if table.num_rows == 0:
        return b""
    columns: list[Any] = []
    for chunked in table.columns:
        # (one chunk, as the stream makes them: no call that would hand the GIL over)
        column = chunked.chunk(0) if chunked.num_chunks == 1 else chunked.combine_chunks()
        if pa.types.is_floating(column.type):
            columns.append(arrow.to_numpy(column))  # (float64: the stream reads no other)
            continue
        if column.type != pa.string():
            column = column.cast(pa.string())
        validity, offsets, data = column.buffers()
        columns.append((offsets, data, column.offset, validity))
    return _csvtext.rows(columns, table.num_rows)


def _split_header(text: str) -> list[str]:
    return next(csv.reader([text]))


def _field_count(text: str) -> int:
    try:
        return len(next(csv.reader([text])))
    except (csv.Error, StopIteration):
        return 0


def _numbers(column: pa.ChunkedArray, name: str) -> tuple[np.ndarray, dict[int, str]]:
    """float64 values (missing = NaN: a null or a missing-value spelling) and, by
    row, why a value is not a finite number."""
    if pa.types.is_floating(column.type):  # read as numbers: finite (see parse)
        return arrow.to_numpy(column), {}
    else:
        import pyarrow.compute as pc

        column = column.combine_chunks()
        # (no Python values in these calls: pyarrow would import pandas to convert them)
        missing = pc.or_(pc.is_in(column, value_set=_NA_SET), pc.is_null(column))
        present = pc.if_else(missing, pa.nulls(1, pa.string())[0], column)
        try:
            values = arrow.to_numpy(pc.cast(present, pa.float64()))
            bad = np.zeros(len(values), dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # some text: find it
            import pandas as pd

            series = present.to_pandas()
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
            bad = np.isnan(values) & series.notna().to_numpy()
        text = column
    why = {}
    for i in np.flatnonzero(bad | np.isinf(values)):
        kind = "not a number" if bad[i] else "infinite"
        why[int(i)] = f"column {name!r}: {show_value(text[int(i)].as_py())} is {kind}"
    return values, why


def _first_value(column: pa.ChunkedArray) -> int:
    """The row of a text column's first value (not null, not a missing-value spelling
    once trimmed), or -1. The first rows decide nearly every column: they are looked
    at in Python, which spares the command pyarrow.compute's import (20 ms)."""
    for i, value in enumerate(column.slice(0, _HEAD_ROWS).to_pylist()):
        if value is not None and value.strip() not in _NA_STRINGS:
            return i
    if len(column) <= _HEAD_ROWS:
        return -1
    import pyarrow.compute as pc

    present = pc.invert(pc.is_in(pc.utf8_trim_whitespace(column), value_set=_NA_SET))
    found = np.flatnonzero(arrow.to_numpy(pc.and_kleene(present, pc.is_valid(column))))
    return int(found[0]) if found.size else -1


def _mark(bad: np.ndarray, reasons: dict[int, str], why: dict[int, str]) -> None:
    for i, reason in why.items():
        if not bad[i]:
            bad[i] = True
            reasons[i] = reason


class _Lines:
    """The text of a block's lines by file line number (split on first use)."""

    def __init__(self, block: bytes, first_line: int) -> None:
        self.block, self.first_line = block, first_line
        self.lines: list[bytes] | None = None

    def __getitem__(self, number: int) -> str:
        if self.lines is None:
            self.lines = self.block.split(b"\n")
        lines = self.lines
        index = int(number) - self.first_line
        text = lines[index] if 0 <= index < len(lines) else b""
        return text.decode("utf-8", "replace").rstrip("\r")


def smooth_csv(source: str | Path | IO[bytes], *, checkpoint: str | Path | None = None,
               follow: bool = False, **options: Any) -> Iterator[pd.DataFrame]:
    """Smooth a CSV file (or binary file object) in bounded chunks; yields each
    chunk's smoothed rows as a DataFrame (the input's columns in order, smoothed
    ones replaced by their statistics, the rest as text exactly as read).

    Parameters
    ----------
    source : path or binary file object
    checkpoint : path, optional
        A chunk counts as taken when the caller comes back for the next one (or
        the iteration ends): the checkpoint is saved then, never for a chunk whose
        consumer raised or stopped. A new call with the same arguments continues
        after the last chunk taken. A last line without its line end is left for
        the next call (a logger may be writing it).
    follow : bool
        Keep waiting for lines appended to the file (stop by closing the iterator).
    **options
        As :class:`StreamOptions`: ``beta`` (or ``alpha``, ``span``, ``com``,
        ``halflife``), ``stats``, ``bias_correction``, ``adjust``, ``ignore_na``,
        ``min_periods``, ``time_column``, ``time_format``, ``key_column``,
        ``columns``, ``on_bad_lines``, ``late``, ``chunk_size``.

    Examples
    --------
    >>> import io
    >>> from streamstats import smooth_csv
    >>> data = io.BytesIO(b"sensor,x\\na,1\\nb,10\\na,3\\n")
    >>> for chunk in smooth_csv(data, beta=0.5, key_column="sensor"):
    ...     print(chunk)
      sensor          x
    0      a   1.000000
    1      b  10.000000
    2      a   2.333333
    """
    try:
        opts = StreamOptions(**options)
    except TypeError as exc:
        raise TypeError(f"smooth_csv: {exc}") from None
    except UsageError as exc:
        raise ValueError(str(exc)) from None
    ckpt = Path(checkpoint) if checkpoint is not None else None
    try:
        state = read_checkpoint(ckpt) if ckpt is not None else None
    except CheckpointError as exc:
        raise ValueError(str(exc)) from None
    path = source if isinstance(source, str | os.PathLike) else None
    f: IO[bytes] = open(path, "rb") if path is not None else source  # type: ignore[assignment]
    stream = None
    try:
        stream = CsvStream(f, opts, str(path) if path is not None else getattr(
                           f, "name", "<stream>"), state, path=path,
                           leave_partial_line=ckpt is not None)
        rest = b""
        if state is None:
            rest = stream.read_header()
        else:
            stream.check_input()
        for block in stream.blocks(rest, follow):
            out, _ = stream.process(block)
            if out is not None:
                # a GeneratorExit or the caller's exception ends us here: unsaved
                yield out.rename_columns(stream.output_names()).to_pandas()
            if ckpt is not None:  # the caller came back: it has this chunk
                write_checkpoint(ckpt, stream.checkpoint_data())
        if ckpt is not None:
            write_checkpoint(ckpt, stream.checkpoint_data())
    finally:
        if path is not None:  # after a rotation the stream reads another file object
            (f if stream is None else stream.source).close()
