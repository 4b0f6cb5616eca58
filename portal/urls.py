from django.urls import path

from portal.views import actions, invoices, pages, recalls, serials, webhooks

app_name = "portal"

urlpatterns = [
    path("", pages.home, name="home"),
    path("orders/", pages.order_list, name="order_list"),
    path("orders/<int:pk>/", pages.order_detail, name="order_detail"),
    path("orders/<int:order_pk>/return/", actions.return_new, name="return_new"),
    path("stock/", pages.stock, name="stock"),
    path("inbound/", pages.inbound_list, name="inbound_list"),
    path("inbound/new/", actions.inbound_new, name="inbound_new"),
    path("inbound/<int:pk>/", pages.inbound_detail, name="inbound_detail"),
    path("returns/", pages.return_list, name="return_list"),
    path("returns/<int:pk>/", pages.return_detail, name="return_detail"),
    path("recalls/", recalls.recall_list, name="recall_list"),
    path("recalls/new/", recalls.recall_create, name="recall_create"),
    path("recalls/<int:pk>/", recalls.recall_detail, name="recall_detail"),
    path("recalls/<int:pk>/orders.csv", recalls.recall_orders_csv, name="recall_orders_csv"),
    path("serials/", serials.serial_trace, name="serial_trace"),
    path("service-levels/", pages.service_levels, name="service_levels"),
    path("webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/<slug:action>/", webhooks.webhook_action, name="webhook_action"),
    path("webhooks/deliveries/<int:pk>/replay/", webhooks.webhook_delivery_replay, name="webhook_delivery_replay"),
    path("invoices/", invoices.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/invoice.pdf", invoices.invoice_pdf_view, name="invoice_pdf"),
    path("invoices/<int:pk>/invoice.csv", invoices.invoice_csv, name="invoice_csv"),
    path("invoice-lines/<int:pk>/", invoices.invoice_line, name="invoice_line"),
]
