"""Packing slips as PDF, worded by the merchant's template (a product-tag template wins over the default)."""

from __future__ import annotations

import io
import textwrap

from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from orders.models import FulfillmentOrder
from warehouse.outbound.selectors import slip_template

SLIP_NOTE_MAX = 600  # a long note keeps the slip on one page; the order page shows it whole


def packing_slip_pdf(fulfillment: FulfillmentOrder) -> bytes:
    order = fulfillment.order
    template = slip_template(fulfillment)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter)
    canvas.setTitle(f"{template.title} {order.order_number}")
    y = letter[1] - inch

    def text(value: str, *, size: int = 10, bold: bool = False, x: float = inch, step: float = 14) -> None:
        nonlocal y
        canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        for row in textwrap.wrap(value, 95) or [""]:
            canvas.drawString(x, y, row)
            y -= step

    text(f"{order.merchant.name} · {template.title}", size=16, bold=True, step=22)
    if template.header_note:
        text(template.header_note)
    y -= 6
    text(f"Order {order.order_number}   ·   shipped from {fulfillment.warehouse.code}", bold=True)
    for row in (order.ship_name, order.ship_company, order.ship_line1, order.ship_line2,
                f"{order.ship_city} {order.ship_region} {order.ship_postal_code}", order.ship_country):
        if row and row.strip():
            text(row.strip())
    if order.gift_message:
        y -= 6
        text("Gift message:", bold=True)
        text(order.gift_message)
    if order.note:
        y -= 6
        text("Customer note:", bold=True)
        text(order.note if len(order.note) <= SLIP_NOTE_MAX else order.note[:SLIP_NOTE_MAX - 1] + "…")
    y -= 10
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(inch, y, "SKU")
    canvas.drawString(2.5 * inch, y, "Item")
    canvas.drawRightString(6.6 * inch, y, "Qty")
    if template.show_prices:
        canvas.drawRightString(7.5 * inch, y, "Price")
    y -= 16
    canvas.setFont("Helvetica", 10)
    bundles_shown: set[int] = set()
    for line in fulfillment.lines.select_related("order_line__product", "order_line__bundle_line").order_by(
        "order_line__line_no"
    ):
        if not line.qty:
            continue
        sold = line.order_line.bundle_line
        indent = 0.0
        if sold is not None:  # a bundle as the customer bought it, with its price, then its components under it
            indent = 0.2 * inch
            if sold.pk not in bundles_shown:
                bundles_shown.add(sold.pk)
                canvas.drawString(inch, y, sold.sku[:24])
                canvas.drawString(2.5 * inch, y, f"{sold.name[:40]} (bundle)")
                canvas.drawRightString(6.6 * inch, y, str(sold.quantity))
                if template.show_prices:
                    canvas.drawRightString(7.5 * inch, y, f"{sold.unit_price:.2f}")
                y -= 14
        canvas.drawString(inch + indent, y, line.order_line.sku[:24])
        product = line.order_line.product
        canvas.drawString(2.5 * inch + indent, y, (line.order_line.name or (product.name if product else ""))[:48])
        canvas.drawRightString(6.6 * inch, y, str(line.qty))
        if template.show_prices and sold is None:
            canvas.drawRightString(7.5 * inch, y, f"{line.order_line.unit_price:.2f}")
        y -= 14
    y -= 14
    if template.footer_note:
        text(template.footer_note, size=9)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
