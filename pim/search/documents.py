"""Index documents: what a backend stores for one product or variant.

One document per publicly visible product; attributes are a list of small records with
canonical numbers (``attr``, ``option``, ``n`` = number, ``lo``/``hi`` = range ends,
``b`` = yes/no), so an index
does not grow a field per attribute. Documents are built in bulk from plain value rows (no
model instances) because a full reindex builds a million of them.
"""

import re
import time
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from pim.assets.exchange import public_asset_kinds
from pim.catalog.identifiers import normalize_article_number
from pim.catalog.localization import content_languages, localize
from pim.catalog.models import (
    Attribute,
    AttributeOption,
    AttributeType,
    Category,
    Family,
    Product,
    ProductModel,
    ProductModelValue,
    ProductValue,
)

from .analysis import fold, index_token_set

SHORT_DESCRIPTION_CHARS = 300
_SORT_CLEAN = re.compile(r"[^a-z0-9]+")

_PRODUCT_FIELDS = (
    "id",
    "article_number",
    "article_number_key",
    "gtin",
    "manufacturer_pid",
    "manufacturer_name",
    "name",
    "short_description",
    "long_description",
    "family_id",
    "lifecycle",
    "product_model_id",
)
_VALUE_FIELDS = (
    "attribute_id",
    "option_id",
    "number",
    "number_min",
    "number_max",
    "boolean",
    "text",
    "text_localized",
)


def sort_key(text: str) -> str:
    """A sort key that orders the same in every backend and collation: folded, letters and
    digits only, words separated by one space."""
    return _SORT_CLEAN.sub(" ", fold(text or "")).strip()[:100]


def document_version() -> int:
    """Microseconds since the epoch, taken before a document's data is read: a later version
    never carries older data (Elasticsearch external versioning rejects stale writes)."""
    return time.time_ns() // 1000


