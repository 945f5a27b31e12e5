"""Sitemaps of the public site: ``/sitemap.xml`` is an index of sections, each paged.

Sections: ``pages`` (Wagtail pages and the fixed entry pages), ``categories``, ``products``,
``series``. Every URL is listed once per site language with ``xhtml:link`` alternates for all
languages and ``x-default`` (the default language's URL), as Google documents for
multilingual sitemaps.

Scale (a million products): Django's own ``Sitemap.i18n`` builds a Python list of every
(item, language) pair before paging, and its ``get_latest_lastmod`` calls ``lastmod`` for
every item; both would load the whole catalog per request. Here ``items()`` is a
``values_list`` queryset (tuples, no model instances, no prefetches) that Django's paginator
slices with LIMIT/OFFSET, each language becomes a URL while writing the page, and the latest
change of a section is one ``MAX()`` query. A page holds ``limit`` items, i.e. at most
50,000 URLs (the protocol's limit) whatever the number of languages.
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from pim.catalog.models import Category, Product, ProductModel

from .category_paths import category_path

MAX_URLS_PER_FILE = 50_000


def site_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


class MultilingualSitemap(Sitemap):
    """Items are listed once per language, each URL with its alternates (hreflang)."""

    def __init__(self, limit: int | None = None):
        # Items per file: the URL budget shared by the languages.
        self.limit = limit or max(1, MAX_URLS_PER_FILE // len(site_languages()))

    def paths(self, item) -> dict[str, str]:
        """``{language: path}`` of ``item``; a language without a URL is left out."""
        result = {}
        for code in site_languages():
            with translation.override(code):
                try:
                    path = self.path(item)
                except NoReverseMatch:
                    path = ""
            if path:
                result[code] = path
        return result

    def path(self, item) -> str:  # pragma: no cover - every section defines it
        raise NotImplementedError

    def item_lastmod(self, item):
        return None

    def get_urls(self, page=1, site=None, protocol=None):
        protocol = self.get_protocol(protocol)
        domain = self.get_domain(site)
        default = settings.LANGUAGE_CODE
        urls = []
        latest = None
        for item in self.paginator.page(page).object_list:
            paths = self.paths(item)
            if not paths:
                continue
            absolute = {code: f"{protocol}://{domain}{path}" for code, path in paths.items()}
            alternates = [{"lang_code": code, "location": url} for code, url in absolute.items()]
            if default in absolute:
                alternates.append({"lang_code": "x-default", "location": absolute[default]})
            lastmod = self.item_lastmod(item)
            if lastmod is not None and (latest is None or lastmod > latest):
                latest = lastmod
            for url in absolute.values():
                urls.append({"item": item, "location": url, "lastmod": lastmod, "alternates": alternates})
        if latest is not None:
            self.latest_lastmod = latest  # the section page's Last-Modified header
        return urls


class PagesSitemap(MultilingualSitemap):
    """Live, public Wagtail pages (home, application pages…) and the fixed entry pages of the
    catalog. A Wagtail page and its translations are one item: each translation is listed
    with its own (localized) slugs, and a language without a translation is left out, as the
    page's own hreflang links do (``cms.models.translation_urls``). The site's root page is
    the exception: it answers in every language (``/de/``) and says so in its hreflang."""

    FIXED = ("cms:catalog", "cms:download_center")

    def items(self):
        from wagtail.models import Page, Site

        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        groups: dict = {}
        if site is not None:
            roots = Page.objects.filter(translation_key=site.root_page.translation_key)
            pages = (
                Page.objects.live()
                .public()
                .filter(depth__gt=1)
                .select_related("locale")
                .only("pk", "url_path", "path", "depth", "translation_key", "locale", "last_published_at")
                .order_by("path")
            )
            under_a_root = Q()
            for root in roots:
                under_a_root |= Q(path__startswith=root.path)
            for page in pages.filter(under_a_root):
                groups.setdefault(page.translation_key, []).append(page)
        items = [("pages", group, None) for group in groups.values()]
        self._site_root_key = site.root_page.translation_key if site is not None else None
        return items + [("route", name, None) for name in self.FIXED]

    def paths(self, item):
        kind, value, _lastmod = item
        if kind == "route":
            return super().paths(item)
        result = {}
        for page in value:
            parts = page.get_url_parts()
            if parts is not None:
                result[page.locale.language_code] = parts[2]
        if value and value[0].translation_key == getattr(self, "_site_root_key", None):
            for code in site_languages():
                if code not in result:
                    with translation.override(code):
                        result[code] = reverse("wagtail_serve", args=[""])
        return {code: result[code] for code in site_languages() if code in result}

    def path(self, item):
        return reverse(item[1])

    def item_lastmod(self, item):
        kind, value, _lastmod = item
        if kind != "pages":
            return None
        dates = [page.last_published_at for page in value if page.last_published_at]
        return max(dates) if dates else None


class CategoriesSitemap(MultilingualSitemap):
    """Categories with at least one publicly visible product in their subtree."""

    def items(self):
        visible = Product.objects.publicly_visible()
        has_visible = Exists(
            Category.objects.filter(
                tree_id=OuterRef("tree_id"), lft__gte=OuterRef("lft"), rght__lte=OuterRef("rght")
            ).filter(Q(products__in=visible) | Q(productmodel__variants__in=visible))
        )
        # Category pages read their tree (names, slugs) themselves; the section is small
        # (thousands at most), so model instances are fine here.
        return Category.objects.filter(has_visible).order_by("tree_id", "lft")

    def path(self, item):
        return category_path(item, translation.get_language())


class ProductsSitemap(MultilingualSitemap):
    def items(self):
        return (
            Product.objects.publicly_visible()
            .order_by("article_number_key")
            .values_list("article_number", "updated_at")
        )

    def path(self, item):
        return reverse("cms:product", kwargs={"article_number": item[0]})

    def item_lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        return Product.objects.publicly_visible().aggregate(latest=Max("updated_at"))["latest"]


def _live_series():
    visible_variant = Product.objects.publicly_visible().filter(product_model_id=OuterRef("pk"))
    return ProductModel.objects.filter(live=True).filter(Exists(visible_variant))


class SeriesSitemap(MultilingualSitemap):
    """Live series with at least one publicly visible variant (their configurator pages)."""

    def items(self):
        return _live_series().order_by("code").values_list("code", "updated_at")

    def path(self, item):
        return reverse("cms:series", kwargs={"code": item[0]})

    def item_lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        return _live_series().aggregate(latest=Max("updated_at"))["latest"]


def sitemaps(limit: int | None = None) -> dict:
    """The sections of ``/sitemap.xml``; ``limit`` (items per file) only for tests."""
    return {
        "pages": PagesSitemap(limit),
        "categories": CategoriesSitemap(limit),
        "products": ProductsSitemap(limit),
        "series": SeriesSitemap(limit),
    }
