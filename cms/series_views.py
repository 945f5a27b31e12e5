"""Series (product model) pages with the configurator (placeholder until built)."""

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


def series(request, code):
    raise Http404


urlpatterns = [
    path(_("series/<path:code>/"), series, name="series"),
]
