"""REST for pack-out and outbound: everything the pack station and the outbound page do, for a handheld or a
packing app (station scans, packs, labels, voids, end-of-day manifests, packing slips)."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core import roles
from core.api_permissions import area_permission
from core.errors import NotFound, PermissionDenied
from core.filters import filters_apply
from inventory.tenancy import warehouses_visible_to
from layout.models import Bin
from shipping.models import Manifest, Shipment
from warehouse.api.serializers import ScanInput, StationReplyOutput
from warehouse.models import CartonType, Pack, TransferOrder
from warehouse.outbound.api.packing_serializers import (
    CartonTypeOutput,
    ManifestCloseInput,
    ManifestOutput,
    PackOutput,
    ShipmentOutput,
    ShipmentVoidInput,
)
from warehouse.outbound.selectors import pack_reads_for, packs_for_output, shipments_for_output
from warehouse.outbound.services.manifests import manifest_close
from warehouse.outbound.services.pack_station import pack_station_scan_step
from warehouse.outbound.services.packing import pack_release, pack_void
from warehouse.outbound.services.packing_slips import packing_slip_pdf
from warehouse.outbound.services.transfer_labels import transfer_labels_void
from warehouse.selectors import fulfillments_visible_to, manifests_visible_to, packs_visible_to, shipments_visible_to
from warehouse.services.station_scans import StationReply, apply_scan_once

PACKING = area_permission("packing")
WAREHOUSE_FILTER = OpenApiParameter("warehouse", str, description="Warehouse code")
PDF = {(200, "application/pdf"): OpenApiTypes.BINARY}


class FileOrJsonError(BaseContentNegotiation):
    """File downloads answer with the file whatever the client accepts, and with JSON when refused."""

    def select_parser(self, request: Request, parsers: list[BaseParser]) -> BaseParser | None:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list[BaseRenderer],
                        format_suffix: str | None = None) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


def _reply(reply: StationReply) -> Response:
    return Response(StationReplyOutput(reply.as_dict()).data, status=status.HTTP_200_OK if reply.ok else 422)


def _file(content: bytes | str, content_type: str, filename: str, disposition: str = "attachment") -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _packs() -> QuerySet[Pack]:
    return packs_for_output()


def _pack_output(pack: Pack, request: Request) -> dict:
    return PackOutput(pack, context={"request": request, "pack_reads": pack_reads_for([pack])}).data


def _manages_packing(user) -> bool:
    return bool(roles.roles_of(user) & {roles.WAREHOUSE_MANAGER, roles.ADMIN})


def _held_or_managed(request: Request, pk: int) -> Pack:
    """The pack, if the caller is packing it or manages the warehouse."""
    pack = get_object_or_404(packs_visible_to(request.user, _packs()), pk=pk)
    if pack.packer_id != request.user.pk and not _manages_packing(request.user):
        holder = f"it belongs to {pack.packer.get_username()}" if pack.packer else "it has no packer"
        raise PermissionDenied(f"pack {pack} is not yours: {holder}")
    return pack


def _filtered(rows: QuerySet, request: Request, **fields: str) -> QuerySet:
    """`rows` narrowed by each query parameter given: parameter name -> field lookup."""
    return filters_apply(rows, request.query_params, fields)


def _manifests() -> QuerySet[Manifest]:
    return Manifest.objects.select_related("warehouse", "closed_by").annotate(shipment_count=Count("shipments"))


class PackStationScan(GenericAPIView):
    """The station's one input, applied once per scan_id. With no pack open a tote (TOTE:...) or an order number
    starts one; then items, `x3` before an item, BOX:<code>, a weight (W:1250 or 1.25kg), CMD:NEWBOX,
    CMD:DONE (close and buy the labels) and CMD:RELEASE. The reply's data carries the pack_id."""

    permission_classes = [PACKING]
    serializer_class = StationReplyOutput

    @extend_schema(request=ScanInput, responses={200: StationReplyOutput, 422: StationReplyOutput})
    def post(self, request: Request, code: str, station: str) -> Response:
        warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
        pack_bin = get_object_or_404(Bin, warehouse=warehouse, code=station, kind=Bin.Kind.PACK_STATION)
        data = ScanInput(data=request.data)
        data.is_valid(raise_exception=True)
        raw = data.validated_data["code"]
        return _reply(apply_scan_once(
            scan_id=data.validated_data["scan_id"], station="pack", user=request.user, raw=raw,
            action=lambda: pack_station_scan_step(warehouse=warehouse, pack_bin=pack_bin, raw=raw, actor=request.user),
        ))


class PackDetail(GenericAPIView):
    """What the pack must hold against what is packed, its cartons and their labels."""

    permission_classes = [PACKING]
    serializer_class = PackOutput

    def get(self, request: Request, pk: int) -> Response:
        return Response(_pack_output(_held_or_managed(request, pk), request))


class PackRelease(GenericAPIView):
    """Stop packing: the cartons are emptied and the order waits at pack-out. By the packer or a manager."""

    permission_classes = [PACKING]
    serializer_class = PackOutput

    @extend_schema(request=None, responses={200: PackOutput})
    def post(self, request: Request, pk: int) -> Response:
        pack = pack_release(pack=_held_or_managed(request, pk), actor=request.user)
        return Response(_pack_output(_packs().get(pk=pack.pk), request))


