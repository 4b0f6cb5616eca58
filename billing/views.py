"""Billing pages for operations and finance: rate cards, special projects, invoices generated for a month,
issued, and shown with every line's events, as PDF and CSV. Thin: parse, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from billing.documents import invoice_csv_response, invoice_pdf
from billing.forms import GenerateForm, ProjectForm, RateCardForm
from billing.models import InvoiceStatus
from billing.selectors import (
    invoice_lines,
    invoices_visible_to,
    line_events,
    lines_visible_to,
    projects_visible_to,
    rate_cards_visible_to,
)
from billing.services.invoicing import invoice_generate, invoice_issue
from billing.services.rate_cards import rate_card_create
from billing.services.recording import ProjectInput, special_project_add
from core.access import area_required
from core.errors import DomainError

AREA = "billing"
PER_PAGE = 50


def _errors(form) -> str:
    return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())


@area_required(AREA)
def invoice_list(request):
    rows = invoices_visible_to(request.user)
    status = request.GET.get("status", "")
    if status:
        if status not in InvoiceStatus.values:
            return HttpResponseBadRequest("Bad filter: status", content_type="text/plain; charset=utf-8")
        rows = rows.filter(status=status)
    return render(request, "billing/invoice_list.html", {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")), "status": status,
        "statuses": InvoiceStatus.choices, "form": GenerateForm(user=request.user),
    })


@require_POST
@area_required(AREA)
def invoice_generate_view(request):
    form = GenerateForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("billing:invoice_list")
    try:
        invoice = invoice_generate(merchant=form.cleaned_data["merchant"], month=form.cleaned_data["month"],
                                   actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("billing:invoice_list")
    messages.success(request, f"Invoice {invoice.number} computed from the month's events")
    return redirect("billing:invoice_detail", pk=invoice.pk)


@area_required(AREA)
def invoice_detail(request, pk):
    invoice = get_object_or_404(invoices_visible_to(request.user), pk=pk)
    return render(request, "billing/invoice_detail.html", {"invoice": invoice, "lines": invoice_lines(invoice)})


@require_POST
@area_required(AREA)
def invoice_issue_view(request, pk):
    invoice = get_object_or_404(invoices_visible_to(request.user), pk=pk)
    try:
        invoice = invoice_issue(invoice=invoice, actor=request.user)
        messages.success(request, f"Invoice {invoice.number} issued: the merchant sees it now")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:invoice_detail", pk=pk)


@area_required(AREA)
def invoice_pdf_view(request, pk):
    invoice = get_object_or_404(invoices_visible_to(request.user), pk=pk)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response


@area_required(AREA)
def invoice_csv(request, pk):
    return invoice_csv_response(get_object_or_404(invoices_visible_to(request.user), pk=pk))


@area_required(AREA)
def line_detail(request, pk):
    line = get_object_or_404(lines_visible_to(request.user), pk=pk)
    return render(request, "billing/line_detail.html", {
        "line": line, "invoice": line.invoice,
        "page": Paginator(line_events(line), PER_PAGE).get_page(request.GET.get("page")),
    })


@area_required(AREA)
def rate_card_list(request):
    return render(request, "billing/rate_card_list.html", {
        "cards": rate_cards_visible_to(request.user)[:200], "form": RateCardForm(user=request.user),
    })


@require_POST
@area_required(AREA)
def rate_card_create_view(request):
    form = RateCardForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("billing:rate_card_list")
    data = form.cleaned_data
    try:
        card = rate_card_create(merchant=data["merchant"], effective_from=data["effective_from"],
                                effective_to=data.get("effective_to"), currency=data["currency"],
                                minimum_monthly=data["minimum_monthly"], rates=form.rates(), actor=request.user)
        messages.success(request, f"Rate card for {card.merchant.name} from {card.effective_from:%Y-%m} saved")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:rate_card_list")


@area_required(AREA)
def project_list(request):
    return render(request, "billing/project_list.html", {
        "page": Paginator(projects_visible_to(request.user), PER_PAGE).get_page(request.GET.get("page")),
        "form": ProjectForm(user=request.user),
    })


@require_POST
@area_required(AREA)
def project_create(request):
    form = ProjectForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("billing:project_list")
    data = form.cleaned_data
    try:
        special_project_add(merchant=data["merchant"], warehouse=data.get("warehouse"), actor=request.user,
                            project=ProjectInput(day=data["day"], description=data["description"],
                                                 quantity=data["quantity"], unit_price=data["unit_price"]))
        messages.success(request, "Special project recorded: it is billed with its month")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:project_list")
