"""The database backend's writes: an entry's rows are replaced table by table only when they
differ from its document, so a full rebuild of an up-to-date index writes (almost) nothing,
while every change still reaches the index."""

from collections import Counter

import pytest

from pim.catalog.values import set_values
from pim.search.backends.database import _CHILD_COLUMNS, DatabaseSearchBackend
from pim.search.documents import DocumentBuilder
from pim.search.models import IndexEntry, IndexTerm, IndexValue, IndexVocabulary
from pim.search.query import NumberFilter, OptionFilter, SearchQuery
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


def stored_rows(pk: int) -> dict:
    return {
        model: Counter(model.objects.filter(entry_id=pk).values_list(*columns))
        for model, columns in _CHILD_COLUMNS.items()
    }


def document_rows(backend: DatabaseSearchBackend, document: dict) -> dict:
    return {model: Counter(rows) for model, rows in backend._child_rows(document).items()}


def value_ids(pk: int) -> set[int]:
    return set(IndexValue.objects.filter(entry_id=pk).values_list("pk", flat=True))


def found(backend, text="", **kwargs) -> set[str]:
    result = backend.search(SearchQuery(text=text, page_size=50, language="en", **kwargs))
    return {hit.article_number for hit in result.hits}


@pytest.fixture
def products():
    family = make_valve_family()
    changing = make_product(
        family,
        article_number="AP-1",
        name={"en": "Ball valve", "de": "Kugelhahn"},
        values={"max_pressure": "16 bar", "approvals": ["fda", "atex"], "body_material": "brass"},
    )
    steady = make_product(
        family,
        article_number="AP-2",
        name={"en": "Ball valve", "de": "Kugelhahn"},
        values={"max_pressure": "40 bar", "approvals": ["dvgw"]},
    )
    return changing, steady


def test_rows_equal_the_documents_and_only_changed_tables_of_changed_entries_are_rewritten(products):
    changing, steady = products
    backend = DatabaseSearchBackend()
    first = DocumentBuilder().build([changing.pk, steady.pk])
    backend.apply(first)
    for product in products:
        assert stored_rows(product.pk) == document_rows(backend, first[product.pk])
    steady_version = IndexEntry.objects.get(pk=steady.pk).version
    steady_values, changing_terms = (
        value_ids(steady.pk),
        set(IndexTerm.objects.filter(entry_id=changing.pk).values_list("term", "field")),
    )

    # one product gets a new name and pressure; the other one's document is the same again
    changing.name = {"en": "Shut-off valve", "de": "Absperrhahn"}
    set_values(
        changing,
        {"max_pressure": "25 bar", "approvals": ["fda", "atex"], "body_material": "brass"},
        changing.family,
    )
    changing.save()
    second = DocumentBuilder().build([changing.pk, steady.pk])
    assert second[steady.pk]["version"] != first[steady.pk]["version"]
    changing_values = value_ids(changing.pk)
    backend.apply(second)

    for product in products:
        assert stored_rows(product.pk) == document_rows(backend, second[product.pk])
    # the unchanged entry was not rewritten: same entry row version, same value rows
    assert IndexEntry.objects.get(pk=steady.pk).version == steady_version
    assert value_ids(steady.pk) == steady_values
    # the changed one was, and its new words are in the vocabulary for typo tolerance
    assert value_ids(changing.pk).isdisjoint(changing_values)
    assert IndexEntry.objects.get(pk=changing.pk).listing["name"]["en"] == "Shut-off valve"
    new_terms = set(IndexTerm.objects.filter(entry_id=changing.pk).values_list("term", "field"))
    assert new_terms != changing_terms
    assert {term for term, _field in new_terms} <= set(IndexVocabulary.objects.values_list("term", flat=True))

    assert found(backend, "shut-off") == {"AP-1"}
    assert found(backend, filters=[NumberFilter("max_pressure", at_least="20 bar")]) == {"AP-1", "AP-2"}
    assert found(backend, filters=[NumberFilter("max_pressure", at_least="30 bar")]) == {"AP-2"}


def test_a_document_that_became_none_leaves_the_index(products):
    changing, steady = products
    backend = DatabaseSearchBackend()
    backend.apply(DocumentBuilder().build([changing.pk, steady.pk]))
    backend.apply({changing.pk: None})
    assert not IndexEntry.objects.filter(pk=changing.pk).exists()
    assert all(not rows for rows in stored_rows(changing.pk).values())
    assert stored_rows(steady.pk)[IndexValue]  # the other entry keeps its rows
    assert found(backend, "valve") == {"AP-2"}


def test_two_selections_of_one_attribute_leave_its_facet_counting_every_entry(products):
    """Disjunctive facets: the approvals facet ignores both approvals selections, so it counts
    AP-2 too, which passes neither (the backend keeps such entries only when one attribute is
    selected)."""
    changing, steady = products
    backend = DatabaseSearchBackend()
    backend.apply(DocumentBuilder().build([changing.pk, steady.pk]))
    result = backend.search(
        SearchQuery(
            filters=[OptionFilter("approvals", ["fda"]), OptionFilter("approvals", ["atex"])],
            language="en",
        )
    )
    assert [hit.article_number for hit in result.hits] == ["AP-1"]
    approvals = {option.value: option.count for option in result.facet("approvals").options}
    assert approvals == {"fda": 1, "atex": 1, "dvgw": 1}
    # a second attribute: the approvals facet counts what passes the pressure selection
    result = backend.search(
        SearchQuery(
            filters=[
                OptionFilter("approvals", ["fda"]),
                OptionFilter("approvals", ["atex"]),
                NumberFilter("max_pressure", at_least="30 bar"),
            ],
            language="en",
        )
    )
    assert result.total == 0
    assert {option.value: option.count for option in result.facet("approvals").options} == {
        "fda": 0,
        "atex": 0,
        "dvgw": 1,
    }


def test_a_full_rebuild_removes_entries_of_products_no_longer_visible(products):
    from pim.catalog.models import Product
    from pim.search import indexing

    assert indexing.rebuild("database")["removed"] == 0
    hidden = products[0]
    Product.objects.filter(pk=hidden.pk).update(live=False)  # no signal: only a rebuild notices
    stats = indexing.rebuild("database")
    assert stats["removed"] == 1
    assert not IndexEntry.objects.filter(pk=hidden.pk).exists()
    assert IndexEntry.objects.count() == Product.objects.publicly_visible().count() == len(products) - 1
