"""Names, descriptions and article numbers of demo products, in English and German.

Templates refer to attribute values by code: ``{EF003563}`` is the value alone (``8``,
``Edelstahl A2-70``), ``{EF001438|u}`` the value with its unit (``40 mm``) and
``{EF001964|bar}`` the value converted to another unit (given by ``Unit.code``; ETIM gives
some pressures in hPa, names say bar). A template whose values are missing renders as
``None`` and the part is left out.

Values are passed as :class:`Shown` objects (what the product's stored value reads like in
its display unit), so texts never contradict the data.
"""

import re
from dataclasses import dataclass

from ..units import round_significant
from .specs import INCH_CODES
from .vocabulary import COMMON_BENEFITS

LANGUAGES = ("en", "de")
_REF = re.compile(r"\{(EF\w+|\w+)(?:\|(\w+))?\}")
_YES_NO = {"en": ("Yes", "No"), "de": ("Ja", "Nein")}


@dataclass(frozen=True)
class Shown:
    """A value as shown: ``kind`` is number/range/option/boolean/text; ``value`` a float,
    a (low, high) pair, a {language: label} dict, a bool or text; ``symbol`` the unit."""

    kind: str
    value: object
    symbol: str | None = None
    label_en: str = ""
    canonical: object = None  # number/range in the quantity's canonical unit


def format_number(value: float, language: str) -> str:
    """Compact locale-style number: 1.5 / 1,5; no grouping (values in names are small)."""
    value = round_significant(float(value), 6)
    text = str(int(value)) if value.is_integer() else f"{value:.6g}"
    return text.replace(".", ",") if language == "de" else text


def _with_unit(text: str, symbol: str | None) -> str:
    if not symbol:
        return text
    return f"{text}{symbol}" if symbol == "°" else f"{text}\u00a0{symbol}"


def render_value(shown: Shown, language: str, with_unit: bool) -> str | None:
    if shown.kind == "number":
        text = format_number(shown.value, language)
        return _with_unit(text, shown.symbol) if with_unit else text
    if shown.kind == "range":
        low, high = shown.value
        if low is None or high is None or low == high:
            text = format_number(high if low is None else low, language)
        else:
            text = f"{format_number(low, language)} … {format_number(high, language)}"
        return _with_unit(text, shown.symbol) if with_unit else text
    if shown.kind == "option":
        return shown.value.get(language) or shown.value.get("en") or shown.label_en
    if shown.kind == "boolean":
        yes, no = _YES_NO.get(language, _YES_NO["en"])
        return yes if shown.value else no
    if shown.kind == "text":
        if isinstance(shown.value, dict):
            return shown.value.get(language) or next(iter(shown.value.values()), "")
        return str(shown.value)
    return None


def convert_shown(shown: Shown, unit) -> Shown:
    """``shown`` in ``unit`` (a catalog Unit of the same quantity)."""
    if shown.canonical is None or shown.kind not in ("number", "range"):
        return shown
    if shown.kind == "number":
        value = unit.from_canonical(shown.canonical)
    else:
        value = tuple(None if v is None else unit.from_canonical(v) for v in shown.canonical)
    return Shown(shown.kind, value, unit.symbol, shown.label_en, shown.canonical)


def render_template(template, language: str, shown: dict, units: dict | None = None) -> str | None:
    """Fill ``template`` (a string, or an (English, German) pair) from ``shown`` values;
    ``units`` (code -> Unit) serves conversions like ``{EF001964|bar}``."""
    if isinstance(template, tuple):
        template = template[0] if language == "en" else template[1]
    missing = False

    def replace(match):
        nonlocal missing
        value = shown.get(match.group(1))
        option = match.group(2)
        if value is not None and option and option != "u":
            unit = (units or {}).get(option)
            value = convert_shown(value, unit) if unit is not None else value
        text = render_value(value, language, bool(option)) if value is not None else None
        if not text:
            missing = True
            return ""
        return text

    text = _REF.sub(replace, template)
    return None if missing else text


def template_codes(template) -> set[str]:
    texts = template if isinstance(template, tuple) else (template,)
    return {match.group(1) for text in texts for match in _REF.finditer(text)}


