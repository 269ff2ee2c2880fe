"""OnlineSmoother: any chunking equals the batch method exactly (every statistic,
keys, times), save/load in the middle continues exactly, and a bad chunk raises
naming the problem and leaves the state as it was."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import streamstats as ss
from streamstats._pandas.frame import MISSING_KEY, CodedKeys, key_codes
from tests.registry import STATISTICS

# statistic -> (accessor method, its options); each runs through the same invariants
STATS = {name: (st.method, st.online_options) for name, st in STATISTICS.items()}
VARIANTS = [
    ("mean", {"adjust": False}),
    ("mean", {"bias_correction": False}),
    ("var", {"adjust": False, "ignore_na": True}),
    ("mean", {"min_periods": 3}),
]


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2)) * 4 + 10
    x[rng.random((n, 2)) < 0.15] = np.nan
    sensors = rng.choice(["north", "south", "east"], size=n)
    seconds = np.cumsum(rng.exponential(60.0, size=n)).round()
    return pd.DataFrame(
        {"sensor": sensors, "time": pd.Timestamp("2024-03-01") + pd.to_timedelta(seconds, "s"),
         "a": x[:, 0], "b": x[:, 1]},
        index=pd.RangeIndex(100, 100 + n),
    )


def _chunks(df: pd.DataFrame, cuts: list[int]) -> list[pd.DataFrame]:
    bounds = [0, *sorted({min(c, len(df)) for c in cuts}), len(df)]
    return [df.iloc[a:b] for a, b in zip(bounds, bounds[1:])]


def _batch(df, stat, options, keyed, timed):
    method, opts = STATS[stat]
    kw = {**opts, **options}
    kw.update({"halflife": "5min", "times": "time"} if timed else {"beta": 0.9})
    if keyed:
        kw["by"] = "sensor"
    frame = df if keyed else df.drop(columns="sensor")
    frame = frame if timed else frame.drop(columns="time")
    return getattr(frame.ewa, method)(**kw)


def _online(df, stat, options, keyed, timed):
    _, opts = STATS[stat]
    kw = {**opts, **options}
    kw.update({"halflife": "5min", "times": "time"} if timed else {"beta": 0.9})
    frame = df if keyed else df.drop(columns="sensor")
    frame = frame if timed else frame.drop(columns="time")
    return frame.ewa.online(stats=stat, by="sensor" if keyed else None, **kw), frame.columns


CASES = [(s, {}) for s in STATS] + VARIANTS


@pytest.mark.parametrize("stat, options", CASES, ids=[f"{s}-{o}" for s, o in CASES])
@given(n=st.integers(0, 60), cuts=st.lists(st.integers(0, 60), max_size=6),
       keyed=st.booleans(), timed=st.booleans(), seed=st.integers(0, 10**6))
@settings(max_examples=25, deadline=None)
def test_any_chunking_equals_the_batch_method_exactly(stat, options, n, cuts, keyed, timed,
                                                       seed):
    if timed and options.get("bias_correction") is False:
        timed = False  # the zero-started mean counts samples: no time stamps
    df = _frame(n, seed)
    expected = _batch(df, stat, options, keyed, timed)
    smoother, columns = _online(df, stat, options, keyed, timed)
    parts = [smoother.update(chunk[columns]) for chunk in _chunks(df, cuts)]
    got = pd.concat(parts) if parts else expected.iloc[:0]
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("stat, options", CASES, ids=[f"{s}-{o}" for s, o in CASES])
def test_save_and_load_in_the_middle_continues_exactly(stat, options):
    df = _frame(300, 7)
    timed = options.get("bias_correction") is not False
    expected = _batch(df, stat, options, True, timed)
    smoother, columns = _online(df, stat, options, True, timed)
    first = smoother.update(df.iloc[:137][columns])
    for restore in (lambda s: ss.OnlineSmoother.from_dict(json.loads(json.dumps(s.to_dict()))),
                    lambda s: pickle.loads(pickle.dumps(s))):
        resumed = restore(smoother)
        assert resumed.keys == smoother.keys
        rest = resumed.update(df.iloc[137:][columns])
        pd.testing.assert_frame_equal(pd.concat([first, rest]), expected, check_exact=True)


def test_several_statistics_side_by_side_and_series_streams():
    df = _frame(50, 1).drop(columns=["sensor", "time"])
    smoother = df.ewa.online(beta=0.8, stats=("mean", "var", "std"))
    out = pd.concat([smoother.update(c) for c in _chunks(df, [7, 8, 30])])
    assert list(out.columns) == [(c, s) for c in ("a", "b") for s in ("mean", "var", "std")]
    for stat, method in (("mean", "smooth"), ("var", "var"), ("std", "std")):
        expected = getattr(df.ewa, method)(beta=0.8)
        np.testing.assert_array_equal(out.xs(stat, axis=1, level=1).to_numpy(),
                                      expected.to_numpy())
    s = df["a"]
    single = s.ewa.online(beta=0.8)
    got = pd.concat([single.update(s.iloc[:10]), single.update(s.iloc[10:])])
    pd.testing.assert_series_equal(got, s.ewa.smooth(beta=0.8), check_exact=True)


def test_datetime_index_streams_and_one_row_updates():
    df = _frame(40, 2).set_index("time")
    smoother = df.ewa.online(halflife="5min", stats="std", by="sensor")
    rows = [smoother.update(df.iloc[i : i + 1]) for i in range(len(df))]
    expected = df.ewa.std(halflife="5min", by="sensor")
    pd.testing.assert_frame_equal(pd.concat(rows), expected, check_exact=True)


def test_state_reports_every_key_and_reset_forgets():
    df = _frame(30, 3)
    smoother = ss.OnlineSmoother(beta=0.5, stats=("mean", "var"), by="sensor",
                                 columns=["a", "b"])
    smoother.update(df)
    keys = list(dict.fromkeys(df["sensor"]))
    assert smoother.keys == keys
    mean = smoother.state["mean"]
    assert list(mean.index) == keys
    # the state's mean is the last smoothed value of each key (where observed)
    last = df.ewa.smooth(beta=0.5, by="sensor", columns=["a", "b"]).groupby(df["sensor"]).last()
    np.testing.assert_allclose(mean["mean"].loc[keys].to_numpy(), last.loc[keys].to_numpy(),
                               rtol=1e-15)
    smoother.reset()
    assert smoother.keys == [] and smoother.state == {}


# -- bad chunks leave the state unchanged ---------------------------------------------


def _fresh_and_fed():
    df = _frame(60, 4)
    smoother = df.ewa.online(halflife="5min", times="time", by="sensor", stats=("mean", "var"))
    smoother.update(df.iloc[:30])
    return df, smoother


@pytest.mark.parametrize("make_bad, error, message", [
    (lambda c: c.assign(time=c["time"] - pd.Timedelta("1D")), ValueError,
     r"time stamps go backwards for key '\w+' at row 0 \(index 130\)"),
    (lambda c: c.drop(columns="b"), ValueError, "chunk has no column 'b'"),
    (lambda c: c.assign(extra=1.0), ValueError, "chunk has a column 'extra'"),
    (lambda c: c.assign(a="x"), TypeError, "column 'a' is not numeric"),
    (lambda c: c.assign(b=np.where(np.arange(len(c)) == 5, np.inf, c["b"])), ValueError,
     r"column 'b' is infinite at row 5 \(index 135\)"),
    (lambda c: c.assign(time=c["time"].where(np.arange(len(c)) != 3)), ValueError, "NaT"),
    (lambda c: c["a"], ValueError, "first chunk was a DataFrame"),
])
def test_a_bad_chunk_raises_and_leaves_the_state_unchanged(make_bad, error, message):
    df, smoother = _fresh_and_fed()
    before = json.dumps(smoother.to_dict())
    with pytest.raises(error, match=message):
        smoother.update(make_bad(df.iloc[30:]))
    assert json.dumps(smoother.to_dict()) == before
    rest = smoother.update(df.iloc[30:])
    expected = df.ewa.var(halflife="5min", times="time", by="sensor")
    np.testing.assert_array_equal(rest.xs("var", axis=1, level=1).to_numpy(),
                                  expected.iloc[30:].to_numpy())


def test_bad_smoother_arguments_name_the_problem():
    with pytest.raises(ValueError, match="unknown statistic 'median'"):
        ss.OnlineSmoother(beta=0.9, stats="median")
    with pytest.raises(ValueError, match="on their own"):
        ss.OnlineSmoother(beta=0.9, stats=("mean", "cov"))
    with pytest.raises(ValueError, match="exactly one of beta"):
        ss.OnlineSmoother(beta=0.9, span=3)
    with pytest.raises(ValueError, match="need the decay given as halflife"):
        ss.OnlineSmoother(beta=0.9, times="time")
    smoother = ss.OnlineSmoother(halflife="1h")
    with pytest.raises(ValueError, match="DatetimeIndex"):
        smoother.update(pd.Series([1.0, 2.0]))
    with pytest.raises(KeyError, match="key column 'sensor'"):
        ss.OnlineSmoother(beta=0.5, by="sensor").update(pd.DataFrame({"x": [1.0]}))


def test_long_series_in_chunks_equals_the_parallel_batch_scan():
    """Past 16,384 rows the batch method scans blocks in parallel; for beta = 0.9
    its carries converge to the sequential numbers, so chunks still match exactly."""
    x = pd.DataFrame({"a": np.random.default_rng(1).standard_normal(200_000) * 3 + 5})
    x.iloc[::97] = np.nan
    smoother = x.ewa.online(beta=0.9, stats="var")
    got = pd.concat([smoother.update(x.iloc[i : i + 50_000]) for i in range(0, len(x), 50_000)])
    pd.testing.assert_frame_equal(got, x.ewa.var(beta=0.9), check_exact=True)


# -- one record at a time ---------------------------------------------------------------


def _record_rows(df, columns, keyed, timed, form):
    """The frame's rows as update_record arguments (values as a mapping or a list)."""
    names = [c for c in columns if c in ("a", "b")]
    for i, row in enumerate(df.itertuples(index=False)):
        values = {c: float(getattr(row, c)) for c in names}
        if form == "list" or (form == "mixed" and i % 2):
            values = [values[c] for c in names]
        stamp = row.time if timed else None
        if timed and i % 3 == 1:  # a datetime, a numpy stamp, a pandas one
            stamp = stamp.to_pydatetime()
        elif timed and i % 3 == 2:
            stamp = stamp.to_datetime64()
        yield values, (row.sensor if keyed else None), stamp


