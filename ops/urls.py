from django.urls import path

from ops.views import audit, dashboards, day_close, lists, notifications

app_name = "ops"
urlpatterns = [
    path("sla/", dashboards.sla, name="sla"),
    path("capacity/", dashboards.capacity, name="capacity"),
    path("accuracy/", dashboards.accuracy, name="accuracy"),
    path("fulfillments/", lists.fulfillment_list, name="fulfillments"),
    path("export/<slug:table>.csv", lists.export, name="export"),
    path("audit/", audit.audit_list, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    path("day-close/", day_close.day_close_list, name="day_close_list"),
    path("day-close/<str:code>/", day_close.day_close_detail, name="day_close_detail"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/badge/", notifications.notification_badge, name="notification_badge"),
    path("notifications/read-all/", notifications.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
]
