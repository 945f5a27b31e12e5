"""The catalog's codes a BMEcat reader needs to name things: ETIM/ECLASS feature codes to
attribute codes, EU/UN-ECE unit codes to units, class codes to families, series names to
product models. Loaded once per file (a handful of queries), never per product."""

from collections import defaultdict
from dataclasses import dataclass

from pim.catalog.models import Attribute, Family, ProductModel, Unit


@dataclass(frozen=True)
class AttributeInfo:
    code: str
    type: str
    localizable: bool
    quantity_id: int | None


def _fold(text) -> str:
    return " ".join(str(text or "").split()).casefold()


class CatalogCodes:
    """Code tables of the catalog at the time the file is read."""

    def __init__(self):
        self.attributes: dict[str, AttributeInfo] = {}
        self.by_etim: dict[str, list[str]] = defaultdict(list)
        self.by_eclass: dict[str, list[str]] = defaultdict(list)
        self.by_name: dict[str, set[str]] = defaultdict(set)
        for attribute in Attribute.objects.only(
            "code", "type", "localizable", "quantity_id", "etim_code", "eclass_code", "name"
        ):
            self.attributes[attribute.code] = AttributeInfo(
                attribute.code, attribute.type, attribute.localizable, attribute.quantity_id
            )
            if attribute.etim_code:
                self.by_etim[attribute.etim_code.upper()].append(attribute.code)
            if attribute.eclass_code:
                self.by_eclass[attribute.eclass_code.upper()].append(attribute.code)
            for label in (attribute.name or {}).values():
                if label:
                    self.by_name[_fold(label)].add(attribute.code)
        self.units_by_etim: dict[str, str] = {}
        self.units_by_unece: dict[str, list[tuple[int | None, str]]] = defaultdict(list)
        for unit in Unit.objects.only("code", "etim_code", "unece_code", "quantity_id"):
            if unit.etim_code:
                self.units_by_etim.setdefault(unit.etim_code.upper(), unit.code)
            if unit.unece_code:
                self.units_by_unece[unit.unece_code.upper()].append((unit.quantity_id, unit.code))
        self.families_by_class: dict[str, list[str]] = defaultdict(list)
        for family in Family.objects.only("code", "etim_class_code", "eclass_code"):
            for code in (family.etim_class_code, family.eclass_code):
                if code:
                    self.families_by_class[code.upper()].append(family.code)
        self.models_by_name: dict[str, set[str]] = defaultdict(set)
        for model in ProductModel.objects.only("code", "name"):
            self.models_by_name[_fold(model.code)].add(model.code)
            for label in (model.name or {}).values():
                if label:
                    self.models_by_name[_fold(label)].add(model.code)
        self._family_attributes: dict[str, set[str]] = {}

    def family_attributes(self, family_code: str) -> set[str]:
        codes = self._family_attributes.get(family_code)
        if codes is None:
            codes = set(
                Family.objects.filter(code=family_code).values_list("attributes__code", flat=True)
            ) - {None}
            self._family_attributes[family_code] = codes
        return codes

    def attribute_for(self, system: str, name: str, family_code: str = "") -> list[str]:
        """Attribute codes a feature name designates in ``system`` ("etim", "eclass", or
        "own": the attribute's code or a name in any language); several only when the
        catalog is ambiguous (narrowed to the family's attributes when it helps)."""
        key = name.strip()
        if system == "etim":
            candidates = self.by_etim.get(key.upper(), [])
        elif system == "eclass":
            candidates = self.by_eclass.get(key.upper(), [])
        else:
            candidates = [key] if key in self.attributes else sorted(self.by_name.get(_fold(key), ()))
        if len(candidates) > 1 and family_code:
            narrowed = [code for code in candidates if code in self.family_attributes(family_code)]
            candidates = narrowed or candidates
        return candidates

    def unit_for(self, code: str, attribute: AttributeInfo | None) -> str:
        """The catalog unit code an ETIM (EU…) or UN/ECE code names, for the attribute's
        quantity; else the text as the file gives it (a symbol the catalog may know)."""
        key = code.strip().upper()
        if key in self.units_by_etim:
            return self.units_by_etim[key]
        candidates = self.units_by_unece.get(key, [])
        quantity = attribute.quantity_id if attribute else None
        for quantity_id, unit_code in candidates:
            if quantity_id == quantity:
                return unit_code
        if len(candidates) == 1:
            return candidates[0][1]
        return code.strip()

    def family_for(self, class_code: str) -> list[str]:
        return self.families_by_class.get(class_code.strip().upper(), [])

    def models_named(self, name: str) -> set[str]:
        return self.models_by_name.get(_fold(name), set())
