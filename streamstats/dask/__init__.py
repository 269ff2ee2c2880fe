"""Exponentially weighted statistics of Dask DataFrames and Series, exactly across
partitions: ``import streamstats.dask`` registers ``ddf.ewa`` (``smooth``, ``var``,
``std``, ``second_moment``, ``cov``, ``corr``), with the pandas accessor's parameters
and meaning.

A partition is a segment of the stream, and the accumulators' states merge in
order (docs/architecture.md), so two ways give the one-machine result:

``method="parallel"`` (the default where the state has an ordered merge)
    Pass 1 computes, in parallel, each partition's state from empty (per key);
    the client merges them in partition order into each partition's carry; pass 2
    reruns every partition, in parallel, from its carry. Equal to the pandas
    accessor within 1e-12 relative (the carries round once more).

``method="chain"``
    Each partition starts from the end state of the one before (the scans run
    one after the other; reading and writing stay parallel). Equal to the pandas
    accessor bit for bit, and it covers the seeded form (``adjust=False``), which
    has no merge.

Tasks are pure functions of their partition and carry and use the sequential
scans, so a task rerun on another worker after a failure gives the same bits.
"""

from __future__ import annotations

from ._accessor import DaskEWAccessor

__all__ = ["DaskEWAccessor"]
