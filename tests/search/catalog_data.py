"""The small catalog the search contract is checked against (built with the shared factories).

Ball valves and pumps in a category tree, a series with variants, and products that must never
be found (unpublished, draft lifecycle). Numbers are entered in several units on purpose.
Downloads (:func:`add_downloads`) are linked to a product, the series and a category, plus
assets that must not count (not public, valid only from tomorrow, on a hidden product); their
small files go to ``MEDIA_ROOT``.
"""

from datetime import timedelta
from io import BytesIO

from django.utils import timezone

from pim.assets import samples
from pim.assets.models import Asset
from pim.assets.services import create_asset, create_video_link, link_asset
from pim.catalog.models import (
    Attribute,
    AttributeGroup,
    AttributeOption,
    AttributeType,
    Category,
    Family,
    FamilyAttribute,
    Lifecycle,
    Product,
    ProductModel,
)
from pim.catalog.values import set_values
from tests.factories import make_product, make_valve_family, quantity, unit


def build_catalog() -> dict[str, Product]:
    """Create the catalog; returns products by article number."""
    root = Category.objects.create(code="fluid", name={"en": "Fluid technology", "de": "Fluidtechnik"})
    valves_cat = Category.objects.create(
        code="valves-cat", name={"en": "Valves", "de": "Ventile"}, parent=root
    )
    ball_cat = Category.objects.create(
        code="ball-valves", name={"en": "Ball valves", "de": "Kugelhähne"}, parent=valves_cat
    )
    pumps_cat = Category.objects.create(code="pumps-cat", name={"en": "Pumps", "de": "Pumpen"}, parent=root)
    Category.objects.create(code="empty-cat", name={"en": "Empty", "de": "Leer"}, parent=root)

    valves = make_valve_family("valves")
    Attribute.objects.filter(code="food_grade").update(filterable=True)
    Attribute.objects.filter(code="body_material").update(searchable=True)

    pumps = Family.objects.create(code="pumps", name={"en": "Pumps", "de": "Pumpen"})
    group = AttributeGroup.objects.get(code="technical")
    flow = Attribute.objects.create(
        code="flow_rate",
        name={"en": "Flow rate", "de": "Volumenstrom"},
        type=AttributeType.NUMBER,
        quantity=quantity("volume_flow"),
        display_unit=unit("l_min"),
        filterable=True,
    )
    pump_type = Attribute.objects.create(
        code="pump_type",
        name={"en": "Pump type", "de": "Pumpenbauart"},
        type=AttributeType.ENUM,
        filterable=True,
    )
    for order, (code, en, de) in enumerate(
        [("gear", "Gear pump", "Zahnradpumpe"), ("piston", "Piston pump", "Kolbenpumpe")]
    ):
        AttributeOption.objects.create(
            attribute=pump_type, code=code, name={"en": en, "de": de}, sort_order=order
        )
    for order, attribute in enumerate([Attribute.objects.get(code="max_pressure"), flow, pump_type]):
        FamilyAttribute.objects.create(family=pumps, attribute=attribute, group=group, sort_order=order)

    products = {}

    def add(family, article, en, de, values=None, categories=(), **fields):
        product = make_product(
            family, article_number=article, name={"en": en, "de": de}, values=values, **fields
        )
        if categories:
            product.categories.set(categories)
            product.save()
        products[article] = product
        return product

    add(
        valves,
        "4711-ABC.12",
        "Brass ball valve",
        "Kugelhahn Messing",
        {
            "max_pressure": "16 bar",
            "temperature_range": "-10 .. 120 °C",
            "body_material": "brass",
            "approvals": ["fda", "dvgw"],
            "food_grade": True,
        },
        [ball_cat],
        short_description={"en": "Full bore, for drinking water", "de": "Voller Durchgang, für Trinkwasser"},
    )
    add(
        valves,
        "KH-100",
        "Stainless steel ball valve",
        "Kugelhahn Edelstahl",
        {
            "max_pressure": "40 bar",
            "temperature_range": "-20 .. 180 °C",
            "body_material": "ss316",
            "approvals": ["fda", "atex"],
            "food_grade": True,
        },
        [ball_cat],
    )
    add(
        valves,
        "KH-101",
        "Compact ball valve",
        "Kompakt-Kugelhahn",
        {
            "max_pressure": "10 bar",
            "temperature_range": "0 .. 80 °C",
            "body_material": "brass",
            "approvals": ["dvgw"],
            "food_grade": False,
        },
        [ball_cat],
    )
    add(
        valves,
        "KH-102",
        "Ball valve for gas",
        "Kugelhahn für Gas",
        {
            "max_pressure": "232 psi",
            "temperature_range": "14 °F .. 248 °F",
            "body_material": "ss316",
            "approvals": ["atex"],
            "food_grade": False,
        },
        [ball_cat],
    )
    add(
        valves,
        "KH-300",
        "Old ball valve",
        "Alter Kugelhahn",
        {"max_pressure": "25 bar", "body_material": "brass"},
        [ball_cat],
        lifecycle=Lifecycle.DISCONTINUED,
    )
    # never to be found
    add(
        valves,
        "KH-200",
        "Secret ball valve",
        "Geheimer Kugelhahn",
        {"max_pressure": "16 bar"},
        [ball_cat],
        live=False,
    )
    add(
        valves,
        "KH-201",
        "Draft ball valve",
        "Entwurf Kugelhahn",
        {"max_pressure": "16 bar"},
        [ball_cat],
        lifecycle=Lifecycle.DRAFT,
    )

    add(
        pumps,
        "HP-1",
        "Hydraulic pump HP-1",
        "Hydraulikpumpe HP-1",
        {"max_pressure": "250 bar", "flow_rate": "20 l/min", "pump_type": "gear"},
        [pumps_cat],
        short_description={"en": "Compact gear pump", "de": "Kompakte Zahnradpumpe"},
    )
    add(
        pumps,
        "HP-2",
        "Axial piston pump",
        "Axialkolbenpumpe",
        {"max_pressure": "350 bar", "flow_rate": "45 l/min", "pump_type": "piston"},
        [pumps_cat],
    )
    add(
        pumps,
        "PU-9",
        "Condensate pump",
        "Pumpe für Kondensat",
        {"max_pressure": "6 bar", "flow_rate": "1.5 m³/h"},
        [pumps_cat],
    )
    add(
        pumps,
        "ZP-5",
        "Gear pump",
        "Zahnradpumpe",
        {"max_pressure": "160 bar", "flow_rate": "8 l/min", "pump_type": "gear"},
        [pumps_cat],
    )

    series = ProductModel.objects.create(
        code="VS", name={"en": "Valve series VS", "de": "Ventilserie VS"}, family=valves, live=True
    )
    series.axes.set([Attribute.objects.get(code="nominal_size")])
    set_values(
        series, {"max_pressure": "16 bar", "body_material": "brass", "temperature_range": "-10 .. 90 °C"}
    )
    series.save()
    series.categories.set([ball_cat])
    series.save()
    for article, values in (
        ("VS-15", {"nominal_size": "15 mm"}),
        ("VS-20", {"nominal_size": "20 mm", "max_pressure": "25 bar"}),
    ):
        products[article] = make_product(
            valves, article_number=article, name={}, product_model=series, values=values
        )
    add_downloads(products, series, valves_cat)
    return products


