"""The search box: ``/search/?q=`` and autocomplete (placeholder until built)."""

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


def search(request):
    raise Http404


def suggest(request):
    raise Http404


urlpatterns = [
    path(_("search/"), search, name="search"),
    path("suggest/", suggest, name="suggest"),
]
