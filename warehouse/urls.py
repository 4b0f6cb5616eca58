from django.urls import path

from warehouse.control.views import counts, discrepancies
from warehouse.inbound.views import purchase_orders as inbound
from warehouse.inbound.views import putaway, receiving
from warehouse.outbound.views import manifests, packing, picking, recalls, replenishment, waves
from warehouse.views import layout

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
    path("picking/", picking.pick_index, name="pick_index"),
    path("picking/<slug:code>/", picking.pick_station, name="pick_station"),
    path("picking/<slug:code>/scan/", picking.pick_station_submit, name="pick_submit"),
    path("waves/", waves.wave_board, name="wave_board"),
    path("waves/<slug:code>/plan/", waves.wave_create, name="wave_create"),
    path("waves/<slug:code>/release/", waves.release_batch, name="release_batch"),
    path("pick-sessions/<int:pk>/", waves.session_action, name="pick_session_action"),
    path("replenishment/", replenishment.replenishment_index, name="replenishment_index"),
    path("replenishment/<slug:code>/", replenishment.replenishment_station, name="replenishment_station"),
    path("replenishment/<slug:code>/scan/", replenishment.replenishment_station_submit, name="replenishment_submit"),
    path("recalls/", recalls.recall_list, name="recall_list"),
    path("recalls/new/", recalls.recall_create, name="recall_create"),
    path("recalls/<int:pk>/", recalls.recall_detail, name="recall_detail"),
    path("recalls/<int:pk>/orders.csv", recalls.recall_orders_csv, name="recall_orders_csv"),
    path("discrepancies/", discrepancies.discrepancy_queue, name="discrepancy_queue"),
    path("discrepancies/<int:pk>/", discrepancies.discrepancy_action, name="discrepancy_action"),
    path("count-tasks/<int:pk>/", discrepancies.count_task_action, name="count_task_action"),
    path("counting/", counts.count_index, name="count_index"),
    path("counting/<slug:code>/", counts.count_station, name="count_station"),
    path("counting/<slug:code>/scan/", counts.count_station_submit, name="count_submit"),
    path("counts/", counts.count_board, name="count_board"),
    path("counts/request/", counts.count_request_view, name="count_request"),
    path("counts/review/", counts.count_review_list, name="count_review_list"),
    path("counts/<int:pk>/review/", counts.count_review, name="count_review"),
    path("packing/", packing.pack_index, name="pack_index"),
    path("packing/<slug:code>/<slug:station>/", packing.pack_station, name="pack_station"),
    path("packing/<slug:code>/<slug:station>/scan/", packing.pack_station_submit, name="pack_submit"),
    path("packing/slips/<int:pk>.pdf", packing.packing_slip, name="packing_slip"),
    path("shipments/<int:pk>/label.<str:fmt>", packing.shipment_label, name="shipment_label"),
    path("shipments/<int:pk>/void/", manifests.shipment_void_view, name="shipment_void"),
    path("manifests/", manifests.manifests, name="manifests"),
    path("manifests/<slug:code>/close/", manifests.manifest_close_view, name="manifest_close"),
    path("manifests/<int:pk>.pdf", manifests.manifest_pdf, name="manifest_pdf"),
    path("<slug:code>/", layout.warehouse_detail, name="warehouse_detail"),
]
