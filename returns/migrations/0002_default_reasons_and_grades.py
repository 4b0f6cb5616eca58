from django.db import migrations

REASONS = [
    ("wrong_size", "Wrong size"),
    ("damaged_in_transit", "Arrived damaged"),
    ("defective", "Defective / does not work"),
    ("not_as_described", "Not as described"),
    ("changed_mind", "Changed mind"),
    ("wrong_item_sent", "Wrong item sent"),
    ("late", "Arrived too late"),
]
GRADES = [  # code, label, sellable, default disposition, station key
    ("like_new", "Like New", True, "restock", "F1"),
    ("good", "Good", True, "restock", "F2"),
    ("damaged", "Damaged", False, "liquidate", "F3"),
]


def forwards(apps, schema_editor):
    ReasonCode = apps.get_model("returns", "ReasonCode")
    Grade = apps.get_model("returns", "Grade")
    for code, label in REASONS:
        ReasonCode.objects.get_or_create(merchant=None, code=code, defaults={"label": label})
    for code, label, sellable, disposition, key in GRADES:
        Grade.objects.get_or_create(merchant=None, code=code, defaults={
            "label": label, "sellable": sellable, "disposition": disposition, "key": key})


class Migration(migrations.Migration):
    dependencies = [("returns", "0001_returns_workflow")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
