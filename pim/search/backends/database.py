"""The database backend: the embedded default (SQLite or PostgreSQL), and the fallback while
Elasticsearch is unreachable. It keeps its own index tables (``pim_search.Index*``) built
from the same documents as Elasticsearch, and queries them with the ORM only, so both
databases behave the same."""

import threading
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Collate, Floor

from ..analysis import QueryWord, damerau_levenshtein
from ..models import IndexCategory, IndexEntry, IndexKey, IndexTerm, IndexValue, IndexVocabulary
from ..query import RangeMode, ResolvedFilter, ResolvedQuery, SortOrder, TextQuery
from .base import BaseSearchBackend, FacetSpec, RawFacet, RawResult

# Scores of the deterministic ranking shared with the Elasticsearch backend.
SCORE_ARTICLE_EXACT = 100
SCORE_KEY_EXACT = 50
SCORE_ARTICLE_PREFIX = 10
SCORE_NAME = 3
SCORE_TEXT = 1
SCORE_PARTS = 1
MAX_EXPANSIONS = 50


def fuzzy_expansions(term: str, fuzziness: int) -> list[str]:
    """Indexed terms within ``fuzziness`` edits of ``term`` with the same first letter (the
    database's equivalent of an Elasticsearch fuzzy query with prefix_length 1)."""
    if fuzziness <= 0 or not term:
        return []
    candidates = IndexVocabulary.objects.filter(
        initial=term[0], length__gte=len(term) - fuzziness, length__lte=len(term) + fuzziness
    ).values_list("term", flat=True)
    scored = []
    for candidate in candidates.iterator(chunk_size=5000):
        distance = damerau_levenshtein(term, candidate, fuzziness)
        if distance <= fuzziness:
            scored.append((distance, candidate))
    scored.sort()
    return [candidate for _distance, candidate in scored[:MAX_EXPANSIONS]]


