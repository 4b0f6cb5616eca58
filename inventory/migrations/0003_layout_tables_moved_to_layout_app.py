import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0002_movement_append_only'),
        ('layout', '0001_initial_from_warehouse'),
    ]

    # State only: the tables keep their names (warehouse_warehouse, warehouse_zone, warehouse_bin); no row moves.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.AlterField(
                    model_name='binstock',
                    name='bin',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='stock', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='binstock',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='driftfinding',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='lowstockalert',
                    name='warehouse',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='movement',
                    name='bin',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='movements', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='movement',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='movements', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='reorderrule',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='reservation',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reservations', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='stockflag',
                    name='bin',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='flags', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='stocklevel',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='stock_levels', to='layout.warehouse'),
                ),
        ]),
    ]