class DocumentBuilder:
    """Builds documents; caches attributes, options, families and categories for its lifetime
    (one drain run or one reindex), so create a new one for each."""

    def __init__(self):
        self.languages = content_languages()
        self.attributes = {
            row["id"]: row
            for row in Attribute.objects.values("id", "code", "type", "searchable", "localizable", "name")
        }
        self.options = {
            row["id"]: row for row in AttributeOption.objects.values("id", "attribute_id", "code", "name")
        }
        self.families = {row["id"]: row for row in Family.objects.values("id", "code", "name", "synonyms")}
        self.categories = {row["id"]: row for row in Category.objects.values("id", "code", "name")}
        self._label_terms: dict[tuple[str, int], frozenset[str]] = {}

    # --- loading --------------------------------------------------------------------------
    def build(self, product_ids: Iterable[int]) -> dict[int, dict | None]:
        """``{id: document}`` for each id; ``None`` for products that are not publicly
        visible (or do not exist): they must leave the index."""
        ids = sorted({int(pk) for pk in product_ids})
        result: dict[int, dict | None] = dict.fromkeys(ids)
        if not ids:
            return result
        version = document_version()
        products = [
            row
            for row in Product.objects.publicly_visible()
            .filter(_ids_condition("pk", ids))
            .values(*_PRODUCT_FIELDS)
            if row["id"] in result
        ]
        if not products:
            return result
        visible_ids = sorted(p["id"] for p in products)
        model_ids = sorted({p["product_model_id"] for p in products if p["product_model_id"]})
        models = {
            m["id"]: m
            for m in ProductModel.objects.filter(pk__in=model_ids).values(
                "id", "code", "name", "short_description", "long_description", "manufacturer_name"
            )
        }
        own_values = defaultdict(list)
        for row in ProductValue.objects.filter(_ids_condition("product_id", visible_ids)).values_list(
            "product_id", *_VALUE_FIELDS
        ):
            own_values[row[0]].append(row[1:])
        model_values = defaultdict(list)
        if model_ids:
            for row in ProductModelValue.objects.filter(product_model_id__in=model_ids).values_list(
                "product_model_id", *_VALUE_FIELDS
            ):
                model_values[row[0]].append(row[1:])
        categories = defaultdict(set)
        for product_id, category_id in Product.categories.through.objects.filter(
            _ids_condition("product_id", visible_ids)
        ).values_list("product_id", "category_id"):
            categories[("p", product_id)].add(category_id)
        if model_ids:
            for model_id, category_id in ProductModel.categories.through.objects.filter(
                productmodel_id__in=model_ids
            ).values_list("productmodel_id", "category_id"):
                categories[("m", model_id)].add(category_id)

        for product in products:
            model = models.get(product["product_model_id"])
            rows_by_attribute: dict[int, list] = {}
            if model is not None:
                for row in model_values[model["id"]]:
                    rows_by_attribute.setdefault(row[0], []).append(row)
            own: dict[int, list] = {}
            for row in own_values[product["id"]]:
                own.setdefault(row[0], []).append(row)
            rows_by_attribute.update(own)  # a variant's own value replaces the model's
            category_ids = categories[("p", product["id"])]
            if model is not None:
                category_ids = category_ids | categories[("m", model["id"])]
            result[product["id"]] = self._document(product, model, rows_by_attribute, category_ids, version)
        _add_downloads(result, public_asset_kinds(visible_ids))
        return result

    # --- terms of shared labels, analysed once per builder --------------------------------
    def _family_terms(self, family_id, family) -> frozenset[str]:
        terms = self._label_terms.get(("f", family_id))
        if terms is None:
            collected = set()
            for language, text in (family["name"] or {}).items():
                collected.update(index_token_set(text, language))
            for language, synonyms in (family.get("synonyms") or {}).items():
                for synonym in synonyms if isinstance(synonyms, list) else [synonyms]:
                    collected.update(index_token_set(str(synonym), language))
            terms = self._label_terms[("f", family_id)] = frozenset(collected)
        return terms

    def _category_terms(self, category_id) -> frozenset[str]:
        terms = self._label_terms.get(("c", category_id))
        if terms is None:
            category = self.categories.get(category_id) or {"name": {}}
            terms = self._label_terms[("c", category_id)] = frozenset(
                term
                for language, text in (category["name"] or {}).items()
                for term in index_token_set(text, language)
            )
        return terms

    def _option_terms(self, option_id) -> frozenset[str]:
        terms = self._label_terms.get(("o", option_id))
        if terms is None:
            option = self.options.get(option_id) or {"name": {}}
            terms = self._label_terms[("o", option_id)] = frozenset(
                term
                for language, label in (option["name"] or {}).items()
                for term in index_token_set(label, language)
            )
        return terms

    # --- one document ---------------------------------------------------------------------
    def _inherited(self, product, model, field):
        own = product[field] or {}
        if own or model is None:
            return own
        return model[field] or {}

    def _document(self, product, model, rows_by_attribute, category_ids, version) -> dict:
        names = self._inherited(product, model, "name")
        short = self._inherited(product, model, "short_description")
        long = self._inherited(product, model, "long_description")
        family = self.families.get(product["family_id"]) or {"code": "", "name": {}, "synonyms": {}}
        manufacturer = product["manufacturer_name"] or (model or {}).get("manufacturer_name", "")

        name_terms: set[str] = set()
        for language, text in names.items():
            name_terms.update(index_token_set(text, language))
        text_terms: set[str] = set(self._family_terms(product["family_id"], family))
        for source in (short, long):
            for language, text in (source or {}).items():
                text_terms.update(index_token_set(text, language))
        text_terms.update(index_token_set(manufacturer, None))
        if model is not None:
            text_terms.update(index_token_set(model["code"], None))
        for category_id in category_ids:
            text_terms.update(self._category_terms(category_id))

        attrs = []
        for attribute_id in sorted(rows_by_attribute):
            attribute = self.attributes.get(attribute_id)
            if attribute is None:
                continue
            kind = attribute["type"]
            for option_id, number, low, high, boolean, text, text_localized in (
                row[1:] for row in rows_by_attribute[attribute_id]
            ):
                if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM) and option_id:
                    attrs.append({"attr": attribute_id, "option": option_id})
                    if attribute["searchable"]:
                        text_terms.update(self._option_terms(option_id))
                elif kind == AttributeType.BOOLEAN and boolean is not None:
                    attrs.append({"attr": attribute_id, "b": bool(boolean)})
                elif kind == AttributeType.NUMBER and number is not None:
                    attrs.append({"attr": attribute_id, "n": float(number)})
                elif kind == AttributeType.RANGE and (low is not None or high is not None):
                    item = {"attr": attribute_id}  # a missing end is open
                    if low is not None:
                        item["lo"] = float(low)
                    if high is not None:
                        item["hi"] = float(high)
                    attrs.append(item)
                elif kind == AttributeType.TEXT and attribute["searchable"]:
                    if text_localized:
                        for language, value in text_localized.items():
                            text_terms.update(index_token_set(value, language))
                    if text:
                        text_terms.update(index_token_set(text, None))

        keys = sorted(
            {
                key
                for key in (
                    product["gtin"],
                    _normalize_key(product["manufacturer_pid"]),
                )
                if key
            }
        )
        return {
            "id": product["id"],
            "version": version,
            "article_key": product["article_number_key"],
            "keys": keys,
            "family_id": product["family_id"],
            "lifecycle": product["lifecycle"],
            "category_ids": sorted(category_ids),
            "sort_name": {lang: sort_key(localize(names, lang)) for lang in self.languages},
            "terms_name": sorted(name_terms),
            "terms_text": sorted(text_terms),
            "attrs": attrs,
            "listing": {
                "article_number": product["article_number"],
                "name": dict(names),
                "short_description": {
                    lang: text[:SHORT_DESCRIPTION_CHARS] for lang, text in (short or {}).items() if text
                },
                "family": {"code": family["code"], "name": family["name"]},
                "lifecycle": product["lifecycle"],
                "model": model["code"] if model else "",
                "manufacturer": manufacturer,
            },
        }


def _ids_condition(field: str, ids: list[int]) -> Q:
    """``field`` in ``ids`` (sorted ascending): as a range when they are dense (a rebuild's batches
    are), so the database gets two parameters instead of a thousand; callers ignore rows of
    ids they did not ask for."""
    if len(ids) > 50 and ids[-1] - ids[0] < 2 * len(ids):
        return Q(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]})
    return Q(**{f"{field}__in": ids})


def _normalize_key(value: str) -> str:
    return normalize_article_number(value or "")


def _add_downloads(documents: dict[int, dict | None], kinds: dict[int, set[str]]) -> None:
    """``downloads``: the kinds of public download a product offers (uploaded files and video
    links; not the generated datasheet every product has, see
    :func:`pim.assets.exchange.public_asset_kinds`), for the downloads filter and facet; the
    same list in ``listing`` for badges in a result list."""
    for product_id, document in documents.items():
        if document is not None:
            document["downloads"] = sorted(kinds.get(product_id, ()))
            document["listing"]["downloads"] = list(document["downloads"])
