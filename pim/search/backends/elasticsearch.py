"""The Elasticsearch 8 backend (elasticsearch-dsl, the query DSL of the official client).

Index layout (``INDEX_LAYOUT``): one document per product. Choices (an enumeration option, a
yes/no value) are root-level keywords ``"<attribute id>:<option id>"`` / ``"<attribute id>:true"``
in ``choices``, so filtering and counting them needs no nested join; numbers and ranges are a
nested list ``attrs`` of small records (``attr``, ``n``, ``lo``, ``hi``) in canonical units.
Either way the mapping has the same few fields whether the catalog has ten attributes or ten
thousand. :func:`elastic_source` makes this layout from the backend-neutral document. Analysed text
arrives as tokens (``terms_name``, ``terms_text``; see :mod:`pim.search.analysis`) and is
indexed as keywords. The live index sits behind an alias; a rebuild fills a new index and
swaps the alias atomically. Writes use external versions (the time the document was read from
the database), so a stale document never overwrites a newer one.

While the cluster cannot be reached, searches are answered by the database backend and
flagged ``degraded``.
"""

import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers
from elasticsearch.dsl import A, Double, Keyword, Long, Mapping, Nested, Object, Q, Search

from pim.assets.exchange import download_kind_labels
from pim.catalog.localization import content_languages

from .. import schema
from ..documents import document_version
from ..models import OutboxEntry
from ..query import RangeMode, ResolvedFilter, ResolvedQuery, SortOrder, TextQuery
from ..results import DOWNLOADS
from .base import BackendUnavailable, BaseSearchBackend, FacetSpec, RawFacet, RawResult
from .database import (
    MAX_EXPANSIONS,
    SCORE_ARTICLE_EXACT,
    SCORE_ARTICLE_PREFIX,
    SCORE_KEY_EXACT,
    SCORE_NAME,
    SCORE_PARTS,
    SCORE_TEXT,
    DatabaseSearchBackend,
)

logger = logging.getLogger("pim.search")

RESULT_WINDOW = 10_000
TERMS_FIELDS = ("terms_name", "terms_text")
# The document layout this code reads and writes; stored in the index mapping's ``_meta``. An
# index of another layout is not searched (the database answers) until ``search_reindex``.
INDEX_LAYOUT = 2
# A full rebuild with ``SHARDS = "auto"`` gives the index one shard per this many documents (at
# most one per processor of the node): a single search runs its shards in parallel.
DOCUMENTS_PER_SHARD = 250_000
# Elasticsearch's index.max_terms_count: the most values one terms query may carry.
MAX_TERMS = 65_536


