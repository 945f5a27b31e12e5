"""The download center (placeholder until built)."""

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


def download_center(request):
    raise Http404


urlpatterns = [
    path(_("download-center/"), download_center, name="download_center"),
]