def _arrays(chunk, columns, keyed, timed, form):
    """A chunk as update_arrays arguments: a mapping or a 2-D array of values, keys as
    an array, a Categorical or coded (as the command gives them: codes in sorted
    order, not in order of appearance), stamps as datetime64."""
    names = [c for c in columns if c in ("a", "b")]
    values = ({c: chunk[c].to_numpy() for c in names} if form == "dict"
              else chunk[names].to_numpy())
    keys = None
    if keyed:
        keys = (chunk["sensor"].to_numpy() if form == "dict"
                else pd.Categorical(chunk["sensor"]) if form == "mixed"
                else CodedKeys(*reversed(_sorted_codes(chunk["sensor"].to_numpy()))))
    return values, keys, chunk["time"].to_numpy() if timed else None


@pytest.mark.parametrize("stat, options", CASES, ids=[f"{s}-{o}" for s, o in CASES])
@given(n=st.integers(0, 40), cuts=st.lists(st.integers(0, 40), max_size=3),
       keyed=st.booleans(), timed=st.booleans(),
       form=st.sampled_from(["dict", "mixed", "coded"]),
       door=st.sampled_from(["record", "arrays"]), seed=st.integers(0, 10**6))
@settings(max_examples=20, deadline=None)
def test_records_and_arrays_equal_the_frame_path_bit_for_bit(stat, options, n, cuts, keyed,
                                                             timed, form, door, seed):
    # records (or arrays) and chunks interleaved, and a JSON round trip in the middle
    if timed and options.get("bias_correction") is False:
        timed = False
    df = _frame(n, seed)
    expected = _batch(df, stat, options, keyed, timed)
    smoother, columns = _online(df, stat, options, keyed, timed)
    rows = list(_record_rows(df, columns, keyed, timed, form))
    for k, chunk in enumerate(_chunks(df, cuts)):
        if k % 2:
            smoother.update(chunk[columns])
            continue
        if k == 2:
            smoother = ss.OnlineSmoother.from_dict(json.loads(json.dumps(smoother.to_dict())))
        if door == "arrays":
            values, keys, times = _arrays(chunk, columns, keyed, timed, form)
            out = smoother.update_arrays(values, keys=keys, times=times)
            got_rows = [{c: v[i] for c, v in out.items()} for i in range(len(chunk))]
        else:
            got_rows = [smoother.update_record(values, key=key, time=stamp)
                        for values, key, stamp in (rows[df.index.get_loc(i)]
                                                   for i in chunk.index)]
        for i, got in enumerate(got_rows):
            want = expected.loc[chunk.index[i]]
            want = want.to_dict() if isinstance(want, pd.Series) else {  # cov/corr: a frame
                (r, c): want.loc[r, c] for r in want.index for c in want.columns}
            assert list(got) == list(want)
            np.testing.assert_array_equal(list(got.values()), list(want.values()))


