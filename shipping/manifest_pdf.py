"""The end-of-day manifest the driver signs: one row per carton handed over."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas


def render_manifest(manifest, shipments) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter)
    canvas.setTitle(f"Manifest {manifest.pk}")
    _width, height = letter
    y = height - inch

    def header():
        nonlocal y
        canvas.setFont("Helvetica-Bold", 14)
        canvas.drawString(inch, y, f"{manifest.carrier} manifest M-{manifest.pk} · {manifest.warehouse.code} "
                                   f"· {manifest.closed_at:%Y-%m-%d %H:%M}")
        y -= 0.35 * inch
        canvas.setFont("Helvetica-Bold", 9)
        for x, text in ((1.0, "Tracking number"), (3.4, "Service"), (5.0, "Order / transfer"), (6.4, "Weight")):
            canvas.drawString(x * inch, y, text)
        y -= 0.2 * inch
        canvas.setFont("Helvetica", 9)

    header()
    total = 0
    for shipment in shipments:
        if y < inch:
            canvas.showPage()
            y = height - inch
            header()
        canvas.drawString(inch, y, shipment.tracking_number)
        canvas.drawString(3.4 * inch, y, shipment.service[:28])
        canvas.drawString(5.0 * inch, y, shipment.document_label[:20])
        canvas.drawRightString(7.2 * inch, y, f"{shipment.weight_g / 1000:.2f} kg")
        total += shipment.weight_g
        y -= 0.18 * inch
    y -= 0.2 * inch
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(inch, y, f"{len(shipments)} carton(s), {total / 1000:.2f} kg")
    canvas.drawString(inch, y - 0.5 * inch, "Driver signature: ______________________   Time: ________")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
