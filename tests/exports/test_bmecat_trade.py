"""Trade and logistics data in the three BMEcat writers: every value where the standard has
a place, in the unit it prescribes (m, kg, m³), inherited from the series where the product
has none, nothing for empty fields; each file valid against its official schema."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pim.catalog.models import Lifecycle, PackingUnit, Product, ProductPrice
from pim.exports.models import ExportFormat, RunKind, RunStatus
from pim.exports.runs import run_export
from tests.factories import make_product

from .conftest import assert_valid, gtin, make_channel

pytestmark = pytest.mark.django_db

NS_2005 = {"b": "http://www.bmecat.org/bmecat/2005"}
NS_ETIM = {"b": "https://www.etim-international.com/bmecat/50"}
NS_12 = {
    "new": {"b": "http://www.bmecat.org/XMLSchema/1.2/bmecat_new_catalog"},
    "products": {"b": "http://www.bmecat.org/XMLSchema/1.2/bmecat_update_products"},
}
SCIP = "f5716c60-d07c-415c-b4c0-c1a796eaaf04"
BOX_GTIN = gtin("1400638133393")
CARTON_GTIN = gtin("2400638133393")
# Elements that only trade data produce (none of them may appear for a product without it).
TRADE_ELEMENTS_2005 = (
    "DELIVERY_TIME",
    "KEYWORD",
    "SPECIAL_TREATMENT_CLASS",
    "PACKING_UNITS",
    "PRODUCT_LOGISTIC_DETAILS",
)
TRADE_ELEMENTS_UDX = (
    "UDX.EDXF.BRAND_NAME",
    "UDX.EDXF.DISCOUNT_GROUP",
    "UDX.EDXF.PACKING_UNITS",
    "UDX.EDXF.PRODUCT_LOGISTIC_DETAILS",
    "UDX.EDXF.ROHS_INDICATOR",
    "UDX.EDXF.CE_MARKING",
    "UDX.EDXF.REACH",
    "UDX.EDXF.SPECIAL_TREATMENT_CLASS_DETAILS",
)


@pytest.fixture
def trade_catalog(catalog):
    """The export catalog with trade data: KH-100 fills every field itself, the series
    KH-SERIES holds what its variant KH-SER-15 inherits (the variant overrides the delivery
    time and has its own weight and dimensions), KH-SEAL is dangerous goods, KH-200 has none."""
    full = catalog.products["full"]
    full.brand = "Acme ProLine"
    full.country_of_origin = "DE"
    full.customs_tariff_number = "84818081"
    full.delivery_time_days = 5
    full.discount_group = "RG-12"
    full.keywords = {"en": "ball valve, brass; DN15", "de": "Kugelhahn, Messing\nDN15"}
    full.reach_status = "contains"
    full.scip_number = SCIP
    full.rohs_status = "compliant"
    full.ce_marking = True
    full.net_weight = Decimal("0.250000")
    full.gross_weight = Decimal("0.310000")
    full.length, full.width, full.height = Decimal("120.000"), Decimal("80.000"), Decimal("45.000")
    full.save()
    PackingUnit.objects.create(
        product=full,
        sort_order=0,
        code="BX",
        quantity=Decimal("10.000"),
        gtin=BOX_GTIN,
        gross_weight=Decimal("3.200000"),
        length=Decimal("300.000"),
        width=Decimal("200.000"),
        height=Decimal("100.000"),
        package_break=True,
    )
    PackingUnit.objects.create(
        product=full,
        sort_order=1,
        code="CT",
        quantity=Decimal("50.000"),
        gtin=CARTON_GTIN,
        gross_weight=Decimal("16.500000"),
        length=Decimal("600.000"),
        width=Decimal("400.000"),
        height=Decimal("250.000"),
    )

    series = catalog.model
    series.brand = "KH Line"
    series.country_of_origin = "IT"
    series.customs_tariff_number = "84818085"
    series.delivery_time_days = 10
    series.discount_group = "S-7"
    series.keywords = {"en": "series valve, stainless", "de": "Serienventil, Edelstahl"}
    series.reach_status = "free"
    series.rohs_status = "exempt"
    series.ce_marking = False
    series.save()
    variant = catalog.products["variant"]
    variant.delivery_time_days = 3
    variant.net_weight = Decimal("1.200000")
    variant.length, variant.width, variant.height = Decimal("150.000"), Decimal("60.000"), Decimal("60.000")
    variant.save()

    seal = make_product(
        catalog.family,
        article_number="KH-SEAL",
        name={"en": "Thread sealant, solvent-based", "de": "Gewindedichtmittel, lösemittelhaltig"},
        un_number="1133",
        hazard_class="3",
        packing_group="II",
    )
    seal.categories.set([catalog.categories["ball"]])
    seal.save()
    ProductPrice.objects.create(product=seal, price_type="net_list", currency="EUR", amount=Decimal("7.90"))
    catalog.products["seal"] = seal
    return catalog


def export(channel, **options):
    run = run_export(channel, **options)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def product(document, number, ns, element="PRODUCT", pid="SUPPLIER_PID"):
    found = document.xpath(f"//b:{element}[b:{pid}=$number]", namespaces=ns, number=number)
    assert len(found) == 1, f"{number} appears {len(found)} times"
    return found[0]


def texts(element, path, ns):
    return [node.text for node in element.xpath(path, namespaces=ns)]


def number(element, path, ns) -> Decimal:
    values = texts(element, path, ns)
    assert len(values) == 1, f"{path}: {values}"
    return Decimal(values[0])


def keywords_by_language(element, ns):
    result = {}
    for node in element.xpath("b:PRODUCT_DETAILS/b:KEYWORD", namespaces=ns):
        result.setdefault(node.get("lang"), []).append(node.text)
    return result


# -- BMEcat 2005 ------------------------------------------------------------------------------


def test_bmecat2005_carries_trade_and_logistics_data(trade_catalog, export_root):
    run = export(make_channel(ExportFormat.BMECAT_2005, languages="en,de"))
    document = assert_valid(run.file_path(), "2005")
    ns = NS_2005
    full = product(document, "KH-100", ns)
    assert texts(full, "b:PRODUCT_DETAILS/b:DELIVERY_TIME", ns) == ["5"]
    assert keywords_by_language(full, ns) == {
        "eng": ["ball valve", "brass", "DN15"],
        "deu": ["Kugelhahn", "Messing", "DN15"],
    }
    assert not full.xpath("b:PRODUCT_DETAILS/b:SPECIAL_TREATMENT_CLASS", namespaces=ns)

    units = full.xpath("b:PRODUCT_ORDER_DETAILS/b:PACKING_UNITS/b:PACKING_UNIT", namespaces=ns)
    assert [texts(unit, "b:PACKING_UNIT_CODE", ns) for unit in units] == [["BX"], ["CT"]]
    assert [texts(unit, "b:QUANTITY_MIN", ns) + texts(unit, "b:QUANTITY_MAX", ns) for unit in units] == [
        ["10", "10"],
        ["50", "50"],
    ]
    assert texts(units[0], "b:PACKING_UNIT_DESCR[@lang='eng']", ns) == ["Box"]
    assert len(texts(units[0], "b:PACKING_UNIT_DESCR[@lang='deu']", ns)) == 1

    logistics = full.xpath("b:PRODUCT_LOGISTIC_DETAILS", namespaces=ns)
    assert len(logistics) == 1
    assert full[-1] is logistics[0], "PRODUCT_LOGISTIC_DETAILS closes the PRODUCT"
    logistics = logistics[0]
    assert texts(logistics, "b:CUSTOMS_TARIFF_NUMBER/b:CUSTOMS_NUMBER", ns) == ["84818081"]
    assert texts(logistics, "b:COUNTRY_OF_ORIGIN", ns) == ["DE"]
    # metres, kilograms, cubic metres (stored: 120 × 80 × 45 mm, 0.25 kg)
    dimensions = "b:PRODUCT_DIMENSIONS/b:"
    assert number(logistics, dimensions + "VOLUME", ns) == Decimal("0.000432")
    assert number(logistics, dimensions + "WEIGHT", ns) == Decimal("0.25")
    assert number(logistics, dimensions + "LENGTH", ns) == Decimal("0.12")
    assert number(logistics, dimensions + "WIDTH", ns) == Decimal("0.08")
    assert number(logistics, dimensions + "DEPTH", ns) == Decimal("0.045")
    # plain 2005 has no element for brand, discount group or declarations: nothing invented
    text = run.file_path().read_text()
    assert "USER_DEFINED_EXTENSIONS" not in text
    assert "Acme ProLine" not in text and "RG-12" not in text and SCIP not in text


def test_bmecat2005_variant_inherits_from_its_series(trade_catalog, export_root):
    run = export(make_channel(ExportFormat.BMECAT_2005, languages="en,de"))
    document = assert_valid(run.file_path(), "2005")
    ns = NS_2005
    variant = product(document, "KH-SER-15", ns)
    assert texts(variant, "b:PRODUCT_DETAILS/b:DELIVERY_TIME", ns) == ["3"]  # its own
    assert keywords_by_language(variant, ns) == {
        "eng": ["series valve", "stainless"],
        "deu": ["Serienventil", "Edelstahl"],
    }
    logistics = variant.xpath("b:PRODUCT_LOGISTIC_DETAILS", namespaces=ns)[0]
    assert texts(logistics, "b:CUSTOMS_TARIFF_NUMBER/b:CUSTOMS_NUMBER", ns) == ["84818085"]
    assert texts(logistics, "b:COUNTRY_OF_ORIGIN", ns) == ["IT"]
    assert number(logistics, "b:PRODUCT_DIMENSIONS/b:WEIGHT", ns) == Decimal("1.2")
    assert number(logistics, "b:PRODUCT_DIMENSIONS/b:VOLUME", ns) == Decimal("0.00054")
    assert not variant.xpath("b:PRODUCT_ORDER_DETAILS/b:PACKING_UNITS", namespaces=ns)


def test_bmecat2005_empty_fields_write_no_element(trade_catalog, export_root):
    run = export(make_channel(ExportFormat.BMECAT_2005))
    document = assert_valid(run.file_path(), "2005")
    bare = product(document, "KH-200", NS_2005)
    for name in TRADE_ELEMENTS_2005:
        assert not bare.xpath(f".//b:{name}", namespaces=NS_2005), name


def test_bmecat2005_dangerous_goods(trade_catalog, export_root):
    run = export(make_channel(ExportFormat.BMECAT_2005))
    document = assert_valid(run.file_path(), "2005")
    seal = product(document, "KH-SEAL", NS_2005)
    classes = {
        node.get("type"): node.text
        for node in seal.xpath("b:PRODUCT_DETAILS/b:SPECIAL_TREATMENT_CLASS", namespaces=NS_2005)
    }
    assert classes == {"UN": "1133", "ADR": "3"}


def test_bmecat2005_country_unknown_to_the_schema_is_left_out(trade_catalog, export_root):
    """2005's code list predates Serbia (RS): the file stays valid, the other data stays."""
    english_only = trade_catalog.products["english_only"]
    english_only.country_of_origin = "RS"
    english_only.customs_tariff_number = "848180"
    english_only.save()
    run = export(make_channel(ExportFormat.BMECAT_2005))
    document = assert_valid(run.file_path(), "2005")
    logistics = product(document, "KH-300", NS_2005).xpath("b:PRODUCT_LOGISTIC_DETAILS", namespaces=NS_2005)[
        0
    ]
    assert texts(logistics, "b:CUSTOMS_TARIFF_NUMBER/b:CUSTOMS_NUMBER", NS_2005) == ["848180"]
    assert not logistics.xpath("b:COUNTRY_OF_ORIGIN", namespaces=NS_2005)
    assert run.skipped_count == 1  # only the long article number, as without trade data