def product_name(label: dict, series: str, parts, shown: dict, units: dict | None = None) -> dict:
    """``{"en": "Solenoid valve MV-200, 24 V DC", "de": "Magnetventil MV-200, 24 V DC"}``."""
    names = {}
    for language in LANGUAGES:
        rendered = [text for part in parts if (text := render_template(part, language, shown, units))]
        head = f"{label.get(language) or label.get('en')} {series}"
        names[language] = ", ".join([head, *rendered])
    return names


def facts(attributes: dict, codes, shown: dict, language: str, limit: int = 4) -> list[str]:
    """``["Max. pressure: 10 bar", …]`` for the first ``limit`` of ``codes`` with a value."""
    result = []
    for code in codes:
        value = shown.get(code)
        attribute = attributes.get(code)
        if value is None or attribute is None:
            continue
        text = render_value(value, language, with_unit=True)
        if text:
            name = attribute.name.get(language) or attribute.name.get("en") or code
            result.append(f"{name}: {text}")
        if len(result) >= limit:
            break
    return result


def short_description(label, series, manufacturer, attributes, codes, shown) -> dict:
    result = {}
    for language in LANGUAGES:
        head = f"{label.get(language) or label.get('en')} {series}"
        maker = f"by {manufacturer.short}" if language == "en" else f"von {manufacturer.short}"
        listed = "; ".join(facts(attributes, codes, shown, language, limit=3))
        result[language] = f"{head} {maker}" + (f" – {listed}." if listed else ".")
    return result


def long_description(profile, label, series, family, attributes, shown, rng) -> dict:
    """Intro sentence of the class, key data, two benefit sentences and the ETIM class."""
    pool = list(profile.benefits) + COMMON_BENEFITS
    chosen = rng.sample(range(len(pool)), 2)
    family_name = family.name or {}
    result = {}
    for index, language in enumerate(LANGUAGES):
        label_text = label.get(language) or label.get("en")
        # English writes "the solenoid valve" mid-sentence; German nouns keep their capital.
        label_lc = label_text[:1].lower() + label_text[1:] if language == "en" else label_text
        sentences = [profile.intro[index].format(label=label_text, label_lc=label_lc, series=series)]
        listed = facts(attributes, profile.facts, shown, language, limit=4)
        if listed:
            lead = "Key data" if language == "en" else "Technische Eckdaten"
            sentences.append(f"{lead}: {'; '.join(listed)}.")
        sentences.extend(pool[i][index] for i in chosen)
        class_name = family_name.get(language) or family_name.get("en") or family.code
        if language == "en":
            sentences.append(f"Classified as ETIM 6.0 class {family.etim_class_code} ({class_name}).")
        else:
            sentences.append(f"Klassifiziert nach ETIM 6.0, Klasse {family.etim_class_code} ({class_name}).")
        result[language] = " ".join(sentences)
    return result


# --- article numbers -------------------------------------------------------------------------

_NOT_CODE = re.compile(r"[^0-9A-Z]+")


def article_code(shown: Shown | None, codes: dict) -> str:
    """A value as manufacturers write it in article numbers: 24, 0.5, G12, A2, 050."""
    if shown is None:
        return ""
    if shown.kind == "number":
        return format_number(shown.value, "en")
    if shown.kind == "range":
        low, high = shown.value
        if low is None or high is None or low == high:
            return format_number(high if low is None else low, "en")
        return f"{format_number(low, 'en')}{format_number(high, 'en')}"
    if shown.kind == "option":
        label = shown.label_en
        if label in codes:
            return codes[label]
        if label in INCH_CODES:
            return INCH_CODES[label]
        return _NOT_CODE.sub("", label.upper())[:6]
    if shown.kind == "boolean":
        return "Y" if shown.value else "N"
    return ""


def article_number(template: str, series: str, axes, codes: dict, shown: dict) -> str:
    def replace(match):
        name = match.group(1)
        if name == "series":
            return series
        if name == "axes":
            return "-".join(filter(None, (article_code(shown.get(code), codes) for code in axes)))
        return article_code(shown.get(name), codes)

    text = _REF.sub(replace, template)
    # A missing value must not leave "HSB120.M8x40." or "MV-100--DC" behind.
    text = re.sub(r"([.\-])[.\-]+", r"\1", text)
    return text.strip(".-")
