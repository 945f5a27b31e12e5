"""Admin forms of the catalog.

The product and product-model forms add one field per attribute of the family. Every value
is validated by :func:`pim.catalog.values.build_value_rows` (the same rules as imports) and
assigned to the owner's in-memory ``values`` relation on save, so Wagtail's revision
machinery stores it in drafts and publishing commits it.
"""

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.snippets.widgets import AdminSnippetChooser

from . import units as unit_service
from .localization import LocalizedFormField, localize
from .models import (
    Attribute,
    AttributeOption,
    AttributeType,
    Category,
    Family,
    FamilyAttribute,
    ProductModel,
    ProductModelValue,
    ProductValue,
    Quantity,
    Unit,
)
from .trade import FIELD_LABELS, INHERITED_FIELDS, country_name
from .values import build_value_rows, format_stored_value, raw_value, validate_variant
from .widgets import MeasurementWidget, RangeWidget, TreeCheckboxSelectMultiple

ATTRIBUTE_FIELD_PREFIX = "attr_"
_RANGE_SEPARATOR = re.compile(r"\.\.|…| to | bis ")


def attribute_field_name(code: str) -> str:
    """The form field name of an attribute: ``max_pressure`` -> ``attr_max_pressure``."""
    return ATTRIBUTE_FIELD_PREFIX + re.sub(r"\W", "_", code)


def _unit_choices(units) -> list[tuple[str, str]]:
    return [(unit.code, unit.symbol) for unit in units]


def _shown(attribute, canonical, unit) -> str:
    if unit is None:
        return unit_service.format_number(canonical, attribute.decimals)
    return unit_service.format_value(unit.from_canonical(canonical), unit, attribute.decimals)


class CapitalizedLabelsMixin:
    """Localized fields take the model field's verbose name as is ("name"): capitalize
    labels like Django does for other model fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.label:
                field.label = capfirst(field.label)


class CatalogAdminForm(CapitalizedLabelsMixin, WagtailAdminModelForm):
    """Base of the catalog editors' forms."""


# --- attribute value fields -------------------------------------------------------------------


class MeasurementField(forms.MultiValueField):
    """A number with a unit of one quantity. Cleans to a :class:`~pim.catalog.units.Measurement`
    (or None): a unit typed into the text input wins over the unit chosen in the select."""

    def __init__(self, *, quantity, units, default_unit, placeholder="", **kwargs):
        self.quantity = quantity
        self.units = list(units)
        self.default_unit = default_unit
        choices = _unit_choices(self.units)
        default_code = default_unit.code if default_unit is not None else ""
        super().__init__(
            fields=[forms.CharField(required=False), forms.ChoiceField(choices=choices, required=False)],
            widget=MeasurementWidget(choices, default_code, placeholder=placeholder),
            require_all_fields=False,
            **kwargs,
        )

    def _selected_unit(self, code):
        for unit in self.units:
            if unit.code == code:
                return unit
        return self.default_unit

    def clean(self, value):
        text, code = (list(value) + ["", ""])[:2] if isinstance(value, list | tuple) else (value, "")
        text = (text or "").strip()
        if not text:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        try:
            return unit_service.parse_measurement(text, self.quantity, self._selected_unit(code))
        except unit_service.UnitError as exc:
            raise ValidationError(exc.messages, code="invalid") from None

    def compress(self, data_list):  # pragma: no cover - clean() is overridden
        return data_list


