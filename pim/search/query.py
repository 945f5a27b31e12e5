"""The search contract, input side: what a caller asks for.

A :class:`SearchQuery` names attributes, options, families and categories by their codes and
gives numbers as typed ("16 bar", "232 psi", 16 in the display unit). :func:`resolve` checks
it against the catalog and turns it into a :class:`ResolvedQuery` (ids, canonical numbers,
analysed words) that every backend executes the same way. Bad input raises
:class:`SearchQueryError` naming the attribute and value.
"""

import base64
import dataclasses
import json
import math
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pim.assets.exchange import download_kind_labels
from pim.catalog import units as unit_service
from pim.catalog.identifiers import normalize_article_number
from pim.catalog.localization import localize
from pim.catalog.models import Attribute, AttributeType, Category, Family, Lifecycle

from . import schema
from .analysis import QueryWord, analyze_query

# Relative tolerance for numeric comparisons: a value entered as "1.6 MPa" and a filter typed
# as "16 bar" must compare equal despite float noise from unit conversion.
NUMERIC_TOLERANCE = 1e-9
MAX_PAGE_SIZE = 200


class SearchQueryError(ValidationError):
    """A query that cannot be run (unknown attribute, wrong unit, bad cursor…)."""


def _naming(parameter: str, message: str) -> SearchQueryError:
    """An error about the URL parameter ``parameter`` (``.parameter``, as params.py sets it)."""
    error = SearchQueryError(message)
    error.parameter = parameter
    return error


class RangeMode(StrEnum):
    COVERS = "covers"  # the product's range contains my value or interval
    OVERLAPS = "overlaps"  # the product's range shares at least one value with my interval


@dataclass(frozen=True)
class OptionFilter:
    """Enumeration attribute: any of the options (codes)."""

    attribute: str
    options: tuple[str, ...]

    def __init__(self, attribute: str, options):
        object.__setattr__(self, "attribute", attribute)
        if isinstance(options, str):
            options = (options,)
        object.__setattr__(self, "options", tuple(options))


@dataclass(frozen=True)
class BooleanFilter:
    attribute: str
    value: bool


@dataclass(frozen=True)
class NumberFilter:
    """Number attribute: at least / at most / between (ends given as "16 bar", a
    :class:`~pim.catalog.units.Measurement`, or a number in the attribute's display unit).
    On a range attribute it means "overlaps".
    """

    attribute: str
    at_least: object = None
    at_most: object = None


@dataclass(frozen=True)
class RangeFilter:
    """Range attribute (e.g. medium temperature -10 … 120 °C): the product's range covers
    ``value`` (or ``low`` … ``high``), or overlaps ``low`` … ``high``."""

    attribute: str
    low: object = None
    high: object = None
    mode: RangeMode = RangeMode.COVERS

    @classmethod
    def covering(cls, attribute: str, value, high=None) -> "RangeFilter":
        return cls(attribute, value, value if high is None else high, RangeMode.COVERS)

    @classmethod
    def overlapping(cls, attribute: str, low, high) -> "RangeFilter":
        return cls(attribute, low, high, RangeMode.OVERLAPS)


@dataclass(frozen=True)
class DownloadFilter:
    """Products that offer a public download of any of these kinds (asset kind codes:
    ``datasheet``, ``cad_3d``, ``cad_2d``, ``manual``, ``certificate``…). Uploaded files and
    video links count; the datasheet generated for every product does not (see
    :func:`pim.assets.exchange.public_asset_kinds`). One per query."""

    kinds: tuple[str, ...]

    def __init__(self, kinds):
        if isinstance(kinds, str):
            kinds = (kinds,)
        object.__setattr__(self, "kinds", tuple(kinds))


Filter = OptionFilter | BooleanFilter | NumberFilter | RangeFilter | DownloadFilter


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    ARTICLE_NUMBER = "article_number"
    NAME = "name"


@dataclass(frozen=True)
class Sort:
    """``Sort("relevance")``, ``Sort("article_number")``, ``Sort("name", descending=True)`` or
    ``Sort(attribute="max_pressure")`` (products without a value come last)."""

    order: SortOrder = SortOrder.RELEVANCE
    descending: bool = False
    attribute: str = ""

    @classmethod
    def parse(cls, text: str) -> "Sort":
        """``relevance``, ``article_number``, ``-name``, ``attribute:max_pressure``,
        ``-attribute:max_pressure``."""
        text = (text or "relevance").strip()
        descending = text.startswith("-")
        text = text.lstrip("-")
        if text.startswith("attribute:"):
            return cls(descending=descending, attribute=text.split(":", 1)[1])
        try:
            return cls(SortOrder(text), descending)
        except ValueError:
            raise SearchQueryError(
                _("Unknown sort order “%(sort)s”: use relevance, article_number, name or attribute:<code>.")
                % {"sort": text}
            ) from None


