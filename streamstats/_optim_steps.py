"""The optimizers' update rules, written once, for one element or whole arrays.

Plain arithmetic (``np.sqrt`` works on floats and arrays), so the composed path
calls them on numpy arrays and the fused kernels of ``_fused`` inline them per
element: both run the same operations in the same order. The moments themselves
are the accumulators' steps (``_steps.ewa_step``, ``_steps.mean_step``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["l2_penalty", "decoupled_decay", "rms_direction", "centered_second_moment",
           "nesterov_direction"]


def l2_penalty(g, p, weight_decay: float):
    """Weight decay as an L2 term in the gradient (torch's ``weight_decay``);
    ``g + 0.0 * p`` is ``g`` without it."""
    return g + weight_decay * p


def decoupled_decay(p, lr: float, weight_decay: float):
    """AdamW's decoupled weight decay, ``p * (1 - lr * weight_decay)`` (``p * 1.0``,
    exact, without it)."""
    return p * (1.0 - lr * weight_decay)


def rms_direction(g, s, eps_in: float, eps_out: float):
    """``g / (sqrt(s + eps_in) + eps_out)``: the lecture puts ``eps`` inside the
    root (``eps_out = 0``), torch outside (``eps_in = 0``); adding 0 is exact."""
    return g / (np.sqrt(s + eps_in) + eps_out)


def centered_second_moment(s, mean):
    """The centered second moment (variance estimate) of centered RMSprop."""
    return s - mean * mean


def nesterov_direction(g, v, beta: float, a: float):
    """Nesterov's look-ahead ``a * g + beta * v`` (torch: ``a = 1``)."""
    return a * g + beta * v
