"""The command's conversions between numpy and Arrow (``_cli.arrow``, made from
buffers so that pyarrow never imports pandas) give what pyarrow's own converters
give: the same values, nulls, offsets of sliced arrays and chunks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from streamstats._cli import arrow

_TYPES = {
    pa.bool_(): st.booleans(),
    pa.int32(): st.integers(-(2**31), 2**31 - 1),
    pa.int64(): st.integers(-(2**63), 2**63 - 1),
    pa.float64(): st.floats(allow_nan=True, allow_infinity=True),
    pa.timestamp("ns"): st.integers(-(2**63) + 1, 2**63 - 1),
    pa.timestamp("ns", "UTC"): st.integers(-(2**63) + 1, 2**63 - 1),
}


@st.composite
def _chunked(draw):
    kind = draw(st.sampled_from(list(_TYPES)))
    chunks = draw(st.lists(st.lists(st.one_of(st.none(), _TYPES[kind]), max_size=40),
                           max_size=4))
    array = pa.chunked_array([pa.array(c, type=kind) for c in chunks], type=kind)
    start = draw(st.integers(0, max(len(array) - 1, 0)))
    return array.slice(start, draw(st.integers(0, len(array))))


@settings(max_examples=400, deadline=None)
@given(_chunked())
def test_to_numpy_equals_pyarrow_s(values):
    # (booleans and integers with nulls: pyarrow's own answer, an object array)
    for got, expected in [(arrow.to_numpy(values), values.to_numpy()),
                          *((arrow.to_numpy(c), c.to_numpy(False)) for c in values.chunks)]:
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)  # NaN and NaT in the same places


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=50),
       st.lists(st.text(max_size=8), max_size=30), st.integers(1, 3))
def test_arrays_made_from_buffers_equal_pyarrow_s(numbers, words, step):
    values = np.array(numbers, dtype=np.float64)[::step]  # also strided
    got = arrow.floats(values)
    assert got.type == pa.float64() and got.null_count == 0
    np.testing.assert_array_equal(got.to_numpy(), values)
    assert arrow.texts(words).equals(pa.array(words, pa.string()))
    mask = values == values
    assert arrow.positions(mask).to_pylist() == np.flatnonzero(mask).tolist()
    table = arrow.table([got, arrow.texts(words[: len(got)] + [""] * (len(got) - len(words)))],
                        ["x", "y"])
    assert table.column_names == ["x", "y"] and table.num_rows == len(values)
