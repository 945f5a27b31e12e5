"""Catalog pages: ``/catalog/`` (all products) and one URL per category (localized slugs).

Every state of a page is a plain GET URL in the search vocabulary of
:mod:`pim.search.params` (text, filters, downloads, sort, cursor) plus presentation
parameters (``view=grid``; ``partial=1`` answers with the results region only, for
``catalog.js``). Results come from the search contract (``pim.search.backends.search``), so
the page works the same on the database and Elasticsearch backends.

Paging follows the contract's cursors: "Next" carries ``next_cursor``; "Previous" and
"First page" carry an offset-only cursor (both backends accept it), so a shared URL of page 5
still offers its way back. Bad input never gives a 500: the offending parameter is left out,
the page is answered with status 400 and the message shows at the filter it belongs to, with
the typed value kept in its input to be corrected.
"""

import dataclasses
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pim.search.backends import search
from pim.search.params import FILTER_KEY, filter_key, params_from_query, query_from_params, sort_param
from pim.search.query import SearchQuery, SearchQueryError, Sort, encode_cursor
from pim.search.results import DOWNLOADS

from . import page_cache
from .catalog_listing import build_listing
from .category_paths import category_from_slugs, category_tree

PAGE_SIZE = 24
PRESENTATION = ("view",)  # kept across links; "partial" never is
GRID = "grid"


@dataclass
class FacetChoice:
    value: str
    label: str
    count: int
    checked: bool
    id: str


@dataclass
class FacetView:
    """One fieldset of the filter form."""

    code: str
    label: str
    kind: str  # options | boolean | number | range | downloads
    name: str = ""  # input name of checkbox/radio facets
    choices: list[FacetChoice] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)  # number/range: [{name, label, value, id, placeholder}]
    hint: str = ""
    unit: str = ""
    error: str = ""
    open: bool = False
    id: str = ""
    any_checked: bool = False  # yes/no facets: neither chosen
    described_by: str = ""


def _scopes(request, slugs=""):
    return [page_cache.SITE, page_cache.CATALOG, page_cache.LISTING]


def _url(base: str, params) -> str:
    query = urlencode(list(params), safe="[]:")
    return f"{base}?{query}" if query else base


def _without(params, predicate) -> list[tuple[str, str]]:
    return [(key, value) for key, value in params if not predicate(key, value)]


def _is_filter_of(key: str, code: str) -> bool:
    match = FILTER_KEY.match(key)
    return bool(match) and match["code"] == code


def _parse(request, category_code, language):
    """The query, with each parameter that fails to parse left out: (query, errors by
    parameter, the raw parameters that were used)."""
    params = {key: request.GET.getlist(key) for key in request.GET if key not in ("partial", *PRESENTATION)}
    errors: dict[str, str] = {}
    for _attempt in range(len(params) + 1):
        try:
            return query_from_params(
                params, category=category_code, language=language, page_size=PAGE_SIZE
            ), errors
        except SearchQueryError as exc:
            parameter = getattr(exc, "parameter", None)
            if parameter is None or parameter not in params:
                errors["__all__"] = exc.messages[0]
                break
            errors[parameter] = exc.messages[0]
            del params[parameter]
    return SearchQuery(category=category_code, language=language, page_size=PAGE_SIZE), errors


def _run(query: SearchQuery, errors: dict, path_category):
    """Search; input the parser could not judge (an unknown family or category code, a bad
    cursor) is dropped with a message rather than failing the page."""
    try:
        return query, search(query)
    except SearchQueryError as exc:
        errors["__all__"] = exc.messages[0]
    fallback = dataclasses.replace(query, families=[], lifecycles=[], cursor=None, category=path_category)
    try:
        return fallback, search(fallback)
    except SearchQueryError:
        bare = SearchQuery(category=path_category, language=query.language, page_size=query.page_size)
        return bare, search(bare)


