"""How each ETIM class of the demo becomes products: article numbering, variant axes, value
specs per feature (EF code), names, texts, categories, prices and relations.

Features a profile does not mention get a value from :data:`FEATURE_SPECS` (features shared
by several classes) or from the fallbacks in :mod:`.specs` (by physical quantity), so a
class whose feature list changes in a later ETIM release still gets plausible data.
"""

import re
from dataclasses import dataclass, field

from .specs import (
    BOLT_LENGTHS,
    IEC_MOTORS,
    MOTOR_SPEEDS,
    THREAD_SIZES,
    Derived,
    Flag,
    Never,
    Num,
    OneOf,
    Pick,
    Span,
    nice,
    thread,
)


@dataclass(frozen=True)
class Relation:
    """Up to ``count`` relations of ``kind`` to products of ``target`` (an ETIM class), made
    with probability ``p``. ``fit`` picks targets that fit: ``"same"`` uses the product's
    fit key (an M8 nut for an M8 bolt), another string is a fixed key, ``None`` any."""

    kind: str
    target: str
    p: float = 0.6
    count: int = 2
    fit: str | None = "same"


@dataclass(frozen=True)
class FamilyProfile:
    etim_class: str
    prefix: str  # article number prefix of the class
    categories: tuple  # category codes, the first one primary
    weight: float  # share of the catalog's products
    manufacturers: tuple  # keys of vocabulary.MANUFACTURERS, the first one the usual maker
    price: tuple  # EUR list price range of a typical article (per order unit)
    intro: tuple  # (English, German) first sentence; {label} and {series} are filled in
    label: dict | None = None  # overrides the ETIM class name in product names
    specs: dict = field(default_factory=dict)  # EF code -> Spec
    axes: tuple = ()  # EF codes the variants of a series differ on
    axis_values: tuple = (2, 4)  # how many values of each axis a series offers
    axis_filter: object = None  # fn(combo ctx) -> bool: is this combination made?
    variant_specs: tuple = ()  # EF codes drawn per variant besides the axes
    series_fixed: dict = field(default_factory=dict)  # EF code -> value for all series
    series_share: float = 0.6  # share of products that are variants of a series
    max_variants: int = 12
    # Templates of name parts: {EF…} the value, {EF…|u} with its unit; a (English, German)
    # pair where the languages differ.
    name_parts: tuple = ()
    facts: tuple = ()  # EF codes quoted in descriptions
    article: str = "{series}-{axes}"  # article number template
    series_format: str = "{prefix}-{number}"
    codes: dict = field(default_factory=dict)  # option label -> code in article numbers
    commercial: str = "piece"  # piece | pack | metre
    fit: object = None  # fn(ctx) -> fit key
    relations: tuple = ()
    benefits: tuple = ()  # extra (English, German) sentences
    # Key attributes: the family's columns in result lists (FamilyAttribute.in_listing).
    # Empty: the first four facts.
    listing: tuple = ()

    @property
    def key_attributes(self) -> tuple:
        return self.listing or self.facts[:4]


def _bar_to(ctx, code, factor):
    value = ctx.get(code)
    return nice(value * factor, 2) if value else None


def _pack_content(ctx):
    size = ctx.get("EF003563") or ctx.get("EF003566") or 8
    return 100 if size <= 8 else 50 if size <= 12 else 25


def _motor(ctx, index):
    power = ctx.get("EF003976")
    row = IEC_MOTORS.get(power)
    return row[index] if row else None


def _motor_speed(ctx, rng):
    poles = int(ctx.get("EF001391") or 4)
    return MOTOR_SPEEDS.get(poles, 1440.0)


def _motor_current(ctx, rng):
    current = _motor(ctx, 1)
    if current is None:
        return None
    if ctx.get("EF000351") == 1:  # single-phase 230 V
        current *= 3.2
    if int(ctx.get("EF001391") or 4) == 6:
        current *= 1.12
    return nice(current, 2)


def _motor_torque(ctx, rng):
    power, speed = ctx.get("EF003976"), ctx.get("EF003974")
    return nice(9550 * power / speed, 3) if power and speed else None


def _valve_voltage(ctx, rng):
    kind = ctx.get("EF000187")
    if kind == "DC":
        return rng.choice(((24, 24), (24, 24), (12, 12), (48, 48)))
    if kind == "AC":
        return rng.choice(((230, 230), (230, 230), (110, 110), (24, 24)))
    return (24, 24)


def _proximity_distance(ctx, rng):
    diameter = ctx.get("EF007111")
    if not diameter:
        return None
    flush = {8: 1.5, 12: 2, 18: 5, 30: 10}
    non_flush = {8: 2.5, 12: 4, 18: 8, 30: 15}
    table = non_flush if ctx.get("EF004041") == "Not flat" else flush
    return float(table.get(int(diameter), 4))


def _metric_thread_type(ctx, rng):
    """Metric sizes (M3…M24) have the ISO metric thread "M": a drawn thread type could say UNC
    for an M16 bolt. Inch sizes would need their own article numbers and are not made."""
    return "M" if ctx.get("EF003563") is not None else None


def _m_fit(code):
    def fit(ctx):
        size = ctx.get(code)
        return f"M{int(size)}" if size else None

    return fit


def _connector_fit(code):
    def fit(ctx):
        label = ctx.get(code)
        return label if label in ("M5", "M8", "M12") or (label or "").startswith("Valve") else None

    return fit


# Pneumatics module: interfaces and protocols a real module has one or two of.
_INTERFACE_COUNTS = (
    "EF003020",
    "EF003021",
    "EF003022",
    "EF003023",
    "EF003024",
    "EF003025",
    "EF003026",
    "EF003027",
    "EF006932",
    "EF006933",
)
_IO_COUNTS = ("EF001427", "EF001992", "EF003030", "EF001994", "EF003031", "EF001995")
_PROTOCOLS = (
    "EF003050",
    "EF003052",
    "EF003053",
    "EF003054",
    "EF003051",
    "EF003055",
    "EF003057",
    "EF003058",
    "EF003059",
    "EF003060",
    "EF003017",
    "EF007525",
    "EF007524",
    "EF006657",
    "EF007522",
    "EF007521",
    "EF007519",
    "EF007520",
    "EF006662",
    "EF007526",
    "EF007527",
    "EF003062",
)


# Push-in fittings (EC001176 + company attributes): which tube fits which port thread, and
# what the body material (one per series) implies for seal, temperature, pressure and FDA.
FITTING_THREADS = {
    4.0: ("M5", "G 1/8"),
    6.0: ("M5", "G 1/8", "G 1/4"),
    8.0: ("G 1/8", "G 1/4", "G 3/8"),
    10.0: ("G 1/4", "G 3/8", "G 1/2"),
    12.0: ("G 1/4", "G 3/8", "G 1/2"),
}
FITTING_TUBES = tuple(FITTING_THREADS)
_THREAD_BORE = {"M5": 2.5, "G 1/8": 4.5, "G 1/4": 7.0, "G 3/8": 9.0, "G 1/2": 10.0}  # mm
_TUBE_BORE = {4.0: 2.5, 6.0: 4.0, 8.0: 5.5, 10.0: 7.0, 12.0: 9.0}  # mm, the tube's inner diameter
_THREAD_LENGTH = {"M5": 4.0, "G 1/8": 6.5, "G 1/4": 8.5, "G 3/8": 9.5, "G 1/2": 11.5}  # mm
_PBT, _POM, _STAINLESS, _BRASS = (
    "PBT",
    "POM, food grade",
    "Stainless steel 1.4404 (AISI 316L)",
    "Brass, nickel-plated",
)
_FOOD_GRADE = (_POM, _STAINLESS)
# Body materials by series number, in turn rather than drawn: every demo size (from about
# 50 fittings) then has stainless, food-grade and standard series for the food journey, and
# the first series is stainless, so even a demo with one fittings series has FDA articles.
_BODY_MATERIALS = (_STAINLESS, _PBT, _POM, _BRASS, _STAINLESS)


def _series_index(ctx) -> int:
    """0 for PF-100, 1 for PF-110 … (series codes count in tens from 100)."""
    digits = re.search(r"(\d+)$", ctx.get("__series__") or "")
    return max(int(digits.group(1)) - 100, 0) // 10 if digits else 0


def _fitting_body(ctx, rng):
    return _BODY_MATERIALS[_series_index(ctx) % len(_BODY_MATERIALS)]


