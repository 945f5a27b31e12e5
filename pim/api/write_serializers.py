"""Request and response bodies of the write endpoints, for the OpenAPI schema.

The bodies are validated by the import's planner (:mod:`pim.api.writing`), not by these
serializers: they describe the contract field by field, so the schema documents what a client
may send and what it gets back, errors included.
"""

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pim.catalog.models import Product, ProductPrice, RelationKind
from pim.imports.columns import PRODUCT_FIELDS

from .writing import BULK_LIMIT, STATUS_CHOICES

_SCALAR = [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]


@extend_schema_field({"oneOf": _SCALAR, "nullable": True})
class ScalarField(serializers.Field):
    """A text, number or boolean as a spreadsheet cell holds it (``null`` clears)."""


@extend_schema_field(
    {
        "oneOf": [
            *_SCALAR,
            {"type": "array", "items": {"oneOf": _SCALAR}},
            {"type": "object", "additionalProperties": {"type": "string"}},
        ],
        "nullable": True,
    }
)
class AttributeValueField(serializers.Field):
    """An attribute value in any of the shapes the imports accept."""


def _help(name: str) -> str:
    try:
        model_field = Product._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    text = capfirst(str(model_field.verbose_name))
    return f"{text}. {model_field.help_text}" if model_field.help_text else text


class PriceWriteSerializer(serializers.Serializer):
    price_type = serializers.ChoiceField(choices=ProductPrice.PriceType.choices, help_text=_("Price type."))
    currency = serializers.CharField(help_text=_("ISO 4217 currency code, e.g. EUR."))
    amount = ScalarField(help_text=_('Amount per price quantity, e.g. "12.50".'))
    min_quantity = ScalarField(required=False, help_text=_("Tier: from this quantity on (default 1)."))
    valid_from = ScalarField(required=False, help_text=_("First day of validity (ISO 8601 date)."))
    valid_to = ScalarField(required=False, help_text=_("Last day of validity (ISO 8601 date)."))
    tax_rate = ScalarField(required=False, help_text=_("Tax rate as a fraction, e.g. 0.19."))


class PackingUnitWriteSerializer(serializers.Serializer):
    code = ScalarField(help_text=_("Package code (UN/ECE Rec. 21, e.g. CT)."))
    quantity = ScalarField(help_text=_("Pieces per package."))
    gtin = ScalarField(required=False, help_text=_("GTIN of the package."))
    gross_weight = ScalarField(required=False, help_text=_('Gross weight, e.g. "2.5 kg" (kg if bare).'))
    length = ScalarField(required=False, help_text=_('Length, e.g. "400 mm" (mm if bare).'))
    width = ScalarField(required=False, help_text=_("Width (mm if bare)."))
    height = ScalarField(required=False, help_text=_("Height (mm if bare)."))
    package_break = ScalarField(required=False, help_text=_("Whether the package may be broken."))


_LOCALIZED_HELP = _(
    'Text per language code, e.g. {"en": "Ball valve", "de": "Kugelhahn"}; an empty text clears.'
)


class ProductWriteSerializer(serializers.Serializer):
    """A product as a client writes it: only the keys given are changed."""

    name = serializers.DictField(child=serializers.CharField(), required=False, help_text=_LOCALIZED_HELP)
    short_description = serializers.DictField(
        child=serializers.CharField(), required=False, help_text=_LOCALIZED_HELP
    )
    long_description = serializers.DictField(
        child=serializers.CharField(), required=False, help_text=_LOCALIZED_HELP
    )
    keywords = serializers.DictField(
        child=serializers.CharField(), required=False, help_text=_("Keywords per language, separated by “;”.")
    )
    values = serializers.DictField(
        child=AttributeValueField(),
        required=False,
        help_text=_(
            'Attribute values by attribute code: numbers with a unit as in the admin ("16 bar", "232 psi"; '
            'a bare number is in the display unit), ranges as {"min": "-10 °C", "max": "120 °C"}, '
            "options by code or label (a list for multiple choice), true/false, texts (an object per "
            "language for localized texts); null clears."
        ),
    )
    prices = PriceWriteSerializer(
        many=True,
        required=False,
        help_text=_(
            "The whole price list of each currency named: prices of that currency not listed are removed; "
            "other currencies stay."
        ),
    )
    categories = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=_("Category codes (replaces the list).")
    )
    relations = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Article numbers by relation kind (%(kinds)s); a kind given replaces its list.")
        % {"kinds": ", ".join(RelationKind.values)},
    )
    successor = serializers.CharField(
        required=False, allow_null=True, help_text=_("Article number of the successor; null clears.")
    )
    packing_units = PackingUnitWriteSerializer(
        many=True, required=False, help_text=_("Packing units (replaces the list).")
    )

    def get_fields(self):
        fields = super().get_fields()
        for name in PRODUCT_FIELDS:
            fields[name] = ScalarField(required=False, help_text=_help(name))
        return fields


class BulkProductSerializer(ProductWriteSerializer):
    article_number = serializers.CharField(help_text=_("Article number: the product to create or update."))


class BulkRequestSerializer(serializers.Serializer):
    products = BulkProductSerializer(
        many=True, help_text=_("Up to %(limit)s products, each created or updated.") % {"limit": BULK_LIMIT}
    )


class WriteErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text=_("JSON path of the value, e.g. values.max_pressure; null: the product.")
    )
    message = serializers.CharField(help_text=_("What is wrong and how to fix it."))
    value = serializers.CharField(help_text=_("The value as received."))


class WriteErrorsSerializer(serializers.Serializer):
    errors = WriteErrorSerializer(
        many=True, help_text=_("Every problem of the request; nothing was written.")
    )


class BulkResultSerializer(serializers.Serializer):
    article_number = serializers.CharField(help_text=_("Article number of the item."))
    status = serializers.ChoiceField(choices=STATUS_CHOICES, help_text=_("What happened to the product."))
    errors = WriteErrorSerializer(many=True, help_text=_("Why the item was not written (status invalid)."))


class BulkResponseSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True, help_text=_("One result per item, in the request's order."))