def _facet_views(result, query_params, raw_get, errors) -> list[FacetView]:
    """The filter form's fieldsets, from the contract's facets (counts, selected options, the
    data's range), holding the values of the URL."""
    current = {}
    for key, value in query_params:
        current.setdefault(key, []).append(value)

    def typed(name):
        # an input keeps what was typed, also when it was rejected (to be corrected)
        if name in errors:
            values = raw_get.getlist(name)
            return values[0].strip() if values else ""
        return (current.get(name) or [""])[0]

    views = []
    for index, facet in enumerate(result.facets):
        code = facet.attribute or DOWNLOADS
        view = FacetView(code=code, label=facet.label, kind=facet.kind, id=f"facet-{index}", unit=facet.unit)
        if facet.kind in ("options", "boolean", DOWNLOADS):
            view.name = DOWNLOADS if facet.kind == DOWNLOADS else filter_key(facet.attribute)
            view.choices = [
                FacetChoice(o.value, o.label, o.count, o.selected, f"{view.id}-{n}")
                for n, o in enumerate(facet.options)
            ]
            keys = [view.name]
        else:
            operators = [("gte", _("at least")), ("lte", _("at most"))]
            if facet.kind == "range":
                # ranges (e.g. a medium temperature -10 … 120 °C): "covers my value/interval"
                operators = [("from", _("from")), ("to", _("to"))]
            low = "" if facet.min is None else _number(facet.min)
            high = "" if facet.max is None else _number(facet.max)
            for op, label in operators:
                name = filter_key(facet.attribute, op)
                example = low if op in ("gte", "from") else high
                view.inputs.append(
                    {
                        "name": name,
                        "label": label,
                        "value": typed(name),
                        "id": f"{view.id}-{op}",
                        "placeholder": f"{example} {facet.unit}".strip() if example else "",
                        "invalid": name in errors,
                    }
                )
            keys = [filter_key(facet.attribute, op) for op, _label in operators]
            if low or high:
                shown = f"{low} … {high} {facet.unit}".strip()
                if facet.kind == "range":
                    view.hint = _("Covers my value or interval. In these products: %(range)s.") % {
                        "range": shown
                    }
                else:
                    view.hint = _("In these products: %(range)s.") % {"range": shown}
            if facet.unit:
                view.hint = f"{view.hint} " + _("Any unit, e.g. “%(example)s”.") % {
                    "example": f"{high or low or 10} {facet.unit}"
                }
        view.error = " ".join(errors[key] for key in keys if key in errors)
        if facet.kind != DOWNLOADS:
            # a rejected parameter of this attribute (e.g. filter[x] on a number) is shown here
            view.error = view.error or " ".join(
                message for key, message in errors.items() if key != "__all__" and _is_filter_of(key, code)
            )
        view.open = facet.selected or bool(view.error) or index < 8
        view.any_checked = not any(choice.checked for choice in view.choices)
        view.described_by = " ".join(
            f"{view.id}-{part}" for part, present in (("hint", view.hint), ("error", view.error)) if present
        )
        views.append(view)
    return views


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.6g}"


def _chips(result, query_params, base, category_node, language):
    chips = []
    for applied in result.applied_filters:
        if applied.kind == "text":
            remaining = _without(query_params, lambda k, v: k == "q")
        elif applied.kind == "category":
            if category_node is not None:
                # the category is the page's scope: removing it goes to all products
                chips.append(
                    {
                        "label": _("Category: %(name)s") % {"name": category_node.label(language)},
                        "url": _url(reverse("cms:catalog"), query_params),
                    }
                )
                continue
            remaining = _without(query_params, lambda k, v: k == "category")
        elif applied.kind == DOWNLOADS:
            remaining = _without(query_params, lambda k, v: k == "downloads")
        elif applied.kind in ("family", "lifecycle"):
            remaining = _without(query_params, lambda k, v, kind=applied.kind: k == kind)
        else:
            remaining = _without(query_params, lambda k, v, code=applied.attribute: _is_filter_of(k, code))
        chips.append({"label": applied.label, "url": _url(base, remaining)})
    return chips


