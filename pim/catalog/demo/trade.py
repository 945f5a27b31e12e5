"""Trade and logistics data of the demo catalog: what a real supplier of these product kinds
sends besides the technical values.

Per ETIM class: the customs tariff number (EU Combined Nomenclature, 8 digits, chosen by
what the article is made of or how big it is where the nomenclature asks), keywords in
English and German, where such goods come from (a supplier's real mix: mostly Germany, some
Italy, Switzerland, China, Japan), delivery times, a discount group, the declarations that
apply (CE only where a directive asks for the marking; RoHS only for electrical and
electronic equipment; REACH for every article, with lead in brass above 0.1 % as the SVHC
case) and, for small parts, packing units with their own GTINs.

Weights come from the article's size where its values say it (fasteners from thread and
length, motors from the IEC frame size, compressors from the tank, fittings from the tube
diameter, hoses from the pressure class), else from where its price lies in the class's
range (a bigger article of a class costs more). Outer dimensions follow from the weight and
a typical shape and density of the kind. Every figure is deterministic for the drawn values.

The demo has no article that is dangerous goods (no lubricants, sprays or gases): no UN
numbers are set.
"""

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from random import Random

from ..identifiers import gtin_check_digit
from ..models import PackingUnit, PackingUnitCode, ReachStatus, RohsStatus
from .profiles import _BRASS, _PBT, _STAINLESS
from .specs import IEC_MOTORS, METRIC_THREADS, nice

KG = Decimal("0.000001")
MM = Decimal("0.1")
STEEL, STAINLESS_STEEL, BRASS_DENSITY = 7.85, 7.9, 8.5  # g/cm³
CARTON_LIMIT_KG = 20.0  # what one person may lift: cartons of packs stay below it

ORIGINS_GERMAN = (("DE", 0.8), ("IT", 0.1), ("CH", 0.1))
ORIGINS_MACHINES = (("DE", 0.6), ("IT", 0.3), ("CN", 0.1))
ORIGINS_SENSORS = (("DE", 0.6), ("CH", 0.25), ("JP", 0.15))
ORIGINS_SMALL_PARTS = (("DE", 0.5), ("CN", 0.3), ("JP", 0.1), ("IT", 0.1))
ORIGINS_FASTENERS = (("DE", 0.5), ("CN", 0.3), ("IT", 0.2))


@dataclass(frozen=True)
class TradeProfile:
    """How one ETIM class of the demo is traded and shipped."""

    tariff: str | Callable[[dict], str]  # CN code, or fn(values) -> CN code
    keywords: tuple[str, str]  # (English, German), comma-separated
    weight: tuple[float, float]  # net kg of the smallest and the largest article of the class
    density: float  # effective kg/dm³ of the article's outer box (air and plastic included)
    shape: tuple[float, float, float]  # proportions of length, width, height
    discount_group: str
    origins: tuple = ORIGINS_GERMAN
    delivery: tuple[int, int] = (2, 10)  # working days
    ce: bool = False
    electrical: bool = False  # electrical/electronic equipment: RoHS applies
    piece_weight: Callable[[dict], float | None] | None = None  # kg from the values
    packs: tuple = ()  # (PackingUnitCode, order units, may be opened) of small parts
    lead_in_brass: Callable[[dict], bool] | None = None  # REACH: lead (SVHC) in a brass part


# --- weights from sizes -----------------------------------------------------------------------


def _grams(volume_mm3: float, density: float) -> float:
    return volume_mm3 * density / 1000.0


def _material_density(ctx) -> float:
    material = ctx.get("EF002169") or ""
    if material == "Brass":
        return BRASS_DENSITY
    return STAINLESS_STEEL if material == "Stainless steel" else STEEL


def _bolt_kg(ctx, socket_head: bool) -> float | None:
    size, length = ctx.get("EF003563"), ctx.get("EF001438")
    row = METRIC_THREADS.get(int(size)) if size else None
    if row is None or not length:
        return None
    d = float(size)
    shank = math.pi / 4 * d * d * float(length) * 0.93  # the thread takes some 7 %
    cylinder_head = math.pi / 4 * (1.5 * d) ** 2 * d * 0.9  # less the socket
    hexagon_head = 0.866 * row[1] ** 2 * 0.7 * d  # across flats from the table, height 0.7 d
    head = cylinder_head if socket_head else hexagon_head
    return _grams(shank + head, _material_density(ctx)) / 1000


