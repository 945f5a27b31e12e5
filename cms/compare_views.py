"""Comparison and selection (placeholder until built)."""

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


def compare(request):
    raise Http404


def selection(request):
    raise Http404


urlpatterns = [
    path(_("compare/"), compare, name="compare"),
    path(_("selection/"), selection, name="selection"),
]
