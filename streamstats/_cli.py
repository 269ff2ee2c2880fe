"""The ``streamstats`` command: ``smooth`` a CSV stream, or run the ``demo``.

Exit codes: 0 success, 1 the data stopped the run, 2 a usage error; 130 / 143 after
SIGINT / SIGTERM (a checkpoint is saved first).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from ._csvstream import (
    CsvStream,
    DataError,
    StreamOptions,
    UsageError,
    to_csv,
    write_checkpoint,
)

__all__ = ["main"]


def _decay_value(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # a duration such as "5min"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streamstats",
        description="Exponentially weighted statistics of CSV streams, per key, by time.")
    sub = parser.add_subparsers(dest="command", required=True)
    sm = sub.add_parser("smooth", help="smooth a CSV file or standard input",
                        description="Smooth the numeric columns of a CSV stream in bounded "
                        "chunks; one series per --key-column, decaying by --time-column.")
    sm.add_argument("input", help="CSV path, or - for standard input")
    sm.add_argument("-o", "--output", help="CSV path (default: standard output)")
    decay = sm.add_mutually_exclusive_group(required=True)
    decay.add_argument("--beta", type=float, help="weight on the past (the lecture's beta)")
    decay.add_argument("--alpha", type=float, help="weight on the new value, 1 - beta")
    decay.add_argument("--span", type=float)
    decay.add_argument("--com", type=float)
    decay.add_argument("--halflife", type=_decay_value,
                       help="rows, or a duration such as 5min with --time-column")
    sm.add_argument("--stats", default="mean",
                    help="comma-separated: mean,var,std,second_moment (default mean)")
    sm.add_argument("--no-bias-correction", action="store_true",
                    help="the lecture's raw v_t from zero instead of v_t / (1 - beta**t)")
    adjust = sm.add_mutually_exclusive_group()
    adjust.add_argument("--adjust", dest="adjust", action="store_const", const=True)
    adjust.add_argument("--no-adjust", dest="adjust", action="store_const", const=False,
                        help="pandas' seeded form (adjust=False)")
    sm.add_argument("--ignore-na", action="store_true")
    sm.add_argument("--min-periods", type=int, default=0)
    sm.add_argument("--time-column")
    sm.add_argument("--key-column", help="one independent series per value (sensor id)")
    sm.add_argument("--columns", help="comma-separated (default: every numeric column)")
    sm.add_argument("--follow", action="store_true",
                    help="keep reading as the file grows, until SIGINT/SIGTERM")
    sm.add_argument("--checkpoint", type=Path,
                    help="save the state here; rerunning the command resumes from it")
    sm.add_argument("--checkpoint-every", type=int, default=100_000, metavar="ROWS")
    sm.add_argument("--on-bad-lines", choices=("error", "skip", "warn"), default="error")
    sm.add_argument("--rejects", type=Path, help="write the rejected lines here (CSV)")
    sm.add_argument("--late", choices=("error", "drop"), default="error",
                    help="a time stamp earlier than the last one of its key")
    sm.add_argument("--chunk-size", type=int, default=4 << 20, metavar="BYTES")
    sm.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    demo = sub.add_parser("demo", help="smooth the data that ship with streamstats")
    demo.add_argument("--out", type=Path, default=Path("streamstats-demo"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            from ._demo import run_demo

            run_demo(args.out)
            return 0
        return _smooth(args)
    except UsageError as exc:
        print(f"streamstats: error: {exc}", file=sys.stderr)
        return 2
    except DataError as exc:
        print(f"streamstats: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _options(args: argparse.Namespace) -> StreamOptions:
    if args.checkpoint_every < 1:
        raise UsageError(f"--checkpoint-every must be >= 1, got {args.checkpoint_every}")
    if args.min_periods < 0:
        raise UsageError(f"--min-periods must be >= 0, got {args.min_periods}")
    return StreamOptions(
        beta=args.beta, alpha=args.alpha, span=args.span, com=args.com, halflife=args.halflife,
        stats=tuple(s.strip() for s in args.stats.split(",") if s.strip()),
        bias_correction=not args.no_bias_correction, adjust=args.adjust,
        ignore_na=args.ignore_na, min_periods=args.min_periods, time_column=args.time_column,
        key_column=args.key_column,
        columns=None if args.columns is None else [c.strip() for c in args.columns.split(",")],
        on_bad_lines=args.on_bad_lines, late=args.late, chunk_size=args.chunk_size)


class _Signals:
    """SIGINT/SIGTERM ask the stream to stop after the block in hand."""

    def __init__(self, stream: CsvStream) -> None:
        self.received: int | None = None
        self.stream = stream
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        self.received = signum
        self.stream.stop = True


def _smooth(args: argparse.Namespace) -> int:
    opts = _options(args)
    if args.checkpoint and (args.input == "-" or args.output is None):
        raise UsageError("--checkpoint needs a file INPUT and -o OUTPUT (they are reopened "
                         "and truncated on resume)")
    state = None
    if args.checkpoint and args.checkpoint.exists():
        state = json.loads(args.checkpoint.read_text())
    if args.input == "-":
        source: IO[bytes] = sys.stdin.buffer
        name, size = "<stdin>", None
    else:
        try:
            source = open(args.input, "rb")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"{args.input}: {exc.strerror}") from exc
        name, size = args.input, os.fstat(source.fileno()).st_size
    stream = CsvStream(source, opts, name, state)
    rest = b""
    if state is None:
        rest = stream.read_header()
        out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
        rejects = open(args.rejects, "wb") if args.rejects else None  # noqa: SIM115
    else:  # resume: drop whatever was written after the checkpoint
        source.seek(stream.position.offset)
        out = _reopen(Path(args.output), state["output_bytes"])
        rejects = _reopen(args.rejects, state.get("rejects_bytes", 0)) if args.rejects else None
    if rejects is not None and rejects.tell() == 0:
        rejects.write(b"line,reason,text\n")
    signals = _Signals(stream)
    progress = _progress(args, size, stream.position.offset)

    def commit() -> None:
        out.flush()
        if rejects is not None:
            rejects.flush()
        if args.checkpoint:
            os.fsync(out.fileno())
            if rejects is not None:
                os.fsync(rejects.fileno())
            write_checkpoint(args.checkpoint, {
                **stream.checkpoint_data(), "output_bytes": out.tell(),
                "rejects_bytes": rejects.tell() if rejects is not None else 0})

    since = 0
    writer = _Writer(out)
    header_done = state is not None

    def emit(table: Any) -> None:
        nonlocal header_done
        if not header_done:  # the columns are known after the first block
            writer.put(stream.output_header())
            header_done = True
        writer.put(table)

    try:
        for block, line, parsed in _prefetched(stream, rest, args.follow):
            table, rejected = stream.process(block, line, parsed)
            emit(table)
            _report(rejected, rejects, args.on_bad_lines == "warn", name)
            if progress is not None:
                progress.update(len(block))
            since += stream.position.line - line  # the lines the block held
            if args.checkpoint and since >= args.checkpoint_every:
                writer.drain()
                commit()
                since = 0
            if stream.stop:
                break
        if stream.names is None:  # no data line at all: the header alone
            stream.process(b"", stream.position.line)
        emit(None)
        writer.drain()
        commit()
    finally:
        writer.close()
        if progress is not None:
            progress.close()
        if out is not sys.stdout.buffer:
            out.close()
        if rejects is not None:
            rejects.close()
        if source is not sys.stdin.buffer:
            source.close()
    if not args.quiet:
        c = stream.position.counts
        print(f"streamstats: {name}: {c.read} rows read, {c.written} written, {c.rejected} "
              f"rejected, {c.late} late", file=sys.stderr)
    return 0 if signals.received is None else 128 + signals.received


def _prefetched(stream: CsvStream, rest: bytes, follow: bool
                ) -> Iterator[tuple[bytes, int, Any]]:
    """The stream's blocks, each read and parsed by a second thread while the
    previous one is smoothed (pyarrow releases the GIL)."""
    items: queue.Queue = queue.Queue(maxsize=2)

    def work() -> None:
        try:
            for block, line in stream.blocks(rest, follow):
                items.put((block, line, stream.parse(block)))
        except BaseException as exc:  # handed to the consumer
            items.put(exc)
        items.put(None)

    threading.Thread(target=work, daemon=True, name="streamstats-reader").start()
    while (item := items.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item


class _Writer:
    """Formats and writes the output in a second thread; ``drain`` waits until all
    of it is written (before a checkpoint records the output's size)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.error = out, None
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="streamstats-format")
        self.items: queue.Queue = queue.Queue(maxsize=4)
        self.thread = threading.Thread(target=self._work, daemon=True, name="streamstats-writer")
        self.thread.start()

    def _work(self) -> None:
        while True:
            item = self.items.get()
            try:
                if item is _DONE:
                    return
                if self.error is None:
                    self.out.write(item if isinstance(item, bytes) else self._format(item))
            except BaseException as exc:
                self.error = exc
            finally:
                self.items.task_done()

    def _format(self, table: Any) -> bytes:
        """CSV lines of a table, the two halves formatted side by side (pyarrow's
        writer releases the GIL; formatting floats is the stream's largest cost)."""
        if table.num_rows < 50_000:
            return to_csv(table)
        half = table.num_rows // 2
        second = self.pool.submit(to_csv, table.slice(half))
        return to_csv(table.slice(0, half)) + second.result()

    def put(self, table: Any) -> None:
        if self.error is not None:
            raise self.error
        if table is not None:
            self.items.put(table)

    def drain(self) -> None:
        self.items.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.items.put(_DONE)
        self.thread.join()
        self.pool.shutdown()


_DONE = object()


def _reopen(path: Path, size: int) -> IO[bytes]:
    """Open for appending after truncating to ``size`` bytes (what was committed)."""
    f = open(path, "r+b" if path.exists() else "w+b")  # noqa: SIM115
    f.truncate(size)
    f.seek(size)
    return f


def _report(rejected: list, rejects: IO[bytes] | None, warn: bool, name: str) -> None:
    import csv
    import io

    if not rejected:
        return
    if rejects is not None:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        for r in rejected:
            writer.writerow([r.line, r.reason, r.text])
        rejects.write(text.getvalue().encode())
    if warn:
        for r in rejected:
            print(f"streamstats: warning: {name}, line {r.line}: {r.reason}", file=sys.stderr)


def _progress(args: argparse.Namespace, size: int | None, start: int):
    if args.quiet or size is None or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=size, initial=start, unit="B", unit_scale=True, file=sys.stderr,
                desc=Path(args.input).name)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
