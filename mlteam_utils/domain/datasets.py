"""The course datasets: small CSVs shipped in ``mlteam_utils/data``, checked against their manifest.

Each column is read and converted as the manifest (``datasets.json``) says, so a
broken file fails with the file, the row and the column at fault instead of
loading quietly with the wrong types.

>>> dataset_names()  # doctest: +NORMALIZE_WHITESPACE
('team_roster', 'raw_customer_events', 'drift_reference', 'drift_current', 'ml_backlog', 'experiment_log',
 'churn_sample', 'handoff_log')
>>> roster = load_dataset("team_roster")
>>> roster.columns.tolist()[:5]
['employee_id', 'department', 'team', 'job_title', 'role_id']
>>> str(roster["start_date"].dtype).startswith("datetime64")
True
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from mlteam_utils.domain.catalog import data_folder, shipped_domain
from mlteam_utils.domain.errors import DomainDataError
from mlteam_utils.domain.records import ColumnInfo, DatasetInfo

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["dataset_info", "dataset_names", "datasets_frame", "load_dataset", "parse_dataset", "read_dataset"]

_TRUE = {"true", "True", "TRUE", "1"}
_FALSE = {"false", "False", "FALSE", "0"}


def dataset_names() -> tuple[str, ...]:
    """Names of the shipped course datasets (``load_dataset`` takes these)."""
    return tuple(info.name for info in shipped_domain().datasets)


def dataset_info(name: str) -> DatasetInfo:
    """The manifest entry of a dataset: title, lesson, columns and known issues.

    >>> dataset_info("ml_backlog.csv").lesson
    'product_manager'
    """
    key = name.removesuffix(".csv")
    for info in shipped_domain().datasets:
        if info.name == key:
            return info
    raise KeyError(f"no dataset {name!r}; known datasets: {', '.join(dataset_names())}")


def datasets_frame() -> pd.DataFrame:
    """One row per dataset: name, file, title, lesson, rows and column names."""
    import pandas as pd

    rows = []
    for info in shipped_domain().datasets:
        rows.append(
            {
                "name": info.name,
                "file": info.file,
                "title": info.title,
                "lesson": info.lesson,
                "rows": len(_shipped(info.name)),
                "columns": info.column_names,
            }
        )
    return pd.DataFrame(rows)


def load_dataset(name: str) -> pd.DataFrame:
    """A shipped dataset as a DataFrame (a fresh copy each call), typed as its manifest says.

    >>> load_dataset("ml_backlog").dtypes["rule_based_alternative"]
    dtype('bool')
    """
    return _shipped(dataset_info(name).name).copy()


def read_dataset(path: str | os.PathLike[str], name: str | None = None) -> pd.DataFrame:
    """Read a CSV at ``path`` and check it as the dataset ``name`` (default: the file's stem)."""
    path = Path(path)
    info = dataset_info(name or path.stem)
    return parse_dataset(path.read_text(encoding="utf-8"), info, file=path.name)


@functools.cache
def _shipped(name: str) -> pd.DataFrame:
    info = dataset_info(name)
    item = data_folder() / info.file
    if not item.is_file():
        raise DomainDataError(f"{info.file}: file not found in {data_folder()}", file=info.file)
    return parse_dataset(item.read_text(encoding="utf-8"), info)


def parse_dataset(
    text: str, info: DatasetInfo, *, file: str | None = None, role_ids: Collection[str] | None = None
) -> pd.DataFrame:
    """Parse CSV ``text`` as dataset ``info``: exact columns, types, allowed values, references.

    ``role_ids`` (default: the shipped roles) is what a ``references: roles`` column may hold.
    """
    import pandas as pd

    file = file or info.file
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DomainDataError(f"{file}: not a readable CSV file ({error})", file=file) from None
    _check_header(list(raw.columns), info, file)
    if raw.empty:
        raise DomainDataError(f"{file}: has a header but no rows", file=file)
    if role_ids is None:
        role_ids = [role.id for role in shipped_domain().roles]
    key_column = info.columns[0].name
    converted = {column.name: _convert(raw, column, file, key_column, role_ids) for column in info.columns}
    return pd.DataFrame(converted)


def _check_header(found: list[str], info: DatasetInfo, file: str) -> None:
    expected = list(info.column_names)
    if found == expected:
        return
    missing = [c for c in expected if c not in found]
    unexpected = [c for c in found if c not in expected]
    detail = []
    if missing:
        detail.append(f"missing {missing}")
    if unexpected:
        detail.append(f"unexpected {unexpected}")
    if not detail:
        detail.append(f"expected the order {expected}, found {found}")
    raise DomainDataError(f"{file}: columns do not match the manifest (datasets.json): {'; '.join(detail)}", file=file)


def _fail(file: str, position: int, key_column: str, key: str, problem: str) -> DomainDataError:
    row = position + 1
    label = f"{key_column} {key!r}" if key else "no id"
    return DomainDataError(
        f"{file}, row {row} (line {row + 1}, {label}): {problem}", file=file, row=row, record_id=key or None
    )


def _convert(raw: pd.DataFrame, column: ColumnInfo, file: str, key_column: str, role_ids: Collection[str]) -> pd.Series:
    import pandas as pd

    text = raw[column.name].astype(object)
    keys = raw[key_column].tolist()
    values = text.tolist()
    present = [v.strip() != "" for v in values]
    for position, (value, is_present) in enumerate(zip(values, present, strict=True)):
        if not is_present and not column.nullable:
            raise _fail(
                file, position, key_column, keys[position], f"column {column.name!r} is empty, but it is required"
            )
        if is_present and column.allowed and value not in column.allowed:
            raise _fail(
                file,
                position,
                key_column,
                keys[position],
                f"column {column.name!r} has {value!r}; allowed values are {', '.join(column.allowed)}",
            )
        if is_present and column.references == "roles" and value not in role_ids:
            raise _fail(
                file,
                position,
                key_column,
                keys[position],
                f"column {column.name!r} has {value!r}, which is not a known role id",
            )
    mask = pd.Series(present, index=raw.index)
    if column.dtype == "string":
        return text.where(mask, None).astype("str")
    if column.dtype == "date":
        parsed = pd.to_datetime(text.where(mask, None), format="%Y-%m-%d", errors="coerce")
        _check_parsed(parsed, mask, values, file, key_column, keys, column, "a date (YYYY-MM-DD)")
        return parsed
    if column.dtype == "bool":
        mapping = {**{v: True for v in _TRUE}, **{v: False for v in _FALSE}}
        parsed = text.where(mask, None).map(mapping)
        _check_parsed(parsed, mask, values, file, key_column, keys, column, "true or false")
        return parsed.astype("boolean" if column.nullable else "bool")
    numbers = pd.to_numeric(text.where(mask, None), errors="coerce")
    _check_parsed(numbers, mask, values, file, key_column, keys, column, "a number")
    if column.dtype == "float":
        return numbers.astype("float64")
    fractional = (numbers % 1 != 0) & numbers.notna()
    if fractional.any():
        position = int(fractional.to_numpy().nonzero()[0][0])
        raise _fail(
            file,
            position,
            key_column,
            keys[position],
            f"column {column.name!r} has {values[position]!r}, which is not a whole number",
        )
    return numbers.astype("Int64" if column.nullable else "int64")


def _check_parsed(
    parsed: pd.Series,
    mask: pd.Series,
    values: list[str],
    file: str,
    key_column: str,
    keys: list[str],
    column: ColumnInfo,
    expected: str,
) -> None:
    bad = mask & parsed.isna()
    if bad.any():
        position = int(bad.to_numpy().nonzero()[0][0])
        raise _fail(
            file,
            position,
            key_column,
            keys[position],
            f"column {column.name!r} has {values[position]!r}, which is not {expected}",
        )
