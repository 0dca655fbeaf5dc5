"""Answer values handed from a learner's kernel to the grader, as data.

A code question is graded outside the learner's (untrusted) kernel: the kernel
encodes the values of named variables as JSON text, and the grader decodes them
in a fresh interpreter and runs the instructor's tests on them.

Decoding never runs code and never unpickles: every value is rebuilt from an
allow-list of types and dtypes, the text, nesting depth and element count are
capped, and anything malformed raises :class:`AnswerValueError`. Encoding never
raises for a value it cannot hand over; it records a short problem instead.

>>> text = encode_values({"total": 3, "names": ("a", "b"), "f": len}, ["total", "names", "f", "gone"])
>>> decoded = decode_values(text)
>>> decoded.values
{'total': 3, 'names': ('a', 'b')}
>>> decoded.missing
('gone',)
>>> decoded.problems["f"]
'a function cannot be handed to the grader; give a Series, DataFrame, list, dict, number or text'
"""

from __future__ import annotations

import abc
import datetime as _dt
import functools
import io
import json
import math
import re
import sys
import types
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MEDIA_TYPE = "application/vnd.mlteam.answer-values+json"
SCHEMA = "mlteam-values/1"
MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 20
MAX_ELEMENTS = 200_000
MAX_INT_DIGITS = 1000
_MAX_JSON_DEPTH = 5 * (MAX_DEPTH + 2)  # each value level adds at most 5 JSON levels
_MAX_UNICODE_CHARS = 4 * MAX_TEXT_BYTES  # width x count of a numpy "<U" array
_HINT = "give a Series, DataFrame, list, dict, number or text"
_NUMPY_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64".split()
)
_NULLABLE = {name: name.lower() for name in "Int8 Int16 Int32 Int64 UInt8 UInt16 UInt32 UInt64 Float32 Float64".split()}
_NULLABLE["boolean"] = "bool"
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_UNICODE = re.compile(r"<U([1-9][0-9]{0,6})\Z")
_TIME = re.compile(r"(datetime64|timedelta64)\[(s|ms|us|ns)\]\Z")
_ZONE = re.compile(r"(?!dateutil)[A-Za-z][A-Za-z0-9_+\-]{0,40}(/[A-Za-z0-9_+\-]{1,40}){0,3}\Z")
_FREQ = re.compile(r"-?[0-9]{0,6}[A-Za-z]{1,10}(-[A-Za-z]{1,10})?\Z")
_DICT_TYPES = (dict, Counter, OrderedDict, defaultdict)  # exact types; stdlib ones arrive as plain dicts
_FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.BuiltinMethodType)


class AnswerValueError(ValueError):
    """Answer values that cannot be decoded: malformed, too big, or of a type not allowed."""


class _Unencodable(Exception):
    """Why one value cannot be handed to the grader (becomes a problem, never escapes)."""


@dataclass(frozen=True)
class DecodedValues:
    """The values rebuilt by :func:`decode_values`, the names the kernel lacked, why others
    failed, and the names left out unread because they were not asked for."""

    values: dict[str, Any]
    missing: tuple[str, ...]
    problems: dict[str, str]
    ignored: tuple[str, ...] = ()


def _type_name(cls: type) -> str:
    """A class's name, read without running anything its (learner-defined) metaclass overrides."""
    name = type.__dict__["__name__"].__get__(cls)
    return name if type(name) is str else "object"


def _float_json(value: float) -> float | str:
    return value if math.isfinite(value) else ("nan" if math.isnan(value) else "inf" if value > 0 else "-inf")


def _measure(root: Any) -> tuple[int, int]:
    """(elements, JSON depth) of an encoded value; a RangeIndex counts as its length."""
    count, deepest, stack = 0, 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count, deepest = count + 1, max(deepest, depth)
        if type(node) is list:
            stack.extend((child, depth + 1) for child in node)
        elif type(node) is dict:
            if node.get("$t") == "range" and all(type(node.get(k)) is int for k in ("start", "stop", "step")):
                try:
                    count += len(range(node["start"], node["stop"], node["step"] or 1))
                except OverflowError:
                    count += MAX_ELEMENTS + 1
            stack.extend((child, depth + 1) for child in node.values())
    return count, deepest


