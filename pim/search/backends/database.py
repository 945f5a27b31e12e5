"""The database backend: the embedded default (SQLite or PostgreSQL), and the fallback while
Elasticsearch is unreachable. It keeps its own index tables (``pim_search.Index*``) built
from the same documents as Elasticsearch. A search is two statements (family counts, then
hits + total + facets) of common table expressions compiled from querysets, the same SQL on
both databases."""

# ruff: noqa: S608, S611 - statements are assembled from compiled querysets, quoted model
# metadata, this module's own names and integers; values are bound parameters ("statements")

import threading
from collections import Counter, defaultdict

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.functions import Collate

from ..analysis import QueryWord, damerau_levenshtein
from ..models import (
    IndexCategory,
    IndexDownload,
    IndexEntry,
    IndexKey,
    IndexTerm,
    IndexValue,
    IndexVocabulary,
    OutboxEntry,
)
from ..query import RangeMode, ResolvedFilter, ResolvedQuery, SortOrder, TextQuery
from ..results import DOWNLOADS
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


# --- statements ---------------------------------------------------------------------------------
# Raw SQL here only assembles common table expressions: their bodies are compiled querysets
# where the ORM can say them, table and column names come from model metadata, the CTE names
# and integers (bit masks, scores, page window) are this module's own, and every value from
# a query is a bound parameter.
_NULL_INT = "CAST(NULL AS BIGINT)"
_NULL_FLOAT = "CAST(NULL AS DOUBLE PRECISION)"
_NULL_TEXT = "CAST(NULL AS VARCHAR(64))"
_VALUE_COLUMNS = ("entry_id", "attribute_id", "option_id", "boolean", "number", "number_min", "number_max")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    field = model._meta.pk if field == "pk" else model._meta.get_field(field)
    return connection.ops.quote_name(field.column)


# The tables of an entry's rows and the columns ``apply`` writes (rows compare as tuples).
_CHILD_COLUMNS = {
    IndexTerm: ("term", "field", "entry_id"),
    IndexValue: ("entry_id", "attribute_id", "option_id", "number", "number_min", "number_max", "boolean"),
    IndexKey: ("key", "entry_id"),
    IndexCategory: ("category_id", "entry_id"),
    IndexDownload: ("kind", "entry_id"),
}


def _ids(cte: str, condition: str = "") -> RawSQL:
    """``SELECT id FROM cte [WHERE condition]`` for ``pk__in``/``entry_id__in`` lookups."""
    return RawSQL(f"SELECT id FROM {cte}{' WHERE ' + condition if condition else ''}", ())