class StoredMeasurementField(MeasurementField):
    """A weight or length typed in any unit of its quantity (``250 g``, ``0.5 lb``, ``12 cm``),
    cleaned to a ``Decimal`` in the unit the model stores (kg, mm), rounded to the model
    field's decimal places. Used for trade data kept in plain decimal columns."""

    def __init__(self, *, stored_unit, model_field, example, **kwargs):
        self.stored_unit = stored_unit
        self.step = Decimal(1).scaleb(-model_field.decimal_places)
        self.largest = Decimal(10) ** (model_field.max_digits - model_field.decimal_places)
        self.example = example
        super().__init__(default_unit=stored_unit, **kwargs)

    def clean(self, value):
        measurement = super().clean(value)
        if measurement is None:
            return None
        try:
            magnitude = unit_service.convert(
                measurement.magnitude, measurement.unit.pint_expression, self.stored_unit.pint_expression
            )
        except unit_service.UnitError as exc:
            raise ValidationError(exc.messages, code="invalid") from None
        if magnitude <= 0:
            raise ValidationError(
                gettext("%(value)s is not above zero: enter a positive value, e.g. %(example)s.")
                % {"value": measurement, "example": self.example},
                code="min_value",
            )
        if not math.isfinite(magnitude) or magnitude >= self.largest:
            raise self._too_large(measurement)
        # Through the shortest repr of the de-noised float, so 0.25 kg stays 0.25, not 0.2500000001.
        stored = Decimal(repr(unit_service.round_significant(magnitude))).quantize(self.step, ROUND_HALF_UP)
        if stored <= 0:
            raise ValidationError(
                gettext("%(value)s is too small: the smallest value stored is %(step)s %(unit)s.")
                % {"value": measurement, "step": f"{self.step:f}", "unit": self.stored_unit.symbol},
                code="min_value",
            )
        if stored >= self.largest:
            raise self._too_large(measurement)
        return stored

    def _too_large(self, measurement) -> ValidationError:
        return ValidationError(
            gettext("%(value)s is too large: enter less than %(largest)s %(unit)s.")
            % {"value": measurement, "largest": f"{self.largest:f}", "unit": self.stored_unit.symbol},
            code="max_value",
        )


class RangeField(forms.MultiValueField):
    """Minimum and maximum (either may be empty) in a unit of one quantity, or plain numbers.
    Cleans to ``(low, high)`` for :func:`~pim.catalog.values.build_value_rows`, or None."""

    def __init__(self, *, quantity, units, default_unit, placeholders=("", ""), **kwargs):
        self.quantity = quantity
        self.units = list(units)
        self.default_unit = default_unit
        fields = [forms.CharField(required=False), forms.CharField(required=False)]
        if quantity is not None:
            choices = _unit_choices(self.units)
            fields.append(forms.ChoiceField(choices=choices, required=False))
            widget = RangeWidget(
                choices, default_unit.code if default_unit else "", placeholders=placeholders
            )
        else:
            widget = RangeWidget(None, placeholders=placeholders)
        super().__init__(fields=fields, widget=widget, require_all_fields=False, **kwargs)

    def clean(self, value):
        parts = list(value) if isinstance(value, list | tuple) else [value or ""]
        parts += [""] * (3 - len(parts))
        low_text, high_text = (parts[0] or "").strip(), (parts[1] or "").strip()
        if not low_text and not high_text:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        if self.quantity is None:
            return (low_text or None, high_text or None)
        unit = next((u for u in self.units if u.code == parts[2]), self.default_unit)
        if low_text and not high_text and _RANGE_SEPARATOR.search(low_text):
            # "-10 .. 120 °C" typed into one box.
            try:
                return unit_service.parse_range(low_text, self.quantity, unit)
            except unit_service.UnitError as exc:
                raise ValidationError(exc.messages, code="invalid") from None
        result, errors = [], []
        for label, text in ((gettext("Minimum"), low_text), (gettext("Maximum"), high_text)):
            if not text:
                result.append(None)
                continue
            try:
                result.append(unit_service.parse_measurement(text, self.quantity, unit))
            except unit_service.UnitError as exc:
                errors.append(
                    ValidationError(
                        gettext("%(part)s: %(message)s") % {"part": label, "message": exc.messages[0]}
                    )
                )
        if errors:
            raise ValidationError(errors)
        return tuple(result)

    def compress(self, data_list):  # pragma: no cover - clean() is overridden
        return data_list


class _LenientChoiceMixin:
    """Leave the option check to ``build_value_rows``, whose message lists the options allowed."""

    def valid_value(self, value):
        return True


class OptionChoiceField(_LenientChoiceMixin, forms.ChoiceField):
    pass


class OptionMultipleChoiceField(_LenientChoiceMixin, forms.MultipleChoiceField):
    pass


BOOLEAN_CHOICES = [("", _("Unknown")), ("true", _("Yes")), ("false", _("No"))]


def _option_label(option) -> str:
    label = localize(option.name)
    return f"{label} ({option.code})" if label and label != option.code else option.code


