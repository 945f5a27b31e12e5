from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .product_detail import build_product_detail, get_public_product, structured_data


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
    detail = build_product_detail(product)
    return render(
        request,
        "cms/product_page.html",
        {
            "detail": detail,
            "product": product,
            "structured_data": structured_data(detail, request.build_absolute_uri(canonical_path)),
        },
    )
