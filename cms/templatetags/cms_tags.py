"""Template helpers of the public site: language alternates, canonical URL, JSON-LD."""

import json

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.safestring import mark_safe

from pim.catalog.localization import localize

register = template.Library()

# As django.utils.html.json_script: keeps the JSON from closing the <script> element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def language_alternates(context):
    """The current page in each site language: ``[{code, name, url, absolute_url, current}]``.

    Used for the language switcher and for ``<link rel="alternate" hreflang>``. A page whose
    path holds localized words that Django cannot translate (category slugs, Wagtail page
    slugs) puts ``alternate_urls`` (language code → path) into its context; a language
    missing there has no version of the page and is left out."""
    request = context.get("request")
    if request is None:
        return []
    current = translation.get_language()
    given = context.get("alternate_urls")
    alternates = []
    for code, _name in settings.LANGUAGES:
        if given is not None:
            url = given.get(code)
            if not url:
                continue
        else:
            url = translate_url(request.path, code)
        alternates.append(
            {
                "code": code,
                "name": translation.get_language_info(code)["name_local"],
                "url": url,
                "absolute_url": request.build_absolute_uri(url),
                "current": code == current,
                "default": code == settings.LANGUAGE_CODE,
            }
        )
    return alternates


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's absolute URL without query string."""
    request = context.get("request")
    return request.build_absolute_uri(request.path) if request is not None else ""


@register.simple_tag
def site_name():
    return settings.WAGTAIL_SITE_NAME


@register.filter
def display_name(product):
    """A product's name in the active language (a variant falls back to its model's)."""
    return product.display_name() or product.article_number


@register.filter
def ld_json(value):
    """``value`` as JSON for a ``<script type="application/ld+json">`` element."""
    return mark_safe(json.dumps(value, ensure_ascii=False).translate(_JSON_ESCAPES))  # noqa: S308


@register.filter
def localized(value):
    """A localized content dict (``{"en": …, "de": …}``) in the active language, with fallback."""
    return localize(value)
