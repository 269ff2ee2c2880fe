"""Bad input: each gives a clear error that names the parameter."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CASES

import streamstats as ss


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
