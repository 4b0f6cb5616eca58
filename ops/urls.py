from django.urls import path

from ops.views import audit, dashboards, lists, notifications

app_name = "ops"
urlpatterns = [
    path("sla/", dashboards.sla, name="sla"),
    path("capacity/", dashboards.capacity, name="capacity"),
    path("accuracy/", dashboards.accuracy, name="accuracy"),
    path("fulfillments/", lists.fulfillment_list, name="fulfillments"),
    path("export/<slug:table>.csv", lists.export, name="export"),
    path("audit/", audit.audit_list, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/badge/", notifications.notification_badge, name="notification_badge"),
    path("notifications/read-all/", notifications.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
]
