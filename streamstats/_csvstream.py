"""Smoothing a CSV stream in bounded chunks, per key, by time, resumable exactly.

The input is read in blocks of whole lines (so each block's byte offset and first
line number are known), parsed by pyarrow with every column as text, converted and
checked here (so a bad value rejects its line, not the block), and fed to an
:class:`~streamstats.OnlineSmoother`. Each block's result is CSV text whose bytes do
not depend on where the blocks fall (shortest round-trip floats), so a run resumed
from a checkpoint (input offset, smoother state, output bytes) writes exactly what an
uninterrupted run writes.

A record must fit on one line (no newlines inside quoted fields).
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from numba import njit

from ._frame import MISSING_KEY, plain_key
from ._online import OnlineSmoother
from ._stats import STATS

__all__ = ["StreamOptions", "CsvStream", "DataError", "UsageError", "Rejected", "smooth_csv"]

_TIME = "__streamstats_time__"


class UsageError(Exception):
    """The command does not fit the file (exit code 2)."""


class DataError(Exception):
    """The data stopped the run (exit code 1); the message names file, line, column."""


@dataclass
class Rejected:
    """A line left out: its number, why, and its text."""

    line: int
    reason: str
    text: str


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
    on_bad_lines: str = "error"
    late: str = "error"
    chunk_size: int = 4 << 20

    def __post_init__(self) -> None:
        self.stats = tuple(self.stats)
        for s in self.stats:
            if s not in STATS:
                raise UsageError(f"unknown statistic {s!r}: choose from {', '.join(STATS)}")
        if self.on_bad_lines not in ("error", "skip", "warn"):
            raise UsageError(f"on_bad_lines must be error, skip or warn, got {self.on_bad_lines!r}")
        if self.late not in ("error", "drop"):
            raise UsageError(f"late must be error or drop, got {self.late!r}")
        if self.chunk_size < 1:
            raise UsageError(f"chunk_size must be >= 1 byte, got {self.chunk_size}")

    def smoother(self, names: list[str]) -> OnlineSmoother:
        decay = {k: getattr(self, k) for k in ("beta", "alpha", "span", "com", "halflife")
                 if getattr(self, k) is not None}
        try:
            return OnlineSmoother(
                **decay, stats=self.stats, bias_correction=self.bias_correction,
                adjust=self.adjust, ignore_na=self.ignore_na, min_periods=self.min_periods,
                times=_TIME if self.time_column else None, by=self.key_column, columns=names)
        except (ValueError, TypeError) as exc:
            raise UsageError(str(exc)) from exc

    def fingerprint(self) -> dict[str, Any]:
        """What a checkpoint must agree with (not the chunk size)."""
        out = asdict(self)
        out.pop("chunk_size")
        out["stats"] = list(self.stats)
        return out


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

    ``read_header()`` reads the header; ``blocks()`` yields blocks of whole lines;
    ``process(block)`` smooths one into an output table (:func:`to_csv` makes its
    CSV lines) and the lines it rejected; ``checkpoint_data()`` is what resumes it.
    """

    def __init__(self, source: IO[bytes], options: StreamOptions, name: str = "<stdin>",
                 state: dict[str, Any] | None = None) -> None:
        self.source, self.options, self.name = source, options, name
        self.header: list[str] | None = None
        self.names: list[str] | None = None  # the columns smoothed
        self.time_kind: str | None = None
        self.smoother: OnlineSmoother | None = None
        self.position = _Position()
        self.stop = False  # set by a signal handler: finish the block, then stop
        if state is not None:
            self._restore(state)

    # -- checkpoints -------------------------------------------------------------------
    def checkpoint_data(self) -> dict[str, Any]:
        return {
            "version": 1,
            "options": self.options.fingerprint(),
            "offset": self.position.offset,
            "line": self.position.line,
            "counts": asdict(self.position.counts),
            "header": self.header,
            "names": self.names,
            "time_kind": self.time_kind,
            "smoother": None if self.smoother is None else self.smoother.to_dict(),
        }

    def _restore(self, state: dict[str, Any]) -> None:
        if state.get("options") != self.options.fingerprint():
            raise UsageError("the checkpoint was written with other options: rerun the same "
                             "command, or remove the checkpoint to start over")
        self.position = _Position(state["offset"], state["line"], Counts(**state["counts"]))
        self.header, self.names = state["header"], state["names"]
        self.time_kind = state["time_kind"]
        if state["smoother"] is not None:
            self.smoother = OnlineSmoother.from_dict(state["smoother"])

    # -- reading -----------------------------------------------------------------------
    def read_header(self) -> bytes:
        """The header line (the source is at the start); returns bytes read past it."""
        data = b""
        while b"\n" not in data:
            more = self.source.read(min(self.options.chunk_size, 1 << 16))
            if not more:
                break
            data += more
        if not data.strip():
            raise DataError(f"{self.name}: the file is empty (no header line)")
        line, newline, rest = data.partition(b"\n")
        self.position.offset = len(line) + len(newline)
        self.position.line = 2
        self.header = _split_header(line.decode("utf-8-sig").rstrip("\r"))
        self._check_columns()
        return rest

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

    def blocks(self, rest: bytes = b"", follow: bool = False, poll: float = 0.2
               ) -> Iterator[tuple[bytes, int]]:
        """Blocks of whole lines with the number of their first line (``rest``: bytes
        already read); with ``follow``, waits for more at the end until ``stop``."""
        line = self.position.line
        while True:
            data = self.source.read(self.options.chunk_size)
            if not data:
                if follow and not self.stop:
                    time.sleep(poll)
                    continue
                if rest and not follow:  # a last line without a newline (when following,
                    yield rest, line     # it may still be being written: leave it)
                return
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            rest = data[cut:]
            yield data[:cut], line
            line += data.count(b"\n", 0, cut)
            if self.stop:
                return

    def parse(self, block: bytes) -> tuple[pa.Table, list[tuple[int, str]]]:
        """The block's rows as text columns, and its malformed lines (number within
        the block, text). Safe to run in another thread."""
        invalid: list[tuple[int, str]] = []

        def handler(row: Any) -> str:
            invalid.append((row.number, row.text))
            return "skip"

        header = self.header
        if not block.strip():  # only blank lines (or the end of a file with just a header)
            return pa.table({c: pa.array([], pa.string()) for c in header}), invalid

        def read(numbers: set) -> pa.Table:
            types = {c: pa.float64() if c in numbers else pa.string() for c in header}
            return pa_csv.read_csv(
                io.BytesIO(block),
                read_options=pa_csv.ReadOptions(column_names=header, use_threads=False),
                parse_options=pa_csv.ParseOptions(invalid_row_handler=handler),
                convert_options=pa_csv.ConvertOptions(column_types=types,
                                                      strings_can_be_null=True))

        # once the numeric columns are known, Arrow parses them as numbers; a block
        # with a bad value among them is read again as text, to find the bad lines
        try:
            return read(set(self.names or ())), invalid
        except pa.ArrowInvalid:
            invalid.clear()
            return read(set()), invalid

    def process(self, block: bytes, first_line: int, parsed: Any = None
                ) -> tuple[pa.Table | None, list[Rejected]]:
        """Smooth one block (``parsed``: its :meth:`parse`, if done already): the
        output rows as a table (None if none) and the lines it left out."""
        table, invalid = parsed if parsed is not None else self.parse(block)
        header = self.header
        lines = _line_numbers(block, first_line, {n for n, _ in invalid}, table.num_rows)
        rejected = [Rejected(first_line + n - 1, f"expected {len(header)} fields", text)
                    for n, text in invalid]
        n = table.num_rows
        self.position.counts.read += n + len(invalid)
        if self.names is None:
            self._learn_columns(table)
        bad = np.zeros(n, dtype=bool)
        reasons: dict[int, str] = {}
        values = {}
        for col in self.names:
            x, why = _numbers(table.column(col), col)
            values[col] = x
            _mark(bad, reasons, why)
        times = None
        if self.options.time_column:
            times, why = self._times(table.column(self.options.time_column))
            _mark(bad, reasons, why)
        texts = _Lines(block, first_line)
        rejected += [Rejected(int(lines[i]), reasons[i], texts[lines[i]])
                     for i in np.flatnonzero(bad)]
        if rejected and self.options.on_bad_lines == "error":
            first = min(rejected, key=lambda r: r.line)
            raise DataError(f"{self.name}, line {first.line}: {first.reason}")
        keep = ~bad
        codes, uniques = self._keys(table)
        late = self._late(times, codes, uniques, keep)
        if late.any():
            i = int(np.flatnonzero(late)[0])
            if self.options.late == "error":
                key = uniques[codes[i]] if codes[i] >= 0 else None
                who = f" for key {key!r}" if self.options.key_column else ""
                raise DataError(f"{self.name}, line {int(lines[i])}, column "
                                f"{self.options.time_column!r}: time stamp earlier than the "
                                f"last one{who}")
            rejected += [Rejected(int(lines[i]), "late time stamp", texts[lines[i]])
                         for i in np.flatnonzero(late)]
            keep &= ~late
        whole = bool(keep.all())
        frame = pd.DataFrame({c: values[c] if whole else values[c][keep] for c in self.names})
        if self.options.key_column:
            frame[self.options.key_column] = pd.Categorical.from_codes(
                codes if whole else codes[keep], categories=uniques)
        if times is not None:
            frame[_TIME] = times[keep]
        if self.smoother is None:
            self.smoother = self.options.smoother(self.names)
        try:
            result = self.smoother.update(frame) if len(frame) else None
        except ValueError as exc:
            raise DataError(f"{self.name}, lines {first_line}-{first_line + n}: {exc}") from exc
        counts = self.position.counts
        counts.rejected += sum(r.reason != "late time stamp" for r in rejected)
        counts.late += int(late.sum())
        counts.written += int(keep.sum())
        self.position.offset += len(block)
        self.position.line = first_line + block.count(b"\n")
        out = None if result is None else self._output_table(table, keep, result)
        return out, sorted(rejected, key=lambda r: r.line)

    def _layout(self) -> list[tuple[str, str | None]]:
        """The output columns: (input column, statistic or None for text passed
        through), in the input's order; a smoothed column becomes one column per
        statistic."""
        stats, smoothed = self.options.stats, set(self.names)
        return [(c, s) for c in self.header for s in (stats if c in smoothed else (None,))]

    def output_header(self) -> bytes:
        one = len(self.options.stats) == 1
        names = [c if s is None or one else f"{c}_{s}" for c, s in self._layout()]
        return (",".join(_quote(n) for n in names) + "\n").encode()

    def _output_table(self, table: pa.Table, keep: np.ndarray, result: pd.DataFrame
                      ) -> pa.Table:
        mask = None if keep.all() else pa.array(keep)
        values = result.to_numpy()
        stats = self.options.stats
        where = {(c, s): j for j, (c, s) in
                 enumerate((c, s) for c in self.names for s in stats)}
        arrays = [(table.column(c) if mask is None else table.column(c).filter(mask))
                  if s is None
                  else pa.array(values[:, where[(c, s)]], from_pandas=True)
                  for c, s in self._layout()]
        return pa.table(arrays, names=[f"c{i}" for i in range(len(arrays))])

    def _learn_columns(self, table: pa.Table) -> None:
        o = self.options
        if o.columns is not None:
            self.names = list(o.columns)
        elif table.num_rows == 0:  # nothing to tell numbers from text: take them all
            self.names = [c for c in self.header if c not in (o.time_column, o.key_column)]
        else:
            skip = {o.time_column, o.key_column}
            self.names = [c for c in self.header if c not in skip and _numeric(table.column(c))]
        if not self.names:
            raise UsageError(f"{self.name}: no numeric column to smooth (give --columns)")
        if o.time_column:
            column = table.column(o.time_column).drop_null()
            self.time_kind = "s" if len(column) and _numeric(column) else "ns"

    def _times(self, column: pa.ChunkedArray) -> tuple[np.ndarray, dict[int, str]]:
        name = self.options.time_column
        if self.time_kind == "s":
            values, why = _numbers(column, name)
            return values, why
        values = None
        for target in (pa.timestamp("ns"), pa.timestamp("ns", "UTC")):
            try:
                values = pc.cast(column, target).to_numpy(zero_copy_only=False)
                break
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
        if values is None:  # not ISO 8601: let pandas find the format
            parsed = pd.to_datetime(column.to_pandas(), utc=True, errors="coerce")
            values = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
        values = values.astype("datetime64[ns]", copy=False)
        why = {int(i): f"column {name!r}: {_show(column[int(i)].as_py())} is not a time stamp"
               for i in np.flatnonzero(np.isnat(values))}
        return values, why

    def _keys(self, table: pa.Table) -> tuple[np.ndarray, list]:
        """Each row's key as a code into the block's distinct keys (-1: missing);
        without a key column, one key for all."""
        if not self.options.key_column:
            return np.zeros(table.num_rows, dtype=np.intp), [()]
        encoded = pc.dictionary_encode(table.column(self.options.key_column)).combine_chunks()
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
        return codes, encoded.dictionary.to_pylist()

    def _late(self, times: np.ndarray | None, codes: np.ndarray, uniques: list,
              keep: np.ndarray) -> np.ndarray:
        """Rows whose time stamp is earlier than the last one of their key."""
        if times is None or not keep.any():
            return np.zeros(len(keep), dtype=bool)
        t = times.view(np.int64) if times.dtype.kind == "M" else times
        low = np.iinfo(np.int64).min if t.dtype.kind == "i" else -np.inf
        streams = None if self.smoother is None else self.smoother._streams
        last = {} if streams is None else dict(zip(streams.keys, streams.last.tolist()))
        if self.options.key_column:
            known = [*(plain_key(u) for u in uniques), MISSING_KEY]  # code -1: the last slot
        else:
            known = [()]
        prev = np.array([last.get(k, low) for k in known], dtype=t.dtype)
        return _late_rows(t, codes, prev, keep)


