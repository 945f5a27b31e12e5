"""The download center: ``/download-center/`` finds public documents and CAD files by article
number, product name, document type and language (the search itself: ``cms.download_center``).

A plain GET form: every state is a shareable URL and works without JavaScript. Bad input
(an unknown document type, a page number that is no number) answers 400 with the form and a
message naming the parameter, never a 500.
"""

import re

from django.conf import settings
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pim.assets.downloads import product_zip_url
from pim.catalog.models import Category

from . import page_cache
from .category_paths import category_path
from .download_center import DOCUMENT_KINDS, find_documents, language_name

PAGE_SIZE = 20
MAX_PAGE = 500  # deeper pages are no way to find a document; refine the search instead
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def _validated(params) -> tuple[dict, list[str]]:
    """The search parameters and the messages for those that are wrong."""
    errors = []
    text = params.get("q", "").strip()[:200]
    known_kinds = {kind.value for kind in DOCUMENT_KINDS}
    kinds = []
    for kind in params.getlist("kind"):
        if not kind:
            continue  # "all document types"
        if kind in known_kinds:
            kinds.append(kind)
        else:
            errors.append(
                _("“%(value)s” is not a document type (parameter kind); choose one of: %(choices)s.")
                % {"value": kind, "choices": ", ".join(sorted(known_kinds))}
            )
    language = params.get("language", "").strip().lower()
    if language and not _LANGUAGE_CODE.match(language):
        errors.append(
            _("“%(value)s” is not a language code (parameter language); use a code such as “en” or “de”.")
            % {"value": language}
        )
        language = ""
    page = 1
    raw_page = params.get("page", "").strip()
    if raw_page:
        if raw_page.isdigit() and 1 <= int(raw_page) <= MAX_PAGE:
            page = int(raw_page)
        else:
            errors.append(
                _("“%(value)s” is not a page number (parameter page); use a number from 1 to %(max)s.")
                % {"value": raw_page, "max": MAX_PAGE}
            )
    return {"text": text, "kinds": kinds, "language": language, "page": page}, errors


def _owner_url(owner) -> str:
    try:
        if owner.kind == "product":
            return reverse("cms:product", kwargs={"article_number": owner.code})
        if owner.kind == "series":
            return reverse("cms:series", kwargs={"code": owner.code})
        return category_path(owner.category, translation.get_language())
    except (NoReverseMatch, Category.DoesNotExist):
        return ""


def _url(state, **changes) -> str:
    """The download center's URL for ``state`` with ``changes`` (None drops a parameter)."""
    values = {
        "q": state["text"],
        "kind": state["kinds"],
        "language": state["language"],
        "page": state["page"],
    }
    values.update(changes)
    query = [(key, value) for key, value in values.items() if value and not isinstance(value, list)]
    query += [("kind", kind) for kind in values["kind"] or []]
    query = [(key, value) for key, value in query if not (key == "page" and value == 1)]
    base = reverse("cms:download_center")
    return f"{base}?{urlencode(query)}" if query else base


@page_cache.cache_public_page(lambda request: [page_cache.SITE, page_cache.CATALOG, page_cache.LISTING])
def download_center(request):
    state, errors = _validated(request.GET)
    results = None
    if not errors:
        results = find_documents(
            text=state["text"],
            kinds=state["kinds"],
            language=state["language"],
            page=state["page"],
            page_size=PAGE_SIZE,
        )
        for document in results.documents:
            for owner in document.owners:
                owner.url = _owner_url(owner)
    filtered = bool(state["text"] or state["kinds"] or state["language"])
    languages = list(
        dict.fromkeys([*settings.PIM_LANGUAGES, *([state["language"]] if state["language"] else [])])
    )
    context = {
        "state": state,
        "errors": errors,
        "results": results,
        "filtered": filtered,
        "kind_choices": [(kind.value, kind.label) for kind in DOCUMENT_KINDS],
        "language_choices": [(code, language_name(code)) for code in languages],
        "previous_url": _url(state, page=state["page"] - 1) if results and state["page"] > 1 else "",
        "next_url": _url(state, page=state["page"] + 1) if results and results.has_next else "",
        # Zero results: one link per filter that could be dropped.
        "relax_links": [
            (label, _url(state, page=1, **{key: value}))
            for label, key, value, present in [
                (_("without the text"), "q", "", state["text"]),
                (_("all document types"), "kind", [], state["kinds"]),
                (_("all languages"), "language", "", state["language"]),
            ]
            if present
        ],
        "meta_description": _(
            "Download datasheets, 3D CAD models, 2D drawings, manuals and certificates: search by "
            "article number, product name, document type and language."
        ),
    }
    if results and results.product is not None:
        context["product_url"] = reverse(
            "cms:product", kwargs={"article_number": results.product.article_number}
        )
        context["zip_url"] = product_zip_url(results.product)
    return render(request, "cms/download_center.html", context, status=400 if errors else 200)


urlpatterns = [
    path(gettext_lazy("download-center/"), download_center, name="download_center"),
]
