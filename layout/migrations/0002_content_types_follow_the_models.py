from django.db import migrations

MOVED = ("warehouse", "zone", "bin")


def content_types_to_layout(apps, schema_editor):
    """Permissions granted on the layout models (roles, admin) follow them to the new app label."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="layout", model=model).exists():
            ContentType.objects.filter(app_label="warehouse", model=model).update(app_label="layout")


def content_types_to_warehouse(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        ContentType.objects.filter(app_label="layout", model=model).update(app_label="warehouse")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("layout", "0001_initial_from_warehouse"),
    ]

    operations = [migrations.RunPython(content_types_to_layout, content_types_to_warehouse)]
