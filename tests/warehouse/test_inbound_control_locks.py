"""The WMS's inbound and control locks hold their own row (FOR NO KEY UPDATE) and nothing it references;
one putaway decision at a time per bin keeps capacity honest without locking the Bin row."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from core import roles
from inventory.models import BinStock
from inventory.services.stock import stock_receive
from layout.models import Bin
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, ProductFactory, UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import build_site, make_po
from warehouse import locks
from warehouse.inbound.services.putaway import PutawayRefused, putaway_claim_next, putaway_confirm
from warehouse.models import CountTask, Discrepancy, PutawayOverrideReason, PutawayTask, Receipt

pytestmark = pytest.mark.django_db(transaction=True)


def _from_another_connection(sql: str, params) -> Exception | None:
    outcome: list = []

    def run():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
                cursor.execute(sql, params)
            outcome.append(None)
        except Exception as exc:  # reported to the test
            outcome.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return outcome[0]


def test_each_lock_holds_its_row_and_leaves_merchant_warehouse_product_and_bin_free():
    site = build_site(shelves=1)
    product = ProductFactory(merchant=site.merchant)
    po = make_po(site, [(product, 3)])
    receipt = Receipt.objects.create(purchase_order=po, warehouse=site.warehouse, dock_bin=site.dock)
    task = PutawayTask.objects.create(receipt=receipt, warehouse=site.warehouse, product=product, from_bin=site.dock, qty=3)
    discrepancy = Discrepancy.objects.create(warehouse=site.warehouse, product=product, bin=site.shelves[0], kind="short",
                                             expected_qty=2, found_qty=0)
    count = CountTask.objects.create(warehouse=site.warehouse, bin=site.shelves[0], product=product, discrepancy=discrepancy)
    cases = [
        (lambda: locks.lock_purchase_order(po.pk, related=("merchant", "warehouse")), "warehouse_purchaseorder", po.pk),
        (lambda: locks.lock_receipt(receipt.pk, related=("purchase_order__merchant", "dock_bin")), "warehouse_receipt", receipt.pk),
        (lambda: locks.lock_putaway_task(task.pk, related=("product", "from_bin")), "warehouse_putawaytask", task.pk),
        (lambda: locks.lock_discrepancy(discrepancy.pk, related=("product", "bin")), "warehouse_discrepancy", discrepancy.pk),
        (lambda: locks.lock_count_task(count.pk, related=("product", "bin")), "warehouse_counttask", count.pk),
    ]
    references = [("inventory_merchant", site.merchant.pk), ("inventory_product", product.pk),
                  (Bin._meta.db_table, site.dock.pk), (Bin._meta.db_table, site.shelves[0].pk),
                  (site.warehouse._meta.db_table, site.warehouse.pk)]
    for take, table, pk in cases:
        with transaction.atomic():
            take()
            assert isinstance(_from_another_connection(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [pk]),
                              OperationalError), table
            assert _from_another_connection(f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE", [pk]) is None, table
            for ref_table, ref_pk in references:
                assert _from_another_connection(f"SELECT 1 FROM {ref_table} WHERE id = %s FOR UPDATE", [ref_pk]) is None, (
                    table, ref_table)


def test_two_putaways_racing_for_the_last_room_in_a_bin_never_overfill_it():
    site = build_site(shelves=1)
    receivers = [UserFactory(role=roles.RECEIVER) for _ in range(2)]
    for n in range(5):
        bin_ = BinFactory(zone=site.shelves[0].zone, code=f"B-{n:02d}", capacity=6)
        tasks, receipts = [], []
        for receiver in receivers:  # two SKUs on two receipts: nothing but the bin is shared
            product = ProductFactory(merchant=site.merchant)
            receipt = Receipt.objects.create(purchase_order=make_po(site, [(product, 4)]), warehouse=site.warehouse,
                                             dock_bin=site.dock, status=Receipt.Status.PUTAWAY)
            stock_receive(product=product, bin=site.dock, qty=4, actor=None, reference=f"receipt:{receipt.pk}")
            PutawayTask.objects.create(receipt=receipt, warehouse=site.warehouse, product=product, from_bin=site.dock, qty=4)
            tasks.append(putaway_claim_next(warehouse=site.warehouse, actor=receiver, product=product))
            receipts.append(receipt)

        def put(i, tasks=tasks, bin_=bin_):
            task = tasks[i]
            reason = PutawayOverrideReason.OTHER if task.suggested_bin_id not in (None, bin_.pk) else ""
            return putaway_confirm(task=task, to_bin=bin_, qty=4, actor=receivers[i], override_reason=reason)

        results = run_in_threads(put, 2)

        done = [r for r in results if isinstance(r, PutawayTask)]
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(done) == 1 and len(refused) == 1 and isinstance(refused[0], PutawayRefused), results
        assert "has room for 2" in str(refused[0])
        assert sum(BinStock.objects.filter(bin=bin_).values_list("qty", flat=True)) == 4
        assert sum(BinStock.objects.filter(bin=site.dock, product_id__in=[t.product_id for t in tasks])
                   .values_list("qty", flat=True)) == 4
        assert_stock_invariants()
        PutawayTask.objects.filter(receipt__in=receipts).update(status=PutawayTask.Status.DONE)  # clear the receivers' hands
