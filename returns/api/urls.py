from django.urls import path

from returns.api import serials, views

urlpatterns = [
    path("serials/", serials.SerialTrace.as_view(), name="api-serial-trace"),
    path("orders/<int:pk>/serials/", serials.OrderSerials.as_view(), name="api-order-serials"),
    path("returns/rmas/", views.RmaList.as_view(), name="api-rma-list"),
    path("returns/rmas/<int:pk>/", views.RmaDetail.as_view(), name="api-rma-detail"),
    path("returns/rmas/<int:pk>/authorize/", views.RmaAuthorize.as_view(), name="api-rma-authorize"),
    path("returns/rmas/<int:pk>/cancel/", views.RmaCancel.as_view(), name="api-rma-cancel"),
    path("returns/rmas/<int:pk>/label/", views.RmaLabelBuy.as_view(), name="api-rma-label-buy"),
    path("returns/rmas/<int:pk>/label/document/", views.RmaLabel.as_view(), name="api-rma-label"),
    path("returns/rmas/<int:pk>/slip/", views.RmaSlip.as_view(), name="api-rma-slip"),
    path("returns/rmas/<int:pk>/resolve/", views.RmaResolve.as_view(), name="api-rma-resolve"),
    path("returns/rmas/<int:pk>/close/", views.RmaClose.as_view(), name="api-rma-close"),
    path("returns/parcels/", views.ParcelList.as_view(), name="api-return-parcels"),
    path("returns/parcels/<int:pk>/match/", views.ParcelMatch.as_view(), name="api-return-parcel-match"),
    path("returns/parcels/<int:pk>/units/", views.ParcelUnits.as_view(), name="api-return-parcel-units"),
    path("returns/parcels/<int:pk>/finish/", views.ParcelFinish.as_view(), name="api-return-parcel-finish"),
    path("returns/units/<int:pk>/grade/", views.UnitGrade.as_view(), name="api-return-unit-grade"),
    path("returns/reasons/", views.ReasonList.as_view(), name="api-return-reasons"),
    path("returns/grades/", views.GradeList.as_view(), name="api-return-grades"),
    path("returns/flush-batches/", views.FlushBatchList.as_view(), name="api-flush-batches"),
    path("returns/flush-batches/<int:pk>/", views.FlushBatchDetail.as_view(), name="api-flush-batch-detail"),
    path("returns/flush-batches/<int:pk>/approve/", views.FlushBatchApprove.as_view(), name="api-flush-batch-approve"),
    path("returns/flush-batches/<int:pk>/execute/", views.FlushBatchExecute.as_view(), name="api-flush-batch-execute"),
    path("returns/flush-batches/<int:pk>/cancel/", views.FlushBatchCancel.as_view(), name="api-flush-batch-cancel"),
    path("returns/flush-batches/<int:pk>/csv/", views.FlushBatchCsv.as_view(), name="api-flush-batch-csv"),
    path("returns/insight/", views.Insight.as_view(), name="api-returns-insight"),
]
