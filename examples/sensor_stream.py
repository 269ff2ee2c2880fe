"""
A live sensor log smoothed as it grows: ``streamstats smooth --follow``
=======================================================================

A writer thread plays three sensors that append a reading every 50 ms to
``sensors.csv`` (with the odd gap and a malformed line); ``streamstats smooth
--follow`` smooths each sensor by time (halflife 2 s) as lines arrive, checkpointing
as it goes. After a few seconds it is stopped with SIGTERM (exit code 143, a
checkpoint saved), restarted, and stopped again: the output has every valid line
once, and the malformed one is in the rejects file.

Run: ``pip install . && python examples/sensor_stream.py [--seconds 3] [--dir DIR]``.
"""

from __future__ import annotations

import argparse
import math
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path


def sensor_writer(log: Path, stop: threading.Event) -> None:
    """Append readings of three sensors until ``stop``; one line in 40 is garbage."""
    start, n = datetime(2024, 6, 1, 12, 0, 0), 0
    with open(log, "w") as f:
        f.write("time,sensor,flow\n")
        while not stop.is_set():
            stamp = (start + timedelta(milliseconds=50 * n)).isoformat(timespec="milliseconds")
            sensor = f"pump{n % 3}"
            if n % 40 == 39:
                f.write(f"{stamp},{sensor},ERR\n")  # a sensor glitch
            elif n % 17 != 5:  # ... and now and then a missing reading
                f.write(f"{stamp},{sensor},{100 + 5 * math.sin(n / 20) + n % 3:.3f}\n")
            f.flush()
            n += 1
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    log, out = folder / "sensors.csv", folder / "smoothed.csv"
    stop = threading.Event()
    writer = threading.Thread(target=sensor_writer, args=(log, stop))
    writer.start()
    time.sleep(0.5)
    command = [sys.executable, "-m", "streamstats", "smooth", str(log), "-o", str(out),
               "--halflife", "2s", "--time-column", "time", "--key-column", "sensor",
               "--stats", "mean,std", "--follow", "--on-bad-lines", "skip",
               "--rejects", str(folder / "rejects.csv"), "--checkpoint",
               str(folder / "checkpoint.json"), "--checkpoint-every", "20", "--quiet"]
    for run in (1, 2):  # stopped and restarted: it resumes from its checkpoint
        follower = subprocess.Popen(command)
        time.sleep(args.seconds)
        follower.send_signal(signal.SIGTERM)
        print(f"run {run}: streamstats stopped with exit code {follower.wait()}")
    stop.set()
    writer.join()
    lines = out.read_text().splitlines()
    print(f"{len(lines) - 1} smoothed rows in {out}; the last three:")
    print("\n".join([lines[0], *lines[-3:]]))
    print(f"rejected lines: {(folder / 'rejects.csv').read_text().count(chr(10)) - 1}")


if __name__ == "__main__":
    main()
