import pytest

from core import roles
from inventory.exceptions import InvalidProduct
from inventory.models import Product, ProductBarcode
from inventory.services.products import product_create, product_update
from tests.factories import MerchantFactory, ProductFactory, UserFactory, merchant_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "code",
    [
        "96385074",  # GTIN-8 (EAN-8)
        "036000291452",  # GTIN-12 (UPC-A)
        "4006381333931",  # GTIN-13 (EAN-13)
        "09506000134352",  # GTIN-14
    ],
)
def test_valid_gtins_of_every_length_are_stored_as_gtin14(code):
    product = product_create(merchant=MerchantFactory(), sku="S1", name="Thing", barcodes=[code])
    assert list(product.barcodes.values_list("gtin", flat=True)) == [code.zfill(14)]


@pytest.mark.parametrize("code", ["96385075", "036000291453", "4006381333932", "09506000134353", "12345", "ABCDEFGHIJKLM"])
def test_a_bad_check_digit_or_malformed_gtin_is_refused_and_nothing_is_created(code):
    merchant = MerchantFactory()
    with pytest.raises(InvalidProduct) as error:
        product_create(merchant=merchant, sku="S1", name="Thing", barcodes=[code])
    assert code in str(error.value)
    assert not Product.objects.filter(merchant=merchant).exists()


def test_sku_is_unique_per_merchant_but_not_across_merchants():
    a, b = MerchantFactory(), MerchantFactory()
    product_create(merchant=a, sku="TENT-1", name="Tent")
    product_create(merchant=b, sku="TENT-1", name="Other tent")
    with pytest.raises(InvalidProduct, match="already exists"):
        product_create(merchant=a, sku="TENT-1", name="Tent again")
    assert Product.objects.filter(sku="TENT-1").count() == 2


def test_a_barcode_belongs_to_one_product_of_a_merchant():
    merchant = MerchantFactory()
    product_create(merchant=merchant, sku="A", name="A", barcodes=["4006381333931"])
    with pytest.raises(InvalidProduct, match="already belongs to SKU A"):
        product_create(merchant=merchant, sku="B", name="B", barcodes=["4006381333931"])
    assert not Product.objects.filter(sku="B").exists()


def test_update_replaces_barcodes():
    product = product_create(merchant=MerchantFactory(), sku="A", name="A", barcodes=["4006381333931"])
    product_update(product=product, barcodes=["036000291452"], weight_g=900)
    product.refresh_from_db()
    assert product.weight_g == 900
    assert list(product.barcodes.values_list("gtin", flat=True)) == ["00036000291452"]


def test_merchant_isolation_on_query_helpers(roles_ready):
    a, b = MerchantFactory(), MerchantFactory()
    pa, pb = ProductFactory(merchant=a), ProductFactory(merchant=b)
    assert list(Product.objects.for_merchant(a)) == [pa]
    assert list(Product.objects.visible_to(merchant_user(a))) == [pa]
    assert list(Product.objects.visible_to(merchant_user(b))) == [pb]
    assert set(Product.objects.visible_to(UserFactory(role=roles.INVENTORY_CONTROLLER))) == {pa, pb}
    assert list(Product.objects.visible_to(UserFactory())) == []  # no role, no data
    assert list(ProductBarcode.objects.visible_to(merchant_user(a))) == list(pa.barcodes.all())
