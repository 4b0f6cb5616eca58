from django.urls import path

from warehouse.views import inbound, layout, putaway, receiving

app_name = "warehouse"
urlpatterns = [
    path("", layout.warehouse_list, name="warehouse_list"),
    path("inbound/", inbound.po_list, name="po_list"),
    path("inbound/new/", inbound.po_create, name="po_create"),
    path("inbound/upload/", inbound.po_upload, name="po_upload"),
    path("inbound/exceptions/", inbound.exception_queue, name="exception_queue"),
    path("inbound/exceptions/<int:pk>/", inbound.exception_action, name="exception_action"),
    path("inbound/putaway-tasks/<int:pk>/release/", inbound.putaway_task_release, name="putaway_task_release"),
    path("inbound/<int:pk>/", inbound.po_detail, name="po_detail"),
    path("inbound/<int:pk>/cancel/", inbound.po_cancel, name="po_cancel"),
    path("receiving/", receiving.receiving_station, name="receiving_station"),
    path("receiving/scan/", receiving.receiving_station_submit, name="receiving_submit"),
    path("putaway/", putaway.putaway_index, name="putaway_index"),
    path("putaway/<slug:code>/", putaway.putaway_station, name="putaway_station"),
    path("putaway/<slug:code>/scan/", putaway.putaway_station_submit, name="putaway_submit"),
    path("<slug:code>/", layout.warehouse_detail, name="warehouse_detail"),
]