def _compiled(queryset, columns: int) -> tuple[str, list]:
    """SQL and parameters of ``queryset`` (``columns`` wide), to use inside a statement."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # e.g. an option filter without options: no rows
        return f"SELECT {', '.join([_NULL_INT] * columns)} WHERE 1 = 0", []
    return sql, list(params)


class _Statement:
    """One statement: common table expressions and a body that reads them. PostgreSQL
    computes the ones marked ``materialized`` once (SQLite materializes a CTE read twice)."""

    def __init__(self):
        self._ctes: list[tuple[str, tuple[str, ...], str, list, bool]] = []

    def add(self, name: str, columns: tuple[str, ...], body, params=(), *, materialized=False) -> str:
        if not isinstance(body, str):
            body, params = _compiled(body, len(columns))
        self._ctes.append((name, columns, body, list(params), materialized))
        return name

    def sql(self, body: str, params=()) -> tuple[str, list]:
        if not self._ctes:
            return body, list(params)
        parts, all_params = [], []
        for name, columns, cte, cte_params, materialized in self._ctes:
            keyword = "AS MATERIALIZED" if materialized and connection.vendor == "postgresql" else "AS"
            parts.append(f"{name} ({', '.join(columns)}) {keyword} ({cte})")
            all_params += cte_params
        return f"WITH {', '.join(parts)} {body}", all_params + list(params)

    def fetch(self, body: str, params=()) -> list[tuple]:
        sql, params = self.sql(body, params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


class _Match:
    """The selections of a query (attribute filters, downloads) and their bits in the ``mask``
    column of ``search_match``: a hit has every bit (``full``); the facet of a selected
    attribute counts the entries with every bit but those of its attribute (``group_bits``)."""

    name = "search_match"

    def __init__(self, groups: list):
        self.bits: dict = {}  # group (attribute id, DOWNLOADS) -> its selections' bits
        for index, group in enumerate(groups):
            self.bits[group] = self.bits.get(group, 0) | 1 << index
        self.full = (1 << len(groups)) - 1
        self.hit = f"mask = {self.full}"

    def group_bits(self, group) -> int:
        return self.bits.get(group, 0)


class DatabaseSearchBackend(BaseSearchBackend):
    name = "database"

    def __init__(self, params: dict | None = None):
        super().__init__(params)
        self._local = threading.local()

    # --- writing ------------------------------------------------------------------------------
    def apply(self, documents: dict[int, dict | None]) -> dict[int, str]:
        """Write ``documents`` in one transaction, table by table and entry by entry: an
        entry's rows in a table are replaced only when they differ from the document's (a full
        rebuild of an index that is mostly up to date writes little), and its entry row only
        when its columns differ (``version`` and ``indexed_at`` tell when it last changed)."""
        upserts = {doc["id"]: doc for doc in documents.values() if doc}
        deletes = [pk for pk, doc in documents.items() if doc is None]
        with transaction.atomic():
            if deletes:
                for model in _CHILD_COLUMNS:
                    model.objects.filter(entry_id__in=deletes).delete()
                IndexEntry.objects.filter(pk__in=deletes).delete()
            if upserts:
                self._write_entries(upserts)
                vocabulary = set()
                rows = {pk: self._child_rows(doc) for pk, doc in upserts.items()}
                for model, columns in _CHILD_COLUMNS.items():
                    position = columns.index("entry_id")
                    stored = defaultdict(Counter)
                    for row in model.objects.filter(entry_id__in=list(upserts)).values_list(*columns):
                        stored[row[position]][row] += 1
                    changed = [pk for pk in upserts if Counter(rows[pk][model]) != stored.get(pk, Counter())]
                    stale = [pk for pk in changed if pk in stored]
                    if stale:
                        model.objects.filter(entry_id__in=stale).delete()
                    # Plain INSERTs (COPY): a rebuild writes ~100 term rows per product, and model
                    # instances would cost more than the database does.
                    _insert(model, columns, [row for pk in changed for row in rows[pk][model]])
                    if model is IndexTerm:
                        vocabulary.update(row[0] for pk in changed for row in rows[pk][model])
                _insert(
                    IndexVocabulary,
                    ("term", "initial", "length"),
                    sorted((term, term[0], len(term)) for term in vocabulary),
                    ignore_conflicts=True,
                )
        if upserts:
            self.clear_caches()
        return {}

    @staticmethod
    def _write_entries(documents: dict[int, dict]) -> None:
        """Insert the entries of ``documents`` or update those whose columns changed."""
        fields = ("article_key", "family_id", "lifecycle", "sort_name", "listing")
        stored = {
            row[0]: row[1:]
            for row in IndexEntry.objects.filter(pk__in=list(documents)).values_list("pk", *fields)
        }
        changed = [
            doc for pk, doc in documents.items() if stored.get(pk) != tuple(doc[field] for field in fields)
        ]
        if not changed:
            return
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
                for doc in changed
            ],
            update_conflicts=True,
            unique_fields=["product"],
            update_fields=["version", *fields, "indexed_at"],
        )

    def _child_rows(self, doc: dict) -> dict:
        """The rows of ``doc`` in each table of :data:`_CHILD_COLUMNS`, in its column order."""
        entry_id = doc["id"]
        return {
            IndexTerm: [
                (term, kind, entry_id)
                for field, kind in (("terms_name", IndexTerm.NAME), ("terms_text", IndexTerm.TEXT))
                for term in doc[field]
            ],
            IndexValue: [
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
            ],
            IndexKey: [(key, entry_id) for key in doc["keys"]],
            IndexCategory: [(category_id, entry_id) for category_id in doc["category_ids"]],
            IndexDownload: self._download_rows([doc]),
        }

    def remove_stale(self, visible_ids_queryset) -> int:
        """Delete entries of products that are no longer visible (after a rebuild), then
        refresh PostgreSQL's statistics of the index tables: the plan of a search depends on
        how many entries a term or a filter matches, and a rebuild may have changed them all."""
        # NOT EXISTS, not NOT IN: PostgreSQL runs NOT IN (subquery) as a hashed subplan only
        # while the ids fit in work_mem, and row by row against the subquery beyond that
        # (minutes at a million products); NOT EXISTS is a hash anti-join at any size.
        visible = visible_ids_queryset.filter(pk=OuterRef("pk"))
        _rows, per_model = IndexEntry.objects.filter(~Exists(visible)).delete()
        deleted = per_model.get(IndexEntry._meta.label, 0)  # entries, not their cascaded rows
        if connection.vendor == "postgresql":
            tables = ", ".join(_table(model) for model in (IndexEntry, *_CHILD_COLUMNS, IndexVocabulary))
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {tables}")
        return deleted

    def document_count(self) -> int:
        return IndexEntry.objects.count()

    # --- query building -----------------------------------------------------------------------
    # A search is two statements of common table expressions (see _Statement): the family counts
    # of the text/category/family/lifecycle match, then the total, the page and every facet
    # group together. The text match is computed once per statement; a selection (attribute
    # filter, downloads) is a semi-join on its index, which the planner can estimate from the
    # tables' statistics. A facet of a selected attribute counts the entries that pass every
    # other selection (disjunctive facets), the other facets count the hits.
    def _expanded_terms(self, word: QueryWord) -> list[str]:
        # Fuzzy expansion reads the vocabulary: once per query and word, not per statement. Per
        # thread, because one backend instance serves concurrent requests.
        memo = getattr(self._local, "expansions", None)
        if memo is None or len(memo) > 64:
            memo = self._local.expansions = {}
        if word not in memo:
            terms = set(word.terms)
            for term in word.terms:
                terms.update(fuzzy_expansions(term, word.fuzziness))
            memo[word] = sorted(terms)
        return memo[word]

    def _word_term_q(self, word: QueryWord, expanded: list[str]) -> Q:
        q = Q(term__in=expanded)
        if word.prefix:
            q |= Q(term__startswith=word.prefix)
        return q

    def _text_cte(self, st: "_Statement", text: TextQuery, *, scored: bool = True) -> str:
        """Adds the entries matching ``text`` with their relevance: ``(id, score)`` (score 0
        unless ``scored``).

        An entry matches by its article number (exact or prefix) or other keys, or when it
        matches every word: one of the word's terms (fuzzy expansions, autocomplete prefix) or
        all parts of a compound. Its score adds up the article number, key, name, text and
        parts hits of every word, whichever way it matched. The words are one scan of the term
        index grouped by entry (so the planner knows about how many entries match)."""
        words = text.words
        article = None
        if text.article_key:
            exact = Q(article_key=text.article_key)
            match, score = exact, Case(When(exact, then=Value(SCORE_ARTICLE_EXACT)), default=Value(0))
            if text.article_prefix:
                prefix = Q(article_key__startswith=text.article_prefix)
                match |= prefix
                score = score + Case(When(prefix, then=Value(SCORE_ARTICLE_PREFIX)), default=Value(0))
            numbers = IndexEntry.objects.filter(match).annotate(s=score).values_list("pk", "s")
            st.add("search_article_number", ("id", "score"), numbers)
            st.add(
                "search_key", ("id",), IndexKey.objects.filter(key=text.article_key).values_list("entry_id")
            )
            article = st.add(
                "search_article",
                ("id", "score"),
                "SELECT id, SUM(score) FROM (SELECT id AS id, score AS score FROM search_article_number"
                f" UNION ALL SELECT id, {SCORE_KEY_EXACT} FROM search_key) u GROUP BY id",
            )
            if not words:
                return st.add(
                    "search_text", ("id", "score"), f"SELECT id, score FROM {article}", materialized=True
                )
        # a word matched by some parts of a compound only, or some words only: filter
        partial = len(words) > 1 or any(word.parts for word in words)
        # one list of terms (an index-only scan; OR-ed lists would read the table), only
        # aggregates that hash (no COUNT(DISTINCT)): a flag per part of a compound
        terms, prefixes, aggregates, score, hits = set(), [], {}, [], []
        for index, word in enumerate(words):
            expanded = self._expanded_terms(word)
            term_q = self._word_term_q(word, expanded)
            parts = sorted(set(word.parts))
            terms.update(expanded, parts)
            if word.prefix:
                prefixes.append(word.prefix)
            if scored:
                aggregates[f"n{index}"] = Max(
                    Case(When(term_q & Q(field=IndexTerm.NAME), then=Value(SCORE_NAME)), default=Value(0))
                )
                aggregates[f"t{index}"] = Max(
                    Case(When(term_q & Q(field=IndexTerm.TEXT), then=Value(SCORE_TEXT)), default=Value(0))
                )
                score += [f"n{index}", f"t{index}"]
            if partial:
                aggregates[f"d{index}"] = Max(Case(When(term_q, then=Value(1)), default=Value(0)))
            if parts:
                flags = [f"p{index}_{number}" for number in range(len(parts))]
                for flag, part in zip(flags, parts, strict=True):
                    aggregates[flag] = Max(Case(When(term=part, then=Value(1)), default=Value(0)))
                all_parts = f"{' + '.join(flags)} = {len(parts)}"
                if scored:
                    score.append(f"CASE WHEN {all_parts} THEN {SCORE_PARTS} ELSE 0 END")
                hits.append(f"CASE WHEN d{index} = 1 OR {all_parts} THEN 1 ELSE 0 END")
            elif partial:
                hits.append(f"d{index}")
        scanned = Q(term__in=sorted(terms))
        for prefix in prefixes:
            scanned |= Q(term__startswith=prefix)
        rows = IndexTerm.objects.filter(scanned).values("entry_id")
        if aggregates:
            rows = rows.annotate(**aggregates).values_list("entry_id", *aggregates)
        else:  # the entries only
            rows = rows.values_list("entry_id").distinct()
        st.add("search_word_rows", ("id", *aggregates), rows)
        words_cte = st.add(
            "search_words",
            ("id", "score", "hits"),
            f"SELECT id, {' + '.join(score) or 0}, {' + '.join(hits) or 1} FROM search_word_rows",
        )
        matched = f"w.hits >= {len(words)}" if partial else ""
        if article is None:
            sql = f"SELECT w.id, w.score FROM {words_cte} w{' WHERE ' + matched if matched else ''}"
        else:
            # article number matches count whatever their words, with the words' scores
            sql = (
                f"SELECT w.id, w.score + COALESCE(a.score, 0) FROM {words_cte} w"
                f" LEFT JOIN {article} a ON a.id = w.id{' WHERE ' + matched + ' OR a.id IS NOT NULL' if matched else ''}"
                f" UNION ALL SELECT a.id, a.score FROM {article} a"
                f" WHERE NOT EXISTS (SELECT 1 FROM {words_cte} w WHERE w.id = a.id)"
            )
        return st.add("search_text", ("id", "score"), sql, materialized=True)

    def _base_cte(self, st: "_Statement", rq: ResolvedQuery, *, scored: bool = True) -> str | None:
        """Adds the entries the query looks at before attribute and downloads selections (text,
        category, family, lifecycle): ``(id, score)`` (see :meth:`_text_cte`). None: every
        entry, with score 0."""
        entries = IndexEntry.objects.all()
        if rq.family_ids is not None:
            entries = entries.filter(family_id__in=rq.family_ids)
        if rq.lifecycles is not None:
            entries = entries.filter(lifecycle__in=rq.lifecycles)
        if rq.category_ids is not None:
            entries = entries.filter(
                pk__in=IndexCategory.objects.filter(category_id__in=rq.category_ids).values("entry_id")
            )
        restricted = bool(entries.query.where)
        if rq.text:
            text = self._text_cte(st, rq.text, scored=scored)
            if not restricted:
                return text
            sql, params = _compiled(entries.values_list("pk"), 1)
            return st.add(
                "search_base",
                ("id", "score"),
                f"SELECT id, score FROM {text} WHERE id IN ({sql})",
                params,
                materialized=True,
            )
        if not restricted:
            return None
        return st.add(
            "search_base",
            ("id", "score"),
            entries.annotate(s=Value(0)).values_list("pk", "s"),
            materialized=True,
        )

    @staticmethod
    def _filter_values(flt: ResolvedFilter):
        """The value rows that satisfy ``flt``."""
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
        return values

    def _selections(self, rq: ResolvedQuery) -> list[tuple[object, object]]:
        """``(group, queryset)`` per selection: the ids of the entries that pass it; the group is
        the attribute id (the downloads selection: ``DOWNLOADS``)."""
        selections = [
            (flt.attribute.pk, self._filter_values(flt).values_list("entry_id")) for flt in rq.filters
        ]
        if rq.downloads is not None:
            selections.append(
                (DOWNLOADS, self._downloads_filter(IndexEntry.objects.all(), rq).values_list("pk"))
            )
        return selections

    def _match_cte(self, st: "_Statement", rq: ResolvedQuery, *, scored: bool = True) -> "_Match":
        """Adds ``search_match (id, score, mask)``: the entries of the base (see
        :meth:`_base_cte`) with a bit per selection they pass. Each selection is evaluated once,
        hashed and probed by every entry (a left join keeps the planner's estimate of the
        base); the hits are the entries with every bit, a facet of a selected attribute counts
        those with every bit but its attribute's own."""
        base = self._base_cte(st, rq, scored=scored)
        hidden = self._hidden_cte(st)
        selections = self._selections(rq)
        match = _Match([group for group, _queryset in selections])
        names = [st.add(f"search_selection{index}", ("id",), qs) for index, (_g, qs) in enumerate(selections)]
        entry, entry_id = _table(IndexEntry), _column(IndexEntry, "pk")
        if base:
            driver = f"{base} b"
        elif len(match.bits) >= 2:  # two attributes selected: what counts passes one selection
            st.add("search_candidates", ("id",), " UNION ".join(f"SELECT id FROM {name}" for name in names))
            driver = "(SELECT id, 0 AS score FROM search_candidates) b"
        else:
            driver = f"(SELECT {entry_id} AS id, 0 AS score FROM {entry}) b"
        joins = "".join(
            f" LEFT JOIN (SELECT DISTINCT id FROM {name}) s{index} ON s{index}.id = b.id"
            for index, name in enumerate(names)
        )
        mask = " + ".join(
            f"CASE WHEN s{index}.id IS NULL THEN 0 ELSE {1 << index} END" for index in range(len(names))
        )
        st.add(
            match.name,
            ("id", "score", "mask"),
            f"SELECT b.id, b.score, {mask or 0} FROM {driver}{joins}"
            f" WHERE b.id NOT IN (SELECT id FROM {hidden})",
            materialized=True,
        )
        return match

    def _hidden_cte(self, st: "_Statement") -> str:
        """Adds ``search_hidden (id)``: entries the index still holds for products that are no
        longer visible, their change waiting in the outbox. Hits are checked against the
        catalog once more anyway; this keeps the total, the facet counts and the suggestions'
        counts to the same rule while the index lags."""
        return st.add("search_hidden", ("id",), OutboxEntry.objects.hidden_product_ids(self.name))

    # --- engine operations --------------------------------------------------------------------
    def run(self, rq: ResolvedQuery):
        self._local.expansions = None  # expansions depend on the vocabulary: fresh per query
        try:
            return super().run(rq)
        finally:
            self._local.expansions = None

    def family_counts(self, rq: ResolvedQuery) -> dict[int, int]:
        st = _Statement()
        base = self._base_cte(st, rq, scored=False)
        entries = self._downloads_filter(IndexEntry.objects.all(), rq)
        if not base:
            entries = entries.exclude(pk__in=OutboxEntry.objects.hidden_product_ids(self.name))
            counts = entries.values("family_id").annotate(n=Count("pk")).values_list("family_id", "n")
            return dict(counts)
        hidden = self._hidden_cte(st)
        # a join, not ``pk IN (…)``: the planner keeps its estimate of the base's size
        family, entry_id = _column(IndexEntry, "family_id"), _column(IndexEntry, "pk")
        sql = (
            f"SELECT e.{family}, COUNT(*) FROM {base} b JOIN {_table(IndexEntry)} e ON e.{entry_id} = b.id"
            f" WHERE b.id NOT IN (SELECT id FROM {hidden})"
        )
        params = []
        if rq.downloads is not None:
            downloads, params = _compiled(entries.values_list("pk"), 1)
            sql += f" AND b.id IN ({downloads})"
        return dict(st.fetch(f"{sql} GROUP BY e.{family}", params))

    def global_numeric_bounds(self, attribute_ids):
        rows = (
            IndexValue.objects.filter(attribute_id__in=attribute_ids, number__isnull=False)
            .values("attribute_id")
            .annotate(low=Min("number"), high=Max("number"))
            .values_list("attribute_id", "low", "high")
        )
        return {aid: (low, high) for aid, low, high in rows}

    def count(self, rq: ResolvedQuery) -> int:
        st = _Statement()
        match = self._match_cte(st, rq, scored=False)
        ((total,),) = st.fetch(f"SELECT COUNT(*) FROM {match.name} WHERE {match.hit}")
        return total

    def _page_cte(self, st: "_Statement", rq: ResolvedQuery, match: "_Match") -> tuple[str, str]:
        """Adds ``search_page (id, k, article_key)``, the hits of the requested page in order
        (``k``: the score or sort key); returns its name and the ORDER BY that puts its rows in
        that order again (a CTE's rows come in no defined order)."""
        sort, offset, limit = rq.sort, int(rq.offset), int(rq.page_size)
        if sort.order == SortOrder.RELEVANCE and not sort.attribute:
            article_key = _column(IndexEntry, "article_key")
            sql = (
                f"SELECT h.id, h.score, e.{article_key} FROM {match.name} h"
                f" JOIN {_table(IndexEntry)} e ON e.{_column(IndexEntry, 'pk')} = h.id WHERE h.{match.hit}"
                f" ORDER BY h.score DESC, e.{article_key}, h.id LIMIT {limit} OFFSET {offset}"
            )
            return st.add("search_page", ("id", "k", "article_key"), sql), "k DESC, article_key, id"
        page = IndexEntry.objects.filter(pk__in=_ids(match.name, match.hit))
        tie = "article_key, id"
        if sort.attribute:
            attribute = rq.sort_attribute
            is_range = attribute.type == "range"
            column = ("number_max" if sort.descending else "number_min") if is_range else "number"
            values = IndexValue.objects.filter(
                entry=OuterRef("pk"), attribute_id=attribute.pk, **{f"{column}__isnull": False}
            )
            aggregate = Max if sort.descending else Min
            value = Subquery(values.values("entry").annotate(v=aggregate(column)).values("v")[:1])
            page = page.annotate(k=value)
            primary = F("k").desc(nulls_last=True) if sort.descending else F("k").asc(nulls_last=True)
            order = f"k {'DESC' if sort.descending else 'ASC'} NULLS LAST, {tie}"
            page = page.order_by(primary, "article_key", "pk")
        elif sort.order == SortOrder.ARTICLE_NUMBER:
            page = page.annotate(k=F("article_key"))
            if sort.descending:
                page, order = page.order_by("-article_key", "-pk"), "article_key DESC, id DESC"
            else:
                page, order = page.order_by("article_key", "pk"), tie
        else:  # name
            collation = "C" if connection.vendor == "postgresql" else "BINARY"
            page = page.annotate(k=Collate(KT(f"sort_name__{rq.language}"), collation))
            primary = F("k").desc() if sort.descending else F("k").asc()
            page = page.order_by(primary, "article_key", "pk")
            order = (
                f"k COLLATE {connection.ops.quote_name(collation)}{' DESC' if sort.descending else ''}, {tie}"
            )
        rows = page.values_list("pk", "k", "article_key")[offset : offset + limit]
        return st.add("search_page", ("id", "k", "article_key"), rows), order

    def execute(self, rq: ResolvedQuery, specs: list[FacetSpec]) -> RawResult:
        st = _Statement()
        relevance = rq.sort.order == SortOrder.RELEVANCE and not rq.sort.attribute
        match = self._match_cte(st, rq, scored=relevance)
        page, order = self._page_cte(st, rq, match)
        score = "CAST(k AS DOUBLE PRECISION)" if relevance else _NULL_FLOAT
        branches = [
            f"SELECT 0, {_NULL_INT}, {_NULL_FLOAT}, COUNT(*), {_NULL_FLOAT}, {_NULL_FLOAT}, {_NULL_TEXT}"
            f" FROM {match.name} WHERE {match.hit}",
            f"SELECT 1, id, {score}, ROW_NUMBER() OVER (ORDER BY {order}), {_NULL_FLOAT}, {_NULL_FLOAT},"
            f" {_NULL_TEXT} FROM {page}",
        ]
        params = []
        if specs:
            sql, params = self._facet_branch(specs, match)
            branches.append(sql)
            branches.append(self._downloads_branch(match))
        total, positions, result = 0, {}, {spec.attribute_id: RawFacet() for spec in specs}
        kinds = {spec.attribute_id: spec for spec in specs}
        if specs:
            result[DOWNLOADS] = RawFacet()
        for kind, a, b, n, lo, hi, label in st.fetch(" UNION ALL ".join(branches), params):
            if kind == 0:
                total = n
            elif kind == 1:
                positions[a] = (n, b)
            elif kind == 3:
                result[DOWNLOADS].options[label] = n
            else:
                self._read_facet_row(result[a], kinds[a], b, n, lo, hi)
        ordered = sorted(positions.items(), key=lambda item: item[1][0])
        listings = dict(IndexEntry.objects.filter(pk__in=list(positions)).values_list("pk", "listing"))
        hits = [
            (pk, listings[pk], score if relevance else None) for pk, (_n, score) in ordered if pk in listings
        ]
        return RawResult(hits=hits if total else [], total=total, facets=result)

    @staticmethod
    def _read_facet_row(facet: RawFacet, spec: FacetSpec, key, n, low, high) -> None:
        if spec.kind == "options":
            facet.options[int(key)] = n
        elif spec.kind == "boolean":
            facet.booleans[bool(key)] = n
        else:
            facet.min = low if facet.min is None or (low is not None and low < facet.min) else facet.min
            facet.max = high if facet.max is None or (high is not None and high > facet.max) else facet.max
            if spec.kind == "number" and spec.interval:
                facet.buckets[int(key)] = n

    @staticmethod
    def _facet_branch(specs: list[FacetSpec], match: "_Match") -> tuple[str, list]:
        """One aggregate over the value rows of the matching entries for every facet:
        ``(2, attribute id, k, count, low, high, NULL)`` rows, ``k`` the option, yes/no (1/0)
        or number bucket (one group per attribute for ranges and unbucketed numbers). A facet
        counts the entries with every selection bit but its own attribute's."""
        column = {name: f"v.{_column(IndexValue, name)}" for name in _VALUE_COLUMNS}
        attribute = column["attribute_id"]

        def among(values):
            return f"{attribute} IN ({', '.join(['%s'] * len(values))})"

        def ids(kind):
            return [spec.attribute_id for spec in specs if spec.kind == kind]

        key, key_params = [], []
        if ids("options"):
            key.append(f"WHEN {among(ids('options'))} THEN {column['option_id']}")
            key_params += ids("options")
        if ids("boolean"):
            key.append(f"WHEN {among(ids('boolean'))} THEN CASE WHEN {column['boolean']} THEN 1 ELSE 0 END")
            key_params += ids("boolean")
        for spec in specs:
            if spec.kind == "number" and spec.interval:
                key.append(f"WHEN {attribute} = %s THEN FLOOR(({column['number']} - %s) / %s)")
                key_params += [spec.attribute_id, spec.offset, spec.interval]
        key = f"CASE {' '.join(key)} ELSE 0 END" if key else "0"
        low, high, range_params = f"MIN({column['number']})", f"MAX({column['number']})", []
        if ids("range"):
            low = f"MIN(CASE WHEN {among(ids('range'))} THEN {column['number_min']} ELSE {column['number']} END)"
            high = f"MAX(CASE WHEN {among(ids('range'))} THEN {column['number_max']} ELSE {column['number']} END)"
            range_params = ids("range") * 2
        present = {"options": "option_id", "boolean": "boolean", "number": "number", "range": ""}
        groups = defaultdict(list)  # (selection bits of the attribute, kind) -> attribute ids
        for spec in specs:
            groups[(match.group_bits(spec.attribute_id), spec.kind)].append(spec.attribute_id)
        conditions, condition_params = [], []
        for (bits, kind), attribute_ids in sorted(groups.items()):
            condition = f"{among(attribute_ids)} AND (m.mask | {bits}) = {match.full}"
            if present[kind]:
                condition += f" AND {column[present[kind]]} IS NOT NULL"
            conditions.append(f"({condition})")
            condition_params += attribute_ids
        every = [spec.attribute_id for spec in specs]
        sql = (
            f"SELECT 2, {attribute}, CAST({key} AS DOUBLE PRECISION), COUNT(*), {low}, {high}, {_NULL_TEXT}"
            f" FROM {match.name} m JOIN {_table(IndexValue)} v ON {column['entry_id']} = m.id"
            f" WHERE {among(every)} AND ({' OR '.join(conditions)}) GROUP BY 2, 3"
        )
        return sql, key_params + range_params + every + condition_params

    @staticmethod
    def _downloads_branch(match: "_Match") -> str:
        """``(3, NULL, NULL, count, NULL, NULL, kind)`` rows: entries per kind of download among
        those that pass every selection but the downloads one (a join: the planner keeps its
        estimate of the matching entries)."""
        entry_id, kind = _column(IndexDownload, "entry_id"), _column(IndexDownload, "kind")
        return (
            f"SELECT 3, {_NULL_INT}, {_NULL_FLOAT}, COUNT(*), {_NULL_FLOAT}, {_NULL_FLOAT}, d.{kind}"
            f" FROM {match.name} m JOIN {_table(IndexDownload)} d ON d.{entry_id} = m.id"
            f" WHERE (m.mask | {match.group_bits(DOWNLOADS)}) = {match.full} GROUP BY d.{kind}"
        )

    # --- downloads: filter and facet --------------------------------------------------------
    @staticmethod
    def _download_rows(documents) -> list[tuple[str, int]]:
        return [(kind, doc["id"]) for doc in documents for kind in doc.get("downloads", ())]

    @staticmethod
    def _downloads_filter(qs, rq: ResolvedQuery):
        """Entries that offer any of the selected kinds of download."""
        if rq.downloads is None:
            return qs
        return qs.filter(pk__in=IndexDownload.objects.filter(kind__in=rq.downloads.kinds).values("entry_id"))
