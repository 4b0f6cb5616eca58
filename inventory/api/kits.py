"""Bundle components (merchant-visible; set by whoever may edit the catalog) and kit work orders (staff)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.filters import filters_apply
from inventory.exceptions import InvalidProduct, UnknownSku
from inventory.models import BundleComponent, KitWorkOrder
from inventory.selectors import products_visible_to
from inventory.services.kits import (
    KitComponent,
    bundle_component_remove,
    bundle_component_set,
    kit_work_order_action,
    kit_work_order_create,
)
from inventory.tenancy import warehouses_visible_to

MAX_QTY = 2**31 - 1


class BundleComponentOutput(serializers.Serializer):
    sku = serializers.CharField(source="component.sku")
    name = serializers.CharField(source="component.name")
    quantity = serializers.IntegerField()


class BundleComponentInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="The component's SKU (same merchant)")
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class KitWorkOrderLineOutput(serializers.Serializer):
    sku = serializers.CharField(source="component.sku")
    qty_per_kit = serializers.IntegerField()


class KitWorkOrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    merchant = serializers.CharField(source="merchant.code")
    kit = serializers.CharField(source="kit.sku")
    warehouse = serializers.CharField(source="warehouse.code")
    qty = serializers.IntegerField()
    status = serializers.CharField()
    to_bin = serializers.CharField(source="to_bin.code", allow_null=True, default=None)
    note = serializers.CharField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    released_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    lines = KitWorkOrderLineOutput(many=True)


class KitWorkOrderComponentInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    qty_per_kit = serializers.IntegerField(min_value=1, max_value=10_000)


class KitWorkOrderInput(serializers.Serializer):
    kit = serializers.CharField(max_length=64, help_text="SKU of the kit product")
    merchant = serializers.CharField(max_length=32, required=False, help_text="Merchant code, when SKUs repeat")
    warehouse = serializers.CharField(max_length=16)
    qty = serializers.IntegerField(min_value=1, max_value=100_000)
    components = KitWorkOrderComponentInput(many=True, max_length=50)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class KitWorkOrderActionInput(serializers.Serializer):
    to_bin = serializers.CharField(max_length=32, required=False, help_text="Bin code the kits go to (complete)")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def _product(user, sku: str, merchant_code: str | None = None, merchant_id: int | None = None):
    products = products_visible_to(user).filter(sku=sku)
    if merchant_code:
        products = products.filter(merchant__code=merchant_code)
    if merchant_id:
        products = products.filter(merchant_id=merchant_id)
    matches = list(products[:2])
    if not matches:
        raise UnknownSku(f"unknown SKU {sku!r}")
    if len(matches) > 1:
        raise InvalidProduct(f"SKU {sku!r} exists for several merchants; give merchant")
    return matches[0]


def _components_of(product):
    return BundleComponent.objects.filter(bundle=product).select_related("component").order_by("component__sku")


class BundleComponentList(GenericAPIView):
    """A bundle's components: ordering the bundle orders these, and its availability derives from theirs."""

    permission_classes = [area_permission("catalog_edit", safe_area="catalog")]
    serializer_class = BundleComponentOutput
    queryset = BundleComponent.objects.none()
    pagination_class = None

    def get_product(self):
        return get_object_or_404(products_visible_to(self.request.user), pk=self.kwargs["pk"])

    @extend_schema(operation_id="v1_products_components_list", responses=BundleComponentOutput(many=True))
    def get(self, request, pk):
        return Response(BundleComponentOutput(_components_of(self.get_product()), many=True).data)

    @extend_schema(operation_id="v1_products_components_set", request=BundleComponentInput,
                   responses=BundleComponentOutput(many=True))
    def post(self, request, pk):
        bundle = self.get_product()
        data = BundleComponentInput(data=request.data)
        data.is_valid(raise_exception=True)
        component = _product(request.user, data.validated_data["sku"], merchant_id=bundle.merchant_id)
        bundle_component_set(bundle=bundle, component=component, quantity=data.validated_data["quantity"],
                             actor=request.user)
        return Response(BundleComponentOutput(_components_of(bundle), many=True).data)

    @extend_schema(
        operation_id="v1_products_components_remove", responses=BundleComponentOutput(many=True),
        parameters=[OpenApiParameter("sku", str, required=True, description="The component's SKU to take out")],
        description="Take a component out of the bundle; the remaining components are answered. Orders already "
                    "taken keep the components they were exploded into; orders taken after follow the new recipe.",
    )
    def delete(self, request, pk):
        bundle = self.get_product()
        sku = request.query_params.get("sku", "")
        if not sku or len(sku) > 64 or "\x00" in sku:
            raise ValidationError({"sku": ["give the component's SKU (at most 64 characters)"]})
        component = _product(request.user, sku, merchant_id=bundle.merchant_id)
        if not bundle_component_remove(bundle=bundle, component=component, actor=request.user):
            raise NotFound(f"{component.sku} is not a component of {bundle.sku}")
        return Response(BundleComponentOutput(_components_of(bundle), many=True).data)


