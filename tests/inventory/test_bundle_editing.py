"""Bundle components are added and removed through the API and the product page, merchant-scoped; orders already
taken keep the components they were exploded into; concurrent edits can never build a nested bundle."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import roles
from inventory.models import BundleComponent
from inventory.services.kits import NestedBundle, bundle_component_set
from orders.services.intake import order_upsert
from tests.concurrency import run_in_threads
from tests.factories import MerchantFactory, ProductFactory, UserFactory, merchant_user
from tests.orders.factories import ChannelFactory
from tests.orders.test_intake import normalized


def recipe(bundle) -> list[tuple[str, int]]:
    return sorted(BundleComponent.objects.filter(bundle=bundle).values_list("component__sku", "quantity"))


@pytest.mark.django_db
def test_the_api_adds_and_removes_components_for_the_merchants_own_bundles_only(roles_ready):
    merchant, other = MerchantFactory(), MerchantFactory()
    box = ProductFactory(merchant=merchant, sku="BOX")
    for sku in ("MUG", "TEA"):
        ProductFactory(merchant=merchant, sku=sku)
    theirs = ProductFactory(merchant=other, sku="THEIR-MUG")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=merchant_user(merchant)).key}")
    url = f"/api/v1/products/{box.pk}/components/"
    assert api.post(url, {"sku": "MUG", "quantity": 1}, format="json").status_code == 200
    answer = api.post(url, {"sku": "TEA", "quantity": 2}, format="json")
    assert answer.status_code == 200 and [(r["sku"], r["quantity"]) for r in answer.json()] == [("MUG", 1), ("TEA", 2)]

    removed = api.delete(f"{url}?sku=MUG")
    assert removed.status_code == 200 and [r["sku"] for r in removed.json()] == ["TEA"]
    assert api.delete(f"{url}?sku=MUG").status_code == 404  # not a component any more
    assert api.delete(f"{url}?sku=THEIR-MUG").status_code == 404  # another merchant's SKU is unknown here
    assert api.delete(f"{url}?sku=").status_code == 400 and api.delete(f"{url}?sku=A%00B").status_code == 400
    assert api.delete(f"/api/v1/products/{theirs.pk}/components/?sku=MUG").status_code == 404
    assert recipe(box) == [("TEA", 2)]


@pytest.mark.django_db
def test_the_product_page_adds_and_removes_components_and_orders_taken_keep_theirs(client, roles_ready):
    channel = ChannelFactory(kind="shopify")
    merchant = channel.merchant
    box, _mug, tea = (ProductFactory(merchant=merchant, sku=sku) for sku in ("BOX", "MUG", "TEA"))
    client.force_login(UserFactory(role=roles.INVENTORY_CONTROLLER))
    url = reverse("inventory:bundle_components_edit", args=[box.pk])
    page = client.get(reverse("inventory:product_stock", args=[box.pk])).content.decode()
    assert url in page  # any product may become a bundle
    for sku, qty in (("MUG", "1"), ("TEA", "2")):
        assert client.post(url, {"action": "add", "sku": sku, "quantity": qty}).status_code == 302
    assert recipe(box) == [("MUG", 1), ("TEA", 2)]
    taken = order_upsert(channel=channel, normalized=normalized(lines=(("BOX", 2),)), source="webhook").order

    page = client.post(url, {"action": "remove", "sku": "MUG"}, follow=True).content.decode()
    assert "MUG taken out of BOX" in page and recipe(box) == [("TEA", 2)]
    refused = client.post(url, {"action": "add", "sku": "BOX", "quantity": "1"}, follow=True).content.decode()
    assert "cannot be a component of itself" in refused
    refused = client.post(url, {"action": "add", "sku": "TEA", "quantity": "lots"}, follow=True).content.decode()
    assert "must be a whole number" in refused and recipe(box) == [("TEA", 2)]
    assert 'name="sku"' not in client.get(reverse("inventory:product_stock", args=[tea.pk])).content.decode()

    # The order taken before the edit ships what it was exploded into; one taken after follows the new recipe.
    assert sorted(taken.lines.values_list("sku", "quantity")) == [("MUG", 2), ("TEA", 4)]
    later = order_upsert(channel=channel, normalized=normalized(lines=(("BOX", 1),), external_id="later",
                                                                order_number="#later"), source="webhook").order
    assert sorted(later.lines.values_list("sku", "quantity")) == [("TEA", 2)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_never_build_a_nested_bundle():
    """Half the threads make B a bundle of X while the other half make X a bundle of Y, all at once: every pair of
    edits that would nest is refused for one of them, under the merchant's bundle-catalogue lock."""
    for round_ in range(3):
        merchant = MerchantFactory()
        b, x, y = (ProductFactory(merchant=merchant, sku=f"{sku}-{round_}") for sku in ("B", "X", "Y"))

        def edit(i):
            if i % 2:
                return bundle_component_set(bundle=b, component=x, quantity=1, actor="test")
            return bundle_component_set(bundle=x, component=y, quantity=1, actor="test")

        results = run_in_threads(edit, 6)
        assert all(not isinstance(r, Exception) or isinstance(r, NestedBundle) for r in results), results
        bundles = set(BundleComponent.objects.filter(merchant=merchant).values_list("bundle_id", flat=True))
        components = set(BundleComponent.objects.filter(merchant=merchant).values_list("component_id", flat=True))
        assert bundles and not bundles & components  # never a bundle that is also a component
