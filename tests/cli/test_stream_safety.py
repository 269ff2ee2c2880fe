"""The command in careless and unlucky hands: each situation of the stress test
(``shared/reports/stress-test.md``) that lost or corrupted data, reproduced, with the
result it must show now. Where the output is checked, the oracle is the accessor on
the lines that should survive, or a one-shot run on the final file."""

from __future__ import annotations

import io
import json
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
from streamstats._cli.checkpoint import open_locked
from tests.oracles import ROOT


def _run(*args: str) -> int:
    return main(["smooth", *map(str, args), "--quiet"])


def _command(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "streamstats", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def _numbers(path: Path, rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"t": np.arange(rows), "x": np.round(rng.normal(size=rows), 3)})
    frame.to_csv(path, index=False)
    return frame


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


# -- 1. a stray quote stays on its line ---------------------------------------------------


@pytest.mark.parametrize("chunk", ["64", "4194304"])
def test_a_stray_quote_rejects_its_own_line_only(tmp_path, chunk):
    path = tmp_path / "q.csv"
    lines = ["name,x", "a,1", '"oops,2', *[f"r{i},{i}" for i in range(1, 3001)],
             'b,"5', "c,7"]
    path.write_text("\n".join(lines) + "\n")
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    assert _run(path, "--beta", "0.5", "--on-bad-lines", "skip", "-o", out, "--rejects",
                rejects, "--chunk-size", chunk) == 0
    got = pd.read_csv(out)
    kept = [line.split(",") for line in lines[1:] if '"' not in line]
    assert list(got["name"]) == [name for name, _ in kept]
    expected = pd.Series([float(x) for _, x in kept]).ewa.smooth(beta=0.5)
    np.testing.assert_array_equal(got["x"], expected)
    bad = pd.read_csv(rejects)
    assert list(bad["line"]) == [3, 3004]
    assert all("quote" in reason for reason in bad["reason"])


def test_a_stray_quote_in_a_large_file_gives_the_same_bytes_at_any_chunk_size(tmp_path):
    path = tmp_path / "q.csv"
    body = "".join(f"r{i},{i % 97}\n" for i in range(60_000))
    path.write_text("name,x\n" + body[:400_000] + '"bad,1\n' + body[400_000:])
    outputs = []
    for chunk in ("65536", "4194304"):
        out = tmp_path / f"out{chunk}.csv"
        assert _run(path, "--beta", "0.9", "--on-bad-lines", "skip", "-o", out,
                    "--chunk-size", chunk) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") == 60_001  # header + every line but the bad one


# -- 2. no path may name another ----------------------------------------------------------


@pytest.mark.parametrize("roles", [("-o", "input"), ("--rejects", "input"),
                                   ("--checkpoint", "-o"), ("--rejects", "-o"),
                                   ("--rejects", "link to input")])
def test_two_roles_on_one_file_are_refused_before_anything_is_written(tmp_path, capsys, roles):
    data = tmp_path / "data.csv"
    _numbers(data, 1000)
    before = data.read_bytes()
    out = tmp_path / "out.csv"
    out.write_bytes(b"previous output\n")
    paths = {"input": data, "-o": out, "link to input": tmp_path / "link.csv"}
    os.link(data, paths["link to input"])
    args = {"-o": out, "--rejects": tmp_path / "rejects.csv", "--checkpoint": tmp_path / "c"}
    flag, target = roles
    args[flag] = paths[target]
    command = [data, "--beta", "0.5", "--on-bad-lines", "skip"]
    for name, value in args.items():
        command += [name, value]
    assert _run(*command) == 2
    assert "the same file" in capsys.readouterr().err
    assert data.read_bytes() == before and out.read_bytes() == b"previous output\n"


# -- 4. a second run on the same files waits for nobody: it stops ---------------------------


