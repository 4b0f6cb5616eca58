import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shipping', '0009_transfer_parcels'),
        ('warehouse', '0020_putaway_tasks_for_transfers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='transferorder',
            name='tracking_number',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.CreateModel(
            name='TransferParcel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(help_text='1, 2, ... within the labelling')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('carton_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='warehouse.cartontype')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('shipment', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='transfer_parcel', to='shipping.shipment')),
                ('transfer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='parcels', to='warehouse.transferorder')),
            ],
            options={
                'ordering': ['transfer_id', 'id'],
            },
        ),
    ]
