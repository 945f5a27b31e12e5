"""Admin widgets for attribute values: a number with a unit, a range with a unit, and the
category tree as an indented checkbox list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .units import Measurement, format_number


class LabelledPartsMixin:
    """Ties the field's visible label to the parts of a multi-input widget.

    Django gives a ``MultiWidget`` no ``id_for_label`` (which part would the label name?), so
    Wagtail rendered the field's ``<label>`` without ``for`` and screen readers announced the
    text box and the unit list without a name. Here the label points at the first input,
    and every part is named by the label plus a visually hidden word of its own ("unit",
    "minimum"…, Wagtail's ``w-sr-only``) through ``aria-labelledby``: Wagtail gives the label
    the id ``<input id>-label``; should that id ever be missing, the part still has its own
    word as name. The parts sit in a ``role="group"`` named by the same label.
    """

    part_labels: tuple = ()

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        id_ = widget["attrs"].get("id")
        if not id_:
            return context
        label_id = f"{self.id_for_label(id_)}-label"
        widget["group_label_id"] = label_id
        widget["part_labels"] = []
        for index, (subwidget, part_label) in enumerate(
            zip(widget["subwidgets"], self.part_labels, strict=False)
        ):
            part_id = f"{id_}_{index}-part"
            subwidget["attrs"]["aria-labelledby"] = f"{label_id} {part_id}"
            widget["part_labels"].append({"id": part_id, "text": part_label})
        return context


def _text(magnitude) -> str:
    """A stored magnitude as the editor will see it in a text input (locale aware, no float noise)."""
    if magnitude is None:
        return ""
    return format_number(magnitude)


class MeasurementWidget(LabelledPartsMixin, forms.MultiWidget):
    """A text input for the number plus a ``<select>`` of the quantity's units.

    The text input accepts a typed unit (``16 bar``, ``232 psi``) which wins over the select;
    the select is the unit of a bare number.
    """

    template_name = "catalog/admin/widgets/measurement.html"
    part_labels = (_("value"), _("unit"))

    def __init__(self, unit_choices, default_unit_code="", placeholder="", attrs=None):
        self.default_unit_code = default_unit_code
        number_attrs = {"class": "pim-measurement__number", "autocomplete": "off", "inputmode": "decimal"}
        if placeholder:
            number_attrs["placeholder"] = placeholder
        widgets = [
            forms.TextInput(attrs=number_attrs),
            forms.Select(choices=unit_choices, attrs={"class": "pim-measurement__unit"}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if value is None or value == "":
            return ["", self.default_unit_code]
        if isinstance(value, Measurement):
            unit_code = value.unit.code if value.unit is not None else self.default_unit_code
            return [_text(value.magnitude), unit_code]
        return [str(value), self.default_unit_code]


class RangeWidget(LabelledPartsMixin, forms.MultiWidget):
    """Minimum and maximum text inputs plus a unit ``<select>`` (omitted for plain numbers)."""

    template_name = "catalog/admin/widgets/range.html"
    part_labels = (_("minimum"), _("maximum"), _("unit"))

    def __init__(self, unit_choices=None, default_unit_code="", placeholders=("", ""), attrs=None):
        self.default_unit_code = default_unit_code
        self.has_unit = unit_choices is not None
        widgets = []
        for placeholder in placeholders:
            number_attrs = {"class": "pim-measurement__number", "autocomplete": "off"}
            if placeholder:
                number_attrs["placeholder"] = placeholder
            widgets.append(forms.TextInput(attrs=number_attrs))
        if self.has_unit:
            widgets.append(forms.Select(choices=unit_choices, attrs={"class": "pim-measurement__unit"}))
        super().__init__(widgets, attrs)

    def decompress(self, value):
        low, high = value if isinstance(value, tuple | list) and len(value) == 2 else (None, None)
        unit = next((m.unit for m in (high, low) if isinstance(m, Measurement) and m.unit), None)
        parts = [
            _text(m.magnitude) if isinstance(m, Measurement) else ("" if m is None else str(m))
            for m in (low, high)
        ]
        if self.has_unit:
            parts.append(unit.code if unit is not None else self.default_unit_code)
        return parts

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["has_unit"] = self.has_unit
        return context


class TreeCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes for tree nodes, indented by depth (labels come from the field)."""

    template_name = "catalog/admin/widgets/tree_checkboxes.html"
    option_template_name = "catalog/admin/widgets/tree_checkbox_option.html"

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        level = getattr(label, "level", 0)
        option["level"] = level
        option["indent"] = f"{level * 1.5:g}rem"
        return option