@njit(cache=True, nogil=True)
def _late_rows(t, codes, last, keep):
    """Kept rows whose stamp is before their key's last one (``last`` per code, the
    missing key last; updated as rows go by)."""
    late = np.zeros(t.shape[0], dtype=np.bool_)
    for i in range(t.shape[0]):
        if keep[i]:
            c = codes[i]
            if t[i] < last[c]:
                late[i] = True
            else:
                last[c] = t[i]
    return late


def to_csv(table: pa.Table) -> bytes:
    """A block's output rows as CSV lines (floats in their shortest round-trip form,
    a missing value as an empty field)."""
    buf = io.BytesIO()
    pa_csv.write_csv(table, buf, pa_csv.WriteOptions(include_header=False,
                                                     quoting_style="needed"))
    data = buf.getvalue()
    if table.num_columns == 1 and data:  # one column: a missing value is not a blank line
        data = b"\n".join(line or b'""' for line in data[:-1].split(b"\n")) + b"\n"
    return data


def _split_header(text: str) -> list[str]:
    import csv

    return next(csv.reader([text]))


def _quote(name: str) -> str:
    return f'"{name}"' if any(c in name for c in ',"\n') else name


def _numeric(column: pa.ChunkedArray) -> bool:
    """Whether a text column holds numbers: at least half of its values parse (the
    others are then bad values of their lines, not a reason to drop the column)."""
    present = column.drop_null()
    if len(present) == 0:
        return False
    try:
        pc.cast(present, pa.float64())
        return True
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = pd.to_numeric(present.to_pandas(), errors="coerce")
        return bool(parsed.notna().mean() >= 0.5)


