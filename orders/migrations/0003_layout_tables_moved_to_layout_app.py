import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('layout', '0001_initial_from_warehouse'),
        ('orders', '0002_storefront_outbox'),
    ]

    # State only: the tables keep their names (warehouse_warehouse, warehouse_zone, warehouse_bin); no row moves.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.AlterField(
                    model_name='fulfillmentorder',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='fulfillment_orders', to='layout.warehouse'),
                ),
        ]),
    ]
