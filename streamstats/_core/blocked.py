"""The blocked scan: a long series as independent lanes, then carried across.

A plain scan is bound by the latency of one recursion step per value. Cutting a
column into ``LANES`` contiguous blocks and viewing them as the lanes of a
``(block, LANES)`` array (a strided view, no copy) lets one kernel run the blocks
side by side, which the CPU overlaps (docs/architecture.md):

1. scan all blocks at once, the first from the incoming state, the others from an
   empty one, writing the output;
2. merge the blocks' final states in order (``_core.merges``): the carry into each block;
3. rerun the start of every block from its carry beside the empty-start run, until
   the two runs hold the same numbers: from there on the first pass already wrote
   what the carried run computes. With ``beta = 0.9`` that is a few hundred rows;
   a ``beta`` near 1 reruns whole blocks;
4. finish the rows left over sequentially.

The values equal the sequential scan's up to the rounding of the carries (a few
ulp, decaying away); the sequential scan stays the reference that ``update_many``
and the streaming classes use.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import kernels, merges
from .families import FAMILIES

__all__ = ["LANES", "MIN_ROWS", "scan_blocked"]

LANES = kernels.LANES
MIN_ROWS = 1 << 14
#: threads for the blocked scans (the kernels release the GIL)
THREADS = max(1, min(
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
    8))
_POOL: ThreadPoolExecutor | None = None
_EMPTY = np.empty(0)


def _lanes(col: np.ndarray, block: int) -> np.ndarray:
    step = col.strides[0]
    return as_strided(col, shape=(block, LANES), strides=(step, step * block), writeable=True)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="streamstats")
    return _POOL


def _parallel(fn, items) -> list:
    if THREADS == 1 or len(items) == 1:
        return [fn(item) for item in items]
    return list(_pool().map(fn, items))


def scan_blocked(family, x, y, base, a, ignore_na, st, out, minp, kind) -> int:
    """Blocked version of ``kernels.SCANS[family]`` for ``adjust=True`` without
    time stamps; same arguments and return value (the inf index refers to ``x``).

    Columns that are contiguous in memory are scanned ``LANES`` at a time as the
    lanes themselves; a column on its own is cut into ``LANES`` blocks per thread.
    The kernels release the GIL and run on ``THREADS`` threads.
    """
    n, k = x.shape
    lane_scan = kernels.LANE_SCANS[family]
    groups = []
    if x.flags.f_contiguous and y.flags.f_contiguous and out.flags.f_contiguous:
        groups = [slice(g, g + LANES) for g in range(0, k - LANES + 1, LANES)]

    def scan_group(cols: slice) -> int:
        sub = st[:, cols].copy()
        bad = lane_scan(
            x[:, cols], y[:, cols], base, a, ignore_na, sub, out[:, cols], minp, kind
        )
        if bad < 0:
            st[:, cols] = sub
        return bad if bad < 0 else (bad // LANES) * k + cols.start + bad % LANES

    for bad in _parallel(scan_group, groups):
        if bad >= 0:
            return bad
    for j in range(len(groups) * LANES, k):
        bad = _scan_column(family, x[:, j], y[:, j], base, a, ignore_na, st[:, j], out[:, j],
                           minp, kind)
        if bad >= 0:
            return bad * k + j
    return -1


def _scan_column(family, x, y, base, a, ignore_na, st, out, minp, kind) -> int:
    """One column in ``LANES`` blocks per thread; ``st`` (1-D) is updated in place."""
    n = x.shape[0]
    segments = THREADS if n >= MIN_ROWS * THREADS else 1
    block = n // (LANES * segments)
    seg_rows = block * LANES
    views = [
        tuple(_lanes(a[s * seg_rows : (s + 1) * seg_rows], block) for a in (x, y, out))
        for s in range(segments)
    ]
    zeros = np.zeros((segments, st.shape[0], LANES))
    zeros[0, :, 0] = st
    ends = zeros.copy()

    def first_pass(s: int) -> int:
        xl, yl, ol = views[s]
        bad = kernels.LANE_SCANS[family](xl, yl, base, a, ignore_na, ends[s], ol, minp, kind)
        return bad if bad < 0 else s * seg_rows + bad % LANES * block + bad // LANES

    for bad in _parallel(first_pass, range(segments)):
        if bad >= 0:
            return bad
    merge = FAMILIES[family].merge
    carries = zeros.copy()
    carry = ends[0, :, :1]
    for s in range(segments):
        for lane in range(LANES):
            if s == 0 and lane == 0:
                continue
            carries[s, :, lane] = carry[:, 0]
            late = ends[s, :, lane : lane + 1]
            carry = merge(carry, late, merges.sample_decay(late, base, ignore_na))

    def fixup(s: int) -> int:
        xl, yl, ol = views[s]
        return kernels.LANE_FIXUPS[family](
            xl, yl, base, a, ignore_na, carries[s], zeros[s], ol, minp, kind
        )

    _parallel(fixup, range(segments))
    last = carry.copy()
    body = segments * seg_rows
    bad = kernels.SCANS[family](
        x[body:, None], y[body:, None], _EMPTY, base, a, True, ignore_na, last,
        out[body:, None], minp, kind,
    )
    if bad >= 0:
        return body + bad
    st[:] = last[:, 0]
    return -1
