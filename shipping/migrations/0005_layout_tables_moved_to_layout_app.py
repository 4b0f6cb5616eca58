import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('layout', '0001_initial_from_warehouse'),
        ('shipping', '0004_shipment_tracking_url'),
    ]

    # State only: the tables keep their names (warehouse_warehouse, warehouse_zone, warehouse_bin); no row moves.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.AlterField(
                    model_name='manifest',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='manifests', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='shipment',
                    name='from_bin',
                    field=models.ForeignKey(help_text='Where the carton waits', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='shipment',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.warehouse'),
                ),
        ]),
    ]
