"""Exports that are safe to open in a spreadsheet."""

from __future__ import annotations

import io
import math

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutralize_formula", "safe_csv", "spreadsheet_csv", "to_json_ready"]

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value):
    """Prefix ``'`` to a text cell that a spreadsheet would run as a formula (CSV injection).

    Numbers are left alone (``-5`` stays a number).

    Examples
    --------
    >>> neutralize_formula("=1+1")
    "'=1+1"
    >>> neutralize_formula(-5)
    -5
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """CSV text of ``frame`` with every text cell (and header) neutralised against formula injection.

    Whole numbers held as floats (values read with gaps, money in whole dollars) are written without a trailing
    ``.0``, cell by cell: ``5000``, not ``5000.0``, even beside ``7500.5`` in the same column.

    Examples
    --------
    >>> print(safe_csv(pd.DataFrame({"name": ["=HYPERLINK()", "Acme"], "value": [5000.0, 7500.5],
    ...                              "share": [0.25, 1.0]})), end="")
    name,value,share
    '=HYPERLINK(),5000,0.25
    Acme,7500.5,1
    """
    safe = frame.copy()
    safe.columns = [neutralize_formula(str(c)) for c in safe.columns]
    for column in safe.columns:
        values = safe[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            safe[column] = values.map(neutralize_formula)
        elif pd.api.types.is_float_dtype(values):  # each whole number on its own (120000 beside 75000.5)
            safe[column] = pd.Series([_plain_number(v) for v in values], index=values.index, dtype=object)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False)
    return buffer.getvalue()


def spreadsheet_csv(frame: pd.DataFrame) -> bytes:
    """:func:`safe_csv` as UTF-8 bytes with a byte order mark, for a report a manager opens in Excel.

    Excel on Windows reads a CSV without the mark as the local code page ("SociÃ©tÃ©" for "Société"); with it, as
    UTF-8. Files a CRM imports (``territory.crm``) and plan folders are written without it, as those tools expect.

    Examples
    --------
    >>> data = spreadsheet_csv(pd.DataFrame({"name": ["Société"]}))
    >>> data[:3] == "\ufeff".encode(), data[3:].decode().split()
    (True, ['name', 'Société'])
    """
    return ("\ufeff" + safe_csv(frame)).encode("utf-8")


def _plain_number(value):
    if isinstance(value, float) and math.isfinite(value) and value == round(value) and abs(value) < 2**53:
        return int(value)
    return value


def to_json_ready(value, digits: int | None = None):
    """Plain Python for ``json.dumps``: NaN and infinities become None, numpy scalars become Python ones.

    Parameters
    ----------
    value
        Dicts, lists, tuples and scalars, nested.
    digits : int, optional
        Round every float to this many decimals, or below 1 to this many significant digits (a deviation of
        0.0010141987829614951 reads 0.001014; a county's share of potential, 0.0000412…, reads 4.123e-05, not
        0.0); less than 1e-12 (a bound of 1.1e-16 left by float arithmetic) reads 0.0. By default floats are kept
        as they are.

    Examples
    --------
    >>> to_json_ready({"deviation": 0.0010141987829614951, "bound": 1.1102230246251565e-16, "n": 3}, digits=4)
    {'deviation': 0.001014, 'bound': 0.0, 'n': 3}
    >>> to_json_ready([1824200.123456, 0.79517379947, 4.1234567e-05], digits=4)
    [1824200.1235, 0.7952, 4.123e-05]
    """
    if isinstance(value, dict):
        return {str(k): to_json_ready(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_ready(v, digits) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, float) and digits is not None:
        if abs(value) < 1e-12:
            return 0.0
        if abs(value) < 1:
            return float(f"{value:.{digits}g}") + 0.0  # (+ 0.0: no "-0.0")
        return round(value, digits) + 0.0
    return value
