"""Fused elementwise kernels: the dense accumulators' updates and one optimizer step
per parameter array in a single pass over memory.

Every kernel inlines the accumulators' own one-sample steps (``_core.rules``) and the
optimizers' rules (``optim._rules``); nothing here restates a formula. The element
functions take and return scalars (passing arrays into an inlined function costs a
reference count per element and stops vectorisation); each loop then stores a moment
in the parameter's dtype and reads it back before use, so float32 state rounds
exactly as the composed path's does. Each loop comes twice: with ``prange`` (threads,
vectorised) for large arrays, and plain for small ones, where starting threads would
cost more than the work.
"""

from __future__ import annotations

from numba import njit, prange

from .._core import rules
from ._rules import (
    l2_penalty,
    momentum_update,
    rms_direction,
    rms_step,
)

__all__ = ["PARALLEL_MIN", "dense_ewa", "dense_mean", "momentum", "rmsprop", "adam"]

#: arrays with fewer elements run the single-threaded loops
PARALLEL_MIN = 1 << 16

_inline = njit(inline="always", error_model="numpy")
ewa_step = _inline(rules.ewa_step)
mean_step = _inline(rules.mean_step)

_serial = njit(cache=True, nogil=True, error_model="numpy")
_parallel = njit(cache=True, nogil=True, parallel=True, error_model="numpy")


def _pick(serial, parallel):
    def run(n: int, *args):
        return (parallel if n >= PARALLEL_MIN else serial)(*args)
    return run


@_inline
def _sample(x, square):
    return x * x if square else x


# -- dense accumulators: one sample = a whole array ----------------------------------


@_serial
def _dense_ewa_serial(v, x, d, a, square):
    for i in range(v.shape[0]):
        v[i] = ewa_step(v[i], _sample(x[i], square), d, a, True)[0]


@_parallel
def _dense_ewa_parallel(v, x, d, a, square):
    for i in prange(v.shape[0]):
        v[i] = ewa_step(v[i], _sample(x[i], square), d, a, True)[0]


@_serial
def _dense_mean_serial(m, w, x, d, a, square):
    for i in range(m.shape[0]):
        m[i] = mean_step(m[i], w, _sample(x[i], square), d, a, True)[0]


@_parallel
def _dense_mean_parallel(m, w, x, d, a, square):
    for i in prange(m.shape[0]):
        m[i] = mean_step(m[i], w, _sample(x[i], square), d, a, True)[0]


dense_ewa = _pick(_dense_ewa_serial, _dense_ewa_parallel)
dense_mean = _pick(_dense_mean_serial, _dense_mean_parallel)


# -- optimizers: (p, g, state arrays, scalars) ------------------------------------------


@_serial
def _momentum_serial(p, g, v, lr, l2, d, a, nesterov):
    for i in range(p.shape[0]):
        gi = l2_penalty(g[i], p[i], l2)
        v[i] = ewa_step(v[i], gi, d, a, True)[0]
        p[i] = momentum_update(p[i], v[i], gi, lr, d, a, nesterov)


@_parallel
def _momentum_parallel(p, g, v, lr, l2, d, a, nesterov):
    for i in prange(p.shape[0]):
        gi = l2_penalty(g[i], p[i], l2)
        v[i] = ewa_step(v[i], gi, d, a, True)[0]
        p[i] = momentum_update(p[i], v[i], gi, lr, d, a, nesterov)


@_serial
def _rmsprop_serial(p, g, s, gm, buf, lr, l2, d, a, eps_in, eps_out, centered, mom):
    for i in range(p.shape[0]):
        gi = l2_penalty(g[i], p[i], l2)
        s[i] = ewa_step(s[i], gi * gi, d, a, True)[0]
        if centered:
            gm[i] = ewa_step(gm[i], gi, d, a, True)[0]
        step = rms_step(gi, s[i], gm[i] if centered else 0.0, eps_in, eps_out, centered)
        if mom != 0.0:
            buf[i] = ewa_step(buf[i], step, mom, 1.0, True)[0]
            step = buf[i]
        p[i] = p[i] - lr * step


@_parallel
def _rmsprop_parallel(p, g, s, gm, buf, lr, l2, d, a, eps_in, eps_out, centered, mom):
    for i in prange(p.shape[0]):
        gi = l2_penalty(g[i], p[i], l2)
        s[i] = ewa_step(s[i], gi * gi, d, a, True)[0]
        if centered:
            gm[i] = ewa_step(gm[i], gi, d, a, True)[0]
        step = rms_step(gi, s[i], gm[i] if centered else 0.0, eps_in, eps_out, centered)
        if mom != 0.0:
            buf[i] = ewa_step(buf[i], step, mom, 1.0, True)[0]
            step = buf[i]
        p[i] = p[i] - lr * step


@_serial
def _adam_serial(p, g, m, s, vmax, lr, l2, shrink, d1, a1, w1, d2, a2, w2, w2_new, eps_in,
                 eps_out, amsgrad):
    for i in range(p.shape[0]):
        pi, gi = p[i] * shrink, l2_penalty(g[i], p[i], l2)
        m[i] = mean_step(m[i], w1, gi, d1, a1, True)[0]
        s[i] = mean_step(s[i], w2, gi * gi, d2, a2, True)[0]
        if amsgrad:  # the maximum of the uncorrected second moment, as torch keeps it
            vmax[i] = max(vmax[i], s[i] * w2_new)
        p[i] = pi - lr * rms_direction(m[i], vmax[i] / w2_new if amsgrad else s[i], eps_in,
                                       eps_out)


@_parallel
def _adam_parallel(p, g, m, s, vmax, lr, l2, shrink, d1, a1, w1, d2, a2, w2, w2_new, eps_in,
                   eps_out, amsgrad):
    for i in prange(p.shape[0]):
        pi, gi = p[i] * shrink, l2_penalty(g[i], p[i], l2)
        m[i] = mean_step(m[i], w1, gi, d1, a1, True)[0]
        s[i] = mean_step(s[i], w2, gi * gi, d2, a2, True)[0]
        if amsgrad:  # the maximum of the uncorrected second moment, as torch keeps it
            vmax[i] = max(vmax[i], s[i] * w2_new)
        p[i] = pi - lr * rms_direction(m[i], vmax[i] / w2_new if amsgrad else s[i], eps_in,
                                       eps_out)


momentum = _pick(_momentum_serial, _momentum_parallel)
rmsprop = _pick(_rmsprop_serial, _rmsprop_parallel)
adam = _pick(_adam_serial, _adam_parallel)
