"""The RMA slip the customer puts in the parcel: the RMA code as a Code 128 barcode (`RMA:R-000123`),
the order and the units expected. 4x6 inches, PDF and ZPL, on the shipping label's grid."""

from __future__ import annotations

from returns.models import ReturnAuthorization
from shipping.labels import (
    MARGIN,
    Text,
    barcode_element,
    render_elements_pdf,
    render_elements_zpl,
)


def _elements(rma: ReturnAuthorization) -> list:
    items = [Text(MARGIN, 20, "RETURN AUTHORIZATION", 34, bold=True),
             Text(MARGIN, 70, f"{rma.merchant.name} · order {rma.order.order_number}"[:48], 24),
             barcode_element(rma.code, top=120, height=180),
             Text(MARGIN, 320, rma.code, 44, bold=True)]
    for i, line in enumerate(rma.lines.select_related("product")[:16]):
        items.append(Text(MARGIN, 400 + 34 * i, f"{line.qty} x {line.product.sku} {line.product.name}"[:48], 24))
    return items


def rma_slip_pdf(rma: ReturnAuthorization) -> bytes:
    return render_elements_pdf([_elements(rma)], title=f"Return {rma.number}")


def rma_slip_zpl(rma: ReturnAuthorization) -> str:
    return render_elements_zpl([_elements(rma)])
