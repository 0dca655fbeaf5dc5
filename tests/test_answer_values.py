"""Answer values: kernel values handed to the grader as data, rebuilt without running code."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import subprocess
import sys
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlteam_utils.grading.answer_values import (
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_TEXT_BYTES,
    MEDIA_TYPE,
    AnswerValueError,
    DecodedValues,
    decode_values,
    encode_values,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def roundtrip(value: Any) -> Any:
    decoded = decode_values(encode_values({"x": value}, ["x"]))
    assert decoded.problems == {} and decoded.missing == ()
    return decoded.values["x"]


def problem_for(value: Any) -> str:
    decoded = decode_values(encode_values({"x": value, "ok": 1}, ["x", "ok"]))
    assert decoded.values == {"ok": 1}
    return decoded.problems["x"]


def payload(node: Any) -> str:
    return json.dumps({"schema": "mlteam-values/1", "values": {"x": node}, "missing": [], "problems": {}})


# --- plain Python values ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -7, 10**60, 1.5, -0.0, 1e-300, "", "text", "ünïcødé 🎉", [], (), {}, set(), frozenset(),
     [1, [2, [3, "x"]]], (1, "a", None), {"b": 1, "a": [1, 2]}, {1: "one", 2.5: "x", False: "f", None: 0, ("a", 1): 2},
     {3, "a", (1, 2)}, frozenset({1, 2}), dt.date(2024, 2, 29), dt.datetime(2024, 1, 2, 3, 4, 5, 6),
     dt.datetime(2024, 1, 2, 3, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
     dt.datetime(2024, 3, 31, 2, 30, tzinfo=dt.UTC)],
)
def test_python_values_round_trip_with_their_types(value: Any) -> None:
    result = roundtrip(value)
    assert result == value and type(result) is type(value)
    if isinstance(value, dict):
        assert list(result) == list(value)
    if isinstance(value, dt.datetime):
        assert result.tzinfo == value.tzinfo


def test_non_finite_floats_are_tagged_and_come_back() -> None:
    text = encode_values({"x": [math.nan, math.inf, -math.inf]}, ["x"])
    assert "NaN" not in text and "Infinity" not in text
    nan, inf, ninf = decode_values(text).values["x"]
    assert math.isnan(nan) and inf == math.inf and ninf == -math.inf


def test_stdlib_dict_subclasses_arrive_as_plain_dicts() -> None:
    assert roundtrip(Counter("abca")) == {"a": 2, "b": 1, "c": 1}
    assert type(roundtrip(OrderedDict(b=1, a=2))) is dict


# --- numpy -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                                   "float16", "float32", "float64"])
def test_numpy_scalars_and_arrays_keep_their_dtype(dtype: str) -> None:
    scalar = np.dtype(dtype).type(1)
    result = roundtrip(scalar)
    assert type(result) is type(scalar) and result == scalar
    for array in (np.arange(6).astype(dtype), np.arange(6).astype(dtype).reshape(2, 3), np.zeros((0, 3), dtype)):
        back = roundtrip(array)
        assert back.dtype == array.dtype and back.shape == array.shape and np.array_equal(back, array)


def test_numpy_arrays_of_floats_text_objects_times_and_fortran_order() -> None:
    floats = np.array([1.5, np.nan, np.inf, -np.inf], dtype="float32")
    np.testing.assert_array_equal(roundtrip(floats), floats, strict=True)
    fortran = np.asfortranarray(np.arange(6, dtype="int32").reshape(2, 3))
    np.testing.assert_array_equal(roundtrip(fortran), fortran, strict=True)
    for text in (np.array([["ab", "c"], ["", "déf"]]), np.zeros(0, dtype="U"), np.array(["", ""])):
        np.testing.assert_array_equal(roundtrip(text), text, strict=True)
    assert "dtype '<U" in problem_for(np.array(["x" * 5000] * 2000))
    objects = np.array([1, "a", None, (1, 2)], dtype=object)
    back = roundtrip(objects)
    assert back.dtype == object and list(back) == list(objects)
    times = np.array(["2024-01-01", "NaT"], dtype="datetime64[ns]")
    np.testing.assert_array_equal(roundtrip(times), times, strict=True)
    assert roundtrip(np.float64("nan")).dtype == np.float64
    assert len(roundtrip({math.nan: 1, float("nan"): 2})) == 2


# --- pandas ------------------------------------------------------------------------------------------

SERIES = {
    "int64": pd.Series([3, 1, 2], index=["c", "a", "b"], name="n"),
    "int8": pd.Series([1, -2], dtype="int8"),
    "uint16": pd.Series([1, 2], dtype="uint16", index=pd.Index([10, 20], name="id")),
    "float32": pd.Series([1.5, np.nan, np.inf], dtype="float32"),
    "bool": pd.Series([True, False]),
    "object": pd.Series([1, "a", None, [1, 2], {"k": 1}], dtype=object),
    "str-default": pd.Series(["a", None, "c"], name=("tuple", "name")),
    "string": pd.Series(["a", None], dtype="string"),
    "category": pd.Series(pd.Categorical(["lo", "hi", None, "lo"], categories=["lo", "mid", "hi"], ordered=True)),
    "category-int": pd.Series(pd.Categorical([3, 1, 3])),
    "datetime-ns": pd.Series(pd.to_datetime(["2024-01-01", None]).as_unit("ns")),
    "datetime-us-tz": pd.Series(pd.date_range("2024-03-30", periods=3, freq="D", tz="Europe/Paris")),
    "timedelta": pd.Series(pd.to_timedelta(["1D", None, "3h"])),
    "Int64": pd.Series([1, None, 3], dtype="Int64"),
    "UInt8": pd.Series([1, None], dtype="UInt8"),
    "Float64": pd.Series([1.5, None], dtype="Float64"),
    "boolean": pd.Series([True, None], dtype="boolean"),
    "date-index": pd.Series([1, 2, 3], index=pd.date_range("2024-01-01", periods=3, freq="W", name="week")),
    "duplicate-labels": pd.Series([1, 2], index=["a", "a"]),
    "range-index": pd.Series([1.0, 2.0], index=pd.RangeIndex(5, 9, 2, name="r")),
    "empty": pd.Series([], dtype="float64"),
}


@pytest.mark.parametrize("key", SERIES)
def test_series_round_trip(key: str) -> None:
    series = SERIES[key]
    result = roundtrip(series)
    pd.testing.assert_series_equal(result, series, check_exact=True)
    assert type(result.index) is type(series.index)


def test_data_frames_round_trip_with_dtypes_names_and_duplicate_columns() -> None:
    frame = pd.DataFrame({
        "i": [1, 2, 3], "f": [0.5, None, 2.0], "s": ["x", "y", None], "c": pd.Categorical(["a", "b", "a"]),
        "t": pd.to_datetime(["2024-01-01", "2024-01-02", None]), "n": pd.array([1, None, 2], dtype="Int32"),
        "o": pd.Series([{"a": 1}, None, (1,)], dtype=object),
    }, index=pd.Index(["r1", "r2", "r3"], name="row"))
    frame.columns.name = "field"
    pd.testing.assert_frame_equal(roundtrip(frame), frame, check_exact=True)
    duplicate = pd.DataFrame([[1, "a"], [2, "b"]], columns=["k", "k"])
    pd.testing.assert_frame_equal(roundtrip(duplicate), duplicate, check_exact=True)
    for empty in (pd.DataFrame(), pd.DataFrame(index=pd.RangeIndex(3)), pd.DataFrame(columns=["a", "b"])):
        pd.testing.assert_frame_equal(roundtrip(empty), empty, check_exact=True)
    assert type(roundtrip(frame.reset_index()).index) is pd.RangeIndex


def test_indexes_and_pandas_scalars_round_trip() -> None:
    for index in (pd.RangeIndex(0, 10, 3, name="r"), pd.Index(["a", "b"], name="x"), pd.Index([1.5, 2.5]),
                  pd.CategoricalIndex(["a", "b", "a"]), pd.timedelta_range("1h", periods=3, freq="h"),
                  pd.date_range("2024", periods=2, freq="h", tz="UTC")):
        result = roundtrip(index)
        pd.testing.assert_index_equal(result, index, exact=True)
        assert getattr(result, "freq", None) == getattr(index, "freq", None)
    for scalar in (pd.Timestamp("2024-01-02 03:04:05.123456789"), pd.Timestamp("2024-06-01", tz="America/New_York"),
                   pd.Timestamp("2024-01-01").as_unit("s"), pd.Timedelta("1D 2h"), pd.Timedelta(5, unit="ns")):
        result = roundtrip(scalar)
        assert result == scalar and type(result) is type(scalar) and result.unit == scalar.unit
        assert getattr(result, "tz", None) == getattr(scalar, "tz", None)
    assert roundtrip(pd.NaT) is pd.NaT and roundtrip(pd.NA) is pd.NA


# --- what cannot be handed over ----------------------------------------------------------------------

class _WithReduce:
    def __reduce__(self) -> Any:
        return (print, ("pwned",))


class _ZoneLike(dt.tzinfo):
    def utcoffset(self, moment: Any) -> dt.timedelta:
        return dt.timedelta(0)

    def dst(self, moment: Any) -> dt.timedelta:
        return dt.timedelta(0)

    def tzname(self, moment: Any) -> str:
        return "Z"


def _generator() -> Any:
    yield 1


class _ListSubclass(list):  # type: ignore[type-arg]
    pass


class _SeriesSubclass(pd.Series):  # type: ignore[misc]
    pass


@pytest.mark.parametrize(
    ("value", "expected"),
    [(len, "a function cannot be handed to the grader; give a Series, DataFrame, list, dict, number or text"),
     (lambda: 1, "a function"), (math, "a module"), (int, "a class"), (_generator(), "a generator"),
     (io.StringIO(), "an open file"), (_WithReduce(), "a _WithReduce cannot"), (1 + 2j, "a complex"),
     (_ListSubclass([1]), "subclass of list"), (_SeriesSubclass([1]), "a _SeriesSubclass cannot"),
     (pd.Series([1], index=pd.MultiIndex.from_tuples([(1, 2)])), "MultiIndex"),
     (pd.Series([1j]), "dtype 'complex128'"), (pd.Series(pd.period_range("2024", periods=2, freq="M")), "dtype"),
     ([1, len], "a function"), (np.zeros((1, 1, 1)), "1-D and 2-D"), (10**1500, "more than 1000 digits"),
     (pd.Timestamp("2024", tz=dt.timezone(dt.timedelta(hours=2))), "time zone"), (dt.timedelta(1), "a timedelta"),
     (dt.datetime(2024, 1, 1, tzinfo=_ZoneLike()), "fixed UTC offset")],
)
def test_unsupported_values_become_problems(value: Any, expected: str) -> None:
    assert expected in problem_for(value)


def test_self_reference_and_deep_nesting_become_problems() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    assert "contains itself" in problem_for(loop)
    deep: Any = 0
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    assert f"more than {MAX_DEPTH} levels" in problem_for(deep)
    assert roundtrip(deep[0]) == deep[0]


def test_hostile_subclasses_run_no_method_while_encoding() -> None:
    calls: list[str] = []

    def spy(name: str) -> Any:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise RuntimeError(name)
        return method

    hostile_names = ["items", "keys", "values", "__iter__", "__len__", "__eq__", "__hash__", "__getattr__",
                     "__repr__", "__str__", "__reduce__", "__getitem__"]
    Hostile = type("Hostile", (dict,), {name: spy(name) for name in hostile_names})
    HostileSeries = type("HostileSeries", (pd.Series,), {name: spy(name) for name in ["__iter__", "__len__", "items"]})
    hostile = Hostile(a=1)
    element = type("Element", (), {name: spy(name) for name in hostile_names})()
    text = encode_values({"d": hostile, "s": HostileSeries([1]), "o": pd.Series([element], dtype=object),
                          "nested": {"k": hostile}}, ["d", "s", "o", "nested"])
    assert calls == []
    problems = decode_values(text).problems
    assert set(problems) == {"d", "s", "o", "nested"} and "subclass of dict" in problems["d"]


def test_missing_names_and_size_limits() -> None:
    decoded = decode_values(encode_values({"a": 1}, ["a", "b", "a"]))
    assert decoded == DecodedValues(values={"a": 1}, missing=("b",), problems={})
    big = ["x" * 1000] * 3000
    text = encode_values({"big": big, "small": [1, 2]}, ["big", "small"])
    assert len(text) <= MAX_TEXT_BYTES
    decoded = decode_values(text)
    assert decoded.values == {"small": [1, 2]} and decoded.problems["big"] == "too large to grade (3.0 MB)"
    decoded = decode_values(encode_values({"many": list(range(MAX_ELEMENTS + 1)), "s": "ok"}, ["many", "s"]))
    assert decoded.values == {"s": "ok"} and "too many values" in decoded.problems["many"]
    with pytest.raises(TypeError):
        encode_values({"a": 1}, "a")


# --- decoding rejects anything else ----------------------------------------------------------------

def _nested_list(levels: int) -> Any:
    node: Any = 0
    for _ in range(levels):
        node = [node]
    return node


GOOD = {"$t": "ndarray", "shape": [2], "col": {"dtype": "int8", "data": [1, 2]}}


@pytest.mark.parametrize(
    ("text", "message"),
    [("x" * (MAX_TEXT_BYTES + 1), "larger than"), (b"{" + b" " * MAX_TEXT_BYTES + b"}", "larger than"),
     (b'{"schema": "\xff"}', "not UTF-8"), ("{not json", "not valid JSON"), ("[" * 100_000, "nested too deeply"),
     (payload(None).replace("null", "NaN"), "NaN is not JSON"), (payload(None).replace("null", "1e999"), "out of range"),
     (payload(None).replace("null", "1" * 2000), "digits"),
     (payload(None).replace("mlteam-values/1", "mlteam-values/2"), "unknown answer values schema"),
     (json.dumps({"values": {}}), "need exactly the fields"), ('{"schema": 1, "schema": 2}', "repeats a key"),
     (payload(_nested_list(MAX_DEPTH + 1)), "nested more than"), (payload(_nested_list(200)), "nested more than"),
     (payload([0] * (MAX_ELEMENTS + 1)), "more than 200,000 elements"),
     (payload({"$t": "range", "start": 0, "stop": 10**15, "step": 1, "name": None}), "more than 200,000 elements"),
     (payload({"$t": "function", "v": "os.system"}), "unknown value tag 'function'"),
     (payload({"a": 1}), "unknown value tag None"), (payload({"$t": "tuple", "items": [], "x": 1}), "unexpected field"),
     (payload({"$t": "ndarray", "shape": [1], "col": {"dtype": "object", "data": [{"$t": "callable"}]}}), "unknown"),
     (payload({**GOOD, "col": {"dtype": "V8", "data": [1, 2]}}), "'V8' is not allowed"),
     (payload({**GOOD, "col": {"dtype": "O", "data": [1, 2]}}), "'O' is not allowed"),
     (payload({**GOOD, "col": {"dtype": "complex128", "data": [1, 2]}}), "not allowed"),
     (payload({**GOOD, "col": {"dtype": "<U999999", "data": ["a"] * 20}}), "too large"),
     (payload({**GOOD, "col": {"dtype": "int8", "data": [1, 300]}}), "out of range"),
     (payload({**GOOD, "col": {"dtype": "int8", "data": [1, True]}}), "another type"),
     (payload({**GOOD, "shape": [3]}), "does not match its shape"),
     (payload({"$t": "np", "dtype": "object", "v": 1}), "not allowed"),
     (payload({"$t": "dict", "items": [[[1], 2]]}), "not hashable"),
     (payload({"$t": "dict", "items": [[1, 2], [1, 3]]}), "repeats a key"),
     (payload({"$t": "timestamp", "v": 0, "unit": "ns", "tz": "../../etc/passwd"}), "time zone"),
     (payload({"$t": "timestamp", "v": 0, "unit": "ns", "tz": "dateutil/Europe/Paris"}), "time zone"),
     (payload({"$t": "timestamp", "v": 0, "unit": "ns", "tz": "Nowhere/Atlantis"}), "could not be rebuilt"),
     (payload({"$t": "series", "name": None, "index": {"$t": "range", "start": 0, "stop": 1, "step": 1, "name": None},
               "col": {"dtype": "category", "ordered": False, "codes": [5], "categories": {"dtype": "int64", "data": [1]}}}),
      "bad codes"),
     (payload({"$t": "series", "name": None, "index": {"$t": "range", "start": 0, "stop": 2, "step": 1, "name": None},
               "col": {"dtype": "int64", "data": [1]}}), "differ in length"),
     (payload({"$t": "series", "name": None, "index": [], "col": {"dtype": "int64", "data": []}}), "index must be")],
)
def test_decode_rejects_malformed_input(text: str | bytes, message: str) -> None:
    with pytest.raises(AnswerValueError) as raised:
        decode_values(text)
    assert message in str(raised.value) and len(str(raised.value)) < 200


def test_decoder_is_data_only_and_imports_nothing_heavy_up_front() -> None:
    source = (REPO_ROOT / "mlteam_utils/grading/answer_values.py").read_text()
    assert not any(word in source for word in ("import pickle", "pickle.", "eval(", "exec(", "read_json"))
    code = ("import sys, mlteam_utils.grading; before = set(sys.modules); import mlteam_utils.grading.answer_values as a;"
            "a.decode_values(a.encode_values({'x': [1, {'k': (2.5, None)}]}, ['x']));"
            "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in ('pandas', 'numpy', 'IPython')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


# --- inside a real kernel --------------------------------------------------------------------------

def test_export_answer_values_displays_the_encoded_text_in_a_kernel() -> None:
    import nbclient
    import nbformat
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import pandas as pd\n"
        "from mlteam_utils.grading.answer_values import export_answer_values\n"
        "scores = pd.Series([0.5, 1.0], index=['a', 'b'], name='score')\n"
        "f = lambda: 1\n"
        "export_answer_values(globals(), ['scores', 'f', 'absent'])"
    ))
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO_ROOT)}}).execute()
    (output,) = notebook.cells[0].outputs
    assert output.output_type == "display_data"
    assert output.data["text/plain"] == "answer values handed to the grader"
    decoded = decode_values(output.data[MEDIA_TYPE])
    pd.testing.assert_series_equal(decoded.values["scores"], pd.Series([0.5, 1.0], index=["a", "b"], name="score"))
    assert decoded.missing == ("absent",) and "function" in decoded.problems["f"]