class _Encoder:
    """Turns kernel values into JSON-able nodes, checking exact types so no learner method runs."""

    def __init__(self) -> None:
        self.np: Any = sys.modules.get("numpy")  # a value can only be numpy/pandas if they are loaded
        self.pd: Any = sys.modules.get("pandas")
        self.active: set[int] = set()
        self.dispatch: dict[type, Callable[[Any, int], Any]] = {
            list: self.list_, tuple: self.items("tuple"), set: self.items("set"), frozenset: self.items("frozenset"),
            **dict.fromkeys(_DICT_TYPES, self.dict_), _dt.date: self.date, _dt.datetime: self.date,
        }
        if self.np is not None:
            self.np_scalars = {self.np.dtype(name).type: name for name in _NUMPY_DTYPES}
            self.dispatch[self.np.ndarray] = self.ndarray
            self.dispatch.update(dict.fromkeys(self.np_scalars, self.np_scalar))
        if self.pd is not None:
            pd = self.pd
            self.dispatch.update({pd.Series: self.series, pd.DataFrame: self.frame, pd.Timestamp: self.timestamp,
                                  pd.Timedelta: self.timedelta, type(pd.NaT): lambda x, d: {"$t": "nat"},
                                  type(pd.NA): lambda x, d: {"$t": "na"}})
            for cls in (pd.Index, pd.RangeIndex, pd.DatetimeIndex, pd.TimedeltaIndex, pd.CategoricalIndex, pd.MultiIndex):
                self.dispatch[cls] = self.index

    def value(self, x: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _Unencodable(f"nested more than {MAX_DEPTH} levels deep")
        cls = type(x)
        if x is None or cls is bool or cls is str:
            return x
        if cls is int:
            if x.bit_length() > 3 * MAX_INT_DIGITS:
                raise _Unencodable(f"an integer with more than {MAX_INT_DIGITS} digits cannot be graded")
            return x
        if cls is float:
            return x if math.isfinite(x) else {"$t": "float", "v": _float_json(x)}
        if type(cls) is not type and type(cls) is not abc.ABCMeta:  # others could run code on hashing the class
            raise _Unencodable(f"a {_type_name(cls)} cannot be handed to the grader; {_HINT}")
        handler = self.dispatch.get(cls)
        if handler is None:
            raise _Unencodable(self.refusal(cls))
        if cls in (list, tuple, set, frozenset) or cls in _DICT_TYPES:
            if id(x) in self.active:
                raise _Unencodable("it contains itself, so it cannot be handed to the grader")
            self.active.add(id(x))
            try:
                return handler(x, depth)
            finally:
                self.active.discard(id(x))
        return handler(x, depth)

    @staticmethod
    def refusal(cls: type) -> str:
        if issubclass(cls, _FUNCTION_TYPES):
            what = "a function"
        elif issubclass(cls, type):
            what = "a class"
        elif issubclass(cls, (types.GeneratorType, types.AsyncGeneratorType, types.CoroutineType)):
            return "a generator cannot be handed to the grader; turn it into a list first"
        elif issubclass(cls, types.ModuleType):
            what = "a module"
        elif issubclass(cls, io.IOBase):
            what = "an open file"
        else:
            base = next((b for b in (dict, list, tuple, set, str, int, float) if issubclass(cls, b)), None)
            if base is not None:
                return (f"a {_type_name(cls)} (a subclass of {base.__name__}) cannot be handed to the grader; "
                        f"convert it with {base.__name__}(...) first")
            what = f"a {_type_name(cls)}"
        return f"{what} cannot be handed to the grader; {_HINT}"

    def list_(self, x: list[Any], depth: int) -> list[Any]:
        return [self.value(item, depth + 1) for item in x]

    def items(self, tag: str) -> Callable[[Any, int], Any]:
        return lambda x, depth: {"$t": tag, "items": [self.value(item, depth + 1) for item in x]}

    def dict_(self, x: dict[Any, Any], depth: int) -> dict[str, Any]:
        pairs = dict.items(x)  # the stored items, without calling anything a subclass overrides
        return {"$t": "dict", "items": [[self.value(k, depth + 1), self.value(v, depth + 1)] for k, v in pairs]}

    def date(self, x: _dt.date, depth: int) -> dict[str, Any]:
        if type(x) is _dt.datetime and x.tzinfo is not None and type(x.tzinfo) is not _dt.timezone:
            raise _Unencodable("only a naive datetime or one with a fixed UTC offset can be handed to the grader")
        return {"$t": _type_name(type(x)), "v": x.isoformat()}

    def np_scalar(self, x: Any, depth: int) -> dict[str, Any]:
        value = x.item()
        return {"$t": "np", "dtype": self.np_scalars[type(x)], "v": _float_json(value) if type(value) is float else value}

    def ndarray(self, x: Any, depth: int) -> dict[str, Any]:
        if x.ndim > 2:
            raise _Unencodable("only 1-D and 2-D arrays can be handed to the grader")
        return {"$t": "ndarray", "shape": list(x.shape), "col": self.column(x.ravel(), x.dtype, depth, array=True)}

    def timestamp(self, x: Any, depth: int) -> dict[str, Any]:
        node = {"$t": "timestamp", "v": int(x.asm8.astype("int64")), "unit": x.unit, "tz": None}
        if x.tz is not None:
            node["tz"] = self.zone(x.tz, lambda zone: x.tz_convert(zone) == x and x.tz_convert(zone).tz == x.tz)
        return node

    def timedelta(self, x: Any, depth: int) -> dict[str, Any]:
        return {"$t": "timedelta", "v": int(x.asm8.astype("int64")), "unit": x.unit}

    def zone(self, tz: Any, same: Callable[[str], bool]) -> str:
        name = str(tz)
        if not _ZONE.match(name) or not same(name):
            raise _Unencodable(f"the time zone {name[:40]!r} cannot be handed to the grader; use a zone name such as 'UTC'")
        return name

    def series(self, x: Any, depth: int) -> dict[str, Any]:
        return {"$t": "series", "name": self.value(x.name, depth + 1), "index": self.index(x.index, depth + 1),
                "col": self.column(x.array, x.dtype, depth)}

    def frame(self, x: Any, depth: int) -> dict[str, Any]:
        columns = [self.column(x.iloc[:, i].array, x.dtypes.iloc[i], depth) for i in range(x.shape[1])]
        return {"$t": "frame", "index": self.index(x.index, depth + 1), "columns": self.index(x.columns, depth + 1),
                "data": columns}

    def index(self, x: Any, depth: int) -> dict[str, Any]:
        pd, cls = self.pd, type(x)
        if cls is pd.MultiIndex:
            raise _Unencodable("a MultiIndex cannot be handed to the grader; call reset_index() first")
        if cls not in (pd.Index, pd.RangeIndex, pd.DatetimeIndex, pd.TimedeltaIndex, pd.CategoricalIndex):
            raise _Unencodable(f"an index of type {_type_name(cls)} cannot be handed to the grader")
        name = self.value(x.name, depth + 1)
        if cls is pd.RangeIndex:
            return {"$t": "range", "start": x.start, "stop": x.stop, "step": x.step, "name": name}
        node = {"$t": "index", "name": name, "col": self.column(x.array, x.dtype, depth)}
        if cls in (pd.DatetimeIndex, pd.TimedeltaIndex) and x.freqstr is not None and _FREQ.match(x.freqstr):
            node["freq"] = x.freqstr
        return node

    def column(self, arr: Any, dtype: Any, depth: int, array: bool = False) -> dict[str, Any]:
        """The values of a 1-D array (numpy, or a pandas Series'/Index's ``.array``) with their dtype."""
        np, pd = self.np, self.pd
        if issubclass(type(dtype), np.dtype):
            values = np.asarray(arr)
            if dtype.name in _NUMPY_DTYPES and dtype.isnative:
                data = values.tolist()
                return {"dtype": dtype.name, "data": [_float_json(v) for v in data] if dtype.kind == "f" else data}
            if dtype.kind == "O":
                return {"dtype": "object", "data": [self.value(v, depth + 1) for v in values]}
            if dtype.kind == "U" and array and 0 < dtype.itemsize <= 4 * _MAX_UNICODE_CHARS // max(values.size, 1):
                return {"dtype": f"<U{dtype.itemsize // 4}", "data": values.tolist()}
            if dtype.kind in "Mm" and _TIME.match(dtype.name):
                return {"dtype": dtype.name, "data": self.times(values)}
        elif pd is not None:
            kind = type(dtype)
            if kind is pd.DatetimeTZDtype and dtype.unit in ("s", "ms", "us", "ns"):
                zone = self.zone(dtype.tz, lambda z: pd.DatetimeTZDtype(dtype.unit, z) == dtype)
                naive = arr.to_numpy(dtype=f"datetime64[{dtype.unit}]")  # UTC wall times
                return {"dtype": f"datetime64[{dtype.unit}]", "tz": zone, "data": self.times(naive)}
            if kind is pd.CategoricalDtype:
                return {"dtype": "category", "ordered": bool(dtype.ordered), "codes": arr.codes.tolist(),
                        "categories": self.column(dtype.categories.array, dtype.categories.dtype, depth)}
            if kind is pd.StringDtype and dtype.storage in ("python", "pyarrow"):
                mask = np.asarray(arr.isna()).tolist()
                data = [None if m else v for v, m in zip(arr.to_numpy(dtype=object).tolist(), mask)]
                return {"dtype": "string", "storage": dtype.storage, "na": "NA" if dtype.na_value is pd.NA else "nan",
                        "data": data}
            if any(kind is type(pd.api.types.pandas_dtype(name)) for name in _NULLABLE):
                mask = np.asarray(arr.isna()).tolist()
                filled = arr.to_numpy(dtype=_NULLABLE[dtype.name], na_value=0).tolist()
                data = [None if m else _float_json(v) if type(v) is float else v for v, m in zip(filled, mask)]
                return {"dtype": dtype.name, "data": data}
        label = str(dtype) if issubclass(type(dtype), np.dtype) else _type_name(type(dtype))
        raise _Unencodable(f"values of dtype {label[:40]!r} cannot be handed to the grader")

    def times(self, values: Any) -> list[int | None]:
        ints = values.view("int64").tolist()
        return [None if nat else v for v, nat in zip(ints, self.np.isnat(values).tolist())]


def _dumps(node: Any) -> str:
    return json.dumps(node, allow_nan=False, separators=(",", ":"))  # ASCII: safe through any transport


def encode_values(namespace: Mapping[str, Any], names: Sequence[str]) -> str:
    """Encode the named variables of ``namespace`` as JSON text for :func:`decode_values`.

    Never raises for a value: one that cannot be handed over gets a short problem.

    >>> encode_values({"x": 1.5, "y": float("nan")}, ["x", "y"])
    '{"schema":"mlteam-values/1","values":{"x":1.5,"y":{"$t":"float","v":"nan"}},"missing":[],"problems":{}}'
    """
    if isinstance(names, str) or not all(type(name) is str for name in names):
        raise TypeError("names must be a list of variable names (strings)")
    encoder, nodes, missing, problems = _Encoder(), {}, [], {}
    for name in dict.fromkeys(names):
        if name not in namespace:
            missing.append(name)
            continue
        try:
            nodes[name] = encoder.value(namespace[name], 0)
        except _Unencodable as problem:
            problems[name] = str(problem)
        except Exception as error:  # noqa: BLE001 - a value that fails while being read
            problems[name] = f"could not be read ({_type_name(type(error))}); {_HINT}"
    costs = {name: _measure(node) for name, node in nodes.items()}
    for name, (_count, depth) in costs.items():
        if depth > _MAX_JSON_DEPTH:
            problems[name] = f"nested more than {MAX_DEPTH} levels deep"
            del nodes[name]
    while nodes and sum(costs[name][0] for name in nodes) > MAX_ELEMENTS:
        name = max(nodes, key=lambda n: costs[n][0])
        problems[name] = f"too many values to grade ({costs[name][0]:,}; at most {MAX_ELEMENTS:,})"
        del nodes[name]
    fragments = {name: _dumps(node) for name, node in nodes.items()}
    while True:
        values = ",".join(f"{_dumps(name)}:{fragment}" for name, fragment in fragments.items())
        text = (f'{{"schema":"{SCHEMA}","values":{{{values}}},"missing":{_dumps(missing)},'
                f'"problems":{_dumps(problems)}}}')
        if len(text) <= MAX_TEXT_BYTES or not fragments:
            return text
        name = max(fragments, key=lambda n: len(fragments[n]))
        problems[name] = f"too large to grade ({len(fragments.pop(name)) / 1e6:.1f} MB)"


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value) if value is None or type(value) in (str, int, float, bool) else f"a JSON {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _expect(value: Any, kind: type, what: str) -> Any:
    if type(value) is not kind:
        raise AnswerValueError(f"{what} must be a JSON {kind.__name__}, not {_short(value)}")
    return value


