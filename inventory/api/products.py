from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.filters import filters_apply, text
from inventory.api.serializers import ProductInput, ProductOutput
from inventory.exceptions import InvalidProduct
from inventory.gtin import InvalidBarcode, gtin_normalize
from inventory.selectors import products_visible_to
from inventory.services.products import product_create, product_update
from inventory.tenancy import merchant_for_actor


def _gtin(value: str) -> str:
    try:
        return gtin_normalize(text(value))
    except InvalidBarcode as exc:
        raise ValueError(f"is not a barcode: {exc}") from exc


class ProductList(GenericAPIView):
    permission_classes = [area_permission("catalog_edit", safe_area="catalog")]
    serializer_class = ProductOutput

    def get_queryset(self):
        products = products_visible_to(self.request.user)
        return filters_apply(products, self.request.query_params, {
            "sku": "sku", "barcode": ("barcodes__gtin", _gtin), "merchant": "merchant__code",
        })

    @extend_schema(
        operation_id="v1_products_list",
        responses=ProductOutput(many=True),
        parameters=[
            OpenApiParameter("sku", str),
            OpenApiParameter("barcode", str, description="Any GTIN-8/12/13/14, UPC or EAN"),
            OpenApiParameter("merchant", str, description="Merchant code (staff)"),
        ]
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ProductOutput(page, many=True).data)

    @extend_schema(request=ProductInput, responses={201: ProductOutput})
    def post(self, request):
        data = ProductInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        merchant = merchant_for_actor(request.user, values.pop("merchant", None))
        product = product_create(
            merchant=merchant,
            sku=values.pop("sku", ""),
            name=values.pop("name", ""),
            barcodes=values.pop("barcodes", []),
            **values,
        )
        return Response(ProductOutput(product).data, status=status.HTTP_201_CREATED)


class ProductDetail(GenericAPIView):
    permission_classes = [area_permission("catalog_edit", safe_area="catalog")]
    serializer_class = ProductOutput

    def get_object(self):
        return get_object_or_404(products_visible_to(self.request.user), pk=self.kwargs["pk"])

    def get(self, request, pk):
        return Response(ProductOutput(self.get_object()).data)

    @extend_schema(request=ProductInput, responses=ProductOutput)
    def patch(self, request, pk):
        product = self.get_object()
        data = ProductInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("merchant", None)
        if "sku" in values and values.pop("sku") != product.sku:
            raise InvalidProduct("the SKU of an existing product cannot change")
        product = product_update(product=product, **values)
        return Response(ProductOutput(products_visible_to(request.user).get(pk=product.pk)).data)
