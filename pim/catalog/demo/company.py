"""Company-specific attributes of the demo catalog: what a manufacturer adds beside the ETIM
features of a class (normal practice: ETIM 6.0 has no feature for FDA conformity, and the
class the push-in fittings use has no pressure feature).

They are ordinary catalog attributes (no ETIM code), created once and added to the family of
the class; an ETIM re-import leaves them alone (it only touches the class's own features).
:func:`prepare_families` also marks the key attributes of every demo family as result-list
columns (``FamilyAttribute.in_listing``) and makes them filterable.
"""

from dataclasses import dataclass

from ..models import (
    Attribute,
    AttributeGroup,
    AttributeOption,
    AttributeType,
    FamilyAttribute,
    Quantity,
    Unit,
)

# The importer's group ("Technical data"): company attributes sit with the ETIM ones.
GROUP_CODE = "etim"
# After every ETIM feature of the class (ETIM order numbers stay far below).
COMPANY_SORT_ORDER = 1000


@dataclass(frozen=True)
class CompanyAttribute:
    code: str
    name: dict  # {"en": …, "de": …}
    type: str  # AttributeType
    quantity: str | None = None  # Quantity.code (number and range attributes)
    unit: str | None = None  # Unit.code shown
    options: tuple = ()  # (code, English, German) in display order
    help_text: dict | None = None


FDA_CONFORMITY = CompanyAttribute(
    code="fda_conformity",
    name={"en": "FDA conformity (21 CFR 177)", "de": "FDA-Konformität (21 CFR 177)"},
    type=AttributeType.BOOLEAN,
    help_text={
        "en": "All wetted materials comply with the US FDA regulations for food contact (21 CFR 177).",
        "de": "Alle medienberührten Werkstoffe entsprechen den FDA-Vorschriften für den "
        "Lebensmittelkontakt (21 CFR 177).",
    },
)
BODY_MATERIAL = CompanyAttribute(
    code="fitting_body_material",
    name={"en": "Body material", "de": "Werkstoff Grundkörper"},
    type=AttributeType.ENUM,
    options=(
        ("pbt", "PBT", "PBT"),
        ("pom_food", "POM, food grade", "POM, lebensmitteltauglich"),
        ("stainless_1_4404", "Stainless steel 1.4404 (AISI 316L)", "Edelstahl 1.4404 (AISI 316L)"),
        ("brass_nickel", "Brass, nickel-plated", "Messing, vernickelt"),
    ),
)
SEAL_MATERIAL = CompanyAttribute(
    code="fitting_seal_material",
    name={"en": "Seal material", "de": "Werkstoff Dichtung"},
    type=AttributeType.ENUM,
    options=(
        ("nbr", "NBR", "NBR"),
        ("epdm_fda", "EPDM (FDA)", "EPDM (FDA)"),
        ("fkm", "FKM", "FKM"),
        ("fkm_fda", "FKM (FDA)", "FKM (FDA)"),
    ),
)
CONNECTION_THREAD = CompanyAttribute(
    code="connection_thread",
    name={"en": "Connection thread", "de": "Anschlussgewinde"},
    type=AttributeType.ENUM,
    options=(
        ("m5", "M5", "M5"),
        ("g_1_8", "G 1/8", "G 1/8"),
        ("g_1_4", "G 1/4", "G 1/4"),
        ("g_3_8", "G 3/8", "G 3/8"),
        ("g_1_2", "G 1/2", "G 1/2"),
    ),
)
FITTING_DESIGN = CompanyAttribute(
    code="fitting_design",
    name={"en": "Fitting design", "de": "Bauform der Verschraubung"},
    type=AttributeType.ENUM,
    options=(
        ("straight", "Straight male connector", "Gerade Einschraubverschraubung"),
        ("elbow", "Elbow male connector, swivel", "Winkel-Einschraubverschraubung, drehbar"),
        ("tee", "Male branch tee, swivel", "T-Einschraubverschraubung, drehbar"),
        ("bulkhead", "Bulkhead female connector", "Schott-Verschraubung mit Innengewinde"),
    ),
)
OPERATING_PRESSURE = CompanyAttribute(
    code="operating_pressure",
    name={"en": "Operating pressure", "de": "Betriebsdruck"},
    type=AttributeType.RANGE,
    quantity="pressure",
    unit="bar",
)

COMPANY_ATTRIBUTES = {
    # Push-in fittings: ETIM EC001176 has tube diameter, thread type and operating
    # temperature, but nothing for food contact, the body material of metal fittings, the
    # G/M connection thread or the pressure range.
    "EC001176": (
        FITTING_DESIGN,
        CONNECTION_THREAD,
        BODY_MATERIAL,
        SEAL_MATERIAL,
        FDA_CONFORMITY,
        OPERATING_PRESSURE,
    ),
}


def _attribute(definition: CompanyAttribute) -> Attribute:
    attribute = Attribute.objects.filter(code=definition.code).first()
    if attribute is None:
        quantity = Quantity.objects.get(code=definition.quantity) if definition.quantity else None
        unit = Unit.objects.get(code=definition.unit) if definition.unit else None
        attribute = Attribute.objects.create(
            code=definition.code,
            name=definition.name,
            help_text=definition.help_text or {},
            type=definition.type,
            quantity=quantity,
            display_unit=unit,
            filterable=True,
            comparable=True,
        )
    for order, (code, name_en, name_de) in enumerate(definition.options):
        AttributeOption.objects.get_or_create(
            attribute=attribute,
            code=code,
            defaults={"name": {"en": name_en, "de": name_de}, "sort_order": order},
        )
    return attribute


def prepare_families(families: dict, profiles: dict) -> None:
    """For the demo families (``families``: class code -> Family, ``profiles``: class code ->
    FamilyProfile): add the company attributes of the class, then mark the profile's key
    attributes as result-list columns and filterable. Idempotent; a few queries per family."""
    group = AttributeGroup.objects.filter(code=GROUP_CODE).first()
    for class_code, family in families.items():
        for order, definition in enumerate(COMPANY_ATTRIBUTES.get(class_code, ())):
            attribute = _attribute(definition)
            FamilyAttribute.objects.get_or_create(
                family=family,
                attribute=attribute,
                defaults={"group": group, "sort_order": COMPANY_SORT_ORDER + order},
            )
        profile = profiles.get(class_code)
        listing = tuple(profile.key_attributes) if profile is not None else ()
        if not listing:
            continue
        rows = FamilyAttribute.objects.filter(family=family)
        # An editor's choice of columns wins: only a family without any gets the demo's.
        if not rows.filter(in_listing=True).exists():
            rows.filter(attribute__code__in=listing).update(in_listing=True)
        Attribute.objects.filter(code__in=listing, filterable=False).exclude(type=AttributeType.TEXT).update(
            filterable=True
        )


__all__ = ["COMPANY_ATTRIBUTES", "CompanyAttribute", "prepare_families"]
