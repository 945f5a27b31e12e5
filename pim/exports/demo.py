"""Demo channels: one per format, so a newcomer can export the demo catalog at once.

``python manage.py create_demo_channels`` (also called by the demo catalog command).
Idempotent: existing demo channels are updated, not duplicated.
"""

from django.conf import settings

from .models import Channel, ChannelRequirement, ExportFormat, FeatureSystem, RequirementKind

DEMO_SUPPLIER = "Demo Fluid Technology GmbH"

# code suffix, format, display name
DEMO_CHANNELS = [
    ("bmecat2005", ExportFormat.BMECAT_2005, "Demo BMEcat 2005 (ETIM features)"),
    ("etim", ExportFormat.BMECAT_2005_ETIM, "Demo ETIM BMEcat guideline 5.0"),
    ("bmecat12", ExportFormat.BMECAT_12, "Demo BMEcat 1.2"),
    ("csv", ExportFormat.CSV, "Demo CSV"),
    ("xlsx", ExportFormat.XLSX, "Demo Excel"),
    ("jsonl", ExportFormat.JSONL, "Demo JSON Lines feed"),
]

# Required for completeness in every family of the demo channels.
DEMO_REQUIREMENTS = [
    (RequirementKind.FIELD, "name"),
    (RequirementKind.FIELD, "short_description"),
    (RequirementKind.FIELD, "price"),
    (RequirementKind.FIELD, "category"),
    (RequirementKind.FIELD, "etim_class"),
    (RequirementKind.ASSET, "image"),
]


def create_demo_channels() -> list[Channel]:
    channels = []
    languages = ",".join(settings.PIM_LANGUAGES)
    for suffix, format, name in DEMO_CHANNELS:
        channel, _created = Channel.objects.update_or_create(
            code=f"demo-{suffix}",
            defaults={
                "name": name,
                "format": format,
                "languages": languages,
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
