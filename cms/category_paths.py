"""Localized category URLs and the public category tree with product counts.

Each category has one catalog URL per language, made of its ancestors' names as slugs:
``/catalog/fluid-technology/valves/`` and ``/de/katalog/fluidtechnik/ventile/``. Siblings
whose names give the same slug in a language are told apart deterministically: the oldest
(lowest id) keeps the slug, the others get their code appended (``valves-valves-2``), so a new
sibling never moves an existing URL.

The tree (names, slugs, paths and the number of publicly visible products in each subtree)
is built in a fixed number of queries and kept in Django's cache under the page cache's
``catalog`` and ``listing`` stamps (see :mod:`cms.page_cache`): a category edit or deletion
replaces the ``catalog`` stamp, any product change the ``listing`` stamp, so a cached tree
never shows a deleted category or counts a product that was unpublished. The stamps are read
before the tree is built, so a tree built from data that changed meanwhile is stored under
stamps that are already outdated.
"""

import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify

from pim.catalog.localization import localize
from pim.catalog.models import Category, Product

from . import page_cache

__all__ = [
    "CategoryNode",
    "CategoryTree",
    "alternate_paths",
    "category_from_slugs",
    "category_path",
    "category_tree",
    "slug_for",
]

_CACHE_PREFIX = "cms-category-tree:v1"
# German letters slugify would strip to a, o, u: "Kugelhähne" → "kugelhaehne", not "kugelhahne".
_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def slug_for(text: str) -> str:
    return slugify((text or "").translate(_TRANSLITERATION))


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _language(language: str | None) -> str:
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in _languages() else settings.LANGUAGE_CODE


@dataclass
class CategoryNode:
    id: int
    code: str
    parent_id: int | None
    name: dict
    description: dict
    level: int
    count: int = 0  # publicly visible products in this category and below
    children: list[int] = field(default_factory=list)
    slugs: dict[str, str] = field(default_factory=dict)  # language → own slug
    paths: dict[str, str] = field(default_factory=dict)  # language → "a/b/c" (slugs of the chain)

    def label(self, language: str | None = None) -> str:
        return localize(self.name, language) or self.code

    def text(self, language: str | None = None) -> str:
        return localize(self.description, language)


@dataclass
class CategoryTree:
    nodes: dict[int, CategoryNode]
    roots: list[int]
    by_path: dict[str, dict[str, int]]  # language → slug path → id
    by_code: dict[str, int]
    total: int  # publicly visible products in any category or none

    def node(self, category_or_id) -> CategoryNode | None:
        if isinstance(category_or_id, str) and not category_or_id.isdigit():
            pk = self.by_code.get(category_or_id)
        else:
            pk = int(getattr(category_or_id, "pk", category_or_id))
        return self.nodes.get(pk)

    def ancestors(self, node: CategoryNode, *, include_self: bool = True) -> list[CategoryNode]:
        chain = [node] if include_self else []
        parent = node.parent_id
        while parent is not None:
            chain.append(self.nodes[parent])
            parent = self.nodes[parent].parent_id
        return list(reversed(chain))

    def children(self, node: CategoryNode | None) -> list[CategoryNode]:
        ids = self.roots if node is None else node.children
        return [self.nodes[pk] for pk in ids]

    def path(self, node: CategoryNode, language: str | None = None) -> str:
        language = _language(language)
        with translation.override(language):
            return reverse("cms:category", kwargs={"slugs": node.paths[language]})


def _visible_memberships_sql() -> tuple[str, list]:
    """(product_id, category_id) of every publicly visible product, directly or through its
    product model, as SQL compiled by the ORM (the visibility rule stays in one place)."""
    visible = Product.objects.publicly_visible()
    direct = Product.categories.through.objects.filter(product__in=visible.values("pk")).values(
        "product_id", "category_id"
    )
    via_model = (
        visible.filter(product_model__categories__isnull=False)
        .values(product_ref=F("pk"), category_ref=F("product_model__categories"))
        .order_by()
    )
    direct_sql, direct_params = direct.query.sql_with_params()
    model_sql, model_params = via_model.query.sql_with_params()
    # a UNION takes its column names from the first SELECT: product_id, category_id
    return f"{direct_sql} UNION {model_sql}", [*direct_params, *model_params]


