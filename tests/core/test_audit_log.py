"""The audit log: append-only in the database, one entry per audited action with its actor, object and
details, written in the action's transaction (a refused action leaves none), and read-only in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from core import roles
from core.audit import audit_actor, audit_record
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction, AuditEntry
from inventory.exceptions import InsufficientStock, InvalidQuantity
from inventory.models import Movement
from inventory.services.stock import stock_adjust, stock_count_set, stock_receive
from orders.exceptions import HoldError, IllegalTransition
from orders.models import Order, OrderEvent
from orders.services.cancellation import order_cancel
from orders.services.channels import channel_secret_rotate
from orders.services.holds import order_hold_place, order_hold_release
from orders.services.timeline import order_event
from returns.exceptions import SecondPersonRequired
from returns.services.flush import FlushItem, flush_batch_approve, flush_batch_cancel, flush_batch_create
from tests.factories import BinFactory, ProductFactory, UserFactory
from tests.orders.factories import ChannelFactory, OrderFactory

pytestmark = pytest.mark.django_db


def entries(action=None):
    rows = AuditEntry.objects.order_by("id")
    return list(rows.filter(action=action) if action else rows)


@pytest.fixture
def entry():
    return audit_record(action=AuditAction.STOCK_ADJUSTED, actor="beat", object_type="inventory.product",
                        object_id=1, object_label="SKU-1", details={"delta": 1})


# --- append-only in the database ----------------------------------------------------------------------------


def test_an_entry_cannot_be_updated_or_deleted_through_sql(entry):
    for sql in ("UPDATE core_auditentry SET actor_label = 'someone else' WHERE id = %s",
                "DELETE FROM core_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.actor_label == "beat"


def test_an_entry_cannot_be_updated_or_deleted_through_the_orm(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label="someone else")
    entry.actor_label = "someone else"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).actor_label == "beat"


@pytest.mark.django_db(transaction=True)
def test_the_table_cannot_be_truncated():
    entry = audit_record(action=AuditAction.SECRET_ROTATED, actor="beat", object_type="orders.channel", object_id=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL wms.audit_truncate = 'no'")  # what every session but the test suite's has
        cursor.execute("TRUNCATE core_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_unknown_action_is_refused_by_the_service_and_the_database():
    with pytest.raises(ValueError):
        audit_record(action="stock_stolen", actor=None, object_type="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.create(action="stock_stolen", actor_label="x", object_type="x")


# --- stock ----------------------------------------------------------------------------------------------------


@pytest.fixture
def shelf():
    bin_ = BinFactory()
    product = ProductFactory()
    stock_receive(product=product, bin=bin_, qty=5, actor="receiving")
    return product, bin_


def test_a_stock_adjustment_writes_one_entry_with_its_actor_object_and_details(shelf):
    product, bin_ = shelf
    user = UserFactory()
    result = stock_adjust(product=product, bin=bin_, delta=-2, reason_code="damaged_write_off", actor=user,
                          reason="forklift", reference="inc-7")
    [entry] = entries(AuditAction.STOCK_ADJUSTED)
    assert (entry.actor, entry.actor_label) == (user, user.username)
    assert (entry.object_type, entry.object_id, entry.object_label) == (
        "inventory.product", str(product.pk), f"{product.sku} in {bin_.code}")
    assert (entry.merchant_id, entry.warehouse_id) == (product.merchant_id, bin_.warehouse_id)
    assert entry.details["delta"] == -2 and entry.details["reason_code"] == "damaged_write_off"
    assert entry.details["bin"] == bin_.code and entry.details["reference"] == "inc-7"
    assert entry.details["movements"] == [m.pk for m in result.movements]


def test_a_refused_adjustment_writes_no_entry(shelf):
    product, bin_ = shelf
    with pytest.raises(InsufficientStock):
        stock_adjust(product=product, bin=bin_, delta=-6, reason_code="lost", actor="beat")
    with pytest.raises(InvalidQuantity):
        stock_adjust(product=product, bin=bin_, delta=1, reason_code="whim", actor="beat")
    assert entries(AuditAction.STOCK_ADJUSTED) == []


def test_a_count_with_a_variance_writes_one_entry_and_a_matching_count_none(shelf):
    product, bin_ = shelf
    stock_count_set(product=product, bin=bin_, counted_qty=5, actor="counter")
    assert entries(AuditAction.STOCK_ADJUSTED) == []
    stock_count_set(product=product, bin=bin_, counted_qty=3, actor="counter", reference="count:9")
    [entry] = entries(AuditAction.STOCK_ADJUSTED)
    assert entry.actor_label == "counter" and entry.actor is None
    assert (entry.details["delta"], entry.details["counted_qty"], entry.details["system_qty"]) == (-2, 3, 5)


# --- orders ---------------------------------------------------------------------------------------------------


def test_placing_and_releasing_a_hold_each_write_one_entry(roles_ready):
    order = OrderFactory()
    support = UserFactory(role=roles.CUSTOMER_SERVICE)
    order_hold_place(order=order, kind="fraud_review", reason="far apart", actor=support)
    order_hold_place(order=order, kind="fraud_review", reason="again", actor=support)  # already held: no change
    order_hold_release(order=order, kind="fraud_review", reason="verified", actor=support)
    placed, released = entries(AuditAction.HOLD_PLACED), entries(AuditAction.HOLD_RELEASED)
    assert len(placed) == 1 and len(released) == 1
    assert (placed[0].actor, placed[0].object_type, placed[0].object_id) == (support, "orders.order", str(order.pk))
    assert placed[0].details["kind"] == "fraud_review" and placed[0].details["reason"] == "far apart"
    assert placed[0].merchant_id == order.merchant_id and released[0].details["reason"] == "verified"


def test_refused_holds_write_no_entry(roles_ready):
    order = OrderFactory()
    with pytest.raises(PermissionDenied):
        order_hold_place(order=order, kind="fraud_review", reason="odd", actor=UserFactory(role=roles.PICKER))
    with pytest.raises(HoldError):
        order_hold_release(order=order, kind="fraud_review", reason="nothing held", actor=UserFactory(role=roles.ADMIN))
    assert entries(AuditAction.HOLD_PLACED) == entries(AuditAction.HOLD_RELEASED) == []


def test_cancelling_an_order_writes_one_entry_and_a_refused_cancel_none(roles_ready):
    order = OrderFactory()
    user = UserFactory(role=roles.CUSTOMER_SERVICE)
    order_cancel(order=order, actor=user, reason="customer asked")
    [entry] = entries(AuditAction.ORDER_CANCELLED)
    assert (entry.actor, entry.object_id, entry.object_label) == (user, str(order.pk), order.order_number)
    assert entry.details == {"reason": "customer asked", "outcome": "cancelled"}
    shipped = OrderFactory()
    Order.objects.filter(pk=shipped.pk).update(status=Order.Status.SHIPPED)
    with pytest.raises(IllegalTransition):
        order_cancel(order=shipped, actor=user, reason="too late")
    assert len(entries(AuditAction.ORDER_CANCELLED)) == 1


def test_a_secret_rotation_writes_one_entry_without_the_secret_and_a_refused_one_none(roles_ready):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-old-0123456789")
    with pytest.raises(PermissionDenied):
        channel_secret_rotate(channel=channel, new_secret="whsec-new-0123456789", actor=UserFactory(role=roles.OPS_MANAGER))
    with pytest.raises(DomainError):
        channel_secret_rotate(channel=channel, new_secret="short", actor=UserFactory(role=roles.ADMIN))
    assert entries(AuditAction.SECRET_ROTATED) == []
    admin = UserFactory(role=roles.ADMIN)
    channel_secret_rotate(channel=channel, new_secret="whsec-new-0123456789", grace_hours=2, actor=admin)
    [entry] = entries(AuditAction.SECRET_ROTATED)
    assert (entry.actor, entry.object_type, entry.object_id) == (admin, "orders.channel", str(channel.pk))
    assert entry.merchant_id == channel.merchant_id and entry.details["grace_hours"] == 2
    stored = AuditEntry.objects.filter(pk=entry.pk).values_list("details", "object_label").get()
    assert "0123456789" not in str(stored)


# --- flush ----------------------------------------------------------------------------------------------------


def test_flush_approval_and_cancel_write_one_entry_each_and_a_refused_approval_none(shelf, roles_ready):
    product, bin_ = shelf
    builder = UserFactory(role=roles.WAREHOUSE_MANAGER)
    batch = flush_batch_create(warehouse=bin_.warehouse, actor=builder, reason="dead stock", items=[
        FlushItem(product=product, bin=bin_, qty=2, disposition="liquidate", condition="sellable")])
    with pytest.raises(SecondPersonRequired):
        flush_batch_approve(batch=batch, actor=builder)
    assert entries(AuditAction.FLUSH_APPROVED) == []
    approver = UserFactory(role=roles.INVENTORY_CONTROLLER)
    flush_batch_approve(batch=batch, actor=approver)
    [entry] = entries(AuditAction.FLUSH_APPROVED)
    assert (entry.actor, entry.object_type, entry.object_id) == (approver, "returns.flushbatch", str(batch.pk))
    assert entry.warehouse_id == bin_.warehouse_id and entry.details["built_by"] == builder.username
    flush_batch_cancel(batch=batch, actor=approver)
    assert len(entries(AuditAction.FLUSH_CANCELLED)) == 1


def test_running_a_flush_writes_one_entry_with_its_lines_and_value(shelf, roles_ready):
    from returns.services.flush import flush_batch_execute

    product, bin_ = shelf
    batch = flush_batch_create(warehouse=bin_.warehouse, actor=UserFactory(role=roles.WAREHOUSE_MANAGER),
                               reason="dead stock", items=[
                                   FlushItem(product=product, bin=bin_, qty=2, disposition="donate", condition="sellable")])
    approver = UserFactory(role=roles.INVENTORY_CONTROLLER)
    flush_batch_approve(batch=batch, actor=approver)
    flush_batch_execute(batch=batch, actor=approver)
    [entry] = entries(AuditAction.FLUSHED)
    assert entry.actor == approver and entry.details["value_written_off"] == "9.00"
    assert entry.details["lines"] == [{"product": product.sku, "bin": bin_.code, "qty": 2, "disposition": "donate"}]


# --- roles and permissions ------------------------------------------------------------------------------------


def test_role_changes_are_recorded_with_who_made_them(roles_ready):
    admin = UserFactory(role=roles.ADMIN)
    user = UserFactory()
    before = AuditEntry.objects.count()
    picker, packer = Group.objects.get(name=roles.PICKER), Group.objects.get(name=roles.PACKER)
    with audit_actor(admin):
        user.groups.add(picker, packer)
        user.groups.remove(packer)
        user.groups.clear()
        packer.user_set.add(user)  # from the group's side
    added, removed, cleared, reverse = AuditEntry.objects.order_by("id")[before:]
    assert all((e.action, e.actor, e.object_type, e.object_id, e.object_label) ==
               (AuditAction.ROLE_CHANGED, admin, "auth.user", str(user.pk), user.username)
               for e in (added, removed, cleared, reverse))
    assert added.details == {"added": [roles.PACKER, roles.PICKER]}
    assert removed.details == {"removed": [roles.PACKER]}
    assert cleared.details == {"removed": [roles.PICKER]}
    assert reverse.details == {"added": [roles.PACKER]}


def test_permission_and_superuser_changes_are_recorded(roles_ready):
    user = UserFactory()
    before = AuditEntry.objects.count()
    permission = Permission.objects.get(content_type__app_label="inventory", codename="view_product")
    with audit_actor("ops-script"):
        user.user_permissions.add(permission)
        user.is_superuser = True
        user.save()
        user.save(update_fields=["last_login"])  # no flag in the save: nothing to record
    perms, flags = AuditEntry.objects.order_by("id")[before:]
    assert (perms.action, perms.actor_label, perms.details) == (
        AuditAction.PERMISSIONS_CHANGED, "ops-script", {"added": ["inventory.view_product"]})
    assert (flags.action, flags.object_id, flags.details) == (AuditAction.ROLE_CHANGED, str(user.pk),
                                                              {"is_superuser": [False, True]})


def test_a_role_change_in_the_admin_is_the_signed_in_users(client, roles_ready):
    admin = UserFactory(role=roles.ADMIN, is_staff=True, is_superuser=True)
    user = UserFactory()
    client.force_login(admin)
    before = AuditEntry.objects.count()
    picker = Group.objects.get(name=roles.PICKER)
    response = client.post(reverse("admin:auth_user_change", args=[user.pk]), {
        "username": user.username, "groups": [picker.pk], "is_active": "on", "is_staff": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    new = list(AuditEntry.objects.order_by("id")[before:])
    assert {(e.action, e.actor_label, str(e.details)) for e in new} == {
        (AuditAction.ROLE_CHANGED, admin.username, str({"is_staff": [False, True]})),
        (AuditAction.ROLE_CHANGED, admin.username, str({"added": [roles.PICKER]})),
    }
    assert all(e.actor == admin for e in new)


# --- the admin shows history read-only ------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, roles_ready):
    client.force_login(UserFactory(role=roles.ADMIN, is_staff=True, is_superuser=True))
    return client


def test_the_admin_shows_audit_entries_timeline_and_ledger_but_refuses_changes(admin_client, entry, shelf):
    order = OrderFactory()
    event = order_event(order=order, kind="note", actor="beat", message="hello")
    movement = Movement.objects.first()
    for model, obj in ((AuditEntry, entry), (OrderEvent, event), (Movement, movement)):
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        listing = admin_client.get(reverse(f"{name}_changelist"))
        assert listing.status_code == 200
        assert 'value="delete_selected"' not in listing.content.decode(), model
        assert admin_client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200  # viewable
        assert admin_client.post(reverse(f"{name}_change", args=[obj.pk]), {"actor_label": "x", "message": "x"}
                                 ).status_code == 403
        assert admin_client.post(reverse(f"{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
        assert admin_client.get(reverse(f"{name}_add")).status_code == 403
    entry.refresh_from_db()
    event.refresh_from_db()
    assert entry.actor_label == "beat" and event.message == "hello" and Movement.objects.filter(pk=movement.pk).exists()


def test_the_order_page_in_the_admin_neither_adds_nor_edits_its_timeline(admin_client):
    order = OrderFactory()
    order_event(order=order, kind="note", actor="beat", message="hello")
    html = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert 'name="events-MAX_NUM_FORMS" value="0"' in html and 'name="holds-MAX_NUM_FORMS" value="0"' in html
    assert "hello" in html and 'name="events-0-message"' not in html and 'name="events-0-DELETE"' not in html
