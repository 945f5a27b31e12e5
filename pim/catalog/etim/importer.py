"""Writes the ETIM model into the catalog: classes → families, features → attributes,
values → options, units → units.

Mapping:

- **Class** (``EC…``) → :class:`Family` with ``code`` = ``etim_class_code`` = the class code,
  ``etim_version`` = the release (``6.0``; exports write ``ETIM-6.0`` from it),
  ``etim_group_code``, ``name`` and ``synonyms`` per language. Classes ETIM marks as deleted
  in the release are skipped, as are deleted features and values inside a class.
- **Feature** (``EF…``) → :class:`Attribute` with ``code`` = ``etim_code`` = the feature code and
  the type: Alphanumeric → enumeration, Logical → yes/no, Numeric → number, Range → range
  (an enumeration an editor made multi-valued stays so).
  A number or range attribute gets the quantity most classes give it a unit of (over all
  classes, so the result does not depend on the selection; a tie goes to the first use in
  the file) and as display unit the first unit ETIM gives the feature in that quantity:
  "power consumption" (EF000346) is VA in the file's first class but W or kW in most, and
  taking the first use made every class's watts a unit conflict. An attribute that already
  has a quantity keeps it (stored values are canonical in it) and its display unit if that
  is of the quantity.
- **Value** (``EV…``) → :class:`AttributeOption` of each alphanumeric attribute whose class
  value lists name it (``code`` = ``etim_code`` = the value code), ordered by its position in
  the first list that names it.
- **Class feature** → :class:`FamilyAttribute` with ``sort_order`` = the ETIM order number,
  ``allowed_options`` = exactly the class's value list, ``display_unit`` = the class's unit
  when it is of the attribute's quantity. A class unit of another quantity is a *unit
  conflict*: the family attribute falls back to the attribute's unit and the conflict is
  reported. New family attributes go into the attribute group ``etim`` ("Technical data");
  an editor's regrouping is left alone afterwards.
- **Units** → see :mod:`.unit_mapping`.

Labels are taken for the languages in ``settings.PIM_LANGUAGES`` (ETIM's ``de-DE`` → ``de``)
and merged into existing labels, so other languages an editor added stay. Nothing is
deleted except allowed-option links a class no longer lists.

The import is idempotent (a second run reports nothing created or updated: every row is
compared before it is written), batched (existing rows are fetched by code in chunks,
written with ``bulk_create``/``bulk_update``) and atomic (one transaction; the XML is read
and validated completely before the first write).
"""

import logging
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from ..models import (
    Attribute,
    AttributeGroup,
    AttributeOption,
    AttributeType,
    Family,
    FamilyAttribute,
    Quantity,
    Unit,
)
from ..models.attributes import ENUM_TYPES, NUMERIC_TYPES
from .reader import (
    EtimClass,
    EtimFeature,
    EtimFormatError,
    EtimGroup,
    EtimHeader,
    EtimUnit,
    EtimValue,
    read_ixf,
)
from .unit_mapping import UnitMapper

logger = logging.getLogger(__name__)

ETIM_TYPES = {
    "Alphanumeric": AttributeType.ENUM,
    "Logical": AttributeType.BOOLEAN,
    "Numeric": AttributeType.NUMBER,
    "Range": AttributeType.RANGE,
}
ATTRIBUTE_GROUP_CODE = "etim"
ATTRIBUTE_GROUP_NAME = {"en": "Technical data", "de": "Technische Daten"}
NEW_UNIT_SORT_ORDER = 1000
BATCH_SIZE = 500

KINDS = {
    "quantities": gettext_lazy("quantities"),
    "units": gettext_lazy("units"),
    "attribute_groups": gettext_lazy("attribute groups"),
    "attributes": gettext_lazy("attributes"),
    "options": gettext_lazy("options"),
    "families": gettext_lazy("families"),
    "family_attributes": gettext_lazy("family attributes"),
    "allowed_options": gettext_lazy("allowed-option links"),
}