def choice_key(attribute_id, value) -> str:
    """The ``choices`` keyword of an option id or a yes/no value of an attribute."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"{attribute_id}:{value}"


def elastic_source(document: dict) -> dict:
    """The Elasticsearch source of a backend-neutral document (:mod:`pim.search.documents`):
    options and yes/no values leave the nested ``attrs`` for the root-level ``choices``."""
    choices, attrs = [], []
    for item in document["attrs"]:
        if "option" in item:
            choices.append(choice_key(item["attr"], item["option"]))
        elif "b" in item:
            choices.append(choice_key(item["attr"], item["b"]))
        else:
            attrs.append(item)
    return {**document, "attrs": attrs, "choices": sorted(set(choices))}


def build_client(params: dict) -> Elasticsearch:
    """A client from the ``PIM_ELASTICSEARCH`` settings: URL(s), API key or basic auth, CA
    certificate, timeouts."""
    urls = params.get("URLS") or []
    if isinstance(urls, str):
        urls = [u.strip() for u in urls.split(",") if u.strip()]
    if not urls:
        raise BackendUnavailable("ELASTICSEARCH_URL is not set")
    options: dict = {
        "hosts": urls,
        "request_timeout": float(params.get("TIMEOUT", 10)),
        "max_retries": int(params.get("MAX_RETRIES", 1)),
        "retry_on_timeout": bool(params.get("RETRY_ON_TIMEOUT", False)),
    }
    if params.get("API_KEY"):
        options["api_key"] = params["API_KEY"]
    elif params.get("USERNAME"):
        options["basic_auth"] = (params["USERNAME"], params.get("PASSWORD", ""))
    if params.get("CA_CERTS"):
        options["ca_certs"] = params["CA_CERTS"]
    if "VERIFY_CERTS" in params:
        options["verify_certs"] = bool(params["VERIFY_CERTS"])
    return Elasticsearch(**options)


def product_mapping() -> Mapping:
    mapping = Mapping()
    mapping.meta("dynamic", "strict")
    mapping.meta("_meta", layout=INDEX_LAYOUT)
    mapping.field("id", Long())
    mapping.field("version", Long(index=False))
    mapping.field("article_key", Keyword())
    mapping.field("keys", Keyword())
    # fields every faceted search aggregates on: their global ordinals are built at refresh,
    # not by the first search after it
    mapping.field("family_id", Keyword(eager_global_ordinals=True))
    mapping.field("lifecycle", Keyword())
    mapping.field("category_ids", Keyword())
    mapping.field("sort_name", Object(properties={lang: Keyword() for lang in content_languages()}))
    mapping.field("terms_name", Keyword())
    mapping.field("terms_text", Keyword())
    # "<attribute id>:<option id>", "<attribute id>:true"
    mapping.field("choices", Keyword(eager_global_ordinals=True))
    mapping.field(
        "attrs", Nested(properties={"attr": Keyword(), "n": Double(), "lo": Double(), "hi": Double()})
    )
    # asset kind codes of the public downloads
    mapping.field("downloads", Keyword(eager_global_ordinals=True))
    mapping.field("listing", Object(enabled=False))
    return mapping


def count_mapped_fields(properties: dict) -> int:
    """Fields in a mapping (objects and nested objects count, like Elasticsearch's
    ``index.mapping.total_fields.limit`` does)."""
    total = 0
    for spec in properties.values():
        total += 1
        total += count_mapped_fields(spec.get("properties", {}))
    return total


def _unavailable(exc: Exception) -> bool:
    if isinstance(exc, NotFoundError):
        return True  # the index does not exist (never built): answer from the fallback
    if isinstance(exc, ApiError):
        return exc.meta.status >= 500 or exc.meta.status == 429
    return isinstance(exc, TransportError)  # connection refused, timeout, TLS…


class ElasticsearchSearchBackend(BaseSearchBackend):
    name = "elasticsearch"

    def __init__(self, params: dict | None = None):
        merged = {**getattr(settings, "PIM_ELASTICSEARCH", {}), **(params or {})}
        super().__init__(merged)
        self.prefix = merged.get("INDEX_PREFIX") or "pim"
        self.alias = f"{self.prefix}-products"
        self.building_alias = f"{self.alias}-building"
        self.refresh = merged.get("REFRESH", False)
        self.client = build_client(merged)
        self.fallback = DatabaseSearchBackend() if merged.get("FALLBACK", True) else None
        self.retry_after = float(merged.get("FALLBACK_RETRY_SECONDS", 10))
        self._down_until = 0.0
        self._local = threading.local()  # engine time of the current search, per thread
        self._mapping_current = False  # the live index has every field of product_mapping()
        self._layout_current = False  # the live index has INDEX_LAYOUT

    # --- plumbing -----------------------------------------------------------------------------
    def _call(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (ApiError, TransportError) as exc:
            if _unavailable(exc):
                raise BackendUnavailable(f"{type(exc).__name__}: {exc}") from exc
            raise

    def clear_caches(self) -> None:
        super().clear_caches()
        self._down_until = 0.0

    def ping(self) -> bool:
        try:
            # not ping(): the integration-test distribution answers HEAD / with 405
            self.client.options(request_timeout=2).cluster.health()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False

    def shard_count(self, documents: int | None = None) -> int:
        """``SHARDS``: a number, or ``"auto"``: one shard per ``DOCUMENTS_PER_SHARD`` documents
        (``documents``: what a full rebuild is about to index), at most one per processor of
        the smallest data node, so one search uses the node's cores; 1 while unknown."""
        configured = str(self.params.get("SHARDS", "auto")).strip().lower()
        if configured != "auto":
            if not configured.isdigit() or int(configured) < 1:
                raise ImproperlyConfigured(
                    f"ELASTICSEARCH_SHARDS must be a positive number or 'auto', not {configured!r}"
                )
            return int(configured)
        if not documents:
            return 1
        wanted = -(-documents // DOCUMENTS_PER_SHARD)
        if wanted == 1:
            return 1
        nodes = self._call(self.client.nodes.info, metric="os").body["nodes"].values()
        processors = [
            node["os"].get("allocated_processors") or node["os"].get("available_processors") or 1
            for node in nodes
            if any(role.startswith("data") for role in node.get("roles", ["data"]))
        ]
        return max(1, min(wanted, min(processors, default=1)))

    def index_settings(self, *, building: bool = False, shards: int = 1) -> dict:
        return {
            "number_of_shards": shards,
            "number_of_replicas": 0 if building else int(self.params.get("REPLICAS", 0)),
            "refresh_interval": "-1" if building else self.params.get("REFRESH_INTERVAL", "1s"),
            "max_result_window": RESULT_WINDOW,
        }

    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"

    def create_index(self, name: str, *, building: bool = False, documents: int | None = None) -> None:
        self._call(
            self.client.indices.create,
            index=name,
            settings=self.index_settings(building=building, shards=self.shard_count(documents)),
            mappings=product_mapping().to_dict(),
        )

    def live_indices(self) -> list[str]:
        try:
            return sorted(self._call(self.client.indices.get_alias, name=self.alias).body)
        except BackendUnavailable as exc:
            if isinstance(exc.__cause__, NotFoundError):
                return []
            raise

    def ensure_index(self) -> None:
        """Create the first index and its alias (before any full rebuild); a live index made
        by an earlier version gets the fields added since."""
        if self.live_indices():
            self._add_new_fields()
            return
        name = self._new_index_name()
        self.create_index(name)
        self._call(self.client.indices.put_alias, index=name, name=self.alias)

    def _add_new_fields(self) -> None:
        """Put the current mapping on the live index, once per backend instance: the mapping is
        strict, so documents with a field added since the index was created (``downloads``)
        would be rejected. Adding fields is allowed on a live index; documents written before
        stay without the field until they are indexed again (``search_reindex``)."""
        if self._mapping_current:
            return
        properties = product_mapping().to_dict()["properties"]
        self._call(self.client.indices.put_mapping, index=self.alias, properties=properties)
        self._mapping_current = True

    def _write_indices(self) -> list[str]:
        indices = [self.alias]
        try:
            building = self.client.indices.get_alias(name=self.building_alias).body
            indices.extend(sorted(building))
        except NotFoundError:
            pass
        except (ApiError, TransportError) as exc:
            raise BackendUnavailable(str(exc)) from exc
        return indices

    # --- writing ------------------------------------------------------------------------------
    @staticmethod
    def _index_action(index: str, doc: dict) -> dict:
        return {
            "_op_type": "index",
            "_index": index,
            "_id": str(doc["id"]),
            "version": doc["version"],
            "version_type": "external_gte",
            "_source": elastic_source(doc),
        }

    def apply(self, documents: dict[int, dict | None]) -> dict[int, str]:
        if not documents:
            return {}
        self.ensure_index()
        indices = self._write_indices()
        delete_version = document_version()
        actions = []
        for product_id, doc in documents.items():
            for index in indices:
                if doc:
                    actions.append(self._index_action(index, doc))
                else:
                    actions.append(
                        {
                            "_op_type": "delete",
                            "_index": index,
                            "_id": str(product_id),
                            "version": delete_version,
                            "version_type": "external_gte",
                        }
                    )
        try:
            _ok, errors = helpers.bulk(
                self.client, actions, raise_on_error=False, refresh=self.refresh, chunk_size=1000
            )
        except (ApiError, TransportError) as exc:
            if _unavailable(exc):
                raise BackendUnavailable(f"{type(exc).__name__}: {exc}") from exc
            raise
        failed = self._item_errors(errors)
        if len(documents) and any(doc for doc in documents.values()):
            self.clear_caches()
        return failed

    @staticmethod
    def _item_errors(errors) -> dict[int, str]:
        failed = {}
        unavailable = []
        for error in errors:
            ((op, item),) = error.items()
            status = item.get("status", 0)
            if status == 409 or (op == "delete" and status == 404):
                continue  # a newer version is there already / nothing to delete
            if status in (429, 503):
                unavailable.append(item)
                continue
            failed[int(item["_id"])] = str(item.get("error"))[:500]
        if unavailable:
            raise BackendUnavailable(f"{len(unavailable)} documents rejected: {unavailable[0].get('error')}")
        return failed

    def rebuild(
        self,
        batches: Iterable[dict[int, dict | None]] | Callable[[Callable], Iterable[tuple[int, bytes]]],
        *,
        threads: int = 2,
        documents: int | None = None,
    ) -> dict:
        """Fill a new index and swap the alias to it (zero downtime: searches read the old
        index until the swap; drains write to both meanwhile). ``documents``: about how many
        there will be (sizes the index, see :meth:`shard_count`).

        ``batches`` is an iterable of ``{id: document}`` batches, or a callable that takes an
        encoder and returns an iterable of what the encoder made of each batch (so the bulk
        request bodies can be encoded in the processes that build the documents, see
        :func:`pim.search.indexing.document_batches`)."""
        self._delete_orphans()
        new_index = self._new_index_name()
        self.create_index(new_index, building=True, documents=documents)
        self._call(self.client.indices.put_alias, index=new_index, name=self.building_alias)
        stats = {"index": new_index, "indexed": 0, "errors": {}}
        encoder = functools.partial(encode_index_actions, new_index)
        bodies = batches(encoder) if callable(batches) else map(encoder, batches)

        def collect(futures):
            for future in futures:
                indexed, errors = future.result()
                stats["indexed"] += indexed
                stats["errors"].update(errors)

        try:
            # Bulk requests go out from a small pool, a few in flight at a time, while the
            # caller goes on producing the next bodies.
            with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
                in_flight = set()
                for count, body in bodies:
                    if count:
                        in_flight.add(pool.submit(self._send_bulk_body, count, body))
                    if len(in_flight) >= max(1, threads) * 2:
                        done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                        collect(done)
                collect(in_flight)
            self._call(
                self.client.indices.put_settings,
                index=new_index,
                settings={
                    "number_of_replicas": int(self.params.get("REPLICAS", 0)),
                    "refresh_interval": self.params.get("REFRESH_INTERVAL", "1s"),
                },
            )
            self._call(self.client.indices.refresh, index=new_index)
            old = self.live_indices()
            swap = [{"remove": {"index": index, "alias": self.alias}} for index in old]
            swap += [
                {"add": {"index": new_index, "alias": self.alias}},
                {"remove": {"index": new_index, "alias": self.building_alias}},
            ]
            self._call(self.client.indices.update_aliases, actions=swap)
        except BaseException:
            try:
                self.client.indices.delete(index=new_index, ignore_unavailable=True)
            except Exception:  # noqa: BLE001 - best effort cleanup, the original error matters
                logger.exception("could not delete the half-built index %s", new_index)
            raise
        for index in old:
            if index != new_index:
                self._call(self.client.indices.delete, index=index, ignore_unavailable=True)
        self.clear_caches()
        return stats

    def _send_bulk_body(self, count: int, body: bytes) -> tuple[int, dict[int, str]]:
        """Send one encoded bulk body of ``count`` index actions; items the node rejects as
        overloaded (429) are sent again with backoff. Returns (indexed, {id: error})."""
        indexed, errors = 0, {}
        for attempt in range(BULK_RETRIES + 1):
            response = self._call(
                self.client.options(request_timeout=float(self.params.get("BULK_TIMEOUT", 120))).bulk,
                operations=body,
                filter_path=BULK_FILTER_PATH,
            ).body
            items = response.get("items") or []
            if not response.get("errors"):
                return indexed + len(items), errors
            lines = body.split(b"\n")
            retry = []
            for position, item in enumerate(items):
                ((_op, detail),) = item.items()
                status = detail.get("status", 0)
                if status < 300 or status == 409:  # 409: a drain wrote a newer version meanwhile
                    indexed += 1
                elif status == 429 and attempt < BULK_RETRIES:
                    retry.extend(lines[2 * position : 2 * position + 2])
                else:
                    errors[int(detail["_id"])] = str(detail.get("error"))[:500]
            if not retry:
                break
            body = b"\n".join(retry) + b"\n"
            time.sleep(0.5 * 2**attempt)
        return indexed, errors

    def _delete_orphans(self) -> None:
        """Indices of earlier, crashed rebuilds: ours by name, not behind the live alias.
        (One rebuild at a time per index prefix.)"""
        existing = self._call(
            self.client.indices.get, index=f"{self.alias}-*", ignore_unavailable=True, allow_no_indices=True
        ).body
        live = set(self.live_indices())
        for name in existing:
            if name not in live:
                self._call(self.client.indices.delete, index=name, ignore_unavailable=True)

    def drop(self) -> None:
        """Delete every index of this prefix (tests, ``search_reindex --drop``)."""
        self._call(
            self.client.indices.delete,
            index=f"{self.alias}-*",
            ignore_unavailable=True,
            allow_no_indices=True,
        )

    def document_count(self) -> int:
        return int(self._call(self.client.count, index=self.alias)["count"])

    def mapped_field_count(self) -> int:
        body = self._call(self.client.indices.get_mapping, index=self.alias).body
        return max(
            (count_mapped_fields(m["mappings"].get("properties", {})) for m in body.values()), default=0
        )

    def refresh_index(self) -> None:
        self._call(self.client.indices.refresh, index=self.alias)

    # --- queries --------------------------------------------------------------------------------
    def run(self, rq: ResolvedQuery):
        if self.fallback is not None and time.monotonic() < self._down_until:
            return self._degraded(rq, "Elasticsearch was unreachable moments ago")
        self._local.took = 0.0
        self._local.hidden = self._hidden_clauses()
        try:
            self._check_layout()
            result = super().run(rq)
            result.engine_took_ms = self._local.took
            return result
        except BackendUnavailable as exc:
            if self.fallback is None:
                raise
            self._down_until = time.monotonic() + self.retry_after
            return self._degraded(rq, str(exc))
        finally:
            self._local.hidden = []

    def _hidden_clauses(self) -> list[Q]:
        """Products the index may still hold though the catalog no longer shows them (their
        change waits in the outbox): left out of hits, totals and facet counts alike, read
        once per search."""
        ids = sorted(OutboxEntry.objects.hidden_product_ids(self.name))
        return [Q("terms", id=ids[start : start + MAX_TERMS]) for start in range(0, len(ids), MAX_TERMS)]

    def index_layout(self) -> int | None:
        """The document layout of the live index (None: there is none); indices made before
        layouts were recorded are layout 1."""
        try:
            body = self._call(self.client.indices.get_mapping, index=self.alias).body
        except BackendUnavailable as exc:
            if isinstance(exc.__cause__, NotFoundError):
                return None
            raise
        layouts = {m["mappings"].get("_meta", {}).get("layout", 1) for m in body.values()}
        return min(layouts) if layouts else None

    def _check_layout(self) -> None:
        """Searches read only an index of this code's layout; another one is answered by the
        database (like an outage) until ``search_reindex`` builds a current index."""
        if self._layout_current:
            return
        layout = self.index_layout()
        if layout is not None and layout != INDEX_LAYOUT:
            raise BackendUnavailable(
                f"the index has document layout {layout}, this version reads layout {INDEX_LAYOUT}: "
                "run manage.py search_reindex"
            )
        self._layout_current = layout is not None

    def _degraded(self, rq: ResolvedQuery, reason: str):
        logger.warning("search: Elasticsearch unavailable, answering from the database (%s)", reason[:300])
        result = self.fallback.run(rq)
        result.degraded = True
        return result

    def _add_took(self, took) -> None:
        self._local.took = getattr(self._local, "took", 0.0) + float(took or 0)

    def _search(self) -> Search:
        return Search(using=self.client, index=self.alias)

    @staticmethod
    def _field_match(field: str, word) -> Q:
        clauses = [Q("terms", **{field: list(word.terms)})]
        if word.fuzziness:
            clauses.extend(
                Q(
                    "fuzzy",
                    **{
                        field: {
                            "value": term,
                            "fuzziness": word.fuzziness,
                            "prefix_length": 1,
                            "transpositions": True,
                            "max_expansions": MAX_EXPANSIONS,
                        }
                    },
                )
                for term in word.terms
            )
        if word.prefix:
            clauses.append(Q("prefix", **{field: word.prefix}))
        return Q("bool", should=clauses, minimum_should_match=1)

    @staticmethod
    def _parts_match(word) -> Q:
        return Q(
            "bool",
            filter=[
                Q(
                    "bool",
                    should=[Q("term", **{field: part}) for field in TERMS_FIELDS],
                    minimum_should_match=1,
                )
                for part in word.parts
            ],
        )

    def _text_query(self, text: TextQuery) -> tuple[Q, list[Q]]:
        """(match condition, scoring clauses): the same rules and scores as the database backend."""
        alternatives, scoring = [], []
        if text.article_key:
            exact = Q("term", article_key=text.article_key)
            key = Q("term", keys=text.article_key)
            alternatives += [exact, key]
            scoring += [
                Q("constant_score", filter=exact, boost=SCORE_ARTICLE_EXACT),
                Q("constant_score", filter=key, boost=SCORE_KEY_EXACT),
            ]
        if text.article_prefix:
            prefix = Q("prefix", article_key=text.article_prefix)
            alternatives.append(prefix)
            scoring.append(Q("constant_score", filter=prefix, boost=SCORE_ARTICLE_PREFIX))
        if text.words:
            word_matches = []
            for word in text.words:
                in_name = self._field_match("terms_name", word)
                in_text = self._field_match("terms_text", word)
                options = [in_name, in_text]
                scoring += [
                    Q("constant_score", filter=in_name, boost=SCORE_NAME),
                    Q("constant_score", filter=in_text, boost=SCORE_TEXT),
                ]
                if word.parts:
                    parts = self._parts_match(word)
                    options.append(parts)
                    scoring.append(Q("constant_score", filter=parts, boost=SCORE_PARTS))
                word_matches.append(Q("bool", should=options, minimum_should_match=1))
            alternatives.append(Q("bool", filter=word_matches))
        return Q("bool", should=alternatives, minimum_should_match=1), scoring

    @staticmethod
    def _filter_clause(flt: ResolvedFilter) -> Q:
        if flt.kind == "options":
            return Q("terms", choices=[choice_key(flt.attribute.pk, o) for o in flt.option_ids])
        if flt.kind == "boolean":
            return Q("term", choices=choice_key(flt.attribute.pk, flt.boolean))
        clauses = [Q("term", **{"attrs.attr": str(flt.attribute.pk)})]
        if flt.kind == "number":
            bounds = {}
            if flt.low is not None:
                bounds["gte"] = flt.low
            if flt.high is not None:
                bounds["lte"] = flt.high
            clauses.append(Q("range", **{"attrs.n": bounds}))
        else:
            no_lo = Q("bool", must_not=[Q("exists", field="attrs.lo")])
            no_hi = Q("bool", must_not=[Q("exists", field="attrs.hi")])

            def open_or(missing, field, op, value):
                return Q("bool", should=[missing, Q("range", **{field: {op: value}})], minimum_should_match=1)

            if flt.mode == RangeMode.COVERS:
                clauses.append(no_lo if flt.low is None else open_or(no_lo, "attrs.lo", "lte", flt.low))
                clauses.append(no_hi if flt.high is None else open_or(no_hi, "attrs.hi", "gte", flt.high))
            else:
                if flt.high is not None:
                    clauses.append(open_or(no_lo, "attrs.lo", "lte", flt.high))
                if flt.low is not None:
                    clauses.append(open_or(no_hi, "attrs.hi", "gte", flt.low))
        return Q("nested", path="attrs", query=Q("bool", filter=clauses))

    def _selection(self, rq: ResolvedQuery, filters) -> list[Q]:
        """The selections that facets are disjunctive over: ``filters`` (attribute filters)
        and the downloads filter. They go into the post filter and the facet aggregations, not
        the main query."""
        clauses = [self._filter_clause(f) for f in filters]
        if rq.downloads is not None:
            clauses.append(Q("terms", downloads=list(rq.downloads.kinds)))
        return clauses

    def _downloads_agg(self, rq: ResolvedQuery):
        """Documents per kind of download, with every selection except the downloads one."""
        agg = A("filter", filter=Q("bool", filter=self._selection(rq.without_downloads(), rq.filters)))
        agg.bucket("kinds", "terms", field="downloads", size=len(download_kind_labels()))
        return agg

    def _base_filters(self, rq: ResolvedQuery) -> list[Q]:
        filters = []
        if rq.family_ids is not None:
            filters.append(Q("terms", family_id=[str(f) for f in rq.family_ids]))
        if rq.lifecycles is not None:
            filters.append(Q("terms", lifecycle=list(rq.lifecycles)))
        if rq.category_ids is not None:
            filters.append(Q("terms", category_ids=[str(c) for c in rq.category_ids]))
        return filters

    def _main_query(self, rq: ResolvedQuery, *, with_scoring: bool) -> Q:
        filters = self._base_filters(rq)
        hidden = getattr(self._local, "hidden", [])
        if not rq.text:
            return Q("bool", filter=filters, must_not=hidden)
        condition, scoring = self._text_query(rq.text)
        if not with_scoring:
            return Q("bool", filter=[*filters, condition], must_not=hidden)
        if len(rq.text.words) <= 1:
            # With at most one word, a document matches the condition exactly when it matches
            # one of the scoring clauses: match and score in one pass (the same scores; the
            # expensive fuzzy and prefix clauses are evaluated once, not twice).
            return Q(
                "bool",
                filter=filters,
                must=[Q("bool", should=scoring, minimum_should_match=1)],
                must_not=hidden,
            )
        return Q("bool", filter=[*filters, condition], should=scoring, must_not=hidden)

    def _sort(self, rq: ResolvedQuery) -> list:
        sort = rq.sort
        tie = [{"article_key": "asc"}, {"id": "asc"}]
        if sort.attribute:
            attribute = rq.sort_attribute
            if attribute.type == "range":
                field = "attrs.hi" if sort.descending else "attrs.lo"
            else:
                field = "attrs.n"
            return [
                {
                    field: {
                        "order": "desc" if sort.descending else "asc",
                        "mode": "max" if sort.descending else "min",
                        "missing": "_last",
                        "nested": {"path": "attrs", "filter": {"term": {"attrs.attr": str(attribute.pk)}}},
                    }
                },
                *tie,
            ]
        if sort.order == SortOrder.ARTICLE_NUMBER:
            if sort.descending:
                return [{"article_key": "desc"}, {"id": "desc"}]
            return tie
        if sort.order == SortOrder.NAME:
            return [
                {
                    f"sort_name.{rq.language}": {
                        "order": "desc" if sort.descending else "asc",
                        "missing": "_first",
                    }
                },
                *tie,
            ]
        return [{"_score": "desc"}, *tie]

    def family_counts(self, rq: ResolvedQuery) -> dict[int, int]:
        s = (
            self._search()
            .query(self._main_query(rq, with_scoring=False))
            .extra(size=0, track_total_hits=False)
        )
        s.aggs.bucket("families", "terms", field="family_id", size=10_000)
        response = self._call(s.execute)
        self._add_took(response.took)
        return {int(b.key): b.doc_count for b in response.aggregations.families.buckets}

    def global_numeric_bounds(self, attribute_ids):
        s = self._search().extra(size=0, track_total_hits=False)
        agg = A("nested", path="attrs")
        inner = agg.bucket(
            "attrs", "filter", filter=Q("terms", **{"attrs.attr": [str(a) for a in attribute_ids]})
        )
        per = inner.bucket("per", "terms", field="attrs.attr", size=len(attribute_ids) + 1)
        per.metric("low", "min", field="attrs.n")
        per.metric("high", "max", field="attrs.n")
        s.aggs.bucket("bounds", agg)
        response = self._call(s.execute)
        result = {}
        for bucket in response.aggregations.bounds.attrs.per.buckets:
            if bucket.low.value is not None:
                result[int(bucket.key)] = (bucket.low.value, bucket.high.value)
        return result

    def count(self, rq: ResolvedQuery) -> int:
        query = self._main_query(rq, with_scoring=False)
        selection = self._selection(rq, rq.filters)
        if selection:
            query = Q("bool", filter=[query, *selection])
        return int(self._call(self.client.count, index=self.alias, query=query.to_dict())["count"])

    def _facet_aggs(self, s: Search, rq: ResolvedQuery, specs: list[FacetSpec]) -> None:
        """One filter aggregation per group of facets that share their selections: the facets
        without a selection of their own, then each selected facet alone (disjunctive counts).
        Inside, one ``terms`` aggregation counts every choice of the group's option and yes/no
        facets at root level; numbers and ranges are read from the nested ``attrs``."""
        filtered = rq.filtered_attribute_ids
        groups = [("all", [s_ for s_ in specs if s_.attribute_id not in filtered], rq.filters)]
        groups += [
            (f"own{spec.attribute_id}", [spec], rq.filters_except(spec.attribute_id))
            for spec in specs
            if spec.attribute_id in filtered
        ]
        for name, group, filters in groups:
            # without a downloads selection, the downloads facet counts with every selection,
            # like the group of unselected attributes: one filter aggregation for both
            kinds_here = name == "all" and rq.downloads is None
            if not group and not kinds_here:
                continue
            outer = A("filter", filter=Q("bool", filter=self._selection(rq, filters)))
            if kinds_here:
                outer.bucket("kinds", "terms", field="downloads", size=len(download_kind_labels()))
            choices = [spec for spec in group if spec.kind in ("options", "boolean")]
            if choices:
                # every choice of these attributes fits, so each count is exact (with room for
                # options added in another process since the schema cache was filled)
                size = 10 + sum(
                    len(schema.options(spec.attribute)) if spec.kind == "options" else 2 for spec in choices
                )
                outer.bucket(
                    "choices",
                    "terms",
                    field="choices",
                    include="|".join(f"{spec.attribute_id}:.+" for spec in choices),
                    size=size,
                )
            numeric = [spec for spec in group if spec.kind in ("number", "range")]
            if numeric:
                nested = outer.bucket("attrs", "nested", path="attrs")
            for spec in numeric:
                one = nested.bucket(
                    f"a{spec.attribute_id}",
                    "filter",
                    filter=Q("term", **{"attrs.attr": str(spec.attribute_id)}),
                )
                if spec.kind == "number":
                    one.metric("low", "min", field="attrs.n")
                    one.metric("high", "max", field="attrs.n")
                    if spec.interval:
                        one.bucket(
                            "buckets",
                            "histogram",
                            field="attrs.n",
                            interval=spec.interval,
                            offset=spec.offset,
                            min_doc_count=1,
                        )
                else:
                    one.metric("low", "min", field="attrs.lo")
                    one.metric("high", "max", field="attrs.hi")
            s.aggs.bucket(name, outer)
        if rq.downloads is not None:
            s.aggs.bucket(DOWNLOADS, self._downloads_agg(rq))

    def _read_facets(self, aggregations, rq, specs) -> dict[int, RawFacet]:
        result = {spec.attribute_id: RawFacet() for spec in specs}
        filtered = rq.filtered_attribute_ids
        kinds = {spec.attribute_id: spec.kind for spec in specs}
        for group in aggregations.values():
            for bucket in group.get("choices", {}).get("buckets", ()):
                attribute, value = bucket["key"].split(":", 1)
                raw = result.get(int(attribute))
                if raw is None:
                    continue
                if kinds[int(attribute)] == "options":
                    raw.options[int(value)] = bucket["doc_count"]
                else:
                    raw.booleans[value == "true"] = bucket["doc_count"]
        for spec in specs:
            if spec.kind not in ("number", "range"):
                continue
            name = f"own{spec.attribute_id}" if spec.attribute_id in filtered else "all"
            data = aggregations[name]["attrs"][f"a{spec.attribute_id}"]
            raw = result[spec.attribute_id]
            raw.min = data["low"]["value"]
            raw.max = data["high"]["value"]
            if spec.kind == "number" and spec.interval and "buckets" in data:
                raw.buckets = {
                    round((b["key"] - spec.offset) / spec.interval): b["doc_count"]
                    for b in data["buckets"]["buckets"]
                    if b["doc_count"]
                }
        kinds = aggregations[DOWNLOADS if rq.downloads is not None else "all"]["kinds"]
        result[DOWNLOADS] = RawFacet(options={b["key"]: b["doc_count"] for b in kinds["buckets"]})
        return result

    def execute(self, rq: ResolvedQuery, specs: list[FacetSpec]) -> RawResult:
        relevance = rq.sort.order == SortOrder.RELEVANCE and not rq.sort.attribute
        s = self._search().query(self._main_query(rq, with_scoring=relevance))
        selection = self._selection(rq, rq.filters)
        if selection:
            s = s.post_filter(Q("bool", filter=selection))
        sort = self._sort(rq)
        s = s.sort(*sort).source(["listing"])
        after = (rq.cursor or {}).get("after")
        offset = rq.offset
        if after is None and offset + rq.page_size > RESULT_WINDOW:
            after = self._walk_to(rq, s, offset)
        if after is not None:
            s = s.extra(search_after=after, size=rq.page_size, track_total_hits=True)
        else:
            s = s.extra(from_=offset, size=rq.page_size, track_total_hits=True)
        if specs:
            self._facet_aggs(s, rq, specs)
        response = self._call(self.client.search, index=self.alias, body=s.to_dict())
        body = response.body
        self._add_took(body.get("took", 0))
        hits = [
            (int(hit["_id"]), hit["_source"].get("listing", {}), hit.get("_score") if relevance else None)
            for hit in body["hits"]["hits"]
        ]
        last_sort = body["hits"]["hits"][-1].get("sort") if body["hits"]["hits"] else None
        return RawResult(
            hits=hits,
            total=body["hits"]["total"]["value"],
            facets=self._read_facets(body.get("aggregations", {}), rq, specs) if specs else {},
            after=last_sort,
            engine_took_ms=float(body.get("took", 0)),
        )

    def _walk_to(self, rq: ResolvedQuery, s: Search, offset: int):
        """Sort values of the hit just before ``offset`` (past the 10,000-hit window, without a
        cursor): walk there with search_after, fetching only sort values."""
        after = None
        remaining = offset
        base = s.source(False)
        while remaining > 0:
            step = min(remaining, RESULT_WINDOW)
            page = base.extra(size=step, track_total_hits=False)
            if after is not None:
                page = page.extra(search_after=after)
            body = self._call(self.client.search, index=self.alias, body=page.to_dict()).body
            hits = body["hits"]["hits"]
            if not hits:
                return after
            after = hits[-1]["sort"]
            remaining -= len(hits)
        return after


BULK_RETRIES = 3
BULK_FILTER_PATH = "errors,items.*._id,items.*.status,items.*.error"


def encode_index_actions(index: str, documents: dict[int, dict | None]) -> tuple[int, bytes]:
    """The bulk request body (NDJSON) that indexes ``documents`` into ``index`` with their
    external versions; ``None`` entries (not visible) are left out. Returns (actions, body).
    A module-level function, so that worker processes can run it."""
    lines = []
    for doc in documents.values():
        if not doc:
            continue
        lines.append(
            json.dumps(
                {
                    "index": {
                        "_index": index,
                        "_id": str(doc["id"]),
                        "version": doc["version"],
                        "version_type": "external_gte",
                    }
                },
                separators=(",", ":"),
            )
        )
        lines.append(json.dumps(elastic_source(doc), separators=(",", ":"), ensure_ascii=False))
    if not lines:
        return 0, b""
    return len(lines) // 2, ("\n".join(lines) + "\n").encode("utf-8")