def _fitting_seal(ctx, rng):
    body = ctx.get("fitting_body_material")
    if body == _PBT:
        return "NBR"
    if body == _POM:
        return "EPDM (FDA)"
    if body == _STAINLESS:
        return "FKM (FDA)"
    if body == _BRASS:  # every other brass series is the high-temperature version with FKM seals
        return "FKM" if (_series_index(ctx) // len(_BODY_MATERIALS)) % 2 == 0 else "NBR"
    return None


def _fitting_temperature(ctx, rng):
    """Operating temperature: the plastics and NBR up to 80 °C, FKM up to 150 °C."""
    body, seal = ctx.get("fitting_body_material"), ctx.get("fitting_seal_material")
    if body in (_PBT, _POM):
        return (-20.0, 80.0)
    if seal in ("FKM", "FKM (FDA)"):
        return (-20.0, 150.0)
    return (-20.0, 80.0) if body else None


def _fitting_pressure(ctx, rng):
    """Operating pressure in bar, from vacuum (-0.95 bar) up."""
    body = ctx.get("fitting_body_material")
    return {_PBT: (-0.95, 14.0), _POM: (-0.95, 10.0), _STAINLESS: (-0.95, 16.0), _BRASS: (-0.95, 16.0)}.get(
        body
    )


def _fitting_length(ctx, rng):
    tube, design = ctx.get("EF002504"), ctx.get("fitting_design") or ""
    if not tube:
        return None
    thread = _THREAD_LENGTH.get(ctx.get("connection_thread"), 8.0)
    if design.startswith("Bulkhead"):
        return nice(26 + 2.2 * tube, 2)
    if design.startswith("Straight"):
        return nice(12 + 1.5 * tube + thread, 2)
    return nice(10 + 1.9 * tube, 2)  # elbow and tee: the length of the tube leg


def _fitting_height(ctx, rng):
    tube, design = ctx.get("EF002504"), ctx.get("fitting_design") or ""
    if not tube or design.startswith(("Straight", "Bulkhead")):
        return None
    return nice(8 + 1.6 * tube + _THREAD_LENGTH.get(ctx.get("connection_thread"), 8.0), 2)


def _fitting_model(ctx, rng):
    design = ctx.get("fitting_design") or ""
    if design.startswith(("Straight", "Bulkhead")):
        return "Straight"
    if design.startswith("Elbow"):
        return "90°-elbow"
    return None  # a tee: ETIM's list has no such model


def _fits_thread(ctx):
    return ctx["connection_thread"] in FITTING_THREADS.get(float(ctx["EF002504"]), ())


SENSOR_ACCESSORIES = (
    Relation("accessory", "EC001855", p=0.7, count=2, fit="M12"),
    Relation("accessory", "EC002062", p=0.5, count=1, fit="M12"),
)

IP_OUTDOOR = ("IP65", "IP67", "IP68", "IP69K")

PROFILES = [
    # --- valves --------------------------------------------------------------------------
    FamilyProfile(
        etim_class="EC001888",
        prefix="MV",
        label={"en": "Solenoid valve", "de": "Magnetventil"},
        categories=("solenoid-valves", "pneumatic-valves"),
        weight=4,
        manufacturers=("auvera", "rhenotec"),
        price=(38, 420),
        intro=(
            "The {label_lc} {series} switches neutral gases and liquids reliably in automation and "
            "process plants.",
            "Das {label} {series} schaltet neutrale Gase und Flüssigkeiten zuverlässig in "
            "Automatisierungs- und Prozessanlagen.",
        ),
        specs={
            "EF000187": Pick(prefer=("DC", "AC", "AC/DC")),
            "EF001365": Derived(lambda ctx, rng: ctx.get("EF000187")),
            "EF002334": Derived(_valve_voltage, unit="V"),
            "EF001663": Derived(
                lambda ctx, rng: None if ctx.get("EF000187") == "DC" else rng.choice(((50, 60), (50, 50))),
                unit="Hz",
            ),
        },
        axes=("EF000187",),
        axis_values=(2, 3),
        variant_specs=("EF001365", "EF002334", "EF001663"),
        series_share=0.7,
        name_parts=("{EF002334|u} {EF000187}",),
        facts=("EF002334", "EF000187", "EF001663"),
        article="{series}-{EF002334}{EF000187}",
        codes={"AC/DC": "UC"},
        fit=lambda ctx: "Valve B",
        relations=(
            Relation("accessory", "EC002062", p=0.7, count=2, fit="Valve B"),
            Relation("compatible", "EC002634", p=0.3, count=1, fit=None),
        ),
        benefits=(
            ("Coil can be turned by 4 × 90°.", "Spule um 4 × 90° drehbar."),
            ("Manual override as standard.", "Handhilfsbetätigung serienmäßig."),
        ),
    ),
    FamilyProfile(
        etim_class="EC001224",
        prefix="DM",
        categories=("pressure-control-valves", "hydraulic-valves"),
        weight=2,
        manufacturers=("auvera",),
        price=(45, 310),
        intro=(
            "The {label_lc} {series} keeps the outlet pressure constant regardless of the inlet pressure.",
            "Das {label} {series} hält den Ausgangsdruck unabhängig vom Eingangsdruck konstant.",
        ),
        specs={"EF000443": Pick()},
        axes=("EF000443",),
        axis_values=(2, 4),
        series_share=0.8,
        name_parts=("{EF000443}",),
        facts=("EF000443",),
        article="{series}-{EF000443}",
        fit=None,
        relations=(Relation("compatible", "EC001252", p=0.3, count=2, fit=None),),
        benefits=(
            (
                "Brass body, sealing seat made of stainless steel.",
                "Gehäuse aus Messing, Dichtsitz aus Edelstahl.",
            ),
        ),
    ),
    FamilyProfile(
        etim_class="EC001225",
        prefix="SV",
        categories=("safety-valves", "compressors"),
        weight=2,
        manufacturers=("auvera",),
        price=(28, 260),
        intro=(
            "The {label_lc} {series} protects pressure vessels and pipework against inadmissible "
            "overpressure.",
            "Das {label} {series} schützt Druckbehälter und Rohrleitungen vor unzulässigem Überdruck.",
        ),
        specs={"EF000443": Pick(), "EF002299": Num("bar", choices=(1.5, 2.5, 3, 4, 6, 8, 10, 11, 16))},
        axes=("EF000443", "EF002299"),
        axis_values=(1, 3),
        max_variants=8,
        series_share=0.7,
        name_parts=("{EF000443}", "{EF002299|u}"),
        facts=("EF000443", "EF002299"),
        article="{series}-{EF000443}-{EF002299}",
        relations=(Relation("compatible", "EC002860", p=0.4, count=2, fit=None),),
        benefits=(
            (
                "Component-tested according to the Pressure Equipment Directive.",
                "Bauteilgeprüft nach Druckgeräterichtlinie.",
            ),
        ),
    ),
    # --- pumps and compressors --------------------------------------------------------------
    FamilyProfile(
        etim_class="EC000428",
        prefix="KP",
        categories=("industrial-pumps", "hydraulics"),
        weight=3,
        manufacturers=("bernholt", "rhenotec"),
        price=(420, 4800),
        intro=(
            "The {label_lc} {series} delivers clean and slightly contaminated liquids in industry "
            "and building services.",
            "Die {label} {series} fördert saubere und leicht verschmutzte Flüssigkeiten in "
            "Industrie und Gebäudetechnik.",
        ),
        specs={
            "EF000523": Num("kW", choices=(0.37, 0.55, 0.75, 1.1, 1.5, 2.2, 3, 4, 5.5, 7.5)),
            "EF000991": Derived(lambda ctx, rng: nice(ctx["EF000523"] * rng.uniform(4, 9), 2), unit="m3_h"),
            "EF000992": Derived(lambda ctx, rng: nice(12 + ctx["EF000523"] * rng.uniform(5, 9), 2), unit="m"),
            "EF000250": Num("rpm", choices=(1450, 2900, 2900)),
            "EF000111": Derived(lambda ctx, rng: 230.0 if ctx["EF000523"] <= 1.5 else 400.0, unit="V"),
            "EF000143": Pick(prefer=("AC",), weight=0.95),
            "EF001596": Pick(prefer=("Grey cast iron", "Stainless steel")),
            "EF005474": Pick(prefer=("IP44", "IP54", "IP55"), weight=0.95),
            "EF000767": Pick(),
            "EF000522": Flag(0.3),
            "EF000008": Derived(lambda ctx, rng: nice(160 + ctx["EF000523"] * 18, 2), unit="mm"),
            "EF000040": Derived(lambda ctx, rng: nice(320 + ctx["EF000523"] * 55, 2), unit="mm"),
        },
        axes=("EF000523",),
        axis_values=(3, 5),
        variant_specs=("EF000991", "EF000992", "EF000111", "EF000008", "EF000040"),
        name_parts=("{EF000523|u}", "{EF000991|u}"),
        facts=("EF000523", "EF000991", "EF000992", "EF001596"),
        article="{series}-{EF000523}",
        relations=(
            Relation("accessory", "EC001106", p=0.6, count=2, fit=None),
            Relation("accessory", "EC001202", p=0.4, count=2, fit=None),
            Relation("spare_part", "EC001851", p=0.4, count=1, fit=None),
        ),
        benefits=(("Mechanical seal made of silicon carbide.", "Gleitringdichtung aus Siliziumkarbid."),),
    ),
    FamilyProfile(
        etim_class="EC001252",
        prefix="UP",
        categories=("circulation-pumps",),
        weight=2,
        manufacturers=("bernholt",),
        price=(140, 690),
        intro=(
            "The {label_lc} {series} circulates water in heating, cooling and domestic hot water systems.",
            "Die {label} {series} wälzt Wasser in Heizungs-, Kühl- und Trinkwarmwasseranlagen um.",
        ),
        specs={
            "EF000073": Pick(prefer=("Heating systems", "Hot water systems")),
            "EF006334": Num("V", choices=(230,)),
            "EF006335": Num("V", choices=(400,), empty=0.8),
            "EF002321": Pick(),
            "EF002322": Derived(
                lambda ctx, rng: 130.0 if ctx.get("EF002321") == "3/4 inch" else rng.choice((130.0, 180.0)),
                unit="mm",
            ),
            "EF005474": Pick(prefer=("IP44", "IP42", "IPX4D"), weight=0.95),
        },
        axes=("EF002321",),
        axis_values=(2, 3),
        variant_specs=("EF002322",),
        name_parts=("{EF002321}", "{EF002322|u}"),
        facts=("EF002321", "EF002322", "EF006334"),
        article="{series}-{EF002321}-{EF002322}",
        relations=(Relation("accessory", "EC001224", p=0.3, count=1, fit=None),),
        benefits=(
            (
                "Energy-efficient EC motor with automatic adaptation.",
                "Energiesparender EC-Motor mit automatischer Anpassung.",
            ),
        ),
    ),
    FamilyProfile(
        etim_class="EC001234",
        prefix="KDP",
        categories=("condensate-pumps",),
        weight=1,
        manufacturers=("bernholt",),
        price=(65, 240),
        intro=(
            "The {label_lc} {series} removes condensate from air conditioners, heat pumps and "
            "ventilation units.",
            "Die {label} {series} führt Kondensat aus Klimageräten, Wärmepumpen und Lüftungsanlagen ab.",
        ),
        specs={
            "EF000346": Num("W", low=15, high=90),
            "EF000992": Num("m", choices=(2, 4, 6, 8, 10)),
            "EF000991": Num("l_h", choices=(10, 15, 20, 30, 45)),
            "EF000008": Num("mm", low=80, high=160),
            "EF000040": Num("mm", low=60, high=120),
            "EF000049": Num("mm", low=100, high=250),
        },
        series_share=0.0,
        name_parts=("{EF000991|u}",),
        facts=("EF000041", "EF000991", "EF000992", "EF000346"),
        article="{series}",
        relations=(Relation("accessory", "EC001106", p=0.5, count=1, fit=None),),
    ),
    FamilyProfile(
        etim_class="EC002860",
        prefix="DK",
        categories=("compressed-air-supply", "compressors"),
        weight=2,
        manufacturers=("bernholt",),
        price=(380, 5200),
        intro=(
            "The {label_lc} {series} supplies workshops and production lines with oil-lubricated "
            "compressed air.",
            "Der {label} {series} versorgt Werkstätten und Fertigungslinien mit ölgeschmierter Druckluft.",
        ),
        specs={
            "EF008886": Num("l", choices=(24, 50, 100, 150, 200, 270, 500)),
            "EF001314": Derived(
                lambda ctx, rng: (
                    1.5
                    if ctx["EF008886"] <= 50
                    else 2.2
                    if ctx["EF008886"] <= 100
                    else 4.0
                    if ctx["EF008886"] <= 270
                    else 7.5
                ),
                unit="kW",
            ),
            "EF003625": Derived(lambda ctx, rng: 230.0 if ctx.get("EF001314", 0) <= 2.2 else 400.0, unit="V"),
            "EF008889": Derived(lambda ctx, rng: 1.0 if ctx.get("EF001314", 0) <= 1.5 else 2.0),
            "EF008890": Derived(
                lambda ctx, rng: nice(ctx.get("EF001314", 1.5) * rng.uniform(140, 170), 2), unit="l"
            ),
            "EF000634": Num("bar", choices=(8, 10, 10, 11, 15)),
            "EF001642": Num("rpm", choices=(1400, 2850)),
            "EF021860": Derived(lambda ctx, rng: ctx["EF008886"] <= 100),
            "EF005474": Pick(prefer=("IP44", "IP23"), weight=0.95),
            "EF023171": Pick(prefer=("Direct", "V-snare")),
            "EF008896": Pick(prefer=("Rapid coupling",)),
            "EF000007": Pick(prefer=("Blue", "Red", "Grey")),
            "EF000008": Derived(lambda ctx, rng: nice(40 + ctx["EF008886"] ** 0.5 * 6, 2), unit="cm"),
            "EF000040": Derived(lambda ctx, rng: nice(60 + ctx["EF008886"] ** 0.5 * 4, 2), unit="cm"),
            "EF000049": Derived(lambda ctx, rng: nice(30 + ctx["EF008886"] ** 0.5 * 2.5, 2), unit="cm"),
        },
        axes=("EF008886",),
        axis_values=(2, 4),
        variant_specs=(
            "EF001314",
            "EF003625",
            "EF008889",
            "EF008890",
            "EF021860",
            "EF000008",
            "EF000040",
            "EF000049",
        ),
        name_parts=("{EF008886|u}", "{EF000634|u}"),
        facts=("EF008886", "EF000634", "EF001314", "EF008890"),
        article="{series}-{EF008886}",
        relations=(
            Relation("accessory", "EC001106", p=0.7, count=2, fit=None),
            Relation("spare_part", "EC001225", p=0.6, count=1, fit=None),
            Relation("spare_part", "EC000243", p=0.5, count=1, fit=None),
        ),
        benefits=(
            (
                "Pressure switch, safety valve and pressure gauge pre-installed.",
                "Druckschalter, Sicherheitsventil und Manometer vormontiert.",
            ),
        ),
    ),
    # --- hydraulics and pneumatics -----------------------------------------------------------
    FamilyProfile(
        etim_class="EC001185",
        prefix="HA",
        categories=("hydraulic-power-units",),
        weight=2,
        manufacturers=("rhenotec",),
        price=(890, 9800),
        intro=(
            "The {label_lc} {series} provides hydraulic power for presses, lifting gear and "
            "clamping devices.",
            "Die {label} {series} liefert hydraulische Leistung für Pressen, Hebezeuge und "
            "Spannvorrichtungen.",
        ),
        specs={
            "EF001462": Pick(prefer=("Electro-hydraulic pump",), weight=0.7),
            "EF007987": Num("bar", choices=(160, 250, 315, 400, 700)),
        },
        axes=("EF007987",),
        axis_values=(2, 4),
        name_parts=("{EF001462}", "{EF007987|u}"),
        facts=("EF001462", "EF007987"),
        article="{series}-{EF007987}",
        relations=(
            Relation("accessory", "EC001202", p=0.7, count=3, fit=None),
            Relation("accessory", "EC001106", p=0.4, count=1, fit=None),
            Relation("spare_part", "EC001851", p=0.5, count=1, fit=None),
            Relation("spare_part", "EC000243", p=0.4, count=1, fit=None),
        ),
        benefits=(
            (
                "Oil tank with level gauge and return filter.",
                "Öltank mit Füllstandsanzeige und Rücklauffilter.",
            ),
        ),
    ),
    FamilyProfile(
        etim_class="EC001202",
        prefix="HV",
        categories=("hydraulic-hoses-fittings",),
        weight=4,
        manufacturers=("rhenotec",),
        price=(6, 140),
        intro=(
            "The {label_lc} {series} connects hydraulic components safely up to the rated pressure.",
            "Das {label} {series} verbindet Hydraulikkomponenten sicher bis zum Nenndruck.",
        ),
        specs={
            "EF000010": Pick(prefer=("Double nipple", "Coupling sleeve", "Coupling plug", "Hydraulic hose")),
            "EF008042": Derived(
                lambda ctx, rng: (
                    rng.choice((0.5, 1, 1.5, 2, 3)) if ctx.get("EF000010") == "Hydraulic hose" else None
                ),
                unit="m",
                choices=(0.5, 0.75, 1, 1.5, 2, 3, 5),
            ),
        },
        series_fixed={"EF000010": "Hydraulic hose"},
        axes=("EF008042",),
        axis_values=(3, 6),
        series_share=0.6,
        name_parts=("{EF000010}", "{EF008042|u}"),
        facts=("EF000010", "EF008042"),
        article="{series}-{EF008042}",
        relations=(Relation("compatible", "EC001185", p=0.4, count=2, fit=None),),
    ),
    FamilyProfile(
        etim_class="EC001106",
        prefix="DS",
        label={"en": "Pressure hose", "de": "Druckschlauch"},
        categories=("hydraulic-hoses-fittings", "compressed-air-supply"),
        weight=2,
        manufacturers=("rhenotec", "auvera"),
        price=(3.5, 48),
        intro=(
            "The {label_lc} {series} is sold by the metre and cut to length on request.",
            "Der {label} {series} wird als Meterware geliefert und auf Wunsch abgelängt.",
        ),
        specs={
            "EF001310": Num("degC", choices=(60, 80, 100, 110, 125, 150)),
            "EF001708": Num("bar", choices=(6, 10, 16, 20, 40, 100, 250)),
            "EF000457": Flag(0.25),
            "EF001438": Num("mm", choices=(25000, 50000)),
        },
        series_share=0.0,
        name_parts=("{EF001708|u}", "{EF001310|u}"),
        facts=("EF001708", "EF001310"),
        listing=("EF001708", "EF001310", "EF001438"),
        article="{series}",
        commercial="metre",
        relations=(Relation("compatible", "EC001202", p=0.6, count=2, fit=None),),
        benefits=(
            (
                "Delivered in coils; the length stated is the coil length.",
                "Lieferung in Ringen; die angegebene Länge ist die Ringlänge.",
            ),
        ),
    ),
    FamilyProfile(
        etim_class="EC002634",
        prefix="VI",
        label={"en": "Valve terminal fieldbus module", "de": "Ventilinsel-Feldbusmodul"},
        categories=("valve-terminals",),
        weight=2,
        manufacturers=("auvera",),
        price=(290, 2400),
        intro=(
            "The {label_lc} {series} connects a pneumatic valve terminal directly to the fieldbus.",
            "Das {label} {series} bindet eine pneumatische Ventilinsel direkt an den Feldbus an.",
        ),
        specs={
            "EF006833": Num(choices=(4, 6, 8, 10, 12, 16, 24, 32)),
            "EF001429": Derived(lambda ctx, rng: ctx.get("EF006833")),
            "EF001993": Derived(lambda ctx, rng: ctx.get("EF006833")),
            "EF000008": Derived(lambda ctx, rng: nice(60 + ctx["EF006833"] * 10.5, 3), unit="mm"),
            "EF007534": Span("V", pairs=((24, 24), (18, 30), (20.4, 28.8))),
            "EF007532": Never(),
            "EF007533": Never(),
            "EF002991": Pick(prefer=("DC",), weight=0.95),
            "EF008216": Span("bar", pairs=((3, 8), (2, 10), (-0.9, 10), (1.5, 8))),
            "EF007389": Num("l_min", choices=(100, 200, 300, 400, 700, 1000)),
            "EF007528": Num("ms", low=8, high=25),
            "EF007529": Num("ms", low=15, high=45),
            "EF000040": Num("mm", low=90, high=150),
            "EF000049": Num("mm", low=60, high=120),
            "EF005474": Pick(prefer=("IP65", "IP67"), weight=0.95),
            **{code: Num(choices=(0, 0, 0, 1)) for code in _INTERFACE_COUNTS},
            **{code: Num(choices=(0, 0, 2, 4, 8)) for code in _IO_COUNTS},
            **{code: Flag(0.12) for code in _PROTOCOLS},
        },
        axes=("EF006833",),
        axis_values=(2, 4),
        variant_specs=("EF001429", "EF001993", "EF000008"),
        name_parts=(("{EF006833} valves", "{EF006833} Ventile"),),
        facts=("EF006833", "EF007534", "EF008216", "EF007389"),
        article="{series}-{EF006833}",
        relations=(
            Relation("compatible", "EC001888", p=0.6, count=2, fit=None),
            Relation("accessory", "EC002635", p=0.5, count=1, fit="M12"),
            Relation("accessory", "EC001855", p=0.5, count=1, fit="M12"),
        ),
    ),
    FamilyProfile(
        etim_class="EC001176",
        prefix="PF",
        label={"en": "Push-in fitting", "de": "Steckverschraubung"},
        categories=("pneumatic-fittings",),
        weight=6,
        manufacturers=("auvera",),
        price=(1.9, 42),
        intro=(
            "The {label_lc} {series} connects plastic tubing to valves, cylinders and service units: "
            "push the tube in and it holds; press the release ring to take it out again.",
            "Die {label} {series} verbindet Kunststoffschläuche mit Ventilen, Zylindern und "
            "Wartungseinheiten: Schlauch einstecken, er hält; Lösering drücken, er kommt wieder frei.",
        ),
        specs={
            "fitting_design": Pick(
                prefer=(
                    "Straight male connector",
                    "Straight male connector",
                    "Elbow male connector, swivel",
                    "Elbow male connector, swivel",
                    "Male branch tee, swivel",
                    "Bulkhead female connector",
                ),
                weight=1.0,
            ),
            "fitting_body_material": Derived(_fitting_body),
            "fitting_seal_material": Derived(_fitting_seal),
            "fda_conformity": Derived(lambda ctx, rng: ctx.get("fitting_body_material") in _FOOD_GRADE),
            "EF001742": Derived(_fitting_temperature, unit="degC"),
            "operating_pressure": Derived(_fitting_pressure, unit="bar"),
            "EF002504": Num("mm", choices=FITTING_TUBES),
            "connection_thread": Pick(prefer=("M5", "G 1/8", "G 1/4", "G 3/8", "G 1/2"), weight=1.0),
            "EF005114": Derived(
                lambda ctx, rng: min(
                    _TUBE_BORE.get(ctx["EF002504"], 4.0), _THREAD_BORE.get(ctx["connection_thread"], 4.0)
                ),
                unit="mm",
            ),
            "EF001758": Derived(
                lambda ctx, rng: "Metric" if ctx.get("connection_thread") == "M5" else "Gas-thread"
            ),
            "EF000368": Derived(lambda ctx, rng: _THREAD_LENGTH.get(ctx.get("connection_thread")), unit="mm"),
            "EF000369": Derived(_fitting_length, unit="mm"),
            "EF001761": Derived(_fitting_height, unit="mm"),
            "EF000010": Derived(_fitting_model),
            "EF001757": Derived(
                lambda ctx, rng: not (ctx.get("fitting_design") or "").startswith(("Straight", "Bulk"))
            ),
            "EF000767": Derived(
                lambda ctx, rng: (
                    "Internal thread"
                    if (ctx.get("fitting_design") or "").startswith("Bulkhead")
                    else "External thread"
                )
            ),
            "EF000064": Derived(lambda ctx, rng: "Plug-in connection"),
            "EF003659": Derived(
                lambda ctx, rng: "Brass" if ctx.get("fitting_body_material") in (_PBT, _BRASS) else None
            ),
            "EF000007": Derived(
                lambda ctx, rng: {_PBT: "Black", _POM: "Blue"}.get(ctx.get("fitting_body_material"))
            ),
            # Conduit features of the ETIM class that say nothing about a pneumatic fitting;
            # material and seal are the company attributes (the class lists only plastics).
            "EF002169": Never(),
            "EF001759": Never(),
            "EF001760": Never(),
            "EF005462": Never(),
            "EF005474": Never(),
            "EF007834": Never(),
            "EF003716": Never(),
            "EF003717": Never(),
            "EF001763": Never(),
            "EF001764": Never(),
            "EF001765": Never(),
            "EF001766": Never(),
            "EF008142": Never(),
        },
        axes=("EF002504", "connection_thread"),
        axis_values=(3, 5),
        axis_filter=_fits_thread,
        variant_specs=("EF005114", "EF000368", "EF000369", "EF001761", "EF001758"),
        series_share=0.9,
        max_variants=12,
        name_parts=(
            "{fitting_design}",
            ("tube Ø {EF002504|u}", "Schlauch-Ø {EF002504|u}"),
            "{connection_thread}",
            "{fitting_body_material}",
        ),
        # Series descriptions quote the shared values (material, FDA, temperature), variants
        # their tube and thread too.
        facts=(
            "fitting_body_material",
            "fda_conformity",
            "EF001742",
            "operating_pressure",
            "EF002504",
            "connection_thread",
        ),
        listing=("EF002504", "connection_thread", "fitting_body_material", "fda_conformity", "EF001742"),
        article="{series}-{EF002504}-{connection_thread}",
        codes={"M5": "M5", "G 1/8": "G18", "G 1/4": "G14", "G 3/8": "G38", "G 1/2": "G12"},
        relations=(
            Relation("compatible", "EC001888", p=0.3, count=1, fit=None),
            Relation("accessory", "EC001106", p=0.2, count=1, fit=None),
        ),
        benefits=(
            (
                "The tube is held by a stainless steel gripping ring and sealed by an O-ring.",
                "Der Schlauch wird von einer Edelstahl-Krallenscheibe gehalten und über einen O-Ring "
                "abgedichtet.",
            ),
            (
                "Male thread with a captive sealing ring: no thread sealant needed.",
                "Außengewinde mit unverlierbarem Dichtring: kein Gewindedichtmittel nötig.",
            ),
            ("Suitable for vacuum down to -0.95 bar.", "Vakuumtauglich bis -0,95 bar."),
        ),
    ),
    # --- sensors and switches -----------------------------------------------------------------
    FamilyProfile(
        etim_class="EC000243",
        prefix="DSW",
        categories=("pressure-measurement", "compressed-air-supply"),
        weight=3,
        manufacturers=("sensovant",),
        price=(48, 380),
        intro=(
            "The {label_lc} {series} monitors the pressure of hydraulic oil, compressed air and "
            "water and switches at the set point.",
            "Der {label} {series} überwacht den Druck von Hydrauliköl, Druckluft und Wasser und "
            "schaltet am eingestellten Schaltpunkt.",
        ),
        specs={
            "EF001964": Num("bar", choices=(10, 16, 25, 40, 63, 100, 250, 400)),
            "EF007124": Derived(
                lambda ctx, rng: (nice(ctx["EF001964"] * 0.05, 2), nice(ctx["EF001964"] * 0.6, 2)), unit="bar"
            ),
            "EF007008": Derived(
                lambda ctx, rng: (nice(ctx["EF001964"] * 0.03, 2), nice(ctx["EF001964"] * 0.55, 2)),
                unit="bar",
            ),
            "EF001410": Derived(lambda ctx, rng: (0.0, nice(ctx["EF001964"] * 0.2, 2)), unit="bar"),
            "EF001411": Derived(
                lambda ctx, rng: (nice(ctx["EF001964"] * 0.25, 2), nice(ctx["EF001964"] * 0.6, 2)), unit="bar"
            ),
            "EF008261": Derived(
                lambda ctx, rng: nice(ctx["EF001964"] * rng.uniform(0.02, 0.06), 2), unit="bar"
            ),
            "EF007365": Derived(lambda ctx, rng: _bar_to(ctx, "EF001964", 1.5), unit="bar"),
            "EF007080": Derived(lambda ctx, rng: _bar_to(ctx, "EF001964", 4), unit="bar"),
            "EF006812": Num("bar", choices=(0,)),
            "EF007134": Derived(lambda ctx, rng: _bar_to(ctx, "EF001964", 0.6), unit="bar"),
            "EF007369": Span("degC", pairs=((-25, 85), (-40, 100), (-20, 80), (-10, 120))),
            "EF007108": Pick(prefer=("G 1/2 inch", "G 3/8 inch", "R 1/4 inch")),
            "EF007029": Span("V", pairs=((230, 230), (24, 250), (110, 230)), empty=0.3),
            "EF007030": Never(),
            "EF007031": Span("V", pairs=((24, 24), (12, 30)), empty=0.5),
            "EF001364": Num("kW", choices=(1.5, 2.2, 4), empty=0.5),
            "EF001409": Num("kA", choices=(1, 3, 6), empty=0.5),
            "EF001393": Num("A", choices=(6, 10, 16)),
            "EF001392": Num("A", choices=(2.2, 4, 6.3)),
            "EF001374": Num(choices=(0, 1, 3)),
            "EF001375": Num(choices=(0, 1)),
            "EF001376": Num(choices=(0, 1)),
            "EF001377": Num(choices=(0, 1)),
            "EF003531": Num(choices=(0, 1)),
            "EF008211": Never(),
            "EF005474": Pick(prefer=("IP65", "IP54", "IP67"), weight=0.95),
            "EF004663": Flag(0.1),
        },
        axes=("EF007108", "EF001964"),
        axis_values=(1, 3),
        max_variants=8,
        name_parts=("{EF001964|bar}", "{EF007108}"),
        facts=("EF001964", "EF007124", "EF007108", "EF005474"),
        article="{series}-{EF001964}-{EF007108}",
        codes={
            "G 1/2 inch": "G12",
            "G 3/8 inch": "G38",
            "R 1/4 inch": "R14",
            "R 3/8 inch": "R38",
            "R 1/2 inch": "R12",
            "Ermeto 6 mm": "E6",
            "Ermeto 10 mm": "E10",
        },
        fit=lambda ctx: "M12",
        relations=SENSOR_ACCESSORIES,
    ),
    FamilyProfile(
        etim_class="EC002990",
        prefix="PT",
        label={"en": "Pressure transmitter", "de": "Druckmessumformer"},
        categories=("pressure-measurement",),
        weight=2,
        manufacturers=("sensovant",),
        price=(160, 980),
        intro=(
            "The {label_lc} {series} converts gauge or absolute pressure into a standard analogue signal.",
            "Der {label} {series} wandelt Relativ- oder Absolutdruck in ein analoges Normsignal um.",
        ),
        specs={
            "EF009814": Num(choices=(16, 40, 100, 160, 250, 400)),
            "EF009815": Derived(
                lambda ctx, rng: {16: 150, 40: 300, 100: 600, 160: 900, 250: 1500, 400: 2500}.get(
                    int(ctx.get("EF009814") or 0)
                )
            ),
            "EF001607": Num("mm", choices=(10, 15, 20, 25, 50)),
            "EF009813": Span("degC", pairs=((-40, 120), (-20, 100), (-40, 150), (-10, 200))),
            "EF002386": Span("degC", pairs=((-40, 85), (-20, 80), (-25, 85))),
            "EF006810": Flag(0.8),
            "EF006807": Derived(lambda ctx, rng: not ctx.get("EF006810")),
            "EF006808": Flag(0.05),
            "EF009886": Flag(0.03),
            "EF009887": Flag(0.05),
            "EF009888": Flag(0.05),
            "EF000167": Num("kg", low=0.15, high=2.5),
        },
        axes=("EF009814",),
        axis_values=(2, 4),
        variant_specs=("EF009815",),
        name_parts=("PN {EF009814}", "{EF001607|u}"),
        facts=("EF009814", "EF009813", "EF002386"),
        article="{series}-PN{EF009814}",
        fit=lambda ctx: "M12",
        relations=SENSOR_ACCESSORIES,
    ),
    FamilyProfile(
        etim_class="EC002989",
        prefix="DPT",
        categories=("pressure-measurement",),
        weight=1,
        manufacturers=("sensovant",),
        price=(240, 1450),
        intro=(
            "The {label_lc} {series} measures differential pressure across filters, orifices and pumps.",
            "Der {label} {series} misst den Differenzdruck an Filtern, Blenden und Pumpen.",
        ),
        specs={
            "EF009814": Num(choices=(16, 40, 100, 160, 250, 400)),
            "EF009816": Derived(lambda ctx, rng: ctx.get("EF009814")),
            "EF009818": Derived(lambda ctx, rng: ctx.get("EF009814")),
            "EF009815": Derived(
                lambda ctx, rng: {16: 150, 40: 300, 100: 600, 160: 900, 250: 1500, 400: 2500}.get(
                    int(ctx.get("EF009814") or 0)
                )
            ),
            "EF009817": Derived(lambda ctx, rng: ctx.get("EF009815")),
            "EF009819": Derived(lambda ctx, rng: ctx.get("EF009815")),
            "EF009813": Span("degC", pairs=((-40, 120), (-20, 100), (-40, 150))),
            "EF002386": Span("degC", pairs=((-40, 85), (-20, 80))),
            "EF006810": Flag(0.85),
            "EF006807": Derived(lambda ctx, rng: not ctx.get("EF006810")),
            "EF006808": Flag(0.05),
            "EF009886": Flag(0.03),
            "EF009887": Flag(0.05),
            "EF009888": Flag(0.05),
            "EF000167": Num("kg", low=0.8, high=4.5),
        },
        axes=("EF009814",),
        axis_values=(2, 3),
        variant_specs=("EF009816", "EF009818", "EF009815", "EF009817", "EF009819"),
        name_parts=("PN {EF009814}",),
        facts=("EF009814", "EF009813"),
        listing=("EF009814", "EF009813", "EF002386", "EF006810"),
        article="{series}-PN{EF009814}",
        fit=lambda ctx: "M12",
        relations=SENSOR_ACCESSORIES,
    ),
    FamilyProfile(
        etim_class="EC002714",
        prefix="IN",
        categories=("proximity-switches",),
        weight=5,
        manufacturers=("sensovant",),
        price=(19, 140),
        intro=(
            "The {label_lc} {series} detects metal objects without contact and wear-free.",
            "Der {label} {series} erfasst metallische Objekte berührungslos und verschleißfrei.",
        ),
        specs={
            "EF007111": Num("mm", choices=(8, 12, 18, 30)),
            "EF004041": Pick(prefer=("Concise", "Not flat"), weight=0.95),
            "EF003647": Derived(_proximity_distance, unit="mm"),
            "EF007334": Derived(lambda ctx, rng: rng.choice((30.0, 40.0, 50.0, 60.0, 70.0)), unit="mm"),
            "EF003587": Derived(
                lambda ctx, rng: {8: 2000.0, 12: 1500.0, 18: 1000.0, 30: 500.0}.get(
                    int(ctx.get("EF007111") or 12)
                ),
                unit="Hz",
            ),
            "EF007094": Never(),
            "EF007283": Never(),
            "EF003962": Pick(prefer=("PNP", "NPN")),
            "EF003963": Pick(prefer=("Normally open contact", "Breaker contact", "Change-over contact")),
            "EF003961": Pick(prefer=("Plug", "Cable", "Cable with connector")),
            "EF004008": Pick(prefer=("Cylinder, screw-thread",), weight=0.9),
            "EF004127": Span("V", pairs=((10, 30), (10, 30), (10, 36), (20, 250))),
            "EF003978": Never(),
            "EF003979": Never(),
            "EF003980": Span("V", pairs=((10, 30), (10, 36))),
            "EF000187": Pick(prefer=("DC",), weight=0.9),
            "EF001596": Pick(prefer=("Metal",), weight=0.85),
            "EF001601": Pick(prefer=("Nickel-plated",), weight=0.7),
            "EF006949": Pick(prefer=("Metallic Target",), weight=0.95),
            "EF001597": Flag(0.05),
            "EF004106": Never(),
            "EF003951": Num(choices=(0,)),
            "EF003952": Num(choices=(0,)),
            "EF003945": Num(choices=(1,)),
            "EF003946": Num(choices=(0,)),
            "EF004035": Never(),
            "EF007106": Flag(0.1),
            "EF000507": Flag(0.05),
            "EF004052": Flag(0.05),
        },
        axes=("EF007111", "EF003962"),
        axis_values=(2, 3),
        variant_specs=("EF003647", "EF003587"),
        name_parts=("M{EF007111}", "{EF003647|u}", "{EF003962}"),
        facts=("EF007111", "EF003647", "EF003962", "EF004127"),
        article="{series}-M{EF007111}-{EF003962}",
        fit=lambda ctx: "M8" if ctx.get("EF007111") == 8 else "M12",
        relations=(
            Relation("accessory", "EC001855", p=0.8, count=3),
            Relation("accessory", "EC002062", p=0.5, count=2),
        ),
        benefits=(
            (
                "LED switching status indicator visible from all sides.",
                "Rundum sichtbare LED-Schaltzustandsanzeige.",
            ),
        ),
    ),
    FamilyProfile(
        etim_class="EC002616",
        prefix="TS",
        categories=("temperature-switches",),
        weight=2,
        manufacturers=("sensovant",),
        price=(35, 290),
        intro=(
            "The {label_lc} {series} switches heaters, fans and alarms at the set temperature.",
            "Der {label} {series} schaltet Heizungen, Lüfter und Meldungen bei der eingestellten Temperatur.",
        ),
        specs={
            "EF007125": Span("degC", pairs=((0, 90), (20, 120), (-30, 40), (50, 300), (30, 110))),
            "EF007009": Derived(
                lambda ctx, rng: (ctx["EF007125"][0] - 5, ctx["EF007125"][1] - 5), unit="degC"
            ),
            "EF001310": Derived(lambda ctx, rng: ctx["EF007125"][1] + rng.choice((10, 20, 30)), unit="degC"),
            "EF007373": Num("degC", choices=(2, 3, 4, 5, 8, 10)),
            "EF007369": Derived(
                lambda ctx, rng: (ctx["EF007125"][0] - 10, ctx["EF007125"][1] + 10), unit="degC"
            ),
            "EF003948": Pick(prefer=("Capillary tube", "PT100", "Bimetal", "Sensor probe")),
            "EF003978": Span("V", pairs=((230, 230), (24, 250)), empty=0.3),
            "EF003979": Never(),
            "EF003980": Span("V", pairs=((24, 24),), empty=0.6),
            "EF001393": Num("A", choices=(6, 10, 16)),
            "EF008256": Num(choices=(0, 1)),
            "EF008255": Num(choices=(0, 1)),
            "EF008257": Num(choices=(1,)),
            "EF005474": Pick(prefer=("IP40", "IP54", "IP65"), weight=0.95),
            "EF004663": Flag(0.08),
        },
        axes=("EF003948",),
        axis_values=(2, 3),
        name_parts=("{EF007125|u}", "{EF003948}"),
        facts=("EF007125", "EF003948", "EF001393"),
        article="{series}-{EF003948}",
        codes={
            "Capillary tube": "KA",
            "PT100": "PT",
            "Bimetal": "BM",
            "Sensor probe": "FS",
            "NTC": "NT",
            "NiCr-NI": "NC",
            "Semiconductor": "HL",
        },
        fit=lambda ctx: "M12",
        relations=(Relation("accessory", "EC002062", p=0.4, count=1, fit="M12"),),
    ),
    # --- connectors ---------------------------------------------------------------------------
    FamilyProfile(
        etim_class="EC002635",
        prefix="RS",
        label={"en": "Circular connector", "de": "Rundsteckverbinder"},
        categories=("circular-connectors",),
        weight=5,
        manufacturers=("kontivo",),
        price=(6.5, 68),
        intro=(
            "The {label_lc} {series} connects power and signals of machines and field devices, "
            "vibration-proof thanks to its screw locking.",
            "Der {label} {series} verbindet Energie und Signale von Maschinen und Feldgeräten, "
            "dank Schraubverriegelung rüttelsicher.",
        ),
        specs={
            "EF004759": Num("mm", choices=(8, 12, 12, 16, 23)),
            "EF007496": Derived(
                lambda ctx, rng: {8: 10.0, 12: 14.5, 16: 20.0, 23: 26.0}.get(int(ctx["EF004759"])), unit="mm"
            ),
            "EF008253": Num(choices=(3, 4, 5, 8, 12)),
            "EF001587": Pick(prefer=("Pin", "Bus")),
            "EF008250": Derived(
                lambda ctx, rng: 8.0 if ctx["EF004759"] >= 23 else 4.0 if ctx["EF008253"] <= 5 else 2.0,
                unit="A",
            ),
            "EF000228": Derived(
                lambda ctx, rng: 30.0 if ctx["EF004759"] == 8 else 250.0 if ctx["EF008253"] <= 4 else 60.0,
                unit="V",
            ),
            "EF002386": Span("degC", pairs=((-25, 85), (-40, 85), (-40, 105))),
            "EF002393": Span("degC", pairs=((-25, 85), (-40, 85))),
            "EF006785": Pick(prefer=("II", "III")),
            "EF006786": Pick(prefer=("3",)),
            "EF007337": Span("mm2", pairs=((0.14, 0.75), (0.25, 1.5))),
            "EF007339": Span("mm2", pairs=((0.14, 0.5), (0.25, 0.75))),
            "EF007341": Span("mm2", pairs=((0.14, 0.75), (0.25, 1.0))),
            "EF007343": Span("mm2", pairs=((0.14, 0.75), (0.25, 1.5))),
            "EF003961": Pick(prefer=("Screw connection", "Crimp connection", "Soldering connection")),
            "EF004020": Pick(prefer=("Gold", "Silver", "Nickel")),
            "EF007544": Pick(prefer=("Brass", "Copper", "Bronze")),
            "EF007543": Pick(prefer=("Thermoplastic",)),
            "EF001596": Pick(prefer=("Brass", "Zinc", "Plastic", "Stainless steel")),
            "EF007385": Flag(0.8),
            "EF000208": Pick(prefer=("Gland nut", "Push Pull", "Bayonet")),
            "EF002521": Pick(prefer=("V0",)),
            "EF007468": Derived(lambda ctx, rng: ctx["EF000228"] >= 250),
            "EF007466": Pick(prefer=("IP67", "IP68", "IP65"), weight=0.95),
            "EF008247": Derived(
                lambda ctx, rng: rng.choice(("A", "A", "B", "D")) if ctx["EF004759"] == 12 else None
            ),
            "EF007303": Derived(lambda ctx, rng: "5E" if ctx.get("EF008247") == "D" else None),
        },
        axes=("EF008253", "EF001587"),
        axis_values=(2, 3),
        axis_filter=lambda ctx: not (ctx["EF004759"] == 8 and ctx["EF008253"] > 8),
        variant_specs=("EF008250", "EF000228", "EF007468"),
        name_parts=("M{EF004759}", ("{EF008253}-pin", "{EF008253}-polig"), "{EF001587}"),
        facts=("EF004759", "EF008253", "EF008250", "EF000228", "EF007466"),
        article="{series}-M{EF004759}-{EF008253}{EF001587}",
        codes={"Pin": "ST", "Bus": "BU", "Hermaphrodite": "HE"},
        fit=_m_fit("EF004759"),
        relations=(Relation("compatible", "EC002635", p=0.5, count=1),),
    ),
    FamilyProfile(
        etim_class="EC002062",
        prefix="SAK",
        categories=("sensor-actuator-cabling", "sensor-accessories"),
        weight=4,
        manufacturers=("kontivo", "sensovant"),
        price=(4.9, 32),
        intro=(
            "The field-attachable {label_lc} {series} connects sensors and actuators to the fieldbus box.",
            "Der konfektionierbare {label} {series} schließt Sensoren und Aktoren an die Feldbusbox an.",
        ),
        specs={
            "EF008231": Pick(prefer=("M12", "M12", "M8", "Valve A", "Valve B", "Valve C"), weight=0.95),
            "EF000054": Pick(prefer=("3", "4", "5", "8")),
            "EF000010": Pick(),
            "EF008218": Pick(prefer=("Straight", "Vertical")),
            "EF003961": Pick(
                prefer=("Screw connection", "Spring pressure", "Insulation displacement connector")
            ),
            "EF000881": Flag(0.25),
            "EF000018": Num("mm2", choices=(0.25, 0.34, 0.5, 0.75)),
            "EF008217": Span("mm", pairs=((4, 6), (6, 8), (3.5, 5), (5, 8))),
            "EF001596": Pick(prefer=("Plastic", "Metal")),
        },
        axes=("EF000054", "EF000010"),
        axis_values=(1, 3),
        axis_filter=lambda ctx: (
            not (ctx.get("EF008231") in ("M8", "M5") and ctx.get("EF000054") not in ("3", "4"))
            and not (
                (ctx.get("EF008231") or "").startswith("Valve") and ctx.get("EF000054") not in ("3", "4")
            )
        ),
        name_parts=("{EF008231}", ("{EF000054}-pin", "{EF000054}-polig"), "{EF000010}"),
        facts=("EF008231", "EF000054", "EF000010", "EF008217"),
        article="{series}-{EF008231}-{EF000054}{EF000010}",
        codes={
            "Male (plug)": "ST",
            "Female (bus)": "BU",
            "Valve A": "VA",
            "Valve B": "VB",
            "Valve B1": "VB1",
            "Valve C": "VC",
        },
        fit=_connector_fit("EF008231"),
        relations=(Relation("compatible", "EC002714", p=0.5, count=2),),
    ),
    FamilyProfile(
        etim_class="EC001855",
        prefix="SAL",
        categories=("sensor-actuator-cabling", "sensor-accessories"),
        weight=5,
        manufacturers=("kontivo",),
        price=(6.9, 58),
        intro=(
            "The pre-assembled {label_lc} {series} is ready to plug in, halogen-free and suitable "
            "for drag chains.",
            "Das konfektionierte {label} {series} ist steckfertig, halogenfrei und schleppkettentauglich.",
        ),
        specs={
            "EF005525": Pick(prefer=("M12", "M12", "M8")),
            "EF006269": Pick(prefer=("Female (bus)",), weight=0.85),
            "EF005928": Pick(prefer=("Straight", "Angled")),
            "EF005524": Pick(prefer=("Free conductor end",), weight=0.65),
            "EF008386": Derived(
                lambda ctx, rng: None if ctx.get("EF005524") == "Free conductor end" else "Male (plug)"
            ),
            "EF005927": Derived(
                lambda ctx, rng: None if ctx.get("EF005524") == "Free conductor end" else "Straight"
            ),
            "EF000536": Num("m", choices=(0.3, 0.6, 1, 2, 3, 5, 10, 15)),
            "EF001391": Num(choices=(3, 4, 5)),
            "EF004136": Pick(prefer=("PUR (Polyurethane)", "PVC")),
            "EF000025": Derived(lambda ctx, rng: ctx.get("EF004136") == "PUR (Polyurethane)"),
            "EF008249": Pick(prefer=("Black", "Grey", "Yellow", "Orange")),
            "EF005950": Flag(0.3),
            "EF000881": Flag(0.2),
            "EF000563": Pick(prefer=("Multi-core",), weight=0.95),
            "EF004115": Flag(0.1),
            "EF008248": Pick(prefer=("CuZn", "CuSn")),
            "EF004020": Pick(prefer=("Au", "Ni/Au")),
            "EF001686": Span("degC", pairs=((-40, 80), (-40, 90), (-25, 80))),
            "EF001685": Span("degC", pairs=((-25, 80), (-20, 80), (-5, 70))),
            "EF008250": Derived(lambda ctx, rng: 3.0 if ctx.get("EF005525") == "M8" else 4.0, unit="A"),
            "EF000228": Derived(lambda ctx, rng: 30.0 if ctx.get("EF005525") == "M8" else 250.0, unit="V"),
            "EF003992": Num("mOhm", choices=(5, 8, 10)),
        },
        axes=("EF000536", "EF001391"),
        axis_values=(2, 5),
        axis_filter=lambda ctx: not (ctx.get("EF005525") == "M8" and ctx.get("EF001391") == 5),
        name_parts=("{EF005525}", ("{EF001391}-pin", "{EF001391}-polig"), "{EF000536|u}", "{EF004136}"),
        facts=("EF005525", "EF001391", "EF000536", "EF004136"),
        article="{series}-{EF005525}-{EF001391}-{EF000536}",
        fit=_connector_fit("EF005525"),
        relations=(Relation("compatible", "EC002714", p=0.5, count=2),),
    ),
    # --- drive technology -----------------------------------------------------------------------
    FamilyProfile(
        etim_class="EC001851",
        prefix="DM3",
        label={"en": "Three-phase motor", "de": "Drehstrommotor"},
        categories=("electric-motors",),
        weight=4,
        manufacturers=("bernholt",),
        price=(180, 6900),
        intro=(
            "The {label_lc} {series} is an IEC standard motor for pumps, fans, conveyors and compressors.",
            "Der {label} {series} ist ein IEC-Normmotor für Pumpen, Lüfter, Förderanlagen und Kompressoren.",
        ),
        specs={
            "EF003976": Num("kW", choices=tuple(IEC_MOTORS)),
            "EF001391": Num(choices=(4, 4, 2, 6)),
            "EF000010": Pick(prefer=("Rotary current asynchronous motor",), weight=0.85),
            "EF000351": Derived(lambda ctx, rng: 1.0 if ctx.get("EF000010") == "Capacitor motor" else 3.0),
            "EF000228": Derived(lambda ctx, rng: 230.0 if ctx.get("EF000351") == 1 else 400.0, unit="V"),
            "EF000227": Derived(_motor_current, unit="A"),
            "EF001663": Span("Hz", pairs=((50, 50), (50, 60))),
            "EF000187": Pick(prefer=("AC",), weight=0.97),
            "EF025740": Derived(lambda ctx, rng: round(min(0.88, 0.68 + ctx["EF003976"] ** 0.3 * 0.06), 2)),
            "EF003974": Derived(_motor_speed, unit="rpm"),
            "EF025725": Derived(_motor_torque, unit="Nm"),
            "EF009243": Derived(lambda ctx, rng: _motor(ctx, 0), unit="mm"),
            "EF009244": Derived(lambda ctx, rng: _motor(ctx, 2), unit="percent"),
            "EF009245": Num(choices=(5.5, 6, 6.5, 7, 7.5)),
            "EF009246": Num(choices=(2, 2.2, 2.4, 2.6)),
            "EF009247": Num(choices=(2.5, 2.8, 3, 3.2)),
            "EF005474": Pick(prefer=("IP55", "IP54", "IP65"), weight=0.95),
            "EF000767": Pick(prefer=("IM 1001 (B3)", "IM 3001 (B5)", "IM 3601 (B14)", "IM 2001 (B35)")),
            "EF000758": Pick(prefer=("IE3", "IE2")),
            "EF023092": Pick(prefer=("F",), weight=0.9),
            "EF008908": Pick(prefer=("S1",), weight=0.9),
            "EF023012": Pick(prefer=("Ball bearing",), weight=0.95),
            "EF024474": Flag(0.2),
            "EF009248": Derived(lambda ctx, rng: 230.0 if ctx.get("EF024474") else None, unit="V"),
            "EF009249": Derived(
                lambda ctx, rng: rng.choice((25.0, 40.0, 50.0)) if ctx.get("EF024474") else None, unit="W"
            ),
            "EF009250": Flag(0.5),
            "EF009251": Flag(0.1),
            "EF009252": Pick(prefer=("None",), weight=0.9),
            "EF022077": Flag(0.7),
            "EF002393": Span("degC", pairs=((-20, 40), (-30, 40), (-20, 60))),
            "EF009253": Flag(0.6),
            "EF009254": Pick(prefer=("Air",), weight=0.95),
            "EF009255": Pick(prefer=("Key",), weight=0.95),
            "EF009256": Pick(prefer=("None", "Polyester")),
        },
        axes=("EF003976",),
        axis_values=(3, 6),
        variant_specs=("EF000227", "EF025740", "EF025725", "EF009243", "EF009244"),
        name_parts=("{EF003976|u}", ("{EF001391}-pole", "{EF001391}-polig"), "{EF000758}"),
        facts=("EF003976", "EF003974", "EF000227", "EF000758", "EF005474"),
        article="{series}-{EF003976}-{EF001391}",
        relations=(
            Relation("accessory", "EC002635", p=0.4, count=1, fit="M23"),
            Relation("compatible", "EC000428", p=0.3, count=2, fit=None),
        ),
        benefits=(("Suitable for operation on a frequency inverter.", "Für Umrichterbetrieb geeignet."),),
    ),
    FamilyProfile(
        etim_class="EC002987",
        prefix="GM",
        label={"en": "Gear motor for doors and gates", "de": "Getriebemotor für Tore"},
        categories=("gear-motors",),
        weight=1,
        manufacturers=("bernholt",),
        price=(210, 1290),
        intro=(
            "The {label_lc} {series} moves sliding doors and gates smoothly with soft start and soft stop.",
            "Der {label} {series} bewegt Schiebetüren und -tore ruckfrei mit Sanftanlauf und Sanftauslauf.",
        ),
        specs={
            "EF002745": Num("kg", choices=(300, 500, 800, 1000, 1500, 2000)),
            "EF003705": Derived(lambda ctx, rng: nice(1.5 + ctx["EF002745"] / 400, 2), unit="A"),
            "EF025711": Num("m_s", choices=(0.15, 0.18, 0.2, 0.25)),
            "EF025542": Num(choices=(20, 28, 36, 40, 56)),
            "EF007534": Span("V", pairs=((24, 24),)),
            "EF009796": Pick(prefer=("Left", "Right")),
            "EF005474": Pick(prefer=("IP54", "IP44"), weight=0.95),
            "EF001438": Num("mm", low=250, high=420),
            "EF000040": Num("mm", low=180, high=320),
            "EF000551": Num("mm", choices=(60, 80, 100)),
        },
        axes=("EF002745",),
        axis_values=(2, 4),
        variant_specs=("EF003705",),
        name_parts=("{EF002745|u}", "{EF007534|u} DC"),
        facts=("EF002745", "EF025711", "EF007534"),
        article="{series}-{EF002745}",
        relations=(Relation("accessory", "EC002635", p=0.3, count=1, fit=None),),
    ),
    # --- fasteners ----------------------------------------------------------------------------
    FamilyProfile(
        etim_class="EC002380",
        prefix="HSB",
        categories=("screws-bolts",),
        weight=14,
        manufacturers=("stellmark",),
        price=(4.5, 95),
        intro=(
            "{label} {series} with metric ISO thread for detachable connections in mechanical "
            "engineering and steel construction.",
            "{label} {series} mit metrischem ISO-Gewinde für lösbare Verbindungen im "
            "Maschinen- und Stahlbau.",
        ),
        specs={
            "EF003563": Num(choices=THREAD_SIZES),
            "EF001438": Num("mm", choices=BOLT_LENGTHS),
            "EF003712": Derived(lambda ctx, rng: thread(ctx)[0] if thread(ctx) else None, unit="mm"),
            "EF000177": Derived(lambda ctx, rng: thread(ctx)[1] if thread(ctx) else None, unit="mm"),
            "EF002169": Pick(prefer=("Steel", "Stainless steel")),
            "EF001257": Derived(
                lambda ctx, rng: (
                    rng.choice(("8.8 (steel)", "8.8 (steel)", "10.9 (steel)"))
                    if ctx.get("EF002169") == "Steel"
                    else rng.choice(
                        ("Stainless steel A2-70", "Stainless steel A4-70", "Stainless steel A4-80")
                    )
                    if ctx.get("EF002169") == "Stainless steel"
                    else None
                )
            ),
            "EF000139": Derived(
                lambda ctx, rng: (
                    rng.choice(("Galvanic/electrolytic zinc plated", "Untreated", "Hot dip galvanized"))
                    if ctx.get("EF002169") == "Steel"
                    else "Untreated"
                )
            ),
            "EF001758": Derived(_metric_thread_type),
            "EF003715": Never(),
            "EF009106": Flag(0.6),
            "EF005059": Flag(0.05),
            "EF005076": Flag(0.05),
        },
        axes=("EF003563", "EF001438"),
        axis_values=(3, 6),
        axis_filter=lambda ctx: 2 * ctx["EF003563"] <= ctx["EF001438"] <= 10 * ctx["EF003563"],
        variant_specs=("EF003712", "EF000177"),
        series_share=0.9,
        max_variants=30,
        name_parts=("M{EF003563} × {EF001438|u}", "{EF001257}"),
        facts=("EF003563", "EF001438", "EF001257", "EF000139"),
        listing=("EF003563", "EF001438", "EF001257", "EF002169"),
        series_format="{prefix}{number}",
        article="{series}.M{EF003563}x{EF001438}.{EF001257}",
        codes={
            "8.8 (steel)": "88",
            "10.9 (steel)": "109",
            "12.9 (steel)": "129",
            "Stainless steel A2-70": "A2",
            "Stainless steel A4-70": "A4",
            "Stainless steel A4-80": "A480",
            "PA 6.6 (synthetic)": "PA",
        },
        commercial="pack",
        fit=_m_fit("EF003563"),
        relations=(
            Relation("accessory", "EC000129", p=0.8, count=2),
            Relation("accessory", "EC000098", p=0.7, count=1),
        ),
    ),
    FamilyProfile(
        etim_class="EC002356",
        prefix="ISK",
        categories=("screws-bolts",),
        weight=10,
        manufacturers=("stellmark",),
        price=(5.5, 120),
        intro=(
            "{label} {series} for high preload forces where space for the wrench is limited.",
            "{label} {series} für hohe Vorspannkräfte bei wenig Platz für das Werkzeug.",
        ),
        specs={
            "EF003563": Num(choices=THREAD_SIZES),
            "EF001438": Num("mm", choices=BOLT_LENGTHS),
            "EF000177": Derived(lambda ctx, rng: thread(ctx)[2] if thread(ctx) else None, unit="mm"),
            "EF002169": Pick(prefer=("Steel", "Stainless steel")),
            "EF001257": Derived(
                lambda ctx, rng: (
                    rng.choice(("8.8 (steel)", "12.9 (steel)", "12.9 (steel)"))
                    if ctx.get("EF002169") == "Steel"
                    else rng.choice(("Stainless steel A2-70", "Stainless steel A4-70"))
                    if ctx.get("EF002169") == "Stainless steel"
                    else None
                )
            ),
            "EF000139": Derived(
                lambda ctx, rng: (
                    rng.choice(("Galvanic/electrolytic zinc plated", "Untreated"))
                    if ctx.get("EF002169") == "Steel"
                    else "Untreated"
                )
            ),
            "EF000012": Pick(prefer=("Cylinder",), weight=0.9),
        },
        axes=("EF003563", "EF001438"),
        axis_values=(3, 6),
        axis_filter=lambda ctx: 1.6 * ctx["EF003563"] <= ctx["EF001438"] <= 8 * ctx["EF003563"],
        variant_specs=("EF000177",),
        series_share=0.9,
        max_variants=30,
        name_parts=("M{EF003563} × {EF001438|u}", "{EF001257}"),
        facts=("EF003563", "EF001438", "EF001257", "EF000012"),
        listing=("EF003563", "EF001438", "EF001257", "EF002169"),
        series_format="{prefix}{number}",
        article="{series}.M{EF003563}x{EF001438}.{EF001257}",
        codes={
            "8.8 (steel)": "88",
            "10.9 (steel)": "109",
            "12.9 (steel)": "129",
            "Stainless steel A2-70": "A2",
            "Stainless steel A4-70": "A4",
            "Stainless steel A4-80": "A480",
            "PA 6.6 (synthetic)": "PA",
        },
        commercial="pack",
        fit=_m_fit("EF003563"),
        relations=(
            Relation("accessory", "EC000098", p=0.6, count=1),
            Relation("accessory", "EC000129", p=0.4, count=1),
        ),
    ),
    FamilyProfile(
        etim_class="EC000129",
        prefix="SKM",
        categories=("nuts",),
        weight=7,
        manufacturers=("stellmark",),
        price=(2.9, 60),
        intro=(
            "{label} {series} with metric ISO thread, the standard nut for hexagon head bolts.",
            "{label} {series} mit metrischem ISO-Gewinde, die Standardmutter für Sechskantschrauben.",
        ),
        specs={
            "EF003563": Num(choices=THREAD_SIZES),
            "EF003712": Derived(lambda ctx, rng: thread(ctx)[0] if thread(ctx) else None, unit="mm"),
            "EF000177": Derived(lambda ctx, rng: thread(ctx)[1] if thread(ctx) else None, unit="mm"),
            "EF000040": Derived(lambda ctx, rng: thread(ctx)[3] if thread(ctx) else None, unit="mm"),
            "EF002169": Pick(prefer=("Steel", "Stainless steel", "Brass")),
            "EF001257": Derived(
                lambda ctx, rng: (
                    rng.choice(("8 (steel)", "10 (steel)"))
                    if ctx.get("EF002169") == "Steel"
                    else rng.choice(
                        (
                            OneOf(("Stainless steel A2-70", "Stainless steel V2A")),
                            OneOf(("Stainless steel A4-70", "Stainless steel V4A")),
                        )
                    )
                    if ctx.get("EF002169") == "Stainless steel"
                    else "Cu2/Cu3 (brass)"
                    if ctx.get("EF002169") == "Brass"
                    else None
                )
            ),
            "EF000139": Derived(
                lambda ctx, rng: (
                    rng.choice(("Galvanic/electrolytic zinc plated", "Untreated"))
                    if ctx.get("EF002169") == "Steel"
                    else "Untreated"
                )
            ),
            "EF001758": Derived(_metric_thread_type),
            "EF003715": Never(),
            "EF000025": Flag(0.9, empty=0.5),
            "EF009144": Flag(0.05),
            "EF009145": Derived(lambda ctx, rng: "Metric" if ctx.get("EF009144") else None),
        },
        axes=("EF003563",),
        axis_values=(4, 8),
        variant_specs=("EF003712", "EF000177", "EF000040"),
        series_share=0.9,
        name_parts=("M{EF003563}", "{EF001257}"),
        facts=("EF003563", "EF001257", "EF000139"),
        series_format="{prefix}{number}",
        article="{series}.M{EF003563}.{EF001257}",
        codes={
            "8 (steel)": "8",
            "10 (steel)": "10",
            "Stainless steel A2-70": "A2",
            "Stainless steel A4-70": "A4",
            "Stainless steel V2A": "A2",
            "Stainless steel V4A": "A4",
            "Cu2/Cu3 (brass)": "MS",
        },
        commercial="pack",
        fit=_m_fit("EF003563"),
        relations=(Relation("compatible", "EC002380", p=0.6, count=2),),
    ),
    FamilyProfile(
        etim_class="EC000098",
        prefix="USS",
        categories=("washers",),
        weight=5,
        manufacturers=("stellmark",),
        price=(1.9, 38),
        intro=(
            "{label} {series} according to ISO 7089 distributes the preload of bolts and nuts.",
            "{label} {series} nach ISO 7089 verteilt die Vorspannkraft von Schrauben und Muttern.",
        ),
        specs={
            "EF003566": Num(choices=THREAD_SIZES),
            "EF000065": Derived(
                lambda ctx, rng: thread(ctx, "EF003566")[4][0] if thread(ctx, "EF003566") else None, unit="mm"
            ),
            "EF000015": Derived(
                lambda ctx, rng: thread(ctx, "EF003566")[4][1] if thread(ctx, "EF003566") else None, unit="mm"
            ),
            "EF000125": Derived(
                lambda ctx, rng: thread(ctx, "EF003566")[4][2] if thread(ctx, "EF003566") else None, unit="mm"
            ),
            "EF002169": Pick(prefer=("Steel", "Stainless steel")),
            "EF001257": Derived(
                lambda ctx, rng: (
                    "C45 (steel)"
                    if ctx.get("EF002169") == "Steel"
                    else rng.choice(("Stainless steel V2A", "Stainless steel V4A"))
                    if ctx.get("EF002169") == "Stainless steel"
                    else None
                )
            ),
            "EF000139": Derived(
                lambda ctx, rng: (
                    rng.choice(("Galvanic/electrolytic zinc plated", "Untreated"))
                    if ctx.get("EF002169") == "Steel"
                    else "Untreated"
                )
            ),
            "EF001259": Flag(0.1),
            "EF004739": Flag(0.15),
        },
        axes=("EF003566",),
        axis_values=(4, 8),
        variant_specs=("EF000065", "EF000015", "EF000125"),
        series_share=0.9,
        name_parts=("M{EF003566}", "{EF000065|u} × {EF000015|u}", "{EF001257}"),
        facts=("EF003566", "EF000065", "EF000015", "EF001257"),
        series_format="{prefix}{number}",
        article="{series}.{EF003566}.{EF001257}",
        codes={"C45 (steel)": "ST", "Stainless steel V2A": "A2", "Stainless steel V4A": "A4"},
        commercial="pack",
        fit=_m_fit("EF003566"),
        relations=(Relation("compatible", "EC002380", p=0.5, count=2),),
    ),
]

PROFILES_BY_CLASS = {profile.etim_class: profile for profile in PROFILES}

# Features several classes share: used when the class profile does not say.
FEATURE_SPECS = {
    "EF005474": Pick(prefer=("IP54", "IP65", "IP67"), weight=0.95),  # degree of protection
    "EF007466": Pick(prefer=IP_OUTDOOR, weight=0.95),
    "EF000008": Num("mm", low=40, high=400),  # width
    "EF000040": Num("mm", low=30, high=400),  # height
    "EF000049": Num("mm", low=30, high=300),  # depth
    "EF000167": Num("kg", low=0.1, high=25),  # weight
    "EF003997": Pick(prefer=("None",), weight=0.9),  # ATEX gas
    "EF003998": Pick(prefer=("None",), weight=0.9),  # ATEX dust
    "EF009889": Pick(prefer=("None",), weight=0.8),  # SIL
    "EF007399": Pick(prefer=("None",), weight=0.8),  # performance level
    "EF006782": Pick(prefer=("B",), weight=0.8),  # category EN 954-1
    "EF004106": Num(choices=(1, 2), empty=0.6),  # SIL as number
}
