"""Turn the numbers behind a chart into CSV text for the download buttons (no pandas needed)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np


def columns_to_csv(columns: Mapping[str, Sequence[float] | np.ndarray]) -> str:
    """CSV with one column per entry; all columns must have the same length."""
    names = list(columns)
    arrays = [np.asarray(columns[name]).ravel() for name in names]
    lengths = {array.shape[0] for array in arrays}
    if len(lengths) > 1:
        raise ValueError(f"columns must have equal lengths, got {sorted(lengths)}")
    buffer = io.StringIO()
    buffer.write(",".join(_quote(name) for name in names) + "\n")
    for row in zip(*arrays, strict=True):
        buffer.write(",".join(_format(value) for value in row) + "\n")
    return buffer.getvalue()


def matrix_to_csv(matrix: np.ndarray, row_labels: Sequence, column_labels: Sequence, corner: str = "") -> str:
    """CSV of a 2-D array with a header row of column labels and a first column of row labels."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape != (len(row_labels), len(column_labels)):
        raise ValueError(f"matrix shape {matrix.shape} does not match labels ({len(row_labels)}, {len(column_labels)})")
    buffer = io.StringIO()
    buffer.write(",".join([_quote(corner), *(_quote(str(label)) for label in column_labels)]) + "\n")
    for label, row in zip(row_labels, matrix, strict=True):
        buffer.write(",".join([_quote(str(label)), *(_format(value) for value in row)]) + "\n")
    return buffer.getvalue()


def _format(value) -> str:
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def _quote(text: str) -> str:
    # Spreadsheet apps execute cells that start with these characters as formulas.
    if text[:1] in ("=", "+", "-", "@") and not _looks_numeric(text):
        text = "'" + text
    if any(character in text for character in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
