"""PDF datasheets generated from the catalog data, per product and language.

:func:`sheet_data` collects what the sheet shows (a JSON-able dict); its SHA-256 together
with the layout version is the cache key, so a datasheet is regenerated exactly when the
data it shows changed and is never stale. :func:`render_pdf` lays it out with ReportLab
and the Bitstream Vera fonts that ship inside the ReportLab wheel (Latin-1 plus ≤ ≥ µ °
… — no system fonts or libraries needed).
"""

import hashlib
import io
import json
import os
from functools import cache

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pim.catalog import trade
from pim.catalog.commercial import order_unit_label
from pim.catalog.localization import localize
from pim.catalog.models import Lifecycle, ReachStatus, RohsStatus
from pim.catalog.values import effective_values, format_stored_value

from .models import AssetKind, GeneratedDatasheet, LinkRole

LAYOUT_VERSION = "2"  # 2: logistics section (weights, dimensions, origin, packing units, declarations)
KEY_DATA_ROWS = 6
FONT = "PimSans"
FONT_BOLD = "PimSans-Bold"
# Characters Vera lacks, replaced by the closest it has.
_SUBSTITUTES = {"\u2300": "Ø", "\u03bc": "µ", "\u2011": "-", "\u00a0": " ", "\u202f": " ", "\u2212": "-"}