def _insert(model, columns: tuple[str, ...], rows: list[tuple], *, ignore_conflicts: bool = False) -> None:
    """Plain multi-row insert; COPY on PostgreSQL (a rebuild writes ~100 term rows per
    product: model instances and per-row statements would cost more than the database)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_list = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not ignore_conflicts:
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 - identifiers from model metadata
        if ignore_conflicts:
            sql += " ON CONFLICT DO NOTHING"
        for start in range(0, len(rows), 10_000):
            cursor.executemany(sql, rows[start : start + 10_000])


class DatabaseSearchBackend(BaseSearchBackend):
    name = "database"

    def __init__(self, params: dict | None = None):
        super().__init__(params)
        self._local = threading.local()

    # --- writing ------------------------------------------------------------------------------
    def apply(self, documents: dict[int, dict | None]) -> dict[int, str]:
        ids = list(documents)
        upserts = [doc for doc in documents.values() if doc]
        deletes = [pk for pk, doc in documents.items() if doc is None]
        with transaction.atomic():
            for model in (IndexTerm, IndexValue, IndexKey, IndexCategory):
                model.objects.filter(entry_id__in=ids).delete()
            if deletes:
                IndexEntry.objects.filter(pk__in=deletes).delete()
            if upserts:
                IndexEntry.objects.bulk_create(
                    [
                        IndexEntry(
                            product_id=doc["id"],
                            version=doc["version"],
                            article_key=doc["article_key"],
                            family_id=doc["family_id"],
                            lifecycle=doc["lifecycle"],
                            sort_name=doc["sort_name"],
                            listing=doc["listing"],
                        )
                        for doc in upserts
                    ],
                    update_conflicts=True,
                    unique_fields=["product"],
                    update_fields=[
                        "version",
                        "article_key",
                        "family_id",
                        "lifecycle",
                        "sort_name",
                        "listing",
                        "indexed_at",
                    ],
                )
                terms, values, keys, categories, vocabulary = [], [], [], [], set()
                for doc in upserts:
                    entry_id = doc["id"]
                    for field, kind in (("terms_name", IndexTerm.NAME), ("terms_text", IndexTerm.TEXT)):
                        terms.extend((term, kind, entry_id) for term in doc[field])
                        vocabulary.update(doc[field])
                    values.extend(
                        (
                            entry_id,
                            item["attr"],
                            item.get("option"),
                            item.get("n"),
                            item.get("lo"),
                            item.get("hi"),
                            item.get("b"),
                        )
                        for item in doc["attrs"]
                    )
                    keys.extend((key, entry_id) for key in doc["keys"])
                    categories.extend((category_id, entry_id) for category_id in doc["category_ids"])
                # Plain INSERTs: a rebuild writes ~100 term rows per product, and model
                # instances would cost more than the database does.
                _insert(IndexTerm, ("term", "field", "entry_id"), terms)
                _insert(
                    IndexValue,
                    (
                        "entry_id",
                        "attribute_id",
                        "option_id",
                        "number",
                        "number_min",
                        "number_max",
                        "boolean",
                    ),
                    values,
                )
                _insert(IndexKey, ("key", "entry_id"), keys)
                _insert(IndexCategory, ("category_id", "entry_id"), categories)
                _insert(
                    IndexVocabulary,
                    ("term", "initial", "length"),
                    sorted((term, term[0], len(term)) for term in vocabulary),
                    ignore_conflicts=True,
                )
        if upserts:
            self.clear_caches()
        return {}

    def remove_stale(self, visible_ids_queryset) -> int:
        """Delete entries of products that are no longer visible (after a rebuild)."""
        deleted, _ = IndexEntry.objects.exclude(pk__in=visible_ids_queryset).delete()
        return deleted

    def document_count(self) -> int:
        return IndexEntry.objects.count()

    # --- query building -----------------------------------------------------------------------
    def _expanded_terms(self, word: QueryWord) -> list[str]:
        terms = set(word.terms)
        for term in word.terms:
            terms.update(fuzzy_expansions(term, word.fuzziness))
        return sorted(terms)

    def _word_term_q(self, word: QueryWord, expanded: list[str]) -> Q:
        q = Q(term__in=expanded)
        if word.prefix:
            q |= Q(term__startswith=word.prefix)
        return q

    def _text_parts(self, text: TextQuery):
        """(match condition, score expression) for a text query."""
        article = Q(pk__in=[])
        score = Value(0, output_field=IntegerField())
        if text.article_key:
            key_exists = Exists(IndexKey.objects.filter(entry=OuterRef("pk"), key=text.article_key))
            # uncorrelated IN for the match (a correlated EXISTS inside an OR is evaluated
            # row by row over the whole index); EXISTS only for scoring matched rows
            keyed = IndexKey.objects.filter(key=text.article_key).values("entry_id")
            article |= Q(article_key=text.article_key) | Q(pk__in=keyed)
            score = score + Case(
                When(article_key=text.article_key, then=Value(SCORE_ARTICLE_EXACT)), default=Value(0)
            )
            score = score + Case(When(key_exists, then=Value(SCORE_KEY_EXACT)), default=Value(0))
        if text.article_prefix:
            article |= Q(article_key__startswith=text.article_prefix)
            score = score + Case(
                When(article_key__startswith=text.article_prefix, then=Value(SCORE_ARTICLE_PREFIX)),
                default=Value(0),
            )
        if not text.words:
            return article, score
        all_words = Q()
        for word in text.words:
            expanded = self._expanded_terms(word)
            term_q = self._word_term_q(word, expanded)
            in_name = Exists(IndexTerm.objects.filter(Q(entry=OuterRef("pk"), field=IndexTerm.NAME) & term_q))
            in_text = Exists(IndexTerm.objects.filter(Q(entry=OuterRef("pk"), field=IndexTerm.TEXT) & term_q))
            match = Q(pk__in=IndexTerm.objects.filter(term_q).values("entry_id"))
            score = score + Case(When(in_name, then=Value(SCORE_NAME)), default=Value(0))
            score = score + Case(When(in_text, then=Value(SCORE_TEXT)), default=Value(0))
            if word.parts:
                parts = Q()
                for part in word.parts:
                    parts &= Q(pk__in=IndexTerm.objects.filter(term=part).values("entry_id"))
                match |= parts
                has_parts = Q()
                for part in word.parts:
                    has_parts &= Q(Exists(IndexTerm.objects.filter(entry=OuterRef("pk"), term=part)))
                score = score + Case(When(has_parts, then=Value(SCORE_PARTS)), default=Value(0))
            all_words &= match
        return article | all_words, score

    @staticmethod
    def _filter_q(flt: ResolvedFilter) -> Q:
        values = IndexValue.objects.filter(attribute_id=flt.attribute.pk)
        if flt.kind == "options":
            values = values.filter(option_id__in=flt.option_ids)
        elif flt.kind == "boolean":
            values = values.filter(boolean=flt.boolean)
        elif flt.kind == "number":
            if flt.low is not None:
                values = values.filter(number__gte=flt.low)
            if flt.high is not None:
                values = values.filter(number__lte=flt.high)
            values = values.filter(number__isnull=False)
        else:  # range; a missing end is open (unbounded)
            if flt.mode == RangeMode.COVERS:
                values = values.filter(
                    Q(number_min__isnull=True)
                    if flt.low is None
                    else Q(number_min__isnull=True) | Q(number_min__lte=flt.low)
                ).filter(
                    Q(number_max__isnull=True)
                    if flt.high is None
                    else Q(number_max__isnull=True) | Q(number_max__gte=flt.high)
                )
            else:
                if flt.high is not None:
                    values = values.filter(Q(number_min__isnull=True) | Q(number_min__lte=flt.high))
                if flt.low is not None:
                    values = values.filter(Q(number_max__isnull=True) | Q(number_max__gte=flt.low))
        return Q(pk__in=values.values("entry_id"))

    def _queryset(self, rq: ResolvedQuery, filters, *, with_text=True):
        qs = IndexEntry.objects.all()
        if rq.family_ids is not None:
            qs = qs.filter(family_id__in=rq.family_ids)
        if rq.lifecycles is not None:
            qs = qs.filter(lifecycle__in=rq.lifecycles)
        if rq.category_ids is not None:
            qs = qs.filter(
                pk__in=IndexCategory.objects.filter(category_id__in=rq.category_ids).values("entry_id")
            )
        if rq.text and with_text:
            condition, _score = self._text_parts_cached(rq.text)
            qs = qs.filter(condition)
        for flt in filters:
            qs = qs.filter(self._filter_q(flt))
        return qs

    def _text_parts_cached(self, text: TextQuery):
        # Fuzzy expansion reads the vocabulary: once per query, not once per facet. Per
        # thread, because one backend instance serves concurrent requests.
        memo = getattr(self._local, "text_parts", None)
        if memo is None or len(memo) > 16:
            memo = self._local.text_parts = {}
        if text not in memo:
            memo[text] = self._text_parts(text)
        return memo[text]

    # --- engine operations --------------------------------------------------------------------
    def run(self, rq: ResolvedQuery):
        self._local.text_parts = None  # expansions depend on the vocabulary: fresh per query
        try:
            return super().run(rq)
        finally:
            self._local.text_parts = None

    def family_counts(self, rq: ResolvedQuery) -> dict[int, int]:
        qs = self._queryset(rq, ())
        return dict(qs.values("family_id").annotate(n=Count("pk")).values_list("family_id", "n"))

    def global_numeric_bounds(self, attribute_ids):
        rows = (
            IndexValue.objects.filter(attribute_id__in=attribute_ids, number__isnull=False)
            .values("attribute_id")
            .annotate(low=Min("number"), high=Max("number"))
            .values_list("attribute_id", "low", "high")
        )
        return {aid: (low, high) for aid, low, high in rows}

    def count(self, rq: ResolvedQuery) -> int:
        return self._queryset(rq, rq.filters).count()

    def _ordered(self, rq: ResolvedQuery, qs):
        sort = rq.sort
        tie = ("article_key", "pk")
        if sort.attribute:
            attribute = rq.sort_attribute
            is_range = attribute.type == "range"
            column = ("number_max" if sort.descending else "number_min") if is_range else "number"
            values = IndexValue.objects.filter(
                entry=OuterRef("pk"), attribute_id=attribute.pk, **{f"{column}__isnull": False}
            )
            aggregate = Max if sort.descending else Min
            value = Subquery(values.values("entry").annotate(v=aggregate(column)).values("v")[:1])
            qs = qs.annotate(sort_value=value)
            primary = (
                F("sort_value").desc(nulls_last=True)
                if sort.descending
                else F("sort_value").asc(nulls_last=True)
            )
            return qs.order_by(primary, *tie)
        if sort.order == SortOrder.ARTICLE_NUMBER:
            return qs.order_by("-article_key", "-pk") if sort.descending else qs.order_by(*tie)
        if sort.order == SortOrder.NAME:
            collation = "C" if connection.vendor == "postgresql" else "BINARY"
            key = Collate(KT(f"sort_name__{rq.language}"), collation)
            qs = qs.annotate(name_key=key)
            primary = F("name_key").desc() if sort.descending else F("name_key").asc()
            return qs.order_by(primary, *tie)
        # relevance
        _condition, score = self._text_parts_cached(rq.text)
        return qs.annotate(score=score).order_by("-score", *tie)

    def execute(self, rq: ResolvedQuery, specs: list[FacetSpec]) -> RawResult:
        qs = self._queryset(rq, rq.filters)
        total = qs.count()
        ordered = self._ordered(rq, qs)
        fields = ["pk", "listing"]
        relevance = rq.sort.order == SortOrder.RELEVANCE and not rq.sort.attribute
        if relevance:
            fields.append("score")
        rows = list(ordered.values_list(*fields)[rq.offset : rq.offset + rq.page_size]) if total else []
        hits = [(row[0], row[1], float(row[2]) if relevance else None) for row in rows]
        facets = self._facets(rq, specs) if specs else {}
        return RawResult(hits=hits, total=total, facets=facets)

    def _facets(self, rq: ResolvedQuery, specs: list[FacetSpec]) -> dict[int, RawFacet]:
        result = {spec.attribute_id: RawFacet() for spec in specs}
        filtered = rq.filtered_attribute_ids
        shared = [spec for spec in specs if spec.attribute_id not in filtered]
        groups = [(shared, rq.filters)] + [
            ([spec], rq.filters_except(spec.attribute_id)) for spec in specs if spec.attribute_id in filtered
        ]
        for group, filters in groups:
            if not group:
                continue
            entries = self._queryset(rq, filters).values("pk")
            by_kind = defaultdict(list)
            for spec in group:
                by_kind[spec.kind].append(spec)
            values = IndexValue.objects.filter(entry_id__in=entries)
            if by_kind["options"]:
                ids = [s.attribute_id for s in by_kind["options"]]
                for aid, oid, n in (
                    values.filter(attribute_id__in=ids, option_id__isnull=False)
                    .values("attribute_id", "option_id")
                    .annotate(n=Count("pk"))
                    .values_list("attribute_id", "option_id", "n")
                ):
                    result[aid].options[oid] = n
            if by_kind["boolean"]:
                ids = [s.attribute_id for s in by_kind["boolean"]]
                for aid, value, n in (
                    values.filter(attribute_id__in=ids, boolean__isnull=False)
                    .values("attribute_id", "boolean")
                    .annotate(n=Count("pk"))
                    .values_list("attribute_id", "boolean", "n")
                ):
                    result[aid].booleans[bool(value)] = n
            if by_kind["number"]:
                ids = [s.attribute_id for s in by_kind["number"]]
                for aid, low, high in (
                    values.filter(attribute_id__in=ids, number__isnull=False)
                    .values("attribute_id")
                    .annotate(low=Min("number"), high=Max("number"))
                    .values_list("attribute_id", "low", "high")
                ):
                    result[aid].min, result[aid].max = low, high
                for spec in by_kind["number"]:
                    if not spec.interval:
                        continue
                    bucket = Floor((F("number") - Value(spec.offset)) / Value(spec.interval))
                    for number, n in (
                        values.filter(attribute_id=spec.attribute_id, number__isnull=False)
                        .annotate(bucket=bucket)
                        .values("bucket")
                        .annotate(n=Count("pk"))
                        .values_list("bucket", "n")
                    ):
                        result[spec.attribute_id].buckets[int(number)] = n
            if by_kind["range"]:
                ids = [s.attribute_id for s in by_kind["range"]]
                for aid, low, high in (
                    values.filter(attribute_id__in=ids)
                    .values("attribute_id")
                    .annotate(low=Min("number_min"), high=Max("number_max"))
                    .values_list("attribute_id", "low", "high")
                ):
                    result[aid].min, result[aid].max = low, high
        return result
