"""All-or-nothing CSV imports that stream: rows are read one at a time, every bad row is
reported with its line number, and nothing is kept unless every row is good."""

from __future__ import annotations

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


def read_csv_rows(source, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) from a text or binary file-like object, one row at a time."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    if isinstance(source.read(0), bytes):
        source = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(source)
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