def make_attribute_field(family_attribute, *, inherited_rows=None, axis_of=None) -> forms.Field:
    """The form field of one attribute of a family, labelled in the active language."""
    attribute = family_attribute.attribute
    kind = attribute.type
    display_unit = attribute.get_display_unit(family_attribute)
    help_parts = [localize(attribute.help_text)]
    placeholder = ""
    if inherited_rows:
        inherited = format_stored_value(inherited_rows, unit=display_unit)
        help_parts.append(gettext("Inherited from the product model: %(value)s.") % {"value": inherited})
        placeholder = inherited
    if attribute.is_numeric and (attribute.min_value is not None or attribute.max_value is not None):
        low = "…" if attribute.min_value is None else _shown(attribute, attribute.min_value, display_unit)
        high = "…" if attribute.max_value is None else _shown(attribute, attribute.max_value, display_unit)
        help_parts.append(gettext("Allowed: %(low)s to %(high)s.") % {"low": low, "high": high})
    codes = attribute.code + (f", {attribute.etim_code}" if attribute.etim_code else "")
    help_parts.append(gettext("Code: %(codes)s.") % {"codes": codes})
    common = {
        "label": localize(attribute.name) or attribute.code,
        "help_text": " ".join(part for part in help_parts if part),
        "required": axis_of is not None,
    }
    if axis_of is not None:
        common["error_messages"] = {
            "required": gettext("A variant of %(model)s needs a value here: it is a variant axis.")
            % {"model": axis_of.code}
        }

    if kind == AttributeType.NUMBER and attribute.quantity_id:
        return MeasurementField(
            quantity=attribute.quantity,
            units=attribute.quantity.units.all(),
            default_unit=display_unit,
            placeholder=placeholder,
            **common,
        )
    if kind == AttributeType.RANGE:
        return RangeField(
            quantity=attribute.quantity if attribute.quantity_id else None,
            units=attribute.quantity.units.all() if attribute.quantity_id else [],
            default_unit=display_unit,
            placeholders=(gettext("min"), gettext("max")),
            **common,
        )
    if kind == AttributeType.ENUM:
        choices = [("", "—")] + [(o.code, _option_label(o)) for o in family_attribute.options()]
        return OptionChoiceField(choices=choices, **common)
    if kind == AttributeType.MULTI_ENUM:
        options = list(family_attribute.options())
        widget = (
            forms.CheckboxSelectMultiple
            if len(options) <= 12
            else forms.SelectMultiple(attrs={"size": min(len(options), 12)})
        )
        return OptionMultipleChoiceField(
            choices=[(o.code, _option_label(o)) for o in options], widget=widget, **common
        )
    if kind == AttributeType.BOOLEAN:
        return forms.ChoiceField(choices=BOOLEAN_CHOICES, **common)
    if kind == AttributeType.TEXT and attribute.localizable:
        return LocalizedFormField(**common)
    # Plain text, and numbers without a quantity (a count, a ratio without unit).
    attrs = {"placeholder": placeholder} if placeholder else {}
    return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)


def initial_for(attribute, rows, display_unit=None):
    """The form field value of stored rows (see :func:`pim.catalog.values.raw_value`)."""
    value = raw_value(rows)
    if value is None:
        return None
    kind = attribute.type
    if kind == AttributeType.ENUM:
        return value.code
    if kind == AttributeType.MULTI_ENUM:
        return [option.code for option in value if option is not None]
    if kind == AttributeType.BOOLEAN:
        return "true" if value else "false"
    if kind == AttributeType.NUMBER and not attribute.quantity_id:
        return unit_service.format_number(value.magnitude)
    if kind == AttributeType.NUMBER:
        return _in_a_unit(value, display_unit)
    if kind == AttributeType.RANGE and attribute.quantity_id:
        return tuple(_in_a_unit(end, display_unit) for end in value)
    return value


def _in_a_unit(measurement, display_unit):
    """A stored number without its entered unit is canonical: show it in the display unit
    (a bare number would otherwise be read in the unit of the select)."""
    if measurement is None or measurement.unit is not None or display_unit is None:
        return measurement
    return unit_service.Measurement(display_unit.from_canonical(measurement.magnitude), display_unit)