@cache
def _fonts() -> frozenset[int]:
    """Register the fonts once; return the code points they can draw."""
    import reportlab
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    regular = TTFont(FONT, os.path.join(folder, "Vera.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(FONT_BOLD, os.path.join(folder, "VeraBd.ttf")))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, FONT_BOLD)
    return frozenset(regular.face.charToGlyph)


def drawable(text: str) -> str:
    """``text`` with characters the font cannot draw replaced (never an empty box)."""
    glyphs = _fonts()
    out = []
    for ch in str(text):
        if ord(ch) in glyphs or ch in "\n\t":
            out.append(ch)
        else:
            sub = _SUBSTITUTES.get(ch, "?")
            out.append(sub if all(ord(c) in glyphs for c in sub) else "?")
    return "".join(out)


def _product_url(product, language: str) -> str:
    base = settings.PIM_PUBLIC_BASE_URL.rstrip("/")
    with translation.override(language):
        try:
            path = reverse("cms:product", args=[product.article_number])
        except NoReverseMatch:
            path = "/"
    return base + path


def _main_image_revision(product):
    from .downloads import product_links

    for link in product_links(product):
        asset = link.asset
        revision = asset.current_revision
        if (
            link.role in (LinkRole.MAIN_IMAGE, LinkRole.GALLERY)
            and asset.kind == AssetKind.IMAGE
            and revision is not None
            and revision.file_format in ("png", "jpeg", "webp")
        ):
            return revision
    return None


def _logistics_rows(product, language: str) -> list[list[str]]:
    """[label, text] rows of the logistics section in the active language: the product's
    own trade data, else its series' (``pim.catalog.trade``), then one row per packing unit."""
    number = trade.localized_decimal
    data = trade.effective_trade(product)
    labels = trade.FIELD_LABELS
    rows = [
        [labels["net_weight"], trade.format_weight(product.net_weight, number)],
        [labels["gross_weight"], trade.format_weight(product.gross_weight, number)],
        [
            _("Dimensions (L × W × H)"),
            trade.format_dimensions(product.length, product.width, product.height, number),
        ],
        [labels["country_of_origin"], trade.country_name(data["country_of_origin"])],
        [labels["customs_tariff_number"], data["customs_tariff_number"]],
    ]
    days = data["delivery_time_days"]
    if days is not None:
        rows.append(
            [
                _("Delivery time"),
                ngettext("%(days)s working day", "%(days)s working days", days) % {"days": days},
            ]
        )
    if data["un_number"]:
        goods = [_("UN %(number)s") % {"number": data["un_number"]}]
        if data["hazard_class"]:
            goods.append(_("class %(class)s") % {"class": data["hazard_class"]})
        if data["packing_group"]:
            goods.append(_("packing group %(group)s") % {"group": data["packing_group"]})
        rows.append([_("Dangerous goods"), ", ".join(goods)])
    if data["ce_marking"] is not None:
        rows.append([labels["ce_marking"], _("Yes") if data["ce_marking"] else _("No")])
    if data["rohs_status"] in RohsStatus.values:
        rows.append([labels["rohs_status"], RohsStatus(data["rohs_status"]).label])
    if data["reach_status"] in ReachStatus.values:
        reach = str(ReachStatus(data["reach_status"]).label)
        if data["scip_number"]:
            reach = _("%(status)s (SCIP number %(number)s)") % {
                "status": reach,
                "number": data["scip_number"],
            }
        rows.append([labels["reach_status"], reach])
    order_unit = order_unit_label(product.order_unit, language)
    for unit in product.packing_units.order_by("sort_order", "pk"):
        parts = [_("%(quantity)s × %(unit)s") % {"quantity": number(unit.quantity), "unit": order_unit}]
        if unit.gtin:
            parts.append(_("GTIN %(gtin)s") % {"gtin": unit.gtin})
        parts.append(trade.format_weight(unit.gross_weight, number))
        parts.append(trade.format_dimensions(unit.length, unit.width, unit.height, number))
        rows.append(
            [
                _("Packing unit: %(package)s") % {"package": unit.get_code_display()},
                " · ".join(part for part in parts if part),
            ]
        )
    return [[str(label), str(text)] for label, text in rows if text]


def sheet_data(product, language: str) -> dict:
    """Everything the datasheet shows, as plain data (the cache key is its hash)."""
    with translation.override(language):
        values = effective_values(product)
        groups = []
        key_rows = []
        for group, family_attributes in product.family.grouped_attributes():
            rows = []
            for fa in family_attributes:
                attribute = fa.attribute
                stored = values.get(attribute.code)
                if not stored or not attribute.show_on_product_page:
                    continue
                text = format_stored_value(stored, language, unit=fa.display_unit)
                if not text:
                    continue
                label = localize(attribute.name, language) or attribute.code
                rows.append([label, text])
                if attribute.filterable and len(key_rows) < KEY_DATA_ROWS:
                    key_rows.append([label, text])
            if rows:
                title = localize(group.name, language) if group else _("Further data")
                groups.append([title or _("Technical data"), rows])
        if not key_rows:
            key_rows = [row for _title, rows in groups for row in rows][:KEY_DATA_ROWS]

        notice = ""
        successor = product.successor if product.successor_id else None
        if successor is not None and not successor.is_publicly_visible():
            successor = None
        if product.lifecycle == Lifecycle.PHASE_OUT:
            notice = _("This product is being phased out.")
            if product.phase_out_date:
                notice = _("This product is being phased out (available until %(date)s).") % {
                    "date": date_format(product.phase_out_date, "SHORT_DATE_FORMAT")
                }
        elif product.lifecycle == Lifecycle.DISCONTINUED:
            notice = _("This product is discontinued.")
        if notice and successor is not None:
            notice += " " + _("Successor: %(article)s %(name)s") % {
                "article": successor.article_number,
                "name": successor.display_name(language),
            }
        image = _main_image_revision(product)
        order = [
            [_("Article number"), product.article_number],
            [_("GTIN"), product.gtin],
            [_("Manufacturer"), product.manufacturer_name],
            [_("Manufacturer part number"), product.manufacturer_pid],
            [_("Order unit"), product.order_unit],
            [_("Minimum order quantity"), f"{product.min_order_quantity.normalize():f}"],
        ]
        return {
            "layout": LAYOUT_VERSION,
            "language": language,
            "name": product.display_name(language),
            "article_number": product.article_number,
            "family": localize(product.family.name, language),
            "short_description": product.description("short_description", language),
            "long_description": product.description("long_description", language),
            "lifecycle": str(Lifecycle(product.lifecycle).label),
            "notice": notice,
            "identification": [row for row in order if row[1]],
            "key_data": key_rows,
            "groups": groups,
            "logistics": _logistics_rows(product, language),
            "image_sha256": image.sha256 if image else "",
            "url": _product_url(product, language),
            "labels": {
                "key_data": _("Key data"),
                "identification": _("Identification and ordering"),
                "technical": _("Technical data"),
                "logistics": _("Logistics"),
                "lifecycle": _("Lifecycle"),
                "page": _("Product page"),
                "footer": _("Generated from the product data. Subject to change."),
                "page_of": _("Page %(page)s"),
                "datasheet": _("Datasheet"),
            },
        }


def content_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _escape(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(drawable(text)).replace("\n", "<br/>")


def _image_flowable(revision, max_width, max_height):
    from PIL import Image as PILImage
    from reportlab.platypus import Image

    with revision.file.open("rb") as handle:
        picture = PILImage.open(handle)
        picture.load()
    picture.thumbnail((800, 800))
    if picture.mode not in ("RGB", "L"):
        background = PILImage.new("RGB", picture.size, "white")
        background.paste(picture, mask=picture.getchannel("A") if "A" in picture.getbands() else None)
        picture = background
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    buffer.seek(0)
    width, height = picture.size
    scale = min(max_width / width, max_height / height)
    return Image(buffer, width=width * scale, height=height * scale)


def render_pdf(data: dict, image_revision=None) -> bytes:
    """Lay out ``sheet_data`` as an A4 PDF."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _fonts()
    labels = data["labels"]
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12, alignment=TA_LEFT)
    small = ParagraphStyle(
        "small", parent=base, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#555555")
    )
    title = ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21)
    heading = ParagraphStyle(
        "heading", parent=base, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=8
    )
    notice_style = ParagraphStyle(
        "notice", parent=base, fontName=FONT_BOLD, textColor=colors.HexColor("#8a1c1c"), spaceBefore=4
    )
    cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11)
    cell_label = ParagraphStyle("cell_label", parent=cell, textColor=colors.HexColor("#333333"))

    def table(rows, widths):
        body = [[Paragraph(_escape(a), cell_label), Paragraph(_escape(b), cell)] for a, b in rows]
        result = Table(body, colWidths=widths, hAlign="LEFT")
        result.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                    ("ROWBACKGROUNDS", (0, 0), (-1, -1), [colors.white, colors.HexColor("#f4f6f8")]),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return result

    buffer = io.BytesIO()
    width = A4[0] - 36 * mm
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=drawable(f"{data['article_number']} {data['name']}"),
        subject=drawable(labels["datasheet"]),
        lang=data["language"],
    )
    story = [
        Paragraph(_escape(labels["datasheet"]) + " · " + _escape(data["family"]), small),
        Paragraph(_escape(data["name"] or data["article_number"]), title),
        Paragraph(_escape(data["article_number"]), heading),
    ]
    if data["notice"]:
        story.append(Paragraph(_escape(data["notice"]), notice_style))
    left = []
    if data["short_description"]:
        left.append(Paragraph(_escape(data["short_description"]), base))
        left.append(Spacer(1, 4))
    if data["key_data"]:
        left.append(Paragraph(_escape(labels["key_data"]), heading))
        left.append(table(data["key_data"], [width * 0.28, width * 0.30]))
    if image_revision is not None:
        picture = _image_flowable(image_revision, width * 0.36, 60 * mm)
        top = Table(
            [[left or [Spacer(1, 1)], picture]], colWidths=[width * 0.62, width * 0.38], hAlign="LEFT"
        )
        top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(top)
    else:
        story.extend(left)
    if data["long_description"]:
        story.append(Spacer(1, 6))
        story.append(Paragraph(_escape(data["long_description"]), base))
    story.append(Paragraph(_escape(labels["technical"]), heading))
    for group_title, rows in data["groups"]:
        story.append(
            KeepTogether(
                [
                    Paragraph(
                        _escape(group_title),
                        ParagraphStyle("g", parent=base, fontName=FONT_BOLD, spaceBefore=4),
                    ),
                    table(rows, [width * 0.45, width * 0.55]),
                ]
            )
        )
    if data.get("logistics"):  # absent in data of layout 1
        story.append(
            KeepTogether(
                [
                    Paragraph(_escape(labels["logistics"]), heading),
                    table(data["logistics"], [width * 0.45, width * 0.55]),
                ]
            )
        )
    story.append(Paragraph(_escape(labels["identification"]), heading))
    story.append(
        table(
            data["identification"] + [[labels["lifecycle"], data["lifecycle"]]], [width * 0.45, width * 0.55]
        )
    )
    story.append(Spacer(1, 8))
    url = data["url"]
    story.append(
        Paragraph(
            f'{_escape(labels["page"])}: <a href="{_escape(url)}" color="#1a4f8b">{_escape(url)}</a>', base
        )
    )
    footer_text = drawable(labels["footer"])

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(18 * mm, 10 * mm, footer_text)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, drawable(labels["page_of"] % {"page": doc.page}))
        canvas.restoreState()

    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _datasheet_name(product, language: str, digest: str) -> str:
    from .filenames import ascii_article

    return f"{ascii_article(product.article_number)}_datasheet_{language}_{digest[:12]}.pdf"


def datasheet_for(product, language: str) -> GeneratedDatasheet:
    """The current datasheet of ``product`` in ``language``: the cached PDF when the data
    is unchanged, else a freshly rendered one (the previous file is deleted)."""
    data = sheet_data(product, language)
    digest = content_hash(data)
    cached = GeneratedDatasheet.objects.filter(product=product, language=language).first()
    if (
        cached is not None
        and cached.content_hash == digest
        and cached.file
        and cached.file.storage.exists(cached.file.name)
    ):
        return cached
    with translation.override(language):
        pdf = render_pdf(data, _main_image_revision(product))
    sheet = cached or GeneratedDatasheet(product=product, language=language)
    old_name = sheet.file.name if sheet.file else ""
    sheet.content_hash = digest
    sheet.size = len(pdf)
    sheet.created_at = timezone.now()
    sheet.file.save(_datasheet_name(product, language, digest), ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            sheet.save()
    except IntegrityError:
        # Another request generated it at the same moment: use theirs.
        sheet.file.storage.delete(sheet.file.name)
        return GeneratedDatasheet.objects.get(product=product, language=language)
    if old_name and old_name != sheet.file.name:
        sheet.file.storage.delete(old_name)
    return sheet


def invalidate_for_products(product_ids) -> int:
    """Drop cached datasheets (the next request regenerates them). Not needed for
    correctness — the content hash catches every change — but frees storage early."""
    removed = 0
    for sheet in GeneratedDatasheet.objects.filter(product_id__in=list(product_ids)):
        if sheet.file:
            sheet.file.storage.delete(sheet.file.name)
        sheet.delete()
        removed += 1
    return removed
