"""Writing products through the API: a JSON body becomes the record every import reader makes
(:class:`~pim.imports.records.IncomingProduct`), planned and committed by the import itself, so
the API validates with the same services and messages as the spreadsheet and BMEcat imports and
follows the same draft rule (:mod:`pim.imports.committing`): a new product arrives as a draft,
a change to a published product is a draft revision unless ``publish`` is asked, and every
write is a revision attributed to the token's owner.

Every raw value carries a :class:`~pim.imports.records.Location` whose ``column`` is the
value's JSON path (``values.max_pressure``, ``prices[0].amount``), so a problem of the planner
names the field of the request it came from.

Only what the body states is changed (as with an import file): a key the body leaves out keeps
its stored value; ``null`` or ``""`` clears it. The API is stricter than an import in one way:
a problem the import reports as a warning and skips (an unknown field, a relation to an article
that is not in the catalog) makes the item invalid, because a client cannot see skipped parts.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from pim.catalog.identifiers import normalize_article_number
from pim.catalog.models import Product, ProductPrice, RelationKind
from pim.imports.columns import LOCALIZED_FIELDS, PRODUCT_FIELDS
from pim.imports.committing import apply
from pim.imports.planning import CREATE, INVALID, UNCHANGED, UPDATE, Planner
from pim.imports.records import (
    WARNING,
    IncomingPackingUnit,
    IncomingPrice,
    IncomingProduct,
    Location,
    Problem,
    Raw,
)

CREATED = "created"
UPDATED = "updated"
STATUS_UNCHANGED = "unchanged"
STATUS_INVALID = "invalid"
STATUS_CHOICES = (CREATED, UPDATED, STATUS_UNCHANGED, STATUS_INVALID)
_STATUS = {CREATE: CREATED, UPDATE: UPDATED, UNCHANGED: STATUS_UNCHANGED, INVALID: STATUS_INVALID}

# Most products one bulk request may carry: a request stays well under a web worker's timeout.
BULK_LIMIT = 1000

SUCCESSOR = "successor"
PRICE_TYPES = tuple(ProductPrice.PriceType.values)
PRICE_KEYS = ("price_type", "currency", "amount", "min_quantity", "valid_from", "valid_to", "tax_rate")
PACKING_KEYS = ("code", "quantity", "gtin", "gross_weight", "length", "width", "height", "package_break")
# Every key a product body may have.
BODY_KEYS = frozenset(
    [*PRODUCT_FIELDS, *LOCALIZED_FIELDS, "values", "prices", "categories", "relations", SUCCESSOR]
    + ["packing_units", "article_number"]
)
_SCALARS = (str, int, float, bool, Decimal)


@dataclass
class FieldError:
    """One problem of a request, at the JSON path of the value it is about (``None``: the
    product as a whole)."""

    field: str | None
    message: str
    value: str = ""

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message, "value": self.value}


@dataclass
class WriteResult:
    """What happened to one product: ``created``, ``updated``, ``unchanged`` or ``invalid``."""

    article_number: str
    status: str
    product: Product | None = None
    errors: list[FieldError] = field(default_factory=list)


def _unstorable_texts(value, path: str | None = None) -> list[FieldError]:
    """Field errors for the texts in ``value`` (a JSON body, keys included) that contain a NUL
    character or an unpaired surrogate: JSON may carry them, no database column stores them."""
    if isinstance(value, str):
        if any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in value):
            shown = value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
            return [
                FieldError(
                    path, _("The text contains a NUL character or an invalid Unicode character."), shown
                )
            ]
        return []
    errors = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            key_path = f"{path}.{key}" if path else str(key)
            errors += _unstorable_texts(key, key_path) or _unstorable_texts(item, key_path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            errors += _unstorable_texts(item, f"{path}[{index}]" if path else f"[{index}]")
    return errors


class _Reader:
    """Turns one JSON body into an IncomingProduct, collecting shape errors (a value of the
    wrong JSON type) that the planner cannot name."""

    def __init__(self, article_number: str, body):
        self.errors: list[FieldError] = []
        self.item = IncomingProduct(article_number=Raw(article_number, Location(column="article_number")))
        # Texts no database column can hold are refused before anything reads them.
        self.unstorable = _unstorable_texts(article_number, "article_number") + _unstorable_texts(body)
        if self.unstorable:
            self.errors += self.unstorable
            return
        if article_number:
            # The import takes article numbers as its files give them; the API checks the
            # model field's own rules (length, characters) before a new number is stored.
            try:
                Product._meta.get_field("article_number").clean(article_number, None)
            except ValidationError as exc:
                self.wrong("article_number", " ".join(exc.messages), article_number)
        if not isinstance(body, Mapping):
            self.errors.append(FieldError(None, _("The product must be a JSON object.")))
            return
        self.read(body)

    def wrong(self, path: str, message: str, value=None) -> None:
        shown = "" if value is None else value if isinstance(value, str) else json.dumps(value, default=str)
        self.errors.append(FieldError(path, str(message), shown))

    @staticmethod
    def raw(path: str, value, unit: str = "") -> Raw:
        return Raw(value, Location(column=path), unit)

    def scalar(self, path: str, value) -> bool:
        if value is None or isinstance(value, _SCALARS):
            return True
        self.wrong(path, _("Expected a text, a number, true/false or null."), value)
        return False

    def read(self, body: Mapping) -> None:
        item = self.item
        for key, value in body.items():
            if key not in BODY_KEYS:
                self.wrong(
                    key,
                    _("Unknown field “%(field)s”. Product fields are: %(fields)s.")
                    % {"field": key, "fields": ", ".join(sorted(BODY_KEYS))},
                )
            elif key == "article_number":
                if value is not None and str(value).strip() != item.number:
                    self.wrong(
                        key,
                        _(
                            "The article number in the body differs from the one in the URL; "
                            "article numbers cannot be changed through the API."
                        ),
                        value,
                    )
            elif key in LOCALIZED_FIELDS:
                self.read_localized(key, value)
            elif key == "values":
                self.read_values(value)
            elif key == "prices":
                self.read_prices(value)
            elif key == "categories":
                if self.list_of_scalars(key, value):
                    item.categories = [self.raw(f"{key}[{n}]", code) for n, code in enumerate(value or [])]
            elif key == "relations":
                self.read_relations(value)
            elif key == SUCCESSOR:
                if self.scalar(key, value):
                    item.relations = item.relations or {}
                    item.relations[SUCCESSOR] = [self.raw(key, value)]
            elif key == "packing_units":
                self.read_packing_units(value)
            elif self.scalar(key, value):
                item.fields[key] = self.raw(key, value)

    def list_of_scalars(self, path: str, value) -> bool:
        if value is None:
            return True
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            self.wrong(path, _("Expected a list of codes or article numbers."), value)
            return False
        return True

    def read_localized(self, key: str, value) -> None:
        if value is None:
            value = dict.fromkeys(_languages())  # null clears every language
        elif isinstance(value, str):
            value = {"": value}  # a plain text is the site's default language, as the catalog reads it
        if not isinstance(value, Mapping):
            self.wrong(key, _('Expected an object of language code to text, e.g. {"en": "…"}.'), value)
            return
        by_language = {}
        for language, text in value.items():
            path = f"{key}.{language}" if language else key
            if language and language not in _languages():
                self.wrong(
                    path,
                    _("“%(language)s” is not a catalog language; use one of: %(languages)s.")
                    % {"language": language, "languages": ", ".join(_languages())},
                )
            elif self.scalar(path, text):
                by_language[language or _languages()[0]] = self.raw(path, text)
        self.item.localized[key] = by_language

    def read_values(self, value) -> None:
        if not isinstance(value, Mapping):
            self.wrong("values", _("Expected an object of attribute code to value."), value)
            return
        for code, given in value.items():
            path = f"values.{code}"
            if isinstance(given, Mapping) and set(given) <= {"min", "max"} and given:
                # A range: {"min": "-10 °C", "max": "120 °C"}; a missing end is open.
                if self.scalar(f"{path}.min", given.get("min")) and self.scalar(
                    f"{path}.max", given.get("max")
                ):
                    self.item.values[code] = self.raw(path, (given.get("min"), given.get("max")))
            elif isinstance(given, Mapping):
                # A localized text: {"en": "…", "de": "…"}.
                if all(self.scalar(f"{path}.{language}", text) for language, text in given.items()):
                    self.item.values[code] = self.raw(path, dict(given))
            elif isinstance(given, list):
                # Options of a multiple choice, or a range as [low, high].
                if all(self.scalar(f"{path}[{n}]", v) for n, v in enumerate(given)):
                    self.item.values[code] = self.raw(path, list(given))
            elif self.scalar(path, given):
                self.item.values[code] = self.raw(path, given)

    def read_prices(self, value) -> None:
        if value is None:
            value = []
        if not isinstance(value, list):
            self.wrong("prices", _("Expected a list of prices."), value)
            return
        prices = []
        for n, price in enumerate(value):
            path = f"prices[{n}]"
            if not isinstance(price, Mapping):
                self.wrong(path, _("Expected a price object with price_type, currency and amount."), price)
                continue
            unknown = sorted(set(price) - set(PRICE_KEYS))
            if unknown:
                self.wrong(
                    f"{path}.{unknown[0]}",
                    _("Unknown price field; a price has: %(fields)s.") % {"fields": ", ".join(PRICE_KEYS)},
                )
                continue
            if price.get("price_type") not in PRICE_TYPES:
                self.wrong(
                    f"{path}.price_type",
                    _("The price type must be one of: %(types)s.") % {"types": ", ".join(PRICE_TYPES)},
                    price.get("price_type"),
                )
                continue
            if not isinstance(price.get("currency"), str) or not price.get("currency"):
                self.wrong(f"{path}.currency", _("Give the currency as an ISO 4217 code such as EUR."))
                continue
            if not all(self.scalar(f"{path}.{key}", price.get(key)) for key in PRICE_KEYS):
                continue
            prices.append(
                IncomingPrice(
                    price["price_type"],
                    price["currency"],
                    self.raw(f"{path}.amount", price.get("amount")),
                    **{
                        key: self.raw(f"{path}.{key}", price[key])
                        for key in ("min_quantity", "valid_from", "valid_to", "tax_rate")
                        if key in price
                    },
                )
            )
        self.item.prices = prices
        # The body states the whole price list of each currency it names (tiers and future
        # prices included): what is not listed for that currency is removed.
        self.item.prices_replace_all = True

    def read_relations(self, value) -> None:
        if not isinstance(value, Mapping):
            self.wrong("relations", _("Expected an object of relation kind to article numbers."), value)
            return
        relations = self.item.relations or {}
        for kind, numbers in value.items():
            path = f"relations.{kind}"
            if kind not in RelationKind.values:
                self.wrong(
                    path,
                    _("Unknown relation kind; use one of: %(kinds)s.")
                    % {"kinds": ", ".join(RelationKind.values)},
                )
            elif self.list_of_scalars(path, numbers):
                relations[kind] = [
                    self.raw(f"{path}[{n}]", str(number)) for n, number in enumerate(numbers or [])
                ]
        self.item.relations = relations

    def read_packing_units(self, value) -> None:
        if value is None:
            value = []
        if not isinstance(value, list):
            self.wrong("packing_units", _("Expected a list of packing units."), value)
            return
        units = []
        for n, unit in enumerate(value):
            path = f"packing_units[{n}]"
            if not isinstance(unit, Mapping) or set(unit) - set(PACKING_KEYS):
                self.wrong(
                    path,
                    _("Expected a packing unit object with: %(fields)s.")
                    % {"fields": ", ".join(PACKING_KEYS)},
                    unit,
                )
                continue
            if all(self.scalar(f"{path}.{key}", v) for key, v in unit.items()):
                units.append(
                    IncomingPackingUnit(fields={key: self.raw(f"{path}.{key}", v) for key, v in unit.items()})
                )
        self.item.packing_units = units


def _languages() -> list[str]:
    """The catalog's languages, the site's default first (a plain text is in that one)."""
    default = settings.LANGUAGE_CODE.split("-")[0]
    return [default, *(code for code in settings.PIM_LANGUAGES if code != default)]


def _field_error(problem: Problem, deferred: bool) -> FieldError:
    column = problem.location.column or None
    message = problem.message
    if deferred and problem.severity == WARNING and column and column.startswith(("relations.", SUCCESSOR)):
        message = _("“%(number)s” is not in the catalog: create that product first, then relate to it.") % {
            "number": problem.value
        }
    return FieldError(column, message, problem.value)


def write_products(bodies: list[tuple[str, object]], *, user, publish: bool) -> list[WriteResult]:
    """Create or update products from ``(article number, JSON body)`` pairs, in order, each in
    its own transaction: an invalid one is reported and the others are written. Revisions are
    by ``user``; see the module docstring for drafts and publishing."""
    readers, seen, duplicates = [], set(), set()
    for index, (number, body) in enumerate(bodies):
        key = normalize_article_number(str(number or ""))
        if key and key in seen:
            duplicates.add(index)
        seen.add(key)
        readers.append(_Reader(str(number or "").strip(), body))
    # One planner for the request: families, attributes and units are read once, the stored
    # products of all items with a fixed number of queries.
    planner = Planner(user=user, drafts=not publish)
    # Items with texts no database can hold are answered without being planned (nothing looks them up).
    duplicates |= {index for index, reader in enumerate(readers) if reader.unstorable}
    planned = iter(planner.plan_batch([r.item for n, r in enumerate(readers) if n not in duplicates]))
    results = []
    for index, reader in enumerate(readers):
        number = reader.item.number
        if reader.unstorable:
            results.append(WriteResult(number, STATUS_INVALID, errors=reader.errors))
            continue
        if index in duplicates:
            message = _(
                "This article number is already an earlier item of the request; send each product once."
            )
            results.append(
                WriteResult(number, STATUS_INVALID, errors=[FieldError("article_number", message, number)])
            )
            continue
        change = next(planned)
        deferred = bool(change.deferred_relations)
        errors = reader.errors + [_field_error(problem, deferred) for problem in change.problems]
        if errors:
            results.append(WriteResult(number, STATUS_INVALID, change.product, errors))
            continue
        try:
            product = apply(change, user=user, publish=publish)
        except IntegrityError:
            # Another request created or changed the same article between planning and
            # writing (apply's transaction is rolled back): the client sends it again.
            message = _("This product was written by another request at the same time; send it again.")
            results.append(WriteResult(number, STATUS_INVALID, errors=[FieldError(None, message, number)]))
            continue
        results.append(WriteResult(number, _STATUS[change.action], product))
    return results
