"""JSON Lines feed for ERPs and integrations: one product per line.

Values are canonical: numbers in the quantity's canonical unit (``pascal``, ``kelvin``,
``meter``…, named as pint names them) with the unit's UN/ECE code where it has one, options
by code (with their ETIM code), texts per language. Assets carry absolute URLs (relative
sources are prefixed with the channel's media base URL). Delta feeds carry an ``action``
(new, update, delete); a deletion line has only ``action`` and ``article_number``.

Prices: every price row of the channel's currency that is valid today or later (all tiers,
every current and future validity period), each with its type, from-quantity and validity.

Trade and logistics data (:mod:`pim.catalog.trade`): ``trade`` has every trade field by its
name with the stored codes (``country_of_origin`` ISO 3166 alpha-2, ``reach_status`` ``free``…,
``ce_marking`` true/false), inherited from the series where the product has none, ``null``
where nothing is known; ``keywords`` are lists per language. ``logistics`` has the article's
weights in kg and outer dimensions in mm (``net_weight_kg``, ``length_mm``…) and the volume
computed from them (``volume_m3``); ``packing_units`` lists the trade packages in the
editor's order (packaging code, order units per package, GTIN, gross weight, dimensions,
whether it may be opened).

Numbers: every number is a JSON number (measurements, quantities and money alike; no decimal
strings), the shortest decimal that stands for the stored value, whole values as integers
(``1600000``, not ``1600000.0``):

- Decimals the catalog stores exactly (prices, tax rates, order quantities) are written
  exactly. No such field has more than 15 significant digits (``max_digits``), which a
  double carries without loss: a receiver parsing JSON numbers as doubles prints the same
  decimal again, one parsing them as decimals gets the stored amount exactly.
- Measurements are stored as floats in the canonical unit, and converting 10 l/h to m³/s
  leaves binary noise in the last digits (``2.7777777777777788e-06``). They are rounded to
  10 significant digits (``2.777777778e-06``), the rounding the catalog applies wherever it
  shows or exports a converted value (:func:`pim.catalog.units.round_significant`, also
  behind BMEcat and CSV numbers), so all formats agree: more digits than any datasheet value
  has, and converted back to the editor's unit and rounded the same way it is the number the
  editor typed (10 l/h).
"""

import json
from decimal import Decimal
from urllib.parse import urljoin

from pim.catalog import trade
from pim.catalog.models import AttributeType
from pim.catalog.units import round_significant

from .models import RunKind
from .source import ExportRecord
from .writers import BaseWriter


def json_number(value):
    """``value`` (a ``Decimal``, float or int) as the JSON number this feed writes for it:
    decimals exactly, floats rounded to the catalog's significant digits, whole values as
    integers; None stays None."""
    if value is None:
        return None
    number = float(value) if isinstance(value, Decimal) else round_significant(float(value))
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _plain(value):
    """A stored trade value as JSON: '' is unknown (null), a country its ISO code."""
    value = getattr(value, "code", value)  # a django-countries Country, if one is passed
    return None if value == "" else value


