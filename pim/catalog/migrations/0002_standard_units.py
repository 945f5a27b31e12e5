from django.db import migrations


def seed(apps, schema_editor):
    from pim.catalog.unit_data import ensure_standard_units

    ensure_standard_units(apps.get_model("catalog", "Quantity"), apps.get_model("catalog", "Unit"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
