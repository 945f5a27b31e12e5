"""The URL vocabulary of search state: GET parameters ⇄ :class:`~pim.search.query.SearchQuery`.

One vocabulary for the public pages, the application pages' product selections and the API,
so that every state of a search is a plain, shareable GET URL::

    q=<text>
    filter[<code>]=<option code>            enumerations (repeatable: any of)
    filter[<code>]=true|false               yes/no attributes
    filter[<code>][gte]=16 bar              number: at least (on a range attribute: overlaps)
    filter[<code>][lte]=232 psi             number: at most
    filter[<code>][from]=…&filter[<code>][to]=…
                                            range attribute covers my value / interval
    downloads=<asset kind>                  repeatable: offers any of these downloads
    family=<code>  lifecycle=<state>        repeatable
    category=<code>                         where the URL path does not hold the category
    sort=<Sort.parse vocabulary>  cursor=<next_cursor>  size=<page size>

Numbers keep the text the visitor typed ("16 bar", "232 psi", a bare number in the display
unit); the backend converts. Other parameters (``view``, ``units``, ``page``…) belong to the
presentation and are ignored here. :func:`params_from_query` gives the canonical, stable
ordering of a query's parameters (defaults left out), so equal searches have equal URLs.
"""

import math
import re
from collections.abc import Mapping
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _

from pim.catalog.models import AttributeType, Lifecycle
from pim.catalog.units import Measurement

from . import schema
from .query import (
    MAX_PAGE_SIZE,
    BooleanFilter,
    DownloadFilter,
    NumberFilter,
    OptionFilter,
    RangeFilter,
    RangeMode,
    SearchQuery,
    SearchQueryError,
    Sort,
    SortOrder,
    _resolve_filter,
)

__all__ = ["filter_key", "params_from_query", "query_from_params", "query_string", "sort_param"]

# filter[<code>] or filter[<code>][<operator>]; the code is any run of characters but brackets
FILTER_KEY = re.compile(r"^filter\[(?P<code>[^\[\]]+)\](?:\[(?P<op>[^\[\]]*)\])?$")
NUMBER_OPERATORS = ("gte", "lte")
RANGE_OPERATORS = ("from", "to")
OPERATORS = NUMBER_OPERATORS + RANGE_OPERATORS
BOOLEAN_VALUES = {"true": True, "false": False}


def filter_key(code: str, operator: str = "") -> str:
    """``filter[code]`` or ``filter[code][operator]`` (for form field names)."""
    return f"filter[{code}][{operator}]" if operator else f"filter[{code}]"


def _error(parameter: str, message: str) -> SearchQueryError:
    """An error that names the parameter; ``.parameter`` lets a page show it at its input."""
    error = SearchQueryError(f"{parameter}: {message}")
    error.parameter = parameter
    return error


