"""Catalog pages: ``/catalog/`` and one URL per category (placeholder until built)."""

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


def catalog(request, slugs=""):
    raise Http404


urlpatterns = [
    path(_("catalog/"), catalog, name="catalog"),
    path(_("catalog/<path:slugs>/"), catalog, name="category"),
]