def test_bmecat2005_delta_with_trade_data_is_valid(trade_catalog, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    channel = make_channel(ExportFormat.BMECAT_2005)
    export(channel)
    since = timezone.now()
    Product.objects.filter(pk=trade_catalog.products["full"].pk).update(
        updated_at=timezone.now(), first_published_at=since - timedelta(days=1)
    )
    seal = trade_catalog.products["seal"]
    seal.lifecycle = Lifecycle.DISCONTINUED
    seal.first_published_at = since - timedelta(days=1)
    seal.save()
    run = export(channel, kind=RunKind.DELTA, since=since)
    document = assert_valid(run.file_path(), "2005")
    full = product(document, "KH-100", NS_2005)
    assert full.get("mode") == "update"
    assert len(full.xpath("b:PRODUCT_ORDER_DETAILS/b:PACKING_UNITS/b:PACKING_UNIT", namespaces=NS_2005)) == 2
    deleted = product(document, "KH-SEAL", NS_2005)
    assert deleted.get("mode") == "delete"
    for name in TRADE_ELEMENTS_2005:
        assert not deleted.xpath(f".//b:{name}", namespaces=NS_2005), name


# -- ETIM guideline 5.0 -----------------------------------------------------------------------


def udx(element, path):
    return texts(element, f"b:USER_DEFINED_EXTENSIONS/b:{path}", NS_ETIM)


def test_etim_carries_trade_data_in_standard_elements_and_edxf(trade_catalog, export_root):
    run = export(make_channel(ExportFormat.BMECAT_2005_ETIM, languages="en,de"))
    document = assert_valid(run.file_path(), "etim")
    ns = NS_ETIM
    full = product(document, "KH-100", ns)
    assert texts(full, "b:PRODUCT_DETAILS/b:DELIVERY_TIME", ns) == ["5"]
    assert keywords_by_language(full, ns) == {
        "eng": ["ball valve", "brass", "DN15"],
        "deu": ["Kugelhahn", "Messing", "DN15"],
    }
    logistics = full.xpath("b:PRODUCT_LOGISTIC_DETAILS", namespaces=ns)[0]
    assert texts(logistics, "b:CUSTOMS_TARIFF_NUMBER/b:CUSTOMS_NUMBER", ns) == ["84818081"]
    assert texts(logistics, "b:COUNTRY_OF_ORIGIN", ns) == ["DE"]
    assert not logistics.xpath("b:PRODUCT_DIMENSIONS", namespaces=ns)  # not in the ETIM schema

    assert udx(full, "UDX.EDXF.BRAND_NAME") == ["Acme ProLine"]
    assert udx(full, "UDX.EDXF.DISCOUNT_GROUP/b:UDX.EDXF.DISCOUNT_GROUP_SUPPLIER") == ["RG-12"]
    net = "UDX.EDXF.PRODUCT_LOGISTIC_DETAILS/b:UDX.EDXF."
    assert Decimal(udx(full, net + "NETVOLUME")[0]) == Decimal("0.000432")
    assert Decimal(udx(full, net + "NETWEIGHT")[0]) == Decimal("0.25")
    assert Decimal(udx(full, net + "NETLENGTH")[0]) == Decimal("0.12")
    assert Decimal(udx(full, net + "NETWIDTH")[0]) == Decimal("0.08")
    assert Decimal(udx(full, net + "NETDEPTH")[0]) == Decimal("0.045")
    assert udx(full, "UDX.EDXF.ROHS_INDICATOR") == ["true"]
    assert udx(full, "UDX.EDXF.CE_MARKING") == ["true"]
    assert udx(full, "UDX.EDXF.REACH/b:UDX.EDXF.REACH.INFO") == ["true"]
    assert udx(full, "UDX.EDXF.REACH/b:UDX.EDXF.SCIP_NUMBER") == [SCIP]
    assert not full.xpath(
        "b:USER_DEFINED_EXTENSIONS/b:UDX.EDXF.SPECIAL_TREATMENT_CLASS_DETAILS", namespaces=ns
    )

    units = full.xpath(
        "b:USER_DEFINED_EXTENSIONS/b:UDX.EDXF.PACKING_UNITS/b:UDX.EDXF.PACKING_UNIT", namespaces=ns
    )
    assert len(units) == 2

    def unit_values(unit):
        return {child.tag.split("}")[1].removeprefix("UDX.EDXF."): child.text for child in unit}

    box, carton = unit_values(units[0]), unit_values(units[1])
    assert {
        key: box[key]
        for key in ("QUANTITY_MIN", "QUANTITY_MAX", "PACKING_UNIT_CODE", "PACKAGE_BREAK", "GTIN")
    } == {
        "QUANTITY_MIN": "10",
        "QUANTITY_MAX": "10",
        "PACKING_UNIT_CODE": "BX",
        "PACKAGE_BREAK": "true",
        "GTIN": BOX_GTIN,
    }
    # metres, kilograms, cubic metres (stored: 300 × 200 × 100 mm, 3.2 kg)
    assert [Decimal(box[key]) for key in ("VOLUME", "WEIGHT", "LENGTH", "WIDTH", "DEPTH")] == [
        Decimal("0.006"),
        Decimal("3.2"),
        Decimal("0.3"),
        Decimal("0.2"),
        Decimal("0.1"),
    ]
    assert carton["PACKING_UNIT_CODE"] == "CT" and carton["QUANTITY_MIN"] == "50"
    assert carton["PACKAGE_BREAK"] == "false" and carton["GTIN"] == CARTON_GTIN
    assert Decimal(carton["VOLUME"]) == Decimal("0.06") and Decimal(carton["WEIGHT"]) == Decimal("16.5")


def test_etim_variant_inherits_from_its_series(trade_catalog, export_root):
    run = export(make_channel(ExportFormat.BMECAT_2005_ETIM, languages="en,de"))
    document = assert_valid(run.file_path(), "etim")
    variant = product(document, "KH-SER-15", NS_ETIM)
    assert texts(variant, "b:PRODUCT_DETAILS/b:DELIVERY_TIME", NS_ETIM) == ["3"]
    assert keywords_by_language(variant, NS_ETIM)["eng"] == ["series valve", "stainless"]
    assert texts(variant, "b:PRODUCT_LOGISTIC_DETAILS/b:COUNTRY_OF_ORIGIN", NS_ETIM) == ["IT"]
    assert udx(variant, "UDX.EDXF.BRAND_NAME") == ["KH Line"]
    assert udx(variant, "UDX.EDXF.DISCOUNT_GROUP/b:UDX.EDXF.DISCOUNT_GROUP_SUPPLIER") == ["S-7"]
    assert udx(variant, "UDX.EDXF.ROHS_INDICATOR") == ["exempt"]
    assert udx(variant, "UDX.EDXF.CE_MARKING") == ["false"]
    assert udx(variant, "UDX.EDXF.REACH/b:UDX.EDXF.REACH.INFO") == ["false"]
    assert not udx(variant, "UDX.EDXF.REACH/b:UDX.EDXF.SCIP_NUMBER")
    assert Decimal(udx(variant, "UDX.EDXF.PRODUCT_LOGISTIC_DETAILS/b:UDX.EDXF.NETWEIGHT")[0]) == Decimal(
        "1.2"
    )
    assert not udx(variant, "UDX.EDXF.PACKING_UNITS")
    # the series name still comes after brand and discount group (schema order held)
    assert udx(variant, "UDX.EDXF.PRODUCT_SERIES[@lang='eng']") == ["KH series"]


def test_etim_empty_fields_and_dangerous_goods(trade_catalog, export_root):
    run = export(make_channel(ExportFormat.BMECAT_2005_ETIM))
    document = assert_valid(run.file_path(), "etim")
    bare = product(document, "KH-200", NS_ETIM)
    for name in TRADE_ELEMENTS_2005 + TRADE_ELEMENTS_UDX:
        assert not bare.xpath(f".//b:{name}", namespaces=NS_ETIM), name
    seal = product(document, "KH-SEAL", NS_ETIM)
    classes = {
        node.get("type"): node.text
        for node in seal.xpath("b:PRODUCT_DETAILS/b:SPECIAL_TREATMENT_CLASS", namespaces=NS_ETIM)
    }
    assert classes == {"UN": "1133", "ADR": "3"}
    details = "UDX.EDXF.SPECIAL_TREATMENT_CLASS_DETAILS/b:"
    assert udx(seal, details + "UDX.EDXF.HAZARDOUS_SUBSTANCES/b:UDX.EDXF.UN_NUMBER") == ["1133"]
    assert udx(seal, details + "UDX.EDXF.PACKING_GROUP") == ["II"]
    assert udx(seal, details + "UDX.EDXF.HAZARD_CLASS") == ["3"]


def test_etim_delta_with_trade_data_is_valid(trade_catalog, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    channel = make_channel(ExportFormat.BMECAT_2005_ETIM)
    export(channel)
    since = timezone.now()
    Product.objects.filter(pk=trade_catalog.products["full"].pk).update(
        updated_at=timezone.now(), first_published_at=since - timedelta(days=1)
    )
    number_of_seal = trade_catalog.products["seal"].article_number
    trade_catalog.products["seal"].delete()
    run = export(channel, kind=RunKind.DELTA, since=since)
    document = assert_valid(run.file_path(), "etim")
    full = product(document, "KH-100", NS_ETIM)
    assert udx(full, "UDX.EDXF.BRAND_NAME") == ["Acme ProLine"]
    assert product(document, number_of_seal, NS_ETIM).get("mode") == "delete"


# -- BMEcat 1.2 -------------------------------------------------------------------------------


def test_bmecat12_carries_delivery_time_keywords_and_dangerous_goods(trade_catalog, export_root):
    full = trade_catalog.products["full"]
    long_word = "Hochdruck-Kugelhahn-Ersatzteil-Set-mit-Dichtungen-und-Hebel"
    # two keywords that become one after clipping to 50 characters: 1.2 forbids repeats
    full.keywords = {**full.keywords, "de": f"{full.keywords['de']}, {long_word}, {long_word}-XL"}
    full.save()
    run = export(make_channel(ExportFormat.BMECAT_12, languages="de,en"))
    document = assert_valid(run.file_path(), "1.2-new")
    ns = NS_12["new"]
    article = product(document, "KH-100", ns, element="ARTICLE", pid="SUPPLIER_AID")
    assert texts(article, "b:ARTICLE_DETAILS/b:DELIVERY_TIME", ns) == ["5"]
    # one language per 1.2 catalog: the channel's first, exactly (no English fallback)
    keywords = texts(article, "b:ARTICLE_DETAILS/b:KEYWORD", ns)
    assert keywords[:3] == ["Kugelhahn", "Messing", "DN15"]
    assert len(keywords) == 4 and len(keywords[3]) == 50 and keywords[3].startswith("Hochdruck")
    assert not article.xpath("b:ARTICLE_DETAILS/b:SPECIAL_TREATMENT_CLASS", namespaces=ns)
    variant = product(document, "KH-SER-15", ns, element="ARTICLE", pid="SUPPLIER_AID")
    assert texts(variant, "b:ARTICLE_DETAILS/b:DELIVERY_TIME", ns) == ["3"]
    assert texts(variant, "b:ARTICLE_DETAILS/b:KEYWORD", ns) == ["Serienventil", "Edelstahl"]
    seal = product(document, "KH-SEAL", ns, element="ARTICLE", pid="SUPPLIER_AID")
    classes = {
        node.get("type"): node.text
        for node in seal.xpath("b:ARTICLE_DETAILS/b:SPECIAL_TREATMENT_CLASS", namespaces=ns)
    }
    assert classes == {"UN": "1133", "ADR": "3"}
    bare = product(document, "KH-200", ns, element="ARTICLE", pid="SUPPLIER_AID")
    for name in ("DELIVERY_TIME", "KEYWORD", "SPECIAL_TREATMENT_CLASS"):
        assert not bare.xpath(f".//b:{name}", namespaces=ns), name


def test_bmecat12_delta_with_trade_data_is_valid(trade_catalog, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    channel = make_channel(ExportFormat.BMECAT_12, languages="en")
    export(channel)
    since = timezone.now()
    Product.objects.filter(pk=trade_catalog.products["full"].pk).update(
        updated_at=timezone.now(), first_published_at=since - timedelta(days=1)
    )
    run = export(channel, kind=RunKind.DELTA, since=since)
    document = assert_valid(run.file_path(), "1.2-products")
    ns = NS_12["products"]
    article = product(document, "KH-100", ns, element="ARTICLE", pid="SUPPLIER_AID")
    assert texts(article, "b:ARTICLE_DETAILS/b:KEYWORD", ns) == ["ball valve", "brass", "DN15"]
