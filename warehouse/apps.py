from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    name = "warehouse"

    def ready(self):
        # Cancelling an order after picking started stops its pick work (orders never imports warehouse).
        from orders.services.cancellation import register_pick_stopper
        from warehouse.outbound.services.picking import pick_work_stop

        register_pick_stopper(pick_work_stop)