def _nut_kg(ctx) -> float | None:
    size = ctx.get("EF003563")
    row = METRIC_THREADS.get(int(size)) if size else None
    if row is None:
        return None
    d = float(size)
    volume = (0.866 * row[1] ** 2 - math.pi / 4 * d * d) * row[3]
    return _grams(volume, _material_density(ctx)) / 1000


def _washer_kg(ctx) -> float | None:
    size = ctx.get("EF003566")
    row = METRIC_THREADS.get(int(size)) if size else None
    if row is None:
        return None
    inner, outer, thickness = row[4]
    return _grams(math.pi / 4 * (outer**2 - inner**2) * thickness, _material_density(ctx)) / 1000


def _motor_kg(ctx) -> float | None:
    row = IEC_MOTORS.get(ctx.get("EF003976"))
    # cast-iron/aluminium IEC motors weigh about 1.8e-5 × frame³ (80: 9 kg, 160: 75 kg)
    return 1 + 1.8e-5 * row[0] ** 3 if row else None


def _compressor_kg(ctx) -> float | None:
    tank = ctx.get("EF008886")
    return 20 + 0.45 * tank if tank else None


def _gear_motor_kg(ctx) -> float | None:
    load = ctx.get("EF002745")
    return 6 + 0.008 * load if load else None


def _hose_kg_per_metre(ctx) -> float | None:
    pressure = ctx.get("EF001708")
    return 0.12 + 0.0028 * pressure if pressure else None


def _hydraulic_part_kg(ctx) -> float | None:
    if ctx.get("EF000010") != "Hydraulic hose" or not ctx.get("EF008042"):
        return None
    return 0.15 + 0.35 * ctx["EF008042"]  # two pressed fittings and the hose per metre


def _fitting_kg(ctx) -> float | None:
    tube = ctx.get("EF002504")
    if not tube:
        return None
    design = ctx.get("fitting_design") or ""
    factor = (
        1.5 if "tee" in design else 1.4 if design.startswith("Bulkhead") else 1.2 if "Elbow" in design else 1
    )
    metal = 1.6 if ctx.get("fitting_body_material") in (_BRASS, _STAINLESS) else 1.0
    return (2 + 0.35 * tube * tube) * factor * metal / 1000


# --- tariff numbers that depend on the article ---------------------------------------------------


def _motor_tariff(ctx) -> str:
    power = ctx.get("EF003976") or 0
    if power <= 0.75:
        return "85015100"  # AC polyphase motors of an output not exceeding 750 W
    if power <= 7.5:
        return "85015220"  # exceeding 750 W but not 7.5 kW
    return "85015230" if power <= 37 else "85015290"


def _fitting_tariff(ctx) -> str:
    body = ctx.get("fitting_body_material")
    if body == _BRASS:
        return "74122000"  # tube or pipe fittings of copper alloys
    if body == _STAINLESS:
        return "73072910"  # threaded tube or pipe fittings of stainless steel
    return "39174000"  # fittings of plastics


def _hydraulic_part_tariff(ctx) -> str:
    if ctx.get("EF000010") == "Hydraulic hose":
        return "40094200"  # rubber hose reinforced with other materials, with fittings
    return "73079290"  # threaded fittings of steel (nipples, couplings)


def _hose_tariff(ctx) -> str:
    # up to 20 bar a textile braid, above it steel wire (without fittings)
    return "40093100" if (ctx.get("EF001708") or 0) <= 20 else "40092100"


def _bolt_tariff(ctx, socket_head: bool) -> str:
    stainless = ctx.get("EF002169") == "Stainless steel"
    if socket_head:
        return "73181561" if stainless else "73181569"
    # hexagon bolts; the demo's steel grades (8.8 and up) have 800 MPa or more
    return "73181570" if stainless else "73181589"


def _nut_tariff(ctx) -> str:
    material = ctx.get("EF002169")
    if material == "Brass":
        return "74153300"
    if material == "Stainless steel":
        return "73181630"
    return "73181691" if (ctx.get("EF003563") or 99) <= 12 else "73181699"


def _brass_fitting(ctx) -> bool:
    # brass bodies and the brass thread inserts of PBT fittings (CuZn39Pb3: about 3 % lead)
    return ctx.get("fitting_body_material") in (_BRASS, _PBT)


FASTENER_PACKS = ((PackingUnitCode.CARTON,),)  # cartons of packs, as many as stay light

