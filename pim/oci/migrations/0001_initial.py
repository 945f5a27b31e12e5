import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="OciCustomer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "username",
                    models.CharField(
                        help_text="The USERNAME the buyer's system sends in the OCI entry call.",
                        max_length=100,
                        unique=True,
                        verbose_name="USERNAME",
                    ),
                ),
                ("password", models.CharField(editable=False, max_length=128, verbose_name="PASSWORD (hashed)")),
                (
                    "hook_url_prefixes",
                    models.TextField(
                        help_text=(
                            "One per line, e.g. https://srm.example.com/sap/bc/. A punch-out whose HOOK_URL does "
                            "not start with one of them (same scheme, host and port) is refused."
                        ),
                        verbose_name="allowed HOOK_URL prefixes",
                    ),
                ),
                (
                    "currency",
                    models.CharField(
                        default="EUR",
                        max_length=3,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Z]{3}$", "Use an ISO 4217 currency code such as EUR."
                            )
                        ],
                        verbose_name="currency",
                    ),
                ),
                (
                    "price_type",
                    models.CharField(
                        choices=[("net_list", "Net list price"), ("gros_list", "Gross list price")],
                        default="net_list",
                        max_length=16,
                        verbose_name="price type",
                    ),
                ),
                (
                    "material_group_source",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not sent"),
                            ("category", "Category code (the product's first category)"),
                            ("etim_class", "ETIM class of the product's family"),
                        ],
                        default="",
                        help_text="OCI allows 10 characters; longer codes are cut.",
                        max_length=16,
                        verbose_name="MATGROUP from",
                    ),
                ),
                (
                    "default_unit",
                    models.CharField(
                        default="C62",
                        help_text="UN/ECE code sent as NEW_ITEM-UNIT when a product has no order unit.",
                        max_length=3,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Z0-9]{1,3}$", "Use a UN/ECE Rec. 20 unit code such as C62."
                            )
                        ],
                        verbose_name="default unit",
                    ),
                ),
                (
                    "vendor_number",
                    models.CharField(
                        blank=True,
                        help_text="Our business partner number in the buyer's system; empty: not sent.",
                        max_length=10,
                        verbose_name="vendor number (NEW_ITEM-VENDOR)",
                    ),
                ),
                (
                    "manufacturer_code",
                    models.CharField(
                        blank=True,
                        help_text="Our manufacturer number in the buyer's system; empty: not sent.",
                        max_length=10,
                        verbose_name="manufacturer number (NEW_ITEM-MANUFACTCODE)",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
            ],
            options={
                "verbose_name": "OCI customer",
                "verbose_name_plural": "OCI customers",
                "ordering": ["name", "pk"],
            },
        ),
    ]