def _pdf(title: str, kind: str, **options):
    return create_asset(
        BytesIO(samples.simple_pdf(title, [title])), filename=f"{title}.pdf", kind=kind, **options
    ).asset


def add_downloads(products, series, valves_cat) -> None:
    """Public downloads per product (see DOWNLOADS): a datasheet on 4711-ABC.12, a STEP model
    on the series (its variants), a certificate on the valves category (every valve)."""
    link_asset(_pdf("Datasheet 4711", "datasheet"), products["4711-ABC.12"])
    step = create_asset(BytesIO(samples.step_box("VS")), filename="vs.step", kind="cad_3d").asset
    link_asset(step, series)
    link_asset(_pdf("Certificate valves", "certificate"), valves_cat)
    link_asset(create_video_link("https://video.example.com/zp5", title={"en": "ZP-5"}), products["ZP-5"])
    # never counted
    link_asset(_pdf("Manual HP-1 (internal)", "manual", public=False), products["HP-1"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    link_asset(_pdf("Manual HP-2 (next version)", "manual", valid_from=tomorrow), products["HP-2"])
    link_asset(_pdf("Drawing KH-200", "cad_2d"), products["KH-200"])


VISIBLE = [
    "4711-ABC.12",
    "KH-100",
    "KH-101",
    "KH-102",
    "KH-300",
    "HP-1",
    "HP-2",
    "PU-9",
    "ZP-5",
    "VS-15",
    "VS-20",
]
HIDDEN = ["KH-200", "KH-201"]

# The public downloads of the visible products (the others have none).
VALVES_CERTIFICATE = ["4711-ABC.12", "KH-100", "KH-101", "KH-102", "KH-300", "VS-15", "VS-20"]
DOWNLOADS = {
    **{article: ["certificate"] for article in VALVES_CERTIFICATE},
    "4711-ABC.12": ["certificate", "datasheet"],
    "VS-15": ["cad_3d", "certificate"],
    "VS-20": ["cad_3d", "certificate"],
    "ZP-5": ["video"],
}


def delete_catalog() -> None:
    """Remove everything :func:`build_catalog` made (the data is shared by a test module)."""
    from pim.search.models import IndexEntry, IndexTarget, IndexVocabulary, OutboxEntry

    Asset.objects.all().delete()
    Product.objects.filter(product_model__isnull=False).delete()
    Product.objects.all().delete()
    ProductModel.objects.all().delete()
    FamilyAttribute.objects.all().delete()
    Family.objects.all().delete()
    AttributeOption.objects.all().delete()
    Attribute.objects.all().delete()
    AttributeGroup.objects.all().delete()
    for category in Category.objects.order_by("-level"):
        category.delete()
    # last: deleting products records outbox entries
    IndexEntry.objects.all().delete()
    IndexVocabulary.objects.all().delete()
    OutboxEntry.objects.all().delete()
    IndexTarget.objects.all().delete()
