"""The search box on every page: ``/search/?q=`` (jump or catalog) and ``/suggest/?q=`` (autocomplete).

An engineer who types an article number from an old drawing, however loosely
(``hsb530m16x6588``), a GTIN from a label or a manufacturer part number lands on that
product's page; any other text goes to the catalog's text search. Only publicly visible
products are ever a destination or a suggestion: a draft's number behaves exactly like a
number that does not exist.
"""

import re

from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from pim.catalog.models import Category
from pim.search.backends import search as run_search
from pim.search.lookup import find_product
from pim.search.params import query_string
from pim.search.query import SearchQuery, SearchQueryError
from pim.search.results import CATEGORY, COMPLETION

from .category_paths import category_path

# Longer input is cut: no article number, GTIN or sensible search text is longer, and a
# 10 KB query must cost no more than a short one.
MAX_QUERY_LENGTH = 100
# Autocomplete starts at two characters (an article-number prefix needs two as well).
MIN_SUGGEST_LENGTH = 2
SUGGESTED_PRODUCTS = 5
SUGGESTED_WORDS = 5
SUGGEST_MAX_AGE = 60

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]+")


def clean_text(value) -> str:
    """The typed text as the search sees it: control characters (PostgreSQL rejects NUL in
    text) become spaces, runs of white space one space, at most ``MAX_QUERY_LENGTH``."""
    text = " ".join(_CONTROL_CHARACTERS.sub(" ", value or "").split())
    return text[:MAX_QUERY_LENGTH].strip()


def catalog_url(text: str) -> str:
    catalog = reverse("cms:catalog")
    if not text:
        return catalog
    return f"{catalog}?{query_string(SearchQuery(text=text))}"


@require_safe
def search(request):
    """``/search/?q=``: a product's page for its article number, GTIN or manufacturer part
    number; otherwise the catalog searching the text."""
    text = clean_text(request.GET.get("q"))
    product = find_product(text) if text else None
    if product is not None:
        return HttpResponseRedirect(reverse("cms:product", kwargs={"article_number": product.article_number}))
    return HttpResponseRedirect(catalog_url(text))


def _search_link(text: str) -> str:
    return f"{reverse('cms:search')}?{urlencode({'q': text})}"


def suggestions_for(text: str, language: str) -> dict:
    """What the search box offers for ``text``: products (article number, name, URL),
    categories (path label, URL) and words that complete the text (URL: the search)."""
    answer = {"query": text, "products": [], "categories": [], "words": []}
    if len(text) < MIN_SUGGEST_LENGTH:
        return answer
    try:
        result = run_search(
            SearchQuery(
                text=text,
                language=language,
                autocomplete=True,
                facets=False,
                page_size=SUGGESTED_PRODUCTS,
            )
        )
    except SearchQueryError:
        return answer
    hits = {hit.id: hit for hit in result.hits}  # visible products only (checked by the search)
    # article numbers completing the text first, then the best other hits
    ordered = [s.product_id for s in result.suggestions if s.product_id in hits]
    ordered += [pk for pk in hits if pk not in ordered]
    for pk in ordered[:SUGGESTED_PRODUCTS]:
        hit = hits[pk]
        answer["products"].append(
            {
                "article_number": hit.article_number,
                "name": hit.name or hit.family_name,
                "url": reverse("cms:product", kwargs={"article_number": hit.article_number}),
            }
        )
    for suggestion in result.suggestions:
        if suggestion.kind == CATEGORY:
            try:
                url = category_path(suggestion.category_id, language)
            except Category.DoesNotExist:  # deleted since the suggestions were cached
                continue
            answer["categories"].append({"label": suggestion.text, "name": suggestion.name, "url": url})
        elif (
            suggestion.kind == COMPLETION
            and suggestion.product_id is None
            and len(answer["words"]) < SUGGESTED_WORDS
        ):
            answer["words"].append({"text": suggestion.text, "url": _search_link(suggestion.text)})
    return answer


@require_safe
def suggest(request):
    """``/suggest/?q=``: autocomplete for the search box (JSON, cacheable for a minute).
    Odd input (empty, very long, only punctuation) is an empty answer, never an error."""
    language = (get_language() or "en").split("-")[0]
    response = JsonResponse(suggestions_for(clean_text(request.GET.get("q")), language))
    response["Cache-Control"] = f"public, max-age={SUGGEST_MAX_AGE}"
    return response


urlpatterns = [
    path(_("search/"), search, name="search"),
    path("suggest/", suggest, name="suggest"),
]