def test_a_series_stream_takes_numbers_and_labels_as_its_frame_path():
    s = pd.Series([1.0, np.nan, 4.0, 2.5], name="flow")
    one = ss.OnlineSmoother(beta=0.7)
    two = ss.OnlineSmoother(beta=0.7, stats=("mean", "std"))
    one.update(s.iloc[:1])
    two.update(s.iloc[:1])
    for i in range(1, 4):
        np.testing.assert_equal(one.update_record(s.iloc[i]),
                                {"flow": s.ewa.smooth(beta=0.7).iloc[i]})
        np.testing.assert_equal(two.update_record([s.iloc[i]]),
                                {"mean": s.ewa.smooth(beta=0.7).iloc[i],
                                 "std": s.ewa.std(beta=0.7).iloc[i]})


@pytest.mark.parametrize("record, key, time, error, message", [
    ({"a": np.inf, "b": 1.0}, "north", "2024-03-02", ValueError, "column 'a' is infinite"),
    ({"a": 1.0, "b": 1.0}, "north", "2024-03-01", ValueError,
     "time stamps go backwards for key 'north'"),
    ({"a": 1.0}, "north", "2024-03-02", ValueError, "record has no column 'b'"),
    ({"a": 1.0, "b": 2.0, "c": 3.0}, "north", "2024-03-02", ValueError, "column 'c'"),
    ([1.0, 2.0, 3.0], "north", "2024-03-02", ValueError, "3 values for the 2 columns"),
    ({"a": "1", "b": 2.0}, "north", "2024-03-02", TypeError, "column 'a' must be a number"),
    ({"a": 1.0, "b": 2.0}, "north", None, ValueError, "give the record's time stamp"),
    ({"a": 1.0, "b": 2.0}, "north", 5.0, TypeError, "stay datetimes"),
    ({"a": 1.0, "b": 2.0}, "north", "not a time", ValueError, "could not be parsed"),
    ("1.0", "north", "2024-03-02", TypeError, "mapping of column to number"),
])
def test_a_bad_record_raises_and_leaves_the_state_unchanged(record, key, time, error, message):
    df, smoother = _fresh_and_fed()  # keyed by sensor, timed: rows up to 2024-03-01 ...
    smoother = ss.OnlineSmoother.from_dict(smoother.to_dict())
    smoother.update(df.drop(columns=["a", "b"]).assign(a=1.0, b=2.0).iloc[30:31])
    before = json.dumps(smoother.to_dict())
    with pytest.raises(error, match=message):
        smoother.update_record(record, key=key, time=None if time is None else
                               (time if isinstance(time, float) else pd.Timestamp(time)
                                if time != "not a time" else time))
    assert json.dumps(smoother.to_dict()) == before