def _sort_choices(query: SearchQuery, listing) -> list[dict]:
    current = sort_param(query.sort)
    choices = []
    if query.text:
        choices += [("", _("Relevance")), ("article_number", _("Article number"))]
    else:
        choices += [("", _("Article number"))]
    choices += [("name", _("Name (A–Z)")), ("-name", _("Name (Z–A)"))]
    for column in listing.columns:
        if column.sortable:
            choices.append(
                (f"attribute:{column.code}", _("%(attribute)s, ascending") % {"attribute": column.label})
            )
            choices.append(
                (f"-attribute:{column.code}", _("%(attribute)s, descending") % {"attribute": column.label})
            )
    if current and current not in {value for value, _label in choices}:
        sort = Sort.parse(current)
        choices.append((current, sort.attribute or current))
    return [{"value": value, "label": label, "selected": value == current} for value, label in choices]


def _breadcrumb(tree, node, language, request):
    items = [{"label": _("Catalog"), "url": reverse("cms:catalog")}]
    if node is not None:
        items += [{"label": n.label(language), "url": tree.path(n, language)} for n in tree.ancestors(node)]
    structured = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": n,
                "name": item["label"],
                "item": request.build_absolute_uri(item["url"]),
            }
            for n, item in enumerate(items, start=1)
        ],
    }
    return items, structured


def _relaxations(result, query_params, base):
    links = []
    for suggestion in result.suggestions:
        if suggestion.kind != "relax":
            continue
        if suggestion.drop == DOWNLOADS:
            remaining = _without(query_params, lambda k, v: k == "downloads")
        elif any(_is_filter_of(key, suggestion.drop) for key, _v in query_params):
            remaining = _without(query_params, lambda k, v, code=suggestion.drop: _is_filter_of(k, code))
        else:  # a word of the text
            remaining = []
            for key, value in query_params:
                if key == "q":
                    words = value.split()
                    kept = [w for w in words if w.casefold() != suggestion.drop.casefold()]
                    if len(kept) == len(words):  # the analyser folded the word: drop by position
                        kept = [w for w in words if suggestion.drop.casefold() not in w.casefold()]
                    value = " ".join(kept)
                    if not value:
                        continue
                remaining.append((key, value))
        links.append({"label": suggestion.text, "count": suggestion.count, "url": _url(base, remaining)})
    return links


