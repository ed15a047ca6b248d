"""Text files as people save them: UTF-8 with or without a byte-order mark, a spreadsheet's Windows-1252, or UTF-16.

Every plan, plan folder and CSV is read through :func:`decode_text`, so the dashboard and ``cli.py`` read the
same files the same way; a file that is not UTF-8 is read as Windows-1252 (or Latin-1) and the caller is told, in a
note that names the file and the encoding. :func:`csv_records` gives each CSV record with the line of the file it
starts on, as a text editor numbers lines (the header is line 1, blank lines count). Files are written through
:func:`write_text_atomic`: whole or not at all, with the permissions any new file gets.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import itertools
import os
import re
import secrets
import stat
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from territory.formatting import numbered

__all__ = [
    "decode_text",
    "utf16_without_mark",
    "read_text",
    "write_text_atomic",
    "write_bytes_atomic",
    "csv_records",
    "CsvRecordError",
    "header_delimiter",
    "without_title_lines",
    "TitleLines",
    "is_blank_record",
    "overlong_records",
    "scan_csv",
    "CsvScan",
    "shifted_said",
    "quoting_hint",
    "zip_members",
    "zip_member_parts",
]


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f]")  # (tab, line and page breaks and DOS's end mark are text)


def utf16_without_mark(data: bytes) -> str | None:
    r"""``"utf-16-le"`` or ``"utf-16-be"`` for UTF-16 text saved without its byte-order mark, else None.

    Text in a Latin script has a NUL beside nearly every character in UTF-16: in the odd bytes (little-endian, as
    Windows writes it) or the even ones. The file's start (4 kB) must show that pattern and read as text (no control
    character but tabs, line and page breaks), and the whole must decode.

    Examples
    --------
    >>> utf16_without_mark("id,name\nU1,Zoë\n".encode("utf-16-le")), utf16_without_mark(b"id,name")
    ('utf-16-le', None)
    >>> utf16_without_mark(b"\x01\x00\x02\x00\x03\x00"), utf16_without_mark("id,name\n".encode("utf-16-le") + b"\n")
    (None, None)
    """
    head = bytes(data[:4096])
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    for encoding, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) > 0.9 * len(zeros) and other.count(0) < 0.1 * len(other):
            try:  # (the whole: a start read as UTF-16 and a rest that is not, an odd length, was read as UTF-8)
                text = bytes(data).decode(encoding)
            except UnicodeDecodeError:
                return None
            # (binary data holds a NUL in every other byte too, 16-bit numbers below 256: control characters)
            return None if _CONTROL.search(text, 0, 2048) else encoding
    return None


def decode_text(data: bytes, source: str, notes: list[str] | None = None) -> str:
    r"""The text of a file's bytes: UTF-8 (a byte-order mark dropped), else Windows-1252, else Latin-1.

    A file that starts with a UTF-16 or UTF-32 byte-order mark (Excel's "Unicode Text") is read in that encoding;
    UTF-16 without the mark (:func:`utf16_without_mark`) too, with a note.

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
    unmarked = utf16_without_mark(data)
    if unmarked is not None:
        try:
            text = data.decode(unmarked)
        except UnicodeDecodeError:
            pass
        else:
            if notes is not None:
                notes.append(f"{source} is UTF-16 text without a byte-order mark: read as {unmarked.upper()}")
            return text
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


def write_text_atomic(path: str | Path, text: str, *, newline: str | None = None) -> Path:
    r"""Write ``text`` to ``path`` (UTF-8) whole or not at all: a temporary file beside it, renamed into place.

    The file gets the permissions ``cp`` would give it: a new file those of any new file (0666 less the umask,
    e.g. 0644 under umask 022; a temporary file from :mod:`tempfile` is private, 0600, and that leaked into
    exports), a file written over keeps its own. Nothing is left behind when the write fails.

    Parameters
    ----------
    path : str or Path
        The file to write; its folder must exist.
    text : str
        What to write.
    newline : str, optional
        As for :func:`open`: ``""`` writes line ends as they are in ``text``; None (default) writes
        ``os.linesep`` for each ``\n``.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        When the folder cannot be written to (the temporary file is removed).

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "owners.csv"
    >>> write_text_atomic(target, "Id,OwnerId\n").read_text()
    'Id,OwnerId\n'
    """
    return _write_atomic(path, lambda descriptor: os.fdopen(descriptor, "w", encoding="utf-8", newline=newline), text)


def write_bytes_atomic(path: str | Path, data: bytes, *, mode: int = 0o666) -> Path:
    """Write ``data`` to ``path`` whole or not at all, as :func:`write_text_atomic` writes text.

    ``mode``: a new file's permissions (less the umask) from the moment it is made, the temporary file's too (a kept
    upload was 0644 while it was written, and read so by another user: a security review).
    """
    return _write_atomic(path, lambda descriptor: os.fdopen(descriptor, "wb"), data, mode)


def _write_atomic(path: str | Path, opened, content, mode: int = 0o666) -> Path:
    path = Path(path)
    try:
        keep_mode = stat.S_IMODE(path.stat().st_mode)  # (written over: the file keeps its mode, as with cp)
    except FileNotFoundError:
        keep_mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            # (0666 less the umask, as for any new file; tempfile's files are 0600 whatever the umask)
            descriptor = os.open(temporary, flags, mode)
            break
        except FileExistsError:
            continue
    try:
        with opened(descriptor) as handle:
            handle.write(content)
        if keep_mode is not None:
            os.chmod(temporary, keep_mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


def is_blank_record(record: list[str]) -> bool:
    """True for a CSV record with nothing in it: a blank line, or only commas and spaces (``,,,``)."""
    return all(not cell.strip() for cell in record)


def header_delimiter(text: str) -> str:
    r"""The separator the header line uses most of comma, tab and semicolon (a comma on a tie).

    A file separated by semicolons is what Excel saves as CSV where the comma is the decimal mark (Germany, France):
    its numbers are read with decimal commas (``geo.accounts``), its cells split at the semicolons.

    Examples
    --------
    >>> header_delimiter("id;name;lat;lon\n1;A;48,85;2,35\n"), header_delimiter("id\tname\n"), header_delimiter("id,name\n")
    (';', '\t', ',')
    """
    header = next((line for line in io.StringIO(text) if line.strip()), "")
    counts = {",": header.count(","), "\t": header.count("\t"), ";": header.count(";")}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts[","] else ","


_SEPARATORS = (",", "\t", ";")
_LOOKED_AT = 30  # lines: a title, a report's filters and a blank line or two come before the header, not pages


class TitleLines(NamedTuple):
    """:func:`without_title_lines`'s answer."""

    text: str
    """The text with each line above the header blank (so every line keeps its number)."""
    lines: list[int]
    """The title lines blanked (blank lines among them not counted)."""
    first: str
    """The first title line's text, its cell quotes and trailing separators removed ("" if none)."""
    header: int
    """The header's line (1 if no line was blanked)."""

    def said(self, name: str) -> str | None:
        r"""A note for ``name`` naming the lines skipped, else None.

        Examples
        --------
        >>> without_title_lines("Accounts by owner,,\nAs of 2026-11-01,,\n\nid,lat,lon\nA,1,2\n").said("a.csv")
        "a.csv: lines 1, 2 above the header (line 4) skipped: a title, not a row ('Accounts by owner' …)"
        """
        if not self.lines:
            return None
        more = " …" if len(self.lines) > 1 else ""
        return (f"{name}: {numbered('line', self.lines)} above the header (line {self.header}) skipped: a title, "
                f"not a row ({self.first!r}{more})")  # fmt: skip


def _cells(line: str, mark: str) -> list[str]:
    """``line``'s cells with something in them, split at ``mark`` (a cell of separators alone is empty)."""
    try:
        cells = next(csv.reader([line], delimiter=mark), [])
    except csv.Error:
        return []
    return [cell.strip() for cell in cells if cell.strip(" \t,;\r\n")]


def _first_lines(text: str, count: int) -> list[str]:
    r"""``text``'s first ``count`` lines with their breaks, broken where the csv module breaks them (``\r\n``, ``\r``, ``\n``).

    Examples
    --------
    >>> _first_lines("a\r\nb\rc\nd", 9), _first_lines("a\nb\n", 1)
    (['a\r\n', 'b\r', 'c\n', 'd'], ['a\n'])
    """
    found = re.finditer(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    return [match.group() for match in itertools.islice(found, count)]


_FIGURE_CELL = re.compile(r"[\d\s.,:/+\-%$€£()]+")  # (a date, a time, an amount: no heading)


def _is_title(cells: list[str]) -> bool:
    """A line of a title above a header: one cell, or two of a label and its value ("As of", "2026-11-01")."""
    if len(cells) <= 1:
        return True
    return len(cells) == 2 and (cells[0].endswith(":") or any(_FIGURE_CELL.fullmatch(c) for c in cells))


def without_title_lines(text: str) -> TitleLines:
    r"""``text`` without the title lines a report puts above its header (each line kept, blank, so lines keep numbers).

    A spreadsheet or a CRM's "formatted report" starts with a title ("Accounts by owner", its cells padded with
    separators), maybe the date or the filters, then the header. Such a header was read as the title: one column
    ("5 fields where the header has 1", with a quoting hint that did not apply) or "Unnamed: 1" columns (a new
    user's test).

    A first line of two headings or more (split at its own separator, :func:`header_delimiter`) is the header. Else
    the first 30 lines are split at the separator most of them agree on (a semicolon file's title may hold a comma),
    and the header is the first line with two cells filled or more, at least half as many as the fullest line,
    fewer figures (dates, amounts) than headings, and no title itself. The lines above it are titles if each is one
    cell, or two of a label and its value ("Report:", "Accounts by owner"; "As of", "2026-11-01"); otherwise
    nothing is skipped.

    Examples
    --------
    >>> found = without_title_lines('"Accounts by owner",,,\n,,,\nid,name,lat,lon\nA,Acme,1,2\n')
    >>> found.text, found.lines, found.first, found.header
    ('\n\nid,name,lat,lon\nA,Acme,1,2\n', [1], 'Accounts by owner', 3)
    >>> without_title_lines("id,name\nA,Acme\n").lines, without_title_lines("id\nA\nB\n").lines
    ([], [])
    >>> without_title_lines("Umsatz, Q4;;\nid;lat;lon\nA;1,5;2\n").lines, without_title_lines("As of,2026-11-01,\nid,zip,v\n").lines
    ([1], [1])
    >>> without_title_lines("id,,lat,\nA1,Acme,40.7,-74\n").lines  # (a header with blank headings stays the header)
    []
    """
    untitled = TitleLines(text, [], "", 1)
    head = _first_lines(text, _LOOKED_AT)
    start = next((i for i, line in enumerate(head) if line.strip()), None)
    if start is None or head[start].count('"') % 2:  # (a quoted heading over two lines: no title)
        return untitled
    # A first line of two headings or more is the header, split at its own separator as the file is read: judged
    # by the fullest line instead, a multi-select cell ("Core;Analytics;Payroll;…") in a comma file made the header
    # a title, and the first account the header (a review).
    own = _cells(head[start], header_delimiter(head[start]))
    if len(own) >= 2 and not _is_title(own):
        return untitled
    by_mark = {mark: [_cells(line, mark) for line in head] for mark in _SEPARATORS}

    def agreement(mark: str) -> tuple[int, int]:  # (how many lines share the commonest count of two cells or more)
        counts = Counter(len(c) for c in by_mark[mark] if len(c) >= 2)
        usual = max(counts, key=lambda n: (counts[n], n), default=0)
        return counts.get(usual, 0), usual

    # (a comma on a tie; a semicolon file's title may hold a comma, and "A;48,85;2,35" four cells at its commas)
    mark = max(_SEPARATORS, key=agreement)
    cells = by_mark[mark]
    fullest = max((len(c) for c in cells), default=0)
    header = next((i for i, c in enumerate(cells)
                   if len(c) >= max(2, (fullest + 1) // 2) and not _is_title(c)
                   and 2 * sum(bool(_FIGURE_CELL.fullmatch(x)) for x in c) < len(c)),
                  None)  # fmt: skip
    titles = [i for i in range(header or 0) if cells[i]]
    if not titles or not all(_is_title(cells[i]) for i in titles):
        return untitled
    kept = "".join(_line_end(line) for line in head[:header]) + text[sum(len(line) for line in head[:header]) :]
    return TitleLines(kept, [i + 1 for i in titles], cells[titles[0]][0][:80], header + 1)


def _line_end(line: str) -> str:
    """The line break ``line`` ends with (``""`` at the end of the text)."""
    return line[len(line.rstrip("\r\n")) :]


class CsvRecordError(ValueError):
    """A record the csv module cannot read (a cell over its field limit), with the line it starts on."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


CSV_HINT = "A quote may open a cell that never closes, or a cell hold more than 131,072 characters: fix that line"


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
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # (a cell over 131,072 characters: a traceback, not a message, a security review)
            raise CsvRecordError(f"cannot be read as CSV ({exc})", line + 1) from None
        yield line + 1, record
        line = reader.line_num


def overlong_records(records: list[tuple[int, list[str]]]) -> list[tuple[int, int]]:
    r"""(line, fields) of the records with more fields than the header (the first record): a shifted record.

    A value with an unquoted delimiter in it ("Acme, Inc") shifts every cell after it. A record is overlong when a cell beyond the header's is not blank, or when it has more fields than most of the
    records do: a spreadsheet that ends every line with a delimiter gives every record one more, empty, field
    (that is no shift), while one record with an unquoted comma whose last cells are empty has one more than the
    others. Blank records are left out.

    Examples
    --------
    >>> overlong_records(list(csv_records('id,name,zip\nB1,Acme, Inc,10001\nB2,Good,10002\n')))
    [(2, 4)]
    >>> overlong_records(list(csv_records('name,home,note\nAna,ES,\nComma, Unquoted,US,\nBo,DE,\n')))
    [(3, 4)]
    >>> overlong_records(list(csv_records('id,v\nA,1,\nB,2,\n')))  # (a delimiter at the end of every line)
    []
    """
    rows = iter(records)
    header = next((len(record) for _, record in rows if not is_blank_record(record)), None)
    if header is None:
        return []
    widths, longer = [], []
    for line, record in rows:
        widths.append(len(record))
        if len(record) > header:
            longer.append((line, record))
    return _overlong(header, widths, longer)


def _overlong(header: int, widths: list[int], longer: list[tuple[int, list[str]]]) -> list[tuple[int, int]]:
    """:func:`overlong_records` of the records ``longer`` than ``header``, ``widths`` those of all records."""
    if not longer:
        return []
    counts = Counter(widths)
    usual = max(counts, key=lambda w: (counts[w], -w))
    return [
        (line, len(record))
        for line, record in longer
        if not is_blank_record(record) and (any(c.strip() for c in record[header:]) or len(record) > usual)
    ]


class CsvScan(NamedTuple):
    """:func:`scan_csv`'s findings."""

    starts: list[int]
    """The line each row after the header starts on (a quoted cell may span lines), as pandas reads rows."""
    blank: list[int]
    """Lines after the header pandas skips: nothing on them, or spaces alone (a row of commas is a row to it)."""
    shifted: list[tuple[int, int]]
    """(line, fields) of the rows with more fields than the header (:func:`overlong_records`)."""
    header: int
    """How many fields the header has (0: no header)."""


def scan_csv(text: str, delimiter: str = ",") -> CsvScan:
    r"""One pass over a CSV text: the line each row starts on, the blank lines, and the rows with a field too many.

    Lines are numbered as a text editor numbers them (the header is line 1, blank lines count), so that each row
    pandas reads can be given back its line. Records are not kept (100,000 kept cost 0.12 s more than read one by
    one, in the collector).

    Examples
    --------
    >>> scan_csv('id,v\n\nA,1\nB,2,x\n')
    CsvScan(starts=[3, 4], blank=[2], shifted=[(4, 3)], header=2)
    """
    starts, blank, widths, longer = [], [], [], []
    header = None
    for number, record in csv_records(text, skipinitialspace=True, delimiter=delimiter):
        if len(record) <= 1 and is_blank_record(record):
            blank.append(number)
            continue
        if header is None:
            header = len(record)
        else:
            widths.append(len(record))
            if len(record) > header:
                longer.append((number, record))
        starts.append(number)
    first = starts[0] if starts else 0
    return CsvScan(starts[1:], [n for n in blank if n > first], _overlong(header or 0, widths, longer), header or 0)


def shifted_said(shifted: list[tuple[int, int]], header: int) -> str:
    """The problem of the rows with a field too many, every line after the first named (fixed in one round).

    Examples
    --------
    >>> shifted_said([(2, 5), (4, 5), (9, 6)], 4)
    '5 fields where the header has 4 (and lines 4, 9)'
    """
    more = f" (and {numbered('line', [n for n, _ in shifted[1:]])})" if len(shifted) > 1 else ""
    return f"{shifted[0][1]} fields where the header has {header}{more}"


_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def quoting_hint(delimiter: str, example: str = "Acme, Inc") -> str:
    """How to fix a record with a value that holds the delimiter (:func:`overlong_records`).

    Examples
    --------
    >>> quoting_hint(";", "Chen, Sarah")
    'A name or other value holding a semicolon must be in double quotes ("Chen; Sarah")'
    """
    shown = example.replace(",", delimiter) if delimiter != "\t" else example
    return (f"A name or other value holding a {_SEPARATOR_NAMES.get(delimiter, repr(delimiter))} must be in double "
            f'quotes ("{shown}")')  # fmt: skip


@functools.lru_cache(maxsize=1)
def _plain_loader():
    """A safe YAML loader whose plain scalars read as JSON would: true/false, null, decimal numbers; the rest text."""
    import yaml

    class PlainLoader(yaml.SafeLoader):
        pass

    dropped = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
               "tag:yaml.org,2002:timestamp"}  # fmt: skip
    PlainLoader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag not in dropped]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    PlainLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE|yes|Yes|no|No)$"), list("tTfFyYnN")
    )
    PlainLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
                                      list("-+0123456789"))  # fmt: skip
    PlainLoader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                   r"|\.(?:nan|NaN|NAN))$"),
        list("-+0123456789."),
    )  # fmt: skip
    return PlainLoader


