"""The ``streamstats`` command: output == the accessor's batch result, resume after
SIGKILL byte for byte, malformed files, --follow, and the demo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from streamstats import smooth_csv
from streamstats._cli import main
from tests.oracles import DATA, ROOT


def _run(*args: str) -> int:
    return main(["smooth", *args, "--quiet"])


def _command(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "streamstats", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


@pytest.fixture
def sensors(tmp_path):
    """The four occupancy channels as one log keyed by sensor, with gaps (NaN)."""
    occ = pd.read_csv(DATA / "occupancy.csv")
    long = occ.melt(id_vars="time", var_name="sensor", value_name="value")
    long["other"] = np.round(np.cos(np.arange(len(long))) * 10, 3)
    long.loc[long.index % 13 == 5, "value"] = np.nan
    long = long.sort_values("time", kind="stable").reset_index(drop=True)
    path = tmp_path / "sensors.csv"
    long.to_csv(path, index=False)
    return path, long


# -- output == the accessor ------------------------------------------------------------


@pytest.mark.parametrize("stats", ["mean", "mean,var,std", "second_moment"])
def test_cli_equals_the_accessor_with_keys_times_and_gaps(sensors, tmp_path, stats):
    path, long = sensors
    out = tmp_path / "out.csv"
    assert _run(str(path), "-o", str(out), "--halflife", "20min", "--time-column", "time",
                "--key-column", "sensor", "--stats", stats, "--chunk-size", "3000") == 0
    got = pd.read_csv(out)
    assert list(got["sensor"]) == list(long["sensor"]) and list(got["time"]) == list(long["time"])
    times = pd.to_datetime(long["time"])
    for stat in stats.split(","):
        method = "smooth" if stat == "mean" else stat
        expected = getattr(long[["sensor", "value", "other"]].ewa, method)(
            halflife="20min", times=times, by="sensor")
        for col in ("value", "other"):
            name = col if "," not in stats else f"{col}_{stat}"
            np.testing.assert_array_equal(got[name].to_numpy(), expected[col].to_numpy())


def test_cli_equals_the_accessor_on_the_real_series(tmp_path):
    out = tmp_path / "out.csv"
    assert _run(str(DATA / "seattle-temps.csv"), "-o", str(out), "--beta", "0.9",
                "--no-bias-correction") == 0
    temps = pd.read_csv(DATA / "seattle-temps.csv")
    got = pd.read_csv(out)
    np.testing.assert_array_equal(got["temp"], temps["temp"].ewa.smooth(beta=0.9,
                                                                        bias_correction=False))
    assert _run(str(DATA / "co2-weekly.csv"), "-o", str(out), "--span", "10", "--ignore-na",
                "--min-periods", "3", "--no-adjust") == 0
    co2 = pd.read_csv(DATA / "co2-weekly.csv")["co2"]
    np.testing.assert_array_equal(pd.read_csv(out)["co2"],
                                  co2.ewa.smooth(span=10, ignore_na=True, min_periods=3,
                                                 adjust=False))


def test_smooth_csv_yields_the_same_chunks(sensors):
    path, long = sensors
    chunks = list(smooth_csv(path, beta=0.8, key_column="sensor", columns=["value"],
                             chunk_size=2000))
    assert len(chunks) > 3
    got = pd.concat(chunks, ignore_index=True)
    expected = long[["sensor", "value"]].ewa.smooth(beta=0.8, by="sensor")
    np.testing.assert_array_equal(got["value"].to_numpy(), expected["value"].to_numpy())


# -- killed and resumed ----------------------------------------------------------------


def _big_log(path: Path, rows: int = 120_000) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(rows) * 7, "s"),
        "sensor": rng.choice([f"s{i}" for i in range(10)], rows),
        "a": rng.standard_normal(rows).round(4), "b": rng.standard_normal(rows).round(4)})
    frame.loc[rng.random(rows) < 0.02, "a"] = np.nan
    frame.to_csv(path, index=False)


@pytest.mark.slow
def test_sigkill_at_random_points_then_resume_gives_the_same_bytes(tmp_path):
    log = tmp_path / "log.csv"
    _big_log(log)
    args = ["smooth", str(log), "--halflife", "5min", "--time-column", "time", "--key-column",
            "sensor", "--stats", "mean,std", "--chunk-size", "65536", "--checkpoint-every",
            "3000", "--quiet"]
    reference = tmp_path / "reference.csv"
    start = time.time()
    assert _command(*args, "-o", str(reference)).wait() == 0
    duration = time.time() - start  # a whole run in its own process
    rng = np.random.default_rng(42)
    kills = 0
    for trial in range(20):
        out, ckpt = tmp_path / f"out{trial}.csv", tmp_path / f"ckpt{trial}.json"
        run = [*args, "-o", str(out), "--checkpoint", str(ckpt)]
        for _ in range(3):  # killed up to three times, at random moments
            proc = _command(*run)
            time.sleep(rng.uniform(0.1, 0.9) * duration)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
        proc = _command(*run)
        assert proc.wait() == 0, proc.stderr.read().decode()
        assert out.read_bytes() == reference.read_bytes(), f"trial {trial}"
    assert kills >= 20  # the runs were really interrupted


def test_sigterm_saves_a_checkpoint_and_exits_143(tmp_path):
    log = tmp_path / "log.csv"
    _big_log(log)
    out, ckpt = tmp_path / "out.csv", tmp_path / "ckpt.json"
    run = ["smooth", str(log), "--beta", "0.9", "--key-column", "sensor", "-o", str(out),
           "--checkpoint", str(ckpt), "--quiet"]
    proc = _command(*run, "--follow")  # waits at the end of the file until a signal
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    assert ckpt.exists()
    assert _command(*run).wait() == 0  # resumes: nothing left to read
    reference = tmp_path / "reference.csv"
    assert main([*run[:6], "-o", str(reference), "--quiet"]) == 0
    assert out.read_bytes() == reference.read_bytes()


# -- malformed files ---------------------------------------------------------------------

GOOD = "time,sensor,x\n2024-01-01 00:00,a,1.0\n2024-01-01 00:05,b,2.0\n2024-01-01 00:10,a,3.0\n"


@pytest.mark.parametrize("text, options, code, message", [
    ("", [], 1, "the file is empty"),
    ("time,sensor,x\n", [], 0, None),
    ("time,sensor,x\n2024-01-01 00:00,a,1.0\n2024-01-01 00:05,b\n", [], 1,
     "line 3: expected 3 fields"),
    ("time,sensor,x\n2024-01-01 00:00,a,1.0\n2024-01-01 00:05,b,oops\n", [], 1,
     "line 3: column 'x': 'oops' is not a number"),
    ("time,sensor,x\nyesterday,a,1.0\n", [], 1, "line 2: column 'time': 'yesterday' is not a "
     "time stamp"),
    ("time,sensor,x\n2024-01-01 00:05,a,1.0\n2024-01-01 00:00,a,2.0\n", [], 1,
     "line 3, column 'time': time stamp earlier than the last one for key 'a'"),
    (GOOD, ["--key-column", "nope"], 2, "--key-column 'nope' is not a column"),
    (GOOD, ["--columns", "x,y"], 2, "--columns names 'y'"),
    ("time,sensor,x\n2024-01-01 00:00,a,inf\n", [], 1, "'inf' is infinite"),
])
def test_malformed_files_get_their_exit_code_and_message(tmp_path, capsys, text, options, code,
                                                         message):
    path = tmp_path / "in.csv"
    path.write_text(text)
    out = tmp_path / "out.csv"
    got = main(["smooth", str(path), "-o", str(out), "--halflife", "1h", "--time-column", "time",
                "--key-column", "sensor", "--quiet", *options])
    assert got == code
    if message is not None:
        err = capsys.readouterr().err
        assert message in err and str(path) in err
    if code == 0:
        assert out.read_text() == "time,sensor,x\n"


def test_skip_keeps_every_valid_line_and_writes_the_rejects(tmp_path, capsys):
    lines = ["time,sensor,x",
             "2024-01-01 00:00,a,1.0",
             "2024-01-01 00:01,a,oops",          # text in a number
             "2024-01-01 00:02,b",               # ragged
             "not a time,b,5.0",                 # bad time stamp
             "2024-01-01 00:03,b,2.0",
             "2024-01-01 00:02,b,9.0",           # late for b
             "",                                 # empty line
             "2024-01-01 00:04,a,4.0"]
    path = tmp_path / "in.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())  # BOM, CRLF
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    assert main(["smooth", str(path), "-o", str(out), "--halflife", "1min", "--time-column",
                 "time", "--key-column", "sensor", "--on-bad-lines", "warn", "--late", "drop",
                 "--rejects", str(rejects)]) == 0
    err = capsys.readouterr().err
    assert "line 3: column 'x'" in err
    assert "9 rows read" not in err and "3 written, 3 rejected, 1 late" in err
    valid = pd.DataFrame({"time": ["2024-01-01 00:00", "2024-01-01 00:03", "2024-01-01 00:04"],
                          "sensor": ["a", "b", "a"], "x": [1.0, 2.0, 4.0]})
    expected = valid.ewa.smooth(halflife="1min", times=pd.to_datetime(valid["time"]),
                                by="sensor")
    got = pd.read_csv(out)
    assert list(got["time"]) == list(valid["time"])
    np.testing.assert_array_equal(got["x"], expected["x"])
    rej = pd.read_csv(rejects)
    assert list(rej["line"]) == [3, 4, 5, 7]
    assert rej["text"].iloc[0] == "2024-01-01 00:01,a,oops"
    assert "late" in rej["reason"].iloc[3]


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["smooth", str(tmp_path / "missing.csv"), "--beta", "0.9"]) == 2
    assert "missing.csv" in capsys.readouterr().err
    path = tmp_path / "in.csv"
    path.write_text(GOOD)
    assert main(["smooth", str(path), "--beta", "0.9", "--checkpoint", "c.json"]) == 2
    assert main(["smooth", str(path), "--beta", "0.9", "--stats", "median"]) == 2
    assert main(["smooth", str(path), "--beta", "1.5"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["smooth", str(path)])  # no decay: argparse's own usage error
    assert exc.value.code == 2


# -- follow --------------------------------------------------------------------------------


def test_follow_picks_up_appended_rows_and_stops_on_sigterm(tmp_path):
    log, out = tmp_path / "live.csv", tmp_path / "out.csv"
    log.write_text("time,x\n2024-01-01 00:00,1.0\n")
    proc = _command("smooth", str(log), "--halflife", "1min", "--time-column", "time",
                    "--follow", "-o", str(out), "--quiet")
    with open(log, "a") as f:
        for minute in range(1, 6):
            time.sleep(0.4)
            f.write(f"2024-01-01 00:{minute:02d},{minute + 1.0}\n")
            f.flush()
    deadline = time.time() + 20
    while time.time() < deadline and (not out.exists() or out.read_text().count("\n") < 7):
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 143
    got = pd.read_csv(out)
    assert len(got) == 6
    frame = pd.read_csv(log)
    expected = frame.ewa.smooth(halflife="1min", times=pd.to_datetime(frame["time"]))
    np.testing.assert_array_equal(got["x"], expected["x"])


# -- the demo ----------------------------------------------------------------------------


def test_demo_writes_the_smoothed_data_and_the_figure(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for name in ("seattle-temps-smoothed.csv", "water-flow-smoothed.csv", "streamstats-demo.png"):
        assert (tmp_path / name).exists() and str(tmp_path / name) in printed
    temps = pd.read_csv(tmp_path / "seattle-temps-smoothed.csv")
    daily = pd.read_csv(DATA / "seattle-temps.csv", parse_dates=["date"],
                        date_format="%Y/%m/%d %H:%M").set_index("date")["temp"].resample("D")
    np.testing.assert_allclose(temps["beta=0.9"], daily.mean().ewm(alpha=0.1).mean(),
                               rtol=1e-12)
    flow = pd.read_csv(tmp_path / "water-flow-smoothed.csv")
    assert flow["Water flow [l/s]_std"].iloc[-1] == pytest.approx(0.569, abs=5e-4)


def test_smooth_csv_resumes_after_the_last_chunk_taken(sensors, tmp_path):
    """A chunk counts as taken when the caller comes back for the next one: a
    consumer that fails on a chunk (or stops holding it) gets it again on resume,
    and every row arrives exactly once across the runs that finished a chunk."""
    path, _ = sensors
    options = dict(halflife="20min", time_column="time", key_column="sensor", chunk_size=3000)
    whole = pd.concat(smooth_csv(path, **options), ignore_index=True)
    ckpt = tmp_path / "ckpt.json"
    stored = []

    def consume(fail_at):
        for i, chunk in enumerate(smooth_csv(path, checkpoint=ckpt, **options)):
            if i == fail_at:
                raise OSError("database down")
            stored.append(chunk)

    with pytest.raises(OSError, match="database down"):
        consume(fail_at=1)
    with pytest.raises(OSError, match="database down"):
        consume(fail_at=2)  # the chunk it failed on first comes again, then one more
    consume(fail_at=None)
    pd.testing.assert_frame_equal(pd.concat(stored, ignore_index=True), whole)
    held = smooth_csv(path, checkpoint=tmp_path / "held.json", **options)
    first = next(held)
    held.close()  # closed while holding the first chunk: not taken
    again = next(smooth_csv(path, checkpoint=tmp_path / "held.json", **options))
    pd.testing.assert_frame_equal(again, first)


def test_a_bad_value_in_a_later_block_is_found_and_skipped(tmp_path):
    """Later blocks parse their numeric columns as numbers; one with a bad value is
    read again as text so that only its line goes."""
    rows = [f"2024-01-01T00:{i // 60:02d}:{i % 60:02d},{i % 3},{i * 0.5}" for i in range(600)]
    rows[450] = rows[450].rsplit(",", 1)[0] + ",12x"
    path = tmp_path / "in.csv"
    path.write_text("time,k,x\n" + "\n".join(rows) + "\n")
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    assert _run(str(path), "-o", str(out), "--beta", "0.7", "--key-column", "k", "--columns",
                "x", "--chunk-size", "2000", "--on-bad-lines", "skip", "--rejects",
                str(rejects)) == 0
    assert list(pd.read_csv(rejects)["line"]) == [452]
    valid = pd.read_csv(path, dtype={"x": str}).drop(index=450)
    valid["x"] = valid["x"].astype(float)
    expected = valid.ewa.smooth(beta=0.7, by="k", columns=["x"])
    np.testing.assert_array_equal(pd.read_csv(out)["x"], expected["x"])
