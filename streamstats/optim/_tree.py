"""Parameters and gradients as one array or nested dicts, lists and tuples of arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["leaves"]


def leaves(params: Any, grads: Any, path: str = "params") -> list[tuple[str, np.ndarray,
                                                                          np.ndarray]]:
    """``(path, parameter, gradient)`` for every array of ``params``, in order.

    The gradients must have the same structure and shapes; each parameter must be a
    writeable, C-contiguous float32 or float64 array (it is updated in place); a
    gradient is converted to its parameter's dtype. Errors name the path, as in
    ``params['layer1'][0]``.
    """
    if isinstance(params, np.ndarray):
        if type(params) is not np.ndarray:  # a subclass (matrix, masked) the kernels reject
            raise TypeError(f"{path} must be a numpy.ndarray, got {type(params).__name__}")
        if params.dtype not in (np.float32, np.float64):
            raise TypeError(f"{path} must be float32 or float64, got dtype {params.dtype}")
        if not (params.flags.writeable and params.flags.c_contiguous):
            raise ValueError(f"{path} must be a writeable C-contiguous array (it is updated "
                             "in place)")
        g = np.asarray(grads)
        if g.shape != params.shape:
            raise ValueError(
                f"gradient of {path} has shape {g.shape}, the parameter {params.shape}"
            )
        if g.dtype.kind not in "fiu":
            raise TypeError(f"gradient of {path} must be numeric, got dtype {g.dtype}")
        return [(path, params, np.ascontiguousarray(g, dtype=params.dtype))]
    if isinstance(params, dict):
        if not isinstance(grads, dict) or set(grads) != set(params):
            got = sorted(map(repr, grads)) if isinstance(grads, dict) else type(grads).__name__
            raise ValueError(f"gradients of {path} must be a dict with the keys "
                             f"{sorted(map(repr, params))}, got {got}")
        return [leaf for k in params for leaf in leaves(params[k], grads[k], f"{path}[{k!r}]")]
    if isinstance(params, list | tuple):
        if not isinstance(grads, list | tuple) or len(grads) != len(params):
            size = len(grads) if isinstance(grads, list | tuple) else type(grads).__name__
            raise ValueError(f"gradients of {path} must be a list of {len(params)}, got {size}")
        return [leaf for i, (p, g) in enumerate(zip(params, grads))
                for leaf in leaves(p, g, f"{path}[{i}]")]
    raise TypeError(f"{path} must be an array or a dict/list/tuple of arrays, got "
                    f"{type(params).__name__}")
