"""Demo assets, so the public pages have downloads from the first run.

:func:`attach_demo_assets` gives the demo products a picture (main image), a STEP model
and an STL mesh (per series, or per product without one), a DXF drawing, and a manual
per family; a quality certificate is linked to the top categories. Every file is written
here (pim.assets.samples) and goes through the normal validation and storage. Content is
deterministic for a seed, so running it again links the existing assets instead of storing
copies. Datasheets need nothing: they are generated from the product data on request.

Each file describes what it is linked to: the models and drawings carry the series or
article code (and its dimensions where the data has them), the manual the family. Storage
de-duplicates by content, so two drawings that were the same bytes would become one asset
linked to unrelated series (a compressor's drawing on a safety valve).
"""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from random import Random

from django.db import transaction

from pim.catalog.demo.profiles import PROFILES_BY_CLASS
from pim.catalog.localization import localize
from pim.catalog.models import Category, ProductModelValue, ProductValue

from . import samples
from .models import AssetKind, AssetLink, LinkRole
from .services import create_asset, link_asset
from .signals import report_links

_COLORS = [(32, 96, 160), (160, 60, 40), (40, 130, 90), (110, 80, 150), (90, 90, 90), (190, 140, 30)]


@dataclass
class DemoAssetSummary:
    created: int = 0
    reused: int = 0
    links: int = 0


def _add(summary, file_bytes, filename, kind, title, languages=()):
    from io import BytesIO

    result = create_asset(BytesIO(file_bytes), filename=filename, kind=kind, title=title, languages=languages)
    if result.created:
        summary.created += 1
    else:
        summary.reused += 1
    return result.asset


def _link_many(asset, targets, field, role, summary):
    existing = set(
        AssetLink.objects.filter(asset=asset, role=role, **{f"{field}__in": targets}).values_list(
            f"{field}_id", flat=True
        )
    )
    new = [
        AssetLink(asset=asset, role=role, sort_order=10, **{field: t})
        for t in targets
        if t.pk not in existing
    ]
    AssetLink.objects.bulk_create(new)
    # bulk_create sends no post_save: report the products the new links reach here.
    report_links(new)
    summary.links += len(new)


# Length attributes (ETIM features of the demo classes) that give a product's outline in
# mm: its length, then width, then height, the first one a product has.
_LENGTH_CODES = ("EF000369", "EF001438", "EF000049", "EF007334")
_WIDTH_CODES = ("EF000008", "EF000177", "EF000015", "EF002504", "EF007111", "EF007496", "EF004759")
_HEIGHT_CODES = ("EF000040", "EF001761", "EF000177", "EF000015", "EF002504", "EF007111", "EF007496")
_DIMENSION_CODES = frozenset(_LENGTH_CODES + _WIDTH_CODES + _HEIGHT_CODES)
_MAX_MM = 2000.0  # a hose coil's 50 m is not an outline


def _ascii(text: str) -> str:
    """DXF R12 text is ASCII: "M8 × 40 mm" -> "M8 x 40 mm", "Ø" -> "D"."""
    text = text.replace("×", "x").replace("Ø", "D").replace("…", "...").replace("°", " deg")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _outlines(by_model, standalone) -> dict:
    """(what, pk) -> {attribute code: mm} of the dimensions the data has: a series has its
    shared values and those of its first variant (the drawing shows that one)."""
    first = {model.pk: min(members, key=lambda p: p.article_number).pk for model, members in by_model.items()}
    owner = {pk: ("model", model_pk) for model_pk, pk in first.items()}
    owner.update({p.pk: ("product", p.pk) for p in standalone})
    found = defaultdict(dict)

    def collect(rows, key):
        for pk, code, number in rows:
            millimetres = number * 1000.0
            if 0.5 <= millimetres <= _MAX_MM:
                found[key(pk)].setdefault(code, millimetres)

    wanted = {"attribute__code__in": _DIMENSION_CODES, "attribute__quantity__code": "length"}
    ids = list(owner)
    for start in range(0, len(ids), 500):
        rows = ProductValue.objects.filter(
            product_id__in=ids[start : start + 500], number__isnull=False, **wanted
        ).values_list("product_id", "attribute__code", "number")
        collect(rows, owner.__getitem__)
    model_ids = list(first)
    for start in range(0, len(model_ids), 500):
        rows = ProductModelValue.objects.filter(
            product_model_id__in=model_ids[start : start + 500], number__isnull=False, **wanted
        ).values_list("product_model_id", "attribute__code", "number")
        collect(rows, lambda pk: ("model", pk))
    return found


def _size(drawn, values: dict):
    """The outline (length, width, height) in mm from the product's values, each missing
    one from ``drawn``."""
    size = []
    for codes, fallback in zip((_LENGTH_CODES, _WIDTH_CODES, _HEIGHT_CODES), drawn, strict=True):
        size.append(round(next((values[c] for c in codes if c in values), fallback), 2))
    return tuple(size)


