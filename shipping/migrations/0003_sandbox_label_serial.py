from django.db import migrations


class Migration(migrations.Migration):
    """Label serial numbers for the sandbox carriers, shared by every web and worker process."""

    dependencies = [("shipping", "0002_packing_and_shipping")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS shipping_sandbox_label_serial START 1000",
            "DROP SEQUENCE IF EXISTS shipping_sandbox_label_serial",
        ),
    ]
