from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/generate/", views.invoice_generate_view, name="invoice_generate"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/issue/", views.invoice_issue_view, name="invoice_issue"),
    path("invoices/<int:pk>/invoice.pdf", views.invoice_pdf_view, name="invoice_pdf"),
    path("invoices/<int:pk>/invoice.csv", views.invoice_csv, name="invoice_csv"),
    path("lines/<int:pk>/", views.line_detail, name="line_detail"),
    path("rate-cards/", views.rate_card_list, name="rate_card_list"),
    path("rate-cards/new/", views.rate_card_create_view, name="rate_card_create"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
]
