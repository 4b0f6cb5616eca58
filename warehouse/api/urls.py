from django.urls import path

from warehouse.api import inbound, views

urlpatterns = [
    path("warehouses/", views.WarehouseList.as_view(), name="api-warehouse-list"),
    path("warehouses/<slug:code>/", views.WarehouseDetail.as_view(), name="api-warehouse-detail"),
    path("warehouses/<slug:code>/bins/", views.BinList.as_view(), name="api-bin-list"),
    path("warehouses/<slug:code>/putaway/claim/", inbound.PutawayClaim.as_view(), name="api-putaway-claim"),
    path("purchase-orders/", inbound.PurchaseOrderList.as_view(), name="api-po-list"),
    path("purchase-orders/csv/", inbound.PurchaseOrderCsvUpload.as_view(), name="api-po-csv"),
    path("purchase-orders/<int:pk>/", inbound.PurchaseOrderDetail.as_view(), name="api-po-detail"),
    path("receipts/", inbound.ReceiptOpen.as_view(), name="api-receipt-open"),
    path("receipts/<int:pk>/", inbound.ReceiptDetail.as_view(), name="api-receipt-detail"),
    path("receipts/<int:pk>/scans/", inbound.ReceiptScan.as_view(), name="api-receipt-scan"),
    path("receipts/<int:pk>/close/", inbound.ReceiptClose.as_view(), name="api-receipt-close"),
    path("putaway-tasks/<int:pk>/scans/", inbound.PutawayTaskScan.as_view(), name="api-putaway-scan"),
    path("putaway-tasks/<int:pk>/confirm/", inbound.PutawayTaskConfirm.as_view(), name="api-putaway-confirm"),
    path("putaway-tasks/<int:pk>/release/", inbound.PutawayTaskRelease.as_view(), name="api-putaway-release"),
    path("receiving-exceptions/", inbound.ReceivingExceptionList.as_view(), name="api-receiving-exception-list"),
    path("receiving-exceptions/<int:pk>/resolve/", inbound.ReceivingExceptionResolve.as_view(), name="api-receiving-exception-resolve"),
]
