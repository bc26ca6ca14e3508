"""Reading uploaded spreadsheets (CSV, .xlsx) into rows of text, within stated limits.

An upload is hostile until read. Two shapes of file exhaust a naive reader:
- a zip bomb: a few MiB whose `sharedStrings.xml` inflates to gigabytes;
- a row-index bomb: 1.5 KB whose only row is `<row r="2000000000">`, which
  a reader that fills gaps with empty rows turns into hours of CPU.
So, before any XML is parsed, the archive's declared sizes are checked
(`zipfile` never yields more than a member's declared size, so the check
holds even for a lying archive), and while the sheet streams through expat
every row index, gaps included, is counted against the row limit and the
read stops at the first row past it. The text the cells expand to (a shared
string may be referenced by every cell) is budgeted like the archive.

This module imports only the standard library: `kit.sandbox` runs it in a
child process that starts in milliseconds and holds no secrets.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from posixpath import dirname, join, normpath
from typing import IO, Any
from xml.parsers import expat

MIB = 1024 * 1024

Row = tuple[int, list[str]]


@dataclass(frozen=True)
class SheetLimits:
    max_upload_bytes: int = 5 * MIB
    # What the archive may inflate to, and the text its cells may expand to.
    max_uncompressed_bytes: int = 32 * MIB
    # Uncompressed size over compressed size, per member and for the whole archive.
    max_compression_ratio: int = 100
    # Rows after the header. Every row index counts, empty ones and gaps included.
    max_rows: int = 10_000
    max_columns: int = 40
    max_members: int = 1_000

    @property
    def max_row_index(self) -> int:
        return self.max_rows + 1  # the header row


class SheetRejected(ValueError):
    """The file as a whole is refused; `code` is None for a file that is simply unreadable."""

    def __init__(self, detail: str, *, status: int = 422, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail, self.status, self.code = detail, status, code


def too_many_rows(limits: SheetLimits) -> SheetRejected:
    return SheetRejected(
        f"A file may span at most {limits.max_row_index} rows (a header and "
        f"{limits.max_rows} students, empty rows included); split it",
        code="too_many_rows",
    )


def _too_much_text(limits: SheetLimits) -> SheetRejected:
    return SheetRejected(
        f"The file expands to more than {limits.max_uncompressed_bytes} bytes",
        status=413,
        code="uncompressed_too_large",
    )


def read_rows(filename: str, data: bytes, limits: SheetLimits) -> list[Row]:
    """The non-empty rows of the first sheet with their 1-based row numbers, cells as text."""
    if len(data) > limits.max_upload_bytes:
        raise SheetRejected(
            f"The file is larger than {limits.max_upload_bytes} bytes",
            status=413,
            code="file_too_large",
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetRejected("Old .xls workbooks are not supported; save the sheet as .xlsx or CSV")
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        rows: Iterable[Row] = _xlsx_rows(data, limits)
    else:
        rows = _csv_rows(data, limits)
    return [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]


# --- CSV --------------------------------------------------------------------------


def _csv_rows(data: bytes, limits: SheetLimits) -> Iterator[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # "CSV (Comma delimited)" from Excel on Windows is cp1252, not UTF-8.
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise SheetRejected("The CSV file must be UTF-8 encoded") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    ended = 0
    try:
        for row in reader:
            # The line a record starts on, even when a quoted cell spans lines.
            if ended + 1 > limits.max_row_index:
                raise too_many_rows(limits)
            yield ended + 1, row[: limits.max_columns]
            ended = reader.line_num
    except csv.Error as exc:
        raise SheetRejected(f"The CSV file is malformed near line {ended + 1}") from exc


# --- .xlsx ------------------------------------------------------------------------

_REL_OFFICE_DOCUMENT = "/officeDocument"
_REL_WORKSHEET = "/worksheet"
_REL_SHARED_STRINGS = "/sharedStrings"
_REL_STYLES = "/styles"
# Built-in number formats that show a date (ECMA-376 §18.8.30, with the East Asian ones).
_BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
_DATE_TOKEN = re.compile(r"[dmyhs]", re.IGNORECASE)
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d{1,10})")
_CHUNK = 64 * 1024


def _xlsx_rows(data: bytes, limits: SheetLimits) -> list[Row]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetRejected("The file is not a readable .xlsx workbook") from exc
    with archive:
        check_archive(archive, len(data), limits)
        try:
            return _Workbook(archive, limits).first_sheet_rows()
        except SheetRejected:
            raise
        except expat.ExpatError as exc:
            raise SheetRejected("The workbook's XML is malformed") from exc
        except (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, EOFError) as exc:
            # A missing part, a corrupt member or a failed CRC: all the same to the uploader.
            raise SheetRejected("The file is not a readable .xlsx workbook") from exc


def check_archive(archive: zipfile.ZipFile, compressed_bytes: int, limits: SheetLimits) -> None:
    """Refuse a zip bomb from its directory alone, before inflating a byte of it."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise SheetRejected(
            f"The workbook holds more than {limits.max_members} parts",
            code="too_many_parts",
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_bytes:
        raise SheetRejected(
            f"The workbook inflates to {total} bytes; at most "
            f"{limits.max_uncompressed_bytes} bytes are accepted",
            status=413,
            code="uncompressed_too_large",
        )
    ratio = limits.max_compression_ratio
    worst = max(members, key=lambda m: m.file_size / max(m.compress_size, 1), default=None)
    if total > ratio * max(compressed_bytes, 1) or (
        worst is not None and worst.file_size > ratio * max(worst.compress_size, 1)
    ):
        raise SheetRejected(
            f"The workbook is compressed more than {ratio} to 1, which no register needs; "
            "save it again or export it as CSV",
            code="compression_ratio_too_high",
        )