def _family_label(family) -> dict:
    """What the demo calls the family's products ("Push-in fitting"), else its ETIM name."""
    profile = PROFILES_BY_CLASS.get(family.etim_class_code)
    name = (profile.label if profile and profile.label else None) or family.name or {}
    label_en = localize(name, "en") or family.code
    return {"en": label_en, "de": localize(name, "de") or label_en}


def attach_demo_assets(products, rng: Random | None = None, *, progress=None) -> DemoAssetSummary:
    """Attach demo files to ``products`` (a queryset or list) and return what was done."""
    rng = rng or Random(1)
    summary = DemoAssetSummary()
    products = list(
        products.select_related("family", "product_model")
        if hasattr(products, "select_related")
        else products
    )
    by_model = defaultdict(list)
    standalone = []
    by_family = defaultdict(list)
    for product in products:
        by_family[product.family].append(product)
        if product.product_model_id:
            by_model[product.product_model].append(product)
        else:
            standalone.append(product)

    outlines = _outlines(by_model, standalone)
    units = [("model", model, model.code, localize(model.name, "en")) for model in by_model]
    units += [("product", p, p.article_number, p.display_name("en")) for p in standalone]
    iterable = progress(units) if progress else units
    for index, (what, target, code, name) in enumerate(iterable):
        drawn = (rng.choice([20, 30, 40, 60, 80]), rng.choice([20, 25, 30, 40]), rng.choice([15, 20, 30, 50]))
        size = _size(drawn, outlines.get((what, target.pk), {}))
        color = _COLORS[index % len(_COLORS)]
        with transaction.atomic():
            picture = _add(
                summary,
                samples.picture(f"{code} {name}", color=color),
                f"{code}.png",
                AssetKind.IMAGE,
                {"en": f"{name} – picture", "de": f"{name} – Bild"},
            )
            link_asset(picture, target, role=LinkRole.MAIN_IMAGE)
            step = _add(
                summary,
                samples.step_box(code, size, description=name),
                f"{code}.step",
                AssetKind.CAD_3D,
                {"en": f"{code} 3D model (STEP)", "de": f"{code} 3D-Modell (STEP)"},
            )
            link_asset(step, target)
            stl = _add(
                summary,
                samples.stl_box_binary(code, size),
                f"{code}.stl",
                AssetKind.CAD_3D,
                {"en": f"{code} mesh (STL)", "de": f"{code} Netz (STL)"},
            )
            link_asset(stl, target)
            drawing = _add(
                summary,
                samples.dxf_rectangle(size[0], size[1], title=_ascii(f"{code} {name}")),
                f"{code}.dxf",
                AssetKind.CAD_2D,
                {"en": f"{code} dimension drawing (DXF)", "de": f"{code} Maßzeichnung (DXF)"},
            )
            link_asset(drawing, target)
            summary.links += 4

    for family, members in by_family.items():
        label = _family_label(family)
        label_en, label_de = label["en"], label["de"]
        # The manual speaks of its family only (it once said "max. 16 bar" for bolts too).
        classified = (
            [f"ETIM {family.etim_version or '6.0'} {family.etim_class_code}: {localize(family.name, 'en')}"]
            if family.etim_class_code
            else []
        )
        with transaction.atomic():
            manual = _add(
                summary,
                samples.simple_pdf(
                    f"Operating instructions – {label_en}",
                    [
                        f"Betriebsanleitung – {label_de}",
                        "Installation, operation, maintenance / Installation, Betrieb, Wartung.",
                        *classified,
                    ],
                ),
                f"manual-{family.code}.pdf",
                AssetKind.MANUAL,
                {"en": f"Operating instructions {label_en}", "de": f"Betriebsanleitung {label_de}"},
                languages=["de", "en"],
            )
            _link_many(manual, members, "product", LinkRole.MANUAL, summary)

    # The certificate applies to everything: link it to the top of each category tree the
    # products sit in (a category link covers all subcategories).
    tree_ids = set(
        Category.objects.filter(products__in=[p.pk for p in products]).values_list("tree_id", flat=True)
    )
    roots = list(Category.objects.filter(parent__isnull=True, tree_id__in=tree_ids))
    if roots:
        with transaction.atomic():
            certificate = _add(
                summary,
                samples.simple_pdf(
                    "ISO 9001:2015 certificate",
                    [
                        "Quality management system",
                        "Zertifikat Qualitätsmanagementsystem",
                        "Valid until 2027-12-31",
                    ],
                ),
                "iso-9001-certificate.pdf",
                AssetKind.CERTIFICATE,
                {"en": "ISO 9001 certificate", "de": "ISO-9001-Zertifikat"},
                languages=["de", "en"],
            )
            for root in roots:
                link_asset(certificate, root)
                summary.links += 1
    return summary
