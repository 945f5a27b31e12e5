"""Admin widgets for attribute values: a number with a unit, a range with a unit, and the
category tree as an indented checkbox list."""

from django import forms

from .units import Measurement, format_number


def _text(magnitude) -> str:
    """A stored magnitude as the editor will see it in a text input (locale aware, no float noise)."""
    if magnitude is None:
        return ""
    return format_number(magnitude)


class MeasurementWidget(forms.MultiWidget):
    """A text input for the number plus a ``<select>`` of the quantity's units.

    The text input accepts a typed unit (``16 bar``, ``232 psi``) which wins over the select;
    the select is the unit of a bare number.
    """

    template_name = "catalog/admin/widgets/measurement.html"

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


class RangeWidget(forms.MultiWidget):
    """Minimum and maximum text inputs plus a unit ``<select>`` (omitted for plain numbers)."""

    template_name = "catalog/admin/widgets/range.html"

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
