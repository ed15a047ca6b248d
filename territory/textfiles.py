"""Text files as people save them: UTF-8 with or without a byte-order mark, a spreadsheet's Windows-1252, or UTF-16.

Every plan, plan folder and CSV is read through :func:`decode_text`, so the dashboard and ``cli.py`` read the
same files the same way; a file that is not UTF-8 is read as Windows-1252 (or Latin-1) and the caller is told, in a
note that names the file and the encoding. :func:`csv_records` gives each CSV record with the line of the file it
starts on, as a text editor numbers lines (the header is line 1, blank lines count).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

__all__ = ["decode_text", "read_text", "csv_records", "is_blank_record", "pandas_lines"]


def decode_text(data: bytes, source: str, notes: list[str] | None = None) -> str:
    r"""The text of a file's bytes: UTF-8 (a byte-order mark dropped), else Windows-1252, else Latin-1.

    A file that starts with a UTF-16 or UTF-32 byte-order mark (Excel's "Unicode Text") is read in that encoding.

    Parameters
    ----------
    data : bytes
        The file.
    source : str
        The file's name, for the note.
    notes : list of str, optional
        Gets a sentence naming the file and the encoding used when it is not UTF-8.

    Examples
    --------
    >>> notes = []
    >>> decode_text("Société".encode("cp1252"), "a.csv", notes)
    'Société'
    >>> notes[0].startswith("a.csv is not UTF-8: read as Windows-1252")
    True
    >>> decode_text(b"\xef\xbb\xbfid,name", "b.csv")
    'id,name'
    >>> decode_text("id\tnamé".encode("utf-16"), "c.txt")
    'id\tnamé'
    """
    data = bytes(data)
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # (before UTF-16: UTF-32 LE's mark starts like it)
        try:
            return data.decode("utf-32")
        except UnicodeDecodeError:
            pass
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # (what Excel saves as "CSV" on Windows in Western Europe and the Americas)
        text, encoding = bytes(data).decode("cp1252"), "Windows-1252 (cp1252, Latin-1 with € and curly quotes)"
    except UnicodeDecodeError:  # (five bytes cp1252 leaves out: Latin-1 reads every byte)
        text, encoding = bytes(data).decode("latin-1"), "Latin-1 (ISO-8859-1)"
    if notes is not None:
        how = "in Excel: 'CSV UTF-8 (comma delimited)'" if source.lower().endswith(".csv") else "in your editor"
        notes.append(
            f"{source} is not UTF-8: read as {encoding}. If accented names look wrong, save the file as UTF-8 "
            f"({how}) and load it again"
        )
    return text


def read_text(path: Path, source: str | None = None, notes: list[str] | None = None) -> str:
    """:func:`decode_text` of a file on disk (``source`` defaults to its name); FileNotFoundError when missing."""
    path = Path(path)
    return decode_text(path.read_bytes(), source or path.name, notes)


def is_blank_record(record: list[str]) -> bool:
    """True for a CSV record with nothing in it: a blank line, or only commas and spaces (``,,,``)."""
    return all(not cell.strip() for cell in record)


def csv_records(text: str, **reader_options) -> Iterator[tuple[int, list[str]]]:
    r"""Each record of a CSV text with the line it starts on (line 1 is the header; blank lines are counted).

    A record whose quoted cell spans lines is numbered by its first line. Blank lines are given too (as empty
    records), for the caller to skip or count.

    Examples
    --------
    >>> list(csv_records('id,note\n\nA,"two\nlines"\nB,x\n'))
    [(1, ['id', 'note']), (2, []), (3, ['A', 'two\nlines']), (5, ['B', 'x'])]
    """
    reader = csv.reader(io.StringIO(text, newline=""), **reader_options)
    line = 0
    for record in reader:
        yield line + 1, record
        line = reader.line_num


def pandas_lines(text: str, rows: int, delimiter: str = ",") -> tuple[list[int], list[int]]:
    r"""The line each of the ``rows`` pandas reads from a CSV text starts on, and the blank lines it skipped.

    pandas skips a line of nothing or of spaces alone (a row of commas is a row of empty cells to it) and
    numbers what is left from 0; this gives each row back its line in the file. A text the two readers split
    otherwise (which should not happen) is numbered as rows after the header, without blank lines. ``delimiter``
    is the one the text was read with (``"\t"`` for a tab-separated file).

    Examples
    --------
    >>> pandas_lines('id,v\n\nA,1\n,\n', 2)
    ([3, 4], [2])
    """
    starts, blank = [], []
    for number, record in csv_records(text, skipinitialspace=True, delimiter=delimiter):
        (blank if len(record) <= 1 and is_blank_record(record) else starts).append(number)
    if len(starts) != rows + 1:
        return list(range(2, rows + 2)), []
    return starts[1:], [n for n in blank if n > starts[0]]
