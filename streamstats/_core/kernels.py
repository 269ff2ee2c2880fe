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

``GROUPED_SCANS[family](x, y, codes, deltas, base, a_const, adjust, ignore_na, st, out,
minp, kind)``
    The same with one state per group: row ``i`` belongs to group ``codes[i]``,
    whose state is lanes ``codes[i] * k ... codes[i] * k + k - 1`` of ``st``; rows of
    different groups may interleave. ``out`` is always written. ``group_deltas``
    makes its ``deltas``: the elapsed time since the row's group's previous row.

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

import hashlib
import importlib.util
import inspect
import os
import sys
import types
from pathlib import Path

from . import rules
from .families import FAMILIES

__all__ = ["SCANS", "GROUPED_SCANS", "group_deltas", "LANE_SCANS", "LANE_FIXUPS", "FINALIZE",
           "LANES", "N_FIELDS"]

LANES = 8

# the family table, as the code generator reads it
_FAMILIES = {name: (f.fields, f.bivariate, f.squares_input) for name, f in FAMILIES.items()}
_VALUE = {name: f.value for name, f in FAMILIES.items()}
N_FIELDS = {name: f.rows for name, f in FAMILIES.items()}


def _lane_body(family: str, lane: str, f: list[str], cnt: str, miss: str, indent: str,
               seeded_time: bool = False) -> str:
    """Source for one sample of one lane: read, step or decay, count.

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
        f"xv = x[i, {lane}]",
        f"yv = y[i, {lane}]" if bivariate else "",
        f"if {present}:",
        f"    if {finite}:",
        f"        return i * k + {lane}",
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


def _scan_source(family: str, grouped: bool = False) -> str:
    """The sequential scan; ``grouped``: each row's state is that of its group,
    lanes ``codes[i] * k + j`` of ``st``."""
    nf = len(_FAMILIES[family][0])
    f = [f"s{i}" for i in range(nf)]
    lane = "g + j" if grouped else "j"
    fields = [*f, "cnt", "miss"]
    load = "".join(f"            {v} = st[{i}, {lane}]\n" for i, v in enumerate(fields))
    store = "".join(f"            st[{i}, {lane}] = {v}\n" for i, v in enumerate(fields))
    name, codes = ("grouped_scan", "codes, ") if grouped else ("scan", "")
    return f"""
def {name}_{family}(x, y, {codes}deltas, base, a_const, adjust, ignore_na, st, out, minp, kind):
    n, k = x.shape
    write = out.shape[0] > 0
    timed = deltas.shape[0] > 0
    for i in range(n):
        {"g = codes[i] * k" if grouped else "pass"}
        d = base ** deltas[i] if timed else base
        a = a_const if adjust else 1.0 - d
        for j in range(k):
{load}{_lane_body(family, "j", f, "cnt", "miss", "            ", True)}{store}            if write:
                out[i, j] = {_value(family, f, "cnt")}
    return -1
"""


def _grouped_scan_source(family: str) -> str:
    return _scan_source(family, grouped=True)


_GROUP_DELTAS = """
@jit
def group_deltas(values, codes, last, seen, unit, deltas):
    # elapsed time before each row since its group's previous row, in halflives;
    # last/seen are updated in place; returns the first row going back, or -1
    for i in range(values.shape[0]):
        g = codes[i]
        if seen[g]:
            if values[i] < last[g]:
                return i
            deltas[i] = (values[i] - last[g]) / unit
        else:
            deltas[i] = 0.0
            seen[g] = True
        last[g] = values[i]
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


def _module_source(cache: bool) -> str:
    """The whole generated module: the inlined steps, then every kernel."""
    steps = [n for n in dir(rules) if n.endswith(("_step", "_decay", "_value", "_value_of"))]
    head = [
        "# Generated by streamstats._core.kernels from streamstats._core.rules: do not edit.",
        "import numpy as np",
        "from numba import njit",
        "from streamstats._core import rules",
        'inline = njit(inline="always", error_model="numpy")',
        f'jit = njit(cache={cache}, nogil=True, error_model="numpy")',
        *(f"{n} = inline(rules.{n})" for n in steps),
    ]
    makers = (_scan_source, _grouped_scan_source, _lane_scan_source, _lane_fixup_source,
              _finalize_source)
    kernels = ["\n@jit" + make(family) for make in makers for family in _FAMILIES]
    return "\n".join(head) + "\n" + "".join(kernels) + _GROUP_DELTAS


def _cache_dir() -> Path:
    explicit = os.environ.get("STREAMSTATS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "streamstats"


def _load_kernels() -> types.ModuleType:
    """Import the generated kernels from a file, so that Numba can cache their
    machine code on disk (compiling the unrolled lane kernels takes seconds). The
    file name carries a hash of the generated source and of ``_core.rules``, so a change
    to either makes a new file instead of reusing stale machine code. Where no
    cache directory can be written, the source is executed in memory, uncached."""
    source = _module_source(cache=True)
    digest = hashlib.sha256((source + inspect.getsource(rules)).encode()).hexdigest()[:16]
    name = f"streamstats_kernels_{digest}"
    try:
        folder = _cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.py"
        if not path.exists():
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            tmp.write_text(source)
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Numba's cache finds the module of a cached function by name
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except OSError:
        module = types.ModuleType(name)
        exec(compile(_module_source(cache=False), f"<{name}>", "exec"), module.__dict__)
    return module


_generated = _load_kernels()
SCANS = {f: getattr(_generated, f"scan_{f}") for f in _FAMILIES}
GROUPED_SCANS = {f: getattr(_generated, f"grouped_scan_{f}") for f in _FAMILIES}
group_deltas = _generated.group_deltas
LANE_SCANS = {f: getattr(_generated, f"lane_scan_{f}") for f in _FAMILIES}
LANE_FIXUPS = {f: getattr(_generated, f"lane_fixup_{f}") for f in _FAMILIES}
FINALIZE = {f: getattr(_generated, f"finalize_{f}") for f in _FAMILIES}
