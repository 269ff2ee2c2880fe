"""The ``streamstats`` command: ``smooth`` a CSV stream, or run the ``demo``.

Exit codes: 0 success; 1 the data stopped the run (or a file could not be written);
2 the command cannot run as given: a bad option, a missing file, two paths naming one
file, a checkpoint that does not fit its files, another run holding the output;
130 / 143 after SIGINT / SIGTERM (a checkpoint is saved first); 141 when the reader
of standard output went away.
"""

from __future__ import annotations

import argparse
import gc
import os
import queue
import signal
import sys
import threading
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from .checkpoint import (
    TAIL_BYTES,
    CheckpointError,
    FileLocked,
    is_regular,
    open_locked,
    read_at,
    read_checkpoint,
    remove_stale_temporaries,
    same_file,
    tail_digest,
    write_checkpoint,
)
from .stream import CHUNK_BYTES, CsvStream, DataError, StreamOptions, UsageError, to_csv

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
    sm.add_argument("--time-format",
                    help="strftime format of the time stamps (default: decided at the first "
                    "stamp: numbers are seconds, ISO 8601, or a format that cannot swap day "
                    "and month)")
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
    sm.add_argument("--chunk-size", type=int, default=CHUNK_BYTES, metavar="BYTES",
                    help="bytes read per block (default 1 MiB); memory grows with it")
    sm.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    demo = sub.add_parser("demo", help="smooth the data that ship with streamstats")
    demo.add_argument("--out", type=Path, default=Path("streamstats-demo"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if argv is None:
        # the program: what is imported lives to its end, so the cyclic garbage
        # collector need not walk it again at every block (it took 6% of a run)
        gc.freeze()
    try:
        if args.command == "demo":
            from .demo import run_demo

            if args.out.exists() and not args.out.is_dir():
                raise UsageError(f"--out {args.out} is a file, not a folder")
            run_demo(args.out)
            return 0
        return _smooth(args)
    except (UsageError, CheckpointError, FileLocked) as exc:
        print(f"streamstats: error: {exc}", file=sys.stderr)
        return 2
    except DataError as exc:
        print(f"streamstats: error: {exc}", file=sys.stderr)
        return 1
    except _Stopped as exc:  # a signal before any data was read
        return 128 + exc.signum
    except BrokenPipeError:  # `streamstats smooth ... | head`: the reader has enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a pipe closed under a command
    except OSError as exc:  # disk full, a file that cannot be written, ...
        # a write without a file name is the output's (the checkpoint's is named)
        name = exc.filename or getattr(args, "output", None) or "<stdout>"
        where = f"{name}: " if args.command == "smooth" or exc.filename else ""
        print(f"streamstats: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1


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
        key_column=args.key_column, time_format=args.time_format,
        columns=None if args.columns is None else [c.strip() for c in args.columns.split(",")],
        on_bad_lines=args.on_bad_lines, late=args.late, chunk_size=args.chunk_size)


class _Stopped(Exception):
    def __init__(self, signum: int) -> None:
        self.signum = signum


class _Signals:
    """SIGINT/SIGTERM ask the stream to stop after the block in hand (a checkpoint
    is saved); before the header is read they stop at once, and so does a second
    signal."""

    def __init__(self, stream: CsvStream) -> None:
        self.received: int | None = None
        self.stream = stream
        self.started = False  # set once data is being read: stop cleanly from then on
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.received is not None:  # asked twice: go now
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        self.received = signum
        self.stream.stop = True
        if not self.started:
            raise _Stopped(signum)


def _check_paths(args: argparse.Namespace) -> None:
    """Before anything is opened for writing: the input exists, every file to write
    can be written, and no two of input, output, rejects and checkpoint are one
    file (a run would destroy its own input or output)."""
    if args.checkpoint and (args.input == "-" or args.output is None):
        raise UsageError("--checkpoint needs a file INPUT and -o OUTPUT (they are reopened "
                         "and checked on resume)")
    named = [("INPUT", args.input if args.input != "-" else None), ("-o", args.output),
             ("--rejects", args.rejects), ("--checkpoint", args.checkpoint)]
    named = [(flag, Path(p)) for flag, p in named if p is not None]
    for flag, path in named:
        if flag == "INPUT":
            if not path.exists():
                raise UsageError(f"{path}: no such file")
            if path.is_dir():
                raise UsageError(f"{path} is a folder, not a CSV file")
            continue
        if path.is_dir():
            raise UsageError(f"{flag} {path} is a folder, not a file")
        if not path.parent.is_dir():
            raise UsageError(f"{flag} {path}: the folder {path.parent} does not exist")
    for i, (flag_a, a) in enumerate(named):
        for flag_b, b in named[i + 1:]:
            if same_file(a, b):
                raise UsageError(f"{flag_a} and {flag_b} are the same file ({a}): give each "
                                 "its own")


def _smooth(args: argparse.Namespace) -> int:
    """The command: options and paths checked, files opened (closed in reverse
    order whatever happens), the stream run, the summary."""
    opts = _options(args)  # every option checked before any file is touched
    _check_paths(args)
    with ExitStack() as files:
        state = None
        if args.checkpoint:
            # one run per checkpoint: a lock beside it (the checkpoint itself is
            # replaced at every save, so it cannot hold one)
            files.enter_context(open_locked(_lock_path(args.checkpoint), "the checkpoint",
                                            args.checkpoint))
            state = read_checkpoint(args.checkpoint)
        source, name, size = _open_input(args)
        stream = CsvStream(source, opts, name, state, path=None if args.input == "-" else
                           args.input, leave_partial_line=args.checkpoint is not None)
        files.callback(lambda: stream.source.close())  # after a rotation: another file
        signals = _Signals(stream)
        rest = stream.read_header() if state is None else b""
        output = _Output.open(args, state, stream, files)
        signals.started = True
        progress = _progress(args, size, stream.position.offset)
        if progress is not None:
            files.callback(progress.close)
        blocks = _prefetched(stream, rest, args.follow)
        files.callback(blocks.close)  # the reader stops before its file is closed
        # following, or reading a pipe: the rows go out as they come in
        live = args.follow or not is_regular(source)
        since = 0
        for block, parsed in blocks:
            line = stream.position.line
            table, rejected = stream.process(block, parsed)
            output.rows(table)
            output.report(rejected, args.on_bad_lines == "warn")
            _tell(stream, args.quiet)
            if progress is not None:
                progress.update(block.size)
            since += stream.position.line - line  # the lines the block held
            if args.checkpoint and since >= args.checkpoint_every:
                output.commit()
                since = 0
            elif live:
                output.flush()
            if stream.stop:
                break
        if not args.checkpoint:  # a file of a header only: the header, final
            output.header()
        output.commit()
        if stream.partial_line is not None and not args.quiet:
            print(f"streamstats: note: {name}, line {stream.partial_line} has no line end "
                  "yet: left for the next run", file=sys.stderr)
        _tell(stream, args.quiet)
    if not args.quiet:
        c = stream.position.counts
        print(f"streamstats: {name}: {c.read} rows read, {c.written} written, {c.rejected} "
              f"rejected, {c.late} late", file=sys.stderr)
    return 0 if signals.received is None else 128 + signals.received


def _lock_path(checkpoint: Path) -> Path:
    return checkpoint.with_name(f".{checkpoint.name}.lock")


def _open_input(args: argparse.Namespace) -> tuple[IO[bytes], str, int | None]:
    """The input, its name for messages and its size (None for a pipe)."""
    if args.input == "-":
        # unbuffered: a read returns what the pipe has, and holds no lock that
        # would stop the interpreter from exiting while it waits
        stdin = open(sys.stdin.fileno(), "rb", buffering=0, closefd=False)
        return stdin, "<stdin>", None
    try:
        source = open(args.input, "rb")
    except OSError as exc:
        raise UsageError(f"{args.input}: {exc.strerror}") from exc
    return source, args.input, os.fstat(source.fileno()).st_size


class _Output:
    """The output and rejects files of a run and its checkpoint: opened locked
    (and checked against the checkpoint on resume), written by a writer thread,
    committed (fsync, then the checkpoint that counts them)."""

    def __init__(self, args: argparse.Namespace, stream: CsvStream, out: IO[bytes],
                 rejects: IO[bytes] | None, files: ExitStack) -> None:
        self.args, self.stream, self.out, self.rejects = args, stream, out, rejects
        self.writer = _Writer(out)
        files.callback(self.writer.close)
        # a checkpoint holds the layout once the header is out
        self.header_done = stream.layout is not None

    @classmethod
    def open(cls, args: argparse.Namespace, state: dict[str, Any] | None, stream: CsvStream,
             files: ExitStack) -> _Output:
        if state is not None:  # refused before a missing file is made anew
            for path, saved, what in ((args.output, state.get("output"), "the output"),
                                      (args.rejects, state.get("rejects"), "the rejects file")):
                if path and saved and not Path(path).exists():
                    raise UsageError(f"{what} {path} is missing, the checkpoint counts "
                                     f"{saved.get('bytes')} bytes in it: put it back, or "
                                     "remove the checkpoint to start over")
        out = sys.stdout.buffer
        if args.output:
            out = files.enter_context(open_locked(args.output, "the output"))
        rejects = None
        if args.rejects:
            rejects = files.enter_context(open_locked(args.rejects, "the rejects file"))
        if state is None:
            for f in (out, rejects):
                if f is not None and f is not sys.stdout.buffer and is_regular(f):
                    f.truncate(0)
        else:
            stream.check_input()
            _resume(out, state.get("output"), "the output", args.output)
            if rejects is not None:
                _resume(rejects, state.get("rejects"), "the rejects file", args.rejects)
        if args.checkpoint:
            remove_stale_temporaries(args.checkpoint)
        if rejects is not None and rejects.tell() == 0:
            rejects.write(b"line,reason,text\n")
        return cls(args, stream, out, rejects, files)

    def rows(self, table: Any) -> None:
        """A block's output rows (None: none), after the header the first time: the
        columns are decided with the first rows."""
        if table is not None:
            self.header()
            self.writer.put(table)

    def header(self) -> None:
        if not self.header_done:
            self.writer.put(self.stream.output_header())
            self.header_done = True

    def report(self, rejected: list, warn: bool) -> None:
        _report(rejected, self.rejects, warn, self.stream.name)

    def flush(self) -> None:
        """Everything written so far, out of the buffers (a live reader sees it)."""
        self.writer.drain()
        self.out.flush()
        if self.rejects is not None:
            self.rejects.flush()

    def commit(self) -> None:
        """Flush, and with a checkpoint: fsync, then the checkpoint counting it."""
        self.flush()
        checkpoint = self.args.checkpoint
        if not checkpoint:
            return
        os.fsync(self.out.fileno())
        if self.rejects is not None:
            os.fsync(self.rejects.fileno())
        data = {**self.stream.checkpoint_data(), "output": _fingerprint(self.out),
                "rejects": _fingerprint(self.rejects) if self.rejects is not None else None}
        try:
            write_checkpoint(checkpoint, data)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(checkpoint)) from exc


def _fingerprint(f: IO[bytes]) -> dict[str, Any]:
    """The committed size of an output and the hash of its last bytes."""
    size = f.tell()
    start = max(0, size - TAIL_BYTES)
    return {"bytes": size, "sha256": tail_digest(read_at(f, start, size - start))}


def _resume(f: IO[bytes], saved: dict[str, Any] | None, what: str, path: str) -> None:
    """Cut an output back to what the checkpoint committed, once it is sure the
    file is the one the checkpoint wrote (not removed, shortened or replaced)."""
    if saved is None:  # not written by the checkpointed run (e.g. --rejects added)
        f.truncate(0)
        return
    try:
        size, digest = int(saved["bytes"]), str(saved["sha256"])
    except (KeyError, TypeError, ValueError):
        raise CheckpointError("the checkpoint is damaged (its output record): remove it to "
                              "start over") from None
    if is_regular(f):
        have = os.fstat(f.fileno()).st_size
        start = max(0, size - TAIL_BYTES)
        if have < size or tail_digest(read_at(f, start, size - start)) != digest:
            why = (f"has {have} bytes where the checkpoint counts {size}" if have < size
                   else "is not the file the checkpoint wrote")
            raise UsageError(f"{what} {path} {why}: it was removed, shortened or replaced "
                             "since; put it back, or remove the checkpoint to start over")
        f.truncate(size)
    f.seek(size)


def _tell(stream: CsvStream, quiet: bool) -> None:
    while stream.notes:
        note = stream.notes.pop(0)
        if not quiet:
            print(f"streamstats: note: {note}", file=sys.stderr)


def _prefetched(stream: CsvStream, rest: bytes, follow: bool
                ) -> Generator[tuple[Any, Any], None, None]:
    """The stream's blocks, each read and parsed by a second thread while the
    previous one is smoothed (pyarrow releases the GIL). Waiting for input (a
    pipe, --follow) does not keep a stop request from being seen. Closing the
    iterator stops the reader and waits for it, so no thread is left inside a read
    of a file about to be closed."""
    items: queue.Queue = queue.Queue(maxsize=2)
    done = threading.Event()

    def put(item: Any) -> None:
        while not done.is_set():
            try:
                items.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def work() -> None:
        try:
            for block in stream.blocks(rest, follow):
                put((block, stream.parse(block) if block.restart is None else None))
                if done.is_set():
                    return
        except BaseException as exc:  # handed to the consumer
            put(exc)
        put(None)

    reader = threading.Thread(target=work, daemon=True, name="streamstats-reader")
    reader.start()
    try:
        while True:
            try:
                item = items.get(timeout=0.2)
            except queue.Empty:
                if stream.stop:
                    return
                continue
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        done.set()
        stream.stop = True  # a following reader leaves its wait
        reader.join(timeout=5)  # (a read of a pipe cannot be interrupted: left behind)


class _Writer:
    """Formats and writes the output in a second thread; ``drain`` waits until all
    of it is written (before a checkpoint records the output's size)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.error: BaseException | None = None
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
        if table.num_rows < 10_000:
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
