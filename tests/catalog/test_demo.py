"""The demo catalog: real ETIM classes (imported from the official ETIM 6.0 zip) turned
into products whose values, identifiers, variants, lifecycle and prices are valid."""

import hashlib
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from random import Random
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from pim.catalog.demo import texts
from pim.catalog.demo.generator import DemoCatalogGenerator, _letters, demo_products, reset_demo_catalog
from pim.catalog.demo.specs import METRIC_THREADS, Num, Pick, Span, nice
from pim.catalog.demo.vocabulary import CATEGORY_CODES, DEMO_MANUFACTURER_NAMES
from pim.catalog.demo_classes import DEMO_ETIM_CLASSES
from pim.catalog.identifiers import normalize_article_number, validate_gtin
from pim.catalog.models import (
    AttributeType,
    Category,
    Lifecycle,
    Product,
    ProductModel,
    ProductModelValue,
    ProductPrice,
    ProductRelation,
    ProductValue,
)
from pim.catalog.units import round_significant
from pim.catalog.values import _row_key, build_value_rows, raw_value

# A bolt, its nut (relations between them) and a sensor (numbers, ranges, options,
# different quantities); all three have series with variants.
CLASSES = ["EC002380", "EC000129", "EC002714"]
REFERENCE_DATE = date(2025, 6, 15)
PRODUCTS = 200


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Import the classes and generate the demo once for the module, inside a transaction
    that is rolled back afterwards (each test runs in a savepoint within it)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("import_etim", classes=[",".join(CLASSES)], no_progress=True, verbosity=0)
            generator = DemoCatalogGenerator(products=PRODUCTS, seed=1, reference_date=REFERENCE_DATE)
            generator.run()
            yield generator
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _stored(row):
    """What a value row stores, numbers without float noise."""
    numbers = tuple(
        None if n is None else round_significant(n, 9) for n in (row.number, row.number_min, row.number_max)
    )
    return (row.attribute_id, row.option_id, numbers, row.unit_id, row.boolean, row.text, row.text_localized)


def catalog_fingerprint() -> str:
    """A hash of everything generated that does not depend on database ids or insert time."""
    digest = hashlib.sha256()
    products = Product.objects.select_related("family", "product_model", "successor").order_by(
        "article_number_key"
    )
    for p in products:
        digest.update(
            repr(
                (
                    p.article_number,
                    p.gtin,
                    p.manufacturer_pid,
                    p.manufacturer_name,
                    p.name,
                    p.short_description,
                    p.long_description,
                    p.family.code,
                    p.product_model.code if p.product_model else None,
                    p.lifecycle,
                    p.live,
                    p.successor.article_number if p.successor else None,
                    p.available_from,
                    p.phase_out_date,
                    p.discontinued_date,
                    p.first_published_at,
                    p.order_unit,
                    p.content_quantity,
                    p.min_order_quantity,
                    sorted(c.code for c in p.categories.all()),
                )
            ).encode()
        )
    values = ProductValue.objects.select_related("product", "attribute", "option", "unit")
    rows = sorted(
        (
            v.product.article_number,
            v.attribute.code,
            v.option.code if v.option else None,
            v.number,
            v.number_min,
            v.number_max,
            v.unit.code if v.unit else None,
            v.boolean,
            v.text,
        )
        for v in values
    )
    digest.update(repr(rows).encode())
    model_rows = sorted(
        (
            v.product_model.code,
            v.attribute.code,
            v.option_id and v.option.code,
            v.number,
            v.number_min,
            v.number_max,
            v.boolean,
        )
        for v in ProductModelValue.objects.select_related("product_model", "attribute", "option")
    )
    digest.update(repr(model_rows).encode())
    prices = sorted(
        (p.product.article_number, p.currency, str(p.amount), str(p.min_quantity), p.valid_from, p.valid_to)
        for p in ProductPrice.objects.select_related("product")
    )
    digest.update(repr(prices).encode())
    relations = sorted(
        (r.product.article_number, r.kind, r.target.article_number, str(r.quantity))
        for r in ProductRelation.objects.select_related("product", "target")
    )
    digest.update(repr(relations).encode())
    return digest.hexdigest()


