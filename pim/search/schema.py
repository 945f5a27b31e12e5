"""Catalog metadata a search needs on every request (attributes with their units and options,
the filterable attributes of a family), cached in the process.

A search would otherwise spend more time asking the database about attributes than the
engine spends answering. Entries are dropped when the catalog edits attributes, options,
families or units in this process (see :mod:`pim.search.signals`), and after
``PIM_SEARCH_SCHEMA_TTL`` seconds in every process.
"""

import threading
import time

from django.conf import settings
from django.db.models import Prefetch

from pim.catalog.models import Attribute, AttributeOption, FamilyAttribute, Unit

_lock = threading.Lock()
_state = {"loaded_at": 0.0, "attributes": {}, "families": {}}


def _fresh() -> dict:
    ttl = getattr(settings, "PIM_SEARCH_SCHEMA_TTL", 60)
    if time.monotonic() - _state["loaded_at"] > ttl:
        with _lock:
            _state.update(loaded_at=time.monotonic(), attributes={}, families={})
    return _state


def clear() -> None:
    with _lock:
        _state.update(loaded_at=0.0, attributes={}, families={})


def _attribute_queryset():
    return Attribute.objects.select_related("quantity", "display_unit__quantity").prefetch_related(
        Prefetch("quantity__units", queryset=Unit.objects.select_related("quantity")),
        Prefetch("options", queryset=AttributeOption.objects.order_by("sort_order", "code")),
    )


def attribute(code: str) -> Attribute | None:
    """The attribute ``code`` with quantity, units and options loaded (None if unknown)."""
    state = _fresh()
    cache = state["attributes"]
    if code not in cache:
        cache[code] = _attribute_queryset().filter(code=code).first()
    return cache[code]


def options(attribute_obj: Attribute) -> list[AttributeOption]:
    return list(attribute_obj.options.all())


def family_attributes(family_ids) -> list[FamilyAttribute]:
    """Filterable family attributes of ``family_ids`` (any type), attributes loaded."""
    state = _fresh()
    cache = state["families"]
    missing = [fid for fid in family_ids if fid not in cache]
    if missing:
        rows = list(
            FamilyAttribute.objects.filter(family_id__in=missing, attribute__filterable=True)
            .select_related("group", "display_unit__quantity")
            .order_by("pk")
        )
        by_family: dict[int, list] = {fid: [] for fid in missing}
        attributes = {
            a.pk: a for a in _attribute_queryset().filter(pk__in={row.attribute_id for row in rows})
        }
        for row in rows:
            row.attribute = attributes[row.attribute_id]
            by_family[row.family_id].append(row)
        cache.update(by_family)
    return [row for fid in family_ids for row in cache.get(fid, [])]