class AttributeValuesFormMixin:
    """Adds a field per attribute of the owner's family and turns them into value rows.

    The family is the one in the submitted data (so the fields follow a changed family),
    else the initial one (``?family=`` on the create view), else the instance's.
    """

    value_row_class = ProductValue

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.value_rows = None
        self.attribute_fields: dict[str, FamilyAttribute] = {}
        self.attribute_field_names: dict[str, str] = {}
        self.attribute_groups: list[tuple[str, list[str]]] = []
        self.values_family = self.get_values_family()
        if self.values_family is not None:
            self._add_attribute_fields()

    # The family and inherited values; overridden for variants.
    def _submitted_or_initial(self, field_name):
        if self.is_bound:
            return self.data.get(self.add_prefix(field_name)) or None
        value = self.initial.get(field_name)
        if value is None:
            return getattr(self.instance, f"{field_name}_id", None)
        return getattr(value, "pk", value)

    def _lookup(self, model, pk):
        if pk in (None, ""):
            return None
        try:
            return model.objects.filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            return None

    def get_values_family(self):
        return self._lookup(Family, self._submitted_or_initial("family"))

    def get_inherited_rows(self) -> dict[str, list]:
        return {}

    def get_axis_owner(self):
        """The product model whose axes this owner must fill (variants only)."""
        return None

    def _current_rows(self) -> dict[int, list]:
        rows: dict[int, list] = {}
        if self.instance is None:
            return rows
        for row in self.instance.values.all():
            rows.setdefault(row.attribute_id, []).append(row)
        return rows

    def _add_attribute_fields(self):
        current = self._current_rows()
        inherited = self.get_inherited_rows()
        axis_owner = self.get_axis_owner()
        axis_ids = {a.pk for a in axis_owner.axes.all()} if axis_owner is not None else set()
        family_attributes = (
            self.values_family.family_attributes.select_related(
                "attribute__quantity", "attribute__display_unit", "display_unit__quantity", "group"
            )
            .prefetch_related("allowed_options")
            .order_by("group__sort_order", "group__code", "sort_order", "attribute__code")
        )
        groups: dict = {}
        for family_attribute in family_attributes:
            attribute = family_attribute.attribute
            name = attribute_field_name(attribute.code)
            if name in self.fields:
                name = f"{name}_{attribute.pk}"
            field = make_attribute_field(
                family_attribute,
                inherited_rows=inherited.get(attribute.code),
                axis_of=axis_owner if attribute.pk in axis_ids else None,
            )
            rows = current.get(attribute.pk, [])
            for row in rows:
                row.attribute = attribute  # spare a query per row
            initial = initial_for(attribute, rows, attribute.get_display_unit(family_attribute))
            if isinstance(field.widget, MeasurementWidget | RangeWidget):
                # A (low, high) tuple would reach the sub-widgets undecompressed.
                initial = field.widget.decompress(initial)
            field.initial = initial
            self.fields[name] = field
            self.attribute_fields[name] = family_attribute
            self.attribute_field_names[attribute.code] = name
            group = family_attribute.group
            heading = (localize(group.name) or group.code) if group else gettext("Other attributes")
            groups.setdefault((group.pk if group else None, heading), []).append(name)
        self.attribute_groups = [(heading, names) for (_pk, heading), names in groups.items()]

    # Drafts may be incomplete: required attribute fields (variant axes) are deferred too.
    def defer_required_fields(self):
        if self.is_deferred_validation:
            return
        super().defer_required_fields()
        for name in self.attribute_fields:
            if self.fields[name].required:
                self.fields[name].required = False
                self.deferred_required_fields.append(name)

    def clean(self):
        cleaned_data = super().clean()
        if self.values_family is None:
            return cleaned_data
        rows, by_code = [], {}
        for name, family_attribute in self.attribute_fields.items():
            if name not in cleaned_data:
                continue  # the field itself already has an error
            attribute = family_attribute.attribute
            try:
                new_rows = build_value_rows(
                    attribute,
                    cleaned_data[name],
                    family_attribute=family_attribute,
                    row_class=self.value_row_class,
                )
            except ValidationError as exc:
                self.add_error(name, exc)
                continue
            rows.extend(new_rows)
            if new_rows:
                by_code[attribute.code] = new_rows
        self.value_rows = rows
        self.clean_values(by_code)
        return cleaned_data

    def clean_values(self, rows_by_code):
        """Cross-attribute checks (variants)."""

    def save(self, commit=True):
        if self.value_rows is not None:
            # In memory on the cluster: a draft revision stores it, publishing commits it.
            self.instance.values = self.value_rows
        return super().save(commit=commit)


class CategoryLabel(str):
    """A category label that knows its depth in the tree (for indentation)."""

    level = 0


class CategoryMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Categories in tree order, each with its depth, as indented checkboxes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Category.objects.order_by("tree_id", "lft"))
        kwargs.setdefault("widget", TreeCheckboxSelectMultiple)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        label = CategoryLabel(localize(obj.name) or obj.code)
        label.level = obj.level
        return label


