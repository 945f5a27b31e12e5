"""What each column of a spreadsheet fills: the machine layout's headers, or a saved mapping.

A header of the machine layout (:mod:`pim.exports.layout`) names its target itself:
``name (de)``, ``max_pressure [bar]``, ``temperature_range min [°C]``, ``nominal_size unit``,
``net_list_price [EUR]``, ``packing_unit_1_gross_weight [kg]``. A supplier's own headers
("Bezeichnung", "Druck") are named by an :class:`~pim.imports.models.ImportMapping`, whose
``columns`` use the target grammar of :meth:`Target.mapping_target`; a header the mapping does
not name is read with the machine grammar, so a mapping only needs the columns that differ.

Attribute columns are found by the attribute's code, its ETIM code, or the name a channel
exports it under (when that name means one attribute in every channel). A column that names
nothing known is ignored with a warning, so a typo never passes unnoticed.
"""

from dataclasses import dataclass, field

from django.db.models import CharField, ForeignKey, TextField
from django.utils.translation import gettext as _

from pim.catalog.localization import content_languages
from pim.catalog.models import Attribute, AttributeType, PackingUnit, Product, ProductPrice, Unit
from pim.catalog.units import find_unit
from pim.exports.layout import (
    COMMERCIAL_COLUMNS,
    DECLARATION_COLUMNS,
    FIELD_COLUMNS,
    KEYWORDS_COLUMN,
    LOCALIZED_COLUMNS,
    LOGISTICS_COLUMNS,
    PACKING_UNIT_COLUMNS,
    PRICE_COLUMNS,
    REFERENCE_COLUMNS,
    REFERENCE_KINDS,
    TRADE_COLUMNS,
    Column,
    packing_unit_base,
    parse_header,
    parse_packing_unit_base,
)
from pim.exports.models import ChannelAttribute

from .records import ERROR, WARNING, Location, Problem

# The column the error file adds; a corrected error file is read again without it.
ERROR_COLUMN = "error"
ACTION_COLUMN = "action"
ARTICLE_NUMBER = "article_number"
CATEGORIES = "categories"

# Plain product fields a column may fill (references and categories have their own targets).
PRODUCT_FIELDS = (
    [name for name in FIELD_COLUMNS if name != ARTICLE_NUMBER]
    + [name for name in COMMERCIAL_COLUMNS if name != CATEGORIES]
    + TRADE_COLUMNS
    + DECLARATION_COLUMNS
    + list(LOGISTICS_COLUMNS)
)
LOCALIZED_FIELDS = [*LOCALIZED_COLUMNS, KEYWORDS_COLUMN]
PRICE_TYPES = {name.removesuffix("_price"): name for name in PRICE_COLUMNS}


def _is_text_field(model, name: str) -> bool:
    return isinstance(model._meta.get_field(name), CharField | TextField | ForeignKey)


# Fields whose cells are text even when a spreadsheet typed them as numbers (a GTIN or tariff
# number Excel turned into 4006381333931.0 is still the text "4006381333931").
TEXT_FIELDS = frozenset(name for name in PRODUCT_FIELDS if _is_text_field(Product, name))
TEXT_PACKING_FIELDS = frozenset(name for name in PACKING_UNIT_COLUMNS if _is_text_field(PackingUnit, name))


@dataclass(frozen=True)
class Target:
    """What one column fills.

    ``kind``: ``article_number``, ``action``, ``field`` (``name`` = Product field),
    ``localized`` (``name`` = field, ``language``), ``categories``, ``relation`` (``name`` =
    relation kind or ``successor``), ``price`` (``name`` = price type, ``unit`` = currency),
    ``packing_unit`` (``number``, ``name`` = PackingUnit field), ``attribute`` (``name`` = code,
    ``part`` = ``min``/``max`` for range ends, ``language`` for localized texts), ``unit_of``
    (``name`` = the header whose unit the cells give) or ``ignore``.
    """

    kind: str
    name: str = ""
    part: str = ""
    language: str = ""
    unit: str = ""
    number: int = 0

    @property
    def is_text(self) -> bool:
        """Whether the cells are text whatever type the spreadsheet gave them."""
        if self.kind in ("article_number", "action", "localized", "categories", "relation", "unit_of"):
            return True
        if self.kind == "field":
            return self.name in TEXT_FIELDS
        if self.kind == "packing_unit":
            return self.name in TEXT_PACKING_FIELDS
        return False

    def mapping_target(self) -> str:
        """The target in the grammar of :attr:`ImportMapping.columns` (``field:gtin``,
        ``localized:name:de``, ``attribute:temperature_range:min``, ``price:net_list``…)."""
        if self.kind in ("article_number", "action", "categories"):
            return f"field:{self.kind}"
        if self.kind == "relation":
            name = next((column for column, kind in REFERENCE_KINDS.items() if kind == self.name), self.name)
            return f"field:{name}"
        if self.kind == "packing_unit":
            return f"field:{packing_unit_base(self.number, self.name)}"
        if self.kind == "localized":
            return f"localized:{self.name}:{self.language}"
        if self.kind == "attribute":
            suffix = self.part or self.language
            return f"attribute:{self.name}:{suffix}" if suffix else f"attribute:{self.name}"
        if self.kind in ("field", "price", "unit_of"):
            return f"{self.kind}:{self.name}"
        return self.kind