def test_a_second_run_on_a_locked_output_fails_at_once(tmp_path, capsys):
    data, out = tmp_path / "data.csv", tmp_path / "out.csv"
    _numbers(data, 100)
    out.write_bytes(b"the first run's rows\n")
    held = open_locked(out, "the output")  # the first run, still writing
    try:
        assert _run(data, "--beta", "0.5", "-o", out, "--checkpoint", tmp_path / "c") == 2
    finally:
        held.close()
    assert "in use by another streamstats run" in capsys.readouterr().err
    assert out.read_bytes() == b"the first run's rows\n"


def test_a_second_run_on_a_checkpoint_in_use_fails_at_once(tmp_path, capsys):
    """Two runs on one checkpoint with different outputs would overwrite each
    other's checkpoint: the second stops before touching anything."""
    data, ckpt = tmp_path / "data.csv", tmp_path / "c.ckpt"
    _numbers(data, 100)
    held = open_locked(tmp_path / ".c.ckpt.lock", "the checkpoint")  # the first run
    try:
        assert _run(data, "--beta", "0.5", "-o", tmp_path / "b.out", "--checkpoint", ckpt) == 2
    finally:
        held.close()
    assert f"the checkpoint {ckpt} is in use" in capsys.readouterr().err
    assert not (tmp_path / "b.out").exists() and not ckpt.exists()


def test_overlapping_runs_leave_an_output_equal_to_one_run(tmp_path):
    data = tmp_path / "big.csv"
    _numbers(data, 50_000)
    out, ckpt = tmp_path / "out.csv", tmp_path / "c.ckpt"
    args = [data, "--beta", "0.9", "-o", out, "--checkpoint", ckpt, "--chunk-size", "8192",
            "--quiet"]
    first = _command("smooth", *args, "--follow")  # holds its files until stopped
    assert _wait_for(lambda: out.exists() and out.stat().st_size > 0)
    second = _command("smooth", *args)  # an overlapping cron job
    assert second.wait(timeout=60) == 2
    assert b"in use by another streamstats run" in second.stderr.read()
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=60) == 143
    assert _command("smooth", *args).wait(timeout=60) == 0
    reference = tmp_path / "reference.csv"
    assert _run(data, "--beta", "0.9", "-o", reference) == 0
    assert out.read_bytes() == reference.read_bytes()


# -- 5, 6. a checkpoint resumes only the files it was written for ---------------------------


def _checkpointed(tmp_path: Path, rows: int = 50):
    data, out, ckpt = tmp_path / "n.csv", tmp_path / "n.out", tmp_path / "n.ckpt"
    _numbers(data, rows)
    args = [data, "--beta", "0.5", "-o", out, "--checkpoint", ckpt]
    assert _run(*args) == 0
    with open(data, "a") as f:
        f.write(f"{rows},3.0\n")
    return data, out, ckpt, args


@pytest.mark.parametrize("change, message", [
    (lambda d, o: o.unlink(), "is missing, the checkpoint counts"),
    (lambda d, o: o.write_bytes(o.read_bytes()[:-10]), "bytes where the checkpoint counts"),
    (lambda d, o: o.write_bytes(o.read_bytes().replace(b"1", b"2")), "is not the file the"),
    (lambda d, o: d.write_bytes(b"t,x\n1,9\n2,9\n" * 200), "is not the file the checkpoint"),
    (lambda d, o: d.write_bytes(b"t,x\n"), "is shorter than where the checkpoint stopped"),
    (lambda d, o: d.write_bytes(d.read_bytes().replace(b"\n3,", b"\n4,", 1)), "is not the file"),
    (lambda d, o: d.write_bytes(b"x,t" + d.read_bytes()[3:]), "is not the file"),
])
def test_resume_refuses_files_that_changed_under_the_checkpoint(tmp_path, capsys, change,
                                                                message):
    data, out, ckpt, args = _checkpointed(tmp_path)
    change(data, out)
    before = out.read_bytes() if out.exists() else None
    capsys.readouterr()
    assert _run(*args) == 2
    assert message in capsys.readouterr().err
    assert (out.read_bytes() if out.exists() else None) == before
    if before is not None:
        assert b"\0" not in before


