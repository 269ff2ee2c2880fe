"""The optimizers' update rules, written once, for one element or whole arrays.

Plain arithmetic (``np.sqrt`` works on floats and arrays), so the composed path
calls them on numpy arrays and the fused kernels of ``_fused`` call them per element
(``register_jitable``: the same function, compiled): both run the same operations
in the same order. The moments themselves
are the accumulators' steps (``rules.ewa_step``, ``rules.mean_step``).
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

__all__ = ["l2_penalty", "decoupled_decay", "rms_direction", "centered_second_moment",
           "nesterov_direction", "momentum_update", "rms_step"]


@register_jitable
def l2_penalty(g, p, weight_decay: float):
    """Weight decay as an L2 term in the gradient (torch's ``weight_decay``);
    ``g + 0.0 * p`` is ``g`` without it."""
    return g + weight_decay * p


@register_jitable
def decoupled_decay(p, lr: float, weight_decay: float):
    """AdamW's decoupled weight decay, ``p * (1 - lr * weight_decay)`` (``p * 1.0``,
    exact, without it)."""
    return p * (1.0 - lr * weight_decay)


@register_jitable
def rms_direction(g, s, eps_in: float, eps_out: float):
    """``g / (sqrt(s + eps_in) + eps_out)``: the lecture puts ``eps`` inside the
    root (``eps_out = 0``), torch outside (``eps_in = 0``); adding 0 is exact."""
    return g / (np.sqrt(s + eps_in) + eps_out)


@register_jitable
def centered_second_moment(s, mean):
    """The centered second moment (variance estimate) of centered RMSprop."""
    return s - mean * mean


@register_jitable
def nesterov_direction(g, v, beta: float, a: float):
    """Nesterov's look-ahead ``a * g + beta * v`` (torch: ``a = 1``)."""
    return a * g + beta * v


@register_jitable
def momentum_update(p, v, g, lr: float, beta: float, a: float, nesterov: bool):
    """``p - lr * v``, or with Nesterov ``p - lr * (a * g + beta * v)``."""
    return p - lr * (nesterov_direction(g, v, beta, a) if nesterov else v)


@register_jitable
def rms_step(g, s, mean, eps_in: float, eps_out: float, centered: bool):
    """RMSprop's step direction from the second moment ``s`` (centered: minus the
    squared mean gradient)."""
    return rms_direction(g, centered_second_moment(s, mean) if centered else s, eps_in, eps_out)
