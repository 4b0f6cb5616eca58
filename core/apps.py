from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(**kwargs) -> None:
    from core.roles import ensure_roles

    ensure_roles()


class CoreConfig(AppConfig):
    name = "core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Groups reference permissions, which exist only after every app migrated.
        post_migrate.connect(_ensure_roles, dispatch_uid="core.ensure_roles")
        # Role and permission changes made through Django itself are audited (core.audit_signals).
        from core.audit_signals import connect

        connect()