class CartonTypeList(ListAPIView):
    permission_classes = [PACKING]
    serializer_class = CartonTypeOutput
    queryset = CartonType.objects.filter(is_active=True)


@extend_schema(parameters=[WAREHOUSE_FILTER, OpenApiParameter("carrier", str),
                           OpenApiParameter("status", str, enum=Shipment.Status.values)])
class ShipmentList(ListAPIView):
    """Labels with their carrier, service, rate and the rule that chose it; `status=labelled` is what waits
    for the carrier."""

    permission_classes = [PACKING]
    serializer_class = ShipmentOutput

    def get_queryset(self) -> QuerySet[Shipment]:
        rows = shipments_for_output().filter(pk__in=shipments_visible_to(self.request.user).values("pk"))
        return _filtered(rows.order_by("-created_at", "-id"), self.request,
                         warehouse="warehouse__code", carrier="carrier", status="status")


class ShipmentLabelPdf(GenericAPIView):
    permission_classes = [PACKING]
    content_negotiation_class = FileOrJsonError

    @extend_schema(operation_id="v1_shipments_label_pdf", responses=PDF)
    def get(self, request: Request, pk: int) -> HttpResponse:
        shipment = get_object_or_404(shipments_visible_to(request.user), pk=pk)
        return _file(bytes(shipment.label_pdf), "application/pdf", f"label-{shipment.tracking_number}.pdf")


class ShipmentLabelZpl(GenericAPIView):
    permission_classes = [PACKING]
    content_negotiation_class = FileOrJsonError

    @extend_schema(operation_id="v1_shipments_label_zpl", responses={(200, "application/zpl"): OpenApiTypes.STR})
    def get(self, request: Request, pk: int) -> HttpResponse:
        shipment = get_object_or_404(shipments_visible_to(request.user), pk=pk)
        return _file(shipment.label_zpl, "application/zpl", f"label-{shipment.tracking_number}.zpl")


class ShipmentVoid(GenericAPIView):
    """Void a label before the carrier collects it: every label of its pack is voided and the order goes back
    to pack-out (its units wait at the pack station). A reason is required (400 without one) and is kept on
    the order's timeline. A collected one answers 409. A transfer parcel's label voids every label of the
    transfer, which is back to picked."""

    permission_classes = [PACKING]
    serializer_class = ShipmentOutput

    @extend_schema(request=ShipmentVoidInput, responses={200: ShipmentOutput, 400: OpenApiResponse(
        description="No reason, a blank one or one over 500 characters: nothing is voided")})
    def post(self, request: Request, pk: int) -> Response:
        shipment = get_object_or_404(shipments_visible_to(request.user), pk=pk)
        data = ShipmentVoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        if shipment.is_transfer:
            transfer_labels_void(transfer=TransferOrder.objects.get(parcels__shipment=shipment), actor=request.user,
                                 reason=data.validated_data["reason"])
        else:
            pack_void(shipment=shipment, actor=request.user, reason=data.validated_data["reason"])
        return Response(ShipmentOutput(shipments_for_output().get(pk=pk), context={"request": request}).data)


class ManifestClose(GenericAPIView):
    """End of day for one carrier: every labelled carton of the warehouse is handed over and ships."""

    permission_classes = [PACKING]
    serializer_class = ManifestOutput

    @extend_schema(request=ManifestCloseInput, responses={201: ManifestOutput})
    def post(self, request: Request, code: str) -> Response:
        data = ManifestCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        manifest = manifest_close(warehouse=get_object_or_404(warehouses_visible_to(request.user), code=code),
                                  carrier=data.validated_data["carrier"], actor=request.user)
        return Response(ManifestOutput(_manifests().get(pk=manifest.pk), context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


@extend_schema(parameters=[WAREHOUSE_FILTER, OpenApiParameter("carrier", str)])
class ManifestList(ListAPIView):
    permission_classes = [PACKING]
    serializer_class = ManifestOutput

    def get_queryset(self) -> QuerySet[Manifest]:
        rows = _manifests().filter(pk__in=manifests_visible_to(self.request.user).values("pk"))
        return _filtered(rows.order_by("-closed_at", "-id"), self.request,
                         warehouse="warehouse__code", carrier="carrier")


class ManifestPdf(GenericAPIView):
    permission_classes = [PACKING]
    content_negotiation_class = FileOrJsonError

    @extend_schema(operation_id="v1_manifests_pdf", responses=PDF)
    def get(self, request: Request, pk: int) -> HttpResponse:
        manifest = get_object_or_404(manifests_visible_to(request.user), pk=pk)
        if not manifest.pdf:
            raise NotFound(f"manifest {manifest} has no PDF")
        return _file(bytes(manifest.pdf), "application/pdf", f"manifest-{manifest.pk}.pdf")


class PackingSlipPdf(GenericAPIView):
    permission_classes = [PACKING]
    content_negotiation_class = FileOrJsonError

    @extend_schema(operation_id="v1_fulfillment_orders_packing_slip", responses=PDF)
    def get(self, request: Request, pk: int) -> HttpResponse:
        fulfillment = get_object_or_404(fulfillments_visible_to(request.user), pk=pk)
        return _file(packing_slip_pdf(fulfillment), "application/pdf",
                     f"packing-slip-{fulfillment.order.order_number}.pdf", disposition="inline")