def _subtree_counts() -> dict[int, int]:
    """Publicly visible products per category subtree, in one query (MPTT intervals)."""
    table = connection.ops.quote_name(Category._meta.db_table)
    members, params = _visible_memberships_sql()
    sql = (
        # the table name and ORM-compiled SQL with bound parameters: nothing from input
        f"SELECT anc.id, COUNT(DISTINCT m.product_id) FROM {table} anc "  # noqa: S608
        f"JOIN {table} d ON d.tree_id = anc.tree_id AND d.lft >= anc.lft AND d.lft <= anc.rght "
        f"JOIN ({members}) m ON m.category_id = d.id GROUP BY anc.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _build() -> CategoryTree:
    rows = list(
        Category.objects.order_by("tree_id", "lft").values(
            "id", "code", "parent_id", "name", "description", "level"
        )
    )
    counts = _subtree_counts()
    nodes: dict[int, CategoryNode] = {}
    roots: list[int] = []
    for row in rows:
        node = CategoryNode(**row, count=counts.get(row["id"], 0))
        nodes[node.id] = node
        if node.parent_id is None:
            roots.append(node.id)
        elif node.parent_id in nodes:
            nodes[node.parent_id].children.append(node.id)
    by_path: dict[str, dict[str, int]] = {}
    for language in _languages():
        paths = by_path[language] = {}
        for siblings in [roots, *(node.children for node in nodes.values())]:
            taken: set[str] = set()
            # the oldest keeps the plain slug: adding a sibling never moves an existing URL
            for pk in sorted(siblings):
                node = nodes[pk]
                slug = slug_for(node.label(language)) or slug_for(node.code) or str(node.id)
                if slug in taken:
                    slug = f"{slug}-{slug_for(node.code) or node.id}"
                taken.add(slug)
                node.slugs[language] = slug
        for node in nodes.values():  # parents come before children (tree order)
            parent = nodes.get(node.parent_id)
            node.paths[language] = (
                f"{parent.paths[language]}/{node.slugs[language]}" if parent else node.slugs[language]
            )
            paths[node.paths[language]] = node.id
    total = Product.objects.publicly_visible().count()
    return CategoryTree(
        nodes=nodes, roots=roots, by_path=by_path, by_code={n.code: n.id for n in nodes.values()}, total=total
    )


# The last tree this process used, by cache key: unpickling a large tree on every request
# would cost more than the page. The key holds the shared stamps, so it is never stale.
_local = threading.local()


def category_tree() -> CategoryTree:
    """The public category tree with subtree counts (cached, see the module docstring)."""
    stamps = page_cache.current_stamps([page_cache.CATALOG, page_cache.LISTING])
    key = f"{_CACHE_PREFIX}:{stamps[page_cache.CATALOG]}:{stamps[page_cache.LISTING]}"
    memo = getattr(_local, "memo", None)
    if memo is not None and memo[0] == key:
        return memo[1]
    cache = caches["default"]
    tree = cache.get(key)
    if tree is None:
        tree = _build()
        cache.set(key, tree, timeout=getattr(settings, "PIM_PAGE_CACHE_TIMEOUT", 3600) or 3600)
    _local.memo = (key, tree)
    return tree


def category_path(category_or_id, language: str | None = None) -> str:
    """The absolute path of the category's catalog page in ``language`` (default: the active
    one), e.g. ``/de/katalog/pneumatik/pneumatikventile/``. ``category_or_id``: a Category,
    its id or its code. Raises ``Category.DoesNotExist`` for an unknown category."""
    tree = category_tree()
    node = tree.node(category_or_id)
    if node is None:
        raise Category.DoesNotExist(f"No category {category_or_id!r}")
    return tree.path(node, language)


def category_from_slugs(slugs: str, language: str | None = None) -> CategoryNode | None:
    """The category whose path in ``language`` is ``slugs`` ("a/b/c"), or None."""
    tree = category_tree()
    pk = tree.by_path.get(_language(language), {}).get(slugs.strip("/"))
    return tree.nodes.get(pk) if pk is not None else None


def alternate_paths(category_or_id) -> dict[str, str]:
    """The category's page in each site language: ``{"en": path, "de": path}``."""
    tree = category_tree()
    node = tree.node(category_or_id)
    if node is None:
        return {}
    return {language: tree.path(node, language) for language in _languages()}
