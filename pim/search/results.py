"""The search contract, output side: what every backend returns."""

from dataclasses import dataclass, field

from pim.catalog.localization import localize


@dataclass(frozen=True)
class Hit:
    """A found product with what a result listing shows."""

    id: int
    article_number: str
    name: str
    short_description: str
    family_code: str
    family_name: str
    lifecycle: str
    manufacturer: str
    product_model: str
    score: float | None = None
    downloads: tuple[str, ...] = ()  # asset kind codes of its public downloads (badges)

    @classmethod
    def from_listing(cls, product_id: int, listing: dict, language: str, score=None) -> "Hit":
        family = listing.get("family") or {}
        return cls(
            id=int(product_id),
            article_number=listing.get("article_number", ""),
            name=localize(listing.get("name"), language),
            short_description=localize(listing.get("short_description"), language),
            family_code=family.get("code", ""),
            family_name=localize(family.get("name"), language),
            lifecycle=listing.get("lifecycle", ""),
            manufacturer=listing.get("manufacturer", ""),
            product_model=listing.get("model") or "",
            score=score,
            downloads=tuple(listing.get("downloads") or ()),
        )


# ``Facet.kind`` and ``AppliedFilter.kind`` of the downloads facet and filter (not an attribute).
DOWNLOADS = "downloads"


@dataclass(frozen=True)
class FacetOption:
    value: str  # option code, "true"/"false" for yes/no attributes, asset kind code for downloads
    label: str
    count: int
    selected: bool = False


@dataclass(frozen=True)
class FacetBucket:
    """A numeric interval [low, high) in the facet's unit."""

    low: float
    high: float
    count: int


@dataclass(frozen=True)
class Facet:
    """Counts for one filterable attribute, or (``kind`` "downloads", ``attribute`` "") for the
    kinds of public download the products offer. Disjunctive: a facet's own selection does
    not change its counts; every other selection does."""

    attribute: str  # code; "" for the downloads facet
    label: str
    kind: str  # "options" | "boolean" | "number" | "range" | "downloads"
    options: tuple[FacetOption, ...] = ()
    min: float | None = None  # in ``unit``
    max: float | None = None
    unit: str = ""  # display symbol
    buckets: tuple[FacetBucket, ...] = ()
    selected: bool = False

    @property
    def count(self) -> int:
        """Products counted in this facet (options: sum of the option counts)."""
        if self.buckets:
            return sum(b.count for b in self.buckets)
        return sum(o.count for o in self.options)


@dataclass(frozen=True)
class AppliedFilter:
    attribute: str  # code; "" for category/family/lifecycle/text/downloads
    label: str
    kind: str


# ``Suggestion.kind`` values.
COMPLETION = "completion"
CATEGORY = "category"
RELAX = "relax"


@dataclass(frozen=True)
class Suggestion:
    """``kind``: "completion" (autocomplete: a word, or an article number with ``product_id``),
    "category" (autocomplete: a category with public products whose name matches; ``text`` is
    its localized path "Fluid technology › Valves › Ball valves", ``category`` its code,
    ``category_id`` its id), "product" (an article number with name), "relax" (zero results:
    run ``query`` instead to get ``count``)."""

    kind: str
    text: str
    count: int | None = None
    product_id: int | None = None
    drop: str = ""  # relax: the attribute code or word to drop ("downloads": the downloads filter)
    category: str = ""  # category: the category's code
    category_id: int | None = None
    name: str = ""  # category: the category's own localized name (``text`` is its path)


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: list[Facet] = field(default_factory=list)
    applied_filters: list[AppliedFilter] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    page: int = 1
    page_size: int = 20
    next_cursor: str | None = None
    backend: str = ""
    degraded: bool = False  # answered by the fallback because the configured backend is down
    took_ms: float = 0.0  # wall time of the whole call
    engine_took_ms: float | None = None  # what the engine reports (Elasticsearch "took")

    @property
    def ids(self) -> list[int]:
        return [hit.id for hit in self.hits]

    def facet(self, code: str = "", *, kind: str | None = None) -> Facet | None:
        """The facet of attribute ``code``, or with ``kind`` the facet of that kind
        (``result.facet(kind="downloads")``)."""
        if kind is not None:
            return next(
                (f for f in self.facets if f.kind == kind and (not code or f.attribute == code)), None
            )
        return next((f for f in self.facets if f.attribute == code), None)