@dataclass
class SearchQuery:
    text: str = ""
    filters: list[Filter] = field(default_factory=list)
    category: str | int | None = None  # code or id: the category and everything below it
    families: list[str] = field(default_factory=list)  # codes
    lifecycles: list[str] = field(default_factory=list)
    sort: Sort | str = field(default_factory=Sort)
    page_size: int = 20
    page: int = 1
    cursor: str | None = None  # from SearchResult.next_cursor: deep paging
    language: str | None = None
    facets: bool = True
    autocomplete: bool = False  # the last word is incomplete: match it as a prefix
    suggestions: bool = True


# --- resolved form --------------------------------------------------------------------------
@dataclass(frozen=True)
class ResolvedFilter:
    attribute: Attribute
    kind: str  # "options" | "boolean" | "number" | "range"
    option_ids: tuple[int, ...] = ()
    boolean: bool | None = None
    low: float | None = None  # canonical, tolerance applied
    high: float | None = None
    mode: RangeMode = RangeMode.OVERLAPS
    label: str = ""  # "Max. operating pressure ≥ 16 bar"
    source: object = None  # the Filter it came from


@dataclass(frozen=True)
class ResolvedDownloads:
    """A checked :class:`DownloadFilter`."""

    kinds: tuple[str, ...]  # sorted kind codes
    label: str  # "Downloads: 3D CAD model / Datasheet"
    source: DownloadFilter


@dataclass(frozen=True)
class TextQuery:
    text: str
    article_key: str
    words: tuple[QueryWord, ...]

    @property
    def article_prefix(self) -> str:
        return self.article_key if len(self.article_key) >= 2 else ""


@dataclass(frozen=True)
class ResolvedQuery:
    query: SearchQuery
    language: str
    text: TextQuery | None
    category_ids: tuple[int, ...] | None
    family_ids: tuple[int, ...] | None
    lifecycles: tuple[str, ...] | None
    filters: tuple[ResolvedFilter, ...]
    sort: Sort
    sort_attribute: Attribute | None
    page_size: int
    offset: int
    cursor: dict | None
    downloads: ResolvedDownloads | None = None  # a selection like ``filters``, kept apart

    def filters_except(self, attribute_id: int | None) -> tuple[ResolvedFilter, ...]:
        return tuple(f for f in self.filters if f.attribute.pk != attribute_id)

    def without_downloads(self) -> "ResolvedQuery":
        """The query without its downloads selection (the downloads facet counts with every
        other selection but its own)."""
        return self if self.downloads is None else dataclasses.replace(self, downloads=None)

    @property
    def filtered_attribute_ids(self) -> set[int]:
        return {f.attribute.pk for f in self.filters}