@pytest.mark.django_db
@pytest.mark.slow
class TestDemoCatalog:
    def test_counts_series_and_standalone_products(self, demo):
        # The other demo classes were not imported: skipped, and the command says so.
        assert set(demo.missing_classes) == set(DEMO_ETIM_CLASSES) - set(CLASSES)
        assert demo.unmatched == Counter(), "profile values the imported ETIM data does not offer"
        products = demo_products()
        assert products.count() == PRODUCTS == demo.summary.products
        assert set(products.values_list("family__etim_class_code", flat=True)) == set(CLASSES)
        assert set(products.values_list("manufacturer_name", flat=True)) <= DEMO_MANUFACTURER_NAMES
        variants = products.filter(product_model__isnull=False)
        assert variants.count() == demo.summary.variants > PRODUCTS // 2
        assert products.filter(product_model__isnull=True).exists()
        for model in ProductModel.objects.prefetch_related("variants", "axes"):
            members = list(model.variants.all())
            assert len(members) >= 2, model.code
            assert {v.family_id for v in members} == {model.family_id}
            axes = list(model.axes.all())
            assert axes, model.code
            family_codes = set(model.family.attributes.values_list("code", flat=True))
            assert {a.code for a in axes} <= family_codes
            assert all(a.type in (AttributeType.ENUM, AttributeType.NUMBER) for a in axes)
            # The model carries the shared values and descriptions, the variants inherit them.
            assert model.values.exists() and model.long_description["de"]
            variant = members[0]
            assert variant.long_description == {}
            assert variant.description("long_description", "en") == model.long_description["en"]

    def test_every_value_passes_the_value_rules(self, demo):
        """Stored values are what build_value_rows makes of them: family attribute, allowed
        option, bounds, canonical number, entered unit = display unit."""
        checked = 0
        for owner_rows, owner_family in (
            (ProductValue.objects.select_related("product__family"), lambda r: r.product.family),
            (
                ProductModelValue.objects.select_related("product_model__family"),
                lambda r: r.product_model.family,
            ),
        ):
            grouped = defaultdict(list)
            families = {}
            for row in owner_rows.select_related("attribute__quantity", "option", "unit"):
                family = owner_family(row)
                families[family.pk] = family
                owner = row.product_id if hasattr(row, "product_id") else row.product_model_id
                grouped[(family.pk, owner, row.attribute.code)].append(row)
            for (family_pk, _owner, code), rows in grouped.items():
                family_attribute = (
                    families[family_pk]
                    .family_attributes.select_related(
                        "attribute__quantity", "attribute__display_unit", "display_unit"
                    )
                    .get(attribute__code=code)
                )
                attribute = family_attribute.attribute
                rebuilt = build_value_rows(
                    attribute, raw_value(rows), family_attribute=family_attribute, row_class=type(rows[0])
                )
                assert [_stored(r) for r in rebuilt] == [_stored(r) for r in rows], code
                row = rows[0]
                if attribute.type in (AttributeType.NUMBER, AttributeType.RANGE):
                    display = attribute.get_display_unit(family_attribute)
                    assert row.unit_id == (display.pk if display else None), code
                    for number in (row.number, row.number_min, row.number_max):
                        if number is None:
                            continue
                        if attribute.min_value is not None:
                            assert number >= attribute.min_value - 1e-9 * abs(attribute.min_value)
                        if attribute.max_value is not None:
                            assert number <= attribute.max_value + 1e-9 * abs(attribute.max_value)
                    if attribute.type == AttributeType.RANGE and None not in (row.number_min, row.number_max):
                        assert row.number_min <= row.number_max
                if attribute.type == AttributeType.ENUM:
                    allowed = set(family_attribute.allowed_options.values_list("pk", flat=True))
                    assert not allowed or row.option_id in allowed, code
                checked += 1
        assert checked > PRODUCTS * 3

    def test_values_are_plausible_and_consistent(self, demo):
        """An M8 bolt has a 1.25 mm pitch and a 13 mm wrench width; proximity switches
        switch within millimetres."""
        by_product = defaultdict(dict)
        for row in ProductValue.objects.select_related("attribute", "unit", "product"):
            by_product[row.product.article_number][row.attribute.code] = row
        bolts = 0
        for article, values in by_product.items():
            if "EF003563" in values and "EF003712" in values:
                size = int(values["EF003563"].number)
                assert values["EF003712"].number == pytest.approx(METRIC_THREADS[size][0] / 1000), article
                assert f".M{size}" in article
                bolts += 1
            if "EF003647" in values:  # switching distance, canonical metres
                assert 0.001 <= values["EF003647"].number <= 0.02
                assert values["EF003647"].unit.code == "mm"
        assert bolts > 10
        # Missing values are expected now and then (completeness has something to show).
        empty = 0
        for product in demo_products().prefetch_related("values").select_related("product_model", "family"):
            codes = set(product.family.attributes.values_list("code", flat=True))
            filled = {v.attribute_id for v in product.values.all()}
            if product.product_model_id:
                filled |= {v.attribute_id for v in product.product_model.values.all()}
            empty += len(codes) - len(filled)
        assert empty > 0

    def test_identifiers(self, demo):
        products = list(demo_products())
        gtins = [p.gtin for p in products if p.gtin]
        assert len(gtins) > PRODUCTS * 0.9
        assert len(set(gtins)) == len(gtins)
        for gtin in gtins:
            validate_gtin(gtin)
            assert len(gtin) == 13 and gtin.startswith("2")  # GS1 restricted range: never a real article
        keys = [p.article_number_key for p in products]
        assert len(set(keys)) == len(keys)
        for product in products:
            assert product.article_number_key == normalize_article_number(product.article_number)
            assert product.manufacturer_pid
        assert any("." in p.article_number for p in products) and any(
            "-" in p.article_number for p in products
        )

    def test_variants_differ_on_their_axes(self, demo):
        for model in ProductModel.objects.prefetch_related("axes", "variants__values__attribute"):
            axes = [a.code for a in model.axes.all()]
            signatures = set()
            for variant in model.variants.all():
                own = defaultdict(list)
                for row in variant.values.all():
                    own[row.attribute.code].append(_row_key(row))
                assert all(own.get(code) for code in axes), (variant.article_number, axes)
                signature = tuple(tuple(own[code]) for code in axes)
                assert signature not in signatures, variant.article_number
                signatures.add(signature)

    def test_lifecycle_and_visibility(self, demo):
        products = demo_products()
        visible = products.publicly_visible()
        assert 0 < products.count() - visible.count() < PRODUCTS * 0.2
        assert products.filter(lifecycle=Lifecycle.DRAFT, live=False).exists()
        assert products.filter(lifecycle=Lifecycle.ACTIVE, live=False).exists()  # unpublished
        for product in products.filter(live=True):
            assert product.first_published_at and product.last_published_at >= product.first_published_at
        for product in products.filter(lifecycle=Lifecycle.DRAFT):
            assert product.first_published_at is None and not product.is_publicly_visible()
        phase_out = products.filter(lifecycle=Lifecycle.PHASE_OUT)
        assert phase_out.exists() and not phase_out.filter(phase_out_date__isnull=True).exists()
        discontinued = products.filter(lifecycle=Lifecycle.DISCONTINUED).select_related(
            "successor__product_model"
        )
        assert discontinued.exists()
        for product in discontinued:
            assert product.successor is not None and product.successor_id != product.pk
            assert product.successor.is_publicly_visible(), product.article_number
            assert product.successor.family_id == product.family_id
            assert product.phase_out_date <= product.discontinued_date <= REFERENCE_DATE

    def test_categories_commercial_data_and_prices(self, demo):
        codes = set(Category.objects.filter(products__in=demo_products()).values_list("code", flat=True))
        assert codes and codes <= CATEGORY_CODES
        assert Category.objects.get(code="screws-bolts").parent.code == "fasteners"
        for product in demo_products().prefetch_related("categories", "prices").select_related("family"):
            assert 1 <= len(product.categories.all()) <= 2
            if product.family.etim_class_code in ("EC002380", "EC000129"):
                assert (product.order_unit, product.content_unit) == ("PK", "C62")
                assert product.content_quantity in (Decimal(25), Decimal(50), Decimal(100))
            else:
                assert product.order_unit == "C62"
            current = [
                p
                for p in product.prices.all()
                if p.currency == "EUR" and p.valid_from <= REFERENCE_DATE <= (p.valid_to or date.max)
            ]
            assert current, product.article_number
            current.sort(key=lambda p: p.min_quantity)
            assert current[0].min_quantity == product.min_order_quantity
            amounts = [p.amount for p in current]
            assert amounts == sorted(amounts, reverse=True) and amounts[-1] > 0  # tiers get cheaper
        assert ProductPrice.objects.filter(currency="USD").exists()

    def test_relations_fit(self, demo):
        relations = ProductRelation.objects.select_related("product__family", "target__family")
        assert relations.count() > PRODUCTS // 4
        accessories = relations.filter(kind="accessory", product__family__etim_class_code="EC002380")
        assert accessories.exists()
        thread = {
            row.product_id: int(row.number) for row in ProductValue.objects.filter(attribute__code="EF003563")
        }
        for relation in relations:
            assert relation.product_id != relation.target_id
            assert relation.target.is_publicly_visible()
        matching = [r for r in accessories if thread.get(r.product_id) == thread.get(r.target_id)]
        assert len(matching) >= len(accessories) * 0.8  # nuts fit their bolts

    def test_texts_in_both_languages(self, demo):
        for product in demo_products().select_related("family"):
            for field in ("name", "short_description"):
                value = getattr(product, field)
                assert value["en"] and value["de"], (product.article_number, field)
            assert product.name["en"] != product.name["de"]
        bolt = demo_products().filter(family__etim_class_code="EC002380").first()
        assert bolt.name["de"].startswith("Sechskant-Gewindeschraube ")
        assert bolt.name["en"].startswith("Hexagon head bolt ")
        assert "M" in bolt.name["en"] and "mm" in bolt.name["en"]

    def test_same_seed_same_catalog_different_seed_different_catalog(self, demo):
        first = catalog_fingerprint()
        reset_demo_catalog()
        assert not demo_products().exists() and not ProductModel.objects.exists()
        DemoCatalogGenerator(products=PRODUCTS, seed=1, reference_date=REFERENCE_DATE).run()
        assert catalog_fingerprint() == first
        reset_demo_catalog()
        DemoCatalogGenerator(products=PRODUCTS, seed=2, reference_date=REFERENCE_DATE).run()
        assert catalog_fingerprint() != first

    def test_small_chunks_keep_article_numbers_unique(self, demo):
        reset_demo_catalog()
        summary = DemoCatalogGenerator(
            products=150, seed=5, chunk_size=7, reference_date=REFERENCE_DATE
        ).run()
        assert summary.products == demo_products().count() == 150
        keys = list(demo_products().values_list("article_number_key", flat=True))
        assert len(keys) == len(set(keys))

    def test_command_refuses_to_add_to_an_existing_demo(self, demo):
        with pytest.raises(CommandError, match="--reset"):
            call_command("demo_catalog", products=10, verbosity=0)
        call_command("demo_catalog", products=30, reset=True, seed=3, verbosity=0)
        assert demo_products().count() == 30

    def test_command_queues_a_bounded_number_of_tasks(
        self, demo, settings, django_capture_on_commit_callbacks
    ):
        """The build saves hundreds of assets, images and categories: Wagtail's reference
        index and admin search index are updated once at the end, not by a task per save,
        and completeness by one recompute task plus one per demo channel."""
        from django.contrib.contenttypes.models import ContentType
        from django_tasks_db.models import DBTaskResult
        from wagtail.images import get_image_model
        from wagtail.models import ReferenceIndex
        from wagtail.search.models import IndexEntry

        from pim.assets.models import Asset
        from pim.exports.models import Channel

        call_command("rebuild_references_index", verbosity=0)  # whatever earlier tests left
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        DBTaskResult.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True):  # the command's commits
            call_command("demo_catalog", products=120, reset=True, verbosity=0)

        queued = Counter(DBTaskResult.objects.values_list("task_path", flat=True))
        channels = Channel.objects.count()
        assert queued["pim.exports.tasks.recompute_completeness"] == 1
        assert queued["pim.exports.tasks.recompute_channel_completeness"] == channels
        assert queued["pim.search.tasks.drain_search_outbox"] <= 1
        assert sum(queued.values()) <= channels + 2  # nothing per product, asset or image
        # ... and the indexes those tasks would have updated are current: as a full rebuild
        # of the reference index leaves them, with every image in the admin search index
        kinds = [ContentType.objects.get_for_model(model) for model in (Asset, Category, get_image_model())]

        def references():
            rows = ReferenceIndex.objects.filter(base_content_type__in=kinds)
            return set(rows.values_list("base_content_type", "object_id", "to_content_type", "to_object_id"))

        after_build = references()
        assert after_build
        call_command("rebuild_references_index", verbosity=0)
        assert references() == after_build
        images = get_image_model().objects.all()
        assert images.exists()
        assert IndexEntry.objects.filter(content_type=kinds[2]).count() == images.count()

    def test_command_names_the_import_when_classes_are_missing(self, demo):
        reset_demo_catalog()
        with pytest.raises(CommandError, match="import_etim --demo-subset"):
            call_command("demo_catalog", products=10, classes=["EC009999"], verbosity=0)
        assert not demo_products().exists()

    def test_metric_bolts_and_nuts_have_the_metric_thread_type(self, demo):
        """An M16 bolt never says "Thread type UNC": the thread type follows the size."""
        thread_types = Counter(
            ProductValue.objects.filter(
                attribute__code="EF001758", product__family__etim_class_code__in=["EC002380", "EC000129"]
            ).values_list("option__name__en", flat=True)
        )
        thread_types.update(
            ProductModelValue.objects.filter(
                attribute__code="EF001758",
                product_model__family__etim_class_code__in=["EC002380", "EC000129"],
            ).values_list("option__name__en", flat=True)
        )
        assert sum(thread_types.values()) > 5
        assert set(thread_types) == {"M"}, thread_types

    def test_key_attributes_are_listing_columns_and_filterable(self, demo):
        from pim.catalog.demo.profiles import PROFILES_BY_CLASS
        from pim.catalog.models import FamilyAttribute

        for plan in demo.plans:
            rows = FamilyAttribute.objects.filter(family=plan.family, in_listing=True).select_related(
                "attribute"
            )
            codes = {row.attribute.code for row in rows}
            assert codes == set(PROFILES_BY_CLASS[plan.profile.etim_class].key_attributes), plan.family.code
            assert 3 <= len(codes) <= 5
            assert all(row.attribute.filterable for row in rows)
        bolt = FamilyAttribute.objects.filter(family__etim_class_code="EC002380", in_listing=True)
        assert set(bolt.values_list("attribute__code", flat=True)) >= {"EF003563", "EF001438", "EF001257"}


