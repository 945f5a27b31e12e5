import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pim.catalog.identifiers import gtin_check_digit, normalize_article_number, validate_gtin
from pim.catalog.models import Attribute, Lifecycle, Product, ProductModel
from pim.catalog.values import effective_values, format_stored_value, raw_value, set_values, validate_variant
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


@pytest.mark.parametrize(
    "spelling", ["4711-ABC.12", "4711abc12", "4711 abc 12", "4711_ABC/12", " 4711-abc-12 "]
)
def test_article_number_lookup_ignores_case_spaces_dots_dashes(family, spelling):
    product = make_product(family, article_number="4711-ABC.12")
    assert product.article_number_key == "4711abc12"
    assert Product.objects.by_article_number(spelling).get() == product
    assert normalize_article_number(spelling) == "4711abc12"


def test_article_numbers_that_normalize_alike_are_rejected(family):
    make_product(family, article_number="4711-ABC.12")
    clash = Product(article_number="4711 abc 12", name={"en": "x"}, family=family)
    with pytest.raises(ValidationError) as info:
        clash.full_clean()
    assert "already used by 4711-ABC.12" in info.value.message_dict["article_number"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()  # the database enforces it too


@pytest.mark.parametrize("gtin", ["4006381333931", "96385074", "036000291452", "10614141000415"])
def test_valid_gtins(gtin):
    validate_gtin(gtin)
    assert gtin_check_digit(gtin[:-1]) == int(gtin[-1])


@pytest.mark.parametrize(
    ("gtin", "message"),
    [
        ("4006381333932", "wrong check digit: expected 1, got 2"),
        ("400638133393", "wrong check digit"),
        ("40063813339", "must be 8, 12, 13 or 14 digits"),
        ("40063813339A", "must be 8, 12, 13 or 14 digits"),
    ],
)
def test_invalid_gtins_say_why(gtin, message):
    with pytest.raises(ValidationError) as info:
        validate_gtin(gtin)
    assert message in info.value.messages[0]


def test_visibility_rule_is_one_rule_for_querysets_and_objects(family):
    visible = [
        make_product(family, lifecycle=Lifecycle.ACTIVE),
        make_product(family, lifecycle=Lifecycle.PHASE_OUT),
        make_product(family, lifecycle=Lifecycle.DISCONTINUED),
    ]
    hidden = [
        make_product(family, lifecycle=Lifecycle.DRAFT),
        make_product(family, lifecycle=Lifecycle.ACTIVE, live=False),
    ]
    unpublished_model = ProductModel.objects.create(
        code="S-1", name={"en": "Series"}, family=family, live=False
    )
    hidden.append(make_product(family, product_model=unpublished_model))
    published_model = ProductModel.objects.create(code="S-2", name={"en": "Series"}, family=family, live=True)
    visible.append(make_product(family, product_model=published_model))

    assert set(Product.objects.publicly_visible()) == set(visible)
    for product in visible:
        assert product.is_publicly_visible(), product
    for product in hidden:
        assert not product.is_publicly_visible(), product


def test_draft_edits_of_a_live_product_do_not_reach_the_live_row(family):
    product = make_product(family, values={"max_pressure": "16 bar"}, name={"en": "Ball valve"})
    product.save_revision().publish()
    draft = Product.objects.get(pk=product.pk)
    draft.name = {"en": "Secret new name"}
    set_values(draft, {"max_pressure": "25 bar"})
    draft.save_revision()  # a draft: the live row keeps the published data

    live = Product.objects.get(pk=product.pk)
    assert live.name == {"en": "Ball valve"}
    assert raw_value(effective_values(live)["max_pressure"]).magnitude == 16
    assert live.has_unpublished_changes
    latest = live.get_latest_revision_as_object()
    assert latest.name == {"en": "Secret new name"}
    assert raw_value(list(latest.values.all())).magnitude == 25

    live.latest_revision.publish()
    published = Product.objects.get(pk=product.pk)
    assert published.name == {"en": "Secret new name"}
    assert raw_value(effective_values(published)["max_pressure"]).magnitude == 25


def test_variants_inherit_model_values_and_override_their_own(family):
    model = ProductModel.objects.create(
        code="KH-100", name={"en": "Ball valve KH-100", "de": "Kugelhahn KH-100"}, family=family, live=True
    )
    model.axes.set([Attribute.objects.get(code="nominal_size")])
    set_values(
        model, {"max_pressure": "40 bar", "body_material": "brass", "temperature_range": "-20..150 °C"}
    )
    model.save()

    variant = make_product(
        family,
        product_model=model,
        name={},
        values={"nominal_size": "15 mm", "body_material": "ss316"},
    )
    values = effective_values(variant)
    assert format_stored_value(values["max_pressure"], "en") == "40\u00a0bar"  # inherited
    assert format_stored_value(values["body_material"], "en") == "Stainless steel 1.4401"  # overridden
    assert format_stored_value(values["nominal_size"], "en") == "15\u00a0mm"  # axis value
    assert variant.display_name("de") == "Kugelhahn KH-100"  # name falls back to the model

    validate_variant(variant, values)
    twin = Product(article_number="KH-100-15b", name={}, family=family, product_model=model)
    set_values(twin, {"nominal_size": "15 mm"})
    with pytest.raises(ValidationError, match="already has these axis values"):
        validate_variant(twin, effective_values(twin))
    no_axis = Product(article_number="KH-100-x", name={}, family=family, product_model=model)
    with pytest.raises(ValidationError, match="missing: Nominal size"):
        validate_variant(no_axis, effective_values(no_axis))


def test_variant_must_share_the_family_of_its_model(family):
    other = make_valve_family(code="other")
    model = ProductModel.objects.create(code="M", name={"en": "M"}, family=family, live=True)
    product = Product(article_number="V-1", name={"en": "v"}, family=other, product_model=model)
    with pytest.raises(ValidationError) as info:
        product.full_clean()
    assert "family of its product model" in info.value.message_dict["family"][0]


@pytest.mark.parametrize(("field", "code"), [("order_unit", "PCE"), ("content_unit", "XYZ")])
def test_unknown_order_units_are_rejected_with_a_hint(family, field, code):
    product = Product(article_number="OU-1", name={"en": "x"}, family=family, **{field: code})
    with pytest.raises(ValidationError) as info:
        product.full_clean()
    assert f"“{code}” is not a UN/ECE Rec. 20 unit" in info.value.message_dict[field][0]
    product = Product(
        article_number="OU-2", name={"en": "x"}, family=family, order_unit="MTR", content_unit="PK"
    )
    product.full_clean()


def test_localized_name_falls_back(family):
    product = make_product(family, name={"de": "Kugelhahn"})
    assert product.display_name("en") == "Kugelhahn"
    assert product.display_name("de") == "Kugelhahn"