IGNORE = Target("ignore")


@dataclass(frozen=True)
class AttributeInfo:
    """What reading a column needs to know of an attribute."""

    code: str
    type: str
    localizable: bool
    quantity_id: int | None

    @property
    def has_options(self) -> bool:
        return self.type in (AttributeType.ENUM, AttributeType.MULTI_ENUM)

    @property
    def is_range(self) -> bool:
        return self.type == AttributeType.RANGE

    @property
    def is_localized_text(self) -> bool:
        return self.type == AttributeType.TEXT and self.localizable


@dataclass
class ColumnPlan:
    """The target of every column of a file (``None``: the column is skipped) and what was
    wrong with the header row."""

    targets: list[Target | None]
    attributes: dict[str, AttributeInfo] = field(default_factory=dict)
    # attribute code -> {label in the file (casefolded): option code}, from the mapping
    options: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(problem.severity == ERROR for problem in self.problems)


class _Names:
    """The catalog's attributes by code, ETIM code and channel export name (one query each)."""

    def __init__(self):
        self.by_code: dict[str, AttributeInfo] = {}
        etim: dict[str, set[str]] = {}
        for code, etim_code, kind, localizable, quantity_id in Attribute.objects.values_list(
            "code", "etim_code", "type", "localizable", "quantity_id"
        ):
            self.by_code[code] = AttributeInfo(code, kind, localizable, quantity_id)
            if etim_code:
                etim.setdefault(etim_code, set()).add(code)
        exported: dict[str, set[str]] = {}
        for name, code in ChannelAttribute.objects.exclude(export_name="").values_list(
            "export_name", "attribute__code"
        ):
            exported.setdefault(name, set()).add(code)
        # A name that means two attributes (two channels, two meanings) names none.
        self.aliases = {name: codes.pop() for name, codes in {**etim, **exported}.items() if len(codes) == 1}
        self.bases = set(self.by_code) | set(self.aliases)

    def attribute(self, name: str) -> AttributeInfo | None:
        info = self.by_code.get(name)
        if info is None and name in self.aliases:
            info = self.by_code.get(self.aliases[name])
        return info


def plan_columns(
    headers: list[str], *, mapping=None, sheet: str = "", file: str = "", row: int = 1
) -> ColumnPlan:
    """The :class:`ColumnPlan` of a header row: each header through the mapping's
    ``columns`` when it names it, else through the machine layout's grammar."""
    names = _Names()
    languages = content_languages()
    plan = ColumnPlan(targets=[])
    mapped = _mapping_columns(mapping)

    def problem(message, header="", severity=ERROR):
        plan.problems.append(
            Problem(message, Location(file=file, sheet=sheet, row=row, column=header), severity, value=header)
        )

    for header in headers:
        entry = mapped.get(header) or mapped.get(header.strip().casefold())
        if not header.strip():
            plan.targets.append(None)
            continue
        if header == ERROR_COLUMN and entry is None:
            plan.targets.append(None)  # the error file's own column
            continue
        if entry is not None:
            target = _mapped_target(entry, header, names, languages, problem)
        else:
            target = _layout_target(header, names, languages, problem)
        if target is not None and target.kind == "attribute":
            info = names.attribute(target.name)
            target = Target("attribute", info.code, target.part, target.language, target.unit)
            plan.attributes[info.code] = info
            target = _checked_attribute_target(target, info, header, languages, problem)
        elif target is not None and target.kind == "localized" and target.language not in languages:
            _unknown_language(header, target.language, languages, problem)
            target = None
        plan.targets.append(None if target is None or target.kind == "ignore" else target)

    _check_unit_columns(plan, headers, problem)
    _check_duplicates(plan, headers, problem)
    _check_units(plan, headers, problem)
    if not any(target and target.kind == "article_number" for target in plan.targets):
        problem(
            _(
                "The file has no column “article_number”: every row needs the article number that "
                "identifies the product. Add the column, or map the column that holds it."
            )
        )
    if mapping is not None:
        for code, labels in (mapping.options or {}).items():
            plan.options[code] = {
                str(label).strip().casefold(): str(option) for label, option in labels.items()
            }
    return plan


