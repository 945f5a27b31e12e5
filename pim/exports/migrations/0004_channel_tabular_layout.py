# The channel's tabular layout (machine / readable price list), issue 13.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0003_pending_completeness"),
    ]

    operations = [
        # the completeness fields of the catalog gained the trade and logistics data
        migrations.AlterField(
            model_name="channelrequirement",
            name="field",
            field=models.CharField(
                blank=True,
                choices=[
                    ("name", "Name"),
                    ("short_description", "Short description"),
                    ("long_description", "Long description"),
                    ("gtin", "GTIN"),
                    ("manufacturer_pid", "Manufacturer part number"),
                    ("manufacturer_name", "Manufacturer"),
                    ("category", "Category"),
                    ("price", "List price in the channel currency"),
                    ("etim_class", "ETIM class of the family"),
                    ("net_weight", "Net weight"),
                    ("gross_weight", "Gross weight"),
                    ("dimensions", "Dimensions (length × width × height)"),
                    ("country_of_origin", "Country of origin"),
                    ("customs_tariff_number", "Customs tariff number"),
                    ("delivery_time", "Delivery time"),
                    ("brand", "Brand"),
                    ("keywords", "Keywords"),
                    ("packing_unit", "Packing unit"),
                    ("reach", "REACH declaration"),
                    ("rohs", "RoHS declaration"),
                    ("ce", "CE marking (yes or no stated)"),
                ],
                max_length=32,
                verbose_name="field",
            ),
        ),
        migrations.AddField(
            model_name="channel",
            name="tabular_layout",
            field=models.CharField(
                choices=[
                    ("machine", "Machine-readable (codes; for integrations and the import)"),
                    ("price_list", "Readable price list (labels; one row per price)"),
                ],
                default="machine",
                help_text=(
                    "Machine-readable: one row per product, field and attribute codes as headers, option "
                    "codes as values; stable for integrations and what the import reads back. Readable "
                    "price list: for buyers comparing suppliers; headers and options as labels in the "
                    "channel's first language, units in the headers, one row per price tier and validity "
                    "period."
                ),
                max_length=12,
                verbose_name="layout",
            ),
        ),
    ]
