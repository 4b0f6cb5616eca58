"""Changes to an order over the API: the same services, and so the same rules, as the customer-service page.

What the order's stage does not allow answers 409 with the reason in words; bad input answers 400 with the
field errors; a refused change changes nothing. A merchant token changes only its own orders (another
merchant's order answers 404, as on the read endpoints)."""

import functools

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api_permissions import area_permission
from orders.api.serializers import (
    AddressEditInput,
    CancelInput,
    ErrorOutput,
    HoldPlaceInput,
    HoldReleaseInput,
    LinesEditInput,
    OrderDetailOutput,
    ServiceLevelEditInput,
)
from orders.locks import lock_order
from orders.models import Order
from orders.selectors import order_detail_queryset, orders_visible_to
from orders.services.cancellation import order_cancel
from orders.services.change_keys import change_key_answer, change_key_seen, change_key_valid, request_hash
from orders.services.edits import LineChange, order_edit_address, order_edit_lines, order_edit_service_level
from orders.services.holds import order_hold_place, order_hold_release

AREA = "order_intake"  # who may change orders over the API: the roles that may create them


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER,
    description="Optional. A retry with the same key and body answers the first answer again without changing the "
    "order twice (header Idempotent-Replayed: true); the same key with another body or endpoint answers 422.",
)


def _errors(success: dict):
    """The 400, 404 and 409 refusals are documented with the house's error bodies by `core.openapi` (a 404
    carries only `detail`, field errors carry the fields); the key reuse is this API's own."""
    return {
        **success,
        422: OpenApiResponse(ErrorOutput, description="Idempotency-Key already used for another request"),
    }


def idempotent(change):
    """Applies the change at most once per Idempotency-Key (see orders.services.change_keys)."""

    @functools.wraps(change)
    def handler(self, request, pk):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return change(self, request, pk)
        refusal = change_key_valid(key)
        if refusal:
            return Response({"error": "invalid_idempotency_key", "detail": refusal}, status=status.HTTP_400_BAD_REQUEST)
        self.order(pk)  # another merchant's order answers 404 before any key is claimed
        endpoint = request.resolver_match.url_name
        with transaction.atomic():
            seen = change_key_seen(user=request.user, key=key, endpoint=endpoint, order_id=int(pk),
                                   body_hash=request_hash(request.data))
            if seen is not None:
                return Response(seen.body, status=seen.status, headers={"Idempotent-Replayed": "true"})
            response = change(self, request, pk)
            change_key_answer(user=request.user, key=key, status=response.status_code, body=response.data)
            return response

    return handler


class _OrderChange(GenericAPIView):
    permission_classes = [area_permission(AREA)]
    serializer_class = OrderDetailOutput
    input_class: type

    def order(self, pk) -> Order:
        return get_object_or_404(orders_visible_to(self.request.user), pk=pk)

    def valid(self) -> dict:
        data = self.input_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def detail(self, pk, code=status.HTTP_200_OK) -> Response:
        return Response(OrderDetailOutput(order_detail_queryset(self.request.user).get(pk=pk)).data, status=code)


class OrderAddressEdit(_OrderChange):
    """Correct the ship-to address (only the fields sent). Before picking the order is routed again; after
    picking, until a label is bought, only the address changes (an address hold is released)."""

    input_class = AddressEditInput

    @extend_schema(parameters=[IDEMPOTENCY_KEY], operation_id="v1_orders_address_edit", request=AddressEditInput, responses=_errors({200: OrderDetailOutput}))
    @idempotent
    def post(self, request, pk):
        order = self.order(pk)
        values = self.valid()
        order_edit_address(order=order, address=values["ship_to"], actor=request.user, reason=values["reason"], area=AREA)
        return self.detail(pk)

    @extend_schema(parameters=[IDEMPOTENCY_KEY], operation_id="v1_orders_address_patch", request=AddressEditInput, responses=_errors({200: OrderDetailOutput}))
    def patch(self, request, pk):
        return self.post(request, pk)


