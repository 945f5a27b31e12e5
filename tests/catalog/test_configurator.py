"""The series configurator's narrowing rule (pim.catalog.configurator)."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from pim.catalog.configurator import Configurator, configurable_series, configure, number_key, public_series
from pim.catalog.models import Attribute, Lifecycle, ProductModel
from pim.catalog.values import set_values
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


def make_series(family, *, code="BV", axes=("nominal_size", "body_material"), values=None, live=True):
    series = ProductModel.objects.create(
        code=code, name={"en": "Ball valve BV", "de": "Kugelhahn BV"}, family=family, live=live
    )
    # Brass is the series' material: variants without their own material inherit it.
    set_values(
        series, values or {"max_pressure": "40 bar", "body_material": "brass", "food_grade": True}, family
    )
    series.save()
    series.axes.set(Attribute.objects.filter(code__in=axes))
    series.save()
    return series


@pytest.fixture
def series(family):
    series = make_series(family)
    variant = {"product_model": series, "name": {}}
    make_product(family, article_number="BV-15-MS", values={"nominal_size": "15 mm"}, **variant)
    make_product(family, article_number="BV-20-MS", values={"nominal_size": "2 cm"}, **variant)
    make_product(
        family,
        article_number="BV-15-SS",
        values={"nominal_size": "15 mm", "body_material": "ss316"},
        **variant,
    )
    make_product(
        family,
        article_number="BV-25-SS",
        values={"nominal_size": "25 mm", "body_material": "ss316", "food_grade": False},
        **variant,
    )
    # Never offered, never counted: unpublished, a draft lifecycle.
    make_product(
        family,
        article_number="BV-40-SS",
        values={"nominal_size": "40 mm", "body_material": "ss316"},
        live=False,
        **variant,
    )
    make_product(
        family,
        article_number="BV-50-SS",
        values={"nominal_size": "50 mm", "body_material": "ss316"},
        lifecycle=Lifecycle.DRAFT,
        **variant,
    )
    return series


def articles(variants):
    return [variant.product.article_number for variant in variants]


def axis(configuration, code):
    return next(state for state in configuration.axes if state.code == code)


def counts(configuration, code):
    return {option.label: option.count for option in axis(configuration, code).options}


def test_axes_follow_the_family_order_with_the_values_of_the_visible_variants(series):
    configurator = Configurator(series, "en")
    # body_material comes before nominal_size in the family, whatever the axes' order.
    assert [a.code for a in configurator.axes] == ["body_material", "nominal_size"]
    material, size = configurator.axes
    assert [(o.key, o.label) for o in material.options] == [
        ("brass", "Brass"),
        ("ss316", "Stainless steel 1.4401"),
    ]
    # Numbers sorted numerically, labelled in the display unit, keyed by the canonical value
    # (metres): "2 cm" is the same 20 mm; 40 and 50 mm belong to hidden variants only.
    assert [(o.key, o.label) for o in size.options] == [
        ("0.015", "15\xa0mm"),
        ("0.02", "20\xa0mm"),
        ("0.025", "25\xa0mm"),
    ]
    assert articles(configurator.variants) == ["BV-15-MS", "BV-20-MS", "BV-15-SS", "BV-25-SS"]


def test_variants_are_in_the_order_of_their_axis_values(family):
    series = make_series(family, axes=("nominal_size",))
    for article, size in [("S-10", "10 mm"), ("S-8", "8 mm"), ("S-100", "0.1 m"), ("S-9", "9 mm")]:
        make_product(family, article_number=article, product_model=series, values={"nominal_size": size})
    # Numerically, not by article number (which would put S-10 and S-100 before S-8).
    assert articles(Configurator(series, "en").variants) == ["S-8", "S-9", "S-10", "S-100"]


def test_labels_are_localized(series):
    with translation.override("de"):
        configurator = Configurator(series)
    material = configurator.axes[0]
    assert [o.label for o in material.options] == ["Messing", "Edelstahl 1.4401"]


def test_narrowing_to_one_article_with_inherited_values(series):
    configurator = Configurator(series, "en")

    everything = configurator.configure({})
    assert len(everything.remaining) == 4
    assert everything.result is None
    assert counts(everything, "body_material") == {"Brass": 2, "Stainless steel 1.4401": 2}
    assert counts(everything, "nominal_size") == {"15\xa0mm": 2, "20\xa0mm": 1, "25\xa0mm": 1}

    # Brass comes from the series (inheritance): the variants without a material of their own.
    brass = configurator.configure({"body_material": "brass"})
    assert articles(brass.remaining) == ["BV-15-MS", "BV-20-MS"]
    # Counts of an axis ignore its own choice (the visitor may switch), not the others.
    assert counts(brass, "body_material") == {"Brass": 2, "Stainless steel 1.4401": 2}
    assert counts(brass, "nominal_size") == {"15\xa0mm": 1, "20\xa0mm": 1, "25\xa0mm": 0}
    size = axis(brass, "nominal_size")
    assert [o.disabled for o in size.options] == [False, False, True]
    assert size.any_count == 2

    one = configurator.configure({"body_material": "brass", "nominal_size": "0.02"})
    assert one.result is not None
    assert one.result.product.article_number == "BV-20-MS"
    assert one.result.labels == {"body_material": "Brass", "nominal_size": "20\xa0mm"}
    assert one.errors == []
    assert axis(one, "nominal_size").selected_label == "20\xa0mm"


def test_a_query_dict_and_loose_number_keys_are_understood(series):
    configuration = configure(series, QueryDict("nominal_size=0.0250&body_material=SS316&view=table"), "en")
    assert configuration.chosen == {"nominal_size": "0.025", "body_material": "ss316"}
    assert articles(configuration.remaining) == ["BV-25-SS"]
    assert number_key(0.025000000000000001) == "0.025"
    assert number_key(4e6) == "4000000"


def test_bad_choices_are_reported_and_left_open(series):
    configuration = configure(series, {"body_material": "gold", "nominal_size": ["0.015", "0.02"]}, "en")
    assert configuration.chosen == {}
    assert len(configuration.remaining) == 4
    assert configuration.errors == [
        "“gold” is not a value of “Body material” in this series; choose one of: Brass, Stainless steel 1.4401.",
        "Choose one value for “Nominal size”, not 2; the choice was left open.",
    ]
    # A value only hidden variants have is no value of the series either.
    hidden = configure(series, {"nominal_size": "0.04"}, "en")
    assert hidden.chosen == {}
    assert "“0.04” is not a value of “Nominal size”" in hidden.errors[0]


def test_a_combination_no_variant_has_says_so(series):
    configuration = configure(series, {"body_material": "brass", "nominal_size": "0.025"}, "en")
    assert configuration.remaining == []
    assert configuration.errors == [
        "No variant of this series combines Body material Brass, Nominal size 25\xa0mm. "
        "Change or reset one of the choices."
    ]
    # Each axis still shows what its values would leave with the other choice.
    assert counts(configuration, "nominal_size") == {"15\xa0mm": 1, "20\xa0mm": 1, "25\xa0mm": 0}
    assert counts(configuration, "body_material") == {"Brass": 0, "Stainless steel 1.4401": 1}


def test_boolean_and_text_axes(family):
    series = make_series(family, axes=("food_grade", "note"), values={"max_pressure": "10 bar"})
    variant = {"product_model": series, "name": {}}
    make_product(
        family,
        article_number="N-1",
        values={"food_grade": True, "note": {"en": "Seal A", "de": "Dichtung A"}},
        **variant,
    )
    make_product(
        family,
        article_number="N-2",
        values={"food_grade": False, "note": {"en": "Seal A", "de": "Dichtung A"}},
        **variant,
    )
    make_product(
        family, article_number="N-3", values={"food_grade": False, "note": {"en": "Seal B"}}, **variant
    )
    with translation.override("de"):
        configurator = Configurator(series)
    grade, note = configurator.axes
    assert [(o.key, o.label) for o in grade.options] == [("false", "Nein"), ("true", "Ja")]
    # The key of a localized text is the default language's text, the same in every language.
    assert [(o.key, o.label) for o in note.options] == [("Seal A", "Dichtung A"), ("Seal B", "Seal B")]
    result = configurator.configure({"food_grade": "false", "note": "Seal A"}).result
    assert result.product.article_number == "N-2"


def test_shared_values_are_the_series_values_no_variant_overrides(series):
    shared = Configurator(series, "en").shared_values()
    # body_material is an axis, food_grade is overridden by BV-25-SS.
    assert list(shared) == ["max_pressure"]


def test_only_live_series_are_public(family):
    make_series(family, code="LIVE")
    make_series(family, code="DRAFT", live=False)
    assert public_series("LIVE").code == "LIVE"
    assert public_series("DRAFT") is None
    assert public_series("NONE") is None


def test_variants_of_a_series_without_visible_variants_are_empty(family):
    series = make_series(family)
    make_product(
        family, article_number="BV-1", product_model=series, values={"nominal_size": "1 mm"}, live=False
    )
    configurator = Configurator(series, "en")
    assert configurator.variants == []
    assert [a.options for a in configurator.axes] == [[], []]


def test_queries_do_not_grow_with_variants_or_axes(family):
    def measure(series):
        with CaptureQueriesContext(connection) as captured:
            configurator = Configurator(public_series(series.code), "en")
            configurator.configure({"nominal_size": "0.015"})
            configurator.shared_values()
        return len(captured)

    small = make_series(family, code="SMALL", axes=("nominal_size",))
    make_product(family, article_number="S-1", product_model=small, values={"nominal_size": "1 mm"})
    large = make_series(
        family, code="LARGE", axes=("nominal_size", "body_material", "food_grade", "max_pressure")
    )
    for index in range(12):
        make_product(
            family,
            article_number=f"L-{index}",
            product_model=large,
            values={
                "nominal_size": f"{index % 4 + 1} mm",
                "body_material": "ss316" if index % 2 else "brass",
                "food_grade": index % 3 == 0,
                "max_pressure": f"{10 + index} bar",
            },
        )
    assert measure(large) == measure(small)
    # series, its axes, its categories, family attributes (+ units), series values, variants
    # (+ values), the overridden attributes
    assert measure(small) <= 9


def test_configurable_series_are_live_with_a_visible_variant(family, series):
    hidden_only = make_series(family, code="HIDDEN")
    make_product(
        family, article_number="H-1", product_model=hidden_only, values={"nominal_size": "1 mm"}, live=False
    )
    draft = make_series(family, code="DRAFT", live=False)
    make_product(family, article_number="D-1", product_model=draft, values={"nominal_size": "1 mm"})
    assert list(configurable_series().values_list("code", flat=True)) == ["BV"]