class JsonLinesWriter(BaseWriter):
    extension = "jsonl"
    content_type = "application/x-ndjson"
    kinds = (RunKind.FULL, RunKind.DELTA)

    def localized(self, record: ExportRecord, name: str) -> dict:
        texts = {language: record.text(name, language) for language in self.context.languages}
        return {language: text for language, text in texts.items() if text}

    def value(self, feature) -> dict:
        attribute = feature.attribute
        kind = attribute.type
        row = feature.rows[0]
        data: dict = {"type": kind}
        if kind in (AttributeType.NUMBER, AttributeType.RANGE):
            quantity = attribute.quantity
            if quantity is not None:
                data["unit"] = quantity.canonical_unit
                canonical = self.context.canonical_unit(quantity)
                if canonical is not None and canonical.unece_code:
                    data["unit_code"] = canonical.unece_code
            if kind == AttributeType.NUMBER:
                data["value"] = json_number(row.number)
            else:
                data["min"] = json_number(row.number_min)
                data["max"] = json_number(row.number_max)
            if feature.unit is not None:
                data["display_unit"] = feature.unit.symbol
        elif kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
            options = [
                {"code": o.code, **({"etim": o.etim_code} if o.etim_code else {})} for o in feature.options()
            ]
            if kind == AttributeType.ENUM:
                data["option"] = options[0] if options else None
            else:
                data["options"] = options
        elif kind == AttributeType.BOOLEAN:
            data["value"] = row.boolean
        elif attribute.localizable:
            data["value"] = {
                language: text
                for language in self.context.languages
                if (text := (row.text_localized or {}).get(language))
            }
        else:
            data["value"] = row.text
        if attribute.etim_code:
            data["etim"] = attribute.etim_code
        return data

    def trade_fields(self, record: ExportRecord) -> dict:
        data = {}
        for name in trade.INHERITED_FIELDS:
            if name == "keywords":
                keywords = {language: record.keywords(language) for language in self.context.languages}
                data[name] = {language: words for language, words in keywords.items() if words}
            elif name == "delivery_time_days":
                data[name] = json_number(record.trade.get(name))
            else:
                data[name] = _plain(record.trade.get(name))
        return data

    @staticmethod
    def logistics(product) -> dict:
        volume = trade.volume_m3(product.length, product.width, product.height)
        return {
            "net_weight_kg": json_number(product.net_weight),
            "gross_weight_kg": json_number(product.gross_weight),
            "length_mm": json_number(product.length),
            "width_mm": json_number(product.width),
            "height_mm": json_number(product.height),
            # a derived measurement: rounded like every converted value, not an exact decimal
            "volume_m3": json_number(float(volume)) if volume is not None else None,
        }

    @staticmethod
    def packing_units(record: ExportRecord) -> list:
        return [
            {
                "code": unit.code,
                "quantity": json_number(unit.quantity),
                "gtin": unit.gtin or None,
                "gross_weight_kg": json_number(unit.gross_weight),
                "length_mm": json_number(unit.length),
                "width_mm": json_number(unit.width),
                "height_mm": json_number(unit.height),
                "package_break": unit.package_break,
            }
            for unit in record.packing_units
        ]

    def asset_url(self, source: str) -> str:
        if "://" in source or not self.channel.media_base_url:
            return source
        return urljoin(self.channel.media_base_url.rstrip("/") + "/", source.lstrip("/"))

    def line(self, record: ExportRecord, category_codes: dict) -> dict:
        if record.is_deletion:
            return {"action": record.action, "article_number": record.article_number}
        product = record.product
        family = product.family
        data = {}
        if self.is_delta:
            data["action"] = record.action
        data.update(
            {
                "article_number": product.article_number,
                "gtin": product.gtin or None,
                "manufacturer_pid": product.manufacturer_pid or None,
                "manufacturer_name": product.manufacturer_name or None,
                "lifecycle": product.lifecycle,
                "family": {
                    "code": family.code,
                    "etim_class": family.etim_class_code or None,
                    "etim_version": family.etim_version or None,
                },
                "product_model": product.product_model.code if product.product_model_id else None,
                "name": self.localized(record, "name"),
                "short_description": self.localized(record, "short_description"),
                "long_description": self.localized(record, "long_description"),
                "categories": [category_codes[pk] for pk in record.category_ids if pk in category_codes],
                "order": {
                    "order_unit": product.order_unit,
                    "content_unit": product.content_unit,
                    "content_quantity": json_number(product.content_quantity),
                    "price_quantity": json_number(product.price_quantity),
                    "min_order_quantity": json_number(product.min_order_quantity),
                    "order_quantity_step": json_number(product.order_quantity_step),
                },
                "prices": [
                    {
                        "type": price.price_type,
                        "currency": price.currency,
                        "amount": json_number(price.amount),
                        "min_quantity": json_number(price.min_quantity),
                        "tax_rate": json_number(price.tax_rate),
                        "valid_from": price.valid_from.isoformat() if price.valid_from else None,
                        "valid_to": price.valid_to.isoformat() if price.valid_to else None,
                    }
                    for price in record.prices
                ],
                "trade": self.trade_fields(record),
                "logistics": self.logistics(product),
                "packing_units": self.packing_units(record),
                "values": {feature.name: self.value(feature) for feature in self.context.features(record)},
                "references": [
                    {
                        "kind": ref.kind,
                        "article_number": ref.article_number,
                        "quantity": json_number(ref.quantity),
                    }
                    for ref in record.references
                ],
                "assets": [
                    {
                        "url": self.asset_url(entry.source),
                        "purpose": entry.purpose,
                        "kind": entry.kind or None,
                        "mime_type": entry.mime_type or None,
                        "descriptions": dict(entry.descriptions),
                    }
                    for entry in record.mime
                ],
                "updated_at": product.updated_at.isoformat(),
            }
        )
        return data

    def write(self, stream, items) -> None:
        category_codes = {c.pk: c.code for c in self.context.categories()}
        for record in items:
            stream.write(json.dumps(self.line(record, category_codes), ensure_ascii=False).encode("utf-8"))
            stream.write(b"\n")
