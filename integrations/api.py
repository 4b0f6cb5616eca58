"""REST for outbound event webhooks: a merchant's subscriptions (create, change, disable, rotate the secret), its
deliveries (status, replay one or all parked) and its events (cursor by id). Merchant tokens see their merchant
only; operations staff within their scope. Thin: parse, call one service, render."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.filters import filters_apply, flag, integer, text
from core.models import DomainEvent, EventKind
from integrations.models import DeliveryStatus, EventDelivery, EventSubscription
from integrations.selectors import deliveries_visible_to, events_visible_to, subscriptions_visible_to
from integrations.services.delivery import deliveries_replay, delivery_replay
from integrations.services.subscriptions import (
    subscription_create,
    subscription_rotate_secret,
    subscription_update,
)
from inventory.tenancy import merchant_for_actor

AREA = "webhooks"


def choice(values):
    def parse(value: str) -> str:
        text(value)
        if value not in values:
            raise ValueError(f"must be one of {', '.join(values)}")
        return value

    return parse


# --- serializers ------------------------------------------------------------------------------------------------

class EventSubscriptionInput(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="http(s) endpoint")
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=EventKind.choices), allow_empty=False,
                                  max_length=len(EventKind.values))
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    merchant = serializers.SlugField(max_length=32, required=False, help_text="Staff only: the merchant's code")


class EventSubscriptionChange(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=EventKind.choices), allow_empty=False,
                                  max_length=len(EventKind.values), required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class EventSubscriptionOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code")
    kinds = serializers.ListField(child=serializers.CharField())
    pending = serializers.IntegerField(read_only=True, default=0)
    parked = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = EventSubscription
        fields = ["id", "merchant", "url", "kinds", "description", "active", "created_at", "secret_rotated_at",
                  "pending", "parked"]


class EventSubscriptionWithSecret(EventSubscriptionOutput):
    class Meta(EventSubscriptionOutput.Meta):
        fields = [*EventSubscriptionOutput.Meta.fields, "secret"]


class EventDeliveryOutput(serializers.ModelSerializer):
    event_id = serializers.IntegerField()
    subscription_id = serializers.IntegerField()
    resource = serializers.CharField(source="resource_key")
    occurred_at = serializers.DateTimeField(source="event.occurred_at")

    class Meta:
        model = EventDelivery
        fields = ["id", "subscription_id", "event_id", "kind", "resource", "occurred_at", "status", "attempts",
                  "next_attempt_at", "last_status", "last_error", "delivered_at", "parked_at"]


class DomainEventOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code")
    warehouse = serializers.CharField(source="warehouse.code", allow_null=True, default=None)
    resource = serializers.SerializerMethodField()
    data = serializers.JSONField(source="payload")

    class Meta:
        model = DomainEvent
        fields = ["id", "kind", "occurred_at", "merchant", "warehouse", "resource", "data"]

    def get_resource(self, event) -> dict[str, str]:
        return {"type": event.resource_type, "id": event.resource_id}


class EventReplayInput(serializers.Serializer):
    subscription = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                            help_text="Only this subscription's parked deliveries")


class EventReplayOutput(serializers.Serializer):
    replayed = serializers.IntegerField()


# --- views -------------------------------------------------------------------------------------------------------

def _subscriptions(request):
    return subscriptions_visible_to(request.user).annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        parked=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PARKED)),
    ).order_by("pk")


class SubscriptionList(GenericAPIView):
    permission_classes = [area_permission(AREA)]
    serializer_class = EventSubscriptionOutput

    def get_queryset(self):
        return filters_apply(_subscriptions(self.request), self.request.query_params,
                             {"active": ("active", flag)})

    @extend_schema(operation_id="v1_event_subscriptions_list", responses=EventSubscriptionOutput(many=True),
                   parameters=[OpenApiParameter("active", str, enum=["true", "false"])])
    def get(self, request):
        rows = self.get_queryset()
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(EventSubscriptionOutput(page, many=True).data)

    @extend_schema(request=EventSubscriptionInput, responses={201: EventSubscriptionWithSecret})
    def post(self, request):
        data = EventSubscriptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        merchant = merchant_for_actor(request.user, values.get("merchant"))
        subscription = subscription_create(merchant=merchant, url=values["url"], kinds=values["kinds"],
                                           description=values["description"], actor=request.user)
        return Response(EventSubscriptionWithSecret(subscription).data, status=status.HTTP_201_CREATED)


class SubscriptionDetail(GenericAPIView):
    permission_classes = [area_permission(AREA)]
    serializer_class = EventSubscriptionOutput

    def get_queryset(self):
        return _subscriptions(self.request)

    def get(self, request, pk: int):
        return Response(EventSubscriptionOutput(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(request=EventSubscriptionChange, responses=EventSubscriptionOutput)
    def patch(self, request, pk: int):
        subscription = get_object_or_404(self.get_queryset(), pk=pk)
        data = EventSubscriptionChange(data=request.data)
        data.is_valid(raise_exception=True)
        subscription_update(subscription=subscription, actor=request.user, **data.validated_data)
        return Response(EventSubscriptionOutput(get_object_or_404(self.get_queryset(), pk=pk)).data)


class SubscriptionRotateSecret(GenericAPIView):
    permission_classes = [area_permission(AREA)]
    serializer_class = EventSubscriptionWithSecret

    @extend_schema(request=None, responses=EventSubscriptionWithSecret)
    def post(self, request, pk: int):
        subscription = get_object_or_404(subscriptions_visible_to(request.user), pk=pk)
        subscription = subscription_rotate_secret(subscription=subscription, actor=request.user)
        return Response(EventSubscriptionWithSecret(get_object_or_404(_subscriptions(request), pk=subscription.pk)).data)


class DeliveryList(GenericAPIView):
    permission_classes = [area_permission(AREA)]
    serializer_class = EventDeliveryOutput

    def get_queryset(self):
        return filters_apply(deliveries_visible_to(self.request.user).order_by("-event_id", "-pk"),
                             self.request.query_params, {
                                 "status": ("status", choice(DeliveryStatus.values)),
                                 "kind": ("kind", choice(EventKind.values)),
                                 "subscription": ("subscription_id", integer),
                             })

    @extend_schema(operation_id="v1_event_deliveries_list", responses=EventDeliveryOutput(many=True), parameters=[
        OpenApiParameter("status", str, enum=DeliveryStatus.values), OpenApiParameter("kind", str, enum=EventKind.values),
        OpenApiParameter("subscription", int)])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EventDeliveryOutput(page, many=True).data)


class DeliveryReplay(GenericAPIView):
    permission_classes = [area_permission(AREA)]
    serializer_class = EventDeliveryOutput

    @extend_schema(operation_id="v1_event_delivery_replay", request=None, responses=EventDeliveryOutput)
    def post(self, request, pk: int):
        delivery = get_object_or_404(deliveries_visible_to(request.user), pk=pk)
        delivery_replay(delivery=delivery, actor=request.user)
        return Response(EventDeliveryOutput(get_object_or_404(deliveries_visible_to(request.user), pk=pk)).data)


class DeliveriesReplay(GenericAPIView):
    permission_classes = [area_permission(AREA)]
    serializer_class = EventReplayOutput

    @extend_schema(operation_id="v1_event_deliveries_replay_parked", request=EventReplayInput, responses=EventReplayOutput)
    def post(self, request):
        data = EventReplayInput(data=request.data)
        data.is_valid(raise_exception=True)
        rows = deliveries_visible_to(request.user)
        if data.validated_data.get("subscription"):
            rows = rows.filter(subscription_id=data.validated_data["subscription"])
        return Response({"replayed": deliveries_replay(deliveries=rows, actor=request.user)})


class EventList(GenericAPIView):
    permission_classes = [area_permission(AREA)]
    serializer_class = DomainEventOutput

    def get_queryset(self):
        return filters_apply(events_visible_to(self.request.user).order_by("pk"), self.request.query_params, {
            "after": ("pk__gt", integer),
            "kind": ("kind", choice(EventKind.values)),
        })

    @extend_schema(operation_id="v1_events_list", responses=DomainEventOutput(many=True), parameters=[
        OpenApiParameter("after", int, description="Only events with a larger id (a cursor: the last id you read)"),
        OpenApiParameter("kind", str, enum=EventKind.values)])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DomainEventOutput(page, many=True).data)
