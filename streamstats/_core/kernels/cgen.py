"""C source of the one-sample steps, translated from the same rules as the Numba
kernels: the compiled ``_steps`` extension, which makes ``update(x)`` of one float
cost about as much as a call of a C method.

The rules of ``_core.rules`` and the lane template of ``codegen`` are Python
source; :func:`c_source` translates their syntax tree (floats, ``if``/``else``,
tuple returns, ``math.sqrt``) into C functions, one statement for one statement,
every operation parenthesised in Python's order. The extension is compiled with
``-ffp-contract=off`` (no fused multiply-add), so that its IEEE operations are
those of the Numba kernels: ``update`` and ``update_many`` agree bit for bit.

``python -m streamstats._core.kernels.cgen`` rewrites ``streamstats/_core/_steps.c``;
a test checks that the file equals this generator's output.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

from .. import rules
from .codegen import _FAMILIES, _lane_body, _value

__all__ = ["c_source", "sample_source", "SOURCE_PATH"]

SOURCE_PATH = Path(__file__).resolve().parents[1] / "_steps.c"

_INTS = {"adjust", "bias", "ignore_na", "timed", "kind"}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
            ast.GtE: ">="}
_CONSTANTS = {"nan": "NAN"}
_FUNCTIONS = {"sqrt": "sqrt"}


def sample_source(family: str) -> str:
    """Python source of one sample of one lane, state at ``st[i * stride]``: the
    lane template of the Numba scans with the sample given instead of read."""
    names = [f"s{i}" for i in range(len(_FAMILIES[family][0]))]
    fields = [*names, "cnt", "miss"]
    load = "".join(f"    {v} = st[{i} * stride]\n" for i, v in enumerate(fields))
    store = "".join(f"    st[{i} * stride] = {v}\n" for i, v in enumerate(fields))
    body = _lane_body(family, "0", names, "cnt", "miss", "    ", True, given=True)
    return (f"def sample_{family}(st, stride, xv, yv, d, a_const, adjust, ignore_na, timed,"
            f" kind):\n    a = a_const if adjust else 1.0 - d\n{load}{body}{store}"
            "    return -1\n")


def _value_source(family: str) -> str:
    names = [f"s{i}" for i in range(len(_FAMILIES[family][0]))]
    load = "".join(f"    {v} = st[{i} * stride]\n" for i, v in enumerate([*names, "cnt"]))
    return (f"def value_{family}(st, stride, minp, kind):\n{load}"
            f"    return {_value(family, names, 'cnt')}\n")


class _Translator:
    """One Python function (of the rules' small subset) as a C function."""

    def __init__(self, fn: ast.FunctionDef, tuples: dict[str, int]) -> None:
        self.fn = fn
        self.tuples = tuples  # functions returning tuples: their length
        self.returns_tuple = fn.name in tuples
        self.temp = 0

    def function(self) -> str:
        fn = self.fn
        params = [a.arg for a in fn.args.args]
        out = ["double *out_"] if self.returns_tuple else []
        decl = out + [self._declare(p) for p in params]
        locals_ = sorted({n.id for n in ast.walk(fn) if isinstance(n, ast.Name)
                          and isinstance(n.ctx, ast.Store)} - set(params))
        head = "void" if self.returns_tuple else "int" if fn.name.startswith("sample_") \
            else "double"
        lines = [f"static inline {head} {fn.name}({', '.join(decl)})", "{"]
        if locals_:
            lines.append(f"    double {', '.join(locals_)};")
        for stmt in fn.body:
            lines += self.statement(stmt, "    ")
        lines.append("}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _declare(name: str) -> str:
        if name == "st":
            return "double *st"
        if name == "stride":
            return "Py_ssize_t stride"
        return f"int {name}" if name in _INTS else f"double {name}"

    def statement(self, node: ast.stmt, pad: str) -> list[str]:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return []  # a docstring
        if isinstance(node, ast.Pass):
            return []
        if isinstance(node, ast.If):
            lines = [f"{pad}if ({self.expr(node.test)}) {{"]
            for s in node.body:
                lines += self.statement(s, pad + "    ")
            if node.orelse:
                lines.append(f"{pad}}} else {{")
                for s in node.orelse:
                    lines += self.statement(s, pad + "    ")
            return [*lines, f"{pad}}}"]
        if isinstance(node, ast.AugAssign):
            name = self.expr(node.target)
            symbol = _BINARY[type(node.op)]
            return [f"{pad}{name} = ({name} {symbol} {self.expr(node.value)});"]
        if isinstance(node, ast.Assign):
            (target,) = node.targets
            if isinstance(target, ast.Tuple):
                return self._unpack(target, node.value, pad)
            return [f"{pad}{self.expr(target)} = {self.expr(node.value)};"]
        if isinstance(node, ast.Return):
            value = node.value
            if self.returns_tuple:
                assert isinstance(value, ast.Tuple)
                return [f"{pad}{{"] + [
                    f"{pad}    out_[{i}] = {self.expr(e)};" for i, e in enumerate(value.elts)
                ] + [f"{pad}    return;", f"{pad}}}"]
            assert value is not None
            return [f"{pad}return {self.expr(value)};"]
        raise ValueError(f"cgen has no C for {ast.dump(node)}: keep the rules to floats, "
                         "if/else and tuple returns")

    def _unpack(self, target: ast.Tuple, value: ast.expr, pad: str) -> list[str]:
        names = [self.expr(e) for e in target.elts]
        self.temp += 1
        tmp = f"r{self.temp}_"
        if isinstance(value, ast.Call):
            assert isinstance(value.func, ast.Name) and value.func.id in self.tuples
            args = ", ".join([tmp, *(self.expr(a) for a in value.args)])
            call = [f"{pad}    {value.func.id}({args});"]
        else:  # a tuple of expressions: all evaluated before any is assigned
            assert isinstance(value, ast.Tuple)
            call = [f"{pad}    {tmp}[{i}] = {self.expr(e)};" for i, e in enumerate(value.elts)]
        return ([f"{pad}{{", f"{pad}    double {tmp}[{len(names)}];", *call]
                + [f"{pad}    {n} = {tmp}[{i}];" for i, n in enumerate(names)] + [f"{pad}}}"])

    def expr(self, node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return "1" if node.value else "0"
            if isinstance(node.value, float):
                return repr(node.value)
            if isinstance(node.value, int):
                return str(node.value)
        if isinstance(node, ast.Attribute) and node.attr in _CONSTANTS:
            return _CONSTANTS[node.attr]
        if isinstance(node, ast.BinOp):
            return f"({self.expr(node.left)} {_BINARY[type(node.op)]} {self.expr(node.right)})"
        if isinstance(node, ast.UnaryOp):
            op = "!" if isinstance(node.op, ast.Not) else "-"
            return f"({op}{self.expr(node.operand)})"
        if isinstance(node, ast.BoolOp):
            joint = " && " if isinstance(node.op, ast.And) else " || "
            return "(" + joint.join(self.expr(v) for v in node.values) + ")"
        if isinstance(node, ast.Compare):
            parts = []
            left = node.left
            for test, right in zip(node.ops, node.comparators):
                parts.append(f"({self.expr(left)} {_COMPARE[type(test)]} {self.expr(right)})")
                left = right
            return "(" + " && ".join(parts) + ")"
        if isinstance(node, ast.IfExp):
            return (f"({self.expr(node.test)} ? {self.expr(node.body)} : "
                    f"{self.expr(node.orelse)})")
        if isinstance(node, ast.Subscript):
            return f"{self.expr(node.value)}[{self.expr(node.slice)}]"
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id  # type: ignore
            args = ", ".join(self.expr(a) for a in node.args)
            return f"{_FUNCTIONS.get(name, name)}({args})"
        raise ValueError(f"cgen has no C for {ast.dump(node)}: keep the rules to floats, "
                         "if/else and tuple returns")


def _function(source: str) -> ast.FunctionDef:
    fn = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(fn, ast.FunctionDef)
    return fn


def c_source() -> str:
    """The C functions of the rules, the samples and the values, then the module."""
    rule_names = [n for n in dir(rules) if n.endswith(("_step", "_decay"))]
    value_names = ["var_value", "corr_value",
                   *(n for n in dir(rules) if n.endswith(("_value", "_value_of"))
                     and n not in ("var_value", "corr_value"))]
    tuples = {}
    functions = []
    for name in [*rule_names, *value_names]:
        fn = _function(inspect.getsource(getattr(rules, name)))
        returns = [n.value for n in ast.walk(fn) if isinstance(n, ast.Return)]
        if any(isinstance(r, ast.Tuple) for r in returns):
            tuples[name] = 0
        functions.append(fn)
    functions += [_function(sample_source(f)) for f in _FAMILIES]
    functions += [_function(_value_source(f)) for f in _FAMILIES]
    body = "".join(_Translator(fn, tuples).function() + "\n" for fn in functions)
    families = list(_FAMILIES)
    samples = "\n".join(
        f"    case {i}: return sample_{f}(st, stride, x, y, d, a, adjust, ignore_na, timed, "
        "kind);" for i, f in enumerate(families))
    values = "\n".join(f"    case {i}: return value_{f}(st, stride, minp, kind);"
                       for i, f in enumerate(families))
    dispatch = (
        "static int sample(int family, double *st, Py_ssize_t stride, double x, double y,\n"
        "                  double d, double a, int adjust, int ignore_na, int timed, int kind)\n"
        f"{{\n    switch (family) {{\n{samples}\n    }}\n    return -2;\n}}\n\n"
        "static double value(int family, double *st, Py_ssize_t stride, double minp, "
        f"int kind)\n{{\n    switch (family) {{\n{values}\n    }}\n    return NAN;\n}}\n"
    )
    scans = "".join(_GROUPED_SCAN.replace("@F@", f) for f in families)
    scan_cases = "\n".join(
        f"    case {i}: return grouped_scan_{f}(n, k, x, xs0, xs1, y, ys0, ys1, codes, cs, "
        "deltas, ds, timed, base, a, adjust, ignore_na, st, stride, out, os0, os1, minp, kind);"
        for i, f in enumerate(families))
    dispatch += (
        "\nstatic Py_ssize_t scan(int family, Py_ssize_t n, Py_ssize_t k, const char *x,\n"
        "    Py_ssize_t xs0, Py_ssize_t xs1, const char *y, Py_ssize_t ys0, Py_ssize_t ys1,\n"
        "    const char *codes, Py_ssize_t cs, const char *deltas, Py_ssize_t ds, int timed,\n"
        "    double base, double a, int adjust, int ignore_na, double *st, Py_ssize_t stride,\n"
        "    char *out, Py_ssize_t os0, Py_ssize_t os1, double minp, int kind)\n"
        f"{{\n    switch (family) {{\n{scan_cases}\n    }}\n    return -2;\n}}\n")
    families_c = ", ".join(f'"{f}"' for f in families)
    return (_HEAD + body + scans + dispatch
            + _MODULE.replace("@FAMILIES@", families_c)
            .replace("@N_FAMILIES@", str(len(families)))
            .replace("@FORMAT@", "s" * len(families)))


# The grouped scan (``codegen``'s sequential scan with one state per group): row i
# belongs to group codes[i], whose lanes are codes[i] * k + j of st; the sample is the
# lane template above. Arrays by byte strides, as numpy gives them.
_GROUPED_SCAN = """
static Py_ssize_t
grouped_scan_@F@(Py_ssize_t n, Py_ssize_t k, const char *x, Py_ssize_t xs0, Py_ssize_t xs1,
    const char *y, Py_ssize_t ys0, Py_ssize_t ys1, const char *codes, Py_ssize_t cs,
    const char *deltas, Py_ssize_t ds, int timed, double base, double a_const, int adjust,
    int ignore_na, double *st, Py_ssize_t stride, char *out, Py_ssize_t os0, Py_ssize_t os1,
    double minp, int kind)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t g = *(const Py_ssize_t *)(codes + i * cs) * k;
        double d = timed ? pow(base, *(const double *)(deltas + i * ds)) : base;
        for (Py_ssize_t j = 0; j < k; j++) {
            double *s = st + g + j;
            if (sample_@F@(s, stride, *(const double *)(x + i * xs0 + j * xs1),
                           *(const double *)(y + i * ys0 + j * ys1), d, a_const, adjust,
                           ignore_na, timed, kind) >= 0)
                return i * k + j;
            *(double *)(out + i * os0 + j * os1) = value_@F@(s, stride, minp, kind);
        }
    }
    return -1;
}
"""

_HEAD = """\
/* Generated by streamstats._core.kernels.cgen from streamstats._core.rules and the
   lane template of streamstats._core.kernels.codegen: do not edit. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>
#include <structmember.h>

"""

_MODULE = r"""
/* ---- the extension: a stepper per scalar stream, and the lanes of keyed states ---- */

#define MAX_ROWS 16

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    double st[MAX_ROWS];   /* the state rows: the family's fields, count, missing */
    Py_ssize_t rows;
    int family, kind, adjust, ignore_na, arity, active;
    Py_ssize_t exports;
    double d, a;
    PyObject *slow;        /* update(*samples, t=None) for every other case */
    PyObject *clock;       /* a stream timed in float seconds: its Clock (else NULL) */
    double unit, t_base, t_a;  /* then: the halflife in seconds, its rates */
} Stepper;

static PyObject *LAST;  /* "last", interned: the Clock's attribute */

/* the samples of a call, if they are all finite floats (or numpy float64) */
static int
finite_samples(Stepper *self, PyObject *const *args, double *x, double *y)
{
    if (!PyFloat_Check(args[0]))
        return 0;
    *x = *y = PyFloat_AS_DOUBLE(args[0]);
    if (self->arity == 2) {
        if (!PyFloat_Check(args[1]))
            return 0;
        *y = PyFloat_AS_DOUBLE(args[1]);
    }
    return isfinite(*x) && isfinite(*y);
}

/* a timed call, update(x, t) or update(x, t=t) with t a float not before the clock's
   last stamp: the decay since it, the sample, and the clock moved on, as the Python
   method (Clock.elapsed_one, advance_one) does; 1 if done, 0 to take the slow path,
   -1 on an error */
static int
timed_call(Stepper *self, PyObject *const *args, Py_ssize_t n, PyObject *kwnames)
{
    PyObject *t;
    if (kwnames == NULL && n == self->arity + 1)
        t = args[n - 1];
    else if (kwnames != NULL && n == self->arity && PyTuple_GET_SIZE(kwnames) == 1
             && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "t") == 0)
        t = args[n];
    else
        return 0;
    double x, y;
    if (!PyFloat_CheckExact(t) || !finite_samples(self, args, &x, &y))
        return 0;
    double now = PyFloat_AS_DOUBLE(t);
    PyObject *last = PyObject_GetAttr(self->clock, LAST);
    if (last == NULL)
        return -1;
    int usable = PyFloat_CheckExact(last) && isfinite(now) && now >= PyFloat_AS_DOUBLE(last);
    double since = usable ? now - PyFloat_AS_DOUBLE(last) : 0.0;
    Py_DECREF(last);
    if (!usable)
        return 0;
    sample(self->family, self->st, 1, x, y, pow(self->t_base, since / self->unit), self->t_a,
           self->adjust, 0, 1, self->kind);
    return PyObject_SetAttr(self->clock, LAST, t) < 0 ? -1 : 1;
}

/* update(x) / update(x, y) of finite floats (or numpy float64), without a time stamp
   or (a stream timed in seconds) with a float one: one sample in C; anything else
   goes to the slow path, which checks and explains. */
static PyObject *
stepper_call(PyObject *obj, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Stepper *self = (Stepper *)obj;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    double x, y;
    if (self->active && kwnames == NULL
            && (n == self->arity || (n == self->arity + 1 && args[n - 1] == Py_None))
            && finite_samples(self, args, &x, &y)) {
        sample(self->family, self->st, 1, x, y, self->d, self->a, self->adjust,
               self->ignore_na, 0, self->kind);
        Py_RETURN_NONE;
    }
    if (self->clock != NULL) {
        int done = timed_call(self, args, n, kwnames);
        if (done < 0)
            return NULL;
        if (done)
            Py_RETURN_NONE;
    }
    if (self->slow == NULL) {
        PyErr_SetString(PyExc_TypeError, "Stepper: not initialised");
        return NULL;
    }
    return PyObject_Vectorcall(self->slow, args, nargsf, kwnames);
}

static PyObject *
stepper_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    Stepper *self = (Stepper *)type->tp_alloc(type, 0);
    if (self != NULL)
        self->vectorcall = stepper_call;
    return (PyObject *)self;
}

static int
stepper_init(PyObject *obj, PyObject *args, PyObject *kwds)
{
    Stepper *self = (Stepper *)obj;
    static char *names[] = {"family", "rows", "arity", "kind", "adjust", "ignore_na", "d",
                            "a", "slow", NULL};
    PyObject *slow;
    if (self->exports > 0) {  /* a numpy view of the state is alive: its size is fixed */
        PyErr_SetString(PyExc_BufferError, "Stepper: cannot re-initialise while viewed");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "iniippddO", names, &self->family,
                                     &self->rows, &self->arity, &self->kind, &self->adjust,
                                     &self->ignore_na, &self->d, &self->a, &slow))
        return -1;
    if (self->family < 0 || self->family >= @N_FAMILIES@ || self->rows < 1
            || self->rows > MAX_ROWS || self->arity < 1 || self->arity > 2) {
        PyErr_SetString(PyExc_ValueError, "Stepper: family, rows or arity out of range");
        return -1;
    }
    if (!PyCallable_Check(slow)) {
        PyErr_SetString(PyExc_TypeError, "Stepper: slow must be callable");
        return -1;
    }
    Py_INCREF(slow);
    Py_XSETREF(self->slow, slow);
    return 0;
}

/* step(x, y, d, a, ignore_na, timed): one sample with the decay d and weight a given
   (time stamps, or a sample the slow path converted); returns 0, or 1 (and leaves
   the state) if a sample is infinite. */
static PyObject *
stepper_step(PyObject *obj, PyObject *const *args, Py_ssize_t n)
{
    Stepper *self = (Stepper *)obj;
    if (n != 6) {
        PyErr_SetString(PyExc_TypeError, "step takes (x, y, d, a, ignore_na, timed)");
        return NULL;
    }
    double v[4];
    for (int i = 0; i < 4; i++) {
        v[i] = PyFloat_AsDouble(args[i]);
        if (v[i] == -1.0 && PyErr_Occurred())
            return NULL;
    }
    int ignore_na = PyObject_IsTrue(args[4]), timed = PyObject_IsTrue(args[5]);
    if (ignore_na < 0 || timed < 0)
        return NULL;
    if (!isfinite(v[0]) && v[0] == v[0])
        return PyLong_FromLong(1);
    if (self->arity == 2 && !isfinite(v[1]) && v[1] == v[1])
        return PyLong_FromLong(1);
    sample(self->family, self->st, 1, v[0], v[1], v[2], v[3], self->adjust, ignore_na, timed,
           self->kind);
    return PyLong_FromLong(0);
}

/* arm_time(clock, unit, base, a): take float time stamps in C for a stream whose
   Clock is clock (None: not timed in seconds) with halflife unit and rates base, a */
static PyObject *
stepper_arm_time(PyObject *obj, PyObject *const *args, Py_ssize_t n)
{
    Stepper *self = (Stepper *)obj;
    if (n != 4) {
        PyErr_SetString(PyExc_TypeError, "arm_time takes (clock, unit, base, a)");
        return NULL;
    }
    double unit = PyFloat_AsDouble(args[1]), base = PyFloat_AsDouble(args[2]);
    double a = PyFloat_AsDouble(args[3]);
    if (PyErr_Occurred())
        return NULL;
    PyObject *clock = args[0] == Py_None ? NULL : args[0];
    Py_XINCREF(clock);
    Py_XSETREF(self->clock, clock);
    self->unit = unit;
    self->t_base = base;
    self->t_a = a;
    Py_RETURN_NONE;
}

static int
stepper_getbuffer(PyObject *obj, Py_buffer *view, int flags)
{
    Stepper *self = (Stepper *)obj;
    int r = PyBuffer_FillInfo(view, obj, self->st, self->rows * (Py_ssize_t)sizeof(double),
                              0, flags);
    if (r == 0) {
        if (flags & PyBUF_FORMAT)
            view->format = "d";
        view->itemsize = sizeof(double);
        self->exports++;
    }
    return r;
}

static void
stepper_releasebuffer(PyObject *obj, Py_buffer *view)
{
    ((Stepper *)obj)->exports--;
}

static int
stepper_traverse(PyObject *obj, visitproc visit, void *arg)
{
    Py_VISIT(((Stepper *)obj)->slow);
    Py_VISIT(((Stepper *)obj)->clock);
    return 0;
}

static int
stepper_clear(PyObject *obj)
{
    Py_CLEAR(((Stepper *)obj)->slow);
    Py_CLEAR(((Stepper *)obj)->clock);
    return 0;
}

static void
stepper_dealloc(PyObject *obj)
{
    PyObject_GC_UnTrack(obj);
    stepper_clear(obj);
    Py_TYPE(obj)->tp_free(obj);
}

static PyMethodDef stepper_methods[] = {
    {"arm_time", (PyCFunction)(void (*)(void))stepper_arm_time, METH_FASTCALL,
     "arm_time(clock, unit, base, a): take float time stamps in C (clock None: not)"},
    {"step", (PyCFunction)(void (*)(void))stepper_step, METH_FASTCALL,
     "step(x, y, d, a, ignore_na, timed): one sample with the decay and weight given"},
    {NULL}
};

static PyMemberDef stepper_members[] = {
    {"active", T_INT, offsetof(Stepper, active), 0,
     "whether a call of exact floats takes the compiled step"},
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(Stepper, vectorcall), READONLY},
    {NULL}
};

/* the Python method it stands for: its docstring (help, IPython's ?) and, through
   __wrapped__, its signature (inspect.signature) */
static PyObject *
stepper_wrapped(PyObject *obj, void *closure)
{
    PyObject *slow = ((Stepper *)obj)->slow;
    if (slow == NULL)
        Py_RETURN_NONE;
    Py_INCREF(slow);
    return slow;
}

static PyObject *
stepper_doc(PyObject *obj, void *closure)
{
    PyObject *slow = ((Stepper *)obj)->slow;
    if (slow == NULL)
        Py_RETURN_NONE;
    return PyObject_GetAttrString(slow, "__doc__");
}

static PyGetSetDef stepper_getset[] = {
    {"__wrapped__", stepper_wrapped, NULL, "the Python method for every other call"},
    {"__doc__", stepper_doc, NULL, NULL},
    {NULL}
};

static PyBufferProcs stepper_buffer = {stepper_getbuffer, stepper_releasebuffer};

static PyTypeObject StepperType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "streamstats._core._steps.Stepper",
    .tp_doc = "The state of one scalar stream and its compiled one-sample update.",
    .tp_basicsize = sizeof(Stepper),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = stepper_new,
    .tp_init = stepper_init,
    .tp_dealloc = stepper_dealloc,
    .tp_traverse = stepper_traverse,
    .tp_clear = stepper_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Stepper, vectorcall),
    .tp_methods = stepper_methods,
    .tp_members = stepper_members,
    .tp_getset = stepper_getset,
    .tp_as_buffer = &stepper_buffer,
};

/* a buffer format without its byte-order prefix where that is this machine's own
   (numpy spells native little-endian float64 "<d", "=d" or "d") */
static const char *
native_format(const char *f)
{
    if (*f == '@' || *f == '=' || (*f == '<' && PY_LITTLE_ENDIAN))
        f++;
    return f;
}

/* whether time stamps are float64 seconds ('d') or int64 nanoseconds ('q'); 0 and an
   exception if obj has no buffer */
static char
stamp_kind(PyObject *obj)
{
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_STRIDES | PyBUF_FORMAT) < 0)
        return 0;
    char kind = native_format(view.format)[0] == 'd' ? 'd' : 'q';
    PyBuffer_Release(&view);
    return kind;
}

/* step_lanes(family, st, lanes, xs, ys, d, a, adjust, ignore_na, timed, kind, minp):
   one sample into each lane of a (rows, lanes) C-contiguous float64 state, the
   lanes' values returned as a list. The caller has checked the samples (finite or
   NaN) and the lanes (in range). */
static PyObject *
step_lanes(PyObject *module, PyObject *const *args, Py_ssize_t n)
{
    if (n != 12) {
        PyErr_SetString(PyExc_TypeError, "step_lanes takes 12 arguments");
        return NULL;
    }
    int family = (int)PyLong_AsLong(args[0]);
    double d = PyFloat_AsDouble(args[5]), a = PyFloat_AsDouble(args[6]);
    int adjust = PyObject_IsTrue(args[7]), ignore_na = PyObject_IsTrue(args[8]);
    int timed = PyObject_IsTrue(args[9]), kind = (int)PyLong_AsLong(args[10]);
    double minp = PyFloat_AsDouble(args[11]);
    if (PyErr_Occurred())
        return NULL;
    PyObject *lanes = args[2], *xs = args[3], *ys = args[4];
    if (!PyList_Check(lanes) || !PyList_Check(xs) || !PyList_Check(ys)
            || PyList_GET_SIZE(xs) != PyList_GET_SIZE(lanes)
            || PyList_GET_SIZE(ys) != PyList_GET_SIZE(lanes)) {
        PyErr_SetString(PyExc_TypeError, "step_lanes: lanes, xs and ys must be lists of one size");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(args[1], &view, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE | PyBUF_FORMAT) < 0)
        return NULL;
    PyObject *result = NULL;
    if (view.ndim != 2 || strcmp(native_format(view.format), "d") != 0) {
        PyErr_SetString(PyExc_ValueError, "step_lanes: the state must be 2-D float64");
        goto done;
    }
    Py_ssize_t stride = view.shape[1], count = PyList_GET_SIZE(lanes);
    result = PyList_New(count);
    if (result == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t lane = PyLong_AsSsize_t(PyList_GET_ITEM(lanes, i));
        double x = PyFloat_AsDouble(PyList_GET_ITEM(xs, i));
        double y = PyFloat_AsDouble(PyList_GET_ITEM(ys, i));
        if (PyErr_Occurred()) {
            Py_CLEAR(result);
            goto done;
        }
        if (lane < 0 || lane >= stride) {
            PyErr_SetString(PyExc_IndexError, "step_lanes: lane out of range");
            Py_CLEAR(result);
            goto done;
        }
        double *st = (double *)view.buf + lane;
        sample(family, st, stride, x, y, d, a, adjust, ignore_na, timed, kind);
        PyObject *v = PyFloat_FromDouble(value(family, st, stride, minp, kind));
        if (v == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, v);
    }
done:
    PyBuffer_Release(&view);
    return result;
}

/* value_of(family, st, kind, minp): the value of a scalar stream's state (a buffer
   of its rows). */
static PyObject *
value_of(PyObject *module, PyObject *const *args, Py_ssize_t n)
{
    if (n != 4) {
        PyErr_SetString(PyExc_TypeError, "value_of takes (family, st, kind, minp)");
        return NULL;
    }
    int family = (int)PyLong_AsLong(args[0]);
    int kind = (int)PyLong_AsLong(args[2]);
    double minp = PyFloat_AsDouble(args[3]);
    if (PyErr_Occurred())
        return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(args[1], &view, PyBUF_C_CONTIGUOUS) < 0)
        return NULL;
    double v = value(family, (double *)view.buf, 1, minp, kind);
    PyBuffer_Release(&view);
    return PyFloat_FromDouble(v);
}

/* a buffer of float64 ('d'), intp ('n'), int64 ('q') or bool ('?') items with ndim
   dimensions */
static int
get_view(PyObject *obj, Py_buffer *view, int ndim, char want, int writable, const char *name)
{
    int flags = PyBUF_STRIDES | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    const char *f = native_format(view->format);
    int ok = view->ndim == ndim && f[0] != 0 && f[1] == 0;
    if (ok && want == 'd')
        ok = f[0] == 'd';
    else if (ok && (want == 'n' || want == 'q'))
        ok = (f[0] == 'l' || f[0] == 'q' || f[0] == 'n') && view->itemsize == 8;
    else if (ok)
        ok = f[0] == want;
    if (!ok) {
        PyErr_Format(PyExc_TypeError, "%s: expected a %d-D array of '%c' items, got format '%s'",
                     name, ndim, want, view->format);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* which argument, how many dimensions, which items ('s': the call's kind of time
   stamps), writable, and its name for the messages */
typedef struct {
    int arg, ndim;
    char want;
    int writable;
    const char *name;
} ViewSpec;

static void
release_views(Py_buffer *views, int count)
{
    for (int i = 0; i < count; i++)
        PyBuffer_Release(&views[i]);
}

/* the views of a call's arrays; on an error those taken are released */
static int
get_views(PyObject *const *args, const ViewSpec *specs, int count, char stamp,
          Py_buffer *views)
{
    for (int i = 0; i < count; i++) {
        char want = specs[i].want == 's' ? stamp : specs[i].want;
        if (get_view(args[specs[i].arg], &views[i], specs[i].ndim, want, specs[i].writable,
                     specs[i].name) < 0) {
            release_views(views, i);
            return -1;
        }
    }
    return 0;
}

/* time stamps (float64 seconds or int64 nanoseconds) compared and subtracted in their
   own type, as numpy and Numba do */
static inline int
stamp_before(char kind, const char *a, const char *b)
{
    if (kind == 'd')
        return *(const double *)a < *(const double *)b;
    return *(const long long *)a < *(const long long *)b;
}

static inline double
stamp_since(char kind, const char *now, const char *last)
{
    if (kind == 'd')
        return *(const double *)now - *(const double *)last;
    return (double)(*(const long long *)now - *(const long long *)last);
}

#define AT(view, i) ((char *)(view).buf + (i) * (view).strides[0])

/* grouped_scan(family, x, y, codes, deltas, base, a, adjust, ignore_na, st, out, minp,
   kind): the scan with one state per group (see streamstats._core.kernels): -1, or
   the flat index of the first infinite sample. st must be C-contiguous. */
static PyObject *
grouped_scan(PyObject *module, PyObject *const *args, Py_ssize_t n)
{
    static const ViewSpec specs[] = {
        {1, 2, 'd', 0, "x"}, {2, 2, 'd', 0, "y"}, {3, 1, 'n', 0, "codes"},
        {4, 1, 'd', 0, "deltas"}, {9, 2, 'd', 1, "st"}, {10, 2, 'd', 1, "out"}};
    if (n != 13) {
        PyErr_SetString(PyExc_TypeError, "grouped_scan takes 13 arguments");
        return NULL;
    }
    int family = (int)PyLong_AsLong(args[0]);
    double base = PyFloat_AsDouble(args[5]), a = PyFloat_AsDouble(args[6]);
    int adjust = PyObject_IsTrue(args[7]), ignore_na = PyObject_IsTrue(args[8]);
    double minp = PyFloat_AsDouble(args[11]);
    int kind = (int)PyLong_AsLong(args[12]);
    if (PyErr_Occurred() || adjust < 0 || ignore_na < 0)
        return NULL;
    Py_buffer v[6];
    if (get_views(args, specs, 6, 0, v) < 0)
        return NULL;
    Py_buffer *x = &v[0], *y = &v[1], *codes = &v[2], *deltas = &v[3], *st = &v[4],
              *out = &v[5];
    PyObject *result = NULL;
    Py_ssize_t rows = x->shape[0], k = x->shape[1];
    int timed = deltas->shape[0] > 0;
    if (!PyBuffer_IsContiguous(st, 'C') || y->shape[0] != rows || y->shape[1] != k
            || codes->shape[0] != rows || (timed && deltas->shape[0] != rows)
            || out->shape[0] != rows || out->shape[1] != k) {
        PyErr_SetString(PyExc_ValueError, "grouped_scan: shapes do not agree");
    } else {
        Py_ssize_t bad;
        Py_BEGIN_ALLOW_THREADS
        bad = scan(family, rows, k, x->buf, x->strides[0], x->strides[1], y->buf,
                   y->strides[0], y->strides[1], codes->buf, codes->strides[0], deltas->buf,
                   timed ? deltas->strides[0] : 0, timed, base, a, adjust, ignore_na,
                   st->buf, st->shape[1], out->buf, out->strides[0], out->strides[1], minp,
                   kind);
        Py_END_ALLOW_THREADS
        result = PyLong_FromSsize_t(bad);
    }
    release_views(v, 6);
    return result;
}

/* group_deltas(values, codes, last, seen, unit, deltas): the elapsed time before each
   row since its group's previous row, in units of `unit` (0 for a group's first);
   last (as values: float64 or int64) and seen (bool) are updated in place. Returns
   the first row whose stamp goes back, or -1. */
static PyObject *
group_deltas(PyObject *module, PyObject *const *args, Py_ssize_t n)
{
    static const ViewSpec specs[] = {
        {0, 1, 's', 0, "values"}, {1, 1, 'n', 0, "codes"}, {2, 1, 's', 1, "last"},
        {3, 1, '?', 1, "seen"}, {5, 1, 'd', 1, "deltas"}};
    if (n != 6) {
        PyErr_SetString(PyExc_TypeError, "group_deltas takes 6 arguments");
        return NULL;
    }
    double unit = PyFloat_AsDouble(args[4]);
    if (PyErr_Occurred())
        return NULL;
    char kind = stamp_kind(args[0]);
    Py_buffer v[5];
    if (kind == 0 || get_views(args, specs, 5, kind, v) < 0)
        return NULL;
    Py_buffer values = v[0], codes = v[1], last = v[2], seen = v[3], deltas = v[4];
    PyObject *result = NULL;
    Py_ssize_t rows = values.shape[0], bad = -1;
    if (codes.shape[0] != rows || deltas.shape[0] != rows) {
        PyErr_SetString(PyExc_ValueError, "group_deltas: shapes do not agree");
        goto done;
    }
    for (Py_ssize_t i = 0; i < rows; i++) {
        Py_ssize_t g = *(const Py_ssize_t *)AT(codes, i);
        if (g < 0 || g >= last.shape[0] || g >= seen.shape[0]) {
            PyErr_SetString(PyExc_IndexError, "group_deltas: code out of range");
            goto done;
        }
        double *delta = (double *)AT(deltas, i);
        if (*AT(seen, g)) {
            if (stamp_before(kind, AT(values, i), AT(last, g))) {
                bad = i;
                break;
            }
            *delta = stamp_since(kind, AT(values, i), AT(last, g)) / unit;
        } else {
            *delta = 0.0;
            *AT(seen, g) = 1;
        }
        memcpy(AT(last, g), AT(values, i), 8);
    }
    result = PyLong_FromSsize_t(bad);
done:
    release_views(v, 5);
    return result;
}

/* late_rows(t, codes, last, keep, late): marks late[i] for the kept rows whose stamp
   (float64 or int64, as last) is before the last kept stamp of their group
   (codes[i] == -1: the last slot of `last`); `last` is updated as rows go by. */
static PyObject *
late_rows(PyObject *module, PyObject *const *args, Py_ssize_t n)
{
    static const ViewSpec specs[] = {
        {0, 1, 's', 0, "t"}, {1, 1, 'n', 0, "codes"}, {2, 1, 's', 1, "last"},
        {3, 1, '?', 0, "keep"}, {4, 1, '?', 1, "late"}};
    if (n != 5) {
        PyErr_SetString(PyExc_TypeError, "late_rows takes 5 arguments");
        return NULL;
    }
    char kind = stamp_kind(args[0]);
    Py_buffer v[5];
    if (kind == 0 || get_views(args, specs, 5, kind, v) < 0)
        return NULL;
    Py_buffer t = v[0], codes = v[1], last = v[2], keep = v[3], late = v[4];
    PyObject *result = NULL;
    Py_ssize_t rows = t.shape[0], slots = last.shape[0];
    if (codes.shape[0] != rows || keep.shape[0] != rows || late.shape[0] != rows) {
        PyErr_SetString(PyExc_ValueError, "late_rows: shapes do not agree");
        goto done;
    }
    for (Py_ssize_t i = 0; i < rows; i++) {
        *AT(late, i) = 0;
        if (!*AT(keep, i))
            continue;
        Py_ssize_t c = *(const Py_ssize_t *)AT(codes, i);
        if (c < 0)
            c += slots;
        if (c < 0 || c >= slots) {
            PyErr_SetString(PyExc_IndexError, "late_rows: code out of range");
            goto done;
        }
        if (stamp_before(kind, AT(t, i), AT(last, c)))
            *AT(late, i) = 1;
        else
            memcpy(AT(last, c), AT(t, i), 8);
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    release_views(v, 5);
    return result;
}

static PyMethodDef module_methods[] = {
    {"late_rows", (PyCFunction)(void (*)(void))late_rows, METH_FASTCALL,
     "the kept rows whose stamp is before their group's last"},
    {"grouped_scan", (PyCFunction)(void (*)(void))grouped_scan, METH_FASTCALL,
     "the grouped scan: one state per group, rows of any group interleaved"},
    {"group_deltas", (PyCFunction)(void (*)(void))group_deltas, METH_FASTCALL,
     "elapsed time per row since its group's previous row"},
    {"step_lanes", (PyCFunction)(void (*)(void))step_lanes, METH_FASTCALL,
     "one sample into given lanes of a keyed state; returns their values"},
    {"value_of", (PyCFunction)(void (*)(void))value_of, METH_FASTCALL,
     "the value of a scalar stream's state"},
    {NULL}
};

static struct PyModuleDef steps_module = {
    PyModuleDef_HEAD_INIT, "streamstats._core._steps",
    "Compiled one-sample steps, generated from streamstats._core.rules.", -1, module_methods
};

PyMODINIT_FUNC
PyInit__steps(void)
{
    if (PyType_Ready(&StepperType) < 0)
        return NULL;
    LAST = PyUnicode_InternFromString("last");
    if (LAST == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&steps_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&StepperType);
    if (PyModule_AddObject(m, "Stepper", (PyObject *)&StepperType) < 0) {
        Py_DECREF(&StepperType);
        Py_DECREF(m);
        return NULL;
    }
    PyObject *families = Py_BuildValue("(@FORMAT@)", @FAMILIES@);
    if (families == NULL || PyModule_AddObject(m, "FAMILIES", families) < 0) {
        Py_XDECREF(families);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
"""

if __name__ == "__main__":
    SOURCE_PATH.write_text(c_source())
    print(f"wrote {SOURCE_PATH}")
