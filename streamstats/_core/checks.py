"""What a loaded state must satisfy before a stream continues from it.

A state read back from JSON, a checkpoint or a hand-made dict may be damaged or
impossible (a negative weight, a fractional count, an infinite mean, a moment of a
stream that has seen nothing). Continuing from it would write wrong numbers with
no error, so every loader (``from_state``/``from_dict``, ``OnlineSmoother.from_dict``,
``load_state_dict``, the command's checkpoints) checks it here first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["check_state_fields", "check_count"]

#: fields that count rows: whole numbers >= 0
_COUNTS = ("count", "missing")
#: fields that are sums of weights or of squares: >= 0
_NON_NEGATIVE = ("weight", "var", "var_x", "var_y", "s1sq_minus_s2")


def check_count(value: Any, what: str) -> int:
    """A whole number >= 0 (an int, or a float with no fraction, as JSON may give)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{what} must be a whole number >= 0, got {value!r}")
    if not (np.isfinite(value) and value >= 0 and float(value).is_integer()):
        raise ValueError(f"{what} must be a whole number >= 0, got {value!r}")
    return int(value)


def check_state_fields(fields: Mapping[str, Any], what: str) -> dict[str, np.ndarray]:
    """The numeric fields of a state as float64 arrays, each checked: finite; counts
    whole and >= 0; weights and squares >= 0; and where nothing has been observed
    (``count == 0``) every moment is 0, as a new stream has it."""
    out = {}
    for name, value in fields.items():
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{what}: field {name!r} must hold numbers, got {value!r}") from None
        if not np.isfinite(arr).all():
            got = _first(arr, ~np.isfinite(arr))
            raise ValueError(f"{what}: field {name!r} must be finite, got {got}")
        if name in _COUNTS:
            bad = (arr < 0) | (arr != np.floor(arr))
            if bad.any():
                raise ValueError(f"{what}: field {name!r} must count rows (a whole number "
                                 f">= 0), got {_first(arr, bad)}")
        elif name in _NON_NEGATIVE and (arr < 0).any():
            raise ValueError(f"{what}: field {name!r} must be >= 0, got {_first(arr, arr < 0)}")
        out[name] = arr
    if "count" in out:
        empty = out["count"] == 0
        for name, arr in out.items():
            if name not in _COUNTS and (empty & (arr != 0)).any():
                raise ValueError(f"{what}: field {name!r} is {_first(arr, empty & (arr != 0))} "
                                 "where no sample has been counted (a new stream holds 0)")
    return out


def _first(arr: np.ndarray, where: np.ndarray) -> float:
    return float(np.broadcast_to(arr, where.shape)[where].reshape(-1)[0])
