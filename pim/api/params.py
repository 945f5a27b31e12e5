"""Query parameters every list and detail endpoint understands: ``lang``, ``fields`` and
(lists of changing things) ``updated_since``. Bad input is a 400 naming the parameter."""

import re
from datetime import UTC, datetime, time

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError


def invalid(parameter: str, message: str) -> ValidationError:
    """A 400 naming the parameter, in the shape DRF gives field errors: ``{name: [message]}``."""
    return ValidationError({parameter: [message]})


def language(request) -> str:
    """``?lang=`` (one of ``PIM_LANGUAGES``), default ``LANGUAGE_CODE``."""
    value = request.query_params.get("lang")
    if value is None or value == "":
        return settings.LANGUAGE_CODE.split("-")[0]
    if value not in settings.PIM_LANGUAGES:
        raise invalid(
            "lang",
            _("“%(value)s” is not a catalog language; use one of: %(languages)s.")
            % {"value": value, "languages": ", ".join(settings.PIM_LANGUAGES)},
        )
    return value


def requested_fields(request, available) -> set[str] | None:
    """``?fields=a,b``: the names asked for, or None for all. Unknown names are a 400."""
    value = request.query_params.get("fields")
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise invalid("fields", _("Name at least one field, e.g. fields=article_number,name."))
    unknown = [name for name in names if name not in available]
    if unknown:
        raise invalid(
            "fields",
            _("Unknown field(s): %(unknown)s. Available: %(available)s.")
            % {"unknown": ", ".join(unknown), "available": ", ".join(available)},
        )
    return set(names)


def updated_since(request) -> datetime | None:
    """``?updated_since=`` as an aware moment: ISO 8601 date-time (without an offset: in the
    site's time zone) or a date (its start)."""
    value = request.query_params.get("updated_since")
    if value is None or value == "":
        return None
    try:
        # An unencoded "+01:00" offset arrives as " 01:00": read it as the client meant it.
        moment = parse_datetime(value) or parse_datetime(re.sub(r" (\d\d:?\d\d)$", r"+\1", value))
        if moment is None:
            day = parse_date(value)
            moment = datetime.combine(day, time.min) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise invalid(
            "updated_since",
            _(
                "“%(value)s” is not an ISO 8601 date or date-time; use e.g. 2025-03-01 or "
                "2025-03-01T08:00:00Z."
            )
            % {"value": value},
        )
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # In UTC: PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 text may carry.
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise invalid(
            "updated_since", _("“%(value)s” is outside the range of dates this API keeps.") % {"value": value}
        ) from None
