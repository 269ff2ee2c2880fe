"""The command's CSV text in C (``_cli._csvtext``) against Python and Arrow: output
floats are the shortest decimals that read back to the same doubles (Python's repr
finds the same digits), laid out as Arrow's writer lays them out; text comes out as
Python's csv module writes it; a plain block splits into exactly the columns Arrow's
reader makes, and any other block is left to Arrow."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamstats._cli import _csvtext, pow5
from streamstats._cli.stream import NA_VALUES, _plain_table, _read_block

REPO = Path(__file__).resolve().parents[2]
NA = tuple(v.encode() for v in NA_VALUES)


def test_the_committed_tables_are_the_generators_output():
    # regenerate with: python -m streamstats._cli.pow5
    assert (REPO / "streamstats" / "_cli" / "_pow5.h").read_text() == pow5.c_source()


def _doubles(seed: int, n: int) -> np.ndarray:
    """Random bit patterns (every exponent alike) and the hard cases: powers of two
    and ten and their neighbours, subnormals, the largest, integers, short decimals."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2**64, n, dtype=np.uint64).view(np.float64)
    two, ten = 2.0 ** np.arange(-1074, 1024), 10.0 ** np.arange(-323, 309)
    edges = np.concatenate([
        two, np.nextafter(two, 0), np.nextafter(two, np.inf), ten, np.nextafter(ten, 0),
        np.nextafter(ten, np.inf), [5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
                                    1.7976931348623157e308, 1e-6, 1e10, 0.1, 1 / 3],
        np.arange(-3000, 3000, dtype=float), np.round(rng.standard_normal(5000) * 100, 3),
        rng.integers(0, 2**53, 5000).astype(float)])
    x = np.concatenate([x, edges, -edges])
    return x[np.isfinite(x)]