class EtimSelectionError(Exception):
    """A requested class or group is not in the file (or is deleted there)."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


@dataclass(frozen=True)
class UnitConflict:
    class_code: str
    feature_code: str
    unit_code: str
    unit_quantity: str
    attribute_quantity: str

    def __str__(self):
        return _(
            "%(feature)s in %(cls)s: the class unit %(unit)s is %(unit_quantity)s, "
            "the attribute's quantity is %(attribute_quantity)s"
        ) % {
            "feature": self.feature_code,
            "cls": self.class_code,
            "unit": self.unit_code,
            "unit_quantity": self.unit_quantity,
            "attribute_quantity": self.attribute_quantity or "-",
        }


@dataclass
class ImportSummary:
    source: str = ""
    release: str = ""
    classes: int = 0
    deleted_classes_skipped: int = 0
    counts: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in KINDS})
    conflicts: list[UnitConflict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated or c.deleted for c in self.counts.values())

    def lines(self, verbose: bool = False) -> list[str]:
        lines = [
            _("ETIM %(release)s from %(source)s: %(classes)s classes imported.")
            % {"release": self.release or "?", "source": self.source, "classes": self.classes}
        ]
        if self.deleted_classes_skipped:
            lines.append(
                _("%(count)s classes marked deleted in this release were skipped.")
                % {"count": self.deleted_classes_skipped}
            )
        for kind, label in KINDS.items():
            counts = self.counts[kind]
            text = _("%(label)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
                "label": label,
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
            }
            if counts.deleted:
                text += _(", %(deleted)s removed") % {"deleted": counts.deleted}
            lines.append("  " + text)
        if self.conflicts:
            lines.append(
                _(
                    "%(count)s unit conflicts (a class gives a feature a unit of another quantity "
                    "than the attribute's; the family attribute uses the attribute's unit):"
                )
                % {"count": len(self.conflicts)}
            )
            shown = self.conflicts if verbose else self.conflicts[:10]
            lines.extend(f"  - {conflict}" for conflict in shown)
            if len(shown) < len(self.conflicts):
                lines.append(
                    "  "
                    + _("… and %(count)s more (verbosity 2 lists all).")
                    % {"count": len(self.conflicts) - len(shown)}
                )
        return lines


@dataclass
class EtimModel:
    """What the importer keeps of the file: all units, features, values and groups (small),
    the selected classes, and two facts about all classes that keep the result independent
    of the selection."""

    source: str = ""
    release: str = ""
    units: dict[str, EtimUnit] = field(default_factory=dict)
    features: dict[str, EtimFeature] = field(default_factory=dict)
    values: dict[str, EtimValue] = field(default_factory=dict)
    groups: dict[str, EtimGroup] = field(default_factory=dict)
    classes: list[EtimClass] = field(default_factory=list)
    # feature → the units classes give it, distinct, in file order (all live classes)
    feature_units: dict[str, list[str]] = field(default_factory=dict)
    # feature → unit → how many live classes give the feature that unit
    feature_unit_classes: dict[str, Counter] = field(default_factory=dict)
    # (feature, value) → order number in the first class list naming it (all live classes)
    value_order: dict[tuple[str, str], int] = field(default_factory=dict)
    deleted_classes_skipped: int = 0
    selected_all: bool = True  # no --classes/--groups: every unit of the file is imported


def import_etim(
    path: str | Path | None = None,
    *,
    classes: Collection[str] | None = None,
    groups: Collection[str] | None = None,
    progress: bool = False,
    languages: Collection[str] | None = None,
) -> ImportSummary:
    """Import the ETIM model at ``path`` (zip or xml; default ``settings.PIM_ETIM_ARCHIVE``).

    ``classes``/``groups`` restrict the import to those classes and the classes of those
    groups (both given: either); only their features, values and units are written.
    Raises :class:`~.reader.EtimFormatError` (bad file) or :class:`EtimSelectionError`;
    in both cases nothing has been written.
    """
    path = Path(path or settings.PIM_ETIM_ARCHIVE)
    languages = list(languages or settings.PIM_LANGUAGES)
    model = load_model(path, classes=classes, groups=groups, languages=languages, progress=progress)
    summary = ImportSummary(
        source=model.source,
        release=model.release,
        classes=len(model.classes),
        deleted_classes_skipped=model.deleted_classes_skipped,
    )
    with transaction.atomic():
        _Writer(model, summary, progress=progress).write()
    for conflict in summary.conflicts:
        logger.debug("ETIM unit conflict: %s", conflict)
    return summary


# --- reading --------------------------------------------------------------------------------


def load_model(
    path: str | Path,
    *,
    classes: Collection[str] | None = None,
    groups: Collection[str] | None = None,
    languages: Collection[str] | None = None,
    progress: bool = False,
) -> EtimModel:
    """Stream and validate the file and keep what the import needs (see :class:`EtimModel`)."""
    wanted_classes = set(classes or ())
    wanted_groups = set(groups or ())
    select_all = not wanted_classes and not wanted_groups
    model = EtimModel(source=str(path), selected_all=select_all)
    seen: dict[str, EtimClass | None] = {}
    with _progress_bar(progress, _("Reading ETIM"), unit="B", unit_scale=True) as bar:

        def advance(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
            bar.update(done)

        for record in read_ixf(path, languages=languages, progress=advance):
            if isinstance(record, EtimClass):
                if not record.deleted:
                    _check_references(model, record)
                selected = select_all or record.code in wanted_classes or record.group_code in wanted_groups
                if record.deleted:
                    seen[record.code] = None
                    if selected:
                        model.deleted_classes_skipped += 1
                    continue
                seen[record.code] = record
                live = _live_features(record)
                for feature in live:
                    if feature.unit_code:
                        units = model.feature_units.setdefault(feature.feature_code, [])
                        if feature.unit_code not in units:
                            units.append(feature.unit_code)
                        uses = model.feature_unit_classes.setdefault(feature.feature_code, Counter())
                        uses[feature.unit_code] += 1
                    for value in feature.values:
                        model.value_order.setdefault((feature.feature_code, value.code), value.order)
                if selected:
                    model.classes.append(replace(record, features=live))
            elif isinstance(record, EtimUnit):
                model.units[record.code] = record
            elif isinstance(record, EtimFeature):
                model.features[record.code] = record
            elif isinstance(record, EtimValue):
                model.values[record.code] = record
            elif isinstance(record, EtimGroup):
                model.groups[record.code] = record
            elif isinstance(record, EtimHeader):
                model.release = record.release
    missing = sorted(code for code in wanted_classes if code not in seen)
    deleted = sorted(code for code in wanted_classes if code in seen and seen[code] is None)
    unknown_groups = sorted(code for code in wanted_groups if code not in model.groups)
    problems = []
    if missing:
        problems.append(_("classes not in the file: %(codes)s") % {"codes": ", ".join(missing)})
    if deleted:
        problems.append(_("classes deleted in this release: %(codes)s") % {"codes": ", ".join(deleted)})
    if unknown_groups:
        problems.append(_("groups not in the file: %(codes)s") % {"codes": ", ".join(unknown_groups)})
    if problems:
        raise EtimSelectionError(f"{path}: " + "; ".join(problems))
    return model


def _live_features(record: EtimClass) -> tuple:
    live = []
    for feature in record.features:
        if feature.change_code == "Deleted":
            continue
        values = tuple(value for value in feature.values if value.change_code != "Deleted")
        live.append(replace(feature, values=values))
    return tuple(live)


def _check_references(model: EtimModel, record: EtimClass) -> None:
    """The schema's key/keyref constraints are inert (see :mod:`.reader`): check here that a
    class refers only to groups, features, units and values the file defines."""

    def fail(message: str) -> None:
        raise EtimFormatError(model.source, f"{_('Class')} {record.code}: {message}", line=record.line)

    if record.group_code not in model.groups:
        fail(_("group %(code)s is not in the Groups list.") % {"code": record.group_code})
    seen = set()
    for feature in record.features:
        if feature.change_code == "Deleted":
            continue
        code = feature.feature_code
        if code in seen:
            fail(_("feature %(code)s is listed twice.") % {"code": code})
        seen.add(code)
        if code not in model.features:
            fail(_("feature %(code)s is not in the Features list.") % {"code": code})
        if feature.unit_code and feature.unit_code not in model.units:
            fail(
                _("unit %(code)s of feature %(feature)s is not in the Units list.")
                % {
                    "code": feature.unit_code,
                    "feature": code,
                }
            )
        for value in feature.values:
            if value.change_code != "Deleted" and value.code not in model.values:
                fail(
                    _("value %(code)s of feature %(feature)s is not in the Values list.")
                    % {
                        "code": value.code,
                        "feature": code,
                    }
                )


# --- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _AttributeRef:
    id: int
    type: str
    quantity_id: int | None


class _Writer:
    def __init__(self, model: EtimModel, summary: ImportSummary, progress: bool = False):
        self.model = model
        self.summary = summary
        self.progress = progress
        self.release_label = model.release
        self.quantity_codes: dict[int, str] = {}
        self.unit_quantity: dict[int, int] = {}
        self.usual_units: dict[str, str] = {}  # feature → ETIM unit of its usual quantity

    def write(self) -> None:
        self.units = self._write_units()
        self.group = self._write_group()
        self.attributes = self._write_attributes()
        self.option_ids = self._write_options()
        self._write_families()

    def count(self, kind: str, created=0, updated=0, unchanged=0, deleted=0) -> None:
        counts = self.summary.counts[kind]
        counts.created += created
        counts.updated += updated
        counts.unchanged += unchanged
        counts.deleted += deleted

    # --- units ----------------------------------------------------------------------------

    def _needed_units(self) -> list[str]:
        if self.model.selected_all:
            return list(self.model.units)
        needed = set()
        for etim_class in self.model.classes:
            for feature in etim_class.features:
                if self._is_numeric(feature.feature_code):
                    if feature.unit_code:
                        needed.add(feature.unit_code)
                    usual = self.usual_units.get(feature.feature_code)
                    if usual:
                        needed.add(usual)
        return [code for code in self.model.units if code in needed]

    def _usual_units(self, decisions: dict) -> dict[str, str]:
        """Feature → the first unit (in file order) of the quantity most classes give it a
        unit of; ``decisions`` (ETIM unit → catalog unit or plan) give each unit's quantity."""

        def quantity_of(unit_code: str) -> str:
            decision = decisions[unit_code]
            return decision.unit.quantity.code if decision.unit is not None else decision.quantity.code

        usual = {}
        for feature_code, units in self.model.feature_units.items():
            uses = self.model.feature_unit_classes.get(feature_code, Counter())
            classes_by_quantity: Counter = Counter()
            for unit_code in units:
                if unit_code in decisions:
                    classes_by_quantity[quantity_of(unit_code)] += uses[unit_code]
            if not classes_by_quantity:
                continue
            # max() keeps the first of equals: a tie goes to the quantity used first
            quantity = max(classes_by_quantity, key=classes_by_quantity.__getitem__)
            usual[feature_code] = next(
                code for code in units if code in decisions and quantity_of(code) == quantity
            )
        return usual

    def _write_units(self) -> dict[str, Unit]:
        units = list(Unit.objects.select_related("quantity"))
        quantities = {quantity.code: quantity for quantity in Quantity.objects.all()}
        decisions = UnitMapper(units, quantities.values()).decide(list(self.model.units.values()))
        self.usual_units = self._usual_units(decisions)
        result: dict[str, Unit] = {}
        linked, new = [], []
        touched_quantities = set()
        for code in self._needed_units():
            decision = decisions[code]
            if decision.unit is None:
                new.append(decision)
                continue
            unit = decision.unit
            touched_quantities.add(unit.quantity.code)
            if unit.etim_code == code:
                self.count("units", unchanged=1)
            else:
                unit.etim_code = code
                linked.append(unit)
            result[code] = unit
        Unit.objects.bulk_update(linked, ["etim_code"], batch_size=BATCH_SIZE)
        self.count("units", updated=len(linked))

        created_quantities = []
        for decision in new:
            plan = decision.quantity
            if plan.code not in quantities:
                quantities[plan.code] = Quantity(
                    code=plan.code, name=plan.name, canonical_unit=plan.canonical_unit
                )
                created_quantities.append(quantities[plan.code])
            else:
                touched_quantities.add(plan.code)
        Quantity.objects.bulk_create(created_quantities, batch_size=BATCH_SIZE)
        _ensure_pks(created_quantities, Quantity, "code")
        self.count("quantities", created=len(created_quantities))
        self.count("quantities", unchanged=len(touched_quantities - {q.code for q in created_quantities}))

        taken = {unit.code for unit in units}
        new_units = []
        for decision in new:
            etim = decision.etim
            code = etim.code
            while code in taken:
                code = f"{code}-etim"
            taken.add(code)
            new_units.append(
                Unit(
                    code=code,
                    symbol=etim.abbreviation[:32] or etim.code,
                    name=dict(etim.names),
                    quantity=quantities[decision.quantity.code],
                    pint_expression=decision.pint,
                    etim_code=etim.code,
                    aliases=",".join(decision.aliases)[:255],
                    sort_order=NEW_UNIT_SORT_ORDER,
                )
            )
        Unit.objects.bulk_create(new_units, batch_size=BATCH_SIZE)
        _ensure_pks(new_units, Unit, "code")
        self.count("units", created=len(new_units))
        for unit in new_units:
            result[unit.etim_code] = unit
        self.quantity_codes = {quantity.pk: code for code, quantity in quantities.items()}
        self.unit_quantity = dict(Unit.objects.values_list("id", "quantity_id"))
        return result

    # --- attribute group --------------------------------------------------------------------

    def _write_group(self) -> AttributeGroup:
        group, created = AttributeGroup.objects.get_or_create(
            code=ATTRIBUTE_GROUP_CODE, defaults={"name": ATTRIBUTE_GROUP_NAME}
        )
        self.count("attribute_groups", created=int(created), unchanged=int(not created))
        return group

    # --- attributes -------------------------------------------------------------------------

    def _is_numeric(self, feature_code: str) -> bool:
        return ETIM_TYPES[self.model.features[feature_code].type] in NUMERIC_TYPES

    def _needed_features(self) -> list[str]:
        needed = {}
        for etim_class in self.model.classes:
            for feature in etim_class.features:
                needed.setdefault(feature.feature_code, None)
        return list(needed)

    def _write_attributes(self) -> dict[str, _AttributeRef]:
        codes = self._needed_features()
        refs: dict[str, _AttributeRef] = {}
        with _progress_bar(self.progress, _("Attributes"), total=len(codes)) as bar:
            for chunk in _chunks(codes):
                existing = {
                    attribute.code: attribute for attribute in Attribute.objects.filter(code__in=chunk)
                }
                to_create, to_update = [], []
                for code in chunk:
                    attribute = existing.get(code)
                    if attribute is None:
                        attribute = Attribute(code=code, name={})
                        to_create.append(attribute)
                        self._apply_feature(attribute, code)
                    elif self._apply_feature(attribute, code):
                        to_update.append(attribute)
                    else:
                        self.count("attributes", unchanged=1)
                Attribute.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
                _ensure_pks(to_create, Attribute, "code")
                Attribute.objects.bulk_update(
                    to_update,
                    ["name", "type", "etim_code", "quantity", "display_unit", "min_value", "max_value"],
                    batch_size=BATCH_SIZE,
                )
                self.count("attributes", created=len(to_create), updated=len(to_update))
                for attribute in (*existing.values(), *to_create):
                    refs[attribute.code] = _AttributeRef(attribute.pk, attribute.type, attribute.quantity_id)
                bar.update(len(chunk))
        return refs

    def _apply_feature(self, attribute: Attribute, code: str) -> bool:
        """Set what ETIM says about the feature on ``attribute``; True if anything changed."""
        feature = self.model.features[code]
        attribute_type = ETIM_TYPES[feature.type]
        if attribute_type == AttributeType.ENUM and attribute.type == AttributeType.MULTI_ENUM:
            attribute_type = AttributeType.MULTI_ENUM  # an editor's choice to allow several values stays
        desired = {
            "name": {**attribute.name, **feature.names},
            "type": attribute_type,
            "etim_code": code,
        }
        if attribute_type in NUMERIC_TYPES:
            units = [
                self.units[unit] for unit in self.model.feature_units.get(code, ()) if unit in self.units
            ]
            usual = self.units.get(self.usual_units.get(code))
            quantity_id = attribute.quantity_id or (usual.quantity_id if usual else None)
            display_unit_id = attribute.display_unit_id
            if display_unit_id is None or self.unit_quantity.get(display_unit_id) != quantity_id:
                # the first unit ETIM gives the feature in that quantity (among those imported)
                display_unit_id = next((unit.pk for unit in units if unit.quantity_id == quantity_id), None)
            desired.update(quantity_id=quantity_id, display_unit_id=display_unit_id)
        else:
            desired.update(quantity_id=None, display_unit_id=None, min_value=None, max_value=None)
        return _assign(attribute, desired)

    # --- options ----------------------------------------------------------------------------

    def _write_options(self) -> dict[tuple[str, str], int]:
        wanted: dict[str, dict[str, None]] = {}
        for etim_class in self.model.classes:
            for feature in etim_class.features:
                if self.attributes[feature.feature_code].type in ENUM_TYPES:
                    codes = wanted.setdefault(feature.feature_code, {})
                    for value in feature.values:
                        codes.setdefault(value.code, None)
        option_ids: dict[tuple[str, str], int] = {}
        feature_codes = list(wanted)
        with _progress_bar(self.progress, _("Options"), total=len(feature_codes)) as bar:
            for chunk in _chunks(feature_codes, 100):
                by_attribute = {self.attributes[code].id: code for code in chunk}
                existing = {
                    (option.attribute_id, option.code): option
                    for option in AttributeOption.objects.filter(attribute_id__in=list(by_attribute))
                }
                to_create, to_update = [], []
                for feature_code in chunk:
                    attribute_id = self.attributes[feature_code].id
                    for value_code in wanted[feature_code]:
                        option = existing.get((attribute_id, value_code))
                        desired = {
                            "name": {
                                **(option.name if option else {}),
                                **self.model.values[value_code].names,
                            },
                            "sort_order": self.model.value_order.get((feature_code, value_code), 0),
                            "etim_code": value_code,
                        }
                        if option is None:
                            option = AttributeOption(attribute_id=attribute_id, code=value_code, name={})
                            _assign(option, desired)
                            to_create.append(option)
                        elif _assign(option, desired):
                            to_update.append(option)
                        else:
                            self.count("options", unchanged=1)
                        existing[(attribute_id, value_code)] = option
                AttributeOption.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
                _ensure_pks(to_create, AttributeOption, ("attribute_id", "code"))
                AttributeOption.objects.bulk_update(
                    to_update, ["name", "sort_order", "etim_code"], batch_size=BATCH_SIZE
                )
                self.count("options", created=len(to_create), updated=len(to_update))
                for (attribute_id, value_code), option in existing.items():
                    option_ids[(by_attribute[attribute_id], value_code)] = option.pk
                bar.update(len(chunk))
        return option_ids

    # --- families, their attributes and allowed options -----------------------------------------

    def _write_families(self) -> None:
        with _progress_bar(self.progress, _("Families"), total=len(self.model.classes)) as bar:
            for chunk in _chunks(self.model.classes, 200):
                families = self._write_family_rows(chunk)
                links = self._write_family_attributes(chunk, families)
                self._write_allowed_options(links)
                bar.update(len(chunk))

    def _write_family_rows(self, chunk: list[EtimClass]) -> dict[str, int]:
        existing = {family.code: family for family in Family.objects.filter(code__in=[c.code for c in chunk])}
        to_create, to_update = [], []
        for etim_class in chunk:
            family = existing.get(etim_class.code)
            synonyms = (
                dict(family.synonyms) if family is not None and isinstance(family.synonyms, dict) else {}
            )
            synonyms.update(etim_class.synonyms)
            desired = {
                "name": {**(family.name if family else {}), **etim_class.names},
                "synonyms": synonyms,
                "etim_class_code": etim_class.code,
                "etim_version": self.release_label,
                "etim_group_code": etim_class.group_code,
            }
            if family is None:
                family = Family(code=etim_class.code, name={})
                _assign(family, desired)
                to_create.append(family)
                existing[family.code] = family
            elif _assign(family, desired):
                to_update.append(family)
            else:
                self.count("families", unchanged=1)
        Family.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        _ensure_pks(to_create, Family, "code")
        Family.objects.bulk_update(
            to_update,
            ["name", "synonyms", "etim_class_code", "etim_version", "etim_group_code"],
            batch_size=BATCH_SIZE,
        )
        self.count("families", created=len(to_create), updated=len(to_update))
        return {code: family.pk for code, family in existing.items()}

    def _write_family_attributes(self, chunk, families: dict[str, int]) -> dict[int, set[int]]:
        """Create/update the family attributes of ``chunk``; return family attribute id → the
        option ids its class allows (enumerations only)."""
        existing = {
            (row.family_id, row.attribute_id): row
            for row in FamilyAttribute.objects.filter(family_id__in=list(families.values()))
        }
        to_create, to_update = [], []
        wanted_options: list[tuple[FamilyAttribute, set[int]]] = []
        for etim_class in chunk:
            family_id = families[etim_class.code]
            for feature in etim_class.features:
                attribute = self.attributes[feature.feature_code]
                display_unit_id = None
                if feature.unit_code and attribute.type in NUMERIC_TYPES:
                    unit = self.units[feature.unit_code]
                    if unit.quantity_id == attribute.quantity_id:
                        display_unit_id = unit.pk
                    else:
                        self.summary.conflicts.append(
                            UnitConflict(
                                etim_class.code,
                                feature.feature_code,
                                feature.unit_code,
                                self.quantity_codes.get(unit.quantity_id, ""),
                                self.quantity_codes.get(attribute.quantity_id, ""),
                            )
                        )
                desired = {"sort_order": feature.order, "display_unit_id": display_unit_id}
                row = existing.get((family_id, attribute.id))
                if row is None:
                    row = FamilyAttribute(family_id=family_id, attribute_id=attribute.id, group=self.group)
                    _assign(row, desired)
                    to_create.append(row)
                elif _assign(row, desired):
                    to_update.append(row)
                else:
                    self.count("family_attributes", unchanged=1)
                options = set()
                if attribute.type in ENUM_TYPES:
                    options = {
                        self.option_ids[(feature.feature_code, value.code)] for value in feature.values
                    }
                wanted_options.append((row, options))
        FamilyAttribute.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        _ensure_pks(to_create, FamilyAttribute, ("family_id", "attribute_id"))
        FamilyAttribute.objects.bulk_update(to_update, ["sort_order", "display_unit"], batch_size=BATCH_SIZE)
        self.count("family_attributes", created=len(to_create), updated=len(to_update))
        return {row.pk: options for row, options in wanted_options}

    def _write_allowed_options(self, wanted: dict[int, set[int]]) -> None:
        link = FamilyAttribute.allowed_options.through
        existing: dict[int, dict[int, int]] = {}
        for chunk in _chunks(list(wanted)):
            for link_id, row_id, option_id in link.objects.filter(familyattribute_id__in=chunk).values_list(
                "id", "familyattribute_id", "attributeoption_id"
            ):
                existing.setdefault(row_id, {})[option_id] = link_id
        to_create, to_delete = [], []
        for row_id, options in wanted.items():
            present = existing.get(row_id, {})
            for option_id in options:
                if option_id in present:
                    self.count("allowed_options", unchanged=1)
                else:
                    to_create.append(link(familyattribute_id=row_id, attributeoption_id=option_id))
            to_delete.extend(link_id for option_id, link_id in present.items() if option_id not in options)
        link.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        for chunk in _chunks(to_delete):
            link.objects.filter(id__in=chunk).delete()
        self.count("allowed_options", created=len(to_create), deleted=len(to_delete))


