from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.views import serve as wagtail_serve

from pim.catalog.models import Product

from . import page_cache
from .product_detail import (
    breadcrumb_structured_data,
    build_product_detail,
    get_public_product,
    structured_data,
)


def _product_page_scopes(request, article_number):
    # Read before the page is built (see cms.page_cache); any product with this article
    # number, public or not: when it becomes public, its stamp is replaced.
    scopes = [page_cache.SITE, page_cache.CATALOG]
    product_id = Product.objects.by_article_number(article_number).values_list("pk", flat=True).first()
    if product_id is not None:
        scopes.append(page_cache.product_scope(product_id))
    return scopes


@page_cache.cache_public_page(_product_page_scopes)
def product_detail(request, article_number):
    """The public page of one product, at ``/products/<article number>/`` (per language)."""
    product = get_public_product(article_number)
    if product is None:
        raise Http404(_("No product with article number “%(number)s”.") % {"number": article_number})
    canonical_path = reverse("cms:product", kwargs={"article_number": product.article_number})
    if article_number != product.article_number:
        # One URL per product for search engines and bookmarks: 4711abc12 → 4711-ABC.12.
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{canonical_path}?{query}" if query else canonical_path)
    page_cache.depends_on(request, page_cache.product_scope(product.pk))
    detail = build_product_detail(product, units=request.GET.get("units"))
    return render(
        request,
        "cms/product_page.html",
        {
            "detail": detail,
            "product": product,
            "structured_data": structured_data(detail, request.build_absolute_uri(canonical_path)),
            "breadcrumb_data": breadcrumb_structured_data(detail, request.build_absolute_uri),
        },
    )


@page_cache.cache_public_page(lambda request: [page_cache.SITE, page_cache.CATALOG, page_cache.LISTING])
def home_page(request):
    """The site's root page (Wagtail), cached: it lists the latest products."""
    return wagtail_serve(request, "")


def legacy_product_path(request, article_number):
    """``/de/products/<article>/`` from before product URLs were localized: 301 to the
    product's URL in the current language (query string kept)."""
    path = reverse("cms:product", kwargs={"article_number": article_number})
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)