def _paging(result, query_params, base, query):
    without_cursor = _without(query_params, lambda k, v: k == "cursor")
    paging = {"page": result.page, "pages": max(1, -(-result.total // result.page_size))}
    if result.next_cursor:
        paging["next"] = _url(base, [*without_cursor, ("cursor", result.next_cursor)])
    if result.page > 1:
        offset = (result.page - 2) * result.page_size
        previous = (
            without_cursor
            if offset <= 0
            else [*without_cursor, ("cursor", encode_cursor({"offset": offset}))]
        )
        paging["previous"] = _url(base, previous)
        paging["first"] = _url(base, without_cursor)
    return paging


def _meta_description(node, language, total) -> str:
    if node is not None:
        text = node.text(language)
        if text:
            return Truncator(" ".join(text.split())).chars(160)
        return _(
            "%(count)s products in %(category)s: compare technical data, filter by values in any unit, "
            "download datasheets and CAD models."
        ) % {"count": total, "category": node.label(language)}
    return _(
        "The product catalog: %(count)s products to filter by technical values in any unit, with "
        "datasheets and CAD models."
    ) % {"count": total}


@page_cache.cache_public_page(_scopes)
def catalog(request, slugs=""):
    """All products, or the products of a category and its subtree."""
    language = translation.get_language() or "en"
    tree = category_tree()
    node = None
    if slugs:
        node = category_from_slugs(slugs, language)
        if node is None:
            for other, _name in _site_languages():
                found = category_from_slugs(slugs, other) if other != language else None
                if found is not None:
                    # a category path of another language: its page in this one
                    target = tree.path(found, language)
                    query = request.META.get("QUERY_STRING", "")
                    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
            raise Http404(_("No category at this address; it may have been renamed or removed."))
    base = tree.path(node, language) if node is not None else reverse("cms:catalog")

    query, errors = _parse(request, node.code if node is not None else None, language)
    query, result = _run(query, errors, node.code if node is not None else None)
    query_params = params_from_query(query, include_category=node is None, page_size=PAGE_SIZE)
    view_mode = GRID if request.GET.get("view") == GRID else ""
    presentation = [("view", GRID)] if view_mode else []
    link_params = [*_without(query_params, lambda k, v: k == "cursor"), *presentation]
    listing = build_listing(result.hits, language)

    represented = {"q", "sort", "view"}
    facets = _facet_views(result, query_params, request.GET, errors)
    for facet in facets:
        represented.update([facet.name] if facet.name else [i["name"] for i in facet.inputs])
    hidden = [(k, v) for k, v in query_params if k not in represented and k != "cursor"] + presentation

    breadcrumb, breadcrumb_ld = _breadcrumb(tree, node, language, request)
    children = [child for child in tree.children(node) if child.count]
    subcategories = [
        {
            "label": child.label(language),
            "url": _url(tree.path(child, language), link_params),
            "count": child.count,
        }
        for child in children
    ]
    general_errors = [message for key, message in errors.items() if not _shown_at_facet(key, facets)]
    family_links = []
    if len(listing.families) > 1 and not query.families:
        family_links = [
            {"label": name, "count": count, "url": _url(base, [*link_params, ("family", code)])}
            for code, name, count in listing.families
        ]
    context = {
        "node": node,
        "title": node.label(language) if node is not None else _("Product catalog"),
        "description": node.text(language) if node is not None else "",
        "meta_description": _meta_description(node, language, result.total),
        "alternate_urls": _alternates(tree, node),
        "breadcrumb": breadcrumb,
        "breadcrumb_ld": breadcrumb_ld,
        "subcategories": subcategories,
        "base": base,
        "query": query,
        "result": result,
        "listing": listing,
        "facets": facets,
        "chips": _chips(result, link_params, base, node, language),
        "clear_url": _url(base, presentation),
        "sort_choices": _sort_choices(query, listing),
        "hidden": hidden,
        "paging": _paging(result, [*query_params, *presentation], base, query),
        "relaxations": _relaxations(result, link_params, base) if result.total == 0 else [],
        "family_links": family_links,
        "errors": general_errors,
        "has_errors": bool(errors),
        "view_mode": view_mode,
        "list_url": _url(base, query_params),
        "grid_url": _url(base, [*query_params, ("view", GRID)]),
        "search_text": "",
        # where a result's "Compare" returns to without JavaScript: this page, not the fragment
        "page_url": _url(base, [*query_params, *([("view", GRID)] if view_mode else [])]),
    }
    template = "cms/catalog/_region.html" if request.GET.get("partial") else "cms/catalog/catalog_page.html"
    return render(request, template, context, status=400 if errors else 200)


def _shown_at_facet(key, facets) -> bool:
    if key == "__all__":
        return False
    return any(
        facet.error
        and (
            key == facet.name or _is_filter_of(key, facet.code) or any(key == i["name"] for i in facet.inputs)
        )
        for facet in facets
    )


def _site_languages():
    return settings.LANGUAGES


def _alternates(tree, node):
    if node is None:
        return None  # Django translates /catalog/ ⇄ /de/katalog/ itself
    return {code: tree.path(node, code) for code, _name in _site_languages()}


urlpatterns = [
    path(gettext_lazy("catalog/"), catalog, name="catalog"),
    path(gettext_lazy("catalog/<path:slugs>/"), catalog, name="category"),
]
