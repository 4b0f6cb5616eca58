"""Role and permission changes made through Django itself (the admin's user and group pages, `groups.set()` in
a command, createsuperuser) are recorded here: they have no service of ours to call `audit_record`. The entry
is written in the transaction of the change, attributed to `core.audit.current_actor()`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models.signals import m2m_changed, post_save, pre_save

from core.audit import audit_record, current_actor
from core.models import AuditAction

FLAGS = ("is_staff", "is_superuser")


@dataclass(frozen=True)
class Membership:
    """A many-to-many whose changes are audited: `owner.<attr>` holds `member`s (a user's groups)."""

    action: str
    owner: type[models.Model]
    attr: str
    member: type[models.Model]

    def owners_of(self, member_pk: int) -> list[int]:
        return list(self.owner._default_manager.filter(**{self.attr: member_pk}).values_list("pk", flat=True))

    def members_of(self, owner: models.Model) -> list[int]:
        return list(getattr(owner, self.attr).values_list("pk", flat=True))


def _names(model, pks) -> list[str]:
    if model is Permission:
        rows = Permission.objects.filter(pk__in=pks).values_list("content_type__app_label", "codename")
        return sorted(f"{app}.{code}" for app, code in rows)
    return sorted(str(name) for name in model._default_manager.filter(pk__in=pks).values_list("name", flat=True))


def _label(owner: models.Model) -> str:
    return owner.get_username() if hasattr(owner, "get_username") else str(owner)


def _changed(membership: Membership, *, instance, action, reverse, pk_set, **kwargs) -> None:
    """One entry per owner (user or group) whose members changed, naming the members added or removed."""
    if action == "pre_clear":
        # What is about to go, read before it goes, per owner.
        instance._audit_cleared = (
            {owner: [instance.pk] for owner in membership.owners_of(instance.pk)} if reverse
            else {instance.pk: membership.members_of(instance)}
        )
        return
    if action == "post_clear":
        changes: dict[int, list[int]] = getattr(instance, "_audit_cleared", {})
        key = "removed"
    elif action in ("post_add", "post_remove") and pk_set:
        key = "added" if action == "post_add" else "removed"
        changes = {pk: [instance.pk] for pk in pk_set} if reverse else {instance.pk: sorted(pk_set)}
    else:
        return
    owners = membership.owner._default_manager.in_bulk(list(changes)) if reverse else {instance.pk: instance}
    actor = current_actor()
    for owner_pk, member_pks in sorted(changes.items()):
        owner = owners.get(owner_pk)
        if owner is not None and member_pks:
            audit_record(action=membership.action, actor=actor, obj=owner, object_label=_label(owner),
                         details={key: _names(membership.member, member_pks)})


def _flags_before(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or instance.pk is None or (update_fields is not None and not set(update_fields) & set(FLAGS)):
        instance._audit_flags = None
        return
    instance._audit_flags = sender._default_manager.filter(pk=instance.pk).values(*FLAGS).first()


def _flags_after(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    before = dict.fromkeys(FLAGS, False) if created else getattr(instance, "_audit_flags", None)
    instance._audit_flags = None
    if before is None:
        return
    changed = {flag: [before[flag], getattr(instance, flag)] for flag in FLAGS if before[flag] != getattr(instance, flag)}
    if changed:
        audit_record(action=AuditAction.ROLE_CHANGED, actor=current_actor(), obj=instance,
                     object_label=_label(instance), details=changed)


def connect() -> None:
    user = get_user_model()
    memberships = [
        Membership(AuditAction.ROLE_CHANGED, user, "groups", Group),
        Membership(AuditAction.PERMISSIONS_CHANGED, user, "user_permissions", Permission),
        Membership(AuditAction.PERMISSIONS_CHANGED, Group, "permissions", Permission),
    ]
    for membership in memberships:
        through = getattr(membership.owner, membership.attr).through

        def receiver(sender, membership=membership, **kwargs):
            _changed(membership, **kwargs)

        m2m_changed.connect(receiver, sender=through, weak=False,
                            dispatch_uid=f"core.audit.{membership.owner._meta.label_lower}.{membership.attr}")
    pre_save.connect(_flags_before, sender=user, dispatch_uid="core.audit.user_flags_before")
    post_save.connect(_flags_after, sender=user, dispatch_uid="core.audit.user_flags_after")
