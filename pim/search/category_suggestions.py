"""Categories for autocomplete: which categories hold public products, matched on their names.

Autocomplete runs on every key press, so it must not walk the category tree and the product
table each time. The categories that have publicly visible products (directly, through their
product model, or anywhere below them) are computed once and kept in Django's shared cache
(``CACHES["default"]``: every process of a machine sees the same entry) under a version
stamp. Any catalog change that can alter the answer (a product or series saved, published,
unpublished or deleted, a category saved, moved or deleted, category assignments changed)
replaces the stamp after its transaction commits, so the next request rebuilds the list
from committed data; a missing stamp (eviction) is a rebuild, never a stale answer. The
stamp is also replaced at once, so a search later in the same transaction sees the change.
``PIM_SEARCH_CATEGORY_CACHE_SECONDS`` bounds the life of an entry in any case.

The per-language search structure (folded name words, path labels) is derived from that
list once per process and version.
"""

import logging
import secrets
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from pim.catalog.localization import localize
from pim.catalog.models import Category, Product, ProductModel
from pim.catalog.signals import products_bulk_saved, products_changed

from .analysis import words

logger = logging.getLogger("pim.search")

_PREFIX = "pim-search:category-suggestions"
VERSION_KEY = f"{_PREFIX}:version"
DATA_KEY = f"{_PREFIX}:data"
PATH_SEPARATOR = " › "


@dataclass(frozen=True)
class CategoryMatch:
    id: int
    code: str
    name: str  # the category's own name in the language
    label: str  # its path, "Fluid technology › Valves › Ball valves"


@dataclass(frozen=True)
class _Entry:
    id: int
    code: str
    name: str
    label: str
    words: tuple[str, ...]  # the name's folded words
    depth: int
    order: int  # position in the tree (parents before children, siblings by sort order)


def _cache():
    return caches[getattr(settings, "PIM_SEARCH_CATEGORY_CACHE_ALIAS", "default")]


# --- the list of categories with public products ---------------------------------------------------
def _load_categories() -> list[tuple[int, int | None, str, dict]]:
    """``(id, parent id, code, names)`` of every category that has a publicly visible product
    in it or below it, in tree order. Three queries, whatever the size of the catalog."""
    visible = Product.objects.publicly_visible()
    holding = set(
        Product.categories.through.objects.filter(product__in=visible)
        .values_list("category_id", flat=True)
        .distinct()
    )
    holding |= set(
        ProductModel.categories.through.objects.filter(
            productmodel_id__in=visible.filter(product_model__isnull=False).values("product_model_id")
        )
        .values_list("category_id", flat=True)
        .distinct()
    )
    rows = list(Category.objects.order_by("tree_id", "lft").values_list("pk", "parent_id", "code", "name"))
    parents = {pk: parent for pk, parent, _code, _name in rows}
    keep: set[int] = set()
    for category_id in holding:
        # a category with public products makes its ancestors worth suggesting too
        while category_id is not None and category_id not in keep and category_id in parents:
            keep.add(category_id)
            category_id = parents[category_id]
    return [(pk, parent, code, name or {}) for pk, parent, code, name in rows if pk in keep]


def _new_version() -> str:
    return secrets.token_hex(8)


def _categories() -> tuple[str, list]:
    """(version, categories) from the shared cache, rebuilt when the stamp changed. An
    unreachable cache must not break autocomplete: the list is then built uncached."""
    cache = _cache()
    try:
        found = cache.get_many([VERSION_KEY, DATA_KEY])
        version = found.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, _new_version(), timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception:
        logger.exception("Category suggestions: cache unavailable")
        return _new_version(), _load_categories()
    data = found.get(DATA_KEY)
    if version is not None and data is not None and data[0] == version:
        return version, data[1]
    categories = _load_categories()
    if version is None:  # evicted again at once: an uncached answer
        return _new_version(), categories
    try:
        timeout = getattr(settings, "PIM_SEARCH_CATEGORY_CACHE_SECONDS", 3600)
        cache.set(DATA_KEY, (version, categories), timeout=timeout)
    except Exception:
        logger.exception("Category suggestions: cache unavailable")
    return version, categories


