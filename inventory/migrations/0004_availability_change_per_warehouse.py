import django.db.models.deletion
from django.db import migrations, models


def spread_marks_to_warehouses(apps, schema_editor):
    """A product marked before this change is marked at every warehouse that stocks it, so no push is lost."""
    AvailabilityChange = apps.get_model("inventory", "AvailabilityChange")
    StockLevel = apps.get_model("inventory", "StockLevel")
    for mark in AvailabilityChange.objects.filter(warehouse__isnull=True):
        warehouse_ids = list(StockLevel.objects.filter(product_id=mark.product_id).values_list("warehouse_id", flat=True))
        AvailabilityChange.objects.bulk_create(
            [AvailabilityChange(product_id=mark.product_id, warehouse_id=w, changed_at=mark.changed_at) for w in warehouse_ids]
        )
        mark.delete()


class Migration(migrations.Migration):
    # The marks are rewritten and committed before the column is altered: PostgreSQL refuses to ALTER a table
    # with pending foreign-key trigger events from rows written in the same transaction.
    atomic = False

    dependencies = [
        ("inventory", "0003_layout_tables_moved_to_layout_app"),
        ("layout", "0001_initial_from_warehouse"),
    ]

    operations = [
        migrations.AlterField(
            model_name="availabilitychange",
            name="product",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="inventory.product"),
        ),
        migrations.AddField(
            model_name="availabilitychange",
            name="warehouse",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="layout.warehouse"),
        ),
        migrations.RunPython(spread_marks_to_warehouses, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="availabilitychange",
            name="warehouse",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="layout.warehouse"),
        ),
        migrations.AddConstraint(
            model_name="availabilitychange",
            constraint=models.UniqueConstraint(fields=("product", "warehouse"), name="availability_change_one_per_level"),
        ),
        migrations.AddIndex(
            model_name="availabilitychange",
            index=models.Index(fields=["changed_at"], name="availability_change_oldest"),
        ),
    ]
