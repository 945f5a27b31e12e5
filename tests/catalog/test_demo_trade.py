"""Trade and logistics data of the demo catalog, and the unit ETIM gives a feature shared by
classes of different quantities (the condensate pumps' power consumption in W, not VA)."""

import hashlib
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from pim.catalog.demo import trade as demo_trade
from pim.catalog.demo.generator import DemoCatalogGenerator, demo_products, reset_demo_catalog
from pim.catalog.etim.importer import import_etim
from pim.catalog.identifiers import validate_gtin
from pim.catalog.models import Attribute, Family, FamilyAttribute, PackingUnitCode, Product, ProductModel
from pim.catalog.models.trade import scip_validator, validate_tariff_number
from pim.catalog.trade import effective_trade, keywords, trade_value
from pim.exports.models import ExportFormat, RunStatus
from pim.exports.runs import run_export
from pim.exports.source import ExportContext, plain_number
from tests.catalog.test_etim import UNITS, class_, feature, ixf
from tests.exports.conftest import assert_valid, make_channel

CLASSES = ["EC001234", "EC002380", "EC001176", "EC001851"]  # condensate pump, bolt, fitting, motor
REFERENCE_DATE = date(2025, 6, 15)
PRODUCTS = 300
WATT = "EU570054"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Import the classes and generate the demo once for the module, inside a transaction
    that is rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            summary = import_etim(classes=CLASSES)
            generator = DemoCatalogGenerator(products=PRODUCTS, seed=1, reference_date=REFERENCE_DATE)
            generator.run()
            yield summary, generator
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _by_class():
    products = defaultdict(list)
    for product in (
        demo_products().select_related("family", "product_model").prefetch_related("packing_units")
    ):
        products[product.family.etim_class_code].append(product)
    return products


def _trade_fingerprint() -> str:
    rows = []
    for product in demo_products().select_related("product_model").order_by("article_number_key"):
        units = [
            (u.code, str(u.quantity), u.gtin, str(u.gross_weight), str(u.length))
            for u in product.packing_units.order_by("sort_order")
        ]
        logistics = (product.net_weight, product.gross_weight, product.length, product.width, product.height)
        rows.append((product.article_number, repr(effective_trade(product)), logistics, units))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.mark.django_db
@pytest.mark.slow
class TestDemoTradeData:
    def test_every_article_has_valid_trade_and_logistics_data(self, demo):
        products = list(demo_products().select_related("product_model"))
        assert len(products) == PRODUCTS
        for product in products:
            data = effective_trade(product)
            validate_tariff_number(data["customs_tariff_number"])
            assert len(data["customs_tariff_number"]) == 8, product
            assert data["brand"] and data["discount_group"], product
            assert str(data["country_of_origin"]) in {"DE", "IT", "CH", "CN", "JP"}
            assert 1 <= data["delivery_time_days"] <= 30
            assert keywords(product, "en") and keywords(product, "de")
            assert data["reach_status"] in ("free", "contains")
            if data["reach_status"] == "contains":
                scip_validator(data["scip_number"])
            assert data["un_number"] == "" and data["hazard_class"] == ""  # no dangerous goods in the demo
            assert Decimal(0) < product.net_weight < product.gross_weight, product
            assert product.gross_weight < product.net_weight * 2 + 1, product
            assert all(side > 0 for side in (product.length, product.width, product.height))
            assert product.clean_logistics_data() == {}

    def test_series_share_their_trade_data_and_variants_inherit_it(self, demo):
        models = list(ProductModel.objects.filter(variants__in=demo_products()).distinct())
        assert models
        for model in models:
            assert model.brand and model.country_of_origin and model.keywords.get("de")
            variants = list(model.variants.all())
            assert all(variant.brand == "" and variant.country_of_origin == "" for variant in variants)
            assert {str(trade_value(v, "country_of_origin")) for v in variants} == {
                str(model.country_of_origin)
            }

    def test_tariff_numbers_and_declarations_fit_the_product_kind(self, demo):
        products = _by_class()
        for pump in products["EC001234"]:
            assert trade_value(pump, "customs_tariff_number").startswith("8413")
            assert (trade_value(pump, "ce_marking"), trade_value(pump, "rohs_status")) == (True, "compliant")
        for bolt in products["EC002380"]:
            assert trade_value(bolt, "customs_tariff_number").startswith("7318")
            assert (trade_value(bolt, "ce_marking"), trade_value(bolt, "rohs_status")) == (False, "")
        for motor in products["EC001851"]:
            power = next(v.number for v in motor.values.all() if v.attribute.code == "EF003976") / 1000
            expected = "85015100" if power <= 0.75 else "85015220" if power <= 7.5 else "85015230"
            # a motor's tariff number depends on its output: variants of a series differ
            assert trade_value(motor, "customs_tariff_number") == expected, motor
        materials = {"74122000", "73072910", "39174000"}
        fittings = products["EC001176"]
        assert {trade_value(f, "customs_tariff_number") for f in fittings} <= materials
        for fitting in fittings:
            brass = trade_value(fitting, "customs_tariff_number") == "74122000"
            if brass:  # lead in brass (CuZn39Pb3) is an SVHC above 0.1 %
                assert trade_value(fitting, "reach_status") == "contains"
                assert trade_value(fitting, "scip_number")

    def test_weights_follow_the_size(self, demo):
        products = _by_class()
        motors = sorted(
            (next(v.number for v in m.values.all() if v.attribute.code == "EF003976"), m.net_weight)
            for m in products["EC001851"]
        )
        assert len({power for power, _weight in motors}) > 1
        weights = [weight for _power, weight in motors]
        assert weights == sorted(weights)  # bigger motors weigh more
        for bolt in products["EC002380"]:
            assert bolt.order_unit == "PK"
            piece = bolt.net_weight / bolt.content_quantity
            assert Decimal("0.0005") < piece < Decimal("1"), bolt  # an M3×8 to an M24×160 bolt
        for pump in products["EC001234"]:
            assert Decimal("0.3") <= pump.net_weight <= Decimal("1.6")

    def test_small_parts_have_packing_units_with_their_own_gtins(self, demo):
        products = _by_class()
        for fitting in products["EC001176"]:
            units = list(fitting.packing_units.all())
            assert [(u.code, u.quantity) for u in units] == [
                (PackingUnitCode.BAG, Decimal(10)),
                (PackingUnitCode.CARTON, Decimal(100)),
            ]
            for unit in units:
                unit.full_clean()
                if fitting.gtin:
                    validate_gtin(unit.gtin)
                    assert len(unit.gtin) == 14 and unit.gtin[1:13] == fitting.gtin[:12]
                assert unit.gross_weight >= fitting.gross_weight * unit.quantity  # 3 digits kept
        for bolt in products["EC002380"]:
            for carton in bolt.packing_units.all():
                assert carton.code == PackingUnitCode.CARTON
                assert carton.gross_weight < Decimal(demo_trade.CARTON_LIMIT_KG) + 1
        assert not any(motor.packing_units.all() for motor in products["EC001851"])

    def test_same_seed_same_trade_data(self, demo):
        first = _trade_fingerprint()
        reset_demo_catalog()
        DemoCatalogGenerator(products=PRODUCTS, seed=1, reference_date=REFERENCE_DATE).run()
        assert _trade_fingerprint() == first