def read_yaml(text: str):
    r"""YAML read as it is written: ``0123``, ``007``, ``NO`` (Norway), ``ON`` (Ontario) and ``2026-01-01`` stay text.

    PyYAML follows YAML 1.1, where ``0123`` is the octal number 83, ``ON`` and ``NO`` are true and false, and a date
    is a date: a plan's territory ``0123`` was loaded as ``83`` and Norway's ``NO`` as ``False``, unsaid (a review).
    Here only ``true``/``false`` (and ``yes``/``no`` in lower case or capitalised, as an ``active:`` is written),
    ``null`` and plain decimal numbers are read as such (as in JSON and YAML 1.2).

    Raises
    ------
    yaml.YAMLError
        When the text is not valid YAML.

    Examples
    --------
    >>> read_yaml("ids: [0123, 007, NO, ON, yes, 2026-01-01]\ncapacity: 180\nquota: 1.12\nactive: true\nnote: ~")
    {'ids': ['0123', '007', 'NO', 'ON', True, '2026-01-01'], 'capacity': 180, 'quota': 1.12, 'active': True, 'note': None}
    """
    import yaml

    try:
        data = yaml.load(text, Loader=_plain_loader())  # noqa: S506 (a safe loader)
    except RecursionError:  # (a traceback with the server's paths, a security review)
        raise yaml.YAMLError("it is nested too deeply to read") from None
    expanded, written = _expanded_size(data)
    if expanded - written > MOST_ALIASED_VALUES:
        # (aliases of aliases: 435 bytes made a territory name of 312 million characters, and one level more took
        # every byte of the server's memory, a security review)
        raise yaml.YAMLError(f"its aliases (*name) repeat more than {MOST_ALIASED_VALUES:,} values; write the "
                             "values out, or use fewer nested aliases")  # fmt: skip
    return data