# --- trade and logistics data ---------------------------------------------------------------

_WEIGHT_HELP = _("With its unit, e.g. 250 g, 1.2 kg or 0.5 lb; a bare number is in the unit beside it.")
_LENGTH_HELP = _("Outer dimension with its unit, e.g. 120 mm, 12 cm or 4.7 in.")
# Product fields typed with a unit: (quantity code, stored unit code, units offered, example, help).
MEASURED_TRADE_FIELDS = {
    "net_weight": ("mass", "kg", ("g", "kg", "t", "lb"), "250 g", _WEIGHT_HELP),
    "gross_weight": ("mass", "kg", ("g", "kg", "t", "lb"), "300 g", _WEIGHT_HELP),
    "length": ("length", "mm", ("mm", "cm", "m", "in", "ft"), "120 mm", _LENGTH_HELP),
    "width": ("length", "mm", ("mm", "cm", "m", "in", "ft"), "80 mm", _LENGTH_HELP),
    "height": ("length", "mm", ("mm", "cm", "m", "in", "ft"), "45 mm", _LENGTH_HELP),
}


def use_measured_trade_fields(form) -> None:
    """Replace the plain kg/mm number fields of ``form`` by number-with-unit fields and show
    stored values in kg and mm. Without the seeded quantities the plain fields stay."""
    quantities = {
        quantity.code: quantity
        for quantity in Quantity.objects.filter(
            code__in={spec[0] for name, spec in MEASURED_TRADE_FIELDS.items() if name in form.fields}
        ).prefetch_related("units")
    }
    for name, (quantity_code, unit_code, offered, example, help_text) in MEASURED_TRADE_FIELDS.items():
        quantity = quantities.get(quantity_code)
        if name not in form.fields or quantity is None:
            continue
        units = {unit.code: unit for unit in quantity.units.all()}
        stored_unit = units.get(unit_code)
        if stored_unit is None or not stored_unit.pint_expression:
            continue
        model_field = form._meta.model._meta.get_field(name)
        extra_help = model_field.help_text
        form.fields[name] = StoredMeasurementField(
            quantity=quantity,
            units=[units[code] for code in offered if code in units],
            stored_unit=stored_unit,
            model_field=model_field,
            example=example,
            label=FIELD_LABELS[name],
            help_text=f"{extra_help} {help_text}" if extra_help else help_text,
            required=False,
        )
        value = getattr(form.instance, name)
        if value is not None:
            form.initial[name] = unit_service.Measurement(float(value), stored_unit)


