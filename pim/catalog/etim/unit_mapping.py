"""Which of our units an ETIM unit is.

Every ETIM unit (``EU…``) ends up as exactly one :class:`~pim.catalog.models.Unit` whose
``etim_code`` is that code, so a value entered in a family attribute's ETIM unit exports
back to the same ETIM unit. The decision, per ETIM unit, in this order:

1. **Linked before**: a unit already carrying the ETIM code stays linked (re-imports and
   editors' corrections are never undone).
2. **Named**: a seeded unit (``unit_data.py``) that the mapping table below names, or whose
   symbol, code or alias is the ETIM abbreviation (in any language: ETIM writes ``Rpm`` in
   English and ``Upm`` in German), compared after Unicode normalization (``µ``/``μ``, ``²``).
3. **Equivalent**: a unit of the same quantity that pint converts with factor 1 and offset 0.
4. **New**: otherwise a new unit (code = the ETIM code, symbol = the English abbreviation,
   other languages' abbreviations as aliases) in the quantity decided below.

A seeded unit takes at most one ETIM code. ETIM has duplicates (``1/min`` and ``Rpm``;
``MB`` and ``Mbyte``; ``kBit/s`` and ``kBps``): claims are made stage by stage over the
whole unit list (an exact symbol beats an alias, an alias beats pint equivalence, file order
breaks ties), so the outcome does not depend on which classes are imported; the loser
becomes its own unit with the same pint expression, convertible like the winner.

The quantity of an ETIM unit comes from the mapping table, else from the seeded unit it
matches by name, else from pint: the one seeded quantity of the same dimensionality, or
the preferred one where several share it (``1/s``: frequency before rotational speed;
``J``: energy before torque; ``W``: power before apparent power; dimensionless: ratio).
Units pint cannot read become single-unit quantities that do not convert.

Mapping decisions for ETIM 6.0 worth knowing:

- ``Nm`` is torque (pint would read nanometre… or ``number * meter``), ``J`` energy.
- ``1/min`` is our rpm; ``Rpm``/``Upm`` a second rotational-speed unit.
- ``c/h`` and ``c/min`` (switching cycles per time) are a *switching frequency*, kept apart
  from hertz and rpm they are dimensionally equal to; ``c (contacts)`` a count that does
  not convert.
- ``kvar`` is reactive power, its own quantity (pint: kilovolt-ampere), never merged
  with ``kVA``; ``Wp`` (watt peak) is power but its own unit; ``Bd`` (baud) its own
  data-rate unit; ``kBps`` is kilobit per second, as ETIM describes it.
- ``kWh/year`` and ``kW/24h`` (ETIM writes kW; it means kWh per 24 h) are an *energy
  consumption* quantity (canonical kWh per year), not power, though pint could convert.
- ``kg/24h`` and ``g/min`` are mass flow.
- Levels and counting units do not convert: ``dB``, ``dB(A)``, ``dB(A) re 1 pW``,
  ``dBµV``, ``dBi``, ``Bft``, ``DPI``, ``MP`` (megapixel; pint reads megapoise), ``AX``,
  ``Imp/kWh (kvarh)``, ``AirWatt``. Each is a quantity of its own.
- ``%/100%`` is a ratio in percent, its own unit; ``%/K`` a temperature coefficient.
- New convertible quantities: luminous efficacy (lm/W), power per length (W/m), power per
  area (W/m², kW/m²), luminance (cd/m²), thermal conductance (W/K), second moment of area
  (cm⁴), Joule integral (kJ/Ohm = kA²s).
"""

import math
import re
import unicodedata
from dataclasses import dataclass, field

from .. import units as unit_service
from ..unit_data import QUANTITIES as SEEDED_QUANTITIES
from .reader import EtimUnit


@dataclass(frozen=True)
class UnitSpec:
    """How to read one ETIM unit: pint expression ("" = not convertible), quantity code,
    the seeded unit it is (if the name rules would not find it), and whether it must stay
    a unit of its own."""

    pint: str
    quantity: str
    seeded: str = ""
    distinct: bool = False


