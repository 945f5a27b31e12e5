"""Completeness rules (pim.catalog.completeness) and their stored results per channel."""

import pytest

from pim.catalog import completeness as rules
from pim.catalog.models import Product
from pim.catalog.signals import notify
from pim.catalog.values import effective_values, set_values
from pim.exports.completeness import missing_by_requirement, recompute, recompute_channel, summary_by_family
from pim.exports.models import ChannelRequirement, ProductCompleteness

from .conftest import make_channel

pytestmark = pytest.mark.django_db


def facts(product, **extra):
    return rules.ProductFacts(values=effective_values(product), **extra)


def test_rules_per_language(catalog):
    product = catalog.products["english_only"]
    requirements = [
        rules.Requirement(rules.FIELD, "name", "Name"),
        rules.Requirement(rules.ATTRIBUTE, "max_pressure", "Pressure"),
        rules.Requirement(rules.ATTRIBUTE, "note", "Note"),
        rules.Requirement(rules.FIELD, "price", "Price"),
        rules.Requirement(rules.ASSET, "image", "Image"),
    ]
    results = rules.evaluate(
        product, requirements, ["en", "de"], facts(product, asset_kinds=frozenset({"image"})), currency="EUR"
    )
    assert [m["code"] for m in results["en"].missing] == ["note", "price"]
    assert results["en"].score == 60
    # no fallback: the German name is missing even though an English one exists
    assert [m["code"] for m in results["de"].missing] == ["name", "note", "price"]
    assert results["de"].score == 40
    assert not results["de"].complete


def test_localized_attribute_counts_per_language_and_variants_inherit(catalog):
    full = catalog.products["full"]
    requirement = [
        rules.Requirement(rules.ATTRIBUTE, "note"),
        rules.Requirement(rules.FIELD, "short_description"),
    ]
    assert all(r.complete for r in rules.evaluate(full, requirement, ["en", "de"], facts(full)).values())
    set_values(full, {"note": {"en": "Lever included"}})
    full.save()
    results = rules.evaluate(full, requirement, ["en", "de"], facts(Product.objects.get(pk=full.pk)))
    assert results["en"].complete and not results["de"].complete
    variant = catalog.products["variant"]
    inherited = [rules.Requirement(rules.ATTRIBUTE, "approvals")]  # set on the product model only
    assert rules.evaluate(variant, inherited, ["en"], facts(variant))["en"].complete
    assert rules.evaluate(variant, [], ["en"], facts(variant))["en"].score == 100  # nothing required


def test_unknown_requirements_are_errors(catalog):
    product = catalog.products["full"]
    with pytest.raises(ValueError, match="unknown completeness field"):
        rules.evaluate(product, [rules.Requirement(rules.FIELD, "colour")], ["en"], facts(product))


def test_stored_completeness_follows_changes(catalog, django_capture_on_commit_callbacks):
    channel = make_channel()
    ChannelRequirement.objects.create(channel=channel, kind="field", field="gtin")
    ChannelRequirement.objects.create(channel=channel, kind="field", field="short_description")
    ChannelRequirement.objects.create(
        channel=channel,
        family=catalog.family,
        kind="attribute",
        attribute=catalog.family.attributes.get(code="note"),
    )
    recompute_channel(channel)
    stored = {
        (row.product.article_number, row.language): row.score
        for row in ProductCompleteness.objects.filter(channel=channel).select_related("product")
    }
    assert stored[("KH-100", "en")] == 100 and stored[("KH-100", "de")] == 100
    assert stored[("KH-200", "de")] == 0
    assert ("KH-DRAFT", "en") in stored  # editors see drafts' completeness before publishing

    psi = catalog.products["psi"]
    psi.gtin = "4006381333931"
    psi.short_description = {"en": "Pressure rated", "de": "Druckfest"}
    with django_capture_on_commit_callbacks(execute=True):
        psi.save_revision().publish()  # the catalog's "published" event recomputes on commit
    row = ProductCompleteness.objects.get(channel=channel, product=psi, language="de")
    assert row.score == 66 and [m["code"] for m in row.missing] == ["note"]

    # a family change (catalog event) recomputes the family's products
    with django_capture_on_commit_callbacks(execute=True):
        Product.objects.filter(pk=psi.pk).update(gtin="")  # no signal
        notify([psi.pk], "family_changed")
    assert ProductCompleteness.objects.get(channel=channel, product=psi, language="de").score == 33


def test_requirement_changes_recompute_the_channel(catalog, django_capture_on_commit_callbacks):
    channel = make_channel()
    recompute_channel(channel)
    assert set(ProductCompleteness.objects.filter(channel=channel).values_list("score", flat=True)) == {100}
    with django_capture_on_commit_callbacks(execute=True):
        ChannelRequirement.objects.create(channel=channel, kind="field", field="gtin")
    assert (
        ProductCompleteness.objects.get(
            channel=channel, product=catalog.products["full"], language="en"
        ).score
        == 100
    )
    assert (
        ProductCompleteness.objects.get(channel=channel, product=catalog.products["psi"], language="en").score
        == 0
    )


def test_dashboard_aggregates(catalog):
    channel = make_channel(min_completeness=50)
    ChannelRequirement.objects.create(channel=channel, kind="field", field="gtin")
    ChannelRequirement.objects.create(channel=channel, kind="field", field="name")
    recompute(Product.objects.values_list("pk", flat=True), [channel])
    (row,) = summary_by_family(channel, "de")
    assert row["product__family__code"] == "valves"
    assert row["products"] == Product.objects.count()
    assert row["complete"] == 1  # KH-100: GTIN and German name
    assert row["below"] == Product.objects.count() - 1 - 2  # KH-200, KH-SER-15: German name, no GTIN: 50 %
    top = dict(missing_by_requirement(channel, "de"))
    assert top["GTIN"] == Product.objects.count() - 1
