from django.apps import AppConfig


class LayoutConfig(AppConfig):
    name = "layout"
    verbose_name = "Warehouse layout"