def test_resume_continues_exactly_when_nothing_changed(tmp_path):
    data, out, ckpt, args = _checkpointed(tmp_path)
    assert _run(*args) == 0
    reference = tmp_path / "reference.csv"
    assert _run(data, "--beta", "0.5", "-o", reference) == 0
    assert out.read_bytes() == reference.read_bytes()


# -- 7, 8. a line being written, a file with a header only ---------------------------------


def test_an_unfinished_last_line_is_left_for_the_next_run(tmp_path):
    data, out, ckpt = tmp_path / "p.csv", tmp_path / "p.out", tmp_path / "p.ckpt"
    data.write_bytes(b"t,x\n1,1\n2,2\n3,3")  # a logger is writing "3,333"
    args = [data, "--beta", "0.5", "--checkpoint", ckpt, "-o", out]
    assert _run(*args) == 0
    with open(data, "ab") as f:
        f.write(b"33\n4,4\n")
    assert _run(*args) == 0
    assert _run(*args) == 0  # and again: nothing new, nothing stuck
    reference = tmp_path / "reference.csv"
    assert _run(data, "--beta", "0.5", "-o", reference) == 0
    assert out.read_bytes() == reference.read_bytes()
    np.testing.assert_array_equal(pd.read_csv(out)["x"],
                                  pd.Series([1.0, 2, 333, 4]).ewa.smooth(beta=0.5))


def test_a_header_only_first_run_decides_nothing_about_the_columns(tmp_path):
    data, out, ckpt = tmp_path / "log.csv", tmp_path / "h.out", tmp_path / "h.ckpt"
    data.write_text("time,sensor,note,x\n")
    args = [data, "--halflife", "1min", "--time-column", "time", "--key-column", "sensor",
            "--checkpoint", ckpt, "-o", out, "--on-bad-lines", "skip", "--stats", "mean,std"]
    assert _run(*args) == 0
    with open(data, "a") as f:
        f.write("2024-01-01T00:00:00,a,ok,1\n2024-01-01T00:01:00,a,NA,2\n")
    assert _run(*args) == 0
    got = pd.read_csv(out, keep_default_na=False)
    assert list(got.columns) == ["time", "sensor", "note", "x_mean", "x_std"]
    assert list(got["note"]) == ["ok", "NA"]
    assert got["x_mean"].tolist() == pytest.approx([1.0, 5 / 3])