class OrderLinesEdit(_OrderChange):
    """Set line quantities: 0 removes a line, a SKU not on the order adds one. Refused once the warehouse
    planned the order into a pick wave or started picking."""

    input_class = LinesEditInput

    @extend_schema(parameters=[IDEMPOTENCY_KEY], operation_id="v1_orders_lines_edit", request=LinesEditInput, responses=_errors({200: OrderDetailOutput}))
    @idempotent
    def post(self, request, pk):
        order = self.order(pk)
        values = self.valid()
        changes = [LineChange(sku=line["sku"], qty=line["quantity"]) for line in values["lines"]]
        order_edit_lines(order=order, changes=changes, actor=request.user, reason=values["reason"], area=AREA)
        return self.detail(pk)

    @extend_schema(parameters=[IDEMPOTENCY_KEY], operation_id="v1_orders_lines_patch", request=LinesEditInput, responses=_errors({200: OrderDetailOutput}))
    def patch(self, request, pk):
        return self.post(request, pk)


class OrderServiceLevelEdit(_OrderChange):
    """Change the service level (priority and promised days follow); allowed while lines may be edited."""

    input_class = ServiceLevelEditInput

    @extend_schema(parameters=[IDEMPOTENCY_KEY], operation_id="v1_orders_service_level_edit", request=ServiceLevelEditInput,
                   responses=_errors({200: OrderDetailOutput}))
    @idempotent
    def post(self, request, pk):
        order = self.order(pk)
        values = self.valid()
        order_edit_service_level(order=order, service_level=values["service_level"], actor=request.user,
                                 reason=values["reason"], area=AREA)
        return self.detail(pk)

    @extend_schema(parameters=[IDEMPOTENCY_KEY], operation_id="v1_orders_service_level_patch", request=ServiceLevelEditInput,
                   responses=_errors({200: OrderDetailOutput}))
    def patch(self, request, pk):
        return self.post(request, pk)


class OrderCancel(_OrderChange):
    """Cancel the order. 200 when it is cancelled at once; 202 when the warehouse has work for it and the
    cancellation is under way (the order is cancelled when the warehouse reports back); 409 when too late.
    Asking again answers the same: 200 once cancelled, 202 while under way."""

    input_class = CancelInput

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY], operation_id="v1_orders_cancel", request=CancelInput,
        responses=_errors({
            200: OpenApiResponse(OrderDetailOutput, description="Cancelled"),
            202: OpenApiResponse(OrderDetailOutput, description="Cancellation under way: the warehouse is stopping its work"),
        }),
    )
    @idempotent
    def post(self, request, pk):
        order = self.order(pk)
        values = self.valid()
        with transaction.atomic():
            order = lock_order(order.pk)  # the order's lock first, as order_cancel takes it
            if order.status != Order.Status.CANCELLED:  # a repeat of a cancel already done answers the same
                order = order_cancel(order=order, actor=request.user, reason=values["reason"])
        done = order.status == Order.Status.CANCELLED
        return self.detail(pk, status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED)


class OrderHoldPlace(_OrderChange):
    """Place a hold (manual or fraud review) with a reason; refused once picking has started."""

    input_class = HoldPlaceInput

    @extend_schema(parameters=[IDEMPOTENCY_KEY], operation_id="v1_orders_hold_place", request=HoldPlaceInput, responses=_errors({201: OrderDetailOutput}))
    @idempotent
    def post(self, request, pk):
        order = self.order(pk)
        values = self.valid()
        order_hold_place(order=order, kind=values["kind"], reason=values["reason"], actor=request.user, area=AREA)
        return self.detail(pk, status.HTTP_201_CREATED)


class OrderHoldRelease(_OrderChange):
    """Release the open hold of a kind; a system hold whose cause is still there is refused (409)."""

    input_class = HoldReleaseInput

    @extend_schema(parameters=[IDEMPOTENCY_KEY], operation_id="v1_orders_hold_release", request=HoldReleaseInput, responses=_errors({200: OrderDetailOutput}))
    @idempotent
    def post(self, request, pk):
        order = self.order(pk)
        values = self.valid()
        order_hold_release(order=order, kind=values["kind"], reason=values["reason"], actor=request.user, area=AREA)
        return self.detail(pk)
