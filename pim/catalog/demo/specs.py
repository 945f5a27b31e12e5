"""Value specifications of the demo catalog: how a plausible value of one attribute is drawn.

A spec draws a plain Python value in its own unit (a ``Unit.code`` of ``unit_data``):

- a float for number attributes,
- a ``(low, high)`` pair for range attributes,
- the English label of an option for enumerations (``None``: any allowed option),
- a bool for yes/no attributes, a string or ``{"en": …, "de": …}`` for text.

The generator converts that into what :func:`pim.catalog.values.build_value_rows` takes (a
:class:`~pim.catalog.units.Measurement` in the attribute's display unit, an
:class:`~pim.catalog.models.AttributeOption` …), so every demo value passes the same
validation as an editor's input. ``ctx`` is the dict of values drawn so far for the same
product (attribute code → drawn value), which lets specs depend on each other: the pitch of
an M8 bolt is 1.25 mm, an 8 mm sensor switches at 1.5 mm.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

# Options that say nothing ("Other", "None"): drawn only rarely.
UNINFORMATIVE_LABELS = frozenset({"Other", "None"})


def nice(value: float, digits: int = 2) -> float:
    """``value`` rounded to ``digits`` significant digits (37.84 -> 38, 0.0372 -> 0.037)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


class OneOf(tuple):
    """Option labels in order of preference: the first one the family allows is used (ETIM
    releases differ in which qualities a class lists)."""


class Spec:
    """Base class. ``empty`` is the share of products that leave the attribute empty
    (on top of the generator's general share), ``1.0`` means "never filled"."""

    unit: str | None = None
    empty: float = 0.0

    def draw(self, rng: Random, ctx: dict, options: list[str] | None = None):
        raise NotImplementedError

    def candidates(self, ctx: dict, options: list[str] | None = None) -> list:
        """The values a series may use as a variant axis, in order (empty: not an axis)."""
        return []


@dataclass(frozen=True)
class Num(Spec):
    """A number in ``unit``: one of ``choices``, or between ``low`` and ``high`` (drawn
    log-uniformly when the span is wide) rounded to ``digits`` significant digits."""

    unit: str | None = None
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    digits: int = 2
    integer: bool = False
    empty: float = 0.0

    def draw(self, rng, ctx, options=None):
        if self.choices:
            return float(rng.choice(self.choices))
        low, high = float(self.low), float(self.high)
        if low > 0 and high / low > 10:
            value = math.exp(rng.uniform(math.log(low), math.log(high)))
        else:
            value = rng.uniform(low, high)
        value = float(round(value)) if self.integer else nice(value, self.digits)
        return min(max(value, low), high)

    def candidates(self, ctx, options=None):
        return [float(choice) for choice in self.choices]


@dataclass(frozen=True)
class Span(Spec):
    """A range in ``unit``: one of ``pairs``, or a low end from ``lows`` and a high end
    from ``highs`` above it."""

    unit: str | None = None
    pairs: tuple = ()
    lows: tuple = ()
    highs: tuple = ()
    empty: float = 0.0

    def draw(self, rng, ctx, options=None):
        if self.pairs:
            low, high = rng.choice(self.pairs)
            return (float(low), float(high))
        low = rng.choice(self.lows)
        high = rng.choice([h for h in self.highs if h > low] or [low])
        return (float(low), float(high))


@dataclass(frozen=True)
class Pick(Spec):
    """An option of an enumeration: one of ``prefer`` (English labels, the ones that fit the
    product) most of the time, any informative allowed option otherwise."""

    prefer: tuple = ()
    weight: float = 0.8
    empty: float = 0.0

    def draw(self, rng, ctx, options=None):
        options = options or []
        preferred = [label for label in self.prefer if label in options]
        if preferred and rng.random() < self.weight:
            return rng.choice(preferred)
        informative = [label for label in options if label not in UNINFORMATIVE_LABELS]
        if informative and rng.random() < 0.96:
            return rng.choice(informative)
        return rng.choice(options) if options else None

    def candidates(self, ctx, options=None):
        options = options or []
        preferred = [label for label in self.prefer if label in options]
        return preferred or [label for label in options if label not in UNINFORMATIVE_LABELS]


@dataclass(frozen=True)
class Flag(Spec):
    """Yes with probability ``p``."""

    p: float = 0.4
    empty: float = 0.0

    def draw(self, rng, ctx, options=None):
        return rng.random() < self.p


@dataclass(frozen=True)
class Derived(Spec):
    """A value computed from the others: ``fn(ctx, rng)`` returns the value in ``unit`` (or
    an option label, a bool, a pair) or ``None`` for "does not apply"."""

    fn: Callable = field(default=lambda ctx, rng: None)
    unit: str | None = None
    choices: tuple = ()  # what a series may use when this is a variant axis
    empty: float = 0.0

    def draw(self, rng, ctx, options=None):
        return self.fn(ctx, rng)

    def candidates(self, ctx, options=None):
        return [float(choice) for choice in self.choices]


@dataclass(frozen=True)
class Never(Spec):
    """An attribute that does not apply to this kind of product (left empty)."""

    empty: float = 1.0

    def draw(self, rng, ctx, options=None):
        return None


# --- standard tables ---------------------------------------------------------------------

