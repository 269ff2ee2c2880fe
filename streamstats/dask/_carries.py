"""Carries between partitions: the ordered merge of per-key smoother states.

A partition's summary is an ``OnlineSmoother`` state (``to_dict``) run from empty
over the partition alone. Merging the summaries in partition order, key by key,
gives each partition's carry, as dask's own ``groupby().cumsum()`` chains per-key
carries over the union of the keys:

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
from .._core.times import halflife_unit
from .._pandas.registry import Options, make_accumulator

__all__ = ["merge_smoother_states"]


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
    if early["time_kind"] != late["time_kind"] and None not in (early["time_kind"],
                                                               late["time_kind"]):
        raise TypeError("time stamps must stay datetimes (or numbers) for the whole stream")
    keys_e = [_hashable(k) for k in early["keys"]]
    keys_l = [_hashable(k) for k in late["keys"]]
    where_e = {k: i for i, k in enumerate(keys_e)}
    where_l = {k: i for i, k in enumerate(keys_l)}
    keys = keys_e + [k for k in keys_l if k not in where_e]
    kind = early["time_kind"] or late["time_kind"]
    timed = kind is not None
    dtype = np.int64 if kind == "ns" else np.float64
    last = np.zeros(len(keys), dtype=dtype)
    seen = np.zeros(len(keys), dtype=bool)
    if timed:
        for i, k in enumerate(keys):
            for where, state in ((where_e, early), (where_l, late)):
                j = where.get(k)
                if j is not None and state["seen"] and state["seen"][j]:
                    last[i], seen[i] = state["last"][j], True
    merged: dict[str, list] = {}
    for stat, spec in specs.items():
        st_e = np.asarray(early["state"][stat], dtype=np.float64)
        st_l = np.asarray(late["state"][stat], dtype=np.float64)
        lanes = st_e.shape[1] // len(keys_e)
        out = np.zeros((st_e.shape[0], len(keys) * lanes))
        for i, k in enumerate(keys):
            e, ll = where_e.get(k), where_l.get(k)
            block = slice(i * lanes, (i + 1) * lanes)
            if ll is None:
                assert e is not None  # every key is in one of the two
                out[:, block] = st_e[:, e * lanes:(e + 1) * lanes]
                continue
            late_block = st_l[:, ll * lanes:(ll + 1) * lanes]
            if e is None:
                out[:, block] = late_block
                continue
            early_block = st_e[:, e * lanes:(e + 1) * lanes]
            if timed and early["seen"][e] and late["seen"][ll]:
                assert spec.decay.halflife_seconds is not None and kind is not None
                unit = halflife_unit(spec.decay.halflife_seconds, kind)
                gap = (late["last"][ll] - early["last"][e]) / unit
                decay = np.full(lanes, 0.5 ** gap)
            else:
                rates = spec.rates(timed)
                decay = sample_decay(late_block, rates.base, rates.ignore_na)
            out[:, block] = spec.family.merge(early_block, late_block, decay)
        merged[stat] = out.tolist()
    return {**late, "keys": [_jsonable(k) for k in keys], "state": merged,
            "time_kind": kind, "last": last.tolist() if timed else [],
            "seen": seen.tolist() if timed else []}


def _hashable(key: Any) -> Any:
    """JSON keys (lists for tuples) as dictionary keys."""
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def _jsonable(key: Any) -> Any:
    return [_jsonable(k) for k in key] if isinstance(key, tuple) else key
