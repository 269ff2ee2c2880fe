"""Numba scans over ``(rows, lanes)`` arrays, generated from the steps in ``_steps``.

Each family (``ewa``, ``mean``, ``var``, ``cov``) is a state of a few numbers plus
two counters (``count``, ``missing``) and four rules in ``_steps``: a step on an
observed sample, a decay on a missing one, and a value. The scans below are
generated from one template, so a formula exists once; there are two shapes:

``SCANS[family](x, y, deltas, base, a_const, adjust, ignore_na, st, out, minp, kind)``
    Any number of lanes (columns), the state in ``st`` (``(fields, lanes)``,
    updated in place). ``deltas`` is the elapsed time per row in halflives (empty:
    one step per row); the decay of row ``i`` is ``base ** deltas[i]`` or ``base``.
    ``out`` receives the value after every row (``(0, 0)``: skip).

``LANE_SCANS[family](x, y, base, a_const, ignore_na, st, out, minp, kind)``
    Exactly ``LANES`` lanes with the state held in local variables, the loop over
    lanes unrolled: the lanes' recursions are independent, so the CPU overlaps
    them. Used by ``_blocked`` (``adjust=True``, no time stamps).

``LANE_FIXUPS[family](x, y, base, a_const, ignore_na, st, zst, out, minp, kind)``
    Reruns lanes from the states ``st`` and ``zst`` side by side, writing the
    values of the ``st`` run, and stops a lane once both runs hold the same numbers
    (from then on they compute the same values). Returns the rows it ran.

``x`` and ``y`` may have any strides (``y`` is ignored by univariate families). A
lane's value is NaN until it has ``minp`` observations. ``kind`` selects the value
(and ``kind=1`` squares the input of ``ewa``/``mean``, for the second moment). A
scan returns -1, or the flat index ``row * lanes + lane`` of the first infinite
sample; the caller then raises and keeps its old state.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import _steps

__all__ = ["SCANS", "LANE_SCANS", "LANE_FIXUPS", "LANES", "N_FIELDS", "FAMILY_CODE", "finalize"]

LANES = 8
_jit = njit(cache=True, nogil=True, error_model="numpy")
_inline = njit(inline="always", error_model="numpy")

# name -> (numeric fields, bivariate, squares input when kind == 1)
_FAMILIES = {
    "ewa": (("v",), False, True),
    "mean": (("m", "w"), False, True),
    "var": (("m", "c", "w", "dd"), False, False),
    "cov": (("mx", "my", "cxx", "cyy", "cxy", "w", "dd"), True, False),
}
_VALUE = {"ewa": "ewa_value", "mean": "mean_value", "var": "var_value_of", "cov": "cov_value_of"}
N_FIELDS = {name: len(spec[0]) + 2 for name, spec in _FAMILIES.items()}
FAMILY_CODE = {name: i for i, name in enumerate(_FAMILIES)}

_NAMESPACE = {"np": np}
for _name in dir(_steps):
    if _name.endswith(("_step", "_decay", "_value", "_value_of")):
        _NAMESPACE[_name] = _inline(getattr(_steps, _name))


def _lane_body(family: str, lane: str, f: list[str], cnt: str, miss: str, indent: str) -> str:
    """Source for one sample of one lane: read, step or decay, count."""
    fields, bivariate, squares = _FAMILIES[family]
    state = ", ".join(f)
    tup = f"({state},)" if len(f) == 1 else f"({state})"
    present = "xv == xv and yv == yv" if bivariate else "xv == xv"
    finite = "xv - xv != 0.0 or yv - yv != 0.0" if bivariate else "xv - xv != 0.0"
    sample = "xv, yv" if bivariate else "xv"
    lines = [
        f"xv = x[i, {lane}]",
        f"yv = y[i, {lane}]" if bivariate else "",
        f"if {present}:",
        f"    if {finite}:",
        f"        return i * k + {lane}",
        "    if kind == 1:\n" + indent + "        xv = xv * xv" if squares else "",
        f"    {tup} = {family}_step({state}, {sample}, d, a, adjust)",
        f"    {cnt} += 1.0",
        "else:",
        "    if not ignore_na:",
        f"        {tup} = {family}_decay({state}, d)",
        f"    {miss} += 1.0",
    ]
    return "".join(indent + line + "\n" for line in lines if line)


def _value(family: str, f: list[str], cnt: str) -> str:
    return f"{_VALUE[family]}({', '.join(f)}, kind) if {cnt} >= minp else np.nan"


def _scan_source(family: str) -> str:
    nf = len(_FAMILIES[family][0])
    f = [f"s{i}" for i in range(nf)]
    load = "".join(f"            {v} = st[{i}, j]\n" for i, v in enumerate(f))
    store = "".join(f"            st[{i}, j] = {v}\n" for i, v in enumerate(f))
    return f"""
