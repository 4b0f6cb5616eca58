import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0012_erp_feed_transaction_ids'),
        ('layout', '0003_warehouse_capacity_settings'),
        ('orders', '0016_channel_locations_per_warehouse'),
        ('shipping', '0008_merge_carrier_webhooks_and_erp_feed'),
        ('warehouse', '0020_putaway_tasks_for_transfers'),
    ]

    operations = [
        migrations.AddField(
            model_name='shipment',
            name='purpose',
            field=models.CharField(choices=[('order', "An order's carton"), ('transfer', 'A parcel of a transfer to another of our warehouses')], default='order', max_length=10),
        ),
        migrations.AlterField(
            model_name='shipment',
            name='carton',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='shipments', to='warehouse.carton'),
        ),
        migrations.AlterField(
            model_name='shipment',
            name='fulfillment_order',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='shipments', to='orders.fulfillmentorder'),
        ),
        migrations.AddField(
            model_name='shipment',
            name='merchant',
            field=models.ForeignKey(blank=True, help_text="Whose stock a transfer parcel carries (an order's comes from its order)", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.merchant'),
        ),
        migrations.AddField(
            model_name='shipment',
            name='destination',
            field=models.ForeignKey(blank=True, help_text='Where a transfer parcel goes', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.warehouse'),
        ),
        migrations.AddField(
            model_name='shipment',
            name='document',
            field=models.CharField(blank=True, help_text='The transfer a parcel belongs to, by number', max_length=40),
        ),
        migrations.AddConstraint(
            model_name='shipment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('carton__isnull', False), ('destination__isnull', True), ('fulfillment_order__isnull', False), ('purpose', 'order')), models.Q(('carton__isnull', True), ('destination__isnull', False), ('fulfillment_order__isnull', True), ('merchant__isnull', False), ('purpose', 'transfer'), models.Q(('document', ''), _negated=True), models.Q(('destination', models.F('warehouse')), _negated=True)), _connector='OR'), name='shipment_purpose_documents'),
        ),
    ]