def _getlist(params, key: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(key)
    else:
        values = params.get(key, [])
        if isinstance(values, str):
            values = [values]
    return [str(value) for value in values]


def _keys(params) -> list[str]:
    return list(params.keys())


def _nonempty(values: list[str]) -> list[str]:
    """Values with surrounding blanks removed; empty ones dropped (a GET form sends every
    number input, filled or not)."""
    return [value.strip() for value in values if value and value.strip()]


def _single(params, key: str) -> str:
    values = _nonempty(_getlist(params, key))
    if len(set(values)) > 1:
        raise _error(key, _("give one value, not %(count)s.") % {"count": len(values)})
    return values[0] if values else ""


def query_from_params(params, *, category=None, language=None, page_size=20) -> SearchQuery:
    """The :class:`SearchQuery` that the GET parameters ``params`` (a QueryDict or a mapping of
    str → list[str]) describe. ``category`` (code or id) is the scope given by the URL path; it
    takes precedence over a ``category`` parameter. Raises :class:`SearchQueryError` naming the
    parameter and value on bad input (``error.parameter`` is the parameter's name).
    """
    if not isinstance(params, Mapping) and not hasattr(params, "getlist"):
        raise TypeError("params must be a QueryDict or a mapping of str to list[str]")
    language = (language or settings.LANGUAGE_CODE).split("-")[0]
    query = SearchQuery(language=language, page_size=page_size)
    query.text = " ".join(_single(params, "q").split()) if _getlist(params, "q") else ""

    # filters, grouped by attribute code in the order the parameters came
    plain: dict[str, list[str]] = {}
    operators: dict[str, dict[str, str]] = {}
    for key in _keys(params):
        if not key.startswith("filter"):
            continue
        match = FILTER_KEY.match(key)
        if match is None:
            raise _error(
                key,
                _(
                    "malformed filter parameter; use filter[<attribute>] or filter[<attribute>][gte|lte|from|to]."
                ),
            )
        code, operator = match["code"].strip(), match["op"]
        if operator is None:
            values = _nonempty(_getlist(params, key))
            if values:
                plain.setdefault(code, []).extend(values)
        elif operator not in OPERATORS:
            raise _error(key, _("unknown operator “%(op)s”; use gte, lte, from or to.") % {"op": operator})
        else:
            value = _single(params, key)
            if value:
                operators.setdefault(code, {})[operator] = value

    cache: dict = {}
    filters = []
    for code, values in plain.items():
        key = filter_key(code)
        attribute = _known_attribute(code, key)
        if attribute.type == AttributeType.BOOLEAN:
            chosen = set()
            for value in values:
                if value.lower() not in BOOLEAN_VALUES:
                    raise _error(key, _("“%(value)s”: use true or false.") % {"value": value})
                chosen.add(BOOLEAN_VALUES[value.lower()])
            if len(chosen) > 1:
                raise _error(key, _("choose either true or false, not both."))
            flt = BooleanFilter(code, chosen.pop())
        elif attribute.type in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
            flt = OptionFilter(code, tuple(dict.fromkeys(values)))
        elif attribute.type in (AttributeType.NUMBER, AttributeType.RANGE):
            raise _error(
                key,
                _("a number attribute needs %(gte)s / %(lte)s (at least / at most).")
                % {"gte": filter_key(code, "gte"), "lte": filter_key(code, "lte")},
            )
        else:
            raise _error(key, _("attribute “%(code)s” cannot be filtered.") % {"code": code})
        _check(flt, key, cache, language)
        filters.append(flt)

    for code, ends in operators.items():
        attribute = _known_attribute(code, filter_key(code, next(iter(ends))))
        if "gte" in ends or "lte" in ends:
            key = filter_key(code, "gte" if "gte" in ends else "lte")
            if attribute.type not in (AttributeType.NUMBER, AttributeType.RANGE):
                raise _error(key, _("only number and range attributes take gte/lte."))
            flt = NumberFilter(code, at_least=ends.get("gte"), at_most=ends.get("lte"))
            _check(flt, key, cache, language)
            filters.append(flt)
        if "from" in ends or "to" in ends:
            key = filter_key(code, "from" if "from" in ends else "to")
            if attribute.type != AttributeType.RANGE:
                raise _error(key, _("only range attributes take from/to (covers my value)."))
            low, high = ends.get("from"), ends.get("to")
            flt = RangeFilter.covering(code, low or high, high if low else None)
            _check(flt, key, cache, language)
            filters.append(flt)

    kinds = _nonempty(_getlist(params, "downloads"))
    if kinds:
        filters.append(DownloadFilter(tuple(dict.fromkeys(kinds))))
    query.filters = filters

    if category not in (None, ""):
        query.category = category
    else:
        query.category = _single(params, "category") or None
    query.families = list(dict.fromkeys(_nonempty(_getlist(params, "family"))))
    lifecycles = list(dict.fromkeys(_nonempty(_getlist(params, "lifecycle"))))
    bad = [value for value in lifecycles if value not in Lifecycle.values]
    if bad:
        raise _error(
            "lifecycle",
            _("unknown state “%(value)s”; use one of %(allowed)s.")
            % {"value": ", ".join(bad), "allowed": ", ".join(Lifecycle.values)},
        )
    query.lifecycles = lifecycles

    sort = _single(params, "sort")
    if sort:
        try:
            query.sort = Sort.parse(sort)
        except SearchQueryError as exc:
            raise _error("sort", exc.messages[0]) from None
    query.cursor = _single(params, "cursor") or None
    size = _single(params, "size")
    if size:
        try:
            query.page_size = int(size)
        except ValueError:
            query.page_size = 0
        if not 1 <= query.page_size <= MAX_PAGE_SIZE:
            raise _error(
                "size",
                _("“%(value)s”: give a number from 1 to %(max)s.") % {"value": size, "max": MAX_PAGE_SIZE},
            )
    return query


def _known_attribute(code: str, key: str):
    attribute = schema.attribute(code)
    if attribute is None:
        raise _error(key, _("unknown attribute “%(code)s”.") % {"code": code})
    return attribute


def _check(flt, key: str, cache: dict, language: str) -> None:
    """Resolve one filter now (the schema is cached), so that a bad option or number is
    reported with the parameter it came from rather than only by the backend."""
    try:
        _resolve_filter(flt, cache, language)
    except SearchQueryError as exc:
        raise _error(key, exc.messages[0]) from None


# --- query → parameters ---------------------------------------------------------------------
def _value(value) -> str:
    if isinstance(value, Measurement):
        return f"{_value(value.magnitude)} {value.unit.symbol}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return " ".join(str(value).split())


def sort_param(sort) -> str:
    """The ``sort`` parameter value of a :class:`Sort` (or its text); "" for the default."""
    if isinstance(sort, str):
        sort = Sort.parse(sort)
    if sort.attribute:
        text = f"attribute:{sort.attribute}"
    elif sort.order == SortOrder.RELEVANCE:
        return "-relevance" if sort.descending else ""
    else:
        text = str(sort.order)
    return f"-{text}" if sort.descending else text


def _filter_params(flt) -> list[tuple[str, str]]:
    if isinstance(flt, OptionFilter):
        return [(filter_key(flt.attribute), code) for code in sorted(dict.fromkeys(flt.options))]
    if isinstance(flt, BooleanFilter):
        return [(filter_key(flt.attribute), _value(bool(flt.value)))]
    if isinstance(flt, NumberFilter):
        return [
            (filter_key(flt.attribute, op), _value(value))
            for op, value in (("gte", flt.at_least), ("lte", flt.at_most))
            if value not in (None, "")
        ]
    if isinstance(flt, RangeFilter):
        low, high = flt.low, flt.high
        if RangeMode(flt.mode) == RangeMode.OVERLAPS:
            # overlapping is what gte/lte mean on a range attribute
            return _filter_params(NumberFilter(flt.attribute, at_least=low, at_most=high))
        if low in (None, "") or high in (None, "") or _value(low) == _value(high):
            return [(filter_key(flt.attribute, "from"), _value(high if low in (None, "") else low))]
        return [
            (filter_key(flt.attribute, "from"), _value(low)),
            (filter_key(flt.attribute, "to"), _value(high)),
        ]
    return []


_OPERATOR_ORDER = {"": 0, "gte": 1, "lte": 2, "from": 3, "to": 4}


def _filter_sort_key(pair):
    match = FILTER_KEY.match(pair[0])
    return (match["code"], _OPERATOR_ORDER.get(match["op"] or "", 9), pair[1])


def params_from_query(query: SearchQuery, *, include_category: bool = True, page_size: int = 20):
    """The canonical, stable-ordered GET parameters of ``query`` (defaults left out):
    ``q``, ``category``, ``family``, ``lifecycle``, ``filter[…]`` (by attribute code), ``downloads``,
    ``sort``, ``size``, ``cursor``. ``include_category=False`` when the URL path holds the
    category; ``page_size`` is the caller's default size (not written out)."""
    params: list[tuple[str, str]] = []
    text = " ".join((query.text or "").split())
    if text:
        params.append(("q", text))
    if include_category and query.category not in (None, ""):
        params.append(("category", str(query.category)))
    params += [("family", code) for code in sorted(dict.fromkeys(query.families))]
    params += [("lifecycle", state) for state in sorted(dict.fromkeys(query.lifecycles))]
    filter_pairs = []
    kinds = []
    for flt in query.filters:
        if isinstance(flt, DownloadFilter):
            kinds += list(flt.kinds)
        else:
            filter_pairs += _filter_params(flt)
    params += sorted(dict.fromkeys(filter_pairs), key=_filter_sort_key)
    params += [("downloads", kind) for kind in sorted(dict.fromkeys(kinds))]
    sort = sort_param(query.sort)
    if sort:
        params.append(("sort", sort))
    if query.page_size != page_size:
        params.append(("size", str(query.page_size)))
    if query.cursor:
        params.append(("cursor", query.cursor))
    return params


def query_string(query: SearchQuery, **kwargs) -> str:
    """``params_from_query`` URL-encoded (brackets kept readable), without the leading "?"."""
    return urlencode(params_from_query(query, **kwargs), safe="[]:")