_T = np.array(["2024-03-02T00:00", "2024-03-02T00:01"], dtype="datetime64[ns]")


@pytest.mark.parametrize("values, keys, times, error, message", [
    ({"a": [1.0, np.inf], "b": [1.0, 2.0]}, ["north"] * 2, _T, ValueError,
     "column 'a' is infinite at row 1"),
    ({"a": [1.0, 2.0], "b": [1.0, 2.0]}, ["north"] * 2, _T[::-1], ValueError,
     "time stamps go backwards for key 'north'"),
    ({"a": [1.0, 2.0], "b": [1.0, 2.0]}, ["north"] * 2, _T - np.timedelta64(2, "D"),
     ValueError, "time stamps go backwards for key 'north' at row 0"),
    ({"a": [1.0, 2.0]}, ["north"] * 2, _T, ValueError, "values has no column 'b'"),
    ({"a": [1.0], "b": [1.0], "c": [1.0]}, ["north"], _T[:1], ValueError, "column 'c'"),
    (np.ones((2, 3)), ["north"] * 2, _T, ValueError, "one column per smoothed column"),
    ({"a": [1.0, 2.0], "b": [1.0]}, ["north"] * 2, _T, ValueError, "column 'b' has shape"),
    ({"a": ["1", "2"], "b": [1.0, 2.0]}, ["north"] * 2, _T, TypeError,
     "column 'a' must hold numbers"),
    ({"a": [1.0, 2.0], "b": [1.0, 2.0]}, ["north"], _T, ValueError, "keys has 1 rows"),
    ({"a": [1.0, 2.0], "b": [1.0, 2.0]}, None, _T, ValueError, "give keys="),
    ({"a": [1.0, 2.0], "b": [1.0, 2.0]}, ["north"] * 2, None, ValueError, "give times="),
    ({"a": [1.0, 2.0], "b": [1.0, 2.0]}, ["north"] * 2, _T[:1], ValueError,
     "one stamp per row"),
    ({"a": [1.0, 2.0], "b": [1.0, 2.0]}, ["north"] * 2, [1.0, 2.0], TypeError, "stay datetimes"),
])
def test_bad_arrays_raise_and_leave_the_state_unchanged(values, keys, times, error, message):
    _, smoother = _fresh_and_fed()  # keyed by sensor, timed: rows up to 2024-03-01 ...
    before = json.dumps(smoother.to_dict())
    with pytest.raises(error, match=message):
        smoother.update_arrays(values, keys=keys, times=times)
    assert json.dumps(smoother.to_dict()) == before