def _digits(text: str) -> tuple[str, int]:
    """A decimal's significant digits and the power of ten of their last."""
    mantissa, _, exp = text.lstrip("-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits, power = (whole + fraction).lstrip("0"), int(exp or 0) - len(fraction)
    stripped = digits.rstrip("0")
    return stripped or "0", power + len(digits) - len(stripped)


def test_a_float_is_written_as_the_shortest_decimal_that_reads_back():
    for x in _doubles(0, 100_000).tolist():
        text = _csvtext.shortest(x)
        assert float(text) == x and str(float(text)) == str(x), (x, text)
        if x != 0:  # Python's repr has the shortest (and closest) digits too
            assert _digits(text) == _digits(repr(x)), (x, text)


def test_floats_are_laid_out_as_arrows_writer_does():
    x = _doubles(1, 50_000)
    buffer = io.BytesIO()
    pa_csv.write_csv(pa.table({"x": x}), buffer,
                     pa_csv.WriteOptions(include_header=False, quoting_style="none"))
    assert _csvtext.rows([x], len(x)) == buffer.getvalue()
    assert [_csvtext.shortest(v) for v in (0.0, -0.0, 1e-6, 9.5e-7, 1e10, 9999999999.0,
                                           2.5e-310, np.inf, -np.inf, np.nan)] == [
        "0", "-0", "0.000001", "9.5e-7", "1e+10", "9999999999", "2.5e-310", "inf",
        "-inf", "nan"]


def _text_column(values: list[str | None], slice_from: int = 0) -> tuple:
    array = pa.array(values, pa.string()).slice(slice_from)
    validity, offsets, data = array.buffers()
    return offsets, data, array.offset, validity


@given(st.lists(st.tuples(st.text(max_size=6), st.one_of(st.none(), st.text(max_size=4)),
                          st.floats(allow_infinity=False)), min_size=1, max_size=30),
       st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_rows_write_what_pythons_csv_module_writes(rows, cut):
    cut = min(cut, len(rows) - 1)
    texts = [r[0] for r in rows]
    nullable = [r[1] for r in rows]
    x = np.array([r[2] for r in rows])
    got = _csvtext.rows([_text_column(texts, cut), _text_column(nullable, cut), x[cut:]],
                        len(rows) - cut)
    expected = []
    for text, maybe, value in rows[cut:]:
        # csv quotes a field holding a delimiter, a quote or a line terminator's byte
        line = io.StringIO()
        csv.writer(line, lineterminator="\r\n").writerow(
            [text, "" if maybe is None else maybe,
             "" if np.isnan(value) else _csvtext.shortest(value)])
        expected.append(line.getvalue().removesuffix("\r\n") + "\n")
    assert got == "".join(expected).encode()


def test_a_row_of_one_empty_field_is_two_quotes():
    # an empty line would be no row at all when read back
    assert _csvtext.rows([_text_column(["a", "", None])], 3) == b'a\n""\n""\n'
    assert _csvtext.rows([np.array([1.5, np.nan])], 2) == b'1.5\n""\n'


def test_rows_refuse_what_they_cannot_write():
    with pytest.raises(TypeError, match="float64"):
        _csvtext.rows([np.arange(3)], 3)
    with pytest.raises(ValueError, match="offsets"):
        _csvtext.rows([_text_column(["a"])], 5)


def _arrow(data: bytes, header: list[str], numbers: set[str]) -> pa.Table:
    table, invalid = _read_block(data, header, numbers)
    assert table is not None and not invalid
    return table


def _same(split: pa.Table, arrow: pa.Table) -> None:
    """Equal columns: text as strings, numbers bit for bit (Arrow's missing value is a
    null, the split's a NaN: both are NaN to the stream)."""
    assert split.column_names == arrow.column_names
    for a, b in zip(split.columns, arrow.columns, strict=True):
        if pa.types.is_floating(b.type):
            got = a.to_numpy()
            want = b.to_numpy(zero_copy_only=False)
            assert np.array_equal(got.view(np.int64)[~np.isnan(got)],
                                  want.view(np.int64)[~np.isnan(want)])
            assert np.array_equal(np.isnan(got), np.isnan(want))
        else:
            assert a.to_pylist() == b.to_pylist()


def _split(data: bytes, header: list[str], numbers: set[str]) -> pa.Table | None:
    parts = _csvtext.split(data, bytes(c in numbers for c in header), NA)
    return None if parts is None else _plain_table(parts, header)


NUMBER = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.builds(lambda sign, whole, fraction, exp: f"{sign}{whole}{fraction}{exp}",
              st.sampled_from(["", "-", "+"]), st.from_regex(r"\A[0-9]{0,25}\Z"),
              st.from_regex(r"\A(\.[0-9]{0,25})?\Z"),
              st.from_regex(r"\A([eE][+-]?[0-9]{1,3})?\Z")),
    st.sampled_from(NA_VALUES),
)


TEXT = st.one_of(st.from_regex(r"\A[ -!#-+\--~]{0,8}\Z"),  # ASCII but quotes, commas
                 st.from_regex(r"\A[ -!#-~]{0,8}\Z").map(lambda t: f'"{t}"'))  # quoted


@given(st.lists(st.tuples(TEXT, NUMBER, NUMBER), min_size=1, max_size=40), st.booleans(),
       st.sampled_from(["\n", "\r\n"]))
@settings(max_examples=300, deadline=None)
def test_a_plain_block_splits_as_arrow_reads_it(rows, line_end, newline):
    """Text of any ASCII but quotes and commas, or quoted (commas too); numbers in
    every decimal spelling; lines ended by LF or CR LF; where Arrow would refuse a
    value (or read an infinity), the split leaves the block to Arrow."""
    header = ["key", "a", "b"]
    data = newline.join(",".join(r) for r in rows).encode() + (
        newline.encode() if line_end else b"")
    got = _split(data, header, {"a", "b"})
    table, invalid = _read_block(data, header, {"a", "b"})
    if got is None:
        return
    assert table is not None and not invalid
    assert not any(np.isinf(table.column(c).to_numpy(zero_copy_only=False)).any()
                   for c in "ab")
    _same(got, table)


def test_most_numbers_are_taken_by_the_split():
    rng = np.random.default_rng(3)
    values = [repr(v) for v in (rng.standard_normal(2000) * 1e3).tolist()] + [
        f"{v:.3f}" for v in rng.standard_normal(2000)] + ["12", "-0", "1e5", "5.", ".5"]
    data = "".join(f"s{i % 7},{v},{v}\n" for i, v in enumerate(values)).encode()
    got = _split(data, ["key", "a", "b"], {"a", "b"})
    assert got is not None and got.num_rows == len(values)
    _same(got, _arrow(data, ["key", "a", "b"], {"a", "b"}))
    np.testing.assert_array_equal(got.column("a").to_numpy(), [float(v) for v in values])


@pytest.mark.parametrize("data", [
    b'a,"b""c",1\n',         # a quote in quotes
    b'a,"b\nc",1\n',         # a line end in quotes
    b'a,"b"c,1\n',           # text after the closing quote
    b'a,b"c",1\n',           # a quote inside a field
    b'a,"b,1\n',             # a quote not closed
    b'a,b,"1"\n',            # a quoted number
    b"a,b\r,1\n",            # a carriage return inside a line
    b"a,b,1\r",              # a carriage return without its line feed
    b"a,b,1\r\n\r\n",        # a blank line (CR LF)
    "a,\u00e9,1\n".encode(),  # beyond ASCII
    b"a,b,1\n\na,b,2\n",     # a blank line
    b"a,b\n",                # a field missing
    b"a,b,1,2\n",            # a field too many
    b"a,b,x\n",              # not a number
    b"a,b, 1\n",             # a space (Arrow trims it; left to Arrow)
    b"a,b,inf\n",            # an infinity
    b"a,b,1e400\n",          # out of range
    b"a,b,1\x00\n",          # a NUL
    b"a,b,1e\n",             # no exponent
])
def test_any_other_block_is_left_to_arrow(data):
    assert _split(data, ["k", "t", "x"], {"x"}) is None


def test_lines_ending_in_cr_lf_split_as_with_lf():
    data = b"a,x,1.5\nb,,NA\n,y,-2e3"
    lf = _split(data, ["k", "t", "x"], {"x"})
    crlf = _split(data.replace(b"\n", b"\r\n") + b"\r\n", ["k", "t", "x"], {"x"})
    assert crlf is not None and crlf.column("t").to_pylist() == ["x", "", "y"]
    _same(crlf, lf)


def test_quoted_text_is_what_the_quotes_hold():
    data = b'"a,b","2024-01-01 00:00","",1\n"c",x,"NA",2\n'
    got = _split(data, ["k", "t", "u", "x"], {"x"})
    assert got.column("k").to_pylist() == ["a,b", "c"]
    assert got.column("t").to_pylist() == ["2024-01-01 00:00", "x"]
    assert got.column("u").to_pylist() == ["", "NA"]
    _same(got, _arrow(data, ["k", "t", "u", "x"], {"x"}))


def test_a_given_count_of_line_ends_is_used_and_a_wrong_one_refused():
    data = b"a,1\nb,2\nc,3\n"
    split = [_csvtext.split(data, b"\x00\x01", NA, n) for n in (3, -1, 2, 4)]
    assert split[0] == split[1] and split[0] is not None
    assert split[2] is None and split[3] is None


def test_split_keeps_missing_values_and_text_as_written():
    data = b"a,,NA\nb b,007,nan\n,-1.5e-3,\n"
    got = _split(data, ["k", "t", "x"], {"x"})
    assert got.column("k").to_pylist() == ["a", "b b", ""]
    assert got.column("t").to_pylist() == ["", "007", "-1.5e-3"]
    assert np.isnan(got.column("x").to_numpy()).all()
    _same(got, _arrow(data, ["k", "t", "x"], {"x"}))


@given(st.binary(max_size=200))
def test_line_ends_count_the_line_feeds(data):
    assert _csvtext.line_ends(data) == data.count(b"\n")


@given(st.lists(st.sampled_from([b"a", b"1", b"-", b".", b"e", b",", b"\n", b"\r", b'"', b" ",
                                 b"\x00", b"\xc3\xa9", b"NA", b"9" * 20]), max_size=60),
       st.lists(st.booleans(), min_size=3, max_size=3))
@settings(max_examples=500, deadline=None)
def test_any_bytes_split_as_arrow_reads_them_or_not_at_all(pieces, numbers):
    # whatever the bytes, the split is Arrow's reading of them, or None
    data = b"".join(pieces)
    header = ["k", "t", "x"]
    chosen = {c for c, number in zip(header, numbers) if number}
    got = _split(data, header, chosen)
    if got is None:
        return
    table, invalid = _read_block(data, header, chosen)
    assert table is not None and not invalid
    _same(got, table)
