"""REST for the transfer label station: label a picked transfer (scanned by number or staging bin) at its source,
and void its labels before the carrier collects them. The parcels then ship when their manifest closes
(`POST /api/v1/warehouses/<code>/manifests/`)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_permissions import area_permission
from inventory.tenancy import warehouses_visible_to
from warehouse.api.transfers import TransferOrderOutput
from warehouse.outbound.api.packing_serializers import ShipmentOutput
from warehouse.outbound.selectors import shipments_for_output
from warehouse.outbound.services.transfer_labels import (
    MAX_PARCEL_WEIGHT_G,
    MAX_PARCELS,
    MAX_SIDE_MM,
    parcels_from_rows,
    transfer_for_label_scan,
    transfer_label,
    transfer_labels_void,
)
from warehouse.transfer_selectors import transfers_visible_to

PACKING = area_permission("packing")


class TransferParcelInput(serializers.Serializer):
    carton_type = serializers.CharField(max_length=20, required=False, allow_blank=True, default="",
                                        help_text="A carton type's code (its dimensions); or give the three sides")
    weight_g = serializers.IntegerField(min_value=1, max_value=MAX_PARCEL_WEIGHT_G)
    length_mm = serializers.IntegerField(min_value=1, max_value=MAX_SIDE_MM, required=False)
    width_mm = serializers.IntegerField(min_value=1, max_value=MAX_SIDE_MM, required=False)
    height_mm = serializers.IntegerField(min_value=1, max_value=MAX_SIDE_MM, required=False)


class TransferLabelInput(serializers.Serializer):
    scan = serializers.CharField(max_length=80, help_text="The transfer's number (its barcode) or its staging bin")
    parcels = TransferParcelInput(many=True, allow_empty=False, max_length=MAX_PARCELS)


class TransferLabelOutput(serializers.Serializer):
    transfer = TransferOrderOutput()
    resumed = serializers.BooleanField(help_text="True: a labelling cut short earlier was finished (its parcels)")
    shipments = ShipmentOutput(many=True)


class TransferVoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the labels are voided")


class TransferLabel(GenericAPIView):
    """Label a picked transfer at its source warehouse: one carrier label per parcel, from the source to the
    destination warehouse. 404: no transfer or staging bin by that scan within your scope; 409: not picked, of
    another warehouse, or labelled already (nothing changed); 422/502/503: the carrier sold no label (every
    label of the attempt voided, nothing changed)."""

    permission_classes = [PACKING]
    serializer_class = TransferLabelOutput

    @extend_schema(operation_id="v1_transfer_labels_create", request=TransferLabelInput,
                   responses={201: TransferLabelOutput, 409: OpenApiResponse(description="Not picked, another "
                              "warehouse's, or labelled already: nothing changed")})
    def post(self, request: Request, code: str) -> Response:
        warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
        data = TransferLabelInput(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = transfer_for_label_scan(warehouse=warehouse, raw=data.validated_data["scan"], user=request.user)
        done = transfer_label(transfer=transfer, warehouse=warehouse, parcels=parcels_from_rows(data.validated_data["parcels"]),
                              actor=request.user)
        shipments = shipments_for_output().filter(pk__in=[s.pk for s in done.shipments]).order_by("id")
        return Response(TransferLabelOutput({
            "transfer": transfers_visible_to(request.user).get(pk=transfer.pk), "resumed": done.resumed,
            "shipments": shipments,
        }, context={"request": request}).data, status=status.HTTP_201_CREATED)


class TransferLabelVoid(GenericAPIView):
    """Void every label of a transfer before its carrier collects it: the transfer is back to picked. 400 without
    a reason; 409 when nothing is labelled or a parcel is collected already."""

    permission_classes = [PACKING]
    serializer_class = TransferOrderOutput

    @extend_schema(operation_id="v1_transfer_labels_void", request=TransferVoidInput, responses={200: TransferOrderOutput})
    def post(self, request: Request, pk: int) -> Response:
        transfer = get_object_or_404(transfers_visible_to(request.user), pk=pk)
        data = TransferVoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        transfer_labels_void(transfer=transfer, actor=request.user, reason=data.validated_data["reason"])
        return Response(TransferOrderOutput(transfers_visible_to(request.user).get(pk=transfer.pk)).data)