# Quantities ETIM needs beyond the seeded ones: code → (English, German, canonical pint
# unit; "" = a single unit that does not convert).
ETIM_QUANTITIES = {
    "reactive_power": ("Reactive power", "Blindleistung", "volt * ampere"),
    "luminous_efficacy": ("Luminous efficacy", "Lichtausbeute", "lumen / watt"),
    "power_per_length": ("Power per length", "Leistung pro Länge", "watt / meter"),
    "power_per_area": ("Power per area", "Leistung pro Fläche", "watt / meter ** 2"),
    "luminance": ("Luminance", "Leuchtdichte", "candela / meter ** 2"),
    "thermal_conductance": ("Thermal conductance", "Wärmeleitwert", "watt / kelvin"),
    "temperature_coefficient": ("Temperature coefficient", "Temperaturkoeffizient", "percent / kelvin"),
    "second_moment_of_area": ("Second moment of area", "Flächenträgheitsmoment", "meter ** 4"),
    "joule_integral": ("Joule integral (I²t)", "Joule-Integral (I²t)", "ampere ** 2 * second"),
    "energy_consumption": ("Energy consumption", "Energieverbrauch", "kilowatt_hour / year"),
    "switching_frequency": ("Switching frequency", "Schalthäufigkeit", "1 / hour"),
    "switching_cycles": ("Switching cycles", "Schaltspiele", ""),
    "level_db": ("Level (dB)", "Pegel (dB)", ""),
    "sound_pressure_level_a": ("A-weighted sound pressure level", "A-bewerteter Schalldruckpegel", ""),
    "sound_power_level_a": ("A-weighted sound power level", "A-bewerteter Schallleistungspegel", ""),
    "voltage_level": ("Voltage level (dBµV)", "Spannungspegel (dBµV)", ""),
    "antenna_gain": ("Antenna gain", "Antennengewinn", ""),
    "wind_force": ("Wind force (Beaufort)", "Windstärke (Beaufort)", ""),
    "print_resolution": ("Resolution (dots per inch)", "Auflösung (Punkte pro Zoll)", ""),
    "pixel_count": ("Pixel count", "Pixelanzahl", ""),
    "lamp_current_ax": ("Fluorescent lamp rated current (AX)", "Leuchtstofflampen-Bemessungsstrom (AX)", ""),
    "pulse_constant": ("Pulse constant", "Impulskonstante", ""),
    "suction_power": ("Suction power (air watts)", "Saugleistung (Airwatt)", ""),
}

# ETIM units whose abbreviation pint misreads or cannot read, or whose quantity is not the
# one dimensional analysis would pick. Keyed by the English abbreviation.
UNIT_SPECS = {
    # rotational speed and switching frequencies (all 1/time)
    "1/min": UnitSpec("1 / minute", "rotational_speed", seeded="rpm"),
    "Rpm": UnitSpec("1 / minute", "rotational_speed"),
    "Hz": UnitSpec("hertz", "frequency"),
    "kHz": UnitSpec("kilohertz", "frequency"),
    "MHz": UnitSpec("megahertz", "frequency"),
    "GHz": UnitSpec("gigahertz", "frequency"),
    "c/h": UnitSpec("1 / hour", "switching_frequency"),
    "c/min": UnitSpec("1 / minute", "switching_frequency"),
    "c (contacts)": UnitSpec("", "switching_cycles"),
    # resistance: pint knows "ohm", not "Ohm"
    "Ohm": UnitSpec("ohm", "resistance", seeded="Ohm"),
    "mOhm": UnitSpec("milliohm", "resistance", seeded="mOhm"),
    "kOhm": UnitSpec("kiloohm", "resistance", seeded="kOhm"),
    "Mohm": UnitSpec("megaohm", "resistance", seeded="MOhm"),
    # torque/energy and power/apparent power share their dimensions
    "Nm": UnitSpec("newton * meter", "torque", seeded="Nm"),
    "J": UnitSpec("joule", "energy"),
    "kWh": UnitSpec("kilowatt * hour", "energy"),
    "W": UnitSpec("watt", "power"),
    "kW": UnitSpec("kilowatt", "power"),
    "Wp": UnitSpec("watt", "power", distinct=True),
    "VA": UnitSpec("volt * ampere", "apparent_power"),
    "kVA": UnitSpec("kilovolt * ampere", "apparent_power"),
    "kvar": UnitSpec("kilovolt * ampere", "reactive_power"),
    # data: bytes and bits are dimensionless to pint, like percent and degree
    "Bit": UnitSpec("bit", "data_size"),
    "kByte": UnitSpec("kilobyte", "data_size", seeded="kB"),
    "MB": UnitSpec("megabyte", "data_size", seeded="MB"),
    "Mbyte": UnitSpec("megabyte", "data_size"),
    "GB": UnitSpec("gigabyte", "data_size"),
    "kBit/s": UnitSpec("kilobit / second", "data_rate", seeded="kbit_s"),
    "kBps": UnitSpec("kilobit / second", "data_rate", distinct=True),  # ETIM: "Kilo-Bit per second"
    "Mbps": UnitSpec("megabit / second", "data_rate", seeded="Mbit_s"),
    "Bd": UnitSpec("baud", "data_rate", distinct=True),
    # ratios and angles (dimensionless)
    "%": UnitSpec("percent", "ratio", seeded="percent"),
    "%/100%": UnitSpec("percent", "ratio", distinct=True),
    "ppm": UnitSpec("ppm", "ratio"),
    "°": UnitSpec("degree", "angle", seeded="deg"),
    "%/K": UnitSpec("percent / kelvin", "temperature_coefficient"),
    # energy consumption per time; ETIM's "kW/24h" means kWh per 24 hours
    "kWh/year": UnitSpec("kilowatt_hour / year", "energy_consumption"),
    "kW/24h": UnitSpec("kilowatt_hour / day", "energy_consumption"),
    # mass flow
    "kg/24h": UnitSpec("kilogram / day", "mass_flow"),
    "g/min": UnitSpec("gram / minute", "mass_flow"),
    # quantities the seed lacks
    "lm/W": UnitSpec("lumen / watt", "luminous_efficacy"),
    "W/m": UnitSpec("watt / meter", "power_per_length"),
    "W/m²": UnitSpec("watt / meter ** 2", "power_per_area"),
    "kW/m²": UnitSpec("kilowatt / meter ** 2", "power_per_area"),
    "cd/m²": UnitSpec("candela / meter ** 2", "luminance"),
    "W/K": UnitSpec("watt / kelvin", "thermal_conductance"),
    "cm4": UnitSpec("centimeter ** 4", "second_moment_of_area"),
    "kJ/Ohm": UnitSpec("kilojoule / ohm", "joule_integral"),
    "Pa-s": UnitSpec("pascal * second", "dynamic_viscosity", seeded="Pa_s"),
    # levels and counts: not convertible
    "dB": UnitSpec("", "level_db"),
    "dB(A)": UnitSpec("", "sound_pressure_level_a"),
    "dB(A) re 1 pW": UnitSpec("", "sound_power_level_a"),
    "dBµV": UnitSpec("", "voltage_level"),
    "dBi": UnitSpec("", "antenna_gain"),
    "Bft": UnitSpec("", "wind_force"),
    "DPI": UnitSpec("", "print_resolution"),
    "MP": UnitSpec("", "pixel_count"),
    "AX": UnitSpec("", "lamp_current_ax"),
    "Imp/kWh (kvarh)": UnitSpec("", "pulse_constant"),
    "AirWatt": UnitSpec("", "suction_power"),
}

