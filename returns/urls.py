from django.urls import path

from returns.views import flush, insight, rmas, serials, station

app_name = "returns"
urlpatterns = [
    path("", rmas.rma_list, name="rma_list"),
    path("rmas/<int:pk>/", rmas.rma_detail, name="rma_detail"),
    path("rmas/<int:pk>/<slug:action>/", rmas.rma_action, name="rma_action"),
    path("rmas/<int:pk>/document/<slug:document>/", rmas.rma_document, name="rma_document"),
    path("orders/<int:order_pk>/new/", rmas.rma_new, name="rma_new"),
    path("serials/", serials.serial_trace, name="serial_trace"),
    path("orders/<int:pk>/serials/", serials.order_serials, name="order_serials"),
    path("parcels/", rmas.parcel_queue, name="parcel_queue"),
    path("parcels/<int:pk>/match/", rmas.parcel_match_view, name="parcel_match"),
    path("station/", station.station_index, name="station_index"),
    path("station/<slug:code>/", station.station, name="station"),
    path("station/<slug:code>/scan/", station.station_submit, name="station_submit"),
    path("flush/", flush.flush_list, name="flush_list"),
    path("flush/build/", flush.flush_build, name="flush_build"),
    path("flush/<int:pk>/", flush.flush_detail, name="flush_detail"),
    path("flush/<int:pk>/csv/", flush.flush_csv, name="flush_csv"),
    path("flush/<int:pk>/<slug:action>/", flush.flush_action, name="flush_action"),
    path("insight/", insight.insight, name="insight"),
]
