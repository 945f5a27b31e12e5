"""Asset references (BMEcat MIME_INFO, JSON Lines ``assets``) through an optional hook.

Assets belong to ``pim.assets``. Exports ask it, at export time, through one function:

    pim.assets.exchange.mime_entries_for_products(product_ids: list[int]) -> dict[int, list]

returning per product a list of :class:`MimeEntry` or of mappings with the same keys
(``source``, ``mime_type``, ``purpose``, ``kind``, ``descriptions``, ``order``,
``etim_code``). A per-product ``mime_entries(product)`` is used when the batch function is
missing. If ``pim.assets.exchange`` does not exist (yet), products simply have no assets:
nothing is imported at module import time, so exports work without the assets app.
"""

import importlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field

# BMEcat 2005 MIME_PURPOSE values; anything else (e.g. CAD) is written as "others".
BMECAT_PURPOSES = {
    "data_sheet",
    "detail",
    "icon",
    "logo",
    "normal",
    "safety_data_sheet",
    "thumbnail",
    "others",
}
BMECAT12_PURPOSES = {"thumbnail", "normal", "detail", "data_sheet", "logo", "others"}

# ETIM guideline MIME codes: MD01 is the product picture; everything without an explicit
# code from the assets app is MD99 ("others").
ETIM_PICTURE_PURPOSES = {"normal", "detail", "thumbnail"}


@dataclass(frozen=True)
class MimeEntry:
    source: str  # absolute URL, or a path relative to the channel's media base URL
    purpose: str = "normal"  # a BMEcat MIME_PURPOSE, or e.g. "cad"
    kind: str = ""  # the asset kind as completeness names it: image, datasheet, cad…
    mime_type: str = ""
    descriptions: Mapping[str, str] = field(default_factory=dict)  # language -> text
    order: int | None = None
    etim_code: str = ""  # ETIM MIME code (MD01…), if the assets app knows it

    @classmethod
    def coerce(cls, value) -> "MimeEntry":
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            known = {name: value[name] for name in cls.__dataclass_fields__ if name in value}
            return cls(**known)
        raise TypeError(f"a MIME entry must be a MimeEntry or a mapping, not {type(value).__name__}")

    def bmecat_purpose(self, allowed=BMECAT_PURPOSES) -> str:
        return self.purpose if self.purpose in allowed else "others"

    def etim_mime_code(self) -> str:
        if self.etim_code:
            return self.etim_code
        return "MD01" if self.purpose in ETIM_PICTURE_PURPOSES else "MD99"


HOOK_MODULE = "pim.assets.exchange"


def _hook_module():
    if importlib.util.find_spec("pim.assets") is None or importlib.util.find_spec(HOOK_MODULE) is None:
        return None
    return importlib.import_module(HOOK_MODULE)


def mime_entries_for(products) -> dict[int, list[MimeEntry]]:
    """Asset references of ``products`` (a list of Product), by product id."""
    products = list(products)
    module = _hook_module()
    if module is None or not products:
        return {}
    batch = getattr(module, "mime_entries_for_products", None)
    if batch is not None:
        raw = batch([p.pk for p in products])
    else:
        single = getattr(module, "mime_entries", None)
        if single is None:
            return {}
        raw = {p.pk: single(p) for p in products}
    return {pk: [MimeEntry.coerce(entry) for entry in entries or []] for pk, entries in raw.items()}


def asset_kinds_for(products) -> dict[int, frozenset[str]]:
    """Asset kinds each product has (for completeness), from the same hook."""
    return {
        pk: frozenset(entry.kind or entry.purpose for entry in entries)
        for pk, entries in mime_entries_for(products).items()
    }
