"""Category edits reach the index: documents carry the ids and names of the categories a
product (or its product model) sits in, so deleting or renaming one records those products in
the outbox; the subtree of a category filter is resolved at query time."""

import pytest
from django.db import transaction
from django.db.models import ProtectedError

from pim.catalog.models import Category, ProductModel
from pim.search.backends.database import DatabaseSearchBackend
from pim.search.documents import DocumentBuilder
from pim.search.models import IndexCategory, OutboxEntry
from pim.search.query import SearchQuery
from tests.factories import make_product, make_valve_family

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_search")]


def found(text="", **kwargs) -> list[str]:
    result = DatabaseSearchBackend().search(SearchQuery(text=text, page_size=50, **kwargs))
    return sorted(hit.article_number for hit in result.hits)


def outbox() -> set[tuple[int, str]]:
    return set(OutboxEntry.objects.values_list("product_id", "reason"))


@pytest.fixture
def shelf(django_capture_on_commit_callbacks):
    """Fluid › Isolation valves › Miniature, and Fluid › Circulators (after Isolation valves,
    so deleting in front of it shifts its lft/rght); V-1 and the series S (variant S-1) in
    Isolation valves, M-1 in Miniature, P-1 in Circulators. Indexed."""
    with django_capture_on_commit_callbacks(execute=True):
        family = make_valve_family()
        fluid = Category.objects.create(code="fluid", name={"en": "Fluid"})
        valves = Category.objects.create(code="b-valves", name={"en": "Isolation valves"}, parent=fluid)
        mini = Category.objects.create(code="mini", name={"en": "Miniature"}, parent=valves)
        pumps = Category.objects.create(code="c-pumps", name={"en": "Circulators"}, parent=fluid)
        series = ProductModel.objects.create(code="S", name={"en": "Series"}, family=family, live=True)
        series.categories.set([valves])
        series.save()
        items = {"S-1": make_product(family, article_number="S-1", product_model=series)}
        for article, category in (("V-1", valves), ("M-1", mini), ("P-1", pumps)):
            items[article] = make_product(family, article_number=article)
            items[article].categories.set([category])
            items[article].save()
    assert not OutboxEntry.objects.exists()
    items.update(fluid=fluid, valves=valves, mini=mini, pumps=pumps)
    return items


def test_deleting_a_category_records_its_products_and_their_documents_lose_it(
    shelf, django_capture_on_commit_callbacks
):
    assert found("miniature") == ["M-1"]
    mini_id = shelf["mini"].pk
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        shelf["mini"].delete()
        assert outbox() == {(shelf["M-1"].pk, "category_deleted")}
    for callback in callbacks:
        callback()
    assert not OutboxEntry.objects.exists()
    assert found("miniature") == []
    assert not IndexCategory.objects.filter(category_id=mini_id).exists()
    assert DocumentBuilder().build([shelf["M-1"].pk])[shelf["M-1"].pk]["category_ids"] == []
    assert found("M-1") == ["M-1"]  # still indexed, just without the category


def test_products_through_their_product_model_are_recorded_and_not_the_next_sibling_s(
    shelf, django_capture_on_commit_callbacks
):
    valves = shelf["valves"]
    with django_capture_on_commit_callbacks(execute=True):
        shelf["mini"].delete()
    assert found("isolation") == ["S-1", "V-1"]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        valves.delete()
        # django-mptt moved Circulators into the deleted range before pre_delete: P-1 is not
        # recorded
        assert outbox() == {(shelf["V-1"].pk, "category_deleted"), (shelf["S-1"].pk, "category_deleted")}
    for callback in callbacks:
        callback()
    assert found("isolation") == []
    assert found(category="c-pumps") == ["P-1"]


def test_a_category_with_subcategories_cannot_be_deleted_and_records_nothing(shelf):
    with pytest.raises(ProtectedError), transaction.atomic():
        shelf["valves"].delete()
    assert not OutboxEntry.objects.exists()
    assert Category.objects.filter(code="mini", parent__code="b-valves").exists()


def test_renaming_a_category_records_the_products_that_carry_its_name(
    shelf, django_capture_on_commit_callbacks
):
    assert found("isolation") == ["S-1", "V-1"]  # M-1 sits below: its document has not the name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        shelf["valves"].name = {"en": "Shutoff valves"}
        shelf["valves"].save()
        assert outbox() == {(shelf["V-1"].pk, "category_changed"), (shelf["S-1"].pk, "category_changed")}
    for callback in callbacks:
        callback()
    assert found("shutoff") == ["S-1", "V-1"]
    assert found("isolation") == []
    # the category filter takes the subtree in at query time
    assert found(category="b-valves") == ["M-1", "S-1", "V-1"]


def test_moving_a_category_needs_no_new_documents_for_the_subtree_filter(
    shelf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        shelf["mini"].parent = shelf["pumps"]
        shelf["mini"].save()
    assert found(category="c-pumps") == ["M-1", "P-1"]
    assert found(category="b-valves") == ["S-1", "V-1"]