# --- push-in fittings for food and beverage: FDA conformity and a temperature range ---------------

FITTINGS = "EC001176"
FITTING_PRODUCTS = 150


@pytest.fixture(scope="module")
def fittings(django_db_setup, django_db_blocker):
    """The fittings demo (plus the valves and hoses it relates to), indexed for search."""
    from pim.search import indexing, schema

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("import_etim", classes=[f"{FITTINGS},EC001888"], no_progress=True, verbosity=0)
            generator = DemoCatalogGenerator(
                products=FITTING_PRODUCTS,
                seed=1,
                reference_date=REFERENCE_DATE,
                classes=[FITTINGS, "EC001888"],
            )
            generator.run()
            schema.clear()
            indexing.rebuild("database")
            yield generator
        finally:
            schema.clear()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _series_of(product) -> str:
    return product.product_model.code if product.product_model_id else product.article_number


@pytest.mark.django_db
@pytest.mark.slow
class TestDemoFittings:
    def test_family_has_fda_conformity_and_temperature_range_filterable(self, fittings):
        from pim.catalog.models import Attribute, FamilyAttribute

        assert fittings.unmatched == Counter(), "profile values the imported ETIM data does not offer"
        rows = {
            row.attribute.code: row
            for row in FamilyAttribute.objects.filter(family__etim_class_code=FITTINGS).select_related(
                "attribute__quantity"
            )
        }
        fda = rows["fda_conformity"].attribute
        assert fda.type == AttributeType.BOOLEAN and fda.filterable and not fda.etim_code
        assert fda.name == {"en": "FDA conformity (21 CFR 177)", "de": "FDA-Konformität (21 CFR 177)"}
        temperature = rows["EF001742"].attribute  # the ETIM operating temperature of the class
        assert temperature.type == AttributeType.RANGE and temperature.quantity.code == "temperature"
        assert temperature.filterable
        assert rows["EF001742"].in_listing and rows["fda_conformity"].in_listing
        assert Attribute.objects.get(code="operating_pressure").quantity.code == "pressure"
        category = Category.objects.get(code="pneumatic-fittings")
        assert category.parent.code == "pneumatics"
        assert category.name == {
            "en": "Push-in fittings and connectors",
            "de": "Steckverschraubungen und Verbinder",
        }
        fitting = demo_products().filter(family__etim_class_code=FITTINGS).first()
        assert fitting.name["en"].startswith("Push-in fitting PF-")
        assert fitting.name["de"].startswith("Steckverschraubung PF-")
        assert {c.code for c in fitting.categories.all()} == {"pneumatic-fittings"}

    def test_values_match_material_and_thread(self, fittings):
        """Stainless and food-grade POM are FDA-conform, brass and PBT are not; the thread type
        is the one of the connection thread; the tube fits the thread."""
        from pim.catalog.demo.profiles import FITTING_THREADS

        checked = 0
        for product in (
            demo_products().filter(family__etim_class_code=FITTINGS).select_related("product_model")
        ):
            values = {}
            if product.product_model_id:
                for row in product.product_model.values.select_related("attribute", "option"):
                    values[row.attribute.code] = row
            for row in product.values.select_related("attribute", "option"):
                values[row.attribute.code] = row
            material = values["fitting_body_material"].option.code
            assert values["fda_conformity"].boolean is (material in ("stainless_1_4404", "pom_food"))
            low, high = values["EF001742"].number_min - 273.15, values["EF001742"].number_max - 273.15
            assert round(low) == -20 and round(high) in (80, 150)
            if material in ("pbt", "pom_food"):
                assert round(high) == 80
            thread = values["connection_thread"].option.name["en"]
            if "EF001758" in values:  # now and then left empty, like any attribute that is not key
                assert values["EF001758"].option.name["en"] == ("Metric" if thread == "M5" else "Gas-thread")
            tube = round(values["EF002504"].number * 1000)
            assert thread in FITTING_THREADS[float(tube)]
            series = product.product_model.code if product.product_model_id else product.article_number
            assert product.article_number.startswith(series) and f"-{tube}-" in product.article_number
            checked += 1
        assert checked > FITTING_PRODUCTS // 2

    def test_search_finds_fda_fittings_covering_a_temperature_range(self, fittings):
        from pim.search.backends import search
        from pim.search.query import BooleanFilter, RangeFilter, SearchQuery

        covering = RangeFilter.covering("EF001742", "-10 °C", "120 °C")
        food = search(
            SearchQuery(
                filters=[BooleanFilter("fda_conformity", True), covering], page_size=100, language="en"
            )
        )
        found = list(
            Product.objects.filter(pk__in=[hit.id for hit in food.hits]).select_related("product_model")
        )
        assert len(found) == food.total >= 5
        assert len({_series_of(p) for p in found}) >= 3
        assert all(p.is_publicly_visible() for p in found)
        # Without FDA, the nickel-plated brass fittings with FKM seals are found too.
        hot = search(SearchQuery(filters=[covering], page_size=100, language="en"))
        assert hot.total > food.total
        # FDA-conform plastic fittings do not reach 120 °C.
        plastic = search(SearchQuery(filters=[BooleanFilter("fda_conformity", True)], page_size=100))
        assert plastic.total > food.total