def _fields(node: dict[str, Any], *required: str, optional: tuple[str, ...] = ()) -> list[Any]:
    """The node's fields in order (absent optional ones as None); rejects missing or extra fields."""
    tag = node.get("$t", "column")
    extra = sorted(set(node) - {"$t", *required, *optional})
    if extra:
        raise AnswerValueError(f"unexpected field {_short(extra[0])} in a {tag} value")
    absent = [key for key in required if key not in node]
    if absent:
        raise AnswerValueError(f"a {tag} value lacks the field {absent[0]!r}")
    return [node.get(key) for key in (*required, *optional)]


def _parse_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS + 1:
        raise AnswerValueError(f"an integer has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise AnswerValueError("a number is out of range")
    return value


def _reject_constant(name: str) -> None:
    raise AnswerValueError(f"{name} is not JSON; non-finite numbers must be tagged")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    node = dict(pairs)
    if len(node) != len(pairs):
        raise AnswerValueError("a JSON object repeats a key")
    return node


class _Decoder:
    """Rebuilds values from parsed JSON, allowing only known tags, fields and dtypes."""

    @functools.cached_property
    def np(self) -> Any:  # imported only when a payload holds numpy or pandas values
        import numpy

        return numpy

    @functools.cached_property
    def pd(self) -> Any:
        import pandas

        return pandas

    def value(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise AnswerValueError(f"values are nested more than {MAX_DEPTH} levels deep")
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is list:
            return [self.value(item, depth + 1) for item in node]
        tag = node.get("$t")
        handler = self.TAGS.get(tag) if type(tag) is str else None
        if handler is None:
            raise AnswerValueError(f"unknown value tag {_short(tag)}")
        return handler(self, node, depth)

    def label(self, node: Any, depth: int) -> Any:
        value = self.value(node, depth)
        try:
            hash(value)  # only our own rebuilt types get here, so hashing runs no foreign code
        except TypeError:
            raise AnswerValueError("a key, name or set item is not hashable") from None
        return value

    def t_float(self, node: dict[str, Any], depth: int) -> float:
        (v,) = _fields(node, "v")
        if v not in ("nan", "inf", "-inf"):
            raise AnswerValueError(f"a float tag holds {_short(v)}, not 'nan', 'inf' or '-inf'")
        return float(v)  # a new object each time: distinct NaN keys of a dict stay distinct

    def t_items(self, node: dict[str, Any], depth: int) -> Any:
        items = _expect(_fields(node, "items")[0], list, "items")
        if node["$t"] == "tuple":
            return tuple(self.value(item, depth + 1) for item in items)
        labels = [self.label(item, depth + 1) for item in items]
        return set(labels) if node["$t"] == "set" else frozenset(labels)

    def t_dict(self, node: dict[str, Any], depth: int) -> dict[Any, Any]:
        pairs = _expect(_fields(node, "items")[0], list, "dict items")
        if not all(type(pair) is list and len(pair) == 2 for pair in pairs):
            raise AnswerValueError("dict items must be [key, value] pairs")
        result = {self.label(k, depth + 1): self.value(v, depth + 1) for k, v in pairs}
        if len(result) != len(pairs):
            raise AnswerValueError("a dict repeats a key")
        return result

    def t_np(self, node: dict[str, Any], depth: int) -> Any:
        dtype, v = _fields(node, "dtype", "v")
        if dtype not in _NUMPY_DTYPES:
            raise AnswerValueError(f"numpy scalar dtype {_short(dtype)} is not allowed")
        return self.numbers(dtype, [v])[0]

    def t_ndarray(self, node: dict[str, Any], depth: int) -> Any:
        shape, col = _fields(node, "shape", "col")
        if type(shape) is not list or len(shape) > 2 or not all(type(n) is int and n >= 0 for n in shape):
            raise AnswerValueError("an array shape must be a list of at most 2 sizes")
        values = self.column(col, depth, array=True)
        if len(values) != math.prod(shape):
            raise AnswerValueError("an array's data does not match its shape")
        return values.reshape(shape)

    def t_series(self, node: dict[str, Any], depth: int) -> Any:
        name, index, col = _fields(node, "name", "index", "col")
        name, index, values = self.label(name, depth + 1), self.index(index, depth + 1), self.column(col, depth)
        if len(values) != len(index):
            raise AnswerValueError("a Series' data and index differ in length")
        return self.pd.Series(values, index=index, name=name, dtype=values.dtype, copy=False)

    def t_frame(self, node: dict[str, Any], depth: int) -> Any:
        index, columns, data = _fields(node, "index", "columns", "data")
        index, columns = self.index(index, depth + 1), self.index(columns, depth + 1)
        arrays = [self.column(col, depth) for col in _expect(data, list, "frame data")]
        if len(arrays) != len(columns) or any(len(values) != len(index) for values in arrays):
            raise AnswerValueError("a DataFrame's data does not match its index and columns")
        pd = self.pd
        series = {i: pd.Series(values, index=index, dtype=values.dtype, copy=False) for i, values in enumerate(arrays)}
        frame = pd.DataFrame(series, index=index)
        frame.columns = columns
        return frame

    def index(self, node: Any, depth: int) -> Any:
        if type(node) is not dict or node.get("$t") not in ("index", "range"):
            raise AnswerValueError("an index must be an index or range value")
        return self.value(node, depth)

    def t_index(self, node: dict[str, Any], depth: int) -> Any:
        name, col, freq = _fields(node, "name", "col", optional=("freq",))
        name, values, pd = self.label(name, depth + 1), self.column(col, depth), self.pd
        if freq is None:
            return pd.Index(values, dtype=values.dtype, name=name, copy=False)
        if type(freq) is not str or not _FREQ.match(freq) or values.dtype.kind not in "Mm":
            raise AnswerValueError(f"index frequency {_short(freq)} is not allowed")
        make = pd.DatetimeIndex if values.dtype.kind == "M" else pd.TimedeltaIndex
        return make(values, freq=freq, name=name)

    def t_range(self, node: dict[str, Any], depth: int) -> Any:
        start, stop, step, name = _fields(node, "start", "stop", "step", "name")
        if not all(type(n) is int for n in (start, stop, step)) or step == 0:
            raise AnswerValueError("a range needs integer start, stop and a non-zero step")
        return self.pd.RangeIndex(start, stop, step, name=self.label(name, depth + 1))

    def t_time(self, node: dict[str, Any], depth: int) -> Any:
        """A pandas Timestamp (UTC integer plus zone) or Timedelta, in its own unit."""
        if node["$t"] == "timedelta":
            v, unit = _fields(node, "v", "unit")
            return self.pd.Timedelta(self.times(f"timedelta64[{self.unit(unit)}]", [v])[0])
        v, unit, tz = _fields(node, "v", "unit", "tz")
        stamp = self.pd.Timestamp(self.times(f"datetime64[{self.unit(unit)}]", [v])[0])
        return stamp if tz is None else stamp.tz_localize("UTC").tz_convert(self.zone(tz))

    def t_missing(self, node: dict[str, Any], depth: int) -> Any:
        _fields(node)
        return self.pd.NaT if node["$t"] == "nat" else self.pd.NA

    def t_iso(self, node: dict[str, Any], depth: int) -> _dt.date:
        text = _expect(_fields(node, "v")[0], str, f"a {node['$t']}")
        return (_dt.date if node["$t"] == "date" else _dt.datetime).fromisoformat(text)

    TAGS: dict[str, Callable[[Any, dict[str, Any], int], Any]] = {
        "float": t_float, "tuple": t_items, "set": t_items, "frozenset": t_items, "dict": t_dict, "np": t_np,
        "ndarray": t_ndarray, "series": t_series, "frame": t_frame, "index": t_index, "range": t_range,
        "timestamp": t_time, "timedelta": t_time, "nat": t_missing, "na": t_missing, "date": t_iso, "datetime": t_iso,
    }

    @staticmethod
    def unit(unit: Any) -> str:
        if unit not in ("s", "ms", "us", "ns") or type(unit) is not str:
            raise AnswerValueError(f"time unit {_short(unit)} is not allowed")
        return str(unit)

    @staticmethod
    def zone(zone: Any) -> str:
        if type(zone) is not str or not _ZONE.match(zone):
            raise AnswerValueError(f"time zone {_short(zone)} is not allowed")
        return zone

    def numbers(self, dtype: str, data: Any) -> Any:
        """A numpy array of an allowed numeric or bool dtype, each item checked first."""
        np = self.np
        _expect(data, list, f"{dtype} data")
        if dtype == "bool":
            ok = all(type(v) is bool for v in data)
        elif dtype[0] in "iu":
            info = np.iinfo(dtype)
            ok = all(type(v) is int and info.min <= v <= info.max for v in data)
        else:
            data = [_NONFINITE[v] if type(v) is str and v in _NONFINITE else v for v in data]
            ok = all(type(v) is float or (type(v) is int and abs(v) < 1 << 1024) for v in data)
        if not ok:
            raise AnswerValueError(f"{dtype} data holds a value of another type or out of range")
        return np.array(data, dtype=dtype)

    def times(self, dtype: str, data: Any) -> Any:
        data = _expect(data, list, f"{dtype} data")
        nat = self.np.iinfo("int64").min
        return self.numbers("int64", [nat if v is None else v for v in data]).view(dtype)

    def column(self, node: Any, depth: int, array: bool = False, categorical: bool = True) -> Any:
        """A 1-D numpy array or pandas extension array, from an allowed dtype only."""
        np, pd = self.np, self.pd
        dtype = _expect(_expect(node, dict, "a column").get("dtype"), str, "a dtype")
        if dtype in _NUMPY_DTYPES:
            return self.numbers(dtype, _fields(node, "dtype", "data")[1])
        if dtype == "object":
            data = _expect(_fields(node, "dtype", "data")[1], list, "object data")
            values = np.empty(len(data), dtype=object)
            for i, item in enumerate(data):
                values[i] = self.value(item, depth + 1)
            return values
        if (match := _UNICODE.match(dtype)) and array:
            data = _expect(_fields(node, "dtype", "data")[1], list, "text data")
            width = int(match.group(1))
            if width * len(data) > _MAX_UNICODE_CHARS or not all(type(v) is str and len(v) <= width for v in data):
                raise AnswerValueError(f"{dtype} data holds a value of another type or is too large")
            return np.array(data, dtype=dtype)
        if match := _TIME.match(dtype):
            data, tz = _fields(node, "dtype", "data", optional=("tz",))[1:]
            values = self.times(dtype, data)
            if tz is None:
                return values
            if array or match.group(1) != "datetime64":
                raise AnswerValueError("only a pandas datetime column can have a time zone")
            return pd.DatetimeIndex(values).tz_localize("UTC").tz_convert(self.zone(tz)).array
        if array:
            raise AnswerValueError(f"array dtype {_short(dtype)} is not allowed")
        if dtype == "category" and categorical:
            ordered, codes, categories = _fields(node, "dtype", "ordered", "codes", "categories")[1:]
            labels = self.column(categories, depth, categorical=False)
            codes = self.numbers("int64", codes)
            if type(ordered) is not bool or (len(codes) and not -1 <= codes.min() <= codes.max() < len(labels)):
                raise AnswerValueError("a category column has bad codes or ordering")
            kind = pd.CategoricalDtype(pd.Index(labels, dtype=labels.dtype), ordered=ordered)
            return pd.Categorical.from_codes(codes, dtype=kind)
        if dtype == "string":
            storage, na, data = _fields(node, "dtype", "storage", "na", "data")[1:]
            if storage not in ("python", "pyarrow") or na not in ("NA", "nan"):
                raise AnswerValueError("a string column has an unknown storage or missing-value marker")
            if not all(v is None or type(v) is str for v in _expect(data, list, "string data")):
                raise AnswerValueError("string data holds a value that is not text")
            return pd.array(data, dtype=pd.StringDtype(str(storage), na_value=pd.NA if na == "NA" else np.nan))
        if dtype in _NULLABLE:
            data = _expect(_fields(node, "dtype", "data")[1], list, f"{dtype} data")
            mask = np.array([v is None for v in data], dtype=bool)
            fill = False if dtype == "boolean" else 0
            values = self.numbers(_NULLABLE[dtype], [fill if v is None else v for v in data])
            make = {"b": pd.arrays.BooleanArray, "f": pd.arrays.FloatingArray}.get(values.dtype.kind, pd.arrays.IntegerArray)
            return make(values, mask)
        raise AnswerValueError(f"dtype {_short(dtype)} is not allowed")


def _decode_payload(payload: Any, names: Sequence[str] | None) -> DecodedValues:
    if type(payload) is not dict or set(payload) != {"schema", "values", "missing", "problems"}:
        raise AnswerValueError("answer values need exactly the fields schema, values, missing and problems")
    if payload["schema"] != SCHEMA:
        raise AnswerValueError(f"unknown answer values schema {_short(payload['schema'])}; expected {SCHEMA!r}")
    nodes = _expect(payload["values"], dict, "values")
    missing = _expect(payload["missing"], list, "missing")
    problems = _expect(payload["problems"], dict, "problems")
    ignored: set[str] = set()
    if names is not None:
        # Only the names asked for are read: the rest is the sender's, never rebuilt nor checked.
        wanted = set(names)
        ignored = {str(n) for n in [*nodes, *problems, *missing] if type(n) is not str or n not in wanted}
        nodes = {n: v for n, v in nodes.items() if n in wanted}
        problems = {n: v for n, v in problems.items() if n in wanted}
        missing = [n for n in missing if type(n) is str and n in wanted]
    if not all(type(item) is str for item in [*missing, *problems.values()]):
        raise AnswerValueError("missing names and problems must be text")
    total = 0
    for node in nodes.values():
        count, depth = _measure(node)
        if depth > _MAX_JSON_DEPTH:
            raise AnswerValueError(f"values are nested more than {MAX_DEPTH} levels deep")
        total += count
        if total > MAX_ELEMENTS:
            raise AnswerValueError(f"answer values hold more than {MAX_ELEMENTS:,} elements")
    decoder = _Decoder()
    values = {name: decoder.value(node, 0) for name, node in nodes.items()}
    return DecodedValues(values=values, missing=tuple(missing), problems=dict(problems), ignored=tuple(sorted(ignored)))


def decode_values(text: str | bytes, names: Sequence[str] | None = None) -> DecodedValues:
    """Rebuild the values encoded by :func:`encode_values`, without running any code.

    With ``names``, only those values are rebuilt; any other name in the text is left
    unread and listed in ``ignored`` (what a grader asks for is all it takes).

    >>> decode_values('{"schema":"mlteam-values/1","values":{"s":{"$t":"set","items":[2]}},"missing":[],"problems":{}}')
    DecodedValues(values={'s': {2}}, missing=(), problems={}, ignored=())
    >>> decode_values('{"schema":"mlteam-values/1","values":{"s":1,"data":{"$t":"function"}},"missing":["x"],"problems":{}}', names=["s"])
    DecodedValues(values={'s': 1}, missing=(), problems={}, ignored=('data', 'x'))
    >>> decode_values('{"schema":"mlteam-values/1","values":{"f":{"$t":"function"}},"missing":[],"problems":{}}')
    Traceback (most recent call last):
    ...
    mlteam_utils.grading.answer_values.AnswerValueError: unknown value tag 'function'
    """
    if isinstance(text, (bytes, bytearray)):
        if len(text) > MAX_TEXT_BYTES:
            raise AnswerValueError(f"answer values are larger than {MAX_TEXT_BYTES:,} bytes")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise AnswerValueError("answer values are not UTF-8 text") from None
    elif not isinstance(text, str):
        raise AnswerValueError(f"answer values must be text, not {type(text).__name__}")
    if len(text) > MAX_TEXT_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise AnswerValueError(f"answer values are larger than {MAX_TEXT_BYTES:,} bytes")
    try:
        payload = json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                             parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except AnswerValueError:
        raise
    except RecursionError:
        raise AnswerValueError("answer values are nested too deeply") from None
    except json.JSONDecodeError as error:
        raise AnswerValueError(f"answer values are not valid JSON ({error.msg} at {error.pos})") from None
    except ValueError as error:
        raise AnswerValueError(f"answer values are not valid JSON ({_short(str(error), 60)})") from None
    try:
        return _decode_payload(payload, names)
    except AnswerValueError:
        raise
    except Exception as error:  # noqa: BLE001 - pandas/numpy rejecting data we let through
        message = _short(str(error), 80)
        raise AnswerValueError(f"answer values could not be rebuilt ({type(error).__name__}: {message})") from None


def export_answer_values(namespace: Mapping[str, Any], names: Sequence[str]) -> None:
    """In a Jupyter kernel: hand the named variables to the grader as a display output.

    The output's data holds the encoded text under :data:`MEDIA_TYPE`.
    """
    from IPython.display import display

    text = encode_values(namespace, names)
    display({MEDIA_TYPE: text, "text/plain": "answer values handed to the grader"}, raw=True)