MOST_ALIASED_VALUES = 100_000
"""The most values a YAML file's aliases may add to it, expanded as a program reading it sees them."""


def _expanded_size(data, cap: int = 50_000_000) -> tuple[int, int]:
    """The values ``data`` holds expanded, and as written.

    Expanded, a shared list, mapping or tuple counts each time it appears (up to ``cap + 1``); as written, once.

    Examples
    --------
    >>> shared = [1, 2, 3]
    >>> _expanded_size({"a": shared, "b": [shared, shared]})  # (1 + 2 keys + 4 + (1 + 4 + 4); 1 + 2 + 4 + 1)
    (16, 8)
    """
    sizes: dict[int, int] = {}
    written = 0

    def size(value) -> int:
        nonlocal written
        if not isinstance(value, (list, tuple, dict, set, frozenset)):
            return 1
        known = sizes.get(id(value))
        if known is not None:
            return known
        items = list(value.keys()) + list(value.values()) if isinstance(value, dict) else list(value)
        written += 1 + sum(1 for item in items if not isinstance(item, (list, tuple, dict, set, frozenset)))
        total = 1
        for item in items:
            total += size(item)
            if total > cap:
                break
        sizes[id(value)] = total = min(total, cap + 1)
        return total

    try:
        return size(data), written
    except RecursionError:  # (nested deeper than Python reads: too much as well)
        return cap + 1, 0


