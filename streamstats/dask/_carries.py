"""Carries between partitions: the ordered merge of per-key smoother states.

A partition's summary is an ``OnlineSmoother`` state (``to_dict``, its tables as
numpy arrays: :func:`compact`) run from empty over the partition alone. Merging the
summaries in partition order, key by key, gives each partition's carry, as dask's
own ``groupby().cumsum()`` chains per-key carries over the union of the keys:

- a key in both: the family's ordered merge, the earlier state decayed by the
  later partition's rows of that key (``beta ** rows``; observed rows with
  ``ignore_na``) or, with time stamps, by the time between the two last stamps;
- a key only in the earlier carry: unchanged (rows of other keys do not decay it,
  as in ``groupby().ewm()``; with times, the gap is charged at its next sample);
- a key only in the later summary: taken as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.merges import sample_decay
from .._core.times import check_same_kind, halflife_unit
from .._pandas.registry import Options, make_accumulator

__all__ = ["compact", "merge_smoother_states", "plain"]


def compact(state: dict[str, Any]) -> dict[str, Any]:
    """A smoother's ``to_dict`` with its tables as numpy arrays: a summary or carry
    of many keys travels between processes (and through Dask's graph, which would
    walk every number of nested lists) as a few buffers; ``from_dict`` takes both."""
    if "keys" not in state:
        return state
    dtype = np.int64 if state["time_kind"] == "ns" else np.float64
    return {**state, "state": {s: np.asarray(v, dtype=np.float64)
                               for s, v in state["state"].items()},
            "last": np.asarray(state["last"], dtype=dtype),
            "seen": np.asarray(state["seen"], dtype=bool)}


def plain(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """The inverse of :func:`compact`: lists again, as ``to_dict`` gives (JSON)."""
    if state is None or "keys" not in state:
        return state
    return {**state, "state": {s: np.asarray(v).tolist() for s, v in state["state"].items()},
            "last": np.asarray(state["last"]).tolist(),
            "seen": np.asarray(state["seen"]).tolist()}


def merge_smoother_states(start: dict[str, Any] | None, summaries: tuple | list,
                          params: dict[str, Any]) -> list[dict[str, Any] | None]:
    """The carry into each partition, and after the last: ``len(summaries) + 1``
    states, the first ``start``."""
    opts = Options.of(**{k: params[k] for k in ("beta", "alpha", "span", "com", "halflife")
                         if params.get(k) is not None},
                      **{k: params[k] for k in ("bias_correction", "adjust", "bias",
                                                "ignore_na", "min_periods")})
    specs = {stat: make_accumulator(stat, opts).spec for stat in params["stats"]}
    carries = [start]
    for summary in summaries:
        carries.append(_merge(carries[-1], summary, specs))
    return carries


def _has_keys(state: dict[str, Any] | None) -> bool:
    return state is not None and bool(state.get("keys"))


def _merge(early: dict[str, Any] | None, late: dict[str, Any], specs: dict) -> Any:
    if not _has_keys(late):
        return early
    if not _has_keys(early):
        return late
    assert early is not None
    check_same_kind(early["time_kind"], late["time_kind"])
    keys_e = [_hashable(k) for k in early["keys"]]
    keys_l = [_hashable(k) for k in late["keys"]]
    where_e = {k: i for i, k in enumerate(keys_e)}
    keys = keys_e + [k for k in keys_l if k not in where_e]
    where = {k: i for i, k in enumerate(keys)}
    # every key's place in the merged order: early keys first, then the new ones
    at_l = np.array([where[k] for k in keys_l], dtype=np.intp)
    in_l = np.zeros(len(keys), dtype=bool)
    in_l[at_l] = True
    kind = early["time_kind"] or late["time_kind"]
    timed = kind is not None
    if timed:
        dtype = np.int64 if kind == "ns" else np.float64
        last = np.zeros(len(keys), dtype=dtype)
        seen = np.zeros(len(keys), dtype=bool)
        seen_e = np.asarray(early["seen"], dtype=bool)
        seen_l = np.asarray(late["seen"], dtype=bool)
        last_e = np.asarray(early["last"], dtype=dtype)
        last_l = np.asarray(late["last"], dtype=dtype)
        last[: len(keys_e)][seen_e] = last_e[seen_e]
        seen[: len(keys_e)] = seen_e
        last[at_l[seen_l]] = last_l[seen_l]
        seen[at_l] |= seen_l
        # per key, the decay from its last stamp before to its last stamp after
        both = np.zeros(len(keys), dtype=bool)
        both[: len(keys_e)] = seen_e
        later = np.zeros(len(keys), dtype=bool)
        later[at_l] = seen_l
        both &= later
        gap = np.zeros(len(keys))
        start_t = np.zeros(len(keys), dtype=dtype)
        start_t[: len(keys_e)] = last_e
        gap[both] = (last[both] - start_t[both]).astype(np.float64)
    merged: dict[str, np.ndarray] = {}
    for stat, spec in specs.items():
        st_e = np.asarray(early["state"][stat], dtype=np.float64)
        st_l = np.asarray(late["state"][stat], dtype=np.float64)
        lanes = st_e.shape[1] // len(keys_e)
        rows = st_e.shape[0]
        # both sides over all keys; a key a side has not seen holds the empty state,
        # which the ordered merge leaves the other side's state as it is
        early_all = np.zeros((rows, len(keys), lanes))
        early_all[:, : len(keys_e)] = st_e.reshape(rows, len(keys_e), lanes)
        late_all = np.zeros((rows, len(keys), lanes))
        late_all[:, at_l] = st_l.reshape(rows, len(keys_l), lanes)
        early_all = early_all.reshape(rows, -1)
        late_all = late_all.reshape(rows, -1)
        if timed:
            assert spec.decay.halflife_seconds is not None
            unit = halflife_unit(spec.decay.halflife_seconds, kind)
            decay = np.repeat(np.where(both, 0.5 ** (gap / unit), 1.0), lanes)
        else:
            rates = spec.rates(timed)
            decay = sample_decay(late_all, rates.base, rates.ignore_na)
        out = spec.family.merge(early_all, late_all, decay)
        # a key only one side saw keeps that side's state exactly
        only_e = np.repeat(~in_l, lanes)
        only_l = np.repeat(np.arange(len(keys)) >= len(keys_e), lanes)
        out[:, only_e] = early_all[:, only_e]
        out[:, only_l] = late_all[:, only_l]
        merged[stat] = out
    return {**late, "keys": [_jsonable(k) for k in keys], "state": merged,
            "time_kind": kind, "last": last if timed else np.zeros(0),
            "seen": seen if timed else np.zeros(0, dtype=bool)}


def _hashable(key: Any) -> Any:
    """JSON keys (lists for tuples) as dictionary keys."""
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def _jsonable(key: Any) -> Any:
    return [_jsonable(k) for k in key] if isinstance(key, tuple) else key