@pytest.mark.parametrize("chunk", ["100", "4194304"])
def test_a_column_empty_at_the_start_is_smoothed_from_its_first_value(tmp_path, chunk):
    data = tmp_path / "col.csv"
    rows = [f"{i},20," for i in range(200)] + [f"{i},20,5{i % 2}" for i in range(200, 205)]
    data.write_text("t,temp,hum\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out.csv"
    assert _run(data, "--beta", "0.9", "-o", out, "--chunk-size", chunk) == 0
    got = pd.read_csv(out)
    expected = pd.Series([np.nan] * 200 + [50.0, 51, 50, 51, 50]).ewa.smooth(beta=0.9)
    np.testing.assert_allclose(got["hum"], expected, rtol=1e-15)


# -- 9. options are checked before any file is touched -----------------------------------


@pytest.mark.parametrize("options, message", [
    (["--beta", "0.5", "--no-adjust", "--stats", "second_moment"], "adjust=False"),
    (["--beta", "0.5", "--no-bias-correction", "--adjust"], "contradicts"),
    (["--halflife", "5min"], "is a duration: give --time-column"),
    (["--beta", "0.5", "--stats", "cov"], "pairwise"),
    (["--beta", "0.5", "--columns", "x,x"], "each column once"),
    (["--beta", "0.5", "--time-column", "t", "--key-column", "t"], "both"),
    (["--beta", "0.5", "--columns", "t", "--time-column", "t"], "is the --time-column"),
    (["--beta", "1.5"], "beta"),
    (["--beta", "0.5", "--chunk-size", "100000000000"], "chunk_size"),
])
def test_bad_options_exit_2_and_leave_the_previous_output(tmp_path, capsys, options, message):
    data, out = tmp_path / "a.csv", tmp_path / "prev.csv"
    data.write_text("t,x\n1,1\n2,oops\n")  # a bad line 3 must not be what is reported
    out.write_text("previous\n")
    assert _run(data, "-o", out, *options) == 2
    assert message in capsys.readouterr().err
    assert out.read_text() == "previous\n"


# -- 11. text passes through as it came in -------------------------------------------------


def test_text_and_keys_pass_through_byte_for_byte(tmp_path):
    data = tmp_path / "na.csv"
    data.write_text('country,sensor,note,x\nNA,NA,"a, b",1\nUS,null,plain,2\nNaN,,"say ""hi""",4\n'
                    "n/a,N/A,,NA\n")
    out = tmp_path / "out.csv"
    assert _run(data, "--beta", "0.5", "--key-column", "sensor", "-o", out) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "country,sensor,note,x"
    assert [line.rsplit(",", 1)[0] for line in lines[1:]] == [
        'NA,NA,"a, b"', "US,null,plain", 'NaN,,"say ""hi"""', "n/a,N/A,"]
    # four different keys: each value is its key's first, the NA value is missing
    assert [line.rsplit(",", 1)[1] for line in lines[1:]] == ["1", "2", "4", ""]


@pytest.mark.parametrize("options", [["--alpha", "0.1"], [
    "--time-column", "time", "--halflife", "2s", "--key-column", "sensor"]])
def test_time_and_key_columns_come_out_as_they_came_in(tmp_path, options):
    # the layout: stamps with milliseconds, numeric-looking keys with a zero in
    # front; whether or not they are the time and key columns, not one byte changes
    rows = [f"2024-01-01 00:00:0{i // 3}.{i * 7:03d},0{85 + i % 3},{i * 1.5},{-i}\n"
            for i in range(9)]
    data = tmp_path / "s.csv"
    data.write_text("time,sensor,a,b\n" + "".join(rows))
    out = tmp_path / "out.csv"
    assert _run(data, "--columns", "a,b", *options, "-o", out) == 0
    got = out.read_text().splitlines()[1:]
    assert [line.split(",")[:2] for line in got] == [r.split(",")[:2] for r in rows]


def test_header_names_are_written_as_csv(tmp_path):
    data = tmp_path / "qh.csv"
    data.write_text('t,"x ""in"" inches","a,b"\n1,1,2\n2,2,3\n')
    out = tmp_path / "out.csv"
    assert _run(data, "--beta", "0.5", "-o", out, "--stats", "mean,std") == 0
    assert list(pd.read_csv(out).columns) == [
        "t_mean", "t_std", 'x "in" inches_mean', 'x "in" inches_std', "a,b_mean", "a,b_std"]


# -- 12, 13, 22, 23. time stamps and missing values -------------------------------------------


def test_day_month_order_left_open_is_refused_and_given_it_is_kept(tmp_path, capsys):
    data = tmp_path / "dmy.csv"
    data.write_text("date,x\n" + "".join(f"{d}/02/2024,{d}\n" for d in range(10, 17)))
    out = tmp_path / "out.csv"
    assert _run(data, "--halflife", "1D", "--time-column", "date", "-o", out) == 2
    assert "--time-format" in capsys.readouterr().err
    for chunk in ("20", "4194304"):
        assert _run(data, "--halflife", "1D", "--time-column", "date", "--time-format",
                    "%d/%m/%Y", "-o", out, "--chunk-size", chunk) == 0
        expected = pd.Series(np.arange(10.0, 17)).ewa.smooth(
            halflife="1D", times=pd.date_range("2024-02-10", periods=7))
        np.testing.assert_array_equal(pd.read_csv(out)["x"], expected)


def test_a_strftime_format_reads_nanoseconds_and_refuses_what_is_outside_the_range(
        tmp_path, capsys):
    data, out = tmp_path / "ns.csv", tmp_path / "out.csv"
    stamps = ["2024-01-01 00:00:00.123456789", "2024-01-01 00:00:01.623456789"]
    data.write_text("t,x\n" + "".join(f"{t},{x}\n" for t, x in zip(stamps, (1, 3))))
    options = ["--halflife", "1s", "--time-column", "t", "--time-format",
               "%Y-%m-%d %H:%M:%S.%f", "-o", out]
    assert _run(data, *options) == 0
    expected = pd.Series([1.0, 3.0]).ewa.smooth(halflife="1s", times=pd.to_datetime(stamps))
    np.testing.assert_array_equal(pd.read_csv(out)["x"], expected)
    for far in ("1500-01-01 00:00:00.5", "2300-01-01 00:00:00.5"):
        data.write_text(f"t,x\n{far},1\n")
        assert _run(data, *options) == 1
        assert "outside the range of time stamps" in capsys.readouterr().err


@pytest.mark.parametrize("chunk", ["10", "4194304"])
def test_naive_and_aware_stamps_are_not_mixed_whatever_the_blocks(tmp_path, chunk):
    data = tmp_path / "mix.csv"
    data.write_text("time,x\n2024-01-01T00:00:00,1\n2024-01-01T01:00:00+05:00,2\n"
                    "2024-01-01T02:00:00,3\n9999-12-31T00:00:00,4\n")
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    assert _run(data, "--halflife", "1h", "--time-column", "time", "--on-bad-lines", "skip",
                "--rejects", rejects, "-o", out, "--chunk-size", chunk) == 0
    bad = pd.read_csv(rejects)
    assert list(bad["line"]) == [3, 5]
    assert "has a UTC offset" in bad["reason"][0] and "outside the range" in bad["reason"][1]
    assert pd.read_csv(out)["x"].tolist() == pytest.approx([1.0, (0.25 + 3) / 1.25])


def test_missing_numeric_stamps_are_bad_lines_and_none_is_missing(tmp_path):
    data = tmp_path / "tm.csv"
    data.write_text("t,x\n1,1\n,2\n3,None\nNaN,4\n5,<NA>\n6,6\n")
    out = tmp_path / "out.csv"
    assert _run(data, "--halflife", "2", "--time-column", "t", "--on-bad-lines", "skip",
                "-o", out) == 0
    got = pd.read_csv(out)
    assert got["t"].tolist() == [1, 3, 5, 6]
    frame = pd.DataFrame({"x": [1.0, np.nan, np.nan, 6.0]})
    expected = frame.ewa.smooth(halflife=2.0, times=np.array([1.0, 3, 5, 6]))
    np.testing.assert_array_equal(got["x"], expected["x"])


# -- 15. messages, not tracebacks ----------------------------------------------------------


@pytest.mark.parametrize("content, options, code, message", [
    (b"t,x\n1,1\n2,\xb0C\n3,3\n", ["--on-bad-lines", "error"], 1, "line 3: not UTF-8"),
    (b"t,x\r1,1\r", [], 1, "CR alone"),
    (b"t,\xb0x\n1,1\n", [], 1, "line 1: the header is not UTF-8"),
    (b"t,x\n1,1\n", ["-o", "missing/out.csv"], 2, "does not exist"),
    (b"t,x\n1,1\n", ["-o", "out.csv", "--checkpoint", "."], 2, "is a folder"),
])
def test_bad_files_get_a_message_and_an_exit_code(tmp_path, monkeypatch, capsys, content,
                                                  options, code, message):
    monkeypatch.chdir(tmp_path)
    Path("in.csv").write_bytes(content)
    assert _run("in.csv", "--beta", "0.5", *options) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_non_utf8_and_overlong_lines_are_bad_lines_under_skip(tmp_path, monkeypatch):
    import streamstats._cli.stream as csvstream

    monkeypatch.setattr(csvstream, "MAX_LINE_BYTES", 1000)
    data = tmp_path / "in.csv"
    data.write_bytes(b"t,x\n1,1\n2,\xb0C\n" + b"3," + b"9" * 5000 + b"\n4,4\n")
    got = pd.concat(smooth_csv(data, beta=0.5, on_bad_lines="skip"))
    assert got["x"].tolist() == [1.0, 3.0]  # the lines x = 1 and x = 4


@pytest.mark.parametrize("checkpoint", [b"", b"{", b"[]", b'{"version": 1}', b"\xff\xfe",
                                        b'{"version": 2, "options": null}'])
def test_a_damaged_checkpoint_is_refused_with_a_message(tmp_path, capsys, checkpoint):
    data, ckpt = tmp_path / "in.csv", tmp_path / "c.ckpt"
    _numbers(data, 10)
    ckpt.write_bytes(checkpoint)
    assert _run(data, "--beta", "0.5", "-o", tmp_path / "out.csv", "--checkpoint", ckpt) == 2
    err = capsys.readouterr().err
    assert "checkpoint" in err and "Traceback" not in err


def test_a_hand_edited_checkpoint_state_is_refused(tmp_path, capsys):
    data, out, ckpt, args = _checkpointed(tmp_path)
    saved = json.loads(ckpt.read_text())
    saved["smoother"]["state"]["mean"][1][0] = -1.0  # a negative weight
    ckpt.write_text(json.dumps(saved))
    assert _run(*args) == 2
    assert "weight" in capsys.readouterr().err


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    data = tmp_path / "big.csv"
    _numbers(data, 200_000)
    proc = subprocess.Popen(f"{sys.executable} -m streamstats smooth {data} --beta 0.5 "
                            "| head -1", shell=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    out, err = proc.communicate(timeout=60)
    assert out == b"t,x\n" and b"Traceback" not in err


def test_demo_refuses_a_file_as_its_folder(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("keep")
    assert main(["demo", "--out", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err and target.read_text() == "keep"


# -- 16. pipes, signals, --follow ----------------------------------------------------------


def test_a_pipe_is_smoothed_as_it_arrives_and_a_signal_stops_the_wait(tmp_path):
    out = tmp_path / "out.csv"
    proc = _command("smooth", "-", "--beta", "0.5", "-o", out, "--quiet",
                    stdin=subprocess.PIPE)
    proc.stdin.write(b"t,x\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(100)))
    proc.stdin.flush()  # and the producer stays: the pipe is open
    assert _wait_for(lambda: out.exists() and out.read_bytes().count(b"\n") == 101)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 143
    np.testing.assert_array_equal(pd.read_csv(out)["x"],
                                  pd.Series(np.arange(100.0)).ewa.smooth(beta=0.5))


def test_a_signal_before_the_header_ends_at_once(tmp_path):
    proc = _command("smooth", "-", "--beta", "0.5", "--quiet", stdin=subprocess.PIPE)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 130


def test_follow_reads_on_after_truncation_and_rotation(tmp_path):
    log, out = tmp_path / "f.csv", tmp_path / "f.out"
    log.write_text("t,x\n1,1\n2,2\n")
    proc = _command("smooth", log, "--beta", "0.5", "--follow", "-o", out, "--quiet")
    assert _wait_for(lambda: out.exists() and out.read_text().count("\n") == 3)  # flushed
    with open(log, "w") as f:  # copytruncate
        f.write("t,x\n10,10\n11,11\n")
    assert _wait_for(lambda: out.read_text().count("\n") == 5)
    log.rename(tmp_path / "f.csv.1")  # rename rotation
    log.write_text("t,x\n20,20\n")
    assert _wait_for(lambda: out.read_text().count("\n") == 6)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 143
    got = pd.read_csv(out)
    assert got["t"].tolist() == pytest.approx(
        pd.Series([1.0, 2, 10, 11, 20]).ewa.smooth(beta=0.5).tolist())


# -- 17, 19. wide frames; the checkpoint's temporary file ---------------------------------


def test_many_columns_need_no_column_pairs(tmp_path):
    import tracemalloc

    n = 20_000
    text = ",".join(f"c{i}" for i in range(n)) + "\n" + "".join(
        ",".join(str((i * r) % 7) for i in range(n)) + "\n" for r in range(3))
    tracemalloc.start()
    got = pd.concat(smooth_csv(io.BytesIO(text.encode()), beta=0.5))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 200e6  # the pairs alone would be 1.6 GB
    assert got["c3"].tolist() == pytest.approx([0.0, 3 * 2 / 3, (0 + 3 * 2 + 6 * 4) / 7])


def test_the_checkpoint_never_writes_through_a_planted_link(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("shared").mkdir()
    Path("victim.txt").write_text("precious")
    Path("s.csv").write_text("t,x\n1,1\n")
    for pid in (os.getpid(), os.getpid() + 1):
        os.symlink(tmp_path / "victim.txt", f"shared/.job.ckpt.{pid}.tmp")
    assert _run("s.csv", "--beta", "0.5", "-o", "s.out", "--checkpoint", "shared/job.ckpt") == 0
    assert Path("victim.txt").read_text() == "precious"
    assert not Path("shared/job.ckpt").is_symlink()
    assert json.loads(Path("shared/job.ckpt").read_text())["version"] == 2


def test_a_failed_checkpoint_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    import streamstats._cli.checkpoint as checkpoint

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    data = tmp_path / "in.csv"
    _numbers(data, 10)
    monkeypatch.setattr(checkpoint.json, "dump", broken)
    with pytest.raises(OSError):
        list(smooth_csv(data, beta=0.5, checkpoint=tmp_path / "c.ckpt"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_a_full_disk_is_a_message_and_the_rerun_completes_exactly(tmp_path):
    import resource

    data, out, ckpt = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "c.ckpt"
    _numbers(data, 300_000)  # about 7 MB of output
    args = ["smooth", data, "--beta", "0.5", "-o", out, "--checkpoint", ckpt,
            "--checkpoint-every", "20000", "--chunk-size", "65536", "--quiet"]

    def small_files():  # a disk that fills at 2 MiB a file
        resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 20, 2 << 20))

    full = _command(*args, preexec_fn=small_files)
    assert full.wait(timeout=60) == 1
    err = full.stderr.read().decode()
    assert "File too large" in err and "Traceback" not in err and "out.csv" in err
    assert _command(*args).wait(timeout=60) == 0
    reference = tmp_path / "reference.csv"
    assert _run(data, "--beta", "0.5", "-o", reference) == 0
    assert out.read_bytes() == reference.read_bytes()


def test_rejects_say_the_same_whatever_the_blocks(tmp_path):
    data = tmp_path / "inf.csv"
    data.write_text("x\n" + "1\n" * 3000 + "inf\n1e400\n-Infinity\n2\n")
    texts = []
    for chunk in ("8", "4194304"):
        rejects = tmp_path / f"r{chunk}.csv"
        assert _run(data, "--beta", "0.5", "--on-bad-lines", "skip", "--rejects", rejects,
                    "-o", tmp_path / "out.csv", "--chunk-size", chunk) == 0
        texts.append(rejects.read_text())
    assert texts[0] == texts[1]
    assert "'1e400' is infinite" in texts[0]
