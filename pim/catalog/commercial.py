"""Order and packaging units (UN/ECE Rec. 20 codes) as people read them."""

from .localization import localize
from .unit_data import PACKAGING_UNITS

_PACKAGING = {code: {"en": en, "de": de} for code, en, de in PACKAGING_UNITS}


def order_unit_label(code: str, language: str | None = None) -> str:
    """A readable name of a UN/ECE Rec. 20 unit code (``C62`` → “piece”, ``MTR`` → “m”)."""
    from .models import Unit

    if code in _PACKAGING:
        return localize(_PACKAGING[code], language)
    unit = Unit.objects.filter(unece_code=code).only("symbol").first()
    return unit.symbol if unit else code


def order_unit_codes() -> list[str]:
    """Every UN/ECE code the catalog accepts as order or content unit."""
    from .models import Unit

    measured = Unit.objects.exclude(unece_code="").values_list("unece_code", flat=True)
    return [code for code, _en, _de in PACKAGING_UNITS] + sorted(set(measured))