def _mapping_columns(mapping) -> dict:
    """The mapping's column entries by header and by folded header."""
    if mapping is None:
        return {}
    entries = {}
    for header, entry in (mapping.columns or {}).items():
        if isinstance(entry, str):
            entry = {"target": entry}
        entries[header] = entry
        entries.setdefault(header.strip().casefold(), entry)
    return entries


def _layout_target(header, names, languages, problem) -> Target | None:
    """The target of a header of the machine layout (or of a file that uses its grammar)."""
    try:
        column = parse_header(header, names=names.bases)
    except ValueError:
        column = Column(base=header.strip())
    base = column.base
    if base == ARTICLE_NUMBER and not column.part:
        return Target("article_number")
    if base == ACTION_COLUMN and not column.part:
        return Target("action")
    target = _named_target(base, column, languages)
    if target is not None:
        return target
    if names.attribute(base) is not None:
        if column.part == "unit":
            return Target("unit_of", f"attribute:{names.attribute(base).code}")
        return Target("attribute", base, column.part, column.language, column.unit)
    problem(
        _(
            "Column “%(header)s” is ignored: it names no field or attribute of the catalog. Check "
            "the spelling of the attribute code, or map the column in an import mapping."
        )
        % {"header": header},
        header,
        WARNING,
    )
    return None


def _named_target(base: str, column: Column, languages) -> Target | None:
    """The target of a field, localized field, price, reference or packing-unit base."""
    packing = parse_packing_unit_base(base)
    if column.part == "unit":
        if base in PRODUCT_FIELDS:
            return Target("unit_of", f"field:{base}")
        if packing is not None:
            return Target("unit_of", f"packing_unit:{packing[0]}:{packing[1]}")
        return None
    if column.part:
        return None
    if base in LOCALIZED_FIELDS:
        return Target("localized", base, language=column.language or languages[0])
    if base == CATEGORIES:
        return Target("categories")
    if base in REFERENCE_COLUMNS:
        return Target("relation", REFERENCE_KINDS.get(base, "successor"))
    if base in PRICE_COLUMNS:
        return Target("price", base.removesuffix("_price"), unit=column.unit)
    if base in PRODUCT_FIELDS:
        return Target("field", base, unit=column.unit or LOGISTICS_COLUMNS.get(base, ""))
    if packing is not None:
        number, name = packing
        return Target("packing_unit", name, unit=column.unit or PACKING_UNIT_COLUMNS[name], number=number)
    return None


def _mapped_target(entry: dict, header, names, languages, problem) -> Target | None:
    """The target a mapping entry (``{"target": …, "unit": …}``) gives a column."""
    text = str(entry.get("target") or "ignore").strip()
    unit = str(entry.get("unit") or "").strip()
    kind, _sep, rest = text.partition(":")
    parts = rest.split(":") if rest else []
    target = None
    if kind == "ignore":
        return IGNORE
    if kind == "field" and len(parts) == 1:
        name = parts[0]
        if name == ARTICLE_NUMBER:
            return Target("article_number")
        if name == ACTION_COLUMN:
            return Target("action")
        target = _named_target(name, Column(base=name, unit=unit), languages)
        if target is not None and target.kind == "localized":
            target = None  # localized fields need a language: localized:<field>:<lang>
    elif kind == "localized" and len(parts) == 2 and parts[0] in LOCALIZED_FIELDS:
        target = Target("localized", parts[0], language=parts[1])
    elif kind == "price" and len(parts) == 1 and parts[0] in PRICE_TYPES:
        target = Target("price", parts[0], unit=unit)
    elif kind == "attribute" and 1 <= len(parts) <= 2 and names.attribute(parts[0]) is not None:
        suffix = parts[1] if len(parts) == 2 else ""
        part = suffix if suffix in ("min", "max") else ""
        language = suffix if suffix and not part else ""
        target = Target("attribute", parts[0], part, language, unit)
    elif kind == "unit_of" and rest:
        target = Target("unit_of", f"header:{rest}")
    if target is None:
        problem(
            _(
                "The import mapping gives column “%(header)s” the target “%(target)s”, which names no "
                "field or attribute of the catalog. Correct the mapping."
            )
            % {"header": header, "target": text},
            header,
        )
        return None
    if unit and target.kind in ("field", "packing_unit") and not target.unit:
        target = Target(target.kind, target.name, target.part, target.language, unit, target.number)
    return target


