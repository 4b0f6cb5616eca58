"""The watch jobs: orders about to miss their ship-by are raised and announced, drift, parked messages, ageing
discrepancies and full facilities reach the right roles once; mail goes out when configured."""

import pytest
from django.core import mail
from django.urls import reverse

from core import roles
from ops.models import Notification
from ops.selectors.notifications import notifications_for, unread_count
from ops.services import alerts
from ops.services.notifications import Alert, notifications_email_pending, notifications_raise
from ops.tasks import raise_alerts
from orders.models import Order, OrderEvent
from orders.services.priority import URGENT_PRIORITY, order_priority_raise
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.ops.factories import NOW, build_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    return build_history()


def test_orders_about_to_miss_ship_by_are_raised_once_and_announced_once(history):
    at_risk = ["released_soon", "picking_overdue", "globex_picking", "other_facility"]
    result = alerts.sla_risks_escalate(now=NOW)
    assert result == {"at_risk": 4, "raised": 4, "notified": 4}
    orders = Order.objects.filter(pk__in=[history.fulfillments[n].order_id for n in at_risk])
    assert set(orders.values_list("priority", flat=True)) == {URGENT_PRIORITY}
    assert Order.objects.get(pk=history.fulfillments["packed_soon"].order_id).priority == 0
    assert OrderEvent.objects.filter(kind="priority_raised").count() == 4
    assert set(Notification.objects.values_list("key", flat=True)) == {
        f"sla_risk:fo:{history.fulfillments[n].pk}" for n in at_risk}

    assert alerts.sla_risks_escalate(now=NOW) == {"at_risk": 4, "raised": 0, "notified": 0}
    assert OrderEvent.objects.filter(kind="priority_raised").count() == 4 and Notification.objects.count() == 4


def test_priority_raise_leaves_final_and_higher_orders_alone(history):
    shipped = history.fulfillments["shipped_2h"].order
    high = history.fulfillments["packed_soon"].order
    Order.objects.filter(pk=high.pk).update(priority=200)
    assert order_priority_raise(order_ids=[shipped.pk, high.pk], actor="test", reason="x") == []
    assert Order.objects.get(pk=high.pk).priority == 200


def test_each_kind_of_alert_is_announced_once(history):
    assert alerts.drift_findings_announce(now=NOW) == 1
    assert alerts.parked_deliveries_announce() == 2
    assert alerts.ageing_discrepancies_announce(now=NOW) == 4  # 2, 5 and 10 days here; 1 day at the other facility
    assert alerts.capacity_announce(now=NOW) == 1
    again = (alerts.drift_findings_announce(now=NOW), alerts.parked_deliveries_announce(),
             alerts.ageing_discrepancies_announce(now=NOW), alerts.capacity_announce(now=NOW))
    assert again == (0, 0, 0, 0)
    assert Notification.objects.count() == 8


def test_notifications_reach_the_roles_that_act_on_them(history):
    alerts.sla_risks_escalate(now=NOW)
    raise_alerts()
    kinds = lambda user: sorted({n.kind for n in notifications_for(user)})  # noqa: E731
    assert kinds(history.manager) == ["capacity", "parked_inbox", "parked_outbox", "sla_risk"]
    controller = UserFactory(role=roles.INVENTORY_CONTROLLER)
    assert kinds(controller) == ["discrepancy_ageing", "drift"]
    assert kinds(UserFactory(role=roles.PICKER)) == []
    assert kinds(UserFactory(is_superuser=True)) == sorted(Notification.Kind.values)
    assert unread_count(history.manager) == 4 + 2 + 1


def test_mail_goes_out_once_when_configured(history, settings):
    history.manager.email = "olivia@example.com"
    history.manager.save()
    alerts.sla_risks_escalate(now=NOW)
    settings.OPS_ALERT_EMAIL = False
    assert notifications_email_pending() == 0 and not mail.outbox
    settings.OPS_ALERT_EMAIL = True
    assert notifications_email_pending() == 4
    assert len(mail.outbox) == 4 and all(m.to == ["olivia@example.com"] for m in mail.outbox)
    assert "may miss its ship-by" in mail.outbox[0].subject
    assert notifications_email_pending() == 0 and len(mail.outbox) == 4


def test_notification_list_badge_and_marking_read(client, history, django_assert_max_num_queries):
    alerts.sla_risks_escalate(now=NOW)
    client.force_login(history.manager)
    with django_assert_max_num_queries(8):
        body = client.get(reverse("ops:notifications")).content.decode()
    assert body.count('class="unread"') == 4
    assert 'data-unread="4"' in client.get(reverse("ops:notification_badge")).content.decode()
    first = Notification.objects.order_by("pk").first()
    response = client.post(reverse("ops:notification_read", args=[first.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == first.url
    assert unread_count(history.manager) == 3
    client.post(reverse("ops:notification_read_all"))
    assert unread_count(history.manager) == 0
    assert client.get(reverse("ops:notification_badge")).content == b""


def test_a_notification_for_others_cannot_be_read(client, history):
    alerts.drift_findings_announce(now=NOW)  # for inventory control, not ops managers
    client.force_login(history.manager)
    drift = Notification.objects.get(kind="drift")
    assert client.post(reverse("ops:notification_read", args=[drift.pk])).status_code == 404
    assert client.get(reverse("ops:notification_read", args=[drift.pk])).status_code == 405


def test_unknown_roles_are_refused():
    with pytest.raises(ValueError, match="unknown roles"):
        notifications_raise(alerts=[Alert(kind="drift", key="k", title="t", roles=("janitor",))])


@pytest.mark.django_db(transaction=True)
def test_two_watch_runs_at_once_raise_and_announce_each_order_once():
    build_history()
    results = run_in_threads(lambda i: alerts.sla_risks_escalate(now=NOW), 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["raised"] for r in results) == 4
    assert OrderEvent.objects.filter(kind="priority_raised").count() == 4
    assert Notification.objects.filter(kind="sla_risk").count() == 4