def _numbers(column: pa.ChunkedArray, name: str) -> tuple[np.ndarray, dict[int, str]]:
    """float64 values (missing = NaN) and, by row, why a value is not a finite number."""
    try:
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        bad = np.zeros(len(values), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # some text: find it
        text = column.to_pandas()
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        said_nan = text.str.strip().str.lower().eq("nan").fillna(False).to_numpy(dtype=bool)
        bad = np.isnan(values) & text.notna().to_numpy() & ~said_nan
    why = {}
    for i in np.flatnonzero(bad | np.isinf(values)):
        kind = "not a number" if bad[i] else "infinite"
        why[int(i)] = f"column {name!r}: {_show(str(column[int(i)].as_py()))} is {kind}"
    return values, why


def _mark(bad: np.ndarray, reasons: dict[int, str], why: dict[int, str]) -> None:
    for i, reason in why.items():
        if not bad[i]:
            bad[i] = True
            reasons[i] = reason


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "...'"


def _line_numbers(block: bytes, first_line: int, invalid: set[int], rows: int) -> np.ndarray:
    """The file line number of each parsed row: the block's non-empty lines, less
    the invalid ones (numbered from 1 within the block)."""
    if rows == 0:
        return np.zeros(0, dtype=np.int64)
    raw = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    if len(ends) == 0 or ends[-1] != len(raw) - 1:
        ends = np.append(ends, len(raw))
    starts = np.concatenate([[0], ends[:-1] + 1])
    length = ends - starts
    carriage = (length > 0) & (raw[np.maximum(ends - 1, 0)] == 13)
    empty = (length == 0) | ((length == 1) & carriage)
    numbers = np.arange(1, len(starts) + 1)
    valid = ~empty & ~np.isin(numbers, list(invalid))
    found = first_line - 1 + numbers[valid]
    if len(found) != rows:  # a quoted field spans lines: numbers are approximate
        found = first_line + np.arange(rows)
    return found


class _Lines:
    """The text of a block's lines by file line number (split on first use)."""

    def __init__(self, block: bytes, first_line: int) -> None:
        self.block, self.first_line, self.lines = block, first_line, None

    def __getitem__(self, number: int) -> str:
        if self.lines is None:
            self.lines = self.block.split(b"\n")
        index = int(number) - self.first_line
        text = self.lines[index] if 0 <= index < len(self.lines) else b""
        return text.decode("utf-8", "replace").rstrip("\r")


def write_checkpoint(path: Path, data: dict[str, Any]) -> None:
    """Atomically: a temporary file, fsync, rename, fsync of the folder."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def smooth_csv(source: str | Path | IO[bytes], *, checkpoint: str | Path | None = None,
               follow: bool = False, **options: Any) -> Iterator[pd.DataFrame]:
    """Smooth a CSV file (or binary file object) in bounded chunks; yields each
    chunk's smoothed rows as a DataFrame (time and key columns as read, then the
    statistics).

    Parameters
    ----------
    source : path or binary file object
    checkpoint : path, optional
        Saved once the caller has a chunk (when it asks for the next one, or closes
        the iterator); a new call with the same arguments continues after it.
    follow : bool
        Keep waiting for lines appended to the file (stop by closing the iterator).
    **options
        As :class:`StreamOptions`: ``beta`` (or ``alpha``, ``span``, ``com``,
        ``halflife``), ``stats``, ``bias_correction``, ``adjust``, ``ignore_na``,
        ``min_periods``, ``time_column``, ``key_column``, ``columns``,
        ``on_bad_lines``, ``late``, ``chunk_size``.

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
    opts = StreamOptions(**options)
    state = None
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if ckpt is not None and ckpt.exists():
        state = json.loads(ckpt.read_text())
    own = not hasattr(source, "read")
    f = open(source, "rb") if own else source  # noqa: SIM115
    try:
        stream = CsvStream(f, opts, str(source) if own else getattr(f, "name", "<stream>"),
                           state)
        rest = b""
        if state is None:
            rest = stream.read_header()
        else:
            f.seek(stream.position.offset)
        for block, line in stream.blocks(rest, follow):
            out, _ = stream.process(block, line)
            try:
                if out is not None:
                    names = _split_header(stream.output_header().decode().rstrip("\n"))
                    yield out.rename_columns(names).to_pandas()
            finally:  # the caller came back for more, or closed us: it has this chunk
                if ckpt is not None:
                    write_checkpoint(ckpt, stream.checkpoint_data())
    finally:
        if own:
            f.close()
