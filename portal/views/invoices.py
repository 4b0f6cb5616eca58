"""The merchant's own issued invoices: lines, each line's billable events, PDF and CSV."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from billing.documents import invoice_csv_response, invoice_pdf
from billing.selectors import invoice_lines, invoices_visible_to, line_events, lines_visible_to
from portal.access import merchant_user_required

PER_PAGE = 25


@merchant_user_required
def invoice_list(request):
    return render(request, "portal/invoice_list.html", {
        "page": Paginator(invoices_visible_to(request.user), PER_PAGE).get_page(request.GET.get("page")),
    })


@merchant_user_required
def invoice_detail(request, pk):
    invoice = get_object_or_404(invoices_visible_to(request.user), pk=pk)
    return render(request, "portal/invoice_detail.html", {"invoice": invoice, "lines": invoice_lines(invoice)})


@merchant_user_required
def invoice_pdf_view(request, pk):
    invoice = get_object_or_404(invoices_visible_to(request.user), pk=pk)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response


@merchant_user_required
def invoice_csv(request, pk):
    return invoice_csv_response(get_object_or_404(invoices_visible_to(request.user), pk=pk))


@merchant_user_required
def invoice_line(request, pk):
    line = get_object_or_404(lines_visible_to(request.user), pk=pk)
    return render(request, "portal/invoice_line.html", {
        "line": line, "invoice": line.invoice,
        "page": Paginator(line_events(line), PER_PAGE).get_page(request.GET.get("page")),
    })
