"""Numba scans over ``(rows, lanes)`` arrays, generated from the steps in ``_core.rules``.

Each family (``ewa``, ``mean``, ``var``, ``cov``) is a state of a few numbers plus
two counters (``count``, ``missing``) and four rules in ``_core.rules``: a step on an
observed sample, a decay on a missing one, and a value. The scans below are
generated from one template, so a formula exists once; there are two shapes:

``SCANS[family](x, y, deltas, base, a_const, adjust, ignore_na, st, out, minp, kind)``
    Any number of lanes (columns), the state in ``st`` (``(fields, lanes)``,
    updated in place). ``deltas`` is the elapsed time per row in halflives (empty:
    one step per row); the decay of row ``i`` is ``base ** deltas[i]`` or ``base``.
    ``out`` receives the value after every row (``(0, 0)``: skip).

The same scan with one state per group (row ``i`` belongs to group ``codes[i]``,
whose state is lanes ``codes[i] * k ... codes[i] * k + k - 1`` of ``st``) is compiled
C, generated from the same rules and lane template by ``cgen``:
``_core._steps.grouped_scan`` and its ``group_deltas``. The keyed streams use it, and
so run without Numba's start-up (a few tenths of a second in every process).

``LANE_SCANS[family](x, y, base, a_const, ignore_na, st, out, minp, kind)``
    Exactly ``LANES`` lanes with the state held in local variables, the loop over
    lanes unrolled: the lanes' recursions are independent, so the CPU overlaps
    them. Used by ``_core.blocked`` (``adjust=True``, no time stamps).

``LANE_FIXUPS[family](x, y, base, a_const, ignore_na, st, zst, out, minp, kind)``
    Reruns lanes from the states ``st`` and ``zst`` side by side, writing the
    values of the ``st`` run, and stops a lane once both runs hold the same numbers
    (from then on they compute the same values). Returns the rows it ran.

``FINALIZE[family](st, minp, kind, out)``
    The current value of every lane.

The kernels live in a generated module that is imported from a file in the user's
cache directory (``STREAMSTATS_CACHE_DIR``, else ``~/.cache/streamstats``), so that
Numba caches their machine code between processes.

``x`` and ``y`` may have any strides (``y`` is ignored by univariate families). A
lane's value is NaN until it has ``minp`` observations. ``kind`` selects the value
(and ``kind=1`` squares the input of ``ewa``/``mean``, for the second moment). A
scan returns -1, or the flat index ``row * lanes + lane`` of the first infinite
sample; the caller then raises and keeps its old state.
"""

from __future__ import annotations

import threading
from typing import Any

from .codegen import FAMILY_NAMES, LANES, N_FIELDS

__all__ = ["SCANS", "LANE_SCANS", "LANE_FIXUPS", "FINALIZE", "LANES", "N_FIELDS"]

# table -> the prefix of its kernels in the generated module
_TABLES = {"SCANS": "scan", "LANE_SCANS": "lane_scan", "LANE_FIXUPS": "lane_fixup",
           "FINALIZE": "finalize"}
_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    """The tables, loaded at their first use: a process that only steps one sample at a
    time or by key (the compiled steps) never imports Numba."""
    if name not in _TABLES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _lock:
        if name not in globals():
            from .loader import load_kernels

            generated = load_kernels()
            for table, prefix in _TABLES.items():
                globals()[table] = {f: getattr(generated, f"{prefix}_{f}")
                                    for f in FAMILY_NAMES}
    return globals()[name]
