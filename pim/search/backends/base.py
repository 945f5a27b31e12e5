"""What every search backend shares: the query pipeline around the engine-specific parts.

A backend implements five engine operations (``family_counts``, ``numeric_bounds``,
``execute``, ``count`` and the writing side ``apply``/``rebuild``/``document_count``); this
class turns them into the contract: facet selection, disjunctive facet building in display
units, applied filters, cursors, suggestions, and the last visibility check on hits.
"""

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from pim.assets.exchange import download_kind_labels
from pim.catalog import units as unit_service
from pim.catalog.identifiers import normalize_article_number
from pim.catalog.localization import localize
from pim.catalog.models import AttributeType, Product

from .. import schema
from ..analysis import words
from ..category_suggestions import matching_categories
from ..query import ResolvedQuery, SearchQuery, TextQuery, encode_cursor, resolve
from ..results import (
    CATEGORY,
    DOWNLOADS,
    AppliedFilter,
    Facet,
    FacetBucket,
    FacetOption,
    Hit,
    SearchResult,
    Suggestion,
)

logger = logging.getLogger("pim.search")

FACET_TYPES = (
    AttributeType.ENUM,
    AttributeType.MULTI_ENUM,
    AttributeType.BOOLEAN,
    AttributeType.NUMBER,
    AttributeType.RANGE,
)
NICE_STEPS = (1, 2, 2.5, 5, 10)


class BackendUnavailable(Exception):
    """The engine cannot be reached (connection refused, timeout, overloaded)."""


@dataclass(frozen=True)
class FacetSpec:
    """A facet to compute. Numbers are bucketed by ``interval`` starting at ``offset``, both
    canonical, chosen so the buckets are round numbers in the display unit."""

    attribute: object  # catalog.Attribute
    kind: str  # options | boolean | number | range
    display_unit: object = None
    interval: float | None = None
    offset: float = 0.0
    sort_key: tuple = ()

    @property
    def attribute_id(self) -> int:
        return self.attribute.pk


@dataclass
class RawFacet:
    options: dict[int | str, int] = field(default_factory=dict)  # option id (downloads: kind) -> count
    booleans: dict[bool, int] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    buckets: dict[int, int] = field(default_factory=dict)  # bucket number -> count


@dataclass
class RawResult:
    hits: list[tuple[int, dict, float | None]]  # (product id, listing, score)
    total: int
    # per attribute id; the downloads facet under the key ``DOWNLOADS`` (kind code -> count)
    facets: dict[int | str, RawFacet]
    after: list | None = None  # engine sort values of the last hit (deep paging)
    engine_took_ms: float | None = None


def _affine(unit):
    """(a, b) with display = a * canonical + b for ``unit`` (None: identity)."""
    if unit is None or not unit.convertible:
        return 1.0, 0.0
    b = unit.from_canonical(0.0)
    return unit.from_canonical(1.0) - b, b


