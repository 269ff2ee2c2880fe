"""What a fresh process imports: ``import streamstats`` needs numpy only, the
accessor is there whichever of pandas and streamstats comes first, and the command
on a plain CSV file never imports pandas (a few tenths of a second of its run),
with the numbers pandas gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import streamstats  # noqa: F401  (the accessor, for this process's expected values)
from tests.oracles import ROOT


def _python(code: str) -> str:
    """What ``code`` prints, run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


_LOADED = "print(sorted(m for m in {} if m in sys.modules))"


def test_importing_streamstats_needs_numpy_only():
    code = "import sys, streamstats; " + _LOADED.format(("pandas", "pyarrow", "numba"))
    assert _python(code) == "[]"


_SMOOTH = "pd.Series([1.0, 3.0]).ewa.smooth(beta=0.5).tolist()"


@pytest.mark.parametrize("imports", [
    "import pandas as pd; import streamstats",
    "import streamstats; import pandas as pd",
    "import streamstats; from pandas import Series; import pandas as pd",
    "from streamstats import EWA; import pandas.testing; import pandas as pd",
    # pandas imported by another thread
    "import threading, streamstats; t = threading.Thread(target=__import__, args=('pandas',)); "
    "t.start(); t.join(); import pandas as pd",
])
def test_the_accessor_is_there_whichever_comes_first(imports):
    got = _python(f"{imports}; print({_SMOOTH}, type(pd.__spec__.loader).__name__, "
                  "pd.__loader__ is pd.__spec__.loader)")
    expected = pd.Series([1.0, 3.0]).ewa.smooth(beta=0.5).tolist()  # as in this process
    # the lecture's x = 1, 3 with beta = 0.5, bias-corrected: 1, (0.5 * 1 + 3) / 1.5
    assert expected == pytest.approx([1.0, 3.5 / 1.5], rel=1e-15)
    assert got == f"{expected} SourceFileLoader True"


def _plain_log(path: Path, rows: int = 30_000) -> pd.DataFrame:
    """time, sensor, two floats with gaps: a file the command splits in C."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "time": (pd.Timestamp("2024-03-01") + pd.to_timedelta(np.arange(rows) * 3, "s")
                 ).strftime("%Y-%m-%d %H:%M:%S"),
        "sensor": rng.choice(["north", "south", "east"], rows),
        "a": rng.standard_normal(rows).round(3) + 20,
        "b": rng.standard_normal(rows).round(5)})
    frame.loc[rng.random(rows) < 0.03, "a"] = np.nan
    frame.to_csv(path, index=False)
    return frame


@pytest.mark.parametrize("keyed", [False, True], ids=["unkeyed", "keyed+timed"])
def test_the_command_on_a_plain_file_never_imports_pandas(tmp_path, keyed):
    log, out = tmp_path / "log.csv", tmp_path / "out.csv"
    frame = _plain_log(log)
    options = (["--halflife", "2min", "--time-column", "time", "--key-column", "sensor"]
               if keyed else ["--alpha", "0.1"])  # (each column's kind from its values)
    argv = ["smooth", str(log), "-o", str(out), "--quiet", "--chunk-size", "65536", *options]
    unneeded = ("pandas",) if keyed else ("pandas", "pyarrow.compute")
    code = (f"import sys; from streamstats._cli import main; code = main({argv!r}); "
            f"{_LOADED.format(unneeded)}; sys.exit(code)")
    assert _python(code) == "[]"
    got = pd.read_csv(out)
    if keyed:
        expected = frame.ewa.smooth(halflife="2min", times=pd.to_datetime(frame["time"]),
                                    by="sensor", columns=["a", "b"])
    else:  # pandas' own (adjust=True: the bias-corrected EWA, up to rounding)
        expected = frame[["a", "b"]].ewm(alpha=0.1).mean()
    for column in ("a", "b"):
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-13, atol=1e-15)
    assert got["time"].tolist() == frame["time"].tolist()


def test_smooth_csv_is_there_before_and_after_its_first_use():
    code = ("import sys, streamstats; listed = 'smooth_csv' in dir(streamstats); "
            "from streamstats import *; "
            "print(listed, smooth_csv.__name__, 'pyarrow' in sys.modules)")
    assert _python(code) == "True smooth_csv True"