def test_arrays_before_any_chunk_need_their_columns_and_a_refused_first_fixes_nothing():
    with pytest.raises(ValueError, match="need the columns"):
        ss.OnlineSmoother(beta=0.5).update_arrays(np.ones((3, 2)))
    with pytest.raises(ValueError, match="no by="):
        ss.OnlineSmoother(beta=0.5).update_arrays({"x": [1.0]}, keys=["a"])
    with pytest.raises(ValueError, match="does not decay by time"):
        ss.OnlineSmoother(beta=0.5).update_arrays({"x": [1.0]}, times=[1.0])
    sm = ss.OnlineSmoother(beta=0.5, by=["site", "sensor"])
    with pytest.raises(ValueError, match="one array of keys per column"):
        sm.update_arrays({"x": [1.0]}, keys=[["north"]])
    assert sm.update_arrays({"x": []}, keys=[[], []]) == {}  # empty: fixes nothing either
    out = sm.update_arrays({"y": [2.0, 4.0]}, keys=[["n", "n"], [1, 1]])
    np.testing.assert_array_equal(out["y"], [2.0, 2 / 3 * 4.0 + 1 / 3 * 2.0])
    assert sm.keys == [("n", 1)]


def test_records_before_any_chunk_need_their_columns_and_keys():
    with pytest.raises(ValueError, match="need the columns"):
        ss.OnlineSmoother(beta=0.5).update_record([1.0, 2.0])
    sm = ss.OnlineSmoother(beta=0.5, by="sensor")
    with pytest.raises(ValueError, match="no by="):
        ss.OnlineSmoother(beta=0.5).update_record({"x": 1.0}, key="a")
    first = sm.update_record({"x": 1.0, "y": 2.0}, key="a")
    assert first == {"x": 1.0, "y": 2.0}
    # a chunk after records must carry the record's columns (and may have others)
    out = sm.update(pd.DataFrame({"sensor": ["a"], "y": [4.0], "x": [3.0]}))
    want = pd.DataFrame({"sensor": ["a", "a"], "x": [1.0, 3.0], "y": [2.0, 4.0]}).ewa.smooth(
        beta=0.5, by="sensor")
    np.testing.assert_array_equal(out[["x", "y"]].to_numpy(), want.iloc[1:].to_numpy())
    with pytest.raises(ValueError, match="chunk has no column 'y'"):
        sm.update(pd.DataFrame({"sensor": ["a"], "x": [3.0]}))