# Where several seeded quantities share a dimensionality, the one an unknown unit joins.
DIMENSION_PREFERENCE = ["frequency", "energy", "power", "ratio"]

_STAGES = ("seeded", "symbol", "alias", "equivalent")


def _normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def pint_expression_for(abbreviation: str) -> str:
    """A pint expression read from an ETIM abbreviation ("" if pint cannot read it)."""
    expression = _normalized(abbreviation.replace("²", "**2").replace("³", "**3"))
    expression = expression.replace("μ", "µ")
    if not expression or not unit_service.is_convertible(expression):
        return ""
    return str(unit_service.pint_unit(expression))


def equivalent(first: str, second: str) -> bool:
    """Whether two pint expressions are the same unit (factor 1, no offset)."""
    if not first or not second:
        return False
    try:
        return math.isclose(unit_service.convert(1.0, first, second), 1.0, rel_tol=1e-9) and math.isclose(
            unit_service.convert(0.0, first, second), 0.0, abs_tol=1e-12
        )
    except Exception:  # noqa: BLE001 - pint raises several types (dimensionality, logarithmic units)
        return False


@dataclass
class QuantityPlan:
    code: str
    name: dict[str, str]
    canonical_unit: str


@dataclass
class UnitDecision:
    """The outcome for one ETIM unit: an existing unit (``unit``) or a new one."""

    etim: EtimUnit
    unit: object | None  # catalog.Unit (saved) or None: create one
    stage: str  # "linked", "seeded", "symbol", "alias", "equivalent" or "new"
    quantity: QuantityPlan
    pint: str
    aliases: list[str] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.unit is None


