from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from inventory.services.availability import register_availability_pusher
        from orders.stock_sync import fill_backorders, push_to_storefronts

        register_availability_pusher(fill_backorders)
        register_availability_pusher(push_to_storefronts)
