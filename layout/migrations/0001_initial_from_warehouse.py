import datetime
import django.db.models.deletion
import layout.models
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("warehouse", "0006_pack_status_labels"),
    ]

    # State only: the tables keep their names (warehouse_warehouse, warehouse_zone, warehouse_bin); no row moves.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.CreateModel(
                    name='Warehouse',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=16, unique=True)),
                        ('name', models.CharField(max_length=200)),
                        ('address_line1', models.CharField(blank=True, max_length=200)),
                        ('city', models.CharField(blank=True, max_length=100)),
                        ('region', models.CharField(blank=True, help_text='State or province code', max_length=64)),
                        ('postal_code', models.CharField(blank=True, max_length=20)),
                        ('country', models.CharField(default='US', max_length=2)),
                        ('latitude', models.DecimalField(decimal_places=6, max_digits=9)),
                        ('longitude', models.DecimalField(decimal_places=6, max_digits=9)),
                        ('square_feet', models.PositiveIntegerField(default=0)),
                        ('timezone', models.CharField(default='UTC', max_length=64, validators=[layout.models.validate_timezone])),
                        ('order_cutoff', models.TimeField(default=datetime.time(14, 0), help_text='Local time orders must be released by')),
                        ('sla_ship_hours', models.PositiveIntegerField(default=24)),
                        ('sla_dock_to_stock_hours', models.PositiveIntegerField(default=24)),
                        ('sla_returns_hours', models.PositiveIntegerField(default=72)),
                        ('is_active', models.BooleanField(default=True)),
                    ],
                    options={
                        'db_table': 'warehouse_warehouse',
                        'ordering': ['code'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('latitude__gte', -90), ('latitude__lte', 90), ('longitude__gte', -180), ('longitude__lte', 180)), name='warehouse_coordinates_valid')],
                    },
                ),
                migrations.CreateModel(
                    name='Zone',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=16)),
                        ('name', models.CharField(max_length=100)),
                        ('kind', models.CharField(choices=[('receiving', 'Receiving dock'), ('storage', 'Storage / pick'), ('packing', 'Packing'), ('shipping', 'Shipping'), ('returns', 'Returns'), ('quarantine', 'Quarantine')], max_length=16)),
                        ('warehouse', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='zones', to='layout.warehouse')),
                    ],
                    options={
                        'db_table': 'warehouse_zone',
                        'ordering': ['warehouse_id', 'code'],
                    },
                ),
                migrations.CreateModel(
                    name='Bin',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=32)),
                        ('kind', models.CharField(choices=[('shelf', 'Shelf'), ('pallet', 'Pallet'), ('dock', 'Dock'), ('tote', 'Tote'), ('cart', 'Cart slot'), ('pack', 'Pack station'), ('returns', 'Returns')], default='shelf', max_length=16)),
                        ('walk_x', models.IntegerField(default=0, help_text='Walk coordinate, decimetres')),
                        ('walk_y', models.IntegerField(default=0, help_text='Walk coordinate, decimetres')),
                        ('aisle', models.CharField(blank=True, max_length=8)),
                        ('pick_sequence', models.PositiveIntegerField(default=0)),
                        ('capacity', models.PositiveIntegerField(blank=True, help_text='Units; empty means unlimited', null=True)),
                        ('is_pickable', models.BooleanField(default=True)),
                        ('is_active', models.BooleanField(default=True)),
                        ('warehouse', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bins', to='layout.warehouse')),
                        ('zone', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bins', to='layout.zone')),
                    ],
                    options={
                        'db_table': 'warehouse_bin',
                        'ordering': ['warehouse_id', 'pick_sequence', 'code'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='zone',
                    constraint=models.UniqueConstraint(fields=('warehouse', 'code'), name='zone_code_unique_per_warehouse'),
                ),
                migrations.AddConstraint(
                    model_name='zone',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['receiving', 'storage', 'packing', 'shipping', 'returns', 'quarantine'])), name='zone_kind_valid'),
                ),
                migrations.AddConstraint(
                    model_name='bin',
                    constraint=models.UniqueConstraint(fields=('warehouse', 'code'), name='bin_code_unique_per_warehouse'),
                ),
                migrations.AddConstraint(
                    model_name='bin',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['shelf', 'pallet', 'dock', 'tote', 'cart', 'pack', 'returns'])), name='bin_kind_valid'),
                ),
                migrations.AddConstraint(
                    model_name='bin',
                    constraint=models.CheckConstraint(condition=models.Q(('code', ''), _negated=True), name='bin_code_not_blank'),
                ),
        ]),
    ]