TRADE_PROFILES = {
    "EC001888": TradeProfile(
        "84818059",
        (
            "solenoid valve, 2/2-way valve, magnetic valve",
            "Magnetventil, 2/2-Wegeventil, Elektromagnetventil",
        ),
        (0.25, 2.5),
        2.5,
        (1.0, 0.6, 1.3),
        "V10",
        origins=(("DE", 0.7), ("IT", 0.2), ("JP", 0.1)),
        delivery=(2, 8),
        ce=True,
        electrical=True,
    ),
    "EC001224": TradeProfile(
        "84811099",
        (
            "pressure reducing valve, pressure regulator, pressure reducer",
            "Druckminderer, Druckminderventil, Druckregler",
        ),
        (0.4, 3.5),
        4.0,
        (1.2, 0.8, 1.5),
        "V20",
        delivery=(3, 10),
        lead_in_brass=lambda ctx: True,
    ),
    "EC001225": TradeProfile(
        "84814090",
        (
            "safety valve, relief valve, overpressure protection",
            "Sicherheitsventil, Überdruckventil, Abblaseventil",
        ),
        (0.08, 1.2),
        4.5,
        (1.0, 0.8, 1.6),
        "V30",
        delivery=(2, 8),
        ce=True,
        lead_in_brass=lambda ctx: True,
    ),
    "EC000428": TradeProfile(
        "84137051",
        ("centrifugal pump, industrial pump, water pump", "Kreiselpumpe, Industriepumpe, Wasserpumpe"),
        (12, 140),
        2.0,
        (1.8, 0.9, 1.0),
        "P10",
        origins=ORIGINS_MACHINES,
        delivery=(5, 20),
        ce=True,
        electrical=True,
    ),
    "EC001252": TradeProfile(
        "84137030",
        ("circulation pump, heating pump, circulator", "Umwälzpumpe, Heizungspumpe, Zirkulationspumpe"),
        (1.8, 4.5),
        1.5,
        (1.1, 1.0, 1.1),
        "P20",
        origins=ORIGINS_MACHINES,
        delivery=(2, 8),
        ce=True,
        electrical=True,
    ),
    "EC001234": TradeProfile(
        "84138100",
        (
            "condensate pump, condensate lift pump, air conditioning",
            "Kondensatpumpe, Kondensathebepumpe, Klimagerät",
        ),
        (0.3, 1.6),
        0.8,
        (1.3, 0.8, 1.0),
        "P30",
        origins=(("IT", 0.4), ("DE", 0.3), ("CN", 0.3)),
        delivery=(2, 6),
        ce=True,
        electrical=True,
    ),
    "EC002860": TradeProfile(
        "84148022",
        (
            "air compressor, piston compressor, workshop compressor",
            "Kompressor, Kolbenkompressor, Werkstattkompressor",
        ),
        (30, 250),
        0.4,
        (1.6, 0.7, 1.1),
        "K10",
        origins=(("IT", 0.5), ("DE", 0.4), ("CN", 0.1)),
        delivery=(5, 15),
        ce=True,
        electrical=True,
        piece_weight=_compressor_kg,
    ),
    "EC001185": TradeProfile(
        "84122920",
        (
            "hydraulic power unit, power pack, hydraulic unit",
            "Hydraulikaggregat, Hydraulikantrieb, Powerpack",
        ),
        (25, 450),
        1.5,
        (1.4, 0.8, 1.2),
        "H10",
        origins=(("DE", 0.8), ("CH", 0.2)),
        delivery=(10, 30),
        ce=True,
        electrical=True,
    ),
    "EC001202": TradeProfile(
        _hydraulic_part_tariff,
        (
            "hydraulic fitting, hose assembly, hydraulic coupling",
            "Hydraulikverschraubung, Schlauchleitung, Hydraulikkupplung",
        ),
        (0.05, 1.2),
        4.0,
        (2.5, 1.0, 1.0),
        "H20",
        origins=(("DE", 0.6), ("CH", 0.2), ("IT", 0.2)),
        delivery=(2, 10),
        piece_weight=_hydraulic_part_kg,
        packs=((PackingUnitCode.BAG, 5, True),),
    ),
    "EC001106": TradeProfile(
        _hose_tariff,
        (
            "pressure hose, hydraulic hose, compressed air hose",
            "Druckschlauch, Hydraulikschlauch, Druckluftschlauch",
        ),
        (0.15, 0.9),
        1.2,
        (1.0, 1.0, 1.0),
        "H30",
        origins=(("DE", 0.5), ("IT", 0.3), ("CN", 0.2)),
        delivery=(2, 8),
        piece_weight=_hose_kg_per_metre,
    ),
    "EC002634": TradeProfile(
        "85371098",
        ("valve terminal, fieldbus module, bus node", "Ventilinsel, Feldbusmodul, Busknoten"),
        (0.35, 3.5),
        1.2,
        (2.0, 1.0, 1.1),
        "E10",
        origins=(("DE", 0.8), ("JP", 0.2)),
        delivery=(5, 15),
        ce=True,
        electrical=True,
    ),
    "EC001176": TradeProfile(
        _fitting_tariff,
        (
            "push-in fitting, push-in connector, pneumatic fitting",
            "Steckverschraubung, Steckanschluss, Pneumatikverschraubung",
        ),
        (0.005, 0.12),
        1.5,
        (1.6, 1.0, 1.0),
        "F10",
        origins=ORIGINS_SMALL_PARTS,
        delivery=(1, 5),
        piece_weight=_fitting_kg,
        packs=((PackingUnitCode.BAG, 10, True), (PackingUnitCode.CARTON, 100, False)),
        lead_in_brass=_brass_fitting,
    ),
    "EC000243": TradeProfile(
        "90328900",
        ("pressure switch, pressostat, compressor control", "Druckschalter, Pressostat, Kompressorsteuerung"),
        (0.15, 0.9),
        2.0,
        (1.0, 0.8, 1.4),
        "S10",
        origins=ORIGINS_SENSORS,
        delivery=(2, 8),
        ce=True,
        electrical=True,
    ),
    "EC002990": TradeProfile(
        "90262020",
        (
            "pressure transmitter, pressure sensor, 4-20 mA",
            "Druckmessumformer, Drucksensor, Drucktransmitter",
        ),
        (0.08, 0.6),
        2.5,
        (3.0, 1.0, 1.0),
        "S20",
        origins=ORIGINS_SENSORS,
        delivery=(3, 10),
        ce=True,
        electrical=True,
    ),
    "EC002989": TradeProfile(
        "90262020",
        (
            "differential pressure transmitter, filter monitoring",
            "Differenzdruckmessumformer, Filterüberwachung",
        ),
        (0.2, 1.8),
        1.5,
        (1.4, 1.0, 1.2),
        "S20",
        origins=ORIGINS_SENSORS,
        delivery=(3, 10),
        ce=True,
        electrical=True,
    ),
    "EC002714": TradeProfile(
        "85365019",
        (
            "inductive sensor, proximity switch, proximity sensor",
            "induktiver Sensor, Näherungsschalter, Initiator",
        ),
        (0.02, 0.3),
        3.0,
        (4.0, 1.0, 1.0),
        "S30",
        origins=(("DE", 0.6), ("JP", 0.3), ("CN", 0.1)),
        delivery=(1, 5),
        ce=True,
        electrical=True,
    ),
    "EC002616": TradeProfile(
        "90321081",
        (
            "temperature switch, thermostat, temperature monitoring",
            "Temperaturschalter, Thermostat, Temperaturüberwachung",
        ),
        (0.1, 0.8),
        2.0,
        (2.0, 1.0, 1.0),
        "S40",
        origins=ORIGINS_SENSORS,
        delivery=(2, 8),
        ce=True,
        electrical=True,
    ),
    "EC002635": TradeProfile(
        "85366990",
        (
            "circular connector, M12 connector, industrial connector",
            "Rundsteckverbinder, M12-Steckverbinder, Industriesteckverbinder",
        ),
        (0.015, 0.25),
        2.5,
        (3.0, 1.0, 1.0),
        "C10",
        origins=ORIGINS_SMALL_PARTS,
        delivery=(1, 5),
        ce=True,
        electrical=True,
    ),
    "EC002062": TradeProfile(
        "85366990",
        (
            "sensor connector, field-attachable connector, M12",
            "Sensor-Aktor-Steckverbinder, konfektionierbarer Steckverbinder, M12",
        ),
        (0.01, 0.06),
        2.0,
        (3.0, 1.0, 1.0),
        "C20",
        origins=ORIGINS_SMALL_PARTS,
        delivery=(1, 5),
        electrical=True,
        packs=((PackingUnitCode.BOX, 10, True),),
    ),
    "EC001855": TradeProfile(
        "85444290",
        (
            "sensor cable, patch cord, connection cable",
            "Sensorleitung, Anschlussleitung, konfektioniertes Kabel",
        ),
        (0.04, 0.6),
        1.2,
        (3.0, 3.0, 1.0),
        "C30",
        origins=ORIGINS_SMALL_PARTS,
        delivery=(1, 5),
        electrical=True,
    ),
    "EC001851": TradeProfile(
        _motor_tariff,
        ("three-phase motor, electric motor, IEC motor", "Drehstrommotor, Elektromotor, IEC-Normmotor"),
        (5, 300),
        2.5,
        (1.8, 1.0, 1.1),
        "M10",
        origins=(("DE", 0.5), ("CN", 0.3), ("IT", 0.2)),
        delivery=(5, 20),
        ce=True,
        electrical=True,
        piece_weight=_motor_kg,
    ),
    "EC002987": TradeProfile(
        "85013100",
        ("gear motor, gate drive, sliding gate operator", "Getriebemotor, Torantrieb, Schiebetorantrieb"),
        (6, 22),
        1.2,
        (1.3, 0.9, 1.1),
        "M20",
        origins=(("DE", 0.5), ("IT", 0.5)),
        delivery=(3, 10),
        ce=True,
        electrical=True,
        piece_weight=_gear_motor_kg,
    ),
    "EC002380": TradeProfile(
        lambda ctx: _bolt_tariff(ctx, socket_head=False),
        ("hexagon head bolt, hex bolt, ISO 4017", "Sechskantschraube, Sechskant-Gewindeschraube, ISO 4017"),
        (0.001, 0.7),
        3.5,
        (1.5, 1.0, 0.6),
        "B10",
        origins=ORIGINS_FASTENERS,
        delivery=(1, 3),
        piece_weight=lambda ctx: _bolt_kg(ctx, socket_head=False),
        packs=FASTENER_PACKS,
    ),
    "EC002356": TradeProfile(
        lambda ctx: _bolt_tariff(ctx, socket_head=True),
        ("socket head cap screw, ISO 4762", "Zylinderschraube mit Innensechskant, ISO 4762"),
        (0.001, 0.7),
        3.5,
        (1.5, 1.0, 0.6),
        "B10",
        origins=ORIGINS_FASTENERS,
        delivery=(1, 3),
        piece_weight=lambda ctx: _bolt_kg(ctx, socket_head=True),
        packs=FASTENER_PACKS,
    ),
    "EC000129": TradeProfile(
        _nut_tariff,
        ("hexagon nut, nut, ISO 4032", "Sechskantmutter, Mutter, ISO 4032"),
        (0.0005, 0.1),
        3.5,
        (1.5, 1.0, 0.6),
        "B20",
        origins=ORIGINS_FASTENERS,
        delivery=(1, 3),
        piece_weight=_nut_kg,
        packs=FASTENER_PACKS,
        lead_in_brass=lambda ctx: ctx.get("EF002169") == "Brass",
    ),
    "EC000098": TradeProfile(
        "73182200",
        ("washer, plain washer, ISO 7089", "Unterlegscheibe, Scheibe, ISO 7089"),
        (0.0002, 0.05),
        3.5,
        (1.5, 1.0, 0.6),
        "B30",
        origins=ORIGINS_FASTENERS,
        delivery=(1, 3),
        piece_weight=_washer_kg,
        packs=FASTENER_PACKS,
    ),
}
MATERIAL_KEYWORDS = {
    "Stainless steel": ("stainless steel", "Edelstahl"),
    _STAINLESS: ("stainless steel", "Edelstahl"),
    "Brass": ("brass", "Messing"),
    _BRASS: ("brass", "Messing"),
}


