"""Demo channels: one per format, so a newcomer can export the demo catalog at once, and a
readable price list (Excel, German first) as a buyer would get it.

``python manage.py create_demo_channels`` (also called by the demo catalog command).
Idempotent: existing demo channels are updated, not duplicated.
"""

from django.conf import settings

from .models import Channel, ChannelRequirement, ExportFormat, FeatureSystem, RequirementKind, TabularLayout

DEMO_SUPPLIER = "Demo Fluid Technology GmbH"

# code suffix, format, display name (and what a channel sets otherwise, below)
DEMO_CHANNELS = [
    ("bmecat2005", ExportFormat.BMECAT_2005, "Demo BMEcat 2005 (ETIM features)"),
    ("etim", ExportFormat.BMECAT_2005_ETIM, "Demo ETIM BMEcat guideline 5.0"),
    ("bmecat12", ExportFormat.BMECAT_12, "Demo BMEcat 1.2"),
    ("csv", ExportFormat.CSV, "Demo CSV"),
    ("xlsx", ExportFormat.XLSX, "Demo Excel"),
    ("jsonl", ExportFormat.JSONL, "Demo JSON Lines feed"),
    ("price-list", ExportFormat.XLSX, "Demo price list (Excel, German)"),
]

# The price list is what a German buyer opens in Excel: labels in German, one row per price.
DEMO_CHANNEL_SETTINGS = {"price-list": {"tabular_layout": TabularLayout.PRICE_LIST, "first_language": "de"}}

# Required for completeness in every family of the demo channels.
DEMO_REQUIREMENTS = [
    (RequirementKind.FIELD, "name"),
    (RequirementKind.FIELD, "short_description"),
    (RequirementKind.FIELD, "price"),
    (RequirementKind.FIELD, "category"),
    (RequirementKind.FIELD, "etim_class"),
    (RequirementKind.ASSET, "image"),
    # what shops and ERPs rank highest (the demo fills them; a series' values count)
    (RequirementKind.FIELD, "net_weight"),
    (RequirementKind.FIELD, "gross_weight"),
    (RequirementKind.FIELD, "dimensions"),
    (RequirementKind.FIELD, "country_of_origin"),
    (RequirementKind.FIELD, "customs_tariff_number"),
    (RequirementKind.FIELD, "brand"),
    (RequirementKind.FIELD, "keywords"),
]


def create_demo_channels() -> list[Channel]:
    channels = []
    for suffix, format, name in DEMO_CHANNELS:
        options = dict(DEMO_CHANNEL_SETTINGS.get(suffix, {}))
        first = options.pop("first_language", None)
        languages = [code for code in settings.PIM_LANGUAGES if code == first]
        languages += [code for code in settings.PIM_LANGUAGES if code != first]
        channel, _created = Channel.objects.update_or_create(
            code=f"demo-{suffix}",
            defaults={
                "name": name,
                "format": format,
                "languages": ",".join(languages),
                "currency": "EUR",
                "feature_system": FeatureSystem.ETIM,
                "supplier_name": DEMO_SUPPLIER,
                "supplier_id": "4000001000005",
                "supplier_id_type": "gln",
                "buyer_name": "Demo Wholesale AG" if format == ExportFormat.BMECAT_2005_ETIM else "",
                "territory": "DE",
                "media_base_url": settings.PIM_PUBLIC_BASE_URL.rstrip("/") + "/",
                "catalog_name": "Demo catalog",
                "active": True,
                "tabular_layout": TabularLayout.MACHINE,
                **options,
            },
        )
        ChannelRequirement.objects.filter(channel=channel).delete()
        ChannelRequirement.objects.bulk_create(
            ChannelRequirement(
                channel=channel,
                kind=kind,
                field=code if kind == RequirementKind.FIELD else "",
                asset_kind=code if kind == RequirementKind.ASSET else "",
            )
            for kind, code in DEMO_REQUIREMENTS
        )
        channels.append(channel)
    return channels