# ISO metric coarse threads: pitch, hexagon wrench width (ISO 4017/4032), hexagon socket
# key (ISO 4762), nut height (ISO 4032), plain washer ISO 7089 (d1, d2, h).
METRIC_THREADS = {
    3: (0.5, 5.5, 2.5, 2.4, (3.2, 7, 0.5)),
    4: (0.7, 7, 3, 3.2, (4.3, 9, 0.8)),
    5: (0.8, 8, 4, 4.7, (5.3, 10, 1)),
    6: (1.0, 10, 5, 5.2, (6.4, 12, 1.6)),
    8: (1.25, 13, 6, 6.8, (8.4, 16, 1.6)),
    10: (1.5, 16, 8, 8.4, (10.5, 20, 2)),
    12: (1.75, 18, 10, 10.8, (13, 24, 2.5)),
    16: (2.0, 24, 14, 14.8, (17, 30, 3)),
    20: (2.5, 30, 17, 18, (21, 37, 3)),
    24: (3.0, 36, 19, 21.5, (25, 44, 4)),
}
THREAD_SIZES = tuple(METRIC_THREADS)
BOLT_LENGTHS = (8, 10, 12, 16, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 80, 90, 100, 110, 120, 140, 160)


def thread(ctx, code="EF003563"):
    size = ctx.get(code)
    return METRIC_THREADS.get(int(size)) if size is not None else None


# IEC three-phase induction motors, 4 poles, 400 V 50 Hz: rated power kW -> (frame size
# mm, rated current A, full-load efficiency %).
IEC_MOTORS = {
    0.18: (63, 0.6, 64.0),
    0.25: (71, 0.8, 68.5),
    0.37: (71, 1.1, 72.7),
    0.55: (80, 1.5, 77.1),
    0.75: (80, 1.9, 79.6),
    1.1: (90, 2.6, 81.4),
    1.5: (90, 3.5, 82.8),
    2.2: (100, 4.8, 84.3),
    3.0: (100, 6.5, 85.5),
    4.0: (112, 8.2, 86.6),
    5.5: (132, 11.0, 87.7),
    7.5: (132, 15.0, 88.7),
    11.0: (160, 21.0, 89.8),
    15.0: (160, 28.5, 90.6),
    18.5: (180, 35.0, 91.2),
    22.0: (180, 41.0, 91.6),
    30.0: (200, 55.0, 92.3),
    37.0: (225, 67.0, 92.7),
    45.0: (225, 81.0, 93.1),
    55.0: (250, 98.0, 93.5),
}
MOTOR_SPEEDS = {2: 2880.0, 4: 1440.0, 6: 955.0}  # 1/min at 50 Hz by number of poles

# ETIM's inch sizes as manufacturers code them in article numbers (G 1/2 -> 050).
INCH_CODES = {
    "1/8 inch": "018",
    "1/4 inch": "025",
    "5/16 inch": "031",
    "3/8 inch": "038",
    "7/16 inch": "044",
    "1/2 inch": "050",
    "9/16 inch": "056",
    "5/8 inch": "062",
    "3/4 inch": "075",
    "1 inch": "100",
    "1 1/8 inch": "112",
    "1 1/4 inch": "125",
    "1 1/2 inch": "150",
    "2 inch": "200",
    "2 1/2 inch": "250",
    "2 3/4 inch": "275",
    "3 inch": "300",
}

# --- fallbacks -----------------------------------------------------------------------------

# By quantity, when neither the family profile nor FEATURE_SPECS knows the attribute.
QUANTITY_NUMBERS = {
    "pressure": Num("bar", choices=(6, 10, 16, 25, 40, 63, 100, 160, 250, 315, 400)),
    "temperature": Num("degC", choices=(60, 70, 80, 100, 120, 150, 180)),
    "length": Num("mm", low=5, high=500),
    "area": Num("mm2", choices=(0.14, 0.25, 0.34, 0.5, 0.75, 1, 1.5, 2.5, 4)),
    "volume": Num("l", low=1, high=500),
    "mass": Num("kg", low=0.05, high=50),
    "time": Num("ms", low=5, high=200),
    "voltage": Num("V", choices=(12, 24, 48, 110, 230, 400)),
    "current": Num("A", low=0.1, high=32),
    "power": Num("kW", choices=(0.09, 0.18, 0.37, 0.75, 1.5, 3, 5.5, 11, 22, 55)),
    "volume_flow": Num("l_min", low=1, high=400),
    "rotational_speed": Num("rpm", choices=(700, 930, 1400, 1450, 2800, 2900, 3600)),
    "frequency": Num("Hz", choices=(50, 60)),
    "speed": Num("m_s", low=0.05, high=2),
    "torque": Num("Nm", low=0.5, high=500),
    "apparent_power": Num("VA", low=10, high=100),
    "ratio": Num("percent", low=50, high=98),
    "resistance": Num("mOhm", low=5, high=100),
}
QUANTITY_RANGES = {
    "pressure": Span("bar", pairs=((0, 10), (0.5, 16), (1, 40), (0, 100), (10, 250))),
    "temperature": Span("degC", lows=(-40, -30, -25, -20, -10, 0), highs=(60, 70, 80, 100, 120, 150, 180)),
    "voltage": Span("V", pairs=((10, 30), (18, 30), (24, 24), (230, 230), (100, 240), (12, 48))),
    "current": Span("A", pairs=((0.1, 0.16), (0.4, 0.63), (1, 1.6), (2.5, 4), (6, 10), (10, 16))),
    "frequency": Span("Hz", pairs=((50, 60), (50, 50), (60, 60))),
    "length": Span("mm", pairs=((3, 5), (4, 6), (5, 8), (6, 10), (8, 13))),
    "area": Span("mm2", pairs=((0.14, 0.75), (0.25, 1.5), (0.5, 2.5), (0.75, 4))),
}


def generic_number_spec(name_en: str) -> Num:
    """A unitless number: a count ("Number of …") or a small figure."""
    lowered = name_en.casefold()
    if lowered.startswith("number of"):
        return Num(choices=(0, 0, 1, 1, 2, 4))
    return Num(low=1, high=100, integer=True)
