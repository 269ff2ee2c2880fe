"""Between numpy and Arrow through buffers, without pyarrow's converters.

pyarrow's converters import pandas on their first call when it is installed:
``pa.array``, ``pa.scalar``, ``pa.table`` and a Python value given to a compute
function (to ask whether they were given a pandas object), and ``to_numpy`` (its C++
converter is pandas' and fetches pandas' NaT and NA). That import takes a few
tenths of a second, as long as the command's whole run on a file of a hundred
megabytes. The command's usual path converts here instead, so that it never imports
pandas (the paths that read bad lines or parse stamps with a strftime format do).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["floats", "texts", "positions", "table", "to_numpy"]

_NUMPY = {pa.bool_(): np.dtype(bool), pa.float64(): np.dtype(np.float64),
          pa.int32(): np.dtype(np.int32), pa.int64(): np.dtype(np.int64),
          pa.timestamp("ns"): np.dtype("datetime64[ns]"),
          pa.timestamp("ns", "UTC"): np.dtype("datetime64[ns]")}
_MISSING: dict[str, Any] = {"f": np.nan, "M": np.datetime64("NaT")}


def floats(values: np.ndarray) -> pa.Array:
    """A float64 array of ``values`` (NaN stays NaN, not null), sharing their memory
    when they are contiguous.

    Examples
    --------
    >>> import numpy as np
    >>> floats(np.array([[1.0, 2.0], [3.0, np.nan]])[:, 1]).to_pylist()
    [2.0, nan]
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    return pa.Array.from_buffers(pa.float64(), len(values), [None, pa.py_buffer(values)])


def texts(values: Sequence[str]) -> pa.Array:
    """A string array of ``values``.

    Examples
    --------
    >>> texts(["a", "", "été"]).to_pylist()
    ['a', '', 'été']
    """
    data = [v.encode() for v in values]
    offsets = np.zeros(len(data) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum([len(d) for d in data], dtype=np.int64)
    return pa.Array.from_buffers(pa.string(), len(data),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])


def positions(mask: np.ndarray) -> pa.Array:
    """The positions of the True entries of a boolean mask, for ``take``.

    Examples
    --------
    >>> import numpy as np
    >>> positions(np.array([True, False, True])).to_pylist()
    [0, 2]
    """
    return pa.Array.from_buffers(pa.int64(), int(mask.sum()),
                                 [None, pa.py_buffer(np.flatnonzero(mask).astype(np.int64))])


def table(arrays: Sequence[pa.Array | pa.ChunkedArray], names: Sequence[str]) -> pa.Table:
    """A table of ``arrays`` (``pa.table`` would ask pandas whether they are a frame).

    Examples
    --------
    >>> table([texts(["a"]), texts(["b"])], ["x", "y"]).to_pydict()
    {'x': ['a'], 'y': ['b']}
    """
    return pa.Table.from_arrays(list(arrays), names=list(names))


def to_numpy(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean, float64, int32, int64 or nanosecond time-stamp array (or chunked
    array) as numpy, sharing its memory where it can (then read-only); nulls become
    NaN or NaT (in a boolean or integer array: ``values.to_numpy``'s answer).

    Examples
    --------
    >>> import numpy as np
    >>> to_numpy(pa.array([True, False]))
    array([ True, False])
    >>> to_numpy(pa.chunked_array([[1.0, None], [3.0]]))
    array([ 1., nan,  3.])
    >>> to_numpy(pa.array([0, None], pa.timestamp("ns")))
    array(['1970-01-01T00:00:00.000000000',                           'NaT'],
          dtype='datetime64[ns]')
    """
    if isinstance(values, pa.ChunkedArray):
        if values.num_chunks == 1:
            return to_numpy(values.chunk(0))
        parts = [to_numpy(c) for c in values.chunks]
        return np.concatenate(parts) if parts else np.empty(0, _NUMPY[values.type])
    n, start = len(values), values.offset
    if n == 0:
        return np.empty(0, _NUMPY[values.type])
    validity, data = values.buffers()[:2]
    if values.type == pa.bool_():
        out = _bits(data, start, n)
    else:
        dtype = _NUMPY[values.type]
        out = np.frombuffer(data, dtype, count=n, offset=start * dtype.itemsize)
    if not values.null_count:
        return out
    if out.dtype.kind not in _MISSING:
        return values.to_numpy(zero_copy_only=False)
    return np.where(_bits(validity, start, n), out, _MISSING[out.dtype.kind])


def _bits(buffer: pa.Buffer, start: int, n: int) -> np.ndarray:
    """Arrow's bit-packed booleans (least significant bit first) as a bool array."""
    bits = np.unpackbits(np.frombuffer(buffer, np.uint8), count=start + n, bitorder="little")
    return bits[start:].view(bool)
