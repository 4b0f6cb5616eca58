from django.urls import path

from billing import api

urlpatterns = [
    path("billing/invoices/", api.InvoiceList.as_view(), name="api-invoice-list"),
    path("billing/invoices/<int:pk>/", api.InvoiceDetail.as_view(), name="api-invoice-detail"),
]
