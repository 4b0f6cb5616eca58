import io

import pytest
from django.core.management import CommandError, call_command

from core.csv_import import ImportRejected, read_csv_rows
from inventory.models import Product
from inventory.services.products import products_import
from layout.models import Bin, Zone
from layout.services import bins_import
from tests.factories import MerchantFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def test_bins_import_creates_zones_and_bins(tmp_path):
    WarehouseFactory(code="ewr1")
    path = tmp_path / "bins.csv"
    path.write_text(
        "warehouse,zone,zone_kind,code,kind,walk_x,walk_y,aisle,pick_sequence,capacity,pickable\n"
        "ewr1,STOR,storage,A-01-01-A,shelf,10,20,A,1,100,yes\n"
        "ewr1,STOR,,A-01-02-A,shelf,10,32,A,2,,yes\n"
        "ewr1,DOCK,receiving,DOCK-1,dock,0,0,,0,,no\n"
    )
    out = io.StringIO()
    call_command("import_bins", str(path), stdout=out)
    assert "bins created: 3" in out.getvalue()
    assert Zone.objects.filter(warehouse__code="ewr1").count() == 2
    a = Bin.objects.get(code="A-01-01-A")
    assert (a.walk_x, a.walk_y, a.capacity, a.is_pickable, a.barcode) == (10, 20, 100, True, "BIN:A-01-01-A")
    assert Bin.objects.get(code="A-01-02-A").capacity is None
    assert Bin.objects.get(code="DOCK-1").is_pickable is False


def test_bins_import_reports_every_bad_row_by_line_and_imports_nothing(tmp_path):
    WarehouseFactory(code="ewr1")
    path = tmp_path / "bins.csv"
    path.write_text(
        "warehouse,zone,zone_kind,code,kind,walk_x,capacity,pickable\n"
        "ewr1,STOR,storage,A-01-01-A,shelf,10,100,yes\n"  # good
        "nowhere,STOR,storage,B-1,shelf,1,1,yes\n"  # line 3: unknown warehouse
        "ewr1,STOR,,A-01-02-A,shelf,ten,1,yes\n"  # line 4: bad number
        "ewr1,STOR,,A-01-03-A,shelf,1,-5,yes\n"  # line 5: negative capacity
        "ewr1,FLOOR,,A-01-04-A,shelf,1,1,yes\n"  # line 6: unknown zone without kind
        "ewr1,STOR,,A-01-05-A,rocket,1,1,yes\n"  # line 7: bad kind
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="5 bad row"):
        call_command("import_bins", str(path), stderr=err)
    report = err.getvalue()
    assert "line 3: unknown warehouse 'nowhere'" in report
    assert "line 4: walk_x must be a whole number" in report
    assert "line 5: capacity must not be negative" in report
    assert "line 6: unknown zone 'FLOOR'" in report
    assert "line 7: unknown bin kind 'rocket'" in report
    assert not Bin.objects.exists() and not Zone.objects.exists()


def test_bins_import_refuses_a_file_missing_required_columns():
    with pytest.raises(ImportRejected, match="missing column"):
        bins_import(source=io.StringIO("warehouse,code\newr1,A\n"))


def test_products_import_creates_and_updates_all_or_nothing():
    merchant = MerchantFactory(code="acme")
    good = "merchant,sku,name,barcodes,weight_g,unit_cost\nacme,TENT-1,Tent,4006381333931,1200,19.99\n"
    report = products_import(source=io.BytesIO(good.encode()))
    assert (report.created, report.updated) == (1, 0)
    again = "merchant,sku,name,barcodes,weight_g\nacme,TENT-1,Tent XL,4006381333931,1500\nacme,STOVE-1,Stove,,300\n"
    report = products_import(source=io.BytesIO(again.encode()))
    assert (report.created, report.updated) == (1, 1)
    assert Product.objects.get(merchant=merchant, sku="TENT-1").weight_g == 1500

    bad = (
        "merchant,sku,name,barcodes,weight_g\n"
        "acme,NEW-1,New,,10\n"
        "acme,NEW-2,New 2,4006381333932,10\n"  # line 3: check digit
        "other,NEW-3,New 3,,10\n"  # line 4: unknown merchant
        "acme,NEW-4,New 4,,-1\n"  # line 5: negative
        "acme,,No sku,,1\n"  # line 6: missing SKU
    )
    with pytest.raises(ImportRejected) as rejected:
        products_import(source=io.BytesIO(bad.encode()))
    lines = {error.line for error in rejected.value.errors}
    assert lines == {3, 4, 5, 6}
    assert "check digit" in str(rejected.value)
    assert not Product.objects.filter(sku__startswith="NEW").exists()


CSV_TEXT = "name,city\r\nJosé Muñoz,Köln\r\n\"Zoë, “quoted”\",Málaga\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_rows_are_read_from_utf8_with_or_without_bom_and_from_windows_files(encoding):
    data = CSV_TEXT.encode(encoding)
    rows = list(read_csv_rows(io.BytesIO(data), ["name", "city"]))
    assert rows == [(2, {"name": "José Muñoz", "city": "Köln"}), (3, {"name": "Zoë, “quoted”", "city": "Málaga"})]


def test_a_latin1_file_with_bytes_cp1252_leaves_undefined_is_read_as_latin1():
    data = "name,city\nJosé,A\x81B\n".encode("latin-1")
    assert list(read_csv_rows(io.BytesIO(data), ["name"])) == [(2, {"name": "José", "city": "A\x81B"})]


def test_a_file_mixing_utf8_and_windows_text_is_refused_with_a_clear_message():
    data = "name,city\nJosé,Köln\n".encode() + "Muñoz,Málaga\n".encode("cp1252")
    with pytest.raises(ImportRejected, match=r"line 3: .*not UTF-8.*Save it as .CSV UTF-8"):
        list(read_csv_rows(io.BytesIO(data), ["name"]))


def test_a_cp1252_product_file_is_imported():
    merchant = MerchantFactory()
    data = f"merchant,sku,name\r\n{merchant.code},SKU-1,Café crème\r\n".encode("cp1252")
    products_import(source=io.BytesIO(data))
    assert Product.objects.get(merchant=merchant, sku="SKU-1").name == "Café crème"
