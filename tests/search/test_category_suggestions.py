"""Category suggestions (autocomplete): only categories with public products, kept in the shared
cache and rebuilt after every catalog change that can alter them. (Matching on both backends is
in the contract suite.)"""

import pytest

from pim.catalog.models import Category, Lifecycle, ProductModel
from pim.search import category_suggestions
from pim.search.category_suggestions import matching_categories
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


def codes(text, language="en", **kwargs):
    return [m.code for m in matching_categories(text.split(), language, **kwargs)]


@pytest.fixture
def shelf():
    family = make_valve_family()
    root = Category.objects.create(code="fluid", name={"en": "Fluid technology", "de": "Fluidtechnik"})
    valves = Category.objects.create(code="valves", name={"en": "Valves", "de": "Ventile"}, parent=root)
    product = make_product(family, article_number="V-1")
    product.categories.set([valves])
    product.save()
    return {"family": family, "root": root, "valves": valves, "product": product}


def test_categories_with_public_products_and_their_ancestors(shelf, django_capture_on_commit_callbacks):
    assert codes("valv") == ["valves"]
    assert codes("fluid") == ["fluid"]  # public products only below it
    with django_capture_on_commit_callbacks(execute=True):
        Category.objects.create(code="pumps", name={"en": "Pumps"}, parent=shelf["root"])
    assert codes("pum") == []  # no product in it


@pytest.mark.parametrize(
    "hide", [{"live": False}, {"lifecycle": Lifecycle.DRAFT}], ids=["unpublished", "draft"]
)
def test_a_category_whose_products_are_hidden_is_not_suggested(
    shelf, hide, django_capture_on_commit_callbacks
):
    assert codes("valv") == ["valves"]
    with django_capture_on_commit_callbacks(execute=True):
        for field, value in hide.items():
            setattr(shelf["product"], field, value)
        shelf["product"].save()
    assert codes("valv") == []
    assert codes("fluid") == []


def test_a_series_in_a_category_counts_through_its_live_variants(shelf, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        series_cat = Category.objects.create(
            code="series-cat", name={"en": "Gate valves"}, parent=shelf["root"]
        )
        series = ProductModel.objects.create(
            code="GV", name={"en": "Gate valve GV"}, family=shelf["family"], live=True
        )
        series.categories.set([series_cat])
        series.save()
        make_product(shelf["family"], article_number="GV-1", product_model=series)
    assert codes("gate") == ["series-cat"]
    with django_capture_on_commit_callbacks(execute=True):
        series.live = False
        series.save()
    assert codes("gate") == []


def test_renames_moves_and_deletions_are_seen_after_commit(shelf, django_capture_on_commit_callbacks):
    assert [m.label for m in matching_categories(["valv"], "en")] == ["Fluid technology › Valves"]
    with django_capture_on_commit_callbacks(execute=True):
        shelf["valves"].name = {"en": "Control valves", "de": "Regelventile"}
        shelf["valves"].save()
    assert [m.label for m in matching_categories(["contr"], "en")] == ["Fluid technology › Control valves"]
    assert [m.label for m in matching_categories(["regel"], "de")] == ["Fluidtechnik › Regelventile"]
    with django_capture_on_commit_callbacks(execute=True):
        shelf["product"].categories.set([])
        shelf["product"].save()
    assert codes("contr") == []


def test_the_stamp_is_replaced_at_once_and_again_on_commit(shelf, django_capture_on_commit_callbacks):
    """A list another process builds from the old (still committed) data between the change and
    its commit is stored under the stamp of that moment: the commit replaces it again."""
    from django.core.cache import cache

    assert codes("valv") == ["valves"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        shelf["product"].live = False
        shelf["product"].save()
        assert codes("valv") == []  # seen in the same transaction
        # another process, still seeing the committed data, stores the old list meanwhile
        version = cache.get(category_suggestions.VERSION_KEY)
        old = [
            (shelf["root"].pk, None, "fluid", {"en": "Fluid technology"}),
            (shelf["valves"].pk, shelf["root"].pk, "valves", {"en": "Valves"}),
        ]
        cache.set(category_suggestions.DATA_KEY, (version, old))
        category_suggestions._indexes.clear()  # as that other process would see it
        assert codes("valv") == ["valves"]
    assert category_suggestions._replace_version in callbacks
    for callback in callbacks:
        callback()
    assert codes("valv") == []


def test_cached_answers_cost_no_queries(shelf, django_assert_num_queries):
    with django_assert_num_queries(3):  # categories holding products, via series, the tree
        assert codes("valv") == ["valves"]
    with django_assert_num_queries(0):
        assert codes("valv") == ["valves"]
        assert codes("ventil", "de") == ["valves"]


def test_matching_rules(shelf):
    assert codes("v") == []  # a single character suggests nothing
    assert codes("") == []
    assert codes("fluid tech") == ["fluid"]
    assert codes("tech fluid") == ["fluid"]  # every word, in any order
    assert codes("fluid pump") == []
    assert codes("valv", within=(shelf["root"].pk,)) == []
    assert codes("valv", limit=0) == []
