"""Completeness of trade and logistics data: series values count for their variants, weights
and dimensions are the article's own, keywords need the language itself, packing units are
counted from the export records without a query per product."""

from decimal import Decimal

import pytest
from django.utils.functional import Promise

from pim.catalog import completeness as rules
from pim.catalog.models import PackingUnit, PackingUnitCode, ProductModel
from pim.catalog.values import effective_values
from pim.exports.completeness import recompute_channel
from pim.exports.models import ChannelRequirement, ProductCompleteness
from pim.exports.source import ExportContext, channel_products, iter_ids
from tests.exports.conftest import make_channel
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

TRADE_CODES = [
    "net_weight",
    "gross_weight",
    "dimensions",
    "country_of_origin",
    "customs_tariff_number",
    "delivery_time",
    "brand",
    "keywords",
    "packing_unit",
    "reach",
    "rohs",
    "ce",
]
SERIES_TRADE = {
    "brand": "Auvera",
    "country_of_origin": "IT",
    "customs_tariff_number": "84818059",
    "delivery_time_days": 5,
    "keywords": {"en": "solenoid valve, brass", "de": "Magnetventil, Messing"},
    "reach_status": "free",
    "rohs_status": "compliant",
    "ce_marking": True,
}
LOGISTICS = {
    "net_weight": Decimal("0.25"),
    "gross_weight": Decimal("0.3"),
    "length": Decimal(80),
    "width": Decimal(40),
    "height": Decimal(60),
}


def requirements(codes):
    return [rules.Requirement(rules.FIELD, code, str(rules.FIELDS[code][0])) for code in codes]


def missing(product, codes, language="en", packing_units=0):
    facts = rules.ProductFacts(values=effective_values(product), packing_unit_count=packing_units)
    result = rules.evaluate(product, requirements(codes), [language], facts)[language]
    return [item["code"] for item in result.missing]


@pytest.fixture
def family():
    return make_valve_family()


def test_every_trade_requirement_is_offered_with_a_translatable_label(family):
    channel = make_channel()
    for code in TRADE_CODES:
        label, localized = rules.FIELDS[code]
        assert isinstance(label, Promise), code  # gettext_lazy: shown in the reader's language
        assert localized == (code == "keywords")
        requirement = ChannelRequirement(channel=channel, kind="field", field=code)
        requirement.full_clean()  # the admin's choices and the model's check know it
    offered = dict(ChannelRequirement._meta.get_field("field").choices)
    assert set(TRADE_CODES) <= set(offered)


def test_a_variant_takes_its_series_trade_data(family):
    series = ProductModel.objects.create(code="MV-100", name={"en": "Series"}, family=family, live=True)
    variant = make_product(family, product_model=series, **LOGISTICS)
    series_only = [code for code in TRADE_CODES if code not in ("net_weight", "gross_weight", "dimensions")]
    assert missing(variant, series_only) == series_only

    for name, value in SERIES_TRADE.items():
        setattr(series, name, value)
    series.save()
    variant.refresh_from_db()
    assert missing(variant, series_only, packing_units=1) == []

    # the variant's own value counts just as well (here: another origin than the series')
    standalone = make_product(family, country_of_origin="DE", customs_tariff_number="84818059")
    assert missing(standalone, ["country_of_origin", "customs_tariff_number", "brand"]) == ["brand"]


def test_weights_and_dimensions_are_the_articles_own(family):
    series = ProductModel.objects.create(code="MV-200", name={"en": "Series"}, family=family, live=True)
    bare = make_product(family, product_model=series)
    assert missing(bare, ["net_weight", "gross_weight", "dimensions"]) == [
        "net_weight",
        "gross_weight",
        "dimensions",
    ]
    weighed = make_product(family, product_model=series, net_weight=Decimal("1.2"))
    assert missing(weighed, ["net_weight", "gross_weight", "dimensions"]) == ["gross_weight", "dimensions"]
    weighed.length, weighed.width = Decimal(10), Decimal(20)  # no height: not dimensions yet
    assert missing(weighed, ["dimensions"]) == ["dimensions"]
    weighed.height = Decimal(30)
    assert missing(weighed, ["dimensions"]) == []


def test_keywords_need_the_language_itself(family):
    product = make_product(family, keywords={"en": "ball valve, brass"})
    assert missing(product, ["keywords"], "en") == []
    assert missing(product, ["keywords"], "de") == ["keywords"]  # no fallback to English
    product.keywords = {"en": "ball valve", "de": " ;, "}  # separators only: no keyword
    assert missing(product, ["keywords"], "de") == ["keywords"]


def test_declarations_count_when_stated(family):
    product = make_product(family, reach_status="no_data", ce_marking=None, delivery_time_days=0)
    # "no data" declares nothing; 0 working days (from stock) is a delivery time
    assert missing(product, ["reach", "rohs", "ce", "delivery_time"]) == ["reach", "rohs", "ce"]
    product.reach_status, product.rohs_status, product.ce_marking = "contains", "exempt", False
    assert missing(product, ["reach", "rohs", "ce"]) == []  # "no CE marking" is a statement too


def test_packing_units_are_counted_from_the_export_records(family, django_assert_num_queries):
    channel = make_channel()
    ChannelRequirement.objects.create(channel=channel, kind="field", field="packing_unit")
    packed = make_product(family, article_number="PF-1")
    make_product(family, article_number="PF-2")  # no packing unit
    PackingUnit.objects.create(product=packed, code=PackingUnitCode.BAG, quantity=Decimal(10))
    PackingUnit.objects.create(product=packed, code=PackingUnitCode.CARTON, quantity=Decimal(100))

    recompute_channel(channel)
    rows = ProductCompleteness.objects.filter(channel=channel, language="en").select_related("product")
    scores = {row.product.article_number: (row.score, [item["code"] for item in row.missing]) for row in rows}
    assert scores == {"PF-1": (100, []), "PF-2": (0, ["packing_unit"])}

    # evaluating reads the loaded records only: no query per product
    context = ExportContext(channel)
    (ids,) = list(iter_ids(channel_products(channel)))
    records = context.load(ids)
    with django_assert_num_queries(0):
        results = [context.completeness(record)["en"].score for record in records]
    assert results == [100, 0]
