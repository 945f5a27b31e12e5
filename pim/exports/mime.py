"""Asset references (BMEcat MIME_INFO, JSON Lines ``assets``) through an optional hook.

Assets belong to ``pim.assets``. Exports ask it, at export time, through one function:

    pim.assets.exchange.mime_entries_for_products(product_ids: list[int], *, jpeg_renditions: bool) -> dict[int, list]

returning per product a list of :class:`MimeEntry` or of mappings with the same keys
(``source``, ``mime_type``, ``purpose``, ``kind``, ``descriptions``, ``order``,
``etim_code``, ``jpeg_source``). A per-product ``mime_entries(product)`` is used when the
batch function is missing. If ``pim.assets.exchange`` does not exist (yet), products simply
have no assets: nothing is imported at module import time, so exports work without the
assets app.
"""

import importlib
import importlib.util
import re
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

# ETIM guideline (EDXF) MIME codes per asset kind (``MimeEntry.kind``). The schema lists the
# codes only (MD01-MD65 without MD36, MD99); their meanings are in the ETIM BMEcat guideline's
# code list (the document, not in ../shared/standards). Checked against that list as public
# ETIM xChange converters and receivers apply it, and against the official sample (its
# supplier logo is MD18, "Logo 4c", in that list):
# MD01 product picture, MD03 safety data sheet, MD09 certificate, MD12 dimensioned drawing,
# MD14 instructions for use, MD22 product data sheet, MD37 3D / BIM object, MD45 product
# video (video links are not exported yet), MD52 declaration of conformity (CE). A 2D CAD
# drawing of a component is its dimensioned drawing; software has no code of its own: MD99.
ETIM_MIME_CODES = {
    "image": "MD01",
    "datasheet": "MD22",
    "generated_datasheet": "MD22",
    "manual": "MD14",
    "certificate": "MD09",
    "declaration": "MD52",
    "cad_2d": "MD12",
    "cad_3d": "MD37",
    "video": "MD45",
}
# Without a known kind, the BMEcat purpose says enough for these.
ETIM_PURPOSE_CODES = {
    "normal": "MD01",
    "detail": "MD01",
    "thumbnail": "MD01",
    "data_sheet": "MD22",
    "safety_data_sheet": "MD03",
}
ETIM_OTHERS = "MD99"

# The BMEcat 2005 schema's MIME_TYPE pattern: six media types, "url", or a token of 1-30
# characters without "/". XSD's \w excludes punctuation such as "_" (Python's includes it).
BMECAT2005_MIME_TYPE = re.compile(
    r"^(application/pdf|application/xml|image/gif|image/jpeg|text/html|text/plain|url"
    r"|(?:[^\W_]|[.\-]){1,30})$"
)
# Media types the 2005 pattern rejects, written as the token of their file format (the
# pattern's form for "other types"; the file's own extension, which receivers also know).
# A CAD model is no text/plain or application/xml a receiver should display, so no
# listed type is "closer". Pictures should not get here: the assets app offers a JPEG
# rendition of each raster picture (``jpeg_source``), which is sent as image/jpeg.
BMECAT2005_MIME_TOKENS = {
    "model/step": "step",
    "model/iges": "iges",
    "model/stl": "stl",
    "image/vnd.dxf": "dxf",
    "image/vnd.dwg": "dwg",
    "application/zip": "zip",
    "application/octet-stream": "octet-stream",
    "image/png": "png",
    "image/webp": "webp",
    "image/svg+xml": "svg",
}
_TOKEN_CHARACTERS = re.compile(r"[^A-Za-z0-9.\-]+")


def bmecat2005_mime_type(mime_type: str) -> str:
    """``mime_type`` as the BMEcat 2005 schema accepts it ("" when there is none): the type
    itself when the schema lists it, else the token of its file format (see
    ``BMECAT2005_MIME_TOKENS``), else its subtype reduced to the characters a token may have."""
    if not mime_type:
        return ""
    mime_type = mime_type.split(";")[0].strip().lower()
    if BMECAT2005_MIME_TYPE.match(mime_type):
        return mime_type
    token = BMECAT2005_MIME_TOKENS.get(mime_type)
    if token is None:
        subtype = mime_type.rpartition("/")[2]
        token = _TOKEN_CHARACTERS.sub("-", subtype.removeprefix("vnd.").removeprefix("x-")).strip(".-")[:30]
    return token if BMECAT2005_MIME_TYPE.match(token) else ""


@dataclass(frozen=True)
class MimeEntry:
    source: str  # absolute URL, or a path relative to the channel's media base URL
    purpose: str = "normal"  # a BMEcat MIME_PURPOSE, or e.g. "cad"
    kind: str = ""  # the asset kind as completeness names it: image, datasheet, cad…
    mime_type: str = ""
    descriptions: Mapping[str, str] = field(default_factory=dict)  # language -> text
    order: int | None = None
    etim_code: str = ""  # ETIM MIME code (MD01…), if the assets app knows it
    # A public JPEG rendition of a picture (absolute, or relative like ``source``), for
    # formats whose receivers take no PNG/WebP: BMEcat 2005 and 1.2 send it as image/jpeg.
    jpeg_source: str = ""

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

    def bmecat_file(self) -> tuple[str, str]:
        """(source, MIME type) of this entry in BMEcat: the JPEG rendition of a picture when
        there is one, else the file itself with its own type."""
        if self.jpeg_source:
            return self.jpeg_source, "image/jpeg"
        return self.source, self.mime_type

    def etim_mime_code(self) -> str:
        """The ETIM guideline MIME code: the one the assets app gave, else by the asset's
        kind, else by its purpose, else MD99 (others)."""
        return (
            self.etim_code
            or ETIM_MIME_CODES.get(self.kind)
            or ETIM_PURPOSE_CODES.get(self.purpose)
            or ETIM_OTHERS
        )


HOOK_MODULE = "pim.assets.exchange"


def _hook_module():
    if importlib.util.find_spec("pim.assets") is None or importlib.util.find_spec(HOOK_MODULE) is None:
        return None
    return importlib.import_module(HOOK_MODULE)


def mime_entries_for(products, *, jpeg_renditions: bool = False) -> dict[int, list[MimeEntry]]:
    """Asset references of ``products`` (a list of Product), by product id; ``jpeg_renditions``:
    pictures also name their JPEG rendition (made on first use, so only for files that send it)."""
    products = list(products)
    module = _hook_module()
    if module is None or not products:
        return {}
    batch = getattr(module, "mime_entries_for_products", None)
    if batch is not None:
        ids = [p.pk for p in products]
        # The keyword only when asked for: a hook that offers no renditions still serves the rest.
        raw = batch(ids, jpeg_renditions=True) if jpeg_renditions else batch(ids)
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
