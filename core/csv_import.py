"""All-or-nothing CSV imports that stream: rows are read one at a time, every bad row is
reported with its line number, and nothing is kept unless every row is good."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from core.errors import DomainError


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


class ImportRejected(DomainError):
    code = "import_rejected"

    def __init__(self, errors: list[RowError]):
        shown = "; ".join(str(e) for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} bad row(s), nothing imported: {shown}{more}")
        self.errors = errors


class RowInvalid(Exception):
    """Raised by a row handler to report what is wrong with its row."""


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """The five bytes cp1252 leaves undefined read as Latin-1, so a Latin-1 file is read too."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("csv_import_latin1", _latin1_fallback)


def decoded_lines(source) -> Iterator[str]:
    """Text lines of an uploaded file, one at a time: UTF-8 with or without a BOM, or, when the file is
    not UTF-8, Windows-1252 / Latin-1 (what Excel saves on Windows). The choice is made at the first byte
    that is not UTF-8; a file that was UTF-8 with accents up to there mixes encodings and is refused."""
    encoding = "utf-8"
    seen_non_ascii = False
    for number, raw in enumerate(iter(source.readline, b""), start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        if encoding == "utf-8":
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                if seen_non_ascii:
                    raise ImportRejected([RowError(number, "the file is not UTF-8 from this line on, though earlier lines"
                                                           " are: Save it as \"CSV UTF-8\" and upload it again")]) from None
                encoding = "cp1252"
            else:
                seen_non_ascii = seen_non_ascii or not text.isascii()
                yield text
                continue
        yield raw.decode("cp1252", errors="csv_import_latin1")


def read_csv_rows(source, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) from a text or binary file-like object, one row at a time."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    lines: Iterable[str] = decoded_lines(source) if isinstance(source.read(0), bytes) else source
    reader = csv.DictReader(lines)
    missing = [name for name in required if name not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected([RowError(1, f"missing column(s): {', '.join(missing)}")])
    for row in reader:
        yield reader.line_num, {key.strip(): (value or "").strip() for key, value in row.items() if key}


def run_import(rows: Iterable[tuple[int, dict]], handle_row: Callable[[dict], str]) -> ImportReport:
    """Apply `handle_row` to every row in one transaction; any bad row rolls everything back.

    `handle_row` returns "created" or "updated", or raises RowInvalid / ValidationError / DomainError.
    """
    report = ImportReport()
    with transaction.atomic():
        for line, row in rows:
            try:
                with transaction.atomic():  # savepoint: a bad row must not poison the rest
                    outcome = handle_row(row)
            except (RowInvalid, DomainError) as exc:
                report.errors.append(RowError(line, str(exc)))
                continue
            except ValidationError as exc:
                report.errors.append(RowError(line, "; ".join(exc.messages)))
                continue
            except DatabaseError as exc:
                report.errors.append(RowError(line, str(exc).splitlines()[0]))
                continue
            if outcome == "created":
                report.created += 1
            else:
                report.updated += 1
        if report.errors:
            raise ImportRejected(report.errors)
    return report
