from django.contrib import admin

from core.models import AuditEntry


class ReadOnlyHistoryAdmin(admin.ModelAdmin):
    """History shown for support and never edited here: no add, change or delete, and so no delete action."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyHistoryAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_label", "merchant", "warehouse"]
    list_filter = ["action", "object_type", "merchant", "warehouse"]
    list_select_related = ["merchant", "warehouse"]
    search_fields = ["actor_label", "object_label", "object_id"]
    date_hierarchy = "at"
