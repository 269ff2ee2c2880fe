"""``ddf.ewa`` on a real LocalCluster (2 worker processes) against the pandas accessor
on the computed frame: bit for bit with method="chain", 1e-12 with "parallel", over
uneven partitions (an empty one, a one-row one, keys seen in only some)."""

from __future__ import annotations

import os
import subprocess
import sys

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import streamstats.dask  # noqa: F401  (registers ddf.ewa)
from tests.oracles import ROOT, assert_close

# (partition boundaries in rows): an empty partition, a one-row partition, uneven sizes
CUTS = [0, 0, 1, 150, 151, 400, 1100, 2036]


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as c:
        yield c


def _split(frame: pd.DataFrame, cuts: list[int] = CUTS) -> dd.DataFrame:
    pieces = [frame.iloc[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
    pieces.append(frame.iloc[cuts[-1]:])
    return dd.from_map(lambda p: p, pieces, meta=frame.iloc[:0], enforce_metadata=False)


CONFIGS = [
    ("smooth", {"beta": 0.9}),
    ("smooth", {"beta": 0.9, "bias_correction": False}),
    ("smooth", {"span": 12, "ignore_na": True, "min_periods": 3}),
    ("var", {"alpha": 0.2}),
    ("var", {"com": 4, "bias": True, "ignore_na": True}),
    ("std", {"beta": 0.8, "min_periods": 2}),
    ("second_moment", {"beta": 0.9}),
    ("second_moment", {"beta": 0.9, "bias_correction": False}),
]
LAYOUTS = [
    {},
    {"by": "sensor"},
    {"by": "sensor", "times": "time"},
]


# the zero-start forms count rows: they take no time stamps
CASES = [(stat, options, layout) for stat, options in CONFIGS for layout in LAYOUTS
         if not ("times" in layout and options.get("bias_correction") is False)]


@pytest.mark.parametrize("method", ["chain", "parallel"])
@pytest.mark.parametrize("stat, options, layout", CASES, ids=lambda v: str(v))
def test_equals_the_pandas_accessor(client, sensors, method, layout, stat, options):
    options = dict(options)
    if "times" in layout:  # a duration halflife decays by the time column
        options = {k: v for k, v in options.items() if k not in ("beta", "alpha", "span",
                                                                 "com")}
        options["halflife"] = "20min"
    frame = sensors.drop(columns=["sensor"]) if "by" not in layout else sensors
    if "times" not in layout:
        frame = frame.drop(columns=["time"])
    ddf = _split(frame)
    got = getattr(ddf.ewa, stat)(**options, **layout, method=method)
    assert got.npartitions == ddf.npartitions
    result = got.compute()
    expected = getattr(frame.ewa, stat)(**options, **layout)
    pd.testing.assert_index_equal(result.index, expected.index)
    assert list(result.columns) == list(expected.columns)
    if method == "chain":
        pd.testing.assert_frame_equal(result, expected, check_exact=True)
    else:
        assert_close(result.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_the_seeded_form_runs_in_a_chain_only(client, sensors):
    ddf = _split(sensors[["value"]])
    got = ddf.ewa.smooth(beta=0.7, adjust=False).compute()
    pd.testing.assert_frame_equal(got, sensors[["value"]].ewa.smooth(beta=0.7, adjust=False),
                                  check_exact=True)
    with pytest.raises(ValueError, match="no ordered merge.*method='chain'"):
        ddf.ewa.var(beta=0.7, adjust=False, method="parallel")


def test_a_series_and_repeated_runs_give_the_same_bits(client, sensors):
    series = sensors["value"]
    dseries = dd.from_pandas(series, npartitions=5)
    runs = [dseries.ewa.var(beta=0.95).compute() for _ in range(2)]
    pd.testing.assert_series_equal(runs[0], runs[1], check_exact=True)
    assert_close(runs[0].to_numpy(), series.ewa.var(beta=0.95).to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("method", ["chain", "parallel"])
def test_two_halves_with_state_equal_the_whole(client, sensors, method):
    options = dict(halflife="30min", times="time", by="sensor", method=method)
    first, state = _split(sensors.iloc[:900], [0, 400]).ewa.std(**options, return_state=True)
    second = _split(sensors.iloc[900:].reset_index(drop=True), [0, 500]).ewa.std(
        **options, state=state)
    got = pd.concat([first.compute(), second.compute()], ignore_index=True)
    assert_close(got.to_numpy(), sensors.ewa.std(halflife="30min", times="time",
                                                 by="sensor").to_numpy(), rtol=1e-12)


def _killer(folder: str, victim: int, at_run: int):
    """Piece ``victim`` kills its worker on its ``at_run``-th computation, once."""
    def piece(item: tuple[int, pd.DataFrame]) -> pd.DataFrame:
        number, frame = item
        if number == victim:
            runs = len(os.listdir(folder))
            open(os.path.join(folder, f"run-{runs}"), "w").close()
            if runs + 1 == at_run:
                os._exit(1)  # the worker dies inside the task
        return frame
    return piece


# the chain computes each piece once; parallel twice (pass 1, then pass 2)
@pytest.mark.parametrize("method, at_run", [("chain", 1), ("parallel", 1), ("parallel", 2)])
def test_a_worker_that_dies_changes_nothing(client, sensors, tmp_path, method, at_run):
    frame = sensors.drop(columns=["time"])
    pieces = [(i, frame.iloc[a:b]) for i, (a, b) in enumerate(zip(CUTS[:-1], CUTS[1:]))]
    ddf = dd.from_map(_killer(str(tmp_path), 4, at_run), pieces, meta=frame.iloc[:0],
                      enforce_metadata=False)
    got = ddf.ewa.var(beta=0.9, by="sensor", method=method).compute()
    assert len(os.listdir(tmp_path)) > at_run  # the worker died, the piece ran again
    expected = frame.iloc[:CUTS[-1]].ewa.var(beta=0.9, by="sensor")
    assert_close(got.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_bad_input_is_named(client, sensors):
    ddf = _split(sensors)
    with pytest.raises(KeyError, match="key column 'nope'"):
        ddf.ewa.smooth(beta=0.9, by="nope")
    with pytest.raises(KeyError, match="times column 'when'"):
        ddf.ewa.smooth(halflife="1h", times="when", by="sensor")
    with pytest.raises(KeyError, match="key column 'nope'"):
        ddf.ewa.cov(ddf["other"], beta=0.9, by="nope")
    with pytest.raises(TypeError, match="column 'sensor' is not numeric"):
        ddf.ewa.smooth(beta=0.9, columns=["sensor"])
    with pytest.raises(ValueError, match="method must be"):
        ddf.ewa.smooth(beta=0.9, method="fast")
    backwards = sensors.copy()
    backwards.loc[1500, "time"] = pd.Timestamp("2015-02-01")
    with pytest.raises(ValueError, match=r"partition \d+: time stamps go backwards for key"):
        _split(backwards).ewa.smooth(halflife="1h", times="time", by="sensor",
                                     method="chain").compute()
    missing = sensors.copy()
    missing.loc[700, "time"] = pd.NaT
    with pytest.raises(ValueError, match=r"partition \d+: .*NaT"):
        _split(missing).ewa.smooth(halflife="1h", times="time", by="sensor").compute()


def test_importing_streamstats_does_not_import_dask():
    code = "import sys, streamstats; print('dask' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout.strip() == "False"


def test_the_synchronous_scheduler_gives_the_same_result(sensors):
    ddf = _split(sensors.drop(columns=["time"]))
    with dask.config.set(scheduler="sync"):
        got = ddf.ewa.smooth(beta=0.9, by="sensor", method="chain").compute()
    pd.testing.assert_frame_equal(got, sensors.drop(columns=["time"]).ewa.smooth(
        beta=0.9, by="sensor"), check_exact=True)


@pytest.mark.parametrize("method", ["chain", "parallel"])
@pytest.mark.parametrize("stat, options", [("cov", {"beta": 0.9}), ("cov", {"alpha": 0.3,
                                           "bias": True}), ("corr", {"span": 9})])
@pytest.mark.parametrize("layout", [{}, {"by": "sensor"}, {"by": "sensor", "times": "time"}],
                         ids=["plain", "by", "by+times"])
def test_cov_and_corr_with_other_equal_the_pandas_accessor(client, sensors, method, stat,
                                                           options, layout):
    options = dict(options)
    if "times" in layout:
        options = {"halflife": "20min", **{k: v for k, v in options.items()
                                            if k not in ("beta", "alpha", "span")}}
    frame = sensors if layout else sensors.drop(columns=["sensor", "time"])
    if layout and "times" not in layout:
        frame = frame.drop(columns=["time"])
    ddf = _split(frame)
    got = getattr(ddf.ewa, stat)(ddf["other"], **options, **layout, method=method).compute()
    expected = getattr(frame.ewa, stat)(frame["other"], **options, **layout)
    assert list(got.columns) == list(expected.columns)
    if method == "chain":
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    else:
        assert_close(got.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_series_cov_and_frame_pairs_of_the_same_name(client, sensors):
    series = sensors["value"]
    dseries = dd.from_pandas(series, npartitions=4)
    pd.testing.assert_series_equal(dseries.ewa.cov(beta=0.8, method="chain").compute(),
                                   series.ewa.cov(beta=0.8), check_exact=True)
    left = sensors[["value", "other"]]
    right = sensors[["other"]].assign(extra=1.0) * 2.0
    got = _split(left).ewa.corr(_split(right), beta=0.8, method="chain").compute()
    pd.testing.assert_frame_equal(got, left.ewa.corr(right, beta=0.8), check_exact=True)
    with pytest.raises(ValueError, match="needs other="):
        _split(left).ewa.cov(beta=0.8)
    with pytest.raises(ValueError, match="same partitions"):
        _split(left).ewa.cov(dd.from_pandas(right, npartitions=2), beta=0.8)


@pytest.mark.parametrize("method", ["chain", "parallel"])
def test_parquet_read_for_some_columns_stays_exact_when_dask_fuses_files(
        client, sensors, tmp_path, method):
    """Only the columns used are read; Dask may then fuse parquet files into fewer
    partitions when it plans the graph (it does for the pairs of cov): both passes
    and the carries must see the same partitions."""
    wide = sensors.assign(**{f"unused{i}": np.arange(len(sensors)) * 1.0 for i in range(8)})
    dd.from_pandas(wide, npartitions=12).to_parquet(tmp_path / "wide", write_index=False)
    ddf = dd.read_parquet(tmp_path / "wide")
    got = ddf.ewa.var(halflife="20min", times="time", by="sensor", columns=["value"],
                      method=method)
    expected = wide.ewa.var(halflife="20min", times="time", by="sensor", columns=["value"])
    assert_close(got.compute().to_numpy(), expected.to_numpy(), rtol=1e-12)
    got = ddf.ewa.cov(ddf["other"], beta=0.9, by="sensor", columns=["value"], method=method)
    assert got.npartitions < ddf.npartitions  # Dask did fuse files
    expected = wide.ewa.cov(wide["other"], beta=0.9, by="sensor", columns=["value"])
    assert_close(got.compute().to_numpy(), expected.to_numpy(), rtol=1e-12)


def _growing(marker: str):
    def piece(frame: pd.DataFrame) -> pd.DataFrame:
        if os.path.exists(marker):  # every run after the first: one row more
            return pd.concat([frame, frame.iloc[-1:]])
        open(marker, "w").close()
        return frame
    return piece


def test_partitions_that_change_between_the_passes_are_refused(client, sensors, tmp_path):
    frame = sensors[["value"]]
    pieces = [frame.iloc[a:b] for a, b in zip(CUTS[2:-1], CUTS[3:])]
    ddf = dd.from_map(_growing(str(tmp_path / "ran")), pieces, meta=frame.iloc[:0],
                      enforce_metadata=False)
    result = ddf.ewa.smooth(beta=0.9, method="parallel")  # pass 1 runs here
    with pytest.raises(RuntimeError, match="the data changed between the passes"):
        result.compute()
