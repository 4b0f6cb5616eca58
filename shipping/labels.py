"""The 4x6 inch shipping label, as a PDF (reportlab) for laser printers and as ZPL for thermal printers.

One page per package: ship-from, ship-to, service, weight, reference, the tracking number as a Code 128
barcode with its human-readable text and, when the parcel crosses a border, a customs block (HS code,
country of origin, value and description per item). One layout, in printer dots on the 203 dpi grid of
a thermal printer, feeds both renderings, so they match and the bars fall on whole dots."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from shipping.carriers.base import GRAMS_PER_POUND, Address, CustomsItem, is_international
from shipping.exceptions import CustomsRequired
from shipping.tracking_numbers import human_readable

DPI = 203
WIDTH, HEIGHT = 4 * DPI, 6 * DPI  # 812 x 1218 dots
MARGIN = 20
QUIET_MODULES = 10  # Code 128 needs ten module widths of blank space on each side
MAX_LINE = 35  # carriers print at most 35 characters per address line
CUSTOMS_ROWS = 6  # more lines than a CN22 block holds go on the commercial invoice
CUSTOMS_COLUMNS = (20, 330, 400, 560, 640)


@dataclass(frozen=True, kw_only=True)
class LabelContent:
    carrier: str
    service: str
    tracking_number: str
    ship_from: Address
    ship_to: Address
    weight_g: int
    reference: str = ""
    ship_date: date | None = None
    package: tuple[int, int] = (1, 1)  # (this package, packages in the shipment)
    customs: tuple[CustomsItem, ...] = ()

    @property
    def international(self) -> bool:
        return is_international(self.ship_from, self.ship_to)


@dataclass(frozen=True)
class Text:
    x: int
    y: int  # top of the text, dots from the top edge
    value: str
    size: int  # character height in dots
    bold: bool = False
    reverse: bool = False  # white on black


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Barcode:
    x: int  # where the first bar starts; the quiet zones lie outside
    y: int
    data: str
    module: int  # narrowest bar, in dots
    height: int


Element = Text | Box | Barcode


def render_pdf(pages: Sequence[LabelContent]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(4 * inch, 6 * inch), pageCompression=1)
    canvas.setTitle("Shipping label")
    for content in pages:
        for element in layout(content):
            _draw_pdf(canvas, element)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_zpl(pages: Sequence[LabelContent]) -> str:
    out = []
    for content in pages:
        out.append(f"^XA\n^CI28\n^PW{WIDTH}\n^LL{HEIGHT}\n^LH0,0\n")
        out += [_zpl(element) for element in layout(content)]
        out.append("^XZ\n")
    return "".join(out)


# --- layout --------------------------------------------------------------------------------------------

def layout(c: LabelContent) -> list[Element]:
    if c.international and not c.customs:
        raise CustomsRequired(f"a parcel from {c.ship_from.country} to {c.ship_to.country} needs a customs declaration")
    items: list[Element] = [Text(MARGIN, 20, "FROM:", 20, bold=True)]
    items += [Text(MARGIN, 46 + 24 * i, line, 22) for i, line in enumerate(address_lines(c.ship_from))]
    items += [Text(520, 20, weight_text(c.weight_g), 22, bold=True),
              Text(520, 50, f"PKG {c.package[0]} OF {c.package[1]}", 22)]
    if c.ship_date:
        items.append(Text(520, 80, f"SHIP {c.ship_date.isoformat()}", 22))
    items += [Box(0, 210, WIDTH, 4), Text(MARGIN, 226, "SHIP TO:", 22, bold=True)]
    items += [_fit(Text(60, 258 + 38 * i, line, 32, bold=True), WIDTH - 80)
              for i, line in enumerate(address_lines(c.ship_to))]
    items += [Box(0, 480, WIDTH, 4), Box(0, 484, WIDTH, 86),
              _fit(Text(MARGIN, 500, f"{c.carrier} {c.service}".upper(), 52, bold=True, reverse=True), WIDTH - 40),
              Text(MARGIN, 596, "TRACKING #:", 22, bold=True),
              _fit(Text(200, 590, human_readable(c.tracking_number), 34, bold=True), WIDTH - 220),
              _barcode(c.tracking_number, top=650, height=200),
              Box(0, 880, WIDTH, 4),
              Text(MARGIN, 896, f"REF: {c.reference}"[:60], 24)]
    if c.international:
        items += _customs_block(c.customs, top=936)
    return items


def _customs_block(customs: Sequence[CustomsItem], *, top: int) -> list[Element]:
    items: list[Element] = [Box(0, top - 8, WIDTH, 4),
                            Text(MARGIN, top + 4, "CUSTOMS DECLARATION - CONTENTS: MERCHANDISE", 22, bold=True)]
    titles = ("DESCRIPTION", "QTY", "HS CODE", "ORIGIN", "VALUE")
    items += [Text(x, top + 34, title, 18, bold=True) for x, title in zip(CUSTOMS_COLUMNS, titles)]
    rows = customs_rows(customs)
    for i, row in enumerate(rows[:CUSTOMS_ROWS]):
        items += [Text(x, top + 58 + 26 * i, cell, 20) for x, cell in zip(CUSTOMS_COLUMNS, row)]
    if len(rows) > CUSTOMS_ROWS:
        more = f"+ {len(rows) - CUSTOMS_ROWS} MORE ITEMS ON THE COMMERCIAL INVOICE"
        items.append(Text(MARGIN, top + 58 + 26 * CUSTOMS_ROWS, more, 20, bold=True))
    items.append(Text(MARGIN, HEIGHT - 44, f"TOTAL VALUE: {customs_total(customs)}", 22, bold=True))
    return items


def _barcode(data: str, *, top: int, height: int) -> Barcode:
    modules = int(Code128(data, barWidth=1, quiet=0).width)
    module = max(2, min(4, (WIDTH - 2 * MARGIN) // (modules + 2 * QUIET_MODULES)))
    return Barcode((WIDTH - modules * module) // 2, top, data, module, height)


def _fit(text: Text, width: int) -> Text:
    """Shrink the type until the line fits the width (long service names, long street names)."""
    font = "Helvetica-Bold" if text.bold else "Helvetica"
    size = text.size
    while size > 14 and stringWidth(text.value, font, size) > width:
        size -= 2
    return Text(text.x, text.y, text.value, size, text.bold, text.reverse)


def address_lines(address: Address) -> list[str]:
    locality = f"{address.city}{', ' + address.region if address.region else ''} {address.postal_code}"
    lines = [address.name, address.company, address.line1, address.line2, locality, address.country]
    return [line.strip()[:MAX_LINE] for line in lines if line and line.strip()]


def weight_text(weight_g: int) -> str:
    return f"{weight_g / 1000:.2f} KG / {Decimal(weight_g) / GRAMS_PER_POUND:.2f} LB"


def customs_rows(items: Sequence[CustomsItem]) -> list[tuple[str, str, str, str, str]]:
    return [(item.description[:22], str(item.quantity), item.hs_code, item.origin_country,
             f"{item.value:.2f} {item.currency}") for item in items]


def customs_total(items: Sequence[CustomsItem]) -> str:
    currencies = sorted({item.currency for item in items})
    return "; ".join(f"{sum(i.value for i in items if i.currency == c):.2f} {c}" for c in currencies)


# --- PDF -----------------------------------------------------------------------------------------------

def _pt(dots: float) -> float:
    return dots * 72 / DPI


def _draw_pdf(canvas: Canvas, element: Element) -> None:
    match element:
        case Box(x, y, width, height):
            canvas.rect(_pt(x), _pt(HEIGHT - y - height), _pt(width), _pt(height), stroke=0, fill=1)
        case Text(x, y, value, size, bold, reverse):
            canvas.setFont("Helvetica-Bold" if bold else "Helvetica", _pt(size))
            canvas.setFillGray(1 if reverse else 0)
            canvas.drawString(_pt(x), _pt(HEIGHT - y - 0.8 * size), value)
            canvas.setFillGray(0)
        case Barcode(x, y, data, module, height):
            symbol = Code128(data, barWidth=_pt(module), barHeight=_pt(height), quiet=0)
            symbol.drawOn(canvas, _pt(x), _pt(HEIGHT - y - height))


# --- ZPL -----------------------------------------------------------------------------------------------

def _field(value: str) -> str:
    """Field data with ZPL's control characters (and ^FH's escape character) written as _hex."""
    return "^FH_^FD" + "".join(f"_{ord(ch):02X}" if ch in "^~_" else ch for ch in value) + "^FS"


def _zpl(element: Element) -> str:
    match element:
        case Box(x, y, width, height):
            return f"^FO{x},{y}^GB{width},{height},{min(width, height)}^FS\n"
        case Text(x, y, value, size, _, reverse):
            return f"^FO{x},{y}{'^FR' if reverse else ''}^A0N,{size},{size}{_field(value)}\n"
        case Barcode(x, y, data, module, height):
            # Mode A: the printer picks the Code 128 subsets (C for digit runs), as reportlab does.
            return f"^FO{x},{y}^BY{module}^BCN,{height},N,N,N,A^FD{data}^FS\n"
    raise TypeError(f"not a label element: {element!r}")


# --- other 4x6 documents (return slips) on the same grid -----------------------------------------------

def barcode_element(data: str, *, top: int, height: int) -> Barcode:
    """A centred Code 128 with its quiet zones, as on the shipping label."""
    return _barcode(data, top=top, height=height)


def render_elements_pdf(pages: Sequence[Sequence[Element]], *, title: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(4 * inch, 6 * inch), pageCompression=1)
    canvas.setTitle(title)
    for elements in pages:
        for element in elements:
            _draw_pdf(canvas, element)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_elements_zpl(pages: Sequence[Sequence[Element]]) -> str:
    out = []
    for elements in pages:
        out.append(f"^XA\n^CI28\n^PW{WIDTH}\n^LL{HEIGHT}\n^LH0,0\n")
        out += [_zpl(element) for element in elements]
        out.append("^XZ\n")
    return "".join(out)