def _checked_attribute_target(target: Target, info: AttributeInfo, header, languages, problem):
    """Range ends only on ranges, languages only on localized texts and known languages."""
    if target.part and not info.is_range:
        problem(
            _(
                "Column “%(header)s” is ignored: %(code)s is not a range attribute, so it has no "
                "“min” or “max” end. Name the column after the attribute alone."
            )
            % {"header": header, "code": info.code},
            header,
            WARNING,
        )
        return None
    if info.is_localized_text:
        language = target.language or languages[0]
        if language not in languages:
            problem(
                _(
                    "Column “%(header)s” is ignored: %(language)s is not a language of the catalog (%(languages)s)."
                )
                % {"header": header, "language": language, "languages": ", ".join(languages)},
                header,
                WARNING,
            )
            return None
        return Target("attribute", info.code, language=language)
    if target.language:
        problem(
            _(
                "Column “%(header)s” is ignored: %(code)s has one value for all languages. Name the "
                "column without “(%(language)s)”."
            )
            % {"header": header, "code": info.code, "language": target.language},
            header,
            WARNING,
        )
        return None
    return target


def _unknown_language(header, language, languages, problem) -> None:
    problem(
        _("Column “%(header)s” is ignored: %(language)s is not a language of the catalog (%(languages)s).")
        % {"header": header, "language": language, "languages": ", ".join(languages)},
        header,
        WARNING,
    )


def _check_unit_columns(plan: ColumnPlan, headers, problem) -> None:
    """Point each unit column at the field or attribute whose unit it gives."""
    for index, target in enumerate(plan.targets):
        if target is None or target.kind != "unit_of":
            continue
        reference = target.name
        if reference.startswith("header:"):
            other = reference.removeprefix("header:")
            found = next(
                (plan.targets[i] for i, header in enumerate(headers) if header == other and plan.targets[i]),
                None,
            )
            if found is None or found.kind not in ("attribute", "field", "packing_unit"):
                problem(
                    _(
                        "Column “%(header)s” is to give the unit of column “%(other)s”, but that column "
                        "is not in the file or holds no measurement. Correct the mapping."
                    )
                    % {"header": headers[index], "other": other},
                    headers[index],
                )
                plan.targets[index] = None
                continue
            reference = (
                f"{found.kind}:{found.name}"
                if found.kind != "packing_unit"
                else (f"packing_unit:{found.number}:{found.name}")
            )
            plan.targets[index] = Target("unit_of", reference)


def _check_duplicates(plan: ColumnPlan, headers, problem) -> None:
    seen: dict[Target, str] = {}
    for header, target in zip(headers, plan.targets, strict=True):
        if target is None:
            continue
        key = Target(target.kind, target.name, target.part, target.language, number=target.number)
        if key.kind == "price":
            key = Target("price", target.name, unit=target.unit)
        if key in seen:
            if seen[key] == header:
                message = _(
                    "Column “%(header)s” is in the file twice. Remove one of them, so it is clear which "
                    "value is meant."
                ) % {"header": header}
            else:
                message = _(
                    "Columns “%(first)s” and “%(header)s” both give %(target)s. Remove one of them or "
                    "map it to something else."
                ) % {"first": seen[key], "header": header, "target": target.mapping_target()}
            problem(message, header)
        else:
            seen[key] = header


def _check_units(plan: ColumnPlan, headers, problem) -> None:
    """A unit in a header must be one of the attribute's quantity (else every row would fail
    on it); a price needs a currency."""
    units_of: dict[int, list] = {}
    for index, (header, target) in enumerate(zip(headers, plan.targets, strict=True)):
        if target is None:
            continue
        if target.kind == "price" and not target.unit:
            currency = ProductPrice._meta.get_field("currency").default
            problem(
                _(
                    "Column “%(header)s” names no currency; %(currency)s is assumed. Write it in the "
                    "header, e.g. “net_list_price [EUR]”."
                )
                % {"header": header, "currency": currency},
                header,
                WARNING,
            )
            plan.targets[index] = Target("price", target.name, unit=currency)
            continue
        if target.kind != "attribute" or not target.unit:
            continue
        info = plan.attributes[target.name]
        if info.quantity_id is None:
            problem(
                _(
                    "The unit “%(unit)s” in column “%(header)s” is ignored: %(code)s is a plain number "
                    "without a unit."
                )
                % {"unit": target.unit, "header": header, "code": info.code},
                header,
                WARNING,
            )
            plan.targets[index] = Target("attribute", target.name, target.part, target.language)
            continue
        if info.quantity_id not in units_of:
            units_of[info.quantity_id] = list(Unit.objects.filter(quantity_id=info.quantity_id))
        if find_unit(target.unit, units_of[info.quantity_id]) is None:
            symbols = ", ".join(unit.symbol for unit in units_of[info.quantity_id][:12])
            problem(
                _(
                    "The unit “%(unit)s” in column “%(header)s” is not a unit the catalog knows for "
                    "%(code)s. Write one of: %(units)s."
                )
                % {"unit": target.unit, "header": header, "code": info.code, "units": symbols},
                header,
            )