_lock = threading.Lock()
_indexes: dict[tuple[str, str], list[_Entry]] = {}


def _index(language: str) -> list[_Entry]:
    version, categories = _categories()
    key = (version, language)
    index = _indexes.get(key)
    if index is not None:
        return index
    by_id = {pk: (parent, code, names) for pk, parent, code, names in categories}
    entries = []
    for order, (pk, _parent, code, _names) in enumerate(categories):
        chain = []
        node = pk
        while node is not None and node in by_id:
            chain.append(node)
            node = by_id[node][0]
        chain.reverse()
        labels = [localize(by_id[node][2], language) or by_id[node][1] for node in chain]
        name = labels[-1]
        entries.append(
            _Entry(
                id=pk,
                code=code,
                name=name,
                label=PATH_SEPARATOR.join(labels),
                words=tuple(words(name)),
                depth=len(chain),
                order=order,
            )
        )
    with _lock:
        # entries of older versions are of no use any more
        for stale in [k for k in _indexes if k[0] != version]:
            _indexes.pop(stale, None)
        _indexes[key] = entries
    return entries


def matching_categories(
    query_words, language: str, *, limit: int = 5, within: tuple[int, ...] | None = None
) -> list[CategoryMatch]:
    """Categories with public products whose localized name matches ``query_words`` (folded
    words, e.g. ``TextQuery.words``' ``word``): every word is the beginning of a word of
    the name. Names starting with the typed text first, then the higher levels.
    ``within``: only these categories (a query's category subtree)."""
    typed = [w for w in query_words if w]
    if not typed or len("".join(typed)) < 2 or limit <= 0:
        return []
    phrase = " ".join(typed)
    allowed = set(within) if within is not None else None
    found = []
    for entry in _index(language):
        if allowed is not None and entry.id not in allowed:
            continue
        if all(any(word.startswith(t) for word in entry.words) for t in typed):
            found.append(entry)
    found.sort(key=lambda e: (not " ".join(e.words).startswith(phrase), e.depth, e.order))
    return [CategoryMatch(e.id, e.code, e.name, e.label) for e in found[:limit]]


# --- invalidation ------------------------------------------------------------------------------------
def _replace_version() -> None:
    # A delete replaces the version (the next reader adds a fresh one) and costs no culling
    # pass of the file cache, unlike a set: bulk changes invalidate thousands of times.
    try:
        _cache().delete(VERSION_KEY)
    except Exception:
        # The catalog edit must not fail because the cache is away; entries expire anyway.
        logger.exception("Could not invalidate the category suggestions")


def invalidate() -> None:
    """Make the cached list a miss: now (a search later in this transaction, e.g. in a script
    or a test, sees the change) and again when the transaction commits (a list another
    process built from the old data in between is dropped too), as the public page cache
    does (``cms.page_cache``)."""
    _replace_version()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_replace_version, robust=True)


@receiver(products_changed, dispatch_uid="pim_search_category_suggestions_products")
def _on_products_changed(sender, **kwargs):
    invalidate()


def _on_saved_or_deleted(sender, raw=False, **kwargs):
    if not raw:
        invalidate()


def _on_categories_assigned(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        invalidate()


def _on_products_bulk_saved(sender, **kwargs):
    invalidate()


products_bulk_saved.connect(_on_products_bulk_saved, dispatch_uid="pim_search_category_suggestions_bulk")
for _model in (Product, ProductModel, Category):
    post_save.connect(
        _on_saved_or_deleted,
        sender=_model,
        dispatch_uid=f"pim_search_category_suggestions_save_{_model.__name__}",
    )
    post_delete.connect(
        _on_saved_or_deleted,
        sender=_model,
        dispatch_uid=f"pim_search_category_suggestions_delete_{_model.__name__}",
    )
for _through in (Product.categories.through, ProductModel.categories.through):
    m2m_changed.connect(
        _on_categories_assigned,
        sender=_through,
        dispatch_uid=f"pim_search_category_suggestions_m2m_{_through.__name__}",
    )