# --- building blocks (no database) ---------------------------------------------------------------


def test_article_numbers_from_values():
    shown = {
        "EF003563": texts.Shown("number", 8.0, "mm"),
        "EF001438": texts.Shown("number", 40.0, "mm"),
        "EF001257": texts.Shown("option", {"en": "Stainless steel A2-70"}, label_en="Stainless steel A2-70"),
        "EF000443": texts.Shown("option", {"en": "1 1/4 inch"}, label_en="1 1/4 inch"),
    }
    codes = {"Stainless steel A2-70": "A2"}
    template = "{series}.M{EF003563}x{EF001438}.{EF001257}"
    assert texts.article_number(template, "HSB120", (), codes, shown) == "HSB120.M8x40.A2"
    assert texts.article_number("{series}-{EF000443}", "DM-100", (), codes, shown) == "DM-100-125"
    # A missing value leaves no dangling separator behind.
    del shown["EF001257"]
    assert texts.article_number(template, "HSB120", (), codes, shown) == "HSB120.M8x40"


def test_names_render_units_languages_and_conversions():
    bar = SimpleNamespace(symbol="bar", from_canonical=lambda pascal: pascal / 1e5)
    shown = {
        "P": texts.Shown("number", 25000.0, "hPa", canonical=2.5e6),
        "L": texts.Shown("number", 1.5, "m"),
        "T": texts.Shown("range", (-40.0, 120.0), "°C"),
        "V": texts.Shown("range", (24.0, 24.0), "V"),
        "K": texts.Shown("option", {"en": "DC", "de": "DC"}, label_en="DC"),
    }
    assert texts.render_template("{P|bar}", "de", shown, {"bar": bar}) == "25\u00a0bar"
    assert texts.render_template("{L|u}", "de", shown) == "1,5\u00a0m"
    assert texts.render_template("{T|u}", "en", shown) == "-40 … 120\u00a0°C"
    assert texts.render_template("{V|u} {K}", "en", shown) == "24\u00a0V DC"
    assert texts.render_template(("{L} long", "{L} lang"), "de", shown) == "1,5 lang"
    assert texts.render_template("{X|u}", "en", shown) is None
    names = texts.product_name(
        {"en": "Solenoid valve", "de": "Magnetventil"}, "MV-200", ["{V|u} {K}", "{X}"], shown
    )
    assert names == {"en": "Solenoid valve MV-200, 24\u00a0V DC", "de": "Magnetventil MV-200, 24\u00a0V DC"}


def test_specs_draw_within_their_definition():
    rng = Random(4)
    wide = Num("l", low=1, high=500)
    values = [wide.draw(rng, {}) for _ in range(500)]
    assert all(1 <= v <= 500 for v in values)
    assert min(values) < 10 and max(values) > 100  # log-uniform covers small and large tanks
    assert all(v == nice(v, 2) for v in values)
    span = Span("degC", lows=(-40, 0), highs=(-10, 80))
    assert all(low < high for low, high in (span.draw(rng, {}) for _ in range(100)))
    pick = Pick(prefer=("IP67",), weight=1.0)
    assert {pick.draw(rng, {}, ["IP20", "IP67", "Other"]) for _ in range(20)} == {"IP67"}
    assert Pick().candidates({}, ["A", "Other", "None", "B"]) == ["A", "B"]


def test_letters_suffixes():
    assert [_letters(n) for n in (1, 2, 26, 27, 28, 52, 53)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA"]