# --- helpers --------------------------------------------------------------------------------


def _assign(instance, desired: dict) -> bool:
    """Set ``desired`` field values on ``instance``; True if any differed."""
    changed = False
    for name, value in desired.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _chunks(items: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ensure_pks(instances: list, model, key: str | tuple[str, ...]) -> None:
    """Primary keys after ``bulk_create``: set by the database backend where it can return
    them (PostgreSQL, SQLite ≥ 3.35); fetched by natural key otherwise."""
    missing = [instance for instance in instances if instance.pk is None]
    if not missing:
        return
    fields = (key,) if isinstance(key, str) else key
    by_key = {tuple(getattr(instance, name) for name in fields): instance for instance in missing}
    for chunk in _chunks(list(by_key)):
        if len(fields) == 1:
            rows = model.objects.filter(**{f"{fields[0]}__in": [k[0] for k in chunk]})
        else:
            rows = model.objects.filter(**{f"{fields[0]}__in": {k[0] for k in chunk}})
        for row in rows:
            instance = by_key.get(tuple(getattr(row, name) for name in fields))
            if instance is not None:
                instance.pk = row.pk


def _progress_bar(enabled: bool, description: str, **kwargs) -> tqdm:
    return tqdm(
        desc=description, disable=not enabled, file=sys.stderr, leave=False, dynamic_ncols=True, **kwargs
    )


__all__ = [
    "ETIM_TYPES",
    "EtimModel",
    "EtimSelectionError",
    "ImportSummary",
    "UnitConflict",
    "import_etim",
    "load_model",
]