def series_value_text(series, name: str) -> str:
    """A trade field of a series as an editor reads it ('' when the series has none)."""
    value = getattr(series, name)
    if value is None or value == "" or value == {}:
        return ""
    if name == "country_of_origin":
        return country_name(value)
    if name == "keywords":
        return localize(value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    choices = dict(series._meta.get_field(name).flatchoices)
    return str(choices.get(value, value))


def show_series_trade_values(form, series) -> None:
    """Tell the editor of a variant what an empty trade field exports: the series' value as
    help text, placeholder or the label of the empty choice."""
    for name in INHERITED_FIELDS:
        field = form.fields.get(name)
        text = series_value_text(series, name)
        if field is None or not text:
            continue
        hint = gettext("Empty: from series %(series)s: %(value)s.") % {"series": series.code, "value": text}
        field.help_text = f"{hint} {field.help_text}" if field.help_text else hint
        widget = field.widget
        if isinstance(widget, forms.NullBooleanSelect):
            widget.choices = [("unknown", gettext("From series: %(value)s") % {"value": text})] + [
                choice for choice in widget.choices if choice[0] != "unknown"
            ]
        elif isinstance(field, forms.ChoiceField):
            choices = [choice for choice in field.choices if choice[0] != ""]
            field.choices = [("", gettext("From series: %(value)s") % {"value": text}), *choices]
        elif isinstance(field, LocalizedFormField):
            values = getattr(series, name) or {}
            for language, part in zip(field.languages, widget.widgets, strict=True):
                if values.get(language):
                    part.attrs["placeholder"] = values[language]
        else:
            widget.attrs["placeholder"] = text


class ProductAdminForm(AttributeValuesFormMixin, CatalogAdminForm):
    """The product editor: the family's attributes, variant axes, categories as a tree."""

    value_row_class = ProductValue
    categories = CategoryMultipleChoiceField(label=capfirst(_("categories")))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "family" in self.fields:
            # A variant takes the family of its product model when none is chosen.
            self.fields["family"].required = False
        use_measured_trade_fields(self)
        if (series := self.get_product_model()) is not None:
            show_series_trade_values(self, series)

    def get_product_model(self):
        return self._lookup(ProductModel, self._submitted_or_initial("product_model"))

    def get_values_family(self):
        family = super().get_values_family()
        if family is None and (model := self.get_product_model()) is not None:
            family = model.family
        return family

    def get_axis_owner(self):
        return self.get_product_model()

    def get_inherited_rows(self):
        model = self.get_product_model()
        if model is None:
            return {}
        rows: dict[str, list] = {}
        for row in model.values.select_related("attribute", "unit__quantity", "option"):
            rows.setdefault(row.attribute.code, []).append(row)
        return rows

    def clean(self):
        cleaned_data = super().clean()
        model = cleaned_data.get("product_model")
        if "family" in self.fields and not cleaned_data.get("family") and "family" not in self.errors:
            if model is not None:
                cleaned_data["family"] = model.family
            else:
                self.add_error("family", self.fields["family"].error_messages["required"])
        return cleaned_data

    def is_valid(self):
        valid = super().is_valid()
        # The inline relation forms do not know their product while they validate, so
        # ProductRelation.clean() cannot see a product related to itself: check it here.
        relations = self.formsets.get("relations")
        if relations is None or not self.instance.pk:
            return valid
        for form in relations.forms:
            data = getattr(form, "cleaned_data", None) or {}
            target = data.get("target")
            if target is not None and target.pk == self.instance.pk and not data.get("DELETE"):
                if "target" not in form.errors:
                    form.add_error("target", gettext("A product cannot be related to itself."))
                valid = False
        return valid

    def clean_values(self, rows_by_code):
        model = self.cleaned_data.get("product_model")
        if model is None or self.is_deferred_validation:
            return
        if self.cleaned_data.get("family") and self.cleaned_data["family"].pk != model.family_id:
            return  # Product.clean names the family mismatch
        missing = False
        for axis in model.axes.all():
            if rows_by_code.get(axis.code):
                continue
            missing = True
            name = self.attribute_field_names.get(axis.code)
            if name is None:
                self.add_error(
                    None,
                    gettext("Variant axis %(axis)s of %(model)s is not an attribute of family %(family)s.")
                    % {"axis": axis, "model": model.code, "family": self.values_family},
                )
            elif name not in self.errors:
                self.add_error(name, self.fields[name].error_messages["required"])
        if missing:
            return
        try:
            validate_variant(SimpleNamespace(product_model=model, pk=self.instance.pk), rows_by_code)
        except ValidationError as exc:
            self.add_error(None, exc)


class ProductModelAdminForm(AttributeValuesFormMixin, CatalogAdminForm):
    """The product-model editor: shared values, and axes chosen among the family's attributes."""

    value_row_class = ProductModelValue
    categories = CategoryMultipleChoiceField(label=capfirst(_("categories")))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "axes" in self.fields:
            field = self.fields["axes"]
            field.widget = forms.CheckboxSelectMultiple()
            if self.values_family is None:
                field.queryset = Attribute.objects.none()
                field.help_text = _("Choose the family and save a draft to pick the variant axes.")
            else:
                field.queryset = Attribute.objects.filter(
                    family_attributes__family=self.values_family
                ).order_by("code")
            field.label_from_instance = lambda a: f"{localize(a.name) or a.code} ({a.code})"
            field.widget.choices = field.choices


# --- categories ---------------------------------------------------------------------------------


class CategoryAdminForm(CatalogAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "parent" in self.fields:
            field = self.fields["parent"]
            field.widget = forms.Select()
            field.queryset = Category.objects.order_by("tree_id", "lft")
            field.label_from_instance = lambda c: "\u2003" * c.level + (localize(c.name) or c.code)
            field.widget.choices = field.choices

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if (
            parent is not None
            and self.instance.pk
            and (parent.pk == self.instance.pk or parent.is_descendant_of(self.instance))
        ):
            raise ValidationError(
                _("“%(parent)s” is inside this category: a category cannot be moved below itself."),
                params={"parent": parent},
            )
        return parent


# --- plain-FK children edited on their parent's page -------------------------------------------


class ChildFormSetsMixin:
    """Edits children that point at the instance with a plain ForeignKey (not a ParentalKey)
    in Django inline formsets, saved right after the instance.

    ``child_formset_classes`` maps a name to an inline formset class.
    """

    child_formset_classes: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.child_formsets = {
            name: formset_class(
                self.data if self.is_bound else None,
                self.files if self.is_bound else None,
                instance=self.instance,
                prefix=self.add_prefix(name),
            )
            for name, formset_class in self.child_formset_classes.items()
        }

    def is_valid(self):
        valid = super().is_valid()
        # Validate every formset (no short-circuit) so that all their errors are shown.
        formsets_valid = [formset.is_valid() for formset in self.child_formsets.values()]
        return valid and all(formsets_valid)

    def has_changed(self):
        return super().has_changed() or any(fs.has_changed() for fs in self.child_formsets.values())

    @property
    def media(self):
        media = super().media
        for formset in self.child_formsets.values():
            media += formset.media
        return media

    def save(self, commit=True):
        instance = super().save(commit=commit)
        if commit:
            for formset in self.child_formsets.values():
                formset.instance = instance
                formset.save()
        return instance


class OptionsSelectMultiple(forms.SelectMultiple):
    """A multiple select that says why it is empty instead of showing an empty box."""

    empty_text = ""

    def render(self, name, value, attrs=None, renderer=None):
        if not list(self.choices):
            return format_html('<span class="pim-muted">{}</span>', self.empty_text or "—")
        return super().render(name, value, attrs, renderer)


class FamilyAttributeForm(CapitalizedLabelsMixin, forms.ModelForm):
    class Meta:
        model = FamilyAttribute
        fields = ["attribute", "group", "sort_order", "display_unit", "in_listing", "allowed_options"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attribute"].widget = AdminSnippetChooser(Attribute, icon="list-ol")
        self.fields["display_unit"].queryset = Unit.objects.select_related("quantity")
        self.fields["display_unit"].label_from_instance = lambda u: f"{u.symbol} ({u.quantity})"
        options = self.fields["allowed_options"]
        options.label_from_instance = _option_label
        options.widget = OptionsSelectMultiple()
        attribute = self.instance.attribute if self.instance.attribute_id else None
        if attribute is not None and attribute.has_options:
            options.queryset = attribute.options.order_by("sort_order", "code")
            options.widget.attrs["size"] = min(6, max(2, len(options.queryset)))
        else:
            options.queryset = AttributeOption.objects.none()
            options.disabled = True
            options.widget.empty_text = (
                gettext("Choose after saving the row.")
                if attribute is None
                else gettext("Not an enumeration.")
            )
        options.widget.choices = options.choices

    def clean(self):
        cleaned_data = super().clean()
        attribute = cleaned_data.get("attribute")
        unit = cleaned_data.get("display_unit")
        if attribute is None:
            # FamilyAttribute.clean() reads the attribute of a display unit; without one the
            # form already has an error at "attribute".
            cleaned_data.pop("display_unit", None)
            return cleaned_data
        if attribute is not None and unit is not None and unit.quantity_id != attribute.quantity_id:
            self.add_error(
                "display_unit",
                gettext("%(unit)s is not a unit of the quantity of %(attribute)s (%(quantity)s).")
                % {
                    "unit": unit,
                    "attribute": attribute.code,
                    "quantity": attribute.quantity or gettext("none"),
                },
            )
        options = cleaned_data.get("allowed_options")
        if attribute is not None and options:
            foreign = [o.code for o in options if o.attribute_id != attribute.pk]
            if foreign:
                self.add_error(
                    "allowed_options",
                    gettext("Options %(codes)s belong to another attribute.") % {"codes": ", ".join(foreign)},
                )
        return cleaned_data


class BaseFamilyAttributeFormSet(BaseInlineFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queryset = self.queryset.select_related("attribute", "group", "display_unit").order_by(
            "group__sort_order", "group__code", "sort_order", "attribute__code"
        )


FamilyAttributeFormSet = inlineformset_factory(
    Family,
    FamilyAttribute,
    form=FamilyAttributeForm,
    formset=BaseFamilyAttributeFormSet,
    extra=1,
    can_delete=True,
)


class FamilyAdminForm(ChildFormSetsMixin, CatalogAdminForm):
    child_formset_classes = {"family_attributes": FamilyAttributeFormSet}


def _values_using(**lookup) -> int:
    return ProductValue.objects.filter(**lookup).count() + ProductModelValue.objects.filter(**lookup).count()


class AttributeOptionForm(CapitalizedLabelsMixin, forms.ModelForm):
    class Meta:
        model = AttributeOption
        fields = ["code", "name", "sort_order", "etim_code", "eclass_code"]


class BaseAttributeOptionFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            option = form.instance
            if option.pk and (count := _values_using(option=option)):
                raise ValidationError(
                    gettext(
                        "Option %(code)s cannot be deleted: %(count)s stored values use it. "
                        "Change those values first."
                    )
                    % {"code": option.code, "count": count}
                )


AttributeOptionFormSet = inlineformset_factory(
    Attribute,
    AttributeOption,
    form=AttributeOptionForm,
    formset=BaseAttributeOptionFormSet,
    extra=1,
    can_delete=True,
)


class AttributeAdminForm(ChildFormSetsMixin, CatalogAdminForm):
    """Attributes with their options; bounds are typed with a unit ("400 bar")."""

    child_formset_classes = {"options": AttributeOptionFormSet}
    bound_help = _("A number with its unit, e.g. “400 bar”; a bare number is in the display unit.")
    min_value = forms.CharField(label=_("Minimum"), required=False, help_text=bound_help)
    max_value = forms.CharField(label=_("Maximum"), required=False, help_text=bound_help)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "quantity" in self.fields:
            self._use_select("quantity", Quantity.objects.order_by("code"), str)
        if "display_unit" in self.fields:
            self._use_select(
                "display_unit",
                Unit.objects.select_related("quantity").order_by("quantity__code", "sort_order", "code"),
                lambda u: f"{u.symbol} ({u.quantity})",
            )
        instance = self.instance
        for name in ("min_value", "max_value"):
            value = getattr(instance, name)
            if value is not None and name in self.fields:
                unit = instance.get_display_unit() if instance.quantity_id else None
                self.initial[name] = _shown(instance, value, unit)

    def _use_select(self, name, queryset, label):
        field = self.fields[name]
        field.widget = forms.Select()
        field.queryset = queryset
        field.label_from_instance = label
        field.widget.choices = field.choices

    def _canonical_bound(self, name):
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        quantity = self.cleaned_data.get("quantity")
        try:
            if quantity is None:
                return unit_service.parse_number(text)
            unit = self.cleaned_data.get("display_unit") or next(
                (u for u in quantity.units.all() if u.pint_expression == quantity.canonical_unit), None
            )
            measurement = unit_service.parse_measurement(text, quantity, unit)
            return measurement.to_canonical() if measurement.unit is not None else measurement.magnitude
        except ValueError:
            self.add_error(name, gettext("“%(text)s” is not a number.") % {"text": text})
        except unit_service.UnitError as exc:
            self.add_error(name, exc)
        return None

    def clean(self):
        cleaned_data = super().clean()
        for name in ("min_value", "max_value"):
            if name in cleaned_data:
                cleaned_data[name] = self._canonical_bound(name)
        instance = self.instance
        if not instance.pk:
            return cleaned_data
        stored = None
        for field in ("type", "quantity"):
            if field in self.changed_data and field in cleaned_data:
                if stored is None:
                    stored = _values_using(attribute=instance)
                if stored:
                    self.add_error(
                        field,
                        gettext(
                            "%(count)s stored values of %(code)s were entered as %(old)s; changing "
                            "the %(field)s would misread them. Create a new attribute instead."
                        )
                        % {
                            "count": stored,
                            "code": instance.code,
                            "old": _stored_display(instance, field),
                            "field": Attribute._meta.get_field(field).verbose_name,
                        },
                    )
        return cleaned_data


def _stored_display(attribute, field) -> str:
    stored = Attribute.objects.select_related("quantity").get(pk=attribute.pk)
    return stored.get_type_display() if field == "type" else str(stored.quantity or gettext("no quantity"))


class QuantityAdminForm(CatalogAdminForm):
    def clean_canonical_unit(self):
        value = self.cleaned_data.get("canonical_unit", "")
        instance = self.instance
        if instance.pk and value != Quantity.objects.get(pk=instance.pk).canonical_unit:
            lookup = Q(attribute__quantity=instance)
            if (
                ProductValue.objects.filter(lookup).exists()
                or ProductModelValue.objects.filter(lookup).exists()
            ):
                raise ValidationError(
                    _(
                        "Values of %(quantity)s are stored in %(unit)s; changing the canonical unit would "
                        "misread them."
                    ),
                    params={"quantity": instance, "unit": instance.canonical_unit},
                )
        return value
