"""The examples run as a user runs them (the training example is tested in
tests/optim/test_training.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.oracles import ROOT


def _example(name: str, *args: str, timeout: float = 120) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / name), *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=True)
    return done.stdout


def test_the_temperature_example_shows_the_bias_of_the_zero_start():
    out = _example("plot_temperatures.py")
    rows = re.findall(r"beta=([\d.]+):.*first hour raw ([\d.]+) F.*corrected ([\d.]+) F", out)
    assert [b for b, _, _ in rows] == ["0.5", "0.9", "0.98"]
    for beta, raw, corrected in rows:  # the lecture's v_1 = (1 - beta) x_1
        assert float(raw) == pytest.approx((1 - float(beta)) * float(corrected), abs=0.06)


@pytest.mark.slow
def test_sensor_stream_survives_its_restarts():
    out = _example("sensor_stream.py", timeout=300)
    assert re.search(r"\d+ smoothed rows", out) and "rejected lines: 3" in out
