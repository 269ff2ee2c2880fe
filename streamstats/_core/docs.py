"""Docstring text shared by every front, written once, and the one decorator that
puts it in place.

A docstring names a shared block by a line holding only ``{name}``; :func:`doc`
replaces that line by the block, indented as the placeholder was (a block may name
other blocks the same way). A placeholder
with no block is an error at import time, so no public docstring shows one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["doc", "BLOCKS"]

T = TypeVar("T", bound=Callable[..., Any] | type)

BLOCKS: dict[str, str] = {
    "decay": """\
beta, alpha, span, com, halflife : float or duration
    The decay, exactly one. ``beta`` is the weight on the past, in [0, 1) (the
    lecture's); ``alpha = 1 - beta`` (pandas' and polars' convention); ``span``
    (``beta = 1 - 2/(span+1)``); ``com`` (``beta = com/(1+com)``); ``halflife``
    (``beta = 0.5**(1/halflife)`` in samples; with time stamps a duration such as
    ``"5min"`` or seconds as a number, decaying by ``0.5**(dt/halflife)``).""",
    "ignore_na": """\
ignore_na : bool
    pandas' rule for missing values (NaN): False (default) lets the past decay on
    missing rows too, True skips them. With time stamps the decay follows the
    elapsed time, so this has no effect.""",
    "min_periods": """\
min_periods : int
    Values are NaN until this many samples were observed.""",
    "bias": """\
bias : bool
    False (default): pandas' unbiased estimate, the biased one times
    ``S1**2 / (S1**2 - S2)`` (NaN after a single sample); True: the biased one.""",
    "adjust": """\
adjust : bool
    True (default): weights add up (pandas' ``adjust=True``); False: pandas' seeded
    ``adjust=False`` form.""",
    "times": """\
times : column name or array of time stamps, optional
    One stamp per row (datetimes, or numbers in seconds); without it a
    ``DatetimeIndex`` is used when ``halflife`` is a duration. Unlike pandas,
    var/std/cov/corr decay by elapsed time as well. Stamps must not go backwards
    (within a key).""",
    "by": """\
by : column name or list of names (Series: an array of keys), optional
    One independent series per key, like ``groupby(by).ewm(...)`` but rows stay in
    their original order and index; the key columns are left out of the result.
    Missing keys form one group of their own.""",
    "columns": """\
columns : list of names, optional
    DataFrame only: the columns to use (each must be numeric); default every
    numeric column but the key and time columns.""",
    "methods": """\
Notes
-----
Every accumulator has ``update(x, t=None)``, ``update_many(xs, times=None,
parallel=False)``, ``value``, ``count``, ``reset()``, ``copy()``, ``merge(other)``,
``state``, ``from_state(state, **params)``, ``to_dict()``/``from_dict()``, ``spec``
(what it computes: family, value, convention, decay) and pickles. A sample is a
scalar or an array (one state per element).""",
}

_PLACEHOLDER = re.compile(r"^([ \t]*)\{(\w+)\}[ \t]*$", re.MULTILINE)


def doc(**extra: str) -> Callable[[T], T]:
    """Fill the ``{name}`` lines of the decorated object's docstring from
    :data:`BLOCKS` and ``extra`` (blocks of this object only).

    Examples
    --------
    >>> @doc(data="x : array\\n    The samples.")
    ... def f():
    ...     '''Parameters
    ...     ----------
    ...     {data}
    ...     {min_periods}
    ...     '''
    >>> print(f.__doc__)
    Parameters
        ----------
        x : array
            The samples.
        min_periods : int
            Values are NaN until this many samples were observed.
    <BLANKLINE>
    """
    blocks = {**BLOCKS, **extra}

    def fill(obj: T) -> T:
        def block(match: re.Match) -> str:
            indent, name = match.groups()
            if name not in blocks:
                raise KeyError(f"{obj.__qualname__}: no docstring block {name!r}")
            return "\n".join(indent + line if line else line
                             for line in blocks[name].splitlines())

        text = obj.__doc__ or ""
        while _PLACEHOLDER.search(text):  # blocks may hold placeholders themselves
            text = _PLACEHOLDER.sub(block, text)
        obj.__doc__ = text
        return obj

    return fill