# --- what the generator calls ---------------------------------------------------------------------


def _weighted(rng: Random, choices) -> str:
    codes, weights = zip(*choices, strict=True)
    return rng.choices(codes, weights=weights)[0]


def _kg(value: float) -> Decimal:
    return max(Decimal(repr(nice(value, 3))).quantize(KG), KG)


def _mm(value: float) -> Decimal:
    return max(Decimal(repr(nice(value, 3))).quantize(MM), MM)


def tariff_number(profile: TradeProfile, ctx: dict) -> str:
    try:
        return profile.tariff(ctx) if callable(profile.tariff) else profile.tariff
    except (KeyError, TypeError, ValueError):
        return ""


def series_trade(profile: TradeProfile, maker, ctx: dict, rng: Random) -> dict:
    """The trade fields a series shares (set on the product model, or on a product without
    one), drawn from ``rng``."""
    english, german = profile.keywords
    material = ctx.get("EF002169") or ctx.get("fitting_body_material")
    if material in MATERIAL_KEYWORDS:
        english += ", " + MATERIAL_KEYWORDS[material][0]
        german += ", " + MATERIAL_KEYWORDS[material][1]
    leaded = bool(profile.lead_in_brass and profile.lead_in_brass(ctx))
    return {
        "brand": maker.short,
        "country_of_origin": _weighted(rng, profile.origins),
        "customs_tariff_number": tariff_number(profile, ctx),
        "delivery_time_days": rng.randint(*profile.delivery),
        "discount_group": profile.discount_group,
        "keywords": {"en": english, "de": german},
        "reach_status": ReachStatus.CONTAINS if leaded else ReachStatus.FREE,
        # the number ECHA returns for the SCIP notification of an article with SVHC
        "scip_number": str(uuid.UUID(int=rng.getrandbits(128), version=4)) if leaded else "",
        "rohs_status": RohsStatus.COMPLIANT if profile.electrical else "",
        "ce_marking": profile.ce,
    }


