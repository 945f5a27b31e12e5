"""The category tree stays consistent when a delete is refused."""

import pytest
from django.db.models import ProtectedError

from pim.catalog.models import Category


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_delete_leaves_the_tree_numbers_as_they_were():
    root = Category.objects.create(code="fluid", name={"en": "Fluid technology"})
    valves = Category.objects.create(code="valves", name={"en": "Valves"}, parent=root)
    Category.objects.create(code="ball-valves", name={"en": "Ball valves"}, parent=valves)
    Category.objects.create(code="pumps", name={"en": "Pumps"}, parent=root)
    before = list(Category.objects.order_by("code").values_list("code", "lft", "rght", "tree_id"))

    with pytest.raises(ProtectedError):
        Category.objects.get(code="valves").delete()  # it has a child: PROTECT

    assert list(Category.objects.order_by("code").values_list("code", "lft", "rght", "tree_id")) == before
    pumps = Category.objects.get(code="pumps")
    assert [c.code for c in pumps.get_ancestors()] == ["fluid"]
    assert pumps.delete()[0] == 1  # a leaf still goes