def nice_interval(span: float, buckets: int) -> float | None:
    if not span or span <= 0 or not math.isfinite(span):
        return None
    raw = span / max(buckets, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for step in NICE_STEPS:
        if step * magnitude >= raw * (1 - 1e-12):
            return step * magnitude
    return 10 * magnitude


class BaseSearchBackend:
    name = ""

    def __init__(self, params: dict | None = None):
        self.params = params or {}
        self._bounds_cache: dict[int, tuple[float | None, float | None]] = {}
        self._bounds_cached_at = 0.0

    # --- engine operations (implemented by backends) --------------------------------------
    def family_counts(self, rq: ResolvedQuery) -> dict[int, int]:
        raise NotImplementedError

    def global_numeric_bounds(self, attribute_ids: list[int]) -> dict[int, tuple[float, float]]:
        raise NotImplementedError

    def execute(self, rq: ResolvedQuery, specs: list[FacetSpec]) -> RawResult:
        raise NotImplementedError

    def count(self, rq: ResolvedQuery) -> int:
        raise NotImplementedError

    def apply(self, documents: dict[int, dict | None]) -> dict[int, str]:
        """Write documents (None: delete). Returns ``{product id: error}`` for documents the
        engine rejected; raises :class:`BackendUnavailable` when it cannot be reached."""
        raise NotImplementedError

    def document_count(self) -> int:
        raise NotImplementedError

    def clear_caches(self) -> None:
        self._bounds_cache = {}
        self._bounds_cached_at = 0.0

    # --- the contract ---------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        """Run ``query``; raises :class:`~pim.search.query.SearchQueryError` for bad input."""
        started = time.perf_counter()
        rq = resolve(query)
        result = self.run(rq)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def run(self, rq: ResolvedQuery) -> SearchResult:
        specs = self.facet_specs(rq) if rq.query.facets else []
        raw = self.execute(rq, specs)
        hits = self._visible_hits(raw.hits, rq.language)
        next_offset = rq.offset + rq.page_size
        next_cursor = None
        if next_offset < raw.total and raw.hits:
            data = {"offset": next_offset}
            if raw.after is not None:
                data["after"] = raw.after
            next_cursor = encode_cursor(data)
        result = SearchResult(
            hits=hits,
            total=raw.total,
            facets=self.build_facets(rq, specs, raw.facets),
            applied_filters=self.applied_filters(rq),
            page=rq.offset // rq.page_size + 1,
            page_size=rq.page_size,
            next_cursor=next_cursor,
            backend=self.name,
            engine_took_ms=raw.engine_took_ms,
        )
        if rq.query.suggestions:
            result.suggestions = self.suggestions(rq, result)
        return result

    # --- facets -----------------------------------------------------------------------------
    def facet_specs(self, rq: ResolvedQuery) -> list[FacetSpec]:
        """Facets for the filterable attributes of the families in the result (before
        attribute filters, so a facet does not vanish when a selection empties the result),
        the most widely shared first."""
        counts = self.family_counts(rq.without_downloads())
        if not counts:
            return []
        rows = [row for row in schema.family_attributes(sorted(counts)) if row.attribute.type in FACET_TYPES]
        by_attribute: dict[int, dict] = {}
        for row in rows:
            entry = by_attribute.setdefault(row.attribute_id, {"coverage": 0, "best": None, "best_count": -1})
            count = counts.get(row.family_id, 0)
            entry["coverage"] += count
            if count > entry["best_count"]:
                entry["best"], entry["best_count"] = row, count
        for flt in rq.filters:  # a selected attribute keeps its facet
            by_attribute.setdefault(
                flt.attribute.pk, {"coverage": 0, "best": None, "best_count": 0, "attr": flt.attribute}
            )

        def order(item):
            attribute_id, entry = item
            row = entry["best"]
            group_order = row.group.sort_order if row is not None and row.group_id else 0
            # The family's key attributes (columns of result lists) come first, so that a
            # company attribute sorted after the ETIM ones is not cut by the facet limit.
            key = not (row is not None and row.in_listing)
            return (-entry["coverage"], key, group_order, row.sort_order if row else 0, attribute_id)

        limit = getattr(settings, "PIM_SEARCH_MAX_FACETS", 12)
        selected = rq.filtered_attribute_ids
        chosen = sorted(by_attribute.items(), key=order)
        chosen = [item for item in chosen if item[0] in selected] + [
            item for item in chosen if item[0] not in selected
        ]
        chosen = sorted(chosen[: max(limit, len(selected))], key=order)
        numeric_ids = [
            aid
            for aid, entry in chosen
            if (entry["best"].attribute if entry["best"] else entry["attr"]).type == AttributeType.NUMBER
        ]
        bounds = self.numeric_bounds(numeric_ids) if numeric_ids else {}
        specs = []
        for attribute_id, entry in chosen:
            row = entry["best"]
            attribute = row.attribute if row is not None else entry["attr"]
            unit = attribute.get_display_unit(row)
            kind = {
                AttributeType.ENUM: "options",
                AttributeType.MULTI_ENUM: "options",
                AttributeType.BOOLEAN: "boolean",
                AttributeType.NUMBER: "number",
                AttributeType.RANGE: "range",
            }[attribute.type]
            interval, offset = None, 0.0
            if kind == "number" and attribute_id in bounds:
                low, high = bounds[attribute_id]
                a, b = _affine(unit)
                if low is not None and high is not None and a > 0:
                    step = nice_interval(a * (high - low), getattr(settings, "PIM_SEARCH_FACET_BUCKETS", 8))
                    if step:
                        interval = step / a
                        offset = math.fmod(-b / a, interval)
                        if offset < 0:
                            offset += interval
            specs.append(
                FacetSpec(attribute=attribute, kind=kind, display_unit=unit, interval=interval, offset=offset)
            )
        return specs

    def numeric_bounds(self, attribute_ids: list[int]) -> dict[int, tuple[float, float]]:
        """Global min/max per number attribute (the bucket grid), cached for a while so the
        buckets stay put while people filter."""
        ttl = getattr(settings, "PIM_SEARCH_FACET_BOUNDS_TTL", 300)
        if time.monotonic() - self._bounds_cached_at > ttl:
            self._bounds_cache = {}
            self._bounds_cached_at = time.monotonic()
        missing = [aid for aid in attribute_ids if aid not in self._bounds_cache]
        if missing:
            found = self.global_numeric_bounds(missing)
            for aid in missing:
                self._bounds_cache[aid] = found.get(aid, (None, None))
        return {
            aid: self._bounds_cache[aid] for aid in attribute_ids if self._bounds_cache[aid][0] is not None
        }

    def build_facets(
        self, rq: ResolvedQuery, specs: list[FacetSpec], raw: dict[int | str, RawFacet]
    ) -> list[Facet]:
        if not rq.query.facets:
            return []
        facets = self.attribute_facets(rq, specs, raw) if specs else []
        downloads = self.downloads_facet(rq, raw.get(DOWNLOADS))
        if downloads is not None:
            facets.append(downloads)
        return facets

    def downloads_facet(self, rq: ResolvedQuery, raw: RawFacet | None) -> Facet | None:
        """The kinds of public download in the result (counted with every selection except
        the downloads selection itself), in the catalog's order of kinds; None when there is
        nothing to show."""
        counts = raw.options if raw is not None else {}
        chosen = set(rq.downloads.kinds) if rq.downloads else set()
        options = tuple(
            FacetOption(value=code, label=label, count=counts.get(code, 0), selected=code in chosen)
            for code, label in download_kind_labels().items()
            if counts.get(code, 0) or code in chosen
        )
        if not options:
            return None
        return Facet("", _("Downloads"), DOWNLOADS, options=options, selected=bool(chosen))

    def attribute_facets(
        self, rq: ResolvedQuery, specs: list[FacetSpec], raw: dict[int | str, RawFacet]
    ) -> list[Facet]:
        options = {
            option.pk: option
            for spec in specs
            if spec.kind == "options"
            for option in schema.options(spec.attribute)
        }
        selected_options = {oid for f in rq.filters if f.kind == "options" for oid in f.option_ids}
        selected_booleans = {(f.attribute.pk, f.boolean) for f in rq.filters if f.kind == "boolean"}
        facets = []
        limit = getattr(settings, "PIM_SEARCH_FACET_SIZE", 200)
        for spec in specs:
            data = raw.get(spec.attribute_id) or RawFacet()
            attribute = spec.attribute
            label = localize(attribute.name, rq.language) or attribute.code
            selected = spec.attribute_id in rq.filtered_attribute_ids
            if spec.kind == "options":
                counted = sorted(data.options.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
                ids = {oid for oid, count in counted if count > 0}
                ids |= {
                    oid
                    for oid in selected_options
                    if oid in options and options[oid].attribute_id == spec.attribute_id
                }
                items = [options[oid] for oid in ids if oid in options]
                items.sort(key=lambda o: (o.sort_order, o.code))
                facet_options = tuple(
                    FacetOption(
                        value=o.code,
                        label=localize(o.name, rq.language) or o.code,
                        count=data.options.get(o.pk, 0),
                        selected=o.pk in selected_options,
                    )
                    for o in items
                )
                if facet_options:
                    facets.append(
                        Facet(attribute.code, label, "options", options=facet_options, selected=selected)
                    )
            elif spec.kind == "boolean":
                facet_options = tuple(
                    FacetOption(
                        value="true" if value else "false",
                        label=_("Yes") if value else _("No"),
                        count=data.booleans.get(value, 0),
                        selected=(spec.attribute_id, value) in selected_booleans,
                    )
                    for value in (True, False)
                    if data.booleans.get(value, 0) or (spec.attribute_id, value) in selected_booleans
                )
                if facet_options:
                    facets.append(
                        Facet(attribute.code, label, "boolean", options=facet_options, selected=selected)
                    )
            else:
                if data.min is None and data.max is None and not selected:
                    continue
                a, b = _affine(spec.display_unit)

                def shown(value, a=a, b=b):
                    return None if value is None else unit_service.round_significant(a * value + b)

                buckets = ()
                if spec.interval and data.buckets:
                    buckets = tuple(
                        FacetBucket(
                            low=shown(number * spec.interval + spec.offset),
                            high=shown((number + 1) * spec.interval + spec.offset),
                            count=count,
                        )
                        for number, count in sorted(data.buckets.items())
                        if count > 0
                    )
                facets.append(
                    Facet(
                        attribute.code,
                        label,
                        spec.kind,
                        min=shown(data.min),
                        max=shown(data.max),
                        unit=spec.display_unit.symbol if spec.display_unit else "",
                        buckets=buckets,
                        selected=selected,
                    )
                )
        return facets

    # --- around the hits ------------------------------------------------------------------
    def _visible_hits(self, raw_hits, language) -> list[Hit]:
        """The catalog's visibility rule, asked once more for the page: an index that lags
        behind an unpublish must not show the product."""
        if not raw_hits:
            return []
        ids = [pk for pk, _listing, _score in raw_hits]
        visible = set(Product.objects.publicly_visible().filter(pk__in=ids).values_list("pk", flat=True))
        return [
            Hit.from_listing(pk, listing, language, score) for pk, listing, score in raw_hits if pk in visible
        ]

    def applied_filters(self, rq: ResolvedQuery) -> list[AppliedFilter]:
        applied = []
        if rq.text:
            applied.append(AppliedFilter("", _("Text: %(text)s") % {"text": rq.text.text}, "text"))
        if rq.query.category not in (None, ""):
            applied.append(
                AppliedFilter("", _("Category: %(category)s") % {"category": rq.query.category}, "category")
            )
        if rq.query.families:
            applied.append(
                AppliedFilter(
                    "", _("Family: %(families)s") % {"families": ", ".join(rq.query.families)}, "family"
                )
            )
        if rq.lifecycles:
            applied.append(
                AppliedFilter(
                    "", _("Lifecycle: %(states)s") % {"states": ", ".join(rq.lifecycles)}, "lifecycle"
                )
            )
        applied.extend(AppliedFilter(f.attribute.code, f.label, f.kind) for f in rq.filters)
        if rq.downloads:
            applied.append(AppliedFilter("", rq.downloads.label, DOWNLOADS))
        return applied

    def suggestions(self, rq: ResolvedQuery, result: SearchResult) -> list[Suggestion]:
        if rq.query.autocomplete and rq.text:
            return self._completions(rq, result)
        if result.total == 0:
            return self._relaxations(rq)
        return []

    def _completions(self, rq: ResolvedQuery, result: SearchResult) -> list[Suggestion]:
        suggestions: list[Suggestion] = []
        seen = set()
        prefix = rq.text.article_prefix
        for hit in result.hits:
            key = normalize_article_number(hit.article_number)
            if prefix and key.startswith(prefix) and key not in seen:
                seen.add(key)
                suggestions.append(Suggestion("completion", hit.article_number, product_id=hit.id))
        last = rq.text.words[-1].prefix if rq.text.words else ""
        if last:
            head = " ".join(w.word for w in rq.text.words[:-1])
            for hit in result.hits:
                for word in hit.name.split():
                    folded = words(word)
                    if folded and folded[0].startswith(last):
                        text = f"{head} {word}".strip() if head else word
                        text = text.strip(",;:()")
                        if text.casefold() not in seen:
                            seen.add(text.casefold())
                            suggestions.append(Suggestion("completion", text))
        suggestions = suggestions[: getattr(settings, "PIM_SEARCH_SUGGESTIONS", 8)]
        return suggestions + self._category_suggestions(rq)

    def _category_suggestions(self, rq: ResolvedQuery) -> list[Suggestion]:
        """Categories whose localized name matches the typed words, from the catalog (not the
        engine: both backends give the same answer), only categories with public products,
        within the query's category if it has one."""
        matches = matching_categories(
            [w.word for w in rq.text.words],
            rq.language,
            limit=getattr(settings, "PIM_SEARCH_CATEGORY_SUGGESTIONS", 5),
            within=rq.category_ids,
        )
        return [
            Suggestion(CATEGORY, m.label, category=m.code, category_id=m.id, name=m.name) for m in matches
        ]

    def _relaxations(self, rq: ResolvedQuery) -> list[Suggestion]:
        """Zero results: what would find something — each attribute selection dropped, the
        downloads selection dropped, or each word of a multi-word text dropped."""
        suggestions = []
        for attribute_id in sorted(rq.filtered_attribute_ids):
            filters = rq.filters_except(attribute_id)
            removed = [f for f in rq.filters if f.attribute.pk == attribute_id]
            count = self.count(dataclasses.replace(rq, filters=filters))
            if count:
                suggestions.append(
                    Suggestion(
                        "relax",
                        _("without “%(filter)s”") % {"filter": "; ".join(f.label for f in removed)},
                        count=count,
                        drop=removed[0].attribute.code,
                    )
                )
        if rq.downloads:
            count = self.count(rq.without_downloads())
            if count:
                suggestions.append(
                    Suggestion(
                        "relax",
                        _("without “%(filter)s”") % {"filter": rq.downloads.label},
                        count=count,
                        drop=DOWNLOADS,
                    )
                )
        if rq.text and len(rq.text.words) > 1:
            for index, word in enumerate(rq.text.words):
                rest = rq.text.words[:index] + rq.text.words[index + 1 :]
                variant = TextQuery(text=" ".join(w.word for w in rest), article_key="", words=rest)
                count = self.count(dataclasses.replace(rq, text=variant))
                if count:
                    suggestions.append(
                        Suggestion(
                            "relax",
                            _("without the word “%(word)s”") % {"word": word.word},
                            count=count,
                            drop=word.word,
                        )
                    )
        suggestions.sort(key=lambda s: -s.count)
        return suggestions[: getattr(settings, "PIM_SEARCH_SUGGESTIONS", 8)]
