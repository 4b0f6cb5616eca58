import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0003_layout_tables_moved_to_layout_app'),
        ('layout', '0001_initial_from_warehouse'),
        ('orders', '0003_layout_tables_moved_to_layout_app'),
        ('shipping', '0005_layout_tables_moved_to_layout_app'),
        ('warehouse', '0006_pack_status_labels'),
    ]

    # State only: the tables keep their names (warehouse_warehouse, warehouse_zone, warehouse_bin); no row moves.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.AlterField(
                    model_name='pack',
                    name='tote',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='pack',
                    name='pack_bin',
                    field=models.ForeignKey(help_text='The pack station', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='putawaytask',
                    name='from_bin',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='putawaytask',
                    name='override_bin',
                    field=models.ForeignKey(blank=True, help_text="A scanned bin other than the suggestion, waiting for the operator's reason", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='putawaystep',
                    name='suggested_bin',
                    field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='pickslot',
                    name='tote',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='putawaystep',
                    name='to_bin',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='pickline',
                    name='bin',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='putawaytask',
                    name='suggested_bin',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='receipt',
                    name='dock_bin',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='discrepancy',
                    name='bin',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='counttask',
                    name='bin',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.bin'),
                ),
                migrations.AlterField(
                    model_name='putawaytask',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.warehouse'),
                ),
                migrations.RemoveField(
                    model_name='zone',
                    name='warehouse',
                ),
                migrations.AlterField(
                    model_name='purchaseorder',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='purchase_orders', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='wave',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='waves', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='discrepancy',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='discrepancies', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='receipt',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='receipts', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='pack',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='picksession',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='counttask',
                    name='warehouse',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='count_tasks', to='layout.warehouse'),
                ),
                migrations.AlterField(
                    model_name='picksession',
                    name='zone',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.zone'),
                ),
                migrations.DeleteModel(
                    name='Bin',
                ),
                migrations.DeleteModel(
                    name='Warehouse',
                ),
                migrations.DeleteModel(
                    name='Zone',
                ),
        ]),
    ]
