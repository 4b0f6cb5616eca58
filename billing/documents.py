"""An invoice as a PDF (ReportLab, like the carrier manifests) and as a streamed CSV of its lines and, under each,
the billable events it sums."""

from __future__ import annotations

import csv
import io

from django.http import StreamingHttpResponse
from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from billing.models import ChargeKind, Invoice
from billing.selectors import invoice_events, invoice_lines
from core import timefmt


def _price(value) -> str:
    return "" if value is None else f"{value:f}"


def invoice_pdf(invoice: Invoice) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter)
    canvas.setTitle(f"Invoice {invoice.number}")
    _width, height = letter
    y = height - inch

    def header():
        nonlocal y
        canvas.setFont("Helvetica-Bold", 14)
        canvas.drawString(inch, y, f"Invoice {invoice.number}" + ("" if invoice.status == "issued" else " (DRAFT)"))
        y -= 0.3 * inch
        canvas.setFont("Helvetica", 10)
        canvas.drawString(inch, y, f"{invoice.merchant.name} · {invoice.period_start:%Y-%m-%d} to "
                                   f"{invoice.period_end:%Y-%m-%d} · {invoice.currency}")
        y -= 0.35 * inch
        canvas.setFont("Helvetica-Bold", 9)
        for x, text in ((1.0, "Charge"), (4.3, "Quantity"), (5.4, "Unit price")):
            canvas.drawString(x * inch, y, text)
        canvas.drawRightString(7.4 * inch, y, "Amount")
        y -= 0.2 * inch
        canvas.setFont("Helvetica", 9)

    header()
    for line in invoice_lines(invoice):
        if y < 1.5 * inch:
            canvas.showPage()
            y = height - inch
            header()
        canvas.drawString(inch, y, ChargeKind(line.kind).label[:55])
        canvas.drawString(4.3 * inch, y, _price(line.quantity))
        canvas.drawString(5.4 * inch, y, _price(line.unit_price))
        canvas.drawRightString(7.4 * inch, y, f"{line.amount:,.2f}")
        y -= 0.2 * inch
    y -= 0.15 * inch
    canvas.setFont("Helvetica", 10)
    canvas.drawString(5.4 * inch, y, "Subtotal")
    canvas.drawRightString(7.4 * inch, y, f"{invoice.subtotal:,.2f}")
    y -= 0.22 * inch
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(5.4 * inch, y, f"Total {invoice.currency}")
    canvas.drawRightString(7.4 * inch, y, f"{invoice.total:,.2f}")
    if invoice.issued_at:
        canvas.setFont("Helvetica", 8)
        canvas.drawString(inch, 0.7 * inch, f"Issued {timefmt.iso_dt(invoice.issued_at)}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class _Echo:
    def write(self, value):
        return value


CSV_HEADER = ["invoice", "record", "charge", "day", "reference", "warehouse", "quantity", "unit_price", "amount",
              "billable_event"]


def invoice_csv_response(invoice: Invoice) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_HEADER)
        for line in invoice_lines(invoice):
            yield writer.writerow([invoice.number, "line", line.kind, "", "", "", line.quantity,
                                   "" if line.unit_price is None else line.unit_price, line.amount, ""])
        for event in invoice_events(invoice).iterator(chunk_size=1000):
            yield writer.writerow([invoice.number, "event", event.kind, event.day.isoformat(),
                                   event.description or event.reference, event.warehouse.code if event.warehouse else "",
                                   event.quantity, "" if event.unit_price is None else event.unit_price, "", event.pk])
        yield writer.writerow([invoice.number, "total", "", "", "", "", "", "", invoice.total, ""])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.csv"'
    return response