def test_a_refused_first_record_fixes_nothing():
    sm = ss.OnlineSmoother(beta=0.5, by=["site", "sensor"])
    with pytest.raises(ValueError, match="tuple of 2 values"):
        sm.update_record({"x": 1.0}, key="north")
    with pytest.raises(TypeError, match="column 'x' must be a number"):
        sm.update_record({"x": "1.0"}, key=("north", 1))
    # the columns were not fixed by the refused records
    assert sm.update_record({"y": 2.0}, key=("north", 1)) == {"y": 2.0}
    assert sm.keys == [("north", 1)]


# (the zero-started mean counts samples: it takes no time stamps)
ALONE = [(s, o, timed) for s, o in CASES for timed in (False, True)
         if not (timed and o.get("bias_correction") is False)]


@pytest.mark.parametrize("stat, options, timed", ALONE,
                         ids=[f"{s}-{o}-{'timed' if t else 'rows'}" for s, o, t in ALONE])
def test_each_keys_rows_equal_that_key_alone_bit_for_bit(stat, options, timed):
    # the keyed path (the compiled grouped scan) against the unkeyed one (the Numba scan)
    df = _frame(120, 3)
    keyed = _batch(df, stat, options, True, timed)
    for key in df["sensor"].unique():
        rows = df[df["sensor"] == key]
        alone = _batch(rows, stat, options, False, timed)
        pd.testing.assert_frame_equal(keyed.loc[rows.index], alone, check_exact=True)


def _sorted_codes(keys: np.ndarray) -> tuple[list, np.ndarray]:
    uniques, codes = np.unique(keys, return_inverse=True)
    return uniques.tolist(), codes


@given(st.lists(st.integers(-1, 5), max_size=60), st.integers(6, 9))
@settings(max_examples=200, deadline=None)
def test_coded_keys_give_the_codes_of_the_keys_themselves(codes, size):
    """The command's keys come coded (code -1: missing): the same codes, in order
    of first appearance, and the same keys as pandas' factorize of the keys."""
    uniques = [f"k{i}" for i in range(size)]
    coded = CodedKeys(np.array(codes, dtype=np.intp), uniques)
    plain = np.array([None if c < 0 else uniques[c] for c in codes], dtype=object)
    got, expected = key_codes([coded]), key_codes([plain])
    np.testing.assert_array_equal(got[0], expected[0])
    assert got[1] == expected[1]
    assert coded.tolist() == [MISSING_KEY if k is None else k for k in plain]