# --- the unit of a feature ETIM uses in several quantities -------------------------------------


@pytest.mark.django_db
def test_condensate_pumps_export_their_power_in_watts(demo, settings, tmp_path):
    summary, _generator = demo
    assert not [c for c in summary.conflicts if c.feature_code == "EF000346"]
    power = Attribute.objects.get(code="EF000346")
    assert power.quantity.code == "power"  # most ETIM classes give it in W or kW, a few in VA
    family = Family.objects.get(code="EC001234")
    assert FamilyAttribute.objects.get(family=family, attribute=power).display_unit.etim_code == WATT

    settings.PIM_EXPORT_ROOT = tmp_path / "exports"
    pumps = Product.objects.publicly_visible().filter(family=family, lifecycle__in=["active", "phase_out"])
    watts = {pump.article_number: pump.values.get(attribute=power).number for pump in pumps}  # canonical: W
    assert watts

    # The ETIM variant writes no FUNIT: the value is in the unit the class gives the feature.
    channel = make_channel(format=ExportFormat.BMECAT_2005_ETIM, feature_system="etim", code="etim-pumps")
    channel.families.set([family])
    channel.save()  # a ParentalManyToManyField is written with its channel
    family_attribute = FamilyAttribute.objects.get(family=family, attribute=power)
    assert ExportContext(channel).export_unit(power, family_attribute).etim_code == WATT
    document = _export(channel, "etim")
    exported = _feature_values(document, "FVALUE")
    assert exported and set(exported) <= set(watts)
    assert all(exported[number] == [plain_number(watts[number])] for number in exported)

    # BMEcat 2005 with ETIM features names the ETIM unit: W (EU570054), not VA (EU000022)
    plain = make_channel(format=ExportFormat.BMECAT_2005, feature_system="etim", code="pumps-2005")
    plain.families.set([family])
    plain.save()
    units = _feature_values(_export(plain, "2005"), "FUNIT")
    assert units and all(unit == [WATT] for unit in units.values())


def _export(channel, schema_name):
    run = run_export(channel)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return assert_valid(run.file_path(), schema_name)


def _feature_values(document, element: str) -> dict:
    """Per SUPPLIER_PID: the ``element`` texts of its EF000346 feature."""
    result = {}
    for product in document.xpath("//*[local-name()='PRODUCT']"):
        number = product.xpath("*[local-name()='SUPPLIER_PID']/text()")[0]
        result[number] = product.xpath(
            f".//*[local-name()='FEATURE'][*[local-name()='FNAME']='EF000346']/*[local-name()='{element}']/text()"
        )
    return result


@pytest.mark.django_db
def test_a_feature_takes_the_quantity_most_classes_give_it(tmp_path):
    """EF000002 is a length (mm) in its first class but a pressure (bar) in two others: the
    attribute is a pressure, whichever classes are imported, and the length is the conflict."""
    classes = [
        class_("EC000001", "EG000001", "Ball valve", "Kugelhahn", [feature("EF000002", 1, "EU570448")]),
        class_("EC000002", "EG000002", "Pump", "Pumpe", [feature("EF000002", 1, "EU570056")]),
        class_("EC000004", "EG000002", "Compressor", "Kompressor", [feature("EF000002", 1, "EU570056")]),
    ]
    path = tmp_path / "etim.xml"
    path.write_text(ixf(units=UNITS, classes=classes), encoding="utf-8")
    summary = import_etim(path, classes=["EC000001"])
    nominal = Attribute.objects.get(code="EF000002")
    assert (nominal.quantity.code, nominal.display_unit.code) == ("pressure", "bar")
    assert [(c.class_code, c.unit_code) for c in summary.conflicts] == [("EC000001", "EU570448")]
    call_command("import_etim", "--file", str(path), "--no-progress", verbosity=0)
    assert FamilyAttribute.objects.get(family__code="EC000002", attribute=nominal).display_unit.code == "bar"
