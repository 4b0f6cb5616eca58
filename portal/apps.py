from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The merchant portal: a merchant's own users see and act on their own orders, stock, inbound and returns."""

    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"