@dataclass
class Logistics:
    """Weights, outer dimensions and packing units of one article (order unit)."""

    net_weight: Decimal
    gross_weight: Decimal
    dimensions: tuple[Decimal, Decimal, Decimal]
    packing_units: list


def _box(volume_mm3: float, shape) -> tuple[float, float, float]:
    scale = (volume_mm3 / (shape[0] * shape[1] * shape[2])) ** (1 / 3)
    return tuple(side * scale for side in shape)


def logistics(profile: TradeProfile, ctx: dict, product, size: float, rng: Random) -> Logistics:
    """Weights and dimensions of ``product``'s order unit and its packing units.

    ``size`` (0 smallest … 1 largest of the class) places an article without a size value in
    the class's weight range. A pack (order unit ``PK``) weighs its content; a metre of hose
    is one metre long."""
    piece = None
    if profile.piece_weight is not None:
        try:
            piece = profile.piece_weight(ctx)
        except (KeyError, TypeError, ValueError):
            piece = None
    if piece is None:
        low, high = profile.weight
        piece = low * (high / low) ** min(max(size, 0.0), 1.0)
    content = float(product.content_quantity or 1) if product.order_unit == "PK" else 1.0
    net = piece * content
    # packaging: a bag or box for small parts, a carton or crate for the big ones
    tare = 0.005 + 0.02 * net if net < 5 else 0.5 + 0.06 * net
    gross = net * rng.uniform(1.0, 1.04) + tare
    if product.order_unit == "MTR":
        diameter = 8 + 0.06 * (ctx.get("EF001708") or 10)
        dimensions = (1000.0, diameter, diameter)
    else:
        dimensions = _box(net / profile.density * 1e6, profile.shape)
    packing = []
    for index, (code, *rest) in enumerate(profile.packs, start=1):
        if not rest:  # cartons of packs, each below the lift limit
            per_carton = next((n for n in (20, 10, 5, 4, 2) if n * gross < CARTON_LIMIT_KG), 0)
            if not per_carton:
                continue
            quantity, may_open = per_carton, False
        elif gross > 0.5:  # bags and boxes hold small parts only (not a hose assembly)
            continue
        else:
            quantity, may_open = rest
        packing.append(_packing_unit(product, index, code, quantity, may_open, gross, dimensions))
    return Logistics(_kg(net), _kg(gross), tuple(_mm(side) for side in dimensions), packing)


def _packing_unit(product, level, code, quantity, may_open, unit_gross, unit_dimensions) -> PackingUnit:
    volume = quantity * math.prod(unit_dimensions) * 1.3  # parts do not fill the package
    tare = {PackingUnitCode.BAG: 0.002, PackingUnitCode.BOX: 0.03}.get(
        code, 0.15 + 0.02 * quantity * unit_gross
    )
    gtin = ""
    if len(product.gtin) == 13:
        # GS1: a trade package gets a GTIN-14, the article's digits behind an indicator digit
        body = f"{level}{product.gtin[:12]}"
        gtin = f"{body}{gtin_check_digit(body)}"
    length, width, height = _box(volume, (1.5, 1.0, 0.8))
    return PackingUnit(
        code=code,
        quantity=Decimal(quantity),
        gtin=gtin,
        gross_weight=_kg(quantity * unit_gross + tare),
        length=_mm(length),
        width=_mm(width),
        height=_mm(height),
        package_break=may_open,
        sort_order=level,
    )
