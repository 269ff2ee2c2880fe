"""Bad input: each gives a clear error that names the parameter."""

from __future__ import annotations

import numpy as np
import pytest

import streamstats as ss
from tests.registry import CASES


@pytest.mark.parametrize("case", CASES, ids=repr)
@pytest.mark.parametrize(
    "params,message",
    [
        ({}, "exactly one of beta, alpha, span, com, halflife \\(got none\\)"),
        ({"beta": 0.9, "alpha": 0.1}, "got beta, alpha"),
        ({"beta": 1.0}, "beta must be in \\[0, 1\\), got 1.0"),
        ({"beta": -0.1}, "beta must be in"),
        ({"alpha": 0.0}, "alpha must be in \\(0, 1\\], got 0.0"),
        ({"span": 0.5}, "span must be >= 1, got 0.5"),
        ({"span": -3}, "span must be >= 1, got -3.0"),
        ({"com": -1}, "com must be >= 0"),
        ({"halflife": 0}, "halflife must be > 0"),
        ({"halflife": "-5min"}, "halflife must be a positive duration"),
        ({"halflife": "soon"}, "halflife='soon' is not a duration"),
        ({"beta": float("nan")}, "beta must be finite"),
        ({"beta": 0.9, "min_periods": -1}, "min_periods must be >= 0, got -1"),
    ],
)
def test_invalid_parameters(case, params, message):
    with pytest.raises(ValueError, match=message):
        case.cls(**{**case.params, **params})


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_wrong_types(case):
    with pytest.raises(TypeError, match="beta must be a number"):
        case.cls(**case.params, beta="0.9")
    with pytest.raises(TypeError, match="min_periods must be an integer"):
        case.cls(**case.params, beta=0.9, min_periods=1.5)
    acc = case.make(beta=0.9)
    with pytest.raises(TypeError, match="must be numeric"):
        acc.update_many(*([np.array(["a", "b"])] * case.inputs))
    with pytest.raises(TypeError, match="must be numeric"):
        acc.update(*(["1.0"] * case.inputs))
    with pytest.raises(TypeError, match="must be numeric"):
        acc.update_many(*([np.array([1.0, object()], dtype=object)] * case.inputs))
    with pytest.raises(TypeError, match="ys"):
        ss.EWCov(0.9).update_many(np.zeros(2))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_shape_changes_are_errors(case):
    acc = case.make(beta=0.9)
    acc.update(*([np.zeros(3)] * case.inputs))
    with pytest.raises(ValueError, match="shape"):
        acc.update(*([np.zeros(4)] * case.inputs))


def test_merge_needs_matching_accumulators():
    a, b = ss.EWVar(0.9), ss.EWVar(0.8)
    with pytest.raises(ValueError, match="same parameters"):
        a.merge(b)
    with pytest.raises(ValueError, match="same parameters"):
        a.merge(ss.EWStd(0.9))
    seeded = ss.EWA(0.9, init="first")
    with pytest.raises(ValueError, match="cannot be merged"):
        seeded.merge(seeded.copy())


def test_batch_argument_errors():
    with pytest.raises(ValueError, match="bias_correction=True already fixes the start"):
        ss.ewa([1.0], 0.9, bias_correction=True, init="first")
    with pytest.raises(ValueError, match="init must be 'zero' or 'first'"):
        ss.ewa([1.0], 0.9, init="last")
    with pytest.raises(ValueError, match="at least 1-D"):
        ss.ewa(1.0, 0.9)
    with pytest.raises(TypeError, match="multiple values for argument .beta."):
        ss.ewvar([1.0], 0.9, beta=0.9)
    with pytest.raises(ValueError, match="state must have the fields"):
        ss.ewa([1.0], 0.9, state={"v": 1.0})


def _damaged(case, field_index: int, value):
    """A real mid-stream to_dict of ``case`` with one state field replaced."""
    acc = case.make(beta=0.5)
    acc.update_many(*([np.array([1.0, 2.0, 4.0])] * case.inputs))
    data = acc.to_dict()
    name = list(data["state"])[field_index]
    data["state"] = {**data["state"], name: value}
    return data, name


@pytest.mark.parametrize("case", CASES, ids=repr)
@pytest.mark.parametrize("where, value, message", [
    (0, float("inf"), "must be finite"),
    (-4, -3, "must count rows"),  # count
    (-4, 2.5, "must count rows"),
    (-3, -1, "must count rows"),  # missing
    (0, "x", "must hold numbers"),
])
def test_impossible_states_are_refused_on_load(case, where, value, message):
    data, name = _damaged(case, where, value)
    with pytest.raises(ValueError, match=f"field '{name}' {message}"):
        type(case.make(beta=0.5)).from_dict(data)