def kit_work_orders_visible_to(user):
    return (KitWorkOrder.objects.visible_to(user).select_related("merchant", "kit", "warehouse", "to_bin")
            .prefetch_related("lines__component"))


class KitWorkOrderList(GenericAPIView):
    """Kit work orders: assemble a stocked kit from components at a warehouse."""

    permission_classes = [area_permission("inventory_adjust", safe_area="inventory")]
    serializer_class = KitWorkOrderOutput
    queryset = KitWorkOrder.objects.none()

    def get_queryset(self):
        return filters_apply(kit_work_orders_visible_to(self.request.user), self.request.query_params, {
            "status": "status", "kit": "kit__sku", "warehouse": "warehouse__code",
        })

    @extend_schema(operation_id="v1_kit_work_orders_list", responses=KitWorkOrderOutput(many=True), parameters=[
        OpenApiParameter("status", str), OpenApiParameter("kit", str), OpenApiParameter("warehouse", str),
    ])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(KitWorkOrderOutput(page, many=True).data)

    @extend_schema(operation_id="v1_kit_work_orders_create", request=KitWorkOrderInput,
                   responses={201: KitWorkOrderOutput})
    def post(self, request):
        data = KitWorkOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        kit = _product(request.user, v["kit"], merchant_code=v.get("merchant"))
        warehouse = get_object_or_404(warehouses_visible_to(request.user), code=v["warehouse"])
        components = [KitComponent(_product(request.user, c["sku"], merchant_id=kit.merchant_id), c["qty_per_kit"])
                      for c in v["components"]]
        order = kit_work_order_create(kit=kit, warehouse=warehouse, qty=v["qty"], components=components,
                                      actor=request.user, note=v["note"])
        return Response(KitWorkOrderOutput(kit_work_orders_visible_to(request.user).get(pk=order.pk)).data,
                        status=status.HTTP_201_CREATED)


class KitWorkOrderDetail(GenericAPIView):
    permission_classes = [area_permission("inventory_adjust", safe_area="inventory")]
    serializer_class = KitWorkOrderOutput
    queryset = KitWorkOrder.objects.none()

    @extend_schema(operation_id="v1_kit_work_orders_retrieve")
    def get(self, request, pk):
        return Response(KitWorkOrderOutput(get_object_or_404(kit_work_orders_visible_to(request.user), pk=pk)).data)


class KitWorkOrderAction(GenericAPIView):
    """release (reserve the components), complete (consume them, put the kits in `to_bin`) or cancel."""

    permission_classes = [area_permission("inventory_adjust")]
    serializer_class = KitWorkOrderActionInput
    queryset = KitWorkOrder.objects.none()

    @extend_schema(operation_id="v1_kit_work_orders_action", request=KitWorkOrderActionInput,
                   responses=KitWorkOrderOutput)
    def post(self, request, pk, action):
        order = get_object_or_404(kit_work_orders_visible_to(request.user), pk=pk)
        data = KitWorkOrderActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        kit_work_order_action(work_order=order, action=action, actor=request.user, **data.validated_data)
        return Response(KitWorkOrderOutput(kit_work_orders_visible_to(request.user).get(pk=pk)).data)

