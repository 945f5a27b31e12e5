"""Cursor paging that stays fast on deep pages: keyset, never OFFSET.

A page is "the next ``size`` rows after the last one you had" in a fixed order (products and
series: ``(updated_at, pk)``; definitions: ``pk``), so page 1,000 costs what page 1 costs
(one index range scan). The cursor is opaque: base64 of the last row's ordering values.

Rows changed while a client pages move to the end of the order, so none is skipped; a row
changed after it was delivered comes again (it changed: the newer copy wins), which is what
a sync wants. Paging is forward only; clients keep the ``next`` links they followed.
"""

import base64
import binascii
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from .params import invalid

CURSOR_PARAM = "cursor"
SIZE_PARAM = "size"


def _encode(values) -> str:
    raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, fields) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(fields):
            raise ValueError
        decoded = []
        for value, field in zip(values, fields, strict=True):
            if isinstance(field, models.DateTimeField):
                value = parse_datetime(value)
                if value is None:
                    raise ValueError
            elif not isinstance(value, int) or isinstance(value, bool):
                raise ValueError
            decoded.append(value)
        return decoded
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid(
            CURSOR_PARAM, _("Not a cursor this API issued; follow the “next” link of a previous page.")
        ) from None


def keyset_after(names, values) -> Q:
    """Rows after ``values`` in the order of ``names`` (all ascending):
    ``(a > x) OR (a = x AND b > y) OR …``."""
    condition = Q()
    for index, name in enumerate(names):
        step = Q(**{f"{name}__gt": values[index]})
        for earlier, value in zip(names[:index], values[:index], strict=True):
            step &= Q(**{earlier: value})
        condition |= step
    return condition


class KeysetPagination(BasePagination):
    """Forward cursor pages in the view's ``keyset_ordering`` (ascending, unique at the end)."""

    def paginate_queryset(self, queryset, request, view=None):
        ordering = tuple(getattr(view, "keyset_ordering", ("pk",)))
        self.request = request
        self.page_size = self._page_size(request)
        fields = [
            queryset.model._meta.pk if name == "pk" else queryset.model._meta.get_field(name)
            for name in ordering
        ]
        queryset = queryset.order_by(*ordering)
        cursor = request.query_params.get(CURSOR_PARAM)
        if cursor:
            queryset = queryset.filter(keyset_after(ordering, _decode(cursor, fields)))
        rows = list(queryset[: self.page_size + 1])
        self.next_position = None
        if len(rows) > self.page_size:
            rows = rows[: self.page_size]
            last = rows[-1]
            self.next_position = [getattr(last, field.attname) for field in fields]
        return rows

    def _page_size(self, request) -> int:
        value = request.query_params.get(SIZE_PARAM)
        if value is None or value == "":
            return settings.PIM_API_PAGE_SIZE
        if not value.isdigit() or not 1 <= int(value) <= settings.PIM_API_MAX_PAGE_SIZE:
            raise invalid(
                SIZE_PARAM,
                _("Give a whole number from 1 to %(max)s.") % {"max": settings.PIM_API_MAX_PAGE_SIZE},
            )
        return int(value)

    def next_link(self) -> str | None:
        if self.next_position is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, CURSOR_PARAM, _encode(self.next_position))

    def get_paginated_response(self, data):
        return Response({"next": self.next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page; null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "Opaque position from a previous page's “next” link.",
                "schema": {"type": "string"},
            },
            {
                "name": SIZE_PARAM,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {settings.PIM_API_MAX_PAGE_SIZE} "
                f"(default {settings.PIM_API_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": settings.PIM_API_MAX_PAGE_SIZE},
            },
        ]