@pytest.mark.parametrize("case", [c for c in CASES if c.name not in ("EWA", "EWSecondMoment")],
                         ids=repr)
def test_negative_weights_and_moments_of_nothing_are_refused(case):
    acc = case.make(beta=0.5)
    acc.update_many(*([np.array([1.0, 2.0, 4.0])] * case.inputs))
    state = acc.state._asdict()
    with pytest.raises(ValueError, match="'weight' must be >= 0"):
        type(acc).from_state({**state, "weight": -1.0}, **acc.params)
    empty = {**state, "count": 0, "missing": 0, "t_first": None, "t_last": None}
    with pytest.raises(ValueError, match="where no sample has been counted"):
        type(acc).from_state(empty, **acc.params)


def test_hidden_state_and_bad_containers_are_refused():
    with pytest.raises(ValueError, match="where no sample has been counted"):
        ss.EWA.from_state({"v": 5.0, "count": 0, "missing": 0, "t_first": None,
                           "t_last": None}, beta=0.5)
    with pytest.raises(ValueError, match="to_dict data of a 'NoneType'"):
        ss.EWA.from_dict(None)
    with pytest.raises(ValueError, match="needs 'state'"):
        ss.EWA.from_dict({"type": "EWA", "params": {"beta": 0.5}})
    with pytest.raises(TypeError, match="state must be a EWAState or a mapping"):
        ss.EWA.from_state([1.0, 2, 0, None, None], beta=0.5)


def test_the_time_kind_is_stored_not_guessed_from_the_json_number():
    acc = ss.BiasCorrectedEWA(halflife=2.0)
    acc.update_many(np.array([1.0, 3.0]), times=np.array([0.0, 2.0]))
    data = acc.to_dict()
    assert data["time_kind"] == "s"
    data["state"] = {**data["state"], "t_first": 0, "t_last": 2}  # a JSON tool wrote 2.0 as 2
    again = ss.BiasCorrectedEWA.from_dict(data)
    again.update(5.0, t=4.0)  # seconds, as before
    acc.update(5.0, t=4.0)
    assert again.value == acc.value
    data["state"] = {**data["state"], "t_first": 3.0}
    with pytest.raises(ValueError, match="t_first 3.0 is after t_last 2"):
        ss.BiasCorrectedEWA.from_dict(data)


def test_online_smoother_data_is_checked_on_load():
    import pandas as pd

    sm = ss.OnlineSmoother(halflife=2.0, times="t", by="k")
    sm.update(pd.DataFrame({"t": [0.0, 1.0], "k": ["a", "b"], "x": [1.0, 2.0]}))
    good = sm.to_dict()
    for change, message in [
        ({"last": []}, "one entry per key"),
        ({"seen": [1, 1, 1]}, "one entry per key"),
        ({"keys": ["a", "a"]}, "lists a key twice"),
        ({"time_kind": "ms"}, "time_kind must be"),
        ({"state": {"mean": [[1.0, 1.0], [-1.0, 1.0], [1, 1], [0, 0]]}}, "'weight' must be"),
    ]:
        with pytest.raises(ValueError, match=message):
            ss.OnlineSmoother.from_dict({**good, **change})
    with pytest.raises(ValueError, match="not an OnlineSmoother"):
        ss.OnlineSmoother.from_dict({"type": "EWA"})
    assert ss.OnlineSmoother.from_dict(good).to_dict() == good


def test_an_empty_first_chunk_fixes_no_columns():
    import pandas as pd

    sm = ss.OnlineSmoother(beta=0.5)
    first = sm.update(pd.DataFrame({"x": pd.Series([], dtype=object)}))
    assert len(first) == 0
    got = sm.update(pd.DataFrame({"x": [1.0, 2.0]}))
    assert got["x"].tolist() == pytest.approx([1.0, 5 / 3])


def test_a_mean_near_the_largest_float_does_not_overflow():
    import pandas as pd

    x = pd.Series([1e308, -1e308, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(x.ewa.smooth(beta=0.5), x.ewm(alpha=0.5).mean(), rtol=1e-15)


def test_import_works_without_sched_getaffinity(monkeypatch):
    import importlib
    import os

    from streamstats._core import blocked

    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    try:
        assert importlib.reload(blocked).THREADS == max(1, min(os.cpu_count() or 1, 8))
    finally:
        monkeypatch.undo()
        importlib.reload(blocked)