def encode_cursor(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise SearchQueryError(_("The paging cursor is invalid; start again from the first page.")) from None
    if not isinstance(data, dict) or "offset" not in data:
        raise SearchQueryError(_("The paging cursor is invalid; start again from the first page."))
    return data


def _attribute(code: str, cache: dict) -> Attribute:
    if code not in cache:
        attribute = schema.attribute(code)
        if attribute is None:
            raise SearchQueryError(_("Unknown attribute “%(code)s”.") % {"code": code})
        cache[code] = attribute
    return cache[code]


def _measurement(attribute: Attribute, raw, language) -> float | None:
    """A filter end in the attribute's canonical unit."""
    if raw is None or raw == "":
        return None
    display_unit = attribute.get_display_unit()
    try:
        if isinstance(raw, unit_service.Measurement):
            measurement = raw
        elif isinstance(raw, bool):
            raise SearchQueryError(_("expected a number"))
        elif isinstance(raw, int | float):
            if not math.isfinite(raw):
                raise SearchQueryError(_("expected a finite number"))
            measurement = unit_service.Measurement(float(raw), display_unit)
        elif attribute.quantity_id is None:
            return unit_service.parse_number(str(raw))
        else:
            measurement = unit_service.parse_measurement(str(raw), attribute.quantity, display_unit)
    except (ValueError, ValidationError) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        raise SearchQueryError(
            _("Filter %(attribute)s: “%(value)s”: %(message)s")
            % {
                "attribute": localize(attribute.name, language) or attribute.code,
                "value": raw,
                "message": message,
            }
        ) from None
    if measurement.unit is None:
        return float(measurement.magnitude)
    if attribute.quantity_id and measurement.unit.quantity_id != attribute.quantity_id:
        raise SearchQueryError(
            _("Filter %(attribute)s: %(unit)s is not a unit of %(quantity)s.")
            % {
                "attribute": localize(attribute.name, language) or attribute.code,
                "unit": measurement.unit,
                "quantity": attribute.quantity,
            }
        )
    return measurement.to_canonical()


def _loosen(value: float | None, direction: int) -> float | None:
    if value is None:
        return None
    return value + direction * max(abs(value) * NUMERIC_TOLERANCE, 1e-12)


def format_canonical(attribute: Attribute, value: float, unit=None) -> str:
    unit = unit or attribute.get_display_unit()
    if unit is None:
        return unit_service.format_number(value, attribute.decimals)
    return unit_service.format_value(
        unit_service.round_significant(unit.from_canonical(value), 6), unit, attribute.decimals
    )


def _resolve_filter(flt, cache: dict, language: str) -> ResolvedFilter:
    attribute = _attribute(flt.attribute, cache)
    label = localize(attribute.name, language) or attribute.code
    kind = attribute.type

    def wrong(expected):
        return SearchQueryError(
            _("Filter %(attribute)s: a %(kind)s attribute cannot be filtered with %(expected)s.")
            % {"attribute": label, "kind": attribute.get_type_display(), "expected": expected}
        )

    if isinstance(flt, OptionFilter):
        if kind not in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
            raise wrong(_("options"))
        options = {o.code: o for o in schema.options(attribute)}
        unknown = [code for code in flt.options if code not in options]
        if unknown:
            raise SearchQueryError(
                _("Filter %(attribute)s: unknown option(s) %(codes)s; known: %(known)s.")
                % {"attribute": label, "codes": ", ".join(unknown), "known": ", ".join(sorted(options))}
            )
        chosen = [options[code] for code in flt.options]
        text = " / ".join(localize(o.name, language) or o.code for o in chosen)
        return ResolvedFilter(
            attribute,
            "options",
            option_ids=tuple(sorted(o.pk for o in chosen)),
            label=f"{label}: {text}",
            source=flt,
        )
    if isinstance(flt, BooleanFilter):
        if kind != AttributeType.BOOLEAN:
            raise wrong(_("yes/no"))
        return ResolvedFilter(
            attribute,
            "boolean",
            boolean=bool(flt.value),
            label=f"{label}: {_('Yes') if flt.value else _('No')}",
            source=flt,
        )
    if isinstance(flt, NumberFilter | RangeFilter):
        if kind not in (AttributeType.NUMBER, AttributeType.RANGE):
            raise wrong(_("numbers"))
        if isinstance(flt, NumberFilter):
            low = _measurement(attribute, flt.at_least, language)
            high = _measurement(attribute, flt.at_most, language)
            mode = RangeMode.OVERLAPS
        else:
            if kind != AttributeType.RANGE:
                raise wrong(_("“covers”/“overlaps”"))
            low = _measurement(attribute, flt.low, language)
            high = _measurement(attribute, flt.high, language)
            mode = RangeMode(flt.mode)
        if low is None and high is None:
            raise SearchQueryError(_("Filter %(attribute)s: give at least one end.") % {"attribute": label})
        if low is not None and high is not None and low > high:
            raise SearchQueryError(
                _("Filter %(attribute)s: the lower end is above the upper end.") % {"attribute": label}
            )
        if low is not None and high is not None and math.isclose(low, high, rel_tol=1e-12):
            shown = f"= {format_canonical(attribute, low)}"
        elif low is not None and high is not None:
            shown = f"{format_canonical(attribute, low)} … {format_canonical(attribute, high)}"
        elif low is not None:
            shown = f"≥ {format_canonical(attribute, low)}"
        else:
            shown = f"≤ {format_canonical(attribute, high)}"
        if kind == AttributeType.RANGE:
            verb = _("covers") if mode == RangeMode.COVERS else _("overlaps")
            shown = f"{verb} {shown.removeprefix('= ')}"
        if mode == RangeMode.COVERS:
            # the product's range must reach a little beyond my ends: tolerance inwards
            low, high = _loosen(low, +1), _loosen(high, -1)
        else:
            low, high = _loosen(low, -1), _loosen(high, +1)
        return ResolvedFilter(
            attribute,
            "range" if kind == AttributeType.RANGE else "number",
            low=low,
            high=high,
            mode=mode,
            label=f"{label} {shown}",
            source=flt,
        )
    raise SearchQueryError(_("Unknown filter %(filter)r.") % {"filter": flt})


def _resolve_downloads(filters) -> ResolvedDownloads | None:
    if not filters:
        return None
    if len(filters) > 1:
        raise SearchQueryError(_("Give one downloads filter with all the kinds you accept."))
    (flt,) = filters
    labels = download_kind_labels()
    unknown = [code for code in flt.kinds if code not in labels]
    if unknown:
        raise SearchQueryError(
            _("Downloads filter: unknown kind(s) %(codes)s; known: %(known)s.")
            % {"codes": ", ".join(map(str, unknown)), "known": ", ".join(labels)}
        )
    if not flt.kinds:
        raise SearchQueryError(_("Downloads filter: give at least one kind."))
    chosen = list(dict.fromkeys(flt.kinds))
    return ResolvedDownloads(
        kinds=tuple(sorted(chosen)),
        label=_("Downloads: %(kinds)s") % {"kinds": " / ".join(labels[code] for code in chosen)},
        source=flt,
    )


def resolve(query: SearchQuery) -> ResolvedQuery:
    """Check ``query`` against the catalog and resolve codes, units and words."""
    language = (query.language or settings.LANGUAGE_CODE).split("-")[0]
    cache: dict = {}
    text = None
    if query.text and query.text.strip():
        text = TextQuery(
            text=query.text.strip(),
            article_key=normalize_article_number(query.text),
            words=tuple(analyze_query(query.text, autocomplete=query.autocomplete)),
        )
        if not text.words and not text.article_key:
            text = None

    category_ids = None
    if query.category not in (None, ""):
        lookup = {"pk": query.category} if isinstance(query.category, int) else {"code": query.category}
        category = Category.objects.filter(**lookup).first()
        if category is None:
            raise _naming("category", _("Unknown category “%(code)s”.") % {"code": query.category})
        category_ids = tuple(category.get_descendants(include_self=True).values_list("pk", flat=True))

    family_ids = None
    if query.families:
        found = dict(Family.objects.filter(code__in=query.families).values_list("code", "pk"))
        missing = [code for code in query.families if code not in found]
        if missing:
            raise _naming("family", _("Unknown family “%(code)s”.") % {"code": ", ".join(missing)})
        family_ids = tuple(sorted(found.values()))

    lifecycles = None
    if query.lifecycles:
        bad = [value for value in query.lifecycles if value not in Lifecycle.values]
        if bad:
            raise SearchQueryError(
                _("Unknown lifecycle “%(value)s”; use one of %(allowed)s.")
                % {"value": ", ".join(bad), "allowed": ", ".join(Lifecycle.values)}
            )
        lifecycles = tuple(sorted(set(query.lifecycles)))

    downloads = _resolve_downloads([f for f in query.filters if isinstance(f, DownloadFilter)])
    filters = tuple(
        _resolve_filter(flt, cache, language) for flt in query.filters if not isinstance(flt, DownloadFilter)
    )

    sort = Sort.parse(query.sort) if isinstance(query.sort, str) else query.sort
    sort_attribute = None
    if sort.attribute:
        sort_attribute = _attribute(sort.attribute, cache)
        if sort_attribute.type not in (AttributeType.NUMBER, AttributeType.RANGE):
            raise SearchQueryError(
                _("Results can only be sorted by a number or range attribute, not by %(attribute)s.")
                % {"attribute": sort.attribute}
            )
    if sort.order == SortOrder.RELEVANCE and not sort.attribute and text is None:
        sort = Sort(SortOrder.ARTICLE_NUMBER)  # nothing to rank by

    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise SearchQueryError(_("The page size must be between 1 and %(max)s.") % {"max": MAX_PAGE_SIZE})
    if query.page < 1:
        raise SearchQueryError(_("Pages are counted from 1."))
    cursor = decode_cursor(query.cursor) if query.cursor else None
    offset = cursor["offset"] if cursor else (query.page - 1) * query.page_size
    return ResolvedQuery(
        query=query,
        language=language,
        text=text,
        category_ids=category_ids,
        family_ids=family_ids,
        lifecycles=lifecycles,
        filters=filters,
        sort=sort,
        sort_attribute=sort_attribute,
        page_size=query.page_size,
        offset=offset,
        cursor=cursor,
        downloads=downloads,
    )