def _local(name: str) -> str:
    """Element name without its namespace (expat joins them with a space)."""
    return name.rpartition(" ")[2]


def _parse(
    stream: IO[bytes],
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
    after_chunk: Callable[[], None] | None = None,
) -> None:
    """Stream XML through expat; no DTD, so no entity tricks."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def no_dtd(*_: Any) -> None:
        raise SheetRejected("The workbook's XML declares a DTD, which .xlsx never does")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
    if end is not None:
        parser.EndElementHandler = lambda name: end(_local(name))
    if text is not None:
        parser.CharacterDataHandler = text
    parser.buffer_text = True
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
        if after_chunk is not None:
            after_chunk()
    parser.Parse(b"", True)


def _attr(attrs: dict[str, str], name: str) -> str | None:
    """An attribute by local name, whatever namespace prefix the writer used."""
    if name in attrs:
        return attrs[name]
    for key, value in attrs.items():
        if _local(key) == name:
            return value
    return None


class _Workbook:
    def __init__(self, archive: zipfile.ZipFile, limits: SheetLimits) -> None:
        self.archive = archive
        self.limits = limits
        self.text_budget = limits.max_uncompressed_bytes

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """rId → (type, member path) of a part's relationships."""
        folder, name = dirname(part), part.rpartition("/")[2]
        rels_name = join(folder, "_rels", name + ".rels")
        found: dict[str, tuple[str, str]] = {}
        if rels_name not in self.archive.NameToInfo:
            return found

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else join(folder, target)
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), normpath(path))

        with self.archive.open(rels_name) as stream:
            _parse(stream, start)
        return found

    def first_sheet_rows(self) -> list[Row]:
        root = self._relationships("")
        book = next(
            (p for t, p in root.values() if t.endswith(_REL_OFFICE_DOCUMENT)), "xl/workbook.xml"
        )
        rels = self._relationships(book)
        sheet_ids: list[str] = []
        date1904 = False

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal date1904
            if tag == "sheet":
                sheet_ids.append(_attr(attrs, "id") or "")
            elif tag == "workbookPr":
                date1904 = attrs.get("date1904", "").lower() in ("1", "true")

        with self.archive.open(book) as stream:
            _parse(stream, start)
        sheet = next(
            (rels[i][1] for i in sheet_ids if i in rels and rels[i][0].endswith(_REL_WORKSHEET)),
            None,
        )
        if sheet is None:
            raise SheetRejected("The workbook has no worksheet")
        strings = self._shared_strings(rels)
        dates = self._date_styles(rels)
        epoch = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
        return _SheetReader(self, strings, dates, epoch).read(sheet)

    def _part(self, rels: dict[str, tuple[str, str]], kind: str) -> str | None:
        return next((p for t, p in rels.values() if t.endswith(kind)), None)

    def spend(self, chars: int) -> None:
        self.text_budget -= chars
        if self.text_budget < 0:
            raise _too_much_text(self.limits)

    def _shared_strings(self, rels: dict[str, tuple[str, str]]) -> list[str]:
        part = self._part(rels, _REL_SHARED_STRINGS)
        strings: list[str] = []
        if part is None:
            return strings
        pieces: list[str] = []
        depth = {"t": 0, "rPh": 0}

        def start(tag: str, _: dict[str, str]) -> None:
            if tag in depth:
                depth[tag] += 1
            elif tag == "si":
                pieces.clear()

        def end(tag: str) -> None:
            if tag in depth:
                depth[tag] -= 1
            elif tag == "si":
                strings.append("".join(pieces))

        def text(data: str) -> None:
            # Phonetic runs (rPh) are reading aids, not the cell's text.
            if depth["t"] and not depth["rPh"]:
                pieces.append(data)

        with self.archive.open(part) as stream:
            _parse(stream, start, end, text)
        return strings

    def _date_styles(self, rels: dict[str, tuple[str, str]]) -> frozenset[int]:
        """Indexes of the cell formats (`s="…"`) that display a date."""
        part = self._part(rels, _REL_STYLES)
        if part is None:
            return frozenset()
        custom: dict[int, str] = {}
        formats: list[int] = []
        inside = {"cellXfs": False}

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "numFmt":
                custom[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
            elif tag == "cellXfs":
                inside["cellXfs"] = True
            elif tag == "xf" and inside["cellXfs"]:
                formats.append(_int(attrs.get("numFmtId")))

        def end(tag: str) -> None:
            if tag == "cellXfs":
                inside["cellXfs"] = False

        with self.archive.open(part) as stream:
            _parse(stream, start, end)
        return frozenset(
            i
            for i, fmt in enumerate(formats)
            if (fmt in custom and _is_date_format(custom[fmt]))
            or (fmt not in custom and fmt in _BUILTIN_DATE_FORMATS)
        )


def _int(value: str | None) -> int:
    try:
        return int(value or "0")
    except ValueError:
        return 0


def _is_date_format(code: str) -> bool:
    first = _FORMAT_NOISE.sub("", code.split(";")[0])
    return first.lower() != "general" and _DATE_TOKEN.search(first) is not None


def _column(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


class _SheetReader:
    """The sheet as it streams: rows counted by index, cells converted as they close."""

    def __init__(
        self, book: _Workbook, strings: list[str], dates: frozenset[int], epoch: datetime
    ) -> None:
        self.book, self.strings, self.dates, self.epoch = book, strings, dates, epoch
        self.limit = book.limits.max_row_index
        self.max_columns = book.limits.max_columns
        self.rows: list[Row] = []
        self.row_index = 0
        self.cells: dict[int, str] = {}
        self.column = 0
        self.cell_type = "n"
        self.cell_style = 0
        self.value: list[str] = []
        self.collect = False
        self.in_inline = 0
        self.in_phonetic = 0

    def read(self, part: str) -> list[Row]:
        with self.book.archive.open(part) as stream:
            _parse(stream, self.start, self.end, self.text)
        return self.rows

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "row":
            given = attrs.get("r")
            index = self.row_index + 1 if given is None else _int(given)
            if index <= self.row_index:
                raise SheetRejected(f"The sheet's rows are out of order near row {index}")
            if index > self.limit:
                raise too_many_rows(self.book.limits)
            self.row_index, self.cells, self.column = index, {}, 0
        elif tag == "c":
            ref = attrs.get("r")
            if ref is None:
                self.column += 1
            else:
                match = _CELL_REF.fullmatch(ref)
                if match is None:
                    raise SheetRejected(f"The sheet has a malformed cell reference {ref[:20]!r}")
                self.column = _column(match.group(1))
            self.cell_type = attrs.get("t", "n")
            self.cell_style = _int(attrs.get("s"))
            self.value = []
        elif tag == "v":
            self.collect = True
        elif tag == "is":
            self.in_inline += 1
        elif tag == "rPh":
            self.in_phonetic += 1
        elif tag == "t" and self.in_inline and not self.in_phonetic:
            self.collect = True

    def text(self, data: str) -> None:
        if self.collect:
            self.value.append(data)

    def end(self, tag: str) -> None:
        if tag in ("v", "t"):
            self.collect = False
        elif tag == "is":
            self.in_inline -= 1
        elif tag == "rPh":
            self.in_phonetic -= 1
        elif tag == "c":
            if self.column <= self.max_columns:
                value = self._convert("".join(self.value))
                self.book.spend(len(value))
                self.cells[self.column] = value
        elif tag == "row" and self.cells:
            width = max(self.cells)
            self.rows.append((self.row_index, [self.cells.get(c, "") for c in range(1, width + 1)]))

    def _convert(self, raw: str) -> str:
        kind = self.cell_type
        if kind == "s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError) as exc:
                raise SheetRejected(f"Row {self.row_index} refers to a missing string") from exc
        if kind == "b":
            return "true" if raw.strip() in ("1", "true") else "false"
        if kind == "d":
            try:
                return datetime.fromisoformat(raw.strip()).date().isoformat()
            except ValueError:
                return raw
        if kind in ("str", "inlineStr", "e") or not raw.strip():
            return raw
        return self._number(raw.strip())

    def _number(self, raw: str) -> str:
        try:
            number = float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            return raw
        if self.cell_style in self.dates:
            try:
                # Serials before 1 March 1900 sit behind Excel's phantom 29 February.
                base = self.epoch + timedelta(days=1) if number < 60 else self.epoch
                moment = base + timedelta(days=number)
            except OverflowError:
                return raw
            return moment.date().isoformat()
        if isinstance(number, float) and number.is_integer():
            # Excel keeps phone numbers typed as numbers as floats.
            return str(int(number))
        return str(number)


# --- the sandboxed entry point (`kit.sandbox`) ------------------------------------


# The `kit.sandbox` target that reads a sheet in the child.
SHEET_READER = "studyspot.kit.spreadsheets:sandbox_main"


def sandbox_main(argument: str, data: bytes) -> bytes:
    """Run in the child: `argument` is JSON {filename, limits}; the answer is JSON."""
    spec = json.loads(argument)
    limits = SheetLimits(**spec["limits"])
    try:
        rows = read_rows(spec["filename"], data, limits)
    except SheetRejected as exc:
        return json.dumps(
            {"refused": {"detail": exc.detail, "status": exc.status, "code": exc.code}}
        ).encode()
    return json.dumps({"rows": rows}, ensure_ascii=False).encode()


def sandbox_argument(filename: str, limits: SheetLimits) -> str:
    return json.dumps({"filename": filename, "limits": asdict(limits)})


def sandbox_answer(output: bytes) -> list[Row]:
    """The child's answer back in the service: rows, or the refusal raised again."""
    answer = json.loads(output)
    if "refused" in answer:
        refused = answer["refused"]
        raise SheetRejected(refused["detail"], status=refused["status"], code=refused["code"])
    return [(int(line), [str(c) for c in cells]) for line, cells in answer["rows"]]
