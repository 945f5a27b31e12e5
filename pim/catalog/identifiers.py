"""Article numbers and GTINs."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Also control characters and unpaired surrogates: no stored number has them (see below), and a
# key with a NUL or a surrogate cannot even be sent to PostgreSQL, so a typed or posted one
# must not turn a lookup into a server error.
_IGNORED_IN_ARTICLE_NUMBERS = re.compile(r"[\s.\-_/\x00-\x1f\ud800-\udfff]+")


def normalize_article_number(value: str) -> str:
    """The lookup key of an article number: case, spaces, dots, dashes, underscores and
    slashes do not matter (``4711-ABC.12`` == ``4711abc12``); control characters are left out."""
    return _IGNORED_IN_ARTICLE_NUMBERS.sub("", value or "").casefold()


def validate_article_number(value: str) -> None:
    if not normalize_article_number(value):
        raise ValidationError(
            _("The article number must contain at least one letter or digit."), code="invalid"
        )
    if any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ValidationError(_("The article number contains control characters."), code="invalid")


def gtin_check_digit(body: str) -> int:
    """GS1 check digit for the digits before it (weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def validate_gtin(value: str) -> None:
    """GTIN-8, -12, -13 or -14 with a correct GS1 check digit."""
    if not value:
        return
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        raise ValidationError(
            _("“%(value)s” is not a GTIN: it must be 8, 12, 13 or 14 digits."),
            params={"value": value},
            code="invalid",
        )
    expected = gtin_check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise ValidationError(
            _("GTIN “%(value)s” has a wrong check digit: expected %(expected)s, got %(got)s."),
            params={"value": value, "expected": expected, "got": value[-1]},
            code="checksum",
        )
