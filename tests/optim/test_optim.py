"""Optimizers: the lecture's formulas by hand, torch parity step by step (one
registry of configurations), the equivalences (EWA momentum == heavy ball with
lr * (1 - beta), composed == fused), save/load, schedules, bad input, and 10 million
float32 Adam steps."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from streamstats import schedules as sch
from streamstats.optim import Adam, AdamW, Momentum, RMSprop

# -- the lecture's formulas, by hand ----------------------------------------------------


def test_momentum_is_the_lecture_ewa_of_the_gradients():
    w, grads = np.array([2.0]), [np.array([1.0]), np.array([-3.0]), np.array([0.5])]
    opt, v, expected = Momentum(lr=0.1, beta=0.9), 0.0, 2.0
    for g in grads:
        opt.step(w, g)
        v = 0.9 * v + 0.1 * g[0]            # v = beta v + (1 - beta) dw, v0 = 0
        expected -= 0.1 * v                 # w = w - alpha v
        assert w[0] == pytest.approx(expected, rel=1e-15)


def test_rmsprop_is_the_lecture_rule_with_eps_inside_the_root():
    w, opt, s, expected = np.array([1.0]), RMSprop(lr=0.01, beta=0.9, eps=1e-8), 0.0, 1.0
    for g in (2.0, -1.0, 0.25):
        opt.step(w, np.array([g]))
        s = 0.9 * s + 0.1 * g * g           # S = beta S + (1 - beta) dw**2
        expected -= 0.01 * g / math.sqrt(s + 1e-8)
        assert w[0] == pytest.approx(expected, rel=1e-14)


def test_adam_is_the_lecture_rule_with_both_corrections():
    w, opt = np.array([1.0]), Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    v = s = 0.0
    expected = 1.0
    for t, g in enumerate((2.0, -1.0, 0.25, 4.0), start=1):
        opt.step(w, np.array([g]))
        v = 0.9 * v + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        v_hat, s_hat = v / (1 - 0.9**t), s / (1 - 0.999**t)
        expected -= 0.01 * v_hat / math.sqrt(s_hat + 1e-8)
        assert w[0] == pytest.approx(expected, rel=1e-14)
    m, s_acc = opt.state[0]["m"], opt.state[0]["s"]
    assert m.value[0] == pytest.approx(v_hat, rel=1e-14)
    assert s_acc.state.weight == pytest.approx(1 - 0.999**4, rel=1e-14)


# -- one registry: every configuration, with its torch twin -----------------------------

CONFIGS = {
    "sgd-momentum": (lambda lr: Momentum(lr, 0.9, form="heavy_ball"),
                     lambda t, p, lr: t.optim.SGD(p, lr=lr, momentum=0.9)),
    "sgd-nesterov-wd": (lambda lr: Momentum(lr, 0.8, form="heavy_ball", nesterov=True,
                                            weight_decay=0.01),
                        lambda t, p, lr: t.optim.SGD(p, lr=lr, momentum=0.8, nesterov=True,
                                                     weight_decay=0.01)),
    "rmsprop": (lambda lr: RMSprop(lr, 0.99, 1e-8, eps_inside_sqrt=False),
                lambda t, p, lr: t.optim.RMSprop(p, lr=lr, alpha=0.99, eps=1e-8)),
    "rmsprop-centered-momentum-wd": (
        lambda lr: RMSprop(lr, 0.99, 1e-8, eps_inside_sqrt=False, centered=True, momentum=0.5,
                           weight_decay=0.01),
        lambda t, p, lr: t.optim.RMSprop(p, lr=lr, alpha=0.99, eps=1e-8, centered=True,
                                         momentum=0.5, weight_decay=0.01)),
    "adam": (lambda lr: Adam(lr, eps_inside_sqrt=False),
             lambda t, p, lr: t.optim.Adam(p, lr=lr)),
    "adam-amsgrad-wd": (lambda lr: Adam(lr, 0.8, 0.99, eps_inside_sqrt=False, amsgrad=True,
                                        weight_decay=0.01),
                        lambda t, p, lr: t.optim.Adam(p, lr=lr, betas=(0.8, 0.99), amsgrad=True,
                                                      weight_decay=0.01)),
    "adamw": (lambda lr: AdamW(lr, eps_inside_sqrt=False),
              lambda t, p, lr: t.optim.AdamW(p, lr=lr)),
}
NAMES = sorted(CONFIGS)
# Rosenbrock's valley amplifies rounding: step sizes at which its iteration is not
# chaotic (with larger ones two implementations' last bits soon part ways)
ROSENBROCK_LR = {"sgd": 1e-4, "rmsprop": 1e-4, "adam": 1e-3}


def _rosenbrock_grad(x: np.ndarray) -> np.ndarray:
    a, b = float(x[0]), float(x[1])
    return np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


def _parity(name, dtype, problem):
    torch = pytest.importorskip("torch")
    ours_make, torch_make = CONFIGS[name]
    tdtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    rng = np.random.default_rng(5)
    if problem == "rosenbrock":
        lr = ROSENBROCK_LR[name.split("-")[0].replace("adamw", "adam")]
        params = [np.array([-1.5, 2.0], dtype=dtype)]

        def grads(ws):
            return [_rosenbrock_grad(ws[0]).astype(dtype)]
    else:
        lr = 1e-2
        params = [rng.standard_normal((7, 5)).astype(dtype), rng.standard_normal(5).astype(dtype)]
        stream = np.random.default_rng(6)

        def grads(ws):
            return [(stream.standard_normal(w.shape) + 0.1 * w).astype(dtype) for w in ws]
    twins = [torch.nn.Parameter(torch.tensor(p.copy(), dtype=tdtype)) for p in params]
    ours, theirs = ours_make(lr), torch_make(torch, twins, lr)
    for _ in range(1000):
        g = grads(params)
        ours.step(params, g)
        for tw, gi in zip(twins, g):
            tw.grad = torch.tensor(gi, dtype=tdtype)
        theirs.step()
        for p, tw in zip(params, twins):
            expected = tw.detach().numpy()
            scale = np.abs(expected).max()
            rtol = 1e-10 if dtype == np.float64 else 1e-5
            np.testing.assert_allclose(p, expected, rtol=rtol, atol=rtol * scale)
    assert all(p.dtype == dtype for p in params)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("problem", ["rosenbrock", "random"])
@pytest.mark.parametrize("name", NAMES)
def test_parity_with_torch_step_by_step(name, problem, dtype):
    _parity(name, dtype, problem)


# -- equivalences -----------------------------------------------------------------------

OURS = {
    **{name: make for name, (make, _) in CONFIGS.items()},
    "momentum-ewa": lambda lr: Momentum(lr, 0.9),
    "momentum-ewa-nesterov-wd": lambda lr: Momentum(lr, 0.9, nesterov=True, weight_decay=0.1),
    "rmsprop-lecture": lambda lr: RMSprop(lr, 0.9),
    "rmsprop-lecture-centered": lambda lr: RMSprop(lr, 0.9, centered=True, momentum=0.9),
    "adam-lecture": lambda lr: Adam(lr),
    "adam-lecture-amsgrad-decoupled": lambda lr: Adam(lr, amsgrad=True, weight_decay=0.1,
                                                      decoupled_weight_decay=True),
}


def _model(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return {"W": rng.standard_normal((300, 300)).astype(dtype),  # large: the threaded kernels
            "layers": [rng.standard_normal(17).astype(dtype), rng.standard_normal((3, 4))
                       .astype(dtype)]}


def _grads(params, rng):
    return {"W": (rng.standard_normal(params["W"].shape) + 0.1 * params["W"]),
            "layers": [rng.standard_normal(p.shape) for p in params["layers"]]}


def _flat(params):
    return np.concatenate([params["W"].ravel(), *[p.ravel() for p in params["layers"]]])


@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_composed_path_equals_fused_path(name, dtype):
    fused_params, composed_params = _model(dtype), _model(dtype)
    fused, composed = OURS[name](1e-2), OURS[name](1e-2)
    rng = np.random.default_rng(1)
    for _ in range(30):
        g = _grads(fused_params, rng)
        fused.step(fused_params, g)
        composed.step(composed_params, g, fused=False)
    if dtype == np.float64:  # the same operations in the same order
        np.testing.assert_array_equal(_flat(composed_params), _flat(fused_params))
    else:  # float32: the kernels and numpy promote a few scalar constants differently
        np.testing.assert_allclose(_flat(composed_params), _flat(fused_params), rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("nesterov", [False, True])
def test_ewa_momentum_is_heavy_ball_with_a_scaled_rate(nesterov):
    """The lecture's alpha' = (1 - beta) alpha, at every step."""
    beta, lr = 0.9, 0.05
    a, b = _model(np.float64), _model(np.float64)
    ewa = Momentum(lr, beta, nesterov=nesterov)
    heavy = Momentum(lr * (1 - beta), beta, form="heavy_ball", nesterov=nesterov)
    rng = np.random.default_rng(2)
    for _ in range(200):
        g = _grads(a, rng)
        ewa.step(a, g)
        heavy.step(b, g)
        np.testing.assert_allclose(_flat(a), _flat(b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(OURS))
def test_state_dict_save_load_continues_bit_for_bit(name):
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    whole, parts = _model(np.float32), _model(np.float32)
    uninterrupted = OURS[name](1e-2)
    for _ in range(20):
        uninterrupted.step(whole, _grads(whole, rng_a))
    first = OURS[name](1e-2)
    for _ in range(12):
        first.step(parts, _grads(parts, rng_b))
    saved = first.state_dict()
    snapshot = copy.deepcopy(saved)
    resumed = OURS[name](1e-2)
    resumed.load_state_dict(saved)
    for _ in range(8):
        resumed.step(parts, _grads(parts, rng_b))
    np.testing.assert_array_equal(_flat(parts), _flat(whole))
    # loading neither kept nor changed the saved arrays
    for got, kept in zip(_state_arrays(saved), _state_arrays(snapshot), strict=True):
        np.testing.assert_array_equal(got, kept)


def _state_arrays(state_dict):
    """Every array of a state_dict, in order."""
    out = []
    for entry in state_dict["state"]:
        for value in entry.values():
            values = value.values() if isinstance(value, dict) else [value]
            out.extend(v for v in values if isinstance(v, np.ndarray))
    return out


def test_lr_schedule_advances_per_step():
    w1, w2 = np.array([1.0]), np.array([1.0])
    scheduled = Momentum(sch.inverse_time_decay(0.1, 0.5), 0.9)
    by_hand = Momentum(0.1, 0.9)
    for t in range(1, 6):
        scheduled.step(w1, np.array([1.0]))
        by_hand.lr = 0.1 / (1 + 0.5 * t)  # the schedule's value at step t
        by_hand.step(w2, np.array([1.0]))
        assert w1[0] == w2[0]


@pytest.mark.slow
def test_float32_stays_float32_and_many_adam_steps_stay_finite():
    """Ten million float32 Adam steps: the step count is a Python int and the bias
    correction a weight that tends to 1, so nothing underflows."""
    w = np.array([0.5, -0.25], dtype=np.float32)
    g = np.array([1e-3, -2.0], dtype=np.float32)
    opt = Adam(1e-7, eps_inside_sqrt=False)
    for _ in range(10_000_000):
        opt.step(w, g)
    assert w.dtype == np.float32 and np.isfinite(w).all()
    # the weight 1 - beta**t, kept by its float32 recursion, settles next to 1
    assert opt.count == 10_000_000 and opt.state[0]["m"].state.weight == pytest.approx(1, 1e-6)
    np.testing.assert_array_equal(opt.state[0]["m"].value, g)  # a constant gradient's mean


BAD = [
    (lambda: Adam(0.0), ValueError, "lr must be > 0"),
    (lambda: Adam(-1e-3), ValueError, "lr must be > 0"),
    (lambda: Adam(float("nan")), ValueError, "lr must be finite"),
    (lambda: Adam(1e-3, beta1=1.0), ValueError, "beta1 must be >= 0.0 and < 1.0"),
    (lambda: Adam(1e-3, eps=float("inf")), ValueError, "eps must be finite"),
    (lambda: RMSprop(1e-3, momentum=-0.5), ValueError, "momentum must be >= 0"),
    (lambda: Momentum(1e-3, form="nesterov"), ValueError, "form must be 'ewa' or 'heavy_ball'"),
    (lambda: Momentum("0.1"), TypeError, "lr must be a number or a schedule"),
    (lambda: Adam(1e-3).step({"a": np.ones(2)}, {"b": np.ones(2)}), ValueError,
     "gradients of params must be a dict with the keys"),
    (lambda: Adam(1e-3).step([np.ones(2), np.ones(3)], [np.ones(2)]), ValueError,
     "must be a list of 2"),
    (lambda: Adam(1e-3).step({"a": [np.ones(2)]}, {"a": [np.ones(3)]}), ValueError,
     r"gradient of params\['a'\]\[0\] has shape \(3,\)"),
    (lambda: Adam(1e-3).step(np.ones(2, dtype=int), np.ones(2)), TypeError,
     "params must be float32 or float64"),
    (lambda: Adam(1e-3).step(np.ones((2, 2))[:, 0], np.ones(2)), ValueError,
     "C-contiguous"),
    (lambda: Adam(1e-3).step(np.ones(2), np.array(["a", "b"])), TypeError, "must be numeric"),
]


@pytest.mark.parametrize("call, error, message", BAD, ids=[m for _, _, m in BAD])
def test_bad_input_names_the_problem(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_changed_structure_is_an_error_and_hyperparameters_are_checked_when_set():
    opt = Adam(1e-3)
    opt.step(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"params is float64\[4\], its state float64\[3\]"):
        opt.step(np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="lr must be > 0"):
        opt.lr = 0.0


def test_state_follows_the_parameter_path_not_the_dict_order():
    """The same model's dict built in another key order keeps each array's moments:
    bit for bit the run in one order."""
    grads = [{"a": np.full(2, float(s)), "b": np.full(2, 100.0 - s)} for s in range(1, 6)]
    one, other = Adam(lr=0.1), Adam(lr=0.1)
    p1 = {"a": np.ones(2), "b": np.full(2, 5.0)}
    p2 = {"a": np.ones(2), "b": np.full(2, 5.0)}
    for i, g in enumerate(grads):
        one.step(p1, g)
        if i % 2:  # every other step the caller builds the dicts the other way round
            other.step({"b": p2["b"], "a": p2["a"]}, {"b": g["b"], "a": g["a"]})
        else:
            other.step(p2, g)
    np.testing.assert_array_equal(p1["a"], p2["a"])
    np.testing.assert_array_equal(p1["b"], p2["b"])
    saved = other.state_dict()
    assert saved["paths"] == ["params['a']", "params['b']"]
    again = Adam(lr=0.1)
    again.load_state_dict(saved)
    q = {"b": p2["b"].copy(), "a": p2["a"].copy()}
    again.step(q, {"b": np.ones(2), "a": np.ones(2)})
    one.step(p1, {"a": np.ones(2), "b": np.ones(2)})
    np.testing.assert_array_equal(q["a"], p1["a"])
    with pytest.raises(ValueError, match=r"params\['c'\] has no state"):
        again.step({"a": q["a"], "c": q["b"]}, {"a": np.ones(2), "c": np.ones(2)})


@pytest.mark.parametrize("schedule", [sch.cosine_decay(0.1, 20), sch.polynomial_decay(0.1, 20)])
def test_a_schedule_that_reaches_zero_ends_training_without_an_error(schedule):
    w = np.ones(3)
    opt = Adam(lr=schedule)
    for _ in range(25):
        before = w.copy()
        opt.step(w, np.full(3, 0.5))
    np.testing.assert_array_equal(w, before)  # lr 0: the parameters stay
    assert opt.hyperparameters(25)["lr"] == 0.0
    assert opt.state[0]["m"].count == 25  # the moments go on


@pytest.mark.parametrize("state, message", [
    ({"count": "x", "state": [{"m": {}, "s": {}}]}, "count must be a whole number"),
    ({"count": 1, "state": [{}]}, "must be a dict of moments"),
    ({"count": 1}, "a state_dict is a dict"),
    ({"count": 1, "state": [{"m": {"mean": [1.0], "weight": -1.0, "count": 1},
                             "s": {"mean": [1.0], "weight": 0.5, "count": 1}}]},
     "'weight' must be >= 0"),
    ({"count": 1, "state": [{"m": {"mean": [np.inf], "weight": 0.1, "count": 1},
                             "s": {"mean": [1.0], "weight": 0.5, "count": 1}}]}, "finite"),
    ({"count": -1, "state": []}, "count must be a whole number"),
])
def test_load_state_dict_says_what_is_wrong(state, message):
    with pytest.raises(ValueError, match=message):
        Adam(lr=0.1).load_state_dict(state)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_a_numpy_matrix_is_refused_clearly():
    with pytest.raises(TypeError, match="params must be a numpy.ndarray, got matrix"):
        Adam(lr=0.1).step(np.asmatrix(np.ones((2, 2))), np.ones((2, 2)))


@pytest.mark.parametrize("name", list(OURS))
def test_the_serial_and_threaded_twin_loops_agree_bit_for_bit(name, monkeypatch):
    """Each fused loop is written twice (threads for large arrays, plain for small
    ones); the same model run all-serial and all-threaded ends bit for bit equal."""
    from streamstats.optim import _fused

    results = []
    for threshold in (0, 1 << 62):  # every array threaded, then every array serial
        monkeypatch.setattr(_fused, "PARALLEL_MIN", threshold)
        params, opt, rng = _model(np.float32), OURS[name](1e-2), np.random.default_rng(3)
        for _ in range(10):
            opt.step(params, _grads(params, rng))
        results.append(_flat(params))
    np.testing.assert_array_equal(results[0], results[1])