class UnitMapper:
    """Decides, for a list of ETIM units, which existing unit each is (see module docstring).

    ``units`` are the catalog's units (with ``quantity`` loaded), ``quantities`` its
    quantities. Nothing is written here.
    """

    def __init__(self, units, quantities):
        self.units = list(units)
        self.quantities = {quantity.code: quantity for quantity in quantities}

    def decide(self, etim_units: list[EtimUnit]) -> dict[str, UnitDecision]:
        decisions: dict[str, UnitDecision] = {}
        claimed = {unit.pk for unit in self.units if unit.etim_code}
        linked = {unit.etim_code: unit for unit in self.units if unit.etim_code}
        pending = []
        for etim in etim_units:
            unit = linked.get(etim.code)
            if unit is not None:
                decisions[etim.code] = UnitDecision(
                    etim, unit, "linked", self._quantity_plan(unit.quantity.code), unit.pint_expression
                )
                continue
            spec = UNIT_SPECS.get(etim.abbreviation)
            pint = spec.pint if spec else pint_expression_for(etim.abbreviation)
            named = self._named(etim, spec)
            quantity = self._quantity_for(etim, spec, pint, named)
            pending.append((etim, spec, pint, named, quantity))
        for stage in _STAGES:
            for etim, spec, pint, named, quantity in pending:
                if etim.code in decisions or (spec is not None and spec.distinct):
                    continue
                for unit in self._candidates(stage, spec, pint, named, quantity):
                    if unit.pk not in claimed:
                        claimed.add(unit.pk)
                        decisions[etim.code] = UnitDecision(etim, unit, stage, quantity, unit.pint_expression)
                        break
        for etim, _spec, pint, _named, quantity in pending:
            if etim.code not in decisions:
                symbol = etim.abbreviation
                aliases = list(dict.fromkeys(a for a in etim.abbreviations.values() if a and a != symbol))
                decisions[etim.code] = UnitDecision(etim, None, "new", quantity, pint, aliases)
        return decisions

    # --- candidates ---------------------------------------------------------------------

    def _named(self, etim: EtimUnit, spec: UnitSpec | None) -> dict[str, list]:
        """Units named like the ETIM unit: by the table, by symbol, by code or alias."""
        names = {_normalized(a) for a in etim.abbreviations.values() if a}
        named = {"seeded": [], "symbol": [], "alias": []}
        for unit in self.units:
            if unit.code == etim.code or (spec is not None and spec.seeded and unit.code == spec.seeded):
                named["seeded"].append(unit)
            elif _normalized(unit.symbol) in names:
                named["symbol"].append(unit)
            elif _normalized(unit.code) in names or names & {_normalized(a) for a in unit.alias_list()}:
                named["alias"].append(unit)
        if spec is not None and spec.quantity:
            for stage in ("symbol", "alias"):
                named[stage] = [unit for unit in named[stage] if unit.quantity.code == spec.quantity]
        return named

    def _candidates(self, stage, spec, pint, named, quantity: QuantityPlan) -> list:
        if stage != "equivalent":
            return named[stage]
        if not pint:
            return []
        return [
            unit
            for unit in self.units
            if unit.quantity.code == quantity.code and equivalent(pint, unit.pint_expression)
        ]

    # --- quantities ---------------------------------------------------------------------

    def _quantity_for(self, etim, spec, pint, named) -> QuantityPlan:
        if spec is not None and spec.quantity:
            return self._quantity_plan(spec.quantity)
        for stage in ("seeded", "symbol", "alias"):
            if named[stage]:
                return self._quantity_plan(named[stage][0].quantity.code)
        if pint:
            dimension = unit_service.dimensionality(pint)
            candidates = [
                code
                for code, quantity in sorted(self.quantities.items())
                if quantity.canonical_unit
                and unit_service.is_convertible(quantity.canonical_unit)
                and unit_service.dimensionality(quantity.canonical_unit) == dimension
            ]
            preferred = [code for code in DIMENSION_PREFERENCE if code in candidates]
            if len(candidates) == 1 or preferred:
                return self._quantity_plan((preferred or candidates)[0])
            return self._dimension_quantity(pint, dimension)
        # Not readable by pint and unknown: a quantity of its own that does not convert.
        code = f"etim-{etim.code.lower()}"
        existing = self.quantities.get(code)
        return QuantityPlan(code, dict(existing.name) if existing else dict(etim.names), "")

    def _quantity_plan(self, code: str) -> QuantityPlan:
        existing = self.quantities.get(code)
        if existing is not None:
            return QuantityPlan(code, dict(existing.name), existing.canonical_unit)
        known = {c: (en, de, canonical) for c, en, de, canonical in SEEDED_QUANTITIES} | ETIM_QUANTITIES
        english, german, canonical = known[code]
        return QuantityPlan(code, {"en": english, "de": german}, canonical)

    def _dimension_quantity(self, pint: str, dimension: str) -> QuantityPlan:
        """A new quantity named after a dimensionality no seeded quantity has (fallback for
        ETIM releases this table does not know yet)."""
        slug = re.sub(r"[^a-z0-9]+", "-", dimension.lower()).strip("-") or "dimensionless"
        code = f"dim-{slug}"[:64]
        canonical = str(unit_service.ureg.Quantity(1, unit_service.pint_unit(pint)).to_base_units().units)
        return QuantityPlan(code, {"en": dimension, "de": dimension}, canonical)