def scan(x, y, deltas, base, a_const, adjust, ignore_na, st, out, minp, kind):
    n, k = x.shape
    write = out.shape[0] > 0
    timed = deltas.shape[0] > 0
    for i in range(n):
        d = base ** deltas[i] if timed else base
        a = a_const if adjust else 1.0 - d
        for j in range(k):
{load}            cnt = st[{nf}, j]
            miss = st[{nf + 1}, j]
{_lane_body(family, "j", f, "cnt", "miss", "            ")}{store}            st[{nf}, j] = cnt
            st[{nf + 1}, j] = miss
            if write:
                out[i, j] = {_value(family, f, "cnt")}
    return -1
"""


def _lane_scan_source(family: str) -> str:
    nf = len(_FAMILIES[family][0])
    head, body, tail = [], [], []
    for lane in range(LANES):
        f = [f"s{i}_{lane}" for i in range(nf)]
        cnt, miss = f"cnt_{lane}", f"miss_{lane}"
        for i, v in enumerate([*f, cnt, miss]):
            head.append(f"    {v} = st[{i}, {lane}]\n")
            tail.append(f"    st[{i}, {lane}] = {v}\n")
        body.append(_lane_body(family, str(lane), f, cnt, miss, "        "))
        body.append(f"        if write:\n            out[i, {lane}] = {_value(family, f, cnt)}\n")
    return f"""
def lane_scan(x, y, base, a_const, ignore_na, st, out, minp, kind):
    n, k = x.shape
    write = out.shape[0] > 0
    adjust = True
    d = base
    a = a_const
{"".join(head)}    for i in range(n):
{"".join(body)}{"".join(tail)}    return -1
"""


def _lane_fixup_source(family: str) -> str:
    nf = len(_FAMILIES[family][0])
    head, body = [], []
    for lane in range(LANES):
        f = [f"s{i}_{lane}" for i in range(nf)]
        z = [f"z{i}_{lane}" for i in range(nf)]
        cnt, miss, zcnt, zmiss = f"cnt_{lane}", f"miss_{lane}", f"zcnt_{lane}", f"zmiss_{lane}"
        for i, v in enumerate([*f, cnt, miss]):
            head.append(f"    {v} = st[{i}, {lane}]\n")
        for i, v in enumerate([*z, zcnt, zmiss]):
            head.append(f"    {v} = zst[{i}, {lane}]\n")
        head.append(f"    done_{lane} = False\n")
        same = " and ".join(f"{a} == {b}" for a, b in zip(f, z))
        body.append(
            f"        if not done_{lane}:\n"
            + _lane_body(family, str(lane), f, cnt, miss, "            ")
            + _lane_body(family, str(lane), z, zcnt, zmiss, "            ")
            + f"            out[i, {lane}] = {_value(family, f, cnt)}\n"
            + f"            done_{lane} = {zcnt} >= minp and {same}\n"
            + "            busy = True\n"
        )
    return f"""
def lane_fixup(x, y, base, a_const, ignore_na, st, zst, out, minp, kind):
    n, k = x.shape
    adjust = True
    d = base
    a = a_const
{"".join(head)}    for i in range(n):
        busy = False
{"".join(body)}        if not busy:
            return i
    return n
"""


def _compile(source: str, name: str, family: str):
    namespace = dict(_NAMESPACE)
    exec(compile(source, f"<streamstats generated {name}_{family}>", "exec"), namespace)
    fn = namespace[name]
    fn.__qualname__ = fn.__name__ = f"{name}_{family}"
    return njit(nogil=True, error_model="numpy")(fn)


SCANS = {family: _compile(_scan_source(family), "scan", family) for family in _FAMILIES}
LANE_SCANS = {f: _compile(_lane_scan_source(f), "lane_scan", f) for f in _FAMILIES}
LANE_FIXUPS = {f: _compile(_lane_fixup_source(f), "lane_fixup", f) for f in _FAMILIES}


@_jit
def _finalize_any(st, j, family, minp, kind):
    if family == 0:
        return ewa_value(st[0, j], kind) if st[1, j] >= minp else np.nan
    if family == 1:
        return mean_value(st[0, j], st[1, j], kind) if st[2, j] >= minp else np.nan
    if family == 2:
        if st[4, j] < minp:
            return np.nan
        return var_value_of(st[0, j], st[1, j], st[2, j], st[3, j], kind)
    if st[7, j] < minp:
        return np.nan
    return cov_value_of(st[0, j], st[1, j], st[2, j], st[3, j], st[4, j], st[5, j], st[6, j], kind)


ewa_value = _NAMESPACE["ewa_value"]
mean_value = _NAMESPACE["mean_value"]
var_value_of = _NAMESPACE["var_value_of"]
cov_value_of = _NAMESPACE["cov_value_of"]


@_jit
def finalize(family, st, minp, kind, out):
    """The current value of every lane (``family``: ``FAMILY_CODE``)."""
    for j in range(st.shape[1]):
        out[j] = _finalize_any(st, j, family, minp, kind)
