from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"

    def ready(self) -> None:
        from core.access import NavItem, register_nav

        for item in (
            NavItem("Returns", "returns:rma_list", "rma"),
            NavItem("Returns station", "returns:station_index", "returns"),
            NavItem("Unexpected parcels", "returns:parcel_queue", "returns"),
            NavItem("Inventory flush", "returns:flush_list", "returns_flush"),
            NavItem("Returns insight", "returns:insight", "dashboards"),
        ):
            register_nav(item)
