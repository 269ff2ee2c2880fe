"""Source text of the Numba kernels, generated from the one-sample rules
(``_core.rules``) and the family table (``_core.families``): one template per scan
shape, so that a formula exists once. ``module_source`` is the whole module."""

from __future__ import annotations

from .. import rules
from ..families import FAMILIES

__all__ = ["module_source", "LANES", "N_FIELDS", "FAMILY_NAMES"]

LANES = 8

# the family table, as the code generator reads it
_FAMILIES = {name: (f.fields, f.bivariate, f.squares_input) for name, f in FAMILIES.items()}
_VALUE = {name: f.value for name, f in FAMILIES.items()}
N_FIELDS = {name: f.rows for name, f in FAMILIES.items()}


def _lane_body(family: str, lane: str, f: list[str], cnt: str, miss: str, indent: str,
               seeded_time: bool = False, given: bool = False) -> str:
    """Source for one sample of one lane: read, step or decay, count.

    ``given``: the sample is in ``xv``/``yv`` already (the compiled one-sample
    steps of ``cgen``), and an infinite one returns 0.

    ``seeded_time``: with time stamps and ``adjust=False`` the new sample weighs
    ``1 - decay since the lane's last observation`` (its weight is renormalised to 1
    at each observation and decays over missing rows), so that missing rows between
    two observations change nothing, as pandas has it."""
    fields, bivariate, squares = _FAMILIES[family]
    weight = f[fields.index("weight")] if "weight" in fields else None
    a = "a"
    if seeded_time and weight is not None:
        a = f"(a if adjust or not timed else 1.0 - d * {weight})"
    state = ", ".join(f)
    tup = f"({state},)" if len(f) == 1 else f"({state})"
    present = "xv == xv and yv == yv" if bivariate else "xv == xv"
    finite = "xv - xv != 0.0 or yv - yv != 0.0" if bivariate else "xv - xv != 0.0"
    sample = "xv, yv" if bivariate else "xv"
    lines = [
        "" if given else f"xv = x[i, {lane}]",
        f"yv = y[i, {lane}]" if bivariate and not given else "",
        f"if {present}:",
        f"    if {finite}:",
        "        return 0" if given else f"        return i * k + {lane}",
        "    if kind == 1:\n" + indent + "        xv = xv * xv" if squares else "",
        f"    {tup} = {family}_step({state}, {sample}, d, {a}, adjust)",
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
    """The sequential scan (its grouped twin, one state per key, is in ``cgen``)."""
    nf = len(_FAMILIES[family][0])
    f = [f"s{i}" for i in range(nf)]
    fields = [*f, "cnt", "miss"]
    load = "".join(f"            {v} = st[{i}, j]\n" for i, v in enumerate(fields))
    store = "".join(f"            st[{i}, j] = {v}\n" for i, v in enumerate(fields))
    return f"""
def scan_{family}(x, y, deltas, base, a_const, adjust, ignore_na, st, out, minp, kind):
    n, k = x.shape
    write = out.shape[0] > 0
    timed = deltas.shape[0] > 0
    for i in range(n):
        d = base ** deltas[i] if timed else base
        a = a_const if adjust else 1.0 - d
        for j in range(k):
{load}{_lane_body(family, "j", f, "cnt", "miss", "            ", True)}{store}            if write:
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
def lane_scan_{family}(x, y, base, a_const, ignore_na, st, out, minp, kind):
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
def lane_fixup_{family}(x, y, base, a_const, ignore_na, st, zst, out, minp, kind):
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


def _finalize_source(family: str) -> str:
    nf = len(_FAMILIES[family][0])
    f = [f"s{i}" for i in range(nf)]
    load = "".join(f"        {v} = st[{i}, j]\n" for i, v in enumerate(f))
    return f"""
def finalize_{family}(st, minp, kind, out):
    for j in range(st.shape[1]):
{load}        cnt = st[{nf}, j]
        out[j] = {_value(family, f, "cnt")}
"""


def module_source(cache: bool) -> str:
    """The whole generated module: the inlined steps, then every kernel."""
    steps = [n for n in dir(rules) if n.endswith(("_step", "_decay", "_value", "_value_of"))]
    head = [
        "# Generated by streamstats._core.kernels from streamstats._core.rules: do not edit.",
        "import numpy as np",
        "from numba import njit",
        "from numba.extending import register_jitable",
        "from streamstats._core import rules",
        'inline = njit(inline="always", error_model="numpy")',
        f'jit = njit(cache={cache}, nogil=True, error_model="numpy")',
        "# the rules call one another (var_value_of calls var_value): each callable compiled",
        *(f'register_jitable(inline="always", error_model="numpy")(rules.{n})' for n in steps),
        *(f"{n} = inline(rules.{n})" for n in steps),
    ]
    makers = (_scan_source, _lane_scan_source, _lane_fixup_source, _finalize_source)
    kernels = ["\n@jit" + make(family) for make in makers for family in _FAMILIES]
    return "\n".join(head) + "\n" + "".join(kernels)


FAMILY_NAMES = tuple(_FAMILIES)
