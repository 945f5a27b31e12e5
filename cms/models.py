from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from pim.catalog.models import Product

from . import page_cache
from .blocks import ApplicationBodyBlock, faq_structured_data

TEASER_RENDITION = "fill-640x360-c100"


def translation_urls(page, request) -> dict[str, str]:
    """The live translations of ``page`` by language (language code → path), for hreflang
    links and the language switcher: a German page has German slugs that Django's
    ``translate_url`` cannot derive from the English path."""
    urls = {}
    for translation in page.get_translations(inclusive=True).live().public().select_related("locale"):
        url = translation.get_url(request)
        if url:
            urls[translation.locale.language_code] = url
    return urls


class CachedPageMixin:
    """Serve the page through the public page cache (cms/page_cache.py). Application pages
    show Wagtail content (``site``), category names (``catalog``) and live product lists
    (``listing``); every change of those replaces a stamp."""

    def serve(self, request, *args, **kwargs):
        return _cached_serve(request, self, *args, **kwargs)


@page_cache.cache_public_page(
    lambda request, page, *a, **k: [page_cache.SITE, page_cache.CATALOG, page_cache.LISTING]
)
def _cached_serve(request, page, *args, **kwargs):
    return Page.serve(page, request, *args, **kwargs)


class HomePage(Page):
    """The site's root page."""

    intro = RichTextField(_("introduction"), blank=True)
    max_count = 1
    latest_products_count = 12

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["products"] = (
            Product.objects.publicly_visible()
            .select_related("product_model")
            .order_by("-updated_at", "article_number_key")[: self.latest_products_count]
        )
        context["applications"] = (
            ApplicationPage.objects.live()
            .public()
            .descendant_of(self)
            .order_by("path")
            .select_related("hero_image")
        )
        return context


class ApplicationIndexPage(CachedPageMixin, Page):
    """The industry index: lists its live application pages."""

    intro = RichTextField(_("introduction"), blank=True)
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ApplicationPage"]
    max_count_per_parent = 1

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("application index")
        verbose_name_plural = _("application indexes")

    def applications(self):
        return (
            ApplicationPage.objects.live()
            .public()
            .child_of(self)
            .order_by("path")
            .select_related("hero_image")
            .prefetch_related("hero_image__renditions")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["applications"] = self.applications()
        context["alternate_urls"] = translation_urls(self, request)
        return context


class ApplicationPage(CachedPageMixin, Page):
    """An industry or application: what engineers there need, with live product selections."""

    summary = models.TextField(
        _("summary"),
        max_length=300,
        help_text=_("One or two sentences for the index and search engines (the meta description)."),
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(ApplicationBodyBlock(), verbose_name=_("body"), blank=True)

    parent_page_types = ["cms.ApplicationIndexPage"]
    subpage_types: list[str] = []

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]

    class Meta:
        verbose_name = _("application page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["alternate_urls"] = translation_urls(self, request)
        context["faq_data"] = faq_structured_data(self.body)
        context["index_page"] = self.get_parent()
        return context


# Languages pages are translated into (settings.WAGTAIL_CONTENT_LANGUAGES); kept here so the
# demo and tests do not guess them.
def content_languages() -> list[str]:
    return [code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES]
