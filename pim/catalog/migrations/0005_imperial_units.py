from django.db import migrations

NEW_UNITS = ("lbf", "lbf_ft", "hp", "cfm")


def seed(apps, schema_editor):
    """Add the imperial units of the public site's metric/imperial toggle (lbf, lbf·ft, hp,
    ft³/min). Only missing units are created: rerunning ``ensure_standard_units`` would reset
    what editors changed on the standard units since the first seed."""
    from pim.catalog.unit_data import UNITS

    Quantity = apps.get_model("catalog", "Quantity")
    Unit = apps.get_model("catalog", "Unit")
    for order, (code, symbol, expression, quantity, unece, name_en, name_de, aliases) in enumerate(UNITS):
        if code not in NEW_UNITS or Unit.objects.filter(code=code).exists():
            continue
        Unit.objects.create(
            code=code,
            symbol=symbol,
            pint_expression=expression,
            quantity=Quantity.objects.get(code=quantity),
            unece_code=unece,
            name={"en": name_en, "de": name_de},
            aliases=aliases,
            sort_order=order,
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_family_attribute_in_listing")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