MOST_UNZIPPED_BYTES = 1 << 30
"""The most a zip upload may hold, unpacked (1 GiB): a 1 MB zip unpacked to 1 GiB on every rerun (a security review)."""


def zip_member_parts(name: str) -> list[str]:
    r"""The plain folder and file names of a zip member's name: no drive letter, share, ``..`` or empty part.

    On Windows ``C:/x.shp`` or ``//server/x.shp`` joined to a folder is a path of its own (a review).

    Examples
    --------
    >>> zip_member_parts("shp/../C:/evil\\x.shp"), zip_member_parts("//server/share/x.shp")
    (['shp', 'evil', 'x.shp'], ['server', 'share', 'x.shp'])
    """
    return [part for part in re.split(r"[\\/]", name) if part not in ("", ".", "..") and ":" not in part]


def zip_members(archive, source: str, wanted, *, most_bytes: int | None = None, most_members: int = 1000):
    """The members of a zip ``wanted`` picks (by name), each as ``(name, bytes)``, unpacked within a bound.

    A zip bomb (a small file that unpacks to gigabytes) is refused as it is read: the sizes the zip declares are
    checked first, then the bytes actually unpacked, whatever it declares.

    Parameters
    ----------
    archive : zipfile.ZipFile
    source : str
        The zip's name, for messages.
    wanted : callable
        ``wanted(member name) -> bool``.
    most_bytes, most_members : int
        What the members read may hold in all (default :data:`MOST_UNZIPPED_BYTES`), and how many the zip may list.

    Raises
    ------
    InputDataError
        Past either bound.

    Examples
    --------
    >>> import zipfile
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("a.csv", "x" * 5000)
    ...     z.writestr("b.txt", "y")
    >>> [(n, len(b)) for n, b in zip_members(zipfile.ZipFile(buffer), "t.zip", lambda n: n.endswith(".csv"))]
    [('a.csv', 5000)]
    >>> zip_members(zipfile.ZipFile(buffer), "t.zip", lambda n: True, most_bytes=1000)
    Traceback (most recent call last):
    ...
    territory.errors.InputDataError: t.zip: unpacks to more than 1,000 bytes. Upload a zip of the files needed alone, under 1,000 bytes unpacked
    """
    from territory.errors import InputDataError

    most_bytes = MOST_UNZIPPED_BYTES if most_bytes is None else most_bytes

    def too_big() -> InputDataError:
        return InputDataError(f"unpacks to more than {most_bytes:,} bytes", source=source,
                              hint=f"Upload a zip of the files needed alone, under {most_bytes:,} bytes unpacked")  # fmt: skip

    members = archive.infolist()
    picked = [m for m in members if not m.is_dir() and wanted(m.filename)]
    # (the files read, at most ``most_members``; the zip's listing within reason: a plan folder zipped with its .git
    # lists thousands, a review)
    if len(picked) > most_members or len(members) > 100 * most_members:
        raise InputDataError(f"lists {len(picked if len(picked) > most_members else members):,} files", source=source,
                             hint=f"Upload a zip of the files needed alone (at most {most_members:,})")  # fmt: skip
    if sum(m.file_size for m in picked) > most_bytes:
        raise too_big()
    import zipfile
    import zlib

    out, total = [], 0
    for member in picked:
        chunks = []
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(1 << 20):
                    total += len(chunk)
                    if total > most_bytes:
                        raise too_big()
                    chunks.append(chunk)
        # (a size that lies, a damaged or encrypted member: a traceback on the Plans page, a review)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
            raise InputDataError(f"cannot unpack {member.filename} ({exc})", source=source,
                                 hint="Zip the folder again, without a password") from None  # fmt: skip
        out.append((member.filename, b"".join(chunks)))
    return out
