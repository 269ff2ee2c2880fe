"""Many independent streams at once: one state per key, rows of any key interleaved.

``KeyedStreams`` holds, for each statistic, the states of every key side by side
(``(fields, keys * lanes)``) and runs chunks through the grouped scan of the compiled
steps (``_core._steps``: the rules and lane template of the Numba kernels, in C,
which spares a process Numba's start-up of a few tenths of a second). A chunk is
checked whole (keys, time order, finite values) before any state is touched, so a
bad chunk leaves the states as they were; the scan then updates them in place.
``record`` takes one row without arrays, through the same steps, checked the same way.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import _steps
from .._core.checks import check_state_fields
from .._core.families import Spec
from .._core.times import (
    check_same_kind,
    halflife_unit,
    show_time,
    stamps_of_kind,
    time_scalar,
)
from .frame import MISSING_KEY, key_codes, plain_key
from .registry import PAIRWISE, Options, make_accumulator

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KeyedStreams", "json_key", "unjson_key"]

# chunks up to this many rows map their keys in a Python loop (cheaper than factorize)
_SMALL = 16
_STAMP_DTYPES = {"ns": np.dtype(np.int64), "s": np.dtype(np.float64)}


class KeyedStreams:
    """The states of ``stats`` over ``k`` columns for every key seen so far.

    ``pairs`` lists the column pairs ``(i, j)`` of the two-input statistics
    (``cov``/``corr``); the others have one lane per column.
    """

    def __init__(self, stats: Sequence[str], opts: Options, k: int, timed: bool,
                 pairs: Sequence[tuple[int, int]] | np.ndarray = ()) -> None:
        self.stats = tuple(stats)
        self.timed = timed
        self.specs: dict[str, Spec] = {s: make_accumulator(s, opts).spec for s in self.stats}
        for spec in self.specs.values():
            spec.check_times(timed)
        self.pairs = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
        self.lanes = {s: len(self.pairs) if s in PAIRWISE else k for s in self.stats}
        self.halflife_seconds = next(iter(self.specs.values())).decay.halflife_seconds
        self._record_plan: list[tuple] | None = None
        self.reset()

    def reset(self) -> None:
        self.codes: dict[Hashable, int] = {}
        self.keys: list[Hashable] = []
        self.st = {
            s: np.zeros((spec.family.rows, 0)) for s, spec in self.specs.items()
        }
        self.time_kind: str | None = None
        self.last: np.ndarray = np.zeros(0)  # per key: its last stamp, and whether it has one
        self.seen: np.ndarray = np.zeros(0, dtype=bool)

    # -- keys ---------------------------------------------------------------------
    def _map_keys(self, keys: list[pd.Series] | None, n: int) -> tuple[np.ndarray, list]:
        """Codes of a chunk's rows and the keys it adds (not yet committed)."""
        if keys is None:  # one stream, under the key ()
            return np.zeros(n, dtype=np.intp), [] if self.keys else [()]
        known, new = self.codes, list[Hashable]()
        fresh: dict[Hashable, int] = {}

        def code(key: Hashable) -> int:
            c = known.get(key)
            if c is None:
                c = fresh.get(key)
                if c is None:
                    c = fresh[key] = len(self.keys) + len(new)
                    new.append(key)
            return c

        if n <= _SMALL:
            columns = [[plain_key(v) for v in k.tolist()] for k in keys]
            rows = columns[0] if len(columns) == 1 else list(zip(*columns))
            return np.array([code(key) for key in rows], dtype=np.intp).reshape(n), new
        local, uniques = key_codes(keys)
        table = np.array([code(u) for u in uniques], dtype=np.intp)
        return table[local], new

    # -- time ---------------------------------------------------------------------
    def _deltas(self, stamps: Any, codes: np.ndarray, n_keys: int, rows: Sequence[Hashable],
                new: list) -> tuple[np.ndarray, str | None]:
        """Elapsed time per row; updates ``last``/``seen`` in place, and puts back
        the entries of this chunk's keys if a stamp goes backwards."""
        if not self.timed:
            return np.empty(0), None
        values, kind = stamps_of_kind(stamps, codes.shape[0], self.time_kind)
        self._clock_room(values.dtype, n_keys)
        touched = np.unique(codes) if len(codes) > 1 else codes
        saved = self.last[touched], self.seen[touched]  # copies: fancy indexing
        deltas = np.empty(codes.shape[0])
        assert self.halflife_seconds is not None  # checked by Spec.check_times
        unit = halflife_unit(self.halflife_seconds, kind)
        bad = _steps.group_deltas(values, codes, self.last, self.seen, unit, deltas)
        if bad >= 0:
            self.last[touched], self.seen[touched] = saved
            c = int(codes[bad])
            key = self.keys[c] if c < len(self.keys) else new[c - len(self.keys)]
            whose = "" if key == () else f" for key {key!r}"
            raise ValueError(
                f"time stamps go backwards{whose} at row {bad} (index {rows[bad]!r}): "
                f"{show_time(values[bad], kind)} is before the previous stamp"
            )
        return deltas, kind

    # -- the scan -----------------------------------------------------------------
    def run(self, x: np.ndarray, keys: list[pd.Series] | None, stamps: Any,
            rows: Sequence[Hashable], names: Sequence[Hashable]) -> dict[str, np.ndarray]:
        """Feed ``x`` (``(rows, k)`` float64) with its key columns and time stamps;
        return each statistic's values ``(rows, lanes)``. All or nothing: every check
        comes before the scans, which then update the states in place."""
        n = x.shape[0]
        codes, new = self._map_keys(keys, n)
        n_keys = len(self.keys) + len(new)  # (no list of them all: a new key costs O(1))
        infinite = np.isinf(x)
        if infinite.any():
            i, j = np.argwhere(infinite)[0]
            raise ValueError(
                f"column {names[j]!r} is infinite at row {i} (index {rows[i]!r}); "
                "samples must be finite (NaN marks a missing one)"
            )
        deltas, kind = self._deltas(stamps, codes, n_keys, rows, new)
        if new:
            self._grow(n_keys)
        if n == 1:  # one row: the compiled step, without the Numba dispatcher's cost
            row = self._step_row(int(codes[0]), x[0].tolist(),
                                 float(deltas[0]) if self.timed else 0.0)
            out = {stat: np.array([values]) for stat, values in row.items()}
        else:
            out = {}
            for stat, spec in self.specs.items():
                lanes = self.lanes[stat]
                if stat in PAIRWISE:
                    xs, ys = x[:, self.pairs[:, 0]], x[:, self.pairs[:, 1]]
                else:
                    xs = ys = x
                base, a, ignore_na = spec.rates(self.timed)
                out[stat] = np.empty((n, lanes))
                _steps.grouped_scan(
                    spec.family.code, xs, ys, codes, deltas, base, a,
                    spec.adjust, ignore_na, self._contiguous(stat), out[stat], spec.min_count,
                    spec.kind,
                )
        for key in new:
            self.codes[key] = len(self.keys)
            self.keys.append(key)
        if kind is not None:
            self.time_kind = kind
        return out

    def record(self, x: list[float], key: Hashable, stamp: Any, names: Sequence[Hashable]
               ) -> dict[str, list[float]]:
        """Feed one row: ``x`` the values of the ``k`` columns (floats, NaN missing),
        ``key`` its key (``()`` without keys), ``stamp`` its time stamp (None untimed).
        Returns each statistic's values (one per lane). Checked first, as ``run``."""
        for j, v in enumerate(x):
            if v - v != 0.0 and v == v:
                raise ValueError(f"column {names[j]!r} is infinite; samples must be finite "
                                 "(NaN marks a missing one)")
        found = self.codes.get(key)
        new = found is None
        code = len(self.keys) if found is None else found
        n_keys = len(self.keys) + new
        d_halflives, value, kind_ = 0.0, None, None
        if self.timed:
            if stamp is None:
                raise ValueError("this stream decays by time: give the record's time stamp")
            value, kind_ = time_scalar(stamp)
            check_same_kind(self.time_kind, kind_)
            if not new and code < len(self.seen) and self.seen[code]:
                last = self.last[code].item()
                if value < last:
                    whose = "" if key == () else f" for key {key!r}"
                    raise ValueError(f"time stamps go backwards{whose}: "
                                     f"{show_time(value, kind_)} is before the previous stamp "
                                     f"{show_time(last, kind_)}")
                assert self.halflife_seconds is not None  # checked by Spec.check_times
                d_halflives = (value - last) / halflife_unit(self.halflife_seconds, kind_)
        elif stamp is not None:
            raise ValueError("this stream does not decay by time: give no time stamp")
        if new:
            self._grow(n_keys)
        out = self._step_row(code, x, d_halflives)
        if new:
            self.codes[key] = code
            self.keys.append(key)
        if kind_ is not None:
            self._clock_room(_STAMP_DTYPES[kind_], n_keys)
            self.last[code], self.seen[code] = value, True
            self.time_kind = kind_
        return out

    def _clock_room(self, dtype: np.dtype, n_keys: int) -> None:
        """``last`` (of the stamps' ``dtype``) and ``seen`` with room for ``n_keys``."""
        if self.last.dtype != dtype:
            self.last = self.last.astype(dtype)
        if len(self.seen) < n_keys:
            self.last, self.seen = _grown(self.last, n_keys), _grown(self.seen, n_keys)

    def _grow(self, n_keys: int) -> None:
        for stat in self.stats:
            self.st[stat] = _grown(self.st[stat], n_keys * self.lanes[stat])

    def _step_row(self, code: int, x: list[float], d_halflives: float
                  ) -> dict[str, list[float]]:
        """One checked row of key ``code`` through the compiled steps, every statistic:
        their lanes' values."""
        out = {}
        for stat, family, lanes, pairs, base, a, ignore_na, adjust, kind, minp in self._plan():
            xs, ys = ([x[i] for i in pairs[0]], [x[j] for j in pairs[1]]) if pairs else (x, x)
            d = base ** d_halflives if self.timed else base
            out[stat] = _steps.step_lanes(family, self._contiguous(stat),
                                          list(range(code * lanes, code * lanes + lanes)),
                                          xs, ys, d, a, adjust, ignore_na, self.timed, kind,
                                          minp)
        return out

    def _contiguous(self, stat: str) -> np.ndarray:
        """The states of ``stat`` as the compiled steps take them (C order, writable);
        a loaded state may be a view."""
        st = self.st[stat]
        if not (st.flags.c_contiguous and st.flags.writeable):
            st = self.st[stat] = np.array(st, dtype=np.float64)
        return st

    def _plan(self) -> list[tuple]:
        """What ``record`` needs of each statistic, worked out once."""
        if self._record_plan is None:
            self._record_plan = [
                (stat, spec.family.code, self.lanes[stat],
                 self.pairs.T.tolist() if stat in PAIRWISE else None,
                 *spec.rates(self.timed), spec.adjust, spec.kind, spec.min_count)
                for stat, spec in self.specs.items()]
        return self._record_plan

    def states(self, stat: str) -> np.ndarray:
        """The states of ``stat``: ``(fields, keys * lanes)`` (a view)."""
        return self.st[stat][:, : len(self.keys) * self.lanes[stat]]

    def last_stamps(self, keys: Sequence[Hashable]) -> np.ndarray | None:
        """The last time stamp of each of ``keys`` (int64 ns or float seconds), the
        lowest value of the kind for a key not seen yet; None before any stamp."""
        if self.time_kind is None:
            return None
        low = np.iinfo(np.int64).min if self.last.dtype.kind == "i" else -np.inf
        out = np.full(len(keys), low, dtype=self.last.dtype)
        for i, key in enumerate(keys):
            c = self.codes.get(key)
            if c is not None and self.seen[c]:
                out[i] = self.last[c]
        return out

    # -- export -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        n = len(self.keys)
        return {
            "keys": [json_key(k) for k in self.keys],
            "state": {s: self.states(s).tolist() for s in self.stats},
            "time_kind": self.time_kind,
            "last": self.last[:n].tolist(),
            "seen": self.seen[:n].tolist(),
        }

    def load_dict(self, data: dict[str, Any]) -> None:
        """Continue from :meth:`to_dict` output, checked first (shapes, finite
        states, counts, time stamps per key)."""
        for name in ("keys", "state", "time_kind", "last", "seen"):
            if name not in data:
                raise ValueError(f"smoother data has no {name!r}")
        if not isinstance(data["keys"], list) or not isinstance(data["state"], dict):
            raise ValueError("smoother data: 'keys' must be a list and 'state' a dict")
        keys = [unjson_key(k) for k in data["keys"]]
        if len(set(keys)) != len(keys):
            raise ValueError("smoother data lists a key twice")
        state = {}
        for s in self.stats:
            if s not in data["state"]:
                raise ValueError(f"smoother data has no state for {s!r}")
            fields = self.specs[s].family.row_names
            try:
                st = np.asarray(data["state"][s], dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"state of {s!r} must be a table of numbers") from None
            want = (len(fields), len(keys) * self.lanes[s])
            if st.size == 0:
                st = st.reshape(want)
            if st.shape != want:
                raise ValueError(f"state of {s!r} has shape {st.shape}, expected {want}")
            check_state_fields(dict(zip(fields, st)), f"state of {s!r}")
            state[s] = st
        kind = data["time_kind"]
        if kind not in (None, "ns", "s"):
            raise ValueError(f"time_kind must be None, 'ns' or 's', got {kind!r}")
        size = len(keys) if kind is not None else 0
        try:
            last = np.asarray(data["last"], dtype=np.int64 if kind == "ns" else np.float64)
            seen = np.asarray(data["seen"], dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise ValueError("smoother data: 'last' and 'seen' must be lists of numbers") from None
        if last.shape != (size,) or seen.shape != (size,):
            raise ValueError(f"smoother data: 'last' and 'seen' must have one entry per key "
                             f"({size}), got {last.shape[0]} and {seen.shape[0]}")
        if not (np.isin(seen, (0, 1)).all() and (kind != "s" or np.isfinite(last).all())):
            raise ValueError("smoother data: 'seen' must be true/false and 'last' finite")
        self.reset()
        self.keys = keys
        self.codes = {k: i for i, k in enumerate(keys)}
        self.st = state
        self.time_kind = kind
        self.last = last
        self.seen = seen.astype(bool)


def _grown(values: np.ndarray, size: int) -> np.ndarray:
    """``values`` with room for ``size`` entries along its last axis: itself when
    it has the room, else a copy with at least twice the room, the rest zeros (so
    that a stream of new keys costs amortised O(1) per key, not a copy each)."""
    if values.shape[-1] >= size:
        return values
    out = np.zeros((*values.shape[:-1], max(size, 2 * values.shape[-1])), dtype=values.dtype)
    out[..., : values.shape[-1]] = values
    return out


def json_key(key: Hashable) -> Any:
    if key is MISSING_KEY:
        return None
    if isinstance(key, tuple | list):
        return [json_key(k) for k in key]
    if key is None or isinstance(key, str | int | float | bool):
        return key
    raise TypeError(f"key {key!r} cannot be written as JSON: pickle the smoother instead")


def unjson_key(key: Any) -> Hashable:
    if key is None:
        return MISSING_KEY
    if isinstance(key, list):
        return tuple(unjson_key(k) for k in key)
    return key

